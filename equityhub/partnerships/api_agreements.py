"""/api/v1/consortium: agreements."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["consortium"])

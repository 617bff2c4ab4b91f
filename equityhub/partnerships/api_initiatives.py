"""/api/v1/consortium: initiatives."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["consortium"])

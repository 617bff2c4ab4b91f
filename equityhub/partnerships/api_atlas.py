"""/api/v1/atlas: the atlas's layers."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["atlas"])

"""/api/v1/areas: areas as GeoJSON with their indicators."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["places"])

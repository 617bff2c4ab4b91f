"""Places tests: the volunteering sites' fixtures, and a fresh areas cache for every test."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from equityhub.places import selectors as places_selectors
from tests.volunteering.conftest import other_site, site, supervisor  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _fresh_areas_cache() -> None:
    """The areas' GeoJSON is cached by a data version; start every test without it, so a map
    cached by an earlier test (under frozen time, say) is never served."""
    cache.clear()
    places_selectors.clear_local_cache()

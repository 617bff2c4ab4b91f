from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders

# Every asset the base layout loads, served locally (never from a CDN).
ASSETS = [
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "vendor/htmx/htmx.min.js",
    "vendor/leaflet/leaflet.js",
    "css/equityhub.css",
    "js/equityhub.js",
]


@pytest.mark.parametrize("path", ASSETS)
def test_the_layouts_assets_are_found_by_the_static_finders(path):
    assert finders.find(path), path


def test_the_base_layout_loads_no_asset_from_another_host(client):
    html = client.get("/accounts/login/").content.decode()
    assert "https://" not in html.split("<body")[0]
    for path in ["css/equityhub.css", "vendor/htmx/htmx.min.js"]:
        assert f"/static/{path}" in html

"""The atlas map's tooltips in Chromium: names of areas and sites and indicator units come from
imported files and the admin, and are shown as text, never read as HTML."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from equityhub.accounts.models import Role, User
from tests.partnerships.atlas_fixtures import make_indicator, make_site, set_value, square_area

AREA_NAME = '<b id="injected-area">Old North</b>'
SITE_NAME = '<img src="x" id="injected-site">Free Clinic'
UNIT = '<i id="injected-unit">%</i>'


@pytest.mark.browser
def test_area_and_site_names_and_units_are_shown_as_text_in_the_tooltips(
    page: Page, site: str, sign_in: Callable[[User], None], make_user: Callable[..., User]
) -> None:
    coordinator = make_user(Role.PROGRAM_COORDINATOR)
    north = square_area("63106", index=0, name=AREA_NAME)
    set_value(make_indicator(unit=UNIT), north, 44.7)
    make_site(north, SITE_NAME)
    sign_in(coordinator)

    page.goto(f"{site}/atlas/")
    expect(page.locator("#atlas-status")).to_have_text("Map ready: 1 areas.", timeout=10_000)
    expect(page.locator("path.eh-mark-site")).to_be_attached(timeout=10_000)

    page.locator("path.eh-mark-site").hover(force=True)
    tooltip = page.locator(".leaflet-tooltip").last
    expect(tooltip).to_have_text(f"{SITE_NAME} (Clinic or health center)", timeout=10_000)

    area = page.locator("path.eh-area-63106")
    box = area.bounding_box()
    assert box is not None
    # Away from the site's symbol at the centre.
    area.hover(position={"x": box["width"] * 0.2, "y": box["height"] * 0.85})
    area_tooltip = page.locator(".leaflet-tooltip", has_text="63106")
    expect(area_tooltip).to_contain_text(f"63106 {AREA_NAME}: 44.7 {UNIT}", timeout=10_000)

    for injected in ("#injected-area", "#injected-site", "#injected-unit"):
        expect(page.locator(f".leaflet-tooltip {injected}")).to_have_count(0)

"""The atlas journey in Chromium: a program coordinator opens the health-equity atlas, waits for
the ZIP areas to be drawn from /api/v1/areas, switches the indicator (the legend, the tables and
the address follow without a page load), clicks an area and reads its initiative in the side
panel, then opens another area from the keyboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from equityhub.accounts.models import Role, User
from tests.factories import OrganizationFactory
from tests.partnerships.atlas_fixtures import (
    initiative_in,
    make_indicator,
    make_site,
    pathway_people,
    set_value,
    square_area,
)

SignIn = Callable[[User], None]
Screenshot = Callable[[str], Path]


@pytest.mark.browser
def test_a_coordinator_switches_the_indicator_and_opens_an_areas_initiatives(
    page: Page,
    site: str,
    sign_in: SignIn,
    make_user: Callable[..., User],
    screenshot: Screenshot,
) -> None:
    coordinator = make_user(Role.PROGRAM_COORDINATOR)
    north = square_area("63106", index=0, name="Old North")
    downtown = square_area("63101", index=1, name="Downtown")
    clayton = square_area("63105", index=2, name="Clayton")
    poverty = make_indicator()
    life = make_indicator("life_exp", "Life expectancy", "years", higher_means_more_need=False)
    for area, rate, years in ((north, 44.7, 69.2), (downtown, 25.0, 74.0), (clayton, 6.1, 87.0)):
        set_value(poverty, area, rate)
        set_value(life, area, years)
    lead = OrganizationFactory(name="Northside Community Health Collaborative")
    initiative_in(lead, [north], title="Northside Cancer Screening Days")
    make_site(north, "Saturday Neighborhood Free Clinic")
    pathway_people(clayton.code, 12)
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", console)

    sign_in(coordinator)
    page.goto(f"{site}/atlas/")
    expect(page.get_by_role("heading", name="Health-equity atlas")).to_be_visible()
    expect(page.locator("path.eh-area-63106")).to_be_attached()
    expect(page.locator("path.eh-area")).to_have_count(3)
    expect(page.locator("#atlas-status")).to_have_text("Map ready: 3 areas.")
    legend = page.locator("#atlas-legend-caption")
    expect(legend).to_contain_text("Poverty rate (%)")
    expect(page.locator("#atlas-legend")).to_contain_text("44.7 %")
    screenshot("atlas-poverty")

    # Another indicator: re-coloured in place; the legend, the tables and the address follow.
    page.get_by_role("combobox", name="Indicator").select_option("life_exp")
    expect(legend).to_contain_text("Life expectancy (years)")
    expect(legend).to_contain_text("darker means a lower value")
    expect(page.locator("#atlas-legend")).to_contain_text("69.2 years")
    expect(page).to_have_url(re.compile(r"/atlas/\?indicator=life_exp$"))
    expect(page.locator("#indicator-table-heading")).to_have_text("Life expectancy by area")

    # An area by the mouse (away from the symbols at its centre): its details in the panel.
    area = page.locator("path.eh-area-63106")
    box = area.bounding_box()
    assert box is not None
    area.click(position={"x": box["width"] * 0.2, "y": box["height"] * 0.85})
    panel = page.locator("#atlas-panel")
    expect(panel).to_contain_text("63106 Old North")
    expect(panel).to_contain_text("Northside Cancer Screening Days")
    expect(panel).to_contain_text("Led by Northside Community Health Collaborative")
    expect(panel).to_contain_text("Saturday Neighborhood Free Clinic")
    screenshot("atlas-area")

    # Another by the keyboard: focus moves to the panel's heading.
    page.locator("path.eh-area-63105").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#atlas-panel-title")).to_have_text("63105 Clayton")
    expect(page.locator("#atlas-panel-title")).to_be_focused()
    expect(panel).to_contain_text("12")  # participants living there

    # The shared address renders the same state on the server.
    page.reload()
    expect(page.get_by_role("combobox", name="Indicator")).to_have_value("life_exp")
    expect(legend).to_contain_text("Life expectancy (years)")
    assert not [text for text in problems if "Content Security Policy" in text], problems

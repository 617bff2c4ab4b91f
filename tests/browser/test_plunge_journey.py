"""The Medical Plunge journey in Chromium: a coordinator forms balanced groups, moves one person
by hand and sees the balance change at once, then prints the groups' itineraries."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from equityhub.accounts.models import Role, User
from equityhub.plunge.models import Plunge, Registration, Session
from tests.factories import AffiliationFactory, LanguageFactory, PersonFactory

SignIn = Callable[[User], None]
Screenshot = Callable[[str], Path]
PROGRAMS = ["MD program", "Physical Therapy (DPT)", "Occupational Therapy (OTD)"]


@pytest.mark.browser
def test_a_coordinator_forms_groups_moves_a_person_and_prints_itineraries(
    page: Page,
    site: str,
    sign_in: SignIn,
    make_user: Callable[..., User],
    screenshot: Screenshot,
) -> None:
    coordinator = make_user(Role.PROGRAM_COORDINATOR, given_name="Marisol")
    monday = timezone.localdate() + dt.timedelta(days=14 - timezone.localdate().weekday())
    plunge = Plunge.objects.create(
        title="Medical Plunge (browser)",
        starts_on=monday,
        ends_on=monday + dt.timedelta(days=4),
        group_count=3,
    )
    tz = plunge.tz
    Session.objects.create(
        plunge=plunge,
        kind=Session.Kind.LECTURE,
        title="Opening: health equity in St. Louis",
        starts_at=dt.datetime.combine(monday, dt.time(9), tzinfo=tz),
        ends_at=dt.datetime.combine(monday, dt.time(10), tzinfo=tz),
        place="Auditorium",
    )
    for i in range(12):
        person = PersonFactory(given_name=f"Student{i:02d}", family_name=f"Family{i:02d}")
        AffiliationFactory(person=person, school_program=PROGRAMS[i % 3], is_primary=True)
        if i % 4 == 0:
            LanguageFactory(person=person, language="es")
        Registration.objects.create(
            plunge=plunge, person=person, status=Registration.Status.REGISTERED
        )

    sign_in(coordinator)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Medical Plunge").click()
    page.get_by_role("link", name="Medical Plunge (browser)").click()
    page.get_by_role("navigation", name="Planning steps").get_by_role("link", name="Groups").click()
    run_form = page.locator("section[aria-labelledby=run-form-heading]")
    run_form.get_by_label("School or program", exact=True).check()
    run_form.get_by_label("Languages", exact=True).check()
    page.get_by_role("button", name="Form the groups").click()
    expect(page.locator("#run")).to_contain_text("SS")
    page.get_by_role("button", name="Apply these groups").click()
    expect(page.locator("#balance")).to_contain_text("Group 1")
    sizes = sorted(
        Registration.objects.filter(plunge=plunge).values_list("group__number", flat=True)
    )
    assert sizes.count(1) == sizes.count(2) == sizes.count(3) == 4
    screenshot("plunge-groups")

    # Move one person by hand: the balance region is swapped in place and says so.
    mover = Registration.objects.filter(plunge=plunge, group__number=1).first()
    assert mover is not None
    page.get_by_label(f"Move {mover.person.display_name} to group").select_option(label="Group 2")
    expect(page.locator("#balance-status")).to_contain_text(
        re.compile(f"Moved {mover.person.display_name} to group 2")
    )
    mover.refresh_from_db()
    assert mover.group is not None and mover.group.number == 2
    screenshot("plunge-moved")

    # The itineraries print one group per page.
    page.get_by_role("navigation", name="Planning steps").get_by_role(
        "link", name="Itineraries"
    ).click()
    expect(page.locator("main")).to_contain_text("Opening: health equity in St. Louis")
    expect(page.locator(".eh-print-page")).to_have_count(3)
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Planning steps")).to_be_hidden()

"""The volunteering journey in Chromium: a student finds a shift they are eligible for, signs up
and gets it in their calendar feed; the clinic's supervisor checks them in on the roster and
verifies the hours; the student issues a transcript whose code verifies publicly."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from equityhub.accounts.models import Role, User
from equityhub.people.models import Language, PersonLanguage, Proficiency
from equityhub.volunteering.models import (
    HoursEntry,
    LanguageRequirement,
    Opportunity,
    Shift,
    SignUp,
    Transcript,
)
from tests.volunteering.factories import CredentialFactory, SiteFactory, credential_type

SignIn = Callable[[User], None]
Screenshot = Callable[[str], Path]


def _sign_out(page: Page, site: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{site}/accounts/login/")


@pytest.mark.browser
def test_a_student_signs_up_and_a_supervisor_checks_them_in_and_verifies_the_hours(
    page: Page,
    site: str,
    sign_in: SignIn,
    make_user: Callable[..., User],
    screenshot: Screenshot,
) -> None:
    clinic = SiteFactory(name="Saturday Neighborhood Free Clinic", zip_code="63106")
    intake = Opportunity.objects.create(site=clinic, title="Student intake volunteer")
    intake.credential_types.add(credential_type("hipaa"))
    LanguageRequirement.objects.create(
        opportunity=intake, language=Language.SPANISH, min_proficiency=Proficiency.CONVERSATIONAL
    )
    interpreter = Opportunity.objects.create(site=clinic, title="Arabic interpreter")
    LanguageRequirement.objects.create(
        opportunity=interpreter, language=Language.ARABIC, min_proficiency=Proficiency.PROFESSIONAL
    )
    # Starts in an hour: open for sign-up, and check-in opens two hours before the start.
    start = (timezone.now() + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    shift = Shift.objects.create(
        opportunity=intake, starts_at=start, ends_at=start + dt.timedelta(hours=4), capacity=3
    )
    Shift.objects.create(
        opportunity=interpreter,
        starts_at=start + dt.timedelta(days=1),
        ends_at=start + dt.timedelta(days=1, hours=3),
        capacity=2,
    )
    student = make_user(Role.MEMBER, given_name="Valeria", family_name="Morales")
    PersonLanguage.objects.create(
        person=student.person, language=Language.SPANISH, proficiency=Proficiency.NATIVE
    )
    CredentialFactory(person=student.person)  # HIPAA training, verified, current
    supervisor = make_user(Role.SITE_SUPERVISOR, scope=clinic, given_name="Kenan")

    # The student finds the shift they are eligible for: the interpreter shift is explained.
    sign_in(student)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Volunteer").click()
    results = page.locator("main")
    expect(results).to_contain_text("Student intake volunteer")
    expect(results).to_contain_text("needs Arabic, professional (medical)")
    page.get_by_label("Only shifts I can sign up for").check()
    expect(results).not_to_contain_text("Arabic interpreter")  # htmx re-rendered the list
    expect(page).to_have_url(re.compile(r"eligible_only=on"))
    page.get_by_role("link", name="Student intake volunteer").click()
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("main")).to_contain_text("confirmed")
    screenshot("volunteering-signed-up")
    signup = SignUp.objects.get(person=student.person, shift=shift)
    assert signup.status == SignUp.Status.CONFIRMED

    # ... and subscribes to their calendar: the feed holds the shift at its UTC start.
    page.goto(f"{site}/volunteer/me/")
    tabs = page.get_by_role("navigation", name="My volunteering")
    tabs.get_by_role("link", name="Calendar").click()
    feed_url = page.get_by_label("Your personal calendar URL").input_value()
    feed = page.request.get(feed_url)
    assert feed.ok
    events = [c for c in Calendar.from_ical(feed.body()).walk("VEVENT")]
    assert [str(e["SUMMARY"]) for e in events] == ["Student intake volunteer"]
    assert events[0].decoded("DTSTART") == start

    # The supervisor checks the student in on the roster, on a phone-sized screen.
    _sign_out(page, site)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(supervisor)
    page.goto(f"{site}/volunteer/manage/shifts/{shift.pk}/roster/")
    page.get_by_role("button", name="Check in Valeria").click()
    expect(page.locator("main")).to_contain_text("Checked in")
    expect(page.locator("#roster-counts")).to_contain_text("1 checked in")  # swapped out of band
    screenshot("volunteering-roster-checked-in")
    entry = HoursEntry.objects.get(person=student.person)
    assert entry.status == HoursEntry.Status.SUBMITTED
    assert entry.hours == 4

    # ... and verifies the hours from the review queue.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site}/volunteer/review/hours/")
    page.get_by_role("button", name="Verify").first.click()
    expect(page.locator("main")).to_contain_text("Verified")
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.VERIFIED

    # The student issues a transcript; its public page confirms it without signing in.
    _sign_out(page, site)
    sign_in(student)
    page.goto(f"{site}/volunteer/me/transcripts/")
    page.get_by_role("button", name="Issue").first.click()
    transcript = Transcript.objects.get(person=student.person)
    assert transcript.total_hours == 4
    _sign_out(page, site)
    page.goto(f"{site}/volunteer/transcripts/verify/{transcript.code}/")
    expect(page.locator("main")).to_contain_text("Genuine")
    expect(page.locator("main")).to_contain_text("Valeria")
    expect(page.locator("main")).not_to_contain_text(student.email)

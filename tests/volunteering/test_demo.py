"""The volunteering demo: St. Louis clinics, a season of shifts, and the demo logins' part in it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.utils import timezone

from equityhub.accounts.models import Role, RoleAssignment, User
from equityhub.accounts.selectors import has_role_for
from equityhub.audit.models import AuditEntry
from equityhub.core import demo_data
from equityhub.people.models import Person, TrainingLevel
from equityhub.places.models import Area, Site
from equityhub.volunteering import demo, selectors, services
from equityhub.volunteering.models import (
    Credential,
    HoursEntry,
    Opportunity,
    Shift,
    ShiftSeries,
    SignUp,
)

pytestmark = pytest.mark.django_db

S = SignUp.Status
PEOPLE = "60"
TABLES: tuple[type[Any], ...] = (
    Area,
    Site,
    Opportunity,
    ShiftSeries,
    Shift,
    SignUp,
    HoursEntry,
    Credential,
    RoleAssignment,
    AuditEntry,
)


def load() -> str:
    out = StringIO()
    call_command("demo", "--no-serve", "--people", PEOPLE, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


@pytest.fixture(scope="module")
def loaded(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The demo, loaded once for this module inside a transaction that is rolled back at its
    end (each test runs in a savepoint of it, so what a test changes is undone too)."""
    media = tmp_path_factory.mktemp("media")  # the credentials' evidence files
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        yield load()
        transaction.set_rollback(True)


@pytest.fixture
def debug(settings: Any) -> None:
    settings.DEBUG = True


def login(key: str) -> User:
    return User.objects.get(email=f"{key}@{demo_data.LOGIN_DOMAIN}")


def saturday_clinic() -> Site:
    return Site.objects.get(name=demo.SATURDAY_CLINIC)


def test_the_demo_has_a_free_clinic_north_side_health_centers_and_a_refugee_health_night(
    loaded,
):
    names = [spec.name for spec in demo.SITES]
    sites = {site.name: site for site in Site.objects.filter(name__in=names).select_related("area")}

    assert set(sites) == {spec.name for spec in demo.SITES}
    assert all(name.endswith("(fictional)") for name in sites)
    assert sites[demo.SATURDAY_CLINIC].zip_code == "63106"
    assert {"63107", "63113", "63115", "63120"} <= {s.zip_code for s in sites.values()}
    for site in sites.values():
        assert site.area is not None
        assert (site.area.kind, site.area.code) == (Area.Kind.ZCTA, site.zip_code)
        assert site.serves_areas.exists()
    languages = set(
        Opportunity.objects.filter(site=sites[demo.REFUGEE_NIGHT]).values_list(
            "language_requirements__language", flat=True
        )
    )
    assert languages == {"ar", "es", "prs"}
    intake = Opportunity.objects.get(title__startswith="Saturday clinic: student intake")
    assert set(intake.credential_types.values_list("code", flat=True)) == {"hipaa", "tb-test"}
    assert intake.requires_orientation
    assert intake.min_training_level == TrainingLevel.MEDICAL_STUDENT


def test_there_is_a_past_season_and_an_upcoming_month_of_shifts(loaded):
    now = timezone.now()
    past = Shift.objects.filter(ends_at__lt=now)
    upcoming = Shift.objects.filter(starts_at__gt=now)

    assert past.filter(starts_at__lt=now - timezone.timedelta(weeks=10)).exists()
    assert not Shift.objects.filter(starts_at__lt=now - timezone.timedelta(weeks=13)).exists()
    assert upcoming.filter(starts_at__gt=now + timezone.timedelta(days=21)).exists()
    assert not Shift.objects.filter(starts_at__gt=now + timezone.timedelta(days=33)).exists()
    statuses = Counter(SignUp.objects.filter(shift__in=past).values_list("status", flat=True))
    assert statuses[S.ATTENDED] > 20
    assert statuses[S.NO_SHOW] >= 1
    assert SignUp.objects.filter(status=S.CANCELLED, late_cancellation=True).exists()
    hours = Counter(HoursEntry.objects.values_list("status", flat=True))
    assert hours[HoursEntry.Status.VERIFIED] > 20
    assert hours[HoursEntry.Status.SUBMITTED] >= 1
    assert hours[HoursEntry.Status.REJECTED] >= 1
    assert HoursEntry.objects.filter(signup__status=S.ATTENDED).count() == (
        SignUp.objects.filter(status=S.ATTENDED).count()
    )
    # Some upcoming shifts are full with a waitlist, and some (Dari) are still empty.
    assert upcoming.filter(waitlist_length__gt=0).exists()
    assert upcoming.filter(
        seats_taken=0, opportunity__language_requirements__language="prs"
    ).exists()


def test_seat_counters_and_waitlists_match_the_sign_ups(loaded):
    shifts = Shift.objects.annotate(
        seated=Count("signups", filter=Q(signups__status__in=SignUp.SEATED)),
        waiting=Count("signups", filter=Q(signups__status=S.WAITLISTED)),
    )

    assert shifts.filter(seats_taken__gt=0).exists()
    for shift in shifts:
        assert (shift.seats_taken, shift.waitlist_length) == (shift.seated, shift.waiting)
        assert shift.seats_taken <= shift.capacity
        positions = list(
            SignUp.objects.filter(shift=shift, status=S.WAITLISTED)
            .order_by("waitlist_position")
            .values_list("waitlist_position", flat=True)
        )
        assert positions == list(range(1, len(positions) + 1))


def test_no_volunteer_is_on_two_overlapping_shifts(loaded):
    active = (
        SignUp.objects.filter(status__in=SignUp.ACTIVE)
        .select_related("shift")
        .order_by("person_id", "shift__starts_at")
    )
    last: dict[int, SignUp] = {}
    for signup in active:
        before = last.get(signup.person_id)
        if before is not None:
            assert before.shift.ends_at <= signup.shift.starts_at, (before.pk, signup.pk)
        last[signup.person_id] = signup


def test_the_student_has_credentials_verified_hours_an_upcoming_shift_and_a_waitlist_place(
    loaded,
):
    student = Person.objects.get(email=f"student@{demo_data.LOGIN_DOMAIN}")
    today = timezone.localdate()

    valid = {
        c.credential_type.code
        for c in Credential.objects.filter(person=student).select_related("credential_type")
        if c.is_valid_on(today)
    }
    assert valid == {"hipaa", "tb-test", "site-orientation"}
    assert selectors.hours_totals(student).verified > 0
    upcoming = {s.status for s in selectors.upcoming_signups_of(student)}
    assert upcoming == {S.CONFIRMED, S.WAITLISTED}
    # She signed herself up, and her own audit trail says so.
    assert SignUp.objects.filter(
        person=student, status=S.CONFIRMED, source=SignUp.Source.SELF
    ).exists()


def test_the_supervisor_runs_only_the_saturday_clinic_and_has_hours_to_verify(loaded):
    supervisor = login("supervisor")
    clinic = saturday_clinic()

    assert has_role_for(supervisor, Role.SITE_SUPERVISOR, clinic)
    assert RoleAssignment.objects.filter(user=supervisor).count() == 1
    assert list(selectors.managed_sites(supervisor)) == [clinic]
    waiting = list(selectors.hours_to_review(supervisor))
    assert waiting
    assert {entry.site_id for entry in waiting} == {clinic.pk}

    entry = services.verify_hours(entry=waiting[0], actor=supervisor)

    assert entry.status == HoursEntry.Status.VERIFIED
    assert entry.reviewed_by == supervisor


def test_the_report_has_a_volunteering_line(loaded):
    assert "volunteering: 6 sites" in loaded
    assert "supervises the Saturday Neighborhood Free Clinic" in loaded


def test_loading_the_demo_again_adds_nothing(loaded, debug):
    before = counts()
    signups = set(SignUp.objects.values_list("pk", "status", "waitlist_position"))

    output = load()

    assert counts() == before
    assert set(SignUp.objects.values_list("pk", "status", "waitlist_position")) == signups
    assert "nothing was changed" in output


def test_a_lost_supervisor_role_comes_back_on_the_next_load(loaded):
    supervisor = login("supervisor")
    RoleAssignment.objects.filter(user=supervisor).delete()

    created = demo.load(actor=login("admin"), seed=1, today=timezone.localdate())

    assert created == Counter({"roles": 1})
    assert has_role_for(supervisor, Role.SITE_SUPERVISOR, saturday_clinic())
    assert Site.objects.filter(name__in=[s.name for s in demo.SITES]).count() == len(demo.SITES)

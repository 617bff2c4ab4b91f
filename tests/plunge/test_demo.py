"""The Medical Plunge demo: a planned week for 180 incoming students in 18 groups at 25 sites."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.audit.models import AuditEntry
from equityhub.core import demo_data
from equityhub.people.models import Person, PersonLanguage
from equityhub.people.selectors import current_affiliations
from equityhub.places.models import Site
from equityhub.plunge import demo
from equityhub.plunge.models import (
    Attendance,
    Group,
    GroupingRun,
    GroupRequirement,
    PairRule,
    Plunge,
    Registration,
    Session,
    SlotOffer,
    Visit,
)

pytestmark = pytest.mark.django_db

TABLES: tuple[type[Any], ...] = (
    Person,
    Site,
    Plunge,
    Session,
    SlotOffer,
    Registration,
    Group,
    GroupingRun,
    Visit,
    Attendance,
    AuditEntry,
)


def load() -> str:
    out = StringIO()
    call_command("demo", "--no-serve", "--people", "60", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


@pytest.fixture(scope="module")
def loaded(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The whole demo, loaded once for this module inside a transaction rolled back at its end
    (each test runs in a savepoint of it)."""
    media = tmp_path_factory.mktemp("media")  # the volunteering demo's evidence files
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        yield load()
        transaction.set_rollback(True)


@pytest.fixture
def plunge(loaded: str) -> Plunge:
    return Plunge.objects.get()


def admin() -> User:
    return User.objects.get(email=f"admin@{demo_data.LOGIN_DOMAIN}")


@pytest.mark.parametrize(
    ("today", "monday"),
    [
        (dt.date(2026, 11, 29), dt.date(2026, 8, 3)),
        (dt.date(2026, 8, 3), dt.date(2026, 8, 3)),
        (dt.date(2026, 8, 2), dt.date(2025, 8, 4)),
        (dt.date(2026, 3, 1), dt.date(2025, 8, 4)),
        (dt.date(2027, 12, 31), dt.date(2027, 8, 2)),
    ],
)
def test_the_week_is_the_first_full_week_of_the_most_recent_august(today, monday):
    assert demo.plunge_week(today) == monday
    assert monday.weekday() == 0


def test_the_demo_has_one_plunge_in_the_week_before_the_academic_year(plunge):
    monday = demo.plunge_week(timezone.localdate())

    assert plunge.title == f"Medical Plunge {monday.year} (fictional week)"
    assert (plunge.starts_on, plunge.ends_on) == (monday, monday + dt.timedelta(days=4))
    assert (plunge.group_count, plunge.bus_capacity) == (18, 50)
    assert AuditEntry.objects.for_object(plunge).filter(action="plunge.created").exists()


def test_180_incoming_students_of_six_programs_are_registered(plunge):
    registrations = Registration.objects.filter(plunge=plunge).select_related("person")
    programs = Counter(
        current_affiliations()
        .filter(person__plunge_registrations__plunge=plunge, is_primary=True)
        .values_list("school_program", flat=True)
    )

    assert registrations.count() == 180
    assert {r.status for r in registrations} == {Registration.Status.REGISTERED}
    assert programs == {program.name: program.seats for program in demo.PROGRAMS}
    mph = current_affiliations().filter(
        school_program="Public Health MPH", person__plunge_registrations__plunge=plunge
    )
    assert {a.organization.name for a in mph} == {demo_data.SLU}
    student = Person.objects.get(email=f"student@{demo_data.LOGIN_DOMAIN}")
    assert registrations.filter(person=student).exists()
    assert all(r.custom.get("home_region") for r in registrations)
    assert all(
        r.person.email.endswith(("@example.edu", f"@{demo_data.LOGIN_DOMAIN}"))
        for r in registrations
    )
    assert registrations.exclude(dietary_needs="").count() > 10
    assert registrations.exclude(accessibility_needs="").count() == 2


def test_missing_students_are_created_as_fictional_people_with_their_records(plunge):
    created = Person.objects.filter(email__contains=demo.EMAIL_MARK)

    assert created.count() > 100  # 60 registry people hold few incoming students
    for person in created[:20]:
        assert person.email.endswith("@example.edu")
        assert person.affiliations.count() == 1
        assert person.languages.filter(language="en").exists()
        assert hasattr(person, "demographics")
        assert person.consents.exists()
        assert AuditEntry.objects.for_object(person).filter(action="people.person.created")


def test_eighteen_groups_of_ten_are_formed_by_the_engine_and_applied(plunge):
    groups = list(Group.objects.filter(plunge=plunge).order_by("number"))
    run = GroupingRun.objects.get(plunge=plunge)

    assert [g.number for g in groups] == list(range(1, 19))
    assert {g.members.count() for g in groups} == {10}
    assert run.applied_at is not None
    assert run.attributes == ["school_program", "languages", "home_region"]
    assert run.ss >= run.ss_ideal
    assert run.excess < 0.05
    by_registration = {int(k): v for k, v in run.assignment.items()}
    for registration in Registration.objects.filter(plunge=plunge).select_related("group"):
        assert registration.group.number == by_registration[registration.pk]
    for group in groups:
        assert group.members.filter(is_group_leader=True).count() == 1
        assert group.leader_phone


def test_the_groups_keep_the_rules_and_every_group_has_a_spanish_speaker(plunge):
    for rule in PairRule.objects.filter(plunge=plunge).select_related("first", "second"):
        same = rule.first.group_id == rule.second.group_id
        assert same if rule.kind == PairRule.Kind.TOGETHER else not same
    assert PairRule.objects.filter(plunge=plunge).count() == 2
    assert GroupRequirement.objects.filter(plunge=plunge, column="languages=es").exists()
    speakers = set(PersonLanguage.objects.filter(language="es").values_list("person_id", flat=True))
    for group in Group.objects.filter(plunge=plunge):
        assert group.members.filter(person_id__in=speakers).exists()


def test_five_days_of_sessions_with_four_site_visits_a_bus_tour_and_a_service_project(plunge):
    sessions = list(Session.objects.filter(plunge=plunge))
    kinds = Counter(s.kind for s in sessions)
    days = {s.starts_at.astimezone(plunge.tz).date() for s in sessions}

    assert kinds == {
        Session.Kind.LECTURE: 1,
        Session.Kind.SITE_VISIT: 4,
        Session.Kind.BUS_TOUR: 1,
        Session.Kind.SERVICE_PROJECT: 1,
        Session.Kind.REFLECTION: 1,
    }
    assert days == {plunge.starts_on + dt.timedelta(days=d) for d in range(5)}
    tour = next(s for s in sessions if s.kind == Session.Kind.BUS_TOUR)
    assert "North St. Louis" in tour.title
    service = next(s for s in sessions if s.kind == Session.Kind.SERVICE_PROJECT)
    assert service.site.name == demo.PUBLIC_HEALTH_DEPARTMENT


def test_twenty_five_st_louis_sites_host_the_visits(plunge):
    hosts = Site.objects.filter(plunge_offers__session__plunge=plunge).distinct()
    kinds = Counter(hosts.values_list("kind", flat=True))

    assert hosts.count() == 25
    assert kinds == {"clinic": 8, "school": 6, "community": 10, "public_health": 1}
    names = set(hosts.values_list("name", flat=True))
    assert demo.PUBLIC_HEALTH_DEPARTMENT in names
    assert all(n.endswith("(fictional)") for n in names - {demo.PUBLIC_HEALTH_DEPARTMENT})
    assert not hosts.filter(area=None).exists()
    assert all(
        s.contact_email.endswith("@example.org") and "555-01" in s.contact_phone for s in hosts
    )
    for visit_session in Session.objects.filter(plunge=plunge, kind=Session.Kind.SITE_VISIT):
        capacity = sum(o.capacity for o in visit_session.offers.all())
        assert capacity >= 18


def test_the_rotation_sends_every_group_to_a_clinic_a_school_and_a_community_site(plunge):
    visits = list(Visit.objects.filter(session__plunge=plunge).select_related("site"))
    site_visits = Session.objects.filter(plunge=plunge, kind=Session.Kind.SITE_VISIT)

    assert len(visits) == 18 * 4
    assert Counter((v.group_id, v.session_id) for v in visits) == Counter(
        {(g.pk, s.pk): 1 for g in plunge.groups.all() for s in site_visits}
    )
    capacity = {
        (o.session_id, o.site_id): o.capacity
        for o in SlotOffer.objects.filter(session__plunge=plunge)
    }
    for key, used in Counter((v.session_id, v.site_id) for v in visits).items():
        assert used <= capacity[key]
    for group in plunge.groups.all():
        mine = [v for v in visits if v.group_id == group.pk]
        assert len({v.site_id for v in mine}) == 4
        assert {"clinic", "school", "community"} <= {v.site.kind for v in mine}


def test_buses_of_at_most_fifty_carry_whole_groups(plunge):
    sizes = {g.pk: g.members.count() for g in plunge.groups.all()}
    loads: Counter[tuple[int, int]] = Counter()
    for visit in Visit.objects.filter(session__plunge=plunge):
        assert visit.bus_number is not None
        loads[visit.session_id, visit.bus_number] += sizes[visit.group_id]

    assert max(loads.values()) <= 50
    assert sum(loads.values()) == 4 * 180
    assert AuditEntry.objects.filter(action="plunge.buses.planned").count() == 1


def test_attendance_was_checked_in_at_the_first_two_sessions_at_their_times(plunge):
    first, second = Session.objects.filter(plunge=plunge).order_by("starts_at")[:2]
    attendance = Attendance.objects.filter(session__plunge=plunge).select_related("session")

    assert attendance.filter(session=first).count() == 174
    assert attendance.filter(session=second).count() == 176
    assert attendance.count() == 350
    for row in attendance:
        assert abs(row.checked_in_at - row.session.starts_at) <= dt.timedelta(minutes=30)
    assert AuditEntry.objects.filter(action="plunge.attendance.checked_in").count() == 350


def test_the_report_has_a_plunge_line(loaded, plunge):
    line = next(line for line in loaded.splitlines() if line.strip().startswith("plunge:"))

    assert plunge.title in line
    assert "180 registered in 18 groups" in line
    assert "25 host sites" in line
    assert "72 site visits" in line


def test_the_office_reads_the_demo_over_the_api(plunge):
    _token, raw = create_api_token(user=admin(), name="demo", actor=admin())
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    groups = client.get(f"/api/v1/plunges/{plunge.pk}/groups").json()
    rotation = client.get(f"/api/v1/plunges/{plunge.pk}/rotation").json()

    assert [g["size"] for g in groups] == [10] * 18
    assert len(rotation["visits"]) == 72


def test_loading_again_changes_nothing(loaded, plunge, settings):
    settings.DEBUG = True
    before = counts()

    created = demo.load(actor=admin(), seed=1, today=timezone.localdate())
    output = load()

    assert created == Counter()
    assert counts() == before
    assert "nothing was changed" in output


def test_the_surveys_before_and_after_show_a_paired_change_for_every_statement(plunge):
    from equityhub.plunge.demo_surveys import STATEMENTS  # noqa: PLC0415
    from equityhub.plunge.selectors import survey_change  # noqa: PLC0415

    changes = {change.key: change for change in survey_change(plunge) or []}

    assert set(changes) == {key for key, *_rest in STATEMENTS}
    assert all(change.n >= 11 and not change.suppressed for change in changes.values())
    # Knowledge of the city's inequities moves most, as the demo's answers were drawn.
    assert changes["stl_inequities"].mean_diff > changes["trust"].mean_diff > 0

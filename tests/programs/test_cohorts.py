"""A cycle's cohort: who the participants are, sessions and attendance, leaders and mentors,
stipends (amounts only, audited) and capstones; services, pages and who may use them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.people.models import Person
from equityhub.programs import services_cohorts as services
from equityhub.programs.models import (
    Application,
    Capstone,
    CohortLeader,
    CohortSession,
    Cycle,
    Program,
    SessionAttendance,
    Stipend,
)
from equityhub.programs.selectors_cohorts import cohort_of, participants_of
from tests.factories import PersonFactory
from tests.programs.test_funnel import applicants, make_cycle

pytestmark = pytest.mark.django_db
A = Application.Status


@pytest.fixture
def cohort_cycle(program: Program) -> Cycle:
    return make_cycle(program, 2024, status=Cycle.Status.DECIDED)


@pytest.fixture
def enrolled(cohort_cycle: Cycle) -> list[Application]:
    people = applicants(cohort_cycle, A.ENROLLED, 3)
    return list(Application.objects.filter(applicant__in=people).order_by("pk"))


@pytest.fixture
def accepted(cohort_cycle: Cycle) -> Application:
    person = applicants(cohort_cycle, A.ACCEPTED, 1)[0]
    return Application.objects.get(applicant=person)


@pytest.fixture
def rejected(cohort_cycle: Cycle) -> Application:
    person = applicants(cohort_cycle, A.REJECTED, 1)[0]
    return Application.objects.get(applicant=person)


@pytest.fixture
def session(cohort_cycle: Cycle, coordinator: User) -> CohortSession:
    return services.add_session(
        actor=coordinator,
        cycle=cohort_cycle,
        title="Lab safety",
        starts_at=timezone.now(),
        location="Room 101",
    )


def actions(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


# -- participants ----------------------------------------------------------------------------


def test_participants_are_enrolled_and_accepted_until_the_cohort_is_under_way(
    cohort_cycle: Cycle, enrolled: list[Application], accepted: Application, rejected: Application
) -> None:
    assert set(participants_of(cohort_cycle)) == {*enrolled, accepted}
    cohort_cycle.status = Cycle.Status.RUNNING
    cohort_cycle.save()
    assert set(participants_of(cohort_cycle)) == set(enrolled)


# -- sessions --------------------------------------------------------------------------------


def test_adding_a_session_is_audited(session: CohortSession) -> None:
    assert session.title == "Lab safety"
    entry = actions("programs.session.created")[0]
    assert entry.data["title"] == "Lab safety"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": 42}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "location": "bad\x00"}, "location"),
        ({"title": "ok", "starts_at": "tomorrow"}, "starts_at"),
        ({"title": "ok", "starts_at": dt.datetime(1800, 1, 1, tzinfo=dt.UTC)}, "starts_at"),
    ],
)
def test_a_session_needs_a_title_and_a_sensible_time(
    cohort_cycle: Cycle, coordinator: User, changes: dict[str, Any], field: str
) -> None:
    values = {"title": "Lab", "starts_at": timezone.now(), **changes}
    with pytest.raises(ServiceError) as error:
        services.add_session(actor=coordinator, cycle=cohort_cycle, **values)
    assert error.value.field == field


def test_a_naive_session_time_is_read_in_the_office_time_zone(
    cohort_cycle: Cycle, coordinator: User
) -> None:
    session = services.add_session(
        actor=coordinator,
        cycle=cohort_cycle,
        title="Lab",
        starts_at=dt.datetime(2024, 6, 3, 9),  # noqa: DTZ001 - naive on purpose
    )
    assert timezone.localtime(session.starts_at).hour == 9


def test_only_staff_manage_a_cohort(
    cohort_cycle: Cycle, member: User, make_user: Callable[..., User]
) -> None:
    leadership = make_user(Role.LEADERSHIP_VIEWER)
    for user in (member, leadership):
        with pytest.raises(NotAllowed):
            services.add_session(
                actor=user, cycle=cohort_cycle, title="Lab", starts_at=timezone.now()
            )


def test_editing_a_session_audits_only_real_changes(
    session: CohortSession, coordinator: User
) -> None:
    services.update_session(actor=coordinator, session=session, title="Lab safety")
    assert actions("programs.session.updated") == []
    services.update_session(actor=coordinator, session=session, location="Room 202")
    entry = actions("programs.session.updated")[0]
    assert entry.changes == {"location": ["Room 101", "Room 202"]}


def test_deleting_a_session_takes_its_attendance_with_it(
    session: CohortSession, coordinator: User, enrolled: list[Application]
) -> None:
    services.set_attendance(
        actor=coordinator, session=session, application=enrolled[0], status="present"
    )
    services.delete_session(actor=coordinator, session=session)
    assert not SessionAttendance.objects.exists()
    assert actions("programs.session.deleted")[0].data["attendance_marks"] == 1


# -- attendance ------------------------------------------------------------------------------


def test_attendance_is_set_changed_and_cleared(
    session: CohortSession, coordinator: User, enrolled: list[Application]
) -> None:
    app = enrolled[0]
    mark = services.set_attendance(
        actor=coordinator, session=session, application=app, status="present"
    )
    assert mark is not None and mark.status == "present"
    services.set_attendance(actor=coordinator, session=session, application=app, status="excused")
    assert SessionAttendance.objects.get().status == "excused"
    services.set_attendance(actor=coordinator, session=session, application=app, status="excused")
    assert (
        services.set_attendance(actor=coordinator, session=session, application=app, status="")
        is None
    )
    assert not SessionAttendance.objects.exists()
    statuses = [e.data["status"] for e in actions("programs.attendance.set")]
    assert statuses == [["", "present"], ["present", "excused"], ["excused", ""]]


def test_an_accepted_applicant_can_be_marked_until_the_cohort_is_under_way(
    session: CohortSession, coordinator: User, accepted: Application, cohort_cycle: Cycle
) -> None:
    services.set_attendance(
        actor=coordinator, session=session, application=accepted, status="absent"
    )
    Cycle.objects.filter(pk=cohort_cycle.pk).update(status=Cycle.Status.RUNNING)
    session = CohortSession.objects.select_related("cycle").get(pk=session.pk)
    accepted = Application.objects.select_related("cycle").get(pk=accepted.pk)
    with pytest.raises(ServiceError) as error:
        services.set_attendance(
            actor=coordinator, session=session, application=accepted, status="present"
        )
    assert error.value.field == "application"


def test_attendance_is_only_for_participants_and_known_statuses(
    session: CohortSession, coordinator: User, rejected: Application, enrolled: list[Application]
) -> None:
    with pytest.raises(ServiceError):
        services.set_attendance(
            actor=coordinator, session=session, application=rejected, status="present"
        )
    with pytest.raises(ServiceError) as error:
        services.set_attendance(
            actor=coordinator, session=session, application=enrolled[0], status="late"
        )
    assert error.value.field == "status"


def test_another_cycles_participant_cannot_be_marked(
    session: CohortSession, coordinator: User, program: Program
) -> None:
    other = make_cycle(program, 2023)
    person = applicants(other, A.ENROLLED, 1)[0]
    with pytest.raises(ServiceError):
        services.set_attendance(
            actor=coordinator,
            session=session,
            application=Application.objects.get(applicant=person),
            status="present",
        )


# -- leaders and mentors ---------------------------------------------------------------------


@pytest.fixture
def mentor(cohort_cycle: Cycle, coordinator: User) -> CohortLeader:
    return services.add_leader(
        actor=coordinator, cycle=cohort_cycle, person=PersonFactory(), role="mentor"
    )


def test_a_leader_is_added_once_per_role(
    cohort_cycle: Cycle, coordinator: User, mentor: CohortLeader
) -> None:
    with pytest.raises(Conflict):
        services.add_leader(
            actor=coordinator, cycle=cohort_cycle, person=mentor.person, role="mentor"
        )
    leader = services.add_leader(
        actor=coordinator, cycle=cohort_cycle, person=mentor.person, role="leader"
    )
    assert leader.role == "leader"
    with pytest.raises(ServiceError) as error:
        services.add_leader(
            actor=coordinator, cycle=cohort_cycle, person=mentor.person, role="boss"
        )
    assert error.value.field == "role"
    assert len(actions("programs.leader.added")) == 2


def test_a_mentor_gets_participants_as_mentees(
    mentor: CohortLeader, coordinator: User, enrolled: list[Application]
) -> None:
    services.set_mentees(actor=coordinator, leader=mentor, applications=enrolled[:2])
    assert set(mentor.mentees.all()) == set(enrolled[:2])
    services.set_mentees(actor=coordinator, leader=mentor, applications=enrolled[:2])
    entries = actions("programs.leader.mentees_set")
    assert len(entries) == 1
    assert entries[0].changes["mentees"][1] == sorted(a.pk for a in enrolled[:2])


def test_mentees_must_be_participants_and_not_the_mentor(
    mentor: CohortLeader, coordinator: User, rejected: Application, cohort_cycle: Cycle
) -> None:
    with pytest.raises(ServiceError):
        services.set_mentees(actor=coordinator, leader=mentor, applications=[rejected])
    own = Application.objects.create(
        cycle=cohort_cycle, applicant=mentor.person, status=A.ENROLLED, submitted_at=timezone.now()
    )
    with pytest.raises(ServiceError):
        services.set_mentees(actor=coordinator, leader=mentor, applications=[own])


def test_only_mentors_have_mentees(
    cohort_cycle: Cycle, coordinator: User, enrolled: list[Application]
) -> None:
    leader = services.add_leader(
        actor=coordinator, cycle=cohort_cycle, person=PersonFactory(), role="instructor"
    )
    with pytest.raises(ServiceError):
        services.set_mentees(actor=coordinator, leader=leader, applications=enrolled)


def test_removing_a_leader_records_their_mentees(
    mentor: CohortLeader, coordinator: User, enrolled: list[Application]
) -> None:
    services.set_mentees(actor=coordinator, leader=mentor, applications=enrolled[:1])
    services.remove_leader(actor=coordinator, leader=mentor)
    assert not CohortLeader.objects.exists()
    assert actions("programs.leader.removed")[0].data["mentees"] == [enrolled[0].pk]


# -- stipends --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    ["0", "-5", 0, "100000", "100000.00", "12.345", "abc", "NaN", "Infinity", 12.5, True, None],
)
def test_a_stipend_amount_is_positive_below_100000_with_at_most_two_decimals(
    enrolled: list[Application], coordinator: User, amount: Any
) -> None:
    with pytest.raises(ServiceError) as error:
        services.add_stipend(
            actor=coordinator, application=enrolled[0], amount=amount, due_on=dt.date(2024, 7, 1)
        )
    assert error.value.field == "amount"
    assert not Stipend.objects.exists()


@pytest.mark.parametrize(
    ("amount", "stored"),
    [
        ("99999.99", "99999.99"),
        ("0.01", "0.01"),
        (1500, "1500.00"),
        (Decimal("12.3"), "12.30"),
        ("12.300", "12.30"),
    ],
)
def test_a_stipend_is_recorded_with_its_amount_in_the_audit_log(
    enrolled: list[Application], coordinator: User, amount: Any, stored: str
) -> None:
    stipend = services.add_stipend(
        actor=coordinator, application=enrolled[0], amount=amount, due_on=dt.date(2024, 7, 1)
    )
    assert str(Stipend.objects.get(pk=stipend.pk).amount) == stored
    assert actions("programs.stipend.created")[0].data["amount"] == stored


def test_a_stipend_is_only_for_a_participant(rejected: Application, coordinator: User) -> None:
    with pytest.raises(ServiceError) as error:
        services.add_stipend(
            actor=coordinator, application=rejected, amount="100", due_on=dt.date(2024, 7, 1)
        )
    assert error.value.field == "application"


def test_a_stipend_date_is_between_1900_and_2100(
    enrolled: list[Application], coordinator: User
) -> None:
    with pytest.raises(ServiceError) as error:
        services.add_stipend(
            actor=coordinator, application=enrolled[0], amount="1", due_on=dt.date(2101, 1, 1)
        )
    assert error.value.field == "due_on"


def test_a_stipend_needs_a_date_and_a_known_status(
    enrolled: list[Application], coordinator: User
) -> None:
    with pytest.raises(ServiceError) as error:
        services.add_stipend(actor=coordinator, application=enrolled[0], amount="100", due_on=None)  # type: ignore[arg-type]
    assert error.value.field == "due_on"
    with pytest.raises(ServiceError) as error:
        services.add_stipend(
            actor=coordinator,
            application=enrolled[0],
            amount="100",
            due_on=dt.date(2024, 7, 1),
            status="owed",
        )
    assert error.value.field == "status"


@pytest.fixture
def stipend(enrolled: list[Application], coordinator: User) -> Stipend:
    return services.add_stipend(
        actor=coordinator, application=enrolled[0], amount="1500", due_on=dt.date(2024, 7, 1)
    )


def test_a_planned_stipend_changes_amount_and_is_paid_with_every_change_audited(
    stipend: Stipend, coordinator: User
) -> None:
    services.update_stipend(actor=coordinator, stipend=stipend, amount="1750.50")
    services.update_stipend(
        actor=coordinator, stipend=stipend, status="paid", note="check 4411 sent"
    )
    stipend.refresh_from_db()
    assert (str(stipend.amount), stipend.status) == ("1750.50", "paid")
    first, second = actions("programs.stipend.updated")
    assert first.changes == {"amount": ["1500.00", "1750.50"]}
    assert second.changes["status"] == ["planned", "paid"]


def test_a_paid_stipend_keeps_its_amount_and_is_never_cancelled(
    stipend: Stipend, coordinator: User
) -> None:
    services.update_stipend(actor=coordinator, stipend=stipend, status="paid")
    with pytest.raises(Conflict) as error:
        services.update_stipend(actor=coordinator, stipend=stipend, amount="10")
    assert error.value.field == "amount"
    with pytest.raises(Conflict):
        services.update_stipend(actor=coordinator, stipend=stipend, due_on=dt.date(2024, 8, 1))
    with pytest.raises(Conflict):
        services.update_stipend(actor=coordinator, stipend=stipend, status="cancelled")
    services.update_stipend(actor=coordinator, stipend=stipend, status="planned")
    services.update_stipend(actor=coordinator, stipend=stipend, status="cancelled")
    services.update_stipend(actor=coordinator, stipend=stipend, status="planned")
    assert Stipend.objects.get().status == "planned"


def test_a_stipend_update_that_changes_nothing_is_not_audited(
    stipend: Stipend, coordinator: User
) -> None:
    services.update_stipend(actor=coordinator, stipend=stipend, amount="1500.00", status="planned")
    assert actions("programs.stipend.updated") == []
    with pytest.raises(ServiceError):
        services.update_stipend(actor=coordinator, stipend=stipend, status="owed")


def test_the_cohort_totals_stipends_by_status(
    cohort_cycle: Cycle, stipend: Stipend, enrolled: list[Application], coordinator: User
) -> None:
    services.add_stipend(
        actor=coordinator,
        application=enrolled[1],
        amount="250.25",
        due_on=dt.date(2024, 7, 2),
        status="paid",
    )
    totals = cohort_of(cohort_cycle).stipend_totals
    assert (totals.planned, totals.paid, totals.cancelled) == (
        Decimal("1500.00"),
        Decimal("250.25"),
        Decimal("0.00"),
    )


# -- capstones -------------------------------------------------------------------------------


def test_a_capstone_is_created_then_updated(enrolled: list[Application], coordinator: User) -> None:
    services.set_capstone(actor=coordinator, application=enrolled[0], title="Bacterial growth")
    services.set_capstone(
        actor=coordinator,
        application=enrolled[0],
        title="Bacterial growth",
        summary="In acidic soil.",
        presented_on=dt.date(2024, 8, 1),
    )
    capstone = Capstone.objects.get()
    assert (capstone.summary, capstone.presented_on) == ("In acidic soil.", dt.date(2024, 8, 1))
    assert len(actions("programs.capstone.created")) == 1
    assert actions("programs.capstone.updated")[0].changes["summary"] == ["", "In acidic soil."]
    services.set_capstone(
        actor=coordinator,
        application=enrolled[0],
        title="Bacterial growth",
        summary="In acidic soil.",
        presented_on=dt.date(2024, 8, 1),
    )
    assert len(actions("programs.capstone.updated")) == 1


def test_a_capstone_needs_a_title_and_a_participant(
    enrolled: list[Application], rejected: Application, coordinator: User
) -> None:
    with pytest.raises(ServiceError) as error:
        services.set_capstone(actor=coordinator, application=enrolled[0], title=" ")
    assert error.value.field == "title"
    with pytest.raises(ServiceError):
        services.set_capstone(actor=coordinator, application=rejected, title="Soil")
    with pytest.raises(ServiceError) as error:
        services.set_capstone(
            actor=coordinator, application=enrolled[0], title="Soil", presented_on="2024-08-01"
        )
    assert error.value.field == "presented_on"


# -- pages -----------------------------------------------------------------------------------


def test_staff_see_the_cohort_page_with_the_no_bank_data_notice(  # noqa: PLR0917 - fixtures
    client_for: Callable[[User], Client],
    coordinator: User,
    cohort_cycle: Cycle,
    enrolled: list[Application],
    session: CohortSession,
    stipend: Stipend,
) -> None:
    mentor = services.add_leader(
        actor=coordinator, cycle=cohort_cycle, person=PersonFactory(), role="mentor"
    )
    services.set_mentees(actor=coordinator, leader=mentor, applications=enrolled[:1])
    response = client_for(coordinator).get(reverse("programs:cohort", args=[cohort_cycle.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    for application in enrolled:
        assert application.applicant.display_name in text
    assert "Never enter bank account" in text
    assert f'id="attendance-button-{session.pk}-{enrolled[0].pk}"' in text
    assert "1,500.00" in text
    rows = {row.application: row for row in response.context["cohort"].rows}
    assert rows[enrolled[0]].mentors == [mentor]
    assert rows[enrolled[1]].mentors == []


def test_the_cohort_page_is_staff_only(  # noqa: PLR0917 - fixtures
    client_for: Callable[[User], Client],
    cohort_cycle: Cycle,
    member: User,
    outsider: User,
    reviewer: User,
    make_user: Callable[..., User],
) -> None:
    url = reverse("programs:cohort", args=[cohort_cycle.pk])
    for user in (member, outsider, reviewer, make_user(Role.LEADERSHIP_VIEWER)):
        assert client_for(user).get(url).status_code == 403


def test_an_unknown_cycle_is_not_found(
    client_for: Callable[[User], Client], coordinator: User
) -> None:
    client = client_for(coordinator)
    assert client.get(reverse("programs:cohort", args=[999999])).status_code == 404
    assert client.get(f"/programs/cycles/{2**63}/cohort/").status_code == 404


def test_the_cohort_page_queries_do_not_grow_with_the_cohort(
    client_for: Callable[[User], Client],
    coordinator: User,
    cohort_cycle: Cycle,
    session: CohortSession,
) -> None:
    client = client_for(coordinator)
    url = reverse("programs:cohort", args=[cohort_cycle.pk])
    applicants(cohort_cycle, A.ENROLLED, 2)
    mentor = services.add_leader(
        actor=coordinator, cycle=cohort_cycle, person=PersonFactory(), role="mentor"
    )
    services.set_mentees(
        actor=coordinator, leader=mentor, applications=list(participants_of(cohort_cycle)[:1])
    )
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    applicants(cohort_cycle, A.ENROLLED, 12)
    services.add_session(
        actor=coordinator, cycle=cohort_cycle, title="Two", starts_at=timezone.now()
    )
    for role in ("mentor", "mentor", "leader"):
        leader = services.add_leader(
            actor=coordinator, cycle=cohort_cycle, person=PersonFactory(), role=role
        )
        if role == "mentor":
            services.set_mentees(
                actor=coordinator,
                leader=leader,
                applications=list(participants_of(cohort_cycle)[:3]),
            )
    services.add_stipend(
        actor=coordinator,
        application=participants_of(cohort_cycle)[0],
        amount="10",
        due_on=dt.date(2024, 7, 1),
    )
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_an_attendance_toggle_with_htmx_answers_with_the_cell(
    client_for: Callable[[User], Client],
    coordinator: User,
    session: CohortSession,
    enrolled: list[Application],
) -> None:
    url = reverse("programs:cohort_attendance_set", args=[session.pk, enrolled[0].pk])
    response = client_for(coordinator).post(url, {"status": "present"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.lstrip().startswith("<td")
    assert f'id="attendance-button-{session.pk}-{enrolled[0].pk}"' in text
    assert 'name="status" value="absent"' in text  # the next press marks absent
    assert SessionAttendance.objects.get().status == "present"


def test_an_attendance_toggle_without_javascript_comes_back_to_the_page(
    client_for: Callable[[User], Client],
    coordinator: User,
    session: CohortSession,
    enrolled: list[Application],
    rejected: Application,
) -> None:
    client = client_for(coordinator)
    url = reverse("programs:cohort_attendance_set", args=[session.pk, enrolled[0].pk])
    response = client.post(url, {"status": "excused"})
    assert response.status_code == 302
    assert response["Location"].endswith("#attendance")
    bad = reverse("programs:cohort_attendance_set", args=[session.pk, rejected.pk])
    assert client.post(bad, {"status": "present"}).status_code == 404
    response = client.post(url, {"status": "late"}, HTTP_HX_REQUEST="true")
    assert "Choose present, excused or absent." in response.content.decode()


def test_sessions_are_added_and_edited_through_the_pages(
    client_for: Callable[[User], Client], coordinator: User, cohort_cycle: Cycle
) -> None:
    client = client_for(coordinator)
    add = reverse("programs:cohort_session_add", args=[cohort_cycle.pk])
    response = client.post(add, {"title": "", "starts_at": "2024-06-03T09:00"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    response = client.post(add, {"title": "Orientation", "starts_at": "2024-06-03T09:00"})
    assert response.status_code == 302
    session = CohortSession.objects.get()
    edit = reverse("programs:cohort_session_edit", args=[session.pk])
    assert client.get(edit).status_code == 200
    assert (
        client.post(edit, {"title": "Welcome", "starts_at": "2024-06-03T10:00"}).status_code == 302
    )
    assert CohortSession.objects.get().title == "Welcome"
    assert (
        client.post(reverse("programs:cohort_session_delete", args=[session.pk])).status_code == 302
    )
    assert not CohortSession.objects.exists()


def test_leaders_and_mentees_through_the_pages(
    client_for: Callable[[User], Client],
    coordinator: User,
    cohort_cycle: Cycle,
    enrolled: list[Application],
) -> None:
    client = client_for(coordinator)
    add = reverse("programs:cohort_leader_add", args=[cohort_cycle.pk])
    response = client.post(add, {"email": "nobody@example.org", "role": "mentor"})
    assert "Nobody in the registry has this e-mail address." in response.content.decode()
    person: Person = PersonFactory(email="Dr.Mentor@Example.org")
    assert client.post(add, {"email": "dr.mentor@example.org", "role": "mentor"}).status_code == 302
    response = client.post(add, {"email": "dr.mentor@example.org", "role": "mentor"})
    assert "already has this role" in response.content.decode()
    leader = CohortLeader.objects.get(person=person)
    mentees = reverse("programs:cohort_mentees_set", args=[leader.pk])
    field = f"leader-{leader.pk}-mentees"
    assert client.post(mentees, {field: [enrolled[0].pk, enrolled[1].pk]}).status_code == 302
    assert leader.mentees.count() == 2
    client.post(mentees, {field: ["99999999999999999999"]})
    assert leader.mentees.count() == 2
    assert (
        client.post(reverse("programs:cohort_leader_remove", args=[leader.pk])).status_code == 302
    )
    assert not CohortLeader.objects.exists()


def test_stipends_and_capstones_through_the_pages(
    client_for: Callable[[User], Client],
    coordinator: User,
    cohort_cycle: Cycle,
    enrolled: list[Application],
) -> None:
    client = client_for(coordinator)
    add = reverse("programs:cohort_stipend_add", args=[cohort_cycle.pk])
    data = {
        "application": enrolled[0].pk,
        "amount": "100000",
        "due_on": "2024-07-01",
        "status": "planned",
    }
    response = client.post(add, data)
    assert response.status_code == 200
    assert not Stipend.objects.exists()
    assert client.post(add, {**data, "amount": "800"}).status_code == 302
    stipend = Stipend.objects.get()
    update = reverse("programs:cohort_stipend_update", args=[stipend.pk])
    prefix = f"stipend-{stipend.pk}"
    assert (
        client.post(update, {f"{prefix}-status": "paid", f"{prefix}-note": ""}).status_code == 302
    )
    client.post(update, {f"{prefix}-status": "cancelled", f"{prefix}-note": ""})
    assert Stipend.objects.get().status == "paid"
    capstone = reverse("programs:cohort_capstone_set", args=[cohort_cycle.pk, enrolled[0].pk])
    assert client.get(capstone).status_code == 200
    assert client.post(capstone, {"title": "Soil microbes", "summary": ""}).status_code == 302
    assert Capstone.objects.get().title == "Soil microbes"


def test_a_session_near_year_1_or_9999_is_refused_with_a_reason_not_a_crash(
    coordinator: Any, cycle: Any
) -> None:
    for moment in (
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC),
    ):
        with pytest.raises(ServiceError) as error:
            services.add_session(actor=coordinator, cycle=cycle, title="Lab day", starts_at=moment)
        assert error.value.field == "starts_at"

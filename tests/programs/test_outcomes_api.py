"""/api/v1 for outcomes and cohorts: funnel and survival (suppressed, `null` with
`suppressed: true`), milestones, sessions and attendance, stipends and the milestone import;
who may call what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.people.models import Person
from equityhub.programs.models import (
    Application,
    CohortSession,
    Cycle,
    Milestone,
    Program,
    SessionAttendance,
    Stipend,
)
from tests.factories import PersonFactory
from tests.programs.test_funnel import applicants, build_program, make_cycle

pytestmark = pytest.mark.django_db
A = Application.Status
T = 11
JSON = "application/json"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def built(program: Program) -> dict[str, Any]:
    return build_program(program)


@pytest.fixture
def leadership(make_user: Callable[..., User]) -> User:
    return make_user(Role.LEADERSHIP_VIEWER)


def walk_counts(value: Any) -> Iterator[dict[str, Any]]:
    """Every object in the answer that carries a count."""
    if isinstance(value, dict):
        if "count" in value:
            yield value
        for item in value.values():
            yield from walk_counts(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_counts(item)


# -- funnel and survival ---------------------------------------------------------------------


def test_the_funnel_is_published_suppressed_for_staff_and_leadership(
    client_for: Callable[[User], Client],
    program: Program,
    built: Any,
    coordinator: User,
    leadership: User,
) -> None:
    for user in (coordinator, leadership):
        response = client_for(user).get(f"/api/v1/programs/{program.pk}/funnel")
        assert response.status_code == 200
        body = response.json()
        assert [c["year"] for c in body["cohorts"]] == [2015, 2016, 2024]
        stages = {s["stage"]: s for s in body["stages"]}
        assert stages["applied"]["total"] == {"count": 80, "suppressed": False, "percent": None}
        college_2016 = stages["college_entry"]["by_cohort"][1]
        assert college_2016 == {
            "cycle_id": built["cycles"][1].pk,
            "year": 2016,
            "count": None,
            "suppressed": True,
            "percent": None,
        }
        assert body["comparison"]["size"]["count"] == 30
        found = list(walk_counts(body))
        assert found
        for item in found:
            assert item["suppressed"] == (item["count"] is None)
            assert item["count"] is None or not 1 <= item["count"] < T


def test_the_survival_is_published_suppressed(
    client_for: Callable[[User], Client], program: Program, built: Any, leadership: User
) -> None:
    response = client_for(leadership).get(f"/api/v1/programs/{program.pk}/survival")
    assert response.status_code == 200
    body = response.json()
    assert body["years_after"] == list(range(1, 11))
    assert [m["kind"] for m in body["milestones"]] == list(Milestone.ORDER)
    college = body["milestones"][1]
    first = college["cohorts"][0]
    assert first["cohort_year"] == 2015 and not first["comparison"]
    assert first["points"][0] == {
        "years_after": 1,
        "elapsed": True,
        "count": 12,
        "suppressed": False,
        "share": 54.5,
    }
    assert first["points"][9] == {
        "years_after": 10,
        "elapsed": False,
        "count": None,
        "suppressed": False,
        "share": None,
    }
    assert college["comparison"][0]["comparison"]
    for item in walk_counts(body):
        assert item["count"] is None or not 1 <= item["count"] < T
    one = client_for(leadership).get(
        f"/api/v1/programs/{program.pk}/survival", {"milestone": "degree", "start_year": 2016}
    )
    assert [m["kind"] for m in one.json()["milestones"]] == ["degree"]
    assert [c["cohort_year"] for c in one.json()["milestones"][0]["cohorts"]] == [2016, 2024]


def test_funnel_and_survival_are_refused_to_everyone_else(  # noqa: PLR0917 - fixtures
    client_for: Callable[[User], Client],
    program: Program,
    reviewer: User,
    adult_applicant: User,
    member: User,
    outsider: User,
) -> None:
    for user in (reviewer, adult_applicant, member, outsider):
        client = client_for(user)
        assert client.get(f"/api/v1/programs/{program.pk}/funnel").status_code == 403
        assert client.get(f"/api/v1/programs/{program.pk}/survival").status_code == 403
    assert Client().get(f"/api/v1/programs/{program.pk}/funnel").status_code == 401


def test_funnel_ids_and_filters_are_checked(
    client_for: Callable[[User], Client], program: Program, coordinator: User
) -> None:
    client = client_for(coordinator)
    assert client.get(f"/api/v1/programs/{2**63}/funnel").status_code == 404
    assert client.get("/api/v1/programs/999999/survival").status_code == 404
    response = client.get(
        f"/api/v1/programs/{program.pk}/funnel", {"start_year": 2020, "end_year": 2019}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "end_year"
    assert client.get(f"/api/v1/programs/{program.pk}/funnel", {"cycle_id": 0}).status_code == 422


# -- milestones ------------------------------------------------------------------------------


@pytest.fixture
def alumnus(program: Program) -> Person:
    return applicants(make_cycle(program, 2019), A.ENROLLED, 1)[0]


def test_staff_record_read_correct_and_delete_milestones(
    client_for: Callable[[User], Client], coordinator: User, alumnus: Person
) -> None:
    client = client_for(coordinator)
    payload = {"person_id": alumnus.pk, "kind": "degree", "achieved_on": "2024-05-20"}
    response = client.post("/api/v1/milestones", payload, content_type=JSON)
    assert response.status_code == 201
    milestone = response.json()
    assert (milestone["source"], milestone["confidence"]) == ("staff", "medium")
    again = client.post(
        "/api/v1/milestones", {**payload, "achieved_on": "2024-05-19"}, content_type=JSON
    )
    assert again.status_code == 200 and again.json()["id"] == milestone["id"]
    listed = client.get("/api/v1/milestones", {"person_id": alumnus.pk}).json()
    assert [m["achieved_on"] for m in listed] == ["2024-05-19"]
    path = f"/api/v1/milestones/{milestone['id']}"
    patched = client.patch(path, {"confidence": "high"}, content_type=JSON)
    assert patched.status_code == 200 and patched.json()["confidence"] == "high"
    assert client.patch(path, {"kind": None}, content_type=JSON).status_code == 422
    assert client.patch(path, {"nope": 1}, content_type=JSON).status_code == 422
    assert client.delete(path).status_code == 204
    assert not Milestone.objects.exists()
    assert client.delete(path).status_code == 404


def test_milestone_input_is_checked(
    client_for: Callable[[User], Client], coordinator: User, alumnus: Person
) -> None:
    client = client_for(coordinator)
    base = {"person_id": alumnus.pk, "kind": "degree", "achieved_on": "2024-05-20"}
    future = client.post(
        "/api/v1/milestones", {**base, "achieved_on": "2030-01-01"}, content_type=JSON
    )
    assert future.status_code == 422 and future.json()["field"] == "achieved_on"
    imported = client.post("/api/v1/milestones", {**base, "source": "aamc"}, content_type=JSON)
    assert imported.status_code == 422
    stranger = client.post(
        "/api/v1/milestones", {**base, "person_id": PersonFactory().pk}, content_type=JSON
    )
    assert stranger.status_code == 404
    assert client.get("/api/v1/milestones", {"person_id": 2**63}).status_code == 422
    assert client.get("/api/v1/milestones").status_code == 422


def test_milestones_are_for_staff_only(
    client_for: Callable[[User], Client], leadership: User, member: User, alumnus: Person
) -> None:
    for user in (leadership, member):
        client = client_for(user)
        assert client.get("/api/v1/milestones", {"person_id": alumnus.pk}).status_code == 403
        response = client.post(
            "/api/v1/milestones",
            {"person_id": alumnus.pk, "kind": "degree", "achieved_on": "2024-05-20"},
            content_type=JSON,
        )
        assert response.status_code == 403


# -- sessions and attendance -----------------------------------------------------------------


@pytest.fixture
def cohort(program: Program) -> Cycle:
    return make_cycle(program, 2024, status=Cycle.Status.RUNNING)


@pytest.fixture
def participant(cohort: Cycle) -> Application:
    return Application.objects.get(applicant=applicants(cohort, A.ENROLLED, 1)[0])


def test_staff_add_sessions_and_mark_attendance(
    client_for: Callable[[User], Client], coordinator: User, cohort: Cycle, participant: Application
) -> None:
    client = client_for(coordinator)
    response = client.post(
        f"/api/v1/cycles/{cohort.pk}/sessions",
        {"title": "Orientation", "starts_at": "2024-06-03T09:00:00"},
        content_type=JSON,
    )
    assert response.status_code == 201
    session_id = response.json()["id"]
    assert timezone.localtime(CohortSession.objects.get().starts_at).hour == 9
    mark = client.post(
        f"/api/v1/sessions/{session_id}/attendance",
        {"application_id": participant.pk, "status": "present"},
        content_type=JSON,
    )
    assert mark.status_code == 200
    assert mark.json() == {
        "session_id": session_id,
        "application_id": participant.pk,
        "status": "present",
    }
    listed = client.get(f"/api/v1/cycles/{cohort.pk}/sessions").json()
    assert listed[0]["attendance"] == [{"application_id": participant.pk, "status": "present"}]
    cleared = client.post(
        f"/api/v1/sessions/{session_id}/attendance",
        {"application_id": participant.pk, "status": ""},
        content_type=JSON,
    )
    assert cleared.json()["status"] == ""
    assert not SessionAttendance.objects.exists()


def test_attendance_is_only_for_participants_and_known_marks(
    client_for: Callable[[User], Client], coordinator: User, cohort: Cycle, participant: Application
) -> None:
    client = client_for(coordinator)
    session = CohortSession.objects.create(cycle=cohort, title="Lab", starts_at=timezone.now())
    outsider_app = Application.objects.get(applicant=applicants(cohort, A.REJECTED, 1)[0])
    path = f"/api/v1/sessions/{session.pk}/attendance"
    wrong = client.post(
        path, {"application_id": outsider_app.pk, "status": "present"}, content_type=JSON
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "application_id"
    bad = client.post(path, {"application_id": participant.pk, "status": "late"}, content_type=JSON)
    assert bad.status_code == 422
    assert (
        client.post(
            f"/api/v1/sessions/{2**63}/attendance",
            {"application_id": 1, "status": ""},
            content_type=JSON,
        ).status_code
        == 404
    )


def test_sessions_are_for_staff_only(
    client_for: Callable[[User], Client], leadership: User, member: User, cohort: Cycle
) -> None:
    for user in (leadership, member):
        assert client_for(user).get(f"/api/v1/cycles/{cohort.pk}/sessions").status_code == 403


# -- stipends --------------------------------------------------------------------------------


def test_staff_record_and_change_stipends(
    client_for: Callable[[User], Client], coordinator: User, cohort: Cycle, participant: Application
) -> None:
    client = client_for(coordinator)
    path = f"/api/v1/cycles/{cohort.pk}/stipends"
    response = client.post(
        path,
        {"application_id": participant.pk, "amount": "1500.00", "due_on": "2024-07-01"},
        content_type=JSON,
    )
    assert response.status_code == 201
    stipend = response.json()
    assert (stipend["amount"], stipend["status"], stipend["person_id"]) == (
        "1500.00",
        "planned",
        participant.applicant_id,
    )
    patch = f"/api/v1/stipends/{stipend['id']}"
    assert client.patch(patch, {"amount": "1600"}, content_type=JSON).json()["amount"] == "1600.00"
    assert client.patch(patch, {"status": "paid"}, content_type=JSON).json()["status"] == "paid"
    refused = client.patch(patch, {"status": "cancelled"}, content_type=JSON)
    assert refused.status_code == 409
    assert client.patch(patch, {"amount": "10"}, content_type=JSON).status_code == 409
    assert client.patch(patch, {"status": None}, content_type=JSON).status_code == 422
    assert [s["amount"] for s in client.get(path).json()] == ["1600.00"]


@pytest.mark.parametrize("amount", ["0", "-1", "100000", "1.001", "lots"])
def test_a_stipend_amount_is_checked(
    client_for: Callable[[User], Client],
    coordinator: User,
    cohort: Cycle,
    participant: Application,
    amount: str,
) -> None:
    response = client_for(coordinator).post(
        f"/api/v1/cycles/{cohort.pk}/stipends",
        {"application_id": participant.pk, "amount": amount, "due_on": "2024-07-01"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert not Stipend.objects.exists()


def test_stipends_are_for_staff_only_and_for_participants(
    client_for: Callable[[User], Client],
    coordinator: User,
    leadership: User,
    cohort: Cycle,
    participant: Application,
) -> None:
    path = f"/api/v1/cycles/{cohort.pk}/stipends"
    assert client_for(leadership).get(path).status_code == 403
    other = Application.objects.get(applicant=applicants(cohort, A.WITHDRAWN, 1)[0])
    response = client_for(coordinator).post(
        path,
        {"application_id": other.pk, "amount": "10", "due_on": "2024-07-01"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert (
        client_for(coordinator).patch("/api/v1/stipends/999999", {}, content_type=JSON).status_code
        == 404
    )


# -- the import ------------------------------------------------------------------------------


def aamc_upload(email: str, year: str = "2024") -> SimpleUploadedFile:
    data = (
        f"\ufeffEmail,Application Year,Applied,Accepted,Matriculated\r\n{email},{year},Y,Y,N\r\n"
    ).encode()
    return SimpleUploadedFile("aamc.csv", data, content_type="text/csv")


def test_staff_import_milestones_through_the_api(
    client_for: Callable[[User], Client], coordinator: User, alumnus: Person
) -> None:
    client = client_for(coordinator)
    dry = client.post(
        "/api/v1/milestones/import",
        {"file": aamc_upload(alumnus.email), "format": "aamc", "dry_run": "true"},
    )
    assert dry.status_code == 200
    assert dry.json() == {
        "format": "aamc",
        "dry_run": True,
        "rows": 1,
        "people": 1,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "by_kind": {"applied_med": 1, "admitted_med": 1},
    }
    assert not Milestone.objects.exists()
    real = client.post(
        "/api/v1/milestones/import", {"file": aamc_upload(alumnus.email), "format": "aamc"}
    )
    assert real.status_code == 200
    assert Milestone.objects.count() == 2


def test_a_broken_import_lists_every_error_and_writes_nothing(
    client_for: Callable[[User], Client], coordinator: User, alumnus: Person
) -> None:
    response = client_for(coordinator).post(
        "/api/v1/milestones/import",
        {"file": aamc_upload("nobody@example.org", year="19"), "format": "aamc"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_failed"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [
        (1, "Email"),
        (1, "Application Year"),
    ]
    assert not Milestone.objects.exists()


def test_the_import_is_for_staff_only(
    client_for: Callable[[User], Client], leadership: User, alumnus: Person
) -> None:
    response = client_for(leadership).post(
        "/api/v1/milestones/import", {"file": aamc_upload(alumnus.email), "format": "aamc"}
    )
    assert response.status_code == 403
    bad_format = client_for(leadership).post(
        "/api/v1/milestones/import", {"file": aamc_upload(alumnus.email), "format": "xlsx"}
    )
    assert bad_format.status_code in {403, 422}

"""/api/v1 programs, cycles, fields and applications: staff runs, applicants apply (their own
only), the submission's 422 with `problems`, and 404 for what the caller may not read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.accounts.services import create_api_token
from equityhub.audit.models import AuditEntry
from equityhub.places.models import Area
from equityhub.programs import services_applications as services
from equityhub.programs.models import Application, Cycle, FormField, Program
from tests.factories import OrganizationFactory
from tests.programs.application_helpers import (
    capture_commits,
    consent,
    draft,
    in_grade,
    patch_json,
    person,
    post_json,
    ready_draft,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
S = Application.Status
ClientFor = Callable[[User], Client]


def token_client(user: User) -> Client:
    _token, raw = create_api_token(user=user, name="tests", actor=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


# -- programs ----------------------------------------------------------------------------------


def test_staff_create_read_and_change_a_program(coordinator: User) -> None:
    client = token_client(coordinator)
    sponsor = OrganizationFactory(name="SSM Health")
    area = Area.objects.create(kind=Area.Kind.ZCTA, code="63106", name="63106")
    response = post_json(
        client,
        f"{API}/programs",
        {
            "name": "Residents and Fellows Initiative",
            "stage": "resident_fellow",
            "sponsor_id": sponsor.pk,
            "needs_director_approval": True,
            "residence_area_ids": [area.pk],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["sponsor_name"] == "SSM Health"
    assert body["residence_area_ids"] == [area.pk]
    url = f"{API}/programs/{body['id']}"
    changed = patch_json(client, url, {"blind_review": True, "residence_area_ids": []})
    assert changed.status_code == 200
    assert changed.json()["blind_review"] is True
    assert changed.json()["residence_area_ids"] == []
    assert patch_json(client, url, {"sponsor_id": 2**62}).status_code == 422
    assert patch_json(client, url, {"seats": 3}).status_code == 422
    assert client.get(f"{API}/programs/{2**63}").status_code == 404


def test_a_duplicate_program_name_is_409(coordinator: User, program: Program) -> None:
    response = post_json(
        token_client(coordinator),
        f"{API}/programs",
        {"name": program.name, "stage": "k12", "sponsor_id": program.sponsor_id},
    )
    assert response.status_code == 409
    assert response.json()["field"] == "name"


def test_members_read_programs_taking_applications_but_cannot_write(
    member: User, program: Program, cycle: Cycle, client_for: ClientFor
) -> None:
    client = client_for(member)
    listed = client.get(f"{API}/programs").json()
    assert [p["id"] for p in listed["items"]] == [program.pk]
    assert (
        post_json(
            client, f"{API}/programs", {"name": "X", "stage": "k12", "sponsor_id": 1}
        ).status_code
        == 403
    )
    assert patch_json(client, f"{API}/programs/{program.pk}", {"name": "Y"}).status_code == 403
    Cycle.objects.filter(pk=cycle.pk).update(status="review")
    assert client.get(f"{API}/programs").json()["count"] == 0
    assert client.get(f"{API}/programs/{program.pk}").status_code == 404


# -- cycles and fields -------------------------------------------------------------------------


def test_staff_create_a_cycle_add_questions_and_open_it(
    coordinator: User, program: Program
) -> None:
    client = token_client(coordinator)
    now = timezone.now()
    created = post_json(
        client,
        f"{API}/programs/{program.pk}/cycles",
        {
            "year": 2033,
            "title": "Summer 2033",
            "opens_at": (now - dt.timedelta(days=1)).isoformat(),
            "closes_at": (now + dt.timedelta(days=10)).isoformat(),
            "seats": 6,
        },
    )
    assert created.status_code == 201, created.json()
    cycle_id = created.json()["id"]
    refused = patch_json(client, f"{API}/cycles/{cycle_id}", {"status": "open"})
    assert refused.status_code == 409
    field = post_json(
        client,
        f"{API}/cycles/{cycle_id}/fields",
        {
            "key": "lab",
            "kind": "choice",
            "label": "Lab",
            "label_es": "Laboratorio",
            "choices": [
                {"value": "bio", "label": "Biology", "label_es": "Biología"},
                {"value": "chem", "label": "Chemistry"},
            ],
        },
    )
    assert field.status_code == 201, field.json()
    post_json(
        client, f"{API}/cycles/{cycle_id}/fields", {"key": "why", "kind": "text", "label": "Why"}
    )
    opened = patch_json(client, f"{API}/cycles/{cycle_id}", {"status": "open", "seats": 7})
    assert opened.status_code == 200
    assert (opened.json()["status"], opened.json()["seats"], opened.json()["accepting"]) == (
        "open",
        7,
        True,
    )
    fields = client.get(f"{API}/cycles/{cycle_id}/fields").json()
    assert [f["key"] for f in fields] == ["lab", "why"]
    moved = patch_json(
        client, f"{API}/fields/{fields[1]['id']}", {"move": "up", "label": "Why us?"}
    )
    assert moved.status_code == 200 and moved.json()["position"] == 1
    assert client.delete(f"{API}/fields/{fields[0]['id']}").status_code == 204
    duplicate = {
        "year": 2033,
        "title": "Dup",
        "opens_at": now.isoformat(),
        "closes_at": (now + dt.timedelta(days=1)).isoformat(),
        "seats": 1,
    }
    assert post_json(client, f"{API}/programs/{program.pk}/cycles", duplicate).status_code == 409


def test_a_cycle_window_backwards_is_422(coordinator: User, program: Program) -> None:
    now = timezone.now()
    response = post_json(
        token_client(coordinator),
        f"{API}/programs/{program.pk}/cycles",
        {
            "year": 2034,
            "title": "T",
            "opens_at": now.isoformat(),
            "closes_at": now.isoformat(),
            "seats": 1,
        },
    )
    assert response.status_code == 422
    assert response.json()["field"] == "closes_at"


def test_members_read_an_open_cycles_questions_but_not_its_seats(
    member: User, cycle: Cycle, client_for: ClientFor
) -> None:
    client = client_for(member)
    body = client.get(f"{API}/cycles/{cycle.pk}").json()
    assert body["seats_taken"] is None
    assert [f["key"] for f in client.get(f"{API}/cycles/{cycle.pk}/fields").json()] == [
        "essay",
        "track",
        "school",
    ]
    assert [c["id"] for c in client.get(f"{API}/programs/{cycle.program_id}/cycles").json()] == [
        cycle.pk
    ]
    assert patch_json(client, f"{API}/cycles/{cycle.pk}", {"seats": 3}).status_code == 403
    field = FormField.objects.filter(cycle=cycle).first()
    assert field is not None
    assert patch_json(client, f"{API}/fields/{field.pk}", {"label": "x"}).status_code == 404
    assert client.delete(f"{API}/fields/{field.pk}").status_code == 404
    assert (
        post_json(
            client, f"{API}/cycles/{cycle.pk}/fields", {"key": "k", "kind": "text", "label": "L"}
        ).status_code
        == 403
    )


def test_editing_a_question_after_submissions_is_409(
    coordinator: User, cycle: Cycle, adult_applicant: User
) -> None:
    application = ready_draft(cycle, adult_applicant)
    services.submit_application(application=application, actor=adult_applicant)
    field = FormField.objects.get(cycle=cycle, key="essay")
    client = token_client(coordinator)
    assert patch_json(client, f"{API}/fields/{field.pk}", {"required": False}).status_code == 409
    assert (
        patch_json(
            client, f"{API}/fields/{field.pk}", {"label_es": "¿Por qué ciencia?"}
        ).status_code
        == 200
    )
    assert client.delete(f"{API}/fields/{field.pk}").status_code == 409


# -- applications ------------------------------------------------------------------------------


def test_an_applicant_starts_fills_and_submits_their_application(
    cycle: Cycle, adult_applicant: User
) -> None:
    in_grade(adult_applicant)
    client = token_client(adult_applicant)
    started = post_json(client, f"{API}/cycles/{cycle.pk}/applications", {"language": "es"})
    assert started.status_code == 201
    body = started.json()
    assert body["language"] == "es"
    assert [p["field"] for p in body["problems"]] == ["essay", "track"]
    again = post_json(client, f"{API}/cycles/{cycle.pk}/applications")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    url = f"{API}/applications/{body['id']}"
    saved = patch_json(
        client, url, {"answers": {"essay": "Science!", "track": "bio"}, "language": "en"}
    )
    assert saved.status_code == 200
    assert saved.json()["answers"] == {"essay": "Science!", "track": "bio"}
    assert saved.json()["problems"] == []
    with capture_commits():
        submitted = post_json(client, f"{url}/submit")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert len(mail.outbox) == 1
    assert post_json(client, f"{url}/submit").status_code == 409
    assert patch_json(client, url, {"answers": {"essay": "later"}}).status_code == 409


def test_a_bad_answer_is_422_naming_the_question(cycle: Cycle, adult_applicant: User) -> None:
    application = draft(cycle, adult_applicant)
    response = patch_json(
        token_client(adult_applicant),
        f"{API}/applications/{application.pk}",
        {"answers": {"track": "x"}},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "track"


def test_submitting_an_incomplete_application_lists_every_problem(
    cycle: Cycle, adult_applicant: User
) -> None:
    application = draft(cycle, adult_applicant)
    response = post_json(
        token_client(adult_applicant), f"{API}/applications/{application.pk}/submit"
    )
    assert response.status_code == 422
    assert [p["code"] for p in response.json()["problems"]] == ["unanswered", "unanswered", "grade"]


def test_staff_list_and_filter_applications_applicants_list_their_own(
    cycle: Cycle, adult_applicant: User, minor_applicant: User, coordinator: User
) -> None:
    mine = draft(cycle, adult_applicant)
    theirs = ready_draft(cycle, minor_applicant)
    staff = token_client(coordinator).get(f"{API}/applications", {"cycle_id": cycle.pk}).json()
    assert staff["count"] == 2
    assert (
        token_client(coordinator)
        .get(f"{API}/applications", {"status": "submitted"})
        .json()["count"]
        == 0
    )
    own = token_client(adult_applicant).get(f"{API}/applications").json()
    assert [a["id"] for a in own["items"]] == [mine.pk]
    assert own["items"][0]["url"] == f"/api/v1/applications/{mine.pk}"
    assert theirs.pk not in [a["id"] for a in own["items"]]


def test_the_application_list_keeps_its_query_count(
    cycle: Cycle, coordinator: User, make_user: Callable[..., User]
) -> None:
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    client = token_client(coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(f"{API}/applications").status_code == 200
        return len(context.captured_queries)

    draft(cycle, make_user(Role.MEMBER))
    queries()  # the first call also records the token's use
    before = queries()
    for _ in range(4):
        draft(cycle, make_user(Role.MEMBER))
    assert queries() == before


def test_another_applicant_member_and_outsider_get_404_on_an_application(  # noqa: PLR0917 - fixtures
    cycle: Cycle,
    adult_applicant: User,
    minor_applicant: User,
    member: User,
    outsider: User,
    reviewer: User,
) -> None:
    application = ready_draft(cycle, adult_applicant)
    url = f"{API}/applications/{application.pk}"
    for user in (minor_applicant, member, outsider, reviewer):
        client = token_client(user)
        assert client.get(url).status_code == 404
        assert patch_json(client, url, {"answers": {"essay": "x"}}).status_code == 404
        assert post_json(client, f"{url}/submit").status_code == 404
        assert post_json(client, f"{url}/withdraw").status_code == 404
        assert (
            post_json(
                client,
                f"{url}/guardian-consent",
                {"guardian_name": "A", "guardian_email": "a@example.org", "relationship": "parent"},
            ).status_code
            == 404
        )
    assert token_client(adult_applicant).get(f"{API}/applications/{2**63}").status_code == 404


def test_staff_read_but_do_not_submit_or_answer(
    cycle: Cycle, adult_applicant: User, coordinator: User
) -> None:
    application = ready_draft(cycle, adult_applicant)
    client = token_client(coordinator)
    url = f"{API}/applications/{application.pk}"
    body = client.get(url).json()
    assert body["applicant_name"] == person(adult_applicant).display_name
    assert post_json(client, f"{url}/submit").status_code == 403
    assert patch_json(client, url, {"answers": {"essay": "x"}}).status_code == 403
    withdrawn = post_json(client, f"{url}/withdraw", {"reason": "Duplicate"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert post_json(client, f"{url}/withdraw").status_code == 409


def test_the_api_asks_for_guardian_consent_and_reports_it(
    cycle: Cycle, minor_applicant: User
) -> None:
    application = ready_draft(cycle, minor_applicant)
    client = token_client(minor_applicant)
    url = f"{API}/applications/{application.pk}"
    assert client.get(url).json()["guardian_consent"] == {
        "needed": True,
        "consented": False,
        "state": "none",
    }
    with capture_commits():
        sent = post_json(
            client,
            f"{url}/guardian-consent",
            {
                "guardian_name": "Rosa",
                "guardian_email": "rosa@example.org",
                "relationship": "parent",
                "language": "es",
            },
        )
    assert sent.status_code == 201
    assert sent.json()["language"] == "es"
    assert mail.outbox[-1].to == ["rosa@example.org"]
    assert client.get(url).json()["guardian_consent"]["state"] == "pending"
    refused = post_json(client, f"{url}/submit")
    assert refused.status_code == 422
    assert [p["code"] for p in refused.json()["problems"]] == ["guardian_consent"]
    consent(application, minor_applicant)
    assert client.get(url).json()["guardian_consent"]["consented"] is True
    assert post_json(client, f"{url}/submit").status_code == 200


def test_guardian_consent_for_an_adult_is_409(cycle: Cycle, adult_applicant: User) -> None:
    application = ready_draft(cycle, adult_applicant)
    response = post_json(
        token_client(adult_applicant),
        f"{API}/applications/{application.pk}/guardian-consent",
        {"guardian_name": "A", "guardian_email": "a@example.org", "relationship": "parent"},
    )
    assert response.status_code == 409


def test_the_api_asks_for_a_letter(coordinator: User, cycle: Cycle, adult_applicant: User) -> None:
    services.add_field(
        cycle=cycle, actor=coordinator, key="letter", kind="recommendation", label="Letter"
    )
    application = ready_draft(cycle, adult_applicant)
    client = token_client(adult_applicant)
    url = f"{API}/applications/{application.pk}"
    assert [p["code"] for p in client.get(url).json()["problems"]] == ["recommendation"]
    sent = post_json(
        client,
        f"{url}/recommendations",
        {
            "field_key": "letter",
            "recommender_name": "Ms. Ortega",
            "recommender_email": "o@example.org",
        },
    )
    assert sent.status_code == 201
    assert sent.json()["state"] == "requested"
    body = client.get(url).json()
    assert body["recommendations"][0]["recommender_name"] == "Ms. Ortega"
    assert body["problems"] == []
    unknown = post_json(
        client,
        f"{url}/recommendations",
        {"field_key": "nope", "recommender_name": "X", "recommender_email": "x@example.org"},
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "field_key"


def test_starting_without_a_registry_record_is_403_and_a_closed_cycle_409(
    cycle: Cycle, make_user: Callable[..., User], adult_applicant: User
) -> None:
    no_person = make_user(None, person=False)
    assert (
        post_json(token_client(no_person), f"{API}/cycles/{cycle.pk}/applications").status_code
        == 403
    )
    Cycle.objects.filter(pk=cycle.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    # A closed cycle is no longer public: 404 for a newcomer.
    assert (
        post_json(
            token_client(adult_applicant), f"{API}/cycles/{cycle.pk}/applications"
        ).status_code
        == 404
    )


def test_the_endpoints_are_documented(client: Client) -> None:
    schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/programs",
        "/api/v1/programs/{program_id}",
        "/api/v1/programs/{program_id}/cycles",
        "/api/v1/cycles/{cycle_id}",
        "/api/v1/cycles/{cycle_id}/fields",
        "/api/v1/fields/{field_id}",
        "/api/v1/applications",
        "/api/v1/cycles/{cycle_id}/applications",
        "/api/v1/applications/{application_id}",
        "/api/v1/applications/{application_id}/submit",
        "/api/v1/applications/{application_id}/withdraw",
        "/api/v1/applications/{application_id}/guardian-consent",
        "/api/v1/applications/{application_id}/recommendations",
    ):
        assert path in paths, path
        for operation in paths[path].values():
            assert operation["summary"] and operation.get("description")
    submit = paths["/api/v1/applications/{application_id}/submit"]["post"]
    assert submit["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/NotSubmittableOut"
    )
    assert "problems" in schema["components"]["schemas"]["NotSubmittableOut"]["properties"]


def test_writes_are_audited_with_the_api_caller(coordinator: User, program: Program) -> None:
    post_json(
        token_client(coordinator),
        f"{API}/programs/{program.pk}/cycles",
        {
            "year": 2035,
            "title": "T",
            "opens_at": timezone.now().isoformat(),
            "closes_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
            "seats": 1,
        },
    )
    assert AuditEntry.objects.get(action="programs.cycle.created").actor_id == coordinator.pk

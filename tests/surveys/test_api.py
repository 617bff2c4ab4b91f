"""/api/v1/surveys: questionnaires, paired change, and answering by private link."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.surveys.models import Questionnaire, Response
from tests.surveys.conftest import answer, items_by_key, likert, people

pytestmark = pytest.mark.django_db

API = "/api/v1/surveys"
HUGE = "99999999999999999999999"


def token_client(user: User) -> Client:
    _token, raw = create_api_token(user=user, name="tests", actor=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post_json(client: Client, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def complete(questionnaire: Questionnaire) -> dict[str, Any]:
    items = items_by_key(questionnaire)
    return {
        "answers": {
            str(items["attitude_1"].pk): 4,
            str(items["favourite_site"].pk): "clinic",
            str(items["reflection"].pk): "Housing.",
        }
    }


# -- reading ---------------------------------------------------------------------------------


def test_office_staff_list_the_questionnaires_with_their_counts(
    coordinator: User, sheet: Questionnaire, token: str
) -> None:
    response = token_client(coordinator).get(API)
    assert response.status_code == 200
    [row] = response.json()
    assert row["id"] == sheet.pk
    assert (row["item_count"], row["invited_count"], row["answered_count"]) == (4, 1, 0)


@pytest.mark.parametrize("role", ["member", "outsider"])
def test_members_and_outsiders_may_not_list_or_read_questionnaires(
    role: str, request: Any, sheet: Questionnaire
) -> None:
    client = token_client(request.getfixturevalue(role))
    response = client.get(API)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert client.get(f"{API}/{sheet.pk}").status_code == 404
    assert client.get(f"{API}/{sheet.pk}/paired-change/{sheet.pk}").status_code == 403


def test_the_api_needs_a_token_or_a_session(sheet: Questionnaire) -> None:
    assert Client().get(API).status_code == 401
    assert Client().get(f"{API}/{sheet.pk}").status_code == 401


def test_a_questionnaire_is_read_with_its_items_and_their_answers_to_pick(
    leader: User, sheet: Questionnaire
) -> None:
    body = token_client(leader).get(f"{API}/{sheet.pk}").json()
    assert body["title_es"] == "Attitudes (es)"
    kinds = [(item["key"], item["kind"]) for item in body["items"]]
    assert kinds == [
        ("attitude_1", "likert"),
        ("favourite_site", "choice"),
        ("reflection", "text"),
        ("attitude_2", "likert"),
    ]
    likert_item, choice_item, text_item, _optional = body["items"]
    assert [c["value"] for c in likert_item["choices"]] == ["1", "2", "3", "4", "5"]
    assert likert_item["choices"][0]["label_es"] == "Totalmente en desacuerdo"
    assert choice_item["choices"][0] == {
        "value": "clinic",
        "label": "A clinic",
        "label_es": "Una clínica",
    }
    assert text_item["choices"] == []


@pytest.mark.parametrize("path", [f"/{HUGE}", "/0", f"/1/paired-change/{HUGE}"])
def test_ids_out_of_range_are_404(coordinator: User, sheet: Questionnaire, path: str) -> None:
    response = token_client(coordinator).get(API + path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_paired_change_endpoint_reports_each_key(
    coordinator: User, make_questionnaire: Any, invite_tokens: Any
) -> None:
    pre = make_questionnaire("Pre", [likert("attitude_1"), likert("knowledge_1")])
    post = make_questionnaire("Post", [likert("attitude_1"), likert("knowledge_1")])
    respondents = people(11)
    before, after = invite_tokens(pre, respondents), invite_tokens(post, respondents)
    for index, person in enumerate(respondents):
        answer(before[person.pk], pre, {"attitude_1": 2, "knowledge_1": 2})
        answer(after[person.pk], post, {"attitude_1": 3 + index % 2, "knowledge_1": 2})
    body = token_client(coordinator).get(f"{API}/{pre.pk}/paired-change/{post.pk}").json()
    assert (body["pre_id"], body["post_id"], body["threshold"]) == (pre.pk, post.pk, 11)
    attitude, knowledge = body["items"]
    assert attitude["key"] == "attitude_1"
    assert attitude["n"] == 11
    assert attitude["mean_diff"] == pytest.approx(16 / 11)
    assert attitude["ci_low"] < attitude["mean_diff"] < attitude["ci_high"]
    assert knowledge["mean_diff"] == 0
    assert not attitude["suppressed"]


def test_comparing_a_questionnaire_with_itself_is_a_422(
    coordinator: User, sheet: Questionnaire
) -> None:
    response = token_client(coordinator).get(f"{API}/{sheet.pk}/paired-change/{sheet.pk}")
    assert response.status_code == 422


def test_suppressed_items_carry_no_numbers_in_the_api(
    coordinator: User, make_questionnaire: Any
) -> None:
    pre = make_questionnaire("Pre", [likert("attitude_1")])
    post = make_questionnaire("Post", [likert("attitude_1")])
    body = token_client(coordinator).get(f"{API}/{pre.pk}/paired-change/{post.pk}").json()
    [item] = body["items"]
    assert item["suppressed"] is True
    assert {item[k] for k in ("n", "mean_pre", "mean_post", "mean_diff", "ci_low", "ci_high")} == {
        None
    }


# -- answering -------------------------------------------------------------------------------


def test_answers_are_submitted_without_signing_in(sheet: Questionnaire, token: str) -> None:
    response = post_json(
        Client(enforce_csrf_checks=True), f"{API}/responses/{token}", complete(sheet)
    )
    assert response.status_code == 201
    body = response.json()
    saved = Response.objects.get()
    assert body["id"] == saved.pk
    assert body["language"] == "en"
    assert saved.answers.count() == 3


def test_the_language_answered_in_is_kept(sheet: Questionnaire, token: str) -> None:
    body = post_json(Client(), f"{API}/responses/{token}", {**complete(sheet), "language": "es"})
    assert body.json()["language"] == "es"


def test_bad_answers_are_a_422_listing_every_item_at_fault(
    sheet: Questionnaire, token: str
) -> None:
    items = items_by_key(sheet)
    response = post_json(
        Client(),
        f"{API}/responses/{token}",
        {"answers": {str(items["attitude_1"].pk): 7, str(items["favourite_site"].pk): "zoo"}},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == f"item_{items['attitude_1'].pk}"
    assert [error["field"] for error in body["errors"]] == [
        f"item_{items['attitude_1'].pk}",
        f"item_{items['favourite_site'].pk}",
        f"item_{items['reflection'].pk}",
    ]
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {"1": True}},
        {"answers": {"1": 2.5}},
        {"answers": {"1": 3}, "language": "fr"},
        {"answers": {"1": 3}, "extra": 1},
        {"answers": {str(n): 1 for n in range(501)}},
    ],
)
def test_malformed_bodies_are_a_422(sheet: Questionnaire, token: str, body: Any) -> None:
    response = post_json(Client(), f"{API}/responses/{token}", body)
    assert response.status_code == 422
    assert not Response.objects.exists()


def test_an_unknown_link_is_a_404(sheet: Questionnaire) -> None:
    response = post_json(Client(), f"{API}/responses/{'A' * 43}", complete(sheet))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_expired_link_is_a_404(sheet: Questionnaire, token: str) -> None:
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        response = post_json(Client(), f"{API}/responses/{token}", complete(sheet))
    assert response.status_code == 404


def test_a_used_link_is_a_409(sheet: Questionnaire, token: str) -> None:
    assert post_json(Client(), f"{API}/responses/{token}", complete(sheet)).status_code == 201
    response = post_json(Client(), f"{API}/responses/{token}", complete(sheet))
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Response.objects.count() == 1


def test_the_schema_documents_the_survey_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "get" in paths["/api/v1/surveys"]
    assert "get" in paths["/api/v1/surveys/{questionnaire_id}"]
    assert "get" in paths["/api/v1/surveys/{pre_id}/paired-change/{post_id}"]
    submit = paths["/api/v1/surveys/responses/{token}"]["post"]
    assert {"201", "404", "409", "422"} <= set(submit["responses"])
    assert "security" not in submit or submit["security"] in ([], [{}])
    assert submit["tags"] == ["surveys"]

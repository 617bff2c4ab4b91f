"""/api/v1/consortium: initiatives, partners, metrics, values and the controlled lists; shapes,
errors with bodies, partner isolation (404) and ids out of range."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.audit.models import AuditEntry
from equityhub.partnerships.models import (
    Initiative,
    InitiativePartner,
    Metric,
    MetricValue,
    NeedsPriority,
)
from equityhub.people.models import Organization
from equityhub.places.models import Area
from tests.factories import OrganizationFactory
from tests.partnerships.conftest import population, zcta

pytestmark = pytest.mark.django_db

API = "/api/v1/consortium"
HUGE = 2**63
ClientFor = Callable[[User], Client]
NOT_FOUND = {"detail": "Not found.", "field": None, "code": "not_found"}


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


def token_client(user: User) -> Client:
    _token, raw = create_api_token(user=user, name="tests", actor=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def send(client: Client, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method)(f"{API}{path}", data, content_type="application/json")


@pytest.fixture
def metric(partner_initiative: Initiative) -> Metric:
    return Metric.objects.create(
        initiative=partner_initiative, name="Women screened", kind="screenings"
    )


@pytest.fixture
def other_metric(other_initiative: Initiative) -> Metric:
    return Metric.objects.create(initiative=other_initiative, name="Boxes", kind="events")


def value_of(metric: Metric, amount: int = 5) -> MetricValue:
    return MetricValue.objects.create(
        metric=metric,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 1, 31),
        value=amount,
    )


# -- who may ---------------------------------------------------------------------------------


def test_every_endpoint_needs_authentication(
    client: Client, partner_initiative: Initiative
) -> None:
    for path in ("/initiatives", f"/initiatives/{partner_initiative.pk}", "/focus-areas"):
        response = client.get(f"{API}{path}")
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


def test_another_organizations_records_answer_404_on_every_route(
    partner: User, other_initiative: Initiative, other_metric: Metric
) -> None:
    client = token_client(partner)
    row = InitiativePartner.objects.create(
        initiative=other_initiative, organization=OrganizationFactory(name="Third")
    )
    value = value_of(other_metric)
    calls = [
        ("get", f"/initiatives/{other_initiative.pk}", None),
        ("patch", f"/initiatives/{other_initiative.pk}", {"title": "Mine"}),
        (
            "post",
            f"/initiatives/{other_initiative.pk}/partners",
            {"organization_id": row.organization_id},
        ),
        ("delete", f"/initiative-partners/{row.pk}", None),
        ("get", f"/initiatives/{other_initiative.pk}/metrics", None),
        ("post", f"/initiatives/{other_initiative.pk}/metrics", {"name": "x", "kind": "events"}),
        ("patch", f"/metrics/{other_metric.pk}", {"name": "Mine"}),
        ("get", f"/metrics/{other_metric.pk}/values", None),
        (
            "post",
            f"/metrics/{other_metric.pk}/values",
            {"period_start": "2025-02-01", "period_end": "2025-02-28", "value": 1},
        ),
        ("delete", f"/metric-values/{value.pk}", None),
    ]
    for method, path, body in calls:
        response = send(client, method, path, body)
        assert response.status_code == 404, (method, path)
        assert response.json() == NOT_FOUND
    assert InitiativePartner.objects.filter(pk=row.pk).exists()
    assert MetricValue.objects.count() == 1
    assert [i["id"] for i in send(client, "get", "/initiatives").json()["items"]] == []


def test_ids_beyond_64_bits_answer_404(coordinator: User) -> None:
    client = token_client(coordinator)
    calls = [
        ("get", f"/initiatives/{HUGE}", None),
        ("patch", f"/initiatives/{HUGE}", {"title": "x"}),
        ("post", f"/initiatives/{HUGE}/partners", {"organization_id": 1}),
        ("delete", f"/initiative-partners/{HUGE}", None),
        ("get", f"/initiatives/{HUGE}/metrics", None),
        ("patch", f"/metrics/{HUGE}", {"name": "x"}),
        ("get", f"/metrics/{HUGE}/values", None),
        ("delete", f"/metric-values/{HUGE}", None),
    ]
    for method, path, body in calls:
        response = send(client, method, path, body)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    response = send(client, "post", "/initiatives/1/partners", {"organization_id": HUGE})
    assert response.status_code == 422


@pytest.mark.parametrize("who", ["member", "outsider", "leadership"])
def test_people_outside_get_403_on_lists_and_404_on_records(
    who: str, request: pytest.FixtureRequest, partner_initiative: Initiative, metric: Metric
) -> None:
    client = token_client(request.getfixturevalue(who))
    listing = send(client, "get", "/initiatives")
    assert listing.status_code == 403
    assert listing.json()["code"] == "forbidden"
    created = send(
        client,
        "post",
        "/initiatives",
        {"title": "X", "lead_organization_id": partner_initiative.lead_organization_id},
    )
    assert created.status_code == 403
    assert send(client, "get", f"/initiatives/{partner_initiative.pk}").status_code == 404
    assert send(client, "get", f"/metrics/{metric.pk}/values").status_code == 404


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_the_lists_of_codes_are_for_the_consortium(
    who: str, request: pytest.FixtureRequest
) -> None:
    client = token_client(request.getfixturevalue(who))
    for path in ("/focus-areas", "/populations", "/needs-priorities"):
        assert send(client, "get", path).status_code == 403


# -- reading ---------------------------------------------------------------------------------


def test_the_list_gives_summaries_and_filters(
    coordinator: User,
    partner_initiative: Initiative,
    other_initiative: Initiative,
    other_org: Organization,
) -> None:
    client = token_client(coordinator)
    body = send(client, "get", "/initiatives").json()
    assert body["count"] == 2
    assert [i["title"] for i in body["items"]] == [
        "Eastside Produce Prescription",
        "Northside Cancer Screening Days",
    ]
    item = body["items"][1]
    assert item["lead_organization"] == {
        "id": partner_initiative.lead_organization_id,
        "name": "Northside Community Health Collaborative",
    }
    assert item["focus_areas"] == [
        {"code": "cancer_screening", "label": "Cancer screening and prevention"}
    ]
    assert item["areas"] == [
        {"id": zcta("63106").pk, "kind": "zcta", "code": "63106", "name": "ZIP 63106"}
    ]
    assert item["status"] == "active"
    for query, titles in (
        ("?focus_area=food_access", ["Eastside Produce Prescription"]),
        ("?area=63106", ["Northside Cancer Screening Days"]),
        ("?status=planning", []),
        (f"?lead_organization_id={other_org.pk}", ["Eastside Produce Prescription"]),
        ("?limit=1&offset=1", ["Northside Cancer Screening Days"]),
    ):
        found = send(client, "get", f"/initiatives{query}").json()
        assert [i["title"] for i in found["items"]] == titles, query
    bad = send(client, "get", "/initiatives?status=done")
    assert bad.status_code == 422
    assert bad.json()["field"] == "status"


def test_the_detail_has_partners_sets_metrics_and_permissions(
    partner: User,
    other_partner: User,
    partner_initiative: Initiative,
    metric: Metric,
    other_org: Organization,
) -> None:
    hospital = OrganizationFactory(name="County Hospital")
    priority = NeedsPriority.objects.create(
        organization=hospital, year=2024, title="Access to care", url="https://example.org/chna"
    )
    partner_initiative.needs_priorities.add(priority)
    partner_initiative.populations.add(population("older_adults"))
    row = InitiativePartner.objects.create(
        initiative=partner_initiative, organization=other_org, role="funder"
    )
    body = send(token_client(partner), "get", f"/initiatives/{partner_initiative.pk}").json()
    assert body["partners"] == [
        {
            "id": row.pk,
            "organization": {"id": other_org.pk, "name": "Eastside Food Access Network"},
            "role": "funder",
        }
    ]
    assert body["populations"] == [{"code": "older_adults", "label": "Older adults"}]
    assert body["needs_priorities"] == [
        {
            "id": priority.pk,
            "organization": {"id": hospital.pk, "name": "County Hospital"},
            "year": 2024,
            "title": "Access to care",
            "url": "https://example.org/chna",
        }
    ]
    assert [m["name"] for m in body["metrics"]] == ["Women screened"]
    assert body["metrics"][0]["counts_people"] is True
    assert (body["can_edit"], body["can_report"]) == (True, True)
    assert body["overlaps"] == []
    theirs = send(
        token_client(other_partner), "get", f"/initiatives/{partner_initiative.pk}"
    ).json()
    assert (theirs["can_edit"], theirs["can_report"]) == (False, True)


def test_the_controlled_lists(partner: User, leadership: User) -> None:
    NeedsPriority.objects.create(
        organization=OrganizationFactory(name="Hospital"), year=2023, title="Obesity"
    )
    client = token_client(partner)
    focus_areas = send(client, "get", "/focus-areas").json()
    assert {"code": "food_access", "label": "Food access"} in focus_areas
    assert len(focus_areas) == 10
    assert len(send(client, "get", "/populations").json()) == 10
    priorities = send(token_client(leadership), "get", "/needs-priorities").json()
    assert [p["title"] for p in priorities] == ["Obesity"]


# -- writing initiatives ---------------------------------------------------------------------


def test_a_partner_creates_an_initiative_led_by_their_organization(
    partner: User, partner_org: Organization, areas: dict[str, Area]
) -> None:
    response = send(
        token_client(partner),
        "post",
        "/initiatives",
        {
            "title": "Healthy Homes",
            "lead_organization_id": partner_org.pk,
            "focus_areas": ["housing", "housing"],
            "populations": ["children_youth"],
            "areas": ["63106", "zcta:63107"],
            "funding_amount": "1200.50",
            "starts_on": "2025-01-01",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["lead_organization"]["id"] == partner_org.pk
    assert [f["code"] for f in body["focus_areas"]] == ["housing"]
    assert sorted(a["code"] for a in body["areas"]) == ["63106", "63107"]
    assert body["funding_amount"] == "1200.50"
    assert body["status"] == "planning"
    assert AuditEntry.objects.filter(action="partnerships.initiative.created").count() == 1


def test_a_partner_cannot_create_for_another_organization(
    partner: User, other_org: Organization
) -> None:
    response = send(
        token_client(partner),
        "post",
        "/initiatives",
        {"title": "X", "lead_organization_id": other_org.pk},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"focus_areas": ["knitting"]}, "focus_areas"),
        ({"populations": ["martians"]}, "populations"),
        ({"areas": ["99999"]}, "areas"),
        ({"needs_priority_ids": [123456]}, "needs_priority_ids"),
        ({"lead_organization_id": 123456}, "lead_organization_id"),
        ({"starts_on": "2025-05-01", "ends_on": "2025-04-01"}, "ends_on"),
        ({"funding_amount": "-5"}, "funding_amount"),
        ({"website": "nope"}, "website"),
        ({"colour": "red"}, "colour"),
        ({"title": "a\x00b"}, "title"),
    ],
)
def test_invalid_initiatives_are_refused_naming_the_field(
    coordinator: User, partner_org: Organization, body: dict[str, Any], field: str
) -> None:
    response = send(
        token_client(coordinator),
        "post",
        "/initiatives",
        {"title": "Valid", "lead_organization_id": partner_org.pk, **body},
    )
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field
    assert not Initiative.objects.exists()


def test_an_ambiguous_area_code_asks_for_its_kind(
    coordinator: User, partner_org: Organization
) -> None:
    zcta("63106")
    Area.objects.create(kind=Area.Kind.OTHER, code="63106", name="Another 63106")
    response = send(
        token_client(coordinator),
        "post",
        "/initiatives",
        {"title": "X", "lead_organization_id": partner_org.pk, "areas": ["63106"]},
    )
    assert response.status_code == 422
    assert "kind:code" in response.json()["detail"]


def test_patch_changes_only_what_is_sent(partner: User, partner_initiative: Initiative) -> None:
    client = token_client(partner)
    response = send(
        client,
        "patch",
        f"/initiatives/{partner_initiative.pk}",
        {"summary": "Saturdays", "focus_areas": ["cancer_screening", "access_to_care"]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["summary"] == "Saturdays"
    assert body["title"] == "Northside Cancer Screening Days"
    assert sorted(f["code"] for f in body["focus_areas"]) == ["access_to_care", "cancer_screening"]
    cleared = send(client, "patch", f"/initiatives/{partner_initiative.pk}", {"areas": []}).json()
    assert cleared["areas"] == []
    for field in ("title", "areas", "lead_organization_id"):
        refused = send(client, "patch", f"/initiatives/{partner_initiative.pk}", {field: None})
        assert refused.status_code == 422
        assert refused.json()["field"] == field


def test_patch_refusals_map_to_403_and_409(
    partner: User,
    other_partner: User,
    coordinator: User,
    partner_initiative: Initiative,
    other_org: Organization,
) -> None:
    InitiativePartner.objects.create(initiative=partner_initiative, organization=other_org)
    path = f"/initiatives/{partner_initiative.pk}"
    assert send(token_client(other_partner), "patch", path, {"title": "X"}).status_code == 403
    conflict = send(
        token_client(coordinator), "patch", path, {"lead_organization_id": other_org.pk}
    )
    assert conflict.status_code == 409
    assert conflict.json() == {
        "detail": (
            "Eastside Food Access Network already takes part in this initiative; "
            "remove it as a partner first."
        ),
        "field": "lead_organization",
        "code": "conflict",
    }
    send(token_client(partner), "patch", path, {"status": "completed"})
    reopen = send(token_client(partner), "patch", path, {"status": "active"})
    assert reopen.status_code == 403


def test_partners_are_added_and_removed(
    partner: User,
    partner_initiative: Initiative,
    other_org: Organization,
    partner_org: Organization,
) -> None:
    client = token_client(partner)
    path = f"/initiatives/{partner_initiative.pk}/partners"
    created = send(client, "post", path, {"organization_id": other_org.pk, "role": "site"})
    assert created.status_code == 201
    body = created.json()
    assert body["organization"] == {"id": other_org.pk, "name": "Eastside Food Access Network"}
    assert body["role"] == "site"
    again = send(client, "post", path, {"organization_id": other_org.pk})
    assert again.status_code == 409
    lead = send(client, "post", path, {"organization_id": partner_org.pk})
    assert lead.status_code == 409
    assert lead.json()["field"] == "organization"
    assert (
        send(client, "post", path, {"organization_id": other_org.pk, "role": "boss"}).status_code
        == 422
    )
    deleted = send(client, "delete", f"/initiative-partners/{body['id']}")
    assert deleted.status_code == 204
    assert not InitiativePartner.objects.exists()


# -- metrics and values ----------------------------------------------------------------------


def test_metrics_are_declared_listed_and_changed(
    partner: User, partner_initiative: Initiative
) -> None:
    client = token_client(partner)
    path = f"/initiatives/{partner_initiative.pk}/metrics"
    created = send(client, "post", path, {"name": "Referrals", "kind": "referrals"})
    assert created.status_code == 201
    body = created.json()
    assert body["counts_people"] is True
    assert body["is_active"] is True
    assert send(client, "post", path, {"name": "referrals", "kind": "events"}).status_code == 409
    refused = send(
        client, "post", path, {"name": "R2", "kind": "referrals", "counts_people": False}
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "counts_people"
    changed = send(
        client, "patch", f"/metrics/{body['id']}", {"kind": "events", "is_active": False}
    )
    assert changed.status_code == 200
    assert (changed.json()["kind"], changed.json()["counts_people"]) == ("events", False)
    assert changed.json()["is_active"] is False
    listed = send(client, "get", path).json()
    assert [m["name"] for m in listed] == ["Referrals"]
    null = send(client, "patch", f"/metrics/{body['id']}", {"name": None})
    assert null.status_code == 422


def test_a_participating_partner_reports_but_cannot_define_metrics(
    other_partner: User, partner_initiative: Initiative, metric: Metric, other_org: Organization
) -> None:
    InitiativePartner.objects.create(initiative=partner_initiative, organization=other_org)
    client = token_client(other_partner)
    assert (
        send(
            client,
            "post",
            f"/initiatives/{partner_initiative.pk}/metrics",
            {"name": "x", "kind": "events"},
        ).status_code
        == 403
    )
    assert send(client, "patch", f"/metrics/{metric.pk}", {"name": "x"}).status_code == 403
    reported = send(
        client,
        "post",
        f"/metrics/{metric.pk}/values",
        {"period_start": "2025-01-01", "period_end": "2025-03-31", "value": 8},
    )
    assert reported.status_code == 201


def test_values_are_reported_corrected_listed_and_deleted(partner: User, metric: Metric) -> None:
    client = token_client(partner)
    path = f"/metrics/{metric.pk}/values"
    first = send(
        client,
        "post",
        path,
        {"period_start": "2025-01-01", "period_end": "2025-03-31", "value": 8, "area": "63106"},
    )
    assert first.status_code == 201
    body = first.json()
    assert body["area"]["code"] == "63106"
    assert body["value"] == 8
    again = send(
        client,
        "post",
        path,
        {"period_start": "2025-01-01", "period_end": "2025-03-31", "value": 9, "area": "63106"},
    )
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert again.json()["value"] == 9
    whole = send(
        client,
        "post",
        path,
        {"period_start": "2025-01-01", "period_end": "2025-03-31", "value": 20},
    )
    assert whole.status_code == 201
    assert whole.json()["area"] is None
    listed = send(client, "get", path).json()
    assert listed["count"] == 2
    assert sorted(v["value"] for v in listed["items"]) == [9, 20]
    assert send(client, "delete", f"/metric-values/{body['id']}").status_code == 204
    assert MetricValue.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"period_end": "2024-12-31"}, 422, "period_end"),
        ({"period_start": "2025-07-01", "period_end": "2025-07-02"}, 422, "period_start"),
        ({"period_start": "2024-01-01", "period_end": "2025-01-01"}, 422, "period_end"),
        ({"value": -1}, 422, "value"),
        ({"value": 2**31}, 422, "value"),
        ({"area": "63105"}, 422, "area"),
        ({"note": "x" * 2001}, 422, "note"),
        ({"period_start": "2025-01-15", "period_end": "2025-02-15"}, 409, "period_start"),
    ],
)
def test_invalid_values_are_refused_with_a_body(
    partner: User, metric: Metric, body: dict[str, Any], status: int, field: str
) -> None:
    value_of(metric, 3)  # 2025-01-01 .. 2025-01-31
    zcta("63105")
    client = token_client(partner)
    response = send(
        client,
        "post",
        f"/metrics/{metric.pk}/values",
        {"period_start": "2025-03-01", "period_end": "2025-03-31", "value": 1, **body},
    )
    assert response.status_code == status, response.json()
    assert response.json()["field"] == field


def test_the_api_is_documented(coordinator: User) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/consortium/initiatives",
        "/api/v1/consortium/initiatives/{initiative_id}",
        "/api/v1/consortium/initiatives/{initiative_id}/partners",
        "/api/v1/consortium/initiative-partners/{partner_id}",
        "/api/v1/consortium/initiatives/{initiative_id}/metrics",
        "/api/v1/consortium/metrics/{metric_id}",
        "/api/v1/consortium/metrics/{metric_id}/values",
        "/api/v1/consortium/metric-values/{value_id}",
        "/api/v1/consortium/metrics/rollup",
        "/api/v1/consortium/focus-areas",
        "/api/v1/consortium/populations",
        "/api/v1/consortium/needs-priorities",
    ):
        assert path in paths, path
        for operation in paths[path].values():
            assert operation["summary"]
            assert operation["description"]


def test_the_list_takes_a_constant_number_of_queries(
    coordinator: User,
    make_initiative: Callable[..., Initiative],
    other_org: Organization,
    django_assert_max_num_queries: Any,
) -> None:
    client = token_client(coordinator)
    make_initiative(other_org, title="First")
    send(client, "get", "/initiatives")
    with django_assert_max_num_queries(30) as captured:
        send(client, "get", "/initiatives")
    count = len(captured.captured_queries)
    for i in range(8):
        initiative = make_initiative(other_org, title=f"More {i}", focus_codes=("housing",))
        initiative.populations.add(population("latino"))
        InitiativePartner.objects.create(
            initiative=initiative, organization=OrganizationFactory(name=f"Org {i}")
        )
    with django_assert_max_num_queries(count):
        send(client, "get", "/initiatives")


# -- input that once made a 500 (review fixes) -----------------------------------------------

CONTROL = ["\x00", "63106\x00", "cancer\x1bscreening"]


@pytest.mark.parametrize("text", CONTROL)
@pytest.mark.parametrize("param", ["focus_area", "area"])
def test_control_characters_in_the_lists_filters_are_a_422(
    partner: User, partner_initiative: Initiative, param: str, text: str
) -> None:
    response = token_client(partner).get(f"{API}/initiatives", {param: text})
    assert response.status_code == 422, response.content
    assert response.json()["field"] == param
    assert "Control characters" in response.json()["detail"]


def test_a_nul_in_the_query_string_is_a_422(partner: User, partner_initiative: Initiative) -> None:
    for param in ("focus_area", "area"):
        response = token_client(partner).get(f"{API}/initiatives?{param}=%00")
        assert response.status_code == 422, response.content


@pytest.mark.parametrize("text", CONTROL)
@pytest.mark.parametrize("field", ["focus_areas", "populations", "areas"])
def test_control_characters_in_an_initiatives_codes_are_a_422(
    partner: User, partner_org: Organization, partner_initiative: Initiative, field: str, text: str
) -> None:
    client = token_client(partner)
    created = send(
        client,
        "post",
        "/initiatives",
        {"title": "Healthy Homes", "lead_organization_id": partner_org.pk, field: [text]},
    )
    assert created.status_code == 422, created.json()
    assert created.json()["field"] == f"{field}.0"
    patched = send(client, "patch", f"/initiatives/{partner_initiative.pk}", {field: [text]})
    assert patched.status_code == 422, patched.json()
    assert Initiative.objects.count() == 1


@pytest.mark.parametrize("text", CONTROL)
def test_control_characters_in_a_values_area_are_a_422(
    partner: User, metric: Metric, text: str
) -> None:
    response = send(
        token_client(partner),
        "post",
        f"/metrics/{metric.pk}/values",
        {"period_start": "2025-03-01", "period_end": "2025-03-31", "value": 1, "area": text},
    )
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == "area"
    assert "Control characters" in response.json()["detail"]
    assert not MetricValue.objects.exists()


@pytest.mark.parametrize(
    ("period", "field"),
    [
        ({"period_start": "9999-01-01", "period_end": "9999-12-31"}, "period_start"),
        ({"period_start": "9999-12-31", "period_end": "9999-12-31"}, "period_start"),
        ({"period_start": "2025-01-01", "period_end": "9999-12-31"}, "period_end"),
        ({"period_start": "0001-01-01", "period_end": "0001-01-31"}, "period_start"),
    ],
)
def test_a_far_off_period_is_a_422_naming_the_field(
    partner: User, metric: Metric, period: dict[str, str], field: str
) -> None:
    response = send(
        token_client(partner), "post", f"/metrics/{metric.pk}/values", {"value": 1, **period}
    )
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field
    assert not MetricValue.objects.exists()

"""/api/v1/consortium/partners and /contacts: the same rules as the pages. Staff read and
change everything, a partner user their own organization (description and contacts, not the
terms), anyone else 403 on lists and 404 on records; ids of other organizations and out of
range answer 404; bad input 422 naming the field; duplicates 409."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.api.api import api
from equityhub.audit.models import AuditEntry
from equityhub.partnerships.models import Contact, Membership
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/consortium"
HUGE = "99999999999999999999999"


def token_client(user: User) -> Client:
    _token, raw = create_api_token(user=user, name="tests", actor=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def send(client: Client, method: str, path: str, body: Any = None) -> Any:
    call = getattr(client, method)
    return call(path, json.dumps(body) if body is not None else "", content_type="application/json")


@pytest.fixture
def contact(partner_membership: Membership) -> Contact:
    return Contact.objects.create(
        organization=partner_membership.organization,
        name="Renée Walker",
        email="renee.walker@northside.example.org",
    )


@pytest.fixture
def other_contact(other_org: Organization) -> Contact:
    return Contact.objects.create(
        organization=other_org, name="Eastside Contact", email="contact@eastside.example.org"
    )


# -- lists --------------------------------------------------------------------------------------


def test_staff_list_every_partner_with_filters(
    coordinator: User, partner_membership: Membership, other_org: Organization, contact: Contact
) -> None:
    Membership.objects.filter(organization=other_org).update(
        partner_type=Membership.PartnerType.FUNDER, left_on=dt.date(2023, 1, 1)
    )
    client = token_client(coordinator)

    everyone = client.get(f"{API}/partners").json()
    funders = client.get(f"{API}/partners", {"partner_type": "funder"}).json()
    current = client.get(f"{API}/partners", {"current": "true"}).json()

    assert everyone["count"] == 2
    names = [item["organization"]["name"] for item in everyone["items"]]
    assert names == sorted([other_org.name, partner_membership.organization.name])
    assert [i["organization"]["id"] for i in funders["items"]] == [other_org.pk]
    [mine] = current["items"]
    assert mine["organization"]["id"] == partner_membership.organization_id
    assert mine["active_contacts"] == 1
    assert mine["is_current"] is True


def test_a_partner_lists_only_their_own_organization(
    client_for: Callable[[User], Client],
    partner: User,
    partner_membership: Membership,
    other_org: Organization,
) -> None:
    response = client_for(partner).get(f"{API}/partners", {"partner_type": "community"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [i["organization"]["id"] for i in body["items"]] == [partner_membership.organization_id]
    assert other_org.name not in response.text


@pytest.mark.parametrize("who", ["member", "outsider", "leadership"])
def test_others_get_403_on_the_list(
    who: str, request: pytest.FixtureRequest, client_for: Callable[[User], Client], other_org: Any
) -> None:
    response = client_for(request.getfixturevalue(who)).get(f"{API}/partners")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert other_org.name not in response.text


def test_the_api_needs_authentication(client: Client, other_org: Organization) -> None:
    assert client.get(f"{API}/partners").status_code == 401
    assert client.get(f"{API}/partners/{other_org.pk}").status_code == 401


def test_paging_limits_are_checked(coordinator: User) -> None:
    response = token_client(coordinator).get(f"{API}/partners", {"limit": 0})
    assert response.status_code == 422
    assert response.json()["field"] == "limit"


# -- one partner --------------------------------------------------------------------------------


def test_a_partner_reads_their_organization_with_its_contacts(
    client_for: Callable[[User], Client], partner: User, contact: Contact
) -> None:
    response = client_for(partner).get(f"{API}/partners/{contact.organization_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["partner_type"] == "community"
    assert body["joined_on"] == "2021-01-15"
    assert body["contacts"] == [
        {
            "id": contact.pk,
            "organization_id": contact.organization_id,
            "name": "Renée Walker",
            "title": "",
            "email": contact.email,
            "phone": "",
            "role": "primary",
            "is_active": True,
            "has_portal_access": False,
            "invited_at": None,
        }
    ]


@pytest.mark.parametrize("who", ["partner", "member", "leadership", "outsider"])
@pytest.mark.usefixtures("partner_membership")
def test_another_organizations_records_answer_404_everywhere(
    who: str,
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
    other_org: Organization,
    other_contact: Contact,
) -> None:
    client = client_for(request.getfixturevalue(who))
    org, contact = other_org.pk, other_contact.pk
    calls = [
        ("get", f"{API}/partners/{org}", None),
        ("patch", f"{API}/partners/{org}", {"description": "hijacked"}),
        ("post", f"{API}/partners/{org}/end", {"left_on": "2026-01-01", "reason": "x"}),
        ("get", f"{API}/partners/{org}/contacts", None),
        ("post", f"{API}/partners/{org}/contacts", {"name": "X", "email": "x@example.org"}),
        ("get", f"{API}/contacts/{contact}", None),
        ("patch", f"{API}/contacts/{contact}", {"name": "X"}),
        ("post", f"{API}/contacts/{contact}/deactivate", None),
        ("post", f"{API}/contacts/{contact}/invite", None),
        ("post", f"{API}/contacts/{contact}/revoke", None),
    ]
    for method, path, body in calls:
        response = send(client, method, path, body)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "not_found"
        assert other_org.name not in response.text
    other_contact.refresh_from_db()
    assert (other_contact.name, other_contact.is_active, other_contact.user) == (
        "Eastside Contact",
        True,
        None,
    )
    assert not AuditEntry.objects.filter(action__startswith="partnerships.").exists()


@pytest.mark.parametrize("bad", [HUGE, str(2**63), "0", "-1"])
def test_ids_out_of_range_answer_404(coordinator: User, bad: str) -> None:
    client = token_client(coordinator)
    for path in (
        f"{API}/partners/{bad}",
        f"{API}/partners/{bad}/contacts",
        f"{API}/contacts/{bad}",
    ):
        assert client.get(path).status_code == 404, path
    assert send(client, "post", f"{API}/contacts/{bad}/invite").status_code == 404


def test_an_organization_without_a_membership_is_not_a_partner(coordinator: User) -> None:
    response = token_client(coordinator).get(f"{API}/partners/{OrganizationFactory().pk}")
    assert response.status_code == 404


# -- adding and changing partners ---------------------------------------------------------------


def test_staff_add_a_known_organization(coordinator: User) -> None:
    organization = OrganizationFactory(name="Gateway Hospital")
    response = send(
        token_client(coordinator),
        "post",
        f"{API}/partners",
        {
            "organization_id": organization.pk,
            "partner_type": "health_system",
            "role": "steering",
            "joined_on": "2020-05-01",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["organization"]["name"] == "Gateway Hospital"
    assert body["role"] == "steering"
    assert body["active_contacts"] == 0
    assert AuditEntry.objects.filter(action="partnerships.membership.created").exists()


def test_staff_add_a_new_organization(admin_user: User) -> None:
    response = send(
        token_client(admin_user),
        "post",
        f"{API}/partners",
        {
            "new_organization": {"name": "Northside Youth Council", "zip_code": "63106"},
            "partner_type": "community",
            "joined_on": "2024-01-01",
        },
    )
    assert response.status_code == 201
    assert Organization.objects.get(name="Northside Youth Council").zip_code == "63106"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"joined_on": "2024-05-01", "left_on": "2024-04-01"}, 422, "left_on"),
        ({"joined_on": "someday"}, 422, "joined_on"),
        ({"organization_id": None}, 422, "organization_id"),
        ({"organization_id": 2**63}, 422, "organization_id"),
        ({"organization_id": 10**9}, 422, "organization_id"),
        ({"partner_type": "pirate"}, 422, "partner_type"),
        ({"organization_id": "OTHER"}, 409, "organization_id"),
        (
            {"organization_id": None, "new_organization": {"name": "Taken"}},
            409,
            "new_organization.name",
        ),
        (
            {"organization_id": None, "new_organization": {"name": "A", "zip_code": "1"}},
            422,
            "new_organization.zip_code",
        ),
        ({"surprise": 1}, 422, "surprise"),
    ],
)
def test_bad_partner_input_names_the_field(
    coordinator: User, other_org: Organization, body: dict[str, Any], status: int, field: str
) -> None:
    OrganizationFactory(name="Taken")
    known = OrganizationFactory(name="Known")
    payload: dict[str, Any] = {
        "organization_id": known.pk,
        "partner_type": "community",
        "joined_on": "2024-01-01",
        **body,
    }
    if payload["organization_id"] == "OTHER":
        payload["organization_id"] = other_org.pk
    if payload["organization_id"] is None:
        del payload["organization_id"]

    response = send(token_client(coordinator), "post", f"{API}/partners", payload)

    assert response.status_code == status, response.json()
    assert response.json()["field"] == field
    assert not Membership.objects.filter(organization=known).exists()


@pytest.mark.parametrize("who", ["partner", "member", "outsider"])
def test_only_staff_add_partners(
    who: str, request: pytest.FixtureRequest, client_for: Callable[[User], Client]
) -> None:
    response = send(
        client_for(request.getfixturevalue(who)),
        "post",
        f"{API}/partners",
        {
            "new_organization": {"name": "Sneaky"},
            "partner_type": "other",
            "joined_on": "2024-01-01",
        },
    )
    assert response.status_code == 403
    assert not Organization.objects.filter(name="Sneaky").exists()


def test_a_partner_patches_the_description_but_not_the_terms(
    client_for: Callable[[User], Client], partner: User, partner_membership: Membership
) -> None:
    client = client_for(partner)
    path = f"{API}/partners/{partner_membership.organization_id}"

    ok = send(client, "patch", path, {"description": "Community health workers."})
    refused = send(client, "patch", path, {"role": "convener"})
    unchanged = send(client, "patch", path, {"partner_type": "community", "description": "Same."})

    assert ok.status_code == 200
    assert ok.json()["description"] == "Community health workers."
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert unchanged.status_code == 200
    partner_membership.refresh_from_db()
    assert partner_membership.role == "member"
    assert partner_membership.description == "Same."


def test_staff_patch_the_terms_and_bad_dates_name_the_field(
    coordinator: User, partner_membership: Membership
) -> None:
    client = token_client(coordinator)
    path = f"{API}/partners/{partner_membership.organization_id}"

    ok = send(client, "patch", path, {"role": "steering", "left_on": "2027-01-01"})
    cleared = send(client, "patch", path, {"left_on": None})
    bad = send(client, "patch", path, {"left_on": "2020-01-01"})
    empty = send(client, "patch", path, {"joined_on": None})

    assert ok.status_code == 200
    assert ok.json()["left_on"] == "2027-01-01"
    assert cleared.json()["left_on"] is None
    assert (bad.status_code, bad.json()["field"]) == (422, "left_on")
    assert (empty.status_code, empty.json()["field"]) == (422, "joined_on")


def test_staff_end_a_membership_and_partners_may_not(
    client_for: Callable[[User], Client],
    partner: User,
    coordinator: User,
    partner_membership: Membership,
) -> None:
    path = f"{API}/partners/{partner_membership.organization_id}/end"
    body = {"left_on": "2026-06-30", "reason": "Program closed"}

    assert send(client_for(partner), "post", path, body).status_code == 403
    response = send(token_client(coordinator), "post", path, body)
    again = send(token_client(coordinator), "post", path, body)

    assert response.status_code == 200
    assert response.json()["left_on"] == "2026-06-30"
    assert again.status_code == 409
    assert AuditEntry.objects.get(action="partnerships.membership.ended").data["reason"] == (
        "Program closed"
    )


# -- contacts -----------------------------------------------------------------------------------


def test_a_partner_adds_and_lists_contacts(
    client_for: Callable[[User], Client], partner: User, partner_membership: Membership
) -> None:
    client = client_for(partner)
    path = f"{API}/partners/{partner_membership.organization_id}/contacts"

    created = send(
        client, "post", path, {"name": "Ana Ruiz", "email": "ana@example.org", "role": "data"}
    )
    listed = client.get(path)

    assert created.status_code == 201
    assert created.json()["role"] == "data"
    assert [c["email"] for c in listed.json()] == ["ana@example.org"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "Twin", "email": "RENEE.WALKER@northside.example.org"}, (409, "email")),
        ({"name": "A", "email": "not an address"}, (422, "email")),
        ({"name": "", "email": "a@example.org"}, (422, "name")),
        ({"email": "a@example.org"}, (422, "name")),
        ({"name": "A", "email": "a@example.org", "role": "boss"}, (422, "role")),
        ({"name": "A\x00", "email": "a@example.org"}, (422, "name")),
    ],
)
def test_bad_contact_input_names_the_field(
    client_for: Callable[[User], Client],
    partner: User,
    contact: Contact,
    body: dict[str, Any],
    expected: tuple[int, str],
) -> None:
    response = send(
        client_for(partner), "post", f"{API}/partners/{contact.organization_id}/contacts", body
    )
    assert (response.status_code, response.json()["field"]) == expected
    assert Contact.objects.count() == 1


def test_a_partner_patches_a_contact(
    client_for: Callable[[User], Client], partner: User, contact: Contact
) -> None:
    client = client_for(partner)
    path = f"{API}/contacts/{contact.pk}"

    ok = send(client, "patch", path, {"phone": "314-555-0100", "title": None})
    empty = send(client, "patch", path, {"email": None})

    assert ok.status_code == 200
    assert ok.json()["phone"] == "314-555-0100"
    assert (empty.status_code, empty.json()["field"]) == (422, "email")


def test_inviting_answers_202_and_mails_the_contact(
    client_for: Callable[[User], Client],
    partner: User,
    contact: Contact,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client_for(partner), "post", f"{API}/contacts/{contact.pk}/invite")

    assert response.status_code == 202
    body = response.json()
    assert body["contact"]["has_portal_access"] is True
    assert body["contact"]["invited_at"]
    assert contact.email in body["detail"]
    [message] = mailoutbox
    assert "/accounts/password/reset/key/" in message.body


def test_invite_revoke_and_deactivate_follow_the_contacts_state(
    coordinator: User,
    contact: Contact,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client = token_client(coordinator)
    base = f"{API}/contacts/{contact.pk}"

    assert send(client, "post", f"{base}/revoke").status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, "post", f"{base}/invite").status_code == 202
    revoked = send(client, "post", f"{base}/revoke")
    deactivated = send(client, "post", f"{base}/deactivate")
    invite_inactive = send(client, "post", f"{base}/invite")

    assert revoked.status_code == 200
    assert revoked.json()["has_portal_access"] is False
    assert deactivated.json()["is_active"] is False
    assert invite_inactive.status_code == 409
    assert "inactive" in invite_inactive.json()["detail"]


def test_every_route_is_documented() -> None:
    schema = api.get_openapi_schema()
    paths = {path: item for path, item in schema["paths"].items() if "/consortium/" in path}
    for path in (
        "/api/v1/consortium/partners",
        "/api/v1/consortium/partners/{organization_id}",
        "/api/v1/consortium/partners/{organization_id}/end",
        "/api/v1/consortium/partners/{organization_id}/contacts",
        "/api/v1/consortium/contacts/{contact_id}",
        "/api/v1/consortium/contacts/{contact_id}/invite",
        "/api/v1/consortium/contacts/{contact_id}/revoke",
        "/api/v1/consortium/contacts/{contact_id}/deactivate",
    ):
        for operation in paths[path].values():
            assert operation["summary"]
            assert operation["description"]


def test_the_list_costs_the_same_for_two_partners_or_ten(
    coordinator: User, other_org: Organization
) -> None:
    client = token_client(coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{API}/partners").status_code == 200
        return len(captured)

    queries()  # the token's first use of the minute also records it
    few = queries()
    for n in range(8):
        organization = OrganizationFactory(name=f"Partner {n}")
        Membership.objects.create(
            organization=organization, partner_type="other", joined_on=dt.date(2024, 1, 1)
        )
        Contact.objects.create(organization=organization, name="B", email=f"b{n}@example.org")

    assert queries() == few

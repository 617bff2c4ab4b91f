"""/api/v1/consortium agreements: list, read, record, change, parties, life cycle, documents,
and partner isolation on every route."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.audit.models import AuditEntry
from equityhub.partnerships import services_agreements as services
from equityhub.partnerships.models import Agreement, AgreementDocument, AgreementParty
from equityhub.people.models import Organization

pytestmark = pytest.mark.django_db

API = "/api/v1/consortium"
A = Agreement.Status
PDF = b"%PDF-1.4\n% signed\n%%EOF\n"
ClientFor = Callable[[User], Client]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def token_client(user: User) -> Client:
    _token, raw = create_api_token(user=user, name="tests", actor=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client: Client, path: str, body: Any = None) -> Any:
    return client.post(
        path, json.dumps(body) if body is not None else "", content_type="application/json"
    )


def patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json")


def agreement_between(
    *parties: Organization, title: str = "Screening MOU", status: str = A.DRAFT, **fields: Any
) -> Agreement:
    agreement = Agreement.objects.create(
        title=title, status=status, effective_on=dt.date(2024, 7, 1), **fields
    )
    AgreementParty.objects.bulk_create(
        AgreementParty(agreement=agreement, organization=org) for org in parties
    )
    return agreement


@pytest.fixture
def ours(partner_org: Organization, office_org: Organization) -> Agreement:
    return agreement_between(partner_org, office_org, title="Northside screening MOU")


@pytest.fixture
def theirs(other_org: Organization, office_org: Organization) -> Agreement:
    return agreement_between(other_org, office_org, title="Eastside food data agreement")


@pytest.fixture
def their_document(theirs: Agreement, coordinator: User) -> AgreementDocument:
    return services.upload_document(
        agreement=theirs, actor=coordinator, file=SimpleUploadedFile("theirs.pdf", PDF)
    )


# -- reading ---------------------------------------------------------------------------------


def test_every_agreement_endpoint_needs_authentication(client: Client, ours: Agreement) -> None:
    assert client.get(f"{API}/agreements").status_code == 401
    assert client.get(f"{API}/agreements/{ours.pk}").status_code == 401
    assert post(client, f"{API}/agreements", {}).status_code == 401


def test_a_partner_lists_their_agreements_with_parties_and_days_left(
    partner: User, ours: Agreement, theirs: Agreement, partner_org: Organization
) -> None:
    Agreement.objects.filter(pk=ours.pk).update(
        status=A.ACTIVE, expires_on=timezone.localdate() + dt.timedelta(days=60)
    )

    response = token_client(partner).get(f"{API}/agreements")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["id"] == ours.pk
    assert item["days_left"] == 60
    assert {p["organization_id"] for p in item["parties"]} >= {partner_org.pk}


def test_staff_filter_agreements(
    coordinator: User, ours: Agreement, theirs: Agreement, other_org: Organization
) -> None:
    Agreement.objects.filter(pk=ours.pk).update(
        status=A.ACTIVE, expires_on=timezone.localdate() + dt.timedelta(days=10)
    )
    client = token_client(coordinator)

    def ids(query: str) -> set[int]:
        response = client.get(f"{API}/agreements?{query}")
        assert response.status_code == 200
        return {item["id"] for item in response.json()["items"]}

    assert ids("") == {ours.pk, theirs.pk}
    assert ids("status=active") == {ours.pk}
    assert ids(f"party_id={other_org.pk}") == {theirs.pk}
    assert ids("expiring_within=30") == {ours.pk}
    assert ids("party_id=999999") == set()
    assert client.get(f"{API}/agreements?status=bogus").status_code == 422


@pytest.mark.parametrize("who", ["leadership", "member", "outsider"])
def test_leadership_members_and_outsiders_get_403_on_the_list(
    who: str, request: pytest.FixtureRequest
) -> None:
    response = token_client(request.getfixturevalue(who)).get(f"{API}/agreements")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_an_agreement_is_read_by_a_party_and_404_for_anyone_else(
    partner: User, other_partner: User, ours: Agreement
) -> None:
    mine = token_client(partner).get(f"{API}/agreements/{ours.pk}")
    not_mine = token_client(other_partner).get(f"{API}/agreements/{ours.pk}")

    assert mine.status_code == 200
    assert mine.json()["title"] == ours.title
    assert not_mine.status_code == 404
    assert not_mine.json() == {"detail": "Not found.", "field": None, "code": "not_found"}


def test_an_id_beyond_64_bits_is_404(coordinator: User) -> None:
    client = token_client(coordinator)

    for path in (
        f"{API}/agreements/{2**63}",
        f"{API}/agreements/{2**63}/documents",
        f"{API}/agreement-documents/{2**63}",
    ):
        assert client.get(path).status_code == 404
    assert client.delete(f"{API}/agreement-parties/{2**63}").status_code == 404


# -- partner isolation on every route --------------------------------------------------------


def test_a_partner_cannot_read_download_or_change_another_organizations_agreement(
    partner: User, theirs: Agreement, their_document: AgreementDocument, other_org: Organization
) -> None:
    client = token_client(partner)
    party = theirs.parties.get(organization=other_org)
    future = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    answers = [
        client.get(f"{API}/agreements/{theirs.pk}"),
        patch(client, f"{API}/agreements/{theirs.pk}", {"title": "Mine"}),
        post(client, f"{API}/agreements/{theirs.pk}/parties", {"organization_id": other_org.pk}),
        client.delete(f"{API}/agreement-parties/{party.pk}"),
        post(client, f"{API}/agreements/{theirs.pk}/activate"),
        post(client, f"{API}/agreements/{theirs.pk}/renew", {"expires_on": future}),
        post(
            client,
            f"{API}/agreements/{theirs.pk}/terminate",
            {"terminated_on": "2025-01-01", "reason": "x"},
        ),
        client.get(f"{API}/agreements/{theirs.pk}/documents"),
        client.post(
            f"{API}/agreements/{theirs.pk}/documents",
            {"file": SimpleUploadedFile("a.pdf", PDF)},
        ),
        client.get(f"{API}/agreement-documents/{their_document.pk}"),
    ]

    assert [a.status_code for a in answers] == [404] * len(answers)
    fresh = Agreement.objects.get(pk=theirs.pk)
    assert (fresh.title, fresh.status) == (theirs.title, A.DRAFT)
    assert fresh.parties.count() == 2
    assert AgreementDocument.objects.count() == 1
    assert not AuditEntry.objects.filter(
        action="partnerships.agreement.document_downloaded"
    ).exists()


# -- writing ---------------------------------------------------------------------------------


def test_a_partner_records_an_agreement_over_the_api(
    partner: User, partner_org: Organization, office_org: Organization
) -> None:
    response = post(
        token_client(partner),
        f"{API}/agreements",
        {
            "title": "Referral MOU",
            "kind": "data_use",
            "party_ids": [partner_org.pk, office_org.pk, partner_org.pk],
            "effective_on": "2025-01-01",
            "expires_on": "2026-01-01",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft"
    assert len(body["parties"]) == 2
    assert Agreement.objects.get(pk=body["id"]).created_by == partner


def test_recording_an_agreement_answers_422_with_the_field_at_fault(
    partner: User, coordinator: User, other_org: Organization, office_org: Organization
) -> None:
    not_ours = post(
        token_client(partner),
        f"{API}/agreements",
        {"title": "Theirs", "party_ids": [other_org.pk, office_org.pk]},
    )
    unknown = post(
        token_client(coordinator), f"{API}/agreements", {"title": "X", "party_ids": [987654]}
    )
    bad_dates = post(
        token_client(coordinator),
        f"{API}/agreements",
        {
            "title": "X",
            "party_ids": [office_org.pk],
            "effective_on": "2025-02-01",
            "expires_on": "2025-01-01",
        },
    )
    extra = post(
        token_client(coordinator),
        f"{API}/agreements",
        {"title": "X", "party_ids": [office_org.pk], "status": "active"},
    )

    assert (not_ours.status_code, not_ours.json()["field"]) == (422, "parties")
    assert (unknown.status_code, unknown.json()["field"]) == (422, "party_ids")
    assert (bad_dates.status_code, bad_dates.json()["field"]) == (422, "expires_on")
    assert extra.status_code == 422
    assert not Agreement.objects.exists()


def test_leadership_cannot_record_an_agreement(leadership: User, office_org: Organization) -> None:
    response = post(
        token_client(leadership), f"{API}/agreements", {"title": "X", "party_ids": [office_org.pk]}
    )

    assert response.status_code == 403


def test_patching_an_agreement_changes_only_what_is_sent(
    partner: User, ours: Agreement, partner_initiative: Any, other_initiative: Any
) -> None:
    client = token_client(partner)

    changed = patch(
        client,
        f"{API}/agreements/{ours.pk}",
        {"description": "Shared screening data.", "initiative_id": partner_initiative.pk},
    )
    foreign = patch(client, f"{API}/agreements/{ours.pk}", {"initiative_id": other_initiative.pk})
    unlinked = patch(client, f"{API}/agreements/{ours.pk}", {"initiative_id": None})

    assert changed.status_code == 200
    assert changed.json()["initiative_id"] == partner_initiative.pk
    assert changed.json()["title"] == ours.title
    assert (foreign.status_code, foreign.json()["field"]) == (422, "initiative_id")
    assert unlinked.json()["initiative_id"] is None


def test_patching_a_terminated_agreement_is_a_conflict(coordinator: User, ours: Agreement) -> None:
    Agreement.objects.filter(pk=ours.pk).update(status=A.TERMINATED)

    response = patch(token_client(coordinator), f"{API}/agreements/{ours.pk}", {"title": "X"})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_parties_are_added_and_removed_over_the_api(
    partner: User, ours: Agreement, other_org: Organization, partner_org: Organization
) -> None:
    client = token_client(partner)

    added = post(
        client,
        f"{API}/agreements/{ours.pk}/parties",
        {"organization_id": other_org.pk, "role": "recipient", "signed_on": "2025-01-02"},
    )
    twice = post(client, f"{API}/agreements/{ours.pk}/parties", {"organization_id": other_org.pk})
    removed = client.delete(f"{API}/agreement-parties/{added.json()['id']}")
    own = ours.parties.get(organization=partner_org)
    # Only the partner's own organization and the office remain; the office goes, then the
    # partner's own organization cannot:
    office = ours.parties.exclude(pk=own.pk).get()
    client.delete(f"{API}/agreement-parties/{office.pk}")
    last = client.delete(f"{API}/agreement-parties/{own.pk}")

    assert added.status_code == 201
    assert added.json()["organization_name"] == other_org.name
    assert twice.status_code == 409
    assert removed.status_code == 204
    assert last.status_code == 409


def test_the_life_cycle_over_the_api(partner: User, ours: Agreement) -> None:
    client = token_client(partner)
    new_date = (timezone.localdate() + dt.timedelta(days=400)).isoformat()

    activated = post(client, f"{API}/agreements/{ours.pk}/activate")
    again = post(client, f"{API}/agreements/{ours.pk}/activate")
    renewed = post(client, f"{API}/agreements/{ours.pk}/renew", {"expires_on": new_date})
    too_soon = post(client, f"{API}/agreements/{ours.pk}/renew", {"expires_on": new_date})
    no_reason = post(
        client,
        f"{API}/agreements/{ours.pk}/terminate",
        {"terminated_on": "2025-01-01", "reason": ""},
    )
    terminated = post(
        client,
        f"{API}/agreements/{ours.pk}/terminate",
        {"terminated_on": "2025-01-01", "reason": "Program ended"},
    )

    assert (activated.status_code, activated.json()["status"]) == (200, "active")
    assert again.status_code == 409
    assert (renewed.status_code, renewed.json()["expires_on"]) == (200, new_date)
    assert (too_soon.status_code, too_soon.json()["field"]) == (422, "expires_on")
    assert no_reason.status_code == 422
    assert (terminated.status_code, terminated.json()["status"]) == (200, "terminated")


def test_documents_are_uploaded_listed_and_downloaded_over_the_api(
    partner: User, ours: Agreement
) -> None:
    client = token_client(partner)

    uploaded = client.post(
        f"{API}/agreements/{ours.pk}/documents",
        {"file": SimpleUploadedFile("signed.pdf", PDF), "title": "Signed copy"},
    )
    listed = client.get(f"{API}/agreements/{ours.pk}/documents")
    download = client.get(uploaded.json()["download_url"])

    assert uploaded.status_code == 201
    body = uploaded.json()
    assert (body["title"], body["content_type"], body["size"]) == (
        "Signed copy",
        "application/pdf",
        len(PDF),
    )
    assert [d["id"] for d in listed.json()] == [body["id"]]
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert AuditEntry.objects.filter(
        action="partnerships.agreement.document_downloaded", actor_id=partner.pk
    ).exists()


def test_an_upload_that_is_not_a_document_answers_422(coordinator: User, ours: Agreement) -> None:
    response = token_client(coordinator).post(
        f"{API}/agreements/{ours.pk}/documents",
        {"file": SimpleUploadedFile("signed.pdf", b"<html></html>")},
    )

    assert response.status_code == 422
    assert response.json()["field"] == "file"


def test_the_agreement_endpoints_are_documented(coordinator: User) -> None:
    schema = token_client(coordinator).get("/api/v1/openapi.json").json()

    for path in (
        "/api/v1/consortium/agreements",
        "/api/v1/consortium/agreements/{agreement_id}",
        "/api/v1/consortium/agreements/{agreement_id}/parties",
        "/api/v1/consortium/agreement-parties/{party_id}",
        "/api/v1/consortium/agreements/{agreement_id}/renew",
        "/api/v1/consortium/agreements/{agreement_id}/documents",
        "/api/v1/consortium/agreement-documents/{document_id}",
    ):
        assert path in schema["paths"], path
        for operation in schema["paths"][path].values():
            assert operation["summary"]
            assert operation["description"]


def test_a_party_changes_a_partys_role_over_the_api_and_others_get_404(
    partner: User, other_partner: User, ours: Agreement, office_org: Organization
) -> None:
    party = ours.parties.get(organization=office_org)
    path = f"{API}/agreement-parties/{party.pk}"

    response = patch(token_client(partner), path, {"role": "Recipient", "signatory": "Dr. Lee"})
    refused = patch(token_client(other_partner), path, {"role": "Mine now"})
    future = patch(token_client(partner), path, {"signed_on": "2999-01-01"})
    unknown = patch(token_client(partner), path, {"organization_id": 1})

    assert response.status_code == 200
    assert response.json()["role"] == "Recipient"
    assert response.json()["signatory"] == "Dr. Lee"
    assert refused.status_code == 404
    assert future.status_code == 422 and future.json()["field"] == "signed_on"
    assert unknown.status_code == 422
    assert AgreementParty.objects.get(pk=party.pk).role == "Recipient"
    assert patch(token_client(partner), f"{API}/agreement-parties/{2**63}", {}).status_code == 404

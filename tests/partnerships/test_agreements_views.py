"""Agreement pages: the list and its filters, recording and editing, parties, the life cycle,
documents (upload and the permission-checked download), and who reaches what."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from equityhub.accounts.models import User
from equityhub.audit.models import AuditEntry
from equityhub.partnerships import services_agreements as services
from equityhub.partnerships.models import Agreement, AgreementDocument, AgreementParty
from equityhub.people.models import Organization

pytestmark = pytest.mark.django_db

A = Agreement.Status
HUGE_ID = 2**63
PDF = b"%PDF-1.4\n% signed\n%%EOF\n"
ClientFor = Callable[[User], Client]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def agreement_between(
    *parties: Organization,
    title: str = "Screening MOU",
    status: str = A.DRAFT,
    kind: str = "mou",
    expires_in: int | None = None,
    effective_on: dt.date | None = dt.date(2024, 7, 1),
) -> Agreement:
    today = timezone.localdate()
    agreement = Agreement.objects.create(
        title=title,
        kind=kind,
        status=status,
        effective_on=effective_on,
        expires_on=today + dt.timedelta(days=expires_in) if expires_in is not None else None,
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
    """Between another organization and the office: `partner` may not reach it."""
    return agreement_between(
        other_org, office_org, title="Eastside food data agreement", kind="data_use"
    )


@pytest.fixture
def their_document(theirs: Agreement, coordinator: User) -> AgreementDocument:
    return services.upload_document(
        agreement=theirs, actor=coordinator, file=SimpleUploadedFile("theirs.pdf", PDF)
    )


def url(name: str, *args: Any) -> str:
    return reverse(f"partnerships:{name}", args=args)


# -- the list --------------------------------------------------------------------------------


def test_staff_list_every_agreement_with_its_days_left(
    client_for: ClientFor, coordinator: User, ours: Agreement, theirs: Agreement
) -> None:
    Agreement.objects.filter(pk=ours.pk).update(
        status=A.ACTIVE, expires_on=timezone.localdate() + dt.timedelta(days=45)
    )

    response = client_for(coordinator).get(url("agreement_list"))

    assert response.status_code == 200
    assert ours.title in response.text
    assert theirs.title in response.text
    assert "45 days" in response.text
    assert "Days left" in response.text


def test_a_partner_lists_only_their_organizations_agreements(
    client_for: ClientFor, partner: User, ours: Agreement, theirs: Agreement
) -> None:
    response = client_for(partner).get(url("agreement_list"))

    assert response.status_code == 200
    assert ours.title in response.text
    assert theirs.title not in response.text
    assert "Eastside Food Access Network" not in response.text  # not even in the party filter


@pytest.mark.parametrize("who", ["leadership", "member", "outsider"])
def test_leadership_members_and_outsiders_cannot_open_the_agreement_list(
    who: str, request: pytest.FixtureRequest, client_for: ClientFor
) -> None:
    user = request.getfixturevalue(who)

    assert client_for(user).get(url("agreement_list")).status_code == 403
    assert client_for(user).get(url("agreement_new")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(url("agreement_list"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_list_filters_by_status_kind_party_and_expiry(
    client_for: ClientFor,
    coordinator: User,
    partner_org: Organization,
    office_org: Organization,
    other_org: Organization,
) -> None:
    soon = agreement_between(partner_org, office_org, title="Soon", status=A.ACTIVE, expires_in=30)
    late = agreement_between(partner_org, office_org, title="Late", status=A.ACTIVE, expires_in=300)
    draft = agreement_between(other_org, office_org, title="Draft DUA", kind="data_use")
    client = client_for(coordinator)

    def titles(**query: Any) -> set[str]:
        response = client.get(url("agreement_list"), query)
        assert response.status_code == 200
        rows = response.context["rows"]
        return {row.agreement.title for row in rows}

    assert titles(status="active") == {soon.title, late.title}
    assert titles(kind="data_use") == {draft.title}
    assert titles(party=other_org.pk) == {draft.title}
    assert titles(expiring="on") == {soon.title}
    assert titles(status="nonsense") == {soon.title, late.title, draft.title}


def test_the_list_takes_the_same_number_of_queries_for_many_agreements(
    client_for: ClientFor,
    coordinator: User,
    partner_org: Organization,
    office_org: Organization,
) -> None:
    client = client_for(coordinator)
    agreement_between(partner_org, office_org, title="One")
    client.get(url("agreement_list"))  # warm the session and role caches
    with CaptureQueriesContext(connection) as one:
        client.get(url("agreement_list"))
    for i in range(6):
        agreement_between(partner_org, office_org, title=f"More {i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("agreement_list"))

    assert len(response.context["rows"]) == 7
    assert len(many.captured_queries) == len(one.captured_queries)


# -- recording and editing -------------------------------------------------------------------


def test_a_partner_records_an_agreement_with_their_organization_as_a_party(
    client_for: ClientFor, partner: User, partner_org: Organization, office_org: Organization
) -> None:
    client = client_for(partner)
    form = client.get(url("agreement_new"))
    assert form.status_code == 200

    response = client.post(
        url("agreement_new"),
        {
            "title": "Referral MOU",
            "kind": "mou",
            "parties": [partner_org.pk, office_org.pk],
            "effective_on": "2025-01-01",
            "expires_on": "2026-01-01",
        },
    )

    agreement = Agreement.objects.get(title="Referral MOU")
    assert response.status_code == 302
    assert response["Location"] == url("agreement_detail", agreement.pk)
    assert agreement.created_by == partner


def test_a_partner_naming_only_other_organizations_sees_why_on_the_form(
    client_for: ClientFor, partner: User, other_org: Organization, office_org: Organization
) -> None:
    response = client_for(partner).post(
        url("agreement_new"),
        {"title": "Not ours", "kind": "mou", "parties": [other_org.pk, office_org.pk]},
    )

    assert response.status_code == 200
    assert "Your organization must be one of the parties." in response.text
    assert not Agreement.objects.exists()


def test_the_form_refuses_an_expiry_before_the_effective_date(
    client_for: ClientFor, coordinator: User, office_org: Organization
) -> None:
    response = client_for(coordinator).post(
        url("agreement_new"),
        {
            "title": "MOU",
            "kind": "mou",
            "parties": [office_org.pk],
            "effective_on": "2025-05-01",
            "expires_on": "2025-04-01",
        },
    )

    assert response.status_code == 200
    assert "The expiry date cannot be before the effective date." in response.text


def test_a_partner_edits_their_agreement(
    client_for: ClientFor, partner: User, ours: Agreement
) -> None:
    client = client_for(partner)
    assert client.get(url("agreement_edit", ours.pk)).status_code == 200

    response = client.post(
        url("agreement_edit", ours.pk),
        {"title": "Renamed MOU", "kind": "data_use", "effective_on": "2024-07-01"},
    )

    assert response.status_code == 302
    ours.refresh_from_db()
    assert (ours.title, ours.kind) == ("Renamed MOU", "data_use")


def test_editing_a_terminated_agreement_shows_why_it_was_refused(
    client_for: ClientFor, coordinator: User, ours: Agreement
) -> None:
    Agreement.objects.filter(pk=ours.pk).update(status=A.TERMINATED)

    response = client_for(coordinator).post(
        url("agreement_edit", ours.pk), {"title": "Again", "kind": "mou"}
    )

    assert response.status_code == 200
    assert "terminated" in response.text


# -- one agreement ---------------------------------------------------------------------------


def test_a_partner_reads_their_agreement_with_parties_documents_and_actions(
    client_for: ClientFor, partner: User, ours: Agreement, coordinator: User
) -> None:
    services.upload_document(
        agreement=ours, actor=coordinator, file=SimpleUploadedFile("signed.pdf", PDF)
    )

    response = client_for(partner).get(url("agreement_detail", ours.pk))

    assert response.status_code == 200
    assert "Northside Community Health Collaborative" in response.text
    assert "Your organization" in response.text
    assert "signed.pdf" in response.text
    assert "Put into effect" in response.text
    assert url("agreement_document_delete", 1) not in response.text  # staff only


PAGE_ROUTES = [
    ("get", "agreement_detail"),
    ("get", "agreement_edit"),
    ("post", "agreement_edit"),
    ("post", "agreement_party_add"),
    ("post", "agreement_activate"),
    ("post", "agreement_renew"),
    ("post", "agreement_terminate"),
    ("post", "agreement_document_upload"),
]


@pytest.mark.parametrize(("method", "name"), PAGE_ROUTES)
@pytest.mark.parametrize("who", ["partner", "member", "outsider", "leadership"])
def test_another_organizations_agreement_is_not_found_on_any_page(  # noqa: PLR0917 - fixtures
    method: str,
    name: str,
    who: str,
    request: pytest.FixtureRequest,
    client_for: ClientFor,
    theirs: Agreement,
    office_org: Organization,
) -> None:
    user = request.getfixturevalue(who)
    client = client_for(user)
    target = url(name, theirs.pk)

    response = client.get(target) if method == "get" else client.post(target, {"x": "1"})

    assert response.status_code == 404
    assert theirs.title not in response.text
    fresh = Agreement.objects.get(pk=theirs.pk)
    assert (fresh.status, fresh.title) == (A.DRAFT, theirs.title)


@pytest.mark.parametrize("who", ["partner", "member", "outsider", "leadership"])
def test_another_organizations_parties_and_documents_are_not_found(
    who: str,
    request: pytest.FixtureRequest,
    client_for: ClientFor,
    theirs: Agreement,
    their_document: AgreementDocument,
) -> None:
    client = client_for(request.getfixturevalue(who))
    party = theirs.parties.first()
    assert party is not None

    assert client.post(url("agreement_party_remove", party.pk)).status_code == 404
    assert client.get(url("agreement_document_download", their_document.pk)).status_code == 404
    assert client.post(url("agreement_document_delete", their_document.pk)).status_code == 404
    assert theirs.parties.count() == 2
    assert AgreementDocument.objects.filter(pk=their_document.pk).exists()
    assert not AuditEntry.objects.filter(
        action="partnerships.agreement.document_downloaded"
    ).exists()


@pytest.mark.parametrize(
    "name",
    ["agreement_detail", "agreement_document_download", "agreement_party_remove"],
)
def test_an_id_beyond_64_bits_is_not_found(
    name: str, client_for: ClientFor, coordinator: User
) -> None:
    client = client_for(coordinator)
    target = url(name, HUGE_ID)

    response = client.post(target) if name == "agreement_party_remove" else client.get(target)

    assert response.status_code == 404


def test_page_actions_need_post(client_for: ClientFor, coordinator: User, ours: Agreement) -> None:
    client = client_for(coordinator)

    assert client.get(url("agreement_activate", ours.pk)).status_code == 405
    assert client.get(url("agreement_document_upload", ours.pk)).status_code == 405


# -- parties and the life cycle --------------------------------------------------------------


def test_a_partner_adds_and_removes_another_party(
    client_for: ClientFor, partner: User, ours: Agreement, other_org: Organization
) -> None:
    client = client_for(partner)

    added = client.post(
        url("agreement_party_add", ours.pk),
        {"party-organization": other_org.pk, "party-role": "recipient"},
    )
    party = ours.parties.get(organization=other_org)
    removed = client.post(url("agreement_party_remove", party.pk))

    assert added.status_code == 302
    assert removed.status_code == 302
    assert not ours.parties.filter(organization=other_org).exists()


def test_a_partner_is_told_they_cannot_remove_their_own_organization(
    client_for: ClientFor, partner: User, ours: Agreement, partner_org: Organization
) -> None:
    client = client_for(partner)
    own = ours.parties.get(organization=partner_org)

    response = client.post(url("agreement_party_remove", own.pk), follow=True)

    assert "Your organization must stay a party" in response.text
    assert ours.parties.filter(organization=partner_org).exists()


def test_a_party_form_error_rerenders_the_page(
    client_for: ClientFor, coordinator: User, ours: Agreement, other_org: Organization
) -> None:
    response = client_for(coordinator).post(
        url("agreement_party_add", ours.pk),
        {"party-organization": other_org.pk, "party-signed_on": "2999-01-01"},
    )

    assert response.status_code == 200
    assert "The signing date cannot be in the future." in response.text


def test_activating_renewing_and_terminating_from_the_page(
    client_for: ClientFor, partner: User, ours: Agreement
) -> None:
    client = client_for(partner)
    new_date = (timezone.localdate() + dt.timedelta(days=500)).isoformat()

    activated = client.post(url("agreement_activate", ours.pk), follow=True)
    assert "The agreement is in effect." in activated.text
    renewed = client.post(url("agreement_renew", ours.pk), {"renew-expires_on": new_date})
    assert renewed.status_code == 302
    terminated = client.post(
        url("agreement_terminate", ours.pk),
        {"terminate-terminated_on": "2025-02-01", "terminate-reason": "Funding ended."},
    )
    assert terminated.status_code == 302

    page = client.get(url("agreement_detail", ours.pk))
    assert "Funding ended." in page.text
    assert "Put into effect" not in page.text
    ours.refresh_from_db()
    assert ours.status == A.TERMINATED


def test_a_refused_activation_is_shown_as_a_message(
    client_for: ClientFor, coordinator: User, office_org: Organization
) -> None:
    lonely = agreement_between(office_org, title="One party")

    response = client_for(coordinator).post(url("agreement_activate", lonely.pk), follow=True)

    assert "at least two parties" in response.text


def test_a_refused_renewal_and_termination_rerender_their_forms(
    client_for: ClientFor, coordinator: User, ours: Agreement
) -> None:
    client = client_for(coordinator)

    renew = client.post(url("agreement_renew", ours.pk), {"renew-expires_on": "2030-01-01"})
    terminate = client.post(
        url("agreement_terminate", ours.pk),
        {"terminate-terminated_on": "2025-01-01", "terminate-reason": ""},
    )

    assert renew.status_code == 200
    assert "A draft is not in effect yet" in renew.text
    assert terminate.status_code == 200
    assert "This field is required." in terminate.text


# -- documents -------------------------------------------------------------------------------


def test_a_partner_uploads_a_pdf_and_downloads_it_as_a_logged_attachment(
    client_for: ClientFor, partner: User, ours: Agreement
) -> None:
    client = client_for(partner)

    uploaded = client.post(
        url("agreement_document_upload", ours.pk),
        {
            "document-title": "Signed copy",
            "document-file": SimpleUploadedFile('sig"ned\r\nX: y.pdf', PDF),
        },
    )
    document = AgreementDocument.objects.get()
    response = client.get(url("agreement_document_download", document.pk))

    assert uploaded.status_code == 302
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert re.fullmatch(rf'attachment; filename="[a-z0-9-]+-{document.pk}\.pdf"', disposition)
    entry = AuditEntry.objects.get(action="partnerships.agreement.document_downloaded")
    assert entry.kind == AuditEntry.Kind.ACCESS
    assert (entry.actor_id, entry.object_id) == (partner.pk, str(document.pk))


def test_each_download_is_logged(
    client_for: ClientFor, coordinator: User, their_document: AgreementDocument
) -> None:
    client = client_for(coordinator)
    client.get(url("agreement_document_download", their_document.pk))
    client.get(url("agreement_document_download", their_document.pk))

    logged = AuditEntry.objects.filter(action="partnerships.agreement.document_downloaded")
    assert logged.count() == 2


def test_an_html_file_named_pdf_is_refused_on_the_page(
    client_for: ClientFor, partner: User, ours: Agreement
) -> None:
    response = client_for(partner).post(
        url("agreement_document_upload", ours.pk),
        {"document-file": SimpleUploadedFile("signed.pdf", b"<html><script></script></html>")},
    )

    assert response.status_code == 200
    assert "Upload a PDF, Word (DOCX) or OpenDocument (ODT) file." in response.text
    assert not AgreementDocument.objects.exists()


def test_a_docx_is_downloaded_with_its_word_content_type(
    client_for: ClientFor, coordinator: User, ours: Agreement
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    client = client_for(coordinator)
    client.post(
        url("agreement_document_upload", ours.pk),
        {"document-file": SimpleUploadedFile("amendment.docx", buffer.getvalue())},
    )
    document = AgreementDocument.objects.get()

    response = client.get(url("agreement_document_download", document.pk))

    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert response["Content-Disposition"].endswith(f'amendment-{document.pk}.docx"')


def test_a_document_whose_file_is_missing_is_not_found(
    client_for: ClientFor, coordinator: User, their_document: AgreementDocument, tmp_path: Path
) -> None:
    (tmp_path / their_document.file.name).unlink()

    response = client_for(coordinator).get(url("agreement_document_download", their_document.pk))

    assert response.status_code == 404


def test_only_staff_delete_a_document(
    client_for: ClientFor, partner: User, coordinator: User, ours: Agreement
) -> None:
    document = services.upload_document(
        agreement=ours, actor=partner, file=SimpleUploadedFile("a.pdf", PDF)
    )

    assert client_for(partner).post(url("agreement_document_delete", document.pk)).status_code == (
        403
    )
    response = client_for(coordinator).post(url("agreement_document_delete", document.pk))

    assert response.status_code == 302
    assert not AgreementDocument.objects.exists()


def test_a_party_changes_its_role_and_signing_date_on_its_own_page(
    partner: User, ours: Agreement, partner_org: Organization, client_for: Any
) -> None:
    party = ours.parties.get(organization=partner_org)
    edit = url("agreement_party_edit", party.pk)
    client = client_for(partner)

    page = client.get(edit)
    saved = client.post(edit, {"role": "Data provider", "signatory": "Dr. Ada Lee"})

    assert page.status_code == 200 and partner_org.name in page.content.decode()
    assert saved.status_code == 302
    assert saved["Location"] == url("agreement_detail", ours.pk)
    party.refresh_from_db()
    assert (party.role, party.signatory, party.signed_on) == ("Data provider", "Dr. Ada Lee", None)
    detail = client.get(url("agreement_detail", ours.pk)).content.decode()
    assert edit in detail and "Data provider" in detail


def test_a_party_form_with_a_future_signing_date_is_shown_again_with_the_reason(
    partner: User, ours: Agreement, partner_org: Organization, client_for: Any
) -> None:
    party = ours.parties.get(organization=partner_org)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()

    response = client_for(partner).post(
        url("agreement_party_edit", party.pk), {"role": "Recipient", "signed_on": future}
    )

    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    party.refresh_from_db()
    assert party.role == ""


def test_another_organizations_party_cannot_be_edited(
    partner: User, theirs: Agreement, other_org: Organization, client_for: Any
) -> None:
    party = theirs.parties.get(organization=other_org)
    client = client_for(partner)
    assert client.get(url("agreement_party_edit", party.pk)).status_code == 404
    assert client.post(url("agreement_party_edit", party.pk), {"role": "x"}).status_code == 404
    assert client.get(url("agreement_party_edit", 2**63)).status_code == 404
    party.refresh_from_db()
    assert party.role == ""

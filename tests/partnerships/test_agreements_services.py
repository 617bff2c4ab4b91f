"""Agreement services: the life cycle (draft, in effect, expired, terminated), the parties and
their rules, and documents (checked by content, stored under a random name)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from equityhub.accounts.models import User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.partnerships import selectors_agreements as selectors
from equityhub.partnerships import services_agreements as services
from equityhub.partnerships.models import Agreement, AgreementDocument, AgreementParty, Initiative
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

A = Agreement.Status
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def docx_bytes(*, macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
        if macro:
            archive.writestr("word/vbaProject.bin", b"\x00macro")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
    return buffer.getvalue()


def actions(obj: Any) -> list[str]:
    return list(AuditEntry.objects.for_object(obj).order_by("id").values_list("action", flat=True))


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def make_agreement(coordinator: User) -> Callable[..., Agreement]:
    def make(
        *parties: Organization,
        actor: User | None = None,
        status: str = A.DRAFT,
        title: str = "Data-sharing MOU",
        **fields: Any,
    ) -> Agreement:
        agreement = services.create_agreement(
            actor=actor or coordinator, title=title, parties=list(parties), **fields
        )
        if status != A.DRAFT:
            Agreement.objects.filter(pk=agreement.pk).update(status=status)
            agreement.refresh_from_db()
        return agreement

    return make


@pytest.fixture
def shared(
    make_agreement: Callable[..., Agreement], partner_org: Organization, office_org: Organization
) -> Agreement:
    """A draft between the partner's organization and the office, ready to take effect."""
    return make_agreement(partner_org, office_org, effective_on=dt.date(2024, 7, 1))


@pytest.fixture
def theirs(
    make_agreement: Callable[..., Agreement], other_org: Organization, office_org: Organization
) -> Agreement:
    return make_agreement(
        other_org, office_org, title="Food bank data-use agreement", kind="data_use"
    )


# -- creating ----------------------------------------------------------------------------------


def test_staff_record_a_draft_agreement_with_its_parties_and_it_is_audited(
    coordinator: User, partner_org: Organization, office_org: Organization
) -> None:
    agreement = services.create_agreement(
        actor=coordinator,
        title="  Screening MOU  ",
        parties=[partner_org, office_org, partner_org],
        kind="mou",
        effective_on=dt.date(2025, 1, 1),
        expires_on=dt.date(2026, 1, 1),
    )

    assert agreement.title == "Screening MOU"
    assert agreement.status == A.DRAFT
    assert agreement.created_by == coordinator
    assert set(agreement.parties.values_list("organization_id", flat=True)) == {
        partner_org.pk,
        office_org.pk,
    }
    entry = AuditEntry.objects.get(action="partnerships.agreement.created")
    assert entry.actor_id == coordinator.pk
    assert entry.data["parties"] == sorted([partner_org.pk, office_org.pk])


def test_a_partner_records_an_agreement_their_organization_is_party_to(
    partner: User, partner_org: Organization, office_org: Organization
) -> None:
    agreement = services.create_agreement(
        actor=partner, title="Referral MOU", parties=[partner_org, office_org]
    )

    assert selectors.get_agreement_for_user(partner, agreement.pk) == agreement


def test_a_partner_cannot_record_an_agreement_between_other_organizations(
    partner: User, other_org: Organization, office_org: Organization
) -> None:
    with pytest.raises(ServiceError) as refused:
        services.create_agreement(actor=partner, title="Theirs", parties=[other_org, office_org])

    assert refused.value.field == "parties"
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("who", ["member", "outsider", "leadership"])
def test_members_outsiders_and_leadership_cannot_record_agreements(
    who: str, request: pytest.FixtureRequest, office_org: Organization
) -> None:
    actor = request.getfixturevalue(who)

    with pytest.raises(NotAllowed):
        services.create_agreement(actor=actor, title="MOU", parties=[office_org])


def test_an_agreement_needs_a_party_and_a_title(
    coordinator: User, office_org: Organization
) -> None:
    with pytest.raises(ServiceError) as no_party:
        services.create_agreement(actor=coordinator, title="MOU", parties=[])
    with pytest.raises(ServiceError) as no_title:
        services.create_agreement(actor=coordinator, title="  ", parties=[office_org])

    assert no_party.value.field == "parties"
    assert no_title.value.field == "title"


def test_an_agreement_cannot_expire_before_it_takes_effect(
    coordinator: User, office_org: Organization
) -> None:
    with pytest.raises(ServiceError) as refused:
        services.create_agreement(
            actor=coordinator,
            title="MOU",
            parties=[office_org],
            effective_on=dt.date(2025, 5, 1),
            expires_on=dt.date(2025, 4, 30),
        )

    assert refused.value.field == "expires_on"


def test_an_inactive_organization_cannot_become_a_party(coordinator: User) -> None:
    closed = OrganizationFactory(name="Closed Clinic", is_active=False)

    with pytest.raises(ServiceError) as refused:
        services.create_agreement(actor=coordinator, title="MOU", parties=[closed])

    assert refused.value.field == "parties"


def test_a_partner_links_only_an_initiative_of_their_own(
    partner: User,
    partner_org: Organization,
    office_org: Organization,
    partner_initiative: Initiative,
    other_initiative: Initiative,
) -> None:
    with pytest.raises(ServiceError) as refused:
        services.create_agreement(
            actor=partner,
            title="MOU",
            parties=[partner_org, office_org],
            initiative=other_initiative,
        )
    agreement = services.create_agreement(
        actor=partner, title="MOU", parties=[partner_org, office_org], initiative=partner_initiative
    )

    assert refused.value.field == "initiative"
    assert agreement.initiative == partner_initiative


# -- updating ----------------------------------------------------------------------------------


def test_updating_an_agreement_records_what_changed(shared: Agreement, partner: User) -> None:
    services.update_agreement(
        agreement=shared, actor=partner, title="Data MOU, 2025", expires_on=dt.date(2027, 6, 30)
    )

    shared.refresh_from_db()
    assert shared.title == "Data MOU, 2025"
    entry = AuditEntry.objects.get(action="partnerships.agreement.updated")
    assert entry.changes == {
        "title": ["Data-sharing MOU", "Data MOU, 2025"],
        "expires_on": [None, "2027-06-30"],
    }


def test_an_update_that_changes_nothing_is_not_logged(shared: Agreement, partner: User) -> None:
    services.update_agreement(agreement=shared, actor=partner, title=shared.title)

    assert not AuditEntry.objects.filter(action="partnerships.agreement.updated").exists()


def test_an_update_refuses_unknown_fields_and_the_status(
    shared: Agreement, coordinator: User
) -> None:
    with pytest.raises(ServiceError):
        services.update_agreement(agreement=shared, actor=coordinator, status=A.ACTIVE)


def test_another_organizations_partner_cannot_update_an_agreement(
    shared: Agreement, other_partner: User
) -> None:
    with pytest.raises(NotAllowed):
        services.update_agreement(agreement=shared, actor=other_partner, title="Mine now")


def test_a_terminated_agreement_cannot_be_changed(
    make_agreement: Callable[..., Agreement], office_org: Organization, coordinator: User
) -> None:
    agreement = make_agreement(office_org, status=A.TERMINATED)

    with pytest.raises(Conflict):
        services.update_agreement(agreement=agreement, actor=coordinator, title="Again")
    with pytest.raises(Conflict):
        services.add_party(
            agreement=agreement, actor=coordinator, organization=OrganizationFactory()
        )


def test_an_expired_agreement_keeps_its_dates_until_it_is_renewed(
    make_agreement: Callable[..., Agreement], office_org: Organization, coordinator: User
) -> None:
    agreement = make_agreement(
        office_org,
        status=A.EXPIRED,
        effective_on=dt.date(2020, 1, 1),
        expires_on=dt.date(2021, 1, 1),
    )

    with pytest.raises(Conflict) as refused:
        services.update_agreement(
            agreement=agreement, actor=coordinator, expires_on=dt.date(2030, 1, 1)
        )
    services.update_agreement(agreement=agreement, actor=coordinator, description="Archived.")

    assert refused.value.field == "expires_on"


def test_an_agreement_in_effect_keeps_an_effective_date_and_a_future_expiry(
    make_agreement: Callable[..., Agreement], office_org: Organization, coordinator: User
) -> None:
    agreement = make_agreement(office_org, status=A.ACTIVE, effective_on=dt.date(2024, 1, 1))

    with pytest.raises(ServiceError) as no_effective:
        services.update_agreement(agreement=agreement, actor=coordinator, effective_on=None)
    with pytest.raises(ServiceError) as past:
        services.update_agreement(
            agreement=agreement,
            actor=coordinator,
            expires_on=timezone.localdate() - dt.timedelta(days=1),
        )

    assert no_effective.value.field == "effective_on"
    assert past.value.field == "expires_on"


# -- parties ---------------------------------------------------------------------------------


def test_a_party_is_added_once(shared: Agreement, partner: User, other_org: Organization) -> None:
    party = services.add_party(
        agreement=shared,
        actor=partner,
        organization=other_org,
        role=" data recipient ",
        signatory="Dr. Lee",
        signed_on=dt.date(2024, 6, 1),
    )

    assert party.role == "data recipient"
    assert "partnerships.agreement.party_added" in actions(shared)
    with pytest.raises(Conflict) as twice:
        services.add_party(agreement=shared, actor=partner, organization=other_org)
    assert twice.value.field == "organization"


def test_a_party_cannot_have_signed_in_the_future(
    shared: Agreement, coordinator: User, other_org: Organization
) -> None:
    with pytest.raises(ServiceError) as refused:
        services.add_party(
            agreement=shared,
            actor=coordinator,
            organization=other_org,
            signed_on=timezone.localdate() + dt.timedelta(days=1),
        )

    assert refused.value.field == "signed_on"


def test_a_partner_removes_another_party_but_never_their_own_organization(
    shared: Agreement, partner: User, partner_org: Organization, office_org: Organization
) -> None:
    own = shared.parties.get(organization=partner_org)
    office = shared.parties.get(organization=office_org)

    with pytest.raises(Conflict):
        services.remove_party(party=own, actor=partner)
    services.remove_party(party=office, actor=partner)

    assert list(shared.parties.values_list("organization_id", flat=True)) == [partner_org.pk]
    assert "partnerships.agreement.party_removed" in actions(shared)


def test_staff_may_take_a_partner_organization_off_an_agreement(
    shared: Agreement, coordinator: User, partner_org: Organization
) -> None:
    services.remove_party(party=shared.parties.get(organization=partner_org), actor=coordinator)

    assert not shared.parties.filter(organization=partner_org).exists()


def test_an_agreement_keeps_at_least_one_party(
    make_agreement: Callable[..., Agreement], office_org: Organization, coordinator: User
) -> None:
    agreement = make_agreement(office_org)

    with pytest.raises(Conflict):
        services.remove_party(party=agreement.parties.get(), actor=coordinator)


def test_an_agreement_in_effect_keeps_two_parties(
    shared: Agreement, coordinator: User, office_org: Organization
) -> None:
    services.activate_agreement(agreement=shared, actor=coordinator)

    with pytest.raises(Conflict):
        services.remove_party(party=shared.parties.get(organization=office_org), actor=coordinator)


def test_removing_a_party_that_is_gone_already_is_a_conflict(
    shared: Agreement, coordinator: User, office_org: Organization, other_org: Organization
) -> None:
    services.add_party(agreement=shared, actor=coordinator, organization=other_org)
    party = shared.parties.get(organization=office_org)
    services.remove_party(party=party, actor=coordinator)

    with pytest.raises(Conflict):
        services.remove_party(party=party, actor=coordinator)


def test_another_organizations_partner_cannot_touch_the_party_list(
    shared: Agreement, other_partner: User, other_org: Organization, office_org: Organization
) -> None:
    with pytest.raises(NotAllowed):
        services.add_party(agreement=shared, actor=other_partner, organization=other_org)
    with pytest.raises(NotAllowed):
        services.remove_party(
            party=shared.parties.get(organization=office_org), actor=other_partner
        )


def test_a_partys_role_signatory_and_signing_date_are_changed_and_audited(
    shared: Agreement, partner: User, office_org: Organization
) -> None:
    party = shared.parties.get(organization=office_org)

    services.update_party(
        party=party, actor=partner, role=" Data recipient ", signed_on=dt.date(2024, 6, 20)
    )

    fresh = AgreementParty.objects.get(pk=party.pk)
    assert (fresh.role, fresh.signatory, fresh.signed_on) == (
        "Data recipient",
        "",
        dt.date(2024, 6, 20),
    )
    assert party.role == "Data recipient"
    entry = AuditEntry.objects.get(action="partnerships.agreement.party_updated")
    assert entry.changes == {
        "role": ["", "Data recipient"],
        "signed_on": [None, "2024-06-20"],
    }


def test_an_unchanged_party_writes_no_audit_entry(
    shared: Agreement, coordinator: User, office_org: Organization
) -> None:
    party = shared.parties.get(organization=office_org)
    services.update_party(party=party, actor=coordinator, role="", signatory="")
    assert "partnerships.agreement.party_updated" not in actions(shared)


def test_a_party_update_is_refused_with_a_reason_and_changes_nothing(
    shared: Agreement,
    coordinator: User,
    other_partner: User,
    office_org: Organization,
) -> None:
    party = shared.parties.get(organization=office_org)
    future = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ServiceError) as error:
        services.update_party(party=party, actor=coordinator, signed_on=future)
    assert error.value.field == "signed_on"
    with pytest.raises(ServiceError) as error:
        services.update_party(party=party, actor=coordinator, organization=office_org)
    assert error.value.field == "organization"
    with pytest.raises(ServiceError) as error:
        services.update_party(party=party, actor=coordinator, role="x" * 121)
    assert error.value.field == "role"
    with pytest.raises(NotAllowed):
        services.update_party(party=party, actor=other_partner, role="Recipient")
    Agreement.objects.filter(pk=shared.pk).update(status=A.TERMINATED)
    with pytest.raises(Conflict):
        services.update_party(party=party, actor=coordinator, role="Recipient")
    assert AgreementParty.objects.get(pk=party.pk).role == ""


# -- activating, renewing, terminating ---------------------------------------------------------


def test_a_draft_with_two_parties_and_an_effective_date_takes_effect(
    shared: Agreement, partner: User
) -> None:
    services.activate_agreement(agreement=shared, actor=partner)

    assert shared.status == A.ACTIVE
    assert Agreement.objects.get(pk=shared.pk).status == A.ACTIVE
    assert "partnerships.agreement.activated" in actions(shared)
    with pytest.raises(Conflict):
        services.activate_agreement(agreement=shared, actor=partner)


def test_a_draft_with_one_party_does_not_take_effect(
    make_agreement: Callable[..., Agreement], office_org: Organization, coordinator: User
) -> None:
    agreement = make_agreement(office_org, effective_on=dt.date(2024, 1, 1))

    with pytest.raises(Conflict) as refused:
        services.activate_agreement(agreement=agreement, actor=coordinator)

    assert refused.value.field == "parties"


def test_a_draft_without_an_effective_date_does_not_take_effect(
    make_agreement: Callable[..., Agreement],
    office_org: Organization,
    partner_org: Organization,
    coordinator: User,
) -> None:
    agreement = make_agreement(office_org, partner_org)

    with pytest.raises(Conflict) as refused:
        services.activate_agreement(agreement=agreement, actor=coordinator)

    assert refused.value.field == "effective_on"


def test_a_draft_past_its_expiry_date_does_not_take_effect(
    make_agreement: Callable[..., Agreement],
    office_org: Organization,
    partner_org: Organization,
    coordinator: User,
) -> None:
    agreement = make_agreement(
        office_org,
        partner_org,
        effective_on=dt.date(2020, 1, 1),
        expires_on=dt.date(2021, 1, 1),
    )

    with pytest.raises(Conflict) as refused:
        services.activate_agreement(agreement=agreement, actor=coordinator)

    assert refused.value.field == "expires_on"


def test_a_renewal_moves_the_expiry_date_and_resets_the_reminders(
    shared: Agreement, partner: User
) -> None:
    today = timezone.localdate()
    shared.expires_on = today + dt.timedelta(days=20)
    shared.save()
    services.activate_agreement(agreement=shared, actor=partner)
    Agreement.objects.filter(pk=shared.pk).update(
        reminder_90_sent_for=shared.expires_on, reminder_30_sent_for=shared.expires_on
    )
    new_date = today + dt.timedelta(days=400)

    services.renew_agreement(agreement=shared, actor=partner, expires_on=new_date)

    fresh = Agreement.objects.get(pk=shared.pk)
    assert (fresh.status, fresh.expires_on) == (A.ACTIVE, new_date)
    assert (fresh.reminder_90_sent_for, fresh.reminder_30_sent_for) == (None, None)
    entry = AuditEntry.objects.get(action="partnerships.agreement.renewed")
    assert entry.changes["expires_on"][1] == new_date.isoformat()


def test_an_expired_agreement_is_renewed_back_into_effect(
    make_agreement: Callable[..., Agreement],
    office_org: Organization,
    partner_org: Organization,
    coordinator: User,
) -> None:
    agreement = make_agreement(
        office_org,
        partner_org,
        status=A.EXPIRED,
        effective_on=dt.date(2020, 1, 1),
        expires_on=dt.date(2021, 1, 1),
    )
    today = timezone.localdate()

    with pytest.raises(ServiceError) as not_after_today:
        services.renew_agreement(
            agreement=agreement, actor=coordinator, expires_on=dt.date(2022, 1, 1)
        )
    services.renew_agreement(
        agreement=agreement, actor=coordinator, expires_on=today + dt.timedelta(days=365)
    )

    assert not_after_today.value.field == "expires_on"
    assert agreement.status == A.ACTIVE


def test_a_renewal_must_come_after_the_current_expiry_date(
    make_agreement: Callable[..., Agreement],
    office_org: Organization,
    partner_org: Organization,
    coordinator: User,
) -> None:
    expires = timezone.localdate() + dt.timedelta(days=200)
    agreement = make_agreement(
        office_org,
        partner_org,
        status=A.ACTIVE,
        effective_on=dt.date(2024, 1, 1),
        expires_on=expires,
    )

    with pytest.raises(ServiceError) as refused:
        services.renew_agreement(
            agreement=agreement, actor=coordinator, expires_on=expires - dt.timedelta(days=1)
        )

    assert refused.value.field == "expires_on"


@pytest.mark.parametrize("status", [A.DRAFT, A.TERMINATED])
def test_drafts_and_terminated_agreements_are_not_renewed(
    status: str,
    make_agreement: Callable[..., Agreement],
    office_org: Organization,
    coordinator: User,
) -> None:
    agreement = make_agreement(office_org, status=status)

    with pytest.raises(Conflict):
        services.renew_agreement(
            agreement=agreement,
            actor=coordinator,
            expires_on=timezone.localdate() + dt.timedelta(days=365),
        )


def test_termination_is_final_and_keeps_its_reason(shared: Agreement, partner: User) -> None:
    services.activate_agreement(agreement=shared, actor=partner)

    services.terminate_agreement(
        agreement=shared,
        actor=partner,
        terminated_on=dt.date(2025, 3, 1),
        reason="The program ended.",
    )

    fresh = Agreement.objects.get(pk=shared.pk)
    assert (fresh.status, fresh.terminated_on) == (A.TERMINATED, dt.date(2025, 3, 1))
    assert fresh.termination_reason == "The program ended."
    with pytest.raises(Conflict):
        services.terminate_agreement(
            agreement=fresh, actor=partner, terminated_on=dt.date(2025, 3, 2), reason="Again"
        )


def test_a_termination_needs_a_reason_and_a_date_after_the_effective_date(
    shared: Agreement, coordinator: User
) -> None:
    with pytest.raises(ServiceError) as no_reason:
        services.terminate_agreement(
            agreement=shared, actor=coordinator, terminated_on=dt.date(2025, 1, 1), reason=" "
        )
    with pytest.raises(ServiceError) as too_early:
        services.terminate_agreement(
            agreement=shared, actor=coordinator, terminated_on=dt.date(2024, 6, 30), reason="x"
        )

    assert no_reason.value.field == "reason"
    assert too_early.value.field == "terminated_on"


def test_an_expired_agreement_is_not_terminated(
    make_agreement: Callable[..., Agreement], office_org: Organization, coordinator: User
) -> None:
    agreement = make_agreement(office_org, status=A.EXPIRED)

    with pytest.raises(Conflict):
        services.terminate_agreement(
            agreement=agreement, actor=coordinator, terminated_on=dt.date(2025, 1, 1), reason="x"
        )


# -- documents -------------------------------------------------------------------------------


def test_a_pdf_is_stored_under_a_random_name_with_its_digest(
    shared: Agreement, partner: User, media: Path
) -> None:
    upload = SimpleUploadedFile("Signed MOU (final).pdf", PDF, content_type="text/html")

    document = services.upload_document(agreement=shared, actor=partner, file=upload, title="")

    assert document.title == "Signed MOU (final)"
    assert document.original_name == "Signed MOU (final).pdf"
    assert (document.extension, document.content_type) == (".pdf", "application/pdf")
    assert document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert len(document.storage_token) == 32
    assert document.file.name == (
        f"partnerships/agreements/{shared.pk}/{document.storage_token}.pdf"
    )
    assert (media / document.file.name).read_bytes() == PDF
    assert "partnerships.agreement.document_uploaded" in actions(shared)


def test_a_docx_and_an_odt_are_accepted_by_their_content(
    shared: Agreement, coordinator: User, media: Path
) -> None:
    docx = services.upload_document(
        agreement=shared,
        actor=coordinator,
        file=SimpleUploadedFile("amendment.bin", docx_bytes()),
        title="Amendment 1",
    )
    odt = services.upload_document(
        agreement=shared,
        actor=coordinator,
        file=SimpleUploadedFile("annex", odt_bytes()),
        title="Annex",
    )

    assert docx.extension == ".docx"
    assert docx.content_type.endswith("wordprocessingml.document")
    assert odt.extension == ".odt"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("signed.pdf", HTML),
        ("macro.docx", docx_bytes(macro=True)),
        ("archive.docx", b"PK\x03\x04 not really a zip"),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 32),
    ],
)
def test_a_file_that_is_not_a_pdf_docx_or_odt_is_refused_whatever_its_name(
    name: str, content: bytes, shared: Agreement, coordinator: User, media: Path
) -> None:
    with pytest.raises(ServiceError) as refused:
        services.upload_document(
            agreement=shared, actor=coordinator, file=SimpleUploadedFile(name, content)
        )

    assert refused.value.field == "file"
    assert not AgreementDocument.objects.exists()
    assert not any(media.rglob("*.*"))


def test_an_empty_file_is_refused(shared: Agreement, coordinator: User, media: Path) -> None:
    with pytest.raises(ServiceError) as refused:
        services.upload_document(
            agreement=shared, actor=coordinator, file=SimpleUploadedFile("empty.pdf", b"")
        )
    with pytest.raises(ServiceError):
        services.upload_document(agreement=shared, actor=coordinator, file=None)

    assert refused.value.field == "file"


def test_a_file_over_20_mb_is_refused(shared: Agreement, coordinator: User, media: Path) -> None:
    big = PDF + b"0" * (20 * 1024 * 1024 + 1 - len(PDF))

    with pytest.raises(ServiceError) as refused:
        services.upload_document(
            agreement=shared, actor=coordinator, file=SimpleUploadedFile("big.pdf", big)
        )

    assert "20 MB" in refused.value.message
    assert not AgreementDocument.objects.exists()


def test_the_size_limit_follows_the_setting(
    shared: Agreement, coordinator: User, media: Path, settings: Any
) -> None:
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = len(PDF) - 1

    with pytest.raises(ServiceError):
        services.upload_document(
            agreement=shared, actor=coordinator, file=SimpleUploadedFile("a.pdf", PDF)
        )


def test_an_uploaded_name_keeps_no_path(shared: Agreement, coordinator: User, media: Path) -> None:
    document = services.upload_document(
        agreement=shared,
        actor=coordinator,
        file=SimpleUploadedFile("../../etc/cron.d/evil.pdf", PDF),
        title="Evil",
    )

    assert document.original_name == "evil.pdf"
    assert ".." not in document.file.name


def test_another_organizations_partner_cannot_upload(
    shared: Agreement, other_partner: User, media: Path
) -> None:
    with pytest.raises(NotAllowed):
        services.upload_document(
            agreement=shared, actor=other_partner, file=SimpleUploadedFile("a.pdf", PDF)
        )


def test_only_staff_delete_a_document_and_its_file_goes_after_commit(
    shared: Agreement,
    partner: User,
    coordinator: User,
    media: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    document = services.upload_document(
        agreement=shared, actor=partner, file=SimpleUploadedFile("a.pdf", PDF)
    )
    stored = media / document.file.name

    with pytest.raises(NotAllowed):
        services.delete_document(document=document, actor=partner)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_document(document=document, actor=coordinator)

    assert not AgreementDocument.objects.exists()
    assert not stored.exists()
    assert "partnerships.agreement.document_deleted" in actions(shared)


@given(st.binary(max_size=64))
@settings(max_examples=200, deadline=None)
def test_only_pdf_and_zip_signatures_can_pass_the_content_check(content: bytes) -> None:
    kind = services.document_kind(SimpleUploadedFile("x.pdf", content))

    if kind == services.PDF:
        assert content.startswith(b"%PDF-")
    else:
        assert kind is None or content.startswith(b"PK\x03\x04")


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_a_display_name_never_holds_a_path_or_control_characters(name: str) -> None:
    shown = services._display_name(name)

    assert "/" not in shown
    assert "\\" not in shown
    assert not any(ord(c) < 32 or ord(c) == 127 for c in shown)
    assert len(shown) <= 255


# -- selectors -------------------------------------------------------------------------------


def test_a_partner_reads_only_agreements_their_organization_is_party_to(
    shared: Agreement, theirs: Agreement, partner: User, coordinator: User, leadership: User
) -> None:
    assert list(selectors.visible_agreements(partner)) == [shared]
    assert set(selectors.visible_agreements(coordinator)) == {shared, theirs}
    assert not selectors.visible_agreements(leadership).exists()


def test_agreements_due_for_renewal_are_those_in_effect_expiring_within_the_window(
    make_agreement: Callable[..., Agreement],
    partner_org: Organization,
    office_org: Organization,
    partner: User,
) -> None:
    today = timezone.localdate()

    def active(days: int, status: str = A.ACTIVE) -> Agreement:
        return make_agreement(
            partner_org,
            office_org,
            status=status,
            title=f"{status} in {days}",
            effective_on=dt.date(2020, 1, 1),
            expires_on=today + dt.timedelta(days=days),
        )

    soon, later = active(10), active(80)
    active(91)
    active(30, status=A.DRAFT)
    active(-1)

    assert list(selectors.agreements_due_for_renewal(partner)) == [soon, later]
    assert list(selectors.agreements_due_for_renewal(partner, within_days=30)) == [soon]


def test_a_party_of_another_organizations_agreement_is_not_found(
    theirs: Agreement, partner: User
) -> None:
    party = AgreementParty.objects.filter(agreement=theirs).first()
    assert party is not None

    with pytest.raises(Exception) as missing:
        selectors.get_party_for_user(partner, party.pk)

    assert missing.typename == "Http404"


def test_the_list_puts_the_soonest_expiry_first_and_open_ended_agreements_last(
    make_agreement: Callable[..., Agreement],
    office_org: Organization,
    coordinator: User,
) -> None:
    open_ended = make_agreement(office_org, title="A open-ended")
    later = make_agreement(office_org, title="B later", expires_on=dt.date(2030, 1, 1))
    sooner = make_agreement(office_org, title="C sooner", expires_on=dt.date(2027, 1, 1))

    assert list(selectors.visible_agreements(coordinator)) == [sooner, later, open_ended]

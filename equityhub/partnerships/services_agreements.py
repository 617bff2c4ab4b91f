"""Every write of the consortium's agreements (MOUs, data-use agreements...): keyword-only,
atomic, audited as `partnerships.agreement.*`; mail goes out on commit.

Who: office staff, or a partner user of one of the parties (`access.can_edit_agreement`).
A partner records agreements their organization is a party to and can never take their own
organization off one (which would hand the agreement to the others). Deleting a document is
for office staff only.

Life cycle: draft -> active (needs two parties and an effective date) -> expired (the sweep,
once the expiry date has passed) or terminated (terminal). A renewal gives an active or
expired agreement a later expiry date and makes it active again.

Renewal reminders: 90 and 30 days before expiry, each at most once per expiry date (the
`reminder_*_sent_for` fields hold the date each was sent for, so a renewal re-arms them). Each
reminder is claimed by a single conditional UPDATE before any mail is queued, so overlapping
sweeps never send one twice.

Every write locks the agreement's row first (`select_for_update`; SQLite takes its write lock
at BEGIN), so two partners editing the party list at once cannot together break its rules.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
import zipfile
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any, Final

from django.conf import settings
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.core.exceptions import clean_model as _clean
from equityhub.core.tasks import send_email
from equityhub.partnerships.access import (
    can_edit_agreement,
    initiatives_for_user,
    is_consortium_staff,
    partner_organization_ids,
)
from equityhub.partnerships.models import (
    Agreement,
    AgreementDocument,
    AgreementParty,
    Contact,
    Initiative,
)
from equityhub.people.models import Organization

A = Agreement.Status
AGREEMENT_FIELDS: Final = [
    "title",
    "kind",
    "status",
    "description",
    "initiative_id",
    "effective_on",
    "expires_on",
    "terminated_on",
]
EDITABLE_FIELDS: Final = frozenset(
    {"title", "kind", "description", "initiative", "effective_on", "expires_on"}
)
DATE_FIELDS: Final = frozenset({"effective_on", "expires_on"})
REMINDER_DAYS: Final = (90, 30)
DEFAULT_DOCUMENT_MAX_BYTES: Final = 20 * 1024 * 1024
MAX_REASON_LENGTH: Final = 2000

# What an upload may be, judged by its content (never its name): extension and content type.
PDF: Final = "pdf"
DOCX: Final = "docx"
ODT: Final = "odt"
DOCUMENT_TYPES: Final = {
    PDF: (".pdf", "application/pdf"),
    DOCX: (
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ODT: (".odt", "application/vnd.oasis.opendocument.text"),
}
ODT_MIMETYPE: Final = b"application/vnd.oasis.opendocument.text"
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


# -- helpers ---------------------------------------------------------------------------------


def _lock(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def _refresh(target: Agreement, source: Agreement) -> None:
    """Let the caller's object follow what was written."""
    for field in [*AGREEMENT_FIELDS, "reminder_90_sent_for", "reminder_30_sent_for", "updated_at"]:
        setattr(target, field, getattr(source, field))


def _require_editor(actor: Any, agreement: Agreement) -> None:
    if not can_edit_agreement(actor, agreement):
        raise NotAllowed(
            _("Only office staff and the parties' partner users may change this agreement.")
        )


def _require_not_terminated(agreement: Agreement) -> None:
    if agreement.status == A.TERMINATED:
        raise Conflict(_("This agreement was terminated; it cannot be changed."))


def _check_dates(agreement: Agreement) -> None:
    effective, expires = agreement.effective_on, agreement.expires_on
    if effective is not None and expires is not None and expires < effective:
        raise ServiceError(
            _("The expiry date cannot be before the effective date."), field="expires_on"
        )
    if agreement.status == A.ACTIVE and effective is None:
        raise ServiceError(
            _("An agreement in effect needs an effective date."), field="effective_on"
        )


def _check_initiative(actor: Any, initiative: Initiative | None) -> None:
    if initiative is None or is_consortium_staff(actor):
        return
    if not initiatives_for_user(actor).filter(pk=initiative.pk).exists():
        raise ServiceError(
            _("Choose an initiative your organization leads or takes part in."),
            field="initiative",
        )


def _check_organization(organization: Organization, field: str) -> None:
    if not organization.is_active:
        raise ServiceError(
            _("%(name)s is no longer an active organization.") % {"name": organization.name},
            field=field,
        )


def _party_count(agreement: Agreement) -> int:
    return AgreementParty.objects.filter(agreement=agreement).count()


def _check_can_take_effect(agreement: Agreement) -> None:
    if _party_count(agreement) < 2:
        raise Conflict(_("An agreement in effect needs at least two parties."), field="parties")
    if agreement.effective_on is None:
        raise Conflict(
            _("An agreement in effect needs an effective date: add it first."),
            field="effective_on",
        )


def _text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ServiceError(
            _("Keep this under %(max)d characters.") % {"max": max_length}, field=field
        )
    return text


# -- agreements ------------------------------------------------------------------------------


@transaction.atomic
def create_agreement(
    *,
    actor: Any,
    title: str,
    parties: Sequence[Organization],
    kind: str = Agreement.Kind.MOU,
    description: str = "",
    initiative: Initiative | None = None,
    effective_on: dt.date | None = None,
    expires_on: dt.date | None = None,
) -> Agreement:
    """Record a draft agreement between `parties`.

    Side effects, in order: one Agreement (status draft, created by `actor`), one
    AgreementParty per organization; audit `partnerships.agreement.created`.
    A partner user must name their own organization among the parties.
    """
    staff = is_consortium_staff(actor)
    own = partner_organization_ids(actor)
    if not staff and not own:
        raise NotAllowed(_("Only office staff and partner users may record agreements."))
    organizations = list({org.pk: org for org in parties}.values())
    if not organizations:
        raise ServiceError(_("Name at least one party."), field="parties")
    if not staff and not any(org.pk in own for org in organizations):
        raise ServiceError(_("Your organization must be one of the parties."), field="parties")
    for organization in organizations:
        _check_organization(organization, "parties")
    _check_initiative(actor, initiative)
    agreement = Agreement(
        title=(title or "").strip(),
        kind=kind,
        description=(description or "").strip(),
        initiative=initiative,
        effective_on=effective_on,
        expires_on=expires_on,
        created_by=actor,
    )
    _check_dates(agreement)
    _clean(agreement)
    agreement.save()
    AgreementParty.objects.bulk_create(
        AgreementParty(agreement=agreement, organization=org) for org in organizations
    )
    record(
        "partnerships.agreement.created",
        actor=actor,
        obj=agreement,
        data={
            **snapshot(agreement, AGREEMENT_FIELDS),
            "parties": sorted(org.pk for org in organizations),
        },
    )
    return agreement


@transaction.atomic
def update_agreement(*, agreement: Agreement, actor: Any, **changes: Any) -> Agreement:
    """Change the agreement's details: any of title, kind, description, initiative,
    effective_on, expires_on. The status changes only through activate, renew and terminate.

    Side effects: the Agreement saved; audit `partnerships.agreement.updated` with the changes
    (nothing when nothing changed).
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    fresh = _lock(agreement)
    _require_editor(actor, fresh)
    _require_not_terminated(fresh)
    before = snapshot(fresh, AGREEMENT_FIELDS)
    moved = {f for f in DATE_FIELDS & set(changes) if changes[f] != getattr(fresh, f)}
    if fresh.status == A.EXPIRED and moved:
        raise Conflict(
            _("This agreement has expired: renew it to give it a new expiry date."),
            field=sorted(moved)[0],
        )
    if "initiative" in changes and changes["initiative"] != fresh.initiative:
        _check_initiative(actor, changes["initiative"])
    for field, value in changes.items():
        setattr(fresh, field, value.strip() if isinstance(value, str) else value)
    _check_dates(fresh)
    if (
        fresh.status == A.ACTIVE
        and "expires_on" in moved
        and fresh.expires_on is not None
        and fresh.expires_on < timezone.localdate()
    ):
        raise ServiceError(
            _("An agreement in effect cannot have an expiry date in the past: terminate it."),
            field="expires_on",
        )
    _clean(fresh)
    changed = diff(before, snapshot(fresh, AGREEMENT_FIELDS))
    if changed:
        fresh.save()
        record("partnerships.agreement.updated", actor=actor, obj=fresh, changes=changed)
    _refresh(agreement, fresh)
    return fresh


@transaction.atomic
def add_party(
    *,
    agreement: Agreement,
    actor: Any,
    organization: Organization,
    role: str = "",
    signatory: str = "",
    signed_on: dt.date | None = None,
) -> AgreementParty:
    """Side effects: one AgreementParty; audit `partnerships.agreement.party_added`."""
    fresh = _lock(agreement)
    _require_editor(actor, fresh)
    _require_not_terminated(fresh)
    _check_organization(organization, "organization")
    if AgreementParty.objects.filter(agreement=fresh, organization=organization).exists():
        raise Conflict(
            _("%(name)s is a party already.") % {"name": organization.name},
            field="organization",
        )
    if signed_on is not None and signed_on > timezone.localdate():
        raise ServiceError(_("The signing date cannot be in the future."), field="signed_on")
    party = AgreementParty(
        agreement=fresh,
        organization=organization,
        role=(role or "").strip(),
        signatory=(signatory or "").strip(),
        signed_on=signed_on,
    )
    _clean(party, exclude=["agreement", "organization"])
    party.save()
    record(
        "partnerships.agreement.party_added",
        actor=actor,
        obj=fresh,
        data={
            "party": party.pk,
            "organization": organization.pk,
            "role": party.role,
            "signatory": party.signatory,
            "signed_on": signed_on,
        },
    )
    return party


PARTY_FIELDS: Final = ["role", "signatory", "signed_on"]


@transaction.atomic
def update_party(*, party: AgreementParty, actor: Any, **changes: Any) -> AgreementParty:
    """Change a party's role, signatory or signing date.

    Side effects: the AgreementParty saved; audit `partnerships.agreement.party_updated` with
    the old and new values (none when nothing changed).
    """
    unknown = set(changes) - set(PARTY_FIELDS)
    if unknown:
        raise ServiceError(
            _("Unknown field: %(field)s") % {"field": sorted(unknown)[0]},
            field=sorted(unknown)[0],
        )
    fresh_agreement = _lock(party.agreement)
    _require_editor(actor, fresh_agreement)
    _require_not_terminated(fresh_agreement)
    fresh = AgreementParty.objects.get(pk=party.pk)
    before = snapshot(fresh, PARTY_FIELDS)
    for field in ("role", "signatory"):
        if field in changes:
            setattr(fresh, field, (changes[field] or "").strip())
    if "signed_on" in changes:
        signed_on = changes["signed_on"]
        if signed_on is not None and signed_on > timezone.localdate():
            raise ServiceError(_("The signing date cannot be in the future."), field="signed_on")
        fresh.signed_on = signed_on
    _clean(fresh, exclude=["agreement", "organization"])
    changed = diff(before, snapshot(fresh, PARTY_FIELDS))
    if changed:
        fresh.save()
        record(
            "partnerships.agreement.party_updated",
            actor=actor,
            obj=fresh_agreement,
            changes=changed,
            data={"party": fresh.pk, "organization": fresh.organization_id},
        )
    for field in PARTY_FIELDS:
        setattr(party, field, getattr(fresh, field))
    return party


@transaction.atomic
def remove_party(*, party: AgreementParty, actor: Any) -> None:
    """Take an organization off the agreement. An agreement keeps at least one party, one in
    effect at least two, and a partner user cannot remove the last of their own
    organizations.

    Side effects: the AgreementParty deleted; audit `partnerships.agreement.party_removed`.
    """
    fresh = Agreement.objects.select_for_update().get(pk=party.agreement_id)
    _require_editor(actor, fresh)
    _require_not_terminated(fresh)
    current = list(AgreementParty.objects.filter(agreement=fresh))
    if party.pk not in {p.pk for p in current}:
        raise Conflict(_("That organization is no longer a party."))
    remaining = [p for p in current if p.pk != party.pk]
    if not remaining:
        raise Conflict(_("An agreement keeps at least one party."))
    if fresh.status == A.ACTIVE and len(remaining) < 2:
        raise Conflict(_("An agreement in effect needs at least two parties."))
    if not is_consortium_staff(actor):
        own = partner_organization_ids(actor)
        if not any(p.organization_id in own for p in remaining):
            raise Conflict(
                _(
                    "Your organization must stay a party: ask the consortium office to take it "
                    "off this agreement."
                )
            )
    AgreementParty.objects.filter(pk=party.pk).delete()
    record(
        "partnerships.agreement.party_removed",
        actor=actor,
        obj=fresh,
        data={"party": party.pk, "organization": party.organization_id},
    )


@transaction.atomic
def activate_agreement(*, agreement: Agreement, actor: Any) -> Agreement:
    """Put a draft into effect: it needs at least two parties, an effective date and an
    expiry date (if any) not yet passed.

    Side effects: status active, reminder marks cleared; audit `partnerships.agreement.activated`.
    """
    fresh = _lock(agreement)
    _require_editor(actor, fresh)
    if fresh.status != A.DRAFT:
        raise Conflict(_("Only a draft can be put into effect."))
    _check_can_take_effect(fresh)
    if fresh.expires_on is not None and fresh.expires_on < timezone.localdate():
        raise Conflict(
            _("The expiry date has passed: change it before putting the agreement into effect."),
            field="expires_on",
        )
    fresh.status = A.ACTIVE
    fresh.reminder_90_sent_for = fresh.reminder_30_sent_for = None
    fresh.save()
    record(
        "partnerships.agreement.activated",
        actor=actor,
        obj=fresh,
        changes={"status": [A.DRAFT, A.ACTIVE]},
    )
    _refresh(agreement, fresh)
    return fresh


@transaction.atomic
def renew_agreement(*, agreement: Agreement, actor: Any, expires_on: dt.date) -> Agreement:
    """Give an active or expired agreement a new expiry date, after both the current one and
    today; it is (again) in effect and its renewal reminders start over.

    Side effects: expires_on, status active, reminder marks cleared; audit
    `partnerships.agreement.renewed`.
    """
    fresh = _lock(agreement)
    _require_editor(actor, fresh)
    if fresh.status == A.DRAFT:
        raise Conflict(_("A draft is not in effect yet: put it into effect instead."))
    _require_not_terminated(fresh)
    today = timezone.localdate()
    floor = max(today, fresh.expires_on or today)
    if expires_on is None or expires_on <= floor:
        raise ServiceError(
            _("The new expiry date must be after %(date)s.")
            % {"date": formats.date_format(floor, "SHORT_DATE_FORMAT")},
            field="expires_on",
        )
    before = snapshot(fresh, AGREEMENT_FIELDS)
    fresh.expires_on = expires_on
    fresh.status = A.ACTIVE
    fresh.reminder_90_sent_for = fresh.reminder_30_sent_for = None
    _check_can_take_effect(fresh)
    _check_dates(fresh)
    fresh.save()
    record(
        "partnerships.agreement.renewed",
        actor=actor,
        obj=fresh,
        changes=diff(before, snapshot(fresh, AGREEMENT_FIELDS)),
    )
    _refresh(agreement, fresh)
    return fresh


@transaction.atomic
def terminate_agreement(
    *, agreement: Agreement, actor: Any, terminated_on: dt.date, reason: str
) -> Agreement:
    """End a draft or an agreement in effect, for good, with the reason (shown on the
    agreement's page).

    Side effects: status terminated, terminated_on, termination_reason; audit
    `partnerships.agreement.terminated` with the reason.
    """
    reason = _text(reason, field="reason", max_length=MAX_REASON_LENGTH, required=True)
    if terminated_on is None:
        raise ServiceError(_("Give the date the agreement ends."), field="terminated_on")
    fresh = _lock(agreement)
    _require_editor(actor, fresh)
    if fresh.status == A.TERMINATED:
        raise Conflict(_("This agreement was terminated already."))
    if fresh.status == A.EXPIRED:
        raise Conflict(_("This agreement has expired already; there is nothing to terminate."))
    if fresh.effective_on is not None and terminated_on < fresh.effective_on:
        raise ServiceError(
            _("An agreement cannot end before it takes effect."), field="terminated_on"
        )
    before = snapshot(fresh, AGREEMENT_FIELDS)
    fresh.status = A.TERMINATED
    fresh.terminated_on = terminated_on
    fresh.termination_reason = reason
    fresh.save()
    record(
        "partnerships.agreement.terminated",
        actor=actor,
        obj=fresh,
        changes=diff(before, snapshot(fresh, AGREEMENT_FIELDS)),
        data={"reason": reason},
    )
    _refresh(agreement, fresh)
    return fresh


# -- documents -------------------------------------------------------------------------------


def document_max_bytes() -> int:
    return int(getattr(settings, "AGREEMENT_DOCUMENT_MAX_BYTES", DEFAULT_DOCUMENT_MAX_BYTES))


def _zip_kind(upload: UploadedFile) -> str | None:
    """DOCX or ODT, from the archive's own table of contents; None for any other archive
    (macro-enabled documents included). Only the tiny `mimetype` member is ever inflated."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return None if "word/vbaProject.bin" in names else DOCX
            if (
                "mimetype" in names
                and archive.getinfo("mimetype").file_size <= 100
                and archive.read("mimetype").strip() == ODT_MIMETYPE
            ):
                return ODT
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, ValueError):
        return None
    finally:
        upload.seek(0)
    return None


def document_kind(upload: UploadedFile) -> str | None:
    """`pdf`, `docx` or `odt` judged by the file's content, or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    return None


def _display_name(name: str) -> str:
    # The client's name for the file is shown, never used: no path, no control characters.
    base = PurePath((name or "").replace("\\", "/")).name
    return _CONTROL_CHARACTERS.sub("", base).strip()[:255]


def _digest(upload: UploadedFile) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return digest.hexdigest(), size


@transaction.atomic
def upload_document(
    *, agreement: Agreement, actor: Any, file: UploadedFile | None, title: str = ""
) -> AgreementDocument:
    """Keep a PDF, DOCX or ODT file (judged by its content, not its name; at most 20 MB by
    default, setting AGREEMENT_DOCUMENT_MAX_BYTES) with the agreement. The stored name is a
    random token and the checked extension; the uploaded name is kept for display only.

    Side effects: the file written to storage; one AgreementDocument (with size and SHA-256);
    audit `partnerships.agreement.document_uploaded`.
    """
    fresh = _lock(agreement)
    _require_editor(actor, fresh)
    if file is None or not file.size:
        raise ServiceError(_("The file is empty."), field="file")
    limit = document_max_bytes()
    if file.size > limit:
        raise ServiceError(
            _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
            field="file",
        )
    kind = document_kind(file)
    if kind is None:
        raise ServiceError(_("Upload a PDF, Word (DOCX) or OpenDocument (ODT) file."), field="file")
    sha256, size = _digest(file)
    if not size:
        raise ServiceError(_("The file is empty."), field="file")
    if size > limit:
        raise ServiceError(
            _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
            field="file",
        )
    extension, content_type = DOCUMENT_TYPES[kind]
    original_name = _display_name(file.name or "")
    title = _text(title, field="title", max_length=200) or (
        PurePath(original_name).stem[:200] or _("Agreement document")
    )
    document = AgreementDocument(
        agreement=fresh,
        title=title,
        original_name=original_name,
        storage_token=secrets.token_hex(16),
        extension=extension,
        content_type=content_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor,
    )
    document.file.save(f"{document.storage_token}{extension}", file, save=False)
    document.save()
    record(
        "partnerships.agreement.document_uploaded",
        actor=actor,
        obj=fresh,
        data={
            "document": document.pk,
            "title": title,
            "type": kind,
            "size": size,
            "sha256": sha256,
        },
    )
    return document


@transaction.atomic
def delete_document(*, document: AgreementDocument, actor: Any) -> None:
    """Office staff only.

    Side effects: the AgreementDocument deleted; audit
    `partnerships.agreement.document_deleted`; after commit, the file removed from storage.
    """
    if not is_consortium_staff(actor):
        raise NotAllowed(_("Only office staff may delete agreement documents."))
    fresh = _lock(document.agreement)
    storage: Storage = document.file.storage
    name = document.file.name
    AgreementDocument.objects.filter(pk=document.pk).delete()
    record(
        "partnerships.agreement.document_deleted",
        actor=actor,
        obj=fresh,
        data={"document": document.pk, "title": document.title, "sha256": document.sha256},
    )
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# -- renewal reminders and expiry ------------------------------------------------------------


def _language(user: Any) -> str:
    code = (getattr(user, "language", "") or "")[:2] if user is not None else ""
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def renewal_recipients(agreement: Agreement) -> list[tuple[str, str]]:
    """(address, language) of those told about a renewal: each party's active contacts for
    agreements (its primary contacts when it has none) and the agreement's creator; each
    address once, in the preferred language of its portal account (else English)."""
    party_ids = [party.organization_id for party in agreement.parties.all()]
    contacts = (
        Contact.objects.filter(
            organization_id__in=party_ids,
            is_active=True,
            role__in=[Contact.Role.AGREEMENTS, Contact.Role.PRIMARY],
        )
        .select_related("user")
        .order_by("organization_id", "name", "pk")
    )
    by_organization: dict[int, dict[str, list[Contact]]] = {}
    for contact in contacts:
        by_organization.setdefault(contact.organization_id, {}).setdefault(contact.role, []).append(
            contact
        )
    chosen: list[tuple[str, Any]] = []
    for roles in by_organization.values():
        picked = roles.get(Contact.Role.AGREEMENTS) or roles.get(Contact.Role.PRIMARY, [])
        chosen.extend((contact.email, contact.user) for contact in picked)
    creator = agreement.created_by
    if creator is not None and creator.is_active and creator.email:
        chosen.append((creator.email, creator))
    recipients: dict[str, tuple[str, str]] = {}
    for address, user in chosen:
        if address:
            recipients.setdefault(address.casefold(), (address, _language(user)))
    return sorted(recipients.values())


def agreement_url(agreement: Agreement) -> str:
    path = reverse("partnerships:agreement_detail", kwargs={"agreement_id": agreement.pk})
    return settings.SITE_ROOT.rstrip("/") + path


def _renewal_message(
    agreement: Agreement, *, language: str, days: int, today: dt.date
) -> tuple[str, str]:
    expires_on = agreement.expires_on or today
    with translation.override(language):
        context = {
            "agreement": agreement,
            "kind": agreement.get_kind_display(),
            "expires_on": formats.date_format(expires_on, "DATE_FORMAT"),
            "days_left": (expires_on - today).days,
            "reminder_days": days,
            "parties": [party.organization.name for party in agreement.parties.all()],
            "url": agreement_url(agreement),
            "site_name": settings.SITE_NAME,
        }
        subject = render_to_string("partnerships/email/renewal_subject.txt", context)
        body = render_to_string("partnerships/email/renewal_body.txt", context)
    return " ".join(subject.split()), body


def _claim_reminder(agreement: Agreement, days: int) -> bool:
    """Mark the reminder sent for the agreement's current expiry date, unless it was; True
    when this call marked it. One conditional UPDATE, so of two sweeps only one wins."""
    field = f"reminder_{days}_sent_for"
    expires_on = agreement.expires_on
    marks = {field: expires_on}
    if days == 30:
        # The 30-day reminder makes the 90-day one moot for this expiry date.
        marks["reminder_90_sent_for"] = expires_on
    claimed = (
        Agreement.objects.filter(pk=agreement.pk, status=A.ACTIVE, expires_on=expires_on)
        .filter(Q(**{f"{field}__isnull": True}) | ~Q(**{field: expires_on}))
        .update(**marks)
    )
    return bool(claimed)


def _due_for_reminder(today: dt.date, days: int, shorter: int) -> QuerySet[Agreement]:
    """Agreements in effect expiring between `shorter` and `days` days from today whose
    `days` reminder was not sent for their current expiry date."""
    field = f"reminder_{days}_sent_for"
    return (
        Agreement.objects.filter(
            status=A.ACTIVE,
            expires_on__gte=today + dt.timedelta(days=shorter),
            expires_on__lte=today + dt.timedelta(days=days),
        )
        .filter(Q(**{f"{field}__isnull": True}) | ~Q(**{field: F("expires_on")}))
        .select_related("created_by")
        .prefetch_related("parties__organization")
        .order_by("expires_on", "pk")
    )


def send_renewal_reminders(*, today: dt.date | None = None) -> int:
    """E-mail the renewal reminders that are due: 30 days or less before expiry, else 90 days
    or less; each once per expiry date (an agreement first seen 20 days before expiry gets
    only the 30-day one). Returns how many agreements were reminded.

    Side effects per agreement: reminder mark claimed; audit
    `partnerships.agreement.renewal_reminder_sent` (system actor); after commit, one message
    per recipient.
    """
    today = today or timezone.localdate()
    sent = 0
    # The 30-day window first: it also marks the 90-day reminder as moot.
    for days, shorter in ((30, 0), (90, 31)):
        for agreement in _due_for_reminder(today, days, shorter):
            with transaction.atomic():
                if not _claim_reminder(agreement, days):
                    continue
                messages = [
                    (address, *_renewal_message(agreement, language=lang, days=days, today=today))
                    for address, lang in renewal_recipients(agreement)
                ]
                record(
                    "partnerships.agreement.renewal_reminder_sent",
                    actor=None,
                    obj=agreement,
                    data={
                        "days": days,
                        "expires_on": agreement.expires_on,
                        "recipients": len(messages),
                    },
                )
                transaction.on_commit(functools.partial(_send, messages))
                sent += 1
    return sent


def _send(messages: list[tuple[str, str, str]]) -> None:
    for address, subject, body in messages:
        send_email.enqueue(subject=subject, body=body, to=[address])


def expire_agreements(*, today: dt.date | None = None) -> int:
    """Agreements in effect whose expiry date has passed become expired; returns how many.

    Side effects per agreement: status expired (a conditional UPDATE, so a renewal that just
    happened wins); audit `partnerships.agreement.expired` (system actor).
    """
    today = today or timezone.localdate()
    count = 0
    due = Agreement.objects.filter(status=A.ACTIVE, expires_on__lt=today).order_by("pk")
    for agreement in due:
        with transaction.atomic():
            updated = Agreement.objects.filter(
                pk=agreement.pk, status=A.ACTIVE, expires_on__lt=today
            ).update(status=A.EXPIRED, updated_at=timezone.now())
            if not updated:
                continue
            record(
                "partnerships.agreement.expired",
                actor=None,
                obj=agreement,
                changes={"status": [A.ACTIVE, A.EXPIRED]},
                data={"expires_on": agreement.expires_on},
            )
            count += 1
    return count


def sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """The periodic agreement work: expire what has expired, then send due reminders."""
    today = today or timezone.localdate()
    return {
        "expired": expire_agreements(today=today),
        "reminders": send_renewal_reminders(today=today),
    }

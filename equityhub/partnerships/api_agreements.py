"""/api/v1/consortium: agreements (with their parties and documents), consortium meetings
(attendance, action items) and action items.

The same permissions as the pages. Agreements: office staff read and change every agreement; a
partner user those their organization is a party to; another organization's agreement, party or
document answers 404 exactly like one that does not exist. Meetings: office staff write
everything; a partner user reads the meetings their organization attended or owns action items
from (agenda, minutes, their own organization's attendance and action items) and marks their
own organization's items done or reopens them. Leadership viewers, members and outsiders get
403 on the lists and 404 on objects. Refusals: 403 (`NotAllowed`), 409 (`Conflict`), 422
(invalid input); ids outside 1..2^63-1 are 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import ConfigDict

from equityhub.api.types import MAX_LIMIT, MAX_OFFSET, PAGE_SIZE, Id, PlainText
from equityhub.core.exceptions import ServiceError
from equityhub.core.http import ApiRequest
from equityhub.partnerships import selectors_agreements as agreement_selectors
from equityhub.partnerships import selectors_meetings as meeting_selectors
from equityhub.partnerships import services_agreements, services_meetings
from equityhub.partnerships.access import initiatives_for_user, is_consortium_staff
from equityhub.partnerships.models import (
    ActionItem,
    Agreement,
    AgreementDocument,
    Initiative,
    Meeting,
    MeetingAttendance,
)
from equityhub.partnerships.views_agreements import document_response
from equityhub.people.api import ErrorOut
from equityhub.people.models import Organization, Person

router = Router(tags=["consortium"])

ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}


# Schemas: answers ----------------------------------------------------------------------------


class PartyOut(Schema):
    id: int = Field(description="The party's id (DELETE /agreement-parties/{id} removes it).")
    organization_id: int
    organization_name: str
    role: str = Field(description="e.g. data provider, recipient.")
    signatory: str
    signed_on: dt.date | None


class AgreementOut(Schema):
    id: int
    title: str
    kind: Agreement.Kind
    status: Agreement.Status = Field(
        description="draft, active (in effect), expired (by the daily sweep) or terminated."
    )
    description: str
    initiative_id: int | None
    effective_on: dt.date | None
    expires_on: dt.date | None = Field(description="null: it does not expire.")
    terminated_on: dt.date | None
    days_left: int | None = Field(
        description="Days until expiry (negative once past; null when it does not expire)."
    )
    parties: list[PartyOut]
    document_count: int
    created_at: dt.datetime
    updated_at: dt.datetime


class AgreementsPage(Schema):
    count: int = Field(description="How many agreements match, across all pages.")
    items: list[AgreementOut]


class DocumentOut(Schema):
    id: int
    agreement_id: int
    title: str
    original_name: str = Field(description="The uploaded file's name, for display only.")
    content_type: str = Field(description="Judged from the content: PDF, DOCX or ODT.")
    size: int = Field(description="Bytes.")
    sha256: str
    uploaded_at: dt.datetime
    download_url: str = Field(description="GET it (authenticated) for the file.")


class AttendanceOut(Schema):
    id: int
    organization_id: int
    organization_name: str
    name: str
    status: MeetingAttendance.Status


class ActionItemOut(Schema):
    id: int
    meeting_id: int
    meeting_title: str
    description: str
    owner_organization_id: int
    owner_organization_name: str
    owner_name: str
    owner_person_id: int | None = Field(
        description="The owner's registry record: office staff only (null for anyone else)."
    )
    due_on: dt.date
    status: ActionItem.Status
    completed_on: dt.date | None
    overdue: bool = Field(description="Open and past its due date.")


class ActionItemsPage(Schema):
    count: int
    items: list[ActionItemOut]


class MeetingSummaryOut(Schema):
    id: int
    title: str
    starts_at: dt.datetime
    location: str
    open_items: int = Field(description="Open action items the caller may read.")


class MeetingsPage(Schema):
    count: int
    items: list[MeetingSummaryOut]


class MeetingOut(Schema):
    id: int
    title: str
    starts_at: dt.datetime = Field(description="With its UTC offset, in the office's time zone.")
    location: str
    agenda: str
    minutes: str
    attendance: list[AttendanceOut] = Field(
        description="Staff: everyone; a partner user: their own organization's rows."
    )
    action_items: list[ActionItemOut] = Field(
        description="Staff: every item; a partner user: their own organization's items."
    )


# Schemas: input ------------------------------------------------------------------------------


class AgreementQuery(Schema):
    status: Agreement.Status | None = None
    kind: Agreement.Kind | None = None
    party_id: Id | None = Field(None, description="Agreements this organization is party to.")
    expiring_within: int | None = Field(
        None,
        ge=0,
        le=3650,
        description="Agreements in effect that expire within this many days (e.g. 90).",
    )
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class AgreementIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: PlainText = Field(min_length=1, max_length=200)
    kind: Agreement.Kind = Agreement.Kind.MOU
    description: PlainText = Field("", max_length=20000)
    initiative_id: Id | None = None
    effective_on: dt.date | None = None
    expires_on: dt.date | None = None
    party_ids: list[Id] = Field(
        min_length=1,
        max_length=50,
        description="Organizations party to it; a partner user must include their own.",
    )


class AgreementPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    title: PlainText | None = Field(None, min_length=1, max_length=200)
    kind: Agreement.Kind | None = None
    description: PlainText | None = Field(None, max_length=20000)
    initiative_id: Id | None = Field(None, description="null unlinks the initiative.")
    effective_on: dt.date | None = None
    expires_on: dt.date | None = None


class PartyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organization_id: Id
    role: PlainText = Field("", max_length=120)
    signatory: PlainText = Field("", max_length=200)
    signed_on: dt.date | None = None


class PartyPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    role: PlainText | None = Field(None, max_length=120)
    signatory: PlainText | None = Field(None, max_length=200)
    signed_on: dt.date | None = None


class RenewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    expires_on: dt.date = Field(description="After the current expiry date and after today.")


class TerminateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    terminated_on: dt.date
    reason: PlainText = Field(min_length=1, max_length=services_agreements.MAX_REASON_LENGTH)


class PageQuery(Schema):
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class MeetingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: PlainText = Field(min_length=1, max_length=200)
    starts_at: dt.datetime = Field(
        description=(
            "Without a UTC offset, read in the office's time zone (settings.TIME_ZONE). "
            "Between 1900-01-01 and 2100-12-31 in that zone (422 otherwise)."
        )
    )
    location: PlainText = Field("", max_length=200)
    agenda: PlainText = Field("", max_length=50000)
    minutes: PlainText = Field("", max_length=100000)


class MeetingPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    title: PlainText | None = Field(None, min_length=1, max_length=200)
    starts_at: dt.datetime | None = None
    location: PlainText | None = Field(None, max_length=200)
    agenda: PlainText | None = Field(None, max_length=50000)
    minutes: PlainText | None = Field(None, max_length=100000)


class AttendanceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organization_id: Id
    name: PlainText = Field(min_length=1, max_length=200)
    status: MeetingAttendance.Status = MeetingAttendance.Status.PRESENT


class ActionItemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    description: PlainText = Field(min_length=1, max_length=500)
    owner_organization_id: Id
    owner_name: PlainText = Field(min_length=1, max_length=200)
    owner_person_id: Id | None = Field(None, description="The owner's registry record, if any.")
    due_on: dt.date = Field(description="Not before the meeting's day, nor after 2100-12-31.")


class ActionItemPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    status: ActionItem.Status | None = Field(
        None,
        description=(
            "done (the owning organization's partner users or staff), open (reopen), dropped "
            "(staff)."
        ),
    )
    completed_on: dt.date | None = Field(None, description="With status done; today if omitted.")
    description: PlainText | None = Field(None, min_length=1, max_length=500)
    owner_organization_id: Id | None = None
    owner_name: PlainText | None = Field(None, min_length=1, max_length=200)
    due_on: dt.date | None = None


class ActionItemQuery(Schema):
    organization_id: Id | None = Field(None, description="Items owned by this organization.")
    status: ActionItem.Status = Field(
        ActionItem.Status.OPEN, description="open (the default: overdue first), done, dropped."
    )
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


# Helpers -------------------------------------------------------------------------------------


def _page(queryset: QuerySet[Any], query: Any, out: Any) -> dict[str, Any]:
    items = list(queryset[query.offset : query.offset + query.limit])
    return {"count": queryset.count(), "items": [out(item) for item in items]}


def _require_agreements(user: Any) -> None:
    if not agreement_selectors.can_use_agreements(user):
        raise PermissionDenied


def _require_meetings(user: Any) -> None:
    if not meeting_selectors.can_use_meetings(user):
        raise PermissionDenied


def _organization(pk: int, field: str) -> Organization:
    found = Organization.objects.filter(pk=pk).first()
    if found is None:
        raise ServiceError(_("There is no organization %(id)s.") % {"id": pk}, field=field)
    return found


def _initiative(user: Any, pk: int | None) -> Initiative | None:
    if pk is None:
        return None
    choices = Initiative.objects.all() if is_consortium_staff(user) else initiatives_for_user(user)
    found = choices.filter(pk=pk).first()
    if found is None:
        # The same answer for another organization's initiative as for none at all.
        raise ServiceError(
            _("Choose an initiative your organization leads or takes part in."),
            field="initiative_id",
        )
    return found


def _agreement_out(agreement: Agreement) -> dict[str, Any]:
    """`agreement` comes from `visible_agreements` (parties prefetched, documents counted)."""
    return {
        "id": agreement.pk,
        "title": agreement.title,
        "kind": agreement.kind,
        "status": agreement.status,
        "description": agreement.description,
        "initiative_id": agreement.initiative_id,
        "effective_on": agreement.effective_on,
        "expires_on": agreement.expires_on,
        "terminated_on": agreement.terminated_on,
        "days_left": agreement_selectors.days_left(agreement),
        "parties": [
            {
                "id": party.pk,
                "organization_id": party.organization_id,
                "organization_name": party.organization.name,
                "role": party.role,
                "signatory": party.signatory,
                "signed_on": party.signed_on,
            }
            for party in agreement.parties.all()
        ],
        "document_count": getattr(agreement, "document_count", 0),
        "created_at": agreement.created_at,
        "updated_at": agreement.updated_at,
    }


def _agreement_answer(user: Any, agreement: Agreement) -> dict[str, Any]:
    return _agreement_out(agreement_selectors.visible_agreements(user).get(pk=agreement.pk))


def _document_out(document: AgreementDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "agreement_id": document.agreement_id,
        "title": document.title,
        "original_name": document.original_name,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "uploaded_at": document.uploaded_at,
        "download_url": reverse(
            "api:download_agreement_document", kwargs={"document_id": document.pk}
        ),
    }


def _item_out(item: ActionItem, *, staff: bool, today: dt.date | None = None) -> dict[str, Any]:
    """`staff`: whether the caller is office staff; only they see the owner's registry id."""
    today = today or timezone.localdate()
    return {
        "id": item.pk,
        "meeting_id": item.meeting_id,
        "meeting_title": item.meeting.title,
        "description": item.description,
        "owner_organization_id": item.owner_organization_id,
        "owner_organization_name": item.owner_organization.name,
        "owner_name": item.owner_name,
        "owner_person_id": item.owner_person_id if staff else None,
        "due_on": item.due_on,
        "status": item.status,
        "completed_on": item.completed_on,
        "overdue": item.status == ActionItem.Status.OPEN and item.due_on < today,
    }


def _meeting_out(user: Any, meeting: Meeting) -> dict[str, Any]:
    today = timezone.localdate()
    staff = is_consortium_staff(user)
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "starts_at": timezone.localtime(meeting.starts_at),
        "location": meeting.location,
        "agenda": meeting.agenda,
        "minutes": meeting.minutes,
        "attendance": [
            {
                "id": row.pk,
                "organization_id": row.organization_id,
                "organization_name": row.organization.name,
                "name": row.name,
                "status": row.status,
            }
            for row in meeting_selectors.attendance_for_user(user, meeting)
        ],
        "action_items": [
            _item_out(item, staff=staff, today=today)
            for item in meeting_selectors.meeting_action_items(user, meeting)
        ],
    }


def _aware(value: dt.datetime) -> dt.datetime:
    """A client's time: one without a UTC offset is read in the office's time zone. Attaching
    the zone converts nothing, so it cannot overflow near year 1 or 9999; the range is the
    service's to check (422)."""
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value


# Agreements ----------------------------------------------------------------------------------


@router.get(
    "/agreements",
    response={200: AgreementsPage, **ERRORS},
    summary="List agreements",
    description=(
        "Office staff: every agreement; a partner user: those their organization is a party to "
        "(403 for anyone else). Soonest expiry first; filter by status, kind, party and "
        "`expiring_within` days."
    ),
)
def list_agreements(request: ApiRequest, query: Query[AgreementQuery]) -> Any:
    user = request.auth
    _require_agreements(user)
    party = None
    if query.party_id is not None:
        party = Organization.objects.filter(pk=query.party_id).first()
        if party is None:
            return {"count": 0, "items": []}
    queryset = agreement_selectors.filter_agreements(
        agreement_selectors.visible_agreements(user),
        status=query.status or "",
        kind=query.kind or "",
        party=party,
        expiring_within=query.expiring_within,
    )
    return _page(queryset, query, _agreement_out)


@router.post(
    "/agreements",
    response={201: AgreementOut, **WRITE_ERRORS},
    summary="Record an agreement",
    description=(
        "A draft between the organizations in `party_ids`. Office staff, or a partner user "
        "naming their own organization among the parties (422 otherwise). 422 when the expiry "
        "date is before the effective date or an organization or initiative is unknown."
    ),
)
def create_agreement(request: ApiRequest, payload: AgreementIn) -> Any:
    user = request.auth
    _require_agreements(user)
    organizations = [_organization(pk, "party_ids") for pk in dict.fromkeys(payload.party_ids)]
    agreement = services_agreements.create_agreement(
        actor=user,
        title=payload.title,
        parties=organizations,
        kind=payload.kind,
        description=payload.description,
        initiative=_initiative(user, payload.initiative_id),
        effective_on=payload.effective_on,
        expires_on=payload.expires_on,
    )
    return Status(201, _agreement_answer(user, agreement))


@router.get(
    "/agreements/{agreement_id}",
    response={200: AgreementOut, **ERRORS},
    summary="Read an agreement",
    description="With its parties; 404 for an agreement the caller may not read.",
)
def get_agreement(request: ApiRequest, agreement_id: int) -> Any:
    agreement = agreement_selectors.get_agreement_for_user(request.auth, agreement_id)
    return _agreement_answer(request.auth, agreement)


@router.patch(
    "/agreements/{agreement_id}",
    response={200: AgreementOut, **WRITE_ERRORS},
    summary="Change an agreement's details",
    description=(
        "Any of title, kind, description, initiative_id, effective_on, expires_on (the status "
        "changes through activate, renew and terminate). 409 for a terminated agreement, or "
        "for new dates on an expired one (renew it)."
    ),
)
def update_agreement(request: ApiRequest, agreement_id: int, payload: AgreementPatch) -> Any:
    user = request.auth
    agreement = agreement_selectors.get_agreement_for_user(user, agreement_id)
    changes = payload.model_dump(exclude_unset=True)
    if "initiative_id" in changes:
        initiative_id = changes.pop("initiative_id")
        changes["initiative"] = (
            agreement.initiative
            if initiative_id is not None and initiative_id == agreement.initiative_id
            else _initiative(user, initiative_id)
        )
    services_agreements.update_agreement(agreement=agreement, actor=user, **changes)
    return _agreement_answer(user, agreement)


@router.post(
    "/agreements/{agreement_id}/parties",
    response={201: PartyOut, **WRITE_ERRORS},
    summary="Add a party",
    description="409 when the organization is a party already or the agreement was terminated.",
)
def add_party(request: ApiRequest, agreement_id: int, payload: PartyIn) -> Any:
    user = request.auth
    agreement = agreement_selectors.get_agreement_for_user(user, agreement_id)
    party = services_agreements.add_party(
        agreement=agreement,
        actor=user,
        organization=_organization(payload.organization_id, "organization_id"),
        role=payload.role,
        signatory=payload.signatory,
        signed_on=payload.signed_on,
    )
    return Status(
        201,
        {
            "id": party.pk,
            "organization_id": party.organization_id,
            "organization_name": party.organization.name,
            "role": party.role,
            "signatory": party.signatory,
            "signed_on": party.signed_on,
        },
    )


@router.delete(
    "/agreement-parties/{party_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a party",
    description=(
        "409 when it would leave no party, fewer than two on an agreement in effect, or (for a "
        "partner user) none of their own organizations."
    ),
)
def remove_party(request: ApiRequest, party_id: int) -> Any:
    party = agreement_selectors.get_party_for_user(request.auth, party_id)
    services_agreements.remove_party(party=party, actor=request.auth)
    return Status(204, None)


@router.patch(
    "/agreement-parties/{party_id}",
    response={200: PartyOut, **WRITE_ERRORS},
    summary="Change a party's role, signatory or signing date",
    description="Only the fields sent change; `signed_on` cannot be in the future.",
)
def update_party(request: ApiRequest, party_id: int, payload: PartyPatch) -> Any:
    party = agreement_selectors.get_party_for_user(request.auth, party_id)
    changes = payload.model_dump(exclude_unset=True)
    for field in ("role", "signatory"):
        if field in changes and changes[field] is None:
            changes[field] = ""
    party = services_agreements.update_party(party=party, actor=request.auth, **changes)
    return {
        "id": party.pk,
        "organization_id": party.organization_id,
        "organization_name": party.organization.name,
        "role": party.role,
        "signatory": party.signatory,
        "signed_on": party.signed_on,
    }


@router.post(
    "/agreements/{agreement_id}/activate",
    response={200: AgreementOut, **WRITE_ERRORS},
    summary="Put a draft into effect",
    description="409 unless it is a draft with at least two parties and an effective date.",
)
def activate_agreement(request: ApiRequest, agreement_id: int) -> Any:
    user = request.auth
    agreement = agreement_selectors.get_agreement_for_user(user, agreement_id)
    services_agreements.activate_agreement(agreement=agreement, actor=user)
    return _agreement_answer(user, agreement)


@router.post(
    "/agreements/{agreement_id}/renew",
    response={200: AgreementOut, **WRITE_ERRORS},
    summary="Renew an agreement",
    description=(
        "A new expiry date (after the current one and after today) for an agreement in effect "
        "or expired; it is in effect again and its renewal reminders start over. 409 for a "
        "draft or a terminated agreement."
    ),
)
def renew_agreement(request: ApiRequest, agreement_id: int, payload: RenewIn) -> Any:
    user = request.auth
    agreement = agreement_selectors.get_agreement_for_user(user, agreement_id)
    services_agreements.renew_agreement(
        agreement=agreement, actor=user, expires_on=payload.expires_on
    )
    return _agreement_answer(user, agreement)


@router.post(
    "/agreements/{agreement_id}/terminate",
    response={200: AgreementOut, **WRITE_ERRORS},
    summary="Terminate an agreement",
    description=(
        "Final. The date and a reason are required (kept in the audit log). 409 when it is "
        "terminated or expired already."
    ),
)
def terminate_agreement(request: ApiRequest, agreement_id: int, payload: TerminateIn) -> Any:
    user = request.auth
    agreement = agreement_selectors.get_agreement_for_user(user, agreement_id)
    services_agreements.terminate_agreement(
        agreement=agreement,
        actor=user,
        terminated_on=payload.terminated_on,
        reason=payload.reason,
    )
    return _agreement_answer(user, agreement)


@router.get(
    "/agreements/{agreement_id}/documents",
    response={200: list[DocumentOut], **ERRORS},
    summary="List an agreement's documents",
    description="Metadata only, newest first; `download_url` gives the file.",
)
def list_documents(request: ApiRequest, agreement_id: int) -> Any:
    agreement = agreement_selectors.get_agreement_for_user(request.auth, agreement_id)
    return [_document_out(d) for d in agreement_selectors.documents_of(agreement)]


@router.post(
    "/agreements/{agreement_id}/documents",
    response={201: DocumentOut, **WRITE_ERRORS},
    summary="Upload a document",
    description=(
        "multipart/form-data with `file` (PDF, DOCX or ODT, judged by the content, not the "
        "name; at most 20 MB by default) and an optional `title`. 422 for an empty, oversized "
        "or other kind of file."
    ),
)
def upload_document(
    request: ApiRequest,
    agreement_id: int,
    file: File[UploadedFile],
    title: Form[str] = "",
) -> Any:
    user = request.auth
    agreement = agreement_selectors.get_agreement_for_user(user, agreement_id)
    if len(title) > 200 or any(ord(c) < 32 and c not in "\t" for c in title):
        raise ServiceError(_("Give a short title on one line."), field="title")
    document = services_agreements.upload_document(
        agreement=agreement, actor=user, file=file, title=title
    )
    return Status(201, _document_out(document))


@router.get(
    "/agreement-documents/{document_id}",
    response={200: None, **ERRORS},
    url_name="download_agreement_document",
    summary="Download a document",
    description=(
        "The file as an attachment (Content-Disposition with a safe name, "
        "X-Content-Type-Options: nosniff). Every download is logged. 404 for a document the "
        "caller may not read."
    ),
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file.",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for _ext, content_type in services_agreements.DOCUMENT_TYPES.values()
                },
            }
        }
    },
)
def download_document(request: ApiRequest, document_id: int) -> FileResponse:
    document = agreement_selectors.get_document_for_user(request.auth, document_id)
    return document_response(request.auth, document)


# Meetings ------------------------------------------------------------------------------------


@router.get(
    "/meetings",
    response={200: MeetingsPage, **ERRORS},
    summary="List consortium meetings",
    description=(
        "Newest first. Office staff: every meeting; a partner user: those their organization "
        "attended or owns action items from (403 for anyone else)."
    ),
)
def list_meetings(request: ApiRequest, query: Query[PageQuery]) -> Any:
    user = request.auth
    _require_meetings(user)
    return _page(
        meeting_selectors.meeting_list(user),
        query,
        lambda m: {
            "id": m.pk,
            "title": m.title,
            "starts_at": timezone.localtime(m.starts_at),
            "location": m.location,
            "open_items": m.open_items,
        },
    )


@router.post(
    "/meetings",
    response={201: MeetingOut, **WRITE_ERRORS},
    summary="Add a meeting",
    description="Office staff only.",
)
def create_meeting(request: ApiRequest, payload: MeetingIn) -> Any:
    user = request.auth
    _require_meetings(user)
    fields = payload.model_dump()
    fields["starts_at"] = _aware(payload.starts_at)
    meeting = services_meetings.create_meeting(actor=user, **fields)
    return Status(201, _meeting_out(user, meeting))


@router.get(
    "/meetings/{meeting_id}",
    response={200: MeetingOut, **ERRORS},
    summary="Read a meeting",
    description="Agenda, minutes, attendance and action items (a partner user: their own).",
)
def get_meeting(request: ApiRequest, meeting_id: int) -> Any:
    meeting = meeting_selectors.get_meeting_for_user(request.auth, meeting_id)
    return _meeting_out(request.auth, meeting)


@router.patch(
    "/meetings/{meeting_id}",
    response={200: MeetingOut, **WRITE_ERRORS},
    summary="Change a meeting",
    description=(
        "Office staff only. 422 when it would move after the due date of one of its items."
    ),
)
def update_meeting(request: ApiRequest, meeting_id: int, payload: MeetingPatch) -> Any:
    user = request.auth
    meeting = meeting_selectors.get_meeting_for_user(user, meeting_id)
    changes = payload.model_dump(exclude_unset=True)
    if changes.get("starts_at") is not None:
        changes["starts_at"] = _aware(changes["starts_at"])
    services_meetings.update_meeting(meeting=meeting, actor=user, **changes)
    return _meeting_out(user, meeting)


@router.post(
    "/meetings/{meeting_id}/attendance",
    response={200: AttendanceOut, **WRITE_ERRORS},
    summary="Record attendance",
    description=(
        "Office staff only. Adds the person, or changes the status of the one with the same "
        "organization and name (ignoring case)."
    ),
)
def record_attendance(request: ApiRequest, meeting_id: int, payload: AttendanceIn) -> Any:
    user = request.auth
    meeting = meeting_selectors.get_meeting_for_user(user, meeting_id)
    row = services_meetings.record_attendance(
        meeting=meeting,
        actor=user,
        organization=_organization(payload.organization_id, "organization_id"),
        name=payload.name,
        status=payload.status,
    )
    return {
        "id": row.pk,
        "organization_id": row.organization_id,
        "organization_name": row.organization.name,
        "name": row.name,
        "status": row.status,
    }


@router.post(
    "/meetings/{meeting_id}/action-items",
    response={201: ActionItemOut, **WRITE_ERRORS},
    summary="Add an action item",
    description="Office staff only. 422 when it is due before the meeting's day.",
)
def add_action_item(request: ApiRequest, meeting_id: int, payload: ActionItemIn) -> Any:
    user = request.auth
    meeting = meeting_selectors.get_meeting_for_user(user, meeting_id)
    person = None
    if payload.owner_person_id is not None:
        person = Person.objects.filter(pk=payload.owner_person_id).first()
        if person is None or not is_consortium_staff(user):
            raise ServiceError(_("There is no such person."), field="owner_person_id")
    item = services_meetings.add_action_item(
        meeting=meeting,
        actor=user,
        description=payload.description,
        owner_organization=_organization(payload.owner_organization_id, "owner_organization_id"),
        owner_name=payload.owner_name,
        owner_person=person,
        due_on=payload.due_on,
    )
    return Status(
        201,
        _item_out(
            meeting_selectors.action_items_for_user(user).get(pk=item.pk),
            staff=is_consortium_staff(user),
        ),
    )


# Action items --------------------------------------------------------------------------------


@router.get(
    "/action-items",
    response={200: ActionItemsPage, **ERRORS},
    summary="List action items",
    description=(
        "Open items by default, overdue first. Office staff: every item; a partner user: their "
        "own organization's (403 for anyone else)."
    ),
)
def list_action_items(request: ApiRequest, query: Query[ActionItemQuery]) -> Any:
    user = request.auth
    _require_meetings(user)
    items = meeting_selectors.action_items_for_user(user).filter(status=query.status)
    if query.organization_id is not None:
        items = items.filter(owner_organization_id=query.organization_id)
    today = timezone.localdate()
    staff = is_consortium_staff(user)
    return _page(
        items.order_by("due_on", "meeting__starts_at", "pk"),
        query,
        lambda item: _item_out(item, staff=staff, today=today),
    )


@router.patch(
    "/action-items/{item_id}",
    response={200: ActionItemOut, **WRITE_ERRORS},
    summary="Update an action item",
    description=(
        "`status`: done (with an optional `completed_on`) or open (reopen) by the owning "
        "organization's partner users or staff; dropped by staff. Owner, description and due "
        "date: staff only (403). 409 for a change the item's status does not allow. All or "
        "nothing."
    ),
)
def update_action_item(request: ApiRequest, item_id: int, payload: ActionItemPatch) -> Any:
    user = request.auth
    item = meeting_selectors.get_action_item_for_user(user, item_id)
    changes = payload.model_dump(exclude_unset=True)
    status = changes.pop("status", None)
    completed_on = changes.pop("completed_on", None)
    if completed_on is not None and status != ActionItem.Status.DONE:
        raise ServiceError(_("A completion date goes with status done."), field="completed_on")
    if "owner_organization_id" in changes:
        owner_id = changes.pop("owner_organization_id")
        if owner_id is None:
            raise ServiceError(_("An action item needs an owner."), field="owner_organization_id")
        changes["owner_organization"] = _organization(owner_id, "owner_organization_id")
    for field in ("description", "owner_name", "due_on"):
        if field in changes and changes[field] is None:
            raise ServiceError(_("This field cannot be empty."), field=field)
    with transaction.atomic():
        if changes:
            services_meetings.update_action_item(item=item, actor=user, **changes)
        if status == ActionItem.Status.DONE:
            services_meetings.complete_action_item(item=item, actor=user, completed_on=completed_on)
        elif status == ActionItem.Status.OPEN:
            services_meetings.reopen_action_item(item=item, actor=user)
        elif status == ActionItem.Status.DROPPED:
            services_meetings.drop_action_item(item=item, actor=user)
    return _item_out(
        meeting_selectors.action_items_for_user(user).get(pk=item.pk),
        staff=is_consortium_staff(user),
    )

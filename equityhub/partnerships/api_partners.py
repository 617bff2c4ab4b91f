"""/api/v1/consortium: partners (memberships), their contacts and portal invitations.

The same rules as the pages: office staff read and change everything; a partner user reads
their own organization(s) and changes the description and contacts (membership terms answer
403); another organization's ids answer 404, exactly like ids that do not exist (or are out of
range); members, leadership viewers and outsiders get 403 on the lists and 404 on records. Every
write goes through `services_partners`; its refusals map to 403 / 409 / 422 (with `field`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from equityhub.api.types import MAX_LIMIT, MAX_OFFSET, PAGE_SIZE, Id, PlainText
from equityhub.core.exceptions import ServiceError
from equityhub.core.http import ApiRequest
from equityhub.partnerships import access
from equityhub.partnerships import selectors_partners as selectors
from equityhub.partnerships import services_partners as services
from equityhub.partnerships.models import Contact, Membership
from equityhub.people.api import ErrorOut
from equityhub.people.models import Organization

router = Router(tags=["consortium"])

ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}


# Schemas: answers ------------------------------------------------------------------------------


class PartnerOrganizationOut(Schema):
    id: int
    name: str
    short_name: str
    kind: Organization.Kind
    website: str
    address: str
    city: str
    state: str
    zip_code: str


class PartnerOut(Schema):
    organization: PartnerOrganizationOut
    partner_type: Membership.PartnerType
    role: Membership.ConsortiumRole
    joined_on: dt.date
    left_on: dt.date | None = Field(description="Empty while the organization is a member.")
    is_current: bool = Field(description="A member today (joined, not left).")
    description: str = Field(description="What the partner brings.")
    active_contacts: int


class ContactOut(Schema):
    id: int
    organization_id: int
    name: str
    title: str
    email: str
    phone: str
    role: Contact.Role
    is_active: bool
    has_portal_access: bool = Field(description="Linked to a login holding the partner role.")
    invited_at: dt.datetime | None


class PartnerDetailOut(PartnerOut):
    contacts: list[ContactOut] = Field(description="Active contacts first, then by name.")


class PartnersPage(Schema):
    count: int = Field(description="How many partners match, across all pages.")
    items: list[PartnerOut]


class InvitationOut(Schema):
    detail: str
    contact: ContactOut


# Schemas: questions ----------------------------------------------------------------------------


class PartnerQuery(Schema):
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    partner_type: Membership.PartnerType | None = Field(None, description="Staff only.")
    current: bool | None = Field(
        None, description="Staff only: true for today's members, false for former and future."
    )


class NewOrganizationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: PlainText = Field(min_length=1, max_length=200)
    kind: Organization.Kind = Organization.Kind.COMMUNITY
    website: PlainText = Field("", max_length=200)
    address: PlainText = Field("", max_length=200)
    city: PlainText = Field("", max_length=100)
    zip_code: PlainText = Field("", max_length=5, description="Five digits.")


class PartnerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organization_id: Id | None = Field(
        None, description="An organization already in Equity Hub (or give `new_organization`)."
    )
    new_organization: NewOrganizationIn | None = None
    partner_type: Membership.PartnerType
    role: Membership.ConsortiumRole = Membership.ConsortiumRole.MEMBER
    joined_on: dt.date
    left_on: dt.date | None = None
    description: PlainText = Field("", max_length=5000)


class PartnerPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    partner_type: Membership.PartnerType | None = Field(None, description="Staff only.")
    role: Membership.ConsortiumRole | None = Field(None, description="Staff only.")
    joined_on: dt.date | None = Field(None, description="Staff only.")
    left_on: dt.date | None = Field(None, description="Staff only; null clears it.")
    description: PlainText | None = Field(None, max_length=5000)


class EndIn(Schema):
    model_config = ConfigDict(extra="forbid")

    left_on: dt.date
    reason: PlainText = Field(min_length=1, max_length=500)


class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: PlainText = Field(min_length=1, max_length=200)
    email: PlainText = Field(min_length=3, max_length=254)
    title: PlainText = Field("", max_length=200)
    phone: PlainText = Field("", max_length=30)
    role: Contact.Role = Contact.Role.PRIMARY


class ContactPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: PlainText | None = Field(None, min_length=1, max_length=200)
    email: PlainText | None = Field(None, min_length=3, max_length=254)
    title: PlainText | None = Field(None, max_length=200)
    phone: PlainText | None = Field(None, max_length=30)
    role: Contact.Role | None = None


# Helpers ---------------------------------------------------------------------------------------


def _require_list(user: Any) -> None:
    if not (access.is_consortium_staff(user) or access.is_partner_user(user)):
        raise PermissionDenied


def _partner_out(membership: Membership) -> dict[str, Any]:
    organization = membership.organization
    return {
        "organization": {
            "id": organization.pk,
            "name": organization.name,
            "short_name": organization.short_name,
            "kind": organization.kind,
            "website": organization.website,
            "address": organization.address,
            "city": organization.city,
            "state": organization.state,
            "zip_code": organization.zip_code,
        },
        "partner_type": membership.partner_type,
        "role": membership.role,
        "joined_on": membership.joined_on,
        "left_on": membership.left_on,
        "is_current": membership.is_current_on(),
        "description": membership.description,
        "active_contacts": getattr(membership, "active_contacts", 0),
    }


def _contact_out(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "organization_id": contact.organization_id,
        "name": contact.name,
        "title": contact.title,
        "email": contact.email,
        "phone": contact.phone,
        "role": contact.role,
        "is_active": contact.is_active,
        "has_portal_access": contact.user_id is not None,
        "invited_at": contact.invited_at,
    }


def _membership(user: Any, organization: Organization) -> Membership:
    """The partner's membership with its counts, as the list shows it."""
    return selectors.partners_for_user(user).get(organization=organization)


def _not_empty(changes: dict[str, Any], *fields: str) -> None:
    for key in fields:
        if key in changes and changes[key] is None:
            raise ServiceError(_("This field cannot be empty."), field=key)


# Partners --------------------------------------------------------------------------------------


@router.get(
    "/partners",
    response={200: PartnersPage, **ERRORS},
    summary="List consortium partners",
    description=(
        "Office staff: every member organization, filtered by `partner_type` and `current`. A "
        "partner user: their own organization(s) only. Anyone else: 403. By organization name."
    ),
)
def list_partners(request: ApiRequest, query: Query[PartnerQuery]) -> Any:
    user = request.auth
    _require_list(user)
    filters: dict[str, Any] = {}
    if access.is_consortium_staff(user):
        filters = {"partner_type": query.partner_type, "current": query.current}
    memberships = selectors.partners_for_user(user, **filters)
    items = list(memberships[query.offset : query.offset + query.limit])
    return {"count": memberships.count(), "items": [_partner_out(m) for m in items]}


@router.post(
    "/partners",
    response={201: PartnerOut, **WRITE_ERRORS},
    summary="Add a consortium partner",
    description=(
        "Office staff only (403 otherwise). Give `organization_id` (an organization already in "
        "Equity Hub) or `new_organization` (created with it), not both. 409 when the "
        "organization is already a partner or a new organization's name is taken; 422 naming "
        "the field for bad dates (`left_on` before `joined_on`, more than a year ahead) or an "
        "unknown organization."
    ),
)
def create_partner(request: ApiRequest, payload: PartnerIn) -> Any:
    user = request.auth
    if not access.is_consortium_staff(user):
        raise PermissionDenied
    if (payload.organization_id is None) == (payload.new_organization is None):
        raise ServiceError(
            _("Give organization_id or new_organization, not both."), field="organization_id"
        )
    organization = None
    new_organization = None
    if payload.organization_id is not None:
        organization = Organization.objects.filter(pk=payload.organization_id).first()
        if organization is None:
            raise ServiceError(
                _("There is no organization %(id)s.") % {"id": payload.organization_id},
                field="organization_id",
            )
    elif payload.new_organization is not None:
        new_organization = services.NewOrganization(**payload.new_organization.model_dump())
    try:
        membership = services.create_membership(
            actor=user,
            organization=organization,
            new_organization=new_organization,
            partner_type=payload.partner_type,
            role=payload.role,
            joined_on=payload.joined_on,
            left_on=payload.left_on,
            description=payload.description,
        )
    except ServiceError as error:
        if error.field == "organization":
            error.field = "organization_id"
        raise
    return Status(201, _partner_out(_membership(user, membership.organization)))


@router.get(
    "/partners/{organization_id}",
    response={200: PartnerDetailOut, **ERRORS},
    summary="Read a consortium partner",
    description="The membership and every contact. 404 for anyone who may not read it.",
)
def get_partner(request: ApiRequest, organization_id: int) -> Any:
    user = request.auth
    organization = selectors.get_partner_for_user(user, organization_id)
    return {
        **_partner_out(_membership(user, organization)),
        "contacts": [_contact_out(c) for c in selectors.contacts_of(organization)],
    }


@router.patch(
    "/partners/{organization_id}",
    response={200: PartnerOut, **WRITE_ERRORS},
    summary="Change a consortium partner's membership",
    description=(
        "Office staff change anything; the organization's partner users change `description` "
        "only (403 when they change a term: type, role or dates; sending a term unchanged is "
        "fine). 422 naming the field for bad dates."
    ),
)
def update_partner(request: ApiRequest, organization_id: int, payload: PartnerPatch) -> Any:
    user = request.auth
    organization = selectors.get_partner_for_user(user, organization_id)
    changes = payload.model_dump(exclude_unset=True)
    _not_empty(changes, "partner_type", "role", "joined_on")
    if "description" in changes and changes["description"] is None:
        changes["description"] = ""
    if changes:
        services.update_membership(
            membership=organization.consortium_membership, actor=user, **changes
        )
    return _partner_out(_membership(user, organization))


@router.post(
    "/partners/{organization_id}/end",
    response={200: PartnerOut, **WRITE_ERRORS},
    summary="End a consortium membership",
    description=(
        "Office staff only (403 for the organization's partner users). Sets `left_on`; the "
        "reason is kept in the audit log. 409 when an end date is already set."
    ),
)
def end_partner(request: ApiRequest, organization_id: int, payload: EndIn) -> Any:
    user = request.auth
    organization = selectors.get_partner_for_user(user, organization_id)
    services.end_membership(
        membership=organization.consortium_membership,
        actor=user,
        left_on=payload.left_on,
        reason=payload.reason,
    )
    return _partner_out(_membership(user, organization))


# Contacts --------------------------------------------------------------------------------------


@router.get(
    "/partners/{organization_id}/contacts",
    response={200: list[ContactOut], **ERRORS},
    summary="List a partner's contacts",
    description="Active contacts first, then by name; 404 for anyone who may not read them.",
)
def list_contacts(request: ApiRequest, organization_id: int) -> Any:
    organization = selectors.get_partner_for_user(request.auth, organization_id)
    return [_contact_out(c) for c in selectors.contacts_of(organization)]


@router.post(
    "/partners/{organization_id}/contacts",
    response={201: ContactOut, **WRITE_ERRORS},
    summary="Add a contact",
    description=(
        "Office staff or the organization's partner users. 409 (`field`: email) when the "
        "organization already has a contact with that address, whatever its case; 422 for an "
        "address that is not one."
    ),
)
def create_contact(request: ApiRequest, organization_id: int, payload: ContactIn) -> Any:
    user = request.auth
    organization = selectors.get_partner_for_user(user, organization_id)
    contact = services.create_contact(organization=organization, actor=user, **payload.model_dump())
    return Status(201, _contact_out(contact))


@router.get(
    "/contacts/{contact_id}",
    response={200: ContactOut, **ERRORS},
    summary="Read a contact",
    description="404 for anyone who may not read the contact's organization.",
)
def get_contact(request: ApiRequest, contact_id: int) -> Any:
    return _contact_out(selectors.get_contact_for_user(request.auth, contact_id))


@router.patch(
    "/contacts/{contact_id}",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Change a contact",
    description=(
        "Name, title, e-mail, phone, role. 409 (`field`: email) for an address another contact "
        "of the organization has, or when the contact has portal access (their sign-in: revoke "
        "it first)."
    ),
)
def update_contact(request: ApiRequest, contact_id: int, payload: ContactPatch) -> Any:
    user = request.auth
    contact = selectors.get_contact_for_user(user, contact_id)
    changes = payload.model_dump(exclude_unset=True)
    _not_empty(changes, "name", "email", "role")
    for key in ("title", "phone"):
        if key in changes and changes[key] is None:
            changes[key] = ""
    if changes:
        contact = services.update_contact(contact=contact, actor=user, **changes)
    return _contact_out(contact)


@router.post(
    "/contacts/{contact_id}/deactivate",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Deactivate a contact",
    description="Also takes away their portal access. 409 when already inactive.",
)
def deactivate_contact(request: ApiRequest, contact_id: int) -> Any:
    user = request.auth
    contact = selectors.get_contact_for_user(user, contact_id)
    return _contact_out(services.deactivate_contact(contact=contact, actor=user))


@router.post(
    "/contacts/{contact_id}/invite",
    response={202: InvitationOut, **WRITE_ERRORS},
    summary="Invite a contact to the partner portal",
    description=(
        "Creates a login for the contact's e-mail address when there is none, gives it the "
        "partner role for the organization and e-mails (in the request's language) a link to "
        "choose a password; a login with a staff role is told to sign in as usual. Inviting "
        "again sends a new message. 202: the e-mail is queued. 409 for an inactive contact or "
        "a former partner."
    ),
)
def invite_contact(request: ApiRequest, contact_id: int) -> Any:
    user = request.auth
    contact = selectors.get_contact_for_user(user, contact_id)
    contact = services.invite_contact(contact=contact, actor=user)
    detail = _("The invitation to %(email)s is on its way.") % {"email": contact.email}
    return Status(202, {"detail": detail, "contact": _contact_out(contact)})


@router.post(
    "/contacts/{contact_id}/revoke",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Revoke a contact's portal access",
    description=(
        "Removes the partner role for this organization and unlinks the login, which keeps its "
        "other roles. 409 when the contact has no access or it is your own."
    ),
)
def revoke_contact(request: ApiRequest, contact_id: int) -> Any:
    user = request.auth
    contact = selectors.get_contact_for_user(user, contact_id)
    return _contact_out(services.revoke_contact_access(contact=contact, actor=user))

"""/api/v1/consortium: keeping the consortium's controlled lists (focus areas, populations,
hospitals' community health needs assessment priorities).

Reading the lists is for the whole consortium (staff, partners, leadership); changing them is
for office staff only: 403 for anyone else, before any id is looked at. An id that does not
exist, or is outside 1..2^63-1, answers 404. Every write goes through `services_lists`, whose
refusals become 409 (`Conflict`: a name or code already on the list, a priority still linked to
initiatives) or 422 (invalid input), each with a body naming the field.

The reading endpoints of the same paths live here too: Django routes one path to one
django-ninja router, so the router holding a path's POST must also hold its GET.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from equityhub.api.types import Id, PlainText
from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.core.http import ApiRequest
from equityhub.partnerships import selectors_initiatives as initiative_selectors
from equityhub.partnerships import selectors_lists as selectors
from equityhub.partnerships import services_lists as services
from equityhub.partnerships.access import can_use_consortium, is_consortium_staff
from equityhub.partnerships.api_initiatives import CodeLabelOut, NeedsPriorityOut
from equityhub.partnerships.models import FocusArea, NeedsPriority, Population
from equityhub.people.api import ErrorOut
from equityhub.people.models import Organization

router = Router(tags=["consortium"])

ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}
STAFF_ONLY = "Office staff only (403 for anyone else)."


# Schemas -------------------------------------------------------------------------------------


class EntryOut(Schema):
    id: int
    code: str = Field(description="Made from the name when the entry is added; never changes.")
    name: str = Field(description="The stored name.")
    label: str = Field(
        description=(
            "What pages show, in the language of the request: a seeded entry's translated "
            "label (even once renamed), otherwise the stored name."
        )
    )
    seeded: bool = Field(description="A starting entry, whose label is translated.")
    initiative_count: int = Field(description="How many initiatives are tagged with it.")


class EntryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: PlainText = Field(min_length=1, max_length=services.NAME_MAX)


class OrganizationRef(Schema):
    id: int
    name: str


class PriorityOut(Schema):
    id: int
    organization: OrganizationRef = Field(description="The hospital or health system.")
    year: int = Field(description="The assessment year.")
    title: str
    url: str = Field(description="A link to the assessment; empty when none.")
    initiative_count: int = Field(description="How many initiatives link to it.")


class PriorityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organization_id: Id = Field(description="An organization with a consortium membership.")
    year: int = Field(description="From 2000 to next year.")
    title: PlainText = Field(min_length=1, max_length=services.TITLE_MAX)
    url: PlainText = Field("", max_length=services.URL_MAX, description="http(s) only.")


class PriorityPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    organization_id: Id | None = None
    year: int | None = None
    title: PlainText | None = Field(None, min_length=1, max_length=services.TITLE_MAX)
    url: PlainText | None = Field(None, max_length=services.URL_MAX)


# Helpers -------------------------------------------------------------------------------------


def _require_staff(user: Any) -> None:
    if not is_consortium_staff(user):
        raise NotAllowed(_("Only office staff keep the consortium's lists."))


def _entry_out(row: selectors.EntryRow[Any]) -> dict[str, Any]:
    entry = row.entry
    return {
        "id": entry.pk,
        "code": entry.code,
        "name": entry.name,
        "label": entry.label,
        "seeded": row.seeded,
        "initiative_count": row.initiative_count,
    }


def _priority_out(row: selectors.PriorityRow) -> dict[str, Any]:
    priority = row.priority
    return {
        "id": priority.pk,
        "organization": {"id": priority.organization_id, "name": priority.organization.name},
        "year": priority.year,
        "title": priority.title,
        "url": priority.url,
        "initiative_count": row.initiative_count,
    }


def _organization(pk: int) -> Organization:
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise ServiceError(
            _("There is no organization %(id)s.") % {"id": pk}, field="organization_id"
        )
    return organization


def _priority_changes(fields: dict[str, Any]) -> dict[str, Any]:
    """API input -> service keywords; null is refused for every field sent."""
    changes = dict(fields)
    for name, value in fields.items():
        if value is None:
            raise ServiceError(_("This field cannot be null."), field=name)
    if "organization_id" in changes:
        changes["organization"] = _organization(changes.pop("organization_id"))
    return changes


def _as_api_error(error: ServiceError) -> ServiceError:
    # The services name the organization `organization`; the API's field is `organization_id`.
    if error.field == "organization":
        error.field = "organization_id"
    return error


# The lists (reading: the whole consortium) ---------------------------------------------------


def _require_consortium(user: Any) -> None:
    if not can_use_consortium(user):
        raise NotAllowed(_("Only consortium staff, partners and leadership may read this."))


@router.get(
    "/focus-areas",
    response={200: list[CodeLabelOut], **ERRORS},
    summary="List focus areas",
    description="Codes to send with an initiative; labels in the language of the request.",
)
def list_focus_areas(request: ApiRequest) -> Any:
    _require_consortium(request.auth)
    return [{"code": f.code, "label": f.label} for f in initiative_selectors.focus_areas()]


@router.get(
    "/populations",
    response={200: list[CodeLabelOut], **ERRORS},
    summary="List populations",
    description="Codes to send with an initiative; labels in the language of the request.",
)
def list_populations(request: ApiRequest) -> Any:
    _require_consortium(request.auth)
    return [{"code": p.code, "label": p.label} for p in initiative_selectors.populations()]


@router.get(
    "/needs-priorities",
    response={200: list[NeedsPriorityOut], **ERRORS},
    summary="List community health needs assessment priorities",
    description="Hospitals' CHNA priorities, newest assessment first; ids to link initiatives.",
)
def list_needs_priorities(request: ApiRequest) -> Any:
    _require_consortium(request.auth)
    return [
        {
            "id": p.pk,
            "organization": {"id": p.organization.pk, "name": p.organization.name},
            "year": p.year,
            "title": p.title,
            "url": p.url,
        }
        for p in initiative_selectors.needs_priorities()
    ]


# Focus areas and populations (keeping: staff) ------------------------------------------------


@router.post(
    "/focus-areas",
    response={201: EntryOut, **WRITE_ERRORS},
    summary="Add a focus area",
    description=(
        f"{STAFF_ONLY} The code is made from the name (`Oral health` -> `oral_health`). 409 "
        "when the name (any case, stored or as shown) or the code is already on the list."
    ),
)
def create_focus_area(request: ApiRequest, payload: EntryIn) -> Any:
    _require_staff(request.auth)
    entry = services.create_focus_area(actor=request.auth, name=payload.name)
    return Status(201, _entry_out(selectors.focus_area_row(entry)))


@router.patch(
    "/focus-areas/{focus_area_id}",
    response={200: EntryOut, **WRITE_ERRORS},
    summary="Rename a focus area",
    description=(
        f"{STAFF_ONLY} Changes the stored name; the code stays, and a seeded entry keeps its "
        "translated label. 409 when another entry has that name."
    ),
)
def rename_focus_area(request: ApiRequest, focus_area_id: int, payload: EntryIn) -> Any:
    user = request.auth
    _require_staff(user)
    entry: FocusArea = selectors.get_focus_area_for_user(user, focus_area_id)
    services.rename_focus_area(actor=user, focus_area=entry, name=payload.name)
    return _entry_out(selectors.focus_area_row(entry))


@router.post(
    "/populations",
    response={201: EntryOut, **WRITE_ERRORS},
    summary="Add a population",
    description=(
        f"{STAFF_ONLY} The code is made from the name. 409 when the name (any case, stored or "
        "as shown) or the code is already on the list."
    ),
)
def create_population(request: ApiRequest, payload: EntryIn) -> Any:
    _require_staff(request.auth)
    entry = services.create_population(actor=request.auth, name=payload.name)
    return Status(201, _entry_out(selectors.population_row(entry)))


@router.patch(
    "/populations/{population_id}",
    response={200: EntryOut, **WRITE_ERRORS},
    summary="Rename a population",
    description=(
        f"{STAFF_ONLY} Changes the stored name; the code stays, and a seeded entry keeps its "
        "translated label. 409 when another entry has that name."
    ),
)
def rename_population(request: ApiRequest, population_id: int, payload: EntryIn) -> Any:
    user = request.auth
    _require_staff(user)
    entry: Population = selectors.get_population_for_user(user, population_id)
    services.rename_population(actor=user, population=entry, name=payload.name)
    return _entry_out(selectors.population_row(entry))


# CHNA priorities (keeping: staff) ------------------------------------------------------------


@router.post(
    "/needs-priorities",
    response={201: PriorityOut, **WRITE_ERRORS},
    summary="Add a community health needs assessment priority",
    description=(
        f"{STAFF_ONLY} The organization must have a consortium membership; the year is 2000 to "
        "next year; the link is optional, http(s) only. 409 when the organization already has "
        "that priority (any case) for that year."
    ),
)
def create_needs_priority(request: ApiRequest, payload: PriorityIn) -> Any:
    user = request.auth
    _require_staff(user)
    fields = _priority_changes(payload.model_dump())
    try:
        priority = services.create_priority(actor=user, **fields)
    except ServiceError as error:
        raise _as_api_error(error) from None
    return Status(201, _priority_out(selectors.priority_row(priority)))


@router.patch(
    "/needs-priorities/{priority_id}",
    response={200: PriorityOut, **WRITE_ERRORS},
    summary="Correct a community health needs assessment priority",
    description=(
        f"{STAFF_ONLY} Only the fields sent change; linked initiatives stay linked. The same "
        "rules as adding one."
    ),
)
def update_needs_priority(request: ApiRequest, priority_id: int, payload: PriorityPatch) -> Any:
    user = request.auth
    _require_staff(user)
    priority: NeedsPriority = selectors.get_priority_for_user(user, priority_id)
    changes = _priority_changes(payload.model_dump(exclude_unset=True))
    try:
        services.update_priority(actor=user, priority=priority, **changes)
    except ServiceError as error:
        raise _as_api_error(error) from None
    return _priority_out(selectors.priority_row(priority))


@router.delete(
    "/needs-priorities/{priority_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a community health needs assessment priority",
    description=(
        f"{STAFF_ONLY} For one recorded by mistake. 409, naming the initiatives, while any "
        "initiative links to it."
    ),
)
def delete_needs_priority(request: ApiRequest, priority_id: int) -> Any:
    user = request.auth
    _require_staff(user)
    priority = selectors.get_priority_for_user(user, priority_id)
    services.delete_priority(actor=user, priority=priority)
    return Status(204, None)

"""/api/v1/consortium: initiatives, their partners and metrics, reported values, the controlled
lists (focus areas, populations, CHNA priorities) and the consortium's roll-up of metrics.

The same permissions as the pages (`partnerships.access`): staff reach everything, a partner
user their organization's initiatives. Every object by id goes through a
`selectors_initiatives.get_*_for_user` choke-point, so another organization's initiative,
partner row, metric or value answers 404 exactly like one that does not exist (ids outside
1..2^63-1 too). Every write goes through `services_initiatives`, whose refusals become 403
(`NotAllowed`), 409 (`Conflict`) or 422 (anything else), each with a body naming the field.
The roll-up is for staff and leadership viewers and is suppressed for everyone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from equityhub.api.types import MAX_LIMIT, MAX_OFFSET, PAGE_SIZE, Id, PlainText
from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.core.http import ApiRequest
from equityhub.partnerships import rollups
from equityhub.partnerships import selectors_initiatives as selectors
from equityhub.partnerships import services_initiatives as services
from equityhub.partnerships.access import (
    can_edit_initiative,
    can_report_on_initiative,
    can_view_aggregates,
    is_consortium_staff,
)
from equityhub.partnerships.models import (
    FocusArea,
    Initiative,
    InitiativePartner,
    Metric,
    MetricValue,
    NeedsPriority,
    Population,
)
from equityhub.people.api import ErrorOut
from equityhub.people.models import Organization
from equityhub.places.models import Area

router = Router(tags=["consortium"])

ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}
MAX_CODES = 100
# Codes go into queries: control characters (NUL breaks PostgreSQL) are a 422, never a 500.
Code = Annotated[PlainText, Field(min_length=1, max_length=60)]


# Schemas: answers ----------------------------------------------------------------------------


class CodeLabelOut(Schema):
    code: str
    label: str = Field(description="In the language of the request.")


class AreaOut(Schema):
    id: int
    kind: Area.Kind
    code: str = Field(description="e.g. a ZIP code (ZCTA).")
    name: str


class SharedAreaOut(Schema):
    code: str
    name: str


class OrganizationRef(Schema):
    id: int
    name: str


class PartnerOut(Schema):
    id: int
    organization: OrganizationRef
    role: InitiativePartner.Role


class NeedsPriorityOut(Schema):
    id: int
    organization: OrganizationRef = Field(description="The hospital or health system.")
    year: int
    title: str
    url: str


class MetricOut(Schema):
    id: int
    initiative_id: int
    name: str
    kind: Metric.Kind
    counts_people: bool = Field(description="Small counts are suppressed in the roll-up.")
    description: str
    is_active: bool = Field(description="False: no longer reported (no new values).")
    created_at: dt.datetime


class MetricValueOut(Schema):
    id: int
    metric_id: int
    period_start: dt.date
    period_end: dt.date
    area: AreaOut | None = Field(description="null: the value is for the whole initiative.")
    value: int
    note: str
    reported_at: dt.datetime
    updated_at: dt.datetime


class MetricValuesPage(Schema):
    count: int
    items: list[MetricValueOut]


class OverlapInitiativeOut(Schema):
    id: int | None = Field(description="null when you may not read that initiative.")
    title: str
    lead_organization_name: str


class OverlapOut(Schema):
    initiative: OverlapInitiativeOut = Field(description="The other initiative.")
    focus_areas: list[CodeLabelOut] = Field(description="The focus areas both share.")
    areas: list[SharedAreaOut] = Field(description="The areas both serve.")


class InitiativeSummaryOut(Schema):
    id: int
    title: str
    lead_organization: OrganizationRef
    status: Initiative.Status
    starts_on: dt.date | None
    ends_on: dt.date | None
    focus_areas: list[CodeLabelOut]
    populations: list[CodeLabelOut]
    areas: list[AreaOut]
    partners: list[PartnerOut]


class InitiativeOut(InitiativeSummaryOut):
    summary: str
    funding_amount: Decimal | None = Field(description="USD, as a decimal string.")
    funding_source: str
    website: str
    needs_priorities: list[NeedsPriorityOut]
    metrics: list[MetricOut]
    overlaps: list[OverlapOut] = Field(
        description=(
            "Coordination suggestions: other leads' open initiatives with a shared focus area "
            "in a shared area, for staff and the lead's users (empty for a participating "
            "organization). Of one you may not read only its title and lead are given."
        )
    )
    can_edit: bool = Field(description="You may change details, partners and metrics.")
    can_report: bool = Field(description="You may report metric values.")
    created_at: dt.datetime
    updated_at: dt.datetime


class InitiativesPage(Schema):
    count: int = Field(description="How many initiatives match, across all pages.")
    items: list[InitiativeSummaryOut]


class RollupPeriodOut(Schema):
    key: str = Field(description="2024, or 2024-Q1 by quarter.")
    label: str
    start: dt.date
    end: dt.date


class RollupRowOut(Schema):
    key: str = Field(description="The focus area's code ('none': no focus area recorded).")
    label: str
    values: list[int | None] = Field(description="One per period; null: suppressed.")
    total: int | None


class RollupTotalOut(Schema):
    values: list[int | None]
    total: int | None


class RollupAreaOut(Schema):
    code: str
    label: str
    value: int | None = Field(description="null: suppressed.")


class RollupKindOut(Schema):
    kind: Metric.Kind
    label: str
    counts_people: bool
    values: list[int | None]
    total: int | None


class RollupOut(Schema):
    kind: Metric.Kind
    kind_label: str
    granularity: rollups.Granularity
    start_year: int
    end_year: int
    suppressed: bool = Field(
        description=(
            "True when the kind counts people: counts from 1 to threshold-1, and those that "
            "would reveal them, are null, for everyone."
        )
    )
    threshold: int
    periods: list[RollupPeriodOut]
    by_focus_area: list[RollupRowOut] = Field(
        description="An initiative with several focus areas counts in each."
    )
    total: RollupTotalOut = Field(description="All initiatives, each counted once.")
    by_area: list[RollupAreaOut] = Field(description="Values reported per area only.")
    by_area_total: int | None
    by_kind: list[RollupKindOut]


# Schemas: input ------------------------------------------------------------------------------


class InitiativeQuery(Schema):
    focus_area: PlainText = Field("", max_length=60, description="A focus area code.")
    status: Initiative.Status | None = None
    area: PlainText = Field("", max_length=40, description="An area code, e.g. a ZIP code.")
    lead_organization_id: Id | None = None
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PageQuery(Schema):
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


AREA_CODES_HELP = "Area codes (e.g. ZIP codes), or kind:code where a code is ambiguous."
Amount = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class InitiativeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: PlainText = Field(min_length=1, max_length=200)
    lead_organization_id: Id = Field(
        description="Staff: any organization; a partner user: one of their own."
    )
    status: Initiative.Status = Initiative.Status.PLANNING
    summary: PlainText = Field("", max_length=10000)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    funding_amount: Amount | None = None
    funding_source: PlainText = Field("", max_length=200)
    website: PlainText = Field("", max_length=200)
    focus_areas: list[Code] = Field(default_factory=list, max_length=MAX_CODES)
    populations: list[Code] = Field(default_factory=list, max_length=MAX_CODES)
    areas: list[Code] = Field(
        default_factory=list, max_length=MAX_CODES, description=AREA_CODES_HELP
    )
    needs_priority_ids: list[Id] = Field(default_factory=list, max_length=MAX_CODES)


class InitiativePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    title: PlainText | None = Field(None, min_length=1, max_length=200)
    lead_organization_id: Id | None = None
    status: Initiative.Status | None = Field(
        None, description="Only staff may move an initiative out of completed."
    )
    summary: PlainText | None = Field(None, max_length=10000)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    funding_amount: Amount | None = None
    funding_source: PlainText | None = Field(None, max_length=200)
    website: PlainText | None = Field(None, max_length=200)
    focus_areas: list[Code] | None = Field(None, max_length=MAX_CODES)
    populations: list[Code] | None = Field(None, max_length=MAX_CODES)
    areas: list[Code] | None = Field(None, max_length=MAX_CODES, description=AREA_CODES_HELP)
    needs_priority_ids: list[Id] | None = Field(None, max_length=MAX_CODES)


class PartnerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organization_id: Id
    role: InitiativePartner.Role = InitiativePartner.Role.PARTNER


class MetricIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: PlainText = Field(min_length=1, max_length=200)
    kind: Metric.Kind
    counts_people: bool | None = Field(
        None, description="Defaults from the kind; the people kinds always count people."
    )
    description: PlainText = Field("", max_length=5000)


class MetricPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: PlainText | None = Field(None, min_length=1, max_length=200)
    kind: Metric.Kind | None = None
    counts_people: bool | None = None
    description: PlainText | None = Field(None, max_length=5000)
    is_active: bool | None = None


class MetricValueIn(Schema):
    model_config = ConfigDict(extra="forbid")

    period_start: dt.date = Field(description="Not in the future.")
    period_end: dt.date = Field(description="At most a year after the start.")
    value: int = Field(ge=0, le=services.MAX_VALUE)
    area: Code | None = Field(
        None, description="One of the initiative's area codes; null: the whole initiative."
    )
    note: PlainText = Field("", max_length=services.MAX_NOTE)


class RollupQuery(Schema):
    kind: Metric.Kind = Metric.Kind.PEOPLE_REACHED
    granularity: rollups.Granularity = rollups.Granularity.YEAR
    start_year: int | None = Field(None, ge=2000, le=2100, description="Default: two years ago.")
    end_year: int | None = Field(None, ge=2000, le=2100, description="Default: this year.")


# Helpers -------------------------------------------------------------------------------------


def _org(org: Organization) -> dict[str, Any]:
    return {"id": org.pk, "name": org.name}


def _area(area: Area) -> dict[str, Any]:
    return {"id": area.pk, "kind": area.kind, "code": area.code, "name": area.name}


def _summary_out(initiative: Initiative) -> dict[str, Any]:
    """`initiative` comes from `selectors.with_relations` (relations loaded)."""
    return {
        "id": initiative.pk,
        "title": initiative.title,
        "lead_organization": _org(initiative.lead_organization),
        "status": initiative.status,
        "starts_on": initiative.starts_on,
        "ends_on": initiative.ends_on,
        "focus_areas": [{"code": f.code, "label": f.label} for f in initiative.focus_areas.all()],
        "populations": [{"code": p.code, "label": p.label} for p in initiative.populations.all()],
        "areas": [_area(area) for area in initiative.areas.all()],
        "partners": [
            {"id": p.pk, "organization": _org(p.organization), "role": p.role}
            for p in initiative.partners.all()
        ],
    }


def _metric_out(metric: Metric) -> dict[str, Any]:
    return {
        "id": metric.pk,
        "initiative_id": metric.initiative_id,
        "name": metric.name,
        "kind": metric.kind,
        "counts_people": metric.counts_people,
        "description": metric.description,
        "is_active": metric.is_active,
        "created_at": metric.created_at,
    }


def _value_out(value: MetricValue) -> dict[str, Any]:
    return {
        "id": value.pk,
        "metric_id": value.metric_id,
        "period_start": value.period_start,
        "period_end": value.period_end,
        "area": _area(value.area) if value.area is not None else None,
        "value": value.value,
        "note": value.note,
        "reported_at": value.reported_at,
        "updated_at": value.updated_at,
    }


def _overlap_out(overlap: selectors.Overlap) -> dict[str, Any]:
    other = overlap.other
    return {
        "initiative": {
            "id": other.id if other.readable else None,
            "title": other.title,
            "lead_organization_name": other.lead_organization_name,
        },
        "focus_areas": [{"code": f.code, "label": f.label} for f in overlap.focus_areas],
        "areas": [{"code": a.code, "name": a.name} for a in overlap.areas],
    }


def _coordination_suggestions(user: Any, initiative: Initiative) -> list[selectors.Overlap]:
    """For the two leads (and staff, who may edit any) only: a participating organization hears
    nothing of other leads' initiatives."""
    if not (is_consortium_staff(user) or can_edit_initiative(user, initiative)):
        return []
    return selectors.overlapping_initiatives(initiative, for_user=user)


def _initiative_out(user: Any, initiative_id: int) -> dict[str, Any]:
    initiative = selectors.get_initiative_for_user(user, initiative_id)
    return {
        **_summary_out(initiative),
        "summary": initiative.summary,
        "funding_amount": initiative.funding_amount,
        "funding_source": initiative.funding_source,
        "website": initiative.website,
        "needs_priorities": [
            {
                "id": p.pk,
                "organization": _org(p.organization),
                "year": p.year,
                "title": p.title,
                "url": p.url,
            }
            for p in initiative.needs_priorities.all()
        ],
        "metrics": [
            _metric_out(m)
            for m in Metric.objects.filter(initiative=initiative).order_by("-is_active", "name")
        ],
        "overlaps": [_overlap_out(o) for o in _coordination_suggestions(user, initiative)],
        "can_edit": can_edit_initiative(user, initiative),
        "can_report": can_report_on_initiative(user, initiative),
        "created_at": initiative.created_at,
        "updated_at": initiative.updated_at,
    }


def _coded(model: type[FocusArea] | type[Population], codes: list[str], field: str) -> list[Any]:
    wanted = list(dict.fromkeys(codes))
    found = {item.code: item for item in model.objects.filter(code__in=wanted)}
    missing = [code for code in wanted if code not in found]
    if missing:
        raise ServiceError(_("Unknown code: %(code)s") % {"code": missing[0]}, field=field)
    return [found[code] for code in wanted]


def _areas(codes: list[str], *, among: QuerySet[Area] | None = None, field: str) -> list[Area]:
    """Areas by code, or kind:code; 422 naming the first unknown or ambiguous one."""
    queryset = among if among is not None else selectors.slim_areas()
    found = []
    for code in dict.fromkeys(codes):
        kind, _sep, bare = code.rpartition(":")
        matches = list(queryset.filter(code=bare, **({"kind": kind} if kind else {}))[:2])
        if not matches:
            raise ServiceError(_("Unknown area: %(code)s") % {"code": code}, field=field)
        if len(matches) > 1:
            raise ServiceError(
                _("The area code %(code)s is ambiguous; write it as kind:code.") % {"code": code},
                field=field,
            )
        found.append(matches[0])
    return found


def _priorities(ids: list[int]) -> list[NeedsPriority]:
    wanted = list(dict.fromkeys(ids))
    found = NeedsPriority.objects.in_bulk(wanted)
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ServiceError(
            _("There is no priority %(id)s.") % {"id": missing[0]}, field="needs_priority_ids"
        )
    return [found[pk] for pk in wanted]


def _organization(pk: int, field: str) -> Organization:
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise ServiceError(_("There is no organization %(id)s.") % {"id": pk}, field=field)
    return organization


def _initiative_changes(fields: dict[str, Any]) -> dict[str, Any]:
    """API input -> service keywords (codes and ids resolved to rows)."""
    changes = dict(fields)
    if "lead_organization_id" in changes:
        pk = changes.pop("lead_organization_id")
        if pk is None:
            raise ServiceError(
                _("An initiative needs a lead organization."), field="lead_organization_id"
            )
        changes["lead_organization"] = _organization(pk, "lead_organization_id")
    if changes.get("focus_areas") is not None:
        changes["focus_areas"] = _coded(FocusArea, changes["focus_areas"], "focus_areas")
    if changes.get("populations") is not None:
        changes["populations"] = _coded(Population, changes["populations"], "populations")
    if changes.get("areas") is not None:
        changes["areas"] = _areas(changes["areas"], field="areas")
    if changes.get("needs_priority_ids") is not None:
        changes["needs_priorities"] = _priorities(changes.pop("needs_priority_ids"))
    for name in ("focus_areas", "populations", "areas", "needs_priority_ids"):
        if name in changes and changes[name] is None:
            raise ServiceError(_("Send a list (empty to clear it)."), field=name)
    for name in ("title", "status", "summary", "funding_source", "website"):
        if name in changes and changes[name] is None:
            raise ServiceError(_("This field cannot be null."), field=name)
    return changes


def _require_browse(user: Any) -> None:
    if not selectors.may_browse_initiatives(user):
        raise NotAllowed(_("Only consortium staff and partners may read initiatives."))


# Initiatives ---------------------------------------------------------------------------------


@router.get(
    "/initiatives",
    response={200: InitiativesPage, **ERRORS},
    summary="List initiatives",
    description=(
        "Staff: every initiative; a partner user: those their organization leads or takes part "
        "in; 403 for anyone else. Filters: `focus_area` (code), `status`, `area` (code, e.g. a "
        "ZIP code), `lead_organization_id`. By title."
    ),
)
def list_initiatives(request: ApiRequest, query: Query[InitiativeQuery]) -> Any:
    user = request.auth
    _require_browse(user)
    filters = selectors.InitiativeFilters(
        focus_area=query.focus_area,
        status=query.status or "",
        area=query.area,
        lead_organization_id=query.lead_organization_id,
    )
    queryset = selectors.initiative_list(user, filters)
    items = list(queryset[query.offset : query.offset + query.limit])
    return {"count": queryset.count(), "items": [_summary_out(item) for item in items]}


@router.post(
    "/initiatives",
    response={201: InitiativeOut, **WRITE_ERRORS},
    summary="Add an initiative",
    description=(
        "Staff may name any lead; a partner user one of their own organizations (403 "
        "otherwise). 422 for an unknown code or id, a missing title, an end before the start "
        "or a negative funding amount."
    ),
)
def create_initiative(request: ApiRequest, payload: InitiativeIn) -> Any:
    user = request.auth
    _require_browse(user)
    fields = _initiative_changes(payload.model_dump())
    initiative = services.create_initiative(actor=user, **fields)
    return Status(201, _initiative_out(user, initiative.pk))


@router.get(
    "/initiatives/{initiative_id}",
    response={200: InitiativeOut, **ERRORS},
    summary="Read an initiative",
    description=(
        "With its partners, focus areas, populations, areas served, CHNA priorities, metrics "
        "and coordination suggestions. 404 for an initiative you may not read."
    ),
)
def get_initiative(request: ApiRequest, initiative_id: int) -> Any:
    return _initiative_out(request.auth, initiative_id)


@router.patch(
    "/initiatives/{initiative_id}",
    response={200: InitiativeOut, **WRITE_ERRORS},
    summary="Change an initiative",
    description=(
        "Only the fields sent change; a list replaces the whole set. Staff, or a partner user "
        "of the lead (403 for a participating organization's users). Only staff may reopen a "
        "completed initiative (403). 409 when the new lead already takes part as a partner."
    ),
)
def update_initiative(request: ApiRequest, initiative_id: int, payload: InitiativePatch) -> Any:
    user = request.auth
    initiative = selectors.get_initiative_for_user(user, initiative_id)
    changes = _initiative_changes(payload.model_dump(exclude_unset=True))
    services.update_initiative(actor=user, initiative=initiative, **changes)
    return _initiative_out(user, initiative.pk)


@router.post(
    "/initiatives/{initiative_id}/partners",
    response={201: PartnerOut, **WRITE_ERRORS},
    summary="Add a partner organization",
    description="409 when the organization leads the initiative or takes part already.",
)
def add_partner(request: ApiRequest, initiative_id: int, payload: PartnerIn) -> Any:
    user = request.auth
    initiative = selectors.get_initiative_for_user(user, initiative_id)
    organization = _organization(payload.organization_id, "organization_id")
    partner = services.add_partner(
        actor=user, initiative=initiative, organization=organization, role=payload.role
    )
    return Status(201, {"id": partner.pk, "organization": _org(organization), "role": partner.role})


@router.delete(
    "/initiative-partners/{partner_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a partner organization",
    description="The values its users reported stay.",
)
def remove_partner(request: ApiRequest, partner_id: int) -> Any:
    user = request.auth
    partner = selectors.get_partner_for_user(user, partner_id)
    services.remove_partner(actor=user, partner=partner)
    return Status(204, None)


# Metrics -------------------------------------------------------------------------------------


@router.get(
    "/initiatives/{initiative_id}/metrics",
    response={200: list[MetricOut], **ERRORS},
    summary="List an initiative's metrics",
    description="Still reported first, by name.",
)
def list_metrics(request: ApiRequest, initiative_id: int) -> Any:
    initiative = selectors.get_initiative_for_user(request.auth, initiative_id)
    metrics = Metric.objects.filter(initiative=initiative).order_by("-is_active", "name")
    return [_metric_out(metric) for metric in metrics]


@router.post(
    "/initiatives/{initiative_id}/metrics",
    response={201: MetricOut, **WRITE_ERRORS},
    summary="Declare a metric",
    description=(
        "Staff or a partner user of the lead. 409 when the initiative has a metric of that "
        "name (any case); 422 when a people kind is sent with counts_people false."
    ),
)
def create_metric(request: ApiRequest, initiative_id: int, payload: MetricIn) -> Any:
    user = request.auth
    initiative = selectors.get_initiative_for_user(user, initiative_id)
    metric = services.define_metric(actor=user, initiative=initiative, **payload.model_dump())
    return Status(201, _metric_out(metric))


@router.get(
    "/metrics/rollup",
    response={200: RollupOut, **ERRORS},
    summary="The consortium's roll-up of metrics",
    description=(
        "One kind of metric summed over every initiative by focus area x year (or quarter), by "
        "area (values reported per area only) and every kind by period. Staff and leadership "
        "viewers only (403 otherwise). Kinds that count people are suppressed for everyone: "
        "null marks a suppressed number. At most 10 years, or 5 by quarter (422)."
    ),
)
def metrics_rollup(request: ApiRequest, query: Query[RollupQuery]) -> Any:
    if not can_view_aggregates(request.auth):
        raise NotAllowed(_("Only consortium staff and leadership may read the roll-up."))
    defaults = rollups.default_filters()
    start = query.start_year if query.start_year is not None else defaults.start_year
    end = query.end_year if query.end_year is not None else defaults.end_year
    if end < start:
        raise ServiceError(_("The last year is before the first."), field="end_year")
    longest = (
        rollups.MAX_QUARTER_YEARS
        if query.granularity == rollups.Granularity.QUARTER
        else rollups.MAX_YEARS
    )
    if end - start >= longest:
        raise ServiceError(_("At most %(n)s years at a time.") % {"n": longest}, field="end_year")
    rollup = rollups.build_rollup(
        rollups.RollupFilters(
            kind=query.kind, granularity=query.granularity, start_year=start, end_year=end
        )
    )
    return {
        "kind": rollup.filters.kind,
        "kind_label": rollup.kind_label,
        "granularity": rollup.filters.granularity,
        "start_year": start,
        "end_year": end,
        "suppressed": rollup.counts_people,
        "threshold": rollup.threshold,
        "periods": [
            {"key": p.key, "label": p.label, "start": p.start, "end": p.end} for p in rollup.periods
        ],
        "by_focus_area": [
            {"key": row.key, "label": row.label, "values": list(row.cells), "total": row.total}
            for row in rollup.by_focus_area
        ],
        "total": {"values": list(rollup.total.cells), "total": rollup.total.total},
        "by_area": [
            {"code": row.code, "label": row.label, "value": row.value} for row in rollup.by_area
        ],
        "by_area_total": rollup.by_area_total,
        "by_kind": [
            {
                "kind": row.kind,
                "label": row.label,
                "counts_people": row.counts_people,
                "values": list(row.cells),
                "total": row.total,
            }
            for row in rollup.by_kind
        ],
    }


@router.patch(
    "/metrics/{metric_id}",
    response={200: MetricOut, **WRITE_ERRORS},
    summary="Change a metric",
    description=(
        "Only the fields sent change. A new kind without counts_people takes that kind's "
        "default. is_active false stops reporting (values stay)."
    ),
)
def update_metric(request: ApiRequest, metric_id: int, payload: MetricPatch) -> Any:
    user = request.auth
    metric = selectors.get_metric_for_user(user, metric_id)
    changes = payload.model_dump(exclude_unset=True)
    for name in ("name", "kind", "counts_people", "description", "is_active"):
        if name in changes and changes[name] is None:
            raise ServiceError(_("This field cannot be null."), field=name)
    services.update_metric(actor=user, metric=metric, **changes)
    return _metric_out(metric)


@router.get(
    "/metrics/{metric_id}/values",
    response={200: MetricValuesPage, **ERRORS},
    summary="List a metric's reported values",
    description="Exact numbers, newest period first; for whoever may read the initiative.",
)
def list_values(request: ApiRequest, metric_id: int, query: Query[PageQuery]) -> Any:
    metric = selectors.get_metric_for_user(request.auth, metric_id)
    queryset = selectors.values_of(metric)
    items = list(queryset[query.offset : query.offset + query.limit])
    return {"count": queryset.count(), "items": [_value_out(item) for item in items]}


@router.post(
    "/metrics/{metric_id}/values",
    response={200: MetricValueOut, 201: MetricValueOut, **WRITE_ERRORS},
    summary="Report a metric's value",
    description=(
        "For a period (at most a year, started already), for the whole initiative or one of "
        "its areas. 201 for a new value; reporting again for the same period start and area "
        "corrects it (200). Staff and the users of the lead and every participating "
        "organization. 409 when the period overlaps another reported period of the same area, "
        "or the metric is no longer reported (new values only)."
    ),
)
def report_value(request: ApiRequest, metric_id: int, payload: MetricValueIn) -> Any:
    user = request.auth
    metric = selectors.get_metric_for_user(user, metric_id)
    area = None
    if payload.area is not None:
        area = _areas(
            [payload.area],
            among=selectors.slim_areas().filter(initiatives=metric.initiative),
            field="area",
        )[0]
    value, created = services.report_metric_value(
        actor=user,
        metric=metric,
        period_start=payload.period_start,
        period_end=payload.period_end,
        value=payload.value,
        area=area,
        note=payload.note,
    )
    out = _value_out(selectors.values_of(metric).get(pk=value.pk))
    return Status(201, out) if created else out


@router.delete(
    "/metric-values/{value_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a reported value",
    description="For a value reported by mistake; audited with the value.",
)
def delete_value(request: ApiRequest, value_id: int) -> Any:
    user = request.auth
    value = selectors.get_metric_value_for_user(user, value_id)
    services.delete_metric_value(actor=user, value=value)
    return Status(204, None)

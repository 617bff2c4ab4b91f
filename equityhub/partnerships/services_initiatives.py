"""Every write of the consortium's initiatives and shared metrics: keyword-only, atomic,
audited (`partnerships.initiative.*`, `partnerships.metric.*`, `partnerships.metric_value.*`).

Who may (see `partnerships.access`): office staff everything; a partner user creates
initiatives led by their own organization and edits the details, partners and metric
definitions of the initiatives their organization leads; the users of the lead and of every
participating organization report metric values. Every refusal is a `ServiceError`: `NotAllowed`
for permissions, `Conflict` for a state that does not allow the change, a plain `ServiceError`
naming the field for invalid input.

Rows that must stay unique (an initiative's partners, its metrics' names, one value per metric,
period start and area) are checked with the parent row locked (`select_for_update` on
PostgreSQL; SQLite runs transactions IMMEDIATE), with the database constraints as backstop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.core.exceptions import clean_model as _clean
from equityhub.partnerships.access import (
    can_edit_initiative,
    can_report_on_initiative,
    is_consortium_staff,
    partner_organization_ids,
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
from equityhub.people.models import Organization
from equityhub.places.models import Area

S = Initiative.Status

INITIATIVE_FIELDS = [
    "title",
    "summary",
    "lead_organization_id",
    "status",
    "starts_on",
    "ends_on",
    "funding_amount",
    "funding_source",
    "website",
]
# Fields `update_initiative` accepts: the plain ones, the lead, and the four sets.
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "summary",
        "lead_organization",
        "status",
        "starts_on",
        "ends_on",
        "funding_amount",
        "funding_source",
        "website",
        "focus_areas",
        "populations",
        "areas",
        "needs_priorities",
    }
)
RELATIONS: dict[str, type[models.Model]] = {
    "focus_areas": FocusArea,
    "populations": Population,
    "areas": Area,
    "needs_priorities": NeedsPriority,
}
METRIC_FIELDS = ["name", "kind", "counts_people", "description", "is_active"]
VALUE_FIELDS = ["metric_id", "period_start", "period_end", "area_id", "value", "note"]

MAX_VALUE = 2_147_483_647  # a PositiveIntegerField on every database
MAX_NOTE = 2000
MAX_PERIOD = relativedelta(years=1)
MIN_PERIOD_YEAR = 1900


def _lock(model: type[models.Model], pk: int) -> None:
    # The parent row serializes the uniqueness checks below (see the module docstring).
    model._default_manager.select_for_update().filter(pk=pk).values_list("pk").first()


# -- initiatives -----------------------------------------------------------------------------


def _require_may_lead(actor: Any, organization: Organization) -> None:
    """Staff may name any lead; a partner user only one of their own organizations."""
    if is_consortium_staff(actor):
        return
    if not partner_organization_ids(actor):
        raise NotAllowed(_("Only consortium staff and partners may record initiatives."))
    if organization.pk not in partner_organization_ids(actor):
        raise NotAllowed(
            _("You may only record initiatives led by your own organization."),
        )


def _relations_snapshot(initiative: Initiative) -> dict[str, list[Any]]:
    return {
        "focus_areas": sorted(initiative.focus_areas.values_list("code", flat=True)),
        "populations": sorted(initiative.populations.values_list("code", flat=True)),
        "areas": sorted(initiative.areas.values_list("pk", flat=True)),
        "needs_priorities": sorted(initiative.needs_priorities.values_list("pk", flat=True)),
    }


def _full_snapshot(initiative: Initiative) -> dict[str, Any]:
    return {**snapshot(initiative, INITIATIVE_FIELDS), **_relations_snapshot(initiative)}


def _as_set(name: str, items: Iterable[Any]) -> list[models.Model]:
    model = RELATIONS[name]
    found: dict[int, models.Model] = {}
    for item in items:
        if not isinstance(item, model) or item.pk is None:
            raise ServiceError(_("Unknown entry in %(field)s.") % {"field": name}, field=name)
        found[item.pk] = item
    return list(found.values())


def _amount(value: Any) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise ServiceError(_("The funding amount is not a number."), field="funding_amount")
    return amount


def _check_initiative(initiative: Initiative) -> None:
    initiative.title = (initiative.title or "").strip()
    if not initiative.title:
        raise ServiceError(_("An initiative needs a title."), field="title")
    if initiative.status not in S.values:
        raise ServiceError(_("Unknown status."), field="status")
    if initiative.starts_on and initiative.ends_on and initiative.ends_on < initiative.starts_on:
        raise ServiceError(_("The initiative cannot end before it starts."), field="ends_on")
    if initiative.funding_amount is not None:
        initiative.funding_amount = _amount(initiative.funding_amount)
        if initiative.funding_amount < 0:
            raise ServiceError(_("The funding amount cannot be negative."), field="funding_amount")
    _clean(initiative, exclude=["lead_organization", "created_by"])


@transaction.atomic
def create_initiative(
    *,
    actor: Any,
    title: str,
    lead_organization: Organization,
    status: str = S.PLANNING,
    summary: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    funding_amount: Decimal | None = None,
    funding_source: str = "",
    website: str = "",
    focus_areas: Iterable[FocusArea] = (),
    populations: Iterable[Population] = (),
    areas: Iterable[Area] = (),
    needs_priorities: Iterable[NeedsPriority] = (),
) -> Initiative:
    """Record an initiative.

    Side effects, in order: the initiative row, its four sets (focus areas, populations, areas
    served, CHNA priorities), an audit entry `partnerships.initiative.created` with everything.
    """
    _require_may_lead(actor, lead_organization)
    initiative = Initiative(
        title=title,
        summary=(summary or "").strip(),
        lead_organization=lead_organization,
        status=status,
        starts_on=starts_on,
        ends_on=ends_on,
        funding_amount=funding_amount,
        funding_source=(funding_source or "").strip(),
        website=(website or "").strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _check_initiative(initiative)
    sets = {
        "focus_areas": _as_set("focus_areas", focus_areas),
        "populations": _as_set("populations", populations),
        "areas": _as_set("areas", areas),
        "needs_priorities": _as_set("needs_priorities", needs_priorities),
    }
    initiative.save()
    for name, items in sets.items():
        getattr(initiative, name).set(items)
    record(
        "partnerships.initiative.created",
        actor=actor,
        obj=initiative,
        data=_full_snapshot(initiative),
    )
    return initiative


def _refresh(target: models.Model, source: models.Model, fields: Iterable[str]) -> None:
    """Let the caller's object follow what was written."""
    for field in fields:
        setattr(target, field, getattr(source, field))


def _refresh_initiative(target: Initiative, source: Initiative, sets: Iterable[str]) -> None:
    _refresh(target, source, [*INITIATIVE_FIELDS, "updated_at"])
    lead = Initiative._meta.get_field("lead_organization")
    if lead.is_cached(source):
        target.lead_organization = source.lead_organization
    # The caller's prefetched sets are stale once replaced (Django drops them only on the
    # object whose manager wrote).
    prefetched = getattr(target, "_prefetched_objects_cache", {})
    for name in sets:
        prefetched.pop(name, None)


@transaction.atomic
def update_initiative(*, actor: Any, initiative: Initiative, **changes: Any) -> Initiative:
    """Change an initiative's details, lead or sets (each set is replaced as given).

    Only staff may move an initiative out of COMPLETED; a partner user may hand the lead only to
    another of their own organizations, and never to an organization already taking part.

    The row is read again once locked and only the fields given change, so two people changing
    different fields at once both keep their change; `initiative` follows what was written.

    Side effects, in order: the row and the changed sets, an audit entry
    `partnerships.initiative.updated` with the old and new values of what changed.
    """
    if not can_edit_initiative(actor, initiative):
        raise NotAllowed(_("You may not change this initiative."))
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    fresh = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if not can_edit_initiative(actor, fresh):  # the lead changed meanwhile
        raise NotAllowed(_("You may not change this initiative."))
    before = _full_snapshot(fresh)
    if "status" in changes and (
        fresh.status == S.COMPLETED
        and changes["status"] != S.COMPLETED
        and not is_consortium_staff(actor)
    ):
        raise NotAllowed(_("Only consortium staff may reopen a completed initiative."))
    lead = changes.get("lead_organization")
    if lead is not None and not isinstance(lead, Organization):
        raise ServiceError(_("Unknown organization."), field="lead_organization")
    if lead is not None and lead.pk != fresh.lead_organization_id:
        _require_may_lead(actor, lead)
        if InitiativePartner.objects.filter(initiative=fresh, organization=lead).exists():
            raise Conflict(
                _("%(org)s already takes part in this initiative; remove it as a partner first.")
                % {"org": lead},
                field="lead_organization",
            )
    elif "lead_organization" in changes and lead is None:
        raise ServiceError(_("An initiative needs a lead organization."), field="lead_organization")
    sets = {name: _as_set(name, changes.pop(name)) for name in list(changes) if name in RELATIONS}
    for field, value in changes.items():
        if field in ("summary", "funding_source", "website") and isinstance(value, str):
            value = value.strip()  # noqa: PLW2901 - the stored form of the value
        setattr(fresh, field, value)
    _check_initiative(fresh)
    fresh.save()
    for name, items in sets.items():
        getattr(fresh, name).set(items)
    changed = diff(before, _full_snapshot(fresh))
    if changed:
        record("partnerships.initiative.updated", actor=actor, obj=fresh, changes=changed)
    _refresh_initiative(initiative, fresh, sets)
    return fresh


@transaction.atomic
def add_partner(
    *,
    actor: Any,
    initiative: Initiative,
    organization: Organization,
    role: str = InitiativePartner.Role.PARTNER,
) -> InitiativePartner:
    """Add an organization taking part in the initiative (not its lead, and only once).

    Side effects, in order: the partner row, an audit entry
    `partnerships.initiative.partner_added`. The organization's partner users may then read the
    initiative and report its metrics.
    """
    if not can_edit_initiative(actor, initiative):
        raise NotAllowed(_("You may not change this initiative's partners."))
    if role not in InitiativePartner.Role.values:
        raise ServiceError(_("Unknown role."), field="role")
    _lock(Initiative, initiative.pk)
    if organization.pk == initiative.lead_organization_id:
        raise Conflict(
            _("%(org)s leads this initiative; it cannot also be a partner.")
            % {"org": organization},
            field="organization",
        )
    if InitiativePartner.objects.filter(initiative=initiative, organization=organization).exists():
        raise Conflict(
            _("%(org)s already takes part in this initiative.") % {"org": organization},
            field="organization",
        )
    partner = InitiativePartner.objects.create(
        initiative=initiative, organization=organization, role=role
    )
    record(
        "partnerships.initiative.partner_added",
        actor=actor,
        obj=initiative,
        data={"partner_id": partner.pk, "organization_id": organization.pk, "role": role},
    )
    return partner


@transaction.atomic
def remove_partner(*, actor: Any, partner: InitiativePartner) -> None:
    """Take an organization off an initiative; the values its users reported stay.

    Side effects, in order: an audit entry `partnerships.initiative.partner_removed`, the row
    deleted.
    """
    initiative = partner.initiative
    if not can_edit_initiative(actor, initiative):
        raise NotAllowed(_("You may not change this initiative's partners."))
    record(
        "partnerships.initiative.partner_removed",
        actor=actor,
        obj=initiative,
        data={
            "partner_id": partner.pk,
            "organization_id": partner.organization_id,
            "role": partner.role,
        },
    )
    partner.delete()


# -- metrics ---------------------------------------------------------------------------------


def default_counts_people(kind: str) -> bool:
    """Kinds that count people count people; events and other counts do not, unless said."""
    return kind in Metric.PEOPLE_KINDS


def _check_metric(metric: Metric) -> None:
    metric.name = (metric.name or "").strip()
    if not metric.name:
        raise ServiceError(_("A metric needs a name."), field="name")
    if metric.kind not in Metric.Kind.values:
        raise ServiceError(_("Unknown kind of metric."), field="kind")
    if metric.kind in Metric.PEOPLE_KINDS and not metric.counts_people:
        # Switching it off would take people's counts out of small-count suppression.
        raise ServiceError(
            _("A metric of this kind counts people; it cannot be marked otherwise."),
            field="counts_people",
        )
    metric.description = (metric.description or "").strip()
    _clean(metric, exclude=["initiative"])
    taken = Metric.objects.filter(initiative_id=metric.initiative_id, name__iexact=metric.name)
    if metric.pk:
        taken = taken.exclude(pk=metric.pk)
    if taken.exists():
        raise Conflict(
            _("This initiative already has a metric named %(name)s.") % {"name": metric.name},
            field="name",
        )


@transaction.atomic
def define_metric(
    *,
    actor: Any,
    initiative: Initiative,
    name: str,
    kind: str,
    counts_people: bool | None = None,
    description: str = "",
) -> Metric:
    """Declare a metric the initiative reports on. `counts_people` defaults from the kind
    (`Metric.PEOPLE_KINDS`); people kinds always count people.

    Side effects, in order: the metric row, an audit entry `partnerships.metric.created`.
    """
    if not can_edit_initiative(actor, initiative):
        raise NotAllowed(_("You may not change this initiative's metrics."))
    _lock(Initiative, initiative.pk)
    metric = Metric(
        initiative=initiative,
        name=name,
        kind=kind,
        counts_people=default_counts_people(kind) if counts_people is None else counts_people,
        description=description,
    )
    _check_metric(metric)
    metric.save()
    record(
        "partnerships.metric.created",
        actor=actor,
        obj=metric,
        data={"initiative_id": initiative.pk, **snapshot(metric, METRIC_FIELDS)},
    )
    return metric


@transaction.atomic
def update_metric(*, actor: Any, metric: Metric, **changes: Any) -> Metric:
    """Change a metric's name, kind, whether it counts people, description or whether it is
    still reported. A new kind without `counts_people` takes that kind's default.

    The row is read again once its initiative is locked and only the fields given change, so
    two people changing different fields at once both keep their change; `metric` follows what
    was written.

    Side effects, in order: the row, an audit entry `partnerships.metric.updated` with the old
    and new values of what changed.
    """
    if not can_edit_initiative(actor, metric.initiative):
        raise NotAllowed(_("You may not change this initiative's metrics."))
    unknown = set(changes) - set(METRIC_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    _lock(Initiative, metric.initiative_id)
    fresh = Metric.objects.select_for_update().get(pk=metric.pk)
    before = snapshot(fresh, METRIC_FIELDS)
    if "kind" in changes and changes["kind"] != fresh.kind and "counts_people" not in changes:
        changes["counts_people"] = default_counts_people(changes["kind"])
    for field, value in changes.items():
        setattr(fresh, field, value)
    _check_metric(fresh)
    fresh.save()
    changed = diff(before, snapshot(fresh, METRIC_FIELDS))
    if changed:
        record("partnerships.metric.updated", actor=actor, obj=fresh, changes=changed)
    _refresh(metric, fresh, METRIC_FIELDS)
    return fresh


@transaction.atomic
def deactivate_metric(*, actor: Any, metric: Metric) -> Metric:
    """Stop reporting a metric; its values stay and still count in the roll-ups.

    Side effects, in order: the row, an audit entry `partnerships.metric.deactivated`.
    """
    if not can_edit_initiative(actor, metric.initiative):
        raise NotAllowed(_("You may not change this initiative's metrics."))
    if not metric.is_active:
        raise Conflict(_("This metric is not reported any more already."))
    metric.is_active = False
    metric.save(update_fields=["is_active"])
    record(
        "partnerships.metric.deactivated",
        actor=actor,
        obj=metric,
        changes={"is_active": [True, False]},
    )
    return metric


# -- metric values ---------------------------------------------------------------------------


def _check_period(period_start: dt.date, period_end: dt.date) -> None:
    # The checks that need no date arithmetic come first: `period_start + a year` overflows
    # past year 9999, and no period in the far future or past gets that far.
    for field, day in (("period_start", period_start), ("period_end", period_end)):
        if not isinstance(day, dt.date):
            raise ServiceError(_("Give the period's dates."), field=field)
        if day.year < MIN_PERIOD_YEAR:
            raise ServiceError(
                _("A period cannot begin or end before %(year)d.") % {"year": MIN_PERIOD_YEAR},
                field=field,
            )
    if period_start > timezone.localdate():
        raise ServiceError(
            _("The period has not started yet; report it once it has."), field="period_start"
        )
    if period_end < period_start:
        raise ServiceError(_("The period cannot end before it starts."), field="period_end")
    if (period_end - period_start).days >= _max_period_days(period_start):
        raise ServiceError(_("A reporting period is at most one year long."), field="period_end")


def _max_period_days(period_start: dt.date) -> int:
    """Days from the start to the same day a year later (365 or 366). The start is not in the
    future (checked first), so the addition stays within the calendar."""
    return ((period_start + MAX_PERIOD) - period_start).days


def _check_value(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(_("The value must be a whole number."), field="value")
    if value < 0:
        raise ServiceError(_("The value cannot be negative."), field="value")
    if value > MAX_VALUE:
        raise ServiceError(_("The value is too large."), field="value")
    return value


def _day(day: dt.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


@transaction.atomic
def report_metric_value(
    *,
    actor: Any,
    metric: Metric,
    period_start: dt.date,
    period_end: dt.date,
    value: int,
    area: Area | None = None,
    note: str = "",
) -> tuple[MetricValue, bool]:
    """Report the metric's value for a period, for the whole initiative or for one of its areas.
    Reporting again for the same period start and area corrects the value. Returns the value
    and whether it is new.

    A period is at most a year long and has started; periods of one metric and area may not
    overlap (they would be counted twice). A metric no longer reported takes no new values but
    its values can still be corrected.

    Side effects, in order: the value row (created or updated), an audit entry
    `partnerships.metric_value.reported` (new, with everything) or
    `partnerships.metric_value.updated` (old and new values of what changed).
    """
    initiative = metric.initiative
    if not can_report_on_initiative(actor, initiative):
        raise NotAllowed(_("You may not report on this initiative."))
    _lock(Metric, metric.pk)
    existing = MetricValue.objects.filter(
        metric=metric, period_start=period_start, area=area
    ).first()
    if existing is None and not metric.is_active:
        raise Conflict(_("This metric is not reported any more; no new values are taken."))
    _check_period(period_start, period_end)
    value = _check_value(value)
    if area is not None and not initiative.areas.filter(pk=area.pk).exists():
        raise ServiceError(_("The area is not one of the initiative's areas."), field="area")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ServiceError(
            _("The note is longer than %(n)s characters.") % {"n": MAX_NOTE}, field="note"
        )
    overlapping = MetricValue.objects.filter(
        metric=metric, area=area, period_start__lte=period_end, period_end__gte=period_start
    )
    if existing is not None:
        overlapping = overlapping.exclude(pk=existing.pk)
    clash = overlapping.order_by("period_start").first()
    if clash is not None:
        raise Conflict(
            _(
                "The period overlaps one reported already (%(start)s to %(end)s); "
                "correct that one instead."
            )
            % {"start": _day(clash.period_start), "end": _day(clash.period_end)},
            field="period_start",
        )
    reporter = actor if getattr(actor, "is_authenticated", False) else None
    if existing is None:
        created = MetricValue.objects.create(
            metric=metric,
            period_start=period_start,
            period_end=period_end,
            area=area,
            value=value,
            note=note,
            reported_by=reporter,
        )
        record(
            "partnerships.metric_value.reported",
            actor=actor,
            obj=created,
            data=snapshot(created, VALUE_FIELDS),
        )
        return created, True
    before = snapshot(existing, VALUE_FIELDS)
    existing.period_end, existing.value, existing.note = period_end, value, note
    changed = diff(before, snapshot(existing, VALUE_FIELDS))
    if changed:
        existing.reported_by = reporter
        existing.save()
        record("partnerships.metric_value.updated", actor=actor, obj=existing, changes=changed)
    return existing, False


@transaction.atomic
def delete_metric_value(*, actor: Any, value: MetricValue) -> None:
    """Delete a reported value (reported by mistake).

    Side effects, in order: an audit entry `partnerships.metric_value.deleted` with the value,
    the row deleted.
    """
    if not can_report_on_initiative(actor, value.metric.initiative):
        raise NotAllowed(_("You may not report on this initiative."))
    record(
        "partnerships.metric_value.deleted",
        actor=actor,
        obj=value,
        data=snapshot(value, VALUE_FIELDS),
    )
    value.delete()

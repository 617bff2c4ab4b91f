"""Reads of the consortium's initiatives and metrics, and overlap detection.

Every object by id goes through a `get_*_for_user` choke-point: ids outside 1..2^63-1 and
records the user may not read (another organization's initiative, for a partner) answer 404.
Lists come with their relations loaded, so their query count does not grow with their length.

Overlaps: two initiatives overlap when both are still open (planning, active or paused), share
at least one focus area and at least one area served, and have different leads (one lead's own
initiatives are its own coordination). They are computed from the focus-area and area rows of
the open initiatives (two queries, whatever their number) and shown to both leads as a
coordination suggestion. A partner user sees of the other initiative only its title, its lead's
name and what is shared, with a link only when they may read it anyway.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from equityhub.partnerships.access import (
    initiatives_for_user,
    is_consortium_staff,
    is_partner_user,
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
from equityhub.people.selectors import valid_id
from equityhub.places.models import Area

S = Initiative.Status
OPEN_STATUSES: tuple[str, ...] = (S.PLANNING, S.ACTIVE, S.PAUSED)
RECENT_VALUES = 6

# Areas carry their (large) boundaries; lists need only their code and name.
AREA_FIELDS = ("id", "kind", "code", "name")


def slim_areas() -> QuerySet[Area]:
    return Area.objects.only(*AREA_FIELDS)


def may_browse_initiatives(user: Any) -> bool:
    """The initiative pages are for consortium staff and partner users (leadership viewers
    read the roll-ups, never a partner's records one by one)."""
    return is_consortium_staff(user) or is_partner_user(user)


def focus_label(code: str, name: str) -> str:
    """A focus area's label in the current language, from its code and stored name."""
    return str(FocusArea.LABELS.get(code, name))


def population_label(code: str, name: str) -> str:
    return str(Population.LABELS.get(code, name))


# -- lists and choices -----------------------------------------------------------------------


@dataclass(frozen=True)
class InitiativeFilters:
    focus_area: str = ""  # a FocusArea code
    status: str = ""
    area: str = ""  # an Area code (a ZIP code)
    lead_organization_id: int | None = None


def with_relations(queryset: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """Everything a list row or an API item shows, in a constant number of queries."""
    return queryset.select_related("lead_organization").prefetch_related(
        "focus_areas",
        "populations",
        Prefetch("areas", queryset=slim_areas()),
        Prefetch(
            "partners",
            queryset=InitiativePartner.objects.select_related("organization"),
        ),
    )


def initiative_list(user: Any, filters: InitiativeFilters | None = None) -> QuerySet[Initiative]:
    """The initiatives the user may read, filtered, by title, relations loaded."""
    filters = filters or InitiativeFilters()
    ids = initiatives_for_user(user).values("pk")
    queryset = Initiative.objects.filter(pk__in=ids)
    if filters.focus_area:
        queryset = queryset.filter(
            pk__in=Initiative.focus_areas.through.objects.filter(
                focusarea__code=filters.focus_area
            ).values("initiative_id")
        )
    if filters.area:
        queryset = queryset.filter(
            pk__in=Initiative.areas.through.objects.filter(area__code=filters.area).values(
                "initiative_id"
            )
        )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.lead_organization_id is not None:
        queryset = queryset.filter(lead_organization_id=filters.lead_organization_id)
    return with_relations(queryset).order_by("title", "pk")


def lead_choices(user: Any) -> QuerySet[Organization]:
    """Organizations the user may name as an initiative's lead: any for staff, their own
    organizations for a partner user, none for anyone else."""
    if is_consortium_staff(user):
        return Organization.objects.order_by("name")
    return Organization.objects.filter(pk__in=partner_organization_ids(user)).order_by("name")


def lead_filter_choices(user: Any) -> QuerySet[Organization]:
    """Organizations leading at least one initiative the user may read."""
    return Organization.objects.filter(
        pk__in=initiatives_for_user(user).values("lead_organization_id")
    ).order_by("name")


def partner_choices(initiative: Initiative) -> QuerySet[Organization]:
    """Organizations that could join the initiative: not its lead, not taking part already."""
    return (
        Organization.objects.exclude(pk=initiative.lead_organization_id)
        .exclude(initiative_roles__initiative=initiative)
        .order_by("name")
    )


def focus_areas() -> QuerySet[FocusArea]:
    return FocusArea.objects.order_by("name")


def populations() -> QuerySet[Population]:
    return Population.objects.order_by("name")


def needs_priorities() -> QuerySet[NeedsPriority]:
    return NeedsPriority.objects.select_related("organization").order_by(
        "organization__name", "-year", "title"
    )


# -- one object by id ------------------------------------------------------------------------


def get_initiative_for_user(user: Any, initiative_id: Any) -> Initiative:
    """An initiative the user may read (404 otherwise), with its lead and sets loaded."""
    pk = valid_id(initiative_id)
    initiative = (
        with_relations(Initiative.objects.filter(pk__in=initiatives_for_user(user).values("pk")))
        .prefetch_related(
            Prefetch("needs_priorities", queryset=needs_priorities()),
        )
        .filter(pk=pk)
        .first()
    )
    if initiative is None:
        raise Http404
    return initiative


def get_partner_for_user(user: Any, partner_id: Any) -> InitiativePartner:
    """A partner row of an initiative the user may read; 404 otherwise."""
    pk = valid_id(partner_id)
    partner = (
        InitiativePartner.objects.select_related("initiative", "organization")
        .filter(pk=pk, initiative_id__in=initiatives_for_user(user).values("pk"))
        .first()
    )
    if partner is None:
        raise Http404
    return partner


def get_metric_for_user(user: Any, metric_id: Any) -> Metric:
    """A metric of an initiative the user may read; 404 otherwise."""
    pk = valid_id(metric_id)
    metric = (
        Metric.objects.select_related("initiative", "initiative__lead_organization")
        .filter(pk=pk, initiative_id__in=initiatives_for_user(user).values("pk"))
        .first()
    )
    if metric is None:
        raise Http404
    return metric


def get_metric_value_for_user(user: Any, value_id: Any) -> MetricValue:
    """A reported value of a metric of an initiative the user may read; 404 otherwise."""
    pk = valid_id(value_id)
    value = (
        MetricValue.objects.select_related("metric", "metric__initiative", "area")
        .defer("area__geometry", "area__display_geometry")
        .filter(pk=pk, metric__initiative_id__in=initiatives_for_user(user).values("pk"))
        .first()
    )
    if value is None:
        raise Http404
    return value


def metrics_of(initiative: Initiative) -> QuerySet[Metric]:
    """The initiative's metrics, active first, each with its values (newest first)."""
    return (
        Metric.objects.filter(initiative=initiative)
        .prefetch_related(Prefetch("values", queryset=values_queryset()))
        .order_by("-is_active", "name")
    )


def values_queryset() -> QuerySet[MetricValue]:
    return (
        MetricValue.objects.select_related("area", "reported_by")
        .defer("area__geometry", "area__display_geometry")
        .order_by("-period_start", "area__code", "pk")
    )


def values_of(metric: Metric) -> QuerySet[MetricValue]:
    return values_queryset().filter(metric=metric)


# -- overlaps --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeLabel:
    code: str
    label: str


@dataclass(frozen=True)
class AreaRef:
    code: str
    name: str

    @property
    def label(self) -> str:
        return (
            f"{self.code} {self.name}".strip()
            if self.name and self.name != self.code
            else (self.code)
        )


@dataclass(frozen=True)
class InitiativeRef:
    """What may be shown of an initiative in a coordination suggestion: for a user who may not
    read it, nothing but its title and its lead's name (`readable` False: no link, no id)."""

    id: int
    title: str
    lead_organization_name: str
    readable: bool = True


@dataclass(frozen=True)
class Overlap:
    other: InitiativeRef
    focus_areas: tuple[CodeLabel, ...]
    areas: tuple[AreaRef, ...]


@dataclass(frozen=True)
class OverlapPair:
    """Two overlapping initiatives; for a partner user `first` is their organization's."""

    first: InitiativeRef
    second: InitiativeRef
    focus_areas: tuple[CodeLabel, ...]
    areas: tuple[AreaRef, ...]


@dataclass
class _Open:
    """One open initiative as overlap detection needs it."""

    id: int
    title: str
    lead_id: int
    lead_name: str
    focus: dict[str, CodeLabel] = field(default_factory=dict)
    areas: dict[int, AreaRef] = field(default_factory=dict)


def _open_initiatives(focus_ids: Any = None, area_ids: Any = None) -> dict[int, _Open]:
    """Open initiatives with their focus areas and areas served: two queries. `focus_ids` and
    `area_ids` (querysets of ids) narrow the rows read to those focus areas and areas."""
    focus_rows = Initiative.focus_areas.through.objects.filter(initiative__status__in=OPEN_STATUSES)
    if focus_ids is not None:
        focus_rows = focus_rows.filter(focusarea_id__in=focus_ids)
    found: dict[int, _Open] = {}
    for row in focus_rows.values(
        "initiative_id",
        "initiative__title",
        "initiative__lead_organization_id",
        "initiative__lead_organization__name",
        "focusarea__code",
        "focusarea__name",
    ):
        item = found.get(row["initiative_id"])
        if item is None:
            item = found[row["initiative_id"]] = _Open(
                id=row["initiative_id"],
                title=row["initiative__title"],
                lead_id=row["initiative__lead_organization_id"],
                lead_name=row["initiative__lead_organization__name"],
            )
        code = row["focusarea__code"]
        item.focus[code] = CodeLabel(code=code, label=focus_label(code, row["focusarea__name"]))
    if not found:
        return found
    area_rows = Initiative.areas.through.objects.filter(initiative__status__in=OPEN_STATUSES)
    if area_ids is not None:
        area_rows = area_rows.filter(area_id__in=area_ids)
    for area_row in area_rows.values("initiative_id", "area_id", "area__code", "area__name"):
        item = found.get(area_row["initiative_id"])
        if item is not None:
            item.areas[area_row["area_id"]] = AreaRef(
                code=area_row["area__code"], name=area_row["area__name"]
            )
    return {pk: item for pk, item in found.items() if item.areas}


def _shared(a: _Open, b: _Open) -> tuple[tuple[CodeLabel, ...], tuple[AreaRef, ...]] | None:
    if a.lead_id == b.lead_id:
        return None
    focus = sorted(a.focus.keys() & b.focus.keys())
    areas = sorted(a.areas.keys() & b.areas.keys(), key=lambda pk: (a.areas[pk].code, pk))
    if not focus or not areas:
        return None
    return tuple(a.focus[code] for code in focus), tuple(a.areas[pk] for pk in areas)


def _readable_ids(user: Any, ids: Collection[int]) -> set[int] | None:
    """Which of `ids` the user may read; None meaning all (staff, or no user given)."""
    if user is None or is_consortium_staff(user):
        return None
    if not ids:
        return set()
    return set(initiatives_for_user(user).filter(pk__in=list(ids)).values_list("pk", flat=True))


def _ref(item: _Open, readable: set[int] | None) -> InitiativeRef:
    return InitiativeRef(
        id=item.id,
        title=item.title,
        lead_organization_name=item.lead_name,
        readable=readable is None or item.id in readable,
    )


def overlapping_initiatives(initiative: Initiative, *, for_user: Any = None) -> list[Overlap]:
    """The open initiatives of other leads sharing a focus area and an area served with this
    one (none when this one is completed), by title. Three queries at most; with `for_user`,
    each other initiative is marked readable or not for that user (one more query for a
    partner user)."""
    if initiative.status not in OPEN_STATUSES:
        return []
    focus_ids = Initiative.focus_areas.through.objects.filter(initiative_id=initiative.pk).values(
        "focusarea_id"
    )
    area_ids = Initiative.areas.through.objects.filter(initiative_id=initiative.pk).values(
        "area_id"
    )
    found = _open_initiatives(focus_ids, area_ids)
    mine = found.pop(initiative.pk, None)
    if mine is None:
        return []
    shared = {pk: _shared(mine, other) for pk, other in found.items()}
    hits = {pk: bits for pk, bits in shared.items() if bits is not None}
    readable = _readable_ids(for_user, hits.keys())
    overlaps = [
        Overlap(other=_ref(found[pk], readable), focus_areas=bits[0], areas=bits[1])
        for pk, bits in hits.items()
    ]
    return sorted(overlaps, key=lambda o: (o.other.title.casefold(), o.other.id))


def overlaps_for_user(user: Any) -> list[OverlapPair]:
    """Overlapping pairs the user should hear about: every pair once for staff; for a partner
    user, the pairs where one side is led by their organization (that side first); nothing for
    anyone else. Two queries (plus one for a partner user's readable initiatives)."""
    staff = is_consortium_staff(user)
    own = partner_organization_ids(user)
    if not staff and not own:
        return []
    found = _open_initiatives()
    by_focus: dict[str, list[int]] = defaultdict(list)
    for item in found.values():
        for code in item.focus:
            by_focus[code].append(item.id)
    candidates: set[tuple[int, int]] = set()
    for ids in by_focus.values():
        for a, b in combinations(sorted(ids), 2):
            if staff or found[a].lead_id in own or found[b].lead_id in own:
                candidates.add((a, b))
    hits: list[tuple[_Open, _Open, tuple[tuple[CodeLabel, ...], tuple[AreaRef, ...]]]] = []
    for a, b in sorted(candidates):
        first, second = found[a], found[b]
        bits = _shared(first, second)
        if bits is None:
            continue
        if not staff and first.lead_id not in own:
            first, second = second, first
        hits.append((first, second, bits))
    readable = _readable_ids(user, {item.id for pair in hits for item in pair[:2]})
    pairs = [
        OverlapPair(
            first=_ref(first, readable),
            second=_ref(second, readable),
            focus_areas=bits[0],
            areas=bits[1],
        )
        for first, second, bits in hits
    ]
    return sorted(
        pairs, key=lambda p: (p.first.title.casefold(), p.second.title.casefold(), p.first.id)
    )

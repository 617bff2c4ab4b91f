"""Site rotation and bus packing for the Medical Plunge.

**Rotation.**  A Plunge week has site-visit *slots* ("Tue 9:00").  In every
slot every group visits exactly one of the sites offered in that slot; each
offer hosts at most ``capacity`` groups; a group never visits the same site
twice over the week.  Within those hard rules the rotation prefers variety:

* every group should visit at least one site of each *required kind*
  (e.g. a clinic, a school and a community organization) -- soft by default,
  hard with ``kinds_hard=True``;
* a group should not visit the same *area* twice (each repeat costs 1).

The objective reported in :class:`Rotation` is ``10 * (number of
(group, required kind) pairs satisfied) - (number of area repeats)``, higher
is better.  It is solved exactly as a 0/1 integer programme with
``scipy.optimize.milp`` (the HiGHS solver shipped with SciPy; no OR-Tools).
HiGHS is deterministic, so the same input gives the same answer (unless the
time limit cuts the search short, see ``Rotation.optimal``).  Groups are
interchangeable here, but ordering constraints to break that symmetry made
HiGHS much slower (no solution in 30 s for 40 groups x 6 slots instead of
about 3 s), so there are none.

Before solving, necessary conditions are checked and every violation found is
reported at once in :class:`RotationInfeasible` (``reasons``), in words a
coordinator can act on: "slot Tue 9:00 has capacity for 12 groups, 15 are
unassigned".

**Buses.**  :func:`bus_runs` packs the groups going out in one slot into buses
of at most ``bus_capacity`` people, never splitting a group, keeping the groups
of one site together (first-fit decreasing per site) and then letting two
partly filled buses of different sites share a bus (at most two stops).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped]
from scipy.sparse import csr_array  # type: ignore[import-untyped]

__all__ = [
    "AREA_REPEAT_WEIGHT",
    "KIND_WEIGHT",
    "BusRun",
    "Offer",
    "Rotation",
    "RotationInfeasible",
    "RotationTimedOut",
    "Slot",
    "bus_runs",
    "rotate",
]

KIND_WEIGHT: Final = 10
"""Objective gain for each (group, required kind) pair that is satisfied."""

AREA_REPEAT_WEIGHT: Final = 1
"""Objective cost of each repeated (group, area) visit."""

_MAX_SUBSET_SLOTS: Final = 12
"""Up to this many slots every subset of slots is checked (2**12 subsets)."""


@dataclass(frozen=True)
class Offer:
    """A site open for visits in one slot, hosting at most ``capacity`` groups."""

    site: str
    capacity: int
    kind: str = ""
    area: str = ""


@dataclass(frozen=True)
class Slot:
    """A site-visit slot: ``key`` identifies it, ``label`` is shown to people."""

    key: str
    label: str
    offers: Sequence[Offer]


@dataclass(frozen=True)
class Rotation:
    """A solved rotation.

    ``visits`` maps group -> slot key -> site, for every group and slot.
    ``kinds_missing`` maps each group to the required kinds it could not get
    (only groups missing something are listed; always empty when the kinds are
    hard).  ``repeated_areas`` counts, over all groups, the visits to an area
    the group had already visited.  ``objective`` is ``10 * kinds satisfied -
    repeated_areas``.  ``optimal`` is False when the time limit stopped the
    solver before it proved the answer best (the answer is still valid).
    """

    visits: dict[str, dict[str, str]]
    kinds_missing: dict[str, list[str]]
    repeated_areas: int
    objective: float
    seconds: float
    optimal: bool = True


class RotationInfeasible(ValueError):
    """No rotation satisfies the hard rules; ``reasons`` says why, in words."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons: list[str] = list(reasons)
        super().__init__("; ".join(self.reasons))


class RotationTimedOut(RotationInfeasible):
    """The time limit passed before any rotation was found (not proven infeasible)."""


@dataclass(frozen=True)
class BusRun:
    """One bus: its stops (sites), the groups on board and the head count."""

    number: int
    site_stops: list[str]
    groups: list[str]
    people: int


# --------------------------------------------------------------------------- #
# Rotation
# --------------------------------------------------------------------------- #


@dataclass
class _Week:
    """The validated input: usable offers per slot, and index helpers."""

    groups: list[str]
    slots: list[Slot]
    offers: list[list[Offer]] = field(default_factory=list)  # per slot, capacity > 0

    @property
    def sites(self) -> list[str]:
        seen = dict.fromkeys(o.site for offers in self.offers for o in offers)
        return list(seen)


def _validate(groups: Sequence[str], slots: Sequence[Slot]) -> _Week:
    if len(set(groups)) != len(groups):
        raise ValueError(_("Group names must be unique."))
    keys = [s.key for s in slots]
    if len(set(keys)) != len(keys):
        raise ValueError(_("Slot keys must be unique."))
    week = _Week(groups=list(groups), slots=list(slots))
    for slot in slots:
        sites = [o.site for o in slot.offers]
        if len(set(sites)) != len(sites):
            raise ValueError(_("Slot %(slot)s offers the same site twice.") % {"slot": slot.label})
        if any(o.capacity < 0 for o in slot.offers):
            raise ValueError(
                _("Slot %(slot)s has an offer with a negative capacity.") % {"slot": slot.label}
            )
        week.offers.append([o for o in slot.offers if o.capacity > 0])
    return week


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(head)s and %(last)s") % {"head": ", ".join(items[:-1]), "last": items[-1]}


def _slot_subsets(n: int) -> list[tuple[int, ...]]:
    """Subsets of at least 2 slots to check, smallest first.

    Every subset up to ``_MAX_SUBSET_SLOTS`` slots; beyond that pairs, triples
    and the whole week only.
    """
    sizes = range(2, n + 1) if n <= _MAX_SUBSET_SLOTS else range(2, 4)
    subsets = [c for k in sizes for c in itertools.combinations(range(n), k)]
    if n > _MAX_SUBSET_SLOTS:
        subsets.append(tuple(range(n)))
    return subsets


def _check(week: _Week, required_kinds: Sequence[str], *, kinds_hard: bool) -> list[str]:
    """Necessary conditions; returns every reason found (empty when none)."""
    if not week.groups:
        return []
    reasons, short_slots = _slot_capacity_reasons(week)
    reasons += _distinct_site_reasons(week, short_slots)
    if kinds_hard:
        reasons += _kind_reasons(week, required_kinds)
    return reasons


def _slot_capacity_reasons(week: _Week) -> tuple[list[str], set[int]]:
    """Every slot must seat every group."""
    n_groups = len(week.groups)
    reasons: list[str] = []
    short_slots: set[int] = set()
    for i, slot in enumerate(week.slots):
        capacity = sum(o.capacity for o in week.offers[i])
        if capacity < n_groups:
            short_slots.add(i)
            reasons.append(
                ngettext(
                    "slot %(slot)s has capacity for %(capacity)d group, %(groups)d are unassigned",
                    "slot %(slot)s has capacity for %(capacity)d groups, %(groups)d are unassigned",
                    capacity,
                )
                % {"slot": slot.label, "capacity": capacity, "groups": n_groups}
            )
    return reasons, short_slots


def _distinct_site_reasons(week: _Week, short_slots: set[int]) -> list[str]:
    """A group needs a distinct site in every slot.

    Over the whole week, and over every set of slots T (Hall's condition).
    The capacity version too: across T each site takes at most one visit per
    group, so the sum over sites of min(groups, capacity in T) must reach
    groups * |T|.  Only minimal violating sets are reported.
    """
    n_groups = len(week.groups)
    n_slots = len(week.slots)
    reasons: list[str] = []
    n_sites = len(week.sites)
    if n_sites < n_slots:
        reasons.append(
            _(
                "each group can visit only %(sites)d distinct sites across %(slots)d slots, "
                "so it would have to visit a site twice"
            )
            % {"sites": n_sites, "slots": n_slots}
        )
    violated: list[frozenset[int]] = [frozenset([i]) for i in short_slots]
    for subset in _slot_subsets(n_slots):
        members = frozenset(subset)
        if any(v <= members for v in violated):
            continue
        capacity_by_site: dict[str, int] = {}
        for i in subset:
            for o in week.offers[i]:
                capacity_by_site[o.site] = capacity_by_site.get(o.site, 0) + o.capacity
        labels = _join([week.slots[i].label for i in subset])
        sites = list(capacity_by_site)
        usable = sum(min(n_groups, c) for c in capacity_by_site.values())
        needed = n_groups * len(subset)
        if len(sites) < len(subset):
            violated.append(members)
            if len(subset) == n_slots:
                continue  # said above for the whole week
            reasons.append(_too_few_sites(sites, len(subset), labels))
        elif usable < needed:
            violated.append(members)
            reasons.append(
                _(
                    "slots %(slots)s need %(needed)d group visits, but as no group may visit "
                    "a site twice their sites can take only %(usable)d"
                )
                % {"slots": labels, "needed": needed, "usable": usable}
            )
    return reasons


def _too_few_sites(sites: list[str], n_slots: int, labels: str) -> str:
    if len(sites) == 1:
        return _(
            "site %(site)s is the only option in %(count)d slots (%(slots)s), "
            "so groups would have to visit it twice"
        ) % {"site": sites[0], "count": n_slots, "slots": labels}
    return _(
        "slots %(slots)s offer only %(count)d distinct sites (%(sites)s), "
        "so groups would have to visit one of them twice"
    ) % {"slots": labels, "count": len(sites), "sites": _join(sites)}


def _kind_reasons(week: _Week, required_kinds: Sequence[str]) -> list[str]:
    """Hard kinds: offered at all, and often enough for every group."""
    n_groups = len(week.groups)
    reasons: list[str] = []
    if len(required_kinds) > len(week.slots):
        reasons.append(
            _("%(kinds)d site kinds are required (%(names)s) but the week has only %(slots)d slots")
            % {
                "kinds": len(required_kinds),
                "names": _join(list(required_kinds)),
                "slots": len(week.slots),
            }
        )
    reasons += _kind_slot_reasons(week, required_kinds)
    for kind in required_kinds:
        kind_capacity = sum(
            min(o.capacity, n_groups) for offers in week.offers for o in offers if o.kind == kind
        )
        if kind_capacity == 0:
            reasons.append(
                _("no slot offers a site of the required kind %(kind)s") % {"kind": kind}
            )
        elif kind_capacity < n_groups:
            reasons.append(
                _(
                    "sites of the required kind %(kind)s can take %(capacity)d group "
                    "visits over the week, but %(groups)d groups each need one"
                )
                % {"kind": kind, "capacity": kind_capacity, "groups": n_groups}
            )
    return reasons


def _kind_slot_reasons(week: _Week, required_kinds: Sequence[str]) -> list[str]:
    """A group gets one kind per slot, so every set of kinds needs as many slots.

    Hall's condition between the required kinds and the slots offering them;
    only minimal violating sets of at least two kinds are reported (a single
    kind offered nowhere is reported on its own).
    """
    slots_of = {
        kind: frozenset(
            i for i, offers in enumerate(week.offers) if any(o.kind == kind for o in offers)
        )
        for kind in required_kinds
    }
    reasons: list[str] = []
    violated: list[frozenset[str]] = [frozenset([k]) for k, slots in slots_of.items() if not slots]
    if len(required_kinds) > len(week.slots):
        violated.append(frozenset(required_kinds))
    for size in range(2, len(required_kinds) + 1):
        for subset in itertools.combinations(required_kinds, size):
            members = frozenset(subset)
            if any(v <= members for v in violated):
                continue
            offering = sorted(set().union(*(slots_of[k] for k in subset)))
            if len(offering) < size:
                violated.append(members)
                reasons.append(
                    _(
                        "the required kinds %(kinds)s are offered only in %(slots)s, so no "
                        "group can visit all of them"
                    )
                    % {
                        "kinds": _join(list(subset)),
                        "slots": _join([week.slots[i].label for i in offering]),
                    }
                )
    return reasons


def _statistics(week: _Week) -> str:
    per_slot = ", ".join(
        _("%(slot)s: %(sites)d sites with room for %(capacity)d groups")
        % {
            "slot": slot.label,
            "sites": len(week.offers[i]),
            "capacity": sum(o.capacity for o in week.offers[i]),
        }
        for i, slot in enumerate(week.slots)
    )
    return _("%(groups)d groups, %(sites)d distinct sites; %(per_slot)s") % {
        "groups": len(week.groups),
        "sites": len(week.sites),
        "per_slot": per_slot,
    }


class _Model:
    """Builds the sparse rows of the integer programme."""

    def __init__(self) -> None:
        self.n_vars = 0
        self.cost: list[float] = []
        self.upper: list[float] = []
        self.integral: list[int] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def var(self, *, cost: float, upper: float, integral: bool) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        self.integral.append(1 if integral else 0)
        self.n_vars += 1
        return self.n_vars - 1

    def row(self, terms: Sequence[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(self.lo)
        for col, val in terms:
            self.rows.append(r)
            self.cols.append(col)
            self.vals.append(val)
        self.lo.append(lo)
        self.hi.append(hi)


def rotate(
    groups: Sequence[str],
    slots: Sequence[Slot],
    *,
    required_kinds: Sequence[str] = (),
    kinds_hard: bool = False,
    time_limit: float = 10.0,
) -> Rotation:
    """Assign every group to one site in every slot; see the module docstring.

    Raises :class:`RotationInfeasible` (with every reason found) when the hard
    rules cannot be met, :class:`RotationTimedOut` when the time limit passes
    before any rotation is found, and ``ValueError`` for malformed input
    (duplicate group names, slot keys or sites within a slot, negative
    capacities).
    """
    started = time.perf_counter()
    week = _validate(groups, slots)
    kinds = list(dict.fromkeys(k for k in required_kinds if k))
    reasons = _check(week, kinds, kinds_hard=kinds_hard)
    if reasons:
        raise RotationInfeasible(reasons)
    if not week.groups:
        return Rotation({}, {}, 0, 0.0, time.perf_counter() - started)

    model, x = _build(week, kinds, kinds_hard=kinds_hard)
    matrix = csr_array((model.vals, (model.rows, model.cols)), shape=(len(model.lo), model.n_vars))
    remaining = max(0.1, time_limit - (time.perf_counter() - started))
    result = milp(
        c=np.array(model.cost),
        integrality=np.array(model.integral),
        bounds=Bounds(np.zeros(model.n_vars), np.array(model.upper)),
        constraints=[LinearConstraint(matrix, np.array(model.lo), np.array(model.hi))]
        if model.lo
        else [],
        options={"time_limit": remaining, "mip_rel_gap": 0.0, "presolve": True},
    )
    if result.x is None:
        stats = _statistics(week)
        if result.status == 1:
            raise RotationTimedOut(
                [
                    _(
                        "no rotation was found within %(seconds)s seconds; the week may be "
                        "infeasible, or a longer time limit may find one"
                    )
                    % {"seconds": f"{time_limit:g}"},
                    stats,
                ]
            )
        raise RotationInfeasible(
            [
                _(
                    "no rotation meets every rule, although each slot and site has room on "
                    "its own: the capacities, the no-repeat rule and the required kinds "
                    "conflict in combination"
                ),
                stats,
            ]
        )
    return _read(week, kinds, x, result.x, optimal=result.status == 0, started=started)


def _build(
    week: _Week, kinds: Sequence[str], *, kinds_hard: bool
) -> tuple[_Model, list[list[list[int]]]]:
    """The integer programme; ``x[g][i][j]``: group g visits offer j of slot i."""
    model = _Model()
    n_groups = len(week.groups)
    x = [
        [[model.var(cost=0.0, upper=1, integral=True) for _o in offers] for offers in week.offers]
        for _g in week.groups
    ]
    for row in x:
        _group_rows(model, week, row, kinds, kinds_hard=kinds_hard)
    # Capacity of each offer.
    for i, offers in enumerate(week.offers):
        for j, o in enumerate(offers):
            if o.capacity < n_groups:
                model.row([(x[g][i][j], 1.0) for g in range(n_groups)], 0, o.capacity)
    return model, x


def _group_rows(
    model: _Model,
    week: _Week,
    x_g: list[list[int]],
    kinds: Sequence[str],
    *,
    kinds_hard: bool,
) -> None:
    """The rows of one group: one site per slot, no repeat, kinds, areas."""
    by_site: dict[str, list[int]] = {}
    by_kind: dict[str, list[int]] = {}
    by_area: dict[str, list[int]] = {}
    for i, offers in enumerate(week.offers):
        model.row([(v, 1.0) for v in x_g[i]], 1, 1)  # exactly one site per slot
        for j, o in enumerate(offers):
            by_site.setdefault(o.site, []).append(x_g[i][j])
            by_kind.setdefault(o.kind, []).append(x_g[i][j])
            by_area.setdefault(o.area, []).append(x_g[i][j])
    # Never the same site twice.
    for cols in by_site.values():
        if len(cols) > 1:
            model.row([(v, 1.0) for v in cols], 0, 1)
    # Kinds: hard rows, or y <= number of visits of the kind (maximize y).
    for kind in kinds:
        cols = by_kind.get(kind, [])
        if kinds_hard:
            model.row([(v, 1.0) for v in cols], 1, np.inf)
        elif cols:
            y = model.var(cost=-KIND_WEIGHT, upper=1, integral=True)
            model.row([(y, 1.0)] + [(v, -1.0) for v in cols], -np.inf, 0)
    # Areas: z >= visits of the area - 1 (minimize z).
    for area, cols in by_area.items():
        if area and len(cols) > 1:
            z = model.var(cost=AREA_REPEAT_WEIGHT, upper=np.inf, integral=False)
            model.row([(v, 1.0) for v in cols] + [(z, -1.0)], -np.inf, 1)


def _read(
    week: _Week,
    kinds: Sequence[str],
    x: list[list[list[int]]],
    values: npt.NDArray[np.float64],
    *,
    optimal: bool,
    started: float,
) -> Rotation:
    visits: dict[str, dict[str, str]] = {}
    kinds_missing: dict[str, list[str]] = {}
    repeated_areas = 0
    satisfied = 0
    for g, group in enumerate(week.groups):
        plan: dict[str, str] = {}
        got_kinds: set[str] = set()
        areas: list[str] = []
        for i, slot in enumerate(week.slots):
            chosen = int(np.argmax(values[x[g][i]]))
            offer = week.offers[i][chosen]
            plan[slot.key] = offer.site
            got_kinds.add(offer.kind)
            if offer.area:
                areas.append(offer.area)
        visits[group] = plan
        missing = [k for k in kinds if k not in got_kinds]
        satisfied += len(kinds) - len(missing)
        if missing:
            kinds_missing[group] = missing
        repeated_areas += len(areas) - len(set(areas))
    return Rotation(
        visits=visits,
        kinds_missing=kinds_missing,
        repeated_areas=repeated_areas,
        objective=float(KIND_WEIGHT * satisfied - AREA_REPEAT_WEIGHT * repeated_areas),
        seconds=time.perf_counter() - started,
        optimal=optimal,
    )


# --------------------------------------------------------------------------- #
# Buses
# --------------------------------------------------------------------------- #


def _natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort "Group 2" before "Group 10"."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in re.split(r"(\d+)", text)
        if part
    )


@dataclass
class _Load:
    sites: list[str]
    groups: list[tuple[str, int]]

    @property
    def people(self) -> int:
        return sum(n for _g, n in self.groups)


def bus_runs(
    groups_at_sites: Mapping[str, Sequence[tuple[str, int]]], *, bus_capacity: int
) -> list[BusRun]:
    """Pack the groups of one slot into buses; see the module docstring.

    ``groups_at_sites`` maps a site to the ``(group, people)`` going there.
    Raises ``ValueError`` for a non-positive bus capacity, a negative head
    count, a group listed twice, or a group larger than a bus (named).
    """
    _check_buses(groups_at_sites, bus_capacity)
    loads = _share(_pack_per_site(groups_at_sites, bus_capacity), bus_capacity)
    loads.sort(key=lambda b: ([_natural_key(s) for s in b.sites], -b.people))
    return [
        BusRun(
            number=n,
            site_stops=list(load.sites),
            groups=[g for g, _p in load.groups],
            people=load.people,
        )
        for n, load in enumerate(loads, start=1)
    ]


def _check_buses(groups_at_sites: Mapping[str, Sequence[tuple[str, int]]], capacity: int) -> None:
    if capacity <= 0:
        raise ValueError(_("The bus capacity must be positive."))
    seen: set[str] = set()
    oversized: list[str] = []
    for entries in groups_at_sites.values():
        for group, people in entries:
            if group in seen:
                raise ValueError(_("Group %(group)s is listed twice.") % {"group": group})
            seen.add(group)
            if people < 0:
                raise ValueError(_("Group %(group)s has a negative head count.") % {"group": group})
            if people > capacity:
                oversized.append(
                    _("group %(group)s has %(people)d people, more than a bus holds (%(cap)d)")
                    % {"group": group, "people": people, "cap": capacity}
                )
    if oversized:
        raise ValueError("; ".join(oversized))


def _pack_per_site(
    groups_at_sites: Mapping[str, Sequence[tuple[str, int]]], capacity: int
) -> list[_Load]:
    """First-fit decreasing per site: afterwards no two loads of one site fit in one bus."""
    loads: list[_Load] = []
    for site in sorted(groups_at_sites, key=_natural_key):
        entries = sorted(groups_at_sites[site], key=lambda e: (-e[1], _natural_key(e[0])))
        site_loads: list[_Load] = []
        for group, people in entries:
            for load in site_loads:
                if load.people + people <= capacity:
                    load.groups.append((group, people))
                    break
            else:
                site_loads.append(_Load([site], [(group, people)]))
        loads.extend(site_loads)
    return loads


def _share(loads: list[_Load], capacity: int) -> list[_Load]:
    """Let two loads of different sites share a bus (two stops at most).

    The lightest load rides with the heaviest load of another site it fits
    with (the classic two-pointer pairing, which is optimal for pairing
    without the different-site rule).
    """
    order = sorted(
        range(len(loads)), key=lambda k: (loads[k].people, _natural_key(loads[k].sites[0]))
    )
    taken: set[int] = set()
    result: list[_Load] = []
    for k in order:
        if k in taken:
            continue
        taken.add(k)
        partner = next(
            (
                m
                for m in reversed(order)
                if m not in taken
                and loads[m].sites[0] != loads[k].sites[0]
                and loads[m].people + loads[k].people <= capacity
            ),
            None,
        )
        if partner is None:
            result.append(loads[k])
            continue
        taken.add(partner)
        first, second = sorted((loads[k], loads[partner]), key=lambda n: _natural_key(n.sites[0]))
        result.append(_Load(first.sites + second.sites, first.groups + second.groups))
    return result

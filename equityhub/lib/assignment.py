"""Reviewer assignment: give every application its reviewers, none with a declared conflict, with
the reviewers' loads as even as the conflicts allow.

Plain data in, plain data out (no database): applications and reviewers are indices
`0..applications-1` and `0..reviewers-1`; the caller maps them to rows.

The method is exact, not a heuristic. Assignment is a flow problem on a bipartite network:

    source -> application i        capacity need[i]  (k, or k minus the reviews it has)
    application i -> reviewer j    capacity 1        (only when (i, j) is not a conflict)
    reviewer j -> sink             lower bound lo[j], upper bound hi[j]  (the load window)

An assignment exists with every reviewer's load inside its window exactly when this network
has a flow that saturates every source edge. Lower bounds are removed with the standard
transformation, which here collapses to one extra node `X`: reviewer j sends up to lo[j]
straight to the sink and up to hi[j] - lo[j] through `X`, and `X -> sink` carries at most
`total - sum(lo)`. A flow of value `total` must then fill every direct edge, i.e. give
reviewer j at least lo[j]; a balanced assignment gives such a flow, and such a flow is an
assignment inside the windows. `scipy.sparse.csgraph.maximum_flow` (Dinic) solves it.

Balance: with T the total load (existing plus new) over R reviewers, the windows are
[floor(T/R), ceil(T/R)] (less what each reviewer already carries). When no assignment fits
those windows (conflicts concentrated on a few reviewers, or loads already uneven), the plan
falls back to the smallest possible largest load M and then, with M fixed, the largest
possible smallest load (each found by binary search over the same feasibility test), and says
so in `AssignmentPlan.note`; `assign` also issues an `UnbalancedAssignment` warning.

Ties: which of several equally good assignments comes out depends on the order of the nodes;
applications and reviewers are put in the order of a permutation drawn from `seed`, so a run
is reproducible and different seeds spread the pairings differently.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# scipy ships no type information (scipy-stubs is not a dependency).
from scipy.sparse import csr_array  # type: ignore[import-untyped]
from scipy.sparse.csgraph import maximum_flow  # type: ignore[import-untyped]

__all__ = [
    "AssignmentInfeasible",
    "AssignmentPlan",
    "UnbalancedAssignment",
    "assign",
    "plan_assignment",
]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
MAX_NAMED = 5  # applications named in an error message; all are in `.applications`


class AssignmentInfeasible(ValueError):
    """No assignment gives every application its reviewers; `applications` are the indices of
    the applications with too few reviewers free of conflicts."""

    def __init__(self, message: str, *, applications: Iterable[int] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.applications = tuple(applications)


class UnbalancedAssignment(UserWarning):
    """The conflicts (or the existing loads) allow no assignment with loads within one of each
    other; the assignment returned minimizes the largest load instead."""


@dataclass(frozen=True)
class AssignmentPlan:
    reviewers: list[list[int]]  # per application: its new reviewers' indices, ascending
    loads: list[int]  # per reviewer: the load after the assignment (existing + new)
    balanced: bool  # every load is floor(T/R) or ceil(T/R)
    note: str  # why the plan is not balanced ("" when it is)

    @property
    def spread(self) -> int:
        """Largest load minus smallest (0 without reviewers)."""
        return max(self.loads) - min(self.loads) if self.loads else 0


def assign(
    applications: int,
    reviewers: int,
    per_application: int | Sequence[int],
    conflicts: set[tuple[int, int]],
    *,
    existing_loads: Sequence[int] | None = None,
    seed: int = 0,
) -> list[list[int]]:
    """Each application's reviewers (distinct, none conflicted), loads as even as possible.

    `per_application` is k for every application, or one number per application (for
    applications that already have some of their reviews). `conflicts` holds (application,
    reviewer) pairs never to assign; pass pairs that already have a review there too.
    `existing_loads` (one per reviewer) count towards the balance.

    Raises `AssignmentInfeasible` when an application has fewer reviewers free of conflicts
    than it needs. Warns `UnbalancedAssignment` when only an unbalanced assignment exists
    (the largest load is then as small as possible).
    """
    plan = plan_assignment(
        applications,
        reviewers,
        per_application,
        conflicts,
        existing_loads=existing_loads,
        seed=seed,
    )
    if not plan.balanced:
        warnings.warn(plan.note, UnbalancedAssignment, stacklevel=2)
    return plan.reviewers


def plan_assignment(
    applications: int,
    reviewers: int,
    per_application: int | Sequence[int],
    conflicts: set[tuple[int, int]],
    *,
    existing_loads: Sequence[int] | None = None,
    seed: int = 0,
) -> AssignmentPlan:
    """`assign` with the loads and the balance verdict: see the module docstring."""
    need, existing, allowed = _inputs(
        applications, reviewers, per_application, conflicts, existing_loads
    )
    _check_enough_reviewers(need, allowed)
    total = int(need.sum())
    if total == 0:
        return _plan(np.zeros_like(allowed), existing, note="")

    rng = np.random.default_rng(seed)
    app_order = rng.permutation(applications)
    rev_order = rng.permutation(reviewers)
    network = _Network(need[app_order], allowed[app_order][:, rev_order])
    held = existing[rev_order]

    grand_total = int(existing.sum()) + total
    floor, ceil = grand_total // reviewers, -(-grand_total // reviewers)
    chosen = network.solve(_window(held, floor), _window(held, ceil))
    note = ""
    if chosen is None:
        chosen, largest, smallest = _least_uneven(network, held, floor, ceil)
        window = f"{floor}" if floor == ceil else f"{floor} or {ceil}"
        note = (
            f"No assignment keeps every reviewer's load at {window}: the conflicts"
            + (" and the existing loads" if existing.any() else "")
            + f" do not allow it. The largest load is as small as possible ({largest}), and "
            f"with it the smallest as large as possible ({smallest})."
        )
    result = np.zeros_like(allowed)
    result[np.ix_(app_order, rev_order)] = chosen
    return _plan(result, existing, note=note)


# -- inputs ----------------------------------------------------------------------------------


def _inputs(
    applications: int,
    reviewers: int,
    per_application: int | Sequence[int],
    conflicts: set[tuple[int, int]],
    existing_loads: Sequence[int] | None,
) -> tuple[IntArray, IntArray, BoolArray]:
    if applications < 0 or reviewers < 0:
        raise ValueError("applications and reviewers cannot be negative")
    if isinstance(per_application, int):
        need = np.full(applications, per_application, dtype=np.int64)
    else:
        need = np.asarray(list(per_application), dtype=np.int64).reshape(-1)
        if need.shape != (applications,):
            raise ValueError("per_application needs one number per application")
    if (need < 0).any():
        raise ValueError("per_application cannot be negative")
    existing = (
        np.zeros(reviewers, dtype=np.int64)
        if existing_loads is None
        else np.asarray(list(existing_loads), dtype=np.int64).reshape(-1)
    )
    if existing.shape != (reviewers,) or (existing < 0).any():
        raise ValueError("existing_loads needs one non-negative number per reviewer")
    allowed = np.ones((applications, reviewers), dtype=np.bool_)
    if conflicts:
        pairs = np.asarray(sorted(conflicts), dtype=np.int64).reshape(-1, 2)
        inside = (
            (pairs[:, 0] >= 0)
            & (pairs[:, 0] < applications)
            & (pairs[:, 1] >= 0)
            & (pairs[:, 1] < reviewers)
        )
        if not inside.all():
            raise ValueError("a conflict names an application or reviewer out of range")
        allowed[pairs[:, 0], pairs[:, 1]] = False
    return need, existing, allowed


def _check_enough_reviewers(need: IntArray, allowed: BoolArray) -> None:
    free = allowed.sum(axis=1)
    short = np.flatnonzero(free < need)
    if short.size == 0:
        return
    described = "; ".join(
        f"application {i} has {int(free[i])} reviewer{'s' if free[i] != 1 else ''} free of "
        f"conflicts and needs {int(need[i])}"
        for i in short[:MAX_NAMED]
    )
    more = f" (and {short.size - MAX_NAMED} more)" if short.size > MAX_NAMED else ""
    raise AssignmentInfeasible(
        f"Not enough reviewers: {described}{more}.", applications=(int(i) for i in short)
    )


def _window(held: IntArray, load: int) -> IntArray:
    """New reviews that bring each reviewer to `load` (0 for those already there or past)."""
    return np.maximum(load - held, 0)


def _plan(result: BoolArray, existing: IntArray, *, note: str) -> AssignmentPlan:
    loads = existing + result.sum(axis=0)
    balanced = loads.size == 0 or int(loads.max() - loads.min()) <= 1
    return AssignmentPlan(
        reviewers=[np.flatnonzero(row).tolist() for row in result],
        loads=loads.tolist(),
        balanced=balanced,
        note="" if balanced else note or "The existing loads are uneven.",
    )


# -- the flow network ------------------------------------------------------------------------


class _Network:
    """source, applications, reviewers, X, sink: the fixed part is built once; each solve adds
    the reviewers' windows."""

    def __init__(self, need: IntArray, allowed: BoolArray) -> None:
        self.apps, self.revs = allowed.shape
        self.total = int(need.sum())
        self.source = 0
        self.x = 1 + self.apps + self.revs
        self.sink = self.x + 1
        app_rows, rev_cols = np.nonzero(allowed)
        self.rows = np.concatenate([np.zeros(self.apps, dtype=np.int64), 1 + app_rows])
        self.cols = np.concatenate([1 + np.arange(self.apps), 1 + self.apps + rev_cols])
        self.caps = np.concatenate([need, np.ones(app_rows.size, dtype=np.int64)])

    def solve(self, lower: IntArray, upper: IntArray) -> BoolArray | None:
        """Who reviews what with every reviewer's new load in [lower, upper], or None."""
        lower_sum = int(lower.sum())
        if lower_sum > self.total or (upper < lower).any() or int(upper.sum()) < self.total:
            return None
        rev_nodes = 1 + self.apps + np.arange(self.revs)
        slack = upper - lower
        direct, through = lower > 0, slack > 0
        rows = np.concatenate(
            [self.rows, rev_nodes[direct], rev_nodes[through], np.array([self.x])]
        )
        cols = np.concatenate(
            [
                self.cols,
                np.full(int(direct.sum()), self.sink),
                np.full(int(through.sum()), self.x),
                np.array([self.sink]),
            ]
        )
        caps = np.concatenate(
            [self.caps, lower[direct], slack[through], np.array([self.total - lower_sum])]
        )
        keep = caps > 0
        size = self.sink + 1
        graph = csr_array(
            (caps[keep].astype(np.int32), (rows[keep], cols[keep])), shape=(size, size)
        )
        flow = maximum_flow(graph, self.source, self.sink, method="dinic")
        if int(flow.flow_value) != self.total:
            return None
        block = flow.flow[1 : 1 + self.apps, 1 + self.apps : 1 + self.apps + self.revs]
        return np.asarray(block.toarray() > 0)


def _least_uneven(
    network: _Network, held: IntArray, floor: int, ceil: int
) -> tuple[BoolArray, int, int]:
    """The assignment with the smallest largest load, then the largest smallest load."""
    zero = np.zeros_like(held)

    def with_max(largest: int) -> BoolArray | None:
        return network.solve(zero, _window(held, largest))

    low, high = max(ceil, int(held.max())), int(held.max()) + network.apps
    best = with_max(high)
    if best is None:  # pragma: no cover - every application has enough free reviewers
        raise AssignmentInfeasible("No assignment exists.")
    while low < high:
        middle = (low + high) // 2
        found = with_max(middle)
        if found is None:
            low = middle + 1
        else:
            high, best = middle, found
    largest = high
    upper = _window(held, largest)

    low_min, high_min = int(held.min()), floor
    while low_min < high_min:
        middle = (low_min + high_min + 1) // 2
        found = network.solve(_window(held, middle), upper)
        if found is None:
            high_min = middle - 1
        else:
            low_min, best = middle, found
    return best, largest, low_min

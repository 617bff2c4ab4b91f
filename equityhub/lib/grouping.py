"""Diverse small groups: anticlustering on one-hot attributes (the Medical Plunge).

**The measure.**  Every category of every chosen attribute becomes a column (a multi-valued
attribute such as languages gives one 0/1 column per value; a missing value sets no column),
multiplied by the attribute's weight.  With ``C[g][c]`` the weighted count of column ``c`` in
group ``g``, the engine minimizes ``SS = sum over g, c of C[g][c]^2``: for fixed column totals
the sum of squares is smallest when every column is spread as evenly as possible.  Spreading a
column of ``t`` ones over ``G`` groups as ``floor(t/G)`` or ``ceil(t/G)`` per group gives a lower
bound, :func:`ss_ideal`, that no assignment can beat; :func:`ss_random` is the mean SS of a few
random equal-size assignments, and ``excess = (SS - SS_ideal) / (SS_random - SS_ideal)`` says how
much of the possible improvement is still missing (0 is provably the best possible).

**The search** (anticlustering, Papenberg & Klau 2021; the maximally diverse grouping problem):

1. *Greedy start.*  People kept together are merged into units (union-find).  Units are placed
   most constrained first (requirement holders, big units, people with keep-apart partners),
   then rarest first (the sum of ``1/total`` over their columns), each into the allowed group
   that increases SS least (ties: the emptier group, then a seeded random one).  Group sizes
   stay within ``floor(n/G)`` and ``ceil(n/G)``.  If the greedy pass gets stuck, a
   depth-first search with a bounded number of placements looks for any grouping that
   satisfies the hard constraints, and :class:`Infeasible` says why when there is none.
2. *Exchange search.*  Repeated passes over pairwise swaps of people in different groups (and
   moves from a group of ``ceil`` to one of ``floor`` people when ``G`` does not divide ``n``),
   accepting the best improving one per person.  The SS change of swapping ``i`` (group ``g``)
   with ``j`` (group ``h``) is ``2 (x_j - x_i)·(C_g - C_h) + 2 |x_j - x_i|^2``; for one person
   it is computed against everybody at once with numpy.  Only people who can take part in an
   improving exchange are visited: a swap can lower SS only through a column in which a group
   is above ``ceil`` or below ``floor``, so a pass visits the holders of a surplus column in
   their group and the members of groups short of something.
3. *Tabu steps.*  At a local optimum above SS_ideal, the best exchange of a randomly chosen
   such person is made even if it does not improve (recently moved people may not move back
   for a few steps), and the exchange passes resume.  The best grouping seen is kept.

The search stops at SS_ideal (nothing can be better), after a bounded amount of work without
progress (tabu steps and evaluations, counted, not timed), when no exchange is possible, or at
the time limit.  All randomness comes from ``seed``: the answer is the same on every run unless
the time limit cuts the search short (``Result.seconds`` close to the limit says so).  On
realistic classes (bench/bench_grouping.py) it reaches SS_ideal itself: 1,000 people into 100
groups in about 0.1 s, 10,000 into 1,000 in about 1.5 s on two cores.

Hard constraints hold in every grouping the search visits: keep-apart pairs never share a
group, keep-together pairs always do (people kept together do not move after the greedy start),
and every group keeps at least the required number of holders of a column.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

__all__ = [
    "Constraints",
    "Encoding",
    "Infeasible",
    "Requirement",
    "Result",
    "assign",
    "balance",
    "encode",
    "ss",
    "ss_after_move",
    "ss_after_swap",
    "ss_ideal",
    "ss_random",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Tabu steps in a row without a new best grouping before the search gives up, per person
#: and at most: enough to walk a surplus through a few groups; the search normally stops
#: earlier, at SS_ideal.
STALL_STEPS_PER_PERSON: Final = 10
STALL_STEPS: Final = 1000
#: Work (in units of about a third of a nanosecond of numpy time on the office machine) the
#: search may spend without progress: about half a second, counted, so it is the same anywhere.
STALL_WORK: Final = 1_500_000_000
#: The fixed part of the work of one evaluation (Python and numpy call overhead).
EVALUATION_OVERHEAD: Final = 100_000
#: Placements the fallback depth-first search may try before it gives up.
SEARCH_NODES: Final = 200_000
#: Random equal-size assignments averaged for SS_random.
RANDOM_SAMPLES: Final = 5

RecordValue = str | Sequence[str] | None


# The encoding ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Encoding:
    """People as rows of a weighted one-hot matrix.

    ``matrix[i][k]`` is the weight of the attribute of column ``k`` when person ``i`` has that
    value, else 0.  ``columns[k]`` reads ``"attribute=value"``; ``attribute_of[k]`` is the
    attribute.
    """

    matrix: FloatArray
    columns: list[str]
    attribute_of: list[str]


def _values(value: object) -> list[str]:
    """The category values of one cell: a string is one value, a list or tuple several."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, Sequence):
        found: list[str] = []
        for item in value:
            text = "" if item is None else str(item).strip()
            if text and text not in found:
                found.append(text)
        return found
    text = str(value).strip()
    return [text] if text else []


def _check_weights(attributes: Sequence[str], weights: Mapping[str, float] | None) -> None:
    for attribute, weight in (weights or {}).items():
        if attribute not in attributes:
            raise ValueError(
                _("A weight is given for %(attribute)s, which is not one of the chosen attributes.")
                % {"attribute": attribute}
            )
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not math.isfinite(weight)
            or weight <= 0
        ):
            raise ValueError(
                _("The weight of %(attribute)s must be a number greater than 0, not %(weight)r.")
                % {"attribute": attribute, "weight": weight}
            )


def encode(
    records: Sequence[Mapping[str, RecordValue]],
    attributes: Sequence[str],
    weights: Mapping[str, float] | None = None,
) -> Encoding:
    """One-hot encode ``attributes`` of ``records``, each column multiplied by its weight.

    A string is one category, a list or tuple gives one column per value, ``None`` or ``""``
    sets no column.  Columns are ordered by attribute (in the order given), then by value.
    Raises ``ValueError`` for an attribute that no record has, a repeated attribute, or a weight
    that is not a number greater than 0 (default weight 1).
    """
    attributes = list(attributes)
    if len(set(attributes)) != len(attributes):
        raise ValueError(_("An attribute is chosen twice."))
    for attribute in attributes:
        if not any(attribute in record for record in records):
            raise ValueError(
                _("Unknown attribute %(attribute)s: no record has it.") % {"attribute": attribute}
            )
    _check_weights(attributes, weights)
    values_of: dict[str, set[str]] = {attribute: set() for attribute in attributes}
    cells: list[list[list[str]]] = []
    for record in records:
        row = [_values(record.get(attribute)) for attribute in attributes]
        for attribute, values in zip(attributes, row, strict=True):
            values_of[attribute].update(values)
        cells.append(row)
    columns: list[str] = []
    attribute_of: list[str] = []
    index: dict[tuple[str, str], int] = {}
    for attribute in attributes:
        for value in sorted(values_of[attribute]):
            index[attribute, value] = len(columns)
            columns.append(f"{attribute}={value}")
            attribute_of.append(attribute)
    matrix = np.zeros((len(records), len(columns)), dtype=np.float64)
    for i, row in enumerate(cells):
        for attribute, values in zip(attributes, row, strict=True):
            weight = float((weights or {}).get(attribute, 1.0))
            for value in values:
                matrix[i, index[attribute, value]] = weight
    return Encoding(matrix=matrix, columns=columns, attribute_of=attribute_of)


# Constraints and results -------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """Every group needs at least ``minimum`` people with ``column`` set (e.g. "languages=es")."""

    column: str
    minimum: int = 1


@dataclass(frozen=True)
class Constraints:
    """Hard constraints: rows (0-based) kept apart, rows kept together, per-group requirements."""

    apart: Sequence[tuple[int, int]] = ()
    together: Sequence[tuple[int, int]] = ()
    requirements: Sequence[Requirement] = ()


@dataclass(frozen=True, eq=False)
class Result:
    """A grouping and how good it is.

    ``labels[i]`` is the group (0..G-1) of row ``i``; groups are numbered in order of their
    first member.  ``iterations`` counts the exchanges made (swaps and moves, improving or
    tabu).
    """

    labels: IntArray
    ss: float
    ss_ideal: float
    ss_random: float
    excess: float
    seconds: float
    iterations: int


class Infeasible(ValueError):
    """The hard constraints cannot all hold; the message says which and why."""


# The measure -------------------------------------------------------------------------------


def _matrix_of(encoding_or_matrix: Encoding | npt.ArrayLike) -> FloatArray:
    raw = (
        encoding_or_matrix.matrix
        if isinstance(encoding_or_matrix, Encoding)
        else encoding_or_matrix
    )
    matrix = np.array(raw, dtype=np.float64, order="C")
    if matrix.ndim != 2:
        raise ValueError(_("The matrix must have one row per person."))
    if not np.isfinite(matrix).all():
        raise ValueError(_("The matrix contains a value that is not a finite number."))
    return matrix


def _check_groups(groups: int, n: int) -> int:
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer):
        raise ValueError(_("The number of groups must be a whole number."))
    groups = int(groups)
    if groups < 1:
        raise ValueError(_("The number of groups must be at least 1."))
    if groups > n:
        raise ValueError(
            ngettext(
                "%(groups)d groups cannot be made from %(n)d person.",
                "%(groups)d groups cannot be made from %(n)d people.",
                n,
            )
            % {"groups": groups, "n": n}
        )
    return groups


def _labels_of(labels: npt.ArrayLike, n: int, groups: int) -> IntArray:
    array = np.asarray(labels)
    if array.shape != (n,):
        raise ValueError(_("There must be one group label per row."))
    if (
        array.size
        and not np.issubdtype(array.dtype, np.integer)
        and not np.array_equal(array, np.round(array))
    ):
        raise ValueError(_("Group labels must be whole numbers."))
    result = array.astype(np.int64)
    if result.size and (result.min() < 0 or result.max() >= groups):
        raise ValueError(_("Group labels must lie between 0 and the number of groups - 1."))
    return result


def _column_sums(matrix: FloatArray, labels: IntArray, groups: int) -> FloatArray:
    n, c = matrix.shape
    if c == 0 or n == 0:
        return np.zeros((groups, c), dtype=np.float64)
    cells = (labels[:, None] * c + np.arange(c)[None, :]).ravel()
    sums = np.bincount(cells, weights=matrix.ravel(), minlength=groups * c)
    return np.asarray(sums, dtype=np.float64).reshape(groups, c)


def _uniform_weights(matrix: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Per column the value of its non-zero entries, and whether they all share it."""
    c = matrix.shape[1]
    weight = np.ones(c, dtype=np.float64)
    uniform = np.ones(c, dtype=np.bool_)
    for k in range(c):
        nonzero = matrix[:, k][matrix[:, k] != 0]
        if nonzero.size:
            weight[k] = nonzero[0]
            uniform[k] = bool((nonzero == nonzero[0]).all())
    return weight, uniform


def ss(matrix: Encoding | npt.ArrayLike, labels: npt.ArrayLike, groups: int) -> float:
    """SS of a grouping: the sum over groups and columns of the squared column sums."""
    array = _matrix_of(matrix)
    sums = _column_sums(array, _labels_of(labels, array.shape[0], groups), groups)
    return float((sums * sums).sum())


def ss_ideal(matrix: Encoding | npt.ArrayLike, groups: int) -> float:
    """The lower bound on SS: every column's ones spread floor/ceil over the groups.

    A column whose non-zero entries all equal ``w`` (a weighted 0/1 column, also for
    multi-valued and missing values) with ``t`` of them contributes ``sum of (w * k_g)^2`` for
    ``k_g`` = ``floor(t/G)`` or ``ceil(t/G)``; any other column contributes ``total^2 / G``.
    """
    array = _matrix_of(matrix)
    if isinstance(groups, bool) or int(groups) < 1:
        raise ValueError(_("The number of groups must be at least 1."))
    groups = int(groups)
    weight, uniform = _uniform_weights(array)
    counts = (array != 0).sum(axis=0)
    quotient, remainder = np.divmod(counts, groups)
    even = weight**2 * (remainder * (quotient + 1) ** 2 + (groups - remainder) * quotient**2)
    spread = array.sum(axis=0) ** 2 / groups
    return float(np.where(uniform, even, spread).sum())


def ss_random(
    matrix: Encoding | npt.ArrayLike, groups: int, *, seed: int, samples: int = RANDOM_SAMPLES
) -> float:
    """The mean SS of ``samples`` random assignments into groups whose sizes differ by <= 1."""
    array = _matrix_of(matrix)
    n = array.shape[0]
    groups = _check_groups(groups, n)
    if samples < 1:
        raise ValueError(_("At least one random sample is needed."))
    rng = np.random.default_rng(seed)
    base = np.arange(n, dtype=np.int64) % groups
    total = 0.0
    for _sample in range(samples):
        sums = _column_sums(array, rng.permutation(base), groups)
        total += float((sums * sums).sum())
    return total / samples


def balance(
    matrix_or_encoding: Encoding | npt.ArrayLike, labels: npt.ArrayLike, groups: int
) -> IntArray:
    """G x c counts of people with each column set in each group (unweighted)."""
    array = _matrix_of(matrix_or_encoding)
    indicator = (array != 0).astype(np.float64)
    sums = _column_sums(indicator, _labels_of(labels, array.shape[0], groups), groups)
    return np.rint(sums).astype(np.int64)


def ss_after_swap(matrix: Encoding | npt.ArrayLike, labels: npt.ArrayLike, i: int, j: int) -> float:
    """SS if rows ``i`` and ``j`` exchanged groups (groups = 1 + the largest label)."""
    array = _matrix_of(matrix)
    current = np.asarray(labels, dtype=np.int64)
    groups = int(current.max()) + 1 if current.size else 1
    current = _labels_of(current, array.shape[0], groups)
    sums = _column_sums(array, current, groups)
    g, h = int(current[i]), int(current[j])
    if g != h:
        difference = array[j] - array[i]
        sums[g] += difference
        sums[h] -= difference
    return float((sums * sums).sum())


def ss_after_move(
    matrix: Encoding | npt.ArrayLike, labels: npt.ArrayLike, i: int, group: int
) -> float:
    """SS if row ``i`` moved to ``group`` (which may be a new, empty group number)."""
    array = _matrix_of(matrix)
    current = np.asarray(labels, dtype=np.int64)
    groups = max(int(current.max()) + 1 if current.size else 1, int(group) + 1)
    if group < 0:
        raise ValueError(_("Group labels must lie between 0 and the number of groups - 1."))
    current = _labels_of(current, array.shape[0], groups)
    sums = _column_sums(array, current, groups)
    g = int(current[i])
    if g != group:
        sums[g] -= array[i]
        sums[group] += array[i]
    return float((sums * sums).sum())


# Constraints, prepared ---------------------------------------------------------------------


class _Problem:
    """The data of one assignment: sizes, units kept together, apart pairs, requirements."""

    def __init__(
        self,
        matrix: FloatArray,
        groups: int,
        constraints: Constraints,
        columns: Sequence[str] | None,
        row_names: Sequence[str] | None,
    ) -> None:
        self.matrix = matrix
        self.n, self.c = matrix.shape
        self.groups = groups
        self.floor, self.extra = divmod(self.n, groups)
        self.row_names = list(row_names) if row_names is not None else None
        self.present: BoolArray = matrix != 0
        self.unit_of, self.units = self._units(constraints.together)
        self.apart = self._apart(constraints.apart)
        self.req_columns, self.req_minimum, self.req_names = self._requirements(
            constraints.requirements, columns
        )
        self.holds: BoolArray = self.present[:, self.req_columns]

    # naming rows in messages
    def who(self, rows: Sequence[int]) -> str:
        """Rows as a message names them: "rows 4 and 9", or their names ("A17 and B3")."""
        rows = sorted(rows)
        items = (
            [self.row_names[row] for row in rows]
            if self.row_names is not None
            else [str(row) for row in rows]
        )
        listed = (
            items[0]
            if len(items) == 1
            else _("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}
        )
        if self.row_names is not None:
            return listed
        return ngettext("row %(rows)s", "rows %(rows)s", len(rows)) % {"rows": listed}

    def _row(self, value: object, together: bool) -> int:
        """A row number of a keep-together (``together``) or keep-apart pair, checked."""
        if (
            isinstance(value, bool)
            or not isinstance(value, int | np.integer)
            or not (0 <= int(value) < self.n)
        ):
            raise ValueError(
                _("%(what)s: %(value)r is not a row number (rows are 0 to %(last)d).")
                % {
                    "what": _("keep together") if together else _("keep apart"),
                    "value": value,
                    "last": self.n - 1,
                }
            )
        return int(value)

    def _units(self, together: Sequence[tuple[int, int]]) -> tuple[IntArray, list[list[int]]]:
        parent = list(range(self.n))

        def root(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, b in together:
            ra, rb = root(self._row(a, True)), root(self._row(b, True))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        members: dict[int, list[int]] = {}
        for row in range(self.n):
            members.setdefault(root(row), []).append(row)
        units = list(members.values())
        unit_of = np.empty(self.n, dtype=np.int64)
        for number, unit in enumerate(units):
            unit_of[unit] = number
        largest = max(units, key=len) if units else []
        limit = self.floor + (1 if self.extra else 0)
        if len(largest) > limit:
            raise Infeasible(
                _(
                    "keep together: %(count)d people chained together cannot fit a group of "
                    "at most %(limit)d (%(who)s)."
                )
                % {"count": len(largest), "limit": limit, "who": self.who(largest)}
            )
        return unit_of, units

    def _apart(self, apart: Sequence[tuple[int, int]]) -> IntArray:
        pairs: set[tuple[int, int]] = set()
        for a, b in apart:
            ra, rb = self._row(a, False), self._row(b, False)
            if ra == rb:
                raise Infeasible(
                    _("%(who)s cannot be kept apart from itself.") % {"who": self.who([ra])}
                )
            if self.unit_of[ra] == self.unit_of[rb]:
                raise Infeasible(
                    _("%(who)s must be both together and apart.") % {"who": self.who([ra, rb])}
                )
            pairs.add((min(ra, rb), max(ra, rb)))
        if pairs and self.groups == 1:
            a, b = min(pairs)
            raise Infeasible(
                _("keep apart: %(who)s must be in different groups, but there is only one group.")
                % {"who": self.who([a, b])}
            )
        ordered = sorted(pairs)
        return np.array(ordered, dtype=np.int64).reshape(len(ordered), 2)

    def _requirements(
        self, requirements: Sequence[Requirement], columns: Sequence[str] | None
    ) -> tuple[IntArray, IntArray, list[str]]:
        wanted: dict[int, int] = {}
        for requirement in requirements:
            if columns is None:
                raise ValueError(_("Requirements need column names (pass an Encoding)."))
            if requirement.column not in columns:
                raise ValueError(
                    _("Unknown column %(column)s in a requirement; columns look like %(example)s.")
                    % {
                        "column": requirement.column,
                        "example": ", ".join(list(columns)[:3]) or _("(none)"),
                    }
                )
            minimum = requirement.minimum
            if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
                raise ValueError(
                    _("The minimum for %(column)s must be a whole number of at least 0.")
                    % {"column": requirement.column}
                )
            k = list(columns).index(requirement.column)
            if minimum:
                wanted[k] = max(wanted.get(k, 0), minimum)
        keys = sorted(wanted)
        names = [list(columns)[k] for k in keys] if columns is not None else []
        for k, name in zip(keys, names, strict=True):
            have = int(self.present[:, k].sum())
            if have < self.groups * wanted[k]:
                values = {"groups": self.groups, "minimum": wanted[k], "column": name}
                need = (
                    ngettext("%(groups)d group needs", "%(groups)d groups each need", self.groups)
                    % values
                )
                who = (
                    ngettext(
                        "at least %(minimum)d person with %(column)s",
                        "at least %(minimum)d people with %(column)s",
                        wanted[k],
                    )
                    % values
                )
                found = ngettext(
                    "only %(have)d person has it", "only %(have)d people have it", have
                ) % {"have": have}
                raise Infeasible(
                    _("%(need)s %(who)s, but %(found)s.")
                    % {"need": need, "who": who, "found": found}
                )
        return (
            np.array(keys, dtype=np.int64),
            np.array([wanted[k] for k in keys], dtype=np.int64),
            names,
        )

    # derived per unit
    def unit_partners(self) -> list[set[int]]:
        partners: list[set[int]] = [set() for _unit in self.units]
        for a, b in self.apart:
            ua, ub = int(self.unit_of[a]), int(self.unit_of[b])
            partners[ua].add(ub)
            partners[ub].add(ua)
        return partners


# The greedy start and the fallback search --------------------------------------------------


def _fits(sizes: IntArray, size: int, floor: int, big: int, extra: int) -> BoolArray:
    """Groups that can take ``size`` more people, within floor/ceil and ``extra`` big groups."""
    after = sizes + size
    result: BoolArray = (after <= floor) | ((after == floor + 1) & (big < extra))
    return result


def _unit_order(problem: _Problem, rng: np.random.Generator) -> list[int]:
    counts = problem.present.sum(axis=0)
    rarity_of_row = (problem.present / np.maximum(counts, 1)).sum(axis=1)
    has_partner = np.zeros(len(problem.units), dtype=np.bool_)
    has_partner[problem.unit_of[problem.apart.ravel()]] = True
    holds_any = np.zeros(len(problem.units), dtype=np.bool_)
    if problem.holds.shape[1]:
        holds_any[problem.unit_of[problem.holds.any(axis=1)]] = True
    sizes = np.array([len(unit) for unit in problem.units], dtype=np.int64)
    rarity = np.array([rarity_of_row[unit].sum() for unit in problem.units])
    constrained = holds_any | has_partner | (sizes > 1)
    order = np.lexsort(
        (rng.random(len(problem.units)), -rarity, -sizes, -constrained.astype(np.int64))
    )
    return [int(u) for u in order]


def _greedy(problem: _Problem, rng: np.random.Generator) -> IntArray | None:
    """Place units one by one; None when some unit finds no allowed group."""
    matrix, groups = problem.matrix, problem.groups
    sums = np.zeros((groups, problem.c), dtype=np.float64)
    sizes = np.zeros(groups, dtype=np.int64)
    held = np.zeros((groups, len(problem.req_columns)), dtype=np.int64)
    unit_group = np.full(len(problem.units), -1, dtype=np.int64)
    partners = problem.unit_partners()
    labels = np.full(problem.n, -1, dtype=np.int64)
    big = 0
    # ties on cost go to the emptier group, then to a seeded random one
    tie = rng.permutation(groups).astype(np.int64)
    never = np.iinfo(np.int64).max
    for u in _unit_order(problem, rng):
        members = problem.units[u]
        vector = matrix[members[0]] if len(members) == 1 else matrix[members].sum(axis=0)
        allowed = _fits(sizes, len(members), problem.floor, big, problem.extra)
        for partner in partners[u]:
            if unit_group[partner] >= 0:
                allowed[unit_group[partner]] = False
        if not allowed.any():
            return None
        if held.shape[1]:  # first the groups this unit brings closest to their requirements
            holding = problem.holds[members].sum(axis=0)
            gain = np.minimum(np.maximum(problem.req_minimum - held, 0), holding).sum(axis=1)
            allowed &= gain == gain[allowed].max()
        cost = sums @ vector
        cost[~allowed] = np.inf
        lowest = float(cost.min())
        near = cost <= lowest + 1e-9 * max(1.0, abs(lowest))
        g = int(np.argmin(np.where(near, tie, never)))
        if sizes[g] + len(members) > problem.floor:
            big += 1
        sums[g] += vector
        sizes[g] += len(members)
        tie[g] += len(members) * groups
        if held.shape[1]:
            held[g] += problem.holds[members].sum(axis=0)
        unit_group[u] = g
        labels[members] = g
    if held.shape[1] and (held < problem.req_minimum[None, :]).any():
        return None
    return labels


class _Exhausted(Exception):
    """The fallback search used up its budget of placements."""


class _Placement:
    """The state of the fallback depth-first search: which unit is in which group."""

    def __init__(self, problem: _Problem, *, use_apart: bool, use_requirements: bool) -> None:
        self.problem = problem
        units = problem.units
        self.partners = problem.unit_partners() if use_apart else [set() for _unit in units]
        self.requirements = len(problem.req_columns) if use_requirements else 0
        self.holding = np.array(
            [problem.holds[unit].sum(axis=0)[: self.requirements] for unit in units],
            dtype=np.int64,
        ).reshape(len(units), self.requirements)
        self.order = sorted(
            range(len(units)),
            key=lambda u: (-len(self.partners[u]), -len(units[u]), -self.holding[u].sum()),
        )
        # holders among the units from each position of the order on (none after the last)
        after = self.holding[self.order][::-1].cumsum(axis=0)[::-1]
        self.remaining = np.vstack([after, np.zeros((1, self.requirements), dtype=np.int64)])
        self.minimum = problem.req_minimum[: self.requirements]
        self.sizes = np.zeros(problem.groups, dtype=np.int64)
        self.held = np.zeros((problem.groups, self.requirements), dtype=np.int64)
        self.unit_group = np.full(len(units), -1, dtype=np.int64)
        self.big = 0

    def hopeless(self, position: int) -> bool:
        """Too few holders left among the unplaced units to meet every requirement."""
        if not self.requirements:
            return False
        short = np.maximum(self.minimum - self.held, 0).sum(axis=0)
        return bool((short > self.remaining[position]).any())

    def choices(self, u: int) -> Iterator[int]:
        """Allowed groups for unit ``u``, most needed first; only the first empty group."""
        problem = self.problem
        allowed = _fits(self.sizes, len(problem.units[u]), problem.floor, self.big, problem.extra)
        for partner in self.partners[u]:
            if self.unit_group[partner] >= 0:
                allowed[self.unit_group[partner]] = False
        gain = np.minimum(np.maximum(self.minimum - self.held, 0), self.holding[u]).sum(axis=1)
        seen_empty = False
        for g in sorted(np.flatnonzero(allowed), key=lambda g: (-gain[g], self.sizes[g])):
            if self.sizes[g] == 0:
                if seen_empty:
                    continue
                seen_empty = True
            yield int(g)

    def put(self, u: int, g: int, sign: int) -> None:
        """Place unit ``u`` in group ``g`` (sign 1) or take it out again (sign -1)."""
        size = len(self.problem.units[u])
        if sign < 0:
            self.sizes[g] -= size
        if self.sizes[g] + size > self.problem.floor:
            self.big += sign
        if sign > 0:
            self.sizes[g] += size
        self.held[g] += sign * self.holding[u]
        self.unit_group[u] = g if sign > 0 else -1


def _search(
    problem: _Problem,
    *,
    use_apart: bool = True,
    use_requirements: bool = True,
    budget: int = SEARCH_NODES,
) -> IntArray | None:
    """Depth-first search for any grouping that satisfies the hard constraints.

    Returns the labels, or None when there is none; raises :class:`_Exhausted` when the budget
    runs out first.  Empty groups are interchangeable, so a unit tries only the first one.
    """
    state = _Placement(problem, use_apart=use_apart, use_requirements=use_requirements)
    order = state.order
    stack: list[tuple[Iterator[int], int, int]] = []  # (other choices, unit, group)
    pending: Iterator[int] | None = None
    nodes = 0
    while True:
        position = len(stack)
        if pending is None:
            if state.hopeless(position):
                pending = iter(())
            elif position == len(order):
                break
            else:
                pending = state.choices(order[position])
        g = next(pending, None)
        if g is None:  # no group left for this unit: undo the previous placement
            if not stack:
                return None
            pending, u, g = stack.pop()
            state.put(u, g, -1)
            continue
        nodes += 1
        if nodes > budget:
            raise _Exhausted
        state.put(order[position], g, 1)
        stack.append((pending, order[position], g))
        pending = None
    labels = np.empty(problem.n, dtype=np.int64)
    for u, unit in enumerate(problem.units):
        labels[unit] = state.unit_group[u]
    return labels


def _apart_clique(problem: _Problem) -> list[int] | None:
    """Units pairwise kept apart, more of them than groups (a greedy clique search)."""
    partners = problem.unit_partners()
    for start in sorted(range(len(partners)), key=lambda u: -len(partners[u])):
        clique = [start]
        for other in sorted(partners[start], key=lambda u: -len(partners[u])):
            if all(other in partners[member] for member in clique):
                clique.append(other)
        if len(clique) > problem.groups:
            return clique
    return None


def _infeasible(problem: _Problem) -> Infeasible:
    """Explain why the fallback search found no grouping, constraint kind by kind."""
    sizes_text = _("%(groups)d groups of %(sizes)s people") % {
        "groups": problem.groups,
        "sizes": (f"{problem.floor}-{problem.floor + 1}" if problem.extra else str(problem.floor)),
    }
    try:
        if _search(problem, use_apart=False, use_requirements=False) is None:
            chained = sorted((len(unit) for unit in problem.units if len(unit) > 1), reverse=True)
            return Infeasible(
                _("keep together: the chains of %(chains)s people cannot be split into %(sizes)s.")
                % {"chains": ", ".join(str(size) for size in chained), "sizes": sizes_text}
            )
        if _search(problem, use_requirements=False) is None:
            clique = _apart_clique(problem)
            if clique is not None:
                rows = [row for u in clique for row in problem.units[u][:1]]
                return Infeasible(
                    _(
                        "keep apart: %(who)s must all be in different groups, but there are only "
                        "%(groups)d groups."
                    )
                    % {"who": problem.who(rows), "groups": problem.groups}
                )
            return Infeasible(
                _("keep apart: no way to form %(sizes)s keeps every keep-apart pair apart%(and)s.")
                % {
                    "sizes": sizes_text,
                    "and": _(" and every keep-together pair together")
                    if any(len(unit) > 1 for unit in problem.units)
                    else "",
                }
            )
    except _Exhausted:
        pass
    return Infeasible(
        _(
            "No way to form %(sizes)s meets the requirements (%(requirements)s) together with the "
            "keep-apart and keep-together pairs."
        )
        % {
            "sizes": sizes_text,
            "requirements": ", ".join(
                f"{name} >= {minimum}"
                for name, minimum in zip(problem.req_names, problem.req_minimum, strict=True)
            )
            or _("none"),
        }
    )


# The exchange search -----------------------------------------------------------------------


class _Exchange:
    """Swaps and moves that keep sizes and hard constraints, with O(n c) evaluation per person."""

    def __init__(self, problem: _Problem, labels: IntArray, rng: np.random.Generator) -> None:
        self.problem = problem
        self.rng = rng
        self.matrix = problem.matrix
        self.n, self.groups = problem.n, problem.groups
        self.labels = labels.copy()
        self.sums = _column_sums(self.matrix, self.labels, self.groups)
        self.counts = _column_sums(problem.present.astype(np.float64), self.labels, self.groups)
        self.sizes = np.bincount(self.labels, minlength=self.groups).astype(np.int64)
        self.squares = (self.matrix * self.matrix).sum(axis=1)
        self.own = (self.matrix * self.sums[self.labels]).sum(axis=1)  # x_j · C_{group of j}
        self.movable = np.array([len(problem.units[u]) == 1 for u in problem.unit_of])
        self.partner_a = np.concatenate([problem.apart[:, 0], problem.apart[:, 1]])
        self.partner_b = np.concatenate([problem.apart[:, 1], problem.apart[:, 0]])
        self.partners: list[IntArray] = [np.empty(0, dtype=np.int64)] * self.n
        for a in np.unique(self.partner_a):
            self.partners[int(a)] = self.partner_b[self.partner_a == a]
        self.holds = problem.holds
        self.held = _column_sums(problem.holds.astype(np.float64), self.labels, self.groups)
        self.minimum = problem.req_minimum.astype(np.float64)
        totals = problem.present.sum(axis=0).astype(np.float64)
        self.low = np.floor(totals / self.groups)
        self.high = np.ceil(totals / self.groups)
        _weight, uniform = _uniform_weights(self.matrix)
        self.everyone_hot = not bool(uniform.all())
        scale = float(np.abs(self.matrix).max()) if self.matrix.size else 1.0
        self.tolerance = 1e-9 * max(1.0, scale * scale) * max(1, self.problem.c)
        self.tabu_until = np.full(self.n, -1, dtype=np.int64)
        self.exchanges = 0

    def total(self) -> float:
        return float((self.sums * self.sums).sum())

    def hot(self) -> IntArray:
        """Movable people who can take part in an improving exchange (see the module doc)."""
        if self.everyone_hot:
            return np.flatnonzero(self.movable)
        surplus = self.counts > self.high + 0.5
        short_group = (self.counts < self.low - 0.5).any(axis=1)
        hot = (self.problem.present & surplus[self.labels]).any(axis=1) | short_group[self.labels]
        return np.flatnonzero(hot & self.movable)

    def best(self, i: int, step: int | None) -> tuple[float, int, int] | None:
        """The best exchange of person ``i``: (SS change, partner row or -1, target group).

        A swap names the partner and its group; a push (``i`` to a smaller group) has partner
        -1; a pull (the partner from a bigger group into ``i``'s) has target -2.  With ``step``
        (a tabu step) people moved in the last few steps are left out.
        """
        g = int(self.labels[i])
        on_row = self.sums @ self.matrix[i]  # x_i · C_h for every group h
        # x_j · C_g and x_j · x_i for every person j, in one pass over the matrix
        products = self.matrix @ np.stack((self.sums[g], self.matrix[i]), axis=1)
        with_g, with_i = products[:, 0], products[:, 1]
        spare = self.held - self.minimum[None, :] >= 1  # G x r: may lose one holder
        options: list[tuple[FloatArray, str]] = [
            (
                self._swaps(
                    i, g, on_row=on_row, with_g=with_g, with_i=with_i, spare=spare, step=step
                ),
                "swap",
            )
        ]
        if self.problem.extra:
            if self.sizes[g] > self.problem.floor:
                options.append((self._pushes(i, g, on_row, spare), "push"))
            else:
                options.append((self._pulls(g, with_g, spare, step), "pull"))
        lowest = min(float(values.min()) for values, _kind in options)
        if not math.isfinite(lowest):
            return None
        found: list[tuple[int, int]] = []
        for values, kind in options:
            for index in np.flatnonzero(values <= lowest + self.tolerance):
                if kind == "swap":
                    found.append((int(index), int(self.labels[index])))
                elif kind == "push":
                    found.append((-1, int(index)))
                else:
                    found.append((int(index), -2))
        partner, target = found[int(self.rng.integers(len(found)))] if len(found) > 1 else found[0]
        return lowest, partner, target

    def _swaps(
        self,
        i: int,
        g: int,
        *,
        on_row: FloatArray,
        with_g: FloatArray,
        with_i: FloatArray,
        spare: BoolArray,
        step: int | None,
    ) -> FloatArray:
        """SS change of swapping ``i`` with every person (inf where not allowed)."""
        labels = self.labels
        swap = 2.0 * (
            with_g
            - 2.0 * with_i
            - self.own
            + on_row[labels]
            - on_row[g]
            + self.squares[i]
            + self.squares
        )
        blocked = self._unavailable(step) | (labels == g)
        # keep apart: i may not join a partner's group; j may not join one of its partners in g
        if self.partners[i].size:
            blocked |= np.isin(labels, labels[self.partners[i]])
        blocked |= self._kept_out_of(g)
        # requirements: a group that loses a holder must keep its minimum
        if self.holds.shape[1]:
            holds_i = self.holds[i]
            lose_i = holds_i & ~spare[g]
            if lose_i.any():
                blocked |= ~self.holds[:, lose_i].all(axis=1)
            blocked |= (self.holds & ~holds_i[None, :] & ~spare[labels]).any(axis=1)
        swap[blocked] = np.inf
        return swap

    def _pushes(self, i: int, g: int, on_row: FloatArray, spare: BoolArray) -> FloatArray:
        """SS change of moving ``i`` (in a bigger group) to each group (inf where not allowed)."""
        push = 2.0 * (on_row - on_row[g] + self.squares[i])
        stop = self.sizes > self.problem.floor
        if self.partners[i].size:
            stop[self.labels[self.partners[i]]] = True
        if self.holds.shape[1] and (self.holds[i] & ~spare[g]).any():
            stop[:] = True
        push[stop] = np.inf
        return push

    def _pulls(self, g: int, with_g: FloatArray, spare: BoolArray, step: int | None) -> FloatArray:
        """SS change of moving each person of a bigger group into ``g`` (inf where not allowed)."""
        pull = 2.0 * (with_g - self.own + self.squares)
        big = self.sizes > self.problem.floor
        stop = ~big[self.labels] | self._unavailable(step) | self._kept_out_of(g)
        if self.holds.shape[1]:
            stop |= (self.holds & ~spare[self.labels]).any(axis=1)
        pull[stop] = np.inf
        return pull

    def _unavailable(self, step: int | None) -> BoolArray:
        """People who may not move now: kept together, or (in a tabu step) moved recently."""
        if step is None:
            return ~self.movable
        return ~self.movable | (self.tabu_until > step)

    def _kept_out_of(self, g: int) -> BoolArray:
        """People with a keep-apart partner in group ``g``."""
        kept = np.zeros(self.n, dtype=np.bool_)
        if self.partner_a.size:
            kept[self.partner_a[self.labels[self.partner_b] == g]] = True
        return kept

    def apply(self, i: int, partner: int, target: int) -> None:
        labels, matrix = self.labels, self.matrix
        g = int(labels[i])
        if target == -2:  # pull `partner` into g
            mover, source, destination = partner, int(labels[partner]), g
            self._move(mover, source, destination)
        elif partner < 0:  # push i to target
            self._move(i, g, target)
        else:  # swap i and partner
            h = int(labels[partner])
            difference = matrix[partner] - matrix[i]
            self.sums[g] += difference
            self.sums[h] -= difference
            present = self.problem.present
            count_difference = present[partner].astype(np.float64) - present[i]
            self.counts[g] += count_difference
            self.counts[h] -= count_difference
            if self.holds.shape[1]:
                held_difference = self.holds[partner].astype(np.float64) - self.holds[i]
                self.held[g] += held_difference
                self.held[h] -= held_difference
            labels[i], labels[partner] = h, g
            self._refresh(g, h)
        self.exchanges += 1

    def _move(self, row: int, source: int, destination: int) -> None:
        vector = self.matrix[row]
        self.sums[source] -= vector
        self.sums[destination] += vector
        present = self.problem.present[row].astype(np.float64)
        self.counts[source] -= present
        self.counts[destination] += present
        if self.holds.shape[1]:
            held = self.holds[row].astype(np.float64)
            self.held[source] -= held
            self.held[destination] += held
        self.sizes[source] -= 1
        self.sizes[destination] += 1
        self.labels[row] = destination
        self._refresh(source, destination)

    def _refresh(self, *groups: int) -> None:
        for group in groups:
            members = np.flatnonzero(self.labels == group)
            self.own[members] = self.matrix[members] @ self.sums[group]


class _Progress:
    """The best grouping so far, and the work spent since the search last made progress.

    Progress is a new best that gains at least a millionth of ``spread`` (SS_random -
    SS_ideal), so that endless tiny gains on real-valued columns do not count.  The search gives
    up after :data:`STALL_STEPS_PER_PERSON` tabu steps per person (:data:`STALL_STEPS` at
    most) or :data:`STALL_WORK` units of work without progress: both count work, not time, so
    the answer does not depend on the machine.
    """

    def __init__(self, search: _Exchange, *, spread: float, deadline: float) -> None:
        self.search = search
        self.deadline = deadline
        self.progress = max(search.tolerance, 1e-6 * spread)
        self.cost = EVALUATION_OVERHEAD + search.n * (search.problem.c + 4)  # one evaluation
        self.best_ss = search.total()
        self.best_labels = search.labels.copy()
        self.stall = 0  # tabu steps without progress
        self.stall_steps = min(STALL_STEPS, STALL_STEPS_PER_PERSON * search.n)
        self.work = 0  # work without progress

    def charge(self, *, tabu: bool) -> None:
        self.work += self.cost
        self.stall += int(tabu)

    def stop(self) -> bool:
        return (
            self.stall >= self.stall_steps
            or self.work >= STALL_WORK
            or time.perf_counter() > self.deadline
        )

    def record(self) -> float:
        current = self.search.total()
        if current < self.best_ss - self.search.tolerance:
            if current < self.best_ss - self.progress:
                self.stall = self.work = 0
            self.best_ss, self.best_labels = current, self.search.labels.copy()
        return current


def _improve(
    problem: _Problem,
    labels: IntArray,
    rng: np.random.Generator,
    *,
    floor_ss: float,
    spread: float,
    deadline: float,
) -> tuple[IntArray, int]:
    """Exchange passes and tabu steps from ``labels``; the best labels and the exchanges made."""
    search = _Exchange(problem, labels, rng)
    tolerance = search.tolerance
    state = _Progress(search, spread=spread, deadline=deadline)
    step = 0
    tenure = max(1, min(10, problem.n // 8))
    while state.best_ss > floor_ss + tolerance and not state.stop():
        before = search.total()
        for i in rng.permutation(search.hot()):
            if state.stop():
                break
            state.charge(tabu=False)
            found = search.best(int(i), None)
            if found is not None and found[0] < -tolerance:
                search.apply(int(i), found[1], found[2])
        if state.record() < before - state.progress:
            continue
        hot = search.hot()
        for _tabu in range(hot.size):
            if state.stop():
                break
            state.charge(tabu=True)
            i = int(hot[int(rng.integers(hot.size))])
            found = search.best(i, step)
            if found is None:
                continue
            step += 1
            search.apply(i, found[1], found[2])
            search.tabu_until[[i, found[1]] if found[1] >= 0 else [i]] = step + tenure
            state.record()
            if found[0] < -tolerance:
                break
            hot = search.hot()
            if hot.size == 0:
                break
        if hot.size == 0:
            break
    return state.best_labels, search.exchanges


def _first_member_order(labels: IntArray, groups: int) -> IntArray:
    """Renumber groups in the order of their first member."""
    _values, first = np.unique(labels, return_index=True)
    order = np.argsort(first)
    mapping = np.empty(groups, dtype=np.int64)
    mapping[_values[order]] = np.arange(len(order), dtype=np.int64)
    return mapping[labels]


def assign(
    encoding_or_matrix: Encoding | npt.ArrayLike,
    groups: int,
    *,
    constraints: Constraints = Constraints(),
    seed: int = 0,
    time_limit: float = 1.0,
    columns: Sequence[str] | None = None,
    row_names: Sequence[str] | None = None,
) -> Result:
    """Split the rows into ``groups`` groups as balanced as possible (see the module doc).

    ``columns`` names the columns of a bare matrix (an :class:`Encoding` brings its own); the
    requirements refer to these names.  ``row_names`` (e.g. ids) name rows in messages.
    Raises ``ValueError`` for a bad number of groups or bad input, :class:`Infeasible` when the
    hard constraints cannot all hold.
    """
    started = time.perf_counter()
    matrix = _matrix_of(encoding_or_matrix)
    if isinstance(encoding_or_matrix, Encoding):
        if columns is not None and list(columns) != encoding_or_matrix.columns:
            raise ValueError(_("An Encoding brings its own column names."))
        columns = encoding_or_matrix.columns
    elif columns is not None and len(columns) != matrix.shape[1]:
        raise ValueError(_("There must be one column name per column of the matrix."))
    if row_names is not None and len(row_names) != matrix.shape[0]:
        raise ValueError(_("There must be one name per row."))
    if not math.isfinite(time_limit) or time_limit < 0:
        raise ValueError(_("The time limit must be a number of seconds of at least 0."))
    n = matrix.shape[0]
    groups = _check_groups(groups, n)
    problem = _Problem(matrix, groups, constraints, columns, row_names)
    rng = np.random.default_rng(seed)
    labels = _greedy(problem, rng)
    if labels is None:
        try:
            labels = _search(problem)
        except _Exhausted:
            raise Infeasible(
                _(
                    "No grouping meeting every constraint was found after trying %(count)s "
                    "placements; loosen the keep-apart, keep-together or requirement rules."
                )
                % {"count": f"{SEARCH_NODES:,}"}
            ) from None
        if labels is None:
            raise _infeasible(problem)
    ideal = ss_ideal(matrix, groups)
    random_ss = ss_random(matrix, groups, seed=seed)
    spread = random_ss - ideal
    labels, exchanges = _improve(
        problem, labels, rng, floor_ss=ideal, spread=spread, deadline=started + time_limit
    )
    labels = _first_member_order(labels, groups)
    final = ss(matrix, labels, groups)
    excess = (final - ideal) / spread if spread > 1e-9 * max(1.0, abs(random_ss)) else 0.0
    return Result(
        labels=labels,
        ss=final,
        ss_ideal=ideal,
        ss_random=random_ss,
        excess=excess,
        seconds=time.perf_counter() - started,
        iterations=exchanges,
    )

"""Small-cell suppression for published tables of counts.

Why this exists: CMS's cell-size suppression policy forbids publishing any
count from 1 to 10 (derived from beneficiary data), because a small count can
identify a person.  Hiding the small cells is not enough when row and column
totals are published too: a single hidden cell in a row equals the row total
minus the visible cells.  This module therefore does two things:

* **primary suppression** -- every count with ``1 <= n < threshold`` is hidden
  (zero is shown: "nobody" identifies nobody);
* **complementary suppression** -- further cells are hidden so that no hidden
  value can be worked out from what is published.

The complementary step works on the table *with its margins*: the row totals,
column totals and grand total are entries like any other, and each row and
column of that bordered table is one additive relation.  It enforces two rules:

1. every line (row or column, margins included) holds either no hidden entry
   or at least two -- the standard heuristic, which defeats recovery by simple
   subtraction within one line;
2. no hidden entry can be computed by *combining* lines either.  For tables of
   counts with published margins, a hidden entry is exactly determined by the
   published numbers if and only if it is a *bridge* in the bipartite graph
   whose nodes are the lines and whose edges are the hidden entries.  Such
   bridges are found and closed into a cycle by hiding one more entry.

What this does *not* do: it is not a full linear-programming audit.  Knowing
that counts are non-negative can still narrow a hidden cell to an interval
(e.g. between 3 and 7), and in rare patterns to a single value when hidden
zeros block every way of shifting it.  Narrow intervals are not exact
disclosure, but if a table is unusually sensitive have it reviewed with a
dedicated tool (e.g. tau-Argus).  See ``docs/suppression.md``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

__all__ = [
    "MIN_CELL",
    "SuppressedTable",
    "suppress_counts",
    "suppress_table",
    "suppress_value",
]

MIN_CELL: Final = 11
"""Smallest count that may be published: CMS hides every count from 1 to 10."""

_MIN_HIDDEN_PER_LINE: Final = 2

K = TypeVar("K", bound=Hashable)

_Pos = tuple[int, int]


@dataclass(frozen=True, slots=True)
class SuppressedTable:
    """The publishable version of a table of counts.

    ``cells`` has the shape of the input, with ``None`` where a count must
    not be shown.  ``primary`` holds the cells hidden because they are small,
    ``complementary`` the cells hidden only to protect other cells (both are
    ``(row, column)`` positions into ``cells``; margins are not listed there,
    a hidden margin is simply ``None`` below).

    ``row_totals``, ``col_totals`` and ``grand_total`` are what may be
    published as the margins, ``None`` marking a hidden total.  When the table
    was suppressed with ``with_totals=False`` the two lists are ``None`` and so
    is ``grand_total``: nothing of the margins is published.
    """

    cells: list[list[int | None]]
    primary: set[_Pos]
    complementary: set[_Pos]
    row_totals: list[int | None] | None
    col_totals: list[int | None] | None
    grand_total: int | None
    threshold: int

    @property
    def hidden(self) -> set[_Pos]:
        """All hidden cell positions, whatever the reason they are hidden."""
        return self.primary | self.complementary


def suppress_value(n: int, *, threshold: int = MIN_CELL) -> int | None:
    """Return ``n``, or ``None`` when it is a small count that must be hidden.

    Only safe on its own for a number published *alone*; a number that is
    part of a table or list with a total needs :func:`suppress_table` or
    :func:`suppress_counts`, which also hide complementary cells.
    """
    _check_threshold(threshold)
    _check_count(n, where="value")
    return None if _is_small(n, threshold=threshold) else n


def suppress_counts(counts: Mapping[K, int], *, threshold: int = MIN_CELL) -> dict[K, int | None]:
    """Suppress a one-dimensional list of counts whose total is published.

    Small counts are hidden; if that hides exactly one count, the smallest
    other count (a non-zero one when there is one) is hidden too, because one
    hidden count equals the total minus the visible ones.  Ties go to the
    earlier key, so the result is deterministic for an ordered mapping.

    Publish the total itself as ``suppress_value(sum(counts.values()))``: it
    is small only when every non-zero count is, and then those are all hidden
    anyway.
    """
    _check_threshold(threshold)
    for key, value in counts.items():
        _check_count(value, where=f"key {key!r}")
    hidden = {key for key, value in counts.items() if _is_small(value, threshold=threshold)}
    if len(hidden) == 1:
        order = {key: index for index, key in enumerate(counts)}
        candidates = [key for key in counts if key not in hidden]
        if candidates:
            hidden.add(min(candidates, key=lambda key: (counts[key] == 0, counts[key], order[key])))
    return {key: None if key in hidden else value for key, value in counts.items()}


def suppress_table(
    counts: Sequence[Sequence[int]],
    *,
    threshold: int = MIN_CELL,
    with_totals: bool = True,
) -> SuppressedTable:
    """Suppress a two-dimensional table of counts and its margins.

    Row totals, column totals and the grand total are computed from
    ``counts`` and suppressed together with the cells (see the module
    docstring for the rules and their limits).  Complementary cells are
    chosen among the cells of the line that needs one, preferring the
    smallest non-zero count, then a zero, and a total only when the line has
    no other cell left (e.g. a one-column table); ties prefer a cell that
    also fixes or does not burden its crossing line, then the first position.

    ``with_totals=False`` leaves the margins out of the result but hides the
    *same* cells: margins tend to get published somewhere else (another page,
    an earlier export), and the cells must stay safe when they are.  Any
    margin published elsewhere must come from a ``with_totals=True`` run, so
    that it is hidden where this one hides it.

    Raises ``ValueError`` for a ragged table, a negative count or a threshold
    below 1, and ``TypeError`` for a count that is not an ``int``.
    """
    _check_threshold(threshold)
    n_cols = _check_table(counts)
    grid = _bordered(counts, n_cols=n_cols)
    pattern = _Pattern(grid)
    for row_index, row in enumerate(grid):
        for col_index, value in enumerate(row):
            if _is_small(value, threshold=threshold):
                pattern.hide((row_index, col_index))
    primary_bordered = set(pattern.hidden)
    pattern.protect()

    n_rows = len(counts)
    cells: list[list[int | None]] = [
        [None if (r, c) in pattern.hidden else grid[r][c] for c in range(n_cols)]
        for r in range(n_rows)
    ]
    interior = {(r, c) for (r, c) in pattern.hidden if r < n_rows and c < n_cols}
    primary = interior & primary_bordered
    row_totals: list[int | None] | None = None
    col_totals: list[int | None] | None = None
    grand_total: int | None = None
    if with_totals:
        row_totals = [pattern.published((r, n_cols)) for r in range(n_rows)]
        col_totals = [pattern.published((n_rows, c)) for c in range(n_cols)]
        grand_total = pattern.published((n_rows, n_cols))
    return SuppressedTable(
        cells=cells,
        primary=primary,
        complementary=interior - primary,
        row_totals=row_totals,
        col_totals=col_totals,
        grand_total=grand_total,
        threshold=threshold,
    )


class _Pattern:
    """Hidden entries of a bordered table and the rules that complete them.

    The last row and the last column of ``grid`` are the margins.  Lines are
    numbered as graph nodes: rows ``0..n_rows-1``, then columns after them.
    """

    def __init__(self, grid: list[list[int]]) -> None:
        self.grid = grid
        self.n_rows = len(grid)
        self.n_cols = len(grid[0])
        self.hidden: set[_Pos] = set()
        self.row_hidden = [0] * self.n_rows
        self.col_hidden = [0] * self.n_cols

    def hide(self, pos: _Pos) -> None:
        if pos not in self.hidden:
            self.hidden.add(pos)
            self.row_hidden[pos[0]] += 1
            self.col_hidden[pos[1]] += 1

    def published(self, pos: _Pos) -> int | None:
        return None if pos in self.hidden else self.grid[pos[0]][pos[1]]

    def protect(self) -> None:
        """Hide entries until no line has one hidden entry and no bridge is left.

        Every step hides one more entry, so this ends after at most as many
        steps as the table has entries.  A bridge is only looked for once
        every line is fine, which guarantees a candidate exists (see
        :meth:`_close_bridge`).
        """
        while True:
            line = self._lonely_line()
            if line is not None:
                self.hide(self._best(self._line_candidates(*line)))
                continue
            bridge = self._first_bridge()
            if bridge is None:
                return
            self.hide(self._best(self._bridge_candidates(bridge)))

    def _lonely_line(self) -> tuple[bool, int] | None:
        """The first line with exactly one hidden entry, as ``(is_row, index)``."""
        for r, count in enumerate(self.row_hidden):
            if count == 1:
                return True, r
        for c, count in enumerate(self.col_hidden):
            if count == 1:
                return False, c
        return None

    def _line_candidates(self, is_row: bool, index: int) -> list[_Pos]:
        if is_row:
            positions = [(index, c) for c in range(self.n_cols)]
        else:
            positions = [(r, index) for r in range(self.n_rows)]
        return [pos for pos in positions if pos not in self.hidden]

    def _best(self, candidates: list[_Pos]) -> _Pos:
        if not candidates:  # pragma: no cover - ruled out by the argument in protect()
            msg = "no candidate left for complementary suppression"
            raise RuntimeError(msg)
        return min(candidates, key=self._preference)

    def _preference(self, pos: _Pos) -> tuple[bool, bool, int, int, int, int]:
        """Sort key: cells before margins, non-zero before zero, small first.

        Then the entry that helps most: one whose other line has exactly one
        hidden entry (hiding it fixes that line too) beats one whose other
        line already has two, which beats one that starts a new need.
        """
        r, c = pos
        value = self.grid[r][c]
        is_margin = r == self.n_rows - 1 or c == self.n_cols - 1

        def burden(count: int) -> int:
            return 0 if count == 1 else (1 if count >= _MIN_HIDDEN_PER_LINE else 2)

        cost = burden(self.row_hidden[r]) + burden(self.col_hidden[c])
        return is_margin, value == 0, value, cost, r, c

    def _adjacency(self) -> list[list[tuple[int, _Pos]]]:
        """Graph of hidden entries: node per line, edge per hidden entry."""
        adjacency: list[list[tuple[int, _Pos]]] = [[] for _ in range(self.n_rows + self.n_cols)]
        for pos in sorted(self.hidden):
            row_node, col_node = pos[0], self.n_rows + pos[1]
            adjacency[row_node].append((col_node, pos))
            adjacency[col_node].append((row_node, pos))
        return adjacency

    def _first_bridge(self) -> _Pos | None:
        """A hidden entry that no cycle of hidden entries passes through.

        Such an entry is a linear function of the published numbers (sum the
        line relations on one side of it).  Iterative Tarjan, so a table with
        thousands of lines does not hit the recursion limit.
        """
        adjacency = self._adjacency()
        n_nodes = len(adjacency)
        order = [-1] * n_nodes
        low = [0] * n_nodes
        bridges: list[_Pos] = []
        counter = 0
        for root in range(n_nodes):
            if order[root] != -1 or not adjacency[root]:
                continue
            order[root] = low[root] = counter
            counter += 1
            # Frames: (node, entry used to reach it, next neighbour index).
            stack: list[tuple[int, _Pos | None, int]] = [(root, None, 0)]
            while stack:
                node, via, next_index = stack[-1]
                if next_index < len(adjacency[node]):
                    stack[-1] = (node, via, next_index + 1)
                    neighbour, entry = adjacency[node][next_index]
                    if entry == via:
                        continue
                    if order[neighbour] == -1:
                        order[neighbour] = low[neighbour] = counter
                        counter += 1
                        stack.append((neighbour, entry, 0))
                    else:
                        low[node] = min(low[node], order[neighbour])
                    continue
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent] and via is not None:
                        bridges.append(via)
        return min(bridges) if bridges else None

    def _bridge_candidates(self, bridge: _Pos) -> list[_Pos]:
        """Visible entries whose hiding puts ``bridge`` on a cycle.

        Removing the bridge splits its component into the side of its row and
        the side of its column; any entry joining a row of one side to a
        column of the other closes a cycle through it.  Each side has a node
        of both kinds (every line there has two or more hidden entries), and
        the entry joining them cannot already be hidden, or ``bridge`` would
        not be a bridge -- so the list is never empty.
        """
        adjacency = self._adjacency()
        row_side = self._reachable(adjacency, start=bridge[0], without=bridge)
        col_side = self._reachable(adjacency, start=self.n_rows + bridge[1], without=bridge)
        candidates: list[_Pos] = []
        for side_a, side_b in ((row_side, col_side), (col_side, row_side)):
            rows = [node for node in side_a if node < self.n_rows]
            cols = [node - self.n_rows for node in side_b if node >= self.n_rows]
            candidates.extend((r, c) for r in rows for c in cols if (r, c) not in self.hidden)
        return candidates

    @staticmethod
    def _reachable(
        adjacency: list[list[tuple[int, _Pos]]], *, start: int, without: _Pos
    ) -> set[int]:
        seen = {start}
        frontier = [start]
        while frontier:
            node = frontier.pop()
            for neighbour, entry in adjacency[node]:
                if entry != without and neighbour not in seen:
                    seen.add(neighbour)
                    frontier.append(neighbour)
        return seen


def _is_small(n: int, *, threshold: int) -> bool:
    return 1 <= n < threshold


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        msg = f"threshold must be an int of at least 1, got {threshold!r}"
        raise ValueError(msg)


def _check_count(value: object, *, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"count at {where} must be an int, got {type(value).__name__}"
        raise TypeError(msg)
    if value < 0:
        msg = f"count at {where} is negative ({value}); counts cannot be below 0"
        raise ValueError(msg)


def _check_table(counts: Sequence[Sequence[int]]) -> int:
    """Validate the table and return its number of columns."""
    n_cols = len(counts[0]) if counts else 0
    for r, row in enumerate(counts):
        if len(row) != n_cols:
            msg = f"ragged table: row {r} has {len(row)} columns, row 0 has {n_cols}"
            raise ValueError(msg)
        for c, value in enumerate(row):
            _check_count(value, where=f"row {r}, column {c}")
    return n_cols


def _bordered(counts: Sequence[Sequence[int]], *, n_cols: int) -> list[list[int]]:
    """The table with its row totals as an extra column and column totals as an extra row."""
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(row[c] for row in grid) for c in range(n_cols + 1)])
    return grid

"""Tests for small-cell suppression: example tables, then properties on random ones."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equityhub.lib.suppression import (
    MIN_CELL,
    SuppressedTable,
    suppress_counts,
    suppress_table,
    suppress_value,
)

Pos = tuple[int, int]

# Mostly 0..60 as the spec says, with a second branch that is denser in small
# counts so that complementary suppression is exercised on most examples.
counts_strategy = st.one_of(st.integers(0, 60), st.integers(0, 14))


@st.composite
def tables(draw: st.DrawFn) -> list[list[int]]:
    n_rows = draw(st.integers(1, 8))
    n_cols = draw(st.integers(1, 8))
    return [[draw(counts_strategy) for _ in range(n_cols)] for _ in range(n_rows)]


def bordered_truth(counts: list[list[int]]) -> list[list[int]]:
    """The table with row totals as a last column and column totals as a last row."""
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(row[c] for row in grid) for c in range(len(counts[0]) + 1)])
    return grid


def bordered_published(result: SuppressedTable) -> list[list[int | None]]:
    """What a reader sees, laid out like :func:`bordered_truth`."""
    assert result.row_totals is not None
    assert result.col_totals is not None
    grid = [[*row, total] for row, total in zip(result.cells, result.row_totals, strict=True)]
    grid.append([*result.col_totals, result.grand_total])
    return grid


def lines(grid: list[list[int | None]]) -> list[list[Pos]]:
    """Every row and every column of a bordered grid, as lists of positions."""
    n_rows, n_cols = len(grid), len(grid[0])
    rows = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    cols = [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    return rows + cols


def determined_hidden_entries(published: list[list[int | None]]) -> set[Pos]:
    """Hidden entries that a reader can compute exactly by linear algebra.

    Each line of the bordered table is an equation: its cells minus its total
    is zero.  Substituting the published values leaves a linear system in the
    hidden entries; an entry is determined when its unit vector lies in the
    row space of that system, i.e. when the reduced row echelon form has a row
    with that entry alone.  This is an audit independent of the implementation
    (which reasons about graph bridges instead).
    """
    n_rows, n_cols = len(published), len(published[0])
    hidden = [(r, c) for r in range(n_rows) for c in range(n_cols) if published[r][c] is None]
    index = {pos: i for i, pos in enumerate(hidden)}

    def sign(pos: Pos) -> int:
        is_total_row, is_total_col = pos[0] == n_rows - 1, pos[1] == n_cols - 1
        return -1 if is_total_row != is_total_col else 1

    matrix: list[list[Fraction]] = []
    for line in lines(published):
        row = [Fraction(0)] * len(hidden)
        for pos in line:
            if pos in index:
                row[index[pos]] = Fraction(sign(pos))
        matrix.append(row)

    pivot_rows: list[list[Fraction]] = []
    for col in range(len(hidden)):
        pivot = next((row for row in matrix if row[col] != 0), None)
        if pivot is None:
            continue
        matrix.remove(pivot)
        pivot = [value / pivot[col] for value in pivot]
        matrix = [[a - row[col] * b for a, b in zip(row, pivot, strict=True)] for row in matrix]
        pivot_rows = [
            [a - row[col] * b for a, b in zip(row, pivot, strict=True)] for row in pivot_rows
        ]
        pivot_rows.append(pivot)
    return {
        hidden[i]
        for row in pivot_rows
        for i, value in enumerate(row)
        if value != 0 and sum(1 for other in row if other != 0) == 1
    }


# --- suppress_value ---------------------------------------------------------


def test_a_single_value_from_one_to_ten_is_hidden_and_zero_and_eleven_are_shown() -> None:
    assert MIN_CELL == 11
    assert suppress_value(0) == 0
    assert suppress_value(1) is None
    assert suppress_value(10) is None
    assert suppress_value(11) == 11


def test_a_custom_threshold_hides_counts_below_it_only() -> None:
    assert suppress_value(4, threshold=5) is None
    assert suppress_value(5, threshold=5) == 5


def test_a_negative_single_value_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress_value(-1)


def test_a_threshold_below_one_is_rejected() -> None:
    with pytest.raises(ValueError, match="threshold"):
        suppress_value(3, threshold=0)


# --- suppress_table: examples -----------------------------------------------


def test_a_single_small_cell_in_a_row_forces_a_second_cell_to_be_hidden() -> None:
    result = suppress_table([[5, 20, 30], [40, 50, 60], [70, 80, 90]])

    assert result.primary == {(0, 0)}
    # Row 0 takes its smallest other cell (20), column 0 its smallest (40),
    # and row 1 then prefers 50 because it also completes column 1.
    assert result.complementary == {(0, 1), (1, 0), (1, 1)}
    assert result.cells == [[None, None, 30], [None, None, 60], [70, 80, 90]]
    assert result.row_totals == [55, 150, 240]
    assert result.col_totals == [115, 150, 180]
    assert result.grand_total == 445


def test_a_table_without_small_counts_is_published_unchanged() -> None:
    result = suppress_table([[0, 20], [30, 0]])

    assert result.hidden == set()
    assert result.cells == [[0, 20], [30, 0]]
    assert result.row_totals == [20, 30]
    assert result.col_totals == [30, 20]
    assert result.grand_total == 50


def test_a_zero_is_hidden_only_when_its_row_has_no_non_zero_cell_left() -> None:
    # 5 is primary; 20 and 40 are hidden to protect it; row 0 then holds one
    # hidden cell and nothing else but a zero, which beats hiding its total.
    result = suppress_table([[40, 0], [5, 20]])

    assert result.primary == {(1, 0)}
    assert result.complementary == {(0, 0), (0, 1), (1, 1)}
    assert result.row_totals == [40, 25]
    assert result.col_totals == [45, 20]


def test_a_one_column_table_hides_a_row_total_when_no_other_cell_is_left() -> None:
    result = suppress_table([[5], [30], [40]])

    assert result.cells == [[None], [None], [40]]
    assert result.primary == {(0, 0)}
    assert result.complementary == {(1, 0)}
    # Row 1's only cell is hidden, so its total (the same number) must go.
    assert result.row_totals == [None, None, 40]
    assert result.col_totals == [75]
    assert result.grand_total == 75


def test_a_small_row_total_is_hidden_and_protected_like_a_cell() -> None:
    result = suppress_table([[3, 4], [30, 40]])

    assert result.primary == {(0, 0), (0, 1)}
    assert result.row_totals == [None, None]
    assert result.col_totals == [33, 44]
    assert result.grand_total == 77
    assert determined_hidden_entries(bordered_published(result)) == set()


def test_a_hidden_cell_recoverable_by_combining_lines_gets_one_more_hidden_cell() -> None:
    # Every line already has two or three hidden cells, yet the 3 at (1, 2)
    # equals (row 0 + row 1) - (column 0 + column 1) of the hidden amounts:
    # it is the only link between two groups of hidden cells.
    counts = [[5, 6, 50, 40], [7, 8, 3, 60], [30, 40, 4, 9], [50, 20, 2, 7]]
    primary_only = [
        [None if 1 <= value < MIN_CELL else value for value in row]
        for row in bordered_truth(counts)
    ]
    assert determined_hidden_entries(primary_only) == {(1, 2)}

    result = suppress_table(counts)

    assert result.complementary == {(3, 1)}
    assert determined_hidden_entries(bordered_published(result)) == set()


def test_leaving_out_the_totals_hides_the_same_cells_and_publishes_no_margin() -> None:
    counts = [[5], [30], [40]]
    with_totals = suppress_table(counts)
    without = suppress_table(counts, with_totals=False)

    assert without.cells == with_totals.cells
    assert without.hidden == with_totals.hidden
    assert without.row_totals is None
    assert without.col_totals is None
    assert without.grand_total is None


def test_a_threshold_of_one_hides_nothing() -> None:
    result = suppress_table([[1, 2], [3, 4]], threshold=1)

    assert result.hidden == set()
    assert result.grand_total == 10


def test_an_empty_table_gives_an_empty_result() -> None:
    result = suppress_table([])

    assert result.cells == []
    assert result.row_totals == []
    assert result.col_totals == []
    assert result.grand_total == 0


def test_a_ragged_table_is_rejected_naming_the_row() -> None:
    with pytest.raises(ValueError, match="row 1 has 1 columns"):
        suppress_table([[1, 2], [3]])


def test_a_negative_count_is_rejected_naming_its_row_and_column() -> None:
    with pytest.raises(ValueError, match="row 1, column 2"):
        suppress_table([[1, 2, 3], [4, 5, -6]])


@pytest.mark.parametrize("bad", [1.5, True, "3"])
def test_a_count_that_is_not_an_int_is_rejected(bad: object) -> None:
    with pytest.raises(TypeError, match="row 0, column 1"):
        suppress_table([[1, bad]])  # type: ignore[list-item]  # the wrong type is the point


# --- suppress_table: properties ---------------------------------------------


@given(tables())
def test_no_visible_cell_or_total_is_a_small_count(counts: list[list[int]]) -> None:
    published = bordered_published(suppress_table(counts))

    for row in published:
        for value in row:
            assert value is None or not 1 <= value < MIN_CELL


@given(tables())
def test_visible_cells_and_totals_equal_the_original_counts(counts: list[list[int]]) -> None:
    published = bordered_published(suppress_table(counts))
    truth = bordered_truth(counts)

    for published_row, true_row in zip(published, truth, strict=True):
        for value, true_value in zip(published_row, true_row, strict=True):
            assert value is None or value == true_value


@given(tables())
def test_visible_zeros_stay_zero(counts: list[list[int]]) -> None:
    result = suppress_table(counts)

    for r, row in enumerate(counts):
        for c, value in enumerate(row):
            if value == 0 and (r, c) not in result.hidden:
                assert result.cells[r][c] == 0


@given(tables())
def test_primary_cells_are_exactly_the_small_ones_and_complementary_cells_are_others(
    counts: list[list[int]],
) -> None:
    result = suppress_table(counts)
    small = {
        (r, c)
        for r, row in enumerate(counts)
        for c, value in enumerate(row)
        if 1 <= value < MIN_CELL
    }

    assert result.primary == small
    assert not result.primary & result.complementary
    for r, row in enumerate(result.cells):
        for c, value in enumerate(row):
            assert (value is None) == ((r, c) in result.hidden)


@given(tables())
def test_every_line_with_a_hidden_cell_has_a_second_hidden_cell_or_a_hidden_total(
    counts: list[list[int]],
) -> None:
    result = suppress_table(counts)
    assert result.row_totals is not None
    assert result.col_totals is not None

    for r, row in enumerate(result.cells):
        hidden = sum(value is None for value in row)
        assert hidden == 0 or hidden >= 2 or result.row_totals[r] is None
    for c, total in enumerate(result.col_totals):
        hidden = sum(row[c] is None for row in result.cells)
        assert hidden == 0 or hidden >= 2 or total is None


@given(tables())
def test_no_line_has_exactly_one_hidden_entry_counting_its_total(
    counts: list[list[int]],
) -> None:
    # This covers the margins too: one hidden row total next to a visible
    # grand total would be the grand total minus the other row totals.
    published = bordered_published(suppress_table(counts))

    for line in lines(published):
        hidden = [pos for pos in line if published[pos[0]][pos[1]] is None]
        assert len(hidden) != 1


@given(tables())
@settings(deadline=None)
def test_no_hidden_value_can_be_computed_from_the_published_numbers(
    counts: list[list[int]],
) -> None:
    published = bordered_published(suppress_table(counts))

    assert determined_hidden_entries(published) == set()


@given(tables())
def test_leaving_out_totals_never_changes_which_cells_are_hidden(counts: list[list[int]]) -> None:
    assert suppress_table(counts, with_totals=False).cells == suppress_table(counts).cells


# --- suppress_counts --------------------------------------------------------


def test_a_list_with_one_small_count_hides_the_next_smallest_count() -> None:
    assert suppress_counts({"a": 5, "b": 30, "c": 20}) == {"a": None, "b": 30, "c": None}


def test_a_list_with_two_small_counts_hides_nothing_else() -> None:
    assert suppress_counts({"a": 5, "b": 7, "c": 20}) == {"a": None, "b": None, "c": 20}


def test_a_list_prefers_a_non_zero_complement_over_a_zero() -> None:
    assert suppress_counts({"a": 5, "b": 0, "c": 30}) == {"a": None, "b": 0, "c": None}


def test_a_list_hides_a_zero_when_nothing_else_is_left() -> None:
    assert suppress_counts({"a": 5, "b": 0}) == {"a": None, "b": None}


def test_a_list_breaks_ties_by_key_order() -> None:
    assert suppress_counts({"a": 5, "b": 20, "c": 20}) == {"a": None, "b": None, "c": 20}


def test_a_list_with_a_negative_count_is_rejected_naming_the_key() -> None:
    with pytest.raises(ValueError, match="key 'b'"):
        suppress_counts({"a": 5, "b": -1})


@given(st.dictionaries(st.text(max_size=3), counts_strategy, max_size=10))
def test_a_list_never_shows_a_small_count_nor_hides_exactly_one_of_several(
    counts: dict[str, int],
) -> None:
    result = suppress_counts(counts)

    assert result.keys() == counts.keys()
    hidden = [key for key, value in result.items() if value is None]
    for key, value in result.items():
        assert value is None or (value == counts[key] and not 1 <= value < MIN_CELL)
    if len(counts) > 1:
        assert len(hidden) != 1

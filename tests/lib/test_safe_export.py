"""Tests for formula-injection-safe CSV and XLSX export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equityhub.lib.safe_export import (
    DANGEROUS_PREFIXES,
    escape_cell,
    escape_row,
    write_csv,
    write_xlsx,
)

# openpyxl refuses these control characters (XML 1.0 cannot hold them).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

dangerous_text = st.builds(
    lambda prefix, rest: prefix + rest, st.sampled_from(DANGEROUS_PREFIXES), st.text()
)
any_text = st.one_of(st.text(), dangerous_text)
xlsx_text = any_text.filter(lambda text: not _XML_ILLEGAL.search(text))
plain_values = st.one_of(
    st.none(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
)
# openpyxl writes floats with 15 significant digits (as Excel keeps them), so
# the XLSX round trip is only exact for values that fit in those.
xlsx_values = st.one_of(
    st.none(),
    st.integers(-(10**9), 10**9),
    st.floats(min_value=-1e9, max_value=1e9).map(lambda value: round(value, 3)),
)


def test_a_formula_gets_a_leading_quote() -> None:
    assert escape_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'


@pytest.mark.parametrize("prefix", DANGEROUS_PREFIXES)
def test_every_dangerous_first_character_is_escaped(prefix: str) -> None:
    assert escape_cell(prefix + "1+1") == "'" + prefix + "1+1"


def test_a_dangerous_character_later_in_the_text_is_left_alone() -> None:
    assert escape_cell("a=1+1") == "a=1+1"


def test_negative_numbers_and_other_non_strings_pass_unchanged() -> None:
    day = dt.date(2024, 1, 31)
    assert escape_row([-5, -2.5, None, day, 0]) == [-5, -2.5, None, day, 0]


def test_a_negative_number_written_as_text_is_escaped() -> None:
    assert escape_cell("-5") == "'-5"


@given(any_text)
def test_escaped_text_starts_with_a_dangerous_character_only_behind_the_quote(
    text: str,
) -> None:
    escaped = escape_cell(text)

    assert isinstance(escaped, str)
    assert not escaped.startswith(DANGEROUS_PREFIXES)
    assert escaped in {text, "'" + text}


@given(st.text().filter(lambda text: not text.startswith(DANGEROUS_PREFIXES)))
def test_safe_text_is_unchanged(text: str) -> None:
    assert escape_cell(text) == text


@given(plain_values)
def test_non_text_values_are_unchanged(value: object) -> None:
    assert escape_cell(value) is value


@given(st.lists(st.lists(any_text, min_size=2, max_size=2), max_size=5))
def test_csv_reads_back_as_the_escaped_values(rows: list[list[str]]) -> None:
    stream = io.StringIO(newline="")
    write_csv(rows, stream, header=["name", "=note"])

    stream.seek(0)
    read_back = list(csv.reader(stream))
    assert read_back == [["name", "'=note"], *(escape_row(row) for row in rows)]


def test_csv_writes_numbers_as_numbers() -> None:
    stream = io.StringIO(newline="")
    write_csv([[-3, "=cmd", 1.5]], stream, header=["a", "b", "c"])

    assert stream.getvalue() == "a,b,c\r\n-3,'=cmd,1.5\r\n"


def test_csv_rejects_a_row_of_the_wrong_width() -> None:
    with pytest.raises(ValueError, match="row 1 has 1 cells, the header has 2"):
        write_csv([["a", "b"], ["c"]], io.StringIO(), header=["x", "y"])


def _xlsx_read_back(data: bytes) -> tuple[str, list[list[object]]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - as in the module under test

    sheet = load_workbook(io.BytesIO(data)).active
    return sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)]


def _as_xlsx_stores(value: object) -> object:
    """XML turns a carriage return into a newline, and an empty string is no value."""
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        return value or None
    return value


@given(st.lists(st.tuples(xlsx_text, xlsx_values), min_size=1, max_size=4))
@settings(max_examples=30, deadline=None)
def test_xlsx_cells_read_back_as_the_escaped_values(rows: list[tuple[str, object]]) -> None:
    stream = io.BytesIO()
    write_xlsx(rows, stream, header=["label", "+value"], sheet_title="Counts")

    title, read_back = _xlsx_read_back(stream.getvalue())
    assert title == "Counts"
    assert read_back == [
        ["label", "'+value"],
        *([_as_xlsx_stores(value) for value in escape_row(row)] for row in rows),
    ]


def test_xlsx_stores_an_escaped_formula_as_text_not_as_a_formula() -> None:
    from openpyxl import load_workbook  # noqa: PLC0415 - as in the module under test

    stream = io.BytesIO()
    write_xlsx([["=1+1", -4]], stream, header=["a", "b"])

    sheet = load_workbook(io.BytesIO(stream.getvalue())).active
    assert sheet.title == "Export"
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == "'=1+1"
    assert sheet["B2"].value == -4


def test_xlsx_rejects_a_row_of_the_wrong_width() -> None:
    with pytest.raises(ValueError, match="row 1 has 3 cells"):
        write_xlsx([["a", "b"], ["a", "b", "c"]], io.BytesIO(), header=["x", "y"])


def test_xlsx_passes_on_openpyxl_refusing_a_control_character() -> None:
    from openpyxl.utils.exceptions import IllegalCharacterError  # noqa: PLC0415 - as above

    with pytest.raises(IllegalCharacterError):
        write_xlsx([["bell\x07"]], io.BytesIO(), header=["x"])

"""CSV and XLSX export that cannot smuggle formulas into a spreadsheet.

Why this exists: exported cells often hold text someone else typed (a
facility name, a note, a label).  When a spreadsheet program opens a CSV, a
cell starting with ``=``, ``+``, ``-`` or ``@`` -- or with a tab or carriage
return in front of one -- is run as a formula, which can leak data or start a
program ("CSV injection").  Following OWASP's advice, such strings get a
leading single quote, which makes the program treat the cell as text.

Only strings are touched.  Numbers, including negative ones, pass unchanged:
they are written as numbers and are never evaluated.  The price is that a
*string* like ``"-5"`` is exported as ``'-5``; pass numbers as numbers.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterable, Sequence
from typing import BinaryIO, Final, TextIO

__all__ = [
    "DANGEROUS_PREFIXES",
    "escape_cell",
    "escape_row",
    "write_csv",
    "write_xlsx",
]

DANGEROUS_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP)."""

_ESCAPE: Final = "'"


def escape_cell(value: object) -> object:
    """Return ``value`` made inert for a spreadsheet.

    A string starting with one of :data:`DANGEROUS_PREFIXES` gets a leading
    ``'``; anything else (other strings, numbers, dates, ``None``) is returned
    as it is.
    """
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return _ESCAPE + value
    return value


def escape_row(row: Iterable[object]) -> list[object]:
    """Escape every cell of ``row`` with :func:`escape_cell`."""
    return [escape_cell(value) for value in row]


def write_csv(rows: Iterable[Sequence[object]], stream: TextIO, *, header: Sequence[str]) -> None:
    """Write ``header`` and ``rows`` to ``stream`` as CSV, every cell escaped.

    The header is escaped too: column labels can come from user input.  Open
    a file for this with ``newline=""``, as the ``csv`` module requires.
    Raises ``ValueError`` for a row whose length differs from the header's,
    which would otherwise silently shift values under the wrong column.
    """
    writer = csv.writer(stream)
    writer.writerow(escape_row(header))
    for index, row in enumerate(rows):
        _check_width(row, index=index, width=len(header))
        writer.writerow(escape_row(row))


def write_xlsx(
    rows: Iterable[Sequence[object]],
    stream: BinaryIO,
    *,
    header: Sequence[str],
    sheet_title: str = "Export",
) -> None:
    """Write ``header`` and ``rows`` to ``stream`` as an XLSX workbook.

    Uses openpyxl's write-only mode, so rows are streamed rather than held in
    memory.  Escaping matters here too: openpyxl stores any string starting
    with ``=`` as a formula.  The leading quote is kept as part of the text,
    so the cell reads back exactly as :func:`escape_cell` returned it.
    Strings with control characters that XML cannot hold make openpyxl raise
    ``IllegalCharacterError``; rows of the wrong width raise ``ValueError``.
    """
    from openpyxl import Workbook  # noqa: PLC0415 - heavy optional dependency, only needed here

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title)
    try:
        sheet.append(escape_row(header))
        for index, row in enumerate(rows):
            _check_width(row, index=index, width=len(header))
            sheet.append(escape_row(row))
    except BaseException:
        # Finish the half-written temporary sheet now; left open, openpyxl's
        # row generator fails noisily when it is garbage-collected later.
        with contextlib.suppress(Exception):
            sheet.close()
        raise
    workbook.save(stream)


def _check_width(row: Sequence[object], *, index: int, width: int) -> None:
    if len(row) != width:
        msg = f"row {index} has {len(row)} cells, the header has {width}"
        raise ValueError(msg)

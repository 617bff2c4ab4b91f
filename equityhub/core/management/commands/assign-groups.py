# ruff: noqa: N999  (the issue names the command assign-groups, hyphen and all)
"""`equityhub assign-groups --input people.csv --groups G --output groups.csv`: balanced groups.

The input is a CSV file (UTF-8, a byte-order mark is fine) with an ``id`` column and attribute
columns; a column with a ``;`` anywhere is multi-valued (``es;en``).  The output has ``id,group``
in the input's order, groups numbered 1..G in the order of their first member.  The engine is
`equityhub.lib.grouping` (anticlustering): see its docstring for the measure (SS, SS_ideal,
SS_random, excess) that the command prints.

Options: ``--attributes a,b`` (default: every column but id), ``--weights a=2,b=0.5``,
``--seed N``, ``--time-limit S``, ``--apart id1:id2 ...``, ``--together id1:id2 ...``,
``--require "languages=es:1" ...`` (every group needs at least 1 person with that column).
Bad input exits with a non-zero status and a message that names the problem.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from equityhub.lib.grouping import Constraints, Infeasible, Requirement, assign, encode

ID_COLUMN = "id"
MULTI_SEPARATOR = ";"


class Command(BaseCommand):
    help = _(
        "Split the people of a CSV file (an id column plus attribute columns) into groups whose "
        "sizes differ by at most one, each as balanced as possible on the attributes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--input", type=Path, required=True, help=_("CSV file: id plus attributes.")
        )
        parser.add_argument("--groups", type=int, required=True, help=_("Number of groups."))
        parser.add_argument(
            "--output", type=Path, required=True, help=_("CSV file to write: id,group.")
        )
        parser.add_argument(
            "--attributes", default=None, help=_("Comma-separated columns to balance on.")
        )
        parser.add_argument("--weights", default=None, help=_("Weights, e.g. school=2,region=0.5."))
        parser.add_argument("--seed", type=int, default=0, help=_("Seed of the search."))
        parser.add_argument(
            "--time-limit", type=float, default=10.0, help=_("Seconds the search may take.")
        )
        for name, help_text in (
            ("--apart", _("Pairs of ids to keep in different groups, e.g. A17:B3.")),
            ("--together", _("Pairs of ids to keep in one group, e.g. A17:B3.")),
            ("--require", _('Per-group minimums, e.g. "languages=es:1".')),
        ):
            parser.add_argument(name, nargs="+", action="extend", default=[], help=help_text)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["input"]
        header, rows = read_table(path)
        ids, records, columns = people_of(header, rows)
        attributes = chosen_attributes(options["attributes"], columns)
        weights = parse_weights(options["weights"], attributes)
        groups: int = options["groups"]
        if not 1 <= groups <= len(ids):
            raise CommandError(
                _("--groups must be between 1 and the number of people (%(n)d), not %(groups)d.")
                % {"n": len(ids), "groups": groups}
            )
        time_limit: float = options["time_limit"]
        if not math.isfinite(time_limit) or time_limit <= 0:
            raise CommandError(_("--time-limit must be a number of seconds greater than 0."))
        try:
            encoding = encode(records, attributes, weights)
        except ValueError as problem:
            raise CommandError(str(problem)) from None
        index = {person: row for row, person in enumerate(ids)}
        constraints = Constraints(
            apart=parse_pairs(options["apart"], index, "--apart"),
            together=parse_pairs(options["together"], index, "--together"),
            requirements=parse_requirements(options["require"], encoding.columns),
        )
        try:
            result = assign(
                encoding,
                groups,
                constraints=constraints,
                seed=options["seed"],
                time_limit=time_limit,
                row_names=ids,
            )
        except ValueError as problem:  # Infeasible is a ValueError too
            prefix = _("Infeasible: ") if isinstance(problem, Infeasible) else ""
            raise CommandError(f"{prefix}{problem}") from None
        write_groups(options["output"], ids, [int(label) + 1 for label in result.labels])
        sizes = sorted({len(ids) // groups, -(-len(ids) // groups)})
        self.stdout.write(
            _(
                "%(groups)d groups of %(sizes)s people from %(file)s, balanced on %(attributes)s "
                "(%(columns)d columns)."
            )
            % {
                "groups": groups,
                "sizes": _(" or ").join(str(size) for size in sizes),
                "file": path.name,
                "attributes": ", ".join(attributes),
                "columns": len(encoding.columns),
            }
        )
        for label, value in (
            ("SS", number(result.ss)),
            ("SS_ideal", number(result.ss_ideal)),
            ("SS_random", number(result.ss_random)),
            ("excess", f"{result.excess:.6f}"),
            (_("seconds"), f"{result.seconds:.2f}"),
        ):
            self.stdout.write(f"{label}: {value}")
        self.stdout.write(_("Wrote %(file)s.") % {"file": options["output"]})


def number(value: float) -> str:
    """A sum of squares as people read it: 1234 or 1234.25, never 1.23e+03."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank rows (with their spreadsheet row numbers) of a CSV file."""
    try:
        data = path.read_bytes()
    except OSError as problem:
        raise CommandError(
            _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": problem.strerror}
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(
            _("%(path)s is not a UTF-8 CSV file (save it as CSV UTF-8).") % {"path": path}
        ) from None
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as problem:
        raise CommandError(
            _("%(path)s is not a readable CSV file: %(reason)s") % {"path": path, "reason": problem}
        ) from None
    numbered = [(k + 1, row) for k, row in enumerate(table) if any(cell.strip() for cell in row)]
    if not numbered:
        raise CommandError(_("%(path)s is empty.") % {"path": path})
    (_header_row, header), rows = numbered[0], numbered[1:]
    header = [name.strip() for name in header]
    for row_number, row in rows:
        if len(row) != len(header):
            raise CommandError(
                _(
                    "Row %(row)d has %(fields)d fields but the header has %(columns)d: is "
                    "%(path)s a CSV file with one person per row?"
                )
                % {"row": row_number, "fields": len(row), "columns": len(header), "path": path}
            )
    return header, rows


def people_of(
    header: Sequence[str], rows: Sequence[tuple[int, list[str]]]
) -> tuple[list[str], list[dict[str, str | list[str] | None]], list[str]]:
    """Ids, records (attribute -> value or values) and attribute columns of the table."""
    lowered = [name.lower() for name in header]
    if ID_COLUMN not in lowered:
        raise CommandError(
            _("There is no id column; the first row names the columns (found: %(columns)s).")
            % {"columns": ", ".join(header) or _("none")}
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated or "" in header:
        raise CommandError(
            _("Every column needs a name of its own (check: %(columns)s).")
            % {"columns": ", ".join(repeated) or _("a column without a name")}
        )
    id_index = lowered.index(ID_COLUMN)
    columns = [name for k, name in enumerate(header) if k != id_index]
    if not rows:
        raise CommandError(_("The file has a header but no people."))
    ids: list[str] = []
    rows_of: dict[str, list[int]] = {}
    for row_number, row in rows:
        person = row[id_index].strip()
        if not person:
            raise CommandError(_("Row %(row)d has no id.") % {"row": row_number})
        ids.append(person)
        rows_of.setdefault(person, []).append(row_number)
    duplicates = {person: found for person, found in rows_of.items() if len(found) > 1}
    if duplicates:
        raise CommandError(
            _("Duplicate ids: %(list)s.")
            % {
                "list": "; ".join(
                    _("%(id)s on rows %(rows)s")
                    % {"id": person, "rows": ", ".join(str(row) for row in found)}
                    for person, found in duplicates.items()
                )
            }
        )
    multi = {
        k
        for k, name in enumerate(header)
        if k != id_index and any(MULTI_SEPARATOR in row[k] for _number, row in rows)
    }
    records: list[dict[str, str | list[str] | None]] = []
    for _number, row in rows:
        record: dict[str, str | list[str] | None] = {}
        for k, name in enumerate(header):
            if k == id_index:
                continue
            cell = row[k].strip()
            if k in multi:
                record[name] = [value.strip() for value in cell.split(MULTI_SEPARATOR)]
            else:
                record[name] = cell or None
        records.append(record)
    return ids, records, columns


def chosen_attributes(option: str | None, columns: Sequence[str]) -> list[str]:
    if option is None:
        if not columns:
            raise CommandError(_("The file has no attribute columns besides id."))
        return list(columns)
    attributes = [name.strip() for name in option.split(",") if name.strip()]
    if not attributes:
        raise CommandError(_("--attributes names no column."))
    unknown = [name for name in attributes if name not in columns]
    if unknown:
        raise CommandError(
            _("Unknown attribute %(names)s; the file's columns are %(columns)s.")
            % {"names": ", ".join(unknown), "columns": ", ".join(columns)}
        )
    if len(set(attributes)) != len(attributes):
        raise CommandError(_("--attributes names a column twice."))
    return attributes


def parse_weights(option: str | None, attributes: Sequence[str]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for item in (option or "").split(","):
        if not item.strip():
            continue
        name, equals, value = item.partition("=")
        name = name.strip()
        try:
            weight = float(value)
        except ValueError:
            weight = math.nan
        if not equals or not math.isfinite(weight) or weight <= 0:
            raise CommandError(
                _("Bad weight %(item)s: write attribute=number, with a number greater than 0.")
                % {"item": item.strip()}
            )
        if name not in attributes:
            raise CommandError(
                _("Bad weight %(item)s: %(name)s is not one of the attributes (%(attributes)s).")
                % {"item": item.strip(), "name": name, "attributes": ", ".join(attributes)}
            )
        weights[name] = weight
    return weights


def parse_pairs(
    items: Sequence[str], index: Mapping[str, int], option: str
) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    for item in items:
        parts = item.split(":")
        if len(parts) != 2 or not all(part.strip() for part in parts):
            raise CommandError(
                _("Bad %(option)s %(item)s: write two ids as id1:id2.")
                % {"option": option, "item": item}
            )
        unknown = [part.strip() for part in parts if part.strip() not in index]
        if unknown:
            raise CommandError(
                _("Bad %(option)s %(item)s: no person has the id %(ids)s.")
                % {"option": option, "item": item, "ids": ", ".join(unknown)}
            )
        pairs.append((index[parts[0].strip()], index[parts[1].strip()]))
    return pairs


def parse_requirements(items: Sequence[str], columns: Sequence[str]) -> list[Requirement]:
    requirements: list[Requirement] = []
    for item in items:
        column, colon, count = item.strip().rpartition(":")
        if not colon or not count.strip().isdigit():
            column, count = item.strip(), "1"
        column = column.strip()
        if column not in columns:
            raise CommandError(
                _(
                    "Bad --require %(item)s: there is no column %(column)s (columns read "
                    "attribute=value, e.g. %(example)s)."
                )
                % {"item": item, "column": column, "example": ", ".join(list(columns)[:3])}
            )
        requirements.append(Requirement(column=column, minimum=int(count)))
    return requirements


def write_groups(path: Path, ids: Sequence[str], groups: Sequence[int]) -> None:
    # The ids are written exactly as read (not spreadsheet-escaped): this file is joined back
    # to the input by id, and the ids came from the same person's own file.
    try:
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow([ID_COLUMN, "group"])
            writer.writerows(zip(ids, groups, strict=True))
    except OSError as problem:
        raise CommandError(
            _("Cannot write %(path)s: %(reason)s") % {"path": path, "reason": problem.strerror}
        ) from None

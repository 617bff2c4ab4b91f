"""Writing places' reference data: area boundaries and the indicators known per area.

Both importers are all-or-nothing. The whole input is read and checked first, every problem is
collected, and only an input without a single problem is written, inside one transaction, with
bulk statements (a few queries per few hundred rows, never one per row). A failed import raises
`ImportFailed` carrying every problem (the feature index or the row number, the column, the
reason) and writes nothing, audit entry included.

An area is recognized by its kind and code (a ZCTA by its ZIP code), so importing a file again,
or a newer one, updates the areas it names instead of duplicating them; an indicator value is
recognized by indicator, area and year. One audit entry per import (`places.areas.imported`,
`places.indicators.imported`) records what was done, with counts, not one per row.

The demo loaders (`load_demo_areas`, `import_shared_boundaries`) go through the same code.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from equityhub.accounts.rules import is_office_staff
from equityhub.audit.services import record
from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.places import geo
from equityhub.places.models import Area, Indicator, IndicatorValue
from equityhub.places.selectors import forget_areas_geojson

ATTRIBUTION: Final = (
    "ZCTA boundaries and estimates: SLU openGIS STL_BOUNDARY_ZCTA (ACS 2018), CC BY 4.0"
)
DEMO_TABLE: Final = Path(__file__).resolve().parent / "data" / "stl_zcta.csv"
DEMO_YEAR: Final = 2018
SHARED_BOUNDARIES: Final = "STL_ZCTA_City_County.geojson"
SHARED_TABLES: Final = (
    "STL_ZCTA_City_County_Total_Pop.csv",
    "STL_ZCTA_City_County_Poverty.csv",
    "STL_ZCTA_City_County_Race.csv",
)
SHARED_ID_PROPERTY: Final = "GEOID_ZCTA"

# Rows per INSERT/UPDATE: well under SQLite's and PostgreSQL's limits on parameters per
# statement. Areas carry whole boundaries, so fewer of them go in one statement.
BATCH: Final = 500
AREA_BATCH: Final = 50
LOOKUP_CHUNK: Final = 900
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2100
CODE_LENGTH: Final = Area._meta.get_field("code").max_length or 40
NAME_LENGTH: Final = Area._meta.get_field("name").max_length or 200
SOURCE_LENGTH: Final = Area._meta.get_field("source").max_length or 300
INDICATOR_CODE_LENGTH: Final = Indicator._meta.get_field("code").max_length or 60
UNIT_LENGTH: Final = Indicator._meta.get_field("unit").max_length or 40
INDICATOR_NAME_LENGTH: Final = Indicator._meta.get_field("name").max_length or 200
XLSX_MAGIC: Final = b"PK\x03\x04"
PEOPLE: Final = "people"
PERCENT: Final = "%"


class KnownIndicator(NamedTuple):
    """How a well-known column is labelled. Names are stored in English and marked for
    translation, so the API shows them in the reader's language."""

    name: str
    unit: str
    higher_means_more_need: bool
    description: str = ""


_ACS = gettext_noop("American Community Survey 5-year estimate.")
# The shared St. Louis files' columns (and the ACS tables they come from). Composition and
# size (how many people, of which race or age) say nothing about need by themselves, so they
# do not rank areas by need; the poverty rate does.
KNOWN_INDICATORS: Final[Mapping[str, KnownIndicator]] = {
    "total_pop": KnownIndicator(gettext_noop("Population"), PEOPLE, False, _ACS),
    "pvty_pct": KnownIndicator(
        gettext_noop("Poverty rate"),
        PERCENT,
        True,
        gettext_noop(
            "Share of residents whose income in the past 12 months was below the poverty "
            "level; American Community Survey 5-year estimate."
        ),
    ),
    "blk_pct": KnownIndicator(gettext_noop("Black residents (%)"), PERCENT, False, _ACS),
    "wht_pct": KnownIndicator(gettext_noop("White residents (%)"), PERCENT, False, _ACS),
    "race_total": KnownIndicator(gettext_noop("Population (race table)"), PEOPLE, False, _ACS),
    "race_white": KnownIndicator(gettext_noop("White residents"), PEOPLE, False, _ACS),
    "race_black": KnownIndicator(gettext_noop("Black residents"), PEOPLE, False, _ACS),
    "race_native": KnownIndicator(
        gettext_noop("American Indian and Alaska Native residents"), PEOPLE, False, _ACS
    ),
    "race_asian": KnownIndicator(gettext_noop("Asian residents"), PEOPLE, False, _ACS),
    "race_islander": KnownIndicator(
        gettext_noop("Native Hawaiian and Pacific Islander residents"), PEOPLE, False, _ACS
    ),
    "race_other": KnownIndicator(gettext_noop("Residents of another race"), PEOPLE, False, _ACS),
    "race_multi": KnownIndicator(
        gettext_noop("Residents of two or more races"), PEOPLE, False, _ACS
    ),
    "ethnic_total": KnownIndicator(
        gettext_noop("Population (ethnicity table)"), PEOPLE, False, _ACS
    ),
    "ethnic_latino": KnownIndicator(
        gettext_noop("Hispanic or Latino residents"), PEOPLE, False, _ACS
    ),
    "age_u5": KnownIndicator(gettext_noop("Children under 5"), PEOPLE, False, _ACS),
    "age_5_9": KnownIndicator(gettext_noop("Children 5 to 9"), PEOPLE, False, _ACS),
    "age_10_14": KnownIndicator(gettext_noop("Children 10 to 14"), PEOPLE, False, _ACS),
    "age_15_19": KnownIndicator(gettext_noop("People 15 to 19"), PEOPLE, False, _ACS),
    "age_20_24": KnownIndicator(gettext_noop("People 20 to 24"), PEOPLE, False, _ACS),
    "age_25_34": KnownIndicator(gettext_noop("People 25 to 34"), PEOPLE, False, _ACS),
    "age_35_44": KnownIndicator(gettext_noop("People 35 to 44"), PEOPLE, False, _ACS),
    "age_45_54": KnownIndicator(gettext_noop("People 45 to 54"), PEOPLE, False, _ACS),
    "age_55_59": KnownIndicator(gettext_noop("People 55 to 59"), PEOPLE, False, _ACS),
    "age_60_64": KnownIndicator(gettext_noop("People 60 to 64"), PEOPLE, False, _ACS),
    "age_65_74": KnownIndicator(gettext_noop("People 65 to 74"), PEOPLE, False, _ACS),
    "age_75_84": KnownIndicator(gettext_noop("People 75 to 84"), PEOPLE, False, _ACS),
    "age_gt85": KnownIndicator(gettext_noop("People 85 and over"), PEOPLE, False, _ACS),
}
COUNT_PREFIXES: Final = ("total_", "race_", "ethnic_", "age_", "pop_")
COUNT_SUFFIXES: Final = ("_pop", "_population", "_count")
PERCENT_MARKERS: Final = ("_pct", "pct_", "_percent", "percent_", "_rate")
# Cells that mean "no value" (compared in lower case): empty, and what pandas, R and census
# downloads write for a missing estimate (e.g. the poverty rate of a ZCTA nobody lives in).
MISSING_MARKERS: Final = frozenset({"", "nan", "na", "n/a"})


# Results and errors ------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in a CSV file. `row` counts data rows from 1 (the row under the header is
    row 1); None means the file or the header as a whole. `column` is blank when the problem
    is not about one column."""

    row: int | None
    column: str
    reason: str

    @property
    def where(self) -> str:
        where = _("the file") if self.row is None else _("row %(row)d") % {"row": self.row}
        if self.column:
            where = _("%(where)s, column %(column)s") % {"where": where, "column": self.column}
        return where

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


ImportProblem = geo.GeoError | RowError


class ImportFailed(ServiceError):
    """Nothing was imported; `errors` lists every problem found, in file order."""

    def __init__(self, errors: Sequence[ImportProblem]) -> None:
        self.errors: list[ImportProblem] = list(errors)
        summary = ngettext(
            "%(count)d problem; nothing was imported.",
            "%(count)d problems; nothing was imported.",
            len(self.errors),
        ) % {"count": len(self.errors)}
        if self.errors:
            summary = f"{summary} {self.errors[0]}"
        super().__init__(summary, code="import_failed")


@dataclass
class ImportResult:
    """What an import did (or, with `dry_run`, would do)."""

    kind: str
    dry_run: bool = False
    areas_created: int = 0
    areas_updated: int = 0
    indicators_created: int = 0
    indicators_updated: int = 0
    values_created: int = 0
    values_updated: int = 0
    values_unchanged: int = 0
    cells_empty: int = 0

    def as_counts(self) -> dict[str, int]:
        return {
            "areas_created": self.areas_created,
            "areas_updated": self.areas_updated,
            "indicators_created": self.indicators_created,
            "indicators_updated": self.indicators_updated,
            "values_created": self.values_created,
            "values_updated": self.values_updated,
            "values_unchanged": self.values_unchanged,
            "cells_empty": self.cells_empty,
        }


# Shared checks -----------------------------------------------------------------------------


def _require_importer(actor: Any) -> None:
    # None is the system: a management command run without --actor, or the demo.
    if actor is not None and not is_office_staff(actor):
        raise NotAllowed(_("Only office staff may import areas and indicators."))


def _checked_kind(kind: str) -> str:
    if kind not in Area.Kind.values:
        raise ServiceError(
            _("Unknown kind of area %(kind)s; use one of: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(Area.Kind.values)},
            field="kind",
        )
    return kind


def _checked_source(source: str, *, required: bool) -> str:
    source = " ".join(source.split())
    if geo.has_control_characters(source):
        raise ServiceError(_("The source contains control characters."), field="source")
    if required and not source:
        raise ServiceError(
            _("Name the source of the figures (it is shown as their attribution)."),
            field="source",
        )
    if len(source) > SOURCE_LENGTH:
        raise ServiceError(
            _("The source is longer than %(max)d characters.") % {"max": SOURCE_LENGTH},
            field="source",
        )
    return source


def _input(data: bytes | str | None, source_file: Path | None) -> tuple[bytes | str, str]:
    """The bytes to import and a name for them (the audit log's)."""
    if (data is None) == (source_file is None):
        raise ServiceError(_("Give either the data or a file to import, not both."))
    if source_file is None:
        assert data is not None  # noqa: S101 - checked just above
        return data, ""
    try:
        return source_file.read_bytes(), source_file.name
    except OSError as problem:
        raise ImportFailed(
            [
                RowError(
                    None,
                    "",
                    _("Cannot read %(path)s: %(reason)s")
                    % {"path": source_file, "reason": problem.strerror or problem},
                )
            ]
        ) from None


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def atlas_changed() -> None:
    """Tell the map's cache that areas or indicators changed: now, and again after the commit
    (a map built from the old rows in between is then not kept under the new version)."""
    forget_areas_geojson()
    transaction.on_commit(forget_areas_geojson)


# Areas -------------------------------------------------------------------------------------


@dataclass
class _AreaRow:
    feature: geo.Feature
    code: str
    name: str


def _area_rows(
    features: Sequence[geo.Feature], *, kind: str, id_property: str, name_property: str | None
) -> list[_AreaRow]:
    rows: list[_AreaRow] = []
    errors: list[ImportProblem] = []
    first_index: dict[str, int] = {}
    for feature in features:
        code = feature.feature_id or ""
        problem = None
        if len(code) > CODE_LENGTH:
            problem = _("its %(property)s is longer than %(max)d characters.") % {
                "property": id_property,
                "max": CODE_LENGTH,
            }
        elif kind == Area.Kind.ZCTA and not (len(code) == 5 and code.isascii() and code.isdigit()):
            problem = _(
                "its %(property)s is %(code)s; a ZIP code area's code is 5 digits (was it "
                "read as a number, losing a leading zero?)."
            ) % {"property": id_property, "code": code}
        elif code in first_index:
            problem = _("it has the same %(property)s as feature %(first)d.") % {
                "property": id_property,
                "first": first_index[code],
            }
        name = ""
        if name_property is not None:
            value = feature.properties.get(name_property)
            name = " ".join(str(value).split()) if value is not None else ""
            if geo.has_control_characters(name):
                problem = problem or _("its %(property)s contains control characters.") % {
                    "property": name_property
                }
            elif len(name) > NAME_LENGTH:
                problem = problem or _("its %(property)s is longer than %(max)d characters.") % {
                    "property": name_property,
                    "max": NAME_LENGTH,
                }
        if problem:
            errors.append(geo.GeoError(feature.index, code[:CODE_LENGTH] or None, problem))
            continue
        first_index[code] = feature.index
        rows.append(_AreaRow(feature=feature, code=code, name=name))
    if errors:
        raise ImportFailed(errors)
    return rows


def _existing_areas(kind: str, codes: Sequence[str], *fields: str) -> dict[str, Area]:
    found: dict[str, Area] = {}
    for chunk in _chunks(codes, LOOKUP_CHUNK):
        queryset = Area.objects.filter(kind=kind, code__in=chunk).only("id", "code", *fields)
        found.update((area.code, area) for area in queryset)
    return found


def import_areas(
    *,
    actor: Any,
    id_property: str,
    data: bytes | str | None = None,
    source_file: Path | None = None,
    name_property: str | None = None,
    kind: str = Area.Kind.ZCTA,
    source: str = "",
    tolerance: float = geo.DEFAULT_TOLERANCE,
    dry_run: bool = False,
) -> ImportResult:
    """Create or update areas from a GeoJSON FeatureCollection (or one Feature) in CRS84.

    Each feature's `id_property` is the area's code (a ZCTA's is its 5-digit ZIP code); with
    `name_property` its value names the area, otherwise (or when it is blank) an existing
    area keeps its name. Every geometry must be a valid Polygon or MultiPolygon (see
    `equityhub.places.geo`).

    Side effects, in order, unless `dry_run` or a problem is found (then `ImportFailed` with
    every problem, and nothing is written): areas of `kind` created and updated in bulk with
    the boundary as imported, a simplified boundary for maps (`tolerance` in degrees), the
    bounding box, the centroid and `source`; one `places.areas.imported` audit entry with the
    counts; the map's cache forgotten after the commit.
    """
    _require_importer(actor)
    kind = _checked_kind(kind)
    source = _checked_source(source, required=False)
    raw, file_name = _input(data, source_file)
    try:
        features = geo.read_features(raw, id_property=id_property)
    except geo.GeoJSONInvalid as invalid:
        raise ImportFailed(invalid.errors) from None
    del raw  # the parsed features hold what is needed; the text can go
    rows = _area_rows(features, kind=kind, id_property=id_property, name_property=name_property)
    result = ImportResult(kind=kind, dry_run=dry_run)
    try:
        with transaction.atomic():
            existing = _existing_areas(kind, [row.code for row in rows], "name")
            result.areas_updated = sum(1 for row in rows if row.code in existing)
            result.areas_created = len(rows) - result.areas_updated
            if dry_run:
                return result
            _write_areas(rows, existing, kind=kind, source=source, tolerance=tolerance)
            record(
                "places.areas.imported",
                actor=actor,
                data={
                    "file": file_name,
                    "kind": kind,
                    "id_property": id_property,
                    "name_property": name_property or "",
                    "source": source,
                    "created": result.areas_created,
                    "updated": result.areas_updated,
                },
            )
            atlas_changed()
    except IntegrityError:
        raise _changed_meanwhile() from None
    return result


def _changed_meanwhile() -> ImportFailed:
    return ImportFailed(
        [
            RowError(
                None,
                "",
                _(
                    "The areas changed while the file was being imported (another import?); "
                    "nothing was written. Import it again."
                ),
            )
        ]
    )


def _write_areas(
    rows: Sequence[_AreaRow],
    existing: Mapping[str, Area],
    *,
    kind: str,
    source: str,
    tolerance: float,
) -> None:
    now = timezone.now()
    fields = [
        "geometry",
        "display_geometry",
        "bbox_west",
        "bbox_south",
        "bbox_east",
        "bbox_north",
        "centroid_lat",
        "centroid_lon",
        "source",
        "updated_at",
    ]
    # Boundaries are big: build and write them a batch at a time, so that only one batch of
    # model instances (and of simplified outlines) is alive at once.
    for batch in _chunks(rows, AREA_BATCH):
        new: list[Area] = []
        changed: list[Area] = []
        renamed = False
        for row in batch:
            shape = row.feature.shape
            area = existing.get(row.code) or Area(kind=kind, code=row.code, name=row.name)
            if area.pk is not None and row.name and row.name != area.name:
                area.name = row.name
                renamed = True
            area.geometry = row.feature.geometry
            area.display_geometry = row.feature.display_geometry(tolerance=tolerance)
            area.bbox_west, area.bbox_south, area.bbox_east, area.bbox_north = shape.bbox
            area.centroid_lat = round(shape.centroid[0], 6)
            area.centroid_lon = round(shape.centroid[1], 6)
            area.source = source
            area.updated_at = now
            (changed if area.pk is not None else new).append(area)
        Area.objects.bulk_create(new)
        if changed:
            Area.objects.bulk_update(changed, [*fields, "name"] if renamed else fields)


# Indicators --------------------------------------------------------------------------------


@dataclass
class _Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]


def _decode(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    if raw.startswith(XLSX_MAGIC):
        raise ImportFailed(
            [RowError(None, "", _("This is a spreadsheet workbook; save it as CSV UTF-8."))]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed(
            [
                RowError(
                    None,
                    "",
                    _("The file is not UTF-8 text (byte %(position)d). Save it as “CSV UTF-8”.")
                    % {"position": error.start + 1},
                )
            ]
        ) from None


def _read_table(raw: bytes | str) -> _Table:
    text = _decode(raw)
    if not text.strip():
        raise ImportFailed([RowError(None, "", _("The file is empty."))])
    # Strict: a stray or unclosed quote is an error here, not a silently merged row.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number: int | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        header = [cell.strip() for cell in next(reader)]
        number = 0
        for number, cells in enumerate(reader, start=1):
            rows.append((number, cells))
    except csv.Error as error:
        where = _("This row") if number is not None else _("The header")
        raise ImportFailed(
            [
                RowError(
                    None if number is None else number + 1,
                    "",
                    _("%(where)s cannot be read as CSV: %(reason)s.")
                    % {"where": where, "reason": error},
                )
            ]
        ) from None
    return _Table(header=header, rows=rows)


def _table_from_rows(rows: Iterable[Mapping[str, Any]]) -> _Table:
    records = list(rows)
    header: list[str] = []
    for row in records:
        header.extend(str(key) for key in row if str(key) not in header)
    return _Table(
        header=header,
        rows=[
            (
                number,
                ["" if row.get(column) is None else str(row.get(column)) for column in header],
            )
            for number, row in enumerate(records, start=1)
        ],
    )


@dataclass(frozen=True)
class _Column:
    index: int
    title: str
    code: str


def _column_problem(  # noqa: PLR0911 - one exit per reason
    index: int, title: str, code: str, first_title: Mapping[str, str], *, is_area: bool
) -> RowError | None:
    if is_area:
        return RowError(None, title, _("The area column appears twice."))
    if not title:
        return RowError(None, "", _("Column %(number)d has no name.") % {"number": index + 1})
    if geo.has_control_characters(title):
        return RowError(
            None,
            "",
            _("The name of column %(number)d contains control characters.") % {"number": index + 1},
        )
    if not code:
        return RowError(None, title, _("This column name has no letters or digits to use."))
    if len(code) > INDICATOR_CODE_LENGTH:
        return RowError(
            None,
            title,
            _("The column name is longer than %(max)d characters.")
            % {"max": INDICATOR_CODE_LENGTH},
        )
    if code in first_title:
        return RowError(
            None,
            title,
            _("This column is the same indicator as the column %(other)s.")
            % {"other": first_title[code]},
        )
    return None


def _columns(header: list[str], area_column: str) -> tuple[int, list[_Column]]:
    """The area column's index and the indicator columns, or ImportFailed naming every
    problem with the header."""
    if not any(header):
        raise ImportFailed([RowError(None, "", _("The first row must name the columns."))])
    if len(header) == 1 and ";" in header[0]:
        raise ImportFailed(
            [
                RowError(
                    None,
                    "",
                    _(
                        "The columns are separated by semicolons; save the file as comma-separated "
                        "CSV."
                    ),
                )
            ]
        )
    wanted = area_column.strip().lower()
    matches = [index for index, title in enumerate(header) if title.lower() == wanted]
    if not matches:
        raise ImportFailed(
            [
                RowError(
                    None,
                    area_column,
                    _(
                        "The file has no column %(column)s naming the areas; its columns are: "
                        "%(columns)s."
                    )
                    % {"column": area_column, "columns": ", ".join(header)},
                )
            ]
        )
    errors: list[RowError] = []
    columns: list[_Column] = []
    first_title: dict[str, str] = {}
    for index, title in enumerate(header):
        if index == matches[0]:
            continue
        code = slugify(title).replace("-", "_")
        problem = _column_problem(index, title, code, first_title, is_area=index in matches)
        if problem is not None:
            errors.append(problem)
        else:
            first_title[code] = title
            columns.append(_Column(index=index, title=title, code=code))
    if not columns and not errors:
        errors.append(
            RowError(
                None,
                "",
                _("The file has no column besides %(column)s: no indicator to import.")
                % {"column": header[matches[0]]},
            )
        )
    if errors:
        raise ImportFailed(errors)
    return matches[0], columns


def _number(cell: str) -> float | None:
    """The cell's value, None when missing (empty, or a marker such as pandas' NaN); ValueError
    when it is not a finite number."""
    text = cell.strip()
    if text.lower() in MISSING_MARKERS:
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


@dataclass
class _Values:
    by_row: list[tuple[int, str, list[float | None]]]


def _parse_values(
    table: _Table, area_index: int, columns: Sequence[_Column], area_title: str
) -> tuple[_Values, list[RowError]]:
    errors: list[RowError] = []
    parsed: list[tuple[int, str, list[float | None]]] = []
    first_row: dict[str, int] = {}
    width = len(table.header)
    for number, cells in table.rows:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (a trailing one, typically) carry nothing
        if len(cells) != width:
            errors.append(
                RowError(
                    number,
                    "",
                    ngettext(
                        "The row has %(cells)d cell; the header names %(columns)d columns.",
                        "The row has %(cells)d cells; the header names %(columns)d columns.",
                        len(cells),
                    )
                    % {"cells": len(cells), "columns": width},
                )
            )
            continue
        code = cells[area_index].strip()
        if not code:
            errors.append(RowError(number, area_title, _("The area code is empty.")))
            continue
        if geo.has_control_characters(code):
            # Not repeated in the message; PostgreSQL would refuse a NUL in the lookup anyway.
            errors.append(
                RowError(number, area_title, _("The area code contains control characters."))
            )
            continue
        if code in first_row:
            errors.append(
                RowError(
                    number,
                    area_title,
                    _("The area %(code)s appears again (first in row %(first)d).")
                    % {"code": code, "first": first_row[code]},
                )
            )
            continue
        first_row[code] = number
        values: list[float | None] = []
        for column in columns:
            try:
                values.append(_number(cells[column.index]))
            except ValueError:
                errors.append(
                    RowError(
                        number,
                        column.title,
                        _("%(value)s is not a number (leave the cell empty for a missing value).")
                        % {"value": cells[column.index].strip()[:40]},
                    )
                )
                values.append(None)
        parsed.append((number, code, values))
    return _Values(by_row=parsed), errors


def _guess_unit(code: str) -> str:
    if any(marker in code for marker in PERCENT_MARKERS):
        return PERCENT
    if code.startswith(COUNT_PREFIXES) or code.endswith(COUNT_SUFFIXES):
        return PEOPLE
    return ""


def _new_indicator(column: _Column, *, unit: str | None, name: str | None) -> Indicator:
    known = KNOWN_INDICATORS.get(column.code)
    if known is not None:
        return Indicator(
            code=column.code,
            name=name or known.name,
            unit=known.unit if unit is None else unit,
            description=known.description,
            higher_means_more_need=known.higher_means_more_need,
        )
    unit = _guess_unit(column.code) if unit is None else unit
    return Indicator(
        code=column.code,
        name=name or column.title.replace("_", " ").strip().title(),
        unit=unit,
        # A count of people measures size, not need; anything else is assumed to rank
        # areas by need until someone says otherwise in the admin.
        higher_means_more_need=unit != PEOPLE,
    )


def _override_messages(what: str) -> tuple[str, str]:
    """(unknown column, too long) messages for `--unit` or `--name`, whole for translators."""
    if what == "unit":
        return (
            _(
                "A unit is given for %(column)s, which is not one of the file's indicator "
                "columns (%(columns)s)."
            ),
            _("The unit for %(column)s is longer than %(max)d characters."),
        )
    return (
        _(
            "A name is given for %(column)s, which is not one of the file's indicator "
            "columns (%(columns)s)."
        ),
        _("The name for %(column)s is longer than %(max)d characters."),
    )


def _overrides(
    given: Mapping[str, str] | None, columns: Sequence[_Column], *, what: str, max_length: int
) -> dict[str, str]:
    """`--unit COLUMN=UNIT` and the like, keyed by indicator code; unknown columns refused."""
    by_title = {column.title.lower(): column.code for column in columns}
    by_title.update({column.code: column.code for column in columns})
    unknown, too_long = _override_messages(what)
    result: dict[str, str] = {}
    for key, raw_value in (given or {}).items():
        code = by_title.get(key.strip().lower())
        if code is None:
            raise ServiceError(
                unknown % {"column": key, "columns": ", ".join(column.title for column in columns)},
                field=what,
            )
        value = " ".join(raw_value.split())
        if what == "name" and not value:
            raise ServiceError(
                _("The name given for %(column)s is empty.") % {"column": key}, field=what
            )
        if len(value) > max_length:
            raise ServiceError(too_long % {"column": key, "max": max_length}, field=what)
        result[code] = value
    return result


def import_indicators(
    *,
    actor: Any,
    area_column: str,
    year: int,
    source: str,
    data: bytes | str | None = None,
    source_file: Path | None = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
    kind: str = Area.Kind.ZCTA,
    units: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import indicator values for `year` from a CSV file: one row per area, named in
    `area_column` by its code; every other column is one indicator (its code is the slugified
    column name). Give the file as `data` (bytes or text, UTF-8, BOM or not), `source_file`
    or `rows` (mappings of column to value).

    An empty cell is a missing value (nothing is stored); anything else must be a number.
    Every area must exist already (import the boundaries first); unknown ones are listed
    together. A new indicator is named and given a unit from `KNOWN_INDICATORS`, else from
    the column (`names` and `units`, keyed by column, override both); an existing one keeps
    its name, unit and need direction unless `names`/`units` say otherwise.

    Side effects, in order, unless `dry_run` or a problem is found (then `ImportFailed` with
    every problem, and nothing is written): new indicators created and named ones updated;
    values created, or updated where (indicator, area, year) has one already; one
    `places.indicators.imported` audit entry with the counts; the map's cache forgotten after
    the commit.
    """
    _require_importer(actor)
    kind = _checked_kind(kind)
    source = _checked_source(source, required=True)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ServiceError(
            _("The year must be between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR},
            field="year",
        )
    file_name = ""
    if rows is not None:
        if data is not None or source_file is not None:
            raise ServiceError(_("Give either the data or a file to import, not both."))
        table = _table_from_rows(rows)
        if not table.header:
            raise ImportFailed([RowError(None, "", _("There are no rows to import."))])
    else:
        raw, file_name = _input(data, source_file)
        table = _read_table(raw)
        del raw
    area_index, columns = _columns(table.header, area_column)
    area_title = table.header[area_index]
    unit_for = _overrides(units, columns, what="unit", max_length=UNIT_LENGTH)
    name_for = _overrides(names, columns, what="name", max_length=INDICATOR_NAME_LENGTH)
    values, errors = _parse_values(table, area_index, columns, area_title)
    del table
    if not values.by_row and not errors:
        errors.append(RowError(None, "", _("The file has a header but no rows.")))
    area_ids = _area_ids(kind, [code for _number, code, _cells in values.by_row])
    missing = [(number, code) for number, code, _cells in values.by_row if code not in area_ids]
    if missing:
        listed = ", ".join(
            _("%(code)s (row %(row)d)") % {"code": code, "row": number} for number, code in missing
        )
        errors.append(
            RowError(
                None,
                area_title,
                ngettext(
                    "area not found: %(areas)s. Import the %(kind)s boundaries first, or check "
                    "the kind of area.",
                    "areas not found: %(areas)s. Import the %(kind)s boundaries first, or check "
                    "the kind of area.",
                    len(missing),
                )
                % {"areas": listed, "kind": kind},
            )
        )
    if errors:
        errors.sort(key=lambda error: (error.row is not None, error.row or 0))
        raise ImportFailed(errors)

    result = ImportResult(kind=kind, dry_run=dry_run)
    try:
        with transaction.atomic():
            indicators = _indicators_for(columns, unit_for, name_for, result, dry_run=dry_run)
            to_create, to_update = _planned_values(
                values, columns, indicators, area_ids, year=year, source=source, result=result
            )
            if dry_run:
                return result
            IndicatorValue.objects.bulk_create(to_create, batch_size=BATCH)
            IndicatorValue.objects.bulk_update(
                to_update, ["value", "source", "updated_at"], batch_size=BATCH
            )
            record(
                "places.indicators.imported",
                actor=actor,
                data={
                    "file": file_name,
                    "kind": kind,
                    "year": year,
                    "source": source,
                    "indicators": [column.code for column in columns],
                    "areas": len(values.by_row),
                    **{
                        key: value
                        for key, value in result.as_counts().items()
                        if not key.startswith("areas_")
                    },
                },
            )
            atlas_changed()
    except IntegrityError:
        raise _changed_meanwhile() from None
    return result


def _area_ids(kind: str, codes: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(codes, LOOKUP_CHUNK):
        found.update(Area.objects.filter(kind=kind, code__in=chunk).values_list("code", "id"))
    return found


def _indicators_for(
    columns: Sequence[_Column],
    unit_for: Mapping[str, str],
    name_for: Mapping[str, str],
    result: ImportResult,
    *,
    dry_run: bool,
) -> dict[str, Indicator]:
    """The indicators of the file's columns, by code; new ones created (unless dry run) and
    existing ones renamed or given a unit when asked to."""
    codes = [column.code for column in columns]
    existing = {indicator.code: indicator for indicator in Indicator.objects.filter(code__in=codes)}
    new = [
        _new_indicator(column, unit=unit_for.get(column.code), name=name_for.get(column.code))
        for column in columns
        if column.code not in existing
    ]
    changed: list[Indicator] = []
    for code, indicator in existing.items():
        before = (indicator.name, indicator.unit)
        indicator.name = name_for.get(code, indicator.name)
        indicator.unit = unit_for.get(code, indicator.unit)
        if (indicator.name, indicator.unit) != before:
            changed.append(indicator)
    result.indicators_created = len(new)
    result.indicators_updated = len(existing)
    if not dry_run:
        Indicator.objects.bulk_create(new)
        if changed:
            Indicator.objects.bulk_update(changed, ["name", "unit"])
        if any(indicator.pk is None for indicator in new):
            # Backends that do not return ids from a bulk insert (none of ours, today).
            new = list(Indicator.objects.filter(code__in=[i.code for i in new]))
    return {**existing, **{indicator.code: indicator for indicator in new}}


def _planned_values(
    values: _Values,
    columns: Sequence[_Column],
    indicators: Mapping[str, Indicator],
    area_ids: Mapping[str, int],
    *,
    year: int,
    source: str,
    result: ImportResult,
) -> tuple[list[IndicatorValue], list[IndicatorValue]]:
    """(values to create, values to update); counts the unchanged and empty cells."""
    indicator_ids = [indicators[column.code].pk for column in columns]
    stored: dict[tuple[int, int], tuple[int, float, str]] = {}
    known_ids = [pk for pk in indicator_ids if pk is not None]
    if known_ids:
        wanted_areas = set(area_ids.values())
        for (
            pk,
            stored_indicator,
            stored_area,
            stored_value,
            old_source,
        ) in IndicatorValue.objects.filter(indicator_id__in=known_ids, year=year).values_list(
            "id", "indicator_id", "area_id", "value", "source"
        ):
            if stored_area in wanted_areas:
                stored[(stored_indicator, stored_area)] = (pk, stored_value, old_source)
    now = timezone.now()
    to_create: list[IndicatorValue] = []
    to_update: list[IndicatorValue] = []
    for _number, code, cells in values.by_row:
        area_id = area_ids[code]
        for column, indicator_id, value in zip(columns, indicator_ids, cells, strict=True):
            if value is None:
                result.cells_empty += 1
                continue
            current = stored.get((indicator_id, area_id)) if indicator_id is not None else None
            if current is None:
                to_create.append(
                    IndicatorValue(
                        indicator=indicators[column.code],
                        area_id=area_id,
                        year=year,
                        value=value,
                        source=source,
                    )
                )
            elif current[1] == value and current[2] == source:
                result.values_unchanged += 1
            else:
                to_update.append(
                    IndicatorValue(pk=current[0], value=value, source=source, updated_at=now)
                )
    result.values_created = len(to_create)
    result.values_updated = len(to_update)
    return to_create, to_update


# The demo ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoArea:
    """One row of `data/stl_zcta.csv`."""

    zcta: str
    name: str
    county: str
    centroid_lat: float
    centroid_lon: float
    total_pop: str
    pvty_pct: str


def demo_areas() -> list[DemoArea]:
    """The demo table: the 66 St. Louis City and County ZCTAs with a name, their county, the
    centroid of their boundary, population and poverty rate (ACS 2018)."""
    with DEMO_TABLE.open(encoding="utf-8", newline="") as stream:
        return [
            DemoArea(
                zcta=row["zcta"],
                name=row["name"],
                county=row["county"],
                centroid_lat=float(row["centroid_lat"]),
                centroid_lon=float(row["centroid_lon"]),
                total_pop=row["total_pop"],
                pvty_pct=row["pvty_pct"],
            )
            for row in csv.DictReader(stream)
        ]


def load_demo_areas(*, actor: Any = None) -> int:
    """Make sure the demo's 66 ZCTAs exist with a name, a centroid and their population and
    poverty rate for 2018, attributed to their source; returns how many areas the table has.

    Idempotent, and it never duplicates an area another part of the demo made (same kind and
    code). An area keeps a name it has (the table's fills blank ones only) and, when it has a
    boundary, the centroid computed from that boundary.

    Side effects, in order: areas created and updated in bulk; one `places.areas.imported`
    audit entry; the indicators imported through `import_indicators` (its own entry).
    """
    _require_importer(actor)
    rows = demo_areas()
    with transaction.atomic():
        codes = [row.zcta for row in rows]
        existing = _existing_areas(
            Area.Kind.ZCTA, codes, "name", "source", "centroid_lat", "centroid_lon"
        )
        with_boundary = set(
            Area.objects.filter(
                kind=Area.Kind.ZCTA, code__in=codes, geometry__isnull=False
            ).values_list("code", flat=True)
        )
        now = timezone.now()
        new: list[Area] = []
        changed: list[Area] = []
        for row in rows:
            area = existing.get(row.zcta)
            if area is None:
                new.append(
                    Area(
                        kind=Area.Kind.ZCTA,
                        code=row.zcta,
                        name=row.name,
                        centroid_lat=row.centroid_lat,
                        centroid_lon=row.centroid_lon,
                        source=ATTRIBUTION,
                    )
                )
                continue
            before = (area.name, area.centroid_lat, area.centroid_lon, area.source)
            area.name = area.name or row.name
            if row.zcta not in with_boundary:
                area.centroid_lat, area.centroid_lon = row.centroid_lat, row.centroid_lon
                area.source = area.source or ATTRIBUTION
            if (area.name, area.centroid_lat, area.centroid_lon, area.source) != before:
                area.updated_at = now
                changed.append(area)
        Area.objects.bulk_create(new)
        Area.objects.bulk_update(
            changed, ["name", "centroid_lat", "centroid_lon", "source", "updated_at"]
        )
        record(
            "places.areas.imported",
            actor=actor,
            data={
                "file": DEMO_TABLE.name,
                "kind": Area.Kind.ZCTA,
                "source": ATTRIBUTION,
                "created": len(new),
                "updated": len(changed),
            },
        )
        import_indicators(
            actor=actor,
            rows=[
                {"zcta": row.zcta, "total_pop": row.total_pop, "pvty_pct": row.pvty_pct}
                for row in rows
            ],
            area_column="zcta",
            year=DEMO_YEAR,
            source=ATTRIBUTION,
        )
        atlas_changed()
    return len(rows)


def import_shared_boundaries(*, directory: Path, actor: Any = None) -> bool:
    """Import the shared St. Louis ZCTA boundaries (`STL_ZCTA_City_County.geojson`) and
    their population, poverty and race tables (ACS 2018) from `directory`, when it holds
    them; False (and nothing done) when it does not.

    Side effects, in order, in one transaction: `import_areas` and three `import_indicators`
    (each with its audit entry); blank area names filled from the demo table.
    """
    boundaries = directory / SHARED_BOUNDARIES
    if not boundaries.is_file():
        return False
    with transaction.atomic():
        import_areas(
            actor=actor,
            source_file=boundaries,
            id_property=SHARED_ID_PROPERTY,
            kind=Area.Kind.ZCTA,
            source=ATTRIBUTION,
        )
        for table in SHARED_TABLES:
            if (directory / table).is_file():
                import_indicators(
                    actor=actor,
                    source_file=directory / table,
                    area_column=SHARED_ID_PROPERTY,
                    year=DEMO_YEAR,
                    source=ATTRIBUTION,
                )
        names = {row.zcta: row.name for row in demo_areas()}
        unnamed = list(
            Area.objects.filter(kind=Area.Kind.ZCTA, code__in=list(names), name="").only(
                "id", "code", "name"
            )
        )
        now = timezone.now()
        for area in unnamed:
            area.name = names[area.code]
            area.updated_at = now
        Area.objects.bulk_update(unnamed, ["name", "updated_at"])
    return True

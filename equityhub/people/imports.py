"""Importing and exporting people in bulk (CSV and XLSX).

The file format is `equityhub.people.resources.PersonResource`. An import is all-or-nothing:
every row is parsed and validated first, and only a file without a single error is written,
inside one transaction, with bulk statements (a 10,000-row file is a few dozen queries, not tens
of thousands). A person already in the registry is recognized by e-mail address, whatever its
case, and updated rather than duplicated.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO, Final, Literal, TextIO, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.audit.models import AuditEntry
from equityhub.audit.services import build_entry, diff, record, snapshot
from equityhub.core.exceptions import ServiceError
from equityhub.lib.safe_export import write_csv, write_xlsx
from equityhub.people.models import Affiliation, Organization, Person, PersonLanguage
from equityhub.people.resources import (
    AFFILIATION_COLUMNS,
    COLUMNS,
    LANGUAGES_ATTR,
    PERSON_COLUMNS,
    PRIMARY_AFFILIATIONS_ATTR,
    REQUIRED_COLUMNS,
    PersonResource,
    cell_text,
    unescape_cell,
)
from equityhub.people.services import PERSON_FIELDS

CREATED: Final = "created"
UPDATED: Final = "updated"
UNCHANGED: Final = "unchanged"
PREVIEW_ROWS: Final = 50
# Rows per INSERT/UPDATE, and e-mail addresses per lookup: well under SQLite's and
# PostgreSQL's limits on parameters per statement.
BATCH: Final = 500
LOOKUP_CHUNK: Final = 5000
XLSX_MAGIC: Final = b"PK\x03\x04"
FILE_ROW: Final = 0
HEADER_ROW: Final = 1

ExportFormat = Literal["csv", "xlsx"]


@dataclass(frozen=True)
class RowError:
    """`row` is the row number as a spreadsheet shows it (the header is row 1); 0 means the
    file as a whole. `column` is blank when the error is not about one column."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class PreviewRow:
    row: int
    action: str
    email: str
    name: str
    organization: str
    changed: tuple[str, ...] = ()


@dataclass
class ImportReport:
    file_name: str = ""
    dry_run: bool = True
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[PreviewRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class _Plan:
    row: int
    person: Person
    action: str
    person_fields: set[str] = field(default_factory=set)
    affiliation: Affiliation | None = None
    affiliation_is_new: bool = False
    languages: dict[str, str] | None = None
    changes: dict[str, Any] = field(default_factory=dict)


class _FileError(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


# Reading ---------------------------------------------------------------------------------


def _read_cells(data: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    """(row number, cells) for every row of a CSV or XLSX file, blank rows included so that
    the numbers match what a spreadsheet shows."""
    if data.startswith(XLSX_MAGIC):
        yield from _read_xlsx(data)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _FileError(
            RowError(
                FILE_ROW,
                "",
                _("The file is not UTF-8 text (byte %(position)d). Save it as “CSV UTF-8”.")
                % {"position": error.start + 1},
            )
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as error:
        raise _FileError(
            RowError(
                number + 1,
                "",
                _("This row cannot be read as CSV: %(reason)s.") % {"reason": error},
            )
        ) from None


def _read_xlsx(data: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - heavy, only for spreadsheets

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error for a damaged file
        raise _FileError(
            RowError(FILE_ROW, "", _("The file cannot be read as an XLSX workbook."))
        ) from None
    try:
        sheet = workbook.worksheets[0]
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def _header(cells: Sequence[Any]) -> list[str]:
    return [unescape_cell(cell_text(cell)).strip().lower() for cell in cells]


def _check_header(header: list[str]) -> list[str]:
    """Raise for a header the import cannot use; return the columns it will ignore."""
    if not any(header):
        raise _FileError(RowError(HEADER_ROW, "", _("The first row must name the columns.")))
    if len(header) == 1 and ";" in header[0]:
        raise _FileError(
            RowError(
                HEADER_ROW,
                "",
                _("The columns are separated by semicolons; save the file as comma-separated CSV."),
            )
        )
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise _FileError(
                RowError(HEADER_ROW, name, _("The column %(name)s appears twice.") % {"name": name})
            )
        seen.add(name)
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if seen & set(AFFILIATION_COLUMNS):
        # An affiliation needs both an organization and a training level.
        missing += [name for name in ("organization", "training_level") if name not in seen]
    if missing:
        raise _FileError(
            RowError(
                HEADER_ROW,
                ", ".join(missing),
                _("The header lacks the required column(s): %(columns)s. The columns are: %(all)s.")
                % {"columns": ", ".join(missing), "all": ", ".join(COLUMNS)},
            )
        )
    return sorted(name for name in seen if name and name not in COLUMNS)


def _blank(cells: Sequence[Any]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


# Planning --------------------------------------------------------------------------------


def _existing_people(keys: Iterable[str]) -> dict[str, Person]:
    """The registry's people with these lower-cased e-mail addresses, with their primary
    affiliation and languages: three queries per LOOKUP_CHUNK addresses."""
    found: dict[str, Person] = {}
    keys = list(keys)
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        queryset = (
            Person.objects.annotate(email_key=Lower("email"))
            .filter(email_key__in=chunk)
            .prefetch_related(
                Prefetch(
                    "affiliations",
                    queryset=Affiliation.objects.filter(is_primary=True).select_related(
                        "organization"
                    ),
                    to_attr=PRIMARY_AFFILIATIONS_ATTR,
                ),
                Prefetch("languages", to_attr=LANGUAGES_ATTR),
            )
        )
        found.update((person.email_key, person) for person in queryset)
    return found


def _validation_errors(obj: models.Model, *, exclude: list[str]) -> dict[str, str]:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return {
            name: " ".join(str(message) for message in messages)
            for name, messages in error.message_dict.items()
        }
    return {}


def _affiliation_state(affiliation: Affiliation | None) -> dict[str, Any] | None:
    if affiliation is None:
        return None
    return {
        "organization": affiliation.organization_id,
        "school_program": affiliation.school_program,
        "training_level": affiliation.training_level,
    }


def _plan_affiliation(
    plan: _Plan, values: Mapping[str, Any], current: Affiliation | None
) -> dict[str, str]:
    """Set plan.affiliation when the primary affiliation is to be created or changed."""
    organization: Organization | None = values.get("organization")
    level = values.get("training_level", "")
    program = values.get("school_program")
    if organization is None:
        if level or program:
            return {"organization": _("Give the organization of this training level or program.")}
        return {}
    if not level:
        return {"training_level": _("A training level is required with an organization.")}
    if current is None:
        affiliation = Affiliation(person=plan.person, is_primary=True)
        plan.affiliation_is_new = True
    else:
        affiliation = current
    before = _affiliation_state(current)
    affiliation.organization = organization
    affiliation.training_level = level
    if program is not None:
        affiliation.school_program = program
    after = _affiliation_state(affiliation)
    if before == after:
        return {}
    errors = _validation_errors(affiliation, exclude=["person", "organization"])
    plan.affiliation = affiliation
    plan.changes["primary_affiliation"] = [before, after]
    return errors


def _plan_row(
    row: int, values: dict[str, Any], existing: Person | None
) -> tuple[_Plan, dict[str, str]]:
    person = existing if existing is not None else Person()
    plan = _Plan(row=row, person=person, action=CREATED if existing is None else UNCHANGED)
    before = snapshot(person, PERSON_FIELDS) if existing is not None else {}
    for column in PERSON_COLUMNS:
        # The address identifies the person; a difference in case alone is not a change.
        if column in values and not (column == "email" and existing is not None):
            setattr(person, column, values[column])
    errors = _validation_errors(person, exclude=["user"])
    if person.date_of_birth is not None and person.date_of_birth > timezone.localdate():
        errors.setdefault("date_of_birth", _("The date of birth is in the future."))
    changes = diff(before, snapshot(person, PERSON_FIELDS))
    plan.person_fields = set(changes)
    plan.changes.update(changes)
    if "organization" in values or "training_level" in values:
        current = None
        if existing is not None:
            current = next(iter(getattr(existing, PRIMARY_AFFILIATIONS_ATTR, [])), None)
        errors.update(_plan_affiliation(plan, values, current))
    if "languages" in values:
        old: dict[str, str] = {}
        if existing is not None:
            old = {lang.language: lang.proficiency for lang in getattr(existing, LANGUAGES_ATTR)}
        if values["languages"] != old:
            plan.languages = values["languages"]
            plan.changes["languages"] = [old or None, values["languages"] or None]
    if existing is not None and plan.changes:
        plan.action = UPDATED
    return plan, errors


def _plan(data: bytes, report: ImportReport) -> list[_Plan]:
    resource = PersonResource()
    rows = _read_cells(data)
    first = next(rows, None)
    if first is None:
        raise _FileError(RowError(FILE_ROW, "", _("The file is empty.")))
    header = _header(first[1])
    report.ignored_columns = _check_header(header)
    known = [(index, name) for index, name in enumerate(header) if name in COLUMNS]

    parsed: list[tuple[int, dict[str, Any], dict[str, str]]] = []
    first_row_of: dict[str, int] = {}
    for number, cells in rows:
        if _blank(cells):
            continue
        if len(cells) > len(header) and not _blank(cells[len(header) :]):
            report.errors.append(
                RowError(number, "", _("This row has more cells than the header has columns."))
            )
            continue
        row = {name: cells[index] if index < len(cells) else None for index, name in known}
        values, errors = resource.clean_row(row)
        email = values.get("email", "")
        if email:
            key = email.lower()
            if key in first_row_of:
                errors.setdefault(
                    "email",
                    _("%(email)s appears on rows %(first)d and %(row)d; list each person once.")
                    % {"email": email, "first": first_row_of[key], "row": number},
                )
            else:
                first_row_of[key] = number
        parsed.append((number, values, errors))

    existing = _existing_people(first_row_of)
    plans: list[_Plan] = []
    for number, values, parse_errors in parsed:
        # A row whose address is unusable or repeated is still checked, column by column, so
        # that one pass over the file finds all its errors; it is never matched to a person.
        person = None if "email" in parse_errors else existing.get(values["email"].lower())
        plan, errors = _plan_row(number, values, person)
        errors.update(parse_errors)  # a column's own parse error says more than its absence
        if errors:
            report.errors.extend(RowError(number, col, msg) for col, msg in errors.items())
            continue
        plans.append(plan)
        if len(report.preview) < PREVIEW_ROWS:
            affiliation = plan.affiliation or next(
                iter(getattr(plan.person, PRIMARY_AFFILIATIONS_ATTR, [])), None
            )
            report.preview.append(
                PreviewRow(
                    row=number,
                    action=plan.action,
                    email=plan.person.email,
                    name=plan.person.full_name,
                    organization=str(affiliation.organization) if affiliation else "",
                    changed=tuple(sorted(plan.changes)) if plan.action == UPDATED else (),
                )
            )
    report.errors.sort(key=_error_order)
    report.created = sum(plan.action == CREATED for plan in plans)
    report.updated = sum(plan.action == UPDATED for plan in plans)
    report.unchanged = sum(plan.action == UNCHANGED for plan in plans)
    return plans


def _error_order(error: RowError) -> tuple[int, int]:
    return error.row, COLUMNS.index(error.column) if error.column in COLUMNS else -1


# Writing ---------------------------------------------------------------------------------


def _update_each(model: type[models.Model], rows: list[tuple[Any, tuple[str, ...]]]) -> None:
    """`UPDATE table SET <fields> WHERE pk = %s` for every (object, fields), one executemany
    per distinct set of fields.

    Django's bulk_update builds a CASE WHEN expression per field and row (over a millisecond a
    row: 14 s for 10,000 people); a prepared statement run many times takes microseconds.
    """
    groups: dict[tuple[str, ...], list[Any]] = defaultdict(list)
    for obj, names in rows:
        groups[names].append(obj)
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for names, objs in groups.items():
            columns = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in names]
            assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
            # Identifiers come from the model's own metadata, quoted; every value is a parameter.
            table, pk = quote(meta.db_table), quote(meta.pk.column)
            sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 - see above
            cursor.executemany(
                sql,
                [
                    [
                        column.get_db_prep_save(getattr(obj, column.attname), connection)
                        for column in columns
                    ]
                    + [obj.pk]
                    for obj in objs
                ],
            )


def _write(plans: list[_Plan], *, actor: Any, file_name: str) -> None:
    now = timezone.now()
    new_people = [plan.person for plan in plans if plan.action == CREATED]
    Person.objects.bulk_create(new_people, batch_size=BATCH)
    if any(person.pk is None for person in new_people):  # databases without RETURNING
        ids = dict(
            Person.objects.annotate(email_key=Lower("email"))
            .filter(email_key__in=[p.email.lower() for p in new_people])
            .values_list("email_key", "pk")
        )
        for person in new_people:
            person.pk = ids[person.email.lower()]

    for plan in plans:
        if plan.action == UPDATED and plan.person_fields:
            plan.person.updated_at = now
    _update_each(
        Person,
        [
            (plan.person, (*sorted(plan.person_fields), "updated_at"))
            for plan in plans
            if plan.action == UPDATED and plan.person_fields
        ],
    )

    Affiliation.objects.bulk_create(
        [plan.affiliation for plan in plans if plan.affiliation and plan.affiliation_is_new],
        batch_size=BATCH,
    )
    _update_each(
        Affiliation,
        [
            (plan.affiliation, ("organization", "school_program", "training_level"))
            for plan in plans
            if plan.affiliation and not plan.affiliation_is_new
        ],
    )

    replaced = [plan.person.pk for plan in plans if plan.languages is not None]
    for start in range(0, len(replaced), BATCH):
        PersonLanguage.objects.filter(person_id__in=replaced[start : start + BATCH]).delete()
    PersonLanguage.objects.bulk_create(
        (
            PersonLanguage(person=plan.person, language=code, proficiency=level)
            for plan in plans
            if plan.languages
            for code, level in sorted(plan.languages.items())
        ),
        batch_size=BATCH,
    )

    AuditEntry.objects.bulk_create(
        (
            build_entry(
                f"people.person.{plan.action}",
                actor=actor,
                obj=plan.person,
                changes=plan.changes,
                data={"import": file_name, "row": plan.row},
            )
            for plan in plans
            if plan.action != UNCHANGED
        ),
        batch_size=BATCH,
    )


def import_people(*, data: bytes, actor: Any, dry_run: bool, file_name: str = "") -> ImportReport:
    """Create and update people from a CSV (UTF-8, with or without BOM) or XLSX file.

    Nothing is written when `dry_run` is set or when any row has an error; the report then
    says what the import would do. Otherwise, in one transaction: Person rows created and
    updated in bulk, their primary affiliation created or changed, their languages replaced;
    one audit entry per created (`people.person.created`) or updated
    (`people.person.updated`) person, written in bulk; one `people.import.completed` entry
    with the counts and the file name.
    """
    report = ImportReport(file_name=file_name, dry_run=dry_run)
    try:
        if dry_run:
            _plan(data, report)
            return report
        with transaction.atomic():
            plans = _plan(data, report)
            if report.errors:
                return report
            _write(plans, actor=actor, file_name=file_name)
            record(
                "people.import.completed",
                actor=actor,
                data={"file_name": file_name, **report.as_counts()},
            )
    except _FileError as error:
        report.errors.append(error.error)
        return report
    except IntegrityError:
        # Another request added one of these people between our read and our write.
        report.errors.append(
            RowError(
                FILE_ROW,
                "",
                _(
                    "The registry changed while the file was being imported; nothing was "
                    "written. Import it again."
                ),
            )
        )
        return report
    report.written = True
    return report


# Export ----------------------------------------------------------------------------------


def export_queryset(people_queryset: models.QuerySet[Person]) -> models.QuerySet[Person]:
    """The people with what the export reads prefetched: the primary affiliation with its
    organization, and the languages."""
    return people_queryset.prefetch_related(None).prefetch_related(
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.filter(is_primary=True).select_related("organization"),
            to_attr=PRIMARY_AFFILIATIONS_ATTR,
        ),
        Prefetch(
            "languages",
            queryset=PersonLanguage.objects.order_by("language"),
            to_attr=LANGUAGES_ATTR,
        ),
    )


def export_people(
    *,
    people_queryset: models.QuerySet[Person],
    stream: IO[Any],
    fmt: ExportFormat,
    actor: Any,
    filters: Mapping[str, Any] | None = None,
) -> int:
    """Write the people as CSV (to a text stream) or XLSX (to a binary stream), in the columns
    the import reads, every cell escaped against formula injection. No demographics.

    Returns the number of people written. Side effects: audit `people.export.created` with
    the row count, the format and the filters.
    """
    if fmt not in ("csv", "xlsx"):
        raise ServiceError(_("Unknown export format: %(fmt)s.") % {"fmt": fmt}, field="format")
    resource = PersonResource()
    header = resource.get_export_headers()
    count = 0

    def rows() -> Iterator[list[Any]]:
        nonlocal count
        for person in resource.iter_queryset(export_queryset(people_queryset)):
            count += 1
            yield resource.export_resource(person)

    if fmt == "csv":
        write_csv(rows(), cast(TextIO, stream), header=header)
    else:
        write_xlsx(rows(), cast(BinaryIO, stream), header=header, sheet_title=str(_("People")))
    record(
        "people.export.created",
        actor=actor,
        data={"rows": count, "format": fmt, "filters": dict(filters or {})},
    )
    return count

"""Milestones from two kinds of CSV file: a National Student Clearinghouse-style detail report
(college enrollment and degrees) and an AAMC-style applicant and matriculant file.

Both imports are all-or-nothing: every row is read and checked first, every problem is listed
(the row, counted from 1 for the first row under the header; the column; the reason: unknown
person, bad date, bad Y/N, missing column...), and nothing is written unless the whole file is
good. Then the milestones are written in bulk, inside one transaction, with one audit entry
(`programs.milestones.imported`). UTF-8 with or without a byte-order mark; the header's column
names are matched whatever their case and spacing; unknown columns are ignored.

A person is named by their Equity Hub id or their e-mail address (the Clearinghouse file's
`Your Unique Identifier`, the AAMC file's `Email`), and must be someone the office follows (an
applicant to a program or a comparison group member). Milestones are unique per person, kind
and source: importing again updates the date and detail of what the file says and leaves every
other milestone alone (nothing is ever deleted by an import).

Clearinghouse (source clearinghouse, confidence high), per person over all their rows:
- college_entry: the earliest `Enrollment Begin`;
- degree: the earliest `Graduation Date` of a row with `Graduated?` Y whose `Degree Title` is a
  bachelor's degree or blank (associate's, certificates, master's and doctorates are not);
- stem_major: the earliest row whose `Major` is a STEM field (STEM_KEYWORDS, or a CIP code in
  one of STEM_CIP_FAMILIES), dated by its enrollment begin (else its graduation date).
A `Record Found Y/N` column, when present, skips the rows marked N.

AAMC (source aamc, confidence high), per person, the earliest `Application Year` for each:
- applied_med: Applied Y, dated 15 October of the year before the application year (AMCAS
  applications for a year's entering class are submitted the summer and autumn before);
- admitted_med: Accepted Y, dated 1 March of the application year (offers go out from October
  to spring; March is a conventional middle);
- matriculated: Matriculated Y, dated 1 August of the application year (classes start in July
  and August).
Accepted Y needs Applied Y, and Matriculated Y needs Accepted Y.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, Any, Final

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from equityhub.audit.services import record
from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.people.models import Person
from equityhub.people.selectors import MAX_ID
from equityhub.programs.access import is_program_staff
from equityhub.programs.models import Milestone
from equityhub.programs.selectors_outcomes import followed_ids

CLEARINGHOUSE: Final = "clearinghouse"
AAMC: Final = "aamc"
FORMATS: Final = [
    (CLEARINGHOUSE, gettext_lazy("National Student Clearinghouse-style detail report")),
    (AAMC, gettext_lazy("AAMC-style applicants and matriculants")),
]
BATCH: Final = 500
LOOKUP_CHUNK: Final = 5000
PREVIEW_ROWS: Final = 50
XLSX_MAGIC: Final = b"PK\x03\x04"
MAX_DETAIL: Final = 300

# Clearinghouse columns.
NSC_ID: Final = "Your Unique Identifier"
NSC_FIRST: Final = "First Name"
NSC_LAST: Final = "Last Name"
NSC_COLLEGE: Final = "College Name"
NSC_BEGIN: Final = "Enrollment Begin"
NSC_END: Final = "Enrollment End"
NSC_GRADUATED: Final = "Graduated?"
NSC_GRADUATION: Final = "Graduation Date"
NSC_DEGREE: Final = "Degree Title"
NSC_MAJOR: Final = "Major"
NSC_FOUND: Final = "Record Found Y/N"
NSC_REQUIRED: Final = (
    NSC_ID,
    NSC_COLLEGE,
    NSC_BEGIN,
    NSC_END,
    NSC_GRADUATED,
    NSC_GRADUATION,
    NSC_DEGREE,
    NSC_MAJOR,
)
NSC_OPTIONAL: Final = (NSC_FIRST, NSC_LAST, NSC_FOUND)

# AAMC columns.
AAMC_ID: Final = "AAMC ID"
AAMC_EMAIL: Final = "Email"
AAMC_LAST: Final = "Last Name"
AAMC_FIRST: Final = "First Name"
AAMC_YEAR: Final = "Application Year"
AAMC_APPLIED: Final = "Applied"
AAMC_ACCEPTED: Final = "Accepted"
AAMC_MATRICULATED: Final = "Matriculated"
AAMC_SCHOOL: Final = "Medical School"
AAMC_REQUIRED: Final = (AAMC_EMAIL, AAMC_YEAR, AAMC_APPLIED, AAMC_ACCEPTED, AAMC_MATRICULATED)
AAMC_OPTIONAL: Final = (AAMC_ID, AAMC_LAST, AAMC_FIRST, AAMC_SCHOOL)

# AAMC convention: (month, day) and the year offset from the application year.
AAMC_DATES: Final[dict[str, tuple[int, int, int]]] = {
    Milestone.Kind.APPLIED_MED: (-1, 10, 15),
    Milestone.Kind.ADMITTED_MED: (0, 3, 1),
    Milestone.Kind.MATRICULATED: (0, 8, 1),
}

# A major is STEM when it contains one of these (case-insensitive), or when it is a CIP code
# of one of these families (computer science 11, engineering 14, engineering technologies 15,
# biological sciences 26, mathematics and statistics 27, physical sciences 40, science
# technologies 41), following the CIP families of the DHS STEM designated degree list.
STEM_KEYWORDS: Final = (
    "agricultural science",
    "astronom",
    "astrophys",
    "atmospheric",
    "biochem",
    "bioinformatic",
    "biolog",
    "biomedical",
    "biophys",
    "biostatist",
    "biotechnolog",
    "botan",
    "chemi",
    "comput",
    "cybersecurity",
    "data science",
    "earth science",
    "ecolog",
    "engineer",
    "environmental science",
    "genetic",
    "geolog",
    "geophys",
    "geoscience",
    "immunolog",
    "information technolog",
    "marine science",
    "materials science",
    "math",
    "meteorolog",
    "microbiolog",
    "molecular",
    "nanotechnolog",
    "neurobiolog",
    "neuroscien",
    "oceanograph",
    "pharmacolog",
    "physical science",
    "physics",
    "physiolog",
    "robotic",
    "software",
    "statistic",
    "toxicolog",
    "zoolog",
)
STEM_CIP_FAMILIES: Final = frozenset({"11", "14", "15", "26", "27", "40", "41"})
_CIP: Final = re.compile(r"\s*(\d{2})\.?\d{0,4}\s*")
BACHELOR_WORDS: Final = frozenset(
    {"BACHELOR", "BACHELORS", "BACCALAUREATE", "BA", "BS", "BSN", "BFA", "BBA", "BSE", "BAS"}
)
OTHER_DEGREE_WORDS: Final = frozenset(
    {
        "ASSOCIATE",
        "ASSOCIATES",
        "AA",
        "AS",
        "AAS",
        "CERTIFICATE",
        "CERT",
        "DIPLOMA",
        "MASTER",
        "MASTERS",
        "MS",
        "MA",
        "MBA",
        "MPH",
        "MSW",
        "MED",
        "PHD",
        "DOCTOR",
        "DOCTORATE",
        "MD",
        "DO",
        "JD",
        "DDS",
        "PHARMD",
        "DNP",
    }
)
_WORDS: Final = re.compile(r"[A-Z0-9]+")
_DATE_FORMATS: Final = ("%Y%m%d", "%Y-%m-%d", "%m/%d/%Y")
EARLIEST: Final = dt.date(1900, 1, 1)


# -- results and errors ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RowError:
    """One problem in the file. `row` counts data rows from 1 (the first row under the header);
    None is the file or its header as a whole. `column` is blank when no one column is at
    fault."""

    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = _("the file") if self.row is None else _("row %(row)d") % {"row": self.row}
        if self.column:
            where = _("%(where)s, column %(column)s") % {"where": where, "column": self.column}
        return f"{where}: {self.reason}"


class ImportFailed(ServiceError):
    """Nothing was imported; `errors` lists every problem found, in file order."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors: list[RowError] = list(errors)
        summary = ngettext(
            "%(count)d problem; nothing was imported.",
            "%(count)d problems; nothing was imported.",
            len(self.errors),
        ) % {"count": len(self.errors)}
        if self.errors:
            summary = f"{summary} {self.errors[0]}"
        super().__init__(summary, code="import_failed")

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "errors": [
                {"row": error.row, "column": error.column, "reason": error.reason}
                for error in self.errors
            ],
        }


@dataclasses.dataclass(frozen=True)
class PlannedMilestone:
    person_id: int
    name: str
    kind: str
    achieved_on: dt.date
    detail: str
    action: str  # created, updated, unchanged

    @property
    def kind_label(self) -> str:
        return str(Milestone.Kind(self.kind).label)


@dataclasses.dataclass
class MilestoneImport:
    """What an import did (or, with `dry_run`, would do)."""

    format: str
    dry_run: bool
    rows: int = 0
    people: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_kind: dict[str, int] = dataclasses.field(default_factory=dict)
    preview: list[PlannedMilestone] = dataclasses.field(default_factory=list)

    def as_counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "people": self.people,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }

    @property
    def kinds(self) -> list[tuple[str, int]]:
        """(label, count) per kind, in the pipeline's order."""
        return [
            (str(Milestone.Kind(kind).label), self.by_kind[kind])
            for kind in Milestone.ORDER
            if kind in self.by_kind
        ]


# -- reading ---------------------------------------------------------------------------------


def _normal(name: Any) -> str:
    return " ".join(str(name or "").replace("\ufeff", "").split()).casefold()


@dataclasses.dataclass
class _Table:
    columns: dict[str, int]  # normalized name -> index
    rows: list[tuple[int, list[str]]]  # (data row number from 1, cells), blank rows left out

    def cell(self, cells: list[str], name: str) -> str:
        index = self.columns.get(_normal(name))
        if index is None or index >= len(cells):
            return ""
        return cells[index].strip()


def _decode(file: Any) -> str:
    data = file.read() if hasattr(file, "read") else file
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if not isinstance(data, bytes | bytearray):
        raise ImportFailed([RowError(None, "", _("Give a CSV file."))])
    if bytes(data[:4]) == XLSX_MAGIC:
        raise ImportFailed(
            [RowError(None, "", _("This is a spreadsheet workbook; save it as CSV UTF-8."))]
        )
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed(
            [
                RowError(
                    None,
                    "",
                    _("The file is not UTF-8 text (byte %(position)d). Save it as CSV UTF-8.")
                    % {"position": error.start + 1},
                )
            ]
        ) from None


def _table_from_text(text: str) -> _Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = list(reader)
    except csv.Error as error:
        raise ImportFailed(
            [
                RowError(
                    None, "", _("The file cannot be read as CSV: %(reason)s.") % {"reason": error}
                )
            ]
        ) from None
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise ImportFailed([RowError(None, "", _("The first row must name the columns."))])
    header = lines[0]
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
    columns: dict[str, int] = {}
    errors = []
    for index, name in enumerate(header):
        key = _normal(name)
        if not key:
            continue
        if key in columns:
            errors.append(
                RowError(None, name.strip(), _("This column appears twice in the header."))
            )
        columns[key] = index
    if errors:
        raise ImportFailed(errors)
    rows = [
        (number, cells)
        for number, cells in enumerate(lines[1:], start=1)
        if any(cell.strip() for cell in cells)
    ]
    return _Table(columns=columns, rows=rows)


def _table_from_rows(rows: Iterable[Mapping[str, Any]]) -> _Table:
    given = list(rows)
    names: list[str] = []
    for row in given:
        names.extend(str(key) for key in row if str(key) not in names)
    columns = {_normal(name): index for index, name in enumerate(names)}
    table_rows = [
        (number, ["" if row.get(name) is None else str(row.get(name)) for name in names])
        for number, row in enumerate(given, start=1)
    ]
    return _Table(
        columns=columns,
        rows=[(n, cells) for n, cells in table_rows if any(c.strip() for c in cells)],
    )


def _read(file: Any, rows: Iterable[Mapping[str, Any]] | None, required: Sequence[str]) -> _Table:
    if (file is None) == (rows is None):
        raise ServiceError(_("Give either a file or rows."), field="file")
    table = _table_from_rows(rows) if rows is not None else _table_from_text(_decode(file))
    missing = [name for name in required if _normal(name) not in table.columns]
    if missing:
        raise ImportFailed(
            [RowError(None, name, _("This column is missing from the header.")) for name in missing]
        )
    return table


# -- checking cells --------------------------------------------------------------------------


def _latest() -> dt.date:
    # Nominal dates (an AAMC matriculation on 1 August) can lie a little ahead of today.
    return dt.date(timezone.localdate().year + 1, 12, 31)


def _parse_date(text: str) -> dt.date | None:
    for pattern in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
        if EARLIEST <= day <= _latest():
            return day
        return None
    return None


class _Row:
    """Checks the cells of one row, collecting the problems."""

    def __init__(
        self, table: _Table, number: int, cells: list[str], errors: list[RowError]
    ) -> None:
        self.table, self.number, self.cells, self.errors = table, number, cells, errors

    def text(self, column: str) -> str:
        return self.table.cell(self.cells, column)

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.number, column, reason))

    def date(self, column: str, *, required: bool) -> dt.date | None:
        text = self.text(column)
        if not text:
            if required:
                self.fail(column, _("A date is needed here (YYYYMMDD or YYYY-MM-DD)."))
            return None
        day = _parse_date(text)
        if day is None:
            self.fail(
                column,
                _("“%(value)s” is not a date between 1900 and next year (YYYYMMDD or YYYY-MM-DD).")
                % {"value": text[:40]},
            )
        return day

    def yes_no(self, column: str) -> bool | None:
        text = self.text(column).casefold()
        if text in {"y", "yes"}:
            return True
        if text in {"n", "no"}:
            return False
        self.fail(
            column, _("Write Y or N (found “%(value)s”).") % {"value": self.text(column)[:40]}
        )
        return None


# -- people ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Found:
    by_id: dict[int, int]  # id -> id
    by_email: dict[str, int]  # lower-case e-mail -> id
    names: dict[int, str]
    followed: set[int]


def _find_people(identifiers: Iterable[str]) -> _Found:
    ids: set[int] = set()
    emails: set[str] = set()
    for identifier in identifiers:
        if identifier.isascii() and identifier.isdigit() and len(identifier) <= 19:
            if 0 < int(identifier) <= MAX_ID:
                ids.add(int(identifier))
        elif "@" in identifier:
            emails.add(identifier.casefold())
    names: dict[int, str] = {}
    by_email: dict[str, int] = {}
    fields = ("pk", "given_name", "family_name", "preferred_name", "email")
    people: list[Person] = []
    id_list, email_list = sorted(ids), sorted(emails)
    for start in range(0, len(id_list), LOOKUP_CHUNK):
        people.extend(
            Person.objects.filter(pk__in=id_list[start : start + LOOKUP_CHUNK]).only(*fields)
        )
    for start in range(0, len(email_list), LOOKUP_CHUNK):
        people.extend(
            Person.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=email_list[start : start + LOOKUP_CHUNK])
            .only(*fields)
        )
    for person in people:
        names[person.pk] = person.display_name
        by_email[person.email.casefold()] = person.pk
    return _Found(
        by_id={pk: pk for pk in ids if pk in names},
        by_email={email: pk for email, pk in by_email.items() if email in emails},
        names=names,
        followed=followed_ids(names),
    )


def _person(row: _Row, column: str, found: _Found) -> int | None:
    identifier = row.text(column)
    if not identifier:
        row.fail(column, _("Unknown person: this cell is empty."))
        return None
    key = identifier.casefold()
    pk = found.by_id.get(int(key)) if key.isascii() and key.isdigit() and len(key) <= 19 else None
    if pk is None:
        pk = found.by_email.get(key)
    if pk is None:
        row.fail(
            column,
            _("Unknown person: no one in the registry has the id or e-mail “%(value)s”.")
            % {"value": identifier[:80]},
        )
        return None
    if pk not in found.followed:
        row.fail(
            column,
            _(
                "%(value)s has not applied to a program and is in no comparison group; the office "
                "keeps no milestones for them."
            )
            % {"value": identifier[:80]},
        )
        return None
    return pk


# -- planning and writing --------------------------------------------------------------------

_Plan = dict[tuple[int, str], tuple[dt.date, str]]  # (person, kind) -> (date, detail)


def _keep_earliest(plan: _Plan, person: int, kind: str, on: dt.date, detail: str) -> None:
    current = plan.get((person, kind))
    if current is None or on < current[0]:
        plan[(person, kind)] = (on, detail[:MAX_DETAIL])


def _write(
    plan: _Plan,
    *,
    source: str,
    actor: Any,
    dry_run: bool,
    result: MilestoneImport,
    names: dict[int, str],
) -> None:
    people = sorted({person for person, _kind in plan})
    existing: dict[tuple[int, str], Milestone] = {}
    for start in range(0, len(people), LOOKUP_CHUNK):
        for milestone in Milestone.objects.filter(
            person_id__in=people[start : start + LOOKUP_CHUNK], source=source
        ):
            existing[(milestone.person_id, milestone.kind)] = milestone
    to_create: list[Milestone] = []
    to_update: list[Milestone] = []
    for (person, kind), (on, detail) in sorted(plan.items()):
        found = existing.get((person, kind))
        if found is None:
            action = "created"
            to_create.append(
                Milestone(
                    person_id=person,
                    kind=kind,
                    achieved_on=on,
                    source=source,
                    confidence=Milestone.Confidence.HIGH,
                    detail=detail,
                    recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
            )
        elif (found.achieved_on, found.detail, found.confidence) != (
            on,
            detail,
            Milestone.Confidence.HIGH,
        ):
            action = "updated"
            found.achieved_on, found.detail = on, detail
            found.confidence = Milestone.Confidence.HIGH
            to_update.append(found)
        else:
            action = "unchanged"
        result.by_kind[kind] = result.by_kind.get(kind, 0) + 1
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append(
                PlannedMilestone(
                    person_id=person,
                    name=names.get(person, ""),
                    kind=kind,
                    achieved_on=on,
                    detail=detail,
                    action=action,
                )
            )
    result.people = len(people)
    result.created, result.updated = len(to_create), len(to_update)
    result.unchanged = len(plan) - len(to_create) - len(to_update)
    if dry_run:
        return
    with transaction.atomic():
        Milestone.objects.bulk_create(to_create, batch_size=BATCH)
        Milestone.objects.bulk_update(
            to_update, ["achieved_on", "detail", "confidence"], batch_size=BATCH
        )
        record(
            "programs.milestones.imported",
            actor=actor,
            data={"format": result.format, **result.as_counts()},
        )


def _require_staff(actor: Any) -> None:
    # The command line runs without a user (None); anyone else must be office staff.
    if actor is not None and not is_program_staff(actor):
        raise NotAllowed(_("Only office staff may import milestones."))


# -- the Clearinghouse -----------------------------------------------------------------------


def is_stem(major: str) -> bool:
    """Whether a major names a STEM field (see STEM_KEYWORDS and STEM_CIP_FAMILIES)."""
    cip = _CIP.fullmatch(major)
    if cip is not None:
        return cip.group(1) in STEM_CIP_FAMILIES
    text = " ".join(major.casefold().replace("&", " and ").split())
    return any(keyword in text for keyword in STEM_KEYWORDS)


def is_bachelors(title: str) -> bool:
    """Whether a degree title is a bachelor's degree (a blank title counts as one)."""
    words = set(_WORDS.findall(title.upper().replace(".", "")))
    if words & BACHELOR_WORDS:
        return True
    return not words & OTHER_DEGREE_WORDS


def import_clearinghouse(
    *,
    actor: Any,
    file: bytes | str | IO[Any] | None = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
    dry_run: bool = False,
) -> MilestoneImport:
    """Import a Clearinghouse-style detail report (see the module docstring). Raises
    `ImportFailed` listing every problem, having written nothing."""
    _require_staff(actor)
    table = _read(file, rows, NSC_REQUIRED)
    errors: list[RowError] = []
    found = _find_people(table.cell(cells, NSC_ID) for _n, cells in table.rows)
    plan: _Plan = {}
    has_found = _normal(NSC_FOUND) in table.columns
    for number, cells in table.rows:
        row = _Row(table, number, cells, errors)
        person = _person(row, NSC_ID, found)
        if has_found and row.yes_no(NSC_FOUND) is not True:
            # "N": the Clearinghouse found no record, and the other cells are blank.
            continue
        begin = row.date(NSC_BEGIN, required=False)
        end = row.date(NSC_END, required=False)
        if begin and end and end < begin:
            row.fail(NSC_END, _("The enrollment ends before it begins."))
        graduated = row.yes_no(NSC_GRADUATED)
        graduation = row.date(NSC_GRADUATION, required=bool(graduated))
        if person is None:
            continue
        college = row.text(NSC_COLLEGE)
        degree, major = row.text(NSC_DEGREE), row.text(NSC_MAJOR)
        if begin is not None:
            _keep_earliest(plan, person, Milestone.Kind.COLLEGE_ENTRY, begin, college)
        if graduated and graduation is not None and is_bachelors(degree):
            detail = ", ".join(part for part in (degree, college) if part)
            _keep_earliest(plan, person, Milestone.Kind.DEGREE, graduation, detail)
        major_on = begin or (graduation if graduated else None)
        if major and major_on is not None and is_stem(major):
            _keep_earliest(plan, person, Milestone.Kind.STEM_MAJOR, major_on, major)
    if errors:
        raise ImportFailed(errors)
    result = MilestoneImport(format=CLEARINGHOUSE, dry_run=dry_run, rows=len(table.rows))
    _write(
        plan,
        source=Milestone.Source.CLEARINGHOUSE,
        actor=actor,
        dry_run=dry_run,
        result=result,
        names=found.names,
    )
    return result


# -- AAMC ------------------------------------------------------------------------------------


def aamc_date(kind: str, year: int) -> dt.date:
    offset, month, day = AAMC_DATES[kind]
    return dt.date(year + offset, month, day)


def _year(row: _Row) -> int | None:
    text = row.text(AAMC_YEAR)
    latest = timezone.localdate().year + 1
    if text.isascii() and text.isdigit() and len(text) == 4 and 1950 <= int(text) <= latest:
        return int(text)
    row.fail(
        AAMC_YEAR,
        _("“%(value)s” is not an application year between 1950 and %(latest)d.")
        % {"value": text[:40], "latest": latest},
    )
    return None


def import_aamc(
    *,
    actor: Any,
    file: bytes | str | IO[Any] | None = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
    dry_run: bool = False,
) -> MilestoneImport:
    """Import an AAMC-style file (see the module docstring). Raises `ImportFailed` listing
    every problem, having written nothing."""
    _require_staff(actor)
    table = _read(file, rows, AAMC_REQUIRED)
    errors: list[RowError] = []
    found = _find_people(table.cell(cells, AAMC_EMAIL) for _n, cells in table.rows)
    plan: _Plan = {}
    checks: list[tuple[str, str, str, Callable[[], str]]] = [
        (
            AAMC_ACCEPTED,
            AAMC_APPLIED,
            AAMC_ACCEPTED,
            lambda: _("Accepted is Y but Applied is N."),
        ),
        (
            AAMC_MATRICULATED,
            AAMC_ACCEPTED,
            AAMC_MATRICULATED,
            lambda: _("Matriculated is Y but Accepted is N."),
        ),
    ]
    for number, cells in table.rows:
        row = _Row(table, number, cells, errors)
        person = _person(row, AAMC_EMAIL, found)
        year = _year(row)
        answers = {
            column: row.yes_no(column)
            for column in (AAMC_APPLIED, AAMC_ACCEPTED, AAMC_MATRICULATED)
        }
        for later, earlier, column, message in checks:
            if answers[later] and answers[earlier] is False:
                row.fail(column, message())
        if person is None or year is None:
            continue
        school = row.text(AAMC_SCHOOL)
        for column, kind in (
            (AAMC_APPLIED, Milestone.Kind.APPLIED_MED),
            (AAMC_ACCEPTED, Milestone.Kind.ADMITTED_MED),
            (AAMC_MATRICULATED, Milestone.Kind.MATRICULATED),
        ):
            if answers[column]:
                detail = school if kind != Milestone.Kind.APPLIED_MED else ""
                detail = ", ".join(
                    part
                    for part in (_("application year %(year)d") % {"year": year}, detail)
                    if part
                )
                _keep_earliest(plan, person, kind, aamc_date(kind, year), detail)
    if errors:
        raise ImportFailed(errors)
    result = MilestoneImport(format=AAMC, dry_run=dry_run, rows=len(table.rows))
    _write(
        plan,
        source=Milestone.Source.AAMC,
        actor=actor,
        dry_run=dry_run,
        result=result,
        names=found.names,
    )
    return result


def import_milestones(
    *,
    actor: Any,
    format: str,
    file: bytes | str | IO[Any] | None = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
    dry_run: bool = False,
) -> MilestoneImport:
    """`import_clearinghouse` or `import_aamc`, by `format`."""
    if format == CLEARINGHOUSE:
        return import_clearinghouse(actor=actor, file=file, rows=rows, dry_run=dry_run)
    if format == AAMC:
        return import_aamc(actor=actor, file=file, rows=rows, dry_run=dry_run)
    raise ServiceError(_("Choose clearinghouse or aamc."), field="format")

"""Reads of outcomes: whose milestones the office keeps, one person's milestones, and the
program's funnel, comparison group and cohort survival, published with small-cell suppression.

Who: milestones of a person are office staff's (403 for anyone else, 404 for a person the
office does not follow). The funnel, comparison and survival are aggregates: office staff and
leadership viewers (`access.can_view_outcomes`), everyone seeing the same suppressed numbers;
nobody else (403).

What is counted, per cohort (a cycle of the program; draft cycles are left out):

- applied: applications past draft (submitted at some point, withdrawn ones included);
- accepted: applications accepted, enrolled, or accepted and then declined;
- enrolled: the participants;
- completed: participants of a completed cycle;
- then each milestone of `Milestone.ORDER`: participants with that milestone recorded, from
  any source, at any date.

Survival: for each cohort, the share of its participants who had reached a milestone by N years
after the program (N = 1..10; the program ends on the cycle's `ends_on`, else on 31 December of
its year), milestones before the program included. A horizon that has not come yet is "not yet",
never a count. The comparison group of a cohort year is the members of the program's comparison
groups of that year (each person once), followed the same way with the cohort's dates.

Suppression (`equityhub.lib.suppression`, threshold `settings.SUPPRESSION_THRESHOLD`):

- the funnel is one table, stages x cohorts, suppressed with `suppress_table`: every count from
  1 to threshold-1 is hidden, and more cells so that no hidden one can be worked out from the
  others and the totals (the "all selected cohorts" column is the table's row totals; its
  column totals are never published, and are protected as if they were). "Completed" is the
  enrolled count of a completed cohort (0 for the others), so it is not suppressed on its own:
  it mirrors the enrolled row, and its total (a sum over part of that row) is published only
  where it gives no hidden entry away (`_completed_totals`);
- the comparison group is its own table (group size and milestones x cohort years), suppressed
  the same way;
- a survival count is hidden when it is small, and when it equals a count hidden in the funnel
  (or comparison) table for the same cohort (its size, its completions or the same milestone
  ever reached): otherwise the last survival point, which is often the very same number, would
  give a hidden cell away;
- every percentage whose count or base is hidden is hidden too. Zero is shown.

Queries: a fixed number (six) whatever the number of cohorts, people and milestones: every
count is a grouped aggregate in the database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.lib.suppression import suppress_table
from equityhub.people.models import Person
from equityhub.people.selectors import get_person_for_user, valid_id
from equityhub.programs.access import can_view_outcomes, is_program_staff
from equityhub.programs.models import Application, ComparisonGroup, Cycle, Milestone, Program

A = Application.Status
YEARS_AFTER: Final = tuple(range(1, 11))
PROCESS_STAGES: Final = ("applied", "accepted", "enrolled", "completed")
STAGES: Final = (*PROCESS_STAGES, *Milestone.ORDER)
ENROLLED_ROW: Final = STAGES.index("enrolled")
COMPLETED_ROW: Final = STAGES.index("completed")
SIZE_ROW: Final = 0  # in the comparison table: the group's size, then the milestones
LOOKUP_CHUNK: Final = 5000
ACCEPTED_STATUSES: Final = (A.ACCEPTED, A.DECLINED, A.ENROLLED)

MembersThrough = ComparisonGroup.members.through


def stage_label(stage: str) -> str:
    labels = {
        "applied": _("Applied"),
        "accepted": _("Accepted"),
        "enrolled": _("Enrolled (participants)"),
        "completed": _("Completed the program"),
    }
    return labels.get(stage) or str(Milestone.Kind(stage).label)


# -- whose milestones ------------------------------------------------------------------------


def _applied(person_ref: Any) -> Exists:
    return Exists(Application.objects.filter(applicant=person_ref).exclude(status=A.DRAFT))


def _compared(person_ref: Any) -> Exists:
    return Exists(MembersThrough.objects.filter(person=person_ref))


def followed_people() -> QuerySet[Person]:
    """People whose milestones the office keeps: applicants (past draft) and comparison group
    members."""
    return Person.objects.filter(_applied(OuterRef("pk")) | _compared(OuterRef("pk")))


def is_followed(person: Person) -> bool:
    return followed_people().filter(pk=person.pk).exists()


def followed_ids(person_ids: Iterable[int]) -> set[int]:
    """The followed people among `person_ids` (a query per 5,000 ids)."""
    ids = sorted(set(person_ids))
    found: set[int] = set()
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        found.update(followed_people().filter(pk__in=chunk).values_list("pk", flat=True))
    return found


def get_followed_person_for_user(user: Any, person_id: Any) -> Person:
    """A person whose milestones staff keep: 403 for anyone but staff, 404 for a person who is
    not followed (or does not exist). Reading a minor writes the registry's ACCESS entry."""
    if not is_program_staff(user):
        raise PermissionDenied
    person = get_person_for_user(user, person_id)
    if not is_followed(person):
        raise Http404
    return person


def get_milestone_for_user(user: Any, milestone_id: Any) -> Milestone:
    if not is_program_staff(user):
        raise PermissionDenied
    pk = valid_id(milestone_id)
    milestone = Milestone.objects.select_related("person", "recorded_by").filter(pk=pk).first()
    if milestone is None:
        raise Http404
    return milestone


def milestones_of(person: Person) -> QuerySet[Milestone]:
    return (
        Milestone.objects.filter(person=person)
        .select_related("recorded_by")
        .order_by("achieved_on", "kind", "source", "pk")
    )


def programs_applied_to(person: Person) -> QuerySet[Application]:
    """The person's applications past draft, with their cycle and program (the page's context)."""
    return (
        Application.objects.filter(applicant=person)
        .exclude(status=A.DRAFT)
        .select_related("cycle__program")
        .order_by("-cycle__year", "pk")
    )


# -- the program and the selection -----------------------------------------------------------


def get_program_for_outcomes(user: Any, program_id: Any) -> Program:
    """The program whose outcomes the user reads: 403 for anyone but staff and leadership."""
    if not can_view_outcomes(user):
        raise PermissionDenied
    pk = valid_id(program_id)
    program = Program.objects.filter(pk=pk).first()
    if program is None:
        raise Http404
    return program


@dataclasses.dataclass(frozen=True)
class OutcomeFilters:
    """One cycle, or the cycles whose year is in [start_year, end_year] (open ends allowed)."""

    cycle_id: int | None = None
    start_year: int | None = None
    end_year: int | None = None


def program_cycles(program: Program) -> QuerySet[Cycle]:
    """The cohorts an outcome view can show: every cycle past draft, oldest first."""
    return Cycle.objects.filter(program=program).exclude(status=Cycle.Status.DRAFT).order_by("year")


def selected_cycles(program: Program, filters: OutcomeFilters) -> list[Cycle]:
    queryset = program_cycles(program)
    if filters.cycle_id is not None:
        queryset = queryset.filter(pk=filters.cycle_id)
    if filters.start_year is not None:
        queryset = queryset.filter(year__gte=filters.start_year)
    if filters.end_year is not None:
        queryset = queryset.filter(year__lte=filters.end_year)
    return list(queryset)


def program_end(cycle: Cycle) -> dt.date:
    return cycle.ends_on or dt.date(cycle.year, 12, 31)


def years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def horizons(cycle: Cycle, today: dt.date) -> list[dt.date | None]:
    """The cut-off date of each N = 1..10 years after the program; None for one still ahead."""
    end = program_end(cycle)
    cutoffs = [years_later(end, n) for n in YEARS_AFTER]
    return [cutoff if cutoff <= today else None for cutoff in cutoffs]


# -- exact counts (never leave this module unsuppressed) -------------------------------------


def _stage_counts(cycle_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = (
        Application.objects.filter(cycle_id__in=cycle_ids)
        .values("cycle_id")
        .annotate(
            applied=Count("pk", filter=~Q(status=A.DRAFT)),
            accepted=Count("pk", filter=Q(status__in=ACCEPTED_STATUSES)),
            enrolled=Count("pk", filter=Q(status=A.ENROLLED)),
            completed=Count(
                "pk", filter=Q(status=A.ENROLLED, cycle__status=Cycle.Status.COMPLETED)
            ),
        )
        .order_by()
    )
    return {row["cycle_id"]: {stage: row[stage] for stage in PROCESS_STAGES} for row in rows}


def _reached(
    queryset: QuerySet[Any],
    *,
    group: str,
    kind: str,
    person: str,
    achieved_on: str,
    cutoffs: dict[int, list[dt.date | None]],
) -> dict[tuple[int, str], list[int]]:
    """(group, kind) -> [people who ever reached it, then by 1..10 years after the program]:
    one grouped query; a person with the milestone from several sources counts once, at the
    earliest of its dates (they reached it by a cut-off if any of their records did)."""
    counts: dict[str, Any] = {"ever": Count(person, distinct=True)}
    for index, n in enumerate(YEARS_AFTER):
        # The group's key first: SQLite stops at the first false term, and an integer test is
        # cheaper than a date's (this halves the query's time on 50,000 people).
        conditions = [
            Q(**{group: key}) & Q(**{f"{achieved_on}__lte": dates[index]})
            for key, dates in cutoffs.items()
            if dates[index] is not None
        ]
        counts[f"n{n}"] = (
            Count(person, distinct=True, filter=functools.reduce(operator.or_, conditions))
            if conditions
            else Value(0)
        )
    rows = queryset.values(group, kind).annotate(**counts).order_by()
    return {
        (row[group], row[kind]): [row["ever"], *(row[f"n{n}"] for n in YEARS_AFTER)] for row in rows
    }


def _participants_reached(
    cycle_ids: list[int], cutoffs: dict[int, list[dt.date | None]]
) -> dict[tuple[int, str], list[int]]:
    queryset = Application.objects.filter(
        cycle_id__in=cycle_ids, status=A.ENROLLED, applicant__milestones__isnull=False
    )
    return _reached(
        queryset,
        group="cycle_id",
        kind="applicant__milestones__kind",
        person="applicant_id",
        achieved_on="applicant__milestones__achieved_on",
        cutoffs=cutoffs,
    )


def _members(program: Program, years: list[int]) -> QuerySet[Any]:
    return MembersThrough.objects.filter(
        comparisongroup__program=program, comparisongroup__cohort_year__in=years
    )


def _comparison_sizes(program: Program, years: list[int]) -> dict[int, int]:
    rows = (
        _members(program, years)
        .values("comparisongroup__cohort_year")
        .annotate(size=Count("person_id", distinct=True))
        .order_by()
    )
    return {row["comparisongroup__cohort_year"]: row["size"] for row in rows}


def _comparison_reached(
    program: Program, years: list[int], cutoffs: dict[int, list[dt.date | None]]
) -> dict[tuple[int, str], list[int]]:
    return _reached(
        _members(program, years).filter(person__milestones__isnull=False),
        group="comparisongroup__cohort_year",
        kind="person__milestones__kind",
        person="person_id",
        achieved_on="person__milestones__achieved_on",
        cutoffs=cutoffs,
    )


# -- what is published -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cell:
    """A published count (None: suppressed) and its percentage (None: hidden or undefined)."""

    count: int | None
    percent: Decimal | None = None

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclasses.dataclass(frozen=True)
class CohortColumn:
    cycle_id: int
    year: int
    title: str
    status: str
    ends_on: dt.date


@dataclasses.dataclass(frozen=True)
class FunnelRow:
    stage: str
    label: str
    is_milestone: bool
    cells: tuple[Cell, ...]  # one per cohort
    total: Cell  # all selected cohorts


CHART_LABEL_WIDTH: Final = 230
CHART_BAR_SPACE: Final = 330
CHART_ROW_HEIGHT: Final = 22


@dataclasses.dataclass(frozen=True)
class Bar:
    label: str
    count: int | None
    y: int
    width: int

    @property
    def text_x(self) -> int:
        return CHART_LABEL_WIDTH + self.width


@dataclasses.dataclass(frozen=True)
class Funnel:
    cohorts: list[CohortColumn]
    rows: list[FunnelRow]
    bars: list[Bar]

    @property
    def chart_height(self) -> int:
        return max(len(self.bars), 1) * CHART_ROW_HEIGHT + 4

    @property
    def chart_width(self) -> int:
        return CHART_LABEL_WIDTH + CHART_BAR_SPACE + 60

    def row(self, stage: str) -> FunnelRow:
        return self.rows[STAGES.index(stage)]


@dataclasses.dataclass(frozen=True)
class ComparisonRow:
    kind: str
    label: str
    participants: Cell  # share of participants
    comparison: Cell  # share of the comparison group
    by_year: tuple[Cell, ...]  # the comparison group per cohort year


@dataclasses.dataclass(frozen=True)
class Comparison:
    years: list[int]
    groups: list[ComparisonGroup]
    participants: Cell  # all selected cohorts
    size: Cell  # the comparison group, all selected years
    size_by_year: tuple[Cell, ...]
    rows: list[ComparisonRow]


@dataclasses.dataclass(frozen=True)
class Point:
    years_after: int
    count: int | None
    share: Decimal | None
    elapsed: bool

    @property
    def suppressed(self) -> bool:
        return self.elapsed and self.count is None


@dataclasses.dataclass(frozen=True)
class SurvivalLine:
    year: int
    is_comparison: bool
    size: Cell
    points: tuple[Point, ...]


@dataclasses.dataclass(frozen=True)
class Survival:
    kind: str
    label: str
    participants: list[SurvivalLine]
    comparison: list[SurvivalLine]

    @property
    def lines(self) -> list[SurvivalLine]:
        return [*self.participants, *self.comparison]


@dataclasses.dataclass(frozen=True)
class Outcomes:
    program: Program
    filters: OutcomeFilters
    threshold: int
    today: dt.date
    funnel: Funnel
    comparison: Comparison | None
    survival: list[Survival]

    def survival_of(self, kind: str) -> Survival:
        return self.survival[Milestone.ORDER.index(kind)]


def percent(count: int | None, base: int | None) -> Decimal | None:
    if count is None or not base:
        return None
    return (Decimal(count) * 100 / Decimal(base)).quantize(Decimal("0.1"))


def _protected(
    table: Sequence[Sequence[int]], *, threshold: int
) -> tuple[list[list[int | None]], list[int | None]]:
    """The table's cells and row totals as they may be published."""
    if not table or not table[0]:
        return [[] for _row in table], [0 for _row in table]
    result = suppress_table(table, threshold=threshold)
    assert result.row_totals is not None  # noqa: S101 - with_totals (the default) gives them
    return result.cells, result.row_totals


def _completed_totals(
    completed: list[int],
    enrolled: list[int | None],
    enrolled_total: int | None,
    done: list[bool],
    *,
    threshold: int,
) -> tuple[int | None, int | None]:
    """The participants of the completed cohorts and the enrolled total as they may be
    published (None: hidden).

    The completed total is a sum over some of the enrolled row's cells: one more equation on
    that row's hidden entries. With it, the hidden cells of completed cohorts (U) add up to a
    known number, and so do the row's other hidden entries (R: its other hidden cells, and its
    total if hidden). A group with exactly one entry would give that entry away, so then the
    completed total is hidden; a small one is hidden too. A hidden completed total must not be
    computable either: it is when R is empty (the row total minus its visible cells is exactly
    the sum over U), and then the row total is hidden as well, which leaves one more unknown.
    """
    total = sum(completed)
    pairs = list(zip(enrolled, done, strict=True))
    hidden_completed = sum(1 for cell, finished in pairs if finished and cell is None)
    if hidden_completed == 0:
        # The sum of visible cells, each 0 or at least the threshold: safe and known anyway.
        return total, enrolled_total
    rest = sum(1 for cell, finished in pairs if not finished and cell is None)
    rest += enrolled_total is None
    if not 1 <= total < threshold and hidden_completed != 1 and rest != 1:
        return total, enrolled_total
    if rest == 0:
        return None, None
    return None, enrolled_total


def publish_funnel(
    cohorts: list[CohortColumn],
    stages: dict[int, dict[str, int]],
    reached: dict[tuple[int, str], list[int]],
    *,
    threshold: int,
) -> tuple[Funnel, list[list[int]], list[list[int | None]]]:
    """The funnel as published (stages x cohorts, suppressed with its row totals, which are the
    "all selected cohorts" column; the completed row mirrors the enrolled one), plus the exact
    and the published tables, which survival needs to stay consistent with it. `stages`: cycle
    id -> process stage -> count; `reached`: (cycle id, milestone kind) -> [ever, by 1..10
    years]."""
    exact = [
        [
            stages.get(c.cycle_id, {}).get(stage, 0)
            if stage in PROCESS_STAGES
            else reached.get((c.cycle_id, stage), [0])[0]
            for c in cohorts
        ]
        for stage in STAGES
    ]
    # "Completed" is not a count of its own: in a completed cycle it is the enrolled count, in
    # any other it is 0. It is left out of the suppressed table and mirrors the enrolled row
    # (hidden where that is hidden), so that it cannot give a hidden enrolled cell away.
    table = [row for r, row in enumerate(exact) if r != COMPLETED_ROW]
    protected_cells, protected_totals = _protected(table, threshold=threshold)
    cells = [*protected_cells[:COMPLETED_ROW], [], *protected_cells[COMPLETED_ROW:]]
    totals = [*protected_totals[:COMPLETED_ROW], None, *protected_totals[COMPLETED_ROW:]]
    done = [c.status == Cycle.Status.COMPLETED for c in cohorts]
    cells[COMPLETED_ROW] = [
        cell if finished else 0 for cell, finished in zip(cells[ENROLLED_ROW], done, strict=True)
    ]
    totals[COMPLETED_ROW], totals[ENROLLED_ROW] = _completed_totals(
        exact[COMPLETED_ROW], cells[ENROLLED_ROW], totals[ENROLLED_ROW], done, threshold=threshold
    )

    def base(row: int, column: list[int | None]) -> int | None:
        # Accepted, enrolled, completed: of the stage before; milestones: of the participants.
        if row == 0:
            return None
        return column[row - 1] if STAGES[row] in PROCESS_STAGES else column[ENROLLED_ROW]

    columns = [[cells[r][j] for r in range(len(STAGES))] for j in range(len(cohorts))]
    rows = []
    for r, stage in enumerate(STAGES):
        rows.append(
            FunnelRow(
                stage=stage,
                label=stage_label(stage),
                is_milestone=stage not in PROCESS_STAGES,
                cells=tuple(
                    Cell(cells[r][j], percent(cells[r][j], base(r, columns[j])))
                    for j in range(len(cohorts))
                ),
                total=Cell(totals[r], percent(totals[r], base(r, totals))),
            )
        )
    visible = [row.total.count for row in rows if row.total.count is not None]
    largest = max(visible, default=0) or 1
    bars = [
        Bar(
            label=row.label,
            count=row.total.count,
            y=index * CHART_ROW_HEIGHT,
            width=0 if row.total.count is None else row.total.count * CHART_BAR_SPACE // largest,
        )
        for index, row in enumerate(rows)
    ]
    return Funnel(cohorts=cohorts, rows=rows, bars=bars), exact, cells


def publish_comparison(
    cohorts: list[CohortColumn],
    *,
    funnel: Funnel,
    sizes: dict[int, int],
    reached: dict[tuple[int, str], list[int]],
    groups: list[ComparisonGroup],
    threshold: int,
) -> tuple[Comparison, list[int], list[list[int]], list[list[int | None]]]:
    """The comparison group beside the participants: its own table (group size, then each
    milestone, x the cohort years that have a group), suppressed like the funnel; the
    participants' side is the funnel's published "all selected cohorts" column. Returns the
    comparison, its years, and its exact and published tables."""
    years = sorted({c.year for c in cohorts} & set(sizes))
    exact = [
        [sizes.get(year, 0) for year in years],
        *([reached.get((year, kind), [0])[0] for year in years] for kind in Milestone.ORDER),
    ]
    cells, totals = _protected(exact, threshold=threshold)
    participants = funnel.row("enrolled").total
    rows = []
    for index, kind in enumerate(Milestone.ORDER, start=1):
        mine = funnel.row(kind).total
        rows.append(
            ComparisonRow(
                kind=kind,
                label=stage_label(kind),
                participants=mine,
                comparison=Cell(totals[index], percent(totals[index], totals[SIZE_ROW])),
                by_year=tuple(
                    Cell(cells[index][j], percent(cells[index][j], cells[SIZE_ROW][j]))
                    for j in range(len(years))
                ),
            )
        )
    comparison = Comparison(
        years=years,
        groups=[group for group in groups if group.cohort_year in years],
        participants=participants,
        size=Cell(totals[SIZE_ROW]),
        size_by_year=tuple(Cell(cells[SIZE_ROW][j]) for j in range(len(years))),
        rows=rows,
    )
    return comparison, years, exact, cells


def survival_line(
    *,
    year: int,
    is_comparison: bool,
    size: int | None,
    counts: list[int],
    cutoffs: list[dt.date | None],
    hidden_values: set[int],
    threshold: int,
) -> SurvivalLine:
    """One cohort's (or comparison group's) line for one milestone: `counts` is [ever, by 1..10
    years], `cutoffs` the horizons (None: not yet), `size` the published size (None: hidden,
    and so every share), `hidden_values` the exact values of the cells hidden for this cohort in
    its table (a point equal to one of them is hidden too)."""
    points = []
    for index, n in enumerate(YEARS_AFTER):
        if cutoffs[index] is None:
            points.append(Point(years_after=n, count=None, share=None, elapsed=False))
            continue
        value = counts[index + 1]
        shown = None if 1 <= value < threshold or value in hidden_values else value
        points.append(Point(years_after=n, count=shown, share=percent(shown, size), elapsed=True))
    return SurvivalLine(
        year=year, is_comparison=is_comparison, size=Cell(size), points=tuple(points)
    )


def _hidden_values(
    exact: list[list[int]], published: list[list[int | None]], rows: Iterable[int], column: int
) -> set[int]:
    return {exact[r][column] for r in rows if published[r][column] is None}


def build_outcomes(
    program: Program, filters: OutcomeFilters, *, today: dt.date | None = None
) -> Outcomes:
    """The program's funnel, comparison group and survival for the selected cohorts, as
    everyone allowed to read them sees them (suppressed). Six queries whatever the data."""
    today = today or timezone.localdate()
    threshold: int = settings.SUPPRESSION_THRESHOLD
    cycles = selected_cycles(program, filters)
    cohorts = [
        CohortColumn(
            cycle_id=c.pk, year=c.year, title=c.title, status=c.status, ends_on=program_end(c)
        )
        for c in cycles
    ]
    ids = [c.pk for c in cycles]
    cutoffs = {c.pk: horizons(c, today) for c in cycles}
    stages = _stage_counts(ids) if ids else {}
    reached = _participants_reached(ids, cutoffs) if ids else {}
    funnel, exact, published = publish_funnel(cohorts, stages, reached, threshold=threshold)

    years = sorted({c.year for c in cycles})
    by_year = {c.year: cutoffs[c.pk] for c in cycles}
    groups = list(ComparisonGroup.objects.filter(program=program, cohort_year__in=years))
    comparison = None
    comparison_years: list[int] = []
    comparison_exact: list[list[int]] = []
    comparison_published: list[list[int | None]] = []
    compared_reached: dict[tuple[int, str], list[int]] = {}
    if groups:
        sizes = _comparison_sizes(program, years)
        compared_reached = _comparison_reached(program, years, by_year)
        comparison, comparison_years, comparison_exact, comparison_published = publish_comparison(
            cohorts,
            funnel=funnel,
            sizes=sizes,
            reached=compared_reached,
            groups=groups,
            threshold=threshold,
        )

    survival = []
    empty = [0] * (len(YEARS_AFTER) + 1)
    for row_index, kind in enumerate(Milestone.ORDER):
        funnel_row = len(PROCESS_STAGES) + row_index
        participants = [
            survival_line(
                year=cohort.year,
                is_comparison=False,
                size=published[ENROLLED_ROW][j],
                counts=reached.get((cohort.cycle_id, kind), empty),
                cutoffs=cutoffs[cohort.cycle_id],
                hidden_values=_hidden_values(
                    exact, published, (ENROLLED_ROW, COMPLETED_ROW, funnel_row), j
                ),
                threshold=threshold,
            )
            for j, cohort in enumerate(cohorts)
        ]
        compared = [
            survival_line(
                year=year,
                is_comparison=True,
                size=comparison_published[SIZE_ROW][j],
                counts=compared_reached.get((year, kind), empty),
                cutoffs=by_year[year],
                hidden_values=_hidden_values(
                    comparison_exact, comparison_published, (SIZE_ROW, row_index + 1), j
                ),
                threshold=threshold,
            )
            for j, year in enumerate(comparison_years)
        ]
        survival.append(
            Survival(
                kind=kind, label=stage_label(kind), participants=participants, comparison=compared
            )
        )
    return Outcomes(
        program=program,
        filters=filters,
        threshold=threshold,
        today=today,
        funnel=funnel,
        comparison=comparison,
        survival=survival,
    )


# -- the survival chart ----------------------------------------------------------------------

PLOT_LEFT: Final = 44
PLOT_TOP: Final = 12
PLOT_WIDTH: Final = 450
PLOT_HEIGHT: Final = 240
LABEL_SPACE: Final = 110
LABEL_GAP: Final = 10
PALETTE: Final = (
    "#7a1e2c",
    "#1f5f99",
    "#2e7d32",
    "#b35900",
    "#6a3d9a",
    "#00796b",
    "#8d6e00",
    "#c2185b",
)


@dataclasses.dataclass(frozen=True)
class ChartLine:
    label: str
    color: str
    dashed: bool
    segments: list[str]  # SVG polyline points, one string per run of shown points
    dots: list[tuple[int, int]]
    label_x: int
    label_y: int
    has_points: bool


@dataclasses.dataclass(frozen=True)
class Tick:
    value: int
    position: int


@dataclasses.dataclass(frozen=True)
class SurvivalChart:
    lines: list[ChartLine]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    width: int = PLOT_LEFT + PLOT_WIDTH + LABEL_SPACE
    height: int = PLOT_TOP + PLOT_HEIGHT + 40
    left: int = PLOT_LEFT
    top: int = PLOT_TOP
    right: int = PLOT_LEFT + PLOT_WIDTH
    bottom: int = PLOT_TOP + PLOT_HEIGHT


def _x(n: int) -> int:
    return PLOT_LEFT + (n - 1) * PLOT_WIDTH // (len(YEARS_AFTER) - 1)


def _y(share: Decimal) -> int:
    return PLOT_TOP + int(PLOT_HEIGHT - share * PLOT_HEIGHT / 100)


def _spread_labels(lines: list[ChartLine]) -> list[ChartLine]:
    """Move labels that end at the same x apart vertically, so that each stays readable."""
    placed: dict[int, int] = {}  # index -> y
    by_x: dict[int, list[int]] = {}
    for index, line in enumerate(lines):
        if line.has_points:
            by_x.setdefault(line.label_x, []).append(index)
    for indexes in by_x.values():
        previous: int | None = None
        for index in sorted(indexes, key=lambda i: (lines[i].label_y, i)):
            y = lines[index].label_y
            if previous is not None and y < previous + LABEL_GAP:
                y = previous + LABEL_GAP
            placed[index] = previous = y
    return [
        dataclasses.replace(line, label_y=placed.get(index, line.label_y))
        for index, line in enumerate(lines)
    ]


def survival_chart(survival: Survival) -> SurvivalChart:
    """A line per cohort (comparison groups dashed): x = years after the program, y = share.
    Hidden and future points leave a gap; each line is labelled with its year at its last
    point, so that no line is told apart by its colour alone."""
    lines = []
    for index, line in enumerate(survival.lines):
        segments: list[str] = []
        run: list[str] = []
        dots: list[tuple[int, int]] = []
        for point in line.points:
            if point.share is None:
                if run:
                    segments.append(" ".join(run))
                run = []
                continue
            x, y = _x(point.years_after), _y(point.share)
            run.append(f"{x},{y}")
            dots.append((x, y))
        if run:
            segments.append(" ".join(run))
        last = dots[-1] if dots else (PLOT_LEFT, PLOT_TOP + PLOT_HEIGHT)
        label = (
            _("%(year)s comparison") % {"year": line.year} if line.is_comparison else str(line.year)
        )
        lines.append(
            ChartLine(
                label=label,
                color=PALETTE[index % len(PALETTE)],
                dashed=line.is_comparison,
                segments=segments,
                dots=dots,
                label_x=last[0] + 6,
                label_y=last[1] + 3,
                has_points=bool(dots),
            )
        )
    spread = _spread_labels(lines)
    lowest = max((line.label_y for line in spread if line.has_points), default=0)
    return SurvivalChart(
        lines=spread,
        height=max(PLOT_TOP + PLOT_HEIGHT + 40, lowest + 6),
        x_ticks=[Tick(value=n, position=_x(n)) for n in YEARS_AFTER],
        y_ticks=[Tick(value=v, position=_y(Decimal(v))) for v in range(0, 101, 25)],
    )

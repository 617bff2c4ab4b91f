"""The funnel, comparison group and cohort survival: the numbers on a hand-built program, small
cells suppressed (primary and complementary, consistently across the tables), and a constant
number of queries whatever the number of cohorts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterator
from fractions import Fraction
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from equityhub.people.models import Person
from equityhub.programs.models import (
    Application,
    ComparisonGroup,
    Cycle,
    Milestone,
    Program,
)
from equityhub.programs.selectors_outcomes import (
    PROCESS_STAGES,
    STAGES,
    CohortColumn,
    OutcomeFilters,
    Outcomes,
    build_outcomes,
    publish_funnel,
    survival_chart,
)
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 15)
T = 11
A = Application.Status


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


# -- building programs -----------------------------------------------------------------------


def make_cycle(
    program: Program,
    year: int,
    *,
    status: str = Cycle.Status.COMPLETED,
    ends_on: dt.date | None = None,
    seats: int = 500,
) -> Cycle:
    opens = dt.datetime(year, 1, 10, tzinfo=dt.UTC)
    return Cycle.objects.create(
        program=program,
        year=year,
        title=f"{program.name} {year}",
        status=status,
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=40),
        starts_on=dt.date(year, 6, 1),
        ends_on=ends_on if ends_on is not None else dt.date(year, 8, 1),
        seats=seats,
    )


def applicants(cycle: Cycle, status: str, count: int) -> list[Person]:
    """`count` new people with an application of `status` to `cycle`."""
    people = PersonFactory.create_batch(count)
    position = Application.objects.filter(cycle=cycle, status=A.WAITLISTED).count()
    for person in people:
        waitlisted = status == A.WAITLISTED
        if waitlisted:
            position += 1
        Application.objects.create(
            cycle=cycle,
            applicant=person,
            status=status,
            submitted_at=None if status == A.DRAFT else timezone.now(),
            waitlist_position=position if waitlisted else None,
        )
    return people


def reach(
    people: list[Person], kind: str, on: dt.date, source: str = Milestone.Source.STAFF
) -> None:
    Milestone.objects.bulk_create(
        Milestone(person=p, kind=kind, achieved_on=on, source=source) for p in people
    )


def comparison_group(
    program: Program, year: int, people: list[Person], name: str = ""
) -> ComparisonGroup:
    group = ComparisonGroup.objects.create(
        program=program, name=name or f"District peers {year}", cohort_year=year
    )
    group.members.set(people)
    return group


@pytest.fixture
def built(program: Program) -> dict[str, Any]:
    return build_program(program)


def build_program(program: Program) -> dict[str, Any]:
    """Three cohorts: 2015 and 2016 completed, 2024 running, and a comparison group for 2015.

    2015: 40 applications: 5 drafts, 8 not selected, 2 withdrawn, 3 accepted then declined,
    22 enrolled. Of the 22: 12 entered college within a year of the program (2016-05-01), 8 more
    on 2017-09-01 (by 3 years); 15 earned a degree on 2020-06-01 (by 5 years), 4 of them also
    self-reported it a month earlier (counted once, at the earlier date). A rejected applicant
    entered college (not counted: not a participant).
    2016: 10 not selected, 20 enrolled; 3 entered college on 2017-01-01 (small: suppressed).
    2024 (running): 15 enrolled.
    Comparison 2015: 30 members, 14 entered college on 2016-05-01; a second group of the same
    year shares 2 of its members (each person counted once).
    """
    c2015 = make_cycle(program, 2015)
    c2016 = make_cycle(program, 2016)
    c2024 = make_cycle(program, 2024, status=Cycle.Status.RUNNING)
    make_cycle(program, 2026, status=Cycle.Status.DRAFT)  # left out of every view
    applicants(c2015, A.DRAFT, 5)
    rejected = applicants(c2015, A.REJECTED, 8)
    applicants(c2015, A.WITHDRAWN, 2)
    applicants(c2015, A.DECLINED, 3)
    enrolled = applicants(c2015, A.ENROLLED, 22)
    reach(enrolled[:12], Milestone.Kind.COLLEGE_ENTRY, dt.date(2016, 5, 1))
    reach(enrolled[12:20], Milestone.Kind.COLLEGE_ENTRY, dt.date(2017, 9, 1))
    reach(enrolled[:15], Milestone.Kind.DEGREE, dt.date(2020, 6, 1), Milestone.Source.CLEARINGHOUSE)
    reach(enrolled[:4], Milestone.Kind.DEGREE, dt.date(2020, 5, 1), Milestone.Source.SURVEY)
    reach(rejected[:1], Milestone.Kind.COLLEGE_ENTRY, dt.date(2016, 5, 1))
    applicants(c2016, A.REJECTED, 10)
    enrolled_2016 = applicants(c2016, A.ENROLLED, 20)
    reach(enrolled_2016[:3], Milestone.Kind.COLLEGE_ENTRY, dt.date(2017, 1, 1))
    applicants(c2024, A.ENROLLED, 15)
    peers = PersonFactory.create_batch(30)
    reach(peers[:14], Milestone.Kind.COLLEGE_ENTRY, dt.date(2016, 5, 1))
    comparison_group(program, 2015, peers)
    comparison_group(program, 2015, peers[:2], name="Summer camp peers")
    return {"cycles": (c2015, c2016, c2024), "enrolled": enrolled, "peers": peers}


def exact(program: Program, settings: Any, **filters: Any) -> Outcomes:
    """Outcomes with suppression off (a threshold of 1 hides nothing), for the arithmetic."""
    settings.SUPPRESSION_THRESHOLD = 1
    return build_outcomes(program, OutcomeFilters(**filters), today=TODAY)


def counts(outcomes: Outcomes, stage: str) -> list[int | None]:
    row = outcomes.funnel.row(stage)
    return [cell.count for cell in row.cells] + [row.total.count]


def points(outcomes: Outcomes, kind: str, index: int = 0) -> list[int | str | None]:
    line = outcomes.survival_of(kind).participants[index]
    return [p.count if p.elapsed else "not yet" for p in line.points]


# -- the numbers -----------------------------------------------------------------------------


def test_the_funnel_counts_each_stage_per_cohort_and_for_all(
    program: Program, built: Any, settings: Any
) -> None:
    outcomes = exact(program, settings)
    assert [c.year for c in outcomes.funnel.cohorts] == [2015, 2016, 2024]
    assert counts(outcomes, "applied") == [35, 30, 15, 80]
    assert counts(outcomes, "accepted") == [25, 20, 15, 60]
    assert counts(outcomes, "enrolled") == [22, 20, 15, 57]
    assert counts(outcomes, "completed") == [22, 20, 0, 42]
    assert counts(outcomes, "college_entry") == [20, 3, 0, 23]
    assert counts(outcomes, "degree") == [15, 0, 0, 15]
    assert counts(outcomes, "faculty") == [0, 0, 0, 0]


def test_conversion_is_of_the_stage_before_and_milestones_of_the_participants(
    program: Program, built: Any, settings: Any
) -> None:
    funnel = exact(program, settings).funnel
    assert funnel.row("applied").total.percent is None
    assert str(funnel.row("accepted").cells[0].percent) == "71.4"  # 25 of 35
    assert str(funnel.row("enrolled").cells[0].percent) == "88.0"  # 22 of 25
    assert str(funnel.row("completed").cells[2].percent) == "0.0"
    assert str(funnel.row("college_entry").cells[0].percent) == "90.9"  # 20 of 22
    assert str(funnel.row("degree").total.percent) == "26.3"  # 15 of 57


def test_one_cycle_or_a_range_of_years_narrows_the_cohorts(
    program: Program, built: Any, settings: Any
) -> None:
    _c2015, c2016, _c2024 = built["cycles"]
    assert counts(exact(program, settings, cycle_id=c2016.pk), "enrolled") == [20, 20]
    assert counts(exact(program, settings, start_year=2016), "enrolled") == [20, 15, 35]
    assert counts(exact(program, settings, end_year=2016), "applied") == [35, 30, 65]
    empty = exact(program, settings, start_year=2030)
    assert empty.funnel.cohorts == []
    assert counts(empty, "applied") == [0]


def test_survival_counts_who_reached_a_milestone_by_each_year_after_the_program(
    program: Program, built: Any, settings: Any
) -> None:
    outcomes = exact(program, settings)
    # 2015 ended 2015-08-01: ten years later is 2025-08-01, still ahead on 2025-06-15.
    assert points(outcomes, "college_entry") == [12, 12, 20, 20, 20, 20, 20, 20, 20, "not yet"]
    # A degree from two sources counts once, by its earlier date (2020-05-01: by 5 years).
    assert points(outcomes, "degree") == [0, 0, 0, 0, 15, 15, 15, 15, 15, "not yet"]
    assert points(outcomes, "college_entry", 1) == [3] * 8 + ["not yet"] * 2
    assert points(outcomes, "college_entry", 2) == ["not yet"] * 10
    line = outcomes.survival_of("college_entry").participants[0]
    assert line.size.count == 22
    assert str(line.points[0].share) == "54.5"  # 12 of 22


def test_the_comparison_group_is_followed_beside_the_participants(
    program: Program, built: Any, settings: Any
) -> None:
    outcomes = exact(program, settings)
    comparison = outcomes.comparison
    assert comparison is not None
    assert comparison.years == [2015]
    assert sorted(g.name for g in comparison.groups) == ["District peers 2015", "Summer camp peers"]
    assert comparison.size.count == 30  # two groups sharing members: each person once
    college = next(row for row in comparison.rows if row.kind == "college_entry")
    assert (college.participants.count, college.comparison.count) == (23, 14)
    assert str(college.comparison.percent) == "46.7"
    line = outcomes.survival_of("college_entry").comparison[0]
    assert (line.year, line.is_comparison, line.size.count) == (2015, True, 30)
    assert [p.count for p in line.points[:9]] == [14] * 9


def test_a_cycle_without_an_end_date_ends_on_the_last_day_of_its_year(
    program: Program, settings: Any
) -> None:
    cycle = make_cycle(program, 2020)
    Cycle.objects.filter(pk=cycle.pk).update(ends_on=None)
    people = applicants(cycle, A.ENROLLED, 2)
    reach(people, Milestone.Kind.DEGREE, dt.date(2021, 12, 31))
    outcomes = exact(program, settings)
    assert outcomes.funnel.cohorts[0].ends_on == dt.date(2020, 12, 31)
    assert points(outcomes, "degree")[:5] == [2, 2, 2, 2, "not yet"]


def test_a_program_ending_on_29_february_is_followed_to_28_february(
    program: Program, settings: Any
) -> None:
    cycle = make_cycle(program, 2016, ends_on=dt.date(2016, 2, 29))
    people = applicants(cycle, A.ENROLLED, 2)
    reach(people, Milestone.Kind.DEGREE, dt.date(2017, 2, 28))
    reach(applicants(cycle, A.ENROLLED, 1), Milestone.Kind.DEGREE, dt.date(2017, 3, 1))
    assert points(exact(program, settings), "degree")[:2] == [2, 3]


def test_nothing_is_counted_for_a_program_without_cohorts(program: Program) -> None:
    outcomes = build_outcomes(program, OutcomeFilters(), today=TODAY)
    assert outcomes.funnel.cohorts == []
    assert outcomes.comparison is None
    assert all(row.total.count == 0 for row in outcomes.funnel.rows)


# -- suppression -----------------------------------------------------------------------------


def published_counts(outcomes: Outcomes) -> list[int]:
    found: list[int | None] = []
    for row in outcomes.funnel.rows:
        found += [cell.count for cell in row.cells] + [row.total.count]
    if outcomes.comparison is not None:
        found += [outcomes.comparison.size.count]
        found += [cell.count for cell in outcomes.comparison.size_by_year]
        for item in outcomes.comparison.rows:
            found += [item.comparison.count, *(cell.count for cell in item.by_year)]
    for survival in outcomes.survival:
        for line in survival.lines:
            found += [line.size.count, *(p.count for p in line.points)]
    return [value for value in found if value is not None]


def test_no_count_from_1_to_10_is_published(program: Program, built: Any) -> None:
    outcomes = build_outcomes(program, OutcomeFilters(), today=TODAY)
    values = published_counts(outcomes)
    assert values
    assert not [value for value in values if 1 <= value < T]
    assert 0 in values  # zero is shown


def test_a_small_cell_is_hidden_with_a_partner_so_the_total_does_not_give_it_away(
    program: Program, built: Any
) -> None:
    funnel = build_outcomes(program, OutcomeFilters(), today=TODAY).funnel
    college = funnel.row("college_entry")
    assert college.cells[1].count is None  # the 3 of 2016
    assert college.cells[0].count is None  # 20: the row total 23 would give the 3 away
    assert college.total.count == 23
    assert college.cells[0].percent is None


def test_a_survival_point_equal_to_a_hidden_funnel_cell_is_hidden_too(
    program: Program, built: Any
) -> None:
    outcomes = build_outcomes(program, OutcomeFilters(), today=TODAY)
    line = outcomes.survival_of("college_entry").participants[0]
    # 12 by one and two years: shown; then 20, the funnel's hidden cell: hidden.
    assert [p.count for p in line.points[:4]] == [12, 12, None, None]
    assert all(p.suppressed for p in line.points[2:9])
    small = outcomes.survival_of("college_entry").participants[1]
    assert all(p.count is None and p.share is None for p in small.points if p.elapsed)


def test_percentages_computed_from_a_hidden_count_are_hidden(program: Program, built: Any) -> None:
    outcomes = build_outcomes(program, OutcomeFilters(), today=TODAY)
    for row in outcomes.funnel.rows:
        for cell in (*row.cells, row.total):
            if cell.count is None:
                assert cell.percent is None
    for survival in outcomes.survival:
        for line in survival.lines:
            for point in line.points:
                if point.count is None or line.size.count is None:
                    assert point.share is None


def determined(equations: list[dict[Hashable, int]], hidden: set[Hashable]) -> set[Hashable]:
    """Hidden entries a reader can compute exactly: each equation says its entries, times their
    coefficients, add up to 0; published entries are known numbers. An entry is determined when
    its unit vector is in the row space of the equations restricted to the hidden entries."""
    order = sorted(hidden, key=repr)
    matrix = [
        [Fraction(equation.get(key, 0)) for key in order]
        for equation in equations
        if any(key in hidden for key in equation)
    ]
    pivots: list[tuple[int, list[Fraction]]] = []
    for col in range(len(order)):
        pivot = next((row for row in matrix if row[col] != 0), None)
        if pivot is None:
            continue
        matrix.remove(pivot)
        pivot = [value / pivot[col] for value in pivot]
        matrix = [[a - row[col] * b for a, b in zip(row, pivot, strict=True)] for row in matrix]
        pivots = [
            (c, [a - row[col] * b for a, b in zip(row, pivot, strict=True)]) for c, row in pivots
        ]
        pivots.append((col, pivot))
    return {order[c] for c, row in pivots if sum(1 for value in row if value != 0) == 1}


def funnel_equations(n: int, done: list[bool]) -> list[dict[Hashable, int]]:
    """What a reader knows of the funnel: each stage's cells add up to its total ("All selected
    cohorts"), and the completed total is the sum of the completed cohorts' enrolled cells.
    (The completed row's cells are the enrolled cells themselves, or 0.)"""
    equations: list[dict[Hashable, int]] = []
    for r, stage in enumerate(STAGES):
        if stage == "completed":
            continue
        equation: dict[Hashable, int] = {("cell", r, c): 1 for c in range(n)}
        equation[("total", r)] = -1
        equations.append(equation)
    enrolled = STAGES.index("enrolled")
    completed: dict[Hashable, int] = {("cell", enrolled, c): 1 for c in range(n) if done[c]}
    completed["completed total"] = -1
    equations.append(completed)
    return equations


def cohort_columns(done: list[bool]) -> list[CohortColumn]:
    return [
        CohortColumn(
            cycle_id=i + 1,
            year=2010 + i,
            title=str(i),
            status="completed" if finished else "running",
            ends_on=TODAY,
        )
        for i, finished in enumerate(done)
    ]


FunnelData = tuple[list[bool], dict[int, dict[str, int]], dict[tuple[int, str], list[int]]]


@st.composite
def funnel_counts(draw: Any) -> FunnelData:
    n = draw(st.integers(min_value=1, max_value=4))
    done = [draw(st.booleans()) for _cycle in range(n)]
    stages: dict[int, dict[str, int]] = {}
    reached: dict[tuple[int, str], list[int]] = {}
    for cycle_id in range(1, n + 1):
        applied = draw(st.integers(min_value=0, max_value=60))
        accepted = draw(st.integers(min_value=0, max_value=applied))
        enrolled = draw(st.integers(min_value=0, max_value=accepted))
        completed = enrolled if done[cycle_id - 1] else 0
        stages[cycle_id] = dict(
            zip(PROCESS_STAGES, (applied, accepted, enrolled, completed), strict=True)
        )
        for kind in Milestone.ORDER[:4]:
            reached[(cycle_id, kind)] = [draw(st.integers(min_value=0, max_value=enrolled))]
    return done, stages, reached


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(funnel_counts())
def test_no_hidden_funnel_count_can_be_worked_out_from_what_is_published(
    data: FunnelData,
) -> None:
    done, stages, reached = data
    n = len(done)
    funnel, exact_table, published = publish_funnel(
        cohort_columns(done), stages, reached, threshold=T
    )
    hidden: set[Hashable] = set()
    for r, row in enumerate(funnel.rows):
        for c, cell in enumerate(row.cells):
            assert cell.count == published[r][c]
            assert cell.count is None or not 1 <= cell.count < T
            assert cell.count is None or cell.count == exact_table[r][c]
            if cell.count is None and row.stage != "completed":
                hidden.add(("cell", r, c))
        assert row.total.count is None or not 1 <= row.total.count < T
        if row.total.count is None:
            hidden.add("completed total" if row.stage == "completed" else ("total", r))
    # The completed row is the enrolled row of completed cohorts, hidden where it is.
    enrolled, completed = funnel.row("enrolled"), funnel.row("completed")
    for c in range(n):
        expected = enrolled.cells[c].count if done[c] else 0
        assert completed.cells[c].count == expected
    assert determined(funnel_equations(n, done), hidden) == set()


def test_the_completed_total_is_hidden_when_it_would_give_a_running_cohort_away(
    program: Program, settings: Any
) -> None:
    """Two completed cohorts and a running one with 8 participants: the enrolled total minus
    the completed total would be those 8."""
    for year in (2015, 2016):
        applicants(make_cycle(program, year), A.ENROLLED, 30)
    applicants(make_cycle(program, 2024, status=Cycle.Status.RUNNING), A.ENROLLED, 8)
    funnel = build_outcomes(program, OutcomeFilters(), today=TODAY).funnel
    enrolled, completed = funnel.row("enrolled"), funnel.row("completed")
    assert enrolled.cells[2].count is None
    hidden = [cell.count for cell in enrolled.cells].count(None)
    assert hidden == 2 and enrolled.total.count == 68
    assert completed.total.count is None
    assert [cell.count for cell in completed.cells] == [
        enrolled.cells[0].count,
        enrolled.cells[1].count,
        0,
    ]


def test_the_survival_chart_leaves_gaps_for_hidden_and_future_points(
    program: Program, built: Any
) -> None:
    outcomes = build_outcomes(program, OutcomeFilters(), today=TODAY)
    chart = survival_chart(outcomes.survival_of("college_entry"))
    first = chart.lines[0]
    assert first.label == "2015"
    assert len(first.segments) == 1
    assert len(first.dots) == 2  # 12 and 12; then hidden, then not yet
    assert not chart.lines[1].has_points  # 2016: all hidden
    comparison = chart.lines[-1]
    assert comparison.dashed
    assert comparison.label == "2015 comparison"


# -- queries ---------------------------------------------------------------------------------


def populate(program: Program, n_cycles: int) -> None:
    for index in range(n_cycles):
        cycle = make_cycle(program, 2000 + index)
        enrolled = applicants(cycle, A.ENROLLED, 3)
        applicants(cycle, A.REJECTED, 2)
        reach(enrolled[:2], Milestone.Kind.COLLEGE_ENTRY, dt.date(2002 + index, 1, 1))
        comparison_group(program, 2000 + index, PersonFactory.create_batch(2))


def queries_for(program: Program) -> int:
    with CaptureQueriesContext(connection) as context:
        build_outcomes(program, OutcomeFilters(), today=TODAY)
    return len(context.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_cohorts(program: Program) -> None:
    populate(program, 2)
    two = queries_for(program)
    other = Program.objects.create(
        name="Post-bacc", stage=Program.Stage.POSTBACC, sponsor=program.sponsor
    )
    populate(other, 20)
    assert queries_for(other) == two
    assert two <= 6

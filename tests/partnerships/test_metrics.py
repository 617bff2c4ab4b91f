"""The consortium roll-up of shared metrics: what is counted where, small-count suppression on
every aggregate (pages, CSV and API; staff included), and who may see it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from equityhub.accounts.models import User
from equityhub.partnerships import rollups
from equityhub.partnerships.models import Initiative, Metric, MetricValue
from equityhub.partnerships.rollups import (
    Granularity,
    KindSums,
    RollupFilters,
    area_table,
    build_rollup,
    focus_table,
    protect_line,
)
from equityhub.people.models import Organization
from equityhub.places.models import Area
from tests.lib.test_suppression import determined_hidden_entries
from tests.partnerships.conftest import zcta

T = 11  # the CMS threshold the settings use
ROLLUP = "/api/v1/consortium/metrics/rollup"
MakeInitiative = Callable[..., Initiative]


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


def value(
    metric: Metric,
    start: str,
    end: str,
    amount: int,
    area: Area | None = None,
) -> MetricValue:
    return MetricValue.objects.create(
        metric=metric,
        period_start=dt.date.fromisoformat(start),
        period_end=dt.date.fromisoformat(end),
        value=amount,
        area=area,
    )


def metric_of(initiative: Initiative, kind: str, name: str = "") -> Metric:
    return Metric.objects.create(
        initiative=initiative,
        name=name or kind,
        kind=kind,
        counts_people=kind in Metric.PEOPLE_KINDS,
    )


def filters(kind: str = "events", granularity: str = "year", start: int = 2024) -> RollupFilters:
    return RollupFilters(kind=kind, granularity=granularity, start_year=start, end_year=2025)


# -- what is counted where ------------------------------------------------------------------


@pytest.fixture
def two(
    make_initiative: MakeInitiative, partner_org: Organization, other_org: Organization
) -> dict[str, Initiative]:
    return {
        "a": make_initiative(partner_org, title="A", focus_codes=("cancer_screening",)),
        "b": make_initiative(
            other_org,
            title="B",
            focus_codes=("cancer_screening", "food_access"),
            area_codes=("63106", "63107"),
        ),
    }


@pytest.mark.django_db
def test_values_sum_by_focus_area_and_year_counting_a_two_focus_initiative_in_each(
    two: dict[str, Initiative],
) -> None:
    a, b = metric_of(two["a"], "events"), metric_of(two["b"], "events")
    value(a, "2024-01-01", "2024-03-31", 20)
    value(a, "2025-02-01", "2025-02-28", 15)
    value(b, "2024-06-01", "2024-06-30", 30)
    rollup = build_rollup(filters())
    assert [p.key for p in rollup.periods] == ["2024", "2025"]
    assert [(r.label, r.cells, r.total) for r in rollup.by_focus_area] == [
        ("Cancer screening and prevention", (50, 15), 65),
        ("Food access", (30, 0), 30),
    ]
    assert (rollup.total.cells, rollup.total.total) == ((50, 15), 65)
    assert rollup.counts_people is False
    assert not rollup.any_suppressed


@pytest.mark.django_db
def test_quarters_that_have_started_are_columns_and_values_count_where_they_start(
    two: dict[str, Initiative],
) -> None:
    a = metric_of(two["a"], "events")
    value(a, "2025-03-15", "2025-04-15", 12)
    value(a, "2025-04-01", "2025-04-10", 7)
    rollup = build_rollup(filters(granularity="quarter", start=2025))
    assert [p.key for p in rollup.periods] == ["2025-Q1", "2025-Q2"]
    assert [p.label for p in rollup.periods] == ["Q1 2025", "Q2 2025"]
    assert rollup.periods[1].end == dt.date(2025, 6, 30)
    assert rollup.total.cells == (12, 7)


@pytest.mark.django_db
def test_a_whole_initiative_value_counts_instead_of_the_per_area_values_it_overlaps(
    two: dict[str, Initiative],
) -> None:
    b = metric_of(two["b"], "events")
    value(b, "2024-01-01", "2024-03-31", 40)  # the total of the quarter...
    value(b, "2024-01-01", "2024-03-31", 25, area=zcta("63106"))  # ...and its breakdown
    value(b, "2024-02-01", "2024-02-28", 15, area=zcta("63107"))
    value(b, "2024-07-01", "2024-07-31", 9, area=zcta("63107"))  # no total for July
    rollup = build_rollup(filters(start=2024))
    assert rollup.total.cells == (49, 0)
    assert [(r.code, r.value) for r in rollup.by_area] == [("63106", 25), ("63107", 24)]
    assert rollup.by_area_total == 49


@pytest.mark.django_db
def test_initiatives_without_a_focus_area_are_a_row_of_their_own_listed_last(
    make_initiative: MakeInitiative, partner_org: Organization, two: dict[str, Initiative]
) -> None:
    bare = make_initiative(partner_org, title="Bare", focus_codes=())
    value(metric_of(bare, "events"), "2024-05-01", "2024-05-31", 3)
    value(metric_of(two["a"], "events"), "2024-05-01", "2024-05-31", 4)
    rollup = build_rollup(filters())
    assert [r.key for r in rollup.by_focus_area] == ["cancer_screening", "none"]
    assert rollup.by_focus_area[-1].label == "No focus area recorded"


@pytest.mark.django_db
def test_every_kind_is_a_row_of_its_own_and_values_outside_the_years_are_left_out(
    two: dict[str, Initiative],
) -> None:
    value(metric_of(two["a"], "events"), "2024-05-01", "2024-05-31", 30)
    value(metric_of(two["a"], "referrals"), "2025-01-01", "2025-01-31", 40)
    value(metric_of(two["b"], "events"), "2023-12-01", "2023-12-31", 99)
    rollup = build_rollup(filters())
    assert [(k.kind, k.counts_people, k.cells) for k in rollup.by_kind] == [
        ("referrals", True, (0, 40)),
        ("events", False, (30, 0)),
    ]


@pytest.mark.django_db
def test_the_rollup_takes_three_queries_whatever_the_data(
    two: dict[str, Initiative], django_assert_num_queries: Any
) -> None:
    for initiative in two.values():
        for kind in ("events", "screenings", "people_reached"):
            metric = metric_of(initiative, kind)
            for month in range(1, 7):
                value(metric, f"2025-{month:02d}-01", f"2025-{month:02d}-28", 7 * month)
    with django_assert_num_queries(3):
        build_rollup(filters(kind="screenings", granularity="quarter", start=2025))


# -- suppression ----------------------------------------------------------------------------


@pytest.fixture
def people(two: dict[str, Initiative]) -> dict[str, Metric]:
    """Screenings: a small count in 2024 for A, bigger ones elsewhere, per area too."""
    a, b = metric_of(two["a"], "screenings"), metric_of(two["b"], "screenings")
    value(a, "2024-01-01", "2024-03-31", 5)
    value(a, "2025-01-01", "2025-03-31", 40)
    value(b, "2024-01-01", "2024-03-31", 60)
    value(b, "2025-01-01", "2025-03-31", 3, area=zcta("63107"))
    value(b, "2025-01-01", "2025-03-31", 50, area=zcta("63106"))
    return {"a": a, "b": b}


@pytest.mark.django_db
def test_small_counts_of_people_and_those_revealing_them_are_suppressed(
    people: dict[str, Metric],
) -> None:
    rollup = build_rollup(filters(kind="screenings"))
    assert rollup.counts_people
    shown = {row.key: (row.cells, row.total) for row in rollup.by_focus_area}
    # Cancer: 2024 = 65, 2025 = 93; food: 2024 = 60, 2025 = 53 -- nothing small.
    assert shown == {"cancer_screening": ((65, 93), 158), "food_access": ((60, 53), 113)}
    # The area table has a 3: hidden, with a second entry so it cannot be worked out.
    assert [(r.code, r.value) for r in rollup.by_area] == [("63106", None), ("63107", None)]
    assert rollup.by_area_total == 53


@pytest.mark.django_db
def test_a_lone_small_cell_hides_a_second_one_and_the_totals_stay_consistent(
    make_initiative: MakeInitiative, partner_org: Organization, other_org: Organization
) -> None:
    a = metric_of(make_initiative(partner_org, title="A"), "people_reached")
    b = metric_of(
        make_initiative(other_org, title="B", focus_codes=("food_access",)), "people_reached"
    )
    value(a, "2024-01-01", "2024-01-31", 4)  # small
    value(a, "2025-01-01", "2025-01-31", 30)
    value(b, "2024-01-01", "2024-01-31", 20)
    value(b, "2025-01-01", "2025-01-31", 25)
    rollup = build_rollup(filters(kind="people_reached"))
    published = [[*row.cells, row.total] for row in rollup.by_focus_area]
    published.append([*rollup.total.cells, rollup.total.total])
    for line in [*published, *zip(*published, strict=True)]:
        hidden = sum(1 for cell in line if cell is None)
        assert hidden != 1
        assert all(cell is None or not 1 <= cell < T for cell in line)
    assert determined_hidden_entries(published) == set()
    assert rollup.chart[0].value == rollup.total.cells[0]


@pytest.mark.django_db
def test_the_area_total_is_hidden_when_it_would_reveal_a_small_whole_initiative_count(
    two: dict[str, Initiative],
) -> None:
    metric = metric_of(two["a"], "screenings")
    value(metric, "2025-01-01", "2025-03-31", 4)  # no area
    value(metric, "2024-01-01", "2024-03-31", 40, area=zcta("63106"))
    rollup = build_rollup(filters(kind="screenings"))
    assert rollup.total.total == 44
    # 44 - 40 would be the 4 reported for the whole initiative.
    assert rollup.by_area_total is None
    assert [row.value for row in rollup.by_area] == [None]


@pytest.mark.django_db
def test_counts_that_are_not_people_are_shown_as_they_are(two: dict[str, Initiative]) -> None:
    value(metric_of(two["a"], "events"), "2024-05-01", "2024-05-31", 2)
    rollup = build_rollup(filters())
    assert rollup.total.cells == (2, 0)
    assert rollup.by_focus_area[0].cells == (2, 0)


@pytest.mark.django_db
def test_another_count_marked_as_counting_people_is_suppressed(two: dict[str, Initiative]) -> None:
    metric = Metric.objects.create(
        initiative=two["a"], name="Households", kind="other", counts_people=True
    )
    value(metric, "2024-05-01", "2024-05-31", 2)
    rollup = build_rollup(filters(kind="other"))
    assert rollup.counts_people
    assert rollup.total.cells[0] is None
    assert rollup.by_kind[0].cells[0] is None


@pytest.mark.django_db
def test_a_zero_is_shown(two: dict[str, Initiative]) -> None:
    value(metric_of(two["a"], "screenings"), "2024-05-01", "2024-05-31", 0)
    rollup = build_rollup(filters(kind="screenings"))
    assert rollup.total.cells == (0, 0)


def published_numbers(rollup: rollups.Rollup) -> list[int | None]:
    numbers: list[int | None] = [rollup.total.total, *rollup.total.cells, rollup.by_area_total]
    for row in rollup.by_focus_area:
        numbers += [*row.cells, row.total]
    numbers += [row.value for row in rollup.by_area]
    for kind in rollup.by_kind:
        if kind.counts_people:
            numbers += [*kind.cells, kind.total]
    numbers += [bar.value for bar in rollup.chart]
    return numbers


@pytest.mark.django_db
@pytest.mark.parametrize("small", range(1, 11))
def test_no_count_of_people_from_1_to_10_appears_in_any_aggregate(
    small: int, make_initiative: MakeInitiative, partner_org: Organization
) -> None:
    metric = metric_of(make_initiative(partner_org, title="A"), "enrollments")
    value(metric, "2025-01-01", "2025-01-31", small)
    value(metric, "2025-02-01", "2025-02-28", 0, area=zcta("63106"))
    value(metric, "2024-01-01", "2024-01-31", 500 + small, area=zcta("63106"))
    for granularity in ("year", "quarter"):
        rollup = build_rollup(filters(kind="enrollments", granularity=granularity))
        assert all(n is None or not 1 <= n <= 10 for n in published_numbers(rollup))


# -- the page, the CSV and the API ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["partner", "other_partner", "member", "outsider"])
def test_the_rollup_is_refused_to_partners_and_everyone_outside(
    who: str, request: pytest.FixtureRequest, client_for: Callable[[User], Client]
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("partnerships:metrics_rollup")).status_code == 403
    response = client.get(ROLLUP)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coordinator", "admin_user", "leadership"])
def test_staff_and_leadership_see_the_same_suppressed_numbers(
    who: str,
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
    people: dict[str, Metric],
) -> None:
    client = client_for(request.getfixturevalue(who))
    response = client.get(
        reverse("partnerships:metrics_rollup"),
        {"kind": "screenings", "granularity": "year", "start_year": "2024", "end_year": "2025"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "An initiative with several focus areas counts in each of them" in page
    assert "Counts of people from 1 to 10" in page
    assert '<td class="text-end">3</td>' not in page
    assert "<svg" in page
    body = client.get(ROLLUP, {"kind": "screenings", "start_year": 2024, "end_year": 2025}).json()
    assert body["suppressed"] is True
    assert body["by_area"] == [
        {"code": "63106", "label": "63106 ZIP 63106", "value": None},
        {"code": "63107", "label": "63107 ZIP 63107", "value": None},
    ]
    assert body["by_area_total"] == 53
    assert body["total"] == {"values": [65, 93], "total": 158}
    assert [row["key"] for row in body["by_focus_area"]] == ["cancer_screening", "food_access"]
    assert body["periods"][0] == {
        "key": "2024",
        "label": "2024",
        "start": "2024-01-01",
        "end": "2024-12-31",
    }


@pytest.mark.django_db
def test_the_csv_holds_the_suppressed_tables(
    client_for: Callable[[User], Client], coordinator: User, people: dict[str, Metric]
) -> None:
    response = client_for(coordinator).get(
        reverse("partnerships:metrics_rollup"),
        {
            "kind": "screenings",
            "granularity": "year",
            "start_year": "2024",
            "end_year": "2025",
            "format": "csv",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["table", "row", "2024", "2025", "total"]
    by_row = {(row[0], row[1]): row[2:] for row in rows[1:]}
    assert by_row[("area", "63107 ZIP 63107")] == ["", "", "suppressed"]
    assert by_row[("consortium_total", "All initiatives (each counted once)")] == [
        "65",
        "93",
        "158",
    ]
    assert not any(cell in {str(n) for n in range(1, 11)} for row in rows for cell in row[2:])


@pytest.mark.django_db
def test_invalid_filters_show_the_default_rollup_and_refuse_a_csv(
    client_for: Callable[[User], Client], coordinator: User
) -> None:
    client = client_for(coordinator)
    query = {
        "kind": "screenings",
        "granularity": "quarter",
        "start_year": "2015",
        "end_year": "2025",
    }
    response = client.get(reverse("partnerships:metrics_rollup"), query)
    assert response.status_code == 200
    assert "By quarter, at most 5 years at a time." in response.content.decode()
    assert response.context["rollup"].filters == rollups.default_filters()
    assert (
        client.get(reverse("partnerships:metrics_rollup"), {**query, "format": "csv"}).status_code
        == 400
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start_year": 2025, "end_year": 2024}, "end_year"),
        ({"start_year": 2010, "end_year": 2025}, "end_year"),
        ({"granularity": "quarter", "start_year": 2019, "end_year": 2025}, "end_year"),
        ({"kind": "hugs"}, "kind"),
        ({"start_year": 1900}, "start_year"),
    ],
)
def test_the_rollup_api_refuses_bad_filters_naming_them(
    client_for: Callable[[User], Client], leadership: User, query: dict[str, Any], field: str
) -> None:
    response = client_for(leadership).get(ROLLUP, query)
    assert response.status_code == 422
    assert response.json()["field"] == field


@pytest.mark.django_db
def test_the_rollup_api_needs_authentication(client: Client) -> None:
    assert client.get(ROLLUP).status_code == 401


@pytest.mark.django_db
def test_the_rollup_page_takes_a_constant_number_of_queries(
    client_for: Callable[[User], Client],
    leadership: User,
    people: dict[str, Metric],
    two: dict[str, Initiative],
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(leadership)
    url = reverse("partnerships:metrics_rollup")
    client.get(url)
    with django_assert_max_num_queries(12) as context:
        client.get(url)
    before = len(context.captured_queries)
    for month in range(1, 7):
        value(metric_of(two["a"], "screenings", f"more {month}"), "2025-04-01", "2025-04-02", month)
    with django_assert_max_num_queries(before):
        client.get(url)


# -- suppression properties (no database) ----------------------------------------------------

small_biased = st.one_of(st.integers(0, 60), st.integers(0, 14))


@st.composite
def initiatives(draw: st.DrawFn, *, single_focus: bool) -> tuple[KindSums, int]:
    """Random initiatives with their focus areas and values by period, summed like the
    roll-up's queries would."""
    n_periods = draw(st.integers(1, 6))
    n_focus = draw(st.integers(1, 5))
    focus: dict[str, tuple[str, list[int]]] = {}
    totals = [0] * n_periods
    for _i in range(draw(st.integers(1, 10))):
        size = 1 if single_focus else draw(st.integers(1, min(3, n_focus)))
        codes = draw(
            st.lists(st.integers(0, n_focus - 1), min_size=size, max_size=size, unique=True)
        )
        values = [draw(small_biased) for _p in range(n_periods)]
        for code in codes:
            cells = focus.setdefault(f"f{code}", (f"Focus {code}", [0] * n_periods))[1]
            for period, amount in enumerate(values):
                cells[period] += amount
        totals = [a + b for a, b in zip(totals, values, strict=True)]
    return KindSums(focus=focus, totals=totals, people=True), n_periods


def published_grid(sums: KindSums) -> list[list[int | None]]:
    rows, total = focus_table(sums, suppress=True, threshold=T)
    grid = [[*row.cells, row.total] for row in rows]
    grid.append([*total.cells, total.total])
    return grid


def assert_lines_safe(grid: list[list[int | None]]) -> None:
    for line in [*grid, *zip(*grid, strict=True)]:
        assert sum(1 for cell in line if cell is None) != 1, grid
        assert all(cell is None or not 1 <= cell < T for cell in line), grid


@settings(max_examples=300, deadline=None)
@given(initiatives(single_focus=True))
def test_with_one_focus_area_each_no_hidden_count_can_be_worked_out(
    drawn: tuple[KindSums, int],
) -> None:
    sums, _n = drawn
    grid = published_grid(sums)
    assert_lines_safe(grid)
    # With one focus area per initiative the consortium total is the sum of the focus areas:
    # the bordered table is exact, and no hidden entry is a function of the published ones.
    assert determined_hidden_entries(grid) == set()


@settings(max_examples=300, deadline=None)
@given(initiatives(single_focus=False))
def test_with_several_focus_areas_no_small_count_shows_and_no_line_hides_just_one(
    drawn: tuple[KindSums, int],
) -> None:
    sums, _n = drawn
    assert_lines_safe(published_grid(sums))


@settings(max_examples=300, deadline=None)
@given(st.lists(small_biased, min_size=0, max_size=12), st.booleans())
def test_the_area_table_shows_no_small_count_and_never_hides_just_one(
    values: list[int], total_hidden: bool
) -> None:
    found = [(f"6310{i}", f"6310{i}", v) for i, v in enumerate(values)]
    rows, total = area_table(found, suppress=True, total_hidden=total_hidden, threshold=T)
    line = [row.value for row in rows] + [total]
    if values:
        assert sum(1 for cell in line if cell is None) != 1
    assert all(cell is None or not 1 <= cell < T for cell in line)
    if total_hidden:
        assert total is None
    shown = [row.value for row in rows]
    assert all(s is None or s == v for s, v in zip(shown, values, strict=True))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(small_biased, min_size=1, max_size=10),
    st.sets(st.integers(0, 10)),
    st.sets(st.integers(0, 10)),
)
def test_a_protected_line_never_hides_exactly_one_entry(
    cells: list[int], forced: set[int], prefer: set[int]
) -> None:
    line = [*cells, sum(cells)]
    forced = {i for i in forced if i < len(line)}
    hidden = protect_line(line, forced=forced, threshold=T, total_index=len(cells), prefer=prefer)
    assert forced <= hidden
    assert len(hidden) != 1
    assert all(i in hidden for i, v in enumerate(line) if 1 <= v < T)
    added = hidden - forced - {i for i, v in enumerate(line) if 1 <= v < T}
    if added and prefer & (set(range(len(line))) - (hidden - added)):
        assert added <= prefer


def test_unsuppressed_tables_are_exact() -> None:
    sums = KindSums(focus={"a": ("A", [1, 2]), "b": ("B", [3, 0])}, totals=[4, 2], people=False)
    rows, total = focus_table(sums, suppress=False, threshold=T)
    assert [(r.cells, r.total) for r in rows] == [((1, 2), 3), ((3, 0), 3)]
    assert (total.cells, total.total) == ((4, 2), 6)
    area_rows, area_total = area_table(
        [("1", "1", 2), ("2", "2", 3)], suppress=False, total_hidden=True, threshold=T
    )
    assert [r.value for r in area_rows] == [2, 3]
    assert area_total == 5


def test_an_empty_kind_gives_zeros() -> None:
    rows, total = focus_table(
        KindSums(focus={}, totals=[0, 0], people=True), suppress=True, threshold=T
    )
    assert rows == []
    assert (total.cells, total.total) == ((0, 0), 0)


def test_granularity_labels() -> None:
    assert Granularity.QUARTER.label == "By quarter"

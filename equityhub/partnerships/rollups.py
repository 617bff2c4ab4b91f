"""The consortium's roll-up of shared metrics: one kind of metric (people reached, screenings,
events...) summed over every initiative by focus area x year or quarter, by area served, and
every kind by year or quarter. Read-only; three grouped queries whatever the number of values.

What is counted:

- A value counts in the year (quarter) its period starts in.
- A value reported for the whole initiative (no area) is the initiative's total for its period.
  Values reported per area count towards the focus-area and consortium totals only where no
  whole-initiative value of the same metric overlaps their period, so that a total and its
  breakdown are not counted twice. The table by area sums every value reported per area (and
  nothing else: a whole-initiative value has no area).
- An initiative with several focus areas counts in each of them, so the focus-area rows add up
  to more than the consortium total; the consortium total counts each initiative once.

Small counts. Metrics that count people (`Metric.counts_people`; always for the people kinds)
are suppressed for everyone who sees the roll-up, office staff included: the roll-up is what the
consortium shares in its meetings. Leadership viewers see nothing else. The people who reported
the numbers see them exact on their initiative's own page. Counts of events and other things
that are not people are shown as they are. With `equityhub.lib.suppression`:

- the focus-area table is suppressed with its margins (`suppress_table`): counts from 1 to
  threshold-1 are hidden, and more cells so that none can be worked out from the others and the
  totals;
- the consortium total of a period (each initiative once) is published only where the
  focus-area table's own period total may be (when every initiative has one focus area the two
  are the same number); small ones are hidden too, and if that leaves a single hidden entry in
  the line of totals a second one is hidden, chosen where it leaves no other line of the table
  with a single hidden entry (`focus_table`);
- the area table is one list with its total: the total is hidden with the consortium's, and
  when the two differ by a small count (what was reported for whole initiatives only), and no
  line ever has exactly one hidden entry.

Each table is protected on its own, with the totals they share kept consistent. A coincidence
between two breakdowns (say, one initiative alone in both an area and a focus area) is not
audited across tables; see docs/suppression.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from equityhub.lib.suppression import suppress_table
from equityhub.partnerships.models import FocusArea, Metric, MetricValue

NO_FOCUS_KEY = "none"
MAX_YEARS = 10
MAX_QUARTER_YEARS = 5
HIDDEN = "suppressed"


class Granularity(models.TextChoices):
    YEAR = "year", gettext_lazy("By year")
    QUARTER = "quarter", gettext_lazy("By quarter")


@dataclass(frozen=True)
class RollupFilters:
    kind: str = Metric.Kind.PEOPLE_REACHED
    granularity: str = Granularity.YEAR
    start_year: int = 0
    end_year: int = 0


def default_filters(today: dt.date | None = None) -> RollupFilters:
    """People reached, by year, this year and the two before."""
    year = (today or timezone.localdate()).year
    return RollupFilters(start_year=year - 2, end_year=year)


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None

    @property
    def key(self) -> str:
        return str(self.year) if self.quarter is None else f"{self.year}-Q{self.quarter}"

    @property
    def label(self) -> str:
        if self.quarter is None:
            return str(self.year)
        return _("Q%(quarter)s %(year)s") % {"quarter": self.quarter, "year": self.year}

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.quarter is None else 3 * self.quarter - 2, 1)

    @property
    def end(self) -> dt.date:
        if self.quarter is None or self.quarter == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.quarter + 1, 1) - dt.timedelta(days=1)


def periods_of(filters: RollupFilters, today: dt.date | None = None) -> list[Period]:
    """Every year (quarter) of the range that has started."""
    today = today or timezone.localdate()
    quarters: Sequence[int | None] = (
        (1, 2, 3, 4) if filters.granularity == Granularity.QUARTER else (None,)
    )
    periods = [
        Period(year, quarter)
        for year in range(filters.start_year, filters.end_year + 1)
        for quarter in quarters
    ]
    return [period for period in periods if period.start <= today]


@dataclass(frozen=True)
class Row:
    """A row of sums by period; None marks a suppressed number."""

    key: str
    label: str
    cells: tuple[int | None, ...]
    total: int | None

    @property
    def suppressed(self) -> bool:
        return self.total is None or any(cell is None for cell in self.cells)


@dataclass(frozen=True)
class KindRow:
    kind: str
    label: str
    counts_people: bool
    cells: tuple[int | None, ...]
    total: int | None

    @property
    def suppressed(self) -> bool:
        return self.total is None or any(cell is None for cell in self.cells)


@dataclass(frozen=True)
class AreaRow:
    code: str
    label: str
    value: int | None


CHART_LABEL_WIDTH = 70
CHART_BAR_SPACE = 290
CHART_ROW_HEIGHT = 22


@dataclass(frozen=True)
class ChartBar:
    label: str
    value: int | None  # None: suppressed
    y: int
    width: int

    @property
    def text_x(self) -> int:
        return CHART_LABEL_WIDTH + self.width


@dataclass(frozen=True)
class Rollup:
    filters: RollupFilters
    kind_label: str
    counts_people: bool
    threshold: int
    periods: list[Period]
    by_focus_area: list[Row]
    total: Row
    by_area: list[AreaRow]
    by_area_total: int | None
    by_kind: list[KindRow]
    chart: list[ChartBar]

    @property
    def largest_hidden(self) -> int:
        """The largest count that is always suppressed (10 under the CMS rule)."""
        return self.threshold - 1

    @property
    def chart_height(self) -> int:
        return max(len(self.chart), 1) * CHART_ROW_HEIGHT + 4

    @property
    def any_suppressed(self) -> bool:
        return (
            self.total.suppressed
            or any(row.suppressed for row in self.by_focus_area)
            or any(row.value is None for row in self.by_area)
            or self.by_area_total is None
            or any(row.suppressed for row in self.by_kind)
        )


# -- queries ---------------------------------------------------------------------------------


def counted_values(start: dt.date, end: dt.date) -> QuerySet[MetricValue]:
    """Values whose period starts in [start, end] that count in the totals: whole-initiative
    values, and per-area values no whole-initiative value of their metric overlaps."""
    overall = MetricValue.objects.filter(
        metric_id=OuterRef("metric_id"),
        area__isnull=True,
        period_start__lte=OuterRef("period_end"),
        period_end__gte=OuterRef("period_start"),
    )
    return MetricValue.objects.filter(period_start__gte=start, period_start__lte=end).filter(
        Q(area__isnull=True) | ~Exists(overall)
    )


def _period_fields(granularity: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"year": ExtractYear("period_start")}
    if granularity == Granularity.QUARTER:
        fields["quarter"] = ExtractQuarter("period_start")
    return fields


def _period_of(row: dict[str, Any]) -> Period:
    return Period(int(row["year"]), int(row["quarter"]) if row.get("quarter") else None)


@dataclass
class KindSums:
    """Exact sums of one kind of metric: by focus area and period, and by period with each
    initiative counted once (`totals`); `people` when any of them counts people."""

    focus: dict[str, tuple[str, list[int]]]  # code -> (label, sums by period)
    totals: list[int]
    people: bool


def _read(filters: RollupFilters, periods: list[Period]) -> dict[str, KindSums]:
    """Sums by kind x focus area x period and by kind x period: two queries."""
    column = {period: index for index, period in enumerate(periods)}
    start, end = dt.date(filters.start_year, 1, 1), dt.date(filters.end_year, 12, 31)
    fields = _period_fields(filters.granularity)
    counted = counted_values(start, end).annotate(**fields)
    data: dict[str, KindSums] = {}

    def of(kind: str) -> KindSums:
        if kind not in data:
            data[kind] = KindSums(
                focus={}, totals=[0] * len(periods), people=kind in Metric.PEOPLE_KINDS
            )
        return data[kind]

    for row in (
        counted.values("metric__kind", *fields)
        .annotate(total=Sum("value"), people=Count("pk", filter=Q(metric__counts_people=True)))
        .order_by()
    ):
        index = column.get(_period_of(row))
        if index is None:
            continue
        kind = of(row["metric__kind"])
        kind.totals[index] += row["total"] or 0
        kind.people = kind.people or bool(row["people"])
    for row in (
        counted.values(
            "metric__kind",
            "metric__initiative__focus_areas__code",
            "metric__initiative__focus_areas__name",
            *fields,
        )
        .annotate(total=Sum("value"))
        .order_by()
    ):
        index = column.get(_period_of(row))
        if index is None:
            continue
        code = row["metric__initiative__focus_areas__code"]
        if code is None:
            code, label = NO_FOCUS_KEY, _("No focus area recorded")
        else:
            label = str(FocusArea.LABELS.get(code, row["metric__initiative__focus_areas__name"]))
        kind = of(row["metric__kind"])
        cells = kind.focus.setdefault(code, (label, [0] * len(periods)))[1]
        cells[index] += row["total"] or 0
    return data


def _by_area(filters: RollupFilters) -> tuple[list[tuple[str, str, int]], bool]:
    """Sums of the values of the kind reported per area, by area code: one query."""
    start, end = dt.date(filters.start_year, 1, 1), dt.date(filters.end_year, 12, 31)
    rows = (
        MetricValue.objects.filter(
            metric__kind=filters.kind,
            area__isnull=False,
            period_start__gte=start,
            period_start__lte=end,
        )
        .values("area_id", "area__code", "area__name")
        .annotate(total=Sum("value"), people=Count("pk", filter=Q(metric__counts_people=True)))
        .order_by("area__code", "area_id")
    )
    found = []
    people = False
    for row in rows:
        code, name = row["area__code"], row["area__name"]
        label = f"{code} {name}".strip() if name and name != code else code
        found.append((code, label, int(row["total"] or 0)))
        people = people or bool(row["people"])
    return found, people


# -- suppression -----------------------------------------------------------------------------


def protect_line(
    values: Sequence[int],
    *,
    forced: Collection[int] = (),
    threshold: int,
    total_index: int,
    prefer: Collection[int] = (),
) -> set[int]:
    """Positions to hide in one line of counts whose entry at `total_index` is the sum of the
    others: the `forced` ones, the small ones (1 to threshold-1) and, when that leaves exactly
    one hidden, one more, so that no hidden count is the total minus the visible ones. That one
    is taken among `prefer` if any is left, else among all; in both cases the smallest non-zero
    count first, then a zero, then the total."""
    hidden = set(forced) | {i for i, value in enumerate(values) if 1 <= value < threshold}
    if len(hidden) != 1:
        return hidden
    left = [i for i in range(len(values)) if i not in hidden]
    candidates = [i for i in left if i in prefer] or left
    if candidates:
        hidden.add(min(candidates, key=lambda i: (i == total_index, values[i] == 0, values[i], i)))
    return hidden


def focus_table(data: KindSums, *, suppress: bool, threshold: int) -> tuple[list[Row], Row]:
    """The focus-area rows (with their totals) and the consortium total row of one kind."""
    items = sorted(
        data.focus.items(), key=lambda item: (item[0] == NO_FOCUS_KEY, item[1][0].casefold())
    )
    n = len(data.totals)
    line = [*data.totals, sum(data.totals)]
    if not suppress:
        rows = [
            Row(key=code, label=label, cells=tuple(cells), total=sum(cells))
            for code, (label, cells) in items
        ]
        return rows, Row(key="total", label="", cells=tuple(line[:n]), total=line[n])
    forced: set[int] = set()
    # Where a second hidden total costs nothing: a period whose column hides a cell already,
    # or the grand total when a row total is hidden. One exists whenever a lone period total
    # is small (its cells are smaller still, so hidden, and their rows hide a second entry).
    prefer: set[int] = set()
    rows = []
    if items and n:
        result = suppress_table([cells for _code, (_label, cells) in items], threshold=threshold)
        # with_totals (the default) always gives the margins; this tells mypy.
        assert result.col_totals is not None and result.row_totals is not None  # noqa: S101
        forced = {index for index, value in enumerate(result.col_totals) if value is None}
        if result.grand_total is None:
            forced.add(n)
        prefer = {c for _r, c in result.hidden}
        if any(total is None for total in result.row_totals):
            prefer.add(n)
        rows = [
            Row(key=code, label=label, cells=tuple(cells), total=total)
            for (code, (label, _cells)), cells, total in zip(
                items, result.cells, result.row_totals, strict=True
            )
        ]
    hidden = protect_line(line, forced=forced, threshold=threshold, total_index=n, prefer=prefer)
    shown = [None if index in hidden else value for index, value in enumerate(line)]
    return rows, Row(key="total", label="", cells=tuple(shown[:n]), total=shown[n])


def area_table(
    found: list[tuple[str, str, int]], *, suppress: bool, total_hidden: bool, threshold: int
) -> tuple[list[AreaRow], int | None]:
    """The rows of the table by area (code, label, exact sum) as published, and their total.
    `total_hidden` hides the total (when the consortium total is hidden, which in the
    commonest case is the same number)."""
    values = [value for _code, _label, value in found]
    line = [*values, sum(values)]
    hidden: set[int] = set()
    if suppress:
        hidden = protect_line(
            line,
            forced={len(values)} if total_hidden else (),
            threshold=threshold,
            total_index=len(values),
        )
    rows = [
        AreaRow(code=code, label=label, value=None if index in hidden else value)
        for index, (code, label, value) in enumerate(found)
    ]
    return rows, None if len(values) in hidden else line[-1]


def _chart(periods: list[Period], total: Row) -> list[ChartBar]:
    visible = [cell for cell in total.cells if cell is not None]
    largest = max(visible, default=0) or 1
    return [
        ChartBar(
            label=period.label,
            value=cell,
            y=index * CHART_ROW_HEIGHT,
            width=0 if cell is None else cell * CHART_BAR_SPACE // largest,
        )
        for index, (period, cell) in enumerate(zip(periods, total.cells, strict=True))
    ]


def build_rollup(filters: RollupFilters, *, today: dt.date | None = None) -> Rollup:
    """The roll-up as everyone sees it (suppressed wherever people are counted); three
    queries whatever the data."""
    threshold: int = settings.SUPPRESSION_THRESHOLD
    periods = periods_of(filters, today)
    data = _read(filters, periods)
    area_found, area_people = _by_area(filters)
    selected = data.get(filters.kind) or KindSums(
        focus={}, totals=[0] * len(periods), people=filters.kind in Metric.PEOPLE_KINDS
    )
    selected.people = selected.people or area_people
    by_focus_area, total = focus_table(selected, suppress=selected.people, threshold=threshold)
    # The consortium total minus the area total is, when no per-area value is overlapped by a
    # whole-initiative one, the count reported for whole initiatives: a small one must not be
    # published by difference.
    gap = abs(sum(selected.totals) - sum(found_value for _c, _l, found_value in area_found))
    by_area, by_area_total = area_table(
        area_found,
        suppress=selected.people,
        total_hidden=total.total is None or 1 <= gap < threshold,
        threshold=threshold,
    )
    by_kind = []
    for kind in Metric.Kind.values:
        if kind not in data:
            continue
        kind_data = data[kind]
        if kind == filters.kind:
            kind_data, kind_total = selected, total
        else:
            _rows, kind_total = focus_table(
                kind_data, suppress=kind_data.people, threshold=threshold
            )
        by_kind.append(
            KindRow(
                kind=kind,
                label=str(Metric.Kind(kind).label),
                counts_people=kind_data.people,
                cells=kind_total.cells,
                total=kind_total.total,
            )
        )
    return Rollup(
        filters=filters,
        kind_label=str(Metric.Kind(filters.kind).label),
        counts_people=selected.people,
        threshold=threshold,
        periods=periods,
        by_focus_area=by_focus_area,
        total=total,
        by_area=by_area,
        by_area_total=by_area_total,
        by_kind=by_kind,
        chart=_chart(periods, total),
    )


# -- export ----------------------------------------------------------------------------------


def export_header(rollup: Rollup) -> list[str]:
    return ["table", "row", *(period.key for period in rollup.periods), "total"]


def _cell(value: int | None) -> int | str:
    return HIDDEN if value is None else value


def export_rows(rollup: Rollup) -> Iterator[list[object]]:
    """The suppressed tables as rows under `export_header` (a suppressed number is written as
    "suppressed"); the area table has its sum in the total column only."""
    blanks: list[object] = [""] * len(rollup.periods)
    for row in rollup.by_focus_area:
        yield ["focus_area", row.label, *map(_cell, row.cells), _cell(row.total)]
    yield [
        "consortium_total",
        str(_("All initiatives (each counted once)")),
        *map(_cell, rollup.total.cells),
        _cell(rollup.total.total),
    ]
    for area in rollup.by_area:
        yield ["area", area.label, *blanks, _cell(area.value)]
    if rollup.by_area:
        yield [
            "area_total",
            str(_("Total reported per area")),
            *blanks,
            _cell(rollup.by_area_total),
        ]
    for kind in rollup.by_kind:
        yield ["kind", kind.label, *map(_cell, kind.cells), _cell(kind.total)]

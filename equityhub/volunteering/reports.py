"""Volunteering reports: verified hours by month, site, school/program and area, and no-show
rates by site. Read-only; every table is one grouped query, so the number of queries does not
grow with the number of entries.

The `hours_by_*` and `no_show_rates` functions return exact numbers. `build_report` puts them
together for one viewer and applies small-count suppression: a group with fewer distinct
volunteers than `settings.SUPPRESSION_THRESHOLD` has its volunteers and hours hidden for anyone
who is not office staff, and school/program rows (which describe people) are suppressed for
everyone. When suppression hides exactly one row of a table another one is hidden too
(`suppress_counts`), so that no hidden row equals a published total minus the visible rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from equityhub.accounts.rules import is_office_staff
from equityhub.lib.suppression import suppress_counts, suppress_value
from equityhub.people.selectors import current_affiliations
from equityhub.volunteering.models import HoursEntry, SignUp
from equityhub.volunteering.rules import supervised_site_ids

ZERO = Decimal("0.00")
ELSEWHERE_KEY = "elsewhere"
NOT_RECORDED_KEY = "not-recorded"
UNKNOWN_AREA_KEY = "no-area"


# -- exact numbers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursRow:
    """Verified hours of one group: `volunteers` is the number of distinct people."""

    key: str
    label: str
    volunteers: int
    hours: Decimal
    entries: int


@dataclass(frozen=True)
class MonthRow:
    month: dt.date  # the first day of the month
    volunteers: int
    hours: Decimal
    entries: int

    @property
    def label(self) -> str:
        return formats.date_format(self.month, "M Y")


@dataclass(frozen=True)
class NoShowRow:
    key: str
    label: str
    volunteers: int
    attended: int
    no_show: int
    late_cancellations: int

    @property
    def rate(self) -> Decimal | None:
        """No-shows as a share of the seats that were due to be filled (attended + no-show)."""
        due = self.attended + self.no_show
        if not due:
            return None
        return (Decimal(self.no_show) * 100 / Decimal(due)).quantize(Decimal("0.1"))


def _verified(
    start: dt.date, end: dt.date, site_ids: Collection[int] | None
) -> QuerySet[HoursEntry]:
    """Verified entries dated in [start, end]; `site_ids` None means every site and service
    elsewhere, a collection means those sites only."""
    queryset = HoursEntry.objects.filter(
        status=HoursEntry.Status.VERIFIED, date__gte=start, date__lte=end
    )
    if site_ids is not None:
        queryset = queryset.filter(site_id__in=list(site_ids))
    return queryset


def _aggregates() -> dict[str, Any]:
    return {
        "volunteers": Count("person", distinct=True),
        "total": Sum("hours"),
        "entries": Count("id"),
    }


def _hours(value: Decimal | None) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.01"))


def hours_by_month(
    start: dt.date, end: dt.date, site_ids: Collection[int] | None = None
) -> list[MonthRow]:
    """Every calendar month from `start` to `end`, months without verified hours included."""
    found = {
        row["month"]: row
        for row in _verified(start, end, site_ids)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(**_aggregates())
        .order_by("month")
    }
    rows = []
    for month in _months(start, end):
        row = found.get(month)
        rows.append(
            MonthRow(
                month=month,
                volunteers=row["volunteers"] if row else 0,
                hours=_hours(row["total"] if row else None),
                entries=row["entries"] if row else 0,
            )
        )
    return rows


def _months(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    month = start.replace(day=1)
    while month <= end:
        yield month
        month = (month + dt.timedelta(days=32)).replace(day=1)


def hours_by_site(
    start: dt.date, end: dt.date, site_ids: Collection[int] | None = None
) -> list[HoursRow]:
    """One row per site, by name; service elsewhere (not at one of our sites) last."""
    rows = (
        _verified(start, end, site_ids)
        .values("site_id", "site__name")
        .annotate(**_aggregates())
        .order_by("site__name")
    )
    result = [
        HoursRow(
            key=str(row["site_id"]) if row["site_id"] else ELSEWHERE_KEY,
            label=row["site__name"] if row["site_id"] else _("Elsewhere (not one of our sites)"),
            volunteers=row["volunteers"],
            hours=_hours(row["total"]),
            entries=row["entries"],
        )
        for row in rows
    ]
    return sorted(result, key=lambda r: (r.key == ELSEWHERE_KEY, r.label.casefold()))


def _primary_program() -> Subquery:
    """The school or program of the person's current primary affiliation ("" if none)."""
    return Subquery(
        current_affiliations()
        .filter(person_id=OuterRef("person_id"), is_primary=True)
        .order_by("-start_date", "id")
        .values("school_program")[:1],
        output_field=CharField(),
    )


def hours_by_school_program(
    start: dt.date, end: dt.date, site_ids: Collection[int] | None = None
) -> list[HoursRow]:
    """By the school or program of each person's current primary affiliation; people with
    none (or none recorded) are counted under "Not recorded", listed last."""
    rows = (
        _verified(start, end, site_ids)
        .annotate(program=Coalesce(_primary_program(), Value(""), output_field=CharField()))
        .values("program")
        .annotate(**_aggregates())
        .order_by("program")
    )
    result = [
        HoursRow(
            key=row["program"] or NOT_RECORDED_KEY,
            label=row["program"] or _("Not recorded"),
            volunteers=row["volunteers"],
            hours=_hours(row["total"]),
            entries=row["entries"],
        )
        for row in rows
    ]
    return sorted(result, key=lambda r: (r.key == NOT_RECORDED_KEY, r.label.casefold()))


def hours_by_area(
    start: dt.date, end: dt.date, site_ids: Collection[int] | None = None
) -> list[HoursRow]:
    """By the area the site is in (a ZIP code area, a neighborhood ...); service elsewhere is
    "Elsewhere" and sites without an area are "Area not recorded", both listed last."""
    rows = (
        _verified(start, end, site_ids)
        .annotate(
            bucket=Case(
                When(site__isnull=True, then=Value(ELSEWHERE_KEY)),
                When(site__area__isnull=True, then=Value(UNKNOWN_AREA_KEY)),
                default=Value("area"),
                output_field=CharField(),
            )
        )
        .values("bucket", "site__area_id", "site__area__code", "site__area__name")
        .annotate(**_aggregates())
        .order_by("site__area__code")
    )
    result = []
    for row in rows:
        if row["bucket"] == ELSEWHERE_KEY:
            key, label = ELSEWHERE_KEY, _("Elsewhere")
        elif row["bucket"] == UNKNOWN_AREA_KEY:
            key, label = UNKNOWN_AREA_KEY, _("Area not recorded")
        else:
            key = str(row["site__area_id"])
            code, name = row["site__area__code"], row["site__area__name"]
            label = f"{code} {name}".strip() if name and name != code else code
        result.append(
            HoursRow(
                key=key,
                label=label,
                volunteers=row["volunteers"],
                hours=_hours(row["total"]),
                entries=row["entries"],
            )
        )
    last = (ELSEWHERE_KEY, UNKNOWN_AREA_KEY)
    return sorted(result, key=lambda r: (r.key in last, r.key == ELSEWHERE_KEY, r.label))


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def no_show_rates(
    start: dt.date, end: dt.date, site_ids: Collection[int] | None = None
) -> list[NoShowRow]:
    """Per site, sign-ups on shifts starting in [start, end]: attended, no-shows and late
    cancellations, and how many distinct people those were."""
    since, until = _day_bounds(start, end)
    counted = Q(status__in=[SignUp.Status.ATTENDED, SignUp.Status.NO_SHOW]) | Q(
        status=SignUp.Status.CANCELLED, late_cancellation=True
    )
    queryset = SignUp.objects.filter(
        counted, shift__starts_at__gte=since, shift__starts_at__lt=until
    )
    if site_ids is not None:
        queryset = queryset.filter(shift__opportunity__site_id__in=list(site_ids))
    rows = (
        queryset.values("shift__opportunity__site_id", "shift__opportunity__site__name")
        .annotate(
            volunteers=Count("person", distinct=True),
            attended=Count("id", filter=Q(status=SignUp.Status.ATTENDED)),
            no_show=Count("id", filter=Q(status=SignUp.Status.NO_SHOW)),
            late=Count("id", filter=Q(status=SignUp.Status.CANCELLED)),
        )
        .order_by("shift__opportunity__site__name")
    )
    return [
        NoShowRow(
            key=str(row["shift__opportunity__site_id"]),
            label=row["shift__opportunity__site__name"],
            volunteers=row["volunteers"],
            attended=row["attended"],
            no_show=row["no_show"],
            late_cancellations=row["late"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Totals:
    volunteers: int
    hours: Decimal
    entries: int


def totals(start: dt.date, end: dt.date, site_ids: Collection[int] | None = None) -> Totals:
    row = _verified(start, end, site_ids).aggregate(**_aggregates())
    return Totals(
        volunteers=row["volunteers"] or 0, hours=_hours(row["total"]), entries=row["entries"] or 0
    )


# -- what one viewer sees --------------------------------------------------------------------


def report_site_ids(user: Any, site_id: int | None = None) -> set[int] | None:
    """The sites a viewer's report covers: None (everything, service elsewhere included) for
    office staff and leadership, their own sites for site supervisors; narrowed to `site_id`
    when given (a site outside their own gives an empty report)."""
    if user.has_perm("volunteering.view_reports"):
        return {site_id} if site_id else None
    own = supervised_site_ids(user)
    return own & {site_id} if site_id else own


def sees_exact_numbers(user: Any) -> bool:
    """Office staff, and site supervisors (whose reports cover only their own sites, whose
    volunteers' hours they verify one by one), see exact counts, except for school/program;
    everyone else (leadership viewers) sees small groups suppressed."""
    return bool(is_office_staff(user)) or bool(supervised_site_ids(user))


@dataclass(frozen=True)
class ShownRow:
    """A row as published: `volunteers` and `hours` are None when suppressed."""

    key: str
    label: str
    volunteers: int | None
    hours: Decimal | None

    @property
    def suppressed(self) -> bool:
        return self.volunteers is None


@dataclass(frozen=True)
class ShownNoShowRow:
    key: str
    label: str
    volunteers: int | None
    attended: int | None
    no_show: int | None
    late_cancellations: int | None
    rate: Decimal | None

    @property
    def suppressed(self) -> bool:
        return self.volunteers is None


@dataclass(frozen=True)
class ChartBar:
    label: str
    hours: Decimal | None  # None: suppressed
    volunteers: int | None
    y: int
    width: int

    @property
    def text_x(self) -> int:
        return CHART_LABEL_WIDTH + self.width


CHART_LABEL_WIDTH = 70
CHART_BAR_SPACE = 290
CHART_ROW_HEIGHT = 22


@dataclass(frozen=True)
class Report:
    start: dt.date
    end: dt.date
    threshold: int
    exact: bool
    total_volunteers: int | None
    total_hours: Decimal | None
    months: list[ChartBar]
    by_site: list[ShownRow]
    by_school_program: list[ShownRow]
    by_area: list[ShownRow]
    no_shows: list[ShownNoShowRow]

    @property
    def chart_height(self) -> int:
        return max(len(self.months), 1) * CHART_ROW_HEIGHT + 4

    @property
    def any_suppressed(self) -> bool:
        rows: list[ShownRow | ShownNoShowRow] = [
            *self.by_site,
            *self.by_school_program,
            *self.by_area,
            *self.no_shows,
        ]
        return any(row.suppressed for row in rows) or any(bar.hours is None for bar in self.months)


def _hidden_keys(counts: dict[str, int], *, suppress: bool, threshold: int) -> set[str]:
    """The keys whose rows must be hidden: small ones plus a complementary one if needed."""
    if not suppress:
        return set()
    shown = suppress_counts(counts, threshold=threshold)
    return {key for key, value in shown.items() if value is None}


def _shown(rows: Sequence[HoursRow], *, suppress: bool, threshold: int) -> list[ShownRow]:
    hidden = _hidden_keys(
        {row.key: row.volunteers for row in rows}, suppress=suppress, threshold=threshold
    )
    return [
        ShownRow(
            key=row.key,
            label=row.label,
            volunteers=None if row.key in hidden else row.volunteers,
            hours=None if row.key in hidden else row.hours,
        )
        for row in rows
    ]


def _shown_no_shows(
    rows: Sequence[NoShowRow], *, suppress: bool, threshold: int
) -> list[ShownNoShowRow]:
    hidden = _hidden_keys(
        {row.key: row.volunteers for row in rows}, suppress=suppress, threshold=threshold
    )
    shown = []
    for row in rows:
        secret = row.key in hidden
        shown.append(
            ShownNoShowRow(
                key=row.key,
                label=row.label,
                volunteers=None if secret else row.volunteers,
                attended=None if secret else row.attended,
                no_show=None if secret else row.no_show,
                late_cancellations=None if secret else row.late_cancellations,
                rate=None if secret else row.rate,
            )
        )
    return shown


def _chart(rows: Sequence[MonthRow], *, suppress: bool, threshold: int) -> list[ChartBar]:
    hidden = _hidden_keys(
        {row.month.isoformat(): row.volunteers for row in rows},
        suppress=suppress,
        threshold=threshold,
    )
    visible = [row.hours for row in rows if row.month.isoformat() not in hidden]
    largest = max(visible, default=ZERO) or Decimal(1)
    bars = []
    for index, row in enumerate(rows):
        secret = row.month.isoformat() in hidden
        width = 0 if secret else int(row.hours * CHART_BAR_SPACE / largest)
        bars.append(
            ChartBar(
                label=row.label,
                hours=None if secret else row.hours,
                volunteers=None if secret else row.volunteers,
                y=index * CHART_ROW_HEIGHT,
                width=width,
            )
        )
    return bars


def build_report(
    user: Any, *, start: dt.date, end: dt.date, site_ids: Collection[int] | None
) -> Report:
    """Everything on the reports page, as `user` may see it; six queries whatever the data."""
    threshold = settings.SUPPRESSION_THRESHOLD
    suppress = not sees_exact_numbers(user)
    overall = totals(start, end, site_ids)
    total_volunteers = (
        suppress_value(overall.volunteers, threshold=threshold) if suppress else overall.volunteers
    )
    return Report(
        start=start,
        end=end,
        threshold=threshold,
        exact=not suppress,
        total_volunteers=total_volunteers,
        total_hours=overall.hours if total_volunteers is not None else None,
        months=_chart(hours_by_month(start, end, site_ids), suppress=suppress, threshold=threshold),
        by_site=_shown(hours_by_site(start, end, site_ids), suppress=suppress, threshold=threshold),
        by_school_program=_shown(
            hours_by_school_program(start, end, site_ids), suppress=True, threshold=threshold
        ),
        by_area=_shown(hours_by_area(start, end, site_ids), suppress=suppress, threshold=threshold),
        no_shows=_shown_no_shows(
            no_show_rates(start, end, site_ids), suppress=suppress, threshold=threshold
        ),
    )


# -- export ----------------------------------------------------------------------------------

EXPORT_HEADER = (
    "date",
    "person",
    "email",
    "school_program",
    "site_or_place",
    "area",
    "activity",
    "hours",
    "status",
    "verified_by",
    "verified_at",
)


def export_rows(
    start: dt.date, end: dt.date, site_ids: Collection[int] | None = None
) -> Iterator[list[object]]:
    """Verified entries in [start, end], one row per entry in `EXPORT_HEADER` order, oldest
    first. One query, read in chunks."""
    queryset = (
        _verified(start, end, site_ids)
        .select_related("person", "site__area", "reviewed_by")
        .annotate(program=_primary_program())
        .order_by("date", "id")
    )
    tz = timezone.get_current_timezone()
    for entry in queryset.iterator(chunk_size=2000):
        area = ""
        if entry.site is not None and entry.site.area is not None:
            area = entry.site.area.code
        reviewed_at = entry.reviewed_at.astimezone(tz) if entry.reviewed_at else None
        yield [
            entry.date.isoformat(),
            entry.person.full_name,
            entry.person.email,
            getattr(entry, "program", None) or "",
            entry.place_name,
            area,
            entry.activity,
            entry.hours,
            entry.get_status_display(),
            entry.reviewed_by.email if entry.reviewed_by else "",
            reviewed_at.strftime("%Y-%m-%d %H:%M") if reviewed_at else "",
        ]

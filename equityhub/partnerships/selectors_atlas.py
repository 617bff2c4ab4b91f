"""The health-equity atlas: where the consortium works, next to where the need is.

Reads only. Everything this module hands out is aggregated per area (ZIP code tabulation areas,
`ATLAS_KIND`):

- indicator values (the latest year per area) with quantile classes for the choropleth;
- initiatives per area (current ones: planning, active or paused; organizational, so shown as
  they are, titles and leads included);
- clinic and community sites as points (active sites with coordinates) and counted per area;
- verified volunteer hours per area of the site: the sum of hours and the number of distinct
  volunteers, both hidden where fewer than `settings.SUPPRESSION_THRESHOLD` volunteers served;
- outreach participants per home area: people whose current affiliation is at a pathway
  training level (K-12, college, post-baccalaureate), counted by `Person.home_zip` matched to the
  ZIP area's code, counts 1-10 hidden. This switches to program participants when the
  pathway-programs issue lands.

Counts of people go through `equityhub.lib.suppression.suppress_counts` over every area at once,
so that where a total is published a hidden area can never be worked out from it. Volunteer hours
and home areas are read here through the volunteering and people models' own querysets (this
module owns no such rows).

The "need vs reach" table ranks areas by the chosen indicator (need rank 1 = most need) and by
activity (reach rank 1 = most activity) and flags areas in the top third of need and the bottom
third of reach. Ranking and classing are plain functions (`competition_ranks`,
`quantile_classes`) with no database.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, TypeVar, get_args

from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _

from equityhub.lib.suppression import suppress_counts, suppress_value
from equityhub.partnerships.access import can_view_aggregates, is_consortium_staff
from equityhub.partnerships.models import FocusArea, Initiative
from equityhub.people.models import Person, TrainingLevel
from equityhub.people.selectors import current_affiliations, valid_id
from equityhub.places.models import Area, IndicatorValue, Site
from equityhub.places.selectors import indicator_list
from equityhub.volunteering.models import HoursEntry

__all__ = [
    "ATLAS_KIND",
    "CLASS_COUNT",
    "DEFAULT_INDICATOR",
    "LAYERS",
    "PALETTE",
    "PATHWAY_LEVELS",
    "SORTS",
    "AreaHours",
    "AreaPanel",
    "AreaParticipants",
    "AreaRef",
    "AtlasLayers",
    "IndicatorSummary",
    "LegendClass",
    "NeedReach",
    "NeedReachRow",
    "area_panel",
    "atlas_areas",
    "atlas_attribution",
    "atlas_layers",
    "class_of",
    "competition_ranks",
    "default_indicator_code",
    "get_area_for_atlas",
    "indicator_summaries",
    "indicator_table",
    "initiative_url",
    "latest_values",
    "layers_payload",
    "legends",
    "need_vs_reach",
    "need_vs_reach_csv_rows",
    "quantile_classes",
    "suppression_threshold",
]

ATLAS_KIND: Final = Area.Kind.ZCTA
CLASS_COUNT: Final = 5
DEFAULT_INDICATOR: Final = "pvty_pct"
# ColorBrewer YlGnBu, 5 classes: sequential and safe for the common colour-vision deficiencies.
# Shade 1 is the lightest (least need), shade 5 the darkest (most need).
PALETTE: Final = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
NO_DATA_COLOUR: Final = "#bdbdbd"
# The pathway audiences of the outreach programs, until program participation is recorded
# (the pathway-programs issue): then participants are counted from their programs instead.
PATHWAY_LEVELS: Final = (TrainingLevel.K12, TrainingLevel.UNDERGRADUATE, TrainingLevel.POSTBACC)
CURRENT_STATUSES: Final = (
    Initiative.Status.PLANNING,
    Initiative.Status.ACTIVE,
    Initiative.Status.PAUSED,
)
LayerName = Literal["initiatives", "sites", "hours", "participants"]
LAYERS: Final[tuple[LayerName, ...]] = get_args(LayerName)
Sort = Literal[
    "need", "-need", "reach", "-reach", "gap", "-gap", "area", "-area", "value", "-value"
]
SORTS: Final[tuple[Sort, ...]] = get_args(Sort)
ELSEWHERE: Final = "elsewhere"
FOCUS_CODE_LENGTH: Final = FocusArea._meta.get_field("code").max_length or 40

K = TypeVar("K", bound=Hashable)


def suppression_threshold() -> int:
    return int(getattr(settings, "SUPPRESSION_THRESHOLD", 11))


# -- pure helpers: ranks and classes ----------------------------------------------------------


def competition_ranks(
    scores: Mapping[K, Fraction | float | int], *, best: Literal["high", "low"], ties: str = "min"
) -> dict[K, int]:
    """Rank keys by score, 1 = best. `best="high"` ranks the highest score first.

    Ties share a rank: with `ties="min"` the better one ("1224", standard competition ranking),
    with `ties="max"` the worse one ("1334", modified competition ranking).
    """
    values = list(scores.values())
    ranks: dict[K, int] = {}
    for key, score in scores.items():
        if best == "high":
            better = sum(1 for other in values if other > score)
            not_worse = sum(1 for other in values if other >= score)
        else:
            better = sum(1 for other in values if other < score)
            not_worse = sum(1 for other in values if other <= score)
        ranks[key] = better + 1 if ties == "min" else not_worse
    return ranks


def _average_ranks(values: Mapping[K, tuple[int, float]]) -> dict[K, Fraction]:
    """Fractional ranks, highest value first; ties get the mean of the places they span."""
    result: dict[K, Fraction] = {}
    all_values = list(values.values())
    for key, value in values.items():
        better = sum(1 for other in all_values if other > value)
        tied = sum(1 for other in all_values if other == value)
        result[key] = Fraction(2 * better + tied + 1, 2)
    return result


@dataclass(frozen=True)
class LegendClass:
    """One class of the choropleth. `number` counts up with the values (1 = lowest values);
    `shade` is the colour step (1 lightest .. 5 darkest = most need), so it runs backwards for
    an indicator where a higher value means less need."""

    number: int
    shade: int
    lower: float
    upper: float
    count: int
    colour: str
    label: str


def _number(value: float) -> str:
    """A figure as people read it: at most two decimals, no trailing zeros, localized."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    decimals = len(text.partition(".")[2])
    return str(formats.number_format(round(value, decimals), decimal_pos=decimals))


def quantile_classes(
    values: Iterable[float],
    *,
    higher_means_more_need: bool = True,
    unit: str = "",
    classes: int = CLASS_COUNT,
) -> list[LegendClass]:
    """Split `values` into up to `classes` quantile classes (equal counts, as far as ties allow).

    The upper bound of class k is the value at position ceil(k * n / classes) of the sorted
    values; equal bounds merge, so fewer distinct values give fewer classes. A value belongs to
    the first class whose upper bound it does not exceed (see `class_of`); `atlas.js` does the
    same with these bounds.
    """
    ordered = sorted(value for value in values if math.isfinite(value))
    if not ordered:
        return []
    n = len(ordered)
    uppers: list[float] = []
    for k in range(1, classes + 1):
        upper = ordered[math.ceil(k * n / classes) - 1]
        if not uppers or upper > uppers[-1]:
            uppers.append(upper)
    count = len(uppers)
    result: list[LegendClass] = []
    lower_index = 0
    for number, upper in enumerate(uppers, start=1):
        members = [v for v in ordered[lower_index:] if v <= upper]
        lower = members[0]
        lower_index += len(members)
        # Spread the shades over the palette: 5 classes use all five, 2 use the two ends.
        step = 1 if count == 1 else round((number - 1) * (classes - 1) / (count - 1)) + 1
        shade = step if higher_means_more_need else classes + 1 - step
        label = (
            _number(lower) if lower == upper else f"{_number(lower)} \N{EN DASH} {_number(upper)}"
        )
        result.append(
            LegendClass(
                number=number,
                shade=shade,
                lower=lower,
                upper=upper,
                count=len(members),
                colour=PALETTE[shade - 1],
                label=f"{label} {unit}".strip() if unit else label,
            )
        )
    return result


def class_of(value: float | None, classes: Sequence[LegendClass]) -> LegendClass | None:
    """The class `value` falls in; None for no value. Values above the last bound (a newer
    figure than the legend was built from) go in the last class."""
    if value is None or not classes or not math.isfinite(value):
        return None
    for legend_class in classes:
        if value <= legend_class.upper:
            return legend_class
    return classes[-1]


# -- areas and indicators ---------------------------------------------------------------------


@dataclass(frozen=True)
class AreaRef:
    id: int
    code: str
    name: str
    lat: float | None
    lon: float | None

    @property
    def label(self) -> str:
        return (
            f"{self.code} {self.name}".strip()
            if self.name and self.name != self.code
            else (self.code)
        )


def atlas_areas() -> list[AreaRef]:
    """The areas the atlas maps, by code: one query."""
    rows = (
        Area.objects.filter(kind=ATLAS_KIND)
        .order_by("code")
        .values_list("id", "code", "name", "centroid_lat", "centroid_lon")
    )
    return [AreaRef(id=i, code=c, name=n, lat=lat, lon=lon) for i, c, n, lat, lon in rows]


@dataclass(frozen=True)
class Reading:
    value: float
    year: int
    source: str

    @property
    def text(self) -> str:
        return _number(self.value)


@dataclass(frozen=True)
class IndicatorSummary:
    code: str
    name: str
    unit: str
    description: str
    higher_means_more_need: bool
    years: list[int]
    source: str

    @property
    def title(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name


def _latest_values_queryset() -> QuerySet[IndicatorValue]:
    latest_year = (
        IndicatorValue.objects.filter(indicator=OuterRef("indicator"), area=OuterRef("area"))
        .order_by("-year")
        .values("year")[:1]
    )
    return IndicatorValue.objects.filter(area__kind=ATLAS_KIND, year=Subquery(latest_year))


def latest_values() -> dict[str, dict[int, Reading]]:
    """indicator code -> area id -> its latest reading, for every atlas area: one query."""
    result: dict[str, dict[int, Reading]] = {}
    rows = _latest_values_queryset().values_list(
        "indicator__code", "area_id", "value", "year", "source"
    )
    for code, area_id, value, year, source in rows:
        result.setdefault(code, {})[area_id] = Reading(value=value, year=year, source=source)
    return result


def indicator_summaries(values: Mapping[str, Mapping[int, Reading]]) -> list[IndicatorSummary]:
    """The indicators with at least one value in an atlas area (`values`, from
    `latest_values`), by name, as `GET /api/v1/areas` lists them (names translated, the years
    and sources of their values): two queries."""
    return [
        IndicatorSummary(
            code=item["code"],
            name=item["name"],
            unit=item["unit"],
            description=item["description"],
            higher_means_more_need=item["higher_means_more_need"],
            years=item["years"],
            source=item["source"],
        )
        for item in indicator_list()
        if item["code"] in values
    ]


def default_indicator_code(indicators: Sequence[IndicatorSummary]) -> str | None:
    """The poverty rate when it is there, else the first indicator (None without any)."""
    codes = [indicator.code for indicator in indicators]
    if DEFAULT_INDICATOR in codes:
        return DEFAULT_INDICATOR
    return codes[0] if codes else None


def legends(
    indicators: Sequence[IndicatorSummary], values: Mapping[str, Mapping[int, Reading]]
) -> dict[str, list[LegendClass]]:
    """The quantile classes of every indicator, over the atlas areas' latest values."""
    return {
        indicator.code: quantile_classes(
            [reading.value for reading in values.get(indicator.code, {}).values()],
            higher_means_more_need=indicator.higher_means_more_need,
            unit=indicator.unit,
        )
        for indicator in indicators
    }


def atlas_attribution() -> str:
    """Where the boundaries and the figures come from, for the line under the map: one query
    each for the boundaries' and the values' sources."""
    boundary_sources = set(
        Area.objects.filter(kind=ATLAS_KIND)
        .exclude(source="")
        .values_list("source", flat=True)
        .distinct()
    )
    value_sources = set(
        IndicatorValue.objects.filter(area__kind=ATLAS_KIND)
        .exclude(source="")
        .values_list("source", flat=True)
        .distinct()
    )
    return "; ".join(sorted(boundary_sources | value_sources))


@dataclass(frozen=True)
class IndicatorRow:
    area: AreaRef
    reading: Reading | None
    legend_class: LegendClass | None


def indicator_table(
    areas: Sequence[AreaRef],
    readings: Mapping[int, Reading],
    classes: Sequence[LegendClass],
) -> list[IndicatorRow]:
    """The choropleth as a table: every area with its value, year and class."""
    rows = []
    for area in areas:
        reading = readings.get(area.id)
        rows.append(
            IndicatorRow(
                area=area,
                reading=reading,
                legend_class=class_of(reading.value if reading else None, classes),
            )
        )
    return rows


# -- layers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitePoint:
    id: int
    name: str
    kind: str
    kind_label: str
    address: str
    lat: float
    lon: float
    area_id: int | None


@dataclass(frozen=True)
class AreaHours:
    """Verified hours at the sites in one area. `volunteers` and `hours` are None when hidden
    (fewer volunteers than the threshold, or hidden to protect another area)."""

    area: AreaRef
    volunteers: int | None
    hours: Decimal | None

    @property
    def hidden(self) -> bool:
        return self.volunteers is None


@dataclass(frozen=True)
class AreaParticipants:
    area: AreaRef
    count: int | None

    @property
    def hidden(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class AtlasLayers:
    """Every layer of the map for the atlas areas, as anyone who may open the atlas sees it."""

    areas: list[AreaRef]
    focus: FocusArea | None
    threshold: int
    initiatives: dict[int, int]  # area id -> current initiatives serving it
    initiatives_total: int  # distinct initiatives serving any atlas area
    sites: list[SitePoint]  # active sites with coordinates
    site_counts: dict[int, int]  # area id -> active sites in it
    hours: dict[int, AreaHours]
    hours_total: Decimal | None
    volunteers_total: int | None
    participants: dict[int, AreaParticipants]
    participants_elsewhere: int | None  # home ZIP outside the atlas areas or not recorded
    participants_total: int | None
    by_id: dict[int, AreaRef] = field(default_factory=dict)

    @property
    def initiative_rows(self) -> list[tuple[AreaRef, int]]:
        """Areas with at least one current initiative, by code."""
        return [
            (area, self.initiatives[area.id])
            for area in self.areas
            if self.initiatives.get(area.id)
        ]

    @property
    def site_rows(self) -> list[tuple[SitePoint, AreaRef | None]]:
        return [(site, self.by_id.get(site.area_id or 0)) for site in self.sites]

    @property
    def hours_rows(self) -> list[AreaHours]:
        """Areas with verified hours (hidden ones included), by code."""
        return [row for row in self.hours.values() if row.hidden or row.volunteers]

    @property
    def participant_rows(self) -> list[AreaParticipants]:
        """Areas where participants live (hidden counts included), by code."""
        return [row for row in self.participants.values() if row.hidden or row.count]

    @property
    def any_hidden(self) -> bool:
        return any(row.hidden for row in self.hours.values()) or any(
            row.hidden for row in self.participants.values()
        )


def _current_initiatives(focus: FocusArea | None) -> QuerySet[Initiative]:
    queryset = Initiative.objects.filter(status__in=CURRENT_STATUSES)
    if focus is not None:
        queryset = queryset.filter(focus_areas=focus)
    return queryset


def _initiative_counts(focus: FocusArea | None) -> tuple[dict[int, int], int]:
    served = Initiative.areas.through.objects.filter(
        area__kind=ATLAS_KIND, initiative__in=_current_initiatives(focus)
    )
    counts = {
        row["area_id"]: row["n"]
        for row in served.values("area_id").annotate(n=Count("initiative_id", distinct=True))
    }
    total = served.aggregate(n=Count("initiative_id", distinct=True))["n"] or 0
    return counts, total


def _site_points() -> list[SitePoint]:
    queryset = Site.objects.filter(
        is_active=True, latitude__isnull=False, longitude__isnull=False
    ).order_by("name")
    points = []
    for site in queryset:
        if site.latitude is None or site.longitude is None:  # filtered out above
            continue
        street = ", ".join(part for part in (site.address, site.city) if part)
        address = f"{street}, {site.state} {site.zip_code}".strip(", ")
        points.append(
            SitePoint(
                id=site.pk,
                name=site.name,
                kind=site.kind,
                kind_label=str(site.get_kind_display()),
                address=address,
                lat=site.latitude,
                lon=site.longitude,
                area_id=site.area_id,
            )
        )
    return points


def _site_counts() -> dict[int, int]:
    rows = (
        Site.objects.filter(is_active=True, area__kind=ATLAS_KIND)
        .values("area_id")
        .annotate(n=Count("id"))
    )
    return {row["area_id"]: row["n"] for row in rows}


def _suppressed(counts: Mapping[K, int], threshold: int) -> dict[K, int | None]:
    """`suppress_counts`, but a zero stays shown: suppress_counts hides a zero only when every
    non-zero count is small, and then the total (published through `suppress_value`) is
    small and hidden too, so nothing is left to subtract from."""
    shown = suppress_counts(counts, threshold=threshold)
    return {key: 0 if counts[key] == 0 else value for key, value in shown.items()}


def _hours(
    areas: Sequence[AreaRef], threshold: int
) -> tuple[dict[int, AreaHours], Decimal | None, int | None]:
    verified = HoursEntry.objects.filter(
        status=HoursEntry.Status.VERIFIED, site__area__kind=ATLAS_KIND
    )
    found = {
        row["site__area_id"]: (row["volunteers"], row["total"])
        for row in verified.values("site__area_id").annotate(
            volunteers=Count("person", distinct=True), total=Sum("hours")
        )
    }
    overall = verified.aggregate(volunteers=Count("person", distinct=True), total=Sum("hours"))
    shown = _suppressed({area.id: found.get(area.id, (0, None))[0] for area in areas}, threshold)
    rows = {}
    for area in areas:
        volunteers = shown[area.id]
        total = found.get(area.id, (0, None))[1]
        rows[area.id] = AreaHours(
            area=area,
            volunteers=volunteers,
            hours=None if volunteers is None else (total or Decimal("0")).quantize(Decimal("0.01")),
        )
    volunteers_total = suppress_value(overall["volunteers"] or 0, threshold=threshold)
    hours_total = (
        None
        if volunteers_total is None
        else (overall["total"] or Decimal("0")).quantize(Decimal("0.01"))
    )
    return rows, hours_total, volunteers_total


def _participants(
    areas: Sequence[AreaRef], threshold: int
) -> tuple[dict[int, AreaParticipants], int | None, int | None]:
    pathway = current_affiliations().filter(training_level__in=PATHWAY_LEVELS)
    rows = (
        Person.objects.filter(pk__in=pathway.values("person_id"))
        .values("home_zip")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_code = {area.code: area.id for area in areas}
    counts: dict[int | str, int] = {area.id: 0 for area in areas}
    counts[ELSEWHERE] = 0
    for row in rows:
        key: int | str = by_code.get(row["home_zip"], ELSEWHERE)
        counts[key] += row["n"]
    shown = _suppressed(counts, threshold)
    result = {area.id: AreaParticipants(area=area, count=shown[area.id]) for area in areas}
    total = suppress_value(sum(counts.values()), threshold=threshold)
    return result, shown[ELSEWHERE], total


def atlas_layers(*, focus: FocusArea | None = None) -> AtlasLayers:
    """Every layer for the atlas areas (initiatives filtered by `focus`): eight queries,
    however many areas, initiatives, sites and people there are."""
    threshold = suppression_threshold()
    areas = atlas_areas()
    initiatives, initiatives_total = _initiative_counts(focus)
    hours, hours_total, volunteers_total = _hours(areas, threshold)
    participants, elsewhere, participants_total = _participants(areas, threshold)
    return AtlasLayers(
        areas=areas,
        focus=focus,
        threshold=threshold,
        initiatives=initiatives,
        initiatives_total=initiatives_total,
        sites=_site_points(),
        site_counts=_site_counts(),
        hours=hours,
        hours_total=hours_total,
        volunteers_total=volunteers_total,
        participants=participants,
        participants_elsewhere=elsewhere,
        participants_total=participants_total,
        by_id={area.id: area for area in areas},
    )


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def layers_payload(layers: AtlasLayers) -> dict[str, object]:
    """The layers as JSON-ready data: what /atlas/layers.json and GET /api/v1/atlas/layers
    answer (the API validates it against its schema)."""
    return {
        "area_kind": str(ATLAS_KIND),
        "threshold": layers.threshold,
        "focus": layers.focus.code if layers.focus else None,
        "initiatives": {
            "total": layers.initiatives_total,
            "areas": [
                {**_area_json(area), "count": layers.initiatives.get(area.id, 0)}
                for area in layers.areas
            ],
        },
        "sites": {
            "total": len(layers.sites),
            "items": [
                {
                    "id": site.id,
                    "name": site.name,
                    "kind": site.kind,
                    "kind_label": site.kind_label,
                    "address": site.address,
                    "lat": site.lat,
                    "lon": site.lon,
                    "area_id": site.area_id,
                }
                for site in layers.sites
            ],
            "areas": [
                {**_area_json(area), "count": layers.site_counts.get(area.id, 0)}
                for area in layers.areas
            ],
        },
        "hours": {
            "total_hours": _float(layers.hours_total),
            "total_volunteers": layers.volunteers_total,
            "areas": [
                {
                    **_area_json(row.area),
                    "hours": _float(row.hours),
                    "volunteers": row.volunteers,
                    "suppressed": row.hidden,
                }
                for row in layers.hours.values()
            ],
        },
        "participants": {
            "total": layers.participants_total,
            "elsewhere": layers.participants_elsewhere,
            "areas": [
                {**_area_json(row.area), "count": row.count, "suppressed": row.hidden}
                for row in layers.participants.values()
            ],
        },
    }


def _area_json(area: AreaRef) -> dict[str, object]:
    return {
        "area_id": area.id,
        "code": area.code,
        "name": area.name,
        "lat": area.lat,
        "lon": area.lon,
    }


# -- need vs reach ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedReachRow:
    area: AreaRef
    reading: Reading | None
    need_rank: int | None
    initiatives: int
    sites: int
    hours: Decimal | None
    hours_hidden: bool
    participants: int | None
    participants_hidden: bool
    reach_rank: int | None
    high_need_low_reach: bool

    @property
    def value(self) -> float | None:
        return self.reading.value if self.reading else None

    @property
    def gap(self) -> int | None:
        """Reach rank minus need rank: large and positive where activity lags behind need."""
        if self.need_rank is None or self.reach_rank is None:
            return None
        return self.reach_rank - self.need_rank


@dataclass(frozen=True)
class NeedReach:
    indicator: IndicatorSummary | None
    rows: list[NeedReachRow]
    ranked: int  # areas with a value, over which both ranks are taken
    sort: Sort
    threshold: int

    @property
    def flagged(self) -> int:
        return sum(1 for row in self.rows if row.high_need_low_reach)


def _published_key(value: Decimal | int | None, hidden: bool) -> tuple[int, float]:
    # Ranks use only published numbers: a hidden count sits between nothing and every
    # published count, tied with the other hidden ones, so a rank reveals nothing more.
    if hidden:
        return (1, 0.0)
    if not value:
        return (0, 0.0)
    return (2, float(value))


def need_vs_reach(
    layers: AtlasLayers,
    *,
    indicator: IndicatorSummary | None,
    readings: Mapping[int, Reading],
    sort: Sort = "need",
) -> NeedReach:
    """Every atlas area with its need and reach ranks.

    Need rank: by the indicator's latest value, 1 = most need (the highest value, or the
    lowest when a higher value means less need); equal values share the better rank.

    Reach rank: each area is ranked on the four activity measures (current initiatives,
    active sites, verified volunteer hours, outreach participants; equal values share the mean
    of their places), and the reach rank orders areas by the mean of those four ranks, 1 =
    most activity; equal means share the worse rank, so that areas with no activity at all
    rank last together. Both ranks are taken over the areas that have a value; areas without
    one are listed last, unranked.

    High need, low reach: need rank in the top third and reach rank in the bottom third.
    """
    ranked_areas = [area for area in layers.areas if area.id in readings]
    n = len(ranked_areas)
    need_ranks: dict[int, int] = {}
    reach_ranks: dict[int, int] = {}
    if indicator is not None and n:
        need_ranks = competition_ranks(
            {area.id: readings[area.id].value for area in ranked_areas},
            best="high" if indicator.higher_means_more_need else "low",
            ties="min",
        )
        measures: list[Callable[[int], tuple[int, float]]] = [
            lambda area_id: _published_key(layers.initiatives.get(area_id, 0), False),
            lambda area_id: _published_key(layers.site_counts.get(area_id, 0), False),
            lambda area_id: _published_key(
                layers.hours[area_id].hours, layers.hours[area_id].hidden
            ),
            lambda area_id: _published_key(
                layers.participants[area_id].count, layers.participants[area_id].hidden
            ),
        ]
        totals: dict[int, Fraction] = {area.id: Fraction(0) for area in ranked_areas}
        for measure in measures:
            for area_id, rank in _average_ranks(
                {area.id: measure(area.id) for area in ranked_areas}
            ).items():
                totals[area_id] += rank
        reach_ranks = competition_ranks(totals, best="low", ties="max")
    rows = []
    for area in layers.areas:
        need_rank = need_ranks.get(area.id)
        reach_rank = reach_ranks.get(area.id)
        hours, participants = layers.hours[area.id], layers.participants[area.id]
        rows.append(
            NeedReachRow(
                area=area,
                reading=readings.get(area.id) if indicator is not None else None,
                need_rank=need_rank,
                initiatives=layers.initiatives.get(area.id, 0),
                sites=layers.site_counts.get(area.id, 0),
                hours=hours.hours,
                hours_hidden=hours.hidden,
                participants=participants.count,
                participants_hidden=participants.hidden,
                reach_rank=reach_rank,
                high_need_low_reach=(
                    need_rank is not None
                    and reach_rank is not None
                    and 3 * need_rank <= n
                    and 3 * reach_rank > 2 * n
                ),
            )
        )
    return NeedReach(
        indicator=indicator,
        rows=_sorted(rows, sort),
        ranked=n if indicator is not None else 0,
        sort=sort,
        threshold=layers.threshold,
    )


def _sort_key(row: NeedReachRow, name: str) -> float | None:
    if name == "need":
        return row.need_rank
    if name == "reach":
        return row.reach_rank
    if name == "gap":
        return None if row.gap is None else -row.gap
    return row.value


def _sorted(rows: list[NeedReachRow], sort: Sort) -> list[NeedReachRow]:
    """Sorted by `sort` (a leading "-" reverses it); rows without the key last, ties by code.
    `need` and `reach` put rank 1 first, `gap` the largest gap first, `value` the lowest."""
    name = sort.lstrip("-")
    descending = sort.startswith("-")
    by_code = sorted(rows, key=lambda row: row.area.code)
    if name == "area":
        return by_code[::-1] if descending else by_code
    keyed = [(_sort_key(row, name), row) for row in by_code]
    present = [(key, row) for key, row in keyed if key is not None]
    # A stable sort, also in reverse: equal keys stay in code order.
    present.sort(key=lambda pair: pair[0], reverse=descending)
    return [row for _key, row in present] + [row for key, row in keyed if key is None]


CSV_HEADER: Final = (
    "area_code",
    "area_name",
    "indicator",
    "value",
    "unit",
    "year",
    "need_rank",
    "initiatives",
    "sites",
    "volunteer_hours",
    "participants",
    "reach_rank",
    "gap",
    "high_need_low_reach",
)


def need_vs_reach_csv_rows(table: NeedReach) -> list[list[object]]:
    """The table as CSV rows in `CSV_HEADER` order; hidden counts read "<threshold"."""
    hidden = f"<{table.threshold}"
    indicator = table.indicator
    return [
        [
            row.area.code,
            row.area.name,
            indicator.code if indicator else "",
            row.value if row.value is not None else "",
            indicator.unit if indicator else "",
            row.reading.year if row.reading else "",
            row.need_rank if row.need_rank is not None else "",
            row.initiatives,
            row.sites,
            hidden if row.hours_hidden else row.hours,
            hidden if row.participants_hidden else row.participants,
            row.reach_rank if row.reach_rank is not None else "",
            row.gap if row.gap is not None else "",
            "yes" if row.high_need_low_reach else "no",
        ]
        for row in table.rows
    ]


# -- one area ---------------------------------------------------------------------------------


def get_area_for_atlas(user: object, area_id: object) -> Area:
    """An atlas area for someone who may open the atlas; 404 otherwise (ids outside 1..2^63-1
    included). Pages check `can_view_aggregates` first and answer 403 to everyone else."""
    pk = valid_id(area_id)
    if not can_view_aggregates(user):
        raise Http404
    try:
        return Area.objects.get(pk=pk, kind=ATLAS_KIND)
    except Area.DoesNotExist:
        raise Http404 from None


def initiative_url(initiative_id: int) -> str | None:
    """The initiative's page in the consortium section, when that page exists."""
    try:
        return reverse("partnerships:initiative_detail", kwargs={"initiative_id": initiative_id})
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class PanelReading:
    name: str
    unit: str
    value: float
    year: int
    source: str

    @property
    def text(self) -> str:
        return _number(self.value)


@dataclass(frozen=True)
class PanelInitiative:
    id: int
    title: str
    lead: str
    focus_areas: list[str]
    status: str
    status_label: str
    url: str | None


@dataclass(frozen=True)
class AreaPanel:
    area: AreaRef
    readings: list[PanelReading]
    initiatives: list[PanelInitiative]
    sites: list[Site]
    hours: AreaHours
    participants: AreaParticipants
    threshold: int


def area_panel(user: object, area: Area, *, layers: AtlasLayers | None = None) -> AreaPanel:
    """Everything the side panel says about one area: the latest value of each indicator with
    its source, the current initiatives serving it (linked to their pages for office staff),
    its active sites, and its volunteer hours and participants exactly as the map shows them
    (suppressed over all areas at once). A constant number of queries."""
    layers = layers or atlas_layers()
    readings = [
        PanelReading(
            # Stored in English; well-known names are in the catalogue (as in /api/v1/areas).
            name=_(row.indicator.name) if row.indicator.name else row.indicator.code,
            unit=row.indicator.unit,
            value=row.value,
            year=row.year,
            source=row.source,
        )
        for row in _latest_values_queryset()
        .filter(area=area)
        .select_related("indicator")
        .order_by("indicator__name", "indicator__code")
    ]
    staff = is_consortium_staff(user)
    initiatives = [
        PanelInitiative(
            id=initiative.pk,
            title=initiative.title,
            lead=str(initiative.lead_organization),
            focus_areas=[focus.label for focus in initiative.focus_areas.all()],
            status=initiative.status,
            status_label=str(initiative.get_status_display()),
            url=initiative_url(initiative.pk) if staff else None,
        )
        for initiative in _current_initiatives(None)
        .filter(areas=area)
        .select_related("lead_organization")
        .prefetch_related("focus_areas")
        .order_by("title", "id")
    ]
    sites = list(Site.objects.filter(area=area, is_active=True).order_by("name"))
    ref = layers.by_id.get(area.pk) or AreaRef(
        id=area.pk, code=area.code, name=area.name, lat=area.centroid_lat, lon=area.centroid_lon
    )
    return AreaPanel(
        area=ref,
        readings=readings,
        initiatives=initiatives,
        sites=sites,
        hours=layers.hours.get(area.pk, AreaHours(area=ref, volunteers=0, hours=Decimal("0"))),
        participants=layers.participants.get(area.pk, AreaParticipants(area=ref, count=0)),
        threshold=layers.threshold,
    )


def sort_or_default(value: object) -> Sort:
    return value if value in SORTS else "need"  # type: ignore[return-value]


def focus_area_or_none(code: object) -> FocusArea | None:
    """The focus area of that code; None for anything else, without a query for what cannot
    be a code (too long, or with control characters, which PostgreSQL refuses in text)."""
    if not code or not isinstance(code, str) or len(code) > FOCUS_CODE_LENGTH:
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in code):
        return None
    return FocusArea.objects.filter(code=code).first()

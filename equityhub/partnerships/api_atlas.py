"""`/api/v1/atlas`: the health-equity atlas's layers and its need-vs-reach table.

Office staff and leadership viewers only (403 for anyone else), like the atlas pages. Every
number is aggregated per ZIP code area; counts of people are suppressed (`null`, with
`suppressed: true`) where fewer than the threshold, and where needed to protect another area.
Boundaries and indicator values come from `GET /api/v1/areas`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from equityhub.api.types import PlainText
from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.core.http import ApiRequest
from equityhub.partnerships import selectors_atlas as atlas
from equityhub.partnerships.access import can_view_aggregates
from equityhub.partnerships.models import FocusArea
from equityhub.people.api import ErrorOut

router = Router(tags=["atlas"])

ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


# Schemas ------------------------------------------------------------------------------------


class AreaCount(Schema):
    area_id: int
    code: str = Field(description="The ZIP code.")
    name: str
    lat: float | None = Field(description="The area's centroid.")
    lon: float | None
    count: int


class InitiativesLayer(Schema):
    total: int = Field(description="Distinct current initiatives serving any of the areas.")
    areas: list[AreaCount] = Field(
        description="Current (planning, active or paused) initiatives serving each area."
    )


class SiteOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    address: str
    lat: float
    lon: float
    area_id: int | None


class SitesLayer(Schema):
    total: int
    items: list[SiteOut] = Field(description="Active sites with coordinates.")
    areas: list[AreaCount] = Field(description="Active sites in each area.")


class AreaHoursOut(Schema):
    area_id: int
    code: str
    name: str
    lat: float | None
    lon: float | None
    hours: float | None = Field(description="Verified hours at the area's sites; null: hidden.")
    volunteers: int | None = Field(description="Distinct volunteers; null: hidden.")
    suppressed: bool


class HoursLayer(Schema):
    total_hours: float | None
    total_volunteers: int | None
    areas: list[AreaHoursOut]


class AreaParticipantsOut(Schema):
    area_id: int
    code: str
    name: str
    lat: float | None
    lon: float | None
    count: int | None = Field(description="null: hidden (small count).")
    suppressed: bool


class ParticipantsLayer(Schema):
    total: int | None
    elsewhere: int | None = Field(
        description="Home ZIP code outside the mapped areas, or not recorded."
    )
    areas: list[AreaParticipantsOut]


class LayersOut(Schema):
    area_kind: str
    threshold: int = Field(description="Counts of people below this are not published.")
    focus: str | None = Field(description="The focus area the initiatives are narrowed to.")
    initiatives: InitiativesLayer
    sites: SitesLayer
    hours: HoursLayer
    participants: ParticipantsLayer


class LayersQuery(Schema):
    focus: PlainText | None = Field(
        None, max_length=40, description="A focus area code: count only its initiatives."
    )


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    higher_means_more_need: bool
    years: list[int]
    source: str


class NeedReachRowOut(Schema):
    area_id: int
    code: str
    name: str
    value: float | None = Field(description="The indicator's latest value; null: no data.")
    year: int | None
    need_rank: int | None = Field(description="1 = most need; null without a value.")
    initiatives: int
    sites: int
    hours: float | None = Field(description="null: hidden (fewer than the threshold).")
    participants: int | None = Field(description="null: hidden (small count).")
    reach_rank: int | None = Field(description="1 = most activity; null without a value.")
    gap: int | None = Field(description="Reach rank minus need rank.")
    high_need_low_reach: bool


class NeedReachOut(Schema):
    indicator: IndicatorOut | None
    sort: str
    ranked: int = Field(description="Areas with a value, over which both ranks are taken.")
    threshold: int
    rows: list[NeedReachRowOut]


class NeedReachQuery(Schema):
    indicator: PlainText | None = Field(
        None, max_length=60, description="An indicator code; the poverty rate by default."
    )
    focus: PlainText | None = Field(None, max_length=40, description="A focus area code.")
    sort: atlas.Sort = Field(
        "need",
        description=(
            "need (rank 1 first), reach, gap (largest first), area, value; a leading - "
            "reverses it. Rows without the key always come last."
        ),
    )


# Endpoints ----------------------------------------------------------------------------------


def _require_atlas(request: ApiRequest) -> None:
    if not can_view_aggregates(request.auth):
        raise NotAllowed(_("Only office staff and leadership may read the atlas."))


def _focus(code: str | None) -> FocusArea | None:
    if not code:
        return None
    focus = atlas.focus_area_or_none(code)
    if focus is None:
        raise ServiceError(_("There is no focus area with this code."), field="focus")
    return focus


@router.get(
    "/layers",
    response={200: LayersOut, **ERRORS},
    summary="The atlas's layers",
    description=(
        "Per ZIP code area: current initiatives, active sites (and their points), verified "
        "volunteer hours with distinct volunteers, and outreach participants by home area "
        "(people whose current affiliation is K-12, college or post-baccalaureate). Hours and "
        "participants are null with `suppressed: true` where fewer than `threshold` people "
        "are counted, and where needed to protect another area. The same data as "
        "/atlas/layers.json. Office staff and leadership only (403 otherwise); an unknown "
        "`focus` is 422."
    ),
)
def layers(request: ApiRequest, query: Query[LayersQuery]) -> Any:
    _require_atlas(request)
    return atlas.layers_payload(atlas.atlas_layers(focus=_focus(query.focus)))


@router.get(
    "/need-vs-reach",
    response={200: NeedReachOut, **ERRORS},
    summary="Need vs reach, by area",
    description=(
        "Every ZIP code area ranked by need (the indicator's latest value, 1 = most need, "
        "respecting whether a higher value means more need; ties share the better rank) and by "
        "reach (the mean of its ranks on initiatives, sites, volunteer hours and participants, "
        "1 = most activity; ties share the worse rank), with the gap between them and a flag "
        "for high need (top third) with low reach (bottom third). Office staff and leadership "
        "only (403 otherwise); an unknown `indicator` or `focus` is 422."
    ),
)
def need_vs_reach(request: ApiRequest, query: Query[NeedReachQuery]) -> Any:
    _require_atlas(request)
    focus = _focus(query.focus)
    values = atlas.latest_values()
    indicators = atlas.indicator_summaries(values)
    code = query.indicator or atlas.default_indicator_code(indicators)
    indicator = next((i for i in indicators if i.code == code), None)
    if query.indicator and indicator is None:
        raise ServiceError(_("There is no indicator with this code."), field="indicator")
    readings = values.get(indicator.code, {}) if indicator else {}
    table = atlas.need_vs_reach(
        atlas.atlas_layers(focus=focus), indicator=indicator, readings=readings, sort=query.sort
    )
    return {
        "indicator": (
            {
                "code": indicator.code,
                "name": indicator.name,
                "unit": indicator.unit,
                "higher_means_more_need": indicator.higher_means_more_need,
                "years": indicator.years,
                "source": indicator.source,
            }
            if indicator
            else None
        ),
        "sort": table.sort,
        "ranked": table.ranked,
        "threshold": table.threshold,
        "rows": [
            {
                "area_id": row.area.id,
                "code": row.area.code,
                "name": row.area.name,
                "value": row.value,
                "year": row.reading.year if row.reading else None,
                "need_rank": row.need_rank,
                "initiatives": row.initiatives,
                "sites": row.sites,
                "hours": None if row.hours is None else float(row.hours),
                "participants": row.participants,
                "reach_rank": row.reach_rank,
                "gap": row.gap,
                "high_need_low_reach": row.high_need_low_reach,
            }
            for row in table.rows
        ],
    }

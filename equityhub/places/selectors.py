"""Reading places: the areas as GeoJSON with their indicators (the atlas' map), the indicator
list and one area by id.

The map's GeoJSON is the same for every signed-in user, changes only when areas or indicator
values are imported, and is large (a few hundred kilobytes for the St. Louis ZCTAs), so it is
serialized once, gzip-compressed once, and cached under a *version*: the count and the latest
`updated_at` of areas and of indicator values, plus a generation counter the importers and the
admin advance. A request then costs the two small aggregate queries of the version; the bytes
come from this process' memory or the shared cache, and the ETag is the cache key itself, so a
client that has them already gets a 304 without them being read at all.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypedDict

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from equityhub.people.selectors import valid_id
from equityhub.places.models import Area, Indicator, IndicatorValue

CACHE_PREFIX: Final = "places:areas-geojson:"
GENERATION_KEY: Final = "places:atlas-generation"
CACHE_SECONDS: Final = 24 * 60 * 60
LOCAL_ENTRIES: Final = 8
GZIP_LEVEL: Final = 6
ATTRIBUTION_SEPARATOR: Final = "; "


# Types -------------------------------------------------------------------------------------


class IndicatorSummary(TypedDict):
    """One indicator as lists show it: `years` with values, `source` their attribution."""

    code: str
    name: str
    unit: str
    description: str
    higher_means_more_need: bool
    years: list[int]
    source: str


class LatestValue(TypedDict):
    value: float
    year: int
    unit: str
    name: str


@dataclass(frozen=True)
class AreasQuery:
    """Which map: areas of one `kind` (all kinds when None), only some indicators (all when
    None), full boundaries instead of the simplified ones."""

    kind: str | None = None
    indicator_codes: tuple[str, ...] | None = None
    full: bool = False

    @classmethod
    def of(
        cls, *, kind: str | None = None, indicator_codes: Iterable[str] | None = None, full: bool
    ) -> AreasQuery:
        codes = tuple(sorted(set(indicator_codes))) if indicator_codes else None
        return cls(kind=kind or None, indicator_codes=codes, full=full)


@dataclass(frozen=True)
class GeoJSONPayload:
    """The serialized FeatureCollection, compressed and not. `etag` is the opaque key it is
    cached under (no quotes); `indicator_codes` the indicators it carries."""

    etag: str
    body: bytes
    gzipped: bytes
    indicator_codes: tuple[str, ...]


# The version and the cache -----------------------------------------------------------------

_local: OrderedDict[str, GeoJSONPayload] = OrderedDict()
_local_lock = threading.Lock()


def _generation() -> int:
    return int(cache.get(GENERATION_KEY, 0))


def forget_areas_geojson() -> None:
    """Advance the generation so that every cached map is rebuilt on its next request (the
    importers call it after their commit, the admin after a save)."""
    cache.add(GENERATION_KEY, 0, timeout=None)
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # evicted between add and incr
        cache.set(GENERATION_KEY, 1, timeout=None)


def areas_geojson_key(query: AreasQuery) -> str:
    """The map's cache key and ETag: two aggregate queries, whatever the number of areas."""
    areas = Area.objects.aggregate(count=Count("id"), last=Max("updated_at"), top=Max("id"))
    values = IndicatorValue.objects.aggregate(
        count=Count("id"), last=Max("updated_at"), top=Max("id")
    )
    version = (
        areas["count"],
        str(areas["last"]),
        areas["top"],
        values["count"],
        str(values["last"]),
        values["top"],
        _generation(),
        query.kind,
        query.indicator_codes,
        query.full,
        get_language(),
    )
    return hashlib.blake2b(repr(version).encode(), digest_size=16).hexdigest()


def areas_geojson_payload(query: AreasQuery, *, key: str | None = None) -> GeoJSONPayload:
    """The map for `query`, from this process' memory, the shared cache or built afresh (then
    kept in both). `key` is `areas_geojson_key(query)` when the caller has it already."""
    key = key or areas_geojson_key(query)
    with _local_lock:
        payload = _local.get(key)
        if payload is not None:
            _local.move_to_end(key)
            return payload
    payload = cache.get(CACHE_PREFIX + key)
    if not isinstance(payload, GeoJSONPayload):
        collection = _feature_collection(query)
        body = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
        payload = GeoJSONPayload(
            etag=key,
            body=body,
            gzipped=gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0),
            indicator_codes=tuple(item["code"] for item in collection["indicators"]),
        )
        cache.set(CACHE_PREFIX + key, payload, timeout=CACHE_SECONDS)
    with _local_lock:
        _local[key] = payload
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)
    return payload


def clear_local_cache() -> None:
    """Drop this process' copies (tests; the shared cache has its own `clear`)."""
    with _local_lock:
        _local.clear()


def areas_geojson(
    *, kind: str | None = None, indicator_codes: Iterable[str] | None = None, full: bool = False
) -> bytes:
    """The areas as a GeoJSON FeatureCollection (UTF-8 bytes), cached; see `_feature_collection`
    for its shape."""
    return areas_geojson_payload(
        AreasQuery.of(kind=kind, indicator_codes=indicator_codes, full=full)
    ).body


# Building the map ---------------------------------------------------------------------------


def _translated(name: str) -> str:
    # Names of well-known indicators are stored in English and in the catalogue; others
    # (named by whoever imported them) come back unchanged.
    return _(name) if name else name


def _attribution(sources: Iterable[str]) -> str:
    return ATTRIBUTION_SEPARATOR.join(sorted({source for source in sources if source}))


def _years_and_sources(
    indicator_ids: Sequence[int],
) -> tuple[dict[int, list[int]], dict[int, set[str]]]:
    years: dict[int, set[int]] = defaultdict(set)
    sources: dict[int, set[str]] = defaultdict(set)
    for indicator_id, year, source in (
        IndicatorValue.objects.filter(indicator_id__in=indicator_ids)
        .order_by()
        .values_list("indicator_id", "year", "source")
        .distinct()
    ):
        years[indicator_id].add(year)
        sources[indicator_id].add(source)
    return {pk: sorted(found) for pk, found in years.items()}, sources


def _indicator_summary(
    indicator: Indicator, years: dict[int, list[int]], sources: dict[int, set[str]]
) -> IndicatorSummary:
    return {
        "code": indicator.code,
        "name": _translated(indicator.name),
        "unit": indicator.unit,
        "description": _translated(indicator.description),
        "higher_means_more_need": indicator.higher_means_more_need,
        "years": years.get(indicator.pk, []),
        "source": _attribution(sources.get(indicator.pk, ())),
    }


def _feature_collection(query: AreasQuery) -> dict[str, Any]:
    """Four queries: indicators, areas, each area's latest value per indicator, and the years
    and sources per indicator.

    ```
    {"type": "FeatureCollection",
     "features": [{"type": "Feature", "id": 7, "geometry": {...} | null,
                   "properties": {"id": 7, "code": "63106", "name": "...", "kind": "zcta",
                                  "centroid": [lat, lon] | null, "bbox": [w, s, e, n] | null,
                                  "indicators": {"pvty_pct": {"value": 44.7, "year": 2018,
                                                              "unit": "%", "name": "..."}}}}],
     "indicators": [{"code", "name", "unit", "description", "higher_means_more_need",
                     "years", "source"}],
     "attribution": "..."}
    ```
    """
    indicators_queryset = Indicator.objects.order_by("name", "code")
    if query.indicator_codes is not None:
        indicators_queryset = indicators_queryset.filter(code__in=query.indicator_codes)
    indicators = list(indicators_queryset)
    by_id = {indicator.pk: indicator for indicator in indicators}
    areas = Area.objects.order_by("kind", "code")
    if query.kind is not None:
        areas = areas.filter(kind=query.kind)
    rows = areas.values_list(
        "id",
        "code",
        "name",
        "kind",
        "centroid_lat",
        "centroid_lon",
        "bbox_west",
        "bbox_south",
        "bbox_east",
        "bbox_north",
        "source",
        "geometry" if query.full else "display_geometry",
    )
    latest: dict[int, dict[str, LatestValue]] = defaultdict(dict)
    if by_id:
        newer = IndicatorValue.objects.filter(
            indicator_id=OuterRef("indicator_id"),
            area_id=OuterRef("area_id"),
            year__gt=OuterRef("year"),
        )
        values = IndicatorValue.objects.filter(indicator_id__in=list(by_id)).exclude(Exists(newer))
        if query.kind is not None:
            values = values.filter(area__kind=query.kind)
        names = {pk: _translated(indicator.name) for pk, indicator in by_id.items()}
        for area_id, indicator_id, year, value in values.order_by().values_list(
            "area_id", "indicator_id", "year", "value"
        ):
            indicator = by_id[indicator_id]
            latest[area_id][indicator.code] = {
                "value": value,
                "year": year,
                "unit": indicator.unit,
                "name": names[indicator_id],
            }
    years, sources = _years_and_sources(list(by_id)) if by_id else ({}, {})
    features = []
    area_sources: set[str] = set()
    for (
        pk,
        code,
        name,
        kind,
        lat,
        lon,
        west,
        south,
        east,
        north,
        source,
        geometry,
    ) in rows:
        area_sources.add(source)
        features.append(
            {
                "type": "Feature",
                "id": pk,
                "geometry": geometry,
                "properties": {
                    "id": pk,
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "centroid": [lat, lon] if lat is not None and lon is not None else None,
                    "bbox": [west, south, east, north] if west is not None else None,
                    "indicators": latest.get(pk, {}),
                },
            }
        )
    value_sources = {source for found in sources.values() for source in found}
    return {
        "type": "FeatureCollection",
        "features": features,
        "indicators": [_indicator_summary(i, years, sources) for i in indicators],
        "attribution": _attribution(area_sources | value_sources),
    }


# Lists and one area ------------------------------------------------------------------------


def indicator_list() -> list[IndicatorSummary]:
    """Every indicator with the years it has values for and their sources: two queries."""
    indicators = list(Indicator.objects.order_by("name", "code"))
    years, sources = _years_and_sources([indicator.pk for indicator in indicators])
    return [_indicator_summary(indicator, years, sources) for indicator in indicators]


def get_area_for_user(user: Any, area_id: Any) -> Area:
    """An area by id for any signed-in user (areas are public reference data); 404 for ids
    outside 1..2^63-1, unknown ids and anonymous users."""
    pk = valid_id(area_id)
    if not getattr(user, "is_authenticated", False):
        raise Http404
    area = Area.objects.filter(pk=pk).first()
    if area is None:
        raise Http404
    return area


def area_feature(area: Area) -> dict[str, Any]:
    """One area as a GeoJSON Feature with its full boundary and every indicator value, by
    year (newest first): one query.

    `properties.indicators` is `{code: {"name", "unit", "higher_means_more_need",
    "values": [{"year", "value", "source"}]}}`.
    """
    indicators: dict[str, dict[str, Any]] = {}
    values = (
        IndicatorValue.objects.filter(area=area)
        .select_related("indicator")
        .order_by("indicator__name", "indicator__code", "-year")
    )
    for value in values:
        indicator = value.indicator
        entry = indicators.setdefault(
            indicator.code,
            {
                "name": _translated(indicator.name),
                "unit": indicator.unit,
                "higher_means_more_need": indicator.higher_means_more_need,
                "values": [],
            },
        )
        entry["values"].append({"year": value.year, "value": value.value, "source": value.source})
    has_centroid = area.centroid_lat is not None and area.centroid_lon is not None
    return {
        "type": "Feature",
        "id": area.pk,
        "geometry": area.geometry,
        "properties": {
            "id": area.pk,
            "code": area.code,
            "name": area.name,
            "kind": area.kind,
            "centroid": [area.centroid_lat, area.centroid_lon] if has_centroid else None,
            "bbox": list(area.bbox) if area.bbox else None,
            "source": area.source,
            "indicators": indicators,
        },
    }

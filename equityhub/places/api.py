"""`/api/v1/areas`, `/areas/{area_id}`, `/indicators`: areas as GeoJSON with their indicators.

Areas and indicators are public reference data (census geography and published estimates):
any signed-in user may read them, by token or session; anonymous requests get 401. The
collection is served from the selectors' cache as it was serialized and gzip-compressed once
(`Content-Encoding: gzip` for clients that accept it), with an ETag so that a client holding
the current map gets a 304.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Final, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from equityhub.api.types import PlainText
from equityhub.core.exceptions import ServiceError
from equityhub.core.http import ApiRequest
from equityhub.people.api import ErrorOut
from equityhub.places import selectors
from equityhub.places.models import Area, Indicator

router = Router(tags=["places"])

GEOJSON: Final = "application/geo+json"
JSON: Final = "application/json"
GZIP_SUFFIX: Final = "-gzip"
MAX_INDICATORS: Final = 50
MAX_ECHO: Final = 200  # characters of unknown codes repeated in a 422
INDICATOR_CODE_LENGTH: Final = Indicator._meta.get_field("code").max_length or 60
# Codes go into a query: control characters (NUL breaks PostgreSQL) are a 422, never a 500.
IndicatorCode = Annotated[PlainText, Field(max_length=INDICATOR_CODE_LENGTH)]
ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_CODING = re.compile(r"^\s*([\w*-]+)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


# Schemas: answers (for the OpenAPI document; the GeoJSON itself comes from the selectors) -


class GeometryOut(Schema):
    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any] = Field(
        description="RFC 7946 coordinates: rings of [longitude, latitude] positions (CRS84)."
    )


class LatestValueOut(Schema):
    value: float
    year: int = Field(description="The latest year with a value for this area.")
    unit: str = Field(description="e.g. %, people; may be empty.")
    name: str


class AreaPropertiesOut(Schema):
    id: int
    code: str = Field(description="The area's code in its source, e.g. a ZIP code.")
    name: str
    kind: Area.Kind
    centroid: list[float] | None = Field(
        description="[latitude, longitude] of the area-weighted centroid (holes subtracted)."
    )
    bbox: list[float] | None = Field(description="[west, south, east, north] in degrees.")
    indicators: dict[str, LatestValueOut] = Field(
        description="By indicator code: the latest value; indicators without one are absent."
    )


class AreaFeatureOut(Schema):
    type: Literal["Feature"]
    id: int
    geometry: GeometryOut | None = Field(
        description="The boundary, simplified for maps unless full=true; null without one."
    )
    properties: AreaPropertiesOut


class IndicatorOut(Schema):
    code: str = Field(description="The column it was imported from, e.g. pvty_pct.")
    name: str
    unit: str
    description: str
    higher_means_more_need: bool = Field(
        description="Whether a higher value ranks an area as in more need (e.g. poverty)."
    )
    years: list[int] = Field(description="The years with values, oldest first.")
    source: str = Field(description="The attribution of its values.")


class AreaCollectionOut(Schema):
    type: Literal["FeatureCollection"]
    features: list[AreaFeatureOut]
    indicators: list[IndicatorOut] = Field(description="The indicators the features carry.")
    attribution: str = Field(description="Show it with the map: the sources of the data.")


class ValueByYearOut(Schema):
    year: int
    value: float
    source: str


class AreaIndicatorOut(Schema):
    name: str
    unit: str
    higher_means_more_need: bool
    values: list[ValueByYearOut] = Field(description="Newest year first.")


class AreaDetailPropertiesOut(Schema):
    id: int
    code: str
    name: str
    kind: Area.Kind
    centroid: list[float] | None = Field(description="[latitude, longitude].")
    bbox: list[float] | None = Field(description="[west, south, east, north].")
    source: str = Field(description="Where the boundary comes from.")
    indicators: dict[str, AreaIndicatorOut] = Field(description="By indicator code.")


class AreaDetailOut(Schema):
    type: Literal["Feature"]
    id: int
    geometry: GeometryOut | None = Field(description="The full boundary, as imported.")
    properties: AreaDetailPropertiesOut


# Schemas: questions --------------------------------------------------------------------------


class AreasQueryIn(Schema):
    kind: Area.Kind | None = Field(None, description="Only areas of this kind, e.g. zcta.")
    indicator: list[IndicatorCode] | None = Field(
        None,
        description=(
            "An indicator code (repeat the parameter for several, at most "
            f"{MAX_INDICATORS}); only these indicators' values are included. Default: every "
            "indicator."
        ),
    )
    full: bool = Field(
        False, description="true: the boundaries as imported instead of simplified ones."
    )


# HTTP details ------------------------------------------------------------------------------


def accepts_gzip(request: HttpRequest) -> bool:
    """Whether Accept-Encoding allows gzip (explicitly or by `*`), honouring q=0."""
    allowed: dict[str, float] = {}
    for part in request.headers.get("Accept-Encoding", "").split(","):
        match = _CODING.match(part)
        if not match:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        allowed[match.group(1).lower()] = quality
    if "gzip" in allowed:
        return allowed["gzip"] > 0
    return allowed.get("*", 0) > 0


def _media_type(request: HttpRequest) -> str:
    # GeoJSON's own type unless the client asks for plain JSON only (some tools do).
    accept = request.headers.get("Accept", "")
    if JSON in accept and GEOJSON not in accept:
        return JSON
    return GEOJSON


def _etag_matches(request: HttpRequest, key: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    for tag in parse_etags(header):
        if tag == "*":
            return True
        # Weak comparison (RFC 9110 13.1.2), either encoding: the content is the same.
        opaque = tag.removeprefix("W/").strip('"').removesuffix(GZIP_SUFFIX)
        if opaque == key:
            return True
    return False


def _openapi_geojson(schema: str, *, conditional: bool) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "responses": {
            200: {
                "content": {GEOJSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
            }
        }
    }
    if conditional:
        extra["responses"][200]["headers"] = {
            "ETag": {
                "description": "Send it back in If-None-Match to get a 304 while unchanged.",
                "schema": {"type": "string"},
            },
            "Content-Encoding": {
                "description": "gzip when the request's Accept-Encoding allows it.",
                "schema": {"type": "string"},
            },
        }
        extra["responses"][304] = {"description": "Not modified: your copy is current."}
        extra["parameters"] = [
            {
                "in": "header",
                "name": "If-None-Match",
                "required": False,
                "schema": {"type": "string"},
                "description": "The ETag of the copy you hold.",
            },
            {
                "in": "header",
                "name": "Accept-Encoding",
                "required": False,
                "schema": {"type": "string"},
                "description": "Include gzip to receive the compressed body (recommended).",
            },
        ]
    return extra


def _check_indicator_codes(codes: list[str]) -> None:
    """422 for too many codes or unknown ones, before anything is built or cached: a map per
    made-up code would let anyone fill the cache."""
    if len(codes) > MAX_INDICATORS:
        raise ServiceError(
            _("Ask for at most %(max)d indicators.") % {"max": MAX_INDICATORS}, field="indicator"
        )
    if not codes:
        return
    known = set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = sorted(set(codes) - known)
    if unknown:
        listed = ", ".join(unknown)
        if len(listed) > MAX_ECHO:
            listed = listed[: MAX_ECHO - 1] + "…"
        raise ServiceError(
            _("Unknown indicator: %(codes)s.") % {"codes": listed}, field="indicator"
        )


# Endpoints ---------------------------------------------------------------------------------


@router.get(
    "/areas",
    response={200: AreaCollectionOut, **ERRORS},
    summary="Areas as GeoJSON with their indicators",
    description=(
        "Every area (ZIP code tabulation areas, neighborhoods, tracts) as a GeoJSON "
        "FeatureCollection (`application/geo+json`; `application/json` when you accept only "
        "that), for the atlas' map: each feature's id is the area's id, its geometry the "
        "boundary simplified for maps (about 30 m; `full=true` for the boundary as imported), "
        "its properties the code, name, kind, centroid [lat, lon], bounding box and the "
        "latest value of each indicator. The top-level `indicators` list describes them and "
        "`attribution` names the sources, to be shown with the map. Compressed with gzip when "
        "Accept-Encoding allows it; send the ETag back in If-None-Match to get a 304 while "
        "nothing changed. 422 for an unknown indicator code."
    ),
    openapi_extra=_openapi_geojson("AreaCollectionOut", conditional=True),
)
def list_areas(request: ApiRequest, query: Query[AreasQueryIn]) -> HttpResponse:
    codes = list(dict.fromkeys(code.strip() for code in query.indicator or () if code.strip()))
    _check_indicator_codes(codes)
    areas_query = selectors.AreasQuery.of(kind=query.kind, indicator_codes=codes, full=query.full)
    key = selectors.areas_geojson_key(areas_query)
    gzipped = accepts_gzip(request)
    if _etag_matches(request, key):
        response = HttpResponse(status=304)
    else:
        payload = selectors.areas_geojson_payload(areas_query, key=key)
        body = payload.gzipped if gzipped else payload.body
        response = HttpResponse(body, content_type=_media_type(request))
        if gzipped:
            response["Content-Encoding"] = "gzip"
        response["Content-Length"] = str(len(body))
    response["ETag"] = f'"{key}{GZIP_SUFFIX}"' if gzipped else f'"{key}"'
    # Signed-in readers only: shared caches must not keep it; browsers revalidate each time.
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ("Accept-Encoding", "Accept"))
    return response


@router.get(
    "/areas/{area_id}",
    response={200: AreaDetailOut, **ERRORS},
    summary="One area with its full boundary and every indicator value",
    description=(
        "A GeoJSON Feature (`application/geo+json`) with the boundary as imported and, per "
        "indicator, every year's value with its source (newest first). 404 for an unknown id."
    ),
    openapi_extra=_openapi_geojson("AreaDetailOut", conditional=False),
)
def get_area(request: ApiRequest, area_id: int) -> HttpResponse:
    area = selectors.get_area_for_user(request.auth, area_id)
    body = json.dumps(selectors.area_feature(area), ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode(), content_type=_media_type(request))


@router.get(
    "/indicators",
    response={200: list[IndicatorOut], **ERRORS},
    summary="List the indicators",
    description=(
        "Every indicator known per area (e.g. the poverty rate), with its unit, whether a "
        "higher value means more need, the years it has values for and their source."
    ),
)
def list_indicators(request: ApiRequest) -> Any:
    return selectors.indicator_list()

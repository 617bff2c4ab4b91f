"""Reading area boundaries from GeoJSON, checking them and measuring them, in plain Python.

No GDAL, GEOS or shapely: boundaries arrive as GeoJSON (RFC 7946) and are kept as GeoJSON in a
JSON field, so SQLite works and nothing native has to be installed. This module does the little
geometry the office needs:

* **reading** a FeatureCollection (or one Feature) from bytes, text or a parsed mapping, in
  CRS84 (longitude, latitude) only, with Polygon and MultiPolygon geometries only;
* **checking** every ring: at least 4 positions, closed, finite numbers, longitude in
  -180..180 and latitude in -90..90, at least 3 distinct positions and a non-zero area. Every
  problem is reported as a `GeoError` naming the feature by its index in the file (counted from
  0, as in `jq '.features[12]'`) and its id when it has one, so a file with many problems is
  fixed in one round;
* **measuring**: the bounding box, the area-weighted centroid of the whole (multi)polygon with
  the holes subtracted, and the planar area;
* **simplifying** for maps: Douglas-Peucker per ring, rings kept closed with at least 4
  positions, coordinates rounded (5 decimals: about 1 m).

Planar arithmetic in degrees is deliberate and accurate enough for areas the size of a county:
the centroid of a shape is preserved by any affine map, so computing it on (longitude, latitude)
gives the same point as on an equirectangular projection centred on the shape. Simplification
scales longitudes by cos(latitude) so that its tolerance is the same distance east-west as
north-south. What is *not* checked: self-intersections, holes lying outside their outline, and
shapes that cross the antimeridian (none of which occur in census boundaries of a US city).
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _

# Display geometry: 0.0003 degrees of latitude is about 33 m, below what a city-wide map shows;
# 5 decimals is about 1 m.
DEFAULT_TOLERANCE: Final = 0.0003
DEFAULT_PRECISION: Final = 5
# A ring enclosing less than this (square degrees, about 0.01 m² at St. Louis' latitude) has
# no area: its positions lie on a line, give or take floating-point noise.
MIN_RING_AREA: Final = 1e-12
# Problems reported for one feature before the rest are summarised: one broken feature should
# not bury the others.
MAX_PROBLEMS_PER_FEATURE: Final = 5

GEOMETRY_TYPES: Final = frozenset({"Polygon", "MultiPolygon"})
# CRS names (compared in lower case) meaning longitude, latitude on WGS 84. EPSG:4326 officially
# orders latitude first, but in GeoJSON files it names lon/lat (the 2008 GeoJSON specification
# and GDAL's writers use it so).
CRS84_NAMES: Final = frozenset(
    {
        "urn:ogc:def:crs:ogc:1.3:crs84",
        "urn:ogc:def:crs:ogc::crs84",
        "urn:ogc:def:crs:ogc:crs84",
        "http://www.opengis.net/def/crs/ogc/1.3/crs84",
        "crs84",
        "ogc:crs84",
        "epsg:4326",
        "urn:ogc:def:crs:epsg::4326",
        "urn:ogc:def:crs:epsg:4326",
        "http://www.opengis.net/def/crs/epsg/0/4326",
    }
)

BBox = tuple[float, float, float, float]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GeoError:
    """One problem in a GeoJSON file: `index` is the feature's position in `features` (from 0)
    or None for the file as a whole; `feature_id` its id when it has one."""

    index: int | None
    feature_id: str | None
    reason: str

    @property
    def where(self) -> str:
        if self.index is None:
            return _("the file")
        if self.feature_id:
            return _("feature %(index)d (%(id)s)") % {"index": self.index, "id": self.feature_id}
        return _("feature %(index)d") % {"index": self.index}

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class GeoJSONInvalid(ValueError):
    """The input is not usable; `errors` lists every problem found."""

    def __init__(self, errors: Sequence[GeoError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors[:3]))


@dataclass(frozen=True)
class Shape:
    """What an area's boundary measures. `centroid` is (latitude, longitude), as maps take it;
    `bbox` is (west, south, east, north) as in GeoJSON; `area` is in square degrees."""

    bbox: BBox
    centroid: tuple[float, float]
    area: float


@dataclass(frozen=True)
class Feature:
    """A feature that passed every check. `geometry` is the GeoJSON geometry as read (altitudes
    and all); `polygons` holds each polygon's rings as (n, 2) arrays of longitude, latitude."""

    index: int
    feature_id: str | None
    properties: Mapping[str, Any]
    geometry: dict[str, Any]
    polygons: tuple[tuple[FloatArray, ...], ...] = field(repr=False)

    @property
    def shape(self) -> Shape:
        return measure_polygons(self.polygons)

    def display_geometry(
        self, *, tolerance: float = DEFAULT_TOLERANCE, precision: int = DEFAULT_PRECISION
    ) -> dict[str, Any]:
        return simplify_polygons(
            self.polygons,
            geometry_type=self.geometry["type"],
            tolerance=tolerance,
            precision=precision,
        )


# Reading -----------------------------------------------------------------------------------


def read_features(
    data: bytes | str | Mapping[str, Any], *, id_property: str | None = None
) -> list[Feature]:
    """Every feature of a GeoJSON FeatureCollection (or of a single Feature), checked.

    With `id_property`, each feature must carry that property (the area's code); its value,
    as text, is the feature's id. Without it the GeoJSON `id` member, if any, names the
    feature in messages. Raises `GeoJSONInvalid` listing every problem found; problems with
    the file as a whole (not JSON, not GeoJSON, another CRS, no features) stop the reading.
    """
    document = _parse(data) if not isinstance(data, Mapping) else data
    raw_features = _raw_features(document)
    features: list[Feature] = []
    errors: list[GeoError] = []
    for index, raw in enumerate(raw_features):
        feature, problems = _read_feature(index, raw, id_property)
        if feature is not None:
            features.append(feature)
        errors.extend(problems)
    if errors:
        raise GeoJSONInvalid(errors)
    return features


def _file_error(reason: str) -> GeoJSONInvalid:
    return GeoJSONInvalid([GeoError(None, None, reason)])


def _parse(data: bytes | str) -> Any:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise _file_error(
                _("The file is not UTF-8 text (byte %(position)d); GeoJSON is always UTF-8.")
                % {"position": error.start + 1}
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    if not text.strip():
        raise _file_error(_("The file is empty."))
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _file_error(
            _("The file is not JSON (line %(line)d, column %(column)d: %(reason)s).")
            % {"line": error.lineno, "column": error.colno, "reason": error.msg}
        ) from None
    except RecursionError:
        raise _file_error(
            _("The file is not JSON that can be read: it nests too deeply.")
        ) from None


def _raw_features(document: Any) -> list[Any]:
    if not isinstance(document, Mapping):
        raise _file_error(
            _("The file is JSON but not GeoJSON: expected an object with a “type” member.")
        )
    kind = document.get("type")
    _check_crs(document.get("crs"))
    if kind == "Feature":
        return [document]
    if kind in GEOMETRY_TYPES:
        raise _file_error(
            _(
                "The file holds a bare %(type)s: wrap it in a Feature whose properties name "
                "the area."
            )
            % {"type": kind}
        )
    if kind != "FeatureCollection":
        raise _file_error(
            _("The file is JSON but not GeoJSON: its type is %(type)s, not FeatureCollection.")
            % {"type": json.dumps(kind)[:60]}
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise _file_error(_("The FeatureCollection has no “features” list."))
    if not features:
        raise _file_error(_("The FeatureCollection has no features."))
    return features


def _check_crs(crs: Any) -> None:
    """RFC 7946 drops `crs` (everything is CRS84); older files name it. Anything but a name
    meaning longitude/latitude on WGS 84 is refused, before thousands of out-of-range
    coordinates would be."""
    if crs is None:
        return
    name = None
    if isinstance(crs, Mapping) and crs.get("type") == "name":
        properties = crs.get("properties")
        if isinstance(properties, Mapping) and isinstance(properties.get("name"), str):
            name = properties["name"]
    if name is not None and name.strip().lower() in CRS84_NAMES:
        return
    described = name if name is not None else json.dumps(crs)[:120]
    raise _file_error(
        _(
            "The coordinates are in the reference system %(crs)s; only longitude/latitude "
            "(CRS84, as RFC 7946 requires) is accepted. Reproject the file first, e.g. "
            "ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson."
        )
        % {"crs": described}
    )


def _feature_id(raw: Mapping[str, Any], id_property: str | None) -> tuple[str | None, str | None]:
    """(id, problem). The id as text; integral numbers (a GEOID read as a number) as integers.
    An id with control characters is a problem (and no id: it is not repeated in messages)."""
    if id_property is None:
        value = raw.get("id")
        code = _as_code(value) if value is not None else None
        if code and has_control_characters(code):
            return None, _control_problem("id")
        return code, None
    properties = raw.get("properties")
    value = properties.get(id_property) if isinstance(properties, Mapping) else None
    code = _as_code(value) if value is not None else None
    if not code:
        return None, _("it has no %(property)s property to identify the area.") % {
            "property": id_property
        }
    if has_control_characters(code):
        return None, _control_problem(id_property)
    return code, None


def _control_problem(name: str) -> str:
    return _("its %(property)s contains control characters.") % {"property": name}


def has_control_characters(text: str) -> bool:
    """Whether `text` holds a control character (C0, DEL or C1: NUL, tab, newline, escape...).
    None belongs in an area's code or name, and PostgreSQL refuses NUL in text outright."""
    return any(unicodedata.category(char) == "Cc" for char in text)


def _as_code(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value).strip()
    return None


def _read_feature(
    index: int, raw: Any, id_property: str | None
) -> tuple[Feature | None, list[GeoError]]:
    if not isinstance(raw, Mapping) or raw.get("type") != "Feature":
        return None, [GeoError(index, None, _("it is not a GeoJSON Feature object."))]
    feature_id, id_problem = _feature_id(raw, id_property)
    problems = [id_problem] if id_problem else []
    geometry = raw.get("geometry")
    polygons: list[tuple[FloatArray, ...]] = []
    if not isinstance(geometry, Mapping):
        problems.append(_("it has no geometry."))
    else:
        polygons, geometry_problems = _check_geometry(geometry)
        problems.extend(geometry_problems)
    if len(problems) > MAX_PROBLEMS_PER_FEATURE:
        more = len(problems) - MAX_PROBLEMS_PER_FEATURE
        problems = [
            *problems[:MAX_PROBLEMS_PER_FEATURE],
            _("and %(count)d more problems.") % {"count": more},
        ]
    if problems:
        return None, [GeoError(index, feature_id, problem) for problem in problems]
    assert isinstance(geometry, Mapping)  # noqa: S101 - narrowed by the branch above
    properties = raw.get("properties")
    return (
        Feature(
            index=index,
            feature_id=feature_id,
            properties=properties if isinstance(properties, Mapping) else {},
            geometry=dict(geometry),
            polygons=tuple(polygons),
        ),
        [],
    )


# Checking ----------------------------------------------------------------------------------


def check_geometry(geometry: Any) -> list[str]:
    """Why a GeoJSON geometry is not an area boundary; empty when it is one."""
    if not isinstance(geometry, Mapping):
        return [_("it has no geometry.")]
    return _check_geometry(geometry)[1]


def _check_geometry(geometry: Mapping[str, Any]) -> tuple[list[tuple[FloatArray, ...]], list[str]]:
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        return [], [
            _("its geometry is a %(type)s; only Polygon and MultiPolygon describe an area.")
            % {"type": kind if isinstance(kind, str) else json.dumps(kind)[:40]}
        ]
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        raw_polygons = [coordinates]
        if not isinstance(coordinates, list | tuple) or not coordinates:
            return [], [_("the Polygon has no rings.")]
    else:
        if not isinstance(coordinates, list | tuple) or not coordinates:
            return [], [_("the MultiPolygon has no polygons.")]
        raw_polygons = list(coordinates)
    polygons: list[tuple[FloatArray, ...]] = []
    problems: list[str] = []
    for number, raw_polygon in enumerate(raw_polygons):
        prefix = _("polygon %(number)d, ") % {"number": number} if kind == "MultiPolygon" else ""
        polygon, polygon_problems = _check_polygon(raw_polygon, prefix)
        problems.extend(polygon_problems)
        if polygon is not None:
            polygons.append(polygon)
    return polygons, problems


def _check_polygon(raw: Any, prefix: str) -> tuple[tuple[FloatArray, ...] | None, list[str]]:
    if not isinstance(raw, list | tuple) or not raw:
        return None, [prefix + _("the polygon has no rings.")]
    rings: list[FloatArray] = []
    problems: list[str] = []
    for number, raw_ring in enumerate(raw):
        where = prefix + (
            _("ring %(number)d (the outline)") % {"number": number}
            if number == 0
            else _("ring %(number)d (a hole)") % {"number": number}
        )
        ring, problem = _check_ring(raw_ring)
        if problem:
            problems.append(f"{where}: {problem}")
        elif ring is not None:
            rings.append(ring)
    if problems:
        return None, problems
    outline = abs(_ring_area(rings[0]))
    holes = sum(abs(_ring_area(hole)) for hole in rings[1:])
    if outline - holes <= MIN_RING_AREA:
        return None, [prefix + _("its holes cover the whole outline: the polygon has no area.")]
    return tuple(rings), []


def _check_ring(raw: Any) -> tuple[FloatArray | None, str | None]:  # noqa: PLR0911 - one exit per reason
    if not isinstance(raw, list | tuple):
        return None, _("it is not a list of positions.")
    if len(raw) < 4:
        return None, _(
            "it has %(count)d positions; a ring needs at least 4 (3 corners and the first "
            "repeated at the end)."
        ) % {"count": len(raw)}
    with_altitude = False
    for number, position in enumerate(raw):
        # The common case, checked inline (boundaries have hundreds of thousands of
        # positions); NaN fails the comparisons and so gets the full check and its message.
        if type(position) is list and len(position) == 2:
            longitude, latitude = position
            if (
                (type(longitude) is float or type(longitude) is int)
                and (type(latitude) is float or type(latitude) is int)
                and -180 <= longitude <= 180
                and -90 <= latitude <= 90
            ):
                continue
        problem = _check_position(position)
        if problem:
            return None, _("position %(number)d %(problem)s") % {
                "number": number,
                "problem": problem,
            }
        with_altitude = with_altitude or len(position) == 3
    if list(raw[0]) != list(raw[-1]):
        return None, _("it is not closed: the last position must repeat the first.")
    ring = np.array([p[:2] for p in raw] if with_altitude else raw, dtype=np.float64)
    if abs(_ring_area(ring)) <= MIN_RING_AREA:
        # A ring with an area has 3 distinct positions; without one, say which it lacks.
        if len(np.unique(ring, axis=0)) < 3:
            return None, _("it has fewer than 3 distinct positions.")
        return None, _("it has no area: its positions lie on a line.")
    return ring, None


def _check_position(position: Any) -> str | None:
    if not isinstance(position, list | tuple) or not 2 <= len(position) <= 3:
        return _("is not a [longitude, latitude] pair.")
    for value in position:
        if type(value) is not float and type(value) is not int:
            return _("holds %(value)s, which is not a number.") % {"value": json.dumps(value)[:40]}
        if not math.isfinite(value):
            return _("holds %(value)s, which is not a finite number.") % {"value": value}
    longitude, latitude = position[0], position[1]
    if not -180 <= longitude <= 180:
        return _("has the longitude %(value)s, outside -180 to 180.") % {"value": longitude}
    if not -90 <= latitude <= 90:
        return _(
            "has the latitude %(value)s, outside -90 to 90 (are longitude and latitude swapped?)."
        ) % {"value": latitude}
    return None


# Measuring ---------------------------------------------------------------------------------


def _ring_area(ring: FloatArray) -> float:
    """Signed planar area (shoelace), positive counter-clockwise. Coordinates are taken
    relative to the first position so that large longitudes do not swamp the products."""
    x = ring[:, 0] - ring[0, 0]
    y = ring[:, 1] - ring[0, 1]
    return float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) / 2.0


def _ring_moments(ring: FloatArray, origin: FloatArray) -> tuple[float, float, float]:
    """(signed area, first moments about x and y), relative to `origin`."""
    x = ring[:, 0] - origin[0]
    y = ring[:, 1] - origin[1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    area = float(cross.sum()) / 2.0
    moment_x = float(((x[:-1] + x[1:]) * cross).sum()) / 6.0
    moment_y = float(((y[:-1] + y[1:]) * cross).sum()) / 6.0
    return area, moment_x, moment_y


def measure_polygons(polygons: Sequence[Sequence[FloatArray]]) -> Shape:
    """Bounding box, centroid (holes subtracted, every polygon weighted by its area) and area
    of checked polygons."""
    origin = polygons[0][0][0]
    total = moment_x = moment_y = 0.0
    west = south = math.inf
    east = north = -math.inf
    for rings in polygons:
        for number, ring in enumerate(rings):
            area, mx, my = _ring_moments(ring, origin)
            # Outlines add and holes subtract whatever way each ring happens to wind.
            sign = (1.0 if area > 0 else -1.0) * (1.0 if number == 0 else -1.0)
            total += sign * area
            moment_x += sign * mx
            moment_y += sign * my
            low, high = ring.min(axis=0), ring.max(axis=0)
            west, south = min(west, float(low[0])), min(south, float(low[1]))
            east, north = max(east, float(high[0])), max(north, float(high[1]))
    longitude = float(origin[0]) + moment_x / total
    latitude = float(origin[1]) + moment_y / total
    return Shape(bbox=(west, south, east, north), centroid=(latitude, longitude), area=total)


def measure(geometry: Mapping[str, Any]) -> Shape:
    """Measure a GeoJSON Polygon or MultiPolygon; ValueError naming the problems if it is not
    a valid area boundary."""
    polygons, problems = _check_geometry(geometry)
    if problems:
        raise ValueError("; ".join(problems))
    return measure_polygons(polygons)


# Simplifying -------------------------------------------------------------------------------


def _segment_distances(points: FloatArray, start: FloatArray, end: FloatArray) -> FloatArray:
    """Distance from each point to the segment start-end."""
    direction = end - start
    length2 = float(np.dot(direction, direction))
    offsets = points - start
    if length2 == 0.0:
        return np.sqrt((offsets * offsets).sum(axis=1))
    t = np.clip(offsets @ direction / length2, 0.0, 1.0)
    nearest = np.outer(t, direction)
    delta = offsets - nearest
    return np.sqrt((delta * delta).sum(axis=1))


def _douglas_peucker(
    points: FloatArray, first: int, last: int, tolerance: float, keep: npt.NDArray[np.bool_]
) -> None:
    stack = [(first, last)]
    while stack:
        start, end = stack.pop()
        if end - start < 2:
            continue
        distances = _segment_distances(points[start + 1 : end], points[start], points[end])
        farthest = int(np.argmax(distances))
        if distances[farthest] > tolerance:
            middle = start + 1 + farthest
            keep[middle] = True
            stack.append((start, middle))
            stack.append((middle, end))


def simplify_ring(
    ring: Sequence[Sequence[float]] | FloatArray, tolerance: float, *, x_scale: float = 1.0
) -> list[list[float]]:
    """The ring with every position dropped that lies within `tolerance` of the outline the
    kept ones draw (Douglas-Peucker). What is kept is a subset of the input positions, in
    order, still closed, and never fewer than 4. `x_scale` multiplies longitudes when
    measuring distances (cos(latitude) makes the tolerance the same distance both ways)."""
    points = np.asarray(ring, dtype=np.float64)[:, :2]
    count = len(points)
    if count <= 4 or tolerance <= 0:
        return points.tolist()
    scaled = points * np.array([x_scale, 1.0])
    keep = np.zeros(count, dtype=np.bool_)
    # A closed ring's ends coincide: split it at the position farthest from them and simplify
    # the two halves as open lines.
    far = int(np.argmax(((scaled[:-1] - scaled[0]) ** 2).sum(axis=1)))
    keep[[0, far, count - 1]] = True
    _douglas_peucker(scaled, 0, far, tolerance, keep)
    _douglas_peucker(scaled, far, count - 1, tolerance, keep)
    if int(keep.sum()) < 4:
        # A sliver narrower than the tolerance: keep the position farthest from the line it
        # collapsed to, so that it stays a (thin) polygon rather than a line.
        distances = _segment_distances(scaled, scaled[0], scaled[far])
        distances[keep] = -1.0
        keep[int(np.argmax(distances))] = True
    return points[keep].tolist()


def _rounded(ring: list[list[float]], precision: int) -> list[list[float]]:
    """Coordinates rounded, repeated neighbours (which rounding makes) merged, still closed."""
    rounded: list[list[float]] = []
    for longitude, latitude in ring:
        position = [round(longitude, precision), round(latitude, precision)]
        if not rounded or rounded[-1] != position:
            rounded.append(position)
    if rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded


def _is_ring(ring: list[list[float]]) -> bool:
    if len(ring) < 4:
        return False
    array = np.array(ring, dtype=np.float64)
    return len(np.unique(array, axis=0)) >= 3 and abs(_ring_area(array)) > MIN_RING_AREA


def simplify_polygons(
    polygons: Sequence[Sequence[FloatArray]],
    *,
    geometry_type: str = "MultiPolygon",
    tolerance: float = DEFAULT_TOLERANCE,
    precision: int = DEFAULT_PRECISION,
) -> dict[str, Any]:
    """A display geometry for checked polygons: each ring simplified and rounded. Holes and
    islands that simplification or rounding reduce to nothing are left out (they would not
    show); the outline of the largest polygon is always kept, unrounded if need be."""
    mean_latitude = float(np.mean([rings[0][:, 1].mean() for rings in polygons]))
    x_scale = max(math.cos(math.radians(mean_latitude)), 0.01)
    largest = max(range(len(polygons)), key=lambda n: abs(_ring_area(polygons[n][0])))
    result: list[list[list[list[float]]]] = []
    for number, rings in enumerate(polygons):
        simplified: list[list[list[float]]] = []
        for ring_number, ring in enumerate(rings):
            kept = simplify_ring(ring, tolerance, x_scale=x_scale)
            rounded = _rounded(kept, precision)
            if _is_ring(rounded):
                simplified.append(rounded)
            elif ring_number == 0 and number == largest:
                simplified.append(kept)
            elif ring_number == 0:
                break  # an island too small to draw: its holes go with it
        if simplified:
            result.append(simplified)
    if geometry_type == "Polygon":
        return {"type": "Polygon", "coordinates": result[0]}
    return {"type": "MultiPolygon", "coordinates": result}


def simplify_geometry(
    geometry: Mapping[str, Any],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    precision: int = DEFAULT_PRECISION,
) -> dict[str, Any]:
    """`simplify_polygons` for a GeoJSON geometry; ValueError if it is not a valid boundary."""
    polygons, problems = _check_geometry(geometry)
    if problems:
        raise ValueError("; ".join(problems))
    return simplify_polygons(
        polygons, geometry_type=str(geometry["type"]), tolerance=tolerance, precision=precision
    )


def positions(geometry: Mapping[str, Any]) -> Iterator[Sequence[float]]:
    """Every position of a Polygon or MultiPolygon geometry."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    for rings in polygons:
        for ring in rings:
            yield from ring

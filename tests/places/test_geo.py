"""Reading, checking, measuring and simplifying boundaries (`equityhub.places.geo`): no database."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from equityhub.places import geo


def square(west: float, south: float, size: float) -> list[list[float]]:
    """A counter-clockwise square ring."""
    return [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]


def polygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def feature(geometry: Any, code: str | None = "63106", **properties: Any) -> dict[str, Any]:
    props = {"GEOID_ZCTA": code, **properties} if code is not None else properties
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(*features: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features), **extra}


def errors_of(data: Any, **kwargs: Any) -> list[geo.GeoError]:
    with pytest.raises(geo.GeoJSONInvalid) as caught:
        geo.read_features(data, **kwargs)
    return caught.value.errors


# Measuring ---------------------------------------------------------------------------------


def test_the_centroid_of_a_square_is_its_middle() -> None:
    shape = geo.measure(polygon(square(-90.3, 38.6, 0.1)))

    assert shape.centroid == pytest.approx((38.65, -90.25))
    assert shape.bbox == pytest.approx((-90.3, 38.6, -90.2, 38.7))
    assert shape.area == pytest.approx(0.01)


def test_a_hole_is_subtracted_from_the_area_and_moves_the_centroid_away() -> None:
    # A 4x4 square with a 1x1 hole in its south-west corner: (16 * 2 - 1 * 0.5) / 15 = 2.1.
    hole = square(0.0, 0.0, 1.0)
    shape = geo.measure(polygon(square(0.0, 0.0, 4.0), hole))

    assert shape.area == pytest.approx(15.0)
    assert shape.centroid == pytest.approx((2.1, 2.1))


def test_a_hole_is_subtracted_whichever_way_it_winds() -> None:
    outline = square(0.0, 0.0, 4.0)
    hole = square(0.0, 0.0, 1.0)

    clockwise = geo.measure(polygon(outline[::-1], hole))
    same_way = geo.measure(polygon(outline, hole[::-1]))

    assert clockwise.area == pytest.approx(15.0)
    assert same_way.centroid == pytest.approx(clockwise.centroid)


def test_the_centroid_of_a_multipolygon_weighs_each_part_by_its_area() -> None:
    geometry = {
        "type": "MultiPolygon",
        "coordinates": [[square(0.0, 0.0, 1.0)], [square(10.0, 0.0, 2.0)]],
    }

    shape = geo.measure(geometry)

    # x: (0.5 * 1 + 11 * 4) / 5; y: (0.5 * 1 + 1 * 4) / 5.
    assert shape.centroid == pytest.approx((0.9, 8.9))
    assert shape.area == pytest.approx(5.0)
    assert shape.bbox == pytest.approx((0.0, 0.0, 12.0, 2.0))


def test_measuring_an_invalid_geometry_says_why() -> None:
    with pytest.raises(ValueError, match="not closed"):
        geo.measure(polygon([*square(0.0, 0.0, 1.0)[:-1], [0.5, 0.5]]))


# Reading -----------------------------------------------------------------------------------


def test_a_collection_is_read_with_each_features_id_and_shape() -> None:
    data = collection(
        feature(polygon(square(-90.3, 38.6, 0.1)), "63105"),
        feature(
            {"type": "MultiPolygon", "coordinates": [[square(-90.2, 38.6, 0.1)]]},
            "63106",
        ),
    )

    features = geo.read_features(json.dumps(data).encode(), id_property="GEOID_ZCTA")

    assert [(f.index, f.feature_id) for f in features] == [(0, "63105"), (1, "63106")]
    assert features[1].shape.centroid == pytest.approx((38.65, -90.15))


def test_a_single_feature_with_a_byte_order_mark_is_read() -> None:
    data = b"\xef\xbb\xbf" + json.dumps(feature(polygon(square(1.0, 1.0, 1.0)))).encode()

    features = geo.read_features(data, id_property="GEOID_ZCTA")

    assert [f.feature_id for f in features] == ["63106"]


def test_a_numeric_id_is_read_as_its_digits() -> None:
    data = collection(feature(polygon(square(1.0, 1.0, 1.0)), code=None, GEOID_ZCTA=63106.0))

    assert geo.read_features(data, id_property="GEOID_ZCTA")[0].feature_id == "63106"


def test_positions_with_an_altitude_are_accepted() -> None:
    ring = [[*position, 150.0] for position in square(1.0, 1.0, 1.0)]

    (read,) = geo.read_features(collection(feature(polygon(ring))), id_property="GEOID_ZCTA")

    assert read.geometry["coordinates"][0][0] == [1.0, 1.0, 150.0]
    assert read.shape.area == pytest.approx(1.0)


@pytest.mark.parametrize(
    "name",
    [
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "EPSG:4326",
        "urn:ogc:def:crs:EPSG::4326",
    ],
)
def test_names_of_longitude_latitude_are_accepted_as_crs(name: str) -> None:
    data = collection(
        feature(polygon(square(1.0, 1.0, 1.0))),
        crs={"type": "name", "properties": {"name": name}},
    )

    assert len(geo.read_features(data, id_property="GEOID_ZCTA")) == 1


def test_another_crs_is_refused_by_name() -> None:
    data = collection(
        feature(polygon(square(1.0, 1.0, 1.0))),
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
    )

    (error,) = errors_of(data)

    assert error.index is None
    assert "urn:ogc:def:crs:EPSG::3857" in error.reason
    assert "CRS84" in error.reason


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"GEOID_ZCTA,total_pop\n63106,1\n", "not JSON (line 1"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2, 3]", "not GeoJSON"),
        (b'{"name": "x"}', "not GeoJSON"),
        (b'{"type": "Topology"}', "not GeoJSON"),
        (b'{"type": "FeatureCollection"}', "no “features” list"),
        (b'{"type": "FeatureCollection", "features": []}', "no features"),
        (b'{"type": "Polygon", "coordinates": []}', "bare Polygon"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_gets_one_clear_error(
    data: bytes, expected: str
) -> None:
    (error,) = errors_of(data)

    assert error.index is None
    assert expected in error.reason
    assert str(error).startswith("the file: ")


def test_a_feature_without_the_id_property_is_named_by_its_index() -> None:
    data = collection(
        feature(polygon(square(1.0, 1.0, 1.0)), "63105"),
        feature(polygon(square(2.0, 1.0, 1.0)), code=None, NAME="somewhere"),
    )

    (error,) = errors_of(data, id_property="GEOID_ZCTA")

    assert (error.index, error.feature_id) == (1, None)
    assert str(error) == "feature 1: it has no GEOID_ZCTA property to identify the area."


def nan_ring() -> list[list[float]]:
    ring = square(1.0, 1.0, 1.0)
    ring[2] = [math.nan, 2.0]
    return ring


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        (polygon([*square(1.0, 1.0, 1.0)[:-1], [1.5, 1.5]]), "not closed"),
        (polygon([[1.0, 1.0], [2.0, 1.0], [1.0, 1.0]]), "3 positions; a ring needs at least 4"),
        (polygon(nan_ring()), "nan, which is not a finite number"),
        (polygon(square(1.0, 89.5, 1.0)), "latitude 90.5, outside -90 to 90"),
        (polygon(square(179.5, 1.0, 1.0)), "longitude 180.5, outside -180 to 180"),
        (polygon([[1, 1], [2, "1"], [2, 2], [1, 1]]), '"1", which is not a number'),
        (polygon([[1, 1], [2, 1], [2], [1, 1]]), "is not a [longitude, latitude] pair"),
        (polygon([[1, 1], [2, 2], [3, 3], [1, 1]]), "no area"),
        (polygon([[1, 1], [2, 2], [2, 2], [1, 1]]), "fewer than 3 distinct positions"),
        (polygon(square(0, 0, 1), square(0, 0, 1)), "holes cover the whole outline"),
        ({"type": "Point", "coordinates": [1.0, 1.0]}, "geometry is a Point"),
        ({"type": "LineString", "coordinates": [[1, 1], [2, 2]]}, "geometry is a LineString"),
        ({"type": "Polygon", "coordinates": []}, "no rings"),
        ({"type": "MultiPolygon", "coordinates": []}, "no polygons"),
        (None, "no geometry"),
    ],
)
def test_an_invalid_geometry_is_refused_with_its_reason(geometry: Any, expected: str) -> None:
    data = collection(feature(polygon(square(1.0, 1.0, 1.0)), "63105"), feature(geometry))

    (error,) = errors_of(data, id_property="GEOID_ZCTA")

    assert (error.index, error.feature_id) == (1, "63106")
    assert expected in error.reason
    assert str(error).startswith("feature 1 (63106): ")


def test_a_nan_written_in_the_file_is_refused() -> None:
    # Python's json module reads the NaN literal that some tools write.
    text = json.dumps(collection(feature(polygon(nan_ring()))))

    (error,) = errors_of(text, id_property="GEOID_ZCTA")

    assert "NaN" in text
    assert "not a finite number" in error.reason


def test_a_bad_ring_is_located_by_polygon_and_ring() -> None:
    outline = square(0.0, 0.0, 4.0)
    bad_hole = square(1.0, 1.0, 1.0)[:-1]
    geometry = {"type": "MultiPolygon", "coordinates": [[square(9, 9, 1)], [outline, bad_hole]]}

    (error,) = errors_of(collection(feature(geometry)), id_property="GEOID_ZCTA")

    assert (
        error.reason
        == "polygon 1, ring 1 (a hole): it is not closed: the last position must repeat the first."
    )


def test_every_bad_feature_is_reported_at_once() -> None:
    good = feature(polygon(square(1.0, 1.0, 1.0)), "63105")
    data = collection(
        good,
        feature({"type": "Point", "coordinates": [1, 1]}, "63106"),
        good,
        feature(polygon(square(1.0, 100.0, 1.0)), "63107"),
    )

    errors = errors_of(data, id_property="GEOID_ZCTA")

    assert [(e.index, e.feature_id) for e in errors] == [(1, "63106"), (3, "63107")]


def test_a_feature_with_many_problems_lists_the_first_few() -> None:
    rings = [square(1.0, 1.0, 1.0)[:-1] for _ in range(9)]
    geometry = {"type": "MultiPolygon", "coordinates": [[ring] for ring in rings]}

    errors = errors_of(collection(feature(geometry)), id_property="GEOID_ZCTA")

    assert len(errors) == geo.MAX_PROBLEMS_PER_FEATURE + 1
    assert errors[-1].reason == "and 4 more problems."


def test_check_geometry_is_empty_for_a_valid_boundary() -> None:
    assert geo.check_geometry(polygon(square(1.0, 1.0, 1.0))) == []
    assert geo.check_geometry("nothing") == ["it has no geometry."]


# Simplifying -------------------------------------------------------------------------------


def wiggly_ring(points: int = 400) -> list[list[float]]:
    """A circle of radius 0.01 degree with a 0.00001-degree wiggle: simplification fodder."""
    ring = []
    for n in range(points):
        angle = 2 * math.pi * n / points
        radius = 0.01 + 0.00001 * (n % 2)
        ring.append([-90.2 + radius * math.cos(angle), 38.6 + radius * math.sin(angle)])
    ring.append(ring[0])
    return ring


def test_simplifying_drops_positions_but_keeps_the_ring_closed() -> None:
    ring = wiggly_ring()

    simplified = geo.simplify_ring(ring, 0.0003)

    assert 4 <= len(simplified) < len(ring) / 4
    assert simplified[0] == simplified[-1]
    assert all(position in ring for position in simplified)


def test_a_ring_smaller_than_the_tolerance_keeps_four_positions() -> None:
    ring = square(-90.2, 38.6, 0.00001)

    simplified = geo.simplify_ring(ring, 0.0003)

    assert len(simplified) == 4  # a triangle, closed
    assert geo.check_geometry(polygon(simplified)) == []
    thin = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.00001], [3.0, 0.0], [1.5, -0.00001], [0.0, 0.0]]
    kept = geo.simplify_ring(thin, 0.01)
    assert len(kept) == 4
    assert kept[0] == kept[-1]


def test_a_zero_tolerance_keeps_every_position() -> None:
    ring = wiggly_ring(50)

    assert geo.simplify_ring(ring, 0.0) == ring


def test_the_display_geometry_is_rounded_and_keeps_its_type() -> None:
    display = geo.simplify_geometry(polygon(wiggly_ring()))

    assert display["type"] == "Polygon"
    ring = display["coordinates"][0]
    assert ring[0] == ring[-1]
    assert all(round(value, 5) == value for position in ring for value in position)
    assert geo.check_geometry(display) == []


def test_an_island_too_small_to_draw_is_left_out_of_the_display_geometry() -> None:
    geometry = {
        "type": "MultiPolygon",
        "coordinates": [[square(-90.3, 38.6, 0.1)], [square(-90.0, 38.6, 0.000003)]],
    }

    display = geo.simplify_geometry(geometry)

    assert len(display["coordinates"]) == 1
    assert geo.check_geometry(display) == []


def test_a_tiny_area_keeps_its_outline_even_unrounded() -> None:
    display = geo.simplify_geometry(polygon(square(-90.3, 38.6, 0.000003)))

    assert geo.check_geometry(display) == []


# Properties (hypothesis) --------------------------------------------------------------------


@st.composite
def star_rings(draw: st.DrawFn) -> list[list[float]]:
    """A star-shaped (so simple) ring around a random centre, with 3 to 80 corners.

    Corner i lies in the i-th of `corners` equal sectors, so consecutive corners are less than
    two sectors (at most half a turn from 4 corners on) apart: the centre stays inside and the
    ring never crosses itself. (A triangle is simple whatever its corners.)
    """
    corners = draw(st.integers(min_value=3, max_value=80))
    jitters = draw(
        st.lists(
            st.floats(min_value=0, max_value=1, exclude_max=True),
            min_size=corners,
            max_size=corners,
        )
    )
    angles = [2 * math.pi * (index + jitter) / corners for index, jitter in enumerate(jitters)]
    radii = draw(
        st.lists(st.floats(0.0001, 0.05), min_size=corners, max_size=corners),
    )
    lon = draw(st.floats(-100.0, -80.0))
    lat = draw(st.floats(30.0, 45.0))
    ring = [
        [lon + radius * math.cos(angle), lat + radius * math.sin(angle)]
        for angle, radius in zip(angles, radii, strict=True)
    ]
    return [*ring, ring[0]]


@hypothesis_settings(max_examples=300, deadline=None)
@given(ring=star_rings(), tolerance=st.floats(0.0, 0.05))
def test_a_simplified_ring_is_a_closed_subsequence_of_at_least_four_positions(
    ring: list[list[float]], tolerance: float
) -> None:
    if geo.check_geometry(polygon(ring)):
        return  # corners too close together to make an area: nothing to simplify

    simplified = geo.simplify_ring(ring, tolerance, x_scale=0.78)

    assert len(simplified) >= 4
    assert simplified[0] == simplified[-1]
    cursor = 0
    for position in simplified[:-1]:
        cursor = ring.index(position, cursor) + 1  # in the original, in order
    assert geo.check_geometry(geo.simplify_geometry(polygon(ring), tolerance=tolerance)) == []


@hypothesis_settings(max_examples=200, deadline=None)
@given(rings=st.lists(star_rings(), min_size=1, max_size=4))
def test_the_bbox_holds_every_position_and_the_centroid_of_a_convex_whole(
    rings: list[list[list[float]]],
) -> None:
    geometry = {"type": "MultiPolygon", "coordinates": [[ring] for ring in rings]}
    if geo.check_geometry(geometry):
        return

    shape = geo.measure(geometry)

    west, south, east, north = shape.bbox
    for longitude, latitude in geo.positions(geometry):
        assert west <= longitude <= east
        assert south <= latitude <= north
    latitude, longitude = shape.centroid
    assert west - 1e-9 <= longitude <= east + 1e-9
    assert south - 1e-9 <= latitude <= north + 1e-9


@pytest.mark.parametrize("code", ["63106\x00", "\x00", "631\x1b06", "63\u008506", "63\n106"])
def test_an_id_property_with_control_characters_is_refused_naming_feature_and_property(
    code: str,
) -> None:
    data = collection(
        feature(polygon(square(1.0, 1.0, 1.0)), "63105"),
        feature(polygon(square(2.0, 1.0, 1.0)), code),
    )

    (error,) = errors_of(data, id_property="GEOID_ZCTA")

    assert (error.index, error.feature_id) == (1, None)
    assert str(error) == "feature 1: its GEOID_ZCTA contains control characters."


def test_an_id_member_with_control_characters_is_refused() -> None:
    raw = feature(polygon(square(1.0, 1.0, 1.0)), code=None)

    (error,) = errors_of(collection({**raw, "id": "a\x00b"}))

    assert str(error) == "feature 0: its id contains control characters."


def test_whitespace_around_an_id_is_trimmed_not_refused() -> None:
    (read,) = geo.read_features(
        collection(feature(polygon(square(1.0, 1.0, 1.0)), " 63106\n")), id_property="GEOID_ZCTA"
    )

    assert read.feature_id == "63106"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Old North", False), ("Saint-Louis \u2013 Ville", False), ("a\x00", True), ("\t", True)],
)
def test_control_characters_are_told_apart_from_text(text: str, expected: bool) -> None:
    assert geo.has_control_characters(text) is expected

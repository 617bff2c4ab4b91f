"""Importing area boundaries (`import_areas`, `equityhub import-areas`), on the shared St. Louis
ZCTA files and on broken ones; and the demo loaders."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from equityhub.accounts.models import Role, User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.places import geo, services
from equityhub.places.models import Area, Indicator, IndicatorValue
from equityhub.places.services import ATTRIBUTION, ImportFailed, import_areas

pytestmark = pytest.mark.django_db

CITY_COUNTY = "STL_ZCTA_City_County.geojson"
CITY = "STL_ZCTA_St_Louis_City.geojson"
ID = "GEOID_ZCTA"


@pytest.fixture
def city_county(shared_data: Path) -> dict[str, Any]:
    return json.loads((shared_data / CITY_COUNTY).read_bytes())


def counts() -> tuple[int, int, int, int]:
    """What an import may write: areas, indicators, values, audit entries."""
    return (
        Area.objects.count(),
        Indicator.objects.count(),
        IndicatorValue.objects.count(),
        AuditEntry.objects.count(),
    )


def failure(**kwargs: Any) -> ImportFailed:
    before = counts()
    with pytest.raises(ImportFailed) as caught:
        import_areas(actor=None, id_property=ID, **kwargs)
    assert counts() == before, "a failed import wrote something"
    return caught.value


def square(west: float, south: float, size: float = 0.01) -> list[list[float]]:
    return [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]


def small_collection(*codes: str, **properties: Any) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {ID: code, **properties},
                "geometry": {"type": "Polygon", "coordinates": [square(-90.3 + n / 50, 38.6)]},
            }
            for n, code in enumerate(codes)
        ],
    }


# The shared files ----------------------------------------------------------------------------


def test_the_city_and_county_file_makes_66_areas_with_boundaries(
    shared_data: Path, city_county: dict[str, Any]
) -> None:
    result = import_areas(
        actor=None, source_file=shared_data / CITY_COUNTY, id_property=ID, source=ATTRIBUTION
    )

    assert (result.areas_created, result.areas_updated) == (66, 0)
    areas = list(Area.objects.filter(kind=Area.Kind.ZCTA))
    assert len(areas) == 66
    by_code = {feature["properties"][ID]: feature for feature in city_county["features"]}
    for area in areas:
        assert area.bbox is not None
        west, south, east, north = area.bbox
        assert area.centroid_lat is not None and area.centroid_lon is not None
        assert west < area.centroid_lon < east and south < area.centroid_lat < north
        assert 38.3 < area.centroid_lat < 39.0 and -91.0 < area.centroid_lon < -90.1
        assert area.geometry == by_code[area.code]["geometry"]
        assert area.display_geometry is not None
        assert area.display_geometry["type"] == area.geometry["type"]
        assert geo.check_geometry(area.display_geometry) == []
        assert area.source == ATTRIBUTION
    entry = AuditEntry.objects.get(action="places.areas.imported")
    assert entry.data["created"] == 66 and entry.data["updated"] == 0
    assert entry.data["file"] == CITY_COUNTY


def test_the_file_holds_polygons_and_multipolygons_and_both_are_imported(
    shared_data: Path,
) -> None:
    import_areas(actor=None, source_file=shared_data / CITY_COUNTY, id_property=ID)

    types = {area.geometry["type"] for area in Area.objects.all() if area.geometry}
    assert types == {"Polygon", "MultiPolygon"}
    # ZIP 63106 has a hole: its centroid is still inside its bounding box (checked above)
    # and the display outline keeps the hole.
    near_north = Area.objects.get(code="63106")
    assert near_north.geometry is not None and near_north.display_geometry is not None
    assert any(len(rings) > 1 for rings in near_north.geometry["coordinates"])
    assert any(len(rings) > 1 for rings in near_north.display_geometry["coordinates"])


def test_the_city_file_makes_its_30_areas(shared_data: Path) -> None:
    result = import_areas(actor=None, source_file=shared_data / CITY, id_property=ID)

    assert result.areas_created == 30
    assert Area.objects.count() == 30
    assert {a.geometry["type"] for a in Area.objects.all() if a.geometry} == {"MultiPolygon"}


def test_the_display_boundaries_are_a_fraction_of_the_imported_ones(shared_data: Path) -> None:
    import_areas(actor=None, source_file=shared_data / CITY_COUNTY, id_property=ID)

    full = sum(len(json.dumps(a.geometry)) for a in Area.objects.all())
    shown = sum(len(json.dumps(a.display_geometry)) for a in Area.objects.all())
    assert shown < full / 5


def test_importing_again_updates_the_same_areas(shared_data: Path) -> None:
    import_areas(actor=None, source_file=shared_data / CITY_COUNTY, id_property=ID)
    ids = dict(Area.objects.values_list("code", "id"))

    result = import_areas(
        actor=None, source_file=shared_data / CITY_COUNTY, id_property=ID, source="second"
    )

    assert (result.areas_created, result.areas_updated) == (0, 66)
    assert dict(Area.objects.values_list("code", "id")) == ids
    assert set(Area.objects.values_list("source", flat=True)) == {"second"}
    assert AuditEntry.objects.filter(action="places.areas.imported").count() == 2


def test_the_city_file_after_the_county_one_updates_the_overlapping_areas(
    shared_data: Path,
) -> None:
    import_areas(actor=None, source_file=shared_data / CITY_COUNTY, id_property=ID)
    clayton_before = Area.objects.get(code="63105").bbox

    result = import_areas(actor=None, source_file=shared_data / CITY, id_property=ID)

    assert (result.areas_created, result.areas_updated) == (0, 30)
    assert Area.objects.count() == 66
    # The City file has only the sliver of 63105 inside the City: a smaller box.
    clayton_after = Area.objects.get(code="63105").bbox
    assert clayton_before is not None and clayton_after is not None
    assert clayton_after != clayton_before


def test_an_area_made_elsewhere_is_updated_and_keeps_its_name(shared_data: Path) -> None:
    made = Area.objects.create(kind=Area.Kind.ZCTA, code="63106", name="Old North")

    import_areas(actor=None, source_file=shared_data / CITY_COUNTY, id_property=ID)

    area = Area.objects.get(kind=Area.Kind.ZCTA, code="63106")
    assert area.pk == made.pk
    assert area.name == "Old North"
    assert area.geometry is not None


def test_a_name_property_names_new_areas_and_renames_old_ones_unless_blank() -> None:
    Area.objects.create(kind=Area.Kind.ZCTA, code="63106", name="Old North")
    Area.objects.create(kind=Area.Kind.ZCTA, code="63107", name="Hyde Park")
    data = small_collection("63106", "63107", "63108")
    names = {"63106": "Near North Side", "63107": "  ", "63108": "Central West End"}
    for item in data["features"]:
        item["properties"]["NAME"] = names[item["properties"][ID]]

    result = import_areas(actor=None, data=json.dumps(data), id_property=ID, name_property="NAME")

    assert (result.areas_created, result.areas_updated) == (1, 2)
    assert dict(Area.objects.values_list("code", "name")) == {
        "63106": "Near North Side",
        "63107": "Hyde Park",
        "63108": "Central West End",
    }


def test_other_kinds_of_area_are_kept_apart() -> None:
    Area.objects.create(kind=Area.Kind.ZCTA, code="63106")
    data = small_collection("63106")

    result = import_areas(
        actor=None, data=json.dumps(data), id_property=ID, kind=Area.Kind.NEIGHBORHOOD
    )

    assert result.areas_created == 1
    assert Area.objects.filter(code="63106").count() == 2


def test_a_dry_run_counts_and_writes_nothing(shared_data: Path) -> None:
    before = counts()

    result = import_areas(
        actor=None, source_file=shared_data / CITY_COUNTY, id_property=ID, dry_run=True
    )

    assert (result.dry_run, result.areas_created) == (True, 66)
    assert counts() == before


def test_office_staff_may_import_and_are_named_in_the_audit_log(coordinator: User) -> None:
    import_areas(actor=coordinator, data=json.dumps(small_collection("63106")), id_property=ID)

    assert AuditEntry.objects.get(action="places.areas.imported").actor_id == coordinator.pk


def test_a_member_may_not_import(member: User) -> None:
    with pytest.raises(NotAllowed):
        import_areas(actor=member, data=json.dumps(small_collection("63106")), id_property=ID)
    assert not Area.objects.exists()


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ServiceError) as caught:
        import_areas(actor=None, data="{}", id_property=ID, kind="county")
    assert caught.value.field == "kind"


# Broken files --------------------------------------------------------------------------------


def test_a_file_that_is_not_json_writes_nothing_and_says_so() -> None:
    error = failure(data=b"GEOID_ZCTA,total_pop\n63106,11409\n")

    assert [str(e) for e in error.errors] == [
        "the file: The file is not JSON (line 1, column 1: Expecting value)."
    ]
    assert "nothing was imported" in error.message


def test_json_that_is_not_geojson_writes_nothing_and_says_so() -> None:
    error = failure(data=json.dumps({"areas": []}))

    assert "not GeoJSON" in str(error.errors[0])


def test_an_empty_file_or_collection_writes_nothing_and_says_so() -> None:
    assert "The file is empty." in str(failure(data=b"").errors[0])
    empty = {"type": "FeatureCollection", "features": []}
    assert "no features" in str(failure(data=json.dumps(empty)).errors[0])


def test_an_unreadable_file_writes_nothing_and_says_so(tmp_path: Path) -> None:
    error = failure(source_file=tmp_path / "missing.geojson")

    assert "Cannot read" in str(error.errors[0])


def test_a_feature_without_the_id_property_is_named_by_its_index(
    city_county: dict[str, Any],
) -> None:
    del city_county["features"][12]["properties"][ID]

    error = failure(data=json.dumps(city_county))

    assert [str(e) for e in error.errors] == [
        "feature 12: it has no GEOID_ZCTA property to identify the area."
    ]


def break_feature(collection: dict[str, Any], index: int, how: str) -> None:
    """Break one real boundary in a known way."""
    feature = collection["features"][index]
    geometry = feature["geometry"]
    ring = geometry["coordinates"][0][0] if geometry["type"] == "MultiPolygon" else None
    ring = ring if ring is not None else geometry["coordinates"][0]
    if how == "unclosed":
        ring.pop()
    elif how == "too few":
        del ring[2:]
        ring.append(ring[0])
    elif how == "nan":
        ring[5] = [float("nan"), ring[5][1]]
    elif how == "latitude":
        ring[5] = [ring[5][0], 138.6]
    elif how == "point":
        feature["geometry"] = {"type": "Point", "coordinates": ring[0]}


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("unclosed", "it is not closed"),
        ("too few", "it has 3 positions; a ring needs at least 4"),
        ("nan", "nan, which is not a finite number"),
        ("latitude", "latitude 138.6, outside -90 to 90"),
        ("point", "its geometry is a Point; only Polygon and MultiPolygon"),
    ],
)
def test_an_invalid_boundary_writes_nothing_and_names_the_feature(
    city_county: dict[str, Any], how: str, expected: str
) -> None:
    break_feature(city_county, 40, how)
    code = city_county["features"][40]["properties"][ID]

    error = failure(data=json.dumps(city_county))

    (only,) = error.errors
    assert str(only).startswith(f"feature 40 ({code}): ")
    assert expected in str(only)


def test_a_ring_of_three_positions_is_refused() -> None:
    data = small_collection("63106")
    data["features"][0]["geometry"]["coordinates"][0] = [[0, 0], [1, 0], [0, 0]]

    error = failure(data=json.dumps(data))

    assert "it has 3 positions; a ring needs at least 4" in str(error.errors[0])


def test_every_broken_feature_is_listed_at_once(city_county: dict[str, Any]) -> None:
    for index, how in ((3, "unclosed"), (20, "latitude"), (61, "point")):
        break_feature(city_county, index, how)

    error = failure(data=json.dumps(city_county))

    assert [e.index for e in error.errors if isinstance(e, geo.GeoError)] == [3, 20, 61]
    assert error.message.startswith("3 problems; nothing was imported.")


def test_another_crs_writes_nothing_and_names_it(city_county: dict[str, Any]) -> None:
    city_county["crs"] = {"type": "name", "properties": {"name": "EPSG:26915"}}

    error = failure(data=json.dumps(city_county))

    assert "EPSG:26915" in str(error.errors[0])


def test_two_features_with_the_same_code_are_refused() -> None:
    error = failure(data=json.dumps(small_collection("63106", "63107", "63106")))

    assert [str(e) for e in error.errors] == [
        "feature 2 (63106): it has the same GEOID_ZCTA as feature 0."
    ]


def test_a_zip_code_area_code_must_have_five_digits() -> None:
    error = failure(data=json.dumps(small_collection("6310")))

    assert "a ZIP code area's code is 5 digits" in str(error.errors[0])
    # Other kinds of area take any code.
    import_areas(
        actor=None,
        data=json.dumps(small_collection("Old North")),
        id_property=ID,
        kind=Area.Kind.NEIGHBORHOOD,
    )


def test_an_overlong_name_is_refused() -> None:
    error = failure(
        data=json.dumps(small_collection("63106", NAME="x" * 201)), name_property="NAME"
    )

    assert "NAME is longer than 200 characters" in str(error.errors[0])


# The command -------------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import-areas", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_the_command_imports_and_prints_the_counts(shared_data: Path) -> None:
    out, _err = run(str(shared_data / CITY_COUNTY), "--id-property", ID, "--source", ATTRIBUTION)

    assert out.strip() == f"Imported {CITY_COUNTY}: 66 area(s) created, 0 updated."
    assert Area.objects.count() == 66
    assert AuditEntry.objects.get(action="places.areas.imported").actor_id is None


def test_the_command_names_the_actor_it_is_given(shared_data: Path, admin_user: User) -> None:
    run(str(shared_data / CITY), "--id-property", ID, "--actor", admin_user.email)

    assert AuditEntry.objects.get(action="places.areas.imported").actor_id == admin_user.pk


def test_the_command_dry_run_writes_nothing(shared_data: Path) -> None:
    out, _err = run(str(shared_data / CITY), "--id-property", ID, "--dry-run")

    assert out.strip() == "Dry run, nothing written: 30 area(s) created, 0 updated."
    assert not Area.objects.exists()


def test_the_command_lists_every_problem_and_fails(
    tmp_path: Path, city_county: dict[str, Any]
) -> None:
    break_feature(city_county, 3, "unclosed")
    break_feature(city_county, 61, "point")
    path = tmp_path / "broken.geojson"
    path.write_text(json.dumps(city_county))
    stderr = io.StringIO()

    with pytest.raises(CommandError, match=r"2 problem\(s\) in broken.geojson; nothing"):
        call_command("import-areas", str(path), "--id-property", ID, stderr=stderr)

    lines = stderr.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("feature 3 (")
    assert lines[1].startswith("feature 61 (")
    assert not Area.objects.exists()


def test_the_command_refuses_an_unknown_actor(shared_data: Path) -> None:
    with pytest.raises(CommandError, match="No active user"):
        run(str(shared_data / CITY), "--id-property", ID, "--actor", "nobody@example.org")


def test_the_command_exits_with_a_non_zero_status_on_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # run_from_argv closes the connections when done; the test's transaction needs its own.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    path = tmp_path / "areas.geojson"
    path.write_text("not json")
    utility = ManagementUtility(["equityhub", "import-areas", str(path), "--id-property", ID])

    with pytest.raises(SystemExit) as caught:
        utility.execute()

    assert caught.value.code == 1
    err = capsys.readouterr().err
    assert "the file: The file is not JSON" in err
    assert "nothing was written" in err


# The demo loaders ----------------------------------------------------------------------------


def test_the_demo_table_loads_66_areas_with_centroids_and_two_indicators() -> None:
    assert services.load_demo_areas() == 66

    assert Area.objects.filter(kind=Area.Kind.ZCTA).count() == 66
    assert not Area.objects.filter(centroid_lat__isnull=True).exists()
    assert Area.objects.get(code="63105").name == "Clayton"
    assert set(Indicator.objects.values_list("code", flat=True)) == {"total_pop", "pvty_pct"}
    assert IndicatorValue.objects.filter(indicator__code="total_pop", year=2018).count() == 66
    # Two ZCTAs nobody lives in have no poverty estimate.
    assert IndicatorValue.objects.filter(indicator__code="pvty_pct").count() == 64
    assert set(IndicatorValue.objects.values_list("source", flat=True)) == {ATTRIBUTION}


def test_loading_the_demo_twice_duplicates_nothing_and_keeps_names() -> None:
    Area.objects.create(kind=Area.Kind.ZCTA, code="63106", name="Old North / St. Louis Place")
    Area.objects.create(kind=Area.Kind.ZCTA, code="63107", name="")

    services.load_demo_areas()
    services.load_demo_areas()

    assert Area.objects.count() == 66
    assert Area.objects.get(code="63106").name == "Old North / St. Louis Place"
    assert Area.objects.get(code="63107").name == "Hyde Park / Fairground / College Hill"
    assert IndicatorValue.objects.count() == 66 + 64


def test_the_demo_centroids_are_those_of_the_imported_boundaries(shared_data: Path) -> None:
    services.load_demo_areas()
    table = {
        code: (lat, lon)
        for code, lat, lon in Area.objects.values_list("code", "centroid_lat", "centroid_lon")
    }

    import_areas(actor=None, source_file=shared_data / CITY_COUNTY, id_property=ID)

    for code, lat, lon in Area.objects.values_list("code", "centroid_lat", "centroid_lon"):
        assert (lat, lon) == pytest.approx(table[code], abs=1e-6)


def test_the_shared_boundaries_load_with_their_tables_and_names(shared_data: Path) -> None:
    assert services.import_shared_boundaries(directory=shared_data) is True

    assert Area.objects.count() == 66
    assert not Area.objects.filter(geometry__isnull=True).exists()
    assert Area.objects.get(code="63106").name == "Near North Side"
    codes = set(Indicator.objects.values_list("code", flat=True))
    assert codes == {"total_pop", "pvty_pct", "wht_pct", "blk_pct"}


def test_the_shared_boundaries_after_the_demo_table_update_the_same_areas(
    shared_data: Path,
) -> None:
    services.load_demo_areas()
    ids = dict(Area.objects.values_list("code", "id"))

    services.import_shared_boundaries(directory=shared_data)
    services.load_demo_areas()

    assert dict(Area.objects.values_list("code", "id")) == ids
    assert Indicator.objects.count() == 4


def test_without_the_shared_directory_nothing_is_loaded(tmp_path: Path) -> None:
    assert services.import_shared_boundaries(directory=tmp_path / "absent") is False
    assert not Area.objects.exists()


def test_the_demo_table_agrees_with_the_shared_files(shared_data: Path) -> None:
    table = {row.zcta: row for row in services.demo_areas()}
    collection = json.loads((shared_data / CITY_COUNTY).read_bytes())
    features = geo.read_features(collection, id_property=ID)

    assert set(table) == {f.feature_id for f in features}
    for feature in features:
        row = table[str(feature.feature_id)]
        assert (row.centroid_lat, row.centroid_lon) == pytest.approx(
            feature.shape.centroid, abs=1e-6
        )
        assert row.county in {"St. Louis City", "St. Louis County"}
        assert row.name
    assert table["63106"].county == "St. Louis City"
    assert table["63105"].county == "St. Louis County"


# The admin -----------------------------------------------------------------------------------


@pytest.fixture
def superuser(make_user: Any) -> User:
    user = make_user(Role.OFFICE_ADMIN)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_the_area_admin_shows_computed_fields_read_only(
    shared_data: Path, superuser: User, client_for: Any
) -> None:
    import_areas(actor=None, source_file=shared_data / CITY, id_property=ID)
    area = Area.objects.get(code="63106")
    client = client_for(superuser)

    page = client.get(f"/admin/places/area/{area.pk}/change/")
    listing = client.get("/admin/places/area/")

    assert page.status_code == 200 and listing.status_code == 200
    text = page.content.decode()
    assert "MultiPolygon, " in text and "on maps)" in text
    assert 'name="centroid_lat"' not in text  # computed from the boundary
    assert 'name="name"' in text
    response = client.post(
        f"/admin/places/area/{area.pk}/change/", {"name": "Near North Side"}, follow=True
    )
    assert response.status_code == 200
    area.refresh_from_db()
    assert area.name == "Near North Side"
    assert AuditEntry.objects.get(action="places.area.updated").changes == {
        "name": ["", "Near North Side"]
    }


def test_an_indicator_is_renamed_in_the_admin_with_an_audit_entry(
    superuser: User, client_for: Any
) -> None:
    Area.objects.create(kind=Area.Kind.ZCTA, code="63106")
    services.import_indicators(
        actor=None, data="zcta,le\n63106,69.2\n", area_column="zcta", year=2014, source="DHSS"
    )
    indicator = Indicator.objects.get(code="le")
    client = client_for(superuser)

    response = client.post(
        f"/admin/places/indicator/{indicator.pk}/change/",
        {
            "name": "Life expectancy",
            "unit": "years",
            "description": "",
            "higher_means_more_need": "",
        },
    )

    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.name, indicator.unit, indicator.higher_means_more_need) == (
        "Life expectancy",
        "years",
        False,
    )
    entry = AuditEntry.objects.get(action="places.indicator.updated")
    assert entry.changes["higher_means_more_need"] == [True, False]
    assert client.get("/admin/places/indicator/add/").status_code == 403


def test_indicator_values_are_read_only_in_the_admin(superuser: User, client_for: Any) -> None:
    Area.objects.create(kind=Area.Kind.ZCTA, code="63106")
    services.import_indicators(
        actor=None, data="zcta,le\n63106,69.2\n", area_column="zcta", year=2014, source="DHSS"
    )
    value = IndicatorValue.objects.get()
    client = client_for(superuser)

    assert client.get("/admin/places/indicatorvalue/").status_code == 200
    assert client.get(f"/admin/places/indicatorvalue/{value.pk}/change/").status_code == 200
    client.post(f"/admin/places/indicatorvalue/{value.pk}/change/", {"value": "1"})
    value.refresh_from_db()
    assert value.value == 69.2
    assert client.get("/admin/places/indicatorvalue/add/").status_code == 403


@pytest.mark.parametrize("code", ["old\x00north", "old\x07north"])
def test_an_area_code_with_control_characters_is_refused(code: str) -> None:
    error = failure(
        data=json.dumps(small_collection("old-north", code)), kind=Area.Kind.NEIGHBORHOOD
    )

    assert [str(e) for e in error.errors] == [
        "feature 1: its GEOID_ZCTA contains control characters."
    ]


@pytest.mark.parametrize("name", ["Old\x00North", "Old North\x1b[31m", "Old \u009bNorth"])
def test_an_area_name_with_control_characters_is_refused(name: str) -> None:
    error = failure(
        data=json.dumps(small_collection("63105", "63106", NAME=name)), name_property="NAME"
    )

    assert [str(e) for e in error.errors] == [
        "feature 0 (63105): its NAME contains control characters.",
        "feature 1 (63106): its NAME contains control characters.",
    ]


def test_line_breaks_and_tabs_in_a_name_become_spaces() -> None:
    import_areas(
        actor=None,
        data=json.dumps(small_collection("63106", NAME="Old\tNorth\n St. Louis")),
        id_property=ID,
        name_property="NAME",
    )

    assert Area.objects.get().name == "Old North St. Louis"

"""`/api/v1/areas`, `/api/v1/areas/{id}`, `/api/v1/indicators`: areas as GeoJSON with their
indicators, cached, compressed once, conditional."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.places import selectors, services
from equityhub.places.models import Area, IndicatorValue
from equityhub.places.services import ATTRIBUTION, import_indicators

pytestmark = pytest.mark.django_db

URL = "/api/v1/areas"
MAX_GZIPPED = 300 * 1024


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    selectors.clear_local_cache()
    yield
    cache.clear()
    selectors.clear_local_cache()


@pytest.fixture
def atlas(shared_data: Path) -> None:
    """The 66 St. Louis ZCTAs with boundaries, population, poverty and race (ACS 2018)."""
    assert services.import_shared_boundaries(directory=shared_data)


@pytest.fixture
def client(outsider: User, client_for: Callable[[User], Client]) -> Client:
    """Signed in, with no role at all: areas are for every signed-in user."""
    return client_for(outsider)


def geojson(response: Any) -> Any:
    assert response.status_code == 200, response.content[:300]
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return json.loads(body)


# The collection ----------------------------------------------------------------------------


@pytest.mark.usefixtures("atlas")
def test_the_areas_are_a_feature_collection_with_their_latest_indicators(client: Client) -> None:
    response = client.get(URL)

    assert response["Content-Type"] == "application/geo+json"
    collection = geojson(response)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 66
    areas = {area.pk: area for area in Area.objects.all()}
    for feature in collection["features"]:
        area = areas[feature["id"]]
        properties = feature["properties"]
        assert feature["type"] == "Feature"
        assert properties["id"] == area.pk
        assert (properties["code"], properties["name"], properties["kind"]) == (
            area.code,
            area.name,
            "zcta",
        )
        assert properties["centroid"] == [area.centroid_lat, area.centroid_lon]
        assert properties["bbox"] == list(area.bbox or ())
        assert feature["geometry"] == area.display_geometry
    near_north = next(f for f in collection["features"] if f["properties"]["code"] == "63106")
    assert near_north["properties"]["name"] == "Near North Side"
    poverty = near_north["properties"]["indicators"]["pvty_pct"]
    assert poverty == {
        "value": pytest.approx(49.3717137510),
        "year": 2018,
        "unit": "%",
        "name": "Poverty rate",
    }
    assert set(near_north["properties"]["indicators"]) == {
        "total_pop",
        "pvty_pct",
        "wht_pct",
        "blk_pct",
    }
    listed = {item["code"]: item for item in collection["indicators"]}
    assert set(listed) == {"total_pop", "pvty_pct", "wht_pct", "blk_pct"}
    assert listed["pvty_pct"]["years"] == [2018]
    assert listed["pvty_pct"]["higher_means_more_need"] is True
    assert listed["pvty_pct"]["source"] == ATTRIBUTION
    assert collection["attribution"] == ATTRIBUTION


@pytest.mark.usefixtures("atlas")
def test_an_area_without_an_estimate_has_no_value_for_it(client: Client) -> None:
    collection = geojson(client.get(URL))

    earth_city = next(f for f in collection["features"] if f["properties"]["code"] == "63045")
    assert "pvty_pct" not in earth_city["properties"]["indicators"]
    assert earth_city["properties"]["indicators"]["total_pop"]["value"] == 0


@pytest.mark.usefixtures("atlas")
def test_the_latest_year_is_shown_and_a_newer_one_replaces_it(client: Client) -> None:
    import_indicators(
        actor=None, data="zcta,pvty_pct\n63106,44.0\n", area_column="zcta", year=2022, source="ACS"
    )

    collection = geojson(client.get(URL))

    by_code = {f["properties"]["code"]: f["properties"] for f in collection["features"]}
    assert by_code["63106"]["indicators"]["pvty_pct"]["year"] == 2022
    assert by_code["63106"]["indicators"]["pvty_pct"]["value"] == 44.0
    assert by_code["63105"]["indicators"]["pvty_pct"]["year"] == 2018
    listed = {item["code"]: item for item in collection["indicators"]}
    assert listed["pvty_pct"]["years"] == [2018, 2022]
    assert listed["pvty_pct"]["source"] == f"ACS; {ATTRIBUTION}"


@pytest.mark.usefixtures("atlas")
def test_only_the_indicators_asked_for_are_included(client: Client) -> None:
    collection = geojson(client.get(URL, {"indicator": ["pvty_pct", "total_pop"]}))

    assert {item["code"] for item in collection["indicators"]} == {"pvty_pct", "total_pop"}
    for feature in collection["features"]:
        assert set(feature["properties"]["indicators"]) <= {"pvty_pct", "total_pop"}


@pytest.mark.usefixtures("atlas")
def test_an_unknown_indicator_is_a_422_naming_it(client: Client) -> None:
    response = client.get(URL, {"indicator": ["pvty_pct", "life_expectancy"]})

    assert response.status_code == 422
    assert response.json()["detail"] == "Unknown indicator: life_expectancy."
    assert response.json()["field"] == "indicator"


@pytest.mark.usefixtures("atlas")
def test_areas_of_one_kind_and_full_boundaries_can_be_asked_for(client: Client) -> None:
    Area.objects.create(kind=Area.Kind.NEIGHBORHOOD, code="old-north", name="Old North")

    neighborhoods = geojson(client.get(URL, {"kind": "neighborhood"}))
    full = geojson(client.get(URL, {"kind": "zcta", "full": "true"}))

    assert [f["properties"]["code"] for f in neighborhoods["features"]] == ["old-north"]
    assert neighborhoods["features"][0]["geometry"] is None
    assert neighborhoods["features"][0]["properties"]["indicators"] == {}
    by_id = {area.pk: area.geometry for area in Area.objects.filter(kind=Area.Kind.ZCTA)}
    assert len(full["features"]) == 66
    assert all(f["geometry"] == by_id[f["id"]] for f in full["features"])


def test_an_unknown_kind_is_a_422(client: Client) -> None:
    assert client.get(URL, {"kind": "county"}).status_code == 422


def test_without_areas_the_collection_is_empty(client: Client) -> None:
    collection = geojson(client.get(URL))

    assert collection == {
        "type": "FeatureCollection",
        "features": [],
        "indicators": [],
        "attribution": "",
    }


# Compression, caching, conditional requests ------------------------------------------------


@pytest.mark.usefixtures("atlas")
def test_gzip_is_sent_to_clients_that_accept_it_and_holds_the_same_document(
    client: Client,
) -> None:
    plain = client.get(URL)
    compressed = client.get(URL, headers={"Accept-Encoding": "gzip, deflate, br"})

    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert int(compressed["Content-Length"]) == len(compressed.content) < MAX_GZIPPED
    assert len(compressed.content) < len(plain.content) / 3
    for response in (plain, compressed):
        vary = {part.strip() for part in response["Vary"].split(",")}
        assert {"Accept-Encoding", "Accept"} <= vary
        assert response["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize(
    ("header", "compressed"),
    [("gzip;q=0", False), ("*", True), ("br, *;q=0", False), ("identity", False), ("GZIP", True)],
)
def test_accept_encoding_is_read_with_its_qualities(
    client: Client, header: str, compressed: bool
) -> None:
    response = client.get(URL, headers={"Accept-Encoding": header})

    assert (response.get("Content-Encoding") == "gzip") is compressed


@pytest.mark.usefixtures("atlas")
def test_the_map_is_built_and_compressed_once_then_served_from_the_cache(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Any] = []
    real = selectors._feature_collection

    def counting(query: selectors.AreasQuery) -> dict[str, Any]:
        built.append(query)
        return real(query)

    monkeypatch.setattr(selectors, "_feature_collection", counting)
    gzip_headers = {"Accept-Encoding": "gzip"}

    first = client.get(URL, headers=gzip_headers)
    client.get(URL)
    selectors.clear_local_cache()  # another worker: the shared cache has it
    third = client.get(URL, headers=gzip_headers)

    assert len(built) == 1
    assert first.content == third.content


@pytest.mark.usefixtures("atlas")
def test_a_client_holding_the_current_map_gets_a_304(client: Client) -> None:
    first = client.get(URL, headers={"Accept-Encoding": "gzip"})
    etag = first["ETag"]

    again = client.get(URL, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    plain = client.get(URL, headers={"If-None-Match": f'W/{etag}, "other"'})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert plain.status_code == 304
    assert plain["ETag"] != etag  # each encoding has its own tag


@pytest.mark.usefixtures("atlas")
def test_a_change_to_the_data_changes_the_etag(client: Client) -> None:
    etag = client.get(URL)["ETag"]
    import_indicators(
        actor=None, data="zcta,pvty_pct\n63106,50.5\n", area_column="zcta", year=2018, source="x"
    )

    response = client.get(URL, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag
    by_code = {f["properties"]["code"]: f for f in geojson(response)["features"]}
    assert by_code["63106"]["properties"]["indicators"]["pvty_pct"]["value"] == 50.5


@pytest.mark.usefixtures("atlas")
def test_a_client_that_accepts_only_json_gets_json(client: Client) -> None:
    response = client.get(URL, headers={"Accept": "application/json"})

    assert response["Content-Type"] == "application/json"
    assert geojson(response)["type"] == "FeatureCollection"


def make_areas(count: int) -> None:
    first = Area.objects.count()
    areas = Area.objects.bulk_create(
        Area(
            kind=Area.Kind.ZCTA,
            code=f"{63000 + first + n}",
            centroid_lat=38.6,
            centroid_lon=-90.2,
            display_geometry={
                "type": "Polygon",
                "coordinates": [[[-90.2, 38.6], [-90.1, 38.6], [-90.1, 38.7], [-90.2, 38.6]]],
            },
        )
        for n in range(count)
    )
    import_indicators(
        actor=None,
        rows=[{"zcta": a.code, "pvty_pct": n, "total_pop": 100 * n} for n, a in enumerate(areas)],
        area_column="zcta",
        year=2018,
        source="test",
    )


def test_the_number_of_queries_does_not_grow_with_the_areas(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    client.get("/api/v1/indicators")  # the session and the user, loaded once
    counted: dict[int, tuple[int, int]] = {}
    for total in (10, 66):
        make_areas(total - Area.objects.count())
        with CaptureQueriesContext(connection) as cold:
            assert len(geojson(client.get(URL))["features"]) == total
        with CaptureQueriesContext(connection) as warm:
            client.get(URL)
        counted[total] = (len(cold), len(warm))

    assert counted[10] == counted[66]
    with django_assert_max_num_queries(counted[10][1]):
        client.get(URL)
    # A cached answer costs the version's two aggregates, besides signing in.
    assert counted[66][0] - counted[66][1] == 4


# Who may read ------------------------------------------------------------------------------


@pytest.mark.usefixtures("atlas")
def test_a_signed_in_user_with_a_token_may_read_the_areas(outsider: User) -> None:
    _token, raw = create_api_token(user=outsider, name="atlas", actor=outsider)
    token_client = Client(headers={"Authorization": f"Bearer {raw}"})

    assert len(geojson(token_client.get(URL))["features"]) == 66


@pytest.mark.parametrize("path", [URL, f"{URL}/1", "/api/v1/indicators"])
def test_anonymous_requests_get_a_401(path: str) -> None:
    response = Client().get(path)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


# One area ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("atlas")
def test_one_area_has_its_full_boundary_and_every_value_by_year(client: Client) -> None:
    import_indicators(
        actor=None, data="zcta,pvty_pct\n63106,44.0\n", area_column="zcta", year=2022, source="ACS"
    )
    area = Area.objects.get(code="63106")

    response = client.get(f"{URL}/{area.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    feature = response.json()
    assert (feature["type"], feature["id"]) == ("Feature", area.pk)
    assert feature["geometry"] == area.geometry
    properties = feature["properties"]
    assert properties["source"] == ATTRIBUTION
    assert properties["centroid"] == [area.centroid_lat, area.centroid_lon]
    poverty = properties["indicators"]["pvty_pct"]
    assert (poverty["name"], poverty["unit"], poverty["higher_means_more_need"]) == (
        "Poverty rate",
        "%",
        True,
    )
    assert [(v["year"], v["source"]) for v in poverty["values"]] == [
        (2022, "ACS"),
        (2018, ATTRIBUTION),
    ]
    assert set(properties["indicators"]) == {"total_pop", "pvty_pct", "wht_pct", "blk_pct"}


def test_an_area_without_boundary_or_values_is_a_feature_without_geometry(
    client: Client,
) -> None:
    area = Area.objects.create(kind=Area.Kind.ZCTA, code="63106", name="Old North")

    feature = client.get(f"{URL}/{area.pk}").json()

    assert feature["geometry"] is None
    assert feature["properties"]["bbox"] is None
    assert feature["properties"]["centroid"] is None
    assert feature["properties"]["indicators"] == {}


@pytest.mark.parametrize("area_id", [0, 2**63, 2**63 - 1, 99999])
def test_an_id_out_of_range_or_unknown_is_a_404(client: Client, area_id: int) -> None:
    response = client.get(f"{URL}/{area_id}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_get_area_for_user_404s_anonymous_users() -> None:
    area = Area.objects.create(kind=Area.Kind.ZCTA, code="63106")

    with pytest.raises(Http404):
        selectors.get_area_for_user(AnonymousUser(), area.pk)


# The indicators --------------------------------------------------------------------------


@pytest.mark.usefixtures("atlas")
def test_the_indicators_are_listed_with_their_years_and_source(client: Client) -> None:
    response = client.get("/api/v1/indicators")

    assert response.status_code == 200
    listed = {item["code"]: item for item in response.json()}
    assert listed["total_pop"] == {
        "code": "total_pop",
        "name": "Population",
        "unit": "people",
        "description": "American Community Survey 5-year estimate.",
        "higher_means_more_need": False,
        "years": [2018],
        "source": ATTRIBUTION,
    }
    assert IndicatorValue.objects.filter(indicator__code="total_pop").count() == 66


# The OpenAPI document ------------------------------------------------------------------------


def test_the_openapi_document_describes_the_geojson_answers() -> None:
    schema = Client().get("/api/v1/openapi.json").json()

    areas = schema["paths"]["/api/v1/areas"]["get"]
    assert {"200", "304", "401", "422"} <= set(areas["responses"])
    content = areas["responses"]["200"]["content"]
    assert content["application/geo+json"]["schema"] == {
        "$ref": "#/components/schemas/AreaCollectionOut"
    }
    assert {"kind", "indicator", "full", "If-None-Match"} <= {
        parameter["name"] for parameter in areas["parameters"]
    }
    collection = schema["components"]["schemas"]["AreaCollectionOut"]
    assert {"type", "features", "indicators", "attribution"} <= set(collection["properties"])
    one = schema["paths"]["/api/v1/areas/{area_id}"]["get"]
    assert {"200", "404"} <= set(one["responses"])
    assert "/api/v1/indicators" in schema["paths"]


# Indicator codes are checked before anything is built or cached ---------------------------


@pytest.fixture
def small_map() -> None:
    area = Area.objects.create(kind=Area.Kind.ZCTA, code="63106", name="Near North Side")
    import_indicators(
        actor=None, data="zcta,pvty_pct\n63106,44.0\n", area_column="zcta", year=2018, source="ACS"
    )
    assert IndicatorValue.objects.get().area == area


def cached_maps() -> list[str]:
    """The keys of the maps in the shared cache (the tests' LocMemCache)."""
    return [key for key in getattr(cache, "_cache", {}) if selectors.CACHE_PREFIX in key]


@pytest.fixture
def nothing_built(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fails the test if a map's key or payload is computed, or a map is cached."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a map was computed for a refused request")

    monkeypatch.setattr(selectors, "areas_geojson_key", refuse)
    monkeypatch.setattr(selectors, "_feature_collection", refuse)
    yield
    assert not selectors._local
    assert cached_maps() == []


@pytest.mark.usefixtures("small_map")
def test_an_unknown_indicator_creates_no_cache_entry(client: Client, nothing_built: None) -> None:
    response = client.get(URL, {"indicator": ["pvty_pct", "made_up"]})

    assert response.status_code == 422
    assert response.json()["detail"] == "Unknown indicator: made_up."
    assert not selectors._local


@pytest.mark.usefixtures("small_map")
def test_an_unknown_indicator_is_a_422_even_for_a_client_with_an_etag(
    client: Client, nothing_built: None
) -> None:
    response = client.get(URL, {"indicator": "made_up"}, headers={"If-None-Match": "*"})

    assert response.status_code == 422


@pytest.mark.usefixtures("small_map")
def test_a_known_indicator_is_still_served_and_cached(client: Client) -> None:
    collection = geojson(client.get(URL, {"indicator": ["pvty_pct", "pvty_pct"]}))

    assert [item["code"] for item in collection["indicators"]] == ["pvty_pct"]
    assert len(selectors._local) == 1
    assert len(cached_maps()) == 1


@pytest.mark.usefixtures("small_map")
def test_the_echo_of_unknown_indicators_is_cut_short(client: Client, nothing_built: None) -> None:
    codes = [f"{index:02d}" + "x" * 58 for index in range(50)]

    response = client.get(URL, {"indicator": codes})

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("Unknown indicator: 00xxx")
    assert len(detail) < 260
    assert "49xxx" not in detail


@pytest.mark.usefixtures("small_map")
@pytest.mark.parametrize(
    "query",
    [
        "indicator=%00",
        "indicator=pvty_pct%00",
        "indicator=pvty%1Bpct",
        "indicator=pvty_pct&indicator=%00",
        "indicator=" + "x" * 61,
        "&".join(f"indicator=code{index}" for index in range(51)),
    ],
)
def test_an_indicator_code_that_cannot_be_one_is_a_422(
    client: Client, nothing_built: None, query: str
) -> None:
    response = client.get(f"{URL}?{query}")

    assert response.status_code == 422, response.content
    assert "indicator" in response.json()["field"]

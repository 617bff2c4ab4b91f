"""/api/v1/atlas: the layers (the same data as /atlas/layers.json) and need vs reach, for office
staff and leadership only; 403 for everyone else, 422 for unknown codes, constant queries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.people.models import Organization
from equityhub.places.models import Area
from tests.partnerships.atlas_fixtures import (
    areas_in_a_row,
    initiative_in,
    make_indicator,
    make_site,
    pathway_people,
    set_value,
    square_area,
    volunteer_hours,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/atlas"
ClientFor = Callable[[User], Client]


def token_client(user: User) -> Client:
    _token, raw = create_api_token(user=user, name="tests", actor=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def atlas_data(partner_org: Organization) -> dict[str, Area]:
    north = square_area("63106", index=0, name="Old North")
    east = square_area("63107", index=1)
    west = square_area("63105", index=2, name="Clayton")
    poverty = make_indicator()
    set_value(poverty, north, 44.7)
    set_value(poverty, west, 6.1)
    life = make_indicator("life_exp", "Life expectancy", "years", higher_means_more_need=False)
    set_value(life, north, 69.2)
    set_value(life, west, 87.0)
    initiative_in(partner_org, [north], title="Northside Cancer Screening Days")
    make_site(north, "Saturday Neighborhood Free Clinic")
    pathway_people(north.code, 4)
    pathway_people(west.code, 25)
    volunteer_hours(make_site(west, "Clayton Clinic"), 12)
    return {"63106": north, "63107": east, "63105": west}


def test_the_layers_endpoint_answers_the_same_as_layers_json(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    api = token_client(coordinator).get(f"{API}/layers")
    page = client_for(coordinator).get("/atlas/layers.json")
    assert api.status_code == 200
    assert api.json() == page.json()
    data = api.json()
    participants = {row["code"]: row for row in data["participants"]["areas"]}
    assert participants["63106"] == {
        "area_id": atlas_data["63106"].pk,
        "code": "63106",
        "name": "Old North",
        "lat": atlas_data["63106"].centroid_lat,
        "lon": atlas_data["63106"].centroid_lon,
        "count": None,
        "suppressed": True,
    }


def test_the_layers_endpoint_works_with_the_session_for_leadership(
    client_for: ClientFor, leadership: User, atlas_data: dict[str, Area]
) -> None:
    response = client_for(leadership).get(f"{API}/layers", {"focus": "cancer_screening"})
    assert response.status_code == 200
    assert response.json()["initiatives"]["total"] == 1


def test_an_unknown_focus_area_is_422(coordinator: User, atlas_data: dict[str, Area]) -> None:
    response = token_client(coordinator).get(f"{API}/layers", {"focus": "nope"})
    assert response.status_code == 422
    assert response.json()["field"] == "focus"


@pytest.mark.parametrize("path", ["/layers", "/need-vs-reach"])
def test_partners_members_and_outsiders_get_403_without_data(
    path: str, partner: User, member: User, outsider: User, atlas_data: dict[str, Area]
) -> None:
    for user in (partner, member, outsider):
        response = token_client(user).get(API + path)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
        assert "Old North" not in response.content.decode()


def test_without_a_token_the_api_answers_401(atlas_data: dict[str, Area]) -> None:
    assert Client().get(f"{API}/layers").status_code == 401


def test_need_vs_reach_ranks_the_areas_by_the_default_indicator(
    coordinator: User, atlas_data: dict[str, Area]
) -> None:
    response = token_client(coordinator).get(f"{API}/need-vs-reach")
    assert response.status_code == 200
    data = response.json()
    assert data["indicator"]["code"] == "pvty_pct"
    assert data["indicator"]["years"] == [2018]
    assert data["ranked"] == 2
    assert data["threshold"] == 11
    rows = data["rows"]
    assert [row["code"] for row in rows] == ["63106", "63105", "63107"]
    north = rows[0]
    assert north["need_rank"] == 1
    assert north["value"] == 44.7 and north["year"] == 2018
    assert north["initiatives"] == 1 and north["sites"] == 1
    assert north["participants"] is None  # 4: hidden
    assert rows[2]["need_rank"] is None and rows[2]["value"] is None


def test_need_vs_reach_takes_an_indicator_and_a_sort(
    coordinator: User, atlas_data: dict[str, Area]
) -> None:
    client = token_client(coordinator)
    data = client.get(f"{API}/need-vs-reach", {"indicator": "life_exp", "sort": "-need"}).json()
    assert data["indicator"]["higher_means_more_need"] is False
    assert data["sort"] == "-need"
    assert [row["code"] for row in data["rows"]] == ["63105", "63106", "63107"]
    assert data["rows"][1]["need_rank"] == 1  # the lowest life expectancy


def test_need_vs_reach_refuses_an_unknown_indicator_or_sort(
    coordinator: User, atlas_data: dict[str, Area]
) -> None:
    client = token_client(coordinator)
    response = client.get(f"{API}/need-vs-reach", {"indicator": "nope"})
    assert response.status_code == 422
    assert response.json()["field"] == "indicator"
    response = client.get(f"{API}/need-vs-reach", {"sort": "sideways"})
    assert response.status_code == 422
    assert response.json()["field"] == "sort"


def test_need_vs_reach_without_any_indicator_ranks_nothing(coordinator: User) -> None:
    areas_in_a_row(2)
    data = token_client(coordinator).get(f"{API}/need-vs-reach").json()
    assert data["indicator"] is None
    assert data["ranked"] == 0
    assert len(data["rows"]) == 2


def test_the_endpoints_are_documented_in_openapi(coordinator: User) -> None:
    schema = token_client(coordinator).get("/api/v1/openapi.json").json()
    assert "get" in schema["paths"][f"{API}/layers"]
    assert schema["paths"][f"{API}/need-vs-reach"]["get"]["summary"] == "Need vs reach, by area"


def test_the_endpoints_take_as_many_queries_for_60_areas_as_for_10(
    coordinator: User, partner_org: Organization
) -> None:
    client = token_client(coordinator)

    def populate(count: int, first: int) -> None:
        poverty = make_indicator()
        for index, area in enumerate(areas_in_a_row(count, first=first)):
            set_value(poverty, area, float(index))
            make_site(area, f"Clinic {area.code}")
            initiative_in(partner_org, [area], title=f"Initiative {area.code}")
            pathway_people(area.code, 1)

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured.captured_queries)

    populate(10, 63001)
    client.get(f"{API}/layers")  # the token's first use is recorded once
    small = (count(f"{API}/layers"), count(f"{API}/need-vs-reach"))
    populate(50, 63011)
    assert (count(f"{API}/layers"), count(f"{API}/need-vs-reach")) == small

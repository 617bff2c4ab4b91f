"""The atlas pages: who may open them, what the map page renders without JavaScript (the form,
the legend, one table per layer, need vs reach), the area panel as an htmx fragment and as a
page, layers.json, the need-vs-reach page and its CSV, and constant query counts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equityhub.accounts.models import User
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

HUGE_ID = 2**63
HX = {"HTTP_HX_REQUEST": "true"}
ClientFor = Callable[[User], Client]


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"atlas:{name}", kwargs=kwargs)


@pytest.fixture
def atlas_data(partner_org: Organization) -> dict[str, Area]:
    """Three ZIP areas: 63106 (high poverty, one initiative, a clinic, hidden participants),
    63107 (no value), 63105 (low poverty, many participants)."""
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


# -- who may open the atlas ------------------------------------------------------------------


PAGES = ["index", "layers", "need_vs_reach"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["coordinator", "admin_user", "leadership"])
def test_office_staff_and_leadership_open_the_atlas(
    name: str,
    who: str,
    request: pytest.FixtureRequest,
    client_for: ClientFor,
    atlas_data: dict[str, Area],
) -> None:
    user = request.getfixturevalue(who)
    assert client_for(user).get(url(name)).status_code == 200


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["partner", "member", "outsider"])
def test_partners_members_and_outsiders_get_403(
    name: str,
    who: str,
    request: pytest.FixtureRequest,
    client_for: ClientFor,
    atlas_data: dict[str, Area],
) -> None:
    response = client_for(request.getfixturevalue(who)).get(url(name))
    assert response.status_code == 403
    assert b"Old North" not in response.content


def test_the_area_panel_is_403_for_partners_members_and_outsiders(
    client_for: ClientFor,
    partner: User,
    member: User,
    outsider: User,
    atlas_data: dict[str, Area],
) -> None:
    area_url = url("area", area_id=atlas_data["63106"].pk)
    for user in (partner, member, outsider):
        assert client_for(user).get(area_url, **HX).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(atlas_data: dict[str, Area]) -> None:
    response = Client().get(url("index"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_atlas_answers_get_only(client_for: ClientFor, coordinator: User) -> None:
    assert client_for(coordinator).post(url("index")).status_code == 405


# -- the map page ----------------------------------------------------------------------------


def test_the_map_page_renders_the_form_map_legend_and_tables(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    response = client_for(coordinator).get(url("index"))
    html = response.content.decode()
    # The form: indicator select (poverty rate chosen by default), layers, focus areas.
    assert '<select name="indicator"' in html
    assert '<option value="pvty_pct" selected>Poverty rate (%)</option>' in html
    assert '<option value="life_exp">Life expectancy (years)</option>' in html
    for layer in ("initiatives", "sites", "hours", "participants"):
        assert f'value="{layer}"' in html
        assert f'name="layer" value="{layer}"' in html
    assert 'name="focus"' in html
    # The map, its live status and its panel.
    assert 'id="atlas-map"' in html and 'role="region"' in html
    assert 'id="atlas-status"' in html
    assert 'id="atlas-panel"' in html and 'aria-live="polite"' in html
    # The legend is a list of ranges in words.
    assert 'id="atlas-legend"' in html
    assert "6.1 \N{EN DASH}" not in html  # two values, two classes of one value each
    legend = html.split('id="atlas-legend"')[1].split("</ul>")[0]
    assert "44.7 %" in legend and "6.1 %" in legend and "No data" in legend
    # Tables: the choropleth, need vs reach, and one per layer, each with a caption.
    for table_id in (
        "indicator-table",
        "need-table",
        "initiatives-table",
        "sites-table",
        "hours-table",
        "participants-table",
    ):
        assert f'id="{table_id}"' in html
    assert html.count("<caption") >= 6
    assert 'scope="col"' in html and 'scope="row"' in html
    assert "Saturday Neighborhood Free Clinic" in html
    # The configuration for atlas.js, with the areas' URL and every legend.
    config = json.loads(html.split('id="atlas-config" type="application/json">')[1].split("<")[0])
    assert config["areasUrl"] == "/api/v1/areas?kind=zcta"
    assert config["indicator"] == "pvty_pct"
    assert config["layers"] == ["initiatives", "sites", "hours", "participants"]
    assert config["panelUrl"] == "/atlas/areas/0/"
    assert {i["code"] for i in config["indicators"]} == {"pvty_pct", "life_exp"}
    assert config["strings"]["loading"] == "Loading boundaries…"
    # No inline script or style anywhere (CSP).
    assert "<script>" not in html and " style=" not in html


def test_the_page_renders_the_chosen_indicator_and_layers_from_the_url(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    response = client_for(coordinator).get(
        url("index"), {"indicator": "life_exp", "layer": ["sites"], "view": "1"}
    )
    html = response.content.decode()
    assert '<option value="life_exp" selected>' in html
    assert response.context["state"]["layers"] == ["sites"]
    assert 'name="layer" value="sites" id="id_layer_1" checked' in html
    assert 'name="layer" value="hours" id="id_layer_2" checked' not in html
    assert response.context["config"]["indicator"] == "life_exp"
    # Life expectancy: the lowest is the most need, so darker means lower.
    assert "darker means a lower value (more need)" in html
    need = response.context["need"]
    assert need.rows[0].area.code == "63106"
    assert need.rows[0].need_rank == 1


def test_without_the_view_marker_every_layer_is_shown(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    response = client_for(coordinator).get(url("index"), {"indicator": "life_exp"})
    assert response.context["state"]["layers"] == ["initiatives", "sites", "hours", "participants"]


def test_an_unknown_indicator_falls_back_to_the_default_with_an_error(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    response = client_for(coordinator).get(url("index"), {"indicator": "nope"})
    assert response.status_code == 200
    assert response.context["state"]["indicator"] == "pvty_pct"
    assert response.context["form"].errors["indicator"]


def test_the_focus_filter_narrows_the_initiatives_layer(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    response = client_for(coordinator).get(url("index"), {"focus": "food_access"})
    assert response.context["layers"].initiatives == {}
    assert response.context["config"]["layersUrl"] == "/atlas/layers.json?focus=food_access"
    response = client_for(coordinator).get(url("index"), {"focus": "cancer_screening"})
    assert response.context["layers"].initiatives == {atlas_data["63106"].pk: 1}


def test_hidden_counts_read_fewer_than_eleven_in_the_tables(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    html = client_for(coordinator).get(url("index")).content.decode()
    participants = html.split('id="participants-table"')[1].split("</table>")[0]
    assert "fewer than 11" in participants
    assert ">4<" not in participants  # the hidden count of 63106
    hours = html.split('id="hours-table"')[1].split("</table>")[0]
    assert ">12<" in hours  # 12 volunteers at Clayton Clinic: shown


def test_high_need_low_reach_areas_carry_a_text_marker(
    client_for: ClientFor, coordinator: User
) -> None:
    areas = areas_in_a_row(6)
    poverty = make_indicator()
    for index, area in enumerate(areas):
        set_value(poverty, area, 60.0 - 10 * index)
        if index >= 3:
            make_site(area, f"Clinic {area.code}")
    html = client_for(coordinator).get(url("index")).content.decode()
    table = html.split('id="need-table"')[1].split("</table>")[0]
    assert table.count("High need, low reach") == 2
    assert table.count('class="eh-high-need-low-reach"') == 2
    assert "2 of 6 ranked areas are marked high need, low reach." in html


def test_the_need_table_sorts_by_the_sort_parameter_with_aria_sort(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    response = client_for(coordinator).get(url("index"), {"sort": "-need"})
    codes = [row.area.code for row in response.context["need"].rows]
    assert codes == ["63105", "63106", "63107"]
    html = response.content.decode()
    assert 'aria-sort="descending"><a href="/atlas/?sort=need#need-vs-reach">' in html
    response = client_for(coordinator).get(url("index"), {"sort": "area"})
    assert [row.area.code for row in response.context["need"].rows] == ["63105", "63106", "63107"]
    response = client_for(coordinator).get(url("index"), {"sort": "bogus"})
    assert response.status_code == 200
    assert response.context["need"].sort == "need"


def test_the_indicator_tables_come_alone_for_htmx(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    response = client_for(coordinator).get(
        url("index"),
        {"indicator": "life_exp"},
        HTTP_HX_TARGET="atlas-indicator-tables",
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="indicator-table"' in html and 'id="need-table"' in html
    assert "Life expectancy by area" in html
    assert 'id="atlas-map"' not in html


def test_the_page_without_areas_or_indicators_says_so(
    client_for: ClientFor, coordinator: User
) -> None:
    html = client_for(coordinator).get(url("index")).content.decode()
    assert "No areas have been imported yet." in html
    assert "No indicator values have been imported yet." in html


# -- the area panel --------------------------------------------------------------------------


def test_the_area_panel_is_a_fragment_for_htmx_and_a_page_otherwise(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    area_url = url("area", area_id=atlas_data["63106"].pk)
    fragment = client_for(coordinator).get(area_url, **HX)
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert "<html" not in html
    assert 'id="atlas-panel-title"' in html and "63106 Old North" in html
    assert "Poverty rate" in html and "44.7 %" in html and "2018" in html and "ACS 2018" in html
    assert "Northside Cancer Screening Days" in html
    assert "Led by Northside Community Health Collaborative" in html
    assert "Cancer screening and prevention" in html
    assert "Active" in html
    assert "Saturday Neighborhood Free Clinic" in html
    assert "Fewer than 11" in html  # the 4 participants
    page = client_for(coordinator).get(area_url)
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert "Northside Cancer Screening Days" in page.content.decode()


def test_staff_get_links_to_initiatives_and_leadership_does_not(
    client_for: ClientFor, coordinator: User, leadership: User, atlas_data: dict[str, Area]
) -> None:
    area_url = url("area", area_id=atlas_data["63106"].pk)
    staff_html = client_for(coordinator).get(area_url, **HX).content.decode()
    assert 'href="/consortium/initiatives/' in staff_html
    leadership_html = client_for(leadership).get(area_url, **HX).content.decode()
    assert "Northside Cancer Screening Days" in leadership_html
    assert 'href="/consortium/initiatives/' not in leadership_html


@pytest.mark.parametrize("area_id", [HUGE_ID, 999_999])
def test_an_unknown_or_out_of_range_area_is_404(
    area_id: int, client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    assert client_for(coordinator).get(f"/atlas/areas/{area_id}/").status_code == 404
    assert client_for(coordinator).get(f"/atlas/areas/{area_id}/", **HX).status_code == 404


def test_an_area_of_another_kind_is_404(client_for: ClientFor, coordinator: User) -> None:
    hood = square_area("old-north", kind=Area.Kind.NEIGHBORHOOD)
    assert client_for(coordinator).get(url("area", area_id=hood.pk)).status_code == 404


# -- layers.json -------------------------------------------------------------------------------


def test_layers_json_holds_every_layer_with_hidden_counts_as_null(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    response = client_for(coordinator).get(url("layers"))
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    initiatives = {row["code"]: row["count"] for row in data["initiatives"]["areas"]}
    assert initiatives == {"63105": 0, "63106": 1, "63107": 0}
    assert [site["name"] for site in data["sites"]["items"]] == [
        "Clayton Clinic",
        "Saturday Neighborhood Free Clinic",
    ]
    participants = {row["code"]: row for row in data["participants"]["areas"]}
    assert participants["63106"]["count"] is None and participants["63106"]["suppressed"]
    assert participants["63107"]["count"] == 0
    hours = {row["code"]: row for row in data["hours"]["areas"]}
    assert hours["63105"]["volunteers"] == 12 and hours["63105"]["hours"] == 36.0
    assert data["threshold"] == 11


def test_layers_json_narrows_initiatives_to_a_focus_area(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    data = client_for(coordinator).get(url("layers"), {"focus": "food_access"}).json()
    assert data["focus"] == "food_access"
    assert data["initiatives"]["total"] == 0


# -- the need-vs-reach page and CSV ------------------------------------------------------------


def test_the_need_page_shows_the_table_with_a_csv_link(
    client_for: ClientFor, leadership: User, atlas_data: dict[str, Area]
) -> None:
    response = client_for(leadership).get(url("need_vs_reach"), {"indicator": "pvty_pct"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html and "Need vs reach" in html
    assert 'id="need-table"' in html
    assert "/atlas/need/?indicator=pvty_pct&amp;format=csv" in html
    assert 'href="/atlas/need/?indicator=pvty_pct&amp;sort=-need"' in html


def test_the_csv_download_is_escaped_against_formulas(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    evil = square_area("63199", index=3, name='=HYPERLINK("http://x")')
    set_value(make_indicator(), evil, 12.0)
    response = client_for(coordinator).get(url("need_vs_reach"), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="need-vs-reach-pvty_pct.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["area_code", "area_name", "indicator"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["63199"][1] == '\'=HYPERLINK("http://x")'
    assert by_code["63106"][10] == "<11"  # hidden participants
    assert by_code["63106"][6] == "1"  # need rank
    assert by_code["63107"][3] == ""  # no value


def test_the_csv_download_is_403_for_partners(
    client_for: ClientFor, partner: User, atlas_data: dict[str, Area]
) -> None:
    response = client_for(partner).get(url("need_vs_reach"), {"format": "csv"})
    assert response.status_code == 403


# -- query counts ------------------------------------------------------------------------------


def _populate(count: int, first: int, lead: Organization) -> list[Area]:
    areas = areas_in_a_row(count, first=first)
    poverty = make_indicator()
    life = make_indicator("life_exp", "Life expectancy", "years", higher_means_more_need=False)
    for index, area in enumerate(areas):
        set_value(poverty, area, float(index))
        set_value(life, area, 70.0 + index)
        make_site(area, f"Clinic {area.code}")
        initiative_in(lead, [area], title=f"Initiative {area.code}")
    volunteer_hours(make_site(areas[0], f"Hours clinic {first}"), 3)
    pathway_people(areas[0].code, 12)
    return areas


def _count(client: Client, path: str, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **extra)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_pages_take_as_many_queries_for_60_areas_as_for_10(
    client_for: ClientFor, coordinator: User, partner_org: Organization
) -> None:
    client = client_for(coordinator)
    areas = _populate(10, 63001, partner_org)
    small = {
        "index": _count(client, url("index")),
        "layers": _count(client, url("layers")),
        "need": _count(client, url("need_vs_reach")),
        "csv": _count(client, url("need_vs_reach") + "?format=csv"),
        "panel": _count(client, url("area", area_id=areas[0].pk), **HX),
    }
    _populate(50, 63011, partner_org)
    large = {
        "index": _count(client, url("index")),
        "layers": _count(client, url("layers")),
        "need": _count(client, url("need_vs_reach")),
        "csv": _count(client, url("need_vs_reach") + "?format=csv"),
        "panel": _count(client, url("area", area_id=areas[0].pk), **HX),
    }
    assert small == large


# -- a focus code PostgreSQL would refuse -------------------------------------------------------


@pytest.mark.parametrize("focus", ["\x00", "cancer_screening\x00", "x" * 500, "food\x1baccess"])
def test_a_focus_that_cannot_be_a_code_is_ignored_without_a_query(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area], focus: str
) -> None:
    client = client_for(coordinator)
    with CaptureQueriesContext(connection) as queries:
        layers = client.get(url("layers"), {"focus": focus})
    assert layers.status_code == 200
    assert layers.json()["focus"] is None
    assert layers.json()["initiatives"]["total"] == 1
    assert not any("focusarea" in query["sql"].lower() for query in queries.captured_queries)
    for name in ("index", "need_vs_reach"):
        page = client.get(url(name), {"focus": focus})
        assert page.status_code == 200
        assert page.context["focus"] is None
        assert page.context["form"].errors["focus"]


def test_a_nul_in_the_focus_query_string_is_ignored(
    client_for: ClientFor, coordinator: User, atlas_data: dict[str, Area]
) -> None:
    client = client_for(coordinator)
    assert client.get(f"{url('layers')}?focus=%00").status_code == 200
    assert client.get(f"{url('index')}?focus=%00").status_code == 200

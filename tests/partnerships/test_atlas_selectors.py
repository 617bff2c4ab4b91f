"""The atlas's reads: counts per area, suppression of hours and participants (1-10 hidden, 0
shown, complementary where a total is published), quantile classes, need-vs-reach ranks (ties,
indicators where a higher value means less need, areas without a value) and the area panel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equityhub.accounts.models import User
from equityhub.partnerships import selectors_atlas as atlas
from equityhub.partnerships.models import Initiative
from equityhub.people.models import Organization, TrainingLevel
from equityhub.places.models import Area
from equityhub.volunteering.models import HoursEntry
from tests.factories import PersonFactory
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
from tests.partnerships.conftest import focus

pytestmark = pytest.mark.django_db

T = 11  # settings.SUPPRESSION_THRESHOLD in the tests


def readings_for(code: str) -> dict[int, atlas.Reading]:
    return atlas.latest_values().get(code, {})


def table_for(
    code: str = "pvty_pct", *, sort: atlas.Sort = "need", focus_area: object = None
) -> atlas.NeedReach:
    values = atlas.latest_values()
    indicators = atlas.indicator_summaries(values)
    indicator = next((i for i in indicators if i.code == code), None)
    layers = atlas.atlas_layers(focus=focus_area)  # type: ignore[arg-type]
    return atlas.need_vs_reach(
        layers, indicator=indicator, readings=values.get(code, {}), sort=sort
    )


def by_code(table: atlas.NeedReach) -> dict[str, atlas.NeedReachRow]:
    return {row.area.code: row for row in table.rows}


# -- pure helpers ------------------------------------------------------------------------------


def test_competition_ranks_share_the_better_rank_on_ties_with_min() -> None:
    ranks = atlas.competition_ranks({"a": 5, "b": 9, "c": 9, "d": 1}, best="high", ties="min")
    assert ranks == {"b": 1, "c": 1, "a": 3, "d": 4}


def test_competition_ranks_share_the_worse_rank_on_ties_with_max() -> None:
    ranks = atlas.competition_ranks({"a": 0, "b": 0, "c": 2}, best="high", ties="max")
    assert ranks == {"c": 1, "a": 3, "b": 3}


def test_competition_ranks_with_low_best_rank_the_smallest_first() -> None:
    ranks = atlas.competition_ranks(
        {"a": Fraction(3, 2), "b": Fraction(1), "c": Fraction(5)}, best="low"
    )
    assert ranks == {"b": 1, "a": 2, "c": 3}


def test_quantile_classes_split_ten_values_into_five_classes_of_two() -> None:
    classes = atlas.quantile_classes([float(v) for v in range(1, 11)], unit="%")
    assert [(c.lower, c.upper, c.count) for c in classes] == [
        (1, 2, 2),
        (3, 4, 2),
        (5, 6, 2),
        (7, 8, 2),
        (9, 10, 2),
    ]
    assert [c.shade for c in classes] == [1, 2, 3, 4, 5]
    assert classes[0].label == "1 \N{EN DASH} 2 %"
    assert classes[-1].colour == atlas.PALETTE[-1]


def test_quantile_classes_run_the_palette_backwards_when_higher_means_less_need() -> None:
    classes = atlas.quantile_classes([float(v) for v in range(1, 11)], higher_means_more_need=False)
    assert [c.shade for c in classes] == [5, 4, 3, 2, 1]
    assert classes[0].colour == atlas.PALETTE[-1]


def test_quantile_classes_merge_equal_bounds() -> None:
    classes = atlas.quantile_classes([1.0, 1.0, 1.0, 1.0, 7.0])
    assert [(c.lower, c.upper, c.count) for c in classes] == [(1, 1, 4), (7, 7, 1)]
    assert [c.shade for c in classes] == [1, 5]
    assert classes[0].label == "1"


def test_quantile_classes_of_nothing_are_empty() -> None:
    assert atlas.quantile_classes([]) == []
    assert atlas.class_of(3.0, []) is None


def test_class_of_puts_a_value_above_the_last_bound_in_the_last_class() -> None:
    classes = atlas.quantile_classes([1.0, 2.0, 3.0])
    assert atlas.class_of(99.0, classes) == classes[-1]
    assert atlas.class_of(None, classes) is None
    assert atlas.class_of(0.5, classes) == classes[0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=80))
def test_every_value_falls_in_exactly_the_class_that_counts_it(values: list[float]) -> None:
    classes = atlas.quantile_classes(values)
    assert 1 <= len(classes) <= atlas.CLASS_COUNT
    assert sum(c.count for c in classes) == len(values)
    counted = {c.number: 0 for c in classes}
    for value in values:
        found = atlas.class_of(value, classes)
        assert found is not None
        assert found.lower <= value <= found.upper
        counted[found.number] += 1
    assert counted == {c.number: c.count for c in classes}
    uppers = [c.upper for c in classes]
    assert uppers == sorted(set(uppers))


# -- layers --------------------------------------------------------------------------------------


def test_initiatives_are_counted_per_area_current_ones_only(
    partner_org: Organization, other_org: Organization
) -> None:
    a, b, c = areas_in_a_row(3)
    initiative_in(partner_org, [a, b], title="Screening days")
    initiative_in(other_org, [a], title="Produce prescription", focus_codes=("food_access",))
    initiative_in(other_org, [c], title="Done", status=Initiative.Status.COMPLETED)
    initiative_in(other_org, [c], title="Paused", status=Initiative.Status.PAUSED)
    layers = atlas.atlas_layers()
    assert layers.initiatives == {a.pk: 2, b.pk: 1, c.pk: 1}
    assert layers.initiatives_total == 3
    food = atlas.atlas_layers(focus=focus("food_access"))
    assert food.initiatives == {a.pk: 1}
    assert food.initiatives_total == 1


def test_initiatives_in_areas_of_another_kind_are_not_on_the_zip_map(
    partner_org: Organization,
) -> None:
    (a,) = areas_in_a_row(1)
    hood = square_area("old-north", kind=Area.Kind.NEIGHBORHOOD)
    initiative_in(partner_org, [hood], title="Neighborhood walk")
    layers = atlas.atlas_layers()
    assert layers.initiatives == {}
    assert [area.code for area in layers.areas] == [a.code]


def test_sites_are_active_ones_with_coordinates_and_counted_per_area() -> None:
    a, b = areas_in_a_row(2)
    make_site(a, "Saturday Free Clinic")
    make_site(a, "Closed Clinic", is_active=False)
    make_site(b, "No Coordinates Clinic", latitude=None, longitude=None)
    layers = atlas.atlas_layers()
    assert [site.name for site in layers.sites] == ["Saturday Free Clinic"]
    point = layers.sites[0]
    assert (point.lat, point.lon, point.area_id) == (a.centroid_lat, a.centroid_lon, a.pk)
    assert point.address == "1 Example Street, St. Louis, MO " + a.code
    assert layers.site_counts == {a.pk: 1, b.pk: 1}


def test_volunteer_hours_are_summed_per_area_of_the_site_with_distinct_volunteers() -> None:
    a, b, c = areas_in_a_row(3)
    clinic_a = make_site(a, "Clinic A")
    second_a = make_site(a, "Second clinic A")
    people = volunteer_hours(clinic_a, 12, hours="2.50")
    volunteer_hours(second_a, 12, hours="1.00", people=people)  # the same 12 people again
    volunteer_hours(make_site(b, "Clinic B"), 15)
    volunteer_hours(clinic_a, 4, status=HoursEntry.Status.SUBMITTED)  # not verified yet
    layers = atlas.atlas_layers()
    assert layers.hours[a.pk].volunteers == 12
    assert layers.hours[a.pk].hours == Decimal("42.00")
    assert layers.hours[b.pk].volunteers == 15
    assert layers.hours[b.pk].hours == Decimal("45.00")
    assert layers.hours[c.pk].volunteers == 0
    assert layers.hours[c.pk].hours == Decimal("0.00")
    assert not layers.hours[c.pk].hidden
    assert layers.volunteers_total == 27
    assert layers.hours_total == Decimal("87.00")


def test_hours_of_fewer_than_eleven_volunteers_are_hidden_with_one_more_area() -> None:
    a, b, c, d = areas_in_a_row(4)
    volunteer_hours(make_site(a, "Clinic A"), 3)
    volunteer_hours(make_site(b, "Clinic B"), 30)
    volunteer_hours(make_site(c, "Clinic C"), 12)
    layers = atlas.atlas_layers()
    assert layers.hours[a.pk].hidden
    assert layers.hours[a.pk].hours is None
    # The total is published, so the smallest other area is hidden too ...
    assert layers.hours[c.pk].hidden
    assert layers.hours[c.pk].hours is None
    # ... and the rest is shown, zero included.
    assert layers.hours[b.pk].volunteers == 30
    assert layers.hours[d.pk].volunteers == 0
    assert layers.volunteers_total == 45
    assert layers.hours_total == Decimal("135.00")
    assert {row.area.code for row in layers.hours_rows} == {a.code, b.code, c.code}


def test_hours_of_ten_volunteers_are_hidden_and_of_eleven_shown() -> None:
    a, b, c = areas_in_a_row(3)
    volunteer_hours(make_site(a, "Clinic A"), T - 1)
    volunteer_hours(make_site(b, "Clinic B"), T - 1)
    volunteer_hours(make_site(c, "Clinic C"), T)
    layers = atlas.atlas_layers()
    assert layers.hours[a.pk].hidden and layers.hours[b.pk].hidden
    assert layers.hours[c.pk].volunteers == T


def test_a_zero_stays_shown_when_the_only_other_count_is_small() -> None:
    a, b = areas_in_a_row(2)
    volunteer_hours(make_site(a, "Clinic A"), 3)
    pathway_people(a.code, 5)
    layers = atlas.atlas_layers()
    assert layers.hours[a.pk].hidden and layers.participants[a.pk].hidden
    assert layers.hours[b.pk].volunteers == 0 and layers.hours[b.pk].hours == Decimal("0.00")
    assert layers.participants[b.pk].count == 0
    assert layers.participants_elsewhere == 0
    # Nothing to subtract from: the totals are hidden too.
    assert layers.volunteers_total is None and layers.participants_total is None


def test_the_hours_total_is_hidden_when_fewer_than_eleven_volunteers_served_anywhere() -> None:
    a, _b = areas_in_a_row(2)
    volunteer_hours(make_site(a, "Clinic A"), 4)
    layers = atlas.atlas_layers()
    assert layers.hours[a.pk].hidden
    assert layers.volunteers_total is None
    assert layers.hours_total is None


def test_participants_are_pathway_people_counted_by_home_zip(partner_org: Organization) -> None:
    a, b, c = areas_in_a_row(3)
    pathway_people(a.code, 12, level=TrainingLevel.K12)
    pathway_people(a.code, 3, level=TrainingLevel.UNDERGRADUATE)
    pathway_people(b.code, 14, level=TrainingLevel.POSTBACC)
    pathway_people(b.code, 20, level=TrainingLevel.MEDICAL_STUDENT)  # not a pathway audience
    pathway_people(c.code, 20, end_date=dt.date(2020, 1, 1), start_date=dt.date(2019, 1, 1))
    pathway_people("99999", 12)  # lives outside the mapped areas
    layers = atlas.atlas_layers()
    assert layers.participants[a.pk].count == 15
    assert layers.participants[b.pk].count == 14
    assert layers.participants[c.pk].count == 0
    assert layers.participants_elsewhere == 12
    assert layers.participants_total == 41


def test_a_person_with_two_pathway_affiliations_is_counted_once() -> None:
    (a,) = areas_in_a_row(1)
    people = pathway_people(a.code, 12)
    for person in people:
        person.affiliations.create(
            organization=person.affiliations.get().organization,
            training_level=TrainingLevel.UNDERGRADUATE,
        )
    layers = atlas.atlas_layers()
    assert layers.participants[a.pk].count == 12


def test_small_participant_counts_are_hidden_zero_shown_and_one_more_hidden() -> None:
    a, b, c, d = areas_in_a_row(4)
    pathway_people(a.code, 2)
    pathway_people(b.code, 40)
    pathway_people(c.code, 25)
    PersonFactory(home_zip=d.code)  # lives there, but no pathway affiliation
    layers = atlas.atlas_layers()
    assert layers.participants[a.pk].hidden
    assert layers.participants[c.pk].hidden  # the smallest other non-zero count
    assert layers.participants[b.pk].count == 40
    assert layers.participants[d.pk].count == 0
    assert not layers.participants[d.pk].hidden
    assert layers.participants_total == 67
    assert layers.any_hidden


def test_no_hidden_participant_count_can_be_worked_out_from_the_total() -> None:
    areas = areas_in_a_row(5)
    for area, count in zip(areas, (1, 14, 30, 0, 12), strict=True):
        pathway_people(area.code, count)
    layers = atlas.atlas_layers()
    hidden = [row for row in layers.participants.values() if row.hidden]
    elsewhere_hidden = layers.participants_elsewhere is None
    assert len(hidden) + int(elsewhere_hidden) != 1
    assert any(row.area.code == areas[0].code for row in hidden)


def test_participants_outside_the_map_are_hidden_when_few() -> None:
    (a,) = areas_in_a_row(1)
    pathway_people(a.code, 30)
    pathway_people("99999", 3)
    layers = atlas.atlas_layers()
    assert layers.participants_elsewhere is None
    assert layers.participants[a.pk].hidden  # else the total would give the 3 away
    assert layers.participants_total == 33


def test_layers_payload_is_plain_json_data_with_hidden_values_as_null() -> None:
    a, b = areas_in_a_row(2)
    volunteer_hours(make_site(a, "Clinic A"), 3)
    volunteer_hours(make_site(b, "Clinic B"), 20)
    payload = atlas.layers_payload(atlas.atlas_layers())
    rows = {row["code"]: row for row in payload["hours"]["areas"]}  # type: ignore[index]
    assert rows[a.code] == {
        "area_id": a.pk,
        "code": a.code,
        "name": a.name,
        "lat": a.centroid_lat,
        "lon": a.centroid_lon,
        "hours": None,
        "volunteers": None,
        "suppressed": True,
    }
    assert rows[b.code]["suppressed"] is True  # complementary
    assert payload["threshold"] == T
    assert payload["sites"]["total"] == 2  # type: ignore[index]


# -- indicators ----------------------------------------------------------------------------------


def test_latest_values_take_each_areas_newest_year() -> None:
    a, b = areas_in_a_row(2)
    poverty = make_indicator()
    set_value(poverty, a, 30.0, year=2016)
    set_value(poverty, a, 25.0, year=2018)
    set_value(poverty, b, 12.0, year=2016)
    readings = readings_for("pvty_pct")
    assert readings[a.pk].value == 25.0 and readings[a.pk].year == 2018
    assert readings[b.pk].value == 12.0 and readings[b.pk].year == 2016


def test_indicator_summaries_list_only_indicators_with_values_on_the_map() -> None:
    (a,) = areas_in_a_row(1)
    set_value(make_indicator(), a, 20.0)
    make_indicator("unused", "Never imported")
    hood = square_area("old-north", kind=Area.Kind.NEIGHBORHOOD)
    set_value(make_indicator("hood_only", "Neighborhood only"), hood, 3.0)
    summaries = atlas.indicator_summaries(atlas.latest_values())
    assert [s.code for s in summaries] == ["pvty_pct"]
    assert summaries[0].years == [2018]
    assert summaries[0].source == "ACS 2018"
    assert summaries[0].title == "Poverty rate (%)"


def test_the_default_indicator_is_the_poverty_rate_else_the_first() -> None:
    (a,) = areas_in_a_row(1)
    set_value(make_indicator("blk_pct", "Black residents", "%"), a, 40.0)
    summaries = atlas.indicator_summaries(atlas.latest_values())
    assert atlas.default_indicator_code(summaries) == "blk_pct"
    set_value(make_indicator(), a, 20.0)
    summaries = atlas.indicator_summaries(atlas.latest_values())
    assert atlas.default_indicator_code(summaries) == "pvty_pct"
    assert atlas.default_indicator_code([]) is None


def test_the_attribution_names_the_boundaries_and_the_values_sources() -> None:
    (a,) = areas_in_a_row(1)
    set_value(make_indicator(), a, 20.0, source="ACS 2018")
    assert atlas.atlas_attribution() == "ACS 2018; Test boundaries"


# -- need vs reach -------------------------------------------------------------------------------


def test_need_ranks_put_the_highest_poverty_first_and_share_ties() -> None:
    a, b, c, d = areas_in_a_row(4)
    poverty = make_indicator()
    for area, value in ((a, 10.0), (b, 40.0), (c, 40.0), (d, 5.0)):
        set_value(poverty, area, value)
    rows = by_code(table_for())
    assert [rows[x.code].need_rank for x in (a, b, c, d)] == [3, 1, 1, 4]


def test_need_ranks_put_the_lowest_value_first_when_higher_means_less_need() -> None:
    a, b, c = areas_in_a_row(3)
    life = make_indicator("life_exp", "Life expectancy", "years", higher_means_more_need=False)
    for area, value in ((a, 69.2), (b, 78.1), (c, 76.0)):
        set_value(life, area, value)
    table = table_for("life_exp")
    assert [row.area.code for row in table.rows] == [a.code, c.code, b.code]
    assert [row.need_rank for row in table.rows] == [1, 2, 3]


def test_areas_without_a_value_are_listed_last_unranked() -> None:
    a, b, c = areas_in_a_row(3)
    poverty = make_indicator()
    set_value(poverty, b, 30.0)
    set_value(poverty, c, 20.0)
    table = table_for()
    assert [row.area.code for row in table.rows] == [b.code, c.code, a.code]
    last = table.rows[-1]
    assert last.reading is None and last.value is None
    assert last.need_rank is None and last.reach_rank is None and last.gap is None
    assert not last.high_need_low_reach
    assert table.ranked == 2


def test_reach_ranks_order_areas_by_their_activity_and_ties_share_the_worse_rank(
    partner_org: Organization,
) -> None:
    a, b, c, d, e, f = areas_in_a_row(6)
    poverty = make_indicator()
    for area, value in zip((a, b, c, d, e, f), (50.0, 40.0, 30.0, 20.0, 10.0, 5.0), strict=True):
        set_value(poverty, area, value)
    initiative_in(partner_org, [e, f], title="Everywhere rich")
    initiative_in(partner_org, [f], title="Only f")
    make_site(f, "Clinic F")
    volunteer_hours(make_site(e, "Clinic E"), 20)
    volunteer_hours(make_site(d, "Clinic D"), 20, hours="1.00")
    rows = by_code(table_for())
    # Mean ranks over initiatives, sites, hours and participants: e 8.5/4, f 11/4, d 12/4.
    assert rows[e.code].reach_rank == 1
    assert rows[f.code].reach_rank == 2
    assert rows[d.code].reach_rank == 3
    # a, b, c have nothing at all: they share the last place.
    assert {rows[x.code].reach_rank for x in (a, b, c)} == {6}
    # The two neediest, with no activity, are high need, low reach (top and bottom thirds).
    assert [rows[x.code].high_need_low_reach for x in (a, b, c, d, e, f)] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    assert rows[a.code].gap == 5
    assert rows[f.code].gap == 2 - 6


def test_hidden_counts_rank_between_zero_and_every_shown_count() -> None:
    a, b, c, d = areas_in_a_row(4)
    poverty = make_indicator()
    for area in (a, b, c, d):
        set_value(poverty, area, 10.0)
    pathway_people(a.code, 2)  # hidden
    pathway_people(b.code, 3)  # hidden
    pathway_people(c.code, 50)
    rows = by_code(table_for())
    assert rows[a.code].participants_hidden and rows[b.code].participants_hidden
    assert rows[c.code].reach_rank == 1
    assert rows[a.code].reach_rank == rows[b.code].reach_rank == 3
    assert rows[d.code].reach_rank == 4


def test_every_area_ties_for_need_and_reach_when_all_are_equal() -> None:
    areas = areas_in_a_row(3)
    poverty = make_indicator()
    for area in areas:
        set_value(poverty, area, 20.0)
    table = table_for()
    assert {row.need_rank for row in table.rows} == {1}
    assert {row.reach_rank for row in table.rows} == {3}
    assert table.flagged == 3


def test_the_need_table_sorts_by_each_column_rows_without_a_value_last(
    partner_org: Organization,
) -> None:
    a, b, c, d = areas_in_a_row(4)
    poverty = make_indicator()
    set_value(poverty, a, 30.0)
    set_value(poverty, b, 10.0)
    set_value(poverty, c, 20.0)
    initiative_in(partner_org, [b], title="Only b")

    def order(sort: atlas.Sort) -> list[str]:
        return [row.area.code for row in table_for(sort=sort).rows]

    assert order("need") == [a.code, c.code, b.code, d.code]
    assert order("-need") == [b.code, c.code, a.code, d.code]
    assert order("value") == [b.code, c.code, a.code, d.code]
    assert order("-value") == [a.code, c.code, b.code, d.code]
    assert order("reach")[0] == b.code
    assert order("gap")[0] == a.code
    assert order("-gap")[0] == b.code
    assert order("area") == [a.code, b.code, c.code, d.code]
    assert order("-area") == [d.code, c.code, b.code, a.code]
    assert order("gap")[-1] == d.code


def test_without_an_indicator_nothing_is_ranked() -> None:
    areas_in_a_row(2)
    table = table_for("missing")
    assert table.indicator is None
    assert table.ranked == 0
    assert all(row.need_rank is None and row.reach_rank is None for row in table.rows)


def test_need_vs_reach_csv_rows_show_hidden_counts_as_below_the_threshold() -> None:
    a, b = areas_in_a_row(2)
    set_value(make_indicator(), a, 12.5)
    pathway_people(a.code, 3)
    pathway_people(b.code, 4)
    rows = atlas.need_vs_reach_csv_rows(table_for())
    assert rows[0][:7] == [a.code, a.name, "pvty_pct", 12.5, "%", 2018, 1]
    assert rows[0][10] == f"<{T}"
    assert rows[1][3] == ""
    assert len(rows[0]) == len(atlas.CSV_HEADER)


# -- one area ------------------------------------------------------------------------------------


def test_the_area_panel_lists_indicators_initiatives_sites_and_suppressed_counts(
    coordinator: User, leadership: User, partner_org: Organization
) -> None:
    a, b = areas_in_a_row(2)
    set_value(make_indicator(), a, 44.7, source="ACS 2018")
    set_value(make_indicator("total_pop", "Total population", "people"), a, 12000.0)
    initiative = initiative_in(
        partner_org, [a], title="Screening days", focus_codes=("cancer_screening", "food_access")
    )
    initiative_in(partner_org, [a], title="Finished", status=Initiative.Status.COMPLETED)
    make_site(a, "Saturday Free Clinic")
    volunteer_hours(make_site(b, "Clinic B"), 3)
    pathway_people(a.code, 30)
    panel = atlas.area_panel(coordinator, a)
    assert [(r.name, r.value, r.year, r.source) for r in panel.readings] == [
        ("Poverty rate", 44.7, 2018, "ACS 2018"),
        ("Total population", 12000.0, 2018, "ACS 2018"),
    ]
    assert [i.title for i in panel.initiatives] == ["Screening days"]
    item = panel.initiatives[0]
    assert item.lead == str(partner_org)
    assert set(item.focus_areas) == {focus("cancer_screening").label, focus("food_access").label}
    assert item.status == Initiative.Status.ACTIVE
    assert item.url == f"/consortium/initiatives/{initiative.pk}/"
    assert [site.name for site in panel.sites] == ["Saturday Free Clinic"]
    assert panel.hours.volunteers == 0 and not panel.hours.hidden
    assert panel.participants.count == 30
    # Leadership viewers read the same, without links into partners' records.
    assert atlas.area_panel(leadership, a).initiatives[0].url is None


def test_the_panel_hides_what_the_map_hides() -> None:
    a, b = areas_in_a_row(2)
    pathway_people(a.code, 3)
    pathway_people(b.code, 30)
    panel = atlas.area_panel(None, b)
    assert panel.participants.hidden  # complementary, exactly as on the map


def test_initiative_url_is_none_when_the_page_does_not_exist(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.urls import NoReverseMatch  # noqa: PLC0415 - only this test needs it

    def missing(*args: object, **kwargs: object) -> str:
        raise NoReverseMatch

    monkeypatch.setattr(atlas, "reverse", missing)
    assert atlas.initiative_url(7) is None


def test_get_area_for_atlas_answers_404_for_other_kinds_huge_ids_and_other_users(
    coordinator: User, partner: User
) -> None:
    from django.http import Http404  # noqa: PLC0415

    (a,) = areas_in_a_row(1)
    hood = square_area("old-north", kind=Area.Kind.NEIGHBORHOOD)
    assert atlas.get_area_for_atlas(coordinator, a.pk) == a
    for user, area_id in (
        (coordinator, hood.pk),
        (coordinator, 2**63),
        (coordinator, 0),
        (coordinator, "x"),
        (partner, a.pk),
    ):
        with pytest.raises(Http404):
            atlas.get_area_for_atlas(user, area_id)


def test_layers_take_the_same_number_of_queries_for_10_and_60_areas(
    partner_org: Organization,
) -> None:
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    def queries(count: int, first: int) -> int:
        areas = areas_in_a_row(count, first=first)
        poverty = make_indicator()
        for index, area in enumerate(areas):
            set_value(poverty, area, float(index))
            make_site(area, f"Clinic {area.code}")
            initiative_in(partner_org, [area], title=f"Initiative {area.code}")
            pathway_people(area.code, 1)
        with CaptureQueriesContext(connection) as captured:
            table_for()
        return len(captured.captured_queries)

    small = queries(10, 63001)
    large = queries(50, 63011)
    assert small == large

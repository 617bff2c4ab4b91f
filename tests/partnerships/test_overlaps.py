"""Overlap detection: open initiatives of different leads with a shared focus area in a shared
area are shown to both leads as a coordination suggestion; a partner user sees of the other
initiative only its title, its lead and what is shared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from equityhub.accounts.models import Role, User
from equityhub.partnerships.models import Initiative, InitiativePartner, Membership
from equityhub.partnerships.selectors_initiatives import (
    overlapping_initiatives,
    overlaps_for_user,
)
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

S = Initiative.Status
MakeInitiative = Callable[..., Initiative]


def titles(initiative: Initiative) -> list[str]:
    return [overlap.other.title for overlap in overlapping_initiatives(initiative)]


@pytest.fixture
def rival(make_initiative: MakeInitiative, other_org: Organization) -> Initiative:
    """Another lead's initiative with the same focus as `partner_initiative`, in its area too."""
    return make_initiative(
        other_org,
        title="Eastside Mammography Van",
        focus_codes=("cancer_screening", "access_to_care"),
        area_codes=("63106", "63107"),
        summary="Secret plans for the van.",
        funding_amount=98765,
        funding_source="Hidden Fund",
    )


def test_the_same_focus_in_an_overlapping_area_is_an_overlap_for_both_sides(
    partner_initiative: Initiative, rival: Initiative
) -> None:
    [mine] = overlapping_initiatives(partner_initiative)
    assert mine.other.id == rival.pk
    assert mine.other.title == "Eastside Mammography Van"
    assert mine.other.lead_organization_name == "Eastside Food Access Network"
    assert [f.code for f in mine.focus_areas] == ["cancer_screening"]
    assert [a.code for a in mine.areas] == ["63106"]
    [theirs] = overlapping_initiatives(rival)
    assert theirs.other.id == partner_initiative.pk
    assert [f.label for f in theirs.focus_areas] == ["Cancer screening and prevention"]


def test_the_same_focus_in_different_areas_is_no_overlap(
    partner_initiative: Initiative, make_initiative: MakeInitiative, other_org: Organization
) -> None:
    other = make_initiative(other_org, title="Elsewhere", area_codes=("63105",))
    assert titles(partner_initiative) == []
    assert titles(other) == []


def test_a_different_focus_in_the_same_area_is_no_overlap(
    partner_initiative: Initiative, make_initiative: MakeInitiative, other_org: Organization
) -> None:
    make_initiative(other_org, title="Food", focus_codes=("food_access",))
    assert titles(partner_initiative) == []


@pytest.mark.parametrize("side", ["mine", "theirs"])
def test_a_completed_initiative_overlaps_nothing(
    partner_initiative: Initiative, rival: Initiative, side: str
) -> None:
    (partner_initiative if side == "mine" else rival).status = S.COMPLETED
    partner_initiative.save()
    rival.save()
    assert titles(partner_initiative) == []
    assert titles(rival) == []


@pytest.mark.parametrize("status", [S.PLANNING, S.PAUSED])
def test_planned_and_paused_initiatives_overlap(
    partner_initiative: Initiative, rival: Initiative, status: str
) -> None:
    rival.status = status
    rival.save()
    assert titles(partner_initiative) == ["Eastside Mammography Van"]


def test_initiatives_of_the_same_lead_are_its_own_coordination(
    partner_initiative: Initiative, make_initiative: MakeInitiative
) -> None:
    make_initiative(partner_initiative.lead_organization, title="Second site, same lead")
    assert titles(partner_initiative) == []


def test_an_initiative_without_focus_areas_or_areas_overlaps_nothing(
    partner_initiative: Initiative, make_initiative: MakeInitiative, other_org: Organization
) -> None:
    bare = make_initiative(other_org, title="Bare", focus_codes=(), area_codes=())
    assert titles(bare) == []
    assert titles(partner_initiative) == []


def test_every_shared_focus_area_and_area_is_listed(
    partner_initiative: Initiative, make_initiative: MakeInitiative, other_org: Organization
) -> None:
    mine = make_initiative(
        partner_initiative.lead_organization,
        title="Wide",
        focus_codes=("cancer_screening", "access_to_care", "housing"),
        area_codes=("63106", "63107", "63105"),
    )
    make_initiative(
        other_org,
        title="Wide too",
        focus_codes=("access_to_care", "cancer_screening"),
        area_codes=("63105", "63107"),
    )
    [overlap] = overlapping_initiatives(mine)
    assert [f.code for f in overlap.focus_areas] == ["access_to_care", "cancer_screening"]
    assert [a.code for a in overlap.areas] == ["63105", "63107"]


# -- who sees which pairs -------------------------------------------------------------------


def test_staff_see_every_overlapping_pair_once(
    coordinator: User,
    partner_initiative: Initiative,
    rival: Initiative,
    make_initiative: MakeInitiative,
    office_org: Organization,
) -> None:
    third = make_initiative(office_org, title="Campus screening outreach")
    pairs = overlaps_for_user(coordinator)
    found = {frozenset((pair.first.id, pair.second.id)) for pair in pairs}
    assert found == {
        frozenset((partner_initiative.pk, rival.pk)),
        frozenset((partner_initiative.pk, third.pk)),
        frozenset((rival.pk, third.pk)),
    }
    assert len(pairs) == 3
    assert all(pair.first.readable and pair.second.readable for pair in pairs)


def test_a_partner_user_sees_only_the_pairs_their_organization_leads_a_side_of(  # noqa: PLR0917 - fixtures
    partner: User,
    other_partner: User,
    partner_initiative: Initiative,
    rival: Initiative,
    make_initiative: MakeInitiative,
    office_org: Organization,
) -> None:
    third = make_initiative(office_org, title="Campus screening outreach")
    pairs = overlaps_for_user(partner)
    assert [(p.first.id, p.second.id) for p in pairs] == [
        (partner_initiative.pk, third.pk),
        (partner_initiative.pk, rival.pk),
    ]
    assert [(p.first.readable, p.second.readable) for p in pairs] == [(True, False), (True, False)]
    theirs = overlaps_for_user(other_partner)
    assert {p.first.id for p in theirs} == {rival.pk}
    assert {p.second.id for p in theirs} == {partner_initiative.pk, third.pk}


def test_the_other_side_is_readable_to_a_partner_whose_organization_takes_part(
    partner: User, partner_initiative: Initiative, rival: Initiative, partner_org: Organization
) -> None:
    InitiativePartner.objects.create(initiative=rival, organization=partner_org)
    [pair] = overlaps_for_user(partner)
    assert pair.second.readable
    [overlap] = overlapping_initiatives(partner_initiative, for_user=partner)
    assert overlap.other.readable


@pytest.mark.parametrize("who", ["member", "outsider", "leadership"])
def test_others_hear_of_no_overlaps(
    who: str, request: pytest.FixtureRequest, partner_initiative: Initiative, rival: Initiative
) -> None:
    assert overlaps_for_user(request.getfixturevalue(who)) == []


# -- on the initiative page and in the API -------------------------------------------------


def test_a_partner_sees_only_the_title_lead_and_shared_bits_of_the_other_initiative(
    client_for: Callable[[User], Client],
    partner: User,
    partner_initiative: Initiative,
    rival: Initiative,
) -> None:
    response = client_for(partner).get(
        reverse("partnerships:initiative_detail", args=[partner_initiative.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Coordination suggestions" in page
    assert "Eastside Mammography Van" in page
    assert "Eastside Food Access Network" in page
    assert "Cancer screening and prevention" in page
    for secret in ("Secret plans", "98765", "98,765", "Hidden Fund", "Access to care", "63107"):
        assert secret not in page
    assert reverse("partnerships:initiative_detail", args=[rival.pk]) not in page


def test_staff_get_a_link_to_the_other_initiative(
    client_for: Callable[[User], Client],
    coordinator: User,
    partner_initiative: Initiative,
    rival: Initiative,
) -> None:
    page = (
        client_for(coordinator)
        .get(reverse("partnerships:initiative_detail", args=[partner_initiative.pk]))
        .content.decode()
    )
    assert reverse("partnerships:initiative_detail", args=[rival.pk]) in page


def test_the_api_gives_a_partner_no_id_of_the_other_initiative(
    client_for: Callable[[User], Client],
    partner: User,
    coordinator: User,
    partner_initiative: Initiative,
    rival: Initiative,
) -> None:
    url = f"/api/v1/consortium/initiatives/{partner_initiative.pk}"
    body = client_for(partner).get(url).json()
    assert body["overlaps"] == [
        {
            "initiative": {
                "id": None,
                "title": "Eastside Mammography Van",
                "lead_organization_name": "Eastside Food Access Network",
            },
            "focus_areas": [
                {"code": "cancer_screening", "label": "Cancer screening and prevention"}
            ],
            "areas": [{"code": "63106", "name": "ZIP 63106"}],
        }
    ]
    staff_body = client_for(coordinator).get(url).json()
    assert staff_body["overlaps"][0]["initiative"]["id"] == rival.pk


# -- efficiency -------------------------------------------------------------------------------


@pytest.fixture
def many(make_initiative: MakeInitiative, make_user: Callable[..., User]) -> dict[str, Any]:
    """60 initiatives of 12 organizations over three focus areas and five areas."""
    codes = ("cancer_screening", "food_access", "mental_health")
    zips = ("63106", "63107", "63105", "63108", "63110")
    orgs = [OrganizationFactory(name=f"Partner {i}") for i in range(12)]
    for org in orgs:
        Membership.objects.create(
            organization=org, partner_type="community", joined_on="2020-01-01"
        )
    initiatives = [
        make_initiative(
            orgs[i % 12],
            title=f"Initiative {i:02d}",
            focus_codes=(codes[i % 3],),
            area_codes=(zips[i % 5], zips[(i + 1) % 5]),
        )
        for i in range(60)
    ]
    return {
        "orgs": orgs,
        "initiatives": initiatives,
        "partner": make_user(Role.PARTNER, scope=orgs[0]),
    }


def brute_force_pairs(initiatives: list[Initiative]) -> set[frozenset[int]]:
    found = set()
    for a in initiatives:
        for b in initiatives:
            if a.pk >= b.pk or a.lead_organization_id == b.lead_organization_id:
                continue
            if S.COMPLETED in {a.status, b.status}:
                continue
            focus = set(a.focus_areas.values_list("pk", flat=True)) & set(
                b.focus_areas.values_list("pk", flat=True)
            )
            areas = set(a.areas.values_list("pk", flat=True)) & set(
                b.areas.values_list("pk", flat=True)
            )
            if focus and areas:
                found.add(frozenset((a.pk, b.pk)))
    return found


def test_overlaps_for_staff_take_two_queries_and_match_a_brute_force_check(
    many: dict[str, Any], coordinator: User, django_assert_max_num_queries: Any
) -> None:
    expected = brute_force_pairs(many["initiatives"])
    assert expected
    coordinator_roles = overlaps_for_user(coordinator)  # warm the role cache
    with django_assert_max_num_queries(2):
        pairs = overlaps_for_user(coordinator)
    assert {frozenset((p.first.id, p.second.id)) for p in pairs} == expected
    assert len(pairs) == len(expected) == len(coordinator_roles)


def test_overlaps_for_a_partner_take_three_queries(
    many: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    user = many["partner"]
    overlaps_for_user(user)
    with django_assert_max_num_queries(3):
        pairs = overlaps_for_user(user)
    own = {i.pk for i in many["initiatives"] if i.lead_organization_id == many["orgs"][0].pk}
    assert pairs
    assert all(p.first.id in own for p in pairs)


def test_one_initiatives_overlaps_take_a_constant_number_of_queries(
    many: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    initiative = many["initiatives"][0]
    with django_assert_max_num_queries(2):
        overlaps = overlapping_initiatives(initiative)
    expected = {
        next(iter(pair - {initiative.pk}))
        for pair in brute_force_pairs(many["initiatives"])
        if initiative.pk in pair
    }
    assert {o.other.id for o in overlaps} == expected


def test_the_home_partial_links_only_what_the_viewer_may_read(
    partner: User, coordinator: User, partner_initiative: Initiative, rival: Initiative
) -> None:
    for_partner = render_to_string(
        "partnerships/initiatives/_overlap_pairs.html", {"pairs": overlaps_for_user(partner)}
    )
    assert "Eastside Mammography Van" in for_partner
    assert reverse("partnerships:initiative_detail", args=[partner_initiative.pk]) in for_partner
    assert reverse("partnerships:initiative_detail", args=[rival.pk]) not in for_partner
    assert "Secret plans" not in for_partner
    for_staff = render_to_string(
        "partnerships/initiatives/_overlap_pairs.html", {"pairs": overlaps_for_user(coordinator)}
    )
    assert reverse("partnerships:initiative_detail", args=[rival.pk]) in for_staff


# -- only the leads hear of overlaps --------------------------------------------------------


@pytest.fixture
def taking_part(
    partner_initiative: Initiative, rival: Initiative, make_user: Callable[..., User]
) -> User:
    """A partner user of an organization taking part in `partner_initiative` (not leading it)."""
    helper = OrganizationFactory(name="Northside Neighbors Association")
    InitiativePartner.objects.create(initiative=partner_initiative, organization=helper)
    return make_user(Role.PARTNER, scope=helper)


def test_a_participating_organizations_partner_sees_no_coordination_suggestion(
    client_for: Callable[[User], Client],
    taking_part: User,
    partner_initiative: Initiative,
    rival: Initiative,
) -> None:
    client = client_for(taking_part)
    response = client.get(reverse("partnerships:initiative_detail", args=[partner_initiative.pk]))
    assert response.status_code == 200
    assert response.context["overlaps"] == []
    page = response.content.decode()
    assert "Eastside Mammography Van" not in page
    assert "Eastside Food Access Network" not in page
    body = client.get(f"/api/v1/consortium/initiatives/{partner_initiative.pk}").json()
    assert body["overlaps"] == []
    assert "Eastside" not in str(body)


@pytest.mark.parametrize("who", ["partner", "coordinator"])
def test_the_leads_partner_and_staff_see_the_coordination_suggestion(  # noqa: PLR0917 - fixtures
    client_for: Callable[[User], Client],
    request: pytest.FixtureRequest,
    who: str,
    taking_part: User,
    partner_initiative: Initiative,
    rival: Initiative,
) -> None:
    client = client_for(request.getfixturevalue(who))
    response = client.get(reverse("partnerships:initiative_detail", args=[partner_initiative.pk]))
    assert [o.other.title for o in response.context["overlaps"]] == ["Eastside Mammography Van"]
    assert "Eastside Mammography Van" in response.content.decode()
    body = client.get(f"/api/v1/consortium/initiatives/{partner_initiative.pk}").json()
    assert [o["initiative"]["title"] for o in body["overlaps"]] == ["Eastside Mammography Van"]


def test_the_other_leads_partner_sees_the_suggestion_on_their_own_initiative(
    client_for: Callable[[User], Client],
    other_partner: User,
    taking_part: User,
    partner_initiative: Initiative,
    rival: Initiative,
) -> None:
    client = client_for(other_partner)
    body = client.get(f"/api/v1/consortium/initiatives/{rival.pk}").json()
    assert [o["initiative"]["title"] for o in body["overlaps"]] == [
        "Northside Cancer Screening Days"
    ]

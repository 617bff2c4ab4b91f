"""The consortium home: what each kind of user sees there, and who may open it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from equityhub.accounts.models import User
from equityhub.partnerships.models import (
    ActionItem,
    Agreement,
    AgreementParty,
    Initiative,
    Meeting,
    Membership,
)
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory

URL = reverse("partnerships:home")


@pytest.fixture
def consortium(  # noqa: PLR0917 - fixtures are positional
    partner_org: Organization,
    other_org: Organization,
    partner_initiative: Initiative,
    make_initiative: Callable[..., Initiative],
    office_org: Organization,
    partner_membership: Any,
) -> dict[str, Any]:
    # Another organization's initiative overlapping the partner's (same focus, same area), and
    # one of the other organization's that overlaps nothing of the partner's.
    overlapping = make_initiative(other_org, title="Eastside Screening Saturdays")
    private = make_initiative(
        other_org, title="Eastside Pantry Garden", focus_codes=("food_access",), area_codes=()
    )
    today = timezone.localdate()
    ours = Agreement.objects.create(
        title="Northside screening MOU",
        status=Agreement.Status.ACTIVE,
        effective_on=today - dt.timedelta(days=300),
        expires_on=today + dt.timedelta(days=20),
    )
    AgreementParty.objects.create(agreement=ours, organization=partner_org)
    AgreementParty.objects.create(agreement=ours, organization=office_org)
    theirs = Agreement.objects.create(
        title="Eastside pantry data-use agreement",
        status=Agreement.Status.ACTIVE,
        effective_on=today - dt.timedelta(days=300),
        expires_on=today + dt.timedelta(days=40),
    )
    AgreementParty.objects.create(agreement=theirs, organization=other_org)
    AgreementParty.objects.create(agreement=theirs, organization=office_org)
    meeting = Meeting.objects.create(title="Steering committee", starts_at=timezone.now())
    ActionItem.objects.create(
        meeting=meeting,
        description="Send the screening referral form",
        owner_organization=partner_org,
        owner_name="Dana",
        due_on=today - dt.timedelta(days=3),
    )
    ActionItem.objects.create(
        meeting=meeting,
        description="Share the pantry's garden plan",
        owner_organization=other_org,
        owner_name="Eli",
        due_on=today + dt.timedelta(days=10),
    )
    return {"overlapping": overlapping, "private": private}


def test_office_staff_see_the_whole_consortium_at_a_glance(
    coordinator: User, consortium: dict[str, Any], client_for: Callable[[User], Client]
) -> None:
    response = client_for(coordinator).get(URL)
    assert response.status_code == 200
    home = response.context["home"]
    assert home.counts == {"members": 3, "initiatives": 3, "agreements_due": 2, "action_items": 2}
    body = response.content.decode()
    assert "Northside screening MOU" in body and "Eastside pantry data-use agreement" in body
    assert "Coordination suggestions" in body and "Eastside Screening Saturdays" in body
    assert "Overdue" in body


def test_staff_count_only_the_memberships_in_force_today(
    coordinator: User, consortium: dict[str, Any], client_for: Callable[[User], Client]
) -> None:
    today = timezone.localdate()
    for name, joined_on, left_on in [
        ("Joins next month", today + dt.timedelta(days=30), None),
        (
            "Joins next month, for a year",
            today + dt.timedelta(days=30),
            today + dt.timedelta(days=400),
        ),
        ("Left yesterday", dt.date(2020, 1, 1), today - dt.timedelta(days=1)),
        ("Leaves today", dt.date(2020, 1, 1), today),
        ("Joins today", today, None),
        ("Leaves next year", dt.date(2020, 1, 1), today + dt.timedelta(days=365)),
    ]:
        Membership.objects.create(
            organization=OrganizationFactory(name=name),
            partner_type=Membership.PartnerType.COMMUNITY,
            joined_on=joined_on,
            left_on=left_on,
        )

    home = client_for(coordinator).get(URL).context["home"]

    # The three of the consortium fixture, and the last three above.
    assert home.counts["members"] == 6


def test_a_partner_sees_only_their_organizations_records_and_the_overlap_with_them(
    partner: User, consortium: dict[str, Any], client_for: Callable[[User], Client]
) -> None:
    response = client_for(partner).get(URL)
    assert response.status_code == 200
    home = response.context["home"]
    assert home.counts == {"initiatives": 1, "agreements_due": 1, "action_items": 1, "members": 0}
    body = response.content.decode()
    assert "Northside screening MOU" in body
    assert "Eastside pantry data-use agreement" not in body
    assert "Share the pantry" not in body
    assert "Eastside Pantry Garden" not in body
    # The coordination suggestion names the other initiative, without a link to it.
    assert "Eastside Screening Saturdays" in body
    other_url = reverse("partnerships:initiative_detail", args=[consortium["overlapping"].pk])
    assert other_url not in body


def test_leadership_gets_links_to_the_shared_results_only(
    leadership: User, consortium: dict[str, Any], client_for: Callable[[User], Client]
) -> None:
    response = client_for(leadership).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("partnerships:metrics_rollup") in body
    assert "Northside screening MOU" not in body and "Eastside" not in body


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_members_and_outsiders_may_not_open_the_consortium(
    who: str, request: pytest.FixtureRequest, client_for: Callable[[User], Client]
) -> None:
    user = request.getfixturevalue(who)
    assert client_for(user).get(URL).status_code == 403


def test_the_consortium_home_needs_a_sign_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_navigation_shows_the_consortium_and_the_atlas_to_those_who_may_use_them(
    coordinator: User, partner: User, member: User, client_for: Callable[[User], Client]
) -> None:
    home = reverse("core:home")
    staff_page = client_for(coordinator).get(home).content.decode()
    assert URL in staff_page and reverse("atlas:index") in staff_page
    partner_page = client_for(partner).get(home).content.decode()
    assert URL in partner_page and reverse("atlas:index") not in partner_page
    member_page = client_for(member).get(home).content.decode()
    assert URL not in member_page and reverse("atlas:index") not in member_page

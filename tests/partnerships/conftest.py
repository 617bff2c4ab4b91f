"""A small consortium: the office (convener), two partner organizations each with a partner
user, an organization outside the consortium, three ZIP areas, and one initiative per partner.

`partner` (tests/conftest.py) keeps the records of `partner_org`; `other_partner` keeps
`other_org`'s. Neither may reach the other's records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from equityhub.accounts.models import Role, User
from equityhub.partnerships.models import (
    FOCUS_AREAS,
    POPULATIONS,
    FocusArea,
    Initiative,
    Membership,
    Population,
)
from equityhub.people.models import Organization
from equityhub.places import selectors as places_selectors
from equityhub.places.models import Area
from tests.factories import OrganizationFactory


def focus(code: str) -> FocusArea:
    """A seeded focus area (re-created after a transactional test flushed the seed)."""
    return FocusArea.objects.get_or_create(code=code, defaults={"name": str(FOCUS_AREAS[code])})[0]


def population(code: str) -> Population:
    return Population.objects.get_or_create(code=code, defaults={"name": str(POPULATIONS[code])})[0]


def zcta(code: str, name: str = "") -> Area:
    return Area.objects.get_or_create(
        kind=Area.Kind.ZCTA, code=code, defaults={"name": name or f"ZIP {code}"}
    )[0]


@pytest.fixture
def areas(db: Any) -> dict[str, Area]:
    return {code: zcta(code) for code in ("63106", "63107", "63105")}


@pytest.fixture
def office_org(db: Any) -> Organization:
    org = OrganizationFactory(name="Office of Diversity Programs", kind="university")
    Membership.objects.create(
        organization=org,
        partner_type=Membership.PartnerType.ACADEMIC_INSTITUTE,
        role=Membership.ConsortiumRole.CONVENER,
        joined_on=dt.date(2019, 7, 1),
    )
    return org


@pytest.fixture
def partner_membership(partner_org: Organization) -> Membership:
    return Membership.objects.create(
        organization=partner_org,
        partner_type=Membership.PartnerType.COMMUNITY,
        joined_on=dt.date(2021, 1, 15),
    )


@pytest.fixture
def other_org(db: Any) -> Organization:
    org = OrganizationFactory(name="Eastside Food Access Network", kind="community")
    Membership.objects.create(
        organization=org,
        partner_type=Membership.PartnerType.COMMUNITY,
        joined_on=dt.date(2022, 3, 1),
    )
    return org


@pytest.fixture
def other_partner(make_user: Callable[..., User], other_org: Organization) -> User:
    return make_user(Role.PARTNER, scope=other_org)


@pytest.fixture
def leadership(make_user: Callable[..., User]) -> User:
    return make_user(Role.LEADERSHIP_VIEWER)


@pytest.fixture
def make_initiative(db: Any) -> Callable[..., Initiative]:
    def make(
        lead: Organization,
        *,
        title: str = "Northside Cancer Screening Days",
        focus_codes: tuple[str, ...] = ("cancer_screening",),
        area_codes: tuple[str, ...] = ("63106",),
        status: str = Initiative.Status.ACTIVE,
        **fields: Any,
    ) -> Initiative:
        initiative = Initiative.objects.create(
            title=title, lead_organization=lead, status=status, **fields
        )
        initiative.focus_areas.set([focus(code) for code in focus_codes])
        initiative.areas.set([zcta(code) for code in area_codes])
        return initiative

    return make


@pytest.fixture
def partner_initiative(
    make_initiative: Callable[..., Initiative], partner_membership: Membership
) -> Initiative:
    return make_initiative(partner_membership.organization)


@pytest.fixture
def other_initiative(
    make_initiative: Callable[..., Initiative], other_org: Organization
) -> Initiative:
    return make_initiative(
        other_org,
        title="Eastside Produce Prescription",
        focus_codes=("food_access",),
        area_codes=("63107",),
    )


@pytest.fixture(autouse=True)
def _fresh_areas_cache() -> None:
    """The areas' GeoJSON is cached by a data version; start every test without it, so a map
    cached by an earlier test (under frozen time, say) is never served."""
    cache.clear()
    places_selectors.clear_local_cache()

"""Volunteering fixtures: a clinic with an opportunity, a shift factory, and its supervisor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.places.models import Site
from equityhub.volunteering.models import Opportunity, Shift
from tests.volunteering.factories import OpportunityFactory, ShiftFactory, SiteFactory


@pytest.fixture
def site(db: Any) -> Site:
    return SiteFactory(name="Saturday Neighborhood Free Clinic", zip_code="63106")


@pytest.fixture
def other_site(db: Any) -> Site:
    return SiteFactory(name="Northside Community Health Center", zip_code="63107")


@pytest.fixture
def opportunity(site: Site) -> Opportunity:
    return OpportunityFactory(site=site, title="Saturday clinic: student intake volunteer")


@pytest.fixture
def supervisor(make_user: Callable[..., User], site: Site) -> User:
    """Supervises `site` only."""
    return make_user(Role.SITE_SUPERVISOR, scope=site)


@pytest.fixture
def other_supervisor(make_user: Callable[..., User], other_site: Site) -> User:
    return make_user(Role.SITE_SUPERVISOR, scope=other_site)


@pytest.fixture
def make_shift(opportunity: Opportunity) -> Callable[..., Shift]:
    """A scheduled shift `days` ahead (3 by default), 4 hours long, with `capacity` seats."""

    def make(
        *,
        days: float = 3,
        hours: float = 4,
        capacity: int = 2,
        opportunity: Opportunity = opportunity,
        start: dt.datetime | None = None,
    ) -> Shift:
        starts_at = start or (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0)
        return ShiftFactory(
            opportunity=opportunity,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=hours),
            capacity=capacity,
        )

    return make


@pytest.fixture
def shift(make_shift: Callable[..., Shift]) -> Shift:
    return make_shift()

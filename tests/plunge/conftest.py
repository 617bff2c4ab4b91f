"""A Medical Plunge to plan: a week with three site-visit sessions (and a lecture), eight St.
Louis sites hosting one group each per session, and 24 registered participants from two schools
and three programs, some speaking Spanish or Vietnamese, with demographic profiles."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.people.models import Person
from equityhub.places.models import Site
from equityhub.plunge.models import Plunge, Registration, Session, SlotOffer
from tests.factories import (
    AffiliationFactory,
    DemographicProfileFactory,
    LanguageFactory,
    OrganizationFactory,
    PersonFactory,
)
from tests.volunteering.factories import SiteFactory

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
GROUPS = 6
PARTICIPANTS = 24
SITE_KINDS = [
    Site.Kind.CLINIC,
    Site.Kind.CLINIC,
    Site.Kind.CLINIC,
    Site.Kind.SCHOOL,
    Site.Kind.SCHOOL,
    Site.Kind.COMMUNITY,
    Site.Kind.COMMUNITY,
    Site.Kind.PUBLIC_HEALTH,
]
PROGRAMS = ["MD program", "Occupational Therapy", "Physical Therapy"]


def next_monday(weeks_ahead: int = 4) -> dt.date:
    start = timezone.localdate() + dt.timedelta(days=7 * weeks_ahead)
    return start - dt.timedelta(days=start.weekday())


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=CHICAGO)


@pytest.fixture
def plunge(db: Any) -> Plunge:
    monday = next_monday()
    return Plunge.objects.create(
        title="Medical Plunge 2031",
        starts_on=monday,
        ends_on=monday + dt.timedelta(days=4),
        timezone="America/Chicago",
        group_count=GROUPS,
        bus_capacity=10,
    )


@pytest.fixture
def sites(db: Any) -> list[Site]:
    return [
        SiteFactory(
            name=f"Plunge site {i + 1} ({kind})",
            kind=kind,
            address=f"{100 + i} Example Avenue",
            zip_code=f"631{i:02d}",
            contact_name=f"Contact {i + 1}",
            contact_phone=f"314-555-01{i:02d}",
        )
        for i, kind in enumerate(SITE_KINDS)
    ]


@pytest.fixture
def site_visits(plunge: Plunge, sites: list[Site]) -> list[Session]:
    """Monday, Tuesday and Wednesday mornings, every site hosting one group each morning."""
    sessions = []
    for offset in range(3):
        day = plunge.starts_on + dt.timedelta(days=offset)
        session = Session.objects.create(
            plunge=plunge,
            kind=Session.Kind.SITE_VISIT,
            title=f"Site visits {offset + 1}",
            starts_at=at(day, 9),
            ends_at=at(day, 12),
        )
        SlotOffer.objects.bulk_create(
            [SlotOffer(session=session, site=site, capacity=1) for site in sites]
        )
        sessions.append(session)
    return sessions


@pytest.fixture
def lecture(plunge: Plunge) -> Session:
    return Session.objects.create(
        plunge=plunge,
        kind=Session.Kind.LECTURE,
        title="Health inequities in St. Louis",
        starts_at=at(plunge.starts_on, 13),
        ends_at=at(plunge.starts_on, 15),
        place="Auditorium",
    )


@pytest.fixture
def make_participant(plunge: Plunge) -> Callable[..., Registration]:
    schools = [
        OrganizationFactory(name="Gateway School of Medicine"),
        OrganizationFactory(name="Riverfront Health Professions College"),
    ]

    def make(i: int, person: Person | None = None, **fields: Any) -> Registration:
        person = person or PersonFactory(given_name=f"Given{i:02d}", family_name=f"Family{i:02d}")
        AffiliationFactory(
            person=person,
            organization=schools[i % 2],
            school_program=PROGRAMS[i % 3],
            is_primary=True,
        )
        if i % 4 == 0:
            LanguageFactory(person=person, language="es")
        if i % 6 == 1:
            LanguageFactory(person=person, language="vi")
        DemographicProfileFactory(
            person=person,
            gender_identity="woman" if i % 2 else "man",
            race_black=i % 3 == 0,
            first_generation_college="yes" if i % 5 == 0 else "no",
        )
        return Registration.objects.create(
            plunge=plunge,
            person=person,
            status=fields.pop("status", Registration.Status.REGISTERED),
            **fields,
        )

    return make


@pytest.fixture
def participants(make_participant: Callable[..., Registration]) -> list[Registration]:
    return [make_participant(i) for i in range(PARTICIPANTS)]


@pytest.fixture
def participant(make_user: Callable[..., User], participants: list[Registration]) -> User:
    """A student whose person is registered for the Plunge (one of the 24)."""
    user = make_user(Role.MEMBER)
    registration = participants[0]
    old = registration.person
    registration.person = user.person
    registration.save(update_fields=["person"])
    old.delete()
    return user


@pytest.fixture
def other_participant(make_user: Callable[..., User], participants: list[Registration]) -> User:
    user = make_user(Role.MEMBER)
    registration = participants[1]
    old = registration.person
    registration.person = user.person
    registration.save(update_fields=["person"])
    old.delete()
    return user

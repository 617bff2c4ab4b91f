"""Builders for the Plunge's service and API tests: plain functions (not fixtures), so that
each test file states the world it needs."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence

from equityhub.people.models import PersonLanguage
from equityhub.places.models import Site
from equityhub.plunge.models import Group, Plunge, Registration, Session, SlotOffer
from tests.factories import AffiliationFactory, PersonFactory
from tests.volunteering.factories import SiteFactory

MONDAY = dt.date(2026, 8, 3)
_numbers = itertools.count(1)


def make_plunge(**fields: object) -> Plunge:
    values: dict[str, object] = {
        "title": "Medical Plunge (test week)",
        "starts_on": MONDAY,
        "ends_on": MONDAY + dt.timedelta(days=4),
        "timezone": "America/Chicago",
        "group_count": 3,
        "bus_capacity": 50,
    }
    values.update(fields)
    return Plunge.objects.create(**values)


def at(plunge: Plunge, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An aware time on day `day` (0 is the first) of the Plunge, in its time zone."""
    return dt.datetime.combine(
        plunge.starts_on + dt.timedelta(days=day), dt.time(hour, minute), tzinfo=plunge.tz
    )


def participant(
    plunge: Plunge,
    *,
    program: str = "MD program",
    languages: Sequence[str] = ("en",),
    status: str = Registration.Status.REGISTERED,
    home_zip: str = "63110",
    custom: Mapping[str, str] | None = None,
    given_name: str = "",
) -> Registration:
    n = next(_numbers)
    person = PersonFactory(
        email=f"participant{n}@example.edu",
        home_zip=home_zip,
        **({"given_name": given_name} if given_name else {}),
    )
    AffiliationFactory(person=person, school_program=program)
    for code in languages:
        PersonLanguage.objects.create(person=person, language=code, proficiency="native")
    return Registration.objects.create(
        plunge=plunge, person=person, status=status, custom=dict(custom or {})
    )


def participants(
    plunge: Plunge,
    count: int,
    *,
    programs: Sequence[str] = ("MD program", "Physical Therapy (DPT)", "Audiology (AuD)"),
    spanish_every: int = 0,
) -> list[Registration]:
    """`count` registered participants cycling through `programs`; every `spanish_every`-th
    also speaks Spanish."""
    return [
        participant(
            plunge,
            program=programs[i % len(programs)],
            languages=("en", "es") if spanish_every and i % spanish_every == 0 else ("en",),
        )
        for i in range(count)
    ]


def make_site(name: str, kind: str = Site.Kind.CLINIC, zip_code: str = "63106") -> Site:
    site: Site = SiteFactory(name=name, kind=kind, zip_code=zip_code)
    return site


def session(
    plunge: Plunge,
    *,
    day: int = 0,
    hour: int = 9,
    kind: str = Session.Kind.SITE_VISIT,
    title: str = "",
    offers: Mapping[Site, int] | None = None,
) -> Session:
    made = Session.objects.create(
        plunge=plunge,
        kind=kind,
        title=title or f"{kind} day {day} {hour}:00",
        starts_at=at(plunge, day, hour),
        ends_at=at(plunge, day, hour + 3),
    )
    for site, capacity in (offers or {}).items():
        SlotOffer.objects.create(session=made, site=site, capacity=capacity)
    return made


def groups_of(plunge: Plunge, sizes: Sequence[int]) -> list[Group]:
    """Groups 1..len(sizes), each with that many registered members."""
    made = []
    for number, size in enumerate(sizes, start=1):
        group = Group.objects.create(plunge=plunge, number=number)
        for registration in participants(plunge, size):
            registration.group = group
            registration.save(update_fields=["group"])
        made.append(group)
    return made

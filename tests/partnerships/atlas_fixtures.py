"""Builders for the atlas tests: ZIP areas as small squares, indicators with values, sites,
verified volunteer hours and pathway participants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from equityhub.partnerships.models import Initiative
from equityhub.people.models import Organization, Person, TrainingLevel
from equityhub.places.models import Area, Indicator, IndicatorValue, Site
from equityhub.volunteering.models import HoursEntry
from tests.factories import AffiliationFactory, OrganizationFactory, PersonFactory
from tests.partnerships.conftest import focus

SIZE = 0.02


def square_area(code: str, *, index: int = 0, name: str = "", kind: str = Area.Kind.ZCTA) -> Area:
    """A ZIP area drawn as a small square near St. Louis, the `index`-th in a row."""
    west = -90.40 + (index % 10) * SIZE
    south = 38.55 + (index // 10) * SIZE
    east, north = west + SIZE, south + SIZE
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    area, _created = Area.objects.update_or_create(
        kind=kind,
        code=code,
        defaults={
            "name": name or f"ZIP {code}",
            "geometry": geometry,
            "display_geometry": geometry,
            "centroid_lat": south + SIZE / 2,
            "centroid_lon": west + SIZE / 2,
            "bbox_west": west,
            "bbox_south": south,
            "bbox_east": east,
            "bbox_north": north,
            "source": "Test boundaries",
        },
    )
    return area


def areas_in_a_row(count: int, *, first: int = 63001) -> list[Area]:
    return [square_area(str(first + i), index=i) for i in range(count)]


def make_indicator(
    code: str = "pvty_pct",
    name: str = "Poverty rate",
    unit: str = "%",
    *,
    higher_means_more_need: bool = True,
) -> Indicator:
    indicator, _created = Indicator.objects.get_or_create(
        code=code,
        defaults={"name": name, "unit": unit, "higher_means_more_need": higher_means_more_need},
    )
    return indicator


def set_value(
    indicator: Indicator, area: Area, value: float, *, year: int = 2018, source: str = "ACS 2018"
) -> IndicatorValue:
    found, _created = IndicatorValue.objects.update_or_create(
        indicator=indicator, area=area, year=year, defaults={"value": value, "source": source}
    )
    return found


def make_site(area: Area | None, name: str, **fields: Any) -> Site:
    defaults: dict[str, Any] = {
        "kind": Site.Kind.CLINIC,
        "address": "1 Example Street",
        "zip_code": area.code if area is not None else "63101",
        "area": area,
        "latitude": area.centroid_lat if area is not None else 38.6,
        "longitude": area.centroid_lon if area is not None else -90.2,
    }
    defaults.update(fields)
    site, _created = Site.objects.update_or_create(name=name, defaults=defaults)
    return site


def volunteer_hours(
    site: Site,
    volunteers: int,
    *,
    hours: str = "3.00",
    status: str = HoursEntry.Status.VERIFIED,
    people: list[Person] | None = None,
) -> list[Person]:
    """One entry of `hours` for each of `volunteers` new people (or the given `people`)."""
    people = people or [PersonFactory() for _ in range(volunteers)]
    HoursEntry.objects.bulk_create(
        HoursEntry(
            person=person,
            site=site,
            activity="Intake",
            date=dt.date(2025, 3, 1),
            hours=Decimal(hours),
            status=status,
        )
        for person in people
    )
    return people


def pathway_people(
    home_zip: str,
    count: int,
    *,
    level: str = TrainingLevel.K12,
    organization: Organization | None = None,
    **affiliation: Any,
) -> list[Person]:
    organization = organization or OrganizationFactory()
    people = []
    for _ in range(count):
        person = PersonFactory(home_zip=home_zip)
        AffiliationFactory(
            person=person, organization=organization, training_level=level, **affiliation
        )
        people.append(person)
    return people


def initiative_in(
    lead: Organization,
    areas: list[Area],
    *,
    title: str,
    focus_codes: tuple[str, ...] = ("cancer_screening",),
    status: str = Initiative.Status.ACTIVE,
) -> Initiative:
    initiative = Initiative.objects.create(title=title, lead_organization=lead, status=status)
    initiative.focus_areas.set([focus(code) for code in focus_codes])
    initiative.areas.set(areas)
    return initiative

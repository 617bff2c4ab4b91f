"""factory_boy factories for places and volunteering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from equityhub.places.models import Area, Site
from equityhub.volunteering.models import (
    Credential,
    CredentialType,
    HoursEntry,
    Opportunity,
    Shift,
)
from tests.factories import PersonFactory


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("kind", "code")

    kind = Area.Kind.ZCTA
    code = factory.Sequence(lambda n: f"63{n % 1000:03d}")
    name = ""


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Clinic {n}")
    kind = Site.Kind.CLINIC
    address = "1 Example Street"
    zip_code = "63106"
    timezone = "America/Chicago"


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    site = factory.SubFactory(SiteFactory)
    title = factory.Sequence(lambda n: f"Volunteer role {n}")


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    opportunity = factory.SubFactory(OpportunityFactory)
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=4))
    timezone = "America/Chicago"
    capacity = 2


# What migration 0002 seeds. Tests that run in transactions empty every table afterwards (the
# browser journeys, the PostgreSQL concurrency tests), seeded rows included, so tests get their
# types through `credential_type`, which puts a missing one back.
SEEDED_TYPES = {
    "hipaa": ("HIPAA training", 12, False, True),
    "tb-test": ("TB test", 12, False, True),
    "bls": ("Basic Life Support (BLS)", 24, False, True),
    "background-check": ("Background check", 36, False, True),
    "immunizations": ("Immunizations (MMR, varicella, hepatitis B, influenza)", 12, False, True),
    "bloodborne-pathogens": ("Bloodborne pathogens training", 12, False, True),
    "site-orientation": ("Site orientation", None, True, False),
}


def credential_type(code: str) -> CredentialType:
    """One of the types the migration seeds (hipaa, tb-test, bls, background-check, ...)."""
    name, months, per_site, evidence = SEEDED_TYPES[code]
    found, _created = CredentialType.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "validity_months": months,
            "per_site": per_site,
            "requires_evidence": evidence,
        },
    )
    return found


class CredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credential

    person = factory.SubFactory(PersonFactory)
    credential_type = factory.LazyFunction(lambda: credential_type("hipaa"))
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    expires_on = factory.LazyAttribute(lambda o: o.issued_on + dt.timedelta(days=365))
    status = Credential.Status.VERIFIED


class HoursEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HoursEntry

    person = factory.SubFactory(PersonFactory)
    site = factory.SubFactory(SiteFactory)
    activity = "Intake"
    date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    hours = Decimal("4.00")

"""Reads of the people registry. Every person reached by id goes through `get_person_for_user`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone

from equityhub.accounts.models import Role
from equityhub.accounts.rules import is_office_staff
from equityhub.accounts.selectors import scope_ids
from equityhub.audit.services import record_access
from equityhub.people.models import (
    ADULT_AGE,
    Affiliation,
    Consent,
    DemographicProfile,
    Organization,
    Person,
    PersonLanguage,
)
from equityhub.people.rules import can_see_demographics, can_see_person

MAX_ID = 2**63 - 1


def minor_cutoff(on: dt.date | None = None) -> dt.date:
    """People born after this date are under 18 on `on`."""
    on = on or timezone.localdate()
    try:
        return on.replace(year=on.year - ADULT_AGE)
    except ValueError:  # 29 February
        return on.replace(year=on.year - ADULT_AGE, day=28)


def minors_q(on: dt.date | None = None) -> Q:
    return Q(date_of_birth__gt=minor_cutoff(on))


def current_affiliations(on: dt.date | None = None) -> models.QuerySet[Affiliation]:
    on = on or timezone.localdate()
    return Affiliation.objects.filter(
        Q(start_date__isnull=True) | Q(start_date__lte=on),
        Q(end_date__isnull=True) | Q(end_date__gte=on),
    )


def people_visible_to(user: Any) -> models.QuerySet[Person]:
    """The people `user` may see at all; the same rule as `people.rules.can_see_person`."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Person.objects.none()
    if is_office_staff(user):
        return Person.objects.all()
    visible = Q(user=user)
    org_ids = scope_ids(user, Role.PARTNER, Organization)
    if org_ids:
        partner_people = current_affiliations().filter(organization_id__in=org_ids)
        visible |= Q(pk__in=partner_people.values("person_id")) & ~minors_q()
    return Person.objects.filter(visible)


def _with_profile_relations(queryset: models.QuerySet[Person]) -> models.QuerySet[Person]:
    return queryset.select_related("user").prefetch_related(
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.select_related("organization").order_by(
                "-is_primary", "-start_date", "id"
            ),
        ),
        Prefetch("languages", queryset=PersonLanguage.objects.order_by("language")),
        Prefetch("consents", queryset=Consent.objects.order_by("-given_at", "-id")),
    )


def valid_id(value: Any) -> int:
    """An id from a URL or a request as an int, or Http404: every app's choke-points use it, so
    an id outside 1..2^63-1 is a 404 everywhere, never a 500."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk <= MAX_ID:
        raise Http404
    return pk


def get_person_for_user(user: Any, person_id: Any, *, purpose: str = "view") -> Person:
    """The one way to load a person by id for a user: 404 for anyone who may not see them.

    Reading a minor's record writes an ACCESS entry (`people.person.viewed`).
    """
    pk = valid_id(person_id)
    person = _with_profile_relations(people_visible_to(user)).filter(pk=pk).first()
    if person is None or not can_see_person(user, person):
        raise Http404
    if person.is_minor:
        record_access(f"people.person.{purpose}ed_minor", actor=user, objects=[person])
    return person


def get_own_consent_for_user(user: Any, consent_id: Any) -> Consent:
    """One of the user's own consents by id (self-service withdrawal); 404 for anyone else's."""
    pk = valid_id(consent_id)
    person = person_of(user)
    consent = Consent.objects.filter(pk=pk, person=person).first() if person else None
    if consent is None:
        raise Http404
    return consent


def get_organization_for_user(user: Any, organization_id: Any) -> Organization:
    # Organizations are public knowledge in the registry (names, addresses); any signed-in
    # user may read them. Changing them is for office staff, checked by the service callers.
    pk = valid_id(organization_id)
    if not getattr(user, "is_authenticated", False):
        raise Http404
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise Http404
    return organization


def demographics_for_user(user: Any, person: Person) -> DemographicProfile | None:
    """The person's demographic profile, for a user allowed to read it; the read is logged.

    Raises PermissionDenied without the permission: callers decide not to ask, rather than
    being handed an empty profile that looks like "not answered".
    """
    if not can_see_demographics(user, person):
        raise PermissionDenied
    profile = DemographicProfile.objects.filter(person=person).first()
    if profile is not None:
        record_access("people.demographics.viewed", actor=user, objects=[profile])
    return profile


@dataclass(frozen=True)
class DirectoryFilters:
    q: str = ""
    organization_id: int | None = None
    training_level: str = ""
    language: str = ""
    age_group: str = ""  # "", "minor" or "adult"


def directory(user: Any, filters: DirectoryFilters) -> models.QuerySet[Person]:
    """The searchable directory, already narrowed to what `user` may see.

    The page renders with a fixed number of queries whatever its size: one count, one page of
    people, one query each for their current affiliations and languages.
    """
    queryset = people_visible_to(user)
    if filters.q:
        for term in filters.q.split()[:5]:
            # Names and e-mail, lowercased together in Person.search_key.
            queryset = queryset.filter(search_key__contains=term.lower())
    if filters.organization_id or filters.training_level:
        affiliations = current_affiliations()
        if filters.organization_id:
            affiliations = affiliations.filter(organization_id=filters.organization_id)
        if filters.training_level:
            affiliations = affiliations.filter(training_level=filters.training_level)
        queryset = queryset.filter(pk__in=affiliations.values("person_id"))
    if filters.language:
        queryset = queryset.filter(
            pk__in=PersonLanguage.objects.filter(language=filters.language).values("person_id")
        )
    if filters.age_group == "minor":
        queryset = queryset.filter(minors_q())
    elif filters.age_group == "adult":
        queryset = queryset.exclude(minors_q())
    today = timezone.localdate()
    return queryset.order_by("family_name", "given_name", "id").prefetch_related(
        Prefetch(
            "affiliations",
            queryset=current_affiliations(today)
            .select_related("organization")
            .order_by("-is_primary", "-start_date", "id"),
            to_attr="current_affiliations",
        ),
        Prefetch(
            "languages",
            queryset=PersonLanguage.objects.order_by("language"),
            to_attr="language_list",
        ),
    )


def log_directory_minors(user: Any, people: list[Person]) -> None:
    """A directory page that lists minors is a read of their records: one ACCESS entry each,
    written in a single INSERT."""
    minors = [person for person in people if person.is_minor]
    if minors:
        record_access("people.person.listed_minor", actor=user, objects=minors)


def organizations_for_filter() -> models.QuerySet[Organization]:
    return Organization.objects.filter(is_active=True).only("id", "name").order_by("name")


def person_of(user: Any) -> Person | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.person
    except Person.DoesNotExist:
        return None


def can_see_everyone(user: Any) -> bool:
    return bool(is_office_staff(user))

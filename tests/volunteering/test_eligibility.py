"""The eligibility check explains itself: one plain sentence per unmet requirement."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine

from equityhub.people.models import Person, TrainingLevel
from equityhub.places.models import Site
from equityhub.volunteering import eligibility, services
from equityhub.volunteering.models import Credential, LanguageRequirement, Opportunity, Shift
from tests.factories import AffiliationFactory, LanguageFactory, PersonFactory
from tests.volunteering.factories import CredentialFactory, credential_type

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
TODAY = dt.date(2026, 11, 10)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=CHICAGO), tick=False):
        yield


@pytest.fixture
def shift_on(make_shift: Callable[..., Shift]) -> Callable[[dt.date], Shift]:
    def make(day: dt.date) -> Shift:
        return make_shift(start=dt.datetime.combine(day, dt.time(9, 0), tzinfo=CHICAGO))

    return make


@pytest.fixture
def later_shift(shift_on: Callable[[dt.date], Shift]) -> Shift:
    """A shift on Saturday, November 14, 2026."""
    return shift_on(dt.date(2026, 11, 14))


def messages(person: Person, shift: Shift) -> list[str]:
    return [p.message for p in services.eligibility_problems(person, shift)]


def codes(person: Person, shift: Shift) -> list[str]:
    return [p.code for p in services.eligibility_problems(person, shift)]


def requires(opportunity: Opportunity, code: str) -> None:
    opportunity.credential_types.add(credential_type(code))


def test_someone_with_no_requirements_to_meet_is_eligible(
    later_shift: Shift, person: Person
) -> None:
    assert services.eligibility_problems(person, later_shift) == []


def test_an_expired_credential_says_when_it_expired(
    opportunity: Opportunity, later_shift: Shift, person: Person
) -> None:
    requires(opportunity, "tb-test")
    CredentialFactory(
        person=person,
        credential_type=credential_type("tb-test"),
        issued_on=dt.date(2025, 10, 1),
        expires_on=dt.date(2026, 10, 1),
    )

    assert messages(person, later_shift) == ["TB test expired on 2026-10-01"]
    assert codes(person, later_shift) == ["credential_expired"]


def test_the_latest_expired_credential_is_the_one_reported(
    opportunity: Opportunity, later_shift: Shift, person: Person
) -> None:
    requires(opportunity, "tb-test")
    tb = credential_type("tb-test")
    CredentialFactory(
        person=person,
        credential_type=tb,
        issued_on=dt.date(2024, 10, 1),
        expires_on=dt.date(2025, 10, 1),
    )
    CredentialFactory(
        person=person,
        credential_type=tb,
        issued_on=dt.date(2025, 10, 1),
        expires_on=dt.date(2026, 10, 1),
    )

    assert messages(person, later_shift) == ["TB test expired on 2026-10-01"]


def test_a_credential_that_expires_before_the_shift_says_so(
    opportunity: Opportunity, shift_on: Callable[[dt.date], Shift], person: Person
) -> None:
    requires(opportunity, "hipaa")
    CredentialFactory(
        person=person,
        credential_type=credential_type("hipaa"),
        issued_on=dt.date(2025, 11, 20),
        expires_on=dt.date(2026, 11, 20),
    )

    assert messages(person, shift_on(dt.date(2026, 11, 21))) == [
        "HIPAA training expires on 2026-11-20, before this shift"
    ]
    # Valid on the day of the shift (the expiry day included): no problem.
    assert messages(person, shift_on(dt.date(2026, 11, 20))) == []


def test_a_submitted_credential_is_waiting_for_verification(
    opportunity: Opportunity, later_shift: Shift, person: Person
) -> None:
    requires(opportunity, "bls")
    CredentialFactory(person=person, credential_type=credential_type("bls"), status="submitted")

    assert messages(person, later_shift) == ["Basic Life Support (BLS) is waiting for verification"]
    assert codes(person, later_shift) == ["credential_unverified"]


def test_a_missing_or_rejected_credential_is_not_on_file(
    opportunity: Opportunity, later_shift: Shift, person: Person
) -> None:
    requires(opportunity, "hipaa")
    requires(opportunity, "background-check")
    CredentialFactory(
        person=person, credential_type=credential_type("background-check"), status="rejected"
    )

    assert sorted(messages(person, later_shift)) == [
        "Background check is not on file",
        "HIPAA training is not on file",
    ]
    assert codes(person, later_shift) == ["credential_missing", "credential_missing"]


def test_a_valid_credential_among_others_is_enough(
    opportunity: Opportunity, later_shift: Shift, person: Person
) -> None:
    requires(opportunity, "tb-test")
    tb = credential_type("tb-test")
    CredentialFactory(
        person=person,
        credential_type=tb,
        issued_on=dt.date(2025, 1, 1),
        expires_on=dt.date(2026, 1, 1),
    )
    CredentialFactory(person=person, credential_type=tb, status="submitted")
    CredentialFactory(
        person=person,
        credential_type=tb,
        issued_on=dt.date(2026, 9, 1),
        expires_on=dt.date(2027, 9, 1),
    )

    assert messages(person, later_shift) == []


def test_someone_elses_credential_does_not_count(
    opportunity: Opportunity, later_shift: Shift, person: Person
) -> None:
    requires(opportunity, "hipaa")
    CredentialFactory(person=PersonFactory(), credential_type=credential_type("hipaa"))

    assert codes(person, later_shift) == ["credential_missing"]


def test_a_language_below_the_level_needed_is_explained(
    opportunity: Opportunity, later_shift: Shift, person: Person
) -> None:
    LanguageRequirement.objects.create(
        opportunity=opportunity, language="es", min_proficiency="conversational"
    )
    LanguageRequirement.objects.create(
        opportunity=opportunity, language="ar", min_proficiency="professional"
    )
    LanguageFactory(person=person, language="es", proficiency="basic")

    assert sorted(messages(person, later_shift)) == [
        "needs Arabic, professional (medical)",
        "needs Spanish, conversational",
    ]
    assert set(codes(person, later_shift)) == {"language"}


def test_a_language_at_or_above_the_level_needed_passes(
    opportunity: Opportunity, later_shift: Shift, person: Person
) -> None:
    LanguageRequirement.objects.create(
        opportunity=opportunity, language="es", min_proficiency="conversational"
    )
    LanguageFactory(person=person, language="es", proficiency="native")

    assert messages(person, later_shift) == []


def test_the_training_level_needed_is_explained(
    opportunity: Opportunity, later_shift: Shift, person: Person
) -> None:
    opportunity.min_training_level = TrainingLevel.MEDICAL_STUDENT
    opportunity.save()
    AffiliationFactory(person=person, training_level=TrainingLevel.UNDERGRADUATE)
    # Staff is not on the training pipeline: it does not count as "above" medical student.
    AffiliationFactory(person=person, training_level=TrainingLevel.STAFF)

    assert messages(person, later_shift) == ["needs to be at least: Medical student"]
    assert codes(person, later_shift) == ["training_level"]


def test_a_higher_training_level_passes_but_an_ended_affiliation_does_not(
    opportunity: Opportunity, later_shift: Shift, person: Person
) -> None:
    opportunity.min_training_level = TrainingLevel.MEDICAL_STUDENT
    opportunity.save()
    AffiliationFactory(
        person=person,
        training_level=TrainingLevel.RESIDENT,
        start_date=dt.date(2020, 7, 1),
        end_date=dt.date(2026, 6, 30),
    )
    assert codes(person, later_shift) == ["training_level"]

    AffiliationFactory(person=person, training_level=TrainingLevel.RESIDENT)
    assert messages(person, later_shift) == []


def test_the_minimum_age_is_checked_on_the_day_of_the_shift(
    opportunity: Opportunity, shift_on: Callable[[dt.date], Shift]
) -> None:
    opportunity.min_age = 18
    opportunity.save()
    person = PersonFactory(date_of_birth=dt.date(2008, 11, 20))

    assert messages(person, shift_on(dt.date(2026, 11, 19))) == ["must be at least 18 years old"]
    assert messages(person, shift_on(dt.date(2026, 11, 20))) == []


def test_an_unknown_date_of_birth_is_explained_when_there_is_a_minimum_age(
    opportunity: Opportunity, later_shift: Shift
) -> None:
    person = PersonFactory(date_of_birth=None)
    assert messages(person, later_shift) == []

    opportunity.min_age = 16
    opportunity.save()
    assert messages(person, later_shift) == ["date of birth is not on file"]
    assert codes(person, later_shift) == ["age_unknown"]


def test_the_orientation_must_be_for_this_site(
    opportunity: Opportunity, later_shift: Shift, person: Person, site: Site, other_site: Site
) -> None:
    opportunity.requires_orientation = True
    opportunity.save()
    orientation = credential_type("site-orientation")
    CredentialFactory(person=person, credential_type=orientation, site=other_site, expires_on=None)

    assert messages(person, later_shift) == [f"needs the site orientation for {site}"]
    assert codes(person, later_shift) == ["orientation_missing"]

    CredentialFactory(person=person, credential_type=orientation, site=site, status="submitted")
    assert codes(person, later_shift) == ["orientation_missing"]  # not verified yet

    CredentialFactory(person=person, credential_type=orientation, site=site, expires_on=None)
    assert messages(person, later_shift) == []


def test_every_problem_is_listed_together(opportunity: Opportunity, later_shift: Shift) -> None:
    requires(opportunity, "hipaa")
    opportunity.requires_orientation = True
    opportunity.min_training_level = TrainingLevel.MEDICAL_STUDENT
    opportunity.min_age = 21
    opportunity.save()
    LanguageRequirement.objects.create(opportunity=opportunity, language="prs")
    person = PersonFactory(date_of_birth=None)

    assert codes(person, later_shift) == [
        "credential_missing",
        "orientation_missing",
        "language",
        "training_level",
        "age_unknown",
    ]
    assert "needs Dari, conversational" in messages(person, later_shift)


def test_problems_is_pure_once_the_facts_are_read(
    opportunity: Opportunity,
    person: Person,
    django_assert_num_queries: Any,
) -> None:
    requires(opportunity, "hipaa")
    facts = eligibility.facts_for(person, on=TODAY)
    types = list(opportunity.credential_types.all())
    orientation = credential_type("site-orientation")
    requirements = list(opportunity.language_requirements.all())
    assert requirements == []

    from django.db.models import prefetch_related_objects  # noqa: PLC0415

    prefetch_related_objects([opportunity], "language_requirements")
    with django_assert_num_queries(0):
        found = eligibility.problems(
            facts,
            opportunity,
            on=TODAY,
            credential_types=types,
            orientation_type=orientation,
        )
    assert [p.code for p in found] == ["credential_missing"]


def test_an_expired_credential_with_a_renewal_waiting_says_so(
    opportunity: Opportunity, person: Person
) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC), tick=False):
        opportunity.credential_types.add(credential_type("tb-test"))
        CredentialFactory(
            person=person,
            credential_type=credential_type("tb-test"),
            issued_on=dt.date(2025, 10, 1),
            expires_on=dt.date(2026, 10, 1),
        )
        CredentialFactory(
            person=person,
            credential_type=credential_type("tb-test"),
            issued_on=dt.date(2026, 11, 2),
            expires_on=dt.date(2027, 11, 2),
            status=Credential.Status.SUBMITTED,
        )

        found = eligibility.problems(
            eligibility.facts_for(person), opportunity, on=dt.date(2026, 11, 14)
        )

    assert [p.message for p in found] == [
        "TB test expired on 2026-10-01; the renewal is waiting for verification"
    ]

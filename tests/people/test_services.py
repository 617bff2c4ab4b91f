"""Every branch of the people registry's services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from equityhub.audit.models import AuditEntry
from equityhub.audit.services import REDACTED
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.people import services
from equityhub.people.models import (
    Affiliation,
    Answer,
    Consent,
    DemographicProfile,
    Organization,
    Person,
    RaceEthnicity,
    TrainingLevel,
)
from tests.factories import (
    AffiliationFactory,
    ConsentFactory,
    LanguageFactory,
    MinorFactory,
    OrganizationFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URIM = {"american_indian", "black", "hispanic", "pacific_islander"}


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def years_ago(years: int, *, days: int = 0) -> dt.date:
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - years, day=28)
    return birthday - dt.timedelta(days=days)


# create_person -------------------------------------------------------------------------------


def test_creating_a_person_saves_the_stripped_fields_and_logs_them(admin_user):
    person = services.create_person(
        actor=admin_user,
        given_name="  Amara ",
        family_name="Okafor ",
        email=" amara@example.org ",
        date_of_birth=dt.date(2001, 3, 4),
        home_zip="63106",
    )

    person.refresh_from_db()
    assert (person.given_name, person.family_name, person.email) == (
        "Amara",
        "Okafor",
        "amara@example.org",
    )
    [entry] = entries("people.person.created")
    assert entry.actor_id == admin_user.pk
    assert entry.object_id == str(person.pk)
    assert entry.changes["email"] == [None, "amara@example.org"]
    assert entry.changes["date_of_birth"] == [None, "2001-03-04"]


def test_creating_a_person_with_an_address_already_taken_in_another_case_is_a_conflict(
    admin_user,
):
    PersonFactory(email="Keisha.Brown@Example.org")

    with pytest.raises(Conflict) as error:
        services.create_person(
            actor=admin_user, given_name="K", family_name="B", email="keisha.brown@example.ORG"
        )

    assert error.value.field == "email"
    assert error.value.code == "conflict"
    assert Person.objects.filter(email__iexact="keisha.brown@example.org").count() == 1
    assert not entries("people.person.created")


def test_creating_a_person_born_tomorrow_is_refused(admin_user):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    with pytest.raises(ServiceError) as error:
        services.create_person(
            actor=admin_user,
            given_name="A",
            family_name="B",
            email="a@example.org",
            date_of_birth=tomorrow,
        )

    assert error.value.field == "date_of_birth"
    assert not Person.objects.filter(email="a@example.org").exists()


def test_creating_a_person_born_today_is_allowed(admin_user):
    person = services.create_person(
        actor=admin_user,
        given_name="A",
        family_name="B",
        email="a@example.org",
        date_of_birth=timezone.localdate(),
    )
    assert person.pk is not None


@pytest.mark.parametrize("zip_code", ["6311", "631100", "ABCDE", "63 10"])
def test_creating_a_person_with_an_invalid_zip_names_the_home_zip_field(admin_user, zip_code):
    with pytest.raises(ServiceError) as error:
        services.create_person(
            actor=admin_user,
            given_name="A",
            family_name="B",
            email="a@example.org",
            home_zip=zip_code,
        )

    assert error.value.field == "home_zip"
    assert not Person.objects.filter(email="a@example.org").exists()


def test_creating_a_person_with_an_invalid_email_names_the_email_field(admin_user):
    with pytest.raises(ServiceError) as error:
        services.create_person(
            actor=admin_user, given_name="A", family_name="B", email="not-an-address"
        )
    assert error.value.field == "email"


def test_creating_a_person_without_a_given_name_is_refused(admin_user):
    with pytest.raises(ServiceError) as error:
        services.create_person(actor=admin_user, given_name="  ", family_name="B", email="a@x.org")
    assert error.value.field == "given_name"


# update_person -------------------------------------------------------------------------------


def test_updating_a_person_logs_before_and_after(admin_user, person):
    services.update_person(person=person, actor=admin_user, given_name="Renée", phone="314-555")

    person.refresh_from_db()
    assert person.given_name == "Renée"
    [entry] = entries("people.person.updated")
    assert entry.changes["phone"] == ["", "314-555"]
    assert entry.changes["given_name"][1] == "Renée"
    assert set(entry.changes) == {"given_name", "phone"}


def test_updating_a_person_with_the_same_values_writes_no_audit_entry(admin_user, person):
    before = Person.objects.get(pk=person.pk).updated_at

    services.update_person(
        person=person,
        actor=admin_user,
        given_name=f" {person.given_name} ",
        email=person.email,
        date_of_birth=person.date_of_birth,
    )

    assert not entries("people.person.updated")
    assert Person.objects.get(pk=person.pk).updated_at == before


def test_a_person_editing_themself_cannot_change_their_email(member):
    person = member.person

    with pytest.raises(NotAllowed) as error:
        services.update_person(
            person=person, actor=member, self_service=True, email="new@example.org"
        )

    assert error.value.code == "forbidden"
    person.refresh_from_db()
    assert person.email == member.email


def test_a_person_editing_themself_cannot_change_their_date_of_birth(member):
    with pytest.raises(NotAllowed):
        services.update_person(
            person=member.person, actor=member, self_service=True, date_of_birth=dt.date(2010, 1, 1)
        )


def test_a_person_editing_themself_may_change_their_name_and_zip(member):
    services.update_person(
        person=member.person,
        actor=member,
        self_service=True,
        preferred_name="Dre",
        home_zip="63113",
    )
    member.person.refresh_from_db()
    assert (member.person.preferred_name, member.person.home_zip) == ("Dre", "63113")


def test_updating_to_an_address_someone_else_has_is_a_conflict(admin_user, person):
    PersonFactory(email="taken@example.org")

    with pytest.raises(Conflict) as error:
        services.update_person(person=person, actor=admin_user, email="TAKEN@example.org")

    assert error.value.field == "email"
    assert Person.objects.get(pk=person.pk).email != "TAKEN@example.org"
    assert not entries("people.person.updated")


def test_changing_only_the_case_of_ones_own_address_is_allowed(admin_user):
    person = PersonFactory(email="jo@example.org")

    services.update_person(person=person, actor=admin_user, email="Jo@Example.org")

    assert Person.objects.get(pk=person.pk).email == "Jo@Example.org"


def test_updating_a_date_of_birth_into_the_future_is_refused(admin_user, person):
    with pytest.raises(ServiceError) as error:
        services.update_person(
            person=person,
            actor=admin_user,
            date_of_birth=timezone.localdate() + dt.timedelta(days=3),
        )
    assert error.value.field == "date_of_birth"
    assert Person.objects.get(pk=person.pk).date_of_birth == dt.date(1999, 5, 17)


def test_updating_with_an_invalid_zip_names_the_field_and_keeps_the_row(admin_user, person):
    with pytest.raises(ServiceError) as error:
        services.update_person(person=person, actor=admin_user, home_zip="1")
    assert error.value.field == "home_zip"
    assert Person.objects.get(pk=person.pk).home_zip == "63110"


def test_a_refused_update_leaves_the_callers_object_unchanged(admin_user, person):
    PersonFactory(email="taken@example.org")
    original = person.email

    with pytest.raises(Conflict):
        services.update_person(
            person=person, actor=admin_user, email="taken@example.org", given_name="Changed"
        )

    assert person.email == original
    assert person.given_name != "Changed"


def test_updating_an_unknown_field_is_refused(admin_user, person):
    with pytest.raises(NotAllowed):
        services.update_person(person=person, actor=admin_user, user=admin_user)


# link_user_to_person / create_own_person -----------------------------------------------------


def test_a_verified_login_is_linked_to_the_person_with_that_address():
    person = PersonFactory(email="Lin@Example.org")
    user = UserFactory(email="lin@example.org")

    linked = services.link_user_to_person(user=user, email=user.email)

    assert linked == person
    assert Person.objects.get(pk=person.pk).user == user
    [entry] = entries("people.person.linked")
    assert entry.data == {"user": user.pk}


def test_linking_does_nothing_when_the_user_already_has_a_person(member):
    PersonFactory(email="second@example.org")

    assert services.link_user_to_person(user=member, email="second@example.org") is None
    assert Person.objects.get(email="second@example.org").user is None


def test_linking_does_nothing_when_no_unlinked_person_has_the_address(member):
    user = UserFactory(email="nobody@example.org")
    assert services.link_user_to_person(user=user, email="nobody@example.org") is None
    # The member's person has this address but is already linked to the member.
    other = UserFactory(email="other@example.org")
    assert services.link_user_to_person(user=other, email=member.email) is None
    assert not entries("people.person.linked")


def test_a_user_without_a_person_creates_their_own_with_their_login_address():
    user = UserFactory(email="newcomer@example.org")

    person = services.create_own_person(user=user, given_name="Nia", family_name="Hart")

    assert person.user == user
    assert person.email == "newcomer@example.org"
    [entry] = entries("people.person.created")
    assert entry.actor_id == user.pk


def test_a_user_with_a_person_cannot_create_another(member):
    with pytest.raises(Conflict):
        services.create_own_person(user=member, given_name="A", family_name="B")
    assert Person.objects.filter(user=member).count() == 1


def test_creating_ones_own_person_when_the_office_has_the_address_is_a_conflict():
    PersonFactory(email="Known@example.org")
    user = UserFactory(email="known@example.org")

    with pytest.raises(Conflict):
        services.create_own_person(user=user, given_name="A", family_name="B")

    assert not Person.objects.filter(user=user).exists()


# Affiliations --------------------------------------------------------------------------------


def test_adding_an_affiliation_saves_it_and_logs_it(admin_user, person):
    organization = OrganizationFactory()

    affiliation = services.add_affiliation(
        person=person,
        actor=admin_user,
        organization=organization,
        training_level=TrainingLevel.RESIDENT,
        school_program=" Internal Medicine ",
        start_date=dt.date(2025, 7, 1),
    )

    assert affiliation.school_program == "Internal Medicine"
    [entry] = entries("people.affiliation.added")
    assert entry.object_id == str(person.pk)
    assert entry.changes["organization_id"] == [None, organization.pk]


def test_a_new_primary_affiliation_takes_over_from_the_old_one(admin_user, person):
    old = AffiliationFactory(person=person, is_primary=True)
    other = AffiliationFactory(person=PersonFactory(), is_primary=True)

    new = services.add_affiliation(
        person=person,
        actor=admin_user,
        organization=OrganizationFactory(),
        training_level=TrainingLevel.FELLOW,
        is_primary=True,
    )

    assert Affiliation.objects.get(pk=new.pk).is_primary
    assert not Affiliation.objects.get(pk=old.pk).is_primary
    assert Affiliation.objects.get(pk=other.pk).is_primary


def test_a_non_primary_affiliation_leaves_the_primary_one_alone(admin_user, person):
    old = AffiliationFactory(person=person, is_primary=True)

    services.add_affiliation(
        person=person,
        actor=admin_user,
        organization=OrganizationFactory(),
        training_level=TrainingLevel.FELLOW,
    )

    assert Affiliation.objects.get(pk=old.pk).is_primary


def test_an_affiliation_cannot_end_before_it_starts(admin_user, person):
    with pytest.raises(ServiceError) as error:
        services.add_affiliation(
            person=person,
            actor=admin_user,
            organization=OrganizationFactory(),
            training_level=TrainingLevel.STAFF,
            start_date=dt.date(2025, 1, 2),
            end_date=dt.date(2025, 1, 1),
        )
    assert error.value.field == "end_date"
    assert not Affiliation.objects.exists()


def test_an_affiliation_with_an_unknown_training_level_is_refused(admin_user, person):
    with pytest.raises(ServiceError) as error:
        services.add_affiliation(
            person=person,
            actor=admin_user,
            organization=OrganizationFactory(),
            training_level="wizard",
        )
    assert error.value.field == "training_level"


def test_only_k12_students_have_a_school_grade(admin_user, person):
    organization = OrganizationFactory()
    with pytest.raises(ServiceError) as error:
        services.add_affiliation(
            person=person,
            actor=admin_user,
            organization=organization,
            training_level=TrainingLevel.UNDERGRADUATE,
            grade_level=11,
        )
    assert error.value.field == "grade_level"

    affiliation = services.add_affiliation(
        person=person,
        actor=admin_user,
        organization=organization,
        training_level=TrainingLevel.K12,
        grade_level=11,
    )
    assert affiliation.grade_level == 11


def test_a_school_grade_outside_1_to_12_is_refused(admin_user, person):
    with pytest.raises(ServiceError) as error:
        services.add_affiliation(
            person=person,
            actor=admin_user,
            organization=OrganizationFactory(),
            training_level=TrainingLevel.K12,
            grade_level=13,
        )
    assert error.value.field == "grade_level"


def test_ending_an_affiliation_sets_its_end_date_and_logs_it(admin_user):
    affiliation = AffiliationFactory(start_date=dt.date(2024, 7, 1))

    services.end_affiliation(
        affiliation=affiliation, actor=admin_user, end_date=dt.date(2025, 6, 30)
    )

    assert Affiliation.objects.get(pk=affiliation.pk).end_date == dt.date(2025, 6, 30)
    [entry] = entries("people.affiliation.ended")
    assert entry.changes == {"end_date": [None, "2025-06-30"]}


def test_ending_an_affiliation_that_has_already_ended_is_a_conflict(admin_user):
    affiliation = AffiliationFactory(end_date=dt.date(2025, 6, 30))

    with pytest.raises(Conflict):
        services.end_affiliation(
            affiliation=affiliation, actor=admin_user, end_date=dt.date(2025, 7, 30)
        )


@time_machine.travel(dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC), tick=False)
def test_an_affiliation_with_a_later_end_date_may_be_ended_sooner(admin_user):
    affiliation = AffiliationFactory(end_date=dt.date(2026, 6, 30))

    services.end_affiliation(
        affiliation=affiliation, actor=admin_user, end_date=dt.date(2025, 12, 31)
    )

    assert Affiliation.objects.get(pk=affiliation.pk).end_date == dt.date(2025, 12, 31)


@time_machine.travel(dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC), tick=False)
def test_an_affiliation_that_ends_in_the_future_may_be_extended(admin_user):
    affiliation = AffiliationFactory(start_date=dt.date(2024, 7, 1), end_date=dt.date(2025, 6, 30))

    services.end_affiliation(
        affiliation=affiliation, actor=admin_user, end_date=dt.date(2026, 6, 30)
    )

    assert Affiliation.objects.get(pk=affiliation.pk).end_date == dt.date(2026, 6, 30)


def test_ending_an_affiliation_before_it_started_is_refused(admin_user):
    affiliation = AffiliationFactory(start_date=dt.date(2024, 7, 1))

    with pytest.raises(ServiceError) as error:
        services.end_affiliation(
            affiliation=affiliation, actor=admin_user, end_date=dt.date(2024, 6, 30)
        )

    assert error.value.field == "end_date"
    assert Affiliation.objects.get(pk=affiliation.pk).end_date is None


# Languages -----------------------------------------------------------------------------------


def test_setting_languages_replaces_the_old_ones(member):
    person = member.person
    LanguageFactory(person=person, language="es", proficiency="basic")

    services.set_languages(
        person=person, actor=member, languages={"vi": "native", "en": "professional"}
    )

    assert dict(person.languages.values_list("language", "proficiency")) == {
        "vi": "native",
        "en": "professional",
    }
    [entry] = entries("people.person.languages_changed")
    assert entry.changes["languages"][0] == {"es": "basic"}


def test_setting_the_same_languages_again_writes_nothing(member):
    LanguageFactory(person=member.person, language="es", proficiency="basic")

    services.set_languages(person=member.person, actor=member, languages={"es": "basic"})

    assert not entries("people.person.languages_changed")


def test_setting_no_languages_clears_them(member):
    LanguageFactory(person=member.person)

    services.set_languages(person=member.person, actor=member, languages={})

    assert not member.person.languages.exists()


def test_an_unknown_language_code_is_refused(member):
    LanguageFactory(person=member.person)
    with pytest.raises(ServiceError) as error:
        services.set_languages(person=member.person, actor=member, languages={"klingon": "basic"})
    assert error.value.field == "languages"
    assert member.person.languages.count() == 1


def test_an_unknown_proficiency_is_refused(member):
    with pytest.raises(ServiceError) as error:
        services.set_languages(person=member.person, actor=member, languages={"es": "fluent"})
    assert error.value.field == "languages"


# Demographics --------------------------------------------------------------------------------


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    categories=st.sets(st.sampled_from(RaceEthnicity.values)),
    declined=st.booleans(),
)
def test_urim_is_yes_exactly_when_an_underrepresented_category_is_chosen(
    member, categories, declined
):
    if declined and categories:
        with pytest.raises(ServiceError):
            services.update_demographics(
                person=member.person,
                actor=member,
                race_ethnicity=categories,
                race_ethnicity_declined=True,
            )
        return

    profile = services.update_demographics(
        person=member.person,
        actor=member,
        race_ethnicity=categories,
        race_ethnicity_declined=declined,
    )

    stored = DemographicProfile.objects.get(pk=profile.pk)
    if declined:
        expected = Answer.PREFER_NOT
    elif not categories:
        expected = ""
    else:
        expected = Answer.YES if categories & URIM else Answer.NO
    assert stored.underrepresented_in_medicine == expected
    assert set(stored.race_ethnicity) == categories


def test_demographics_are_created_on_first_answer(member):
    profile = services.update_demographics(
        person=member.person,
        actor=member,
        race_ethnicity=["asian", "white"],
        gender_identity="non_binary",
        disability="prefer_not",
    )

    stored = DemographicProfile.objects.get(person=member.person)
    assert stored.pk == profile.pk
    assert stored.race_ethnicity == ["asian", "white"]
    assert stored.underrepresented_in_medicine == Answer.NO
    assert stored.disability == "prefer_not"


def test_choosing_categories_and_prefer_not_to_say_together_is_refused(member):
    with pytest.raises(ServiceError) as error:
        services.update_demographics(
            person=member.person,
            actor=member,
            race_ethnicity=["black"],
            race_ethnicity_declined=True,
        )
    assert error.value.field == "race_ethnicity"
    assert not DemographicProfile.objects.exists()


def test_an_unknown_race_category_is_refused(member):
    with pytest.raises(ServiceError) as error:
        services.update_demographics(person=member.person, actor=member, race_ethnicity=["martian"])
    assert error.value.field == "race_ethnicity"


def test_an_unknown_gender_identity_is_refused(member):
    with pytest.raises(ServiceError) as error:
        services.update_demographics(person=member.person, actor=member, gender_identity="x")
    assert error.value.field == "gender_identity"


def test_an_unknown_answer_names_its_question(member):
    with pytest.raises(ServiceError) as error:
        services.update_demographics(person=member.person, actor=member, rural_background="maybe")
    assert error.value.field == "rural_background"


def test_a_self_description_is_kept_only_with_the_self_describe_answer(member):
    profile = services.update_demographics(
        person=member.person,
        actor=member,
        gender_identity="woman",
        gender_self_description="ignored",
    )
    assert profile.gender_self_description == ""

    profile = services.update_demographics(
        person=member.person,
        actor=member,
        gender_identity="self_describe",
        gender_self_description=" genderfluid ",
    )
    assert DemographicProfile.objects.get(pk=profile.pk).gender_self_description == "genderfluid"


def test_a_changed_gender_self_description_is_logged_as_the_gender_question(member):
    services.update_demographics(person=member.person, actor=member, gender_identity="woman")
    services.update_demographics(
        person=member.person,
        actor=member,
        gender_identity="self_describe",
        gender_self_description="agender",
    )
    services.update_demographics(
        person=member.person,
        actor=member,
        gender_identity="self_describe",
        gender_self_description="demigirl",
    )

    for entry in entries("people.demographics.updated"):
        assert "gender_self_description" not in entry.changes


def test_the_demographics_audit_entry_names_fields_but_never_values(member):
    services.update_demographics(
        person=member.person,
        actor=member,
        race_ethnicity=["hispanic"],
        race_ethnicity_detail="Guatemalan",
        gender_identity="self_describe",
        gender_self_description="Xenogender-Secret",
        first_generation_college="yes",
    )

    [entry] = entries("people.demographics.updated")
    assert set(entry.changes) == {
        "race_ethnicity",
        "race_ethnicity_detail",
        "gender_identity",
        "first_generation_college",
        "underrepresented_in_medicine",
    }
    assert all(value == [REDACTED, REDACTED] for value in entry.changes.values())
    # A race category's own column name would give the answer away.
    logged = str(entry.changes) + str(entry.data)
    for secret in ("Guatemalan", "Xenogender-Secret", "hispanic", "self_describe", "yes"):
        assert secret not in logged


def test_declining_the_race_question_is_logged_as_a_change_to_the_question(member):
    services.update_demographics(person=member.person, actor=member, race_ethnicity=["white"])
    services.update_demographics(person=member.person, actor=member, race_ethnicity_declined=True)

    latest = AuditEntry.objects.filter(action="people.demographics.updated").first()
    assert latest is not None
    assert set(latest.changes) == {"race_ethnicity", "underrepresented_in_medicine"}
    assert "white" not in str(latest.changes)
    assert "declined" not in str(latest.changes)


def test_saving_the_same_demographics_twice_logs_once(member):
    answers = {"race_ethnicity": ["black"], "disability": "no"}
    services.update_demographics(person=member.person, actor=member, **answers)
    services.update_demographics(person=member.person, actor=member, **answers)

    assert len(entries("people.demographics.updated")) == 1


# Consents ------------------------------------------------------------------------------------


def test_an_adult_records_their_own_consent(admin_user, person):
    consent = services.record_consent(
        person=person,
        actor=admin_user,
        kind=Consent.Kind.DATA_USE,
        given_by_name=" Jo Q ",
        expires_on=timezone.localdate() + dt.timedelta(days=365),
    )

    assert consent.given_by_name == "Jo Q"
    assert consent.recorded_by == admin_user
    [entry] = entries("people.consent.recorded")
    assert entry.data == {"consent": consent.pk, "kind": "data_use", "relationship": "self"}


def test_a_minor_cannot_consent_for_themself(admin_user):
    minor = MinorFactory()

    with pytest.raises(ServiceError) as error:
        services.record_consent(
            person=minor, actor=admin_user, kind=Consent.Kind.MEDIA, given_by_name="Kid"
        )

    assert error.value.field == "relationship"
    assert not Consent.objects.exists()


def test_a_parent_consents_for_a_minor(admin_user):
    minor = MinorFactory()

    consent = services.record_consent(
        person=minor,
        actor=admin_user,
        kind=Consent.Kind.GUARDIAN,
        given_by_name="Parent",
        relationship=Consent.Relationship.PARENT,
    )

    assert consent.kind == Consent.Kind.GUARDIAN


def test_someone_turning_18_on_the_day_of_consent_may_consent_for_themself(admin_user):
    adult_today = PersonFactory(date_of_birth=years_ago(18))

    consent = services.record_consent(
        person=adult_today, actor=admin_user, kind=Consent.Kind.DATA_USE, given_by_name="Me"
    )
    assert consent.pk is not None


def test_someone_turning_18_tomorrow_may_not(admin_user):
    minor = PersonFactory(date_of_birth=years_ago(18) + dt.timedelta(days=1))

    with pytest.raises(ServiceError):
        services.record_consent(
            person=minor, actor=admin_user, kind=Consent.Kind.DATA_USE, given_by_name="Me"
        )


def test_guardian_consent_is_only_for_minors(admin_user, person):
    with pytest.raises(ServiceError) as error:
        services.record_consent(
            person=person,
            actor=admin_user,
            kind=Consent.Kind.GUARDIAN,
            given_by_name="Parent",
            relationship=Consent.Relationship.PARENT,
        )
    assert error.value.field == "kind"


def test_guardian_consent_is_not_given_by_oneself(admin_user, person):
    with pytest.raises(ServiceError) as error:
        services.record_consent(
            person=person, actor=admin_user, kind=Consent.Kind.GUARDIAN, given_by_name="Me"
        )
    assert error.value.field == "relationship"


def test_a_consent_cannot_expire_before_it_was_given(admin_user, person):
    with pytest.raises(ServiceError) as error:
        services.record_consent(
            person=person,
            actor=admin_user,
            kind=Consent.Kind.DATA_USE,
            given_by_name="Me",
            expires_on=timezone.localdate() - dt.timedelta(days=1),
        )
    assert error.value.field == "expires_on"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "tattoo"}, "kind"),
        ({"relationship": "cousin"}, "relationship"),
        ({"given_by_name": "   "}, "given_by_name"),
        ({"given_by_email": "nope"}, "given_by_email"),
    ],
)
def test_a_consent_with_a_bad_field_names_it(admin_user, person, changes, field):
    arguments = {"kind": Consent.Kind.DATA_USE, "given_by_name": "Me", **changes}
    with pytest.raises(ServiceError) as error:
        services.record_consent(person=person, actor=admin_user, **arguments)
    assert error.value.field == field


def test_withdrawing_a_consent_keeps_the_record_and_logs_it(member):
    consent = ConsentFactory(person=member.person)

    services.withdraw_consent(consent=consent, actor=member, reason=" moving away ")

    stored = Consent.objects.get(pk=consent.pk)
    assert stored.withdrawn_at is not None
    assert stored.withdrawal_reason == "moving away"
    assert consent.withdrawn_at == stored.withdrawn_at
    [entry] = entries("people.consent.withdrawn")
    assert entry.data == {"consent": consent.pk, "kind": "data_use"}


def test_withdrawing_a_consent_twice_is_a_conflict(member):
    consent = ConsentFactory(person=member.person)
    services.withdraw_consent(consent=consent, actor=member)

    with pytest.raises(Conflict):
        services.withdraw_consent(consent=consent, actor=member)
    # A stale copy, loaded before the first withdrawal, is caught under the lock.
    stale = Consent.objects.get(pk=consent.pk)
    stale.withdrawn_at = None
    with pytest.raises(Conflict):
        services.withdraw_consent(consent=stale, actor=member)
    assert len(entries("people.consent.withdrawn")) == 1


def guardian_consent() -> Consent:
    return ConsentFactory(
        person=MinorFactory(),
        kind=Consent.Kind.GUARDIAN,
        relationship=Consent.Relationship.PARENT,
        given_by_name="Parent",
    )


def test_withdrawing_a_guardian_consent_emails_the_office_after_commit(
    admin_user, settings, django_capture_on_commit_callbacks
):
    settings.OFFICE_EMAIL = "diversity@example.edu"
    consent = guardian_consent()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.withdraw_consent(consent=consent, actor=admin_user)
        assert mail.outbox == []

    assert len(callbacks) == 1
    [message] = mail.outbox
    assert message.to == ["diversity@example.edu"]
    assert f"#{consent.person_id}" in message.body


def test_no_office_email_is_sent_when_the_withdrawal_rolls_back(
    admin_user, settings, django_capture_on_commit_callbacks
):
    settings.OFFICE_EMAIL = "diversity@example.edu"
    consent = guardian_consent()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.withdraw_consent(consent=consent, actor=admin_user)
        raise RuntimeError("the surrounding request failed")

    assert callbacks == []
    assert mail.outbox == []
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None


def test_no_office_email_without_an_office_address(
    admin_user, settings, django_capture_on_commit_callbacks
):
    settings.OFFICE_EMAIL = ""
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_consent(consent=guardian_consent(), actor=admin_user)
    assert mail.outbox == []


def test_withdrawing_a_data_use_consent_sends_no_office_email(
    member, settings, django_capture_on_commit_callbacks
):
    settings.OFFICE_EMAIL = "diversity@example.edu"
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_consent(consent=ConsentFactory(person=member.person), actor=member)
    assert mail.outbox == []


# Organizations -------------------------------------------------------------------------------


def test_creating_an_organization_saves_and_logs_it(admin_user):
    organization = services.create_organization(
        actor=admin_user, name=" Casa de Salud ", kind=Organization.Kind.CLINIC, zip_code="63104"
    )

    assert organization.name == "Casa de Salud"
    [entry] = entries("people.organization.created")
    assert entry.changes["name"] == [None, "Casa de Salud"]


def test_an_organization_name_is_unique_regardless_of_case(admin_user):
    OrganizationFactory(name="Casa de Salud")

    with pytest.raises(Conflict) as error:
        services.create_organization(actor=admin_user, name="casa de salud")

    assert error.value.field == "name"
    assert Organization.objects.count() == 1


def test_creating_an_organization_with_an_unknown_field_is_refused(admin_user):
    with pytest.raises(ServiceError):
        services.create_organization(actor=admin_user, name="X", colour="red")


def test_creating_an_organization_with_a_bad_zip_names_the_field(admin_user):
    with pytest.raises(ServiceError) as error:
        services.create_organization(actor=admin_user, name="X", zip_code="631")
    assert error.value.field == "zip_code"


def test_updating_an_organization_logs_the_change(admin_user):
    organization = OrganizationFactory(name="Old Name")

    services.update_organization(organization=organization, actor=admin_user, name="New Name")

    assert Organization.objects.get(pk=organization.pk).name == "New Name"
    [entry] = entries("people.organization.updated")
    assert entry.changes == {"name": ["Old Name", "New Name"]}


def test_updating_an_organization_with_the_same_values_logs_nothing(admin_user):
    organization = OrganizationFactory(name="Same")
    services.update_organization(organization=organization, actor=admin_user, name="Same")
    assert not entries("people.organization.updated")


def test_renaming_an_organization_to_an_existing_name_is_a_conflict(admin_user):
    OrganizationFactory(name="Taken Name")
    organization = OrganizationFactory(name="Mine")

    with pytest.raises(Conflict) as error:
        services.update_organization(organization=organization, actor=admin_user, name="TAKEN NAME")

    assert error.value.field == "name"
    assert Organization.objects.get(pk=organization.pk).name == "Mine"


def test_a_refused_organization_update_leaves_the_callers_object_unchanged(admin_user):
    OrganizationFactory(name="Taken Name")
    organization = OrganizationFactory(name="Mine", city="St. Louis")

    with pytest.raises(Conflict):
        services.update_organization(
            organization=organization, actor=admin_user, name="Taken Name", city="Ferguson"
        )

    assert (organization.name, organization.city) == ("Mine", "St. Louis")


def test_updating_an_organization_with_an_unknown_field_is_refused(admin_user):
    with pytest.raises(ServiceError):
        services.update_organization(
            organization=OrganizationFactory(), actor=admin_user, colour="red"
        )

"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from equityhub.accounts.models import Role, RoleAssignment, User
from equityhub.people.models import (
    Affiliation,
    Consent,
    DemographicProfile,
    Organization,
    Person,
    PersonLanguage,
    TrainingLevel,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs: object) -> None:  # noqa: N805  (factory_boy passes the built object)
        obj.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = Organization.Kind.COMMUNITY
    city = "St. Louis"
    state = "MO"
    zip_code = "63110"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    date_of_birth = dt.date(1999, 5, 17)
    home_zip = "63110"


class MinorFactory(PersonFactory):
    date_of_birth = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365 * 15))


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(OrganizationFactory)
    training_level = TrainingLevel.MEDICAL_STUDENT
    school_program = "MD program"
    start_date = dt.date(2024, 7, 1)


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonLanguage

    person = factory.SubFactory(PersonFactory)
    language = "es"
    proficiency = "conversational"


class DemographicProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DemographicProfile

    person = factory.SubFactory(PersonFactory)
    race_black = True
    gender_identity = "woman"
    first_generation_college = "yes"
    underrepresented_in_medicine = "yes"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    kind = Consent.Kind.DATA_USE
    given_by_name = factory.LazyAttribute(lambda o: o.person.full_name)
    relationship = Consent.Relationship.SELF

"""Reads of the people registry: who sees whom, the 404 choke-point, logged reads, the directory."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from equityhub.audit.models import AuditEntry
from equityhub.people.models import Person, TrainingLevel, age_on
from equityhub.people.selectors import (
    DirectoryFilters,
    demographics_for_user,
    directory,
    get_person_for_user,
    minor_cutoff,
    people_visible_to,
)
from equityhub.people.views import directory as directory_view
from tests.factories import (
    AffiliationFactory,
    DemographicProfileFactory,
    LanguageFactory,
    MinorFactory,
    OrganizationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

ST_LOUIS = ZoneInfo("America/Chicago")


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


# people_visible_to ---------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["admin_user", "coordinator"])
def test_office_staff_see_everyone(request, fixture, person):
    user = request.getfixturevalue(fixture)
    minor = MinorFactory()
    unlinked = PersonFactory(date_of_birth=None)

    visible = ids(people_visible_to(user))

    assert {person.pk, minor.pk, unlinked.pk, user.person.pk} <= visible
    assert len(visible) == 4


def test_a_partner_sees_only_adults_currently_affiliated_with_their_org(partner, partner_org):
    adult = AffiliationFactory(organization=partner_org).person
    no_birthday = AffiliationFactory(
        organization=partner_org, person=PersonFactory(date_of_birth=None)
    ).person
    AffiliationFactory(organization=partner_org, person=MinorFactory())
    AffiliationFactory(organization=partner_org, end_date=dt.date(2024, 12, 31))
    AffiliationFactory(organization=partner_org, start_date=dt.date(2999, 1, 1))
    AffiliationFactory(organization=OrganizationFactory())
    PersonFactory()

    assert ids(people_visible_to(partner)) == {adult.pk, no_birthday.pk, partner.person.pk}


def test_a_partner_with_a_person_affiliated_twice_sees_them_once(partner, partner_org):
    adult = AffiliationFactory(organization=partner_org).person
    AffiliationFactory(organization=partner_org, person=adult, school_program="Second")

    assert list(people_visible_to(partner)).count(adult) == 1


def test_a_member_sees_only_themself(member, person):
    MinorFactory()
    assert ids(people_visible_to(member)) == {member.person.pk}


def test_an_outsider_sees_only_themself(outsider, person):
    assert ids(people_visible_to(outsider)) == {outsider.person.pk}


def test_a_user_without_a_person_sees_no_one(make_user, person):
    assert not people_visible_to(make_user(None, person=False)).exists()


def test_an_anonymous_visitor_sees_no_one(person):
    assert not people_visible_to(AnonymousUser()).exists()


def test_a_deactivated_admin_sees_no_one(admin_user, person):
    admin_user.is_active = False
    assert not people_visible_to(admin_user).exists()


# get_person_for_user -------------------------------------------------------------------------


def test_the_owner_loads_their_own_record(member):
    assert get_person_for_user(member, member.person.pk) == member.person


def test_an_outsider_gets_404_for_someone_else(outsider, person):
    with pytest.raises(Http404):
        get_person_for_user(outsider, person.pk)


@pytest.mark.parametrize("bad_id", [0, -1, 2**63, 2**64, "abc", "", None, "1.5", "1e3"])
def test_impossible_ids_are_404_not_errors(admin_user, bad_id):
    with pytest.raises(Http404):
        get_person_for_user(admin_user, bad_id)


def test_the_largest_possible_id_is_a_plain_404(admin_user):
    with pytest.raises(Http404):
        get_person_for_user(admin_user, 2**63 - 1)


def test_an_id_given_as_text_is_accepted(admin_user, person):
    assert get_person_for_user(admin_user, str(person.pk)) == person


def test_reading_a_minors_record_writes_an_access_entry(admin_user):
    minor = MinorFactory()

    get_person_for_user(admin_user, minor.pk)

    [entry] = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS)
    assert entry.action == "people.person.viewed_minor"
    assert entry.actor_id == admin_user.pk
    assert entry.object_id == str(minor.pk)


def test_editing_a_minors_record_is_logged_as_an_edit(admin_user):
    minor = MinorFactory()
    get_person_for_user(admin_user, minor.pk, purpose="edit")
    assert AuditEntry.objects.get().action == "people.person.edited_minor"


def test_reading_an_adults_record_writes_no_access_entry(admin_user, person):
    get_person_for_user(admin_user, person.pk)
    assert not AuditEntry.objects.exists()


def test_a_partner_gets_404_for_a_minor_of_their_org(partner, partner_org):
    minor = AffiliationFactory(organization=partner_org, person=MinorFactory()).person
    with pytest.raises(Http404):
        get_person_for_user(partner, minor.pk)
    assert not AuditEntry.objects.exists()


# demographics_for_user -----------------------------------------------------------------------


def test_a_member_may_not_read_someone_elses_demographics(member):
    profile = DemographicProfileFactory()
    with pytest.raises(PermissionDenied):
        demographics_for_user(member, profile.person)
    assert not AuditEntry.objects.exists()


def test_an_office_admin_without_the_permission_may_not_read_demographics(admin_user):
    profile = DemographicProfileFactory()
    with pytest.raises(PermissionDenied):
        demographics_for_user(admin_user, profile.person)


def test_a_steward_reads_demographics_and_the_read_is_logged(steward):
    profile = DemographicProfileFactory()

    assert demographics_for_user(steward, profile.person) == profile

    [entry] = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS)
    assert entry.action == "people.demographics.viewed"
    assert entry.actor_id == steward.pk
    assert entry.object_id == str(profile.pk)
    assert entry.changes == {}


def test_a_steward_reading_an_empty_profile_gets_none_and_nothing_is_logged(steward, person):
    assert demographics_for_user(steward, person) is None
    assert not AuditEntry.objects.exists()


def test_a_person_reads_their_own_demographics(member):
    profile = DemographicProfileFactory(person=member.person)
    assert demographics_for_user(member, member.person) == profile


# directory -----------------------------------------------------------------------------------


def test_the_directory_searches_names_and_email_with_every_term(admin_user):
    ana = PersonFactory(given_name="Ana", family_name="Smith", email="asmith@example.org")
    PersonFactory(given_name="Ana", family_name="Jones", email="ajones@example.org")
    PersonFactory(given_name="Bob", family_name="Smith", email="bsmith@example.org")
    preferred = PersonFactory(
        given_name="Anastasia", preferred_name="Stacy", family_name="Smythe", email="s@wustl.edu"
    )

    assert ids(directory(admin_user, DirectoryFilters(q="ana smith"))) == {ana.pk}
    assert ids(directory(admin_user, DirectoryFilters(q="SMITH ana"))) == {ana.pk}
    assert ids(directory(admin_user, DirectoryFilters(q="stacy"))) == {preferred.pk}
    assert ids(directory(admin_user, DirectoryFilters(q="wustl.edu"))) == {preferred.pk}
    assert not directory(admin_user, DirectoryFilters(q="ana nobody")).exists()


def test_the_directory_search_stays_within_what_the_user_may_see(partner, partner_org):
    mine = AffiliationFactory(organization=partner_org, person=PersonFactory(family_name="Zed"))
    PersonFactory(family_name="Zed")

    assert ids(directory(partner, DirectoryFilters(q="zed"))) == {mine.person.pk}


def test_the_directory_filters_by_current_organization(admin_user):
    organization = OrganizationFactory()
    current = AffiliationFactory(organization=organization).person
    AffiliationFactory(organization=organization, end_date=dt.date(2024, 12, 31))
    AffiliationFactory()

    found = directory(admin_user, DirectoryFilters(organization_id=organization.pk))

    assert ids(found) == {current.pk}


def test_the_directory_filters_by_training_level(admin_user):
    resident = AffiliationFactory(training_level=TrainingLevel.RESIDENT).person
    AffiliationFactory(training_level=TrainingLevel.FACULTY)

    assert ids(directory(admin_user, DirectoryFilters(training_level="resident"))) == {resident.pk}


def test_organization_and_training_level_must_hold_on_the_same_affiliation(admin_user):
    organization = OrganizationFactory()
    both = AffiliationFactory(organization=organization, training_level=TrainingLevel.FELLOW).person
    split = AffiliationFactory(organization=organization, training_level=TrainingLevel.STAFF).person
    AffiliationFactory(person=split, training_level=TrainingLevel.FELLOW)

    found = directory(
        admin_user, DirectoryFilters(organization_id=organization.pk, training_level="fellow")
    )

    assert ids(found) == {both.pk}


def test_the_directory_filters_by_language(admin_user):
    speaker = LanguageFactory(language="bs").person
    LanguageFactory(language="es")

    assert ids(directory(admin_user, DirectoryFilters(language="bs"))) == {speaker.pk}


def test_the_directory_filters_by_age_group(admin_user):
    minor = MinorFactory()
    adult = PersonFactory()
    unknown = PersonFactory(date_of_birth=None)

    assert ids(directory(admin_user, DirectoryFilters(age_group="minor"))) == {minor.pk}
    adults = ids(directory(admin_user, DirectoryFilters(age_group="adult")))
    assert {adult.pk, unknown.pk, admin_user.person.pk} == adults


def test_the_directory_is_sorted_by_family_then_given_name(admin_user):
    admin_user.person.delete()
    b = PersonFactory(family_name="Brown", given_name="Zoe")
    a2 = PersonFactory(family_name="Adams", given_name="Yara")
    a1 = PersonFactory(family_name="Adams", given_name="Xavier")

    assert list(directory(admin_user, DirectoryFilters())) == [a1, a2, b]


def test_the_directory_prefetches_only_current_affiliations(admin_user):
    person = PersonFactory()
    current = AffiliationFactory(person=person)
    AffiliationFactory(person=person, end_date=dt.date(2024, 12, 31), start_date=None)

    [found] = [p for p in directory(admin_user, DirectoryFilters()) if p.pk == person.pk]

    assert found.current_affiliations == [current]


@given(
    born=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)),
    on=st.dates(min_value=dt.date(2008, 1, 1), max_value=dt.date(2048, 12, 31)),
)
def test_the_minor_cutoff_agrees_with_age_on_every_date(born, on):
    assert (born > minor_cutoff(on)) == (age_on(born, on) < 18)


def test_the_minor_cutoff_on_29_february_is_28_february():
    assert minor_cutoff(dt.date(2028, 2, 29)) == dt.date(2010, 2, 28)


def test_the_directory_age_groups_are_right_on_29_february(admin_user):
    with time_machine.travel(dt.datetime(2028, 2, 29, 9, 0, tzinfo=ST_LOUIS), tick=False):
        turned_18_yesterday = PersonFactory(date_of_birth=dt.date(2010, 2, 28))
        turns_18_tomorrow = PersonFactory(date_of_birth=dt.date(2010, 3, 1))
        leapling = PersonFactory(date_of_birth=dt.date(2012, 2, 29))

        minors = ids(directory(admin_user, DirectoryFilters(age_group="minor")))
        adults = ids(directory(admin_user, DirectoryFilters(age_group="adult")))

        assert minors == {turns_18_tomorrow.pk, leapling.pk}
        assert turned_18_yesterday.pk in adults
        assert not turned_18_yesterday.is_minor
        assert turns_18_tomorrow.is_minor


def test_the_directory_age_groups_late_on_29_february_use_st_louis_time(admin_user):
    # 23:30 in St. Louis is already 1 March in UTC.
    with time_machine.travel(dt.datetime(2028, 2, 29, 23, 30, tzinfo=ST_LOUIS), tick=False):
        turns_18_tomorrow = PersonFactory(date_of_birth=dt.date(2010, 3, 1))
        minors = ids(directory(admin_user, DirectoryFilters(age_group="minor")))
    assert turns_18_tomorrow.pk in minors


# The directory page's query count ----------------------------------------------------------


def _fill_directory(count: int) -> None:
    organization = OrganizationFactory()
    for index in range(count):
        person = MinorFactory() if index == 0 else PersonFactory()
        AffiliationFactory(person=person, organization=organization)
        LanguageFactory(person=person, language="es")
        LanguageFactory(person=person, language="vi")


def _directory_queries(client, count: int) -> int:
    _fill_directory(count)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/people/")
    assert response.status_code == 200
    assert response.resolver_match.func is directory_view
    assert len(response.context["people"]) == count + 1  # and the admin themself
    return len(queries)


def test_the_directory_page_runs_the_same_queries_for_5_or_60_people(
    admin_user, client_for, settings, django_assert_num_queries
):
    settings.DIRECTORY_PAGE_SIZE = 100
    client = client_for(admin_user)
    client.get("/people/")  # session and role lookups settle on the first request
    small = _directory_queries(client, 5)

    Person.objects.exclude(user=admin_user).delete()
    _fill_directory(60)
    with django_assert_num_queries(small):
        response = client.get("/people/")
    assert len(response.context["people"]) == 61


def test_the_directory_page_query_count_is_pinned(admin_user, client_for, settings):
    settings.DIRECTORY_PAGE_SIZE = 100
    client = client_for(admin_user)
    ContentType.objects.clear_cache()
    # Session, user, roles; the viewer's own registry record (for the navigation); count and
    # page of people; their current affiliations and their languages; the content type and one
    # INSERT for the minors' ACCESS entries; count and list of organizations for the filter's
    # select.
    assert _directory_queries(client, 5) == 11


def test_people_written_in_bulk_are_found_by_search_since_the_database_computes_the_key(
    admin_user,
):
    Person.objects.bulk_create(
        [Person(given_name="Selma", family_name="Hadžić", email="SELMA.H@Example.org")]
    )

    found = directory(admin_user, DirectoryFilters(q="selma.h@example"))
    assert [p.family_name for p in found] == ["Hadžić"]
    assert [p.pk for p in directory(admin_user, DirectoryFilters(q="HAD"))] == [p.pk for p in found]

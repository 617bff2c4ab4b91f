"""The people pages: method, owner / member / partner / outsider, and what each one shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from equityhub.accounts.models import Role
from equityhub.audit.models import AuditEntry
from equityhub.people import urls as people_urls
from equityhub.people.models import Answer, Consent, DemographicProfile, Person
from tests.factories import (
    AffiliationFactory,
    ConsentFactory,
    DemographicProfileFactory,
    MinorFactory,
    OrganizationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def person_data(**overrides: str) -> dict[str, str]:
    return {
        "given_name": "Imani",
        "family_name": "Walker",
        "preferred_name": "",
        "pronouns": "she/her",
        "email": "imani.walker@example.org",
        "phone": "",
        "date_of_birth": "2000-01-31",
        "home_zip": "63115",
        **overrides,
    }


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Directory -----------------------------------------------------------------------------------


def test_the_directory_lists_everyone_for_an_office_admin(admin_user, client_for, person):
    minor = MinorFactory(family_name="Youngblood")

    response = client_for(admin_user).get("/people/")

    assert response.status_code == 200
    assert person.family_name in response.text
    assert minor.family_name in response.text
    assert b"<html" in response.content


def test_a_partner_sees_only_their_orgs_adults_in_the_directory(partner, partner_org, client_for):
    adult = AffiliationFactory(
        organization=partner_org, person=PersonFactory(family_name="Adultperson")
    ).person
    AffiliationFactory(organization=partner_org, person=MinorFactory(family_name="Minorperson"))
    AffiliationFactory(person=PersonFactory(family_name="Otherorgperson"))
    PersonFactory(family_name="Unaffiliatedperson")

    response = client_for(partner).get("/people/")

    assert response.status_code == 200
    shown = {person.pk for person in response.context["people"]}
    assert shown == {adult.pk, partner.person.pk}
    for hidden in ("Minorperson", "Otherorgperson", "Unaffiliatedperson"):
        assert hidden not in response.text


@pytest.mark.parametrize("fixture", ["member", "outsider"])
def test_members_and_outsiders_may_not_use_the_directory(request, fixture, client_for):
    response = client_for(request.getfixturevalue(fixture)).get("/people/")
    assert response.status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/people/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=/people/" in response["Location"]


def test_an_htmx_directory_request_returns_only_the_results(admin_user, client_for, person):
    response = client_for(admin_user).get(
        "/people/", {"q": person.family_name}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"data-result-summary" in response.content
    assert person.family_name in response.text


def test_the_directory_filters_from_the_query_string(admin_user, client_for):
    organization = OrganizationFactory()
    inside = AffiliationFactory(organization=organization).person
    AffiliationFactory()

    response = client_for(admin_user).get("/people/", {"organization": organization.pk})

    assert [person.pk for person in response.context["people"]] == [inside.pk]


def test_an_invalid_directory_filter_shows_everyone_instead_of_failing(admin_user, client_for):
    response = client_for(admin_user).get("/people/", {"organization": "not-a-number"})
    assert response.status_code == 200


def test_the_directory_refuses_post(admin_user, client_for):
    assert client_for(admin_user).post("/people/").status_code == 405


def test_listing_minors_in_the_directory_is_logged(admin_user, client_for):
    minor = MinorFactory()

    client_for(admin_user).get("/people/")

    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.ACCESS)
    assert (entry.action, entry.object_id) == ("people.person.listed_minor", str(minor.pk))


# Person detail -------------------------------------------------------------------------------


def test_the_owner_sees_their_own_record(member, client_for):
    response = client_for(member).get(f"/people/{member.person.pk}/")
    assert response.status_code == 200
    assert member.person.email in response.text


def test_an_office_admin_sees_anyones_record(admin_user, client_for, person):
    response = client_for(admin_user).get(f"/people/{person.pk}/")
    assert response.status_code == 200
    assert reverse("people:person-edit", args=[person.pk]) in response.text


@pytest.mark.parametrize("fixture", ["member", "outsider"])
def test_someone_elses_record_is_404_for_members_and_outsiders(
    request, fixture, client_for, person
):
    response = client_for(request.getfixturevalue(fixture)).get(f"/people/{person.pk}/")
    assert response.status_code == 404


def test_a_record_that_does_not_exist_is_404(admin_user, client_for):
    assert client_for(admin_user).get("/people/999999999/").status_code == 404
    assert client_for(admin_user).get(f"/people/{2**64}/").status_code == 404


def test_a_partner_sees_their_orgs_adult_but_not_their_orgs_minor(partner, partner_org, client_for):
    adult = AffiliationFactory(organization=partner_org).person
    minor = AffiliationFactory(organization=partner_org, person=MinorFactory()).person
    client = client_for(partner)

    assert client.get(f"/people/{adult.pk}/").status_code == 200
    assert client.get(f"/people/{minor.pk}/").status_code == 404


def test_a_partner_is_not_offered_editing(partner, partner_org, client_for):
    adult = AffiliationFactory(organization=partner_org).person
    response = client_for(partner).get(f"/people/{adult.pk}/")
    assert reverse("people:person-edit", args=[adult.pk]) not in response.text
    assert client_for(partner).get(f"/people/{adult.pk}/edit/").status_code == 403


# Demographics partial ------------------------------------------------------------------------


def test_a_steward_opens_demographics_and_the_read_is_logged(steward, client_for):
    profile = DemographicProfileFactory(race_ethnicity_detail="Ethiopian")

    response = client_for(steward).get(f"/people/{profile.person.pk}/demographics/")

    assert response.status_code == 200
    assert "Ethiopian" in response.text
    assert "Black or African American" in response.text
    entry = AuditEntry.objects.get(action="people.demographics.viewed")
    assert (entry.actor_id, entry.object_id) == (steward.pk, str(profile.pk))


def test_an_office_admin_without_the_permission_gets_403_for_demographics(admin_user, client_for):
    profile = DemographicProfileFactory()
    response = client_for(admin_user).get(f"/people/{profile.person.pk}/demographics/")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="people.demographics.viewed").exists()


def test_a_member_cannot_open_someone_elses_demographics(member, client_for):
    profile = DemographicProfileFactory()
    response = client_for(member).get(f"/people/{profile.person.pk}/demographics/")
    assert response.status_code in {403, 404}


def test_a_member_opens_their_own_demographics(member, client_for):
    DemographicProfileFactory(person=member.person, race_ethnicity_detail="Haitian")
    response = client_for(member).get(f"/people/{member.person.pk}/demographics/")
    assert response.status_code == 200
    assert "Haitian" in response.text


def _reversed_people_urls(kwargs: dict[str, object]) -> list[str]:
    found = []
    for pattern in people_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        needed = set(pattern.pattern.converters)
        found.append(
            reverse(f"people:{pattern.name}", kwargs={name: kwargs[name] for name in needed})
        )
    return found


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PARTNER, Role.REVIEWER, None])
def test_a_student_never_sees_another_persons_demographics_on_any_page(
    make_user, role, client_for, partner_org
):
    user = make_user(role, scope=partner_org if role in {Role.PARTNER, Role.REVIEWER} else None)
    other = AffiliationFactory(organization=partner_org).person
    DemographicProfileFactory(
        person=other,
        race_ethnicity_detail="Secretdetailqx",
        gender_identity="self_describe",
        gender_self_description="Secretgenderzq",
    )
    consent = ConsentFactory(person=other)
    client = client_for(user)
    urls = [
        "/",
        *_reversed_people_urls({"person_id": other.pk, "consent_id": consent.pk, "token": "abc"}),
        "/people/export/?format=xlsx",
        f"/api/v1/people/{other.pk}",
        "/api/v1/people",
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 302, 403, 404, 405}, url
        body = response.content.decode(errors="replace")
        assert "Secretdetailqx" not in body, url
        assert "Secretgenderzq" not in body, url
    assert not AuditEntry.objects.filter(action="people.demographics.viewed").exists()


# Person create / edit ------------------------------------------------------------------------


def test_an_admin_adds_a_person_and_is_sent_to_the_record(admin_user, client_for):
    response = client_for(admin_user).post("/people/new/", person_data())

    person = Person.objects.get(email="imani.walker@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:person-detail", args=[person.pk])
    assert person.date_of_birth == dt.date(2000, 1, 31)


def test_adding_a_person_with_errors_re_renders_and_saves_nothing(admin_user, client_for):
    response = client_for(admin_user).post(
        "/people/new/", person_data(home_zip="631", given_name="")
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "home_zip" in form.errors
    assert "given_name" in form.errors
    assert "five-digit ZIP code" in response.text
    assert not Person.objects.filter(email="imani.walker@example.org").exists()


def test_adding_a_person_born_in_the_future_shows_the_error_on_the_field(admin_user, client_for):
    future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client_for(admin_user).post("/people/new/", person_data(date_of_birth=future))

    assert response.status_code == 200
    assert response.context["form"].errors["date_of_birth"]
    assert not Person.objects.filter(email="imani.walker@example.org").exists()


def test_adding_a_duplicate_email_shows_the_field_error(admin_user, client_for):
    PersonFactory(email="Imani.Walker@Example.org")

    response = client_for(admin_user).post("/people/new/", person_data())

    assert response.status_code == 200
    assert "already has the e-mail address" in response.context["form"].errors["email"][0]
    assert Person.objects.filter(email__iexact="imani.walker@example.org").count() == 1


@pytest.mark.parametrize("fixture", ["member", "partner", "outsider"])
def test_only_office_staff_add_people(request, fixture, client_for):
    client = client_for(request.getfixturevalue(fixture))
    assert client.get("/people/new/").status_code == 403
    assert client.post("/people/new/", person_data()).status_code == 403
    assert not Person.objects.filter(email="imani.walker@example.org").exists()


def test_an_admin_edits_a_person(admin_user, client_for, person):
    response = client_for(admin_user).post(
        f"/people/{person.pk}/edit/", person_data(email=person.email, family_name="Renamed")
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("people:person-detail", args=[person.pk])
    assert Person.objects.get(pk=person.pk).family_name == "Renamed"


def test_editing_with_errors_re_renders_and_changes_nothing(admin_user, client_for, person):
    before = Person.objects.get(pk=person.pk)

    response = client_for(admin_user).post(
        f"/people/{person.pk}/edit/",
        person_data(email=person.email, family_name="Renamed", home_zip="ABCDE"),
    )

    assert response.status_code == 200
    assert "home_zip" in response.context["form"].errors
    after = Person.objects.get(pk=person.pk)
    assert (after.family_name, after.home_zip) == (before.family_name, before.home_zip)
    assert response.context["person"].family_name == before.family_name


def test_editing_to_a_duplicate_email_shows_the_field_error(admin_user, client_for, person):
    PersonFactory(email="taken@example.org")

    response = client_for(admin_user).post(
        f"/people/{person.pk}/edit/", person_data(email="TAKEN@example.org")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert Person.objects.get(pk=person.pk).email == person.email
    assert response.context["person"].email == person.email


def test_a_member_cannot_edit_their_own_registry_record(member, client_for):
    response = client_for(member).post(
        f"/people/{member.person.pk}/edit/", person_data(email="new@example.org")
    )
    assert response.status_code == 403
    assert Person.objects.get(pk=member.person.pk).email == member.email


def test_a_member_gets_404_editing_someone_else(member, client_for, person):
    assert client_for(member).get(f"/people/{person.pk}/edit/").status_code == 404


# Consents ------------------------------------------------------------------------------------


def consent_data(**overrides: str) -> dict[str, str]:
    return {
        "kind": "data_use",
        "scope": "",
        "given_by_name": "Jordan Lee",
        "relationship": "self",
        "given_by_email": "",
        "expires_on": "",
        **overrides,
    }


def test_an_admin_records_a_consent(admin_user, client_for, person):
    response = client_for(admin_user).post(f"/people/{person.pk}/consents/new/", consent_data())

    assert response.status_code == 302
    assert person.consents.get().recorded_by == admin_user


def test_a_minors_consent_must_come_from_a_guardian(admin_user, client_for):
    minor = MinorFactory()
    client = client_for(admin_user)

    response = client.post(f"/people/{minor.pk}/consents/new/", consent_data())

    assert response.status_code == 200
    assert "under 18" in response.context["form"].errors["relationship"][0]
    assert not minor.consents.exists()

    response = client.post(
        f"/people/{minor.pk}/consents/new/",
        consent_data(kind="guardian", relationship="parent", given_by_name="A Parent"),
    )
    assert response.status_code == 302
    assert minor.consents.get().kind == Consent.Kind.GUARDIAN


def test_a_consent_form_with_errors_re_renders(admin_user, client_for, person):
    response = client_for(admin_user).post(
        f"/people/{person.pk}/consents/new/",
        consent_data(given_by_name="", given_by_email="nope", expires_on="2001-01-01"),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"given_by_name", "given_by_email"} <= set(errors)
    assert not person.consents.exists()


def test_a_consent_expiring_before_today_shows_the_field_error(admin_user, client_for, person):
    response = client_for(admin_user).post(
        f"/people/{person.pk}/consents/new/", consent_data(expires_on="2001-01-01")
    )
    assert response.context["form"].errors["expires_on"]


def test_a_member_cannot_record_consents_even_their_own(member, client_for):
    response = client_for(member).post(f"/people/{member.person.pk}/consents/new/", consent_data())
    assert response.status_code == 403


# My profile ----------------------------------------------------------------------------------


def test_a_user_without_a_person_is_asked_to_create_one(make_user, client_for):
    user = make_user(None, person=False)
    client = client_for(user)

    response = client.get("/people/me/")
    assert response.status_code == 200
    assert "people/my_profile_new.html" in [t.name for t in response.templates]

    response = client.post("/people/me/", {"given_name": "Tariq", "family_name": "Hassan"})
    assert response.status_code == 302
    assert response["Location"] == reverse("people:me")
    person = Person.objects.get(user=user)
    assert (person.given_name, person.email) == ("Tariq", user.email)


def test_creating_ones_profile_when_the_office_has_the_address_explains_why(make_user, client_for):
    user = make_user(None, person=False)
    PersonFactory(email=user.email.upper())

    response = client_for(user).post("/people/me/", {"given_name": "A", "family_name": "B"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Person.objects.filter(user=user).exists()


def own_profile_data(person: Person, **overrides: str) -> dict[str, str]:
    return {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "preferred_name": "",
        "pronouns": "",
        "phone": "",
        "home_zip": person.home_zip,
        **overrides,
    }


def test_a_member_edits_their_own_profile_and_languages(member, client_for):
    person = member.person

    response = client_for(member).post(
        "/people/me/",
        own_profile_data(person, preferred_name="Dee", lang_es="native", lang_ase="basic"),
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.preferred_name == "Dee"
    assert dict(person.languages.values_list("language", "proficiency")) == {
        "es": "native",
        "ase": "basic",
    }


def test_posting_an_email_to_my_profile_does_not_change_it(member, client_for):
    person = member.person

    response = client_for(member).post(
        "/people/me/",
        own_profile_data(person, email="hijack@example.org", date_of_birth="2015-01-01"),
    )

    assert response.status_code in {200, 302, 403}
    person.refresh_from_db()
    assert person.email == member.email
    assert person.date_of_birth == dt.date(1999, 5, 17)
    assert not Person.objects.filter(email="hijack@example.org").exists()


def test_my_profile_with_an_invalid_zip_re_renders(member, client_for):
    response = client_for(member).post(
        "/people/me/", own_profile_data(member.person, home_zip="12", lang_es="native")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["home_zip"]
    assert not member.person.languages.exists()


def test_an_unknown_proficiency_in_my_profile_is_a_form_error(member, client_for):
    response = client_for(member).post(
        "/people/me/", own_profile_data(member.person, lang_es="godlike")
    )
    assert response.status_code == 200
    assert response.context["languages_form"].errors


# My demographics -----------------------------------------------------------------------------


def test_a_member_saves_their_demographics(member, client_for):
    response = client_for(member).post(
        "/people/me/demographics/",
        {
            "race_ethnicity": ["black", "white"],
            "gender_identity": "man",
            "first_generation_college": "yes",
        },
    )

    assert response.status_code == 302
    profile = DemographicProfile.objects.get(person=member.person)
    assert profile.race_ethnicity == ["black", "white"]
    assert profile.underrepresented_in_medicine == Answer.YES
    assert profile.first_generation_college == Answer.YES


def test_a_member_prefers_not_to_say(member, client_for):
    DemographicProfileFactory(person=member.person)

    response = client_for(member).post(
        "/people/me/demographics/", {"race_ethnicity_declined": "on"}
    )

    assert response.status_code == 302
    profile = DemographicProfile.objects.get(person=member.person)
    assert profile.race_ethnicity == []
    assert profile.race_ethnicity_declined
    assert profile.underrepresented_in_medicine == Answer.PREFER_NOT


def test_choosing_categories_and_declining_re_renders_with_an_error(member, client_for):
    response = client_for(member).post(
        "/people/me/demographics/", {"race_ethnicity": ["asian"], "race_ethnicity_declined": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["race_ethnicity"]
    assert not DemographicProfile.objects.exists()


def test_my_demographics_form_shows_my_saved_answers(member, client_for):
    DemographicProfileFactory(person=member.person, race_ethnicity_detail="Nigerian")
    response = client_for(member).get("/people/me/demographics/")
    assert response.status_code == 200
    assert "Nigerian" in response.text


def test_my_demographics_without_a_person_sends_me_to_my_profile(make_user, client_for):
    response = client_for(make_user(None, person=False)).get("/people/me/demographics/")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:me")


# Withdrawing my consent ----------------------------------------------------------------------


def test_a_member_withdraws_their_own_consent(member, client_for):
    consent = ConsentFactory(person=member.person)

    response = client_for(member).post(
        f"/people/me/consents/{consent.pk}/withdraw/", {"reason": "changed my mind"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("people:me") + "#consents"
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert consent.withdrawal_reason == "changed my mind"


def test_withdrawing_twice_shows_a_message(member, client_for):
    consent = ConsentFactory(person=member.person)
    client = client_for(member)
    client.post(f"/people/me/consents/{consent.pk}/withdraw/")

    response = client.post(f"/people/me/consents/{consent.pk}/withdraw/", follow=True)

    assert any("already withdrawn" in message for message in messages_of(response))


def test_withdrawing_someone_elses_consent_is_404(member, client_for):
    consent = ConsentFactory()

    response = client_for(member).post(f"/people/me/consents/{consent.pk}/withdraw/")

    assert response.status_code == 404
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None


def test_a_minor_cannot_withdraw_their_guardians_consent(make_user, client_for):
    user = make_user(Role.MEMBER, date_of_birth=timezone.localdate() - dt.timedelta(days=365 * 15))
    consent = ConsentFactory(
        person=user.person,
        kind=Consent.Kind.GUARDIAN,
        relationship="parent",
        given_by_name="Parent",
    )

    response = client_for(user).post(f"/people/me/consents/{consent.pk}/withdraw/")

    assert response.status_code == 403
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None


def test_withdrawing_by_get_is_refused(member, client_for):
    consent = ConsentFactory(person=member.person)
    assert client_for(member).get(f"/people/me/consents/{consent.pk}/withdraw/").status_code == 405


def test_a_user_without_a_person_gets_404_withdrawing(make_user, client_for):
    consent = ConsentFactory()
    response = client_for(make_user(None, person=False)).post(
        f"/people/me/consents/{consent.pk}/withdraw/"
    )
    assert response.status_code == 404

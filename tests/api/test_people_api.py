from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from equityhub.accounts.models import Role, User
from equityhub.accounts.services import create_api_token, revoke_api_token
from equityhub.audit.models import AuditEntry
from equityhub.people.models import Person, TrainingLevel
from tests.factories import (
    AffiliationFactory,
    DemographicProfileFactory,
    LanguageFactory,
    MinorFactory,
    OrganizationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people"
DEMOGRAPHIC_KEYS = {"race_ethnicity", "gender_identity", "race_black", "demographics"}


def token_client(user: User) -> Client:
    _token, raw = create_api_token(user=user, name="tests", actor=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json")


def person_of(user: User) -> Person:
    return Person.objects.get(user=user)


# Authentication ----------------------------------------------------------------------------


def test_a_valid_token_authenticates(admin_user):
    response = token_client(admin_user).get(PEOPLE)
    assert response.status_code == 200


def test_no_credentials_answer_401_with_a_body(client):
    response = client.get(PEOPLE)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_a_wrong_token_answers_401(admin_user):
    create_api_token(user=admin_user, name="real", actor=admin_user)
    client = Client(headers={"Authorization": "Bearer eh_not-a-real-token"})
    assert client.get(PEOPLE).status_code == 401
    assert post(client, PEOPLE, {}).status_code == 401


def test_a_revoked_token_answers_401(admin_user):
    token, raw = create_api_token(user=admin_user, name="old", actor=admin_user)
    revoke_api_token(token=token, actor=admin_user)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get(PEOPLE).status_code == 401


def test_an_expired_token_answers_401(admin_user, time_machine):
    expires_at = timezone.now() + dt.timedelta(days=1)
    _token, raw = create_api_token(
        user=admin_user, name="short", actor=admin_user, expires_at=expires_at
    )
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get(PEOPLE).status_code == 200
    time_machine.move_to(expires_at + dt.timedelta(seconds=1))
    assert client.get(PEOPLE).status_code == 401


def test_an_inactive_users_token_answers_401(admin_user):
    client = token_client(admin_user)
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    assert client.get(PEOPLE).status_code == 401


def test_a_wrong_token_does_not_fall_back_to_the_session(admin_user):
    client = Client(headers={"Authorization": "Bearer eh_wrong"})
    client.force_login(admin_user)
    assert client.get(PEOPLE).status_code == 401


def test_a_bogus_token_header_does_not_let_a_session_skip_staff_mfa(admin_user, settings):
    # The MFA middleware lets "Bearer" requests through; the session must not then count.
    settings.REQUIRE_MFA_FOR_STAFF = True
    client = Client(headers={"Authorization": "Bearer eh_bogus"})
    client.force_login(admin_user)
    assert client.get(PEOPLE).status_code == 401
    plain = Client()
    plain.force_login(admin_user)
    assert plain.get(PEOPLE).status_code == 403


def test_the_session_authenticates_reads_without_a_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.get(PEOPLE).status_code == 200


def test_session_writes_need_the_csrf_token(admin_user, settings):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    body = {"given_name": "Ada", "family_name": "Ng", "email": "ada@example.org"}
    refused = post(client, PEOPLE, body)
    assert refused.status_code == 403
    assert not Person.objects.filter(email="ada@example.org").exists()
    secret = "a" * 32
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    accepted = client.post(
        PEOPLE, json.dumps(body), content_type="application/json", headers={"X-CSRFToken": secret}
    )
    assert accepted.status_code == 201


def test_token_writes_need_no_csrf_token(admin_user):
    client = token_client(admin_user)
    client.handler.enforce_csrf_checks = True
    body = {"given_name": "Ada", "family_name": "Ng", "email": "ada@example.org"}
    assert post(client, PEOPLE, body).status_code == 201


# Visibility --------------------------------------------------------------------------------


def test_office_staff_list_everyone(coordinator, person):
    body = token_client(coordinator).get(PEOPLE).json()
    ids = {item["id"] for item in body["items"]}
    assert person.pk in ids
    assert body["count"] == Person.objects.count()


def test_a_member_cannot_list_people(member):
    response = token_client(member).get(PEOPLE)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_member_reads_their_own_record(member):
    own = person_of(member)
    LanguageFactory(person=own, language="es", proficiency="professional")
    response = token_client(member).get(f"{PEOPLE}/{own.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == member.email
    assert body["languages"] == [{"language": "es", "proficiency": "professional"}]


def test_an_outsider_gets_404_and_no_data_for_someone_else(outsider, person):
    response = token_client(outsider).get(f"{PEOPLE}/{person.pk}")
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "field", "code"}
    assert person.email not in response.content.decode()


def test_an_outsider_reads_their_own_record(outsider):
    own = person_of(outsider)
    assert token_client(outsider).get(f"{PEOPLE}/{own.pk}").status_code == 200


def test_a_partner_sees_adults_of_their_organization_but_not_minors(partner, partner_org):
    adult = AffiliationFactory(organization=partner_org).person
    minor = AffiliationFactory(organization=partner_org, person=MinorFactory()).person
    elsewhere = AffiliationFactory().person
    client = token_client(partner)
    ids = {item["id"] for item in client.get(PEOPLE).json()["items"]}
    assert adult.pk in ids
    assert minor.pk not in ids
    assert elsewhere.pk not in ids
    assert client.get(f"{PEOPLE}/{adult.pk}").status_code == 200
    assert client.get(f"{PEOPLE}/{minor.pk}").status_code == 404
    assert client.get(f"{PEOPLE}/{elsewhere.pk}").status_code == 404


def test_the_record_lists_affiliations_and_is_minor(admin_user):
    minor = MinorFactory()
    organization = OrganizationFactory(name="Vashon High School")
    AffiliationFactory(
        person=minor, organization=organization, training_level="k12", is_primary=True
    )
    body = token_client(admin_user).get(f"{PEOPLE}/{minor.pk}").json()
    assert body["is_minor"] is True
    assert body["affiliations"] == [
        {
            "organization_id": organization.pk,
            "organization": "Vashon High School",
            "school_program": "MD program",
            "training_level": "k12",
            "start_date": "2024-07-01",
            "end_date": None,
            "is_primary": True,
        }
    ]


def test_reading_a_minor_by_id_is_logged(admin_user):
    minor = MinorFactory()
    token_client(admin_user).get(f"{PEOPLE}/{minor.pk}")
    entry = AuditEntry.objects.get(action="people.person.viewed_minor")
    assert entry.kind == AuditEntry.Kind.ACCESS
    assert entry.object_id == str(minor.pk)


def test_listing_minors_is_logged_once_each(admin_user):
    minors = [MinorFactory(), MinorFactory()]
    PersonFactory()
    token_client(admin_user).get(PEOPLE)
    logged = AuditEntry.objects.filter(action="people.person.listed_minor", kind="access")
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(
        str(minor.pk) for minor in minors
    )


def test_the_list_filters_like_the_directory(admin_user):
    ada = PersonFactory(given_name="Ada", family_name="Quintero")
    AffiliationFactory(person=ada, training_level=TrainingLevel.RESIDENT)
    LanguageFactory(person=ada, language="bs")
    other = PersonFactory(given_name="Ben", family_name="Okafor")
    MinorFactory(given_name="Cal", family_name="Quintero")
    client = token_client(admin_user)

    def ids(**params: Any) -> set[int]:
        response = client.get(PEOPLE, params)
        assert response.status_code == 200, response.json()
        return {item["id"] for item in response.json()["items"]}

    assert ids(q="Quintero", age_group="adult") == {ada.pk}
    assert ids(training_level="resident") == {ada.pk}
    assert ids(language="bs") == {ada.pk}
    assert other.pk not in ids(q="ada quintero")


def test_unknown_filter_values_answer_422_naming_the_filter(admin_user):
    client = token_client(admin_user)
    for params, field in [
        ({"training_level": "wizard"}, "training_level"),
        ({"language": "xx"}, "language"),
        ({"age_group": "old"}, "age_group"),
        ({"organization_id": str(2**64)}, "organization_id"),
        ({"q": "a\x00b"}, "q"),
    ]:
        response = client.get(PEOPLE, params)
        assert response.status_code == 422, params
        assert response.json()["field"] == field


def test_the_list_pages_with_limit_and_offset(admin_user):
    PersonFactory.create_batch(6)
    client = token_client(admin_user)
    total = Person.objects.count()
    first = client.get(PEOPLE, {"limit": 3}).json()
    rest = client.get(PEOPLE, {"limit": 3, "offset": 3}).json()
    assert first["count"] == rest["count"] == total
    assert len(first["items"]) == 3
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in rest["items"]}
    beyond = client.get(PEOPLE, {"offset": 10_000}).json()
    assert beyond == {"count": total, "items": []}


def test_a_limit_above_the_maximum_answers_422(admin_user, settings):
    client = token_client(admin_user)
    over = settings.NINJA_PAGINATION_MAX_LIMIT + 1
    response = client.get(PEOPLE, {"limit": over})
    assert response.status_code == 422
    assert response.json()["field"] == "limit"
    assert client.get(PEOPLE, {"limit": 0}).status_code == 422
    assert client.get(PEOPLE, {"offset": -1}).status_code == 422


def test_the_list_runs_the_same_queries_whatever_the_limit(admin_user, django_assert_num_queries):
    # A minor sorts first, so both pages write the one ACCESS insert.
    MinorFactory(family_name="Aaronson")
    for person in PersonFactory.create_batch(60):
        AffiliationFactory(person=person)
        LanguageFactory(person=person)
    client = token_client(admin_user)
    client.get(PEOPLE, {"limit": 1})  # marks the token used, warms the content-type cache
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(PEOPLE, {"limit": 5}).json()["items"]) == 5
    # token, roles, page, affiliations, languages, ACCESS insert, count
    with django_assert_num_queries(7):
        assert len(client.get(PEOPLE, {"limit": 50}).json()["items"]) == 50
    assert len(small) == 7


# Demographics ------------------------------------------------------------------------------


def test_no_person_response_carries_demographics(admin_user):
    profile = DemographicProfileFactory()
    client = token_client(admin_user)
    record = client.get(f"{PEOPLE}/{profile.person_id}").json()
    listed = client.get(PEOPLE).json()["items"][0]
    assert not DEMOGRAPHIC_KEYS & set(record)
    assert not DEMOGRAPHIC_KEYS & set(listed)


def test_a_member_cannot_read_someone_elses_demographics(member):
    other = DemographicProfileFactory().person
    client = token_client(member)
    for path in [
        f"{PEOPLE}/{other.pk}/demographics",
        f"{PEOPLE}/{other.pk}",
        PEOPLE,
    ]:
        response = client.get(path)
        assert response.status_code in {403, 404}, path
        assert "woman" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="people.demographics.viewed").exists()


def test_a_member_reads_their_own_demographics(member):
    own = person_of(member)
    DemographicProfileFactory(person=own)
    response = token_client(member).get(f"{PEOPLE}/{own.pk}/demographics")
    assert response.status_code == 200
    body = response.json()
    assert body["recorded"] is True
    assert body["race_ethnicity"] == ["black"]
    assert body["gender_identity"] == "woman"


def test_a_person_without_answers_reads_recorded_false(member):
    own = person_of(member)
    body = token_client(member).get(f"{PEOPLE}/{own.pk}/demographics").json()
    assert body["recorded"] is False
    assert body["race_ethnicity"] == []


def test_office_staff_without_the_permission_get_403_for_demographics(admin_user):
    profile = DemographicProfileFactory()
    response = token_client(admin_user).get(f"{PEOPLE}/{profile.person_id}/demographics")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="people.demographics.viewed").exists()


def test_a_partner_gets_403_for_demographics_of_someone_they_see(partner, partner_org):
    profile = DemographicProfileFactory()
    AffiliationFactory(person=profile.person, organization=partner_org)
    response = token_client(partner).get(f"{PEOPLE}/{profile.person_id}/demographics")
    assert response.status_code == 403


def test_the_steward_reads_demographics_and_the_read_is_logged(steward):
    profile = DemographicProfileFactory()
    response = token_client(steward).get(f"{PEOPLE}/{profile.person_id}/demographics")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="people.demographics.viewed")
    assert entry.kind == AuditEntry.Kind.ACCESS
    assert entry.actor_id == steward.pk


def test_the_permission_alone_does_not_reach_people_one_cannot_see(make_user):
    user = make_user(Role.MEMBER)
    user.user_permissions.add(
        Permission.objects.get(codename="view_demographicprofile", content_type__app_label="people")
    )
    user = User.objects.get(pk=user.pk)
    profile = DemographicProfileFactory()
    response = token_client(user).get(f"{PEOPLE}/{profile.person_id}/demographics")
    assert response.status_code == 404


# Creating ----------------------------------------------------------------------------------


def test_office_staff_add_a_person(coordinator):
    body = {
        "given_name": " Ada ",
        "family_name": "Ng",
        "email": "ada@example.org",
        "date_of_birth": "2001-02-03",
        "home_zip": "63106",
        "languages": {"vi": "native", "en": "professional"},
    }
    response = post(token_client(coordinator), PEOPLE, body)
    assert response.status_code == 201, response.json()
    created = response.json()
    person = Person.objects.get(pk=created["id"])
    assert person.given_name == "Ada"
    assert created["languages"] == [
        {"language": "en", "proficiency": "professional"},
        {"language": "vi", "proficiency": "native"},
    ]
    assert created["affiliations"] == []
    assert AuditEntry.objects.filter(action="people.person.created").exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.REVIEWER, None])
def test_only_office_staff_add_people(make_user, role):
    user = make_user(role, scope=OrganizationFactory() if role == Role.REVIEWER else None)
    body = {"given_name": "Ada", "family_name": "Ng", "email": "ada@example.org"}
    response = post(token_client(user), PEOPLE, body)
    assert response.status_code == 403
    assert not Person.objects.filter(email="ada@example.org").exists()


def test_a_partner_cannot_add_people(partner):
    body = {"given_name": "Ada", "family_name": "Ng", "email": "ada@example.org"}
    assert post(token_client(partner), PEOPLE, body).status_code == 403


def test_a_taken_email_answers_409_whatever_its_case(admin_user):
    PersonFactory(email="Dana.Lee@Example.org")
    body = {"given_name": "Dana", "family_name": "Lee", "email": "dana.lee@example.ORG"}
    response = post(token_client(admin_user), PEOPLE, body)
    assert response.status_code == 409
    assert response.json()["field"] == "email"
    assert response.json()["code"] == "conflict"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"home_zip": "6311"}, "home_zip"),
        ({"home_zip": "abcde"}, "home_zip"),
        ({"email": "not-an-address"}, "email"),
        ({"date_of_birth": "2001-02-30"}, "date_of_birth"),
        ({"date_of_birth": "next tuesday"}, "date_of_birth"),
        ({"given_name": ""}, "given_name"),
        ({"given_name": "x" * 101}, "given_name"),
        ({"shoe_size": 42}, "shoe_size"),
        ({"languages": {"xx": "native"}}, "languages.xx.[key]"),
        ({"languages": {"es": "fluent"}}, "languages.es"),
    ],
)
def test_invalid_input_to_create_answers_422_naming_the_field(admin_user, change, field):
    body = {"given_name": "Ada", "family_name": "Ng", "email": "ada@example.org", **change}
    response = post(token_client(admin_user), PEOPLE, body)
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field
    assert response.json()["detail"]
    assert not Person.objects.filter(email="ada@example.org").exists()


def test_a_future_date_of_birth_answers_422(admin_user):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    body = {
        "given_name": "Ada",
        "family_name": "Ng",
        "email": "ada@example.org",
        "date_of_birth": tomorrow.isoformat(),
    }
    response = post(token_client(admin_user), PEOPLE, body)
    assert response.status_code == 422
    assert response.json()["field"] == "date_of_birth"


def test_missing_required_fields_answer_422(admin_user):
    response = post(token_client(admin_user), PEOPLE, {"given_name": "Ada"})
    assert response.status_code == 422
    assert response.json()["field"] in {"family_name", "email"}
    assert {tuple(e["loc"])[-1] for e in response.json()["errors"]} == {"family_name", "email"}


def test_a_body_that_is_not_json_answers_400(admin_user):
    response = token_client(admin_user).post(PEOPLE, "{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


# Changing ----------------------------------------------------------------------------------


def test_a_person_changes_what_they_may_about_themself(member):
    own = person_of(member)
    response = patch(
        token_client(member),
        f"{PEOPLE}/{own.pk}",
        {"pronouns": "she/her", "phone": "314-555-0100", "languages": {"es": "conversational"}},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["pronouns"] == "she/her"
    assert response.json()["languages"] == [{"language": "es", "proficiency": "conversational"}]
    own.refresh_from_db()
    assert own.phone == "314-555-0100"


@pytest.mark.parametrize("change", [{"email": "new@example.org"}, {"date_of_birth": "1990-01-01"}])
def test_a_person_cannot_change_registry_fields_of_their_own(member, change):
    own = person_of(member)
    response = patch(token_client(member), f"{PEOPLE}/{own.pk}", {"phone": "1", **change})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    own.refresh_from_db()
    assert own.email == member.email
    assert own.phone == ""


def test_office_staff_change_any_field(admin_user, person):
    response = patch(
        token_client(admin_user),
        f"{PEOPLE}/{person.pk}",
        {"email": "moved@example.org", "date_of_birth": None, "preferred_name": None},
    )
    assert response.status_code == 200, response.json()
    person.refresh_from_db()
    assert person.email == "moved@example.org"
    assert person.date_of_birth is None
    assert AuditEntry.objects.filter(action="people.person.updated").exists()


def test_changing_to_a_taken_email_answers_409_whatever_its_case(admin_user, person):
    PersonFactory(email="taken@example.org")
    response = patch(
        token_client(admin_user), f"{PEOPLE}/{person.pk}", {"email": "TAKEN@example.org"}
    )
    assert response.status_code == 409
    assert response.json()["field"] == "email"


def test_an_unknown_field_in_a_change_answers_422(admin_user, person):
    response = patch(token_client(admin_user), f"{PEOPLE}/{person.pk}", {"nickname": "Al"})
    assert response.status_code == 422
    assert response.json()["field"] == "nickname"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"home_zip": "631"}, "home_zip"),
        ({"email": "nope"}, "email"),
        ({"date_of_birth": "1999-13-01"}, "date_of_birth"),
        ({"given_name": None}, "given_name"),
    ],
)
def test_invalid_changes_answer_422_naming_the_field(admin_user, person, change, field):
    response = patch(token_client(admin_user), f"{PEOPLE}/{person.pk}", change)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_a_failed_language_change_keeps_the_other_changes_out(admin_user, person):
    response = patch(
        token_client(admin_user),
        f"{PEOPLE}/{person.pk}",
        {"pronouns": "they/them", "languages": {"other": "native", "es": "nope"}},
    )
    assert response.status_code == 422
    person.refresh_from_db()
    assert person.pronouns == ""


def test_a_partner_cannot_change_someone_they_see(partner, partner_org):
    adult = AffiliationFactory(organization=partner_org).person
    response = patch(token_client(partner), f"{PEOPLE}/{adult.pk}", {"pronouns": "he/him"})
    assert response.status_code == 403


def test_an_outsider_gets_404_changing_someone_else(outsider, person):
    response = patch(token_client(outsider), f"{PEOPLE}/{person.pk}", {"pronouns": "he/him"})
    assert response.status_code == 404
    person.refresh_from_db()
    assert person.pronouns == ""


# Ids and fuzzing ---------------------------------------------------------------------------

ODD_IDS = [
    str(2**63),
    str(2**64),
    str(2**63 - 1),
    "-1",
    "0",
    "abc",
    "1.5",
    "1e3",
    "%20",
    "\u0661",
]  # the last: ARABIC-INDIC DIGIT ONE


@pytest.mark.parametrize("person_id", ODD_IDS)
def test_odd_ids_answer_404_or_422_with_a_body(admin_user, person_id):
    client = token_client(admin_user)
    for response in [
        client.get(f"{PEOPLE}/{person_id}"),
        client.get(f"{PEOPLE}/{person_id}/demographics"),
        patch(client, f"{PEOPLE}/{person_id}", {"pronouns": "x"}),
    ]:
        assert response.status_code in {404, 422}
        assert response.json()["detail"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = [
    "given_name",
    "family_name",
    "preferred_name",
    "pronouns",
    "email",
    "phone",
    "date_of_birth",
    "home_zip",
    "languages",
]
PERSON_BODIES = st.one_of(
    JSON_VALUES,
    st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES | st.text(max_size=12), max_size=9),
    st.fixed_dictionaries(
        {
            "given_name": st.text(st.characters(codec="utf-8", categories=["L"]), max_size=120),
            "family_name": st.text(max_size=5),
            "email": st.emails() | st.text(max_size=20),
        },
        optional={
            "date_of_birth": st.dates().map(str) | st.text(max_size=12),
            "home_zip": st.from_regex(r"\d{4,6}", fullmatch=True) | st.text(max_size=6),
            "languages": st.dictionaries(
                st.sampled_from(["es", "en", "xx", ""]),
                st.sampled_from(["native", "basic", "?"]),
            ),
        },
    ),
)
FUZZ = hypothesis_settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(body=PERSON_BODIES)
def test_no_create_body_makes_the_server_fail(admin_user, body):
    response = post(token_client(admin_user), PEOPLE, body)
    event(str(response.status_code))
    assert response.status_code < 500
    assert "detail" in response.json() or response.status_code == 201


@FUZZ
@given(body=PERSON_BODIES)
def test_no_change_body_makes_the_server_fail(member, body):
    own = person_of(member)
    response = patch(token_client(member), f"{PEOPLE}/{own.pk}", body)
    event(str(response.status_code))
    assert response.status_code < 500


@FUZZ
@given(body=PERSON_BODIES)
def test_no_change_body_from_office_staff_makes_the_server_fail(admin_user, person, body):
    response = patch(token_client(admin_user), f"{PEOPLE}/{person.pk}", body)
    event(str(response.status_code))
    assert response.status_code < 500


@FUZZ
@given(person_id=st.integers() | st.text(min_size=1))
def test_no_path_id_makes_the_server_fail(admin_user, person_id):
    client = token_client(admin_user)
    path = f"{PEOPLE}/{quote(str(person_id), safe='')}"
    response = client.get(path)
    event(str(response.status_code))
    assert response.status_code < 500
    assert patch(client, path, {}).status_code < 500


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["q", "organization_id", "training_level", "language", "age_group", "limit", "offset"]
        ),
        st.text(max_size=8) | st.integers().map(str),
    )
)
def test_no_list_query_makes_the_server_fail(admin_user, params):
    response = token_client(admin_user).get(PEOPLE, params)
    event(str(response.status_code))
    assert response.status_code < 500

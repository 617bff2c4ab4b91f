"""The volunteering API: /api/v1/shifts, /signups, /hours, /credentials."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.accounts.services import create_api_token
from equityhub.audit.models import AuditEntry
from equityhub.people.models import Person
from equityhub.volunteering import services
from equityhub.volunteering.models import HoursEntry, Opportunity, Shift, SignUp
from tests.factories import PersonFactory
from tests.volunteering.factories import (
    CredentialFactory,
    HoursEntryFactory,
    OpportunityFactory,
    credential_type,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
HUGE = "99999999999999999999999"


def token_client(user: User) -> Client:
    _token, raw = create_api_token(user=user, name="tests", actor=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client: Client, path: str, body: Any = None) -> Any:
    return client.post(
        path, json.dumps(body) if body is not None else "", content_type="application/json"
    )


def patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json")


def person_of(user: User) -> Person:
    return Person.objects.get(user=user)


@pytest.fixture
def hipaa_opportunity(site: Any) -> Opportunity:
    opportunity = OpportunityFactory(site=site, title="Pharmacy assistant")
    opportunity.credential_types.add(credential_type("hipaa"))
    return opportunity


# Authentication ----------------------------------------------------------------------------


def test_every_volunteering_endpoint_needs_authentication(client, shift):
    assert client.get(f"{API}/shifts").status_code == 401
    assert post(client, f"{API}/shifts/{shift.pk}/signups", {}).status_code == 401
    assert client.get(f"{API}/hours").status_code == 401
    assert not SignUp.objects.exists()


# Listing shifts ----------------------------------------------------------------------------


def test_the_shift_list_says_who_is_eligible_and_filters_on_it(
    member, make_shift, hipaa_opportunity
):
    open_to_all = make_shift(days=2)
    needs_hipaa = make_shift(days=4, opportunity=hipaa_opportunity)
    client = token_client(member)

    everything = client.get(f"{API}/shifts").json()
    assert everything["count"] == 2
    by_id = {item["id"]: item for item in everything["items"]}
    assert by_id[open_to_all.pk]["eligible"] is True
    assert by_id[open_to_all.pk]["problems"] == []
    assert by_id[needs_hipaa.pk]["eligible"] is False
    assert [p["code"] for p in by_id[needs_hipaa.pk]["problems"]] == ["credential_missing"]
    assert by_id[needs_hipaa.pk]["site"]["zip_code"] == "63106"
    assert by_id[needs_hipaa.pk]["opportunity"]["title"] == "Pharmacy assistant"

    eligible = client.get(f"{API}/shifts", {"eligible": "true"}).json()
    assert [item["id"] for item in eligible["items"]] == [open_to_all.pk]
    assert eligible["count"] == 1
    ineligible = client.get(f"{API}/shifts", {"eligible": "false"}).json()
    assert [item["id"] for item in ineligible["items"]] == [needs_hipaa.pk]

    CredentialFactory(person=person_of(member), credential_type=credential_type("hipaa"))
    eligible = client.get(f"{API}/shifts", {"eligible": "true"}).json()
    assert {item["id"] for item in eligible["items"]} == {open_to_all.pk, needs_hipaa.pk}


def test_the_shift_list_filters_by_site_dates_and_free_seats(
    member, make_shift, other_site, coordinator
):
    here = make_shift(days=2, capacity=1)
    later = make_shift(days=10)
    elsewhere = make_shift(days=3, opportunity=OpportunityFactory(site=other_site))
    services.sign_up(shift=here, person=PersonFactory(), actor=coordinator)
    client = token_client(member)

    def ids(**params: Any) -> list[int]:
        response = client.get(f"{API}/shifts", params)
        assert response.status_code == 200
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [here.pk, elsewhere.pk, later.pk]
    assert ids(site=other_site.pk) == [elsewhere.pk]
    assert ids(opportunity=here.opportunity_id) == [here.pk, later.pk]
    assert ids(open="true") == [elsewhere.pk, later.pk]
    assert ids(open="false") == [here.pk]
    start = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    assert ids(start=start) == [later.pk]
    assert ids(end=start) == [here.pk, elsewhere.pk]
    assert ids(limit=1, offset=1) == [elsewhere.pk]
    backwards = client.get(f"{API}/shifts", {"start": start, "end": "2000-01-01"})
    assert backwards.status_code == 422
    assert backwards.json()["field"] == "end"


def test_the_shift_list_leaves_out_past_cancelled_and_inactive_ones(member, make_shift, site):
    upcoming = make_shift(days=2)
    make_shift(days=-2)
    cancelled = make_shift(days=3)
    Shift.objects.filter(pk=cancelled.pk).update(status=Shift.Status.CANCELLED)
    hidden = make_shift(days=4, opportunity=OpportunityFactory(site=site, is_active=False))
    items = token_client(member).get(f"{API}/shifts").json()["items"]
    assert [item["id"] for item in items] == [upcoming.pk]
    assert token_client(member).get(f"{API}/shifts/{hidden.pk}").status_code == 404


def test_the_shift_list_reads_a_fixed_number_of_queries(member, make_shift, hipaa_opportunity):
    client = token_client(member)
    make_shift(days=2)
    client.get(f"{API}/shifts")  # warm the caches (content types, credential types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{API}/shifts").status_code == 200
    for day in range(3, 9):
        if day % 2:
            make_shift(days=day, opportunity=hipaa_opportunity)
        else:
            services.sign_up(shift=make_shift(days=day), person=person_of(member), actor=member)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{API}/shifts")
    body = response.json()
    assert body["count"] == 7
    assert sum(item["my_signup"] is not None for item in body["items"]) == 3
    assert sum(not item["eligible"] for item in body["items"]) == 3
    assert len(many) == len(few)


def test_a_shift_shows_my_sign_up_on_it(member, shift):
    client = token_client(member)
    assert client.get(f"{API}/shifts/{shift.pk}").json()["my_signup"] is None
    created = post(client, f"{API}/shifts/{shift.pk}/signups").json()
    body = client.get(f"{API}/shifts/{shift.pk}").json()
    assert body["my_signup"]["id"] == created["id"]
    assert body["my_signup"]["status"] == "confirmed"
    assert (body["seats_taken"], body["seats_open"]) == (1, 1)
    assert body["starts_at"] == shift.local_start.isoformat()


# Signing up --------------------------------------------------------------------------------


def test_signing_up_confirms_then_waitlists_on_a_one_seat_shift(make_user, make_shift):
    shift = make_shift(capacity=1)
    first, second = make_user(Role.MEMBER), make_user(Role.MEMBER)

    response = post(token_client(first), f"{API}/shifts/{shift.pk}/signups", {})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["waitlist_position"] is None
    assert SignUp.objects.get(pk=body["id"]).person == person_of(first)

    response = post(token_client(second), f"{API}/shifts/{shift.pk}/signups", {})
    assert response.status_code == 201
    assert response.json()["status"] == "waitlisted"
    assert response.json()["waitlist_position"] == 1
    shift.refresh_from_db()
    assert (shift.seats_taken, shift.waitlist_length) == (1, 1)


def test_a_duplicate_sign_up_answers_409(member, shift):
    client = token_client(member)
    assert post(client, f"{API}/shifts/{shift.pk}/signups").status_code == 201
    response = post(client, f"{API}/shifts/{shift.pk}/signups")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert SignUp.objects.filter(shift=shift).count() == 1


def test_an_overlapping_sign_up_answers_409(member, make_shift, site):
    first = make_shift(days=3, hours=4)
    overlapping = make_shift(
        start=first.starts_at + dt.timedelta(hours=2),
        opportunity=OpportunityFactory(site=site),
    )
    client = token_client(member)
    assert post(client, f"{API}/shifts/{first.pk}/signups").status_code == 201
    response = post(client, f"{API}/shifts/{overlapping.pk}/signups")
    assert response.status_code == 409
    assert "overlaps" in response.json()["detail"]
    assert not SignUp.objects.filter(shift=overlapping).exists()


def test_an_ineligible_sign_up_answers_422_with_the_problems(member, make_shift, hipaa_opportunity):
    shift = make_shift(opportunity=hipaa_opportunity)
    response = post(token_client(member), f"{API}/shifts/{shift.pk}/signups")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "ineligible"
    assert [p["code"] for p in body["problems"]] == ["credential_missing"]
    assert body["problems"][0]["message"]
    assert not SignUp.objects.exists()


def test_started_and_cancelled_shifts_answer_409(member, make_shift, supervisor):
    started = make_shift(days=-0.01)
    cancelled = make_shift(days=5)
    services.cancel_shift(shift=cancelled, actor=supervisor, reason="Clinic closed")
    client = token_client(member)
    assert post(client, f"{API}/shifts/{started.pk}/signups").status_code == 409
    assert post(client, f"{API}/shifts/{cancelled.pk}/signups").status_code == 409


def test_staff_may_sign_up_someone_else_and_override_eligibility(
    coordinator, make_shift, hipaa_opportunity
):
    shift = make_shift(opportunity=hipaa_opportunity)
    student = PersonFactory()
    client = token_client(coordinator)
    refused = post(client, f"{API}/shifts/{shift.pk}/signups", {"person_id": student.pk})
    assert refused.status_code == 422
    response = post(
        client,
        f"{API}/shifts/{shift.pk}/signups",
        {"person_id": student.pk, "override_reason": "HIPAA certificate seen on paper"},
    )
    assert response.status_code == 201
    signup = SignUp.objects.get(pk=response.json()["id"])
    assert signup.person == student
    assert signup.source == SignUp.Source.STAFF
    assert signup.override_reason == "HIPAA certificate seen on paper"
    assert AuditEntry.objects.filter(action="volunteering.signup.eligibility_overridden").exists()


def test_a_site_supervisor_may_sign_up_someone_else_for_their_shift(supervisor, shift):
    student = PersonFactory()
    response = post(
        token_client(supervisor), f"{API}/shifts/{shift.pk}/signups", {"person_id": student.pk}
    )
    assert response.status_code == 201
    assert SignUp.objects.get(pk=response.json()["id"]).person == student


def test_staff_giving_a_person_id_that_does_not_exist_get_404(coordinator, shift):
    response = post(
        token_client(coordinator), f"{API}/shifts/{shift.pk}/signups", {"person_id": 9999}
    )
    assert response.status_code == 404
    assert not SignUp.objects.exists()


def test_a_member_cannot_sign_up_someone_else(member, shift):
    someone = PersonFactory()
    client = token_client(member)
    response = post(client, f"{API}/shifts/{shift.pk}/signups", {"person_id": someone.pk})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    # Whether the person exists is not revealed: an unknown id is refused the same way.
    unknown = post(client, f"{API}/shifts/{shift.pk}/signups", {"person_id": someone.pk + 100})
    assert unknown.status_code == 403
    assert not SignUp.objects.exists()


def test_a_member_may_name_their_own_person_id(member, shift):
    response = post(
        token_client(member), f"{API}/shifts/{shift.pk}/signups", {"person_id": member.person.pk}
    )
    assert response.status_code == 201


def test_a_member_cannot_override_eligibility(member, make_shift, hipaa_opportunity):
    shift = make_shift(opportunity=hipaa_opportunity)
    response = post(
        token_client(member), f"{API}/shifts/{shift.pk}/signups", {"override_reason": "trust me"}
    )
    assert response.status_code == 403
    assert not SignUp.objects.exists()


def test_an_account_without_a_person_gets_a_clear_422(make_user, shift):
    user = make_user(Role.MEMBER, person=False)
    response = post(token_client(user), f"{API}/shifts/{shift.pk}/signups")
    assert response.status_code == 422
    assert response.json()["code"] == "no_person"
    assert "person" in response.json()["detail"]


def test_unknown_fields_in_a_sign_up_are_refused(member, shift):
    response = post(token_client(member), f"{API}/shifts/{shift.pk}/signups", {"walk_in": True})
    assert response.status_code == 422
    assert not SignUp.objects.exists()


# Reading and changing sign-ups --------------------------------------------------------------


def test_my_sign_ups_lists_only_mine(member, make_user, make_shift):
    mine = make_shift(days=2)
    theirs = make_shift(days=3)
    other = make_user(Role.MEMBER)
    post(token_client(member), f"{API}/shifts/{mine.pk}/signups")
    post(token_client(other), f"{API}/shifts/{theirs.pk}/signups")
    body = token_client(member).get(f"{API}/signups").json()
    assert body["count"] == 1
    assert body["items"][0]["shift"]["id"] == mine.pk
    assert body["items"][0]["person"]["id"] == member.person.pk
    waiting = token_client(member).get(f"{API}/signups", {"status": "waitlisted"}).json()
    assert waiting["count"] == 0


def test_an_outsider_cannot_read_someone_elses_sign_up(member, outsider, other_supervisor, shift):
    signup_id = post(token_client(member), f"{API}/shifts/{shift.pk}/signups").json()["id"]
    assert token_client(member).get(f"{API}/signups/{signup_id}").status_code == 200
    for intruder in (outsider, other_supervisor):
        response = token_client(intruder).get(f"{API}/signups/{signup_id}")
        assert response.status_code == 404
        assert "confirmed" not in response.content.decode()
        assert post(token_client(intruder), f"{API}/signups/{signup_id}/cancel").status_code == 404
    assert SignUp.objects.get(pk=signup_id).status == SignUp.Status.CONFIRMED


def test_the_supervisor_reads_sign_ups_on_their_shift(member, supervisor, shift):
    signup_id = post(token_client(member), f"{API}/shifts/{shift.pk}/signups").json()["id"]
    body = token_client(supervisor).get(f"{API}/signups/{signup_id}").json()
    assert body["person"]["id"] == member.person.pk
    assert body["shift"]["site"]["id"] == shift.opportunity.site_id


def test_cancelling_offers_the_seat_to_the_waitlist_and_they_accept(make_user, make_shift):
    shift = make_shift(capacity=1)
    first, second = make_user(Role.MEMBER), make_user(Role.MEMBER)
    first_id = post(token_client(first), f"{API}/shifts/{shift.pk}/signups").json()["id"]
    second_id = post(token_client(second), f"{API}/shifts/{shift.pk}/signups").json()["id"]

    response = post(token_client(first), f"{API}/signups/{first_id}/cancel", {"reason": "Exam"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    offered = token_client(second).get(f"{API}/signups/{second_id}").json()
    assert offered["status"] == "offered"
    assert offered["offer_expires_at"] is not None

    # Only the person offered the seat confirms it.
    assert post(token_client(first), f"{API}/signups/{second_id}/accept").status_code == 404
    accepted = post(token_client(second), f"{API}/signups/{second_id}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "confirmed"
    again = post(token_client(first), f"{API}/signups/{first_id}/cancel")
    assert again.status_code == 409


def test_declining_an_offer_moves_it_on(make_user, make_shift, coordinator):
    shift = make_shift(capacity=1)
    holder, waiting = PersonFactory(), make_user(Role.MEMBER)
    held = services.sign_up(shift=shift, person=holder, actor=coordinator)
    signup_id = post(token_client(waiting), f"{API}/shifts/{shift.pk}/signups").json()["id"]
    services.cancel_signup(signup=held, actor=coordinator)
    response = post(token_client(waiting), f"{API}/signups/{signup_id}/decline")
    assert response.status_code == 200
    assert response.json()["status"] == "offer_lapsed"
    assert post(token_client(waiting), f"{API}/signups/{signup_id}/decline").status_code == 409


def test_the_supervisor_checks_in_and_marks_no_shows_but_the_volunteer_cannot(
    make_user, make_shift, supervisor, time_machine
):
    shift = make_shift(days=1)
    attending, absent = make_user(Role.MEMBER), make_user(Role.MEMBER)
    attending_id = post(token_client(attending), f"{API}/shifts/{shift.pk}/signups").json()["id"]
    absent_id = post(token_client(absent), f"{API}/shifts/{shift.pk}/signups").json()["id"]
    time_machine.move_to(shift.starts_at + dt.timedelta(minutes=5))

    assert (
        post(token_client(attending), f"{API}/signups/{attending_id}/check-in").status_code == 403
    )
    response = post(token_client(supervisor), f"{API}/signups/{attending_id}/check-in")
    assert response.status_code == 200
    assert response.json()["status"] == "attended"
    assert HoursEntry.objects.get(signup_id=attending_id).hours == Decimal("4.00")

    assert post(token_client(absent), f"{API}/signups/{absent_id}/no-show").status_code == 403
    response = post(token_client(supervisor), f"{API}/signups/{absent_id}/no-show")
    assert response.status_code == 200
    assert response.json()["status"] == "no_show"


# Managing shifts ---------------------------------------------------------------------------


def _shift_body(opportunity: Opportunity, **overrides: Any) -> dict[str, Any]:
    day = timezone.localdate() + dt.timedelta(days=7)
    body = {
        "opportunity_id": opportunity.pk,
        "starts_at": f"{day.isoformat()}T09:00:00",
        "ends_at": f"{day.isoformat()}T13:00:00",
        "capacity": 4,
        "notes": "Bring your badge.",
    }
    return {**body, **overrides}


def test_the_sites_supervisor_and_staff_add_shifts(supervisor, coordinator, opportunity):
    for user in (supervisor, coordinator):
        response = post(token_client(user), f"{API}/shifts", _shift_body(opportunity))
        assert response.status_code == 201
        body = response.json()
        shift = Shift.objects.get(pk=body["id"])
        assert shift.local_start.hour == 9  # read in the site's time zone
        assert shift.timezone == "America/Chicago"
        assert body["capacity"] == 4
        assert body["seats_open"] == 4
        assert body["notes"] == "Bring your badge."
        assert body["starts_at"].endswith(("-05:00", "-06:00"))


def test_members_and_other_sites_supervisors_cannot_add_shifts(
    member, outsider, other_supervisor, opportunity
):
    for user in (member, outsider, other_supervisor):
        response = post(token_client(user), f"{API}/shifts", _shift_body(opportunity))
        assert response.status_code == 404
    assert not Shift.objects.exists()


def test_a_new_shift_with_bad_times_or_supervisor_answers_422(
    coordinator, opportunity, other_supervisor
):
    client = token_client(coordinator)
    day = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    backwards = post(client, f"{API}/shifts", _shift_body(opportunity, ends_at=f"{day}T08:00:00"))
    assert backwards.status_code == 422
    assert backwards.json()["field"] == "ends_at"
    elsewhere = post(
        client, f"{API}/shifts", _shift_body(opportunity, supervisor_id=other_supervisor.pk)
    )
    assert elsewhere.status_code == 422
    unknown = post(client, f"{API}/shifts", _shift_body(opportunity, supervisor_id=10**6))
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "supervisor_id"
    assert post(client, f"{API}/shifts", _shift_body(opportunity, capacity=0)).status_code == 422
    assert not Shift.objects.exists()


def test_a_shift_for_an_inactive_opportunity_answers_409(coordinator, opportunity):
    Opportunity.objects.filter(pk=opportunity.pk).update(is_active=False)
    response = post(token_client(coordinator), f"{API}/shifts", _shift_body(opportunity))
    assert response.status_code == 409


def test_the_supervisor_changes_a_shift_and_members_get_404(member, supervisor, make_shift):
    shift = make_shift(capacity=1)
    post(token_client(member), f"{API}/shifts/{shift.pk}/signups")
    assert (
        patch(token_client(member), f"{API}/shifts/{shift.pk}", {"capacity": 9}).status_code == 404
    )

    client = token_client(supervisor)
    response = patch(client, f"{API}/shifts/{shift.pk}", {"capacity": 3, "notes": "Door B"})
    assert response.status_code == 200
    assert (response.json()["capacity"], response.json()["notes"]) == (3, "Door B")
    shift.refresh_from_db()
    assert (shift.capacity, shift.notes) == (3, "Door B")
    assert patch(client, f"{API}/shifts/{shift.pk}", {"capacity": None}).status_code == 422
    assert patch(client, f"{API}/shifts/{shift.pk}", {"colour": "red"}).status_code == 422


def test_lowering_capacity_below_the_seats_taken_answers_409(make_user, supervisor, make_shift):
    shift = make_shift(capacity=2)
    for _ in range(2):
        post(token_client(make_user(Role.MEMBER)), f"{API}/shifts/{shift.pk}/signups")
    response = patch(token_client(supervisor), f"{API}/shifts/{shift.pk}", {"capacity": 1})
    assert response.status_code == 409
    assert response.json()["field"] == "capacity"


def test_cancelling_a_shift_ends_its_sign_ups(
    member, supervisor, shift, mailoutbox, django_capture_on_commit_callbacks
):
    signup_id = post(token_client(member), f"{API}/shifts/{shift.pk}/signups").json()["id"]
    assert (
        post(token_client(member), f"{API}/shifts/{shift.pk}/cancel", {"reason": "x"}).status_code
        == 404
    )
    client = token_client(supervisor)
    assert post(client, f"{API}/shifts/{shift.pk}/cancel", {"reason": "  "}).status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, f"{API}/shifts/{shift.pk}/cancel", {"reason": "Flooded basement"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert SignUp.objects.get(pk=signup_id).status == SignUp.Status.SHIFT_CANCELLED
    assert any("Flooded basement" in message.body for message in mailoutbox)
    assert post(client, f"{API}/shifts/{shift.pk}/cancel", {"reason": "again"}).status_code == 409


# Hours -------------------------------------------------------------------------------------


def _hours_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "activity": "Intake",
        "date": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "hours": "3.5",
        "notes": "Front desk",
    }
    return {**body, **overrides}


def test_a_member_logs_hours_and_the_sites_supervisor_verifies_them(member, supervisor, site):
    response = post(token_client(member), f"{API}/hours", _hours_body(site_id=site.pk))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "submitted"
    assert Decimal(body["hours"]) == Decimal("3.5")
    assert body["site"]["id"] == site.pk
    entry_id = body["id"]

    assert token_client(member).get(f"{API}/hours").json()["count"] == 1
    review = token_client(supervisor).get(f"{API}/hours/review").json()
    assert [item["id"] for item in review["items"]] == [entry_id]

    verified = post(token_client(supervisor), f"{API}/hours/{entry_id}/verify")
    assert verified.status_code == 200
    assert verified.json()["status"] == "verified"
    assert post(token_client(supervisor), f"{API}/hours/{entry_id}/verify").status_code == 409
    assert token_client(supervisor).get(f"{API}/hours/review").json()["count"] == 0


def test_rejecting_hours_needs_a_reason_and_editing_resubmits(
    member, supervisor, site, mailoutbox, django_capture_on_commit_callbacks
):
    entry_id = post(token_client(member), f"{API}/hours", _hours_body(site_id=site.pk)).json()["id"]
    client = token_client(supervisor)
    assert post(client, f"{API}/hours/{entry_id}/reject", {"reason": ""}).status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, f"{API}/hours/{entry_id}/reject", {"reason": "Not on the roster"})
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["rejection_reason"] == "Not on the roster"
    assert any("Not on the roster" in message.body for message in mailoutbox)

    edited = patch(token_client(member), f"{API}/hours/{entry_id}", {"hours": 2})
    assert edited.status_code == 200
    assert edited.json()["status"] == "submitted"
    assert Decimal(edited.json()["hours"]) == Decimal(2)
    rejected = token_client(member).get(f"{API}/hours", {"status": "rejected"}).json()
    assert rejected["count"] == 0


def test_no_one_verifies_their_own_hours(supervisor, site):
    entry_id = post(token_client(supervisor), f"{API}/hours", _hours_body(site_id=site.pk)).json()[
        "id"
    ]
    response = post(token_client(supervisor), f"{API}/hours/{entry_id}/verify")
    assert response.status_code == 403
    assert HoursEntry.objects.get(pk=entry_id).status == HoursEntry.Status.SUBMITTED


def test_another_sites_supervisor_and_members_cannot_verify(
    member, make_user, other_supervisor, site
):
    entry = HoursEntryFactory(person=person_of(member), site=site)
    for user in (other_supervisor, make_user(Role.MEMBER)):
        client = token_client(user)
        assert post(client, f"{API}/hours/{entry.pk}/verify").status_code == 404
        assert client.get(f"{API}/hours/{entry.pk}").status_code == 404
        assert client.get(f"{API}/hours/review").json()["count"] == 0
    # The owner may read it but not verify it.
    assert token_client(member).get(f"{API}/hours/{entry.pk}").status_code == 200
    assert post(token_client(member), f"{API}/hours/{entry.pk}/verify").status_code == 403
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.SUBMITTED


def test_hours_elsewhere_are_verified_by_office_staff(member, coordinator, supervisor):
    body = _hours_body(organization_name="Food pantry on Natural Bridge Ave")
    entry_id = post(token_client(member), f"{API}/hours", body).json()["id"]
    assert post(token_client(supervisor), f"{API}/hours/{entry_id}/verify").status_code == 404
    assert post(token_client(coordinator), f"{API}/hours/{entry_id}/verify").status_code == 200


def test_invalid_hours_answer_422(member, site):
    client = token_client(member)
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert (
        post(client, f"{API}/hours", _hours_body(site_id=site.pk, hours="0.1")).status_code == 422
    )
    assert post(client, f"{API}/hours", _hours_body(site_id=site.pk, hours=25)).status_code == 422
    assert post(client, f"{API}/hours", _hours_body()).json()["field"] == "organization_name"
    assert (
        post(client, f"{API}/hours", _hours_body(site_id=site.pk, date=future)).status_code == 422
    )
    assert not HoursEntry.objects.exists()


def test_a_member_sees_only_their_own_hours(member, make_user, site):
    HoursEntryFactory(person=person_of(member), site=site, activity="Mine")
    HoursEntryFactory(person=person_of(make_user(Role.MEMBER)), site=site, activity="Theirs")
    items = token_client(member).get(f"{API}/hours").json()["items"]
    assert [item["activity"] for item in items] == ["Mine"]


# Credentials -------------------------------------------------------------------------------


def test_credentials_list_only_mine_and_the_types_are_listed(member, make_user):
    CredentialFactory(person=person_of(member), credential_type=credential_type("tb-test"))
    CredentialFactory(person=person_of(make_user(Role.MEMBER)))
    items = token_client(member).get(f"{API}/credentials").json()
    assert [item["credential_type"]["code"] for item in items] == ["tb-test"]
    assert items[0]["status"] == "verified"
    types = token_client(member).get(f"{API}/credential-types").json()
    assert {"hipaa", "tb-test", "site-orientation"} <= {t["code"] for t in types}


# Ids and the schema ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/shifts/{id}"),
        ("patch", "/shifts/{id}"),
        ("post", "/shifts/{id}/signups"),
        ("post", "/shifts/{id}/cancel"),
        ("get", "/signups/{id}"),
        ("post", "/signups/{id}/cancel"),
        ("post", "/signups/{id}/accept"),
        ("post", "/signups/{id}/check-in"),
        ("get", "/hours/{id}"),
        ("patch", "/hours/{id}"),
        ("post", "/hours/{id}/verify"),
        ("post", "/hours/{id}/reject"),
    ],
)
@pytest.mark.parametrize("bad_id", [HUGE, "0", "9223372036854775808"])
def test_ids_out_of_range_answer_404(coordinator, method, path, bad_id):
    client = token_client(coordinator)
    url = API + path.format(id=bad_id)
    body = {"reason": "x"} if path.endswith(("cancel", "reject")) else {}
    if method == "get":
        response = client.get(url)
    elif method == "patch":
        response = patch(client, url, body)
    else:
        response = post(client, url, body)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_non_numeric_id_answers_422(member):
    assert token_client(member).get(f"{API}/shifts/abc").status_code == 422


def test_the_schema_documents_the_volunteering_endpoints(client):
    schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/shifts"])
    assert {"201", "403", "404", "409", "422"} <= set(paths["/api/v1/shifts"]["post"]["responses"])
    signups = paths["/api/v1/shifts/{shift_id}/signups"]["post"]
    assert {"201", "403", "404", "409", "422"} <= set(signups["responses"])
    assert signups["summary"] and signups["description"]
    assert "volunteering" in signups["tags"]
    created = schema["components"]["schemas"]["SignUpCreatedOut"]
    assert {"id", "status", "waitlist_position"} <= set(created["properties"])
    assert "problems" in schema["components"]["schemas"]["IneligibleOut"]["properties"]
    for path in (
        "/api/v1/signups/{signup_id}/cancel",
        "/api/v1/hours",
        "/api/v1/hours/{entry_id}/verify",
        "/api/v1/hours/{entry_id}/reject",
    ):
        assert "post" in paths[path]
    for operations in (p for p in paths.values()):
        for operation in operations.values():
            assert operation.get("summary"), operation["operationId"]


def test_shift_listing_parameters_are_documented(client):
    schema = client.get(f"{API}/openapi.json").json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/shifts"]["get"]["parameters"]}
    assert {"site", "opportunity", "start", "end", "eligible", "open", "limit", "offset"} <= (
        parameters
    )


def test_a_huge_person_id_is_refused_without_a_500(coordinator, shift):
    response = post(
        token_client(coordinator), f"{API}/shifts/{shift.pk}/signups", {"person_id": 2**70}
    )
    assert response.status_code == 422


def test_a_member_sees_no_one_elses_person_in_the_shift_list(member, make_shift, coordinator):
    shift = make_shift(capacity=1)
    services.sign_up(shift=shift, person=PersonFactory(given_name="Zelda"), actor=coordinator)
    text = token_client(member).get(f"{API}/shifts").content.decode()
    assert "Zelda" not in text
    assert json.loads(text)["items"][0]["my_signup"] is None


def test_without_a_registry_record_no_shift_is_listed_as_eligible(make_user, make_shift):
    user = make_user(Role.MEMBER, person=False)
    make_shift()
    client = token_client(user)

    listed = client.get(f"{API}/shifts").json()["items"]
    eligible = client.get(f"{API}/shifts", {"eligible": "true"}).json()["items"]

    assert [item["eligible"] for item in listed] == [False]
    assert listed[0]["problems"][0]["code"] == "no_profile"
    assert eligible == []

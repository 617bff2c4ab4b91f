"""Consortium meetings: services (meetings, attendance, action items and their status), what
each user reads, the pages and the API; a partner marks their own organization's items done
but never another organization's."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import QuerySet
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.partnerships import selectors_meetings as selectors
from equityhub.partnerships import services_meetings as services
from equityhub.partnerships.models import ActionItem, Meeting, MeetingAttendance
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

S = ActionItem.Status
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
API = "/api/v1/consortium"
ClientFor = Callable[[User], Client]


def actions(obj: Any) -> list[str]:
    return list(AuditEntry.objects.for_object(obj).order_by("id").values_list("action", flat=True))


def token_client(user: User) -> Client:
    _token, raw = create_api_token(user=user, name="tests", actor=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client: Client, path: str, body: Any = None) -> Any:
    return client.post(
        path, json.dumps(body) if body is not None else "", content_type="application/json"
    )


def patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def meeting(coordinator: User) -> Meeting:
    """Ten days ago, in the office's time zone."""
    day = timezone.localdate() - dt.timedelta(days=10)
    return services.create_meeting(
        actor=coordinator,
        title="Steering committee, spring",
        starts_at=dt.datetime(day.year, day.month, day.day, 14, 0, tzinfo=CHICAGO),
        location="Room 204",
        agenda="1. Screening days\n2. Data agreement",
        minutes="Agreed to share screening counts quarterly.",
    )


@pytest.fixture
def our_item(meeting: Meeting, coordinator: User, partner_org: Organization) -> ActionItem:
    return services.add_action_item(
        meeting=meeting,
        actor=coordinator,
        description="Send the Q1 screening counts",
        owner_organization=partner_org,
        owner_name="Ana Ruiz",
        due_on=timezone.localdate() - dt.timedelta(days=2),
    )


@pytest.fixture
def their_item(meeting: Meeting, coordinator: User, other_org: Organization) -> ActionItem:
    return services.add_action_item(
        meeting=meeting,
        actor=coordinator,
        description="Draft the produce prescription budget",
        owner_organization=other_org,
        owner_name="Bo Chen",
        due_on=timezone.localdate() + dt.timedelta(days=20),
    )


@pytest.fixture
def other_meeting(coordinator: User, other_org: Organization) -> Meeting:
    """A meeting only `other_org` attended."""
    found = services.create_meeting(
        actor=coordinator, title="Food access working group", starts_at=timezone.now()
    )
    services.record_attendance(meeting=found, actor=coordinator, organization=other_org, name="Bo")
    return found


# -- meeting services ------------------------------------------------------------------------


def test_staff_create_a_meeting_and_it_is_audited(meeting: Meeting, coordinator: User) -> None:
    assert meeting.created_by == coordinator
    assert meeting.location == "Room 204"
    assert actions(meeting) == ["partnerships.meeting.created"]


def test_a_meeting_time_needs_its_time_zone(coordinator: User) -> None:
    with pytest.raises(ServiceError) as naive:
        services.create_meeting(
            actor=coordinator,
            title="X",
            starts_at=dt.datetime(2025, 5, 1, 14, 0),  # noqa: DTZ001
        )
    with pytest.raises(ServiceError) as missing:
        services.create_meeting(actor=coordinator, title="X", starts_at=None)  # type: ignore[arg-type]

    assert naive.value.field == "starts_at"
    assert missing.value.field == "starts_at"


@pytest.mark.parametrize("who", ["partner", "leadership", "member"])
def test_only_staff_create_and_edit_meetings(
    who: str, request: pytest.FixtureRequest, meeting: Meeting, partner_org: Organization
) -> None:
    actor = request.getfixturevalue(who)

    with pytest.raises(NotAllowed):
        services.create_meeting(actor=actor, title="X", starts_at=timezone.now())
    with pytest.raises(NotAllowed):
        services.update_meeting(meeting=meeting, actor=actor, title="X")
    with pytest.raises(NotAllowed):
        services.record_attendance(
            meeting=meeting, actor=actor, organization=partner_org, name="Ana"
        )


def test_updating_a_meeting_records_the_changes(meeting: Meeting, coordinator: User) -> None:
    services.update_meeting(meeting=meeting, actor=coordinator, minutes="New minutes.")
    services.update_meeting(meeting=meeting, actor=coordinator, minutes="New minutes.")

    entries = AuditEntry.objects.filter(action="partnerships.meeting.updated")
    assert entries.count() == 1
    assert entries.get().changes["minutes"][1] == "New minutes."
    with pytest.raises(ServiceError):
        services.update_meeting(meeting=meeting, actor=coordinator, created_by=None)


def test_a_meeting_cannot_move_past_the_due_date_of_its_items(
    meeting: Meeting, coordinator: User, our_item: ActionItem
) -> None:
    later = timezone.now() + dt.timedelta(days=30)

    with pytest.raises(ServiceError) as refused:
        services.update_meeting(meeting=meeting, actor=coordinator, starts_at=later)

    assert refused.value.field == "starts_at"


def test_attendance_is_recorded_once_per_organization_and_name_ignoring_case(
    meeting: Meeting, coordinator: User, partner_org: Organization
) -> None:
    first = services.record_attendance(
        meeting=meeting, actor=coordinator, organization=partner_org, name="Ana  Ruiz"
    )
    again = services.record_attendance(
        meeting=meeting,
        actor=coordinator,
        organization=partner_org,
        name="ana ruiz",
        status=MeetingAttendance.Status.REGRETS,
    )

    assert first.pk == again.pk
    assert MeetingAttendance.objects.get().status == MeetingAttendance.Status.REGRETS
    assert again.name == "Ana Ruiz"
    entry = (
        AuditEntry.objects.filter(action="partnerships.meeting.attendance_recorded")
        .order_by("id")
        .last()
    )
    assert entry is not None
    assert entry.data["previous_status"] == "present"


def test_the_unique_constraint_backs_up_the_attendance_look_up(
    meeting: Meeting,
    coordinator: User,
    partner_org: Organization,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services.record_attendance(
        meeting=meeting, actor=coordinator, organization=partner_org, name="Ana Ruiz"
    )
    # As if the look-up had missed the row (another spelling the database folds the same way).
    monkeypatch.setattr(QuerySet, "first", lambda self: None)

    with pytest.raises(Conflict) as refused:
        services.record_attendance(
            meeting=meeting, actor=coordinator, organization=partner_org, name="ANA RUIZ"
        )

    assert refused.value.field == "name"
    assert MeetingAttendance.objects.count() == 1


def test_attendance_needs_a_name_a_known_status_and_an_active_organization(
    meeting: Meeting, coordinator: User, partner_org: Organization
) -> None:
    closed = OrganizationFactory(name="Closed", is_active=False)

    with pytest.raises(ServiceError) as no_name:
        services.record_attendance(
            meeting=meeting, actor=coordinator, organization=partner_org, name="  "
        )
    with pytest.raises(ServiceError) as bad_status:
        services.record_attendance(
            meeting=meeting,
            actor=coordinator,
            organization=partner_org,
            name="Ana",
            status="late",
        )
    with pytest.raises(ServiceError) as inactive:
        services.record_attendance(
            meeting=meeting, actor=coordinator, organization=closed, name="Ana"
        )

    assert (no_name.value.field, bad_status.value.field) == ("name", "status")
    assert inactive.value.field == "organization"


# -- action item services --------------------------------------------------------------------


def test_an_action_item_cannot_be_due_before_its_meeting(
    meeting: Meeting, coordinator: User, partner_org: Organization
) -> None:
    with pytest.raises(ServiceError) as refused:
        services.add_action_item(
            meeting=meeting,
            actor=coordinator,
            description="Too early",
            owner_organization=partner_org,
            owner_name="Ana",
            due_on=services.meeting_day(meeting) - dt.timedelta(days=1),
        )
    same_day = services.add_action_item(
        meeting=meeting,
        actor=coordinator,
        description="Same day",
        owner_organization=partner_org,
        owner_name="Ana",
        due_on=services.meeting_day(meeting),
    )

    assert refused.value.field == "due_on"
    assert same_day.status == S.OPEN


def test_an_action_item_needs_a_description_and_an_owner(
    meeting: Meeting, coordinator: User, partner_org: Organization
) -> None:
    with pytest.raises(ServiceError) as no_description:
        services.add_action_item(
            meeting=meeting,
            actor=coordinator,
            description=" ",
            owner_organization=partner_org,
            owner_name="Ana",
            due_on=timezone.localdate(),
        )
    with pytest.raises(ServiceError) as no_owner:
        services.add_action_item(
            meeting=meeting,
            actor=coordinator,
            description="Do it",
            owner_organization=partner_org,
            owner_name="",
            due_on=timezone.localdate(),
        )

    assert no_description.value.field == "description"
    assert no_owner.value.field == "owner_name"


def test_a_partner_marks_their_own_item_done_and_reopens_it(
    our_item: ActionItem, partner: User
) -> None:
    services.complete_action_item(item=our_item, actor=partner)
    assert (our_item.status, our_item.completed_on) == (S.DONE, timezone.localdate())

    services.reopen_action_item(item=our_item, actor=partner)

    fresh = ActionItem.objects.get(pk=our_item.pk)
    assert (fresh.status, fresh.completed_on) == (S.OPEN, None)
    assert actions(our_item)[-2:] == [
        "partnerships.action_item.completed",
        "partnerships.action_item.reopened",
    ]


def test_a_partner_cannot_mark_another_organizations_item(
    their_item: ActionItem, partner: User
) -> None:
    with pytest.raises(NotAllowed):
        services.complete_action_item(item=their_item, actor=partner)
    with pytest.raises(NotAllowed):
        services.reopen_action_item(item=their_item, actor=partner)

    assert ActionItem.objects.get(pk=their_item.pk).status == S.OPEN


def test_only_staff_drop_edit_and_reopen_a_dropped_item(
    our_item: ActionItem, partner: User, coordinator: User, other_org: Organization
) -> None:
    with pytest.raises(NotAllowed):
        services.drop_action_item(item=our_item, actor=partner)
    with pytest.raises(NotAllowed):
        services.update_action_item(item=our_item, actor=partner, owner_name="Me")

    services.drop_action_item(item=our_item, actor=coordinator)
    assert (our_item.status, our_item.completed_on) == (S.DROPPED, None)
    with pytest.raises(NotAllowed):
        services.reopen_action_item(item=our_item, actor=partner)
    services.reopen_action_item(item=our_item, actor=coordinator)
    assert our_item.status == S.OPEN


def test_status_changes_follow_the_item_state(our_item: ActionItem, coordinator: User) -> None:
    with pytest.raises(Conflict):
        services.reopen_action_item(item=our_item, actor=coordinator)
    services.complete_action_item(item=our_item, actor=coordinator)
    with pytest.raises(Conflict):
        services.complete_action_item(item=our_item, actor=coordinator)
    with pytest.raises(Conflict):
        services.drop_action_item(item=our_item, actor=coordinator)


def test_a_completion_date_is_between_the_meeting_and_today(
    our_item: ActionItem, coordinator: User, meeting: Meeting
) -> None:
    with pytest.raises(ServiceError) as future:
        services.complete_action_item(
            item=our_item,
            actor=coordinator,
            completed_on=timezone.localdate() + dt.timedelta(days=1),
        )
    with pytest.raises(ServiceError) as before:
        services.complete_action_item(
            item=our_item,
            actor=coordinator,
            completed_on=services.meeting_day(meeting) - dt.timedelta(days=1),
        )
    services.complete_action_item(
        item=our_item, actor=coordinator, completed_on=services.meeting_day(meeting)
    )

    assert (future.value.field, before.value.field) == ("completed_on", "completed_on")
    assert ActionItem.objects.get(pk=our_item.pk).completed_on == services.meeting_day(meeting)


def test_staff_change_an_items_owner_and_due_date(
    our_item: ActionItem, coordinator: User, other_org: Organization, meeting: Meeting
) -> None:
    new_due = timezone.localdate() + dt.timedelta(days=7)

    services.update_action_item(
        item=our_item,
        actor=coordinator,
        owner_organization=other_org,
        owner_name=" Bo   Chen ",
        due_on=new_due,
    )
    with pytest.raises(ServiceError) as too_early:
        services.update_action_item(
            item=our_item, actor=coordinator, due_on=services.meeting_day(meeting) - dt.timedelta(1)
        )
    with pytest.raises(ServiceError):
        services.update_action_item(item=our_item, actor=coordinator, status=S.DONE)

    fresh = ActionItem.objects.get(pk=our_item.pk)
    assert (fresh.owner_organization, fresh.owner_name, fresh.due_on) == (
        other_org,
        "Bo Chen",
        new_due,
    )
    assert too_early.value.field == "due_on"


# -- what each user reads --------------------------------------------------------------------


def test_a_partner_reads_meetings_their_organization_attended_or_owns_items_from(
    meeting: Meeting,
    other_meeting: Meeting,
    coordinator: User,
    partner: User,
    partner_org: Organization,
) -> None:
    attended = services.create_meeting(
        actor=coordinator, title="Attended", starts_at=timezone.now()
    )
    services.record_attendance(
        meeting=attended, actor=coordinator, organization=partner_org, name="Ana"
    )
    assert list(selectors.meetings_for_user(partner)) == [attended]

    services.add_action_item(
        meeting=meeting,
        actor=coordinator,
        description="Ours",
        owner_organization=partner_org,
        owner_name="Ana",
        due_on=timezone.localdate(),
    )

    assert set(selectors.meetings_for_user(partner)) == {attended, meeting}
    with pytest.raises(Http404):
        selectors.get_meeting_for_user(partner, other_meeting.pk)
    assert set(selectors.meetings_for_user(coordinator)) == {attended, meeting, other_meeting}


def test_open_items_come_overdue_first(
    our_item: ActionItem, their_item: ActionItem, coordinator: User, partner: User
) -> None:
    done = services.add_action_item(
        meeting=our_item.meeting,
        actor=coordinator,
        description="Done already",
        owner_organization=our_item.owner_organization,
        owner_name="Ana",
        due_on=timezone.localdate(),
    )
    services.complete_action_item(item=done, actor=coordinator)

    assert list(selectors.open_action_items_for_user(coordinator)) == [our_item, their_item]
    assert list(selectors.open_action_items_for_user(partner)) == [our_item]


@pytest.mark.parametrize("who", ["leadership", "member", "outsider"])
def test_leadership_members_and_outsiders_read_no_meetings_or_items(
    who: str, request: pytest.FixtureRequest, meeting: Meeting, our_item: ActionItem
) -> None:
    user = request.getfixturevalue(who)

    assert not selectors.meetings_for_user(user).exists()
    assert not selectors.open_action_items_for_user(user).exists()


# -- pages -----------------------------------------------------------------------------------


def url(name: str, *args: Any) -> str:
    return reverse(f"partnerships:{name}", args=args)


def test_staff_list_meetings_and_add_one(client_for: ClientFor, coordinator: User) -> None:
    client = client_for(coordinator)
    assert client.get(url("meeting_new")).status_code == 200

    response = client.post(
        url("meeting_new"),
        {"title": "Annual meeting", "starts_at": "2025-09-10T09:30", "location": "Library"},
    )

    created = Meeting.objects.get(title="Annual meeting")
    assert response.status_code == 302
    assert timezone.localtime(created.starts_at).hour == 9
    listing = client.get(url("meeting_list"))
    assert "Annual meeting" in listing.text


def test_a_meeting_form_error_rerenders_the_form(
    client_for: ClientFor, coordinator: User, meeting: Meeting, our_item: ActionItem
) -> None:
    response = client_for(coordinator).post(
        url("meeting_edit", meeting.pk),
        {"title": "Moved", "starts_at": "2099-01-01T10:00"},
    )

    assert response.status_code == 200
    assert "due before that day" in response.text


@pytest.mark.parametrize("who", ["leadership", "member", "outsider"])
def test_leadership_members_and_outsiders_get_403_on_the_meeting_pages(
    who: str, request: pytest.FixtureRequest, client_for: ClientFor, meeting: Meeting
) -> None:
    client = client_for(request.getfixturevalue(who))

    assert client.get(url("meeting_list")).status_code == 403
    assert client.get(url("action_item_list")).status_code == 403
    assert client.get(url("meeting_new")).status_code == 403
    assert client.get(url("meeting_detail", meeting.pk)).status_code == 404


def test_a_partner_reads_the_agenda_minutes_and_only_their_own_items(  # noqa: PLR0917 - fixtures
    client_for: ClientFor,
    partner: User,
    meeting: Meeting,
    our_item: ActionItem,
    their_item: ActionItem,
    coordinator: User,
    other_org: Organization,
) -> None:
    services.record_attendance(
        meeting=meeting, actor=coordinator, organization=other_org, name="Bo Chen"
    )

    response = client_for(partner).get(url("meeting_detail", meeting.pk))

    assert response.status_code == 200
    assert "Screening days" in response.text
    assert "share screening counts" in response.text
    assert our_item.description in response.text
    assert their_item.description not in response.text
    assert "Bo Chen" not in response.text
    assert "Record attendance" not in response.text


def test_a_partner_cannot_reach_a_meeting_their_organization_was_not_part_of(
    client_for: ClientFor, partner: User, other_meeting: Meeting
) -> None:
    client = client_for(partner)

    assert client.get(url("meeting_detail", other_meeting.pk)).status_code == 404
    assert client.get(url("meeting_edit", other_meeting.pk)).status_code == 404
    assert client.post(url("meeting_attendance", other_meeting.pk)).status_code == 404
    assert client.get(url("meeting_detail", 2**63)).status_code == 404


def test_a_partner_cannot_edit_a_meeting_they_can_read(
    client_for: ClientFor, partner: User, meeting: Meeting, our_item: ActionItem
) -> None:
    client = client_for(partner)

    assert client.get(url("meeting_edit", meeting.pk)).status_code == 403
    assert client.post(url("action_item_new", meeting.pk), {}).status_code == 403
    assert client.post(url("meeting_attendance", meeting.pk), {}).status_code == 403


def test_staff_record_attendance_and_add_items_on_the_page(
    client_for: ClientFor, coordinator: User, meeting: Meeting, partner_org: Organization
) -> None:
    client = client_for(coordinator)

    attended = client.post(
        url("meeting_attendance", meeting.pk),
        {
            "attendance-organization": partner_org.pk,
            "attendance-name": "Ana Ruiz",
            "attendance-status": "present",
        },
    )
    added = client.post(
        url("action_item_new", meeting.pk),
        {
            "item-description": "Circulate the MOU draft",
            "item-owner_organization": partner_org.pk,
            "item-owner_name": "Ana Ruiz",
            "item-due_on": timezone.localdate().isoformat(),
        },
    )
    refused = client.post(
        url("action_item_new", meeting.pk),
        {
            "item-description": "Too early",
            "item-owner_organization": partner_org.pk,
            "item-owner_name": "Ana Ruiz",
            "item-due_on": "2000-01-01",
        },
    )

    assert attended.status_code == 302
    assert added.status_code == 302
    assert refused.status_code == 200
    assert "cannot be due before the meeting" in refused.text
    page = client.get(url("meeting_detail", meeting.pk))
    assert "Ana Ruiz" in page.text
    assert "Circulate the MOU draft" in page.text


def test_a_partner_marks_their_item_done_from_the_list_and_not_another_organizations(
    client_for: ClientFor, partner: User, our_item: ActionItem, their_item: ActionItem
) -> None:
    client = client_for(partner)
    listing = client.get(url("action_item_list"))
    assert our_item.description in listing.text
    assert their_item.description not in listing.text
    assert "Overdue" in listing.text

    done = client.post(
        url("action_item_update", our_item.pk),
        {"action": "done", "next": url("action_item_list")},
    )
    theirs = client.post(url("action_item_update", their_item.pk), {"action": "done"})
    drop = client.post(url("action_item_update", our_item.pk), {"action": "drop"})

    assert done.status_code == 302
    assert done["Location"] == url("action_item_list")
    assert ActionItem.objects.get(pk=our_item.pk).status == S.DONE
    assert theirs.status_code == 404
    assert ActionItem.objects.get(pk=their_item.pk).status == S.OPEN
    assert drop.status_code == 403


def test_marking_an_item_with_htmx_swaps_its_row(
    client_for: ClientFor, partner: User, our_item: ActionItem
) -> None:
    client = client_for(partner)

    done = client.post(
        url("action_item_update", our_item.pk),
        {"action": "done", "show_meeting": "1"},
        headers={"HX-Request": "true"},
    )
    again = client.post(
        url("action_item_update", our_item.pk),
        {"action": "done"},
        headers={"HX-Request": "true"},
    )

    assert done.status_code == 200
    assert done.text.lstrip().startswith(f'<tr id="action-item-{our_item.pk}"')
    assert "Marked done." in done.text
    assert "Reopen" in done.text
    assert "Only an open action item can be marked done." in again.text


def test_staff_change_an_items_owner_and_due_date_on_the_page(
    client_for: ClientFor, coordinator: User, our_item: ActionItem, other_org: Organization
) -> None:
    client = client_for(coordinator)
    prefix = f"edit-{our_item.pk}"
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()

    saved = client.post(
        url("action_item_update", our_item.pk),
        {
            "action": "save",
            f"{prefix}-owner_organization": other_org.pk,
            f"{prefix}-owner_name": "Bo Chen",
            f"{prefix}-due_on": due,
        },
    )
    invalid = client.post(
        url("action_item_update", our_item.pk),
        {"action": "save", f"{prefix}-owner_name": ""},
        headers={"HX-Request": "true"},
    )
    unknown = client.post(url("action_item_update", our_item.pk), {"action": "explode"})

    assert saved.status_code == 302
    assert ActionItem.objects.get(pk=our_item.pk).owner_organization == other_org
    assert "not saved" in invalid.text
    assert unknown.status_code == 400


def test_the_action_item_list_filters_by_organization(
    client_for: ClientFor, coordinator: User, our_item: ActionItem, their_item: ActionItem
) -> None:
    response = client_for(coordinator).get(
        url("action_item_list"), {"organization": their_item.owner_organization_id}
    )

    assert their_item.description in response.text
    assert our_item.description not in response.text


def test_a_partner_sees_their_open_item_counts_on_the_meeting_list(
    client_for: ClientFor,
    partner: User,
    meeting: Meeting,
    our_item: ActionItem,
    their_item: ActionItem,
) -> None:
    response = client_for(partner).get(url("meeting_list"))

    [listed] = list(response.context["meetings"])
    assert listed.open_items == 1


# -- API -------------------------------------------------------------------------------------


def test_staff_create_and_patch_a_meeting_over_the_api(coordinator: User) -> None:
    client = token_client(coordinator)

    created = post(
        client,
        f"{API}/meetings",
        {"title": "Quarterly", "starts_at": "2025-10-01T10:00:00", "agenda": "Budget"},
    )
    meeting_id = created.json()["id"]
    patched = patch(client, f"{API}/meetings/{meeting_id}", {"minutes": "Approved."})

    assert created.status_code == 201
    assert created.json()["starts_at"].startswith("2025-10-01T10:00:00-05:00")
    assert patched.status_code == 200
    assert patched.json()["minutes"] == "Approved."


def test_a_partner_reads_their_meeting_over_the_api_and_nothing_of_others(
    partner: User,
    meeting: Meeting,
    other_meeting: Meeting,
    our_item: ActionItem,
    their_item: ActionItem,
) -> None:
    client = token_client(partner)

    listed = client.get(f"{API}/meetings")
    detail = client.get(f"{API}/meetings/{meeting.pk}")
    other = client.get(f"{API}/meetings/{other_meeting.pk}")
    create = post(client, f"{API}/meetings", {"title": "X", "starts_at": "2025-10-01T10:00"})

    assert [m["id"] for m in listed.json()["items"]] == [meeting.pk]
    assert [item["id"] for item in detail.json()["action_items"]] == [our_item.pk]
    assert detail.json()["agenda"] == meeting.agenda
    assert other.status_code == 404
    assert create.status_code == 403


def test_attendance_and_items_over_the_api(
    coordinator: User, meeting: Meeting, partner_org: Organization
) -> None:
    client = token_client(coordinator)

    attended = post(
        client,
        f"{API}/meetings/{meeting.pk}/attendance",
        {"organization_id": partner_org.pk, "name": "Ana", "status": "regrets"},
    )
    item = post(
        client,
        f"{API}/meetings/{meeting.pk}/action-items",
        {
            "description": "Share counts",
            "owner_organization_id": partner_org.pk,
            "owner_name": "Ana",
            "due_on": timezone.localdate().isoformat(),
        },
    )
    early = post(
        client,
        f"{API}/meetings/{meeting.pk}/action-items",
        {
            "description": "Too early",
            "owner_organization_id": partner_org.pk,
            "owner_name": "Ana",
            "due_on": "2000-01-01",
        },
    )
    unknown_org = post(
        client,
        f"{API}/meetings/{meeting.pk}/attendance",
        {"organization_id": 999999, "name": "Ana"},
    )

    assert (attended.status_code, attended.json()["status"]) == (200, "regrets")
    assert (item.status_code, item.json()["status"]) == (201, "open")
    assert (early.status_code, early.json()["field"]) == (422, "due_on")
    assert (unknown_org.status_code, unknown_org.json()["field"]) == (422, "organization_id")


def test_a_partner_marks_their_item_done_over_the_api_but_not_another_organizations(
    partner: User, our_item: ActionItem, their_item: ActionItem
) -> None:
    client = token_client(partner)

    listed = client.get(f"{API}/action-items")
    done = patch(client, f"{API}/action-items/{our_item.pk}", {"status": "done"})
    reopened = patch(client, f"{API}/action-items/{our_item.pk}", {"status": "open"})
    theirs = patch(client, f"{API}/action-items/{their_item.pk}", {"status": "done"})
    drop = patch(client, f"{API}/action-items/{our_item.pk}", {"status": "dropped"})
    move = patch(client, f"{API}/action-items/{our_item.pk}", {"due_on": "2030-01-01"})
    twice = patch(client, f"{API}/action-items/{our_item.pk}", {"status": "open"})

    assert [i["id"] for i in listed.json()["items"]] == [our_item.pk]
    assert listed.json()["items"][0]["overdue"] is True
    assert (done.status_code, done.json()["status"]) == (200, "done")
    assert done.json()["completed_on"] == timezone.localdate().isoformat()
    assert (reopened.status_code, reopened.json()["completed_on"]) == (200, None)
    assert theirs.status_code == 404
    assert drop.status_code == 403
    assert move.status_code == 403
    assert twice.status_code == 409
    assert ActionItem.objects.get(pk=their_item.pk).status == S.OPEN


def test_staff_patch_an_item_all_or_nothing(
    coordinator: User, our_item: ActionItem, other_org: Organization
) -> None:
    client = token_client(coordinator)

    refused = patch(
        client,
        f"{API}/action-items/{our_item.pk}",
        {"owner_organization_id": other_org.pk, "status": "open"},
    )
    mismatched = patch(client, f"{API}/action-items/{our_item.pk}", {"completed_on": "2025-01-01"})
    done = patch(
        client,
        f"{API}/action-items/{our_item.pk}",
        {"owner_name": "Bo", "status": "done"},
    )

    assert refused.status_code == 409
    assert ActionItem.objects.get(pk=our_item.pk).owner_organization_id != other_org.pk
    assert mismatched.status_code == 422
    assert (done.json()["owner_name"], done.json()["status"]) == ("Bo", "done")


@pytest.mark.parametrize("who", ["leadership", "member"])
def test_leadership_and_members_get_403_on_the_meeting_lists_and_404_on_objects(
    who: str, request: pytest.FixtureRequest, meeting: Meeting, our_item: ActionItem
) -> None:
    client = token_client(request.getfixturevalue(who))

    assert client.get(f"{API}/meetings").status_code == 403
    assert client.get(f"{API}/action-items").status_code == 403
    assert client.get(f"{API}/meetings/{meeting.pk}").status_code == 404
    assert patch(client, f"{API}/action-items/{our_item.pk}", {"status": "done"}).status_code == (
        404
    )
    assert client.get(f"{API}/meetings/{2**63}").status_code == 404

"""Consortium meetings: services (meetings, attendance, action items and their status), what
each user reads, the pages and the API; a partner marks their own organization's items done
but never another organization's."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.partnerships import selectors_meetings as selectors
from equityhub.partnerships import services_meetings as services
from equityhub.partnerships import views_meetings
from equityhub.partnerships.forms_agreements import ActionItemEditForm
from equityhub.partnerships.models import ActionItem, Meeting, MeetingAttendance
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory, PersonFactory

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


UTC_MINUS_12 = dt.timezone(dt.timedelta(hours=-12))
UTC_PLUS_14 = dt.timezone(dt.timedelta(hours=14))
FIRST = formats.date_format(dt.date(1900, 1, 1), "DATE_FORMAT")
LAST = formats.date_format(dt.date(2100, 12, 31), "DATE_FORMAT")
EXTREME_STARTS = [
    dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC_MINUS_12),
    dt.datetime(1, 1, 1, 0, 0, tzinfo=UTC_PLUS_14),
    dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=CHICAGO),
    dt.datetime(1899, 12, 31, 23, 59, tzinfo=CHICAGO),
    dt.datetime(2101, 1, 1, 0, 0, tzinfo=CHICAGO),
    # Still 2100 where it was written, but 2101-01-01 05:30 in the office's time zone.
    dt.datetime(2100, 12, 31, 23, 30, tzinfo=UTC_MINUS_12),
]


@pytest.mark.parametrize("starts_at", EXTREME_STARTS, ids=str)
def test_a_meeting_starts_between_1900_and_2100_in_the_office_time_zone(
    coordinator: User, meeting: Meeting, starts_at: dt.datetime
) -> None:
    with pytest.raises(ServiceError) as created:
        services.create_meeting(actor=coordinator, title="X", starts_at=starts_at)
    with pytest.raises(ServiceError) as moved:
        services.update_meeting(meeting=meeting, actor=coordinator, starts_at=starts_at)

    assert (created.value.field, created.value.code) == ("starts_at", "out_of_range")
    assert f"between {FIRST} and {LAST}" in created.value.message
    assert moved.value.field == "starts_at"
    assert Meeting.objects.count() == 1


def test_the_first_and_last_moments_of_the_range_are_accepted(coordinator: User) -> None:
    first = services.create_meeting(
        actor=coordinator, title="First", starts_at=dt.datetime(1900, 1, 1, tzinfo=CHICAGO)
    )
    last = services.create_meeting(
        actor=coordinator,
        title="Last",
        starts_at=dt.datetime(2100, 12, 31, 23, 59, 59, tzinfo=CHICAGO),
    )
    # 2101 where it was written, 2100-12-31 12:00 in the office's time zone.
    tokyo = services.create_meeting(
        actor=coordinator,
        title="Tokyo",
        starts_at=dt.datetime(2101, 1, 1, 3, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))),
    )

    assert services.meeting_day(Meeting.objects.get(pk=first.pk)) == dt.date(1900, 1, 1)
    assert services.meeting_day(Meeting.objects.get(pk=last.pk)) == dt.date(2100, 12, 31)
    assert services.meeting_day(Meeting.objects.get(pk=tokyo.pk)) == dt.date(2100, 12, 31)


def test_an_action_item_is_due_by_the_end_of_2100(
    meeting: Meeting, coordinator: User, partner_org: Organization, our_item: ActionItem
) -> None:
    with pytest.raises(ServiceError) as added:
        services.add_action_item(
            meeting=meeting,
            actor=coordinator,
            description="Someday",
            owner_organization=partner_org,
            owner_name="Ana",
            due_on=dt.date(9999, 12, 31),
        )
    with pytest.raises(ServiceError) as moved:
        services.update_action_item(item=our_item, actor=coordinator, due_on=dt.date(2101, 1, 1))
    last = services.add_action_item(
        meeting=meeting,
        actor=coordinator,
        description="At the very end",
        owner_organization=partner_org,
        owner_name="Ana",
        due_on=dt.date(2100, 12, 31),
    )

    assert (added.value.field, added.value.code) == ("due_on", "out_of_range")
    assert moved.value.field == "due_on"
    assert last.due_on == dt.date(2100, 12, 31)


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


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_a_meeting_time_out_of_range_rerenders_the_form_with_the_reason(
    client_for: ClientFor, coordinator: User, meeting: Meeting, starts_at: str
) -> None:
    client = client_for(coordinator)

    created = client.post(url("meeting_new"), {"title": "Far away", "starts_at": starts_at})
    moved = client.post(url("meeting_edit", meeting.pk), {"title": "X", "starts_at": starts_at})

    for response in (created, moved):
        assert response.status_code == 200
        assert f"must start between {FIRST} and {LAST}" in response.text
    assert not Meeting.objects.filter(title="Far away").exists()


def test_an_item_due_after_2100_is_refused_on_the_page(
    client_for: ClientFor, coordinator: User, meeting: Meeting, our_item: ActionItem
) -> None:
    client = client_for(coordinator)
    prefix = f"edit-{our_item.pk}"

    added = client.post(
        url("action_item_new", meeting.pk),
        {
            "item-description": "Someday",
            "item-owner_organization": our_item.owner_organization_id,
            "item-owner_name": "Ana",
            "item-due_on": "9999-12-31",
        },
    )
    moved = client.post(
        url("action_item_update", our_item.pk),
        {
            "action": "save",
            f"{prefix}-owner_organization": our_item.owner_organization_id,
            f"{prefix}-owner_name": "Ana",
            f"{prefix}-due_on": "9999-12-31",
        },
        headers={"HX-Request": "true"},
    )

    assert added.status_code == 200
    assert f"on or before {LAST}" in added.text
    assert moved.status_code == 200
    assert f"on or before {LAST}" in moved.text
    assert ActionItem.objects.get(pk=our_item.pk).due_on == our_item.due_on


def add_items(meeting: Meeting, coordinator: User, count: int) -> None:
    """`count` items, each owned by an organization of its own (one of them inactive)."""
    for n in range(count):
        owner = OrganizationFactory(name=f"Owner {count}-{n:02}")
        services.add_action_item(
            meeting=meeting,
            actor=coordinator,
            description=f"Item {n}",
            owner_organization=owner,
            owner_name=f"Person {n}",
            due_on=timezone.localdate() + dt.timedelta(days=n),
        )
        if n == 0:
            Organization.objects.filter(pk=owner.pk).update(is_active=False)


@pytest.mark.parametrize("page", ["action_item_list", "meeting_detail"])
def test_the_action_item_pages_take_the_same_queries_for_3_and_12_items(
    client_for: ClientFor, coordinator: User, meeting: Meeting, page: str
) -> None:
    client = client_for(coordinator)
    path = url(page, meeting.pk) if page == "meeting_detail" else url(page)

    def queries_for(count: int) -> tuple[int, Any]:
        ActionItem.objects.all().delete()
        add_items(meeting, coordinator, count)
        client.get(path)  # warm the per-process caches (content types, sessions)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200
        return len(queries), response

    few, _response = queries_for(3)
    many, response = queries_for(12)

    assert many == few
    offers = {
        entry["row"].item.description: {
            label for _value, label in entry["edit_form"].fields["owner_organization"].choices
        }
        for entry in response.context["rows"]
    }
    assert len(offers) == 12  # every row has its edit form
    # An inactive owner stays selectable on its own item, and is offered on no other.
    assert [item for item, labels in offers.items() if "Owner 12-00" in labels] == ["Item 0"]


def test_an_items_edit_form_offers_active_organizations_and_its_own_owner(
    coordinator: User, meeting: Meeting, our_item: ActionItem, other_org: Organization
) -> None:
    Organization.objects.filter(pk=our_item.owner_organization_id).update(is_active=False)
    item = selectors.get_action_item_for_user(coordinator, our_item.pk)
    active = list(Organization.objects.filter(is_active=True).order_by("name"))

    form = ActionItemEditForm(
        {
            f"edit-{item.pk}-owner_organization": str(other_org.pk),
            f"edit-{item.pk}-owner_name": "Bo",
            f"edit-{item.pk}-due_on": item.due_on.isoformat(),
        },
        item=item,
        organizations=active,
    )
    unknown = ActionItemEditForm(
        {
            f"edit-{item.pk}-owner_organization": str(2**63),
            f"edit-{item.pk}-owner_name": "Bo",
            f"edit-{item.pk}-due_on": item.due_on.isoformat(),
        },
        item=item,
        organizations=active,
    )

    offered = [value for value, _label in form.fields["owner_organization"].choices]  # type: ignore[attr-defined]
    assert item.owner_organization_id in offered
    assert set(offered) == {org.pk for org in active} | {item.owner_organization_id}
    assert form.is_valid()
    assert form.cleaned_data["owner_organization"] == other_org
    assert not unknown.is_valid()
    assert "owner_organization" in unknown.errors


def test_the_message_after_marking_an_item_is_a_translatable_sentence(
    client_for: ClientFor, partner: User, our_item: ActionItem
) -> None:
    # A translation may put the parts in another order: the sentence is one msgid.
    catalog = {"%(description)s: %(outcome)s": "%(outcome)s (%(description)s)"}
    with mock.patch.object(views_meetings, "_", side_effect=lambda text: catalog.get(text, text)):
        response = client_for(partner).post(
            url("action_item_update", our_item.pk), {"action": "done"}, follow=True
        )

    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["Marked done. (Send the Q1 screening counts)"]


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


@pytest.mark.parametrize(
    "starts_at", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59"]
)
def test_an_extreme_meeting_time_over_the_api_is_a_422_not_a_500(
    coordinator: User, meeting: Meeting, starts_at: str
) -> None:
    client = token_client(coordinator)
    client.raise_request_exception = False

    created = post(client, f"{API}/meetings", {"title": "Far away", "starts_at": starts_at})
    moved = patch(client, f"{API}/meetings/{meeting.pk}", {"starts_at": starts_at})

    for response in (created, moved):
        assert response.status_code == 422
        assert response.json()["field"] == "starts_at"
        assert "between" in response.json()["detail"]
    assert list(Meeting.objects.values_list("pk", flat=True)) == [meeting.pk]
    assert client.get(f"{API}/meetings/{meeting.pk}").status_code == 200


def test_an_item_due_after_2100_over_the_api_is_a_422(
    coordinator: User, meeting: Meeting, our_item: ActionItem
) -> None:
    client = token_client(coordinator)

    added = post(
        client,
        f"{API}/meetings/{meeting.pk}/action-items",
        {
            "description": "Someday",
            "owner_organization_id": our_item.owner_organization_id,
            "owner_name": "Ana",
            "due_on": "9999-12-31",
        },
    )
    moved = patch(client, f"{API}/action-items/{our_item.pk}", {"due_on": "9999-12-31"})

    assert (added.status_code, added.json()["field"]) == (422, "due_on")
    assert (moved.status_code, moved.json()["field"]) == (422, "due_on")


def test_only_staff_see_the_registry_id_of_an_items_owner_over_the_api(
    coordinator: User, partner: User, meeting: Meeting, our_item: ActionItem
) -> None:
    person = PersonFactory()
    ActionItem.objects.filter(pk=our_item.pk).update(owner_person=person)
    staff, ours = token_client(coordinator), token_client(partner)

    for client, expected in ((staff, person.pk), (ours, None)):
        listed = client.get(f"{API}/action-items").json()["items"]
        detail = client.get(f"{API}/meetings/{meeting.pk}").json()["action_items"]
        done = patch(client, f"{API}/action-items/{our_item.pk}", {"status": "done"}).json()
        patch(client, f"{API}/action-items/{our_item.pk}", {"status": "open"})
        owners = {item["owner_person_id"] for item in [*listed, *detail, done]}
        assert owners == {expected}


def test_staff_see_the_owner_they_gave_a_new_item_over_the_api(
    coordinator: User, meeting: Meeting, partner_org: Organization
) -> None:
    person = PersonFactory()

    added = post(
        token_client(coordinator),
        f"{API}/meetings/{meeting.pk}/action-items",
        {
            "description": "Share counts",
            "owner_organization_id": partner_org.pk,
            "owner_name": "Ana",
            "owner_person_id": person.pk,
            "due_on": timezone.localdate().isoformat(),
        },
    )

    assert (added.status_code, added.json()["owner_person_id"]) == (201, person.pk)


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

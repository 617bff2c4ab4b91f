"""Reads of the consortium's meetings and action items.

Office staff read everything. A partner user reads the meetings their organization attended
(any attendance row) or owns action items from: the agenda and minutes, their own
organization's attendance and their own organization's action items, nothing about the other
organizations. Everyone else: nothing (403 on the lists, 404 on a meeting or an item).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from equityhub.partnerships.access import (
    is_consortium_staff,
    is_partner_user,
    partner_organization_ids,
)
from equityhub.partnerships.models import ActionItem, Meeting, MeetingAttendance
from equityhub.people.models import Organization
from equityhub.people.selectors import person_of, valid_id


def can_use_meetings(user: Any) -> bool:
    """May open the meeting and action-item pages at all."""
    return is_consortium_staff(user) or is_partner_user(user)


def meetings_for_user(user: Any) -> QuerySet[Meeting]:
    if is_consortium_staff(user):
        return Meeting.objects.all()
    ids = partner_organization_ids(user)
    if not ids:
        return Meeting.objects.none()
    # Subqueries, not joins: the lists annotate counts on top of this.
    return Meeting.objects.filter(
        Q(pk__in=MeetingAttendance.objects.filter(organization_id__in=ids).values("meeting_id"))
        | Q(pk__in=ActionItem.objects.filter(owner_organization_id__in=ids).values("meeting_id"))
    )


def get_meeting_for_user(user: Any, meeting_id: Any) -> Meeting:
    pk = valid_id(meeting_id)
    found = meetings_for_user(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _item_filter(user: Any) -> Q | None:
    """None: every item; else the items the user may read."""
    if is_consortium_staff(user):
        return None
    return Q(owner_organization_id__in=partner_organization_ids(user))


def meeting_list(user: Any) -> QuerySet[Meeting]:
    """The meetings the user may read, newest first, with `present` (people present; staff
    only, else None) and `open_items` (open action items the user may read)."""
    mine = _item_filter(user)
    open_filter = Q(action_items__status=ActionItem.Status.OPEN)
    if mine is not None:
        ids = partner_organization_ids(user)
        open_filter &= Q(action_items__owner_organization_id__in=ids)
    return (
        meetings_for_user(user)
        .annotate(
            open_items=Count("action_items", filter=open_filter, distinct=True),
            present=Count(
                "attendance",
                filter=Q(attendance__status=MeetingAttendance.Status.PRESENT),
                distinct=True,
            ),
        )
        .order_by("-starts_at", "-pk")
    )


def attendance_for_user(user: Any, meeting: Meeting) -> QuerySet[MeetingAttendance]:
    """The meeting's attendance the user may read (a partner: their own organization's)."""
    rows = MeetingAttendance.objects.filter(meeting=meeting).select_related("organization")
    if not is_consortium_staff(user):
        rows = rows.filter(organization_id__in=partner_organization_ids(user))
    return rows.order_by("organization__name", "name", "pk")


def action_items_for_user(user: Any) -> QuerySet[ActionItem]:
    """Every action item the user may read."""
    items = ActionItem.objects.select_related("meeting", "owner_organization", "owner_person")
    mine = _item_filter(user)
    if mine is not None:
        items = items.filter(mine)
    return items


def meeting_action_items(user: Any, meeting: Meeting) -> QuerySet[ActionItem]:
    """The meeting's items the user may read: open ones first, each group by due date."""
    return action_items_for_user(user).filter(meeting=meeting).order_by("status", "due_on", "pk")


def get_action_item_for_user(user: Any, item_id: Any) -> ActionItem:
    pk = valid_id(item_id)
    found = action_items_for_user(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def open_action_items_for_user(user: Any) -> QuerySet[ActionItem]:
    """Open items the user may read, overdue first (an open item is overdue once its due date
    has passed, so the earliest due date comes first), then by due date."""
    return (
        action_items_for_user(user)
        .filter(status=ActionItem.Status.OPEN)
        .order_by("due_on", "meeting__starts_at", "pk")
    )


def filter_action_items(
    queryset: QuerySet[ActionItem],
    user: Any,
    *,
    organization: Organization | None = None,
    mine: bool = False,
) -> QuerySet[ActionItem]:
    """The action-item list's filters. "Mine": for staff, the items whose owner is their own
    registry record; a partner's list holds only their organization's items anyway."""
    if organization is not None:
        queryset = queryset.filter(owner_organization=organization)
    if mine and is_consortium_staff(user):
        person = person_of(user)
        queryset = queryset.filter(owner_person=person) if person else queryset.none()
    return queryset


def owner_organizations(user: Any) -> QuerySet[Organization]:
    """Organizations owning open items the user may read (the organization filter)."""
    return (
        Organization.objects.filter(
            pk__in=open_action_items_for_user(user).values("owner_organization_id")
        )
        .only("id", "name")
        .order_by("name")
    )


@dataclasses.dataclass(frozen=True)
class ItemRow:
    item: ActionItem
    overdue: bool
    can_mark: bool
    can_manage: bool


def item_rows(user: Any, items: Any, today: dt.date | None = None) -> list[ItemRow]:
    today = today or timezone.localdate()
    staff = is_consortium_staff(user)
    ids = partner_organization_ids(user)
    return [
        ItemRow(
            item=item,
            overdue=item.status == ActionItem.Status.OPEN and item.due_on < today,
            can_mark=staff or item.owner_organization_id in ids,
            can_manage=staff,
        )
        for item in items
    ]

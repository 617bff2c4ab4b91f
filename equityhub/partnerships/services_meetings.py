"""Every write of the consortium's meetings: the meeting itself (agenda, minutes), who attended,
and the action items it decided. Keyword-only, atomic, audited as `partnerships.meeting.*` and
`partnerships.action_item.*`.

Office staff run meetings: they write everything. A partner user may mark the action items
their own organization owns as done, and reopen one they marked done; nothing else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.core.exceptions import clean_model as _clean
from equityhub.partnerships.access import is_consortium_staff, partner_organization_ids
from equityhub.partnerships.models import ActionItem, Meeting, MeetingAttendance
from equityhub.people.models import Organization, Person

S = ActionItem.Status
MEETING_FIELDS: Final = ["title", "starts_at", "location", "agenda", "minutes"]
ACTION_ITEM_FIELDS: Final = [
    "description",
    "owner_organization_id",
    "owner_name",
    "owner_person_id",
    "due_on",
    "status",
    "completed_on",
]
ITEM_EDITABLE: Final = frozenset(
    {"description", "owner_organization", "owner_name", "owner_person", "due_on"}
)
# The days a meeting, a due date or a completion date may fall on, in the office's time zone.
# Beyond them a date is a typo; near year 1 or 9999 it cannot even be converted to UTC and
# stored (OverflowError), or read back on PostgreSQL.
FIRST_DAY: Final = dt.date(1900, 1, 1)
LAST_DAY: Final = dt.date(2100, 12, 31)


def _require_staff(actor: Any) -> None:
    if not is_consortium_staff(actor):
        raise NotAllowed(_("Only office staff run consortium meetings."))


def _name(value: str) -> str:
    # One space between words, so that "Ana  Ruiz" and "Ana Ruiz" are the same attendee.
    return " ".join((value or "").split())


def meeting_day(meeting: Meeting) -> dt.date:
    """The meeting's date in the office's time zone."""
    return timezone.localtime(meeting.starts_at).date()


def _day(value: dt.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _check_starts_at(starts_at: Any) -> None:
    if not isinstance(starts_at, dt.datetime):
        raise ServiceError(_("Give the date and time the meeting starts."), field="starts_at")
    if timezone.is_naive(starts_at):
        raise ServiceError(
            _("Give the start time with its time zone."),
            field="starts_at",
        )
    # Compared as aware datetimes (exact, whatever the offsets), never converted: converting
    # 9999-12-31T23:59-12:00 to UTC or local time is what overflows.
    office = timezone.get_default_timezone()
    first = dt.datetime.combine(FIRST_DAY, dt.time.min, tzinfo=office)
    after_last = dt.datetime.combine(LAST_DAY + dt.timedelta(days=1), dt.time.min, tzinfo=office)
    if not first <= starts_at < after_last:
        raise ServiceError(
            _("The meeting must start between %(first)s and %(last)s.")
            % {"first": _day(FIRST_DAY), "last": _day(LAST_DAY)},
            field="starts_at",
            code="out_of_range",
        )


def _check_organization(organization: Organization, field: str) -> None:
    if not organization.is_active:
        raise ServiceError(
            _("%(name)s is no longer an active organization.") % {"name": organization.name},
            field=field,
        )


# -- meetings --------------------------------------------------------------------------------


@transaction.atomic
def create_meeting(
    *,
    actor: Any,
    title: str,
    starts_at: dt.datetime,
    location: str = "",
    agenda: str = "",
    minutes: str = "",
) -> Meeting:
    """Side effects: one Meeting; audit `partnerships.meeting.created`."""
    _require_staff(actor)
    _check_starts_at(starts_at)
    meeting = Meeting(
        title=(title or "").strip(),
        starts_at=starts_at,
        location=(location or "").strip(),
        agenda=(agenda or "").strip(),
        minutes=(minutes or "").strip(),
        created_by=actor,
    )
    _clean(meeting)
    meeting.save()
    record(
        "partnerships.meeting.created",
        actor=actor,
        obj=meeting,
        data=snapshot(meeting, MEETING_FIELDS),
    )
    return meeting


@transaction.atomic
def update_meeting(*, meeting: Meeting, actor: Any, **changes: Any) -> Meeting:
    """Change any of title, starts_at, location, agenda, minutes. A meeting cannot move past
    the due date of one of its action items.

    Side effects: the Meeting saved; audit `partnerships.meeting.updated` with the changes.
    """
    _require_staff(actor)
    unknown = set(changes) - set(MEETING_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    fresh = Meeting.objects.select_for_update().get(pk=meeting.pk)
    before = snapshot(fresh, MEETING_FIELDS)
    if "starts_at" in changes:
        _check_starts_at(changes["starts_at"])
    for field, value in changes.items():
        setattr(fresh, field, value.strip() if isinstance(value, str) else value)
    if ActionItem.objects.filter(meeting=fresh, due_on__lt=meeting_day(fresh)).exists():
        raise ServiceError(
            _("Some of the meeting's action items are due before that day."), field="starts_at"
        )
    _clean(fresh)
    changed = diff(before, snapshot(fresh, MEETING_FIELDS))
    if changed:
        fresh.save()
        record("partnerships.meeting.updated", actor=actor, obj=fresh, changes=changed)
    for field in [*MEETING_FIELDS, "updated_at"]:
        setattr(meeting, field, getattr(fresh, field))
    return fresh


@transaction.atomic
def record_attendance(
    *,
    meeting: Meeting,
    actor: Any,
    organization: Organization,
    name: str,
    status: str = MeetingAttendance.Status.PRESENT,
) -> MeetingAttendance:
    """Add someone to the meeting's attendance, or change their status if they are on it
    already (the same organization and name, ignoring case; the name keeps its first spelling).

    Side effects: one MeetingAttendance created or updated; audit
    `partnerships.meeting.attendance_recorded`.
    """
    _require_staff(actor)
    name = _name(name)
    if not name:
        raise ServiceError(_("Give the attendee's name."), field="name")
    if status not in MeetingAttendance.Status.values:
        raise ServiceError(_("Choose present, sent regrets or absent."), field="status")
    # Serializes the look-up-then-write per meeting; the unique constraint is the backstop.
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    row = MeetingAttendance.objects.filter(
        meeting=locked, organization=organization, name__iexact=name
    ).first()
    before = row.status if row is not None else None
    if row is None:
        _check_organization(organization, "organization")
        row = MeetingAttendance(meeting=locked, organization=organization, name=name)
    row.status = status
    _clean(row, exclude=["meeting", "organization"])
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise Conflict(
            _("%(name)s is on the attendance list already.") % {"name": name}, field="name"
        ) from None
    record(
        "partnerships.meeting.attendance_recorded",
        actor=actor,
        obj=locked,
        data={
            "attendance": row.pk,
            "organization": organization.pk,
            "name": row.name,
            "status": status,
            "previous_status": before,
        },
    )
    return row


# -- action items ----------------------------------------------------------------------------


def can_mark_action_item(user: Any, item: ActionItem) -> bool:
    """Staff, or a partner user of the organization that owns the item."""
    return is_consortium_staff(user) or item.owner_organization_id in partner_organization_ids(user)


def _check_due(meeting: Meeting, due_on: dt.date | None) -> None:
    if due_on is None:
        raise ServiceError(_("Give a due date."), field="due_on")
    if due_on < meeting_day(meeting):
        raise ServiceError(
            _("An action item cannot be due before the meeting that decided it."),
            field="due_on",
        )
    if due_on > LAST_DAY:
        raise ServiceError(
            _("The due date must be on or before %(last)s.") % {"last": _day(LAST_DAY)},
            field="due_on",
            code="out_of_range",
        )


@transaction.atomic
def add_action_item(
    *,
    meeting: Meeting,
    actor: Any,
    description: str,
    owner_organization: Organization,
    owner_name: str,
    due_on: dt.date,
    owner_person: Person | None = None,
) -> ActionItem:
    """Side effects: one open ActionItem; audit `partnerships.action_item.created`."""
    _require_staff(actor)
    _check_organization(owner_organization, "owner_organization")
    _check_due(meeting, due_on)
    item = ActionItem(
        meeting=meeting,
        description=(description or "").strip(),
        owner_organization=owner_organization,
        owner_name=_name(owner_name),
        owner_person=owner_person,
        due_on=due_on,
    )
    _clean(item, exclude=["meeting", "owner_organization", "owner_person"])
    item.save()
    record(
        "partnerships.action_item.created",
        actor=actor,
        obj=item,
        data={"meeting": meeting.pk, **snapshot(item, ACTION_ITEM_FIELDS)},
    )
    return item


def _lock_item(item: ActionItem) -> ActionItem:
    return ActionItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)


def _follow(target: ActionItem, source: ActionItem) -> None:
    for field in [*ACTION_ITEM_FIELDS, "updated_at"]:
        setattr(target, field, getattr(source, field))


@transaction.atomic
def update_action_item(*, item: ActionItem, actor: Any, **changes: Any) -> ActionItem:
    """Office staff change an item's description, owner or due date.

    Side effects: the ActionItem saved; audit `partnerships.action_item.updated`.
    """
    _require_staff(actor)
    unknown = set(changes) - ITEM_EDITABLE
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    fresh = _lock_item(item)
    before = snapshot(fresh, ACTION_ITEM_FIELDS)
    owner = changes.get("owner_organization")
    if owner is not None and owner.pk != fresh.owner_organization_id:
        _check_organization(owner, "owner_organization")
    if "due_on" in changes:
        _check_due(fresh.meeting, changes["due_on"])
    for field, value in changes.items():
        if field == "owner_name":
            setattr(fresh, field, _name(value))
        else:
            setattr(fresh, field, value.strip() if isinstance(value, str) else value)
    _clean(fresh, exclude=["meeting", "owner_organization", "owner_person"])
    changed = diff(before, snapshot(fresh, ACTION_ITEM_FIELDS))
    if changed:
        fresh.save()
        record("partnerships.action_item.updated", actor=actor, obj=fresh, changes=changed)
    _follow(item, fresh)
    return fresh


def _set_status(
    fresh: ActionItem, *, actor: Any, status: str, completed_on: dt.date | None, action: str
) -> ActionItem:
    before = snapshot(fresh, ACTION_ITEM_FIELDS)
    fresh.status = status
    fresh.completed_on = completed_on
    fresh.save(update_fields=["status", "completed_on", "updated_at"])
    record(
        f"partnerships.action_item.{action}",
        actor=actor,
        obj=fresh,
        changes=diff(before, snapshot(fresh, ACTION_ITEM_FIELDS)),
    )
    return fresh


@transaction.atomic
def complete_action_item(
    *, item: ActionItem, actor: Any, completed_on: dt.date | None = None
) -> ActionItem:
    """Mark an open item done (today, or on `completed_on`: not in the future, not before the
    meeting). Staff, or a partner user of the owning organization.

    Side effects: status done, completed_on set; audit `partnerships.action_item.completed`.
    """
    fresh = _lock_item(item)
    if not can_mark_action_item(actor, fresh):
        raise NotAllowed(_("Only the owning organization and office staff may do this."))
    if fresh.status != S.OPEN:
        raise Conflict(_("Only an open action item can be marked done."))
    today = timezone.localdate()
    completed_on = completed_on or today
    if completed_on > today:
        raise ServiceError(_("The completion date cannot be in the future."), field="completed_on")
    if completed_on < meeting_day(fresh.meeting):
        raise ServiceError(
            _("The completion date cannot be before the meeting."), field="completed_on"
        )
    _set_status(fresh, actor=actor, status=S.DONE, completed_on=completed_on, action="completed")
    _follow(item, fresh)
    return fresh


@transaction.atomic
def drop_action_item(*, item: ActionItem, actor: Any) -> ActionItem:
    """Office staff give up an open item. It was never completed, so it has no completion
    date.

    Side effects: status dropped, completed_on cleared; audit `partnerships.action_item.dropped`.
    """
    _require_staff(actor)
    fresh = _lock_item(item)
    if fresh.status != S.OPEN:
        raise Conflict(_("Only an open action item can be dropped."))
    _set_status(fresh, actor=actor, status=S.DROPPED, completed_on=None, action="dropped")
    _follow(item, fresh)
    return fresh


@transaction.atomic
def reopen_action_item(*, item: ActionItem, actor: Any) -> ActionItem:
    """Open a done or dropped item again. Staff reopen either; a partner user of the owning
    organization reopens an item marked done (a dropped one was the office's decision).

    Side effects: status open, completed_on cleared; audit `partnerships.action_item.reopened`.
    """
    fresh = _lock_item(item)
    if not can_mark_action_item(actor, fresh):
        raise NotAllowed(_("Only the owning organization and office staff may do this."))
    if fresh.status == S.OPEN:
        raise Conflict(_("This action item is open already."))
    if fresh.status == S.DROPPED and not is_consortium_staff(actor):
        raise NotAllowed(_("Only office staff reopen a dropped action item."))
    _set_status(fresh, actor=actor, status=S.OPEN, completed_on=None, action="reopened")
    _follow(item, fresh)
    return fresh

"""Every write of a cycle's cohort: sessions, attendance, leaders and mentors with their mentees,
stipends and capstones. Keyword-only, atomic, audited as `programs.<thing>.<verb>`; office staff
only (`NotAllowed` for anyone else).

Only the cycle's participants (`selectors_cohorts.participants_of`: enrolled, plus accepted
until the cycle is running) can be marked present, mentored, paid a stipend or given a capstone.

Stipends are amounts only (USD, more than 0, at most 2 decimals, below 100,000): never bank or
payment details. Their life: planned -> paid or cancelled; either can go back to planned (a
correction), but a paid stipend is never cancelled, and only a planned one may change its
amount or date. Every change is audited with the amounts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.people.models import Person
from equityhub.programs.access import is_program_staff
from equityhub.programs.models import (
    Application,
    Capstone,
    CohortLeader,
    CohortSession,
    Cycle,
    SessionAttendance,
    Stipend,
)
from equityhub.programs.selectors_cohorts import is_participant

SESSION_FIELDS: Final = ["cycle_id", "title", "starts_at", "location"]
STIPEND_FIELDS: Final = ["application_id", "amount", "due_on", "status", "note"]
CAPSTONE_FIELDS: Final = ["application_id", "title", "summary", "presented_on"]
STIPEND_LIMIT: Final = Decimal("100000")
EARLIEST: Final = dt.date(1900, 1, 1)
LATEST: Final = dt.date(2100, 12, 31)
MAX_SUMMARY: Final = 10000
_CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

S = Stipend.Status
# From -> the statuses it may move to.
STIPEND_MOVES: Final = {
    S.PLANNED: {S.PAID, S.CANCELLED},
    S.PAID: {S.PLANNED},
    S.CANCELLED: {S.PLANNED},
}


# -- helpers ---------------------------------------------------------------------------------


def _require_staff(actor: Any) -> None:
    if not is_program_staff(actor):
        raise NotAllowed(_("Only office staff may manage a cohort."))


def _text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    if value is not None and not isinstance(value, str):
        raise ServiceError(_("This must be text."), field=field)
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ServiceError(
            _("Keep this under %(max)d characters.") % {"max": max_length}, field=field
        )
    if _CONTROL_CHARACTERS.search(text):
        raise ServiceError(_("Control characters are not allowed."), field=field)
    return text


def _optional_date(value: Any, *, field: str) -> dt.date | None:
    if value is None:
        return None
    return _date(value, field=field)


def _date(value: Any, *, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ServiceError(_("Give a date."), field=field)
    if not EARLIEST <= value <= LATEST:
        raise ServiceError(_("Give a date between 1900 and 2100."), field=field)
    return value


def _moment(value: Any, *, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ServiceError(_("Give a date and time."), field=field)
    # The year first: converting a time near year 1 or 9999 to the office's zone overflows.
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise ServiceError(_("Give a date between 1900 and 2100."), field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    if not EARLIEST <= timezone.localtime(value).date() <= LATEST:
        raise ServiceError(_("Give a date between 1900 and 2100."), field=field)
    return value


def _require_participant(application: Application, cycle: Cycle, *, field: str) -> None:
    if application.cycle_id != cycle.pk or not is_participant(application):
        raise ServiceError(
            _("%(name)s is not a participant of this cohort.")
            % {"name": application.applicant.display_name},
            field=field,
        )


def clean_amount(value: Any, *, field: str = "amount") -> Decimal:
    """A stipend amount: more than 0, at most 2 decimals, below 100,000 (USD)."""
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        raise ServiceError(_("Give the amount in dollars, e.g. 1500.00."), field=field)
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ServiceError(_("Give the amount in dollars, e.g. 1500.00."), field=field) from None
    if not amount.is_finite():
        raise ServiceError(_("Give the amount in dollars, e.g. 1500.00."), field=field)
    if amount <= 0:
        raise ServiceError(_("The amount must be more than 0."), field=field)
    if amount >= STIPEND_LIMIT:
        raise ServiceError(_("The amount must be below 100,000."), field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise ServiceError(_("Give the amount with at most 2 decimals."), field=field)
    return amount.quantize(Decimal("0.01"))


# -- sessions --------------------------------------------------------------------------------


@transaction.atomic
def add_session(
    *, actor: Any, cycle: Cycle, title: str, starts_at: dt.datetime, location: str = ""
) -> CohortSession:
    """Side effects: one CohortSession; audit `programs.session.created`."""
    _require_staff(actor)
    session = CohortSession.objects.create(
        cycle=cycle,
        title=_text(title, field="title", max_length=200, required=True),
        starts_at=_moment(starts_at, field="starts_at"),
        location=_text(location, field="location", max_length=200),
    )
    record(
        "programs.session.created",
        actor=actor,
        obj=session,
        data=snapshot(session, SESSION_FIELDS),
    )
    return session


@transaction.atomic
def update_session(
    *,
    actor: Any,
    session: CohortSession,
    title: str | None = None,
    starts_at: dt.datetime | None = None,
    location: str | None = None,
) -> CohortSession:
    """Change what is given. Side effects: the session saved; audit `programs.session.updated`
    with the changes (nothing when nothing changed)."""
    _require_staff(actor)
    before = snapshot(session, SESSION_FIELDS)
    if title is not None:
        session.title = _text(title, field="title", max_length=200, required=True)
    if starts_at is not None:
        session.starts_at = _moment(starts_at, field="starts_at")
    if location is not None:
        session.location = _text(location, field="location", max_length=200)
    changes = diff(before, snapshot(session, SESSION_FIELDS))
    if changes:
        session.save()
        record("programs.session.updated", actor=actor, obj=session, changes=changes)
    return session


@transaction.atomic
def delete_session(*, actor: Any, session: CohortSession) -> None:
    """Side effects: the session and its attendance deleted; audit `programs.session.deleted`
    (with how many marks went with it)."""
    _require_staff(actor)
    marks = SessionAttendance.objects.filter(session=session).count()
    data = {**snapshot(session, SESSION_FIELDS), "attendance_marks": marks}
    record("programs.session.deleted", actor=actor, obj=session, data=data)
    session.delete()


@transaction.atomic
def set_attendance(
    *, actor: Any, session: CohortSession, application: Application, status: str
) -> SessionAttendance | None:
    """Mark a participant present, excused or absent at a session; "" clears the mark.

    Side effects: the SessionAttendance row written, changed or deleted; audit
    `programs.attendance.set` (session, application, before, after) when it changed.
    Returns the mark, or None once cleared.
    """
    _require_staff(actor)
    if status and status not in SessionAttendance.Status.values:
        raise ServiceError(_("Choose present, excused or absent."), field="status")
    # The session's row serializes two marks of the same cell at once.
    CohortSession.objects.select_for_update().filter(pk=session.pk).first()
    _require_participant(application, session.cycle, field="application")
    mark = SessionAttendance.objects.filter(session=session, application=application).first()
    before = mark.status if mark else ""
    if before == status:
        return mark
    if not status:
        assert mark is not None  # noqa: S101 - before != status == "" means there was one
        mark.delete()
        mark = None
    elif mark is None:
        mark = SessionAttendance.objects.create(
            session=session, application=application, status=status
        )
    else:
        mark.status = status
        mark.save(update_fields=["status"])
    record(
        "programs.attendance.set",
        actor=actor,
        obj=session,
        data={"application": application.pk, "status": [before, status]},
    )
    return mark


# -- leaders and mentors ---------------------------------------------------------------------


@transaction.atomic
def add_leader(*, actor: Any, cycle: Cycle, person: Person, role: str) -> CohortLeader:
    """A program leader, instructor or mentor of the cohort (a registry person).

    Side effects: one CohortLeader; audit `programs.leader.added`. Conflict when the person
    already holds that role in this cohort.
    """
    _require_staff(actor)
    if role not in CohortLeader.Role.values:
        raise ServiceError(_("Choose mentor, program leader or instructor."), field="role")
    if CohortLeader.objects.filter(cycle=cycle, person=person, role=role).exists():
        raise Conflict(
            _("%(name)s already has this role in this cohort.") % {"name": person.display_name},
            field="person",
        )
    try:
        with transaction.atomic():
            leader = CohortLeader.objects.create(cycle=cycle, person=person, role=role)
    except IntegrityError:  # pragma: no cover - a concurrent add of the same person and role
        raise Conflict(
            _("%(name)s already has this role in this cohort.") % {"name": person.display_name},
            field="person",
        ) from None
    record(
        "programs.leader.added",
        actor=actor,
        obj=leader,
        data={"cycle": cycle.pk, "person": person.pk, "role": role},
    )
    return leader


@transaction.atomic
def remove_leader(*, actor: Any, leader: CohortLeader) -> None:
    """Side effects: the CohortLeader deleted (and with it their mentee list); audit
    `programs.leader.removed` with the mentees they had."""
    _require_staff(actor)
    mentees = sorted(leader.mentees.values_list("pk", flat=True))
    record(
        "programs.leader.removed",
        actor=actor,
        obj=leader,
        data={
            "cycle": leader.cycle_id,
            "person": leader.person_id,
            "role": leader.role,
            "mentees": mentees,
        },
    )
    leader.delete()


@transaction.atomic
def set_mentees(
    *, actor: Any, leader: CohortLeader, applications: Iterable[Application]
) -> CohortLeader:
    """Make `applications` (participants of the leader's cycle) the mentor's mentees, replacing
    the list. Only mentors have mentees, and nobody mentors themselves.

    Side effects: the mentee list replaced; audit `programs.leader.mentees_set` (before, after)
    when it changed.
    """
    _require_staff(actor)
    if leader.role != CohortLeader.Role.MENTOR:
        raise ServiceError(_("Only mentors have mentees."), field="mentees")
    chosen = list({application.pk: application for application in applications}.values())
    for application in chosen:
        _require_participant(application, leader.cycle, field="mentees")
        if application.applicant_id == leader.person_id:
            raise ServiceError(_("A mentor cannot mentor themselves."), field="mentees")
    before = sorted(leader.mentees.values_list("pk", flat=True))
    after = sorted(application.pk for application in chosen)
    if before != after:
        leader.mentees.set(chosen)
        record(
            "programs.leader.mentees_set",
            actor=actor,
            obj=leader,
            changes={"mentees": [before, after]},
        )
    return leader


# -- stipends --------------------------------------------------------------------------------


@transaction.atomic
def add_stipend(
    *,
    actor: Any,
    application: Application,
    amount: Any,
    due_on: dt.date,
    note: str = "",
    status: str = Stipend.Status.PLANNED,
) -> Stipend:
    """Record a stipend for a participant: an amount and a date, never bank details.

    Side effects: one Stipend; audit `programs.stipend.created` with the amount.
    """
    _require_staff(actor)
    _require_participant(application, application.cycle, field="application")
    if status not in Stipend.Status.values:
        raise ServiceError(_("Choose planned, paid or cancelled."), field="status")
    stipend = Stipend.objects.create(
        application=application,
        amount=clean_amount(amount),
        due_on=_date(due_on, field="due_on"),
        status=status,
        note=_text(note, field="note", max_length=300),
    )
    record(
        "programs.stipend.created",
        actor=actor,
        obj=stipend,
        data=snapshot(stipend, STIPEND_FIELDS),
    )
    return stipend


@transaction.atomic
def update_stipend(
    *,
    actor: Any,
    stipend: Stipend,
    status: str | None = None,
    amount: Any = None,
    due_on: dt.date | None = None,
    note: str | None = None,
) -> Stipend:
    """Change a stipend's status, amount, date or note (see the module docstring for what may
    change when). Side effects: the stipend saved; audit `programs.stipend.updated` with the
    changes, amounts included (nothing when nothing changed)."""
    _require_staff(actor)
    locked = Stipend.objects.select_for_update().get(pk=stipend.pk)
    before = snapshot(locked, STIPEND_FIELDS)
    if amount is not None or due_on is not None:
        new_amount = clean_amount(amount) if amount is not None else locked.amount
        new_due_on = _date(due_on, field="due_on") if due_on is not None else locked.due_on
        if (new_amount, new_due_on) != (locked.amount, locked.due_on):
            if locked.status != S.PLANNED:
                raise Conflict(
                    _("Only a planned stipend can change its amount or date."),
                    field="amount" if new_amount != locked.amount else "due_on",
                )
            locked.amount, locked.due_on = new_amount, new_due_on
    if status is not None and status != locked.status:
        if status not in Stipend.Status.values:
            raise ServiceError(_("Choose planned, paid or cancelled."), field="status")
        if status not in STIPEND_MOVES[S(locked.status)]:
            raise Conflict(
                _(
                    "A paid stipend cannot be cancelled: set it back to planned first if it was "
                    "marked paid by mistake, or explain in its note."
                ),
                field="status",
            )
        locked.status = status
    if note is not None:
        locked.note = _text(note, field="note", max_length=300)
    changes = diff(before, snapshot(locked, STIPEND_FIELDS))
    if changes:
        locked.save()
        record("programs.stipend.updated", actor=actor, obj=locked, changes=changes)
    for field in ("amount", "due_on", "status", "note"):
        setattr(stipend, field, getattr(locked, field))
    return stipend


# -- capstones -------------------------------------------------------------------------------


@transaction.atomic
def set_capstone(
    *,
    actor: Any,
    application: Application,
    title: str,
    summary: str = "",
    presented_on: dt.date | None = None,
) -> Capstone:
    """A participant's capstone project, created or replaced.

    Side effects: the Capstone written; audit `programs.capstone.created`, or
    `programs.capstone.updated` with the changes.
    """
    _require_staff(actor)
    _require_participant(application, application.cycle, field="application")
    title = _text(title, field="title", max_length=300, required=True)
    summary = _text(summary, field="summary", max_length=MAX_SUMMARY)
    presented_on = _optional_date(presented_on, field="presented_on")
    capstone = Capstone.objects.select_for_update().filter(application=application).first()
    if capstone is None:
        capstone = Capstone.objects.create(
            application=application, title=title, summary=summary, presented_on=presented_on
        )
        record(
            "programs.capstone.created",
            actor=actor,
            obj=capstone,
            data=snapshot(capstone, CAPSTONE_FIELDS),
        )
        return capstone
    before = snapshot(capstone, CAPSTONE_FIELDS)
    capstone.title, capstone.summary, capstone.presented_on = title, summary, presented_on
    changes = diff(before, snapshot(capstone, CAPSTONE_FIELDS))
    if changes:
        capstone.save()
        record("programs.capstone.updated", actor=actor, obj=capstone, changes=changes)
    return capstone

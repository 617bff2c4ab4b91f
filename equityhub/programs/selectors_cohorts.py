"""Reads of a cycle's cohort: its participants, sessions and attendance, leaders and mentors,
stipends and capstones. Office staff only (`access.is_program_staff`): anyone else gets 403 on
the cohort pages and API; an id that does not exist (or is outside 1..2^63-1) is 404.

A cycle's participants are its applications with status enrolled, plus those accepted while
the cycle has not started running (an accepted applicant who has not enrolled by then is not
part of the cohort).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from equityhub.people.selectors import valid_id
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

A = Application.Status
C = Cycle.Status
STARTED = frozenset({C.RUNNING, C.COMPLETED})


def require_staff(user: Any) -> None:
    """The cohort section is the office's: 403 for anyone else."""
    if not is_program_staff(user):
        raise PermissionDenied


def participant_statuses(cycle: Cycle) -> tuple[str, ...]:
    if cycle.status in STARTED:
        return (A.ENROLLED,)
    return (A.ENROLLED, A.ACCEPTED)


def participants_q(cycle: Cycle) -> Q:
    return Q(cycle=cycle, status__in=participant_statuses(cycle))


def participants_of(cycle: Cycle) -> QuerySet[Application]:
    """The cohort, by family name then given name, each with their person."""
    return (
        Application.objects.filter(participants_q(cycle))
        .select_related("applicant", "cycle__program")
        .order_by("applicant__family_name", "applicant__given_name", "pk")
    )


def is_participant(application: Application) -> bool:
    return application.status in participant_statuses(application.cycle)


def _staff_cycle(user: Any, cycle_id: Any) -> Cycle:
    require_staff(user)
    pk = valid_id(cycle_id)
    cycle = Cycle.objects.select_related("program").filter(pk=pk).first()
    if cycle is None:
        raise Http404
    return cycle


def get_cohort_cycle_for_user(user: Any, cycle_id: Any) -> Cycle:
    """The cycle whose cohort the user manages: 403 for anyone but staff, 404 if unknown."""
    return _staff_cycle(user, cycle_id)


def get_session_for_user(user: Any, session_id: Any) -> CohortSession:
    require_staff(user)
    pk = valid_id(session_id)
    session = CohortSession.objects.select_related("cycle__program").filter(pk=pk).first()
    if session is None:
        raise Http404
    return session


def get_participant_for_user(user: Any, cycle: Cycle, application_id: Any) -> Application:
    """One participant of `cycle` by application id: 404 for any other application."""
    require_staff(user)
    pk = valid_id(application_id)
    application = participants_of(cycle).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def get_leader_for_user(user: Any, leader_id: Any) -> CohortLeader:
    require_staff(user)
    pk = valid_id(leader_id)
    leader = CohortLeader.objects.select_related("cycle__program", "person").filter(pk=pk).first()
    if leader is None:
        raise Http404
    return leader


def get_stipend_for_user(user: Any, stipend_id: Any) -> Stipend:
    require_staff(user)
    pk = valid_id(stipend_id)
    stipend = (
        Stipend.objects.select_related("application__applicant", "application__cycle__program")
        .filter(pk=pk)
        .first()
    )
    if stipend is None:
        raise Http404
    return stipend


def sessions_of(cycle: Cycle) -> QuerySet[CohortSession]:
    return CohortSession.objects.filter(cycle=cycle).order_by("starts_at", "pk")


def stipends_of(cycle: Cycle) -> QuerySet[Stipend]:
    return (
        Stipend.objects.filter(application__cycle=cycle)
        .select_related("application__applicant")
        .order_by("due_on", "application__applicant__family_name", "pk")
    )


def leaders_of(cycle: Cycle) -> QuerySet[CohortLeader]:
    return (
        CohortLeader.objects.filter(cycle=cycle)
        .select_related("person")
        .prefetch_related(
            Prefetch(
                "mentees",
                queryset=Application.objects.select_related("applicant").order_by(
                    "applicant__family_name", "applicant__given_name", "pk"
                ),
            )
        )
        .order_by("role", "person__family_name", "person__given_name", "pk")
    )


# -- the cohort page -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AttendanceCell:
    session: CohortSession
    application: Application
    status: str  # "" when nothing is recorded

    @property
    def next_status(self) -> str:
        """What the cell's toggle sets next: nothing -> present -> absent -> excused -> nothing."""
        return NEXT_STATUS[self.status]


NEXT_STATUS: dict[str, str] = {
    "": SessionAttendance.Status.PRESENT,
    SessionAttendance.Status.PRESENT: SessionAttendance.Status.ABSENT,
    SessionAttendance.Status.ABSENT: SessionAttendance.Status.EXCUSED,
    SessionAttendance.Status.EXCUSED: "",
}


@dataclasses.dataclass(frozen=True)
class ParticipantRow:
    application: Application
    cells: list[AttendanceCell]
    present: int
    capstone: Capstone | None
    mentors: list[CohortLeader]


@dataclasses.dataclass(frozen=True)
class StipendTotals:
    planned: Decimal
    paid: Decimal
    cancelled: Decimal


@dataclasses.dataclass(frozen=True)
class Cohort:
    cycle: Cycle
    participants: list[Application]
    sessions: list[CohortSession]
    rows: list[ParticipantRow]
    leaders: list[CohortLeader]
    stipends: list[Stipend]
    stipend_totals: StipendTotals


def attendance_of(cycle: Cycle) -> dict[tuple[int, int], str]:
    """(session id, application id) -> status, for every mark of the cycle (one query)."""
    return {
        (session_id, application_id): status
        for session_id, application_id, status in SessionAttendance.objects.filter(
            session__cycle=cycle
        ).values_list("session_id", "application_id", "status")
    }


def attendance_cell(session: CohortSession, application: Application) -> AttendanceCell:
    found = (
        SessionAttendance.objects.filter(session=session, application=application)
        .values_list("status", flat=True)
        .first()
    )
    return AttendanceCell(session=session, application=application, status=found or "")


def cohort_of(cycle: Cycle) -> Cohort:
    """Everything on the cohort page, in a fixed number of queries whatever its size."""
    participants = list(participants_of(cycle))
    sessions = list(sessions_of(cycle))
    marks = attendance_of(cycle)
    leaders = list(leaders_of(cycle))
    capstones = {c.application_id: c for c in Capstone.objects.filter(application__cycle=cycle)}
    mentors: dict[int, list[CohortLeader]] = defaultdict(list)
    for leader in leaders:
        for mentee in leader.mentees.all():
            mentors[mentee.pk].append(leader)
    rows = []
    for application in participants:
        cells = [
            AttendanceCell(
                session=session,
                application=application,
                status=marks.get((session.pk, application.pk), ""),
            )
            for session in sessions
        ]
        rows.append(
            ParticipantRow(
                application=application,
                cells=cells,
                present=sum(cell.status == SessionAttendance.Status.PRESENT for cell in cells),
                capstone=capstones.get(application.pk),
                mentors=mentors.get(application.pk, []),
            )
        )
    stipends = list(stipends_of(cycle))
    sums = {status: Decimal("0.00") for status in Stipend.Status.values}
    for stipend in stipends:
        sums[stipend.status] += stipend.amount
    return Cohort(
        cycle=cycle,
        participants=participants,
        sessions=sessions,
        rows=rows,
        leaders=leaders,
        stipends=stipends,
        stipend_totals=StipendTotals(
            planned=sums[Stipend.Status.PLANNED],
            paid=sums[Stipend.Status.PAID],
            cancelled=sums[Stipend.Status.CANCELLED],
        ),
    )

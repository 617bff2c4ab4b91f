"""/api/v1: pathway programs, cohorts and outcomes.

- `GET /programs/{program_id}/funnel` and `GET /programs/{program_id}/survival`: office staff
  and leadership viewers (403 for anyone else). Exactly the numbers of the outcomes page:
  small cells suppressed (a suppressed count is `null` with `"suppressed": true`, and so is any
  percentage computed from it).
- Milestones (`/milestones`), cohort sessions and attendance (`/cycles/{cycle_id}/sessions`,
  `/sessions/{session_id}/attendance`), stipends (`/cycles/{cycle_id}/stipends`,
  `/stipends/{stipend_id}`) and the milestone import (`POST /milestones/import`): office staff
  only (403 for anyone else).

Refusals: 403 (`NotAllowed`), 404 (unknown id, or an id outside 1..2^63-1), 409 (`Conflict`),
422 (invalid input; an import's 422 lists every row error in `errors`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import ConfigDict

from equityhub.api.types import Id, PlainText
from equityhub.core.exceptions import ServiceError
from equityhub.core.http import ApiRequest
from equityhub.people.api import ErrorOut
from equityhub.programs import imports_outcomes, services_cohorts, services_outcomes
from equityhub.programs import selectors_cohorts as cohort_selectors
from equityhub.programs import selectors_outcomes as outcome_selectors
from equityhub.programs.access import is_program_staff
from equityhub.programs.models import (
    Application,
    CohortSession,
    Cycle,
    Milestone,
    SessionAttendance,
    Stipend,
)

router = Router(tags=["programs"])

ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}


# Schemas: outcomes ---------------------------------------------------------------------------


class CountOut(Schema):
    count: int | None = Field(description="null when suppressed.")
    suppressed: bool = Field(description="A count from 1 to 10, or one that would reveal one.")
    percent: float | None = Field(
        None,
        description=(
            "Funnel: accepted, enrolled, completed as a percentage of the stage before, "
            "milestones of the participants; comparison: of the group. null when hidden or "
            "undefined."
        ),
    )


class CohortCountOut(CountOut):
    cycle_id: int
    year: int


class YearCountOut(CountOut):
    year: int


class CohortOut(Schema):
    cycle_id: int
    year: int
    title: str
    status: Cycle.Status
    program_ends_on: dt.date = Field(
        description="The cycle's end date, else 31 December of its year (survival counts from it)."
    )


class StageOut(Schema):
    stage: str = Field(
        description="applied, accepted, enrolled, completed, then each milestone kind in order."
    )
    label: str
    is_milestone: bool
    total: CountOut = Field(description="All selected cohorts.")
    by_cohort: list[CohortCountOut]


class GroupOut(Schema):
    id: int
    name: str
    cohort_year: int


class ComparisonMilestoneOut(Schema):
    kind: Milestone.Kind
    label: str
    participants: CountOut
    comparison: CountOut
    by_year: list[YearCountOut]


class ComparisonOut(Schema):
    years: list[int]
    groups: list[GroupOut]
    participants: CountOut = Field(description="Participants of the selected cohorts.")
    size: CountOut = Field(description="People in the comparison groups of those years.")
    size_by_year: list[YearCountOut]
    milestones: list[ComparisonMilestoneOut]


class FunnelOut(Schema):
    program_id: int
    threshold: int = Field(description="Counts below it (and above 0) are suppressed.")
    cohorts: list[CohortOut]
    stages: list[StageOut]
    comparison: ComparisonOut | None = Field(
        description="null when the program has no comparison group for these cohorts."
    )


class PointOut(Schema):
    years_after: int
    elapsed: bool = Field(description="false: that many years have not passed yet (no count).")
    count: int | None
    suppressed: bool
    share: float | None = Field(description="Percentage of the cohort; null when hidden.")


class LineOut(Schema):
    cohort_year: int
    comparison: bool = Field(description="true for the comparison group of that cohort year.")
    size: CountOut
    points: list[PointOut]


class MilestoneSurvivalOut(Schema):
    kind: Milestone.Kind
    label: str
    cohorts: list[LineOut]
    comparison: list[LineOut]


class SurvivalOut(Schema):
    program_id: int
    threshold: int
    years_after: list[int]
    milestones: list[MilestoneSurvivalOut]


class OutcomeQuery(Schema):
    cycle_id: Id | None = Field(None, description="One cohort (a cycle of the program).")
    start_year: int | None = Field(None, ge=1900, le=2100, description="Cohorts from this year.")
    end_year: int | None = Field(None, ge=1900, le=2100, description="Cohorts up to this year.")


class SurvivalQuery(OutcomeQuery):
    milestone: Milestone.Kind | None = Field(None, description="Only this milestone.")


# Schemas: milestones, sessions, stipends -----------------------------------------------------


class MilestoneOut(Schema):
    id: int
    person_id: int
    kind: Milestone.Kind
    achieved_on: dt.date
    source: Milestone.Source
    confidence: Milestone.Confidence
    detail: str
    recorded_at: dt.datetime


class MilestoneQuery(Schema):
    person_id: Id = Field(
        description="A person the office follows (an applicant or a comparison group member)."
    )


class MilestoneIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person_id: Id
    kind: Milestone.Kind
    achieved_on: dt.date = Field(description="Not in the future.")
    source: Literal["staff", "institution", "survey"] = Field(
        "staff", description="clearinghouse and aamc come from POST /milestones/import."
    )
    confidence: Milestone.Confidence = Milestone.Confidence.MEDIUM
    detail: PlainText = Field("", max_length=300)


class MilestonePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Milestone.Kind | None = None
    achieved_on: dt.date | None = None
    confidence: Milestone.Confidence | None = None
    detail: PlainText | None = Field(None, max_length=300)


class ImportOut(Schema):
    format: Literal["clearinghouse", "aamc"]
    dry_run: bool
    rows: int
    people: int
    created: int
    updated: int
    unchanged: int
    by_kind: dict[str, int] = Field(description="Milestones the file gives, by kind.")


class AttendanceMarkOut(Schema):
    application_id: int
    status: SessionAttendance.Status


class SessionOut(Schema):
    id: int
    cycle_id: int
    title: str
    starts_at: dt.datetime
    location: str
    attendance: list[AttendanceMarkOut]


class SessionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: PlainText = Field(min_length=1, max_length=200)
    starts_at: dt.datetime = Field(
        description="Without a UTC offset, read in the office's time zone."
    )
    location: PlainText = Field("", max_length=200)


class AttendanceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    application_id: Id = Field(description="A participant of the session's cohort.")
    status: Literal["present", "excused", "absent", ""] = Field(description='"" clears the mark.')


class AttendanceOut(Schema):
    session_id: int
    application_id: int
    status: Literal["present", "excused", "absent", ""]


class StipendOut(Schema):
    id: int
    application_id: int
    person_id: int
    amount: str = Field(description='USD, two decimals, as a string (e.g. "1500.00").')
    due_on: dt.date
    status: Stipend.Status
    note: str


class StipendIn(Schema):
    model_config = ConfigDict(extra="forbid")

    application_id: Id = Field(description="A participant of the cohort.")
    amount: Decimal = Field(
        description="USD: more than 0, at most 2 decimals, below 100,000. Never bank details."
    )
    due_on: dt.date
    status: Stipend.Status = Stipend.Status.PLANNED
    note: PlainText = Field("", max_length=300)


class StipendPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    status: Stipend.Status | None = Field(
        None, description="planned <-> paid, planned <-> cancelled (never paid -> cancelled)."
    )
    amount: Decimal | None = Field(None, description="Only while planned.")
    due_on: dt.date | None = Field(None, description="Only while planned.")
    note: PlainText | None = Field(None, max_length=300)


# Helpers -------------------------------------------------------------------------------------


def _count(cell: outcome_selectors.Cell) -> dict[str, Any]:
    return {
        "count": cell.count,
        "suppressed": cell.suppressed,
        "percent": None if cell.percent is None else float(cell.percent),
    }


def _outcomes(request: ApiRequest, program_id: int, query: OutcomeQuery) -> Any:
    program = outcome_selectors.get_program_for_outcomes(request.auth, program_id)
    if (
        query.start_year is not None
        and query.end_year is not None
        and query.start_year > query.end_year
    ):
        raise ServiceError(_("The last year cannot be before the first."), field="end_year")
    filters = outcome_selectors.OutcomeFilters(
        cycle_id=query.cycle_id, start_year=query.start_year, end_year=query.end_year
    )
    return outcome_selectors.build_outcomes(program, filters)


def _comparison_out(comparison: outcome_selectors.Comparison) -> dict[str, Any]:
    return {
        "years": comparison.years,
        "groups": [
            {"id": g.pk, "name": g.name, "cohort_year": g.cohort_year} for g in comparison.groups
        ],
        "participants": _count(comparison.participants),
        "size": _count(comparison.size),
        "size_by_year": [
            {"year": year, **_count(cell)}
            for year, cell in zip(comparison.years, comparison.size_by_year, strict=True)
        ],
        "milestones": [
            {
                "kind": row.kind,
                "label": row.label,
                "participants": _count(row.participants),
                "comparison": _count(row.comparison),
                "by_year": [
                    {"year": year, **_count(cell)}
                    for year, cell in zip(comparison.years, row.by_year, strict=True)
                ],
            }
            for row in comparison.rows
        ],
    }


def _line_out(line: outcome_selectors.SurvivalLine) -> dict[str, Any]:
    return {
        "cohort_year": line.year,
        "comparison": line.is_comparison,
        "size": _count(line.size),
        "points": [
            {
                "years_after": p.years_after,
                "elapsed": p.elapsed,
                "count": p.count,
                "suppressed": p.suppressed,
                "share": None if p.share is None else float(p.share),
            }
            for p in line.points
        ],
    }


def _milestone_out(milestone: Milestone) -> dict[str, Any]:
    return {
        "id": milestone.pk,
        "person_id": milestone.person_id,
        "kind": milestone.kind,
        "achieved_on": milestone.achieved_on,
        "source": milestone.source,
        "confidence": milestone.confidence,
        "detail": milestone.detail,
        "recorded_at": milestone.recorded_at,
    }


def _session_out(session: CohortSession, marks: dict[tuple[int, int], str]) -> dict[str, Any]:
    return {
        "id": session.pk,
        "cycle_id": session.cycle_id,
        "title": session.title,
        "starts_at": timezone.localtime(session.starts_at),
        "location": session.location,
        "attendance": [
            {"application_id": application_id, "status": status}
            for (session_id, application_id), status in sorted(marks.items())
            if session_id == session.pk
        ],
    }


def _stipend_out(stipend: Stipend) -> dict[str, Any]:
    return {
        "id": stipend.pk,
        "application_id": stipend.application_id,
        "person_id": stipend.application.applicant_id,
        "amount": f"{stipend.amount:.2f}",
        "due_on": stipend.due_on,
        "status": stipend.status,
        "note": stipend.note,
    }


def _participant(user: Any, cycle: Cycle, application_id: int) -> Application:
    try:
        return cohort_selectors.get_participant_for_user(user, cycle, application_id)
    except Http404:
        raise ServiceError(
            _("This application is not a participant of this cohort."), field="application_id"
        ) from None


def _aware(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value


# Funnel and survival -------------------------------------------------------------------------


@router.get(
    "/programs/{program_id}/funnel",
    response={200: FunnelOut, **ERRORS},
    summary="A program's funnel, with its comparison group",
    description=(
        "Per cohort (cycle) and for all selected cohorts together: applied, accepted, enrolled, "
        "completed, then each milestone reached by the participants (any source). Office staff "
        "and leadership viewers; small counts suppressed (`null`, `suppressed: true`)."
    ),
)
def program_funnel(request: ApiRequest, program_id: int, query: Query[OutcomeQuery]) -> Any:
    outcomes = _outcomes(request, program_id, query)
    funnel = outcomes.funnel
    return {
        "program_id": outcomes.program.pk,
        "threshold": outcomes.threshold,
        "cohorts": [
            {
                "cycle_id": c.cycle_id,
                "year": c.year,
                "title": c.title,
                "status": c.status,
                "program_ends_on": c.ends_on,
            }
            for c in funnel.cohorts
        ],
        "stages": [
            {
                "stage": row.stage,
                "label": row.label,
                "is_milestone": row.is_milestone,
                "total": _count(row.total),
                "by_cohort": [
                    {"cycle_id": c.cycle_id, "year": c.year, **_count(cell)}
                    for c, cell in zip(funnel.cohorts, row.cells, strict=True)
                ],
            }
            for row in funnel.rows
        ],
        "comparison": None if outcomes.comparison is None else _comparison_out(outcomes.comparison),
    }


@router.get(
    "/programs/{program_id}/survival",
    response={200: SurvivalOut, **ERRORS},
    summary="A program's cohort survival",
    description=(
        "For each milestone and cohort (and comparison group by cohort year): how many had "
        "reached it by 1..10 years after the program, and their share of the cohort. Office "
        "staff and leadership viewers; small counts suppressed."
    ),
)
def program_survival(request: ApiRequest, program_id: int, query: Query[SurvivalQuery]) -> Any:
    outcomes = _outcomes(request, program_id, query)
    survivals = [
        s for s in outcomes.survival if query.milestone is None or s.kind == query.milestone
    ]
    return {
        "program_id": outcomes.program.pk,
        "threshold": outcomes.threshold,
        "years_after": list(outcome_selectors.YEARS_AFTER),
        "milestones": [
            {
                "kind": s.kind,
                "label": s.label,
                "cohorts": [_line_out(line) for line in s.participants],
                "comparison": [_line_out(line) for line in s.comparison],
            }
            for s in survivals
        ],
    }


# Milestones ----------------------------------------------------------------------------------


@router.post(
    "/milestones/import",
    response={200: ImportOut, **WRITE_ERRORS},
    summary="Import milestones from a Clearinghouse- or AAMC-style CSV",
    description=(
        "Multipart: `file` (CSV, UTF-8 with or without BOM), `format` (clearinghouse or aamc), "
        "`dry_run` (true: check and count, write nothing). All or nothing: a 422 with code "
        "`import_failed` lists every problem in `errors` ({row, column, reason}; rows counted "
        "from 1 under the header) and nothing is written. Office staff only."
    ),
)
def import_milestones(
    request: ApiRequest,
    file: File[UploadedFile],
    format: Form[Literal["clearinghouse", "aamc"]],
    dry_run: Form[bool] = False,
) -> Any:
    if not is_program_staff(request.auth):
        raise PermissionDenied
    if (file.size or 0) > settings.IMPORT_MAX_BYTES:
        raise ServiceError(_("The file is too large; split it into smaller files."), field="file")
    result = imports_outcomes.import_milestones(
        actor=request.auth, format=format, file=file.read(), dry_run=dry_run
    )
    return {
        "format": result.format,
        "dry_run": result.dry_run,
        **result.as_counts(),
        "by_kind": result.by_kind,
    }


@router.get(
    "/milestones",
    response={200: list[MilestoneOut], **ERRORS},
    summary="A person's milestones",
    description=(
        "By date. Office staff only; 404 for a person who is not an applicant or comparison "
        "group member."
    ),
)
def list_milestones(request: ApiRequest, query: Query[MilestoneQuery]) -> Any:
    person = outcome_selectors.get_followed_person_for_user(request.auth, query.person_id)
    return [_milestone_out(m) for m in outcome_selectors.milestones_of(person)]


@router.post(
    "/milestones",
    response={200: MilestoneOut, 201: MilestoneOut, **WRITE_ERRORS},
    summary="Record a milestone",
    description=(
        "201 when recorded, 200 when the person already had this kind from this source (it is "
        "updated). Office staff only; 404 for a person the office does not follow."
    ),
)
def create_milestone(request: ApiRequest, payload: MilestoneIn) -> Any:
    person = outcome_selectors.get_followed_person_for_user(request.auth, payload.person_id)
    milestone, created = services_outcomes.record_milestone(
        actor=request.auth,
        person=person,
        kind=payload.kind,
        achieved_on=payload.achieved_on,
        source=payload.source,
        confidence=payload.confidence,
        detail=payload.detail,
    )
    return Status(201 if created else 200, _milestone_out(milestone))


@router.patch(
    "/milestones/{milestone_id}",
    response={200: MilestoneOut, **WRITE_ERRORS},
    summary="Correct a milestone",
    description="Only the fields sent change. 409 when the new kind exists from the same source.",
)
def update_milestone(request: ApiRequest, milestone_id: int, payload: MilestonePatch) -> Any:
    milestone = outcome_selectors.get_milestone_for_user(request.auth, milestone_id)
    changes = payload.dict(exclude_unset=True)
    for field in ("kind", "achieved_on", "confidence"):
        if field in changes and changes[field] is None:
            raise ServiceError(_("This field cannot be empty."), field=field)
    services_outcomes.update_milestone(actor=request.auth, milestone=milestone, **changes)
    return _milestone_out(milestone)


@router.delete(
    "/milestones/{milestone_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a milestone",
    description="Office staff only.",
)
def delete_milestone(request: ApiRequest, milestone_id: int) -> Any:
    milestone = outcome_selectors.get_milestone_for_user(request.auth, milestone_id)
    services_outcomes.delete_milestone(actor=request.auth, milestone=milestone)
    return Status(204, None)


# Sessions and attendance ---------------------------------------------------------------------


@router.get(
    "/cycles/{cycle_id}/sessions",
    response={200: list[SessionOut], **ERRORS},
    summary="A cohort's sessions with their attendance",
    description="By start. Office staff only.",
)
def list_sessions(request: ApiRequest, cycle_id: int) -> Any:
    cycle = cohort_selectors.get_cohort_cycle_for_user(request.auth, cycle_id)
    marks = cohort_selectors.attendance_of(cycle)
    return [_session_out(s, marks) for s in cohort_selectors.sessions_of(cycle)]


@router.post(
    "/cycles/{cycle_id}/sessions",
    response={201: SessionOut, **WRITE_ERRORS},
    summary="Add a session to a cohort",
    description="Office staff only.",
)
def create_session(request: ApiRequest, cycle_id: int, payload: SessionIn) -> Any:
    cycle = cohort_selectors.get_cohort_cycle_for_user(request.auth, cycle_id)
    session = services_cohorts.add_session(
        actor=request.auth,
        cycle=cycle,
        title=payload.title,
        starts_at=_aware(payload.starts_at),
        location=payload.location,
    )
    return Status(201, _session_out(session, {}))


@router.post(
    "/sessions/{session_id}/attendance",
    response={200: AttendanceOut, **WRITE_ERRORS},
    summary="Mark a participant's attendance at a session",
    description=(
        'present, excused or absent; "" clears the mark. 422 for an application that is not '
        "a participant of the session's cohort. Office staff only."
    ),
)
def set_attendance(request: ApiRequest, session_id: int, payload: AttendanceIn) -> Any:
    session = cohort_selectors.get_session_for_user(request.auth, session_id)
    application = _participant(request.auth, session.cycle, payload.application_id)
    mark = services_cohorts.set_attendance(
        actor=request.auth, session=session, application=application, status=payload.status
    )
    return {
        "session_id": session.pk,
        "application_id": application.pk,
        "status": mark.status if mark else "",
    }


# Stipends ------------------------------------------------------------------------------------


@router.get(
    "/cycles/{cycle_id}/stipends",
    response={200: list[StipendOut], **ERRORS},
    summary="A cohort's stipends",
    description="Amounts, dates and status (never bank details), by date. Office staff only.",
)
def list_stipends(request: ApiRequest, cycle_id: int) -> Any:
    cycle = cohort_selectors.get_cohort_cycle_for_user(request.auth, cycle_id)
    return [_stipend_out(s) for s in cohort_selectors.stipends_of(cycle)]


@router.post(
    "/cycles/{cycle_id}/stipends",
    response={201: StipendOut, **WRITE_ERRORS},
    summary="Record a stipend",
    description="For a participant of the cohort (422 otherwise). Office staff only.",
)
def create_stipend(request: ApiRequest, cycle_id: int, payload: StipendIn) -> Any:
    cycle = cohort_selectors.get_cohort_cycle_for_user(request.auth, cycle_id)
    application = _participant(request.auth, cycle, payload.application_id)
    stipend = services_cohorts.add_stipend(
        actor=request.auth,
        application=application,
        amount=payload.amount,
        due_on=payload.due_on,
        status=payload.status,
        note=payload.note,
    )
    return Status(201, _stipend_out(stipend))


@router.patch(
    "/stipends/{stipend_id}",
    response={200: StipendOut, **WRITE_ERRORS},
    summary="Change a stipend",
    description=(
        "Only the fields sent change. 409 for cancelling a paid stipend, or changing the "
        "amount or date of one that is not planned. Office staff only."
    ),
)
def update_stipend(request: ApiRequest, stipend_id: int, payload: StipendPatch) -> Any:
    stipend = cohort_selectors.get_stipend_for_user(request.auth, stipend_id)
    changes = payload.dict(exclude_unset=True)
    for field in ("status", "amount", "due_on"):
        if field in changes and changes[field] is None:
            raise ServiceError(_("This field cannot be empty."), field=field)
    services_cohorts.update_stipend(actor=request.auth, stipend=stipend, **changes)
    return _stipend_out(stipend)

"""/api/v1: pathway programs, cycles, application forms and applications.

The same permissions as the pages. Office staff run programs, cycles and forms and read every
application. Any signed-in user reads the programs and cycles taking applications now (and
those they applied to) with their questions; an applicant starts, fills in, submits and
withdraws their own application, asks for guardian consent and letters of recommendation.
Another applicant's application answers 404 exactly like one that does not exist; reviewers
read applications through the review endpoints (`/reviews`). Refusals: 403 (`NotAllowed`, or a
staff-only endpoint), 409 (`Conflict`), 422 (invalid input; a submission that is not possible yet
lists every `problems` entry, the missing guardian consent of a minor included); ids outside
1..2^63-1 are 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from equityhub.api.types import MAX_LIMIT, MAX_OFFSET, PAGE_SIZE, Id, PlainText
from equityhub.core.exceptions import ServiceError
from equityhub.core.http import ApiRequest
from equityhub.people.api import ErrorOut
from equityhub.people.models import Consent, Organization
from equityhub.places.models import Area
from equityhub.programs import selectors_applications as selectors
from equityhub.programs import services_applications as services
from equityhub.programs import services_consent
from equityhub.programs.access import is_program_staff
from equityhub.programs.models import (
    Application,
    Cycle,
    FormField,
    GuardianConsentRequest,
    Program,
    RecommendationRequest,
)

router = Router(tags=["programs"])

ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}


# Schemas: answers ----------------------------------------------------------------------------


class ProgramOut(Schema):
    id: int
    name: str
    stage: Program.Stage
    sponsor_id: int
    sponsor_name: str
    description: str
    description_es: str
    eligibility: str
    eligibility_es: str
    min_grade: int | None
    max_grade: int | None
    min_age: int | None = Field(description="On the program's first day.")
    max_age: int | None
    residence_area_ids: list[int] = Field(description="Empty: applicants from anywhere.")
    blind_review: bool
    needs_director_approval: bool
    is_active: bool


class ProgramsPage(Schema):
    count: int
    items: list[ProgramOut]


class CycleOut(Schema):
    id: int
    program_id: int
    year: int
    title: str
    status: Cycle.Status
    accepting: bool = Field(description="Taking applications now (status open, within dates).")
    opens_at: dt.datetime
    closes_at: dt.datetime
    starts_on: dt.date | None
    ends_on: dt.date | None
    seats: int
    seats_taken: int | None = Field(description="Staff only (null for anyone else).")
    reviews_per_application: int


class ChoiceOut(Schema):
    value: str
    label: str
    label_es: str


class FieldOut(Schema):
    id: int
    cycle_id: int
    key: str
    kind: FormField.Kind
    label: str
    label_es: str
    help_text: str
    help_text_es: str
    choices: list[ChoiceOut]
    required: bool
    identifying: bool
    max_length: int
    position: int


class ProblemOut(Schema):
    code: str = Field(
        description=(
            "closed, status, unanswered, recommendation, date_of_birth, age, grade, home_zip, "
            "residence or guardian_consent."
        )
    )
    detail: str
    field: str | None = Field(description="The question's key, when it is about one.")


class FileOut(Schema):
    key: str
    file_name: str = Field(description="The uploaded name, for display only.")
    download_url: str


class RecommendationOut(Schema):
    id: int
    field_key: str
    recommender_name: str
    relationship: str
    state: str = Field(description="requested, received or expired. Never the letter.")
    sent_at: dt.datetime
    expires_at: dt.datetime
    received_at: dt.datetime | None


class GuardianOut(Schema):
    needed: bool = Field(description="The applicant is under 18 today.")
    consented: bool = Field(description="A current guardian consent is linked.")
    state: str = Field(
        description="none, pending, expired, declined, consented, withdrawn or closed."
    )


class ApplicationOut(Schema):
    id: int
    cycle_id: int
    program_id: int
    applicant_id: int
    applicant_name: str
    status: Application.Status
    language: str
    submitted_at: dt.datetime | None = Field(
        description="null for a draft, and for a draft that was withdrawn."
    )
    withdrawn_at: dt.datetime | None
    waitlist_position: int | None
    answers: dict[str, str | list[str]] = Field(
        description=(
            "{question key: answer}: text for text questions, the chosen value for a choice, "
            "a list of values for several choices, the file's name for a file question."
        )
    )
    files: list[FileOut]
    recommendations: list[RecommendationOut]
    guardian_consent: GuardianOut
    problems: list[ProblemOut] = Field(
        description="For a draft: what stands before its submission (empty: it can be submitted)."
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class ApplicationSummaryOut(Schema):
    id: int
    cycle_id: int
    program_id: int
    applicant_id: int
    applicant_name: str
    status: Application.Status
    language: str
    submitted_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    waitlist_position: int | None
    url: str = Field(description="GET it for the answers, files, letters and problems.")


class ApplicationsPage(Schema):
    count: int
    items: list[ApplicationSummaryOut]


class NotSubmittableOut(ErrorOut):
    problems: list[ProblemOut] = Field(
        description="Every reason the application cannot be submitted yet."
    )


class GuardianRequestOut(Schema):
    id: int
    application_id: int
    guardian_name: str
    guardian_email: str
    relationship: Consent.Relationship
    language: str
    sent_at: dt.datetime
    expires_at: dt.datetime


# Schemas: input ------------------------------------------------------------------------------


class PageQuery(Schema):
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ProgramIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: PlainText = Field(min_length=1, max_length=200)
    stage: Program.Stage
    sponsor_id: Id
    description: PlainText = Field("", max_length=10000)
    description_es: PlainText = Field("", max_length=10000)
    eligibility: PlainText = Field("", max_length=10000)
    eligibility_es: PlainText = Field("", max_length=10000)
    min_grade: int | None = Field(None, ge=1, le=12)
    max_grade: int | None = Field(None, ge=1, le=12)
    min_age: int | None = Field(None, ge=5, le=99)
    max_age: int | None = Field(None, ge=5, le=99)
    residence_area_ids: list[Id] = Field(default_factory=list, max_length=500)
    blind_review: bool = False
    needs_director_approval: bool = False
    is_active: bool = True


class ProgramPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: PlainText | None = Field(None, min_length=1, max_length=200)
    stage: Program.Stage | None = None
    sponsor_id: Id | None = None
    description: PlainText | None = Field(None, max_length=10000)
    description_es: PlainText | None = Field(None, max_length=10000)
    eligibility: PlainText | None = Field(None, max_length=10000)
    eligibility_es: PlainText | None = Field(None, max_length=10000)
    min_grade: int | None = Field(None, ge=1, le=12)
    max_grade: int | None = Field(None, ge=1, le=12)
    min_age: int | None = Field(None, ge=5, le=99)
    max_age: int | None = Field(None, ge=5, le=99)
    residence_area_ids: list[Id] | None = Field(None, max_length=500)
    blind_review: bool | None = None
    needs_director_approval: bool | None = None
    is_active: bool | None = None


class CycleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    title: PlainText = Field(min_length=1, max_length=200)
    opens_at: dt.datetime = Field(description="Without an offset: the office's time zone.")
    closes_at: dt.datetime = Field(description="After opens_at.")
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    seats: int = Field(ge=1, le=100000)
    reviews_per_application: int = Field(3, ge=1, le=10)


class CyclePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    year: int | None = Field(None, ge=2000, le=2100)
    title: PlainText | None = Field(None, min_length=1, max_length=200)
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    seats: int | None = Field(None, ge=1, le=100000)
    reviews_per_application: int | None = Field(None, ge=1, le=10)
    status: Cycle.Status | None = Field(
        None,
        description=(
            "One step along draft -> open -> review -> decided -> running -> completed (or open "
            "-> draft while nobody applied); applied after the other changes. Opening needs a "
            "question and a closing time ahead."
        ),
    )


class ChoiceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    value: PlainText = Field(min_length=1, max_length=60)
    label: PlainText = Field(min_length=1, max_length=200)
    label_es: PlainText = Field("", max_length=200)


class FieldIn(Schema):
    model_config = ConfigDict(extra="forbid")

    key: PlainText = Field(min_length=1, max_length=60)
    kind: FormField.Kind
    label: PlainText = Field(min_length=1, max_length=300)
    label_es: PlainText = Field("", max_length=300)
    help_text: PlainText = Field("", max_length=500)
    help_text_es: PlainText = Field("", max_length=500)
    choices: list[ChoiceIn] = Field(default_factory=list, max_length=50)
    required: bool = True
    identifying: bool = False
    max_length: int = Field(5000, ge=1, le=20000)


class FieldPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    key: PlainText | None = Field(None, min_length=1, max_length=60)
    kind: FormField.Kind | None = None
    label: PlainText | None = Field(None, min_length=1, max_length=300)
    label_es: PlainText | None = Field(None, max_length=300)
    help_text: PlainText | None = Field(None, max_length=500)
    help_text_es: PlainText | None = Field(None, max_length=500)
    choices: list[ChoiceIn] | None = Field(None, max_length=50)
    required: bool | None = None
    identifying: bool | None = None
    max_length: int | None = Field(None, ge=1, le=20000)
    move: str | None = Field(None, pattern="^(up|down)$", description="Move one place up or down.")


class ApplicationQuery(Schema):
    cycle_id: Id | None = None
    status: Application.Status | None = None
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class StartIn(Schema):
    model_config = ConfigDict(extra="forbid")

    language: str | None = Field(None, pattern="^(en|es)$")


class ApplicationPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, str | list[str] | None] | None = Field(
        None,
        max_length=200,
        description=(
            "{question key: answer} for the draft's text and choice questions; null or empty "
            "clears an answer; questions not named keep theirs."
        ),
    )
    language: str | None = Field(None, pattern="^(en|es)$")


class WithdrawIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: PlainText = Field("", max_length=500)


class GuardianRequestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    guardian_name: PlainText = Field(min_length=1, max_length=200)
    guardian_email: str = Field(max_length=254)
    relationship: Consent.Relationship = Field(description="parent or legal_guardian.")
    language: str = Field("en", pattern="^(en|es)$", description="Of the e-mail and their page.")


class RecommendationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    field_key: PlainText = Field(min_length=1, max_length=60)
    recommender_name: PlainText = Field(min_length=1, max_length=200)
    recommender_email: str = Field(max_length=254)
    relationship: PlainText = Field("", max_length=200)


# Helpers -------------------------------------------------------------------------------------


def _require_staff(user: Any) -> None:
    if not is_program_staff(user):
        raise PermissionDenied


def _page(queryset: QuerySet[Any], query: Any, out: Any) -> dict[str, Any]:
    items = list(queryset[query.offset : query.offset + query.limit])
    return {"count": queryset.count(), "items": [out(item) for item in items]}


def _program_out(program: Program) -> dict[str, Any]:
    return {
        "id": program.pk,
        "name": program.name,
        "stage": program.stage,
        "sponsor_id": program.sponsor_id,
        "sponsor_name": program.sponsor.name,
        "description": program.description,
        "description_es": program.description_es,
        "eligibility": program.eligibility,
        "eligibility_es": program.eligibility_es,
        "min_grade": program.min_grade,
        "max_grade": program.max_grade,
        "min_age": program.min_age,
        "max_age": program.max_age,
        "residence_area_ids": sorted(area.pk for area in program.residence_areas.all()),
        "blind_review": program.blind_review,
        "needs_director_approval": program.needs_director_approval,
        "is_active": program.is_active,
    }


def _cycle_out(cycle: Cycle, *, staff: bool) -> dict[str, Any]:
    return {
        "id": cycle.pk,
        "program_id": cycle.program_id,
        "year": cycle.year,
        "title": cycle.title,
        "status": cycle.status,
        "accepting": services_consent.cycle_is_accepting(cycle),
        "opens_at": cycle.opens_at,
        "closes_at": cycle.closes_at,
        "starts_on": cycle.starts_on,
        "ends_on": cycle.ends_on,
        "seats": cycle.seats,
        "seats_taken": cycle.seats_taken if staff else None,
        "reviews_per_application": cycle.reviews_per_application,
    }


def _field_out(field: FormField) -> dict[str, Any]:
    return {
        "id": field.pk,
        "cycle_id": field.cycle_id,
        "key": field.key,
        "kind": field.kind,
        "label": field.label,
        "label_es": field.label_es,
        "help_text": field.help_text,
        "help_text_es": field.help_text_es,
        "choices": [
            {
                "value": str(c.get("value", "")),
                "label": str(c.get("label", "")),
                "label_es": str(c.get("label_es", "")),
            }
            for c in field.choices or []
        ],
        "required": field.required,
        "identifying": field.identifying,
        "max_length": field.max_length,
        "position": field.position,
    }


def _recommendation_state(recommendation: RecommendationRequest) -> str:
    if recommendation.received_at is not None:
        return "received"
    return "expired" if services_consent.is_expired(recommendation, timezone.now()) else "requested"


def _application_out(application: Application) -> dict[str, Any]:
    sheet = selectors.application_sheet(application, "en")
    answers: dict[str, str | list[str]] = {}
    files: list[dict[str, Any]] = []
    recommendations: list[dict[str, Any]] = []
    for question in sheet:
        answer = question.answer
        if question.kind in (FormField.Kind.TEXT, FormField.Kind.LONG_TEXT) and answer:
            if answer.text:
                answers[question.key] = answer.text
        elif question.kind == FormField.Kind.CHOICE and answer and answer.values:
            answers[question.key] = str(answer.values[0])
        elif question.kind == FormField.Kind.MULTI_CHOICE and answer and answer.values:
            answers[question.key] = [str(v) for v in answer.values]
        elif question.kind == FormField.Kind.FILE and answer and answer.file:
            answers[question.key] = answer.file_name
            files.append(
                {
                    "key": question.key,
                    "file_name": answer.file_name,
                    "download_url": reverse(
                        "programs:answer_file", kwargs={"answer_id": answer.pk}
                    ),
                }
            )
        recommendations.extend(
            {
                "id": r.pk,
                "field_key": question.key,
                "recommender_name": r.recommender_name,
                "relationship": r.relationship,
                "state": _recommendation_state(r),
                "sent_at": r.sent_at,
                "expires_at": r.expires_at,
                "received_at": r.received_at,
            }
            for r in question.recommendations
        )
    guardian = selectors.guardian_status(application)
    problems = (
        [p.as_dict() for p in selectors.submission_problems(application)]
        if application.status == Application.Status.DRAFT
        else []
    )
    return {
        "id": application.pk,
        "cycle_id": application.cycle_id,
        "program_id": application.cycle.program_id,
        "applicant_id": application.applicant_id,
        "applicant_name": application.applicant.display_name,
        "status": application.status,
        "language": application.language,
        "submitted_at": application.submitted_at,
        "withdrawn_at": application.withdrawn_at,
        "waitlist_position": application.waitlist_position,
        "answers": answers,
        "files": files,
        "recommendations": recommendations,
        "guardian_consent": {
            "needed": guardian.needed,
            "consented": guardian.consented,
            "state": guardian.state,
        },
        "problems": problems,
        "created_at": application.created_at,
        "updated_at": application.updated_at,
    }


def _summary_out(application: Application) -> dict[str, Any]:
    """`application` comes with its cycle and applicant (`applications_for_user`)."""
    return {
        "id": application.pk,
        "cycle_id": application.cycle_id,
        "program_id": application.cycle.program_id,
        "applicant_id": application.applicant_id,
        "applicant_name": application.applicant.display_name,
        "status": application.status,
        "language": application.language,
        "submitted_at": application.submitted_at,
        "withdrawn_at": application.withdrawn_at,
        "waitlist_position": application.waitlist_position,
        "url": f"/api/v1/applications/{application.pk}",
    }


def _application_answer(user: Any, application: Application) -> dict[str, Any]:
    return _application_out(selectors.get_application_for_user(user, application.pk))


def _sponsor(pk: int) -> Organization:
    found = Organization.objects.filter(pk=pk).first()
    if found is None:
        raise ServiceError(_("There is no organization %(id)s.") % {"id": pk}, field="sponsor_id")
    return found


def _areas(ids: list[int]) -> list[Area]:
    areas = list(Area.objects.filter(pk__in=set(ids)))
    if len(areas) != len(set(ids)):
        raise ServiceError(
            _("An area in residence_area_ids does not exist."), field="residence_area_ids"
        )
    return areas


def _field_of_cycle(application: Application, key: str) -> FormField:
    found = FormField.objects.filter(cycle_id=application.cycle_id, key=key).first()
    if found is None:
        raise ServiceError(
            _("This form has no question %(key)s.") % {"key": key}, field="field_key"
        )
    return found


# Programs ------------------------------------------------------------------------------------


@router.get(
    "/programs",
    response={200: ProgramsPage, **ERRORS},
    summary="List programs",
    description=(
        "Office staff: every program. Anyone else: active programs with a cycle taking "
        "applications now, and programs they applied to."
    ),
)
def list_programs(request: ApiRequest, query: Query[PageQuery]) -> Any:
    queryset = (
        selectors.programs_for_user(request.auth)
        .select_related("sponsor")
        .prefetch_related("residence_areas")
        .order_by("name", "pk")
    )
    return _page(queryset, query, _program_out)


@router.post(
    "/programs",
    response={201: ProgramOut, **WRITE_ERRORS},
    summary="Create a program",
    description="Office staff only. 409 when another program has the name.",
)
def create_program(request: ApiRequest, payload: ProgramIn) -> Any:
    _require_staff(request.auth)
    data = payload.dict()
    data["sponsor"] = _sponsor(data.pop("sponsor_id"))
    data["residence_areas"] = _areas(data.pop("residence_area_ids"))
    program = services.create_program(actor=request.auth, **data)
    return Status(201, _program_out(program))


@router.get(
    "/programs/{program_id}",
    response={200: ProgramOut, **ERRORS},
    summary="Read a program",
    description="404 for a program the caller may not read.",
)
def get_program(request: ApiRequest, program_id: int) -> Any:
    return _program_out(selectors.get_program_for_user(request.auth, program_id))


@router.patch(
    "/programs/{program_id}",
    response={200: ProgramOut, **WRITE_ERRORS},
    summary="Change a program",
    description="Office staff only; the fields given change.",
)
def update_program(request: ApiRequest, program_id: int, payload: ProgramPatch) -> Any:
    program = selectors.get_program_for_user(request.auth, program_id)
    _require_staff(request.auth)
    changes = payload.dict(exclude_unset=True)
    if "sponsor_id" in changes:
        sponsor_id = changes.pop("sponsor_id")
        if sponsor_id is None:
            raise ServiceError(_("A program needs a sponsor."), field="sponsor_id")
        changes["sponsor"] = _sponsor(sponsor_id)
    if "residence_area_ids" in changes:
        changes["residence_areas"] = _areas(changes.pop("residence_area_ids") or [])
    program = services.update_program(program=program, actor=request.auth, **changes)
    return _program_out(selectors.get_program_for_user(request.auth, program.pk))


# Cycles --------------------------------------------------------------------------------------


@router.get(
    "/programs/{program_id}/cycles",
    response={200: list[CycleOut], **ERRORS},
    summary="List a program's cycles",
    description=(
        "Office staff: every cycle. Anyone else: the cycles taking applications now and those "
        "they applied to (without the seat count)."
    ),
)
def list_cycles(request: ApiRequest, program_id: int) -> Any:
    user = request.auth
    program = selectors.get_program_for_user(user, program_id)
    staff = is_program_staff(user)
    cycles = selectors.cycles_for_user(user).filter(program=program).order_by("-year", "pk")
    return [_cycle_out(cycle, staff=staff) for cycle in cycles]


@router.post(
    "/programs/{program_id}/cycles",
    response={201: CycleOut, **WRITE_ERRORS},
    summary="Create a cycle",
    description=(
        "Office staff only. A draft; add questions, then open it (PATCH status). 409 when the "
        "program has a cycle that year; 422 when applications would close before they open."
    ),
)
def create_cycle(request: ApiRequest, program_id: int, payload: CycleIn) -> Any:
    program = selectors.get_program_for_user(request.auth, program_id)
    _require_staff(request.auth)
    cycle = services.create_cycle(program=program, actor=request.auth, **payload.dict())
    return Status(201, _cycle_out(cycle, staff=True))


@router.get(
    "/cycles/{cycle_id}",
    response={200: CycleOut, **ERRORS},
    summary="Read a cycle",
    description="404 for a cycle the caller may not read.",
)
def get_cycle(request: ApiRequest, cycle_id: int) -> Any:
    cycle = selectors.get_cycle_for_user(request.auth, cycle_id)
    return _cycle_out(cycle, staff=is_program_staff(request.auth))


@router.patch(
    "/cycles/{cycle_id}",
    response={200: CycleOut, **WRITE_ERRORS},
    summary="Change a cycle or move it along",
    description=(
        "Office staff only. Dates, seats (never fewer than taken), title; `status` moves it one "
        "step (409 when the step is not allowed, e.g. opening without questions)."
    ),
)
def update_cycle(request: ApiRequest, cycle_id: int, payload: CyclePatch) -> Any:
    cycle = selectors.get_cycle_for_user(request.auth, cycle_id)
    _require_staff(request.auth)
    changes = payload.dict(exclude_unset=True)
    status = changes.pop("status", None)
    if changes:
        cycle = services.update_cycle(cycle=cycle, actor=request.auth, **changes)
    if status is not None and status != cycle.status:
        cycle = services.change_cycle_status(cycle=cycle, actor=request.auth, status=status)
    return _cycle_out(selectors.get_cycle_for_user(request.auth, cycle.pk), staff=True)


# The form ------------------------------------------------------------------------------------


@router.get(
    "/cycles/{cycle_id}/fields",
    response={200: list[FieldOut], **ERRORS},
    summary="List a cycle's questions",
    description="In order. Anyone who may read the cycle.",
)
def list_fields(request: ApiRequest, cycle_id: int) -> Any:
    cycle = selectors.get_cycle_for_user(request.auth, cycle_id)
    return [_field_out(field) for field in selectors.fields_of(cycle)]


@router.post(
    "/cycles/{cycle_id}/fields",
    response={201: FieldOut, **WRITE_ERRORS},
    summary="Add a question",
    description=(
        "Office staff only; at the end of the form. 409 once applications were submitted or "
        "when the key is taken; choice questions need at least two choices."
    ),
)
def create_field(request: ApiRequest, cycle_id: int, payload: FieldIn) -> Any:
    cycle = selectors.get_cycle_for_user(request.auth, cycle_id)
    _require_staff(request.auth)
    data = payload.dict()
    field = services.add_field(cycle=cycle, actor=request.auth, **data)
    return Status(201, _field_out(field))


@router.patch(
    "/fields/{field_id}",
    response={200: FieldOut, **WRITE_ERRORS},
    summary="Change or move a question",
    description=(
        "Office staff only. Once applications were submitted only the wording changes (labels, "
        "help, choice labels, `identifying`): 409 otherwise. `move` moves it up or down."
    ),
)
def update_field(request: ApiRequest, field_id: int, payload: FieldPatch) -> Any:
    field = selectors.get_field_for_user(request.auth, field_id)
    changes = payload.dict(exclude_unset=True)
    move = changes.pop("move", None)
    if changes:
        field = services.update_field(field=field, actor=request.auth, **changes)
    if move:
        field = services.move_field(field=field, actor=request.auth, direction=move)
    return _field_out(FormField.objects.get(pk=field.pk))


@router.delete(
    "/fields/{field_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a question",
    description="Office staff only; 409 once applications were submitted.",
)
def delete_field(request: ApiRequest, field_id: int) -> Any:
    field = selectors.get_field_for_user(request.auth, field_id)
    services.remove_field(field=field, actor=request.auth)
    return Status(204, None)


# Applications --------------------------------------------------------------------------------


@router.get(
    "/applications",
    response={200: ApplicationsPage, **ERRORS},
    summary="List applications",
    description=(
        "Office staff: every application, filtered by cycle and status. Anyone else: their own. "
        "Summaries; each item's `url` has the answers."
    ),
)
def list_applications(request: ApiRequest, query: Query[ApplicationQuery]) -> Any:
    queryset = selectors.applications_for_user(request.auth)
    if query.cycle_id is not None:
        queryset = queryset.filter(cycle_id=query.cycle_id)
    if query.status is not None:
        queryset = queryset.filter(status=query.status)
    return _page(queryset.order_by("cycle_id", "pk"), query, _summary_out)


@router.post(
    "/cycles/{cycle_id}/applications",
    response={200: ApplicationOut, 201: ApplicationOut, **WRITE_ERRORS},
    summary="Start my application",
    description=(
        "The caller's application to the cycle: 201 with a new draft, or 200 with the one they "
        "already have (one per cycle). 409 when the cycle is not taking applications; 403 "
        "without a registry record."
    ),
)
def start_application(request: ApiRequest, cycle_id: int, payload: StartIn | None = None) -> Any:
    cycle = selectors.get_cycle_for_user(request.auth, cycle_id)
    language = payload.language if payload is not None else None
    application, created = services.start_application(
        cycle=cycle, actor=request.auth, language=language
    )
    return Status(201 if created else 200, _application_answer(request.auth, application))


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, **ERRORS},
    summary="Read an application",
    description="The caller's own (or any, for staff); 404 otherwise.",
)
def get_application(request: ApiRequest, application_id: int) -> Any:
    return _application_out(selectors.get_application_for_user(request.auth, application_id))


@router.patch(
    "/applications/{application_id}",
    response={200: ApplicationOut, **WRITE_ERRORS},
    summary="Save answers of my draft, or change its language",
    description=(
        "`answers` as {key: value} (the applicant's own draft, while the cycle takes "
        "applications: 409 otherwise; 422 naming the question for a bad answer). `language` "
        "(en or es): the applicant or staff."
    ),
)
def update_application(request: ApiRequest, application_id: int, payload: ApplicationPatch) -> Any:
    user = request.auth
    application = selectors.get_application_for_user(user, application_id)
    if payload.language is not None:
        services.set_application_language(
            application=application, actor=user, language=payload.language
        )
    if payload.answers:
        services.save_answers(application=application, actor=user, answers=payload.answers)
    return _application_answer(user, application)


@router.post(
    "/applications/{application_id}/submit",
    response={
        200: ApplicationOut,
        422: NotSubmittableOut,
        **{k: v for k, v in WRITE_ERRORS.items() if k != 422},
    },
    summary="Submit my application",
    description=(
        "The applicant only (403 for anyone else, staff included). 409 when it is not a draft. "
        "422 with `problems` listing every reason it cannot be submitted yet: the cycle not "
        "taking applications, unanswered required questions, recommendation requests not "
        "sent, eligibility, and for an applicant under 18 the missing guardian consent."
    ),
)
def submit_application(request: ApiRequest, application_id: int) -> Any:
    application = selectors.get_application_for_user(request.auth, application_id)
    try:
        services.submit_application(application=application, actor=request.auth)
    except services.NotSubmittable as error:
        return Status(422, error.as_dict())
    return _application_answer(request.auth, application)


@router.post(
    "/applications/{application_id}/withdraw",
    response={200: ApplicationOut, **WRITE_ERRORS},
    summary="Withdraw an application",
    description=(
        "The applicant or staff; a held seat or waitlist place is given up. 409 when it was "
        "withdrawn already or decided against."
    ),
)
def withdraw_application(
    request: ApiRequest, application_id: int, payload: WithdrawIn | None = None
) -> Any:
    application = selectors.get_application_for_user(request.auth, application_id)
    services.withdraw_application(
        application=application,
        actor=request.auth,
        reason=payload.reason if payload is not None else "",
    )
    return _application_answer(request.auth, application)


@router.post(
    "/applications/{application_id}/guardian-consent",
    response={201: GuardianRequestOut, **WRITE_ERRORS},
    summary="Ask a parent or guardian for consent",
    description=(
        "For an applicant under 18: e-mails the guardian a private link (valid 14 days; a new "
        "request replaces the earlier link). The applicant or staff; 409 when not needed, "
        "already given or the application is not an open draft; 422 for the applicant's own "
        "address."
    ),
)
def request_guardian_consent(
    request: ApiRequest, application_id: int, payload: GuardianRequestIn
) -> Any:
    application = selectors.get_application_for_user(request.auth, application_id)
    sent: GuardianConsentRequest = services_consent.request_guardian_consent(
        application=application, actor=request.auth, **payload.dict()
    )
    return Status(
        201,
        {
            "id": sent.pk,
            "application_id": sent.application_id,
            "guardian_name": sent.guardian_name,
            "guardian_email": sent.guardian_email,
            "relationship": sent.relationship,
            "language": sent.language,
            "sent_at": sent.sent_at,
            "expires_at": sent.expires_at,
        },
    )


@router.post(
    "/applications/{application_id}/recommendations",
    response={201: RecommendationOut, **WRITE_ERRORS},
    summary="Ask for a letter of recommendation",
    description=(
        "For a recommendation question (`field_key`) of the applicant's open draft: e-mails the "
        "recommender a private upload link (valid 14 days). The applicant or staff; 409 when a "
        "letter arrived already for that question."
    ),
)
def request_recommendation(
    request: ApiRequest, application_id: int, payload: RecommendationIn
) -> Any:
    application = selectors.get_application_for_user(request.auth, application_id)
    field = _field_of_cycle(application, payload.field_key)
    sent = services_consent.request_recommendation(
        application=application,
        field=field,
        actor=request.auth,
        recommender_name=payload.recommender_name,
        recommender_email=payload.recommender_email,
        relationship=payload.relationship,
    )
    return Status(
        201,
        {
            "id": sent.pk,
            "field_key": field.key,
            "recommender_name": sent.recommender_name,
            "relationship": sent.relationship,
            "state": "requested",
            "sent_at": sent.sent_at,
            "expires_at": sent.expires_at,
            "received_at": None,
        },
    )

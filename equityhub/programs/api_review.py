"""/api/v1: pathway programs, review and decisions.

The same permissions as the pages. Rubrics, assignment, the committee, decisions and letters
are for office staff (the program's reviewers may also read a cycle's rubric). A reviewer
lists and reads only their own reviews in the programs they review for, and in a program
that reviews blind a review carries no name, e-mail, date of birth, ZIP, demographic or
identifying answer: the applicant is "Applicant #<application id>". An applicant answers
their own offer and names their own program director. Anything the caller may not reach
answers 404, like something that does not exist; refusals are 403 (`NotAllowed`), 409
(`Conflict`) and 422 (invalid input).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from equityhub.accounts.models import User
from equityhub.api.types import MAX_LIMIT, MAX_OFFSET, PAGE_SIZE, Id, PlainText
from equityhub.core.exceptions import ServiceError
from equityhub.core.http import ApiRequest
from equityhub.people.api import ErrorOut
from equityhub.programs import selectors_review as selectors
from equityhub.programs import services_review as services
from equityhub.programs.access import is_program_staff, is_reviewer_user, sees_identity
from equityhub.programs.models import Application, Criterion, LetterTemplate, Review

router = Router(tags=["programs"])

ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}


# Schemas: answers ----------------------------------------------------------------------------


class CriterionOut(Schema):
    id: int
    cycle_id: int
    name: str
    description: str
    weight: float = Field(description="Relative weight in the total (> 0).")
    max_score: int = Field(description="Scores run from 0 to this.")
    position: int


class ShortOut(Schema):
    application_id: int
    reviews: int = Field(description="Reviews it has after the assignment.")
    needed: int


class AssignmentOut(Schema):
    cycle_id: int
    per_application: int
    reviewers: int = Field(description="The program's reviewers today.")
    applications: int = Field(description="Submitted applications considered.")
    created: int = Field(description="Reviews assigned by this call (existing ones are kept).")
    min_load: int = Field(description="Fewest reviews of the cycle a reviewer now has.")
    max_load: int = Field(description="Most reviews of the cycle a reviewer now has.")
    balanced: bool = Field(description="Every reviewer's load within one of the others'.")
    note: str = Field(description="Why the loads are not balanced, when they are not.")
    short: list[ShortOut] = Field(
        description="Applications with too few reviewers free of conflicts."
    )


class ReviewSummaryOut(Schema):
    id: int
    application_id: int
    cycle_id: int
    program_id: int
    reviewer_id: int
    applicant: str = Field(description='The name, or "Applicant #<id>" in a blind review.')
    assigned_at: dt.datetime
    submitted_at: dt.datetime | None
    total: float | None = Field(description="Weighted total, 0-100, once submitted.")


class ReviewsPage(Schema):
    count: int
    items: list[ReviewSummaryOut]


class AnswerOut(Schema):
    question: str
    kind: str
    text: str
    choices: list[str] = Field(description="The chosen options' labels (choice questions).")
    has_file: bool


class LetterOut(Schema):
    label: str
    url: str | None = Field(description="Where the letter can be read, when available.")


class ScoreOut(Schema):
    criterion_id: int
    name: str
    description: str
    weight: float
    max_score: int
    score: int | None = Field(description="This review's score, once given.")


class ReviewOut(Schema):
    id: int
    application_id: int
    cycle_id: int
    cycle_title: str
    applicant: str = Field(description='The name, or "Applicant #<id>" in a blind review.')
    identity: bool = Field(description="Whether the caller sees the applicant's identity.")
    applicant_name: str | None = Field(description="null in a blind review.")
    applicant_email: str | None = Field(description="null in a blind review.")
    answers: list[AnswerOut] = Field(
        description="The form's answers; identifying questions left out in a blind review."
    )
    letters: list[LetterOut]
    criteria: list[ScoreOut]
    comments: str
    assigned_at: dt.datetime
    submitted_at: dt.datetime | None
    total: float | None
    can_submit: bool = Field(description="The caller is the reviewer and reviews are open.")


class ConflictOut(Schema):
    id: int
    application_id: int
    reviewer_id: int
    reason: str
    declared_at: dt.datetime


class CommitteeRowOut(Schema):
    application_id: int
    applicant: str
    rank: int | None = Field(description="By mean z-score; null until a review is submitted.")
    raw_mean: float | None = Field(description="Mean of the submitted totals (0-100).")
    mean_z: float | None = Field(
        description="Mean of the reviews' z-scores (each against its reviewer's own mean and "
        "population standard deviation)."
    )
    reviews: int = Field(description="Submitted reviews.")
    assigned: int = Field(description="Reviews assigned.")
    spread: float | None = Field(description="Largest submitted total minus the smallest.")
    flagged_reviews: int = Field(
        description="Reviews by a reviewer with one review or identical totals (z = 0)."
    )
    status: Application.Status
    waitlist_position: int | None
    director_approval: Application.Approval
    letter_sent_at: dt.datetime | None


class CommitteeOut(Schema):
    cycle_id: int
    seats: int
    seats_taken: int
    seats_left: int
    seat_free_for_waitlist: bool = Field(
        description="A seat is free while applicants wait: the committee decides who gets it."
    )
    reviewers: int
    flagged_reviewers: int
    letters_due: int
    waitlist: list[int] = Field(description="Waitlisted application ids, first to last.")
    rows: list[CommitteeRowOut]


class DecisionOut(Schema):
    id: int
    cycle_id: int
    status: Application.Status
    waitlist_position: int | None
    director_approval: Application.Approval
    decided_at: dt.datetime | None
    letter_sent_at: dt.datetime | None
    seats_taken: int
    seats_left: int


class DirectorOut(Schema):
    id: int
    application_id: int
    director_name: str
    director_email: str
    sent_at: dt.datetime
    expires_at: dt.datetime


class LettersSentOut(Schema):
    sent: int = Field(description="Letters queued by this call (each goes out once).")


# Schemas: input ------------------------------------------------------------------------------


class CriterionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: PlainText = Field(min_length=1, max_length=200)
    description: PlainText = Field("", max_length=5000)
    weight: Decimal = Field(Decimal(1), gt=0, max_digits=5, decimal_places=2)
    max_score: int = Field(5, ge=1, le=100)
    position: int | None = Field(None, ge=0, le=1000)


class CriterionPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: PlainText | None = Field(None, min_length=1, max_length=200)
    description: PlainText | None = Field(None, max_length=5000)
    weight: Decimal | None = Field(None, gt=0, max_digits=5, decimal_places=2)
    max_score: int | None = Field(None, ge=1, le=100)
    position: int | None = Field(None, ge=0, le=1000)


class AssignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    per_application: int | None = Field(
        None, ge=1, le=20, description="Default: the cycle's reviews per application."
    )


class ReviewsQuery(Schema):
    cycle_id: Id | None = Field(None, description="Only this cycle's reviews.")
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ScoreIn(Schema):
    model_config = ConfigDict(extra="forbid")

    criterion_id: Id
    value: int = Field(ge=0, le=1000, description="0 to the criterion's highest score.")


class SubmitIn(Schema):
    model_config = ConfigDict(extra="forbid")

    scores: list[ScoreIn] = Field(max_length=100, description="One score per criterion.")
    comments: PlainText = Field("", max_length=services.MAX_COMMENTS)


class ConflictIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: PlainText = Field("", max_length=300)
    reviewer_id: Id | None = Field(
        None, description="Staff: the reviewer with the conflict. A reviewer: omit (themself)."
    )


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    outcome: LetterTemplate.Outcome
    note: PlainText = Field("", max_length=services.MAX_NOTE)


class OfferIn(Schema):
    model_config = ConfigDict(extra="forbid")

    accept: bool = Field(description="true: take up the seat (enrolled); false: decline it.")


class DirectorIn(Schema):
    model_config = ConfigDict(extra="forbid")

    director_name: PlainText = Field(min_length=1, max_length=200)
    director_email: PlainText = Field(min_length=3, max_length=254)


# Helpers -------------------------------------------------------------------------------------


def _criterion_out(criterion: Criterion) -> dict[str, Any]:
    return {
        "id": criterion.pk,
        "cycle_id": criterion.cycle_id,
        "name": criterion.name,
        "description": criterion.description,
        "weight": float(criterion.weight),
        "max_score": criterion.max_score,
        "position": criterion.position,
    }


def _total(review: Review) -> float | None:
    return float(review.total) if review.total is not None else None


def _review_summary(user: Any, review: Review) -> dict[str, Any]:
    application = review.application
    program = application.cycle.program
    return {
        "id": review.pk,
        "application_id": application.pk,
        "cycle_id": application.cycle_id,
        "program_id": program.pk,
        "reviewer_id": review.reviewer_id,
        "applicant": (
            application.applicant.display_name
            if sees_identity(user, program)
            else selectors.applicant_label(application)
        ),
        "assigned_at": review.assigned_at,
        "submitted_at": review.submitted_at,
        "total": _total(review),
    }


def _review_out(user: Any, review: Review) -> dict[str, Any]:
    sheet = selectors.review_sheet(review, user)
    return {
        "id": review.pk,
        "application_id": sheet.application.pk,
        "cycle_id": sheet.cycle.pk,
        "cycle_title": sheet.cycle.title,
        "applicant": sheet.label,
        "identity": sheet.identity,
        "applicant_name": sheet.name or None,
        "applicant_email": sheet.email or None,
        "answers": [
            {
                "question": a.question,
                "kind": a.kind,
                "text": a.text,
                "choices": a.choices,
                "has_file": a.has_file,
            }
            for a in sheet.answers
        ],
        "letters": [{"label": letter.label, "url": letter.url} for letter in sheet.letters],
        "criteria": [
            {
                "criterion_id": row.criterion.pk,
                "name": row.criterion.name,
                "description": row.criterion.description,
                "weight": float(row.criterion.weight),
                "max_score": row.criterion.max_score,
                "score": row.value,
            }
            for row in sheet.criteria
        ],
        "comments": review.comments,
        "assigned_at": review.assigned_at,
        "submitted_at": review.submitted_at,
        "total": _total(review),
        "can_submit": sheet.is_own and sheet.is_open,
    }


def _decision_out(application: Application) -> dict[str, Any]:
    cycle = application.cycle
    return {
        "id": application.pk,
        "cycle_id": cycle.pk,
        "status": application.status,
        "waitlist_position": application.waitlist_position,
        "director_approval": application.director_approval,
        "decided_at": application.decided_at,
        "letter_sent_at": application.letter_sent_at,
        "seats_taken": cycle.seats_taken,
        "seats_left": max(0, cycle.seats - cycle.seats_taken),
    }


# The rubric ----------------------------------------------------------------------------------


@router.get(
    "/cycles/{cycle_id}/criteria",
    response={200: list[CriterionOut], **ERRORS},
    summary="List a cycle's rubric",
    description="Office staff and the program's reviewers; in order of position.",
)
def list_criteria(request: ApiRequest, cycle_id: int) -> Any:
    cycle = selectors.get_cycle_for_rubric(request.auth, cycle_id)
    return [_criterion_out(c) for c in cycle.criteria.order_by("position", "pk")]


@router.post(
    "/cycles/{cycle_id}/criteria",
    response={201: CriterionOut, **WRITE_ERRORS},
    summary="Add a rubric criterion",
    description=(
        "Office staff. Weight > 0, highest score >= 1; 409 once any review of the cycle has "
        "been submitted, or when the name is taken."
    ),
)
def create_criterion(request: ApiRequest, cycle_id: int, payload: CriterionIn) -> Any:
    cycle = selectors.get_cycle_for_staff(request.auth, cycle_id)
    criterion = services.create_criterion(cycle=cycle, actor=request.auth, **payload.model_dump())
    return Status(201, _criterion_out(criterion))


@router.patch(
    "/criteria/{criterion_id}",
    response={200: CriterionOut, **WRITE_ERRORS},
    summary="Change a rubric criterion",
    description="Office staff; only the fields sent change. 409 once reviews are submitted.",
)
def update_criterion(request: ApiRequest, criterion_id: int, payload: CriterionPatch) -> Any:
    criterion = selectors.get_criterion_for_staff(request.auth, criterion_id)
    changes = payload.model_dump(exclude_unset=True)
    for key in ("name", "weight", "max_score", "position"):
        if key in changes and changes[key] is None:
            raise ServiceError(_("This field cannot be empty."), field=key)
    if changes.get("description", "") is None:
        changes["description"] = ""
    updated = services.update_criterion(criterion=criterion, actor=request.auth, **changes)
    return _criterion_out(updated)


@router.delete(
    "/criteria/{criterion_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a rubric criterion",
    description="Office staff. 409 once reviews are submitted.",
)
def delete_criterion(request: ApiRequest, criterion_id: int) -> Any:
    criterion = selectors.get_criterion_for_staff(request.auth, criterion_id)
    services.delete_criterion(criterion=criterion, actor=request.auth)
    return Status(204, None)


# Assignment ----------------------------------------------------------------------------------


@router.post(
    "/cycles/{cycle_id}/assign",
    response={200: AssignmentOut, **WRITE_ERRORS},
    summary="Assign reviewers",
    description=(
        "Office staff. Gives each submitted application of the cycle its reviewers from the "
        "program's reviewers: loads within one review of each other when the conflicts allow "
        "(else the largest load as small as possible, said in `note`), never a declared "
        "conflict, never the applicant themself. Idempotent: existing reviews are kept and "
        "count. 409 unless the cycle is open or in review, or when the program has no "
        "reviewers."
    ),
)
def assign_reviewers(request: ApiRequest, cycle_id: int, payload: AssignIn) -> Any:
    cycle = selectors.get_cycle_for_staff(request.auth, cycle_id)
    summary = services.assign_reviewers(
        cycle=cycle, actor=request.auth, per_application=payload.per_application
    )
    return {
        "cycle_id": summary.cycle_id,
        "per_application": summary.per_application,
        "reviewers": summary.reviewers,
        "applications": summary.applications,
        "created": summary.created,
        "min_load": summary.min_load,
        "max_load": summary.max_load,
        "balanced": summary.balanced,
        "note": summary.note,
        "short": [
            {"application_id": s.application_id, "reviews": s.reviews, "needed": s.needed}
            for s in summary.short
        ],
    }


# Reviews -------------------------------------------------------------------------------------


@router.get(
    "/reviews",
    response={200: ReviewsPage, **ERRORS},
    summary="List reviews",
    description=(
        "A reviewer: their own reviews in the programs they review for (blind where the "
        "program reviews blind). Office staff: every review, or one cycle's with `cycle_id`. "
        "403 for anyone else."
    ),
)
def list_reviews(request: ApiRequest, query: Query[ReviewsQuery]) -> Any:
    user = request.auth
    if not (is_program_staff(user) or is_reviewer_user(user)):
        raise PermissionDenied
    queryset = selectors.reviews_list(user, cycle_id=query.cycle_id)
    items = list(queryset[query.offset : query.offset + query.limit])
    return {"count": queryset.count(), "items": [_review_summary(user, r) for r in items]}


@router.get(
    "/reviews/{review_id}",
    response={200: ReviewOut, **ERRORS},
    summary="Read a review",
    description=(
        "The application as the reviewer may see it, the rubric and this review's scores. "
        "In a blind program a reviewer gets no name, e-mail or identifying answer. 404 for "
        "another reviewer's review."
    ),
)
def get_review(request: ApiRequest, review_id: int) -> Any:
    review = selectors.get_review_for_user(request.auth, review_id)
    return _review_out(request.auth, review)


@router.post(
    "/reviews/{review_id}/submit",
    response={200: ReviewOut, **WRITE_ERRORS},
    summary="Submit a review's scores",
    description=(
        "The review's reviewer only (403 otherwise): one score per criterion, 0 to its "
        "highest. The total is 100 * sum(weight * score / highest) / sum(weights). Can be sent "
        "again until the cycle's decisions are made (409 then)."
    ),
)
def submit_review(request: ApiRequest, review_id: int, payload: SubmitIn) -> Any:
    review = selectors.get_review_for_user(request.auth, review_id)
    scores: dict[int, int] = {}
    for item in payload.scores:
        if item.criterion_id in scores:
            raise ServiceError(_("Each criterion is scored once."), field="scores")
        scores[item.criterion_id] = item.value
    services.submit_review(
        review=review, actor=request.auth, scores=scores, comments=payload.comments
    )
    return _review_out(request.auth, selectors.get_review_for_user(request.auth, review_id))


@router.post(
    "/applications/{application_id}/conflicts",
    response={201: ConflictOut, **WRITE_ERRORS},
    summary="Declare a conflict of interest",
    description=(
        "A reviewer, for an application they were assigned (their review leaves their queue "
        "unless already submitted: 409 then, ask the office); office staff, for any "
        "application, naming `reviewer_id` (a submitted review is set aside too)."
    ),
)
def declare_conflict(request: ApiRequest, application_id: int, payload: ConflictIn) -> Any:
    user = request.auth
    application = selectors.get_application_for_conflict(user, application_id)
    if payload.reviewer_id is None or payload.reviewer_id == user.pk:
        reviewer = user
    else:
        if not is_program_staff(user):
            raise ServiceError(_("You declare your own conflicts only."), field="reviewer_id")
        found = User.objects.filter(pk=payload.reviewer_id).first()
        if found is None:
            raise ServiceError(_("There is no such reviewer."), field="reviewer_id")
        reviewer = found
    conflict = services.declare_conflict(
        reviewer=reviewer, application=application, actor=user, reason=payload.reason
    )
    return Status(
        201,
        {
            "id": conflict.pk,
            "application_id": conflict.application_id,
            "reviewer_id": conflict.reviewer_id,
            "reason": conflict.reason,
            "declared_at": conflict.declared_at,
        },
    )


# The committee and decisions -----------------------------------------------------------------


@router.get(
    "/cycles/{cycle_id}/committee",
    response={200: CommitteeOut, **ERRORS},
    summary="The committee's ranked table",
    description=(
        "Office staff. Each application's raw mean total, mean z-score, reviews, spread and "
        "status, best mean z first (unreviewed last); seats and the waitlist."
    ),
)
def committee(request: ApiRequest, cycle_id: int) -> Any:
    cycle = selectors.get_cycle_for_staff(request.auth, cycle_id)
    table = selectors.committee(cycle)
    return {
        "cycle_id": cycle.pk,
        "seats": table.seats,
        "seats_taken": table.seats_taken,
        "seats_left": table.seats_left,
        "seat_free_for_waitlist": table.seat_free_for_waitlist,
        "reviewers": table.reviewers,
        "flagged_reviewers": table.flagged_reviewers,
        "letters_due": table.letters_due,
        "waitlist": [row.application.pk for row in table.waitlist],
        "rows": [
            {
                "application_id": row.application.pk,
                "applicant": row.name,
                "rank": row.rank,
                "raw_mean": row.raw_mean,
                "mean_z": row.mean_z,
                "reviews": row.reviews,
                "assigned": row.assigned,
                "spread": row.spread,
                "flagged_reviews": row.flagged_reviews,
                "status": row.application.status,
                "waitlist_position": row.application.waitlist_position,
                "director_approval": row.application.director_approval,
                "letter_sent_at": row.application.letter_sent_at,
            }
            for row in table.rows
        ],
    }


@router.post(
    "/applications/{application_id}/decision",
    response={200: DecisionOut, **WRITE_ERRORS},
    summary="Decide an application",
    description=(
        "Office staff: accepted (409 when every seat is taken: waitlist instead), waitlisted "
        "(the end of the waitlist) or rejected. A waitlisted applicant can be accepted when "
        "a seat frees up; a decision whose letter has gone out cannot be revised otherwise."
    ),
)
def decide(request: ApiRequest, application_id: int, payload: DecisionIn) -> Any:
    application = selectors.get_application_for_staff(request.auth, application_id)
    decided = services.decide(
        application=application, actor=request.auth, outcome=payload.outcome, note=payload.note
    )
    return _decision_out(decided)


@router.post(
    "/applications/{application_id}/offer-response",
    response={200: DecisionOut, **WRITE_ERRORS},
    summary="Answer an offer",
    description=(
        "The applicant (or staff for them): accept (enrolled; 409 while the program "
        "director's approval is pending) or decline (the seat goes back to the committee). "
        "409 when there is no open offer."
    ),
)
def offer_response(request: ApiRequest, application_id: int, payload: OfferIn) -> Any:
    application = selectors.get_own_application(request.auth, application_id)
    answered = services.respond_to_offer(
        application=application, actor=request.auth, accept=payload.accept
    )
    return _decision_out(answered)


@router.post(
    "/applications/{application_id}/director",
    response={201: DirectorOut, **WRITE_ERRORS},
    summary="Name the program director",
    description=(
        "The applicant (or staff), for an acceptance waiting for the program director's "
        "approval: the director is e-mailed a private link (valid 14 days; naming someone "
        "again voids earlier links). 409 when the program needs no approval or the "
        "application is not waiting for one."
    ),
)
def director(request: ApiRequest, application_id: int, payload: DirectorIn) -> Any:
    application = selectors.get_own_application(request.auth, application_id)
    created = services.request_director_approval(
        application=application,
        actor=request.auth,
        director_name=payload.director_name,
        director_email=payload.director_email,
    )
    return Status(
        201,
        {
            "id": created.pk,
            "application_id": created.application_id,
            "director_name": created.director_name,
            "director_email": created.director_email,
            "sent_at": created.sent_at,
            "expires_at": created.expires_at,
        },
    )


@router.post(
    "/cycles/{cycle_id}/letters/send",
    response={200: LettersSentOut, **WRITE_ERRORS},
    summary="Send the decision letters",
    description=(
        "Office staff. Each decided application (accepted, waitlisted, rejected) whose "
        "letter has not gone out gets it once, in the application's language: the program's "
        "own letter for the outcome and language, else the default."
    ),
)
def send_letters(request: ApiRequest, cycle_id: int) -> Any:
    cycle = selectors.get_cycle_for_staff(request.auth, cycle_id)
    return {"sent": services.send_decision_letters(cycle=cycle, actor=request.auth)}

"""Reads of review and decisions: a reviewer's queue, one review's sheet (blind where the
program reviews blind), the committee's ranked table, letters, offers and director links.

Everything by id goes through a `get_*_for_user` choke-point (ids outside 1..2^63-1 and rows
the user may not reach answer 404 alike). A reviewer reaches only their own reviews in the
programs they review for (`access.reviews_for_user`); office staff reach everything. What a
reviewer sees of an applicant is decided in one place, `review_sheet`: with
`access.sees_identity` false (a blind program) there is no name, e-mail, date of birth, ZIP,
demographic or identifying answer, and the applicant is "Applicant #<application id>".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from equityhub.people.selectors import valid_id
from equityhub.programs import services_review as services
from equityhub.programs.access import (
    is_program_staff,
    own_applications,
    reviewer_program_ids,
    reviews_for_user,
    sees_identity,
)
from equityhub.programs.models import (
    Answer,
    Application,
    Criterion,
    Cycle,
    DirectorApprovalRequest,
    FormField,
    LetterTemplate,
    Program,
    RecommendationRequest,
    Review,
    Score,
)
from equityhub.programs.normalize import normalize

S = Application.Status
# Applications the committee weighs (drafts and withdrawn ones are not before it).
BEFORE_COMMITTEE: Final = (
    S.SUBMITTED,
    S.WAITLISTED,
    S.ACCEPTED,
    S.REJECTED,
    S.DECLINED,
    S.ENROLLED,
)
ACTIVE_CYCLES: Final = (
    Cycle.Status.OPEN,
    Cycle.Status.REVIEW,
    Cycle.Status.DECIDED,
    Cycle.Status.RUNNING,
)


def applicant_label(application: Application) -> str:
    return _("Applicant #%(id)s") % {"id": application.pk}


def _spanish() -> bool:
    return (translation.get_language() or "en")[:2] == "es"


def _optional_url(name: str, *args: Any) -> str | None:
    """A link to a page another part of the app provides, when it exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# -- choke-points ----------------------------------------------------------------------------


def _reviews() -> QuerySet[Review]:
    return Review.objects.select_related("application__cycle__program", "application__applicant")


def get_review_for_user(user: Any, review_id: Any) -> Review:
    """A reviewer's own review in a program they review for; any review for staff."""
    pk = valid_id(review_id)
    found = _reviews().filter(pk__in=reviews_for_user(user).values("pk"), pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_cycle_for_staff(user: Any, cycle_id: Any) -> Cycle:
    pk = valid_id(cycle_id)
    if not is_program_staff(user):
        raise Http404
    found = Cycle.objects.select_related("program").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_cycle_for_rubric(user: Any, cycle_id: Any) -> Cycle:
    """Staff, and the program's reviewers (who score against the rubric)."""
    pk = valid_id(cycle_id)
    found = Cycle.objects.select_related("program").filter(pk=pk).first()
    if found is None or not (
        is_program_staff(user) or found.program_id in reviewer_program_ids(user)
    ):
        raise Http404
    return found


def get_program_for_staff(user: Any, program_id: Any) -> Program:
    pk = valid_id(program_id)
    if not is_program_staff(user):
        raise Http404
    found = Program.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_criterion_for_staff(user: Any, criterion_id: Any) -> Criterion:
    pk = valid_id(criterion_id)
    if not is_program_staff(user):
        raise Http404
    found = Criterion.objects.select_related("cycle__program").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_letter_template_for_staff(user: Any, template_id: Any) -> LetterTemplate:
    pk = valid_id(template_id)
    if not is_program_staff(user):
        raise Http404
    found = LetterTemplate.objects.select_related("program").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _applications() -> QuerySet[Application]:
    return Application.objects.select_related("cycle__program", "applicant")


def get_application_for_staff(user: Any, application_id: Any) -> Application:
    pk = valid_id(application_id)
    if not is_program_staff(user):
        raise Http404
    found = _applications().filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_own_application(user: Any, application_id: Any) -> Application:
    """The applicant's own application (staff reach any)."""
    pk = valid_id(application_id)
    queryset = Application.objects.all() if is_program_staff(user) else own_applications(user)
    found = _applications().filter(pk__in=queryset.values("pk"), pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_application_for_conflict(user: Any, application_id: Any) -> Application:
    """Staff: any application. A reviewer: one they have a review of (their own view of it)."""
    pk = valid_id(application_id)
    if is_program_staff(user):
        return get_application_for_staff(user, pk)
    reviewed = reviews_for_user(user).filter(reviewer=user).values("application_id")
    found = _applications().filter(pk__in=reviewed, pk=pk).first()
    if found is None:
        raise Http404
    return found


# -- a reviewer's queue ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class QueueRow:
    review: Review
    label: str  # the applicant's name, or "Applicant #id" when blind
    program: Program
    cycle: Cycle


def review_queue(user: Any) -> list[QueueRow]:
    """The user's own reviews in the programs they review for: to do first, then done."""
    ids = reviewer_program_ids(user)
    reviews = (
        _reviews()
        .filter(reviewer=user, application__cycle__program_id__in=ids)
        .order_by(
            F("submitted_at").asc(nulls_first=True),
            "application__cycle__program__name",
            "application__cycle__year",
            "pk",
        )
    )
    rows = []
    for review in reviews:
        program = review.application.cycle.program
        label = (
            review.application.applicant.display_name
            if sees_identity(user, program)
            else applicant_label(review.application)
        )
        rows.append(QueueRow(review, label, program, review.application.cycle))
    return rows


@dataclasses.dataclass(frozen=True)
class CycleLink:
    cycle: Cycle
    applications: int
    reviews: int
    submitted_reviews: int


def committee_cycles(user: Any) -> list[CycleLink]:
    """For staff: the cycles before a committee now (open, in review, decided, running)."""
    if not is_program_staff(user):
        return []
    cycles = (
        Cycle.objects.filter(status__in=ACTIVE_CYCLES)
        .select_related("program")
        .annotate(
            n_applications=Count(
                "applications",
                filter=Q(applications__status__in=BEFORE_COMMITTEE),
                distinct=True,
            ),
            n_reviews=Count("applications__reviews", distinct=True),
            n_submitted=Count(
                "applications__reviews",
                filter=Q(applications__reviews__submitted_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("program__name", "-year")
    )
    return [CycleLink(c, c.n_applications, c.n_reviews, c.n_submitted) for c in cycles]


# -- one review ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AnswerView:
    question: str
    kind: str
    text: str
    choices: list[str]
    has_file: bool
    file_url: str | None


@dataclasses.dataclass(frozen=True)
class LetterLink:
    label: str
    url: str | None


@dataclasses.dataclass(frozen=True)
class CriterionScore:
    criterion: Criterion
    value: int | None


@dataclasses.dataclass(frozen=True)
class ReviewSheet:
    review: Review
    application: Application
    program: Program
    cycle: Cycle
    label: str
    identity: bool  # the viewer sees the applicant's name and e-mail
    name: str  # "" unless identity
    email: str  # "" unless identity
    answers: list[AnswerView]
    letters: list[LetterLink]
    criteria: list[CriterionScore]
    is_own: bool  # the viewer is the review's reviewer (may score it)
    is_open: bool  # the cycle still takes reviews

    @property
    def scores(self) -> dict[int, int]:
        return {c.criterion.pk: c.value for c in self.criteria if c.value is not None}


def _choice_labels(field: FormField, values: Sequence[Any]) -> list[str]:
    spanish = _spanish()
    labels = {
        str(choice.get("value")): (
            (choice.get("label_es") if spanish else None) or choice.get("label") or ""
        )
        for choice in field.choices or []
        if isinstance(choice, dict)
    }
    return [labels.get(str(value), str(value)) for value in values]


def review_sheet(review: Review, user: Any) -> ReviewSheet:
    """What `user` may see of the review's application, with the rubric and their scores."""
    application = review.application
    cycle = application.cycle
    program = cycle.program
    identity = sees_identity(user, program)
    spanish = _spanish()
    fields = list(FormField.objects.filter(cycle=cycle).order_by("position", "pk"))
    answers = {answer.field_id: answer for answer in Answer.objects.filter(application=application)}
    shown: list[AnswerView] = []
    for form_field in fields:
        if form_field.kind == FormField.Kind.RECOMMENDATION:
            continue  # the letters are listed on their own
        if form_field.identifying and not identity:
            continue
        answer = answers.get(form_field.pk)
        has_file = bool(answer and answer.file)
        shown.append(
            AnswerView(
                question=(
                    form_field.label_es if spanish and form_field.label_es else form_field.label
                ),
                kind=form_field.kind,
                text=answer.text if answer else "",
                choices=_choice_labels(form_field, answer.values or []) if answer else [],
                has_file=has_file,
                file_url=(
                    _optional_url("programs:answer_file", answer.pk)
                    if answer is not None and has_file
                    else None
                ),
            )
        )
    letters = []
    received = RecommendationRequest.objects.filter(
        application=application, received_at__isnull=False
    ).order_by("received_at", "pk")
    for number, request in enumerate(received, start=1):
        label = (
            _("Letter from %(name)s") % {"name": request.recommender_name}
            if identity
            else _("Letter of recommendation %(n)s") % {"n": number}
        )
        letters.append(
            LetterLink(label, _optional_url("programs:recommendation_letter", request.pk))
        )
    scores = {score.criterion_id: score.value for score in Score.objects.filter(review=review)}
    criteria = [
        CriterionScore(criterion, scores.get(criterion.pk))
        for criterion in Criterion.objects.filter(cycle=cycle).order_by("position", "pk")
    ]
    return ReviewSheet(
        review=review,
        application=application,
        program=program,
        cycle=cycle,
        label=application.applicant.display_name if identity else applicant_label(application),
        identity=identity,
        name=application.applicant.display_name if identity else "",
        email=application.applicant.email if identity else "",
        answers=shown,
        letters=letters,
        criteria=criteria,
        is_own=getattr(user, "pk", None) == review.reviewer_id,
        is_open=cycle.status not in services.REVIEW_CLOSED,
    )


# -- reviews for the API ---------------------------------------------------------------------


def reviews_list(user: Any, *, cycle_id: int | None = None) -> QuerySet[Review]:
    """A reviewer's own reviews (in programs they review for); staff: every review, or one
    cycle's."""
    if is_program_staff(user):
        queryset = Review.objects.all()
    else:
        queryset = Review.objects.filter(
            reviewer=user, application__cycle__program_id__in=reviewer_program_ids(user)
        )
    if cycle_id is not None:
        queryset = queryset.filter(application__cycle_id=cycle_id)
    return queryset.select_related(
        "application__cycle__program", "application__applicant"
    ).order_by("application__cycle_id", "application_id", "pk")


# -- the committee ---------------------------------------------------------------------------


@dataclasses.dataclass
class CommitteeRow:
    application: Application
    name: str
    rank: int | None
    assigned: int  # reviews assigned
    reviews: int  # reviews submitted
    raw_mean: float | None
    mean_z: float | None
    spread: float | None
    flagged_reviews: int
    can_accept: bool
    can_waitlist: bool
    can_reject: bool
    can_release: bool
    error: str = ""

    @property
    def status(self) -> str:
        return self.application.status


@dataclasses.dataclass(frozen=True)
class PlotPoint:
    application_id: int
    label: str
    cx: float
    cy: float
    status: str


@dataclasses.dataclass
class Committee:
    cycle: Cycle
    rows: list[CommitteeRow]
    seats: int
    seats_taken: int
    waitlist: list[CommitteeRow]
    reviewers: int
    flagged_reviewers: int
    letters_due: int
    points: list[PlotPoint]

    @property
    def seats_left(self) -> int:
        return max(0, self.seats - self.seats_taken)

    @property
    def seat_free_for_waitlist(self) -> bool:
        """A seat is free while applicants wait: the committee decides who gets it."""
        return self.seats_left > 0 and bool(self.waitlist)

    def row(self, application_id: int) -> CommitteeRow:
        for row in self.rows:
            if row.application.pk == application_id:
                return row
        raise Http404


PLOT: Final = {"left": 40.0, "top": 10.0, "width": 360.0, "height": 200.0, "z": 3.0}


def _allowed(application: Application) -> tuple[bool, bool, bool, bool]:
    told = application.letter_sent_at is not None
    status = application.status
    accept = status in (S.SUBMITTED, S.WAITLISTED) or (status == S.REJECTED and not told)
    waitlist = status == S.SUBMITTED or (status in (S.ACCEPTED, S.REJECTED) and not told)
    reject = status in (S.SUBMITTED, S.WAITLISTED) or (status == S.ACCEPTED and not told)
    release = status in (S.ACCEPTED, S.ENROLLED, S.WAITLISTED)
    return accept, waitlist, reject, release


def committee(cycle: Cycle) -> Committee:
    """The ranked table: each application's raw mean total, mean z-score, reviews and
    spread (z-scores by `normalize`), best mean z first; unreviewed applications last.
    Two queries, whatever the number of applications."""
    applications = list(
        Application.objects.filter(cycle=cycle, status__in=BEFORE_COMMITTEE)
        .select_related("applicant")
        .annotate(n_assigned=Count("reviews"))
        .order_by("pk")
    )
    submitted: list[tuple[int, int, Decimal]] = [
        (reviewer_id, application_id, total)
        for reviewer_id, application_id, total in Review.objects.filter(
            application__cycle=cycle,
            application__status__in=BEFORE_COMMITTEE,
            submitted_at__isnull=False,
        ).values_list("reviewer_id", "application_id", "total")
        if total is not None
    ]
    normalized = normalize(submitted)
    rows = []
    for application in applications:
        standing = normalized.applications.get(application.pk)
        accept, to_waitlist, reject, release = _allowed(application)
        rows.append(
            CommitteeRow(
                application=application,
                name=application.applicant.display_name,
                rank=None,
                assigned=application.n_assigned,
                reviews=standing.reviews if standing else 0,
                raw_mean=standing.raw_mean if standing else None,
                mean_z=standing.mean_z if standing else None,
                spread=standing.spread if standing else None,
                flagged_reviews=standing.flagged_reviews if standing else 0,
                can_accept=accept,
                can_waitlist=to_waitlist,
                can_reject=reject,
                can_release=release,
            )
        )
    rows.sort(
        key=lambda r: (
            r.mean_z is None,
            -(r.mean_z or 0.0),
            -(r.raw_mean or 0.0),
            r.application.pk,
        )
    )
    for rank, row in enumerate((r for r in rows if r.mean_z is not None), start=1):
        row.rank = rank
    seats_taken = sum(1 for r in rows if r.status in Application.SEATED)
    waitlist = sorted(
        (r for r in rows if r.status == S.WAITLISTED),
        key=lambda r: r.application.waitlist_position or 0,
    )
    return Committee(
        cycle=cycle,
        rows=rows,
        seats=cycle.seats,
        seats_taken=seats_taken,
        waitlist=waitlist,
        reviewers=len(normalized.reviewers),
        flagged_reviewers=sum(1 for s in normalized.reviewers.values() if s.flagged),
        letters_due=sum(
            1
            for r in rows
            if r.status in services.OUTCOMES and r.application.letter_sent_at is None
        ),
        points=_points(rows),
    )


def _points(rows: list[CommitteeRow]) -> list[PlotPoint]:
    """Raw mean (x, 0..100) against mean z (y, clamped to -3..3) for the dot plot."""
    points = []
    for row in rows:
        if row.raw_mean is None or row.mean_z is None:
            continue
        z = max(-PLOT["z"], min(PLOT["z"], row.mean_z))
        points.append(
            PlotPoint(
                application_id=row.application.pk,
                label=row.name,
                cx=round(PLOT["left"] + PLOT["width"] * row.raw_mean / 100, 1),
                cy=round(PLOT["top"] + PLOT["height"] * (PLOT["z"] - z) / (2 * PLOT["z"]), 1),
                status=row.status,
            )
        )
    return points


# -- letters ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LetterSlot:
    outcome: str
    outcome_label: str
    language: str
    language_label: str
    subject: str
    body: str
    template: LetterTemplate | None  # None: the shipped default applies


def letter_slots(program: Program) -> list[LetterSlot]:
    """Every outcome x language: the program's own letter, or the shipped default."""
    own = {(t.outcome, t.language): t for t in LetterTemplate.objects.filter(program=program)}
    slots = []
    for outcome, outcome_label in LetterTemplate.Outcome.choices:
        for language, language_label in settings.LANGUAGES:
            template = own.get((outcome, language))
            subject, body = (
                (template.subject, template.body)
                if template
                else services.default_letter(outcome, language)
            )
            slots.append(
                LetterSlot(
                    outcome,
                    str(outcome_label),
                    language,
                    str(language_label),
                    subject,
                    body,
                    template,
                )
            )
    return slots


# -- offers and director links ---------------------------------------------------------------


def latest_director_request(application: Application) -> DirectorApprovalRequest | None:
    return (
        DirectorApprovalRequest.objects.filter(application=application)
        .order_by("-sent_at", "-pk")
        .first()
    )


def director_request_for_token(token: str) -> DirectorApprovalRequest | None:
    return services.director_request_for_token(token)

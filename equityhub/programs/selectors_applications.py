"""Reads of programs, cycles, application forms and applications.

Who reads what (the choke-points below 404 everyone else, like a record that does not exist):
- Office staff: every program, cycle, question, application, file and letter.
- Any signed-in user: the public information of an active program with a cycle taking
  applications now, and of such a cycle (title, dates, texts, the questions); and of programs
  and cycles they have applied to. Never another applicant's anything.
- An applicant: their own applications, answers and uploaded files; that their letters of
  recommendation were requested or received, never a letter.
- A reviewer reaches applications through the review selectors (`selectors_review`); here only
  the files and letters of applications they have a review of (not the questions marked
  "identifies the applicant" when the program reviews blind).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.people.models import Affiliation, Person
from equityhub.people.selectors import current_affiliations, person_of, valid_id
from equityhub.places.models import Area
from equityhub.programs.access import is_program_staff, own_applications, reviews_for_user
from equityhub.programs.models import (
    Answer,
    Application,
    Cycle,
    FormField,
    GuardianConsentRequest,
    Program,
    RecommendationRequest,
)
from equityhub.programs.services_consent import (
    cycle_is_accepting,
    hash_token,
    is_current_for,
    is_expired,
    is_token,
)

S = Application.Status

# -- programs and cycles -----------------------------------------------------------------------


def _accepting_q(now: dt.datetime, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}status": Cycle.Status.OPEN,
            f"{prefix}opens_at__lte": now,
            f"{prefix}closes_at__gt": now,
        }
    )


def programs_for_user(user: Any) -> QuerySet[Program]:
    """Staff: every program; anyone else: active programs with a cycle taking applications or
    one of their own applications."""
    if is_program_staff(user):
        return Program.objects.all()
    now = timezone.now()
    visible = Q(is_active=True, cycles__in=Cycle.objects.filter(_accepting_q(now)))
    person = person_of(user)
    if person is not None:
        visible |= Q(cycles__applications__applicant=person)
    return Program.objects.filter(
        pk__in=Program.objects.filter(visible).values("pk")
    ).select_related("sponsor")


def cycles_for_user(user: Any) -> QuerySet[Cycle]:
    """Staff: every cycle; anyone else: cycles taking applications now (of active programs)
    and cycles they have applied to."""
    if is_program_staff(user):
        return Cycle.objects.all()
    now = timezone.now()
    visible = _accepting_q(now) & Q(program__is_active=True)
    person = person_of(user)
    if person is not None:
        visible |= Q(applications__applicant=person)
    return Cycle.objects.filter(pk__in=Cycle.objects.filter(visible).values("pk"))


def get_program_for_user(user: Any, program_id: Any) -> Program:
    pk = valid_id(program_id)
    found = programs_for_user(user).select_related("sponsor").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_cycle_for_user(user: Any, cycle_id: Any) -> Cycle:
    pk = valid_id(cycle_id)
    found = cycles_for_user(user).select_related("program__sponsor").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_field_for_user(user: Any, field_id: Any) -> FormField:
    """A question of a cycle's form, for the form builder: staff only (404 for anyone else)."""
    pk = valid_id(field_id)
    if not is_program_staff(user):
        raise Http404
    found = FormField.objects.select_related("cycle__program").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def staff_programs() -> QuerySet[Program]:
    """Every program with its cycle count and how many applications were submitted to it."""
    return (
        Program.objects.select_related("sponsor")
        .annotate(
            cycle_count=Count("cycles", distinct=True),
            submitted_count=Count(
                "cycles__applications",
                filter=Q(cycles__applications__submitted_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("-is_active", "name")
    )


def cycles_with_counts(queryset: QuerySet[Cycle]) -> QuerySet[Cycle]:
    """Cycles with `draft_count`, `submitted_count` (ever submitted), `question_count`."""
    return queryset.select_related("program").annotate(
        draft_count=Count("applications", filter=Q(applications__status=S.DRAFT), distinct=True),
        submitted_count=Count(
            "applications", filter=Q(applications__submitted_at__isnull=False), distinct=True
        ),
        question_count=Count("fields", distinct=True),
    )


def cycles_of_program(program: Program) -> QuerySet[Cycle]:
    return cycles_with_counts(Cycle.objects.filter(program=program)).order_by("-year", "pk")


def open_cycles_for_user(user: Any, now: dt.datetime | None = None) -> list[Cycle]:
    """Cycles taking applications now, of active programs, soonest deadline first; each with
    `my_application` (the user's application to it, or None)."""
    now = now or timezone.now()
    cycles = list(
        Cycle.objects.filter(_accepting_q(now), program__is_active=True)
        .select_related("program")
        .order_by("closes_at", "pk")
    )
    mine = {app.cycle_id: app for app in own_applications(user).filter(cycle__in=cycles)}
    for cycle in cycles:
        cycle.my_application = mine.get(cycle.pk)  # type: ignore[attr-defined]
    return cycles


def fields_of(cycle: Cycle) -> QuerySet[FormField]:
    return FormField.objects.filter(cycle=cycle).order_by("position", "pk")


def has_submissions(cycle: Cycle) -> bool:
    """Whether any application of the cycle has left draft (the form's questions are then
    fixed, except their wording)."""
    return Application.objects.filter(cycle=cycle).exclude(status=S.DRAFT).exists()


# -- applications ------------------------------------------------------------------------------


def applications_for_user(user: Any) -> QuerySet[Application]:
    """Staff: every application; anyone else: their own. (Reviewers: `selectors_review`.)"""
    queryset = Application.objects.all() if is_program_staff(user) else own_applications(user)
    return queryset.select_related("cycle__program", "applicant")


def get_application_for_user(user: Any, application_id: Any) -> Application:
    """The one way an application is loaded by id on these pages: the applicant's own, or any
    for office staff; 404 otherwise."""
    pk = valid_id(application_id)
    found = applications_for_user(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def own_application(user: Any, cycle: Cycle) -> Application | None:
    """The user's application to the cycle, if they started one."""
    return own_applications(user).filter(cycle=cycle).first()


def my_applications(user: Any) -> QuerySet[Application]:
    return (
        own_applications(user).select_related("cycle__program").order_by("-cycle__opens_at", "-pk")
    )


def cycle_applications(cycle: Cycle, *, status: str = "") -> QuerySet[Application]:
    """The cycle's applications for staff, with the applicant, oldest first (waitlisted by
    position)."""
    queryset = Application.objects.filter(cycle=cycle).select_related("applicant")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("waitlist_position", "submitted_at", "pk")


@dataclass(frozen=True)
class CycleSummary:
    counts: dict[str, int]
    total: int
    seats: int
    seats_taken: int
    seats_left: int
    waitlist: list[Application]


def cycle_summary(cycle: Cycle) -> CycleSummary:
    """Applications by status (every status, zeros included), seats and the waitlist in order.
    Two queries."""
    rows = (
        Application.objects.filter(cycle=cycle)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by("status")
    )
    found = {row["status"]: row["n"] for row in rows}
    counts = {status: found.get(status, 0) for status in S.values}
    waitlist = list(
        Application.objects.filter(cycle=cycle, status=S.WAITLISTED)
        .select_related("applicant")
        .order_by("waitlist_position")
    )
    return CycleSummary(
        counts=counts,
        total=sum(counts.values()),
        seats=cycle.seats,
        seats_taken=cycle.seats_taken,
        seats_left=max(cycle.seats - cycle.seats_taken, 0),
        waitlist=waitlist,
    )


# -- the application sheet ---------------------------------------------------------------------


@dataclass
class Question:
    """One question of an application's form with its answer and, for recommendation
    questions, the requests sent (newest first)."""

    field: FormField
    label: str
    help_text: str
    answer: Answer | None
    choices: list[tuple[str, str]]
    recommendations: list[RecommendationRequest] = dataclasses.field(default_factory=list)

    @property
    def key(self) -> str:
        return self.field.key

    @property
    def kind(self) -> str:
        return self.field.kind

    @property
    def is_answered(self) -> bool:
        return is_answered(self.field, self.answer)

    @property
    def chosen_labels(self) -> list[str]:
        chosen = set(self.answer.values) if self.answer is not None else set()
        return [label for value, label in self.choices if value in chosen]

    @property
    def letter_received(self) -> bool:
        return any(r.received_at is not None for r in self.recommendations)


def label_in(field: FormField, language: str) -> str:
    return field.label_es if language == "es" and field.label_es else field.label


def help_in(field: FormField, language: str) -> str:
    return field.help_text_es if language == "es" and field.help_text_es else field.help_text


def choices_in(field: FormField, language: str) -> list[tuple[str, str]]:
    options = []
    for choice in field.choices or []:
        label = choice.get("label_es") if language == "es" else ""
        options.append((str(choice.get("value", "")), str(label or choice.get("label", ""))))
    return options


def is_answered(field: FormField, answer: Answer | None) -> bool:
    if answer is None:
        return False
    if field.kind in (FormField.Kind.TEXT, FormField.Kind.LONG_TEXT):
        return bool(answer.text.strip())
    if field.kind in (FormField.Kind.CHOICE, FormField.Kind.MULTI_CHOICE):
        return bool(answer.values)
    if field.kind == FormField.Kind.FILE:
        return bool(answer.file)
    return False


def application_sheet(application: Application, language: str | None = None) -> list[Question]:
    """The application's questions in order, in `language` (the application's by default),
    with answers and recommendation requests. Three queries."""
    language = language or application.language
    answers = {a.field_id: a for a in Answer.objects.filter(application=application)}
    requests: dict[int, list[RecommendationRequest]] = {}
    for request in RecommendationRequest.objects.filter(application=application).order_by(
        "-sent_at", "-pk"
    ):
        requests.setdefault(request.field_id, []).append(request)
    return [
        Question(
            field=f,
            label=label_in(f, language),
            help_text=help_in(f, language),
            answer=answers.get(f.pk),
            choices=choices_in(f, language),
            recommendations=requests.get(f.pk, []),
        )
        for f in fields_of(application.cycle)
    ]


# -- what stands between a draft and its submission --------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One reason an application cannot be submitted yet. `code`: closed, status, unanswered,
    recommendation, date_of_birth, age, grade, home_zip, residence, guardian_consent. `field`:
    the question's key, when it is about one question."""

    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.message, "field": self.field}


def eligibility_date(cycle: Cycle) -> dt.date:
    """The day ages are counted on: the program's first day, else the closing day."""
    return cycle.starts_on or timezone.localdate(cycle.closes_at)


def current_grade(person: Person, today: dt.date | None = None) -> int | None:
    """The school grade of the person's current affiliation (the primary one first)."""
    affiliation: Affiliation | None = (
        current_affiliations(today)
        .filter(person=person, grade_level__isnull=False)
        .order_by("-is_primary", "-start_date", "pk")
        .first()
    )
    return affiliation.grade_level if affiliation is not None else None


def _eligibility_problems(
    program: Program, cycle: Cycle, person: Person, today: dt.date
) -> list[Problem]:
    problems: list[Problem] = []
    on = eligibility_date(cycle)
    ages_checked = program.min_age is not None or program.max_age is not None
    if person.date_of_birth is None:
        # Every program needs it: without it nobody can tell whether a guardian must consent.
        problems.append(
            Problem(
                "date_of_birth",
                _("Add your date of birth to your profile: this program needs it."),
            )
        )
    elif ages_checked:
        age = person.age_on(on) or 0
        if program.min_age is not None and age < program.min_age:
            problems.append(
                Problem(
                    "age",
                    _("Applicants must be at least %(age)d years old when the program starts.")
                    % {"age": program.min_age},
                )
            )
        if program.max_age is not None and age > program.max_age:
            problems.append(
                Problem(
                    "age",
                    _("Applicants must be at most %(age)d years old when the program starts.")
                    % {"age": program.max_age},
                )
            )
    if program.min_grade is not None or program.max_grade is not None:
        grade = current_grade(person, today)
        low = program.min_grade or 1
        high = program.max_grade or 12
        if grade is None:
            problems.append(
                Problem(
                    "grade",
                    _("Add your school and grade to your profile: this program needs them."),
                )
            )
        elif not low <= grade <= high:
            problems.append(
                Problem(
                    "grade",
                    _("This program is for students in grades %(low)d to %(high)d.")
                    % {"low": low, "high": high},
                )
            )
    areas = list(program.residence_areas.all())
    if areas:
        if not person.home_zip:
            problems.append(
                Problem(
                    "home_zip",
                    _("Add your home ZIP code to your profile: this program needs it."),
                )
            )
        elif not any(a.kind == Area.Kind.ZCTA and a.code == person.home_zip for a in areas):
            names = ", ".join(sorted(a.name or a.code for a in areas))
            problems.append(
                Problem(
                    "residence",
                    _("This program is for applicants who live in: %(areas)s.") % {"areas": names},
                )
            )
    return problems


def needs_guardian_consent(application: Application, today: dt.date | None = None) -> bool:
    return application.applicant.is_minor_on(today or timezone.localdate())


def has_current_guardian_consent(application: Application, today: dt.date | None = None) -> bool:
    """A guardian consent linked to the application that is current today and given for this
    application: kind guardian, for the applicant, scope "program application #<id>", not
    withdrawn, not expired. A request merely sent is not a consent."""
    consent = application.guardian_consent
    if consent is None:
        return False
    return is_current_for(consent, application, today)


def submission_problems(
    application: Application, *, now: dt.datetime | None = None
) -> list[Problem]:
    """Every reason the application cannot be submitted now (empty: it can). The application
    should be fresh from the database (the submission service passes its locked copy)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cycle = application.cycle
    program = cycle.program
    problems: list[Problem] = []
    if application.status != S.DRAFT:
        problems.append(Problem("status", _("This application is no longer a draft.")))
    if not cycle_is_accepting(cycle, now):
        problems.append(Problem("closed", _("This program is not taking applications now.")))
    for question in application_sheet(application):
        if not question.field.required:
            continue
        if question.kind == FormField.Kind.RECOMMENDATION:
            if not any(
                r.received_at is not None or not is_expired(r, now)
                for r in question.recommendations
            ):
                problems.append(
                    Problem(
                        "recommendation",
                        _("Ask someone for a letter of recommendation: %(question)s")
                        % {"question": question.label},
                        field=question.key,
                    )
                )
        elif not question.is_answered:
            problems.append(
                Problem(
                    "unanswered",
                    _("Answer the question: %(question)s") % {"question": question.label},
                    field=question.key,
                )
            )
    problems.extend(_eligibility_problems(program, cycle, application.applicant, today))
    if needs_guardian_consent(application, today) and not has_current_guardian_consent(
        application, today
    ):
        problems.append(
            Problem(
                "guardian_consent",
                _(
                    "You are under 18: a parent or guardian must consent through their own "
                    "e-mail link before you can submit."
                ),
            )
        )
    return problems


@dataclass(frozen=True)
class GuardianStatus:
    needed: bool
    consented: bool
    latest: GuardianConsentRequest | None
    state: str  # none, pending, expired, declined, consented, withdrawn


def guardian_status(application: Application, now: dt.datetime | None = None) -> GuardianStatus:
    now = now or timezone.now()
    today = timezone.localdate(now)
    needed = needs_guardian_consent(application, today)
    consented = has_current_guardian_consent(application, today)
    latest = (
        GuardianConsentRequest.objects.filter(application=application)
        .order_by("-sent_at", "-pk")
        .first()
    )
    state = "none"
    if consented:
        state = "consented"
    elif application.guardian_consent is not None and application.guardian_consent.withdrawn_at:
        state = "withdrawn"
    elif latest is not None:
        state = guardian_link_state(latest, now)
    return GuardianStatus(needed=needed, consented=consented, latest=latest, state=state)


# -- private links -----------------------------------------------------------------------------


def guardian_request_for_token(token: str) -> GuardianConsentRequest | None:
    if not is_token(token):
        return None
    return (
        GuardianConsentRequest.objects.select_related(
            "application__cycle__program", "application__applicant", "application__guardian_consent"
        )
        .filter(digest=hash_token(token))
        .first()
    )


def guardian_link_state(request: GuardianConsentRequest, now: dt.datetime | None = None) -> str:
    """pending (may answer), expired (not answered in time, or superseded), declined,
    consented (may withdraw), withdrawn (the consent was withdrawn), closed (the application
    left draft without this guardian's answer)."""
    now = now or timezone.now()
    if request.answered_at is not None:
        if request.declined:
            return "declined"
        consent = request.application.guardian_consent
        if consent is not None and consent.withdrawn_at is not None:
            return "withdrawn"
        return "consented"
    if is_expired(request, now):
        return "expired"
    if request.application.status != S.DRAFT:
        return "closed"
    return "pending"


def recommendation_for_token(token: str) -> RecommendationRequest | None:
    if not is_token(token):
        return None
    return (
        RecommendationRequest.objects.select_related(
            "application__cycle__program", "application__applicant", "field"
        )
        .filter(digest=hash_token(token))
        .first()
    )


def recommendation_link_state(
    recommendation: RecommendationRequest, now: dt.datetime | None = None
) -> str:
    """pending (may upload), received, expired, closed (the application was withdrawn)."""
    now = now or timezone.now()
    if recommendation.received_at is not None:
        return "received"
    if is_expired(recommendation, now):
        return "expired"
    if recommendation.application.status == S.WITHDRAWN:
        return "closed"
    return "pending"


# -- files and letters -------------------------------------------------------------------------


def _reviewed_application_ids(user: Any) -> QuerySet[Any]:
    return reviews_for_user(user).values("application_id")


def _reviewer_may_see(field: FormField, program: Program) -> bool:
    """A reviewer sees a question's file unless it identifies the applicant in a blind review."""
    return not (program.blind_review and field.identifying)


def get_answer_file_for_user(user: Any, answer_id: Any) -> Answer:
    """An uploaded answer file: the applicant's own, any for staff, and for a reviewer one of an
    application they review (not an identifying question's under blind review)."""
    pk = valid_id(answer_id)
    answer = (
        Answer.objects.select_related("field", "application__cycle__program")
        .filter(pk=pk, field__kind=FormField.Kind.FILE)
        .exclude(file="")
        .first()
    )
    if answer is None:
        raise Http404
    application = answer.application
    if is_program_staff(user) or own_applications(user).filter(pk=application.pk).exists():
        return answer
    if _reviewed_application_ids(user).filter(application_id=application.pk).exists() and (
        _reviewer_may_see(answer.field, application.cycle.program)
    ):
        return answer
    raise Http404


def get_recommendation_letter_for_user(user: Any, recommendation_id: Any) -> RecommendationRequest:
    """A received letter: office staff, or a reviewer with a review of the application (not
    when the program reviews blind and the question is marked identifying). Never the applicant:
    letters are confidential. 404 otherwise."""
    pk = valid_id(recommendation_id)
    found = (
        RecommendationRequest.objects.select_related("field", "application__cycle__program")
        .filter(pk=pk, received_at__isnull=False)
        .exclude(letter="")
        .first()
    )
    if found is None:
        raise Http404
    if is_program_staff(user):
        return found
    application = found.application
    if _reviewed_application_ids(user).filter(application_id=application.pk).exists() and (
        _reviewer_may_see(found.field, application.cycle.program)
    ):
        return found
    raise Http404

"""Every write of pathway-program review and decisions: the rubric, conflicts of interest,
reviewer assignment, reviews, committee decisions with seats and a waitlist, the applicant's
answer to an offer, the program director's approval, and decision letters. Keyword-only,
atomic, audited as `programs.*`; mail goes out on commit, in the recipient's language.

Who: office staff (`access.is_program_staff`) unless a function says otherwise. A reviewer
submits their own reviews and declares their own conflicts; an applicant answers their own
offer and names their own program director; the director answers through a private link.

Seats, like shift slots (see `equityhub.volunteering.services`): every change that takes,
frees or queues for a seat locks the cycle's row, then the application's row, always in that
order, recounts the seated applications from the rows inside the transaction, and rewrites
`Cycle.seats_taken` from that count; the database CHECK `seats_taken <= seats` and the unique
waitlist position are the backstop. (The cycle comes first, not the application: closing a
gap in the waitlist updates other applications' rows, so a transaction holding one
application's row while waiting for the cycle would deadlock with the one holding the cycle.
Callers elsewhere must not hold an application's row lock when they call in here.) Waitlist
positions are 1..n, first come first served by decision time; a departure closes the gap
with two range-shifting UPDATEs (through a range no position uses, so the unique constraint
holds after every row on every database). A freed seat is not given to the next on the
waitlist: the committee decides (the committee page says that a seat is free).

Director approval (programs with `needs_director_approval`, e.g. residents and fellows): an
acceptance waits for the applicant's program director (`director_approval` = pending); the
applicant names the director, who gets a private link (only its SHA-256 digest is stored,
valid 14 days; naming someone again voids earlier links) and approves or declines there. The
applicant can take up the seat only once approved; a refusal releases the seat.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Final

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from equityhub.accounts.models import Role, RoleAssignment, User
from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.core.exceptions import clean_model as _clean
from equityhub.core.tasks import send_email
from equityhub.lib.assignment import plan_assignment
from equityhub.people.selectors import person_of
from equityhub.programs.access import is_program_staff, reviewer_program_ids
from equityhub.programs.models import (
    Application,
    ConflictOfInterest,
    Criterion,
    Cycle,
    DirectorApprovalRequest,
    LetterTemplate,
    Program,
    Review,
    Score,
)
from equityhub.programs.services_consent import clean_text, hash_token, new_token

S = Application.Status
APPROVAL = Application.Approval
OUTCOMES: Final = frozenset(LetterTemplate.Outcome.values)
DECIDABLE: Final = frozenset({S.SUBMITTED, S.WAITLISTED, S.ACCEPTED, S.REJECTED})
# Reviews close, and reviewers are no longer assigned, once the cycle's decisions are made.
REVIEW_CLOSED: Final = frozenset(
    {Cycle.Status.DECIDED, Cycle.Status.RUNNING, Cycle.Status.COMPLETED}
)
ASSIGNABLE: Final = frozenset({Cycle.Status.OPEN, Cycle.Status.REVIEW})
DECIDING: Final = frozenset(
    {Cycle.Status.OPEN, Cycle.Status.REVIEW, Cycle.Status.DECIDED, Cycle.Status.RUNNING}
)
CRITERION_FIELDS: Final = ["name", "description", "weight", "max_score", "position"]
LETTER_FIELDS: Final = ("name", "program", "cycle", "waitlist_position")
TOKEN_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{20,200}")
DIRECTOR_LINK_DAYS: Final = 14
MAX_NOTE: Final = 2000
MAX_COMMENTS: Final = 10000
WAITLIST_OFFSET: Final = 1_000_000


# -- helpers ---------------------------------------------------------------------------------


def _mail(address: str, subject: str, body: str) -> None:
    if not address:
        return
    transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=body, to=[address]))


def _absolute(path: str) -> str:
    return settings.SITE_ROOT.rstrip("/") + path


def _require_staff(actor: Any) -> None:
    if not is_program_staff(actor):
        raise NotAllowed(_("Only the program office may do this."))


def _is_applicant(actor: Any, application: Application) -> bool:
    person = person_of(actor)
    return person is not None and person.pk == application.applicant_id


def _lock_application(application_id: int) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("applicant", "cycle__program")
        .get(pk=application_id)
    )


def _lock_cycle(cycle_id: int) -> Cycle:
    return Cycle.objects.select_for_update().select_related("program").get(pk=cycle_id)


def _lock_both(application: Application) -> tuple[Application, Cycle]:
    """The cycle's row, then the application's: the one order (see the module docstring)."""
    cycle = _lock_cycle(application.cycle_id)
    locked = _lock_application(application.pk)
    locked.cycle = cycle
    return locked, cycle


def _seated(cycle: Cycle) -> int:
    return Application.objects.filter(cycle=cycle, status__in=Application.SEATED).count()


def _save_seats(cycle: Cycle) -> None:
    cycle.seats_taken = _seated(cycle)
    Cycle.objects.filter(pk=cycle.pk).update(seats_taken=cycle.seats_taken)


def _next_waitlist_position(cycle: Cycle) -> int:
    last = Application.objects.filter(cycle=cycle, status=S.WAITLISTED).aggregate(
        last=Max("waitlist_position")
    )["last"]
    return (last or 0) + 1


def _close_waitlist_gap(cycle: Cycle, position: int) -> None:
    """Move everyone behind `position` up one place, through a range no position uses."""
    Application.objects.filter(
        cycle=cycle, status=S.WAITLISTED, waitlist_position__gt=position
    ).update(waitlist_position=F("waitlist_position") + WAITLIST_OFFSET - 1)
    Application.objects.filter(
        cycle=cycle, status=S.WAITLISTED, waitlist_position__gte=WAITLIST_OFFSET
    ).update(waitlist_position=F("waitlist_position") - WAITLIST_OFFSET)


def _void_director_links(application: Application, now: dt.datetime) -> None:
    DirectorApprovalRequest.objects.filter(
        application=application, answered_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)


def _leave(application: Application, now: dt.datetime) -> int | None:
    """Take a locked application off the waitlist or out of its seat: returns the waitlist
    position it leaves, if any. The caller sets the new status, saves, closes the gap behind
    the freed position (the row must leave its position first) and rewrites the seat count."""
    position = application.waitlist_position if application.status == S.WAITLISTED else None
    application.waitlist_position = None
    if application.director_approval == APPROVAL.PENDING:
        _void_director_links(application, now)
    return position


APPLICATION_STATE: Final = [
    "status",
    "waitlist_position",
    "decided_at",
    "decided_by_id",
    "decision_note",
    "letter_sent_at",
    "director_approval",
]


def _save_application(application: Application) -> None:
    application.save(update_fields=[*APPLICATION_STATE, "withdrawn_at", "updated_at"])


# -- the rubric ------------------------------------------------------------------------------


def rubric_locked(cycle: Cycle) -> bool:
    """The rubric is fixed once any review of the cycle has been submitted."""
    return Review.objects.filter(application__cycle=cycle, submitted_at__isnull=False).exists()


def _require_rubric_open(cycle: Cycle) -> None:
    if rubric_locked(cycle):
        raise Conflict(
            _("Reviews have been submitted with this rubric; its criteria can no longer change.")
        )


def _check_criterion(criterion: Criterion) -> None:
    if criterion.weight is None or Decimal(criterion.weight) <= 0:
        raise ServiceError(_("The weight must be greater than 0."), field="weight")
    if not criterion.max_score or criterion.max_score <= 0:
        raise ServiceError(_("The highest score must be at least 1."), field="max_score")
    _clean(criterion, exclude=["cycle"])
    taken = Criterion.objects.filter(cycle_id=criterion.cycle_id, name__iexact=criterion.name)
    if taken.exclude(pk=criterion.pk).exists():
        raise Conflict(_("This rubric already has a criterion with this name."), field="name")


def create_criterion(
    *,
    cycle: Cycle,
    actor: Any,
    name: str,
    weight: Decimal | int | str = 1,
    max_score: int = 5,
    description: str = "",
    position: int | None = None,
) -> Criterion:
    """Add a criterion to a cycle's rubric (staff; not once reviews are submitted).

    Side effects: the criterion; audit `programs.criterion.created`."""
    _require_staff(actor)
    with transaction.atomic():
        locked = _lock_cycle(cycle.pk)
        _require_rubric_open(locked)
        if position is None:
            last = Criterion.objects.filter(cycle=locked).aggregate(last=Max("position"))["last"]
            position = (last or 0) + 1
        criterion = Criterion(
            cycle=locked,
            name=clean_text(name, field="name", max_length=200, required=True),
            description=clean_text(description, field="description", max_length=5000),
            weight=_decimal(weight),
            max_score=max_score,
            position=position,
        )
        _check_criterion(criterion)
        criterion.save()
        record(
            "programs.criterion.created",
            actor=actor,
            obj=criterion,
            data={"cycle": locked.pk, **snapshot(criterion, CRITERION_FIELDS)},
        )
    return criterion


def _decimal(value: Decimal | int | str | float) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise ServiceError(_("Enter a number."), field="weight") from None


def update_criterion(*, criterion: Criterion, actor: Any, **changes: Any) -> Criterion:
    """Change a criterion's name, description, weight, highest score or position (staff; not
    once reviews are submitted). Side effects: audit `programs.criterion.updated`."""
    _require_staff(actor)
    unknown = set(changes) - set(CRITERION_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    with transaction.atomic():
        _lock_cycle(criterion.cycle_id)
        locked = Criterion.objects.select_for_update().get(pk=criterion.pk)
        _require_rubric_open(locked.cycle)
        before = snapshot(locked, CRITERION_FIELDS)
        for name, given in changes.items():
            value = given
            if name in {"name", "description"}:
                value = clean_text(
                    given,
                    field=name,
                    max_length=200 if name == "name" else 5000,
                    required=name == "name",
                )
            elif name == "weight":
                value = _decimal(given)
            setattr(locked, name, value)
        _check_criterion(locked)
        locked.save()
        record(
            "programs.criterion.updated",
            actor=actor,
            obj=locked,
            changes=diff(before, snapshot(locked, CRITERION_FIELDS)),
        )
    for name in CRITERION_FIELDS:
        setattr(criterion, name, getattr(locked, name))
    return locked


def delete_criterion(*, criterion: Criterion, actor: Any) -> None:
    """Remove a criterion (staff; not once reviews are submitted).

    Side effects: the criterion and its scores deleted; audit `programs.criterion.deleted`."""
    _require_staff(actor)
    with transaction.atomic():
        cycle = _lock_cycle(criterion.cycle_id)
        _require_rubric_open(cycle)
        data = {"cycle": cycle.pk, **snapshot(criterion, CRITERION_FIELDS)}
        record("programs.criterion.deleted", actor=actor, obj=criterion, data=data)
        Criterion.objects.filter(pk=criterion.pk).delete()


# -- conflicts of interest -------------------------------------------------------------------


def is_program_reviewer(user: Any, program: Program) -> bool:
    return program.pk in reviewer_program_ids(user)


def declare_conflict(
    *, reviewer: User, application: Application, actor: Any, reason: str = ""
) -> ConflictOfInterest:
    """Record that `reviewer` must not review `application` (the reviewer themself, or staff).

    Side effects, in order: the conflict (once per pair; declaring again keeps the first and
    its reason); the pair's review removed if it was not submitted yet (a submitted review is
    removed only when staff declare the conflict: its reviewer cannot withdraw scores the
    committee may have seen); audit `programs.conflict.declared`.
    """
    staff = is_program_staff(actor)
    if not staff and getattr(actor, "pk", None) != reviewer.pk:
        raise NotAllowed(_("Reviewers declare their own conflicts of interest."))
    program = application.cycle.program
    if not is_program_reviewer(reviewer, program):
        raise ServiceError(
            _("%(user)s does not review for %(program)s.")
            % {"user": reviewer.email, "program": program.name},
            field="reviewer",
        )
    reason = clean_text(reason, field="reason", max_length=300)
    with transaction.atomic():
        locked, _cycle = _lock_both(application)
        review = (
            Review.objects.select_for_update().filter(application=locked, reviewer=reviewer).first()
        )
        if review is not None and review.submitted_at is not None and not staff:
            raise Conflict(
                _(
                    "You have already submitted this review. Ask the program office to set "
                    "it aside because of the conflict."
                )
            )
        conflict, created = ConflictOfInterest.objects.get_or_create(
            reviewer=reviewer,
            application=locked,
            defaults={"cycle_id": locked.cycle_id, "reason": reason},
        )
        removed: dict[str, Any] | None = None
        if review is not None:
            removed = {
                "review": review.pk,
                "submitted": review.submitted_at is not None,
                "total": review.total,
            }
            review.delete()
        record(
            "programs.conflict.declared",
            actor=actor,
            obj=conflict,
            data={
                "reviewer": reviewer.pk,
                "application": locked.pk,
                "reason": reason,
                "new": created,
                "removed_review": removed,
            },
        )
    return conflict


# -- assignment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShortApplication:
    application_id: int
    reviews: int  # reviews it has after the assignment
    needed: int  # reviews it should have


@dataclass(frozen=True)
class AssignmentSummary:
    cycle_id: int
    per_application: int
    reviewers: int
    applications: int  # submitted applications considered
    created: int  # reviews assigned now
    loads: dict[int, int]  # reviewer id -> reviews of the cycle after the assignment
    short: list[ShortApplication] = field(default_factory=list)
    balanced: bool = True
    note: str = ""

    @property
    def min_load(self) -> int:
        return min(self.loads.values(), default=0)

    @property
    def max_load(self) -> int:
        return max(self.loads.values(), default=0)


def program_reviewers(program: Program) -> QuerySet[User]:
    """Active users holding the REVIEWER role for `program` today, by id."""
    holders = RoleAssignment.objects.current().filter(
        role=Role.REVIEWER,
        scope_type=ContentType.objects.get_for_model(Program),
        scope_id=program.pk,
    )
    return User.objects.filter(is_active=True, pk__in=holders.values("user_id")).order_by("pk")


def assign_reviewers(
    *, cycle: Cycle, actor: Any, per_application: int | None = None, seed: int | None = None
) -> AssignmentSummary:
    """Give each submitted application of the cycle its reviewers (staff).

    Idempotent: existing reviews are kept and count, both towards an application's reviews
    and towards a reviewer's load. The program's current reviewers are balanced with
    `equityhub.lib.assignment` (loads within one of each other when the conflicts allow);
    declared conflicts, and an applicant's own account, are never assigned. An application
    with too few reviewers free of conflicts gets those it can and is listed in `short`.

    Side effects, in order: the new reviews; audit `programs.reviewers.assigned`; on commit,
    one e-mail per reviewer with new reviews (in their language).
    """
    _require_staff(actor)
    with transaction.atomic():
        locked = _lock_cycle(cycle.pk)
        if locked.status not in ASSIGNABLE:
            raise Conflict(
                _("Reviewers are assigned while a cycle is open or in review; this one is %(s)s.")
                % {"s": locked.get_status_display().lower()}
            )
        k = per_application if per_application is not None else locked.reviews_per_application
        if not 1 <= k <= 20:
            raise ServiceError(
                _("Each application needs between 1 and 20 reviews."), field="per_application"
            )
        reviewers = list(program_reviewers(locked.program))
        applications = list(
            Application.objects.filter(cycle=locked, status=S.SUBMITTED)
            .select_related("applicant")
            .order_by("pk")
        )
        if not reviewers and applications:
            raise Conflict(
                _("Nobody reviews for %(program)s yet: give reviewers the role first.")
                % {"program": locked.program.name}
            )
        summary = _assign(
            cycle=locked,
            actor=actor,
            k=k,
            reviewers=reviewers,
            applications=applications,
            seed=seed,
        )
    return summary


def _assign(
    *,
    cycle: Cycle,
    actor: Any,
    k: int,
    reviewers: list[User],
    applications: list[Application],
    seed: int | None,
) -> AssignmentSummary:
    rev_index = {user.pk: j for j, user in enumerate(reviewers)}
    app_index = {app.pk: i for i, app in enumerate(applications)}
    existing_pairs = list(
        Review.objects.filter(application__cycle=cycle).values_list("application_id", "reviewer_id")
    )
    loads = Counter(reviewer_id for _app, reviewer_id in existing_pairs)
    has = Counter(app_id for app_id, _reviewer in existing_pairs)
    blocked: set[tuple[int, int]] = set()
    declared = ConflictOfInterest.objects.filter(cycle=cycle).values_list(
        "application_id", "reviewer_id"
    )
    for app_id, reviewer_id in [*existing_pairs, *declared]:
        if app_id in app_index and reviewer_id in rev_index:
            blocked.add((app_index[app_id], rev_index[reviewer_id]))
    for app in applications:
        if app.applicant.user_id in rev_index:
            blocked.add((app_index[app.pk], rev_index[app.applicant.user_id]))

    free = [len(reviewers)] * len(applications)
    for i, _j in blocked:
        free[i] -= 1
    need: list[int] = []
    short: list[ShortApplication] = []
    for i, app in enumerate(applications):
        wanted = max(0, k - has[app.pk])
        if free[i] < wanted:
            short.append(ShortApplication(app.pk, has[app.pk] + free[i], k))
            wanted = free[i]
        need.append(wanted)

    plan = plan_assignment(
        len(applications),
        len(reviewers),
        need,
        blocked,
        existing_loads=[loads[user.pk] for user in reviewers],
        seed=seed if seed is not None else cycle.pk,
    )
    new = [
        Review(application=applications[i], reviewer=reviewers[j])
        for i, chosen in enumerate(plan.reviewers)
        for j in chosen
    ]
    Review.objects.bulk_create(new)
    summary = AssignmentSummary(
        cycle_id=cycle.pk,
        per_application=k,
        reviewers=len(reviewers),
        applications=len(applications),
        created=len(new),
        loads={user.pk: plan.loads[j] for j, user in enumerate(reviewers)},
        short=short,
        balanced=plan.balanced,
        note=plan.note,
    )
    record(
        "programs.reviewers.assigned",
        actor=actor,
        obj=cycle,
        data={
            "per_application": k,
            "created": len(new),
            "reviewers": len(reviewers),
            "applications": len(applications),
            "min_load": summary.min_load,
            "max_load": summary.max_load,
            "short": [s.application_id for s in short],
            "balanced": plan.balanced,
        },
    )
    new_counts = Counter(review.reviewer_id for review in new)
    for user in reviewers:
        if new_counts[user.pk]:
            _mail_reviewer(user, cycle, new_counts[user.pk])
    return summary


def _mail_reviewer(user: User, cycle: Cycle, count: int) -> None:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Applications to review: %(cycle)s") % {"cycle": cycle.title}
        body = _(
            "Hello,\n\n%(n)s new applications to %(cycle)s are waiting for your review:\n"
            "%(url)s\n\nIf you know an applicant, declare a conflict of interest on the "
            "review page instead of scoring.\n\nThank you!"
        ) % {"n": count, "cycle": cycle.title, "url": _absolute(reverse("programs:review_queue"))}
    _mail(user.email, subject, body)


# -- reviews ---------------------------------------------------------------------------------


def weighted_total(rows: Iterable[tuple[Decimal | int, int, int]]) -> Decimal:
    """100 * sum(w * s / max) / sum(w) over (weight, highest score, score), to 0.01."""
    numerator, weights = Fraction(0), Fraction(0)
    for weight, max_score, score in rows:
        w = Fraction(Decimal(weight))
        numerator += w * Fraction(score, max_score)
        weights += w
    if weights == 0:
        raise ValueError("a rubric needs at least one criterion with a positive weight")
    exact = 100 * numerator / weights
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def _score_field(criterion_id: int) -> str:
    return f"score_{criterion_id}"


def _clean_scores(criteria: list[Criterion], scores: Mapping[Any, Any]) -> dict[int, int]:
    known = {criterion.pk: criterion for criterion in criteria}
    values: dict[int, int] = {}
    for key, value in scores.items():
        try:
            criterion_id = int(key)
        except (TypeError, ValueError):
            criterion_id = 0
        if criterion_id not in known:
            raise ServiceError(
                _("%(key)s is not a criterion of this rubric.") % {"key": key}, field="scores"
            )
        values[criterion_id] = value
    for criterion in criteria:
        name = _score_field(criterion.pk)
        if criterion.pk not in values:
            raise ServiceError(
                _("Score %(criterion)s.") % {"criterion": criterion.name}, field=name
            )
        value = values[criterion.pk]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ServiceError(
                _("%(criterion)s: enter a whole number.") % {"criterion": criterion.name},
                field=name,
            )
        if not 0 <= value <= criterion.max_score:
            raise ServiceError(
                _("%(criterion)s: give a score from 0 to %(max)s.")
                % {"criterion": criterion.name, "max": criterion.max_score},
                field=name,
            )
    return values


def submit_review(
    *, review: Review, actor: Any, scores: Mapping[int, int], comments: str = ""
) -> Review:
    """Score a review (its reviewer only): every criterion 0..its highest score.

    The total is 100 * sum(weight * score / highest) / sum(weights), to 0.01. A review can be
    submitted again (the scores replaced) until the cycle's decisions are made.

    Side effects, in order: the scores; the review's total, comments and submission time;
    audit `programs.review.submitted`.
    """
    if getattr(actor, "pk", None) != review.reviewer_id:
        raise NotAllowed(_("Only the assigned reviewer may score this review."))
    comments = clean_text(comments, field="comments", max_length=MAX_COMMENTS)
    with transaction.atomic():
        locked = (
            Review.objects.select_for_update()
            .select_related("application__cycle__program")
            .get(pk=review.pk)
        )
        application = locked.application
        cycle = application.cycle
        if not is_program_reviewer(actor, cycle.program):
            raise NotAllowed(_("You no longer review for this program."))
        if cycle.status in REVIEW_CLOSED:
            raise Conflict(_("Decisions for this cycle are made; reviews are closed."))
        if application.status in {S.DRAFT, S.WITHDRAWN}:
            raise Conflict(_("This application was withdrawn; it needs no review."))
        criteria = list(Criterion.objects.filter(cycle=cycle).order_by("position", "pk"))
        if not criteria:
            raise Conflict(_("This cycle has no rubric yet: the program office adds criteria."))
        values = _clean_scores(criteria, scores)
        total = weighted_total((c.weight, c.max_score, values[c.pk]) for c in criteria)
        again = locked.submitted_at is not None
        Score.objects.filter(review=locked).delete()
        Score.objects.bulk_create(
            Score(review=locked, criterion=c, value=values[c.pk]) for c in criteria
        )
        locked.total = total
        locked.comments = comments
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["total", "comments", "submitted_at"])
        record(
            "programs.review.resubmitted" if again else "programs.review.submitted",
            actor=actor,
            obj=locked,
            data={"total": total, "scores": {str(c.pk): values[c.pk] for c in criteria}},
        )
    review.total, review.comments, review.submitted_at = total, comments, locked.submitted_at
    return locked


# -- decisions -------------------------------------------------------------------------------


def _check_transition(application: Application, outcome: str) -> None:
    current = application.status
    if current not in DECIDABLE:
        raise Conflict(
            _("This application cannot be decided: it is %(status)s.")
            % {"status": application.get_status_display().lower()}
        )
    if current == outcome:
        raise Conflict(
            _("This application is already %(status)s.")
            % {"status": application.get_status_display().lower()}
        )
    told = application.letter_sent_at is not None
    if current == S.ACCEPTED and told:
        raise Conflict(
            _(
                "The applicant has been offered a seat; if they decline or leave, release the "
                "seat instead."
            )
        )
    if current == S.REJECTED and told:
        raise Conflict(_("The applicant has been told they were not selected."))


def decide(*, application: Application, actor: Any, outcome: str, note: str = "") -> Application:
    """The committee's decision on an application: accepted, waitlisted or rejected (staff).

    Accepting needs a free seat (recounted under the locks; "waitlist instead" otherwise); a
    waitlisted application goes to the end of the waitlist. A decision can change (a
    waitlisted applicant accepted when a seat frees up, a decision not yet sent revised);
    the new decision's letter is then due. In a program that needs its director's approval,
    an acceptance waits for it.

    Side effects, in order: the application's status, waitlist position and decision (the
    gap it leaves in the waitlist closed); the cycle's seat count; audit
    `programs.application.decided`.
    """
    _require_staff(actor)
    if outcome not in OUTCOMES:
        raise ServiceError(_("Choose accepted, waitlisted or rejected."), field="outcome")
    note = clean_text(note, field="note", max_length=MAX_NOTE)
    try:
        with transaction.atomic():
            return _decide_locked(application, actor, outcome, note)
    except IntegrityError:
        # The constraints caught what the locks should have: report it as the conflict it is.
        raise Conflict(
            _("The seats or the waitlist changed at the same time; reload and try again.")
        ) from None


def _decide_locked(application: Application, actor: Any, outcome: str, note: str) -> Application:
    now = timezone.now()
    locked, cycle = _lock_both(application)
    if cycle.status not in DECIDING:
        raise Conflict(
            _("Decisions are made while a cycle is open, in review or decided; this one is %(s)s.")
            % {"s": cycle.get_status_display().lower()}
        )
    _check_transition(locked, outcome)
    if outcome == S.ACCEPTED:
        seated = _seated(cycle)
        if seated >= cycle.seats:
            raise Conflict(
                _("All %(n)s seats are taken; waitlist instead.") % {"n": cycle.seats},
                field="outcome",
            )
    was, was_position = locked.status, locked.waitlist_position
    freed = _leave(locked, now)
    locked.status = outcome
    locked.waitlist_position = _next_waitlist_position(cycle) if outcome == S.WAITLISTED else None
    locked.director_approval = (
        APPROVAL.PENDING
        if outcome == S.ACCEPTED and cycle.program.needs_director_approval
        else APPROVAL.NOT_NEEDED
    )
    locked.decided_at = now
    locked.decided_by = actor
    locked.decision_note = note
    locked.letter_sent_at = None
    _save_application(locked)
    if freed is not None:
        _close_waitlist_gap(cycle, freed)
    _save_seats(cycle)
    record(
        "programs.application.decided",
        actor=actor,
        obj=locked,
        data={
            "from": was,
            "from_position": was_position,
            "outcome": outcome,
            "waitlist_position": locked.waitlist_position,
            "seats_taken": cycle.seats_taken,
            "director_approval": locked.director_approval,
            "note": note,
        },
    )
    return locked


RELEASE_STATUSES: Final = frozenset({S.DECLINED, S.WITHDRAWN})


def release_seat(
    *,
    application: Application,
    actor: Any,
    status: str = S.DECLINED,
    reason: str = "",
    on_consent_withdrawal: bool = False,
) -> Application:
    """An accepted or enrolled applicant gives up their seat, or a waitlisted one their place
    (staff, the applicant themself, or a guardian's consent withdrawal): the application
    becomes `declined` (default) or `withdrawn`. The freed seat is not given to the next on
    the waitlist: the committee decides.

    Side effects, in order: the application's status (the waitlist's gap closed, open
    director links voided); the cycle's seat count; audit `programs.application.released`.
    """
    # A guardian withdrawing consent (through their link, with no account) withdraws the
    # application whoever holds the consent: `on_consent_withdrawal` is that system path.
    allowed = on_consent_withdrawal or is_program_staff(actor) or _is_applicant(actor, application)
    if not allowed:
        raise NotAllowed(_("Only the applicant or the program office may do this."))
    if status not in RELEASE_STATUSES:
        raise ServiceError(_("Choose declined or withdrawn."), field="status")
    reason = clean_text(reason, field="reason", max_length=MAX_NOTE)
    with transaction.atomic():
        locked, cycle = _lock_both(application)
        _release_locked(locked, cycle, actor=actor, status=status, reason=reason)
    return locked


def _release_locked(
    application: Application, cycle: Cycle, *, actor: Any, status: str, reason: str
) -> None:
    if application.status not in Application.SEATED | {S.WAITLISTED}:
        raise Conflict(
            _("This application holds no seat and no waitlist place: it is %(status)s.")
            % {"status": application.get_status_display().lower()}
        )
    now = timezone.now()
    was, was_position = application.status, application.waitlist_position
    freed = _leave(application, now)
    application.status = status
    if status == S.WITHDRAWN:
        application.withdrawn_at = now
    _save_application(application)
    if freed is not None:
        _close_waitlist_gap(cycle, freed)
    _save_seats(cycle)
    record(
        "programs.application.released",
        actor=actor,
        obj=application,
        data={
            "from": was,
            "from_position": was_position,
            "status": status,
            "seats_taken": cycle.seats_taken,
            "reason": reason,
        },
    )


def respond_to_offer(*, application: Application, actor: Any, accept: bool) -> Application:
    """The applicant takes up (enrolled) or declines (seat released) an offered seat; staff
    may record the answer for them. Taking it up needs the program director's approval first
    where the program asks for it.

    Side effects, in order: the application's status; on a decline, the seat count; audit
    `programs.offer.accepted` or `programs.application.released`.
    """
    if not (is_program_staff(actor) or _is_applicant(actor, application)):
        raise NotAllowed(_("Only the applicant or the program office may answer this offer."))
    with transaction.atomic():
        locked, cycle = _lock_both(application)
        if locked.status != S.ACCEPTED:
            raise Conflict(_("There is no open offer on this application."))
        if not accept:
            _release_locked(
                locked, cycle, actor=actor, status=S.DECLINED, reason="declined the offer"
            )
            return locked
        if locked.director_approval == APPROVAL.PENDING:
            raise Conflict(
                _(
                    "Your program director has not approved yet. Name them below if you have "
                    "not; you can take up the seat once they approve."
                )
            )
        locked.status = S.ENROLLED
        _save_application(locked)
        _save_seats(cycle)
        record("programs.offer.accepted", actor=actor, obj=locked, data={"status": S.ENROLLED})
    return locked


# -- program director approval ---------------------------------------------------------------


def director_link(raw: str) -> str:
    return _absolute(reverse("programs:director_link", args=[raw]))


def request_director_approval(
    *, application: Application, actor: Any, director_name: str, director_email: str
) -> DirectorApprovalRequest:
    """The applicant (or staff) names the program director who must approve an acceptance.

    Side effects, in order: earlier unanswered links voided; the request (the token's digest
    only, valid 14 days); audit `programs.director.requested`; on commit, the director's
    e-mail with the private link, in the application's language.
    """
    if not (is_program_staff(actor) or _is_applicant(actor, application)):
        raise NotAllowed(_("Only the applicant or the program office may do this."))
    name = clean_text(director_name, field="director_name", max_length=200, required=True)
    email = clean_text(director_email, field="director_email", max_length=254, required=True)
    try:
        validate_email(email)
    except ValidationError:
        raise ServiceError(_("Enter a valid e-mail address."), field="director_email") from None
    now = timezone.now()
    raw, digest = new_token()
    with transaction.atomic():
        locked, _cycle = _lock_both(application)
        if not locked.cycle.program.needs_director_approval:
            raise Conflict(_("This program needs no program director's approval."))
        if locked.status != S.ACCEPTED or locked.director_approval != APPROVAL.PENDING:
            raise Conflict(_("This application is not waiting for a program director."))
        _void_director_links(locked, now)
        request = DirectorApprovalRequest(
            application=locked,
            director_name=name,
            director_email=email,
            digest=digest,
            sent_at=now,
            expires_at=now + dt.timedelta(days=DIRECTOR_LINK_DAYS),
        )
        _clean(request, exclude=["application"])
        request.save()
        record(
            "programs.director.requested",
            actor=actor,
            obj=request,
            data={"application": locked.pk, "director_email": email},
        )
        with translation.override(locked.language):
            context = {
                "application": locked,
                "request": request,
                "applicant": locked.applicant.display_name,
                "program": locked.cycle.program.name,
                "cycle": locked.cycle.title,
                "url": director_link(raw),
                "until": formats.date_format(timezone.localtime(request.expires_at), "DATE_FORMAT"),
            }
            subject = _("Please approve: %(applicant)s in %(program)s") % context
            body = render_to_string("programs/email/director_request.txt", context)
        _mail(email, subject, body)
    return request


def _link_refused() -> ServiceError:
    return ServiceError(
        _("This link is not valid: it may have expired or been replaced."), code="not_found"
    )


def director_request_for_token(token: str) -> DirectorApprovalRequest | None:
    """The request behind a link, whatever its state (None for an unknown token)."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    return (
        DirectorApprovalRequest.objects.select_related(
            "application__applicant", "application__cycle__program"
        )
        .filter(digest=hash_token(token))
        .first()
    )


def answer_director_request(
    *, token: str, approve: bool, note: str = ""
) -> DirectorApprovalRequest:
    """The program director approves or declines through their link (no account).

    Side effects, in order: the request answered; the application's approval (a refusal
    releases the seat: the application becomes declined); the seat count; audit
    `programs.director.answered`; on commit, an e-mail to the applicant in their language.
    """
    note = clean_text(note, field="note", max_length=500)
    found = director_request_for_token(token)
    if found is None:
        raise _link_refused()
    now = timezone.now()
    with transaction.atomic():
        application, cycle = _lock_both(found.application)
        request = DirectorApprovalRequest.objects.select_for_update().get(pk=found.pk)
        if request.answered_at is not None:
            raise Conflict(_("You have already answered this request. Thank you."))
        if request.expires_at <= now:
            raise _link_refused()
        if application.status != S.ACCEPTED or application.director_approval != APPROVAL.PENDING:
            raise Conflict(_("This application is no longer waiting for your approval."))
        request.answered_at = now
        request.approved = approve
        request.note = note
        request.save(update_fields=["answered_at", "approved", "note"])
        if approve:
            application.director_approval = APPROVAL.APPROVED
            _save_application(application)
        else:
            application.director_approval = APPROVAL.DENIED
            _release_locked(
                application,
                cycle,
                actor=None,
                status=S.DECLINED,
                reason="the program director did not approve",
            )
        record(
            "programs.director.answered",
            actor=None,
            obj=request,
            data={
                "application": application.pk,
                "approved": approve,
                "director_email": request.director_email,
            },
        )
        _mail_applicant_director_answer(application, request)
    return request


def _mail_applicant_director_answer(
    application: Application, request: DirectorApprovalRequest
) -> None:
    with translation.override(application.language):
        context = {
            "application": application,
            "request": request,
            "name": application.applicant.display_name,
            "program": application.cycle.program.name,
            "cycle": application.cycle.title,
            "url": _absolute(reverse("programs:offer_response", args=[application.pk])),
        }
        if request.approved:
            subject = _("Your program director approved: confirm your place")
            body = render_to_string("programs/email/director_approved.txt", context)
        else:
            subject = _("Your program director did not approve")
            body = render_to_string("programs/email/director_declined.txt", context)
    _mail(application.applicant.email, subject, body)


# -- decision letters ------------------------------------------------------------------------

# Shipped letters, used where a program has not written its own (data, like a form's
# Spanish labels: each language's text is written out, not run through gettext).
DEFAULT_LETTERS: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("accepted", "en"): (
        "You are accepted: {program}",
        "Dear {name},\n\nCongratulations! The selection committee is delighted to offer you a "
        "place in {cycle}.\n\nPlease confirm whether you will take it up using the link below. "
        "We look forward to working with you.",
    ),
    ("accepted", "es"): (
        "Ha sido aceptado/a: {program}",
        "Estimado/a {name}:\n\n¡Felicidades! El comité de selección tiene el gusto de ofrecerle "
        "un lugar en {cycle}.\n\nConfirme si lo acepta con el enlace de abajo. Esperamos "
        "trabajar con usted.",
    ),
    ("waitlisted", "en"): (
        "Your application to {program}: waitlist",
        "Dear {name},\n\nThank you for applying to {cycle}. The committee could not offer you "
        "a place yet, but you are number {waitlist_position} on the waitlist. If a place opens "
        "up, we will write to you right away.",
    ),
    ("waitlisted", "es"): (
        "Su solicitud a {program}: lista de espera",
        "Estimado/a {name}:\n\nGracias por presentar su solicitud a {cycle}. El comité todavía "
        "no puede ofrecerle un lugar, pero usted tiene el número {waitlist_position} en la "
        "lista de espera. Si se abre un lugar, le escribiremos de inmediato.",
    ),
    ("rejected", "en"): (
        "Your application to {program}",
        "Dear {name},\n\nThank you for applying to {cycle}. We received many strong "
        "applications, and the committee is not able to offer you a place this year. We hope "
        "you will apply again, and we wish you every success.",
    ),
    ("rejected", "es"): (
        "Su solicitud a {program}",
        "Estimado/a {name}:\n\nGracias por presentar su solicitud a {cycle}. Recibimos muchas "
        "solicitudes excelentes y el comité no puede ofrecerle un lugar este año. Esperamos "
        "que vuelva a presentar su solicitud y le deseamos mucho éxito.",
    ),
}
_FORMATTER = string.Formatter()


def default_letter(outcome: str, language: str) -> tuple[str, str]:
    """The shipped (subject, body) for an outcome in a language (English where none)."""
    return DEFAULT_LETTERS.get((outcome, language)) or DEFAULT_LETTERS[(outcome, "en")]


def check_placeholders(text: str, *, field: str) -> None:
    """Only {name} {program} {cycle} {waitlist_position}; literal braces are {{ and }}."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError:
        raise ServiceError(
            _("A brace is not closed: write {{ and }} for literal braces."), field=field
        ) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in LETTER_FIELDS or spec or conversion:
            raise ServiceError(
                _(
                    "{%(name)s} cannot be filled in; use {name}, {program}, {cycle} or "
                    "{waitlist_position}."
                )
                % {
                    "name": name
                    + (f"!{conversion}" if conversion else "")
                    + (f":{spec}" if spec else "")
                },
                field=field,
            )


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """Fill the four placeholders; anything else (a template saved before checking, a stray
    brace) is left as written rather than evaluated."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError:
        return text
    parts: list[str] = []
    for literal, name, spec, conversion in parsed:
        parts.append(literal)
        if name is None:
            continue
        if name in values and not spec and not conversion:
            parts.append(values[name])
        else:
            parts.append(
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
    return "".join(parts)


LETTER_TEMPLATE_FIELDS: Final = ["subject", "body"]


def save_letter_template(
    *, program: Program, actor: Any, outcome: str, language: str, subject: str, body: str
) -> LetterTemplate:
    """Write a program's decision letter for an outcome and a language (staff): created, or
    replaced when one exists. Side effects: audit `programs.letter.saved`."""
    _require_staff(actor)
    if outcome not in OUTCOMES:
        raise ServiceError(_("Choose accepted, waitlisted or rejected."), field="outcome")
    if language not in dict(settings.LANGUAGES):
        raise ServiceError(_("Choose English or Spanish."), field="language")
    subject = clean_text(subject, field="subject", max_length=200, required=True)
    body = clean_text(body, field="body", max_length=20000, required=True)
    check_placeholders(subject, field="subject")
    check_placeholders(body, field="body")
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        template = LetterTemplate.objects.filter(
            program=program, outcome=outcome, language=language
        ).first()
        before = snapshot(template, LETTER_TEMPLATE_FIELDS) if template else {}
        if template is None:
            template = LetterTemplate(program=program, outcome=outcome, language=language)
        template.subject, template.body = subject, body
        template.save()
        record(
            "programs.letter.saved",
            actor=actor,
            obj=template,
            data={"program": program.pk, "outcome": outcome, "language": language},
            changes=diff(before, snapshot(template, LETTER_TEMPLATE_FIELDS)),
        )
    return template


def delete_letter_template(*, template: LetterTemplate, actor: Any) -> None:
    """Remove a program's own letter; the shipped default applies again (staff).
    Side effects: audit `programs.letter.deleted`."""
    _require_staff(actor)
    with transaction.atomic():
        record(
            "programs.letter.deleted",
            actor=actor,
            obj=template,
            data={
                "program": template.program_id,
                "outcome": template.outcome,
                "language": template.language,
            },
        )
        LetterTemplate.objects.filter(pk=template.pk).delete()


@dataclass(frozen=True)
class Letter:
    address: str
    subject: str
    body: str
    language: str


def render_letter(
    application: Application,
    templates: Mapping[tuple[str, str], LetterTemplate] | None = None,
) -> Letter:
    """An application's decision letter, in its language: the program's own template for the
    outcome and language, else the shipped default; wrapped in the e-mail template (with the
    link to answer an offer)."""
    language = application.language if application.language in dict(settings.LANGUAGES) else "en"
    outcome = application.status
    cycle = application.cycle
    program = cycle.program
    if templates is None:
        templates = {
            (t.outcome, t.language): t for t in LetterTemplate.objects.filter(program=program)
        }
    own = templates.get((outcome, language))
    subject, text = (own.subject, own.body) if own else default_letter(outcome, language)
    values = {
        "name": application.applicant.display_name,
        "program": program.name,
        "cycle": cycle.title,
        "waitlist_position": str(application.waitlist_position or ""),
    }
    with translation.override(language):
        body = render_to_string(
            "programs/email/decision_letter.txt",
            {
                "letter": fill_placeholders(text, values),
                "application": application,
                "outcome": outcome,
                "needs_director": outcome == S.ACCEPTED and program.needs_director_approval,
                "offer_url": _absolute(reverse("programs:offer_response", args=[application.pk])),
            },
        )
    return Letter(
        address=application.applicant.email,
        subject=fill_placeholders(subject, values).replace("\n", " ")[:200],
        body=body,
        language=language,
    )


def send_decision_letters(*, cycle: Cycle, actor: Any) -> int:
    """Send each decided application of the cycle its letter, once (staff). Returns how many.

    Each letter is claimed by a single-row conditional UPDATE (`letter_sent_at` still empty
    and the status unchanged) before its mail is queued, so two runs at once never send one
    twice. Side effects, in order: `letter_sent_at` set; audit `programs.letters.sent`; on
    commit, the letters (each in its application's language).
    """
    _require_staff(actor)
    now = timezone.now()
    with transaction.atomic():
        pending = list(
            Application.objects.filter(
                cycle=cycle, status__in=OUTCOMES, letter_sent_at__isnull=True
            )
            .select_related("applicant", "cycle__program")
            .order_by("pk")
        )
        templates = {
            (t.outcome, t.language): t
            for t in LetterTemplate.objects.filter(program_id=cycle.program_id)
        }
        letters: list[Letter] = []
        by_outcome: defaultdict[str, int] = defaultdict(int)
        for application in pending:
            claimed = Application.objects.filter(
                pk=application.pk, letter_sent_at__isnull=True, status=application.status
            ).update(letter_sent_at=now)
            if claimed != 1:
                continue
            letters.append(render_letter(application, templates))
            by_outcome[application.status] += 1
        record(
            "programs.letters.sent",
            actor=actor,
            obj=cycle,
            data={"count": len(letters), "by_outcome": dict(by_outcome)},
        )

        def send() -> None:
            for letter in letters:
                send_email.enqueue(subject=letter.subject, body=letter.body, to=[letter.address])

        if letters:
            transaction.on_commit(send)
    return len(letters)


def letters_due(cycle: Cycle) -> int:
    """Decided applications whose letter has not gone out."""
    return Application.objects.filter(
        cycle=cycle, status__in=OUTCOMES, letter_sent_at__isnull=True
    ).count()


def review_counts(cycle: Cycle) -> dict[int, int]:
    """Reviews per reviewer in the cycle (for the assignment page)."""
    return dict(
        Review.objects.filter(application__cycle=cycle)
        .values_list("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("reviewer_id", "n")
    )

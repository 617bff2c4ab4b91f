"""Every write of programs, cycles, application forms and applications: keyword-only, atomic,
audited as `programs.*`; mail goes out on commit, in the recipient's language.

Who: office staff run programs, cycles and forms. An applicant (any signed-in user with a
registry record) starts, fills in, submits and withdraws their own application; office staff may
withdraw one and switch its language, never fill one in or submit it.

Cycle life cycle: draft -> open -> review -> decided -> running -> completed, one step at a
time, plus open -> draft while nobody has applied. Opening needs at least one question and a
closing time in the future. A completed cycle is not edited any more.

Form: questions are added, edited, reordered and removed while no application has left draft
(and the cycle is a draft or open); after that only their wording (labels, help, the labels of
choices) and the "identifies the applicant" mark change. Reordering is always allowed.

Submission (`submit_application`) checks, under the application's lock: the cycle is taking
applications (status open and opens_at <= now < closes_at); every required question answered;
every required recommendation question has a request sent whose link is still valid, or a
letter received (the letter itself may arrive after submission); the eligibility rules against
the applicant's registry record (age on the program's first day, K-12 grade of the current
affiliation, home ZIP among the program's ZCTAs); and, for an applicant under 18 today, a
current guardian consent given for this application. Every problem is listed at once
(`NotSubmittable.problems`).

Withdrawal frees a seat held by an accepted or enrolled application, or a waitlisted one's
place, through the review services' `release_seat` (a guardian's withdrawal, which has no
account to pass as the actor, goes through its consent-withdrawal path). Withdrawing a
guardian consent withdraws every application linked to it
(`withdraw_applications_for_consent`, run by the signal receiver inside the consent's
transaction).

Lock order: a Consent, then the Cycle, then the Application (the review services' order for
seat changes: closing a waitlist gap updates other applications' rows), then the
application's requests.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.people.models import Consent, Organization
from equityhub.people.selectors import person_of
from equityhub.places.models import Area
from equityhub.programs import services_review
from equityhub.programs.access import is_program_staff
from equityhub.programs.models import (
    Answer,
    Application,
    Cycle,
    FormField,
    Program,
    RecommendationRequest,
)
from equityhub.programs.selectors_applications import (
    Problem,
    has_submissions,
    submission_problems,
)
from equityhub.programs.services_consent import (
    ANSWER_KINDS,
    LANGUAGE_CODES,
    applicant_letter,
    check_upload,
    clean_text,
    cycle_is_accepting,
    date_text,
    delete_file_on_commit,
    display_name,
    is_applicant,
    lock_application,
    random_file_name,
    require_applicant_or_staff,
    send_on_commit,
)

S = Application.Status
C = Cycle.Status
K = FormField.Kind

PROGRAM_FIELDS: Final = [
    "name",
    "stage",
    "sponsor_id",
    "description",
    "description_es",
    "eligibility",
    "eligibility_es",
    "min_grade",
    "max_grade",
    "min_age",
    "max_age",
    "blind_review",
    "needs_director_approval",
    "is_active",
]
PROGRAM_EDITABLE: Final = frozenset(
    {*PROGRAM_FIELDS, "sponsor", "residence_areas"} - {"sponsor_id"}
)
CYCLE_FIELDS: Final = [
    "year",
    "title",
    "status",
    "opens_at",
    "closes_at",
    "starts_on",
    "ends_on",
    "seats",
    "reviews_per_application",
]
CYCLE_EDITABLE: Final = frozenset(set(CYCLE_FIELDS) - {"status"})
FIELD_FIELDS: Final = [
    "key",
    "kind",
    "label",
    "label_es",
    "help_text",
    "help_text_es",
    "choices",
    "required",
    "identifying",
    "max_length",
    "position",
]
FIELD_EDITABLE: Final = frozenset(set(FIELD_FIELDS) - {"position"})
# What may still change once applications have been submitted: the wording, and the mark that
# hides a question from blind reviewers (a privacy fix is always welcome).
WORDING: Final = frozenset({"label", "label_es", "help_text", "help_text_es", "identifying"})
TRANSITIONS: Final = {
    C.DRAFT: frozenset({C.OPEN}),
    C.OPEN: frozenset({C.REVIEW, C.DRAFT}),
    C.REVIEW: frozenset({C.DECIDED}),
    C.DECIDED: frozenset({C.RUNNING}),
    C.RUNNING: frozenset({C.COMPLETED}),
    C.COMPLETED: frozenset(),
}
KEY_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
CHOICE_KINDS: Final = frozenset({K.CHOICE, K.MULTI_CHOICE})
TEXT_KINDS: Final = frozenset({K.TEXT, K.LONG_TEXT})
MAX_CHOICES: Final = 50
MAX_ANSWER_LENGTH: Final = 20000
WITHDRAWABLE: Final = frozenset({S.DRAFT, S.SUBMITTED, S.WAITLISTED, S.ACCEPTED, S.ENROLLED})
HOLDS_A_PLACE: Final = Application.SEATED | {S.WAITLISTED}
# As in the review services: waitlist positions move through a range no position uses.
WAITLIST_OFFSET: Final = 1_000_000
CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class NotSubmittable(ServiceError):
    """The application cannot be submitted yet; `problems` says every reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        message = _("The application cannot be submitted yet: %(problems)s") % {
            "problems": " ".join(p.message for p in self.problems)
        }
        super().__init__(message, code="not_submittable")

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "problems": [p.as_dict() for p in self.problems]}


# -- helpers -----------------------------------------------------------------------------------


def _require_staff(actor: Any) -> None:
    if not is_program_staff(actor):
        raise NotAllowed(_("Only office staff may run programs."))


def _unknown(changes: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ServiceError(_("Unknown field: %(field)s") % {"field": unknown[0]}, field=unknown[0])


def _bounded(value: Any, *, field: str, low: int, high: int, allow_none: bool = True) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ServiceError(
            _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
            field=field,
        )
    return value


def _aware(value: Any, *, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ServiceError(_("Enter a date and time."), field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not 2000 <= value.year <= 2100:
        raise ServiceError(_("Enter a date between 2000 and 2100."), field=field)
    return value


def _date(value: Any, *, field: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ServiceError(_("Enter a date."), field=field)
    if not 2000 <= value.year <= 2100:
        raise ServiceError(_("Enter a date between 2000 and 2100."), field=field)
    return value


# -- programs ----------------------------------------------------------------------------------


def _check_program(program: Program) -> None:
    program.name = clean_text(program.name, field="name", max_length=200, required=True)
    if program.stage not in Program.Stage.values:
        raise ServiceError(_("Choose who the program is for."), field="stage")
    for name in ("description", "description_es", "eligibility", "eligibility_es"):
        setattr(
            program,
            name,
            clean_text(getattr(program, name), field=name, max_length=10000).replace("\r\n", "\n"),
        )
    program.min_grade = _bounded(program.min_grade, field="min_grade", low=1, high=12)
    program.max_grade = _bounded(program.max_grade, field="max_grade", low=1, high=12)
    program.min_age = _bounded(program.min_age, field="min_age", low=5, high=99)
    program.max_age = _bounded(program.max_age, field="max_age", low=5, high=99)
    if (
        program.min_grade is not None
        and program.max_grade is not None
        and program.max_grade < program.min_grade
    ):
        raise ServiceError(_("The highest grade cannot be below the lowest."), field="max_grade")
    if (
        program.min_age is not None
        and program.max_age is not None
        and program.max_age < program.min_age
    ):
        raise ServiceError(_("The maximum age cannot be below the minimum."), field="max_age")
    if Program.objects.filter(name__iexact=program.name).exclude(pk=program.pk).exists():
        raise Conflict(_("Another program has this name."), field="name")


def _check_sponsor(sponsor: Any) -> Organization:
    if not isinstance(sponsor, Organization):
        raise ServiceError(_("Choose the sponsoring organization."), field="sponsor")
    if not sponsor.is_active:
        raise ServiceError(
            _("%(name)s is no longer an active organization.") % {"name": sponsor.name},
            field="sponsor",
        )
    return sponsor


def _area_ids(areas: Iterable[Area]) -> list[int]:
    return sorted({area.pk for area in areas})


@transaction.atomic
def create_program(
    *,
    actor: Any,
    name: str,
    stage: str,
    sponsor: Organization,
    description: str = "",
    description_es: str = "",
    eligibility: str = "",
    eligibility_es: str = "",
    min_grade: int | None = None,
    max_grade: int | None = None,
    min_age: int | None = None,
    max_age: int | None = None,
    residence_areas: Iterable[Area] = (),
    blind_review: bool = False,
    needs_director_approval: bool = False,
    is_active: bool = True,
) -> Program:
    """Side effects: one Program with its residence areas; audit `programs.program.created`."""
    _require_staff(actor)
    program = Program(
        name=name,
        stage=stage,
        sponsor=_check_sponsor(sponsor),
        description=description,
        description_es=description_es,
        eligibility=eligibility,
        eligibility_es=eligibility_es,
        min_grade=min_grade,
        max_grade=max_grade,
        min_age=min_age,
        max_age=max_age,
        blind_review=bool(blind_review),
        needs_director_approval=bool(needs_director_approval),
        is_active=bool(is_active),
    )
    _check_program(program)
    program.save()
    areas = _area_ids(residence_areas)
    program.residence_areas.set(areas)
    record(
        "programs.program.created",
        actor=actor,
        obj=program,
        data={**snapshot(program, PROGRAM_FIELDS), "residence_areas": areas},
    )
    return program


@transaction.atomic
def update_program(*, program: Program, actor: Any, **changes: Any) -> Program:
    """Change any of the program's details (see PROGRAM_EDITABLE).

    Side effects: the Program saved (and its residence areas set); audit
    `programs.program.updated` with the changes (nothing when nothing changed).
    """
    _require_staff(actor)
    _unknown(changes, PROGRAM_EDITABLE)
    fresh = Program.objects.select_for_update().get(pk=program.pk)
    before = {
        **snapshot(fresh, PROGRAM_FIELDS),
        "residence_areas": _area_ids(fresh.residence_areas.all()),
    }
    areas = changes.pop("residence_areas", None)
    if "sponsor" in changes:
        sponsor = changes.pop("sponsor")
        if sponsor is None or getattr(sponsor, "pk", None) != fresh.sponsor_id:
            fresh.sponsor = _check_sponsor(sponsor)
    for name, value in changes.items():
        setattr(fresh, name, value)
    _check_program(fresh)
    after = {
        **snapshot(fresh, PROGRAM_FIELDS),
        "residence_areas": _area_ids(areas) if areas is not None else before["residence_areas"],
    }
    changed = diff(before, after)
    if changed:
        fresh.save()
        if areas is not None:
            fresh.residence_areas.set(after["residence_areas"])
        record("programs.program.updated", actor=actor, obj=fresh, changes=changed)
    return fresh


# -- cycles ------------------------------------------------------------------------------------


def _check_cycle(cycle: Cycle) -> None:
    cycle.title = clean_text(cycle.title, field="title", max_length=200, required=True)
    cycle.year = _bounded(cycle.year, field="year", low=2000, high=2100, allow_none=False) or 0
    cycle.opens_at = _aware(cycle.opens_at, field="opens_at")
    cycle.closes_at = _aware(cycle.closes_at, field="closes_at")
    if cycle.closes_at <= cycle.opens_at:
        raise ServiceError(_("Applications must close after they open."), field="closes_at")
    cycle.starts_on = _date(cycle.starts_on, field="starts_on")
    cycle.ends_on = _date(cycle.ends_on, field="ends_on")
    if cycle.starts_on and cycle.ends_on and cycle.ends_on < cycle.starts_on:
        raise ServiceError(_("The program cannot end before it starts."), field="ends_on")
    cycle.seats = _bounded(cycle.seats, field="seats", low=1, high=100000, allow_none=False) or 0
    if cycle.seats < cycle.seats_taken:
        raise Conflict(
            _("%(taken)d seats are taken already: there cannot be fewer seats.")
            % {"taken": cycle.seats_taken},
            field="seats",
        )
    cycle.reviews_per_application = (
        _bounded(
            cycle.reviews_per_application,
            field="reviews_per_application",
            low=1,
            high=10,
            allow_none=False,
        )
        or 1
    )
    if (
        Cycle.objects.filter(program_id=cycle.program_id, year=cycle.year)
        .exclude(pk=cycle.pk)
        .exists()
    ):
        raise Conflict(_("This program has a cycle for that year already."), field="year")


@transaction.atomic
def create_cycle(
    *,
    program: Program,
    actor: Any,
    year: int,
    title: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    seats: int,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    reviews_per_application: int = 3,
) -> Cycle:
    """A new cycle of the program, as a draft (open it once its form has questions).

    Side effects: one Cycle; audit `programs.cycle.created`.
    """
    _require_staff(actor)
    locked = Program.objects.select_for_update().get(pk=program.pk)
    cycle = Cycle(
        program=locked,
        year=year,
        title=title,
        status=C.DRAFT,
        opens_at=opens_at,
        closes_at=closes_at,
        seats=seats,
        starts_on=starts_on,
        ends_on=ends_on,
        reviews_per_application=reviews_per_application,
    )
    _check_cycle(cycle)
    cycle.save()
    record("programs.cycle.created", actor=actor, obj=cycle, data=snapshot(cycle, CYCLE_FIELDS))
    return cycle


def _lock_cycle(cycle: Cycle | int) -> Cycle:
    pk = cycle if isinstance(cycle, int) else cycle.pk
    return Cycle.objects.select_for_update().select_related("program").get(pk=pk)


@transaction.atomic
def update_cycle(*, cycle: Cycle, actor: Any, **changes: Any) -> Cycle:
    """Change a cycle's title, year, dates, seats or reviews per application (not once it is
    completed; never fewer seats than are taken).

    Side effects: the Cycle saved; audit `programs.cycle.updated` with the changes.
    """
    _require_staff(actor)
    _unknown(changes, CYCLE_EDITABLE)
    fresh = _lock_cycle(cycle)
    if fresh.status == C.COMPLETED:
        raise Conflict(_("This cycle is completed: it cannot be changed."))
    before = snapshot(fresh, CYCLE_FIELDS)
    for name, value in changes.items():
        setattr(fresh, name, value)
    _check_cycle(fresh)
    changed = diff(before, snapshot(fresh, CYCLE_FIELDS))
    if changed:
        fresh.save()
        record("programs.cycle.updated", actor=actor, obj=fresh, changes=changed)
    return fresh


@transaction.atomic
def change_cycle_status(*, cycle: Cycle, actor: Any, status: str) -> Cycle:
    """Move the cycle one step along draft -> open -> review -> decided -> running ->
    completed (or back from open to draft while nobody has applied).

    Opening needs at least one question and a closing time still ahead.
    Side effects: the status saved; audit `programs.cycle.status_changed`.
    """
    _require_staff(actor)
    fresh = _lock_cycle(cycle)
    if status not in C.values:
        raise ServiceError(_("Unknown status."), field="status")
    if status == fresh.status:
        raise Conflict(_("The cycle is in that status already."), field="status")
    if status not in TRANSITIONS[C(fresh.status)]:
        raise Conflict(
            _("A cycle cannot go from “%(old)s” to “%(new)s”.")
            % {"old": fresh.get_status_display(), "new": C(status).label},
            field="status",
        )
    if status == C.OPEN:
        if not FormField.objects.filter(cycle=fresh).exists():
            raise Conflict(_("Add at least one question to the form before opening."))
        if fresh.closes_at <= timezone.now():
            raise Conflict(
                _("The closing time has passed: move it into the future before opening."),
                field="closes_at",
            )
    if status == C.DRAFT and Application.objects.filter(cycle=fresh).exists():
        raise Conflict(_("People have started applications: the cycle cannot go back to draft."))
    old = fresh.status
    fresh.status = status
    fresh.save(update_fields=["status", "updated_at"])
    record(
        "programs.cycle.status_changed",
        actor=actor,
        obj=fresh,
        changes={"status": [old, status]},
    )
    cycle.status = status
    return fresh


# -- the form builder --------------------------------------------------------------------------


def form_is_fixed(cycle: Cycle) -> bool:
    return cycle.status not in (C.DRAFT, C.OPEN) or has_submissions(cycle)


def _clean_choices(kind: str, choices: Any) -> list[dict[str, str]]:
    if kind not in CHOICE_KINDS:
        if choices:
            raise ServiceError(_("Only choice questions have choices."), field="choices")
        return []
    if not isinstance(choices, list | tuple):
        raise ServiceError(_("Give the choices as a list."), field="choices")
    if len(choices) < 2:
        raise ServiceError(_("A choice question needs at least two choices."), field="choices")
    if len(choices) > MAX_CHOICES:
        raise ServiceError(_("Keep it to %(max)d choices.") % {"max": MAX_CHOICES}, field="choices")
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for choice in choices:
        if not isinstance(choice, Mapping):
            raise ServiceError(_("Each choice needs a value and a label."), field="choices")
        value = clean_text(choice.get("value"), field="choices", max_length=60).lower()
        label = clean_text(choice.get("label"), field="choices", max_length=200)
        label_es = clean_text(choice.get("label_es", ""), field="choices", max_length=200)
        if not KEY_PATTERN.fullmatch(value) or not label:
            raise ServiceError(
                _(
                    "Each choice needs a value (lowercase letters, digits, - or _) and an "
                    "English label."
                ),
                field="choices",
            )
        if value in seen:
            raise ServiceError(
                _("Two choices have the value %(value)s.") % {"value": value}, field="choices"
            )
        seen.add(value)
        cleaned.append({"value": value, "label": label, "label_es": label_es})
    return cleaned


def _check_field(field: FormField) -> None:
    field.key = clean_text(field.key, field="key", max_length=60, required=True).lower()
    if not KEY_PATTERN.fullmatch(field.key):
        raise ServiceError(
            _(
                "Use lowercase letters, digits, - and _ for the key (starting with a letter or "
                "digit)."
            ),
            field="key",
        )
    if field.kind not in K.values:
        raise ServiceError(_("Choose the kind of question."), field="kind")
    field.label = clean_text(field.label, field="label", max_length=300, required=True)
    field.label_es = clean_text(field.label_es, field="label_es", max_length=300)
    field.help_text = clean_text(field.help_text, field="help_text", max_length=500)
    field.help_text_es = clean_text(field.help_text_es, field="help_text_es", max_length=500)
    field.choices = _clean_choices(field.kind, field.choices)
    field.required = bool(field.required)
    field.identifying = bool(field.identifying)
    field.max_length = (
        _bounded(
            field.max_length,
            field="max_length",
            low=1,
            high=MAX_ANSWER_LENGTH,
            allow_none=False,
        )
        or 1
    )
    clash = FormField.objects.filter(cycle_id=field.cycle_id, key=field.key).exclude(pk=field.pk)
    if clash.exists():
        raise Conflict(_("Another question of this form has that key."), field="key")


@transaction.atomic
def add_field(
    *,
    cycle: Cycle,
    actor: Any,
    key: str,
    kind: str,
    label: str,
    label_es: str = "",
    help_text: str = "",
    help_text_es: str = "",
    choices: Sequence[Mapping[str, str]] = (),
    required: bool = True,
    identifying: bool = False,
    max_length: int = 5000,
) -> FormField:
    """Add a question at the end of the cycle's form (not once applications were submitted).

    Side effects: one FormField; audit `programs.field.added`.
    """
    _require_staff(actor)
    locked = _lock_cycle(cycle)
    if form_is_fixed(locked):
        raise Conflict(
            _("Applications were submitted with this form: its questions cannot change now.")
        )
    last = FormField.objects.filter(cycle=locked).order_by("-position").first()
    field = FormField(
        cycle=locked,
        key=key,
        kind=kind,
        label=label,
        label_es=label_es,
        help_text=help_text,
        help_text_es=help_text_es,
        choices=list(choices),
        required=required,
        identifying=identifying,
        max_length=max_length,
        position=(last.position + 1) if last is not None else 1,
    )
    _check_field(field)
    field.save()
    record("programs.field.added", actor=actor, obj=locked, data=snapshot(field, FIELD_FIELDS))
    return field


def _used_values(field: FormField) -> set[str]:
    used: set[str] = set()
    for values in Answer.objects.filter(field=field).values_list("values", flat=True):
        used.update(str(v) for v in values or [])
    return used


@transaction.atomic
def update_field(*, field: FormField, actor: Any, **changes: Any) -> FormField:
    """Change a question. Once applications were submitted (or the cycle is past open), only
    its wording: labels, help, the labels of its choices, and the "identifies the applicant"
    mark. A question someone answered keeps its kind, and a choice someone chose stays.

    Side effects: the FormField saved; audit `programs.field.updated` with the changes.
    """
    _require_staff(actor)
    _unknown(changes, FIELD_EDITABLE)
    cycle = _lock_cycle(field.cycle_id)
    fresh = FormField.objects.get(pk=field.pk)
    before = snapshot(fresh, FIELD_FIELDS)
    for name, value in changes.items():
        setattr(fresh, name, list(value) if name == "choices" else value)
    _check_field(fresh)
    changed = diff(before, snapshot(fresh, FIELD_FIELDS))
    if not changed:
        return fresh
    structural = set(changed) - WORDING
    if structural == {"choices"} and [c["value"] for c in before["choices"] or []] == [
        c["value"] for c in fresh.choices
    ]:
        structural = set()  # only the choices' labels changed
    if structural and form_is_fixed(cycle):
        raise Conflict(
            _(
                "Applications were submitted with this form: only the wording of its questions "
                "can change now."
            ),
            field=sorted(structural)[0],
        )
    answered = (
        Answer.objects.filter(field=fresh).exists()
        or RecommendationRequest.objects.filter(field=fresh).exists()
    )
    if "kind" in changed and answered:
        raise Conflict(
            _(
                "People have answered this question: add a new question instead of changing its "
                "kind."
            ),
            field="kind",
        )
    if "choices" in changed and fresh.kind in CHOICE_KINDS:
        missing = _used_values(fresh) - {c["value"] for c in fresh.choices}
        if missing:
            raise Conflict(
                _("Someone chose %(value)s: that choice must stay.")
                % {"value": sorted(missing)[0]},
                field="choices",
            )
    fresh.save()
    record(
        "programs.field.updated",
        actor=actor,
        obj=cycle,
        changes=changed,
        data={"field": fresh.pk, "key": fresh.key},
    )
    return fresh


@transaction.atomic
def move_field(*, field: FormField, actor: Any, direction: str) -> FormField:
    """Move a question one place "up" or "down" the form (allowed at any time: the order does
    not change what was answered).

    Side effects: the cycle's questions renumbered 1..n; audit `programs.field.moved`.
    """
    _require_staff(actor)
    if direction not in ("up", "down"):
        raise ServiceError(_("Move a question up or down."), field="direction")
    cycle = _lock_cycle(field.cycle_id)
    ordered = list(FormField.objects.filter(cycle=cycle).order_by("position", "pk"))
    index = next((i for i, f in enumerate(ordered) if f.pk == field.pk), None)
    if index is None:
        raise Conflict(_("That question is no longer on the form."))
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        raise Conflict(
            _("That question is first already.")
            if direction == "up"
            else _("That question is last already.")
        )
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    FormField.objects.bulk_update(ordered, ["position"])
    record(
        "programs.field.moved",
        actor=actor,
        obj=cycle,
        data={"field": field.pk, "key": field.key, "direction": direction},
    )
    moved = ordered[other]
    field.position = moved.position
    return moved


@transaction.atomic
def remove_field(*, field: FormField, actor: Any) -> None:
    """Take a question off the form (not once applications were submitted). Drafts' answers to
    it go with it (and their files, and its recommendation requests and letters).

    Side effects: the FormField deleted (answers and requests with it); audit
    `programs.field.removed`; after commit, the stored files deleted.
    """
    _require_staff(actor)
    cycle = _lock_cycle(field.cycle_id)
    if form_is_fixed(cycle):
        raise Conflict(
            _("Applications were submitted with this form: its questions cannot be removed.")
        )
    fresh = FormField.objects.filter(pk=field.pk).first()
    if fresh is None:
        raise Conflict(_("That question is no longer on the form."))
    files = [a.file for a in Answer.objects.filter(field=fresh).exclude(file="")]
    letters = [
        r.letter for r in RecommendationRequest.objects.filter(field=fresh).exclude(letter="")
    ]
    data = snapshot(fresh, FIELD_FIELDS)
    fresh.delete()
    record("programs.field.removed", actor=actor, obj=cycle, data=data)
    for stored in [*files, *letters]:
        delete_file_on_commit(stored.storage, stored.name or "")


# -- applications ------------------------------------------------------------------------------


def _applicant_or_refuse(actor: Any) -> Any:
    person = person_of(actor)
    if person is None:
        raise NotAllowed(_("Your account has no registry record: ask the office to add one."))
    return person


def _require_applicant(actor: Any, application: Application) -> None:
    if not is_applicant(actor, application):
        raise NotAllowed(_("Only the applicant may do this."))


def _require_editable(application: Application, now: dt.datetime) -> None:
    if application.status != S.DRAFT:
        raise Conflict(_("This application was submitted: it cannot be changed."))
    if not cycle_is_accepting(application.cycle, now):
        raise Conflict(_("This program is not taking applications now."))


def _default_language(actor: Any) -> str:
    code = (getattr(actor, "language", "") or "")[:2]
    if code in LANGUAGE_CODES:
        return code
    current = (translation.get_language() or "en")[:2]
    return current if current in LANGUAGE_CODES else "en"


@transaction.atomic
def start_application(
    *, cycle: Cycle, actor: Any, language: str | None = None
) -> tuple[Application, bool]:
    """The actor's application to the cycle: their existing one (any status), else a new draft
    (only while the cycle takes applications). Returns it and whether it was created.

    Side effects for a new one: one Application (draft, in `language`, else the actor's
    preferred language); audit `programs.application.started`.
    """
    person = _applicant_or_refuse(actor)
    existing = Application.objects.filter(cycle=cycle, applicant=person).first()
    if existing is not None:
        return existing, False
    if not cycle_is_accepting(cycle) or not cycle.program.is_active:
        raise Conflict(_("This program is not taking applications now."))
    if language is not None and language not in LANGUAGE_CODES:
        raise ServiceError(_("Choose English or Spanish."), field="language")
    application = Application(
        cycle=cycle,
        applicant=person,
        status=S.DRAFT,
        language=language or _default_language(actor),
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # Started twice at once: the other request created it.
        return Application.objects.get(cycle=cycle, applicant=person), False
    record(
        "programs.application.started",
        actor=actor,
        obj=application,
        data={"cycle": cycle.pk, "language": application.language},
    )
    return application, True


def _clean_text_answer(field: FormField, value: Any) -> str:
    key = field.key
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ServiceError(_("Answer with text."), field=key)
    text = value.replace("\r\n", "\n").strip()
    if field.kind == K.TEXT:
        text = " ".join(text.split())
    if CONTROL_CHARACTERS.search(text):
        raise ServiceError(_("Control characters are not allowed."), field=key)
    if len(text) > field.max_length:
        raise ServiceError(
            _("Keep this answer under %(max)d characters.") % {"max": field.max_length},
            field=key,
        )
    return text


def _clean_choice_answer(field: FormField, value: Any) -> list[str]:
    key = field.key
    allowed = [str(c.get("value")) for c in field.choices or []]
    if value is None or value == "":
        chosen: list[str] = []
    elif isinstance(value, str):
        chosen = [value]
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        chosen = [v for v in value if v != ""]
    else:
        raise ServiceError(_("Choose from the list."), field=key)
    if any(v not in allowed for v in chosen):
        raise ServiceError(_("Choose from the list."), field=key)
    if field.kind == K.CHOICE and len(set(chosen)) > 1:
        raise ServiceError(_("Choose one."), field=key)
    return [v for v in allowed if v in set(chosen)]


def _clean_answer(field: FormField, value: Any) -> tuple[str, list[str]]:
    """(text, values) for one answer; empty both: no answer."""
    if field.kind in TEXT_KINDS:
        return _clean_text_answer(field, value), []
    if field.kind in CHOICE_KINDS:
        return "", _clean_choice_answer(field, value)
    if field.kind == K.FILE:
        raise ServiceError(_("Upload the file with the question's upload button."), field=field.key)
    raise ServiceError(
        _("Ask for a letter of recommendation with the question's own form."), field=field.key
    )


@transaction.atomic
def save_answers(
    *, application: Application, actor: Any, answers: Mapping[str, Any]
) -> Application:
    """Save some answers of the applicant's draft: `{question key: value}` (text for text
    questions, a value or a list of values for choices; empty clears the answer). Questions
    not named keep their answers.

    Side effects: Answer rows written or deleted; audit `programs.application.answers_saved`
    naming the questions that changed (not the answers).
    """
    now = timezone.now()
    locked = lock_application(application)
    _require_applicant(actor, locked)
    _require_editable(locked, now)
    fields = {f.key: f for f in FormField.objects.filter(cycle_id=locked.cycle_id)}
    for key in answers:
        if key not in fields:
            raise ServiceError(
                _("This form has no question %(key)s.") % {"key": key}, field=str(key)
            )
    cleaned = {key: _clean_answer(fields[key], value) for key, value in answers.items()}
    existing = {
        a.field_id: a
        for a in Answer.objects.filter(application=locked, field__key__in=list(cleaned))
    }
    changed: list[str] = []
    for key, (text, values) in cleaned.items():
        field = fields[key]
        answer = existing.get(field.pk)
        if not text and not values:
            if answer is not None:
                answer.delete()
                changed.append(key)
            continue
        if answer is None:
            Answer.objects.create(application=locked, field=field, text=text, values=values)
            changed.append(key)
        elif answer.text != text or answer.values != values:
            answer.text, answer.values = text, values
            answer.save(update_fields=["text", "values", "updated_at"])
            changed.append(key)
    if changed:
        locked.save(update_fields=["updated_at"])
        record(
            "programs.application.answers_saved",
            actor=actor,
            obj=locked,
            data={"questions": sorted(changed)},
        )
    return locked


def _file_field(application: Application, field: FormField) -> FormField:
    if field.cycle_id != application.cycle_id or field.kind != K.FILE:
        raise ServiceError(_("Choose a file question of this application."), field="field")
    return field


@transaction.atomic
def upload_answer_file(
    *, application: Application, field: FormField, actor: Any, file: UploadedFile | None
) -> Answer:
    """Attach a file to a file question of the applicant's draft: PDF, Word (DOCX), PNG or
    JPEG by its content, at most 10 MB, stored under a random name (the uploaded name is kept
    for display only). A new file replaces the old one.

    Side effects: the file stored; the Answer written; audit
    `programs.application.file_uploaded`; after commit, the replaced file deleted.
    """
    now = timezone.now()
    locked = lock_application(application)
    _require_applicant(actor, locked)
    _require_editable(locked, now)
    _file_field(locked, field)
    upload, kind = check_upload(file, kinds=ANSWER_KINDS, field=field.key)
    answer = Answer.objects.filter(application=locked, field=field).first()
    old = answer.file if answer is not None and answer.file else None
    old_name = old.name if old is not None else ""
    if answer is None:
        answer = Answer(application=locked, field=field)
    answer.file.save(random_file_name(kind), upload, save=False)
    answer.file_name = display_name(upload.name or "") or random_file_name(kind)
    answer.text, answer.values = "", []
    answer.save()
    locked.save(update_fields=["updated_at"])
    record(
        "programs.application.file_uploaded",
        actor=actor,
        obj=locked,
        data={"question": field.key, "type": kind, "size": upload.size},
    )
    if old is not None and old_name:
        delete_file_on_commit(old.storage, old_name)
    return answer


@transaction.atomic
def remove_answer_file(*, application: Application, field: FormField, actor: Any) -> None:
    """Side effects: the Answer deleted; audit `programs.application.file_removed`; after
    commit, the file deleted."""
    now = timezone.now()
    locked = lock_application(application)
    _require_applicant(actor, locked)
    _require_editable(locked, now)
    _file_field(locked, field)
    answer = Answer.objects.filter(application=locked, field=field).first()
    if answer is None or not answer.file:
        raise Conflict(_("There is no file to remove."), field=field.key)
    stored = answer.file
    name = stored.name or ""
    answer.delete()
    record(
        "programs.application.file_removed", actor=actor, obj=locked, data={"question": field.key}
    )
    delete_file_on_commit(stored.storage, name)


@transaction.atomic
def set_application_language(*, application: Application, actor: Any, language: str) -> Application:
    """The language of the application's form, e-mails and decision letter.

    Side effects: Application.language; audit `programs.application.language_changed`.
    """
    locked = lock_application(application)
    require_applicant_or_staff(actor, locked)
    if language not in LANGUAGE_CODES:
        raise ServiceError(_("Choose English or Spanish."), field="language")
    if locked.language != language:
        old = locked.language
        locked.language = language
        locked.save(update_fields=["language", "updated_at"])
        record(
            "programs.application.language_changed",
            actor=actor,
            obj=locked,
            changes={"language": [old, language]},
        )
    application.language = language
    return locked


@transaction.atomic
def submit_application(*, application: Application, actor: Any) -> Application:
    """Submit the applicant's draft (see the module's docstring for every check). Only the
    applicant submits; every problem is listed at once (`NotSubmittable`).

    Side effects, in order: status submitted, submitted_at; audit
    `programs.application.submitted`; after commit, the confirmation e-mail to the applicant in
    the application's language.
    """
    now = timezone.now()
    locked = lock_application(application)
    _require_applicant(actor, locked)
    if locked.status != S.DRAFT:
        raise Conflict(_("This application was submitted already."))
    problems = submission_problems(locked, now=now)
    if problems:
        raise NotSubmittable(problems)
    locked.status = S.SUBMITTED
    locked.submitted_at = now
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    record(
        "programs.application.submitted",
        actor=actor,
        obj=locked,
        changes={"status": [S.DRAFT, S.SUBMITTED]},
        data={"guardian_consent": locked.guardian_consent_id},
    )
    send_on_commit(
        applicant_letter("application_submitted", locked, submitted=date_text(now, locked.language))
    )
    application.status, application.submitted_at = locked.status, locked.submitted_at
    return locked


def _give_up_place(application: Application, *, actor: Any, reason: str) -> None:
    """Withdraw a locked application that holds a seat or a waitlist place through the review
    services' `release_seat` (status withdrawn, the waitlist's gap closed, seats recounted,
    audit `programs.application.released`); a guardian's withdrawal has no account."""
    services_review.release_seat(
        application=application,
        actor=actor,
        status=S.WITHDRAWN,
        reason=reason,
        on_consent_withdrawal=not (is_program_staff(actor) or is_applicant(actor, application)),
    )
    application.refresh_from_db()


def _withdraw_locked(
    application: Application, *, actor: Any, reason: str, cause: str
) -> Application:
    """Withdraw an application locked with its cycle (see `_lock_for_withdrawal`)."""
    before = snapshot(application, ["status", "waitlist_position", "withdrawn_at"])
    if application.status in HOLDS_A_PLACE:
        _give_up_place(application, actor=actor, reason=reason)
    else:
        now = timezone.now()
        application.status = S.WITHDRAWN
        application.withdrawn_at = now
        application.save(update_fields=["status", "withdrawn_at", "updated_at"])
    record(
        "programs.application.withdrawn",
        actor=actor,
        obj=application,
        changes=diff(
            before, snapshot(application, ["status", "waitlist_position", "withdrawn_at"])
        ),
        data={"cause": cause, "reason": reason},
    )
    return application


def _lock_for_withdrawal(application: Application) -> Application:
    # The cycle first, then the application: the order of the review services' seat changes
    # (closing a waitlist gap updates other applications' rows).
    cycle = _lock_cycle(application.cycle_id)
    locked = lock_application(application)
    locked.cycle = cycle
    return locked


@transaction.atomic
def withdraw_application(*, application: Application, actor: Any, reason: str = "") -> Application:
    """The applicant (or office staff) withdraws the application: from draft, submitted,
    waitlisted, accepted or enrolled.

    Side effects, in order: a held seat given back (the review services' `release_seat`), the
    waitlist position cleared; status withdrawn, withdrawn_at; audit
    `programs.application.withdrawn`; after commit, when staff withdrew it, an e-mail to the
    applicant.
    """
    note = clean_text(reason, field="reason", max_length=500)
    locked = _lock_for_withdrawal(application)
    require_applicant_or_staff(actor, locked)
    if locked.status not in WITHDRAWABLE:
        raise Conflict(
            _("This application was withdrawn already.")
            if locked.status == S.WITHDRAWN
            else _("A decided application cannot be withdrawn.")
        )
    by_applicant = is_applicant(actor, locked)
    _withdraw_locked(
        locked, actor=actor, reason=note, cause="applicant" if by_applicant else "staff"
    )
    if not by_applicant:
        send_on_commit(applicant_letter("application_withdrawn", locked, cause="staff"))
    application.status, application.withdrawn_at = locked.status, locked.withdrawn_at
    return locked


@transaction.atomic
def withdraw_applications_for_consent(*, consent: Consent, actor: Any) -> list[Application]:
    """Withdraw every application linked to a withdrawn guardian consent (that is not already
    withdrawn). Runs inside the consent's transaction (the signal receiver), so a refusal
    rolls the consent's withdrawal back too.

    Side effects per application: as `withdraw_application` (cause guardian_consent); after
    commit, an e-mail to the applicant.
    """
    if consent.kind != Consent.Kind.GUARDIAN:
        return []
    withdrawn: list[Application] = []
    linked = (
        Application.objects.filter(guardian_consent=consent)
        .exclude(status=S.WITHDRAWN)
        .order_by("pk")
    )
    for application in linked:
        locked = _lock_for_withdrawal(application)
        if locked.status == S.WITHDRAWN or locked.guardian_consent_id != consent.pk:
            continue
        _withdraw_locked(
            locked,
            actor=actor,
            reason=consent.withdrawal_reason,
            cause="guardian_consent",
        )
        send_on_commit(applicant_letter("application_withdrawn", locked, cause="guardian_consent"))
        withdrawn.append(locked)
    return withdrawn

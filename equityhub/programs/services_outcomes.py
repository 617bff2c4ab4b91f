"""Every write of outcomes: milestones recorded by staff, alumni follow-up invitations, and
self-reported milestones read from a follow-up survey's answers. Keyword-only, atomic, audited
as `programs.milestone.*` / `programs.milestones.*`; office staff only (`NotAllowed`).

Whose milestones: people the office follows, i.e. anyone who applied to a program (an
application past draft) or is a member of a comparison group (`selectors_outcomes.followed`).
A milestone is unique per person, kind and source: recording it again updates it.

The two CSV imports (National Student Clearinghouse-style and AAMC-style) are in
`imports_outcomes`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.people.models import Person
from equityhub.programs.access import is_program_staff
from equityhub.programs.models import Application, Cycle, Milestone
from equityhub.programs.selectors_outcomes import followed_ids, is_followed
from equityhub.surveys import services as survey_services
from equityhub.surveys.models import Answer, Item, Questionnaire

MILESTONE_FIELDS: Final = [
    "person_id",
    "kind",
    "achieved_on",
    "source",
    "confidence",
    "detail",
]
MANUAL_SOURCES: Final = frozenset(
    {Milestone.Source.STAFF, Milestone.Source.INSTITUTION, Milestone.Source.SURVEY}
)
EARLIEST: Final = dt.date(1900, 1, 1)
MAX_DETAIL: Final = 300
_CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Survey convention (docs/programs.md, "Alumni follow-up"): an item keyed `milestone_<kind>`
# (e.g. milestone_degree) answered "yes" (or with a year, e.g. "2021") means the person reached
# that milestone; an item keyed `milestone_<kind>_year` gives the year. A year gives the date
# 1 July of that year (a self-report knows the year, not the day), never later than the answer;
# no year gives the day of the answer (the latest it can have happened).
SURVEY_KEY_PREFIX: Final = "milestone_"
YEAR_SUFFIX: Final = "_year"
YES_ANSWERS: Final = frozenset({"yes", "y", "si", "sí", "true", "1"})
_YEAR: Final = re.compile(r"\s*(\d{4})\s*")


def _require_staff(actor: Any) -> None:
    if not is_program_staff(actor):
        raise NotAllowed(_("Only office staff may record outcomes."))


def _detail(value: Any) -> str:
    if value is not None and not isinstance(value, str):
        raise ServiceError(_("This must be text."), field="detail")
    text = (value or "").strip()
    if len(text) > MAX_DETAIL:
        raise ServiceError(
            _("Keep this under %(max)d characters.") % {"max": MAX_DETAIL}, field="detail"
        )
    if _CONTROL_CHARACTERS.search(text):
        raise ServiceError(_("Control characters are not allowed."), field="detail")
    return text


def _achieved_on(value: Any) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ServiceError(_("Give a date."), field="achieved_on")
    if value < EARLIEST:
        raise ServiceError(_("Give a date after 1900."), field="achieved_on")
    if value > timezone.localdate():
        raise ServiceError(_("The date cannot be in the future."), field="achieved_on")
    return value


def _kind(value: Any) -> str:
    if value not in Milestone.Kind.values:
        raise ServiceError(_("Choose a milestone."), field="kind")
    return str(value)


def _confidence(value: Any) -> str:
    if value not in Milestone.Confidence.values:
        raise ServiceError(_("Choose high, medium or low."), field="confidence")
    return str(value)


def _duplicate(person: Person, kind: str, source: str) -> Conflict:
    return Conflict(
        _("%(name)s already has this milestone from this source.") % {"name": person.display_name},
        field="kind",
    )


# -- milestones ------------------------------------------------------------------------------


@transaction.atomic
def record_milestone(
    *,
    actor: Any,
    person: Person,
    kind: str,
    achieved_on: dt.date,
    source: str = Milestone.Source.STAFF,
    confidence: str = Milestone.Confidence.MEDIUM,
    detail: str = "",
) -> tuple[Milestone, bool]:
    """Record that `person` reached `kind` on `achieved_on`, as staff learned it (source staff,
    institution or survey; the imports write the other two). Recording the same person, kind
    and source again updates that milestone.

    Returns (milestone, created). Side effects: the Milestone created or updated; audit
    `programs.milestone.recorded` (snapshot) or `programs.milestone.updated` (changes).
    """
    _require_staff(actor)
    if not is_followed(person):
        raise ServiceError(
            _(
                "Milestones are kept only for people who applied to a program or belong to a "
                "comparison group."
            ),
            field="person",
        )
    kind = _kind(kind)
    if source not in MANUAL_SOURCES:
        raise ServiceError(
            _("Choose staff, institutional record or survey: the other sources are imports."),
            field="source",
        )
    values = {
        "achieved_on": _achieved_on(achieved_on),
        "confidence": _confidence(confidence),
        "detail": _detail(detail),
    }
    existing = (
        Milestone.objects.select_for_update()
        .filter(person=person, kind=kind, source=source)
        .first()
    )
    if existing is not None:
        before = snapshot(existing, MILESTONE_FIELDS)
        for field, value in values.items():
            setattr(existing, field, value)
        existing.recorded_by = actor
        changes = diff(before, snapshot(existing, MILESTONE_FIELDS))
        if changes:
            existing.save()
            record("programs.milestone.updated", actor=actor, obj=existing, changes=changes)
        return existing, False
    try:
        with transaction.atomic():
            milestone = Milestone.objects.create(
                person=person, kind=kind, source=source, recorded_by=actor, **values
            )
    except IntegrityError:  # pragma: no cover - a concurrent record of the same milestone
        raise _duplicate(person, kind, source) from None
    record(
        "programs.milestone.recorded",
        actor=actor,
        obj=milestone,
        data=snapshot(milestone, MILESTONE_FIELDS),
    )
    return milestone, True


@transaction.atomic
def update_milestone(
    *,
    actor: Any,
    milestone: Milestone,
    kind: str | None = None,
    achieved_on: dt.date | None = None,
    confidence: str | None = None,
    detail: str | None = None,
) -> Milestone:
    """Correct a milestone (any source): its kind, date, confidence or detail.

    Side effects: the milestone saved; audit `programs.milestone.updated` with the changes.
    Conflict when the new kind is already recorded for the person from the same source.
    """
    _require_staff(actor)
    before = snapshot(milestone, MILESTONE_FIELDS)
    if kind is not None and kind != milestone.kind:
        kind = _kind(kind)
        taken = (
            Milestone.objects.filter(person_id=milestone.person_id, kind=kind)
            .filter(source=milestone.source)
            .exclude(pk=milestone.pk)
            .exists()
        )
        if taken:
            raise _duplicate(milestone.person, kind, milestone.source)
        milestone.kind = kind
    if achieved_on is not None:
        milestone.achieved_on = _achieved_on(achieved_on)
    if confidence is not None:
        milestone.confidence = _confidence(confidence)
    if detail is not None:
        milestone.detail = _detail(detail)
    changes = diff(before, snapshot(milestone, MILESTONE_FIELDS))
    if changes:
        milestone.recorded_by = actor
        try:
            with transaction.atomic():
                milestone.save()
        except IntegrityError:  # pragma: no cover - a concurrent change to the same kind
            raise _duplicate(milestone.person, milestone.kind, milestone.source) from None
        record("programs.milestone.updated", actor=actor, obj=milestone, changes=changes)
    return milestone


@transaction.atomic
def delete_milestone(*, actor: Any, milestone: Milestone) -> None:
    """Side effects: the milestone deleted; audit `programs.milestone.deleted` (snapshot)."""
    _require_staff(actor)
    record(
        "programs.milestone.deleted",
        actor=actor,
        obj=milestone,
        data=snapshot(milestone, MILESTONE_FIELDS),
    )
    milestone.delete()


# -- alumni follow-up ------------------------------------------------------------------------


def alumni_label(cycle: Cycle, year: int) -> str:
    # Stored on every invitation and shown as is in each recipient's e-mail and in the
    # surveys' reports, so one wording for everyone rather than the sender's language.
    return f"{cycle.program.name} alumni follow-up {year}"[:120]


@transaction.atomic
def invite_alumni(*, cycle: Cycle, questionnaire: Questionnaire, actor: Any) -> int:
    """Invite the cycle's participants (enrolled) to answer `questionnaire` as this year's
    alumni follow-up, each in their own language, through `surveys.services.invite` with the
    cycle as the context and the label "<program> alumni follow-up <year>" (this year). People
    already invited to this questionnaire for this cycle are skipped. Only once the cycle is
    completed.

    Returns how many were invited. Side effects: those of `surveys.services.invite` (one
    invitation and one e-mail on commit per person; audit `surveys.invitations.sent`); audit
    `programs.cycle.alumni_invited`.
    """
    _require_staff(actor)
    if cycle.status != Cycle.Status.COMPLETED:
        raise Conflict(_("Alumni follow-up surveys are sent once the cycle is completed."))
    people = Person.objects.filter(
        applications__cycle=cycle, applications__status=Application.Status.ENROLLED
    ).distinct()
    year = timezone.localdate().year
    count = survey_services.invite(
        questionnaire=questionnaire,
        people=list(people),
        actor=actor,
        label=alumni_label(cycle, year),
        context=cycle,
    )
    record(
        "programs.cycle.alumni_invited",
        actor=actor,
        obj=cycle,
        data={"questionnaire": questionnaire.pk, "invited": count, "year": year},
    )
    return count


@dataclasses.dataclass(frozen=True)
class SurveyMilestones:
    """What `milestones_from_survey` did: milestones created, updated (a different date) and
    unchanged, and answers skipped because the person is not followed by any program."""

    created: int
    updated: int
    unchanged: int
    skipped_people: int


def milestone_items(questionnaire: Questionnaire) -> dict[str, tuple[str, bool]]:
    """Item key -> (milestone kind, whether it is the `_year` item), for the questionnaire's
    items named after milestone kinds."""
    found: dict[str, tuple[str, bool]] = {}
    for key in Item.objects.filter(
        questionnaire=questionnaire, key__startswith=SURVEY_KEY_PREFIX
    ).values_list("key", flat=True):
        name = key.removeprefix(SURVEY_KEY_PREFIX)
        is_year = name.endswith(YEAR_SUFFIX) and name.removesuffix(YEAR_SUFFIX) in Milestone.ORDER
        kind = name.removesuffix(YEAR_SUFFIX) if is_year else name
        if kind in Milestone.ORDER:
            found[key] = (kind, is_year)
    return found


def _year(text: str, *, latest: int) -> int | None:
    match = _YEAR.fullmatch(text)
    if match is None:
        return None
    year = int(match.group(1))
    return year if EARLIEST.year <= year <= latest else None


def _reported(answers: dict[str, str], kind: str, answered_on: dt.date) -> dt.date | None:
    """The date a response reports for `kind`, or None when it does not report it."""
    reached = answers.get(SURVEY_KEY_PREFIX + kind, "").strip()
    year = _year(reached, latest=answered_on.year)
    if year is None:
        if reached.casefold() not in YES_ANSWERS:
            return None
        year = _year(
            answers.get(SURVEY_KEY_PREFIX + kind + YEAR_SUFFIX, ""), latest=answered_on.year
        )
    if year is None:
        return answered_on
    return min(dt.date(year, 7, 1), answered_on)


def _responses(questionnaire: Questionnaire, keys: Iterable[str]) -> dict[int, Any]:
    """Response id -> (person id, answered on, {item key: answer text}) in one query."""
    responses: dict[int, Any] = {}
    rows = Answer.objects.filter(
        response__invitation__questionnaire=questionnaire, item__key__in=list(keys)
    ).values_list(
        "response_id",
        "response__invitation__person_id",
        "response__submitted_at",
        "item__key",
        "value_text",
        "value_int",
    )
    for response_id, person_id, submitted_at, key, text, number in rows:
        entry = responses.setdefault(response_id, (person_id, timezone.localdate(submitted_at), {}))
        entry[2][key] = text if number is None else str(number)
    return responses


@transaction.atomic
def milestones_from_survey(*, questionnaire: Questionnaire, actor: Any) -> SurveyMilestones:
    """Record the self-reported milestones in `questionnaire`'s answers (source survey,
    confidence medium): see SURVEY_KEY_PREFIX for the convention. Each person gets, per kind,
    the earliest date any of their responses reports; a survey milestone already recorded is
    updated when that date differs. Nothing is deleted: a later "no" leaves an earlier "yes".

    Side effects: Milestones created and updated in bulk; audit `programs.milestones.from_survey`
    with the counts.
    """
    _require_staff(actor)
    items = milestone_items(questionnaire)
    if not any(not is_year for _kind, is_year in items.values()):
        raise ServiceError(
            _("This questionnaire has no milestone questions (keys such as milestone_degree)."),
            field="questionnaire",
        )
    kinds = sorted({kind for kind, is_year in items.values() if not is_year})
    reports: dict[tuple[int, str], dt.date] = {}
    for person_id, answered_on, answers in _responses(questionnaire, items).values():
        for kind in kinds:
            on = _reported(answers, kind, answered_on)
            if on is not None:
                key = (person_id, kind)
                reports[key] = min(on, reports.get(key, on))
    people = {person_id for person_id, _kind in reports}
    followed = followed_ids(people)
    skipped = len(people - followed)
    existing = {
        (m.person_id, m.kind): m
        for m in Milestone.objects.filter(
            person_id__in=followed, kind__in=kinds, source=Milestone.Source.SURVEY
        )
    }
    detail = _("Alumni survey: %(title)s") % {"title": questionnaire.title}
    to_create: list[Milestone] = []
    to_update: list[Milestone] = []
    unchanged = 0
    for (person_id, kind), on in sorted(reports.items()):
        if person_id not in followed:
            continue
        milestone = existing.get((person_id, kind))
        if milestone is None:
            to_create.append(
                Milestone(
                    person_id=person_id,
                    kind=kind,
                    achieved_on=on,
                    source=Milestone.Source.SURVEY,
                    confidence=Milestone.Confidence.MEDIUM,
                    detail=detail[:MAX_DETAIL],
                    recorded_by=actor,
                )
            )
        elif milestone.achieved_on != on:
            milestone.achieved_on = on
            milestone.recorded_by = actor
            to_update.append(milestone)
        else:
            unchanged += 1
    Milestone.objects.bulk_create(to_create, batch_size=500)
    Milestone.objects.bulk_update(to_update, ["achieved_on", "recorded_by"], batch_size=500)
    result = SurveyMilestones(
        created=len(to_create),
        updated=len(to_update),
        unchanged=unchanged,
        skipped_people=skipped,
    )
    record(
        "programs.milestones.from_survey",
        actor=actor,
        obj=questionnaire,
        data={**dataclasses.asdict(result), "kinds": kinds},
    )
    return result

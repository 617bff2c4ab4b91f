"""Who may volunteer for what, explained.

`facts_for(person)` reads what the checks need in three queries; `problems(...)` is then pure,
so a list of 5,000 shifts is checked without another query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from equityhub.people.models import (
    PROFICIENCY_ORDER,
    TRAINING_ORDER,
    Language,
    Person,
    PersonLanguage,
    Proficiency,
    TrainingLevel,
    choice_label,
)
from equityhub.people.selectors import current_affiliations
from equityhub.volunteering.models import (
    ORIENTATION_CODE,
    Credential,
    CredentialType,
    Opportunity,
)

# Levels along the training pipeline; staff, community members and guardians are not on it.
PIPELINE_LEVELS = frozenset(
    TrainingLevel.values[: TrainingLevel.values.index(TrainingLevel.FACULTY) + 1]
)


@dataclass(frozen=True)
class Problem:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass
class PersonFacts:
    person_id: int
    date_of_birth: dt.date | None
    levels: frozenset[str]
    languages: dict[str, str]
    # (credential type id, site id or None) -> that person's credentials of the type
    credentials: dict[tuple[int, int | None], list[Credential]] = field(default_factory=dict)


def facts_for(person: Person, *, on: dt.date | None = None) -> PersonFacts:
    levels = frozenset(
        current_affiliations(on).filter(person=person).values_list("training_level", flat=True)
    )
    languages = dict(
        PersonLanguage.objects.filter(person=person).values_list("language", "proficiency")
    )
    credentials: dict[tuple[int, int | None], list[Credential]] = {}
    for credential in Credential.objects.filter(person=person).order_by("-expires_on", "-id"):
        key = (credential.credential_type_id, credential.site_id)
        credentials.setdefault(key, []).append(credential)
    return PersonFacts(
        person_id=person.pk,
        date_of_birth=person.date_of_birth,
        levels=levels,
        languages=languages,
        credentials=credentials,
    )


def _date(value: dt.date) -> str:
    return formats.date_format(value, "Y-m-d")


def _credential_problem(
    credential_type: CredentialType, held: list[Credential], on: dt.date
) -> Problem | None:
    name = credential_type.name
    if any(c.is_valid_on(on) for c in held):
        return None
    verified = [c for c in held if c.status == Credential.Status.VERIFIED]
    if verified:
        latest = max(verified, key=lambda c: c.expires_on or dt.date.max)
        expires_on = latest.expires_on or on  # a verified one without expiry would be valid
        if expires_on < timezone.localdate():
            message = _("%(name)s expired on %(date)s") % {
                "name": name,
                "date": _date(expires_on),
            }
        else:
            message = _("%(name)s expires on %(date)s, before this shift") % {
                "name": name,
                "date": _date(expires_on),
            }
        if any(c.status == Credential.Status.SUBMITTED for c in held):
            message = _("%(problem)s; the renewal is waiting for verification") % {
                "problem": message
            }
        return Problem("credential_expired", message)
    if any(c.status == Credential.Status.SUBMITTED for c in held):
        return Problem(
            "credential_unverified",
            _("%(name)s is waiting for verification") % {"name": name},
        )
    return Problem("credential_missing", _("%(name)s is not on file") % {"name": name})


def problems(  # noqa: PLR0912 - one branch per kind of requirement
    facts: PersonFacts,
    opportunity: Opportunity,
    *,
    on: dt.date,
    credential_types: Iterable[CredentialType] | None = None,
    languages: Iterable[tuple[str, str]] | None = None,
    orientation_type: CredentialType | None = None,
) -> list[Problem]:
    """Why `facts`' person may not volunteer in `opportunity` on `on`; empty if they may.

    Pass `credential_types`, `languages` ((language, minimum proficiency) pairs) and the
    orientation type when they are already read; otherwise they are read from the opportunity.
    """
    found: list[Problem] = []
    types = list(
        credential_types if credential_types is not None else opportunity.credential_types.all()
    )
    for credential_type in types:
        held = facts.credentials.get((credential_type.pk, None), [])
        if credential_type.per_site:
            held = held + facts.credentials.get((credential_type.pk, opportunity.site_id), [])
        problem = _credential_problem(credential_type, held, on)
        if problem:
            found.append(problem)
    if opportunity.requires_orientation:
        if orientation_type is None:
            orientation_type = CredentialType.objects.filter(code=ORIENTATION_CODE).first()
        held = (
            facts.credentials.get((orientation_type.pk, opportunity.site_id), [])
            if orientation_type
            else []
        )
        if not any(c.is_valid_on(on) for c in held):
            found.append(
                Problem(
                    "orientation_missing",
                    _("needs the site orientation for %(site)s") % {"site": opportunity.site},
                )
            )
    if languages is None:
        languages = [
            (r.language, r.min_proficiency) for r in opportunity.language_requirements.all()
        ]
    for language, min_proficiency in languages:
        have = facts.languages.get(language)
        if have is None or PROFICIENCY_ORDER[have] < PROFICIENCY_ORDER[min_proficiency]:
            found.append(
                Problem(
                    "language",
                    _("needs %(language)s, %(level)s")
                    % {
                        "language": choice_label(Language, language),
                        "level": choice_label(Proficiency, min_proficiency).lower(),
                    },
                )
            )
    if opportunity.min_training_level:
        needed = TRAINING_ORDER[opportunity.min_training_level]
        if not any(
            TRAINING_ORDER[level] >= needed for level in facts.levels if level in PIPELINE_LEVELS
        ):
            found.append(
                Problem(
                    "training_level",
                    _("needs to be at least: %(level)s")
                    % {"level": choice_label(TrainingLevel, opportunity.min_training_level)},
                )
            )
    if opportunity.min_age:
        if facts.date_of_birth is None:
            found.append(Problem("age_unknown", _("date of birth is not on file")))
        else:
            before = (on.month, on.day) < (facts.date_of_birth.month, facts.date_of_birth.day)
            age = on.year - facts.date_of_birth.year - int(before)
            if age < opportunity.min_age:
                found.append(
                    Problem(
                        "age",
                        _("must be at least %(age)s years old") % {"age": opportunity.min_age},
                    )
                )
    return found


def is_eligible(  # noqa: PLR0911 - one refusal per requirement
    facts: PersonFacts,
    opportunity: Opportunity,
    *,
    on: dt.date,
    credential_types: Iterable[CredentialType],
    languages: Iterable[tuple[str, str]],
    orientation_type: CredentialType | None,
) -> bool:
    """`not problems(...)`, without composing any explanation and stopping at the first
    requirement not met: lists that only filter (thousands of shifts) use this. The test suite
    checks that the two always agree."""
    for credential_type in credential_types:
        held = facts.credentials.get((credential_type.pk, None), [])
        if credential_type.per_site:
            held = held + facts.credentials.get((credential_type.pk, opportunity.site_id), [])
        if not any(c.is_valid_on(on) for c in held):
            return False
    if opportunity.requires_orientation:
        held = (
            facts.credentials.get((orientation_type.pk, opportunity.site_id), [])
            if orientation_type
            else []
        )
        if not any(c.is_valid_on(on) for c in held):
            return False
    for language, min_proficiency in languages:
        have = facts.languages.get(language)
        if have is None or PROFICIENCY_ORDER[have] < PROFICIENCY_ORDER[min_proficiency]:
            return False
    if opportunity.min_training_level:
        needed = TRAINING_ORDER[opportunity.min_training_level]
        if not any(
            TRAINING_ORDER[level] >= needed for level in facts.levels if level in PIPELINE_LEVELS
        ):
            return False
    if opportunity.min_age:
        if facts.date_of_birth is None:
            return False
        before = (on.month, on.day) < (facts.date_of_birth.month, facts.date_of_birth.day)
        if on.year - facts.date_of_birth.year - int(before) < opportunity.min_age:
            return False
    return True

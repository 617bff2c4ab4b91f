"""Every write to the people registry.

Each service checks state, writes inside one transaction, appends an audit entry and defers
mail to `transaction.on_commit`. Demographic values never enter the audit log: their field
names do, their values are redacted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.audit.services import REDACTED, diff, record, snapshot
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.core.tasks import send_email
from equityhub.people.models import (
    Affiliation,
    Answer,
    Consent,
    DemographicProfile,
    GenderIdentity,
    Language,
    Organization,
    Person,
    PersonLanguage,
    Proficiency,
    RaceEthnicity,
    TrainingLevel,
    derive_urim,
    race_field,
)
from equityhub.people.signals import consent_withdrawn

PERSON_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "pronouns",
    "email",
    "phone",
    "date_of_birth",
    "home_zip",
)
# What a person may change about themself; the registry keeps e-mail and date of birth, which
# other records (logins, minors' consent) depend on.
SELF_EDITABLE_FIELDS = frozenset(
    {"given_name", "family_name", "preferred_name", "pronouns", "phone", "home_zip"}
)
ANSWER_FIELDS = (
    "first_generation_college",
    "economically_disadvantaged",
    "disability",
    "rural_background",
)
DEMOGRAPHIC_FIELDS = (
    *(race_field(code) for code in RaceEthnicity.values),
    "race_ethnicity_declined",
    "race_ethnicity_detail",
    "gender_identity",
    "gender_self_description",
    *ANSWER_FIELDS,
    "underrepresented_in_medicine",
)
ORGANIZATION_FIELDS = (
    "name",
    "short_name",
    "kind",
    "parent_id",
    "website",
    "address",
    "city",
    "state",
    "zip_code",
    "is_active",
    "is_fictional",
)


def _clean(obj: Any, *, exclude: Iterable[str] = ()) -> None:
    """Run the model's validators and turn the first error into a ServiceError naming it."""
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceError(
            "; ".join(str(m) for m in messages), field=None if field == "__all__" else field
        ) from None


def _email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    queryset = Person.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.exists()


def _email_conflict(email: str) -> Conflict:
    return Conflict(
        _("Someone in the registry already has the e-mail address %(email)s.") % {"email": email},
        field="email",
    )


# Organizations -----------------------------------------------------------------------------


def create_organization(*, actor: Any, name: str, **fields: Any) -> Organization:
    """Side effects: one Organization row; audit `people.organization.created`."""
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field: %(field)s.") % {"field": sorted(unknown)[0]})
    organization = Organization(name=name.strip(), **fields)
    _clean(organization, exclude=["parent"])
    with transaction.atomic():
        if Organization.objects.filter(name__iexact=organization.name).exists():
            raise Conflict(
                _("An organization named %(name)s already exists.") % {"name": organization.name},
                field="name",
            )
        organization.save()
        record(
            "people.organization.created",
            actor=actor,
            obj=organization,
            changes=diff({}, snapshot(organization, ORGANIZATION_FIELDS)),
        )
    return organization


def update_organization(*, organization: Organization, actor: Any, **changes: Any) -> Organization:
    """Side effects: the Organization row; audit `people.organization.updated` (if changed)."""
    unknown = set(changes) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field: %(field)s.") % {"field": sorted(unknown)[0]})
    original = {field: getattr(organization, field) for field in changes}
    try:
        with transaction.atomic():
            before = snapshot(organization, ORGANIZATION_FIELDS)
            for field, value in changes.items():
                setattr(organization, field, value)
            _clean(organization, exclude=["parent"])
            if (
                "name" in changes
                and Organization.objects.filter(name__iexact=organization.name)
                .exclude(pk=organization.pk)
                .exists()
            ):
                raise Conflict(
                    _("An organization named %(name)s already exists.")
                    % {"name": organization.name},
                    field="name",
                )
            changed = diff(before, snapshot(organization, ORGANIZATION_FIELDS))
            if changed:
                organization.save()
                record(
                    "people.organization.updated", actor=actor, obj=organization, changes=changed
                )
    except ServiceError:
        for field, value in original.items():
            setattr(organization, field, value)
        raise
    return organization


# Persons -----------------------------------------------------------------------------------


def create_person(
    *,
    actor: Any,
    given_name: str,
    family_name: str,
    email: str,
    preferred_name: str = "",
    pronouns: str = "",
    phone: str = "",
    date_of_birth: dt.date | None = None,
    home_zip: str = "",
    user: Any = None,
) -> Person:
    """Add a person to the registry.

    Side effects: one Person row; audit `people.person.created`.
    Raises Conflict when the e-mail address (case-insensitive) is already in the registry.
    """
    person = Person(
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        email=email.strip(),
        preferred_name=preferred_name.strip(),
        pronouns=pronouns.strip(),
        phone=phone.strip(),
        date_of_birth=date_of_birth,
        home_zip=home_zip.strip(),
        user=user,
    )
    _clean(person, exclude=["user"])
    if date_of_birth is not None and date_of_birth > timezone.localdate():
        raise ServiceError(_("The date of birth is in the future."), field="date_of_birth")
    with transaction.atomic():
        if _email_taken(person.email):
            raise _email_conflict(person.email)
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            # Another request inserted the same address between our check and our insert.
            raise _email_conflict(person.email) from None
        record(
            "people.person.created",
            actor=actor,
            obj=person,
            changes=diff({}, snapshot(person, PERSON_FIELDS)),
        )
    return person


def update_person(
    *, person: Person, actor: Any, self_service: bool = False, **changes: Any
) -> Person:
    """Change a person's registry fields.

    `self_service=True` limits the change to what a person may edit about themself.
    Side effects: the Person row; audit `people.person.updated` with before/after (if changed).
    """
    allowed = SELF_EDITABLE_FIELDS if self_service else frozenset(PERSON_FIELDS)
    refused = set(changes) - allowed
    if refused:
        raise NotAllowed(
            _("You cannot change %(field)s here; ask the office.") % {"field": sorted(refused)[0]}
        )
    original = {field: getattr(person, field) for field in changes}
    try:
        with transaction.atomic():
            before = snapshot(person, PERSON_FIELDS)
            for field, value in changes.items():
                setattr(person, field, value.strip() if isinstance(value, str) else value)
            _clean(person, exclude=["user"])
            if person.date_of_birth is not None and person.date_of_birth > timezone.localdate():
                raise ServiceError(_("The date of birth is in the future."), field="date_of_birth")
            changed = diff(before, snapshot(person, PERSON_FIELDS))
            if not changed:
                return person
            if "email" in changed and _email_taken(person.email, exclude_pk=person.pk):
                raise _email_conflict(person.email)
            try:
                with transaction.atomic():
                    person.save()
            except IntegrityError:
                raise _email_conflict(person.email) from None
            record("people.person.updated", actor=actor, obj=person, changes=changed)
    except ServiceError:
        # A refused change must not linger on the caller's object (a view re-rendering it,
        # an API handler serializing it).
        for field, value in original.items():
            setattr(person, field, value)
        raise
    return person


def update_own_profile(
    *, person: Person, actor: Any, languages: Mapping[str, str], **changes: Any
) -> Person:
    """A person edits their own record and languages together: both are saved or neither.

    Side effects: those of `update_person(self_service=True)` and `set_languages`.
    """
    with transaction.atomic():
        update_person(person=person, actor=actor, self_service=True, **changes)
        set_languages(person=person, actor=actor, languages=languages)
    return person


def link_user_to_person(*, user: Any, email: str) -> Person | None:
    """Attach a verified login to the registry's person with that e-mail address.

    Does nothing when the user already has a person or no unlinked person has the address.
    Side effects: Person.user; audit `people.person.linked`.
    """
    if Person.objects.filter(user=user).exists():
        return None
    with transaction.atomic():
        person = (
            Person.objects.select_for_update()
            .filter(email__iexact=email, user__isnull=True)
            .first()
        )
        if person is None:
            return None
        person.user = user
        person.save(update_fields=["user", "updated_at"])
        record("people.person.linked", actor=user, obj=person, data={"user": user.pk})
    return person


def create_own_person(
    *, user: Any, given_name: str, family_name: str, preferred_name: str = "", pronouns: str = ""
) -> Person:
    """A signed-in user with no registry record creates their own, with their login e-mail."""
    if Person.objects.filter(user=user).exists():
        raise Conflict(_("You already have a profile."))
    if _email_taken(user.email):
        raise Conflict(
            _(
                "The office already has a record with your e-mail address; verify your address "
                "to be linked to it."
            )
        )
    return create_person(
        actor=user,
        user=user,
        given_name=given_name,
        family_name=family_name,
        preferred_name=preferred_name,
        pronouns=pronouns,
        email=user.email,
    )


# Affiliations ------------------------------------------------------------------------------

AFFILIATION_FIELDS = (
    "organization_id",
    "school_program",
    "training_level",
    "grade_level",
    "title",
    "start_date",
    "end_date",
    "is_primary",
)


def add_affiliation(
    *,
    person: Person,
    actor: Any,
    organization: Organization,
    training_level: str,
    school_program: str = "",
    grade_level: int | None = None,
    title: str = "",
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    is_primary: bool = False,
) -> Affiliation:
    """Side effects: one Affiliation row (the person's other affiliations stop being primary
    when this one is); audit `people.affiliation.added`."""
    if training_level not in TrainingLevel.values:
        raise ServiceError(
            _("Unknown training level: %(value)s.") % {"value": training_level},
            field="training_level",
        )
    if start_date and end_date and end_date < start_date:
        raise ServiceError(_("An affiliation cannot end before it starts."), field="end_date")
    if grade_level is not None and training_level != TrainingLevel.K12:
        raise ServiceError(_("Only K-12 students have a school grade."), field="grade_level")
    affiliation = Affiliation(
        person=person,
        organization=organization,
        training_level=training_level,
        school_program=school_program.strip(),
        grade_level=grade_level,
        title=title.strip(),
        start_date=start_date,
        end_date=end_date,
        is_primary=is_primary,
    )
    _clean(affiliation, exclude=["person", "organization"])
    with transaction.atomic():
        if is_primary:
            person.affiliations.filter(is_primary=True).update(is_primary=False)
        affiliation.save()
        record(
            "people.affiliation.added",
            actor=actor,
            obj=person,
            changes=diff({}, snapshot(affiliation, AFFILIATION_FIELDS)),
        )
    return affiliation


def end_affiliation(*, affiliation: Affiliation, actor: Any, end_date: dt.date) -> Affiliation:
    """Side effects: Affiliation.end_date; audit `people.affiliation.ended`."""
    if affiliation.end_date is not None and affiliation.end_date < timezone.localdate():
        raise Conflict(_("This affiliation has already ended."))
    if affiliation.start_date and end_date < affiliation.start_date:
        raise ServiceError(_("An affiliation cannot end before it starts."), field="end_date")
    with transaction.atomic():
        before = snapshot(affiliation, ["end_date"])
        affiliation.end_date = end_date
        affiliation.save(update_fields=["end_date"])
        record(
            "people.affiliation.ended",
            actor=actor,
            obj=affiliation.person,
            changes=diff(before, snapshot(affiliation, ["end_date"])),
        )
    return affiliation


# Languages ---------------------------------------------------------------------------------


def set_languages(
    *, person: Person, actor: Any, languages: Mapping[str, str]
) -> list[PersonLanguage]:
    """Replace the person's languages with `{language code: proficiency}`.

    Side effects: PersonLanguage rows replaced; audit `people.person.languages_changed`.
    """
    for code, level in languages.items():
        if code not in Language.values:
            raise ServiceError(_("Unknown language: %(code)s.") % {"code": code}, field="languages")
        if level not in Proficiency.values:
            raise ServiceError(
                _("Unknown proficiency for %(code)s: %(level)s.") % {"code": code, "level": level},
                field="languages",
            )
    with transaction.atomic():
        before = dict(person.languages.values_list("language", "proficiency"))
        if before == dict(languages):
            return list(person.languages.all())
        person.languages.all().delete()
        rows = PersonLanguage.objects.bulk_create(
            PersonLanguage(person=person, language=code, proficiency=level)
            for code, level in sorted(languages.items())
        )
        record(
            "people.person.languages_changed",
            actor=actor,
            obj=person,
            changes={"languages": [before, dict(languages)]},
        )
    return rows


# Demographics ------------------------------------------------------------------------------


RACE_FIELDS = frozenset(
    {*(race_field(code) for code in RaceEthnicity.values), "race_ethnicity_declined"}
)


def _logged_question(field: str) -> str:
    # One column per race category: naming the column that changed (race_black going from
    # its default False) would tell the log's readers the answer. The log names the question.
    if field in RACE_FIELDS:
        return "race_ethnicity"
    if field in {"gender_identity", "gender_self_description"}:
        # A changed self-description alone would reveal "I use another term".
        return "gender_identity"
    return field


def update_demographics(
    *,
    person: Person,
    actor: Any,
    race_ethnicity: Iterable[str] = (),
    race_ethnicity_declined: bool = False,
    race_ethnicity_detail: str = "",
    gender_identity: str = "",
    gender_self_description: str = "",
    first_generation_college: str = "",
    economically_disadvantaged: str = "",
    disability: str = "",
    rural_background: str = "",
) -> DemographicProfile:
    """Save the person's self-identified answers (every one optional).

    Underrepresented in medicine is derived from race and ethnicity. Side effects: the
    DemographicProfile row (created if missing); audit `people.demographics.updated` naming the
    changed questions (all race categories as one, `race_ethnicity`) with their values redacted.
    """
    categories = set(race_ethnicity)
    unknown = categories - set(RaceEthnicity.values)
    if unknown:
        raise ServiceError(
            _("Unknown race or ethnicity category: %(code)s.") % {"code": sorted(unknown)[0]},
            field="race_ethnicity",
        )
    if race_ethnicity_declined and categories:
        raise ServiceError(
            _("Choose categories or 'prefer not to say', not both."),
            field="race_ethnicity",
        )
    if gender_identity and gender_identity not in GenderIdentity.values:
        raise ServiceError(
            _("Unknown gender identity: %(value)s.") % {"value": gender_identity},
            field="gender_identity",
        )
    if gender_self_description and gender_identity != GenderIdentity.SELF_DESCRIBE:
        gender_self_description = ""
    answers = {
        "first_generation_college": first_generation_college,
        "economically_disadvantaged": economically_disadvantaged,
        "disability": disability,
        "rural_background": rural_background,
    }
    for field, value in answers.items():
        if value and value not in Answer.values:
            raise ServiceError(_("Unknown answer: %(value)s.") % {"value": value}, field=field)
    with transaction.atomic():
        profile, _created = DemographicProfile.objects.get_or_create(person=person)
        before = snapshot(profile, DEMOGRAPHIC_FIELDS)
        for code in RaceEthnicity.values:
            setattr(profile, race_field(code), code in categories)
        profile.race_ethnicity_declined = race_ethnicity_declined
        profile.race_ethnicity_detail = race_ethnicity_detail.strip()[:200]
        profile.gender_identity = gender_identity
        profile.gender_self_description = gender_self_description.strip()[:100]
        for field, value in answers.items():
            setattr(profile, field, value)
        profile.underrepresented_in_medicine = derive_urim(categories, race_ethnicity_declined)
        changed = diff(before, snapshot(profile, DEMOGRAPHIC_FIELDS), redact=DEMOGRAPHIC_FIELDS)
        if changed or _created:
            profile.save()
            record(
                "people.demographics.updated",
                actor=actor,
                obj=person,
                changes={_logged_question(field): [REDACTED, REDACTED] for field in changed},
            )
    return profile


# Consents ----------------------------------------------------------------------------------


def record_consent(
    *,
    person: Person,
    actor: Any,
    kind: str,
    given_by_name: str,
    relationship: str = Consent.Relationship.SELF,
    given_by_email: str = "",
    given_at: dt.datetime | None = None,
    expires_on: dt.date | None = None,
    scope: str = "",
) -> Consent:
    """Record a consent given by the person, or by a parent or guardian for a minor.

    A minor cannot consent for themself; guardian consent is only for minors.
    Side effects: one Consent row; audit `people.consent.recorded`.
    """
    if kind not in Consent.Kind.values:
        raise ServiceError(_("Unknown consent kind: %(kind)s.") % {"kind": kind}, field="kind")
    if relationship not in Consent.Relationship.values:
        raise ServiceError(_("Unknown relationship."), field="relationship")
    if not given_by_name.strip():
        raise ServiceError(_("Say who gave the consent."), field="given_by_name")
    given_at = given_at or timezone.now()
    on = timezone.localdate(given_at)
    if person.is_minor_on(on) and relationship == Consent.Relationship.SELF:
        raise ServiceError(
            _("%(name)s is under 18: a parent or legal guardian must give this consent.")
            % {"name": person.display_name},
            field="relationship",
        )
    if kind == Consent.Kind.GUARDIAN:
        if relationship == Consent.Relationship.SELF:
            raise ServiceError(
                _("Guardian consent is given by a parent or legal guardian."),
                field="relationship",
            )
        if not person.is_minor_on(on):
            raise ServiceError(_("Guardian consent is only for people under 18."), field="kind")
    if expires_on is not None and expires_on < on:
        raise ServiceError(_("The consent would expire before it was given."), field="expires_on")
    consent = Consent(
        person=person,
        kind=kind,
        relationship=relationship,
        given_by_name=given_by_name.strip(),
        given_by_email=given_by_email.strip(),
        given_at=given_at,
        expires_on=expires_on,
        scope=scope.strip(),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _clean(consent, exclude=["person", "recorded_by"])
    with transaction.atomic():
        consent.save()
        record(
            "people.consent.recorded",
            actor=actor,
            obj=person,
            data={"consent": consent.pk, "kind": kind, "relationship": relationship},
        )
    return consent


def withdraw_consent(*, consent: Consent, actor: Any, reason: str = "") -> Consent:
    """Withdraw a consent from now on; the record of it having been given stays.

    Side effects: Consent.withdrawn_at; audit `people.consent.withdrawn`; after commit, an
    e-mail to the office (OFFICE_EMAIL) when a guardian consent is withdrawn, since programs
    must stop working with the minor.
    """
    if consent.withdrawn_at is not None:
        raise Conflict(_("This consent was already withdrawn."))
    with transaction.atomic():
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.withdrawn_at is not None:
            raise Conflict(_("This consent was already withdrawn."))
        locked.withdrawn_at = timezone.now()
        locked.withdrawal_reason = reason.strip()[:300]
        locked.save(update_fields=["withdrawn_at", "withdrawal_reason"])
        record(
            "people.consent.withdrawn",
            actor=actor,
            obj=locked.person,
            data={"consent": locked.pk, "kind": locked.kind},
        )
        consent_withdrawn.send(sender=Consent, consent=locked, actor=actor)
        office = getattr(settings, "OFFICE_EMAIL", "")
        if locked.kind == Consent.Kind.GUARDIAN and office:
            subject = _("Guardian consent withdrawn")
            body = _(
                "The guardian consent for person #%(id)s was withdrawn on %(date)s. "
                "Open the person's record in Equity Hub for details."
            ) % {"id": locked.person_id, "date": timezone.localdate(locked.withdrawn_at)}
            transaction.on_commit(
                lambda: send_email.enqueue(subject=str(subject), body=str(body), to=[office])
            )
    consent.withdrawn_at = locked.withdrawn_at
    consent.withdrawal_reason = locked.withdrawal_reason
    return consent

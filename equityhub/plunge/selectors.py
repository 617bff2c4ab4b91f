"""Reads of the Medical Plunge. Planning pages are for office staff; a participant reaches only
their own registration and itinerary. Objects by id go through `get_*_for_user` (404 else)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from equityhub.accounts.rules import is_office_staff
from equityhub.audit.services import record_access
from equityhub.lib import grouping
from equityhub.people.models import (
    DemographicProfile,
    GenderIdentity,
    Person,
    RaceEthnicity,
    choice_label,
)
from equityhub.people.selectors import current_affiliations, person_of, valid_id
from equityhub.plunge.models import (
    Attendance,
    Group,
    GroupingRun,
    GroupRequirement,
    PairRule,
    Plunge,
    Registration,
    Session,
    Visit,
)
from equityhub.surveys.stats import ItemChange, paired_change

DEMOGRAPHICS_PERMISSION = "people.view_demographicprofile"

# Attributes the engine can balance, with their labels; `demographic` ones need the explicit
# demographics permission and each read is logged.
ATTRIBUTES: dict[str, tuple[Any, bool]] = {
    "school_program": (gettext_lazy("School or program"), False),
    "training_level": (gettext_lazy("Training level"), False),
    "home_region": (gettext_lazy("Home region (ZIP prefix or file column)"), False),
    "languages": (gettext_lazy("Languages"), False),
    "gender": (gettext_lazy("Gender identity"), True),
    "race_ethnicity": (gettext_lazy("Race and ethnicity"), True),
    "first_generation": (gettext_lazy("First-generation college"), True),
}


def _staff(user: Any) -> bool:
    return bool(is_office_staff(user))


def plunges_for_user(user: Any) -> QuerySet[Plunge]:
    if _staff(user):
        return Plunge.objects.all()
    person = person_of(user)
    if person is None:
        return Plunge.objects.none()
    return Plunge.objects.filter(registrations__person=person).distinct()


def get_plunge_for_user(user: Any, plunge_id: Any) -> Plunge:
    """A Plunge the user plans (office staff); 404 for everyone else."""
    pk = valid_id(plunge_id)
    plunge = Plunge.objects.filter(pk=pk).first() if _staff(user) else None
    if plunge is None:
        raise Http404
    return plunge


def get_registration_for_user(user: Any, registration_id: Any) -> Registration:
    """One's own registration, or any for office staff."""
    pk = valid_id(registration_id)
    registration = (
        Registration.objects.select_related("plunge", "person", "group").filter(pk=pk).first()
    )
    if registration is None:
        raise Http404
    person = person_of(user)
    if not _staff(user) and (person is None or registration.person_id != person.pk):
        raise Http404
    return registration


def own_registrations(user: Any) -> QuerySet[Registration]:
    person = person_of(user)
    if person is None:
        return Registration.objects.none()
    return Registration.objects.filter(person=person).select_related("plunge", "group")


def _child_for_staff(user: Any, model: Any, object_id: Any, plunge: Plunge) -> Any:
    pk = valid_id(object_id)
    found = model.objects.filter(pk=pk, plunge=plunge).first() if _staff(user) else None
    if found is None:
        raise Http404
    return found


def get_session_for_user(user: Any, plunge: Plunge, session_id: Any) -> Session:
    found: Session = _child_for_staff(user, Session, session_id, plunge)
    return found


def get_group_for_user(user: Any, plunge: Plunge, group_id: Any) -> Group:
    found: Group = _child_for_staff(user, Group, group_id, plunge)
    return found


def get_run_for_user(user: Any, plunge: Plunge, run_id: Any) -> GroupingRun:
    found: GroupingRun = _child_for_staff(user, GroupingRun, run_id, plunge)
    return found


def get_pair_rule_for_user(user: Any, plunge: Plunge, rule_id: Any) -> PairRule:
    found: PairRule = _child_for_staff(user, PairRule, rule_id, plunge)
    return found


def get_requirement_for_user(user: Any, plunge: Plunge, requirement_id: Any) -> GroupRequirement:
    found: GroupRequirement = _child_for_staff(user, GroupRequirement, requirement_id, plunge)
    return found


def get_plunge_registration_for_user(
    user: Any, plunge: Plunge, registration_id: Any
) -> Registration:
    found: Registration = _child_for_staff(user, Registration, registration_id, plunge)
    return found


def sessions_of(plunge: Plunge) -> QuerySet[Session]:
    return Session.objects.filter(plunge=plunge).select_related("site").order_by("starts_at")


def registrations_of(plunge: Plunge) -> QuerySet[Registration]:
    return Registration.objects.filter(plunge=plunge).select_related("person", "group")


def session_label(session: Session) -> str:
    local = session.starts_at.astimezone(session.plunge.tz)
    return f"{formats.date_format(local, 'D')} {local:%H:%M}"


def group_sizes(plunge: Plunge) -> dict[int, int]:
    return dict(
        Registration.objects.filter(plunge=plunge, status__in=Registration.ACTIVE)
        .exclude(group=None)
        .values_list("group")
        .annotate(n=Count("id"))
        .values_list("group", "n")
    )


# -- attributes for grouping -------------------------------------------------------------------


def available_attributes(plunge: Plunge, user: Any) -> list[tuple[str, str]]:
    """(key, label) of what the user may balance on: the demographic ones need the explicit
    demographics permission; custom columns from an invitation file come last."""
    may_see = user.has_perm(DEMOGRAPHICS_PERMISSION)
    found = [
        (key, str(label))
        for key, (label, demographic) in ATTRIBUTES.items()
        if may_see or not demographic
    ]
    custom: set[str] = set()
    for columns in Registration.objects.filter(plunge=plunge).values_list("custom", flat=True):
        custom.update(columns or {})
    found += [(f"custom:{name}", name) for name in sorted(custom)]
    return found


def grouping_records(
    plunge: Plunge, user: Any, attributes: Sequence[str]
) -> tuple[list[Registration], list[dict[str, Any]]]:
    """The active participants (registered or invited) and, for each, the chosen attributes as
    the engine takes them (a string, a list for multi-valued ones, or None when unknown).

    Raises PermissionError-like ServiceError upstream: asking for a demographic attribute without
    the permission is refused here with Http404-free clarity (ValueError)."""
    allowed = {key for key, _label in available_attributes(plunge, user)}
    unknown = [a for a in attributes if a not in allowed]
    if unknown:
        raise ValueError(_("Unknown or not permitted attribute: %(a)s") % {"a": unknown[0]})
    registrations = list(
        Registration.objects.filter(plunge=plunge, status__in=Registration.ACTIVE)
        .select_related("person")
        .order_by("id")
    )
    people = [r.person for r in registrations]
    ids = [p.pk for p in people]
    affiliation: dict[int, tuple[str, str]] = {}
    for person_id, school, level in (
        current_affiliations()
        .filter(person_id__in=ids)
        .order_by("person_id", "-is_primary", "-start_date", "id")
        .values_list("person_id", "school_program", "training_level")
    ):
        affiliation.setdefault(person_id, (school, level))
    languages: dict[int, list[str]] = {}
    for person in Person.objects.filter(pk__in=ids).prefetch_related("languages"):
        languages[person.pk] = sorted(lang.language for lang in person.languages.all())
    demographic = [a for a in attributes if ATTRIBUTES.get(a, ("", False))[1]]
    profiles: dict[int, DemographicProfile] = {}
    if demographic:
        profiles = {p.person_id: p for p in DemographicProfile.objects.filter(person_id__in=ids)}
        record_access(
            "people.demographics.viewed_for_grouping", actor=user, objects=list(profiles.values())
        )
    records = []
    for registration in registrations:
        person = registration.person
        school, level = affiliation.get(person.pk, ("", ""))
        profile = profiles.get(person.pk)
        values: dict[str, Any] = {}
        for attribute in attributes:
            values[attribute] = _value(attribute, registration, school, level, languages, profile)
        records.append(values)
    return registrations, records


def _value(  # noqa: PLR0911, PLR0917 - one return per attribute
    attribute: str,
    registration: Registration,
    school: str,
    level: str,
    languages: Mapping[int, list[str]],
    profile: DemographicProfile | None,
) -> Any:
    person = registration.person
    if attribute == "school_program":
        return school or level or None
    if attribute == "training_level":
        return level or None
    if attribute == "home_region":
        region = registration.custom.get("home_region") or (person.home_zip or "")[:3]
        return region or None
    if attribute == "languages":
        return languages.get(person.pk) or None
    if attribute.startswith("custom:"):
        return registration.custom.get(attribute.removeprefix("custom:")) or None
    if profile is None:
        return None
    if attribute == "gender":
        return profile.gender_identity or None
    if attribute == "race_ethnicity":
        return profile.race_ethnicity or None
    if attribute == "first_generation":
        return profile.first_generation_college or None
    return None


# -- the balance table -----------------------------------------------------------------------


@dataclass
class BalanceRow:
    number: int
    group_id: int | None
    size: int
    counts: list[int]


@dataclass
class Balance:
    columns: list[str]
    column_labels: list[str]
    rows: list[BalanceRow]
    ideal: list[tuple[int, int]]  # per column: (floor, ceil) of an even spread
    ss: float
    ss_ideal: float
    excess: float | None
    violations: list[str] = field(default_factory=list)


def _column_label(column: str) -> str:
    attribute, _sep, value = column.partition("=")
    if attribute == "race_ethnicity":
        value = choice_label(RaceEthnicity, value)
    elif attribute == "gender":
        value = choice_label(GenderIdentity, value)
    label = ATTRIBUTES.get(attribute, (attribute.removeprefix("custom:"), False))[0]
    return f"{label}: {value}"


def balance(plunge: Plunge, user: Any, attributes: Sequence[str]) -> Balance:
    """How the current groups look on the chosen attributes: counts per group and value, the
    even-spread ideal, SS against its lower bound, and broken pair rules or requirements."""
    registrations, records = grouping_records(plunge, user, attributes)
    groups = list(Group.objects.filter(plunge=plunge).order_by("number"))
    number_of = {g.pk: g.number for g in groups}
    encoding = grouping.encode(records, list(attributes))
    labels = [number_of[r.group_id] - 1 if r.group_id in number_of else -1 for r in registrations]
    count = max(len(groups), 1)
    placed = [i for i, label in enumerate(labels) if label >= 0]
    import numpy as np  # noqa: PLC0415 - numpy only where the engine is used

    matrix = encoding.matrix[placed] if placed else np.zeros((0, len(encoding.columns)))
    placed_labels = np.array([labels[i] for i in placed], dtype=int)
    counts = (
        grouping.balance(matrix, placed_labels, count)
        if placed
        else np.zeros((count, len(encoding.columns)), dtype=int)
    )
    sizes = np.bincount(placed_labels, minlength=count) if placed else np.zeros(count, dtype=int)
    rows = [
        BalanceRow(
            number=g.number,
            group_id=g.pk,
            size=int(sizes[g.number - 1]),
            counts=[int(v) for v in counts[g.number - 1]],
        )
        for g in groups
    ]
    totals = counts.sum(axis=0) if groups else np.zeros(len(encoding.columns))
    ideal = [(int(t) // count, -(-int(t) // count)) for t in totals]
    ss_now = grouping.ss(matrix, placed_labels, count) if placed else 0.0
    ss_best = grouping.ss_ideal(matrix, count) if placed else 0.0
    ss_rand = grouping.ss_random(matrix, count, seed=0) if placed else 0.0
    excess = (ss_now - ss_best) / (ss_rand - ss_best) if ss_rand > ss_best else None
    return Balance(
        columns=encoding.columns,
        column_labels=[_column_label(c) for c in encoding.columns],
        rows=rows,
        ideal=ideal,
        ss=ss_now,
        ss_ideal=ss_best,
        excess=excess,
        violations=_violations(plunge, registrations, encoding, labels),
    )


def _violations(
    plunge: Plunge,
    registrations: list[Registration],
    encoding: grouping.Encoding,
    labels: list[int],
) -> list[str]:
    found = []
    position = {r.pk: i for i, r in enumerate(registrations)}
    for rule in PairRule.objects.filter(plunge=plunge).select_related(
        "first__person", "second__person"
    ):
        a, b = position.get(rule.first_id), position.get(rule.second_id)
        if a is None or b is None or labels[a] < 0 or labels[b] < 0:
            continue
        same = labels[a] == labels[b]
        if rule.kind == PairRule.Kind.APART and same:
            found.append(
                _("%(a)s and %(b)s should be apart but are both in group %(g)s.")
                % {
                    "a": rule.first.person.display_name,
                    "b": rule.second.person.display_name,
                    "g": labels[a] + 1,
                }
            )
        if rule.kind == PairRule.Kind.TOGETHER and not same:
            found.append(
                _("%(a)s and %(b)s should be together but are in groups %(g)s and %(h)s.")
                % {
                    "a": rule.first.person.display_name,
                    "b": rule.second.person.display_name,
                    "g": labels[a] + 1,
                    "h": labels[b] + 1,
                }
            )
    groups = {label for label in labels if label >= 0}
    for requirement in GroupRequirement.objects.filter(plunge=plunge):
        if requirement.column not in encoding.columns:
            continue
        column = encoding.columns.index(requirement.column)
        for group in sorted(groups):
            have = sum(
                1
                for i, label in enumerate(labels)
                if label == group and encoding.matrix[i, column] > 0
            )
            if have < requirement.minimum:
                found.append(
                    _("Group %(g)s has %(n)s of %(what)s; at least %(m)s needed.")
                    % {
                        "g": group + 1,
                        "n": have,
                        "what": _column_label(requirement.column),
                        "m": requirement.minimum,
                    }
                )
    return found


# -- itineraries -----------------------------------------------------------------------------


@dataclass
class ItineraryItem:
    session: Session
    site_name: str
    site_address: str
    bus_number: int | None


def itinerary_for_group(plunge: Plunge, group: Group | None) -> list[ItineraryItem]:
    visits = (
        {v.session_id: v for v in Visit.objects.filter(group=group).select_related("site")}
        if group is not None
        else {}
    )
    items = []
    for session in sessions_of(plunge):
        visit = visits.get(session.pk)
        if session.is_site_visit and visit is not None:
            site = visit.site
            items.append(
                ItineraryItem(
                    session=session,
                    site_name=site.name,
                    site_address=", ".join(
                        p for p in (site.address, site.city, site.zip_code) if p
                    ),
                    bus_number=visit.bus_number,
                )
            )
        else:
            items.append(
                ItineraryItem(
                    session=session,
                    site_name=session.site.name if session.site else session.place,
                    site_address=session.place if session.site else "",
                    bus_number=None,
                )
            )
    return items


def groups_with_members(plunge: Plunge) -> list[Group]:
    return list(
        Group.objects.filter(plunge=plunge)
        .order_by("number")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Registration.objects.filter(status__in=Registration.ACTIVE)
                .select_related("person")
                .order_by("-is_group_leader", "person__family_name"),
            )
        )
    )


def attendance_of(session: Session) -> set[int]:
    return set(Attendance.objects.filter(session=session).values_list("registration_id", flat=True))


def survey_change(plunge: Plunge) -> list[ItemChange] | None:
    """Paired pre/post change per item for this Plunge's participants (small counts
    suppressed), or None until both surveys are chosen."""
    if plunge.pre_survey is None or plunge.post_survey is None:
        return None
    return paired_change(plunge.pre_survey, plunge.post_survey, context=plunge)

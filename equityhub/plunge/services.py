"""Every write of the Medical Plunge: keyword-only, atomic, audited; office staff only, except
a participant answering their own invitation.

Grouping reads the participants' attributes (`plunge.selectors.grouping_records`), runs the
anticlustering engine and keeps the run; applying a run writes the groups. Demographic
attributes are read only for actors holding `people.view_demographicprofile`, and each such read
is logged per person, as everywhere else.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.accounts.rules import is_office_staff
from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.core.exceptions import clean_model as _clean
from equityhub.lib import grouping, rotation
from equityhub.people.models import Person
from equityhub.people.selectors import person_of
from equityhub.places.models import Site
from equityhub.plunge import selectors
from equityhub.plunge.models import (
    Attendance,
    Group,
    GroupingRun,
    GroupRequirement,
    PairRule,
    Plunge,
    Registration,
    Session,
    SlotOffer,
    Visit,
)
from equityhub.surveys import services as survey_services
from equityhub.surveys.models import Questionnaire

R = Registration.Status
MAX_INVITE_ROWS = 5000


def _require_office(actor: Any) -> None:
    if not is_office_staff(actor):
        raise NotAllowed(_("Only office staff may plan the Medical Plunge."))


# -- the week ----------------------------------------------------------------------------------

PLUNGE_FIELDS = [
    "title",
    "starts_on",
    "ends_on",
    "description",
    "timezone",
    "group_count",
    "bus_capacity",
    "status",
]


@transaction.atomic
def create_plunge(
    *, actor: Any, title: str, starts_on: dt.date, ends_on: dt.date, **fields: Any
) -> Plunge:
    _require_office(actor)
    unknown = set(fields) - set(PLUNGE_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    plunge = Plunge(title=title.strip(), starts_on=starts_on, ends_on=ends_on, **fields)
    _check_dates(plunge)
    _clean(plunge)
    plunge.save()
    record("plunge.created", actor=actor, obj=plunge, data=snapshot(plunge, PLUNGE_FIELDS))
    return plunge


def _check_dates(plunge: Plunge) -> None:
    if plunge.ends_on < plunge.starts_on:
        raise ServiceError(_("The last day is before the first day."), field="ends_on")
    if (plunge.ends_on - plunge.starts_on).days > 30:
        raise ServiceError(_("A Plunge lasts at most a month."), field="ends_on")


@transaction.atomic
def update_plunge(*, plunge: Plunge, actor: Any, **changes: Any) -> Plunge:
    _require_office(actor)
    unknown = set(changes) - set(PLUNGE_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    before = snapshot(plunge, PLUNGE_FIELDS)
    for field, value in changes.items():
        setattr(plunge, field, value)
    _check_dates(plunge)
    _clean(plunge)
    plunge.save()
    record(
        "plunge.updated",
        actor=actor,
        obj=plunge,
        changes=diff(before, snapshot(plunge, PLUNGE_FIELDS)),
    )
    return plunge


SESSION_FIELDS = ["kind", "title", "starts_at", "ends_at", "place", "site_id", "description"]


@transaction.atomic
def save_session(
    *, plunge: Plunge, actor: Any, session: Session | None = None, **fields: Any
) -> Session:
    """Add (no `session`) or change a session of the week."""
    _require_office(actor)
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    creating = session is None
    target = session or Session(plunge=plunge)
    if target.plunge_id != plunge.pk:
        raise ServiceError(_("The session belongs to another Plunge."))
    before = {} if creating else snapshot(target, SESSION_FIELDS)
    for field, value in fields.items():
        setattr(target, field, value)
    if target.starts_at is None or target.ends_at is None:
        raise ServiceError(
            _("A session needs a start and an end."),
            field="starts_at" if target.starts_at is None else "ends_at",
        )
    if target.ends_at <= target.starts_at:
        raise ServiceError(_("A session must end after it starts."), field="ends_at")
    day = target.starts_at.astimezone(plunge.tz).date()
    if not plunge.starts_on <= day <= plunge.ends_on:
        raise ServiceError(
            _("The session is on %(day)s, outside the Plunge's days.") % {"day": day},
            field="starts_at",
        )
    was_site_visit = not creating and before.get("kind") == Session.Kind.SITE_VISIT
    if was_site_visit and not target.is_site_visit and target.visits.exists():
        raise Conflict(
            _("Groups are planned to visit sites in this session; clear the rotation first."),
            field="kind",
        )
    _clean(target, exclude=["plunge", "site"])
    target.save()
    after = snapshot(target, SESSION_FIELDS)
    record(
        "plunge.session.created" if creating else "plunge.session.updated",
        actor=actor,
        obj=target,
        data=after if creating else None,
        changes=None if creating else diff(before, after),
    )
    return target


@transaction.atomic
def delete_session(*, session: Session, actor: Any) -> None:
    _require_office(actor)
    record(
        "plunge.session.deleted", actor=actor, obj=session, data=snapshot(session, SESSION_FIELDS)
    )
    session.delete()


@transaction.atomic
def set_offers(*, session: Session, actor: Any, offers: Mapping[int, int]) -> list[SlotOffer]:
    """The sites hosting groups in a site-visit session, site id -> groups it can host."""
    _require_office(actor)
    if not session.is_site_visit:
        raise ServiceError(_("Only site-visit sessions have host sites."), field="kind")
    sites = Site.objects.in_bulk(list(offers))
    missing = [pk for pk in offers if pk not in sites]
    if missing:
        raise ServiceError(_("Unknown site: %(id)s") % {"id": missing[0]}, field="offers")
    for site_id, capacity in offers.items():
        if not 1 <= capacity <= 50:
            raise ServiceError(
                _("%(site)s: a site hosts 1 to 50 groups.") % {"site": sites[site_id]},
                field="offers",
            )
    before = dict(SlotOffer.objects.filter(session=session).values_list("site_id", "capacity"))
    SlotOffer.objects.filter(session=session).exclude(site_id__in=list(offers)).delete()
    for site_id, capacity in offers.items():
        SlotOffer.objects.update_or_create(
            session=session, site_id=site_id, defaults={"capacity": capacity}
        )
    record(
        "plunge.session.offers",
        actor=actor,
        obj=session,
        changes={"offers": [before, dict(offers)]},
    )
    return list(SlotOffer.objects.filter(session=session).select_related("site"))


# -- registrations ---------------------------------------------------------------------------


@transaction.atomic
def invite(
    *,
    plunge: Plunge,
    actor: Any,
    people: Iterable[Person],
    custom: Mapping[int, Mapping[str, str]] | None = None,
) -> int:
    """Invite people (an entering class from the registry); those invited already are left as
    they are. Returns how many were added."""
    _require_office(actor)
    custom = custom or {}
    existing = set(Registration.objects.filter(plunge=plunge).values_list("person_id", flat=True))
    new = []
    for person in people:
        if person.pk not in existing:
            existing.add(person.pk)
            new.append(
                Registration(plunge=plunge, person=person, custom=dict(custom.get(person.pk, {})))
            )
    Registration.objects.bulk_create(new)
    if new:
        record(
            "plunge.invited",
            actor=actor,
            obj=plunge,
            data={"people": [r.person_id for r in new]},
        )
    return len(new)


RESERVED_COLUMNS = {"email", "dietary_needs", "accessibility_needs"}


def invite_from_csv(*, plunge: Plunge, actor: Any, content: bytes) -> int:  # noqa: PLR0912
    """Invite from a CSV with an `email` column (matched to the registry, case-insensitively);
    other columns are kept as custom columns for grouping. All or nothing: every row that does
    not match is listed by its line number."""
    _require_office(actor)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(_("The file is not UTF-8 text."), field="file") from None
    if "\x00" in text:
        # PostgreSQL refuses NUL in text: a 500 if it got as far as a query.
        raise ServiceError(_("The file is not CSV text (it contains NUL bytes)."), field="file")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "email" not in [f.strip().lower() for f in reader.fieldnames]:
        raise ServiceError(_("The file needs an 'email' column."), field="file")
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for line, row in enumerate(reader, start=2):
            if len(rows) >= MAX_INVITE_ROWS:
                raise ServiceError(
                    _("At most %(n)s rows at a time.") % {"n": MAX_INVITE_ROWS}, field="file"
                )
            if None in row:
                raise ServiceError(
                    _("line %(line)s has more cells than the file has columns.") % {"line": line},
                    field="file",
                )
            cleaned = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            rows.append((line, cleaned))
    except csv.Error as error:
        raise ServiceError(
            _("The file is not readable CSV: %(error)s") % {"error": error}, field="file"
        ) from None
    if not rows:
        raise ServiceError(_("The file has no rows."), field="file")
    emails = {row["email"].lower() for _line, row in rows if row.get("email")}
    people = {
        person.email_lower: person
        for person in Person.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=emails
        )
    }
    problems = []
    seen: dict[str, int] = {}
    for line, row in rows:
        email = row.get("email", "").lower()
        if not email:
            problems.append(_("line %(line)s: no e-mail address") % {"line": line})
        elif email not in people:
            problems.append(
                _("line %(line)s: %(email)s is not in the registry")
                % {"line": line, "email": email}
            )
        elif email in seen:
            problems.append(
                _("line %(line)s: %(email)s is also on line %(other)s")
                % {"line": line, "email": email, "other": seen[email]}
            )
        else:
            seen[email] = line
    if problems:
        shown = "; ".join(problems[:20])
        more = len(problems) - 20
        if more > 0:
            shown += " " + _("(and %(n)s more)") % {"n": more}
        raise ServiceError(
            _("Nothing was invited: %(problems)s.") % {"problems": shown}, field="file"
        )
    with transaction.atomic():
        custom = {
            people[row["email"].lower()].pk: {
                key: value for key, value in row.items() if key not in RESERVED_COLUMNS and value
            }
            for _line, row in rows
        }
        count = invite(
            plunge=plunge,
            actor=actor,
            people=[people[row["email"].lower()] for _line, row in rows],
            custom=custom,
        )
        needs = {
            people[row["email"].lower()].pk: row
            for _line, row in rows
            if row.get("dietary_needs") or row.get("accessibility_needs")
        }
        for registration in Registration.objects.filter(plunge=plunge, person_id__in=list(needs)):
            row = needs[registration.person_id]
            registration.dietary_needs = row.get("dietary_needs", "")[:300]
            registration.accessibility_needs = row.get("accessibility_needs", "")[:300]
            registration.save(update_fields=["dietary_needs", "accessibility_needs", "updated_at"])
    return count


def respond(
    *,
    registration: Registration,
    actor: Any,
    attending: bool,
    dietary_needs: str = "",
    accessibility_needs: str = "",
) -> Registration:
    """The participant answers their invitation (office staff may answer for them)."""
    person = person_of(actor)
    own = person is not None and person.pk == registration.person_id
    if not own and not is_office_staff(actor):
        raise NotAllowed(_("You may answer only your own invitation."))
    with transaction.atomic():
        fresh = Registration.objects.select_for_update().get(pk=registration.pk)
        if fresh.status == R.CANCELLED:
            raise Conflict(_("This registration was cancelled by the office."))
        before = snapshot(fresh, ["status", "dietary_needs", "accessibility_needs"])
        fresh.status = R.REGISTERED if attending else R.DECLINED
        fresh.dietary_needs = dietary_needs.strip()[:300]
        fresh.accessibility_needs = accessibility_needs.strip()[:300]
        if not attending:
            fresh.group = None
        fresh.save()
        record(
            "plunge.registration.answered",
            actor=actor,
            obj=fresh,
            changes=diff(
                before, snapshot(fresh, ["status", "dietary_needs", "accessibility_needs"])
            ),
        )
    return fresh


def cancel_registration(*, registration: Registration, actor: Any) -> Registration:
    _require_office(actor)
    with transaction.atomic():
        fresh = Registration.objects.select_for_update().get(pk=registration.pk)
        fresh.status = R.CANCELLED
        fresh.group = None
        fresh.save(update_fields=["status", "group", "updated_at"])
        record("plunge.registration.cancelled", actor=actor, obj=fresh)
    return fresh


# -- rules for the groups --------------------------------------------------------------------


@transaction.atomic
def add_pair_rule(
    *,
    plunge: Plunge,
    actor: Any,
    first: Registration,
    second: Registration,
    kind: str,
    note: str = "",
) -> PairRule:
    _require_office(actor)
    if first.pk == second.pk:
        raise ServiceError(_("Choose two different people."), field="second")
    if first.plunge_id != plunge.pk or second.plunge_id != plunge.pk:
        raise ServiceError(_("Both people must be registered for this Plunge."), field="second")
    if kind not in PairRule.Kind.values:
        raise ServiceError(_("Unknown rule."), field="kind")
    pair = {first.pk, second.pk}
    for rule in PairRule.objects.filter(plunge=plunge):
        if {rule.first_id, rule.second_id} == pair:
            raise Conflict(
                _("These two already have a rule: %(rule)s.") % {"rule": rule.get_kind_display()},
                field="second",
            )
    rule = PairRule.objects.create(
        plunge=plunge, first=first, second=second, kind=kind, note=note.strip()[:200]
    )
    record("plunge.pair_rule.added", actor=actor, obj=rule, data={"kind": kind})
    return rule


@transaction.atomic
def remove_pair_rule(*, rule: PairRule, actor: Any) -> None:
    _require_office(actor)
    record("plunge.pair_rule.removed", actor=actor, obj=rule, data={"kind": rule.kind})
    rule.delete()


@transaction.atomic
def set_requirement(*, plunge: Plunge, actor: Any, column: str, minimum: int) -> GroupRequirement:
    """Every group needs at least `minimum` people with `column` (e.g. `languages=es`)."""
    _require_office(actor)
    column = column.strip()
    attribute, _sep, value = column.partition("=")
    if not attribute.strip() or not value.strip():
        raise ServiceError(_("Write it as attribute=value, e.g. languages=es."), field="column")
    if not 1 <= minimum <= 20:
        raise ServiceError(_("At least 1 and at most 20."), field="minimum")
    requirement, _created = GroupRequirement.objects.update_or_create(
        plunge=plunge, column=column.strip(), defaults={"minimum": minimum}
    )
    record("plunge.requirement.set", actor=actor, obj=plunge, data={column: minimum})
    return requirement


@transaction.atomic
def remove_requirement(*, requirement: GroupRequirement, actor: Any) -> None:
    _require_office(actor)
    record(
        "plunge.requirement.removed",
        actor=actor,
        obj=requirement.plunge,
        data={"column": requirement.column},
    )
    requirement.delete()


# -- groups ----------------------------------------------------------------------------------


def run_grouping(
    *,
    plunge: Plunge,
    actor: Any,
    attributes: Sequence[str],
    weights: Mapping[str, float] | None = None,
    seed: int = 0,
    time_limit: float = 2.0,
) -> GroupingRun:
    """Form `plunge.group_count` balanced groups of the registered participants and keep the
    run (not applied yet: `apply_grouping` writes it)."""
    _require_office(actor)
    if not attributes:
        raise ServiceError(_("Choose at least one attribute to balance."), field="attributes")
    if not 0.1 <= time_limit <= 60:
        raise ServiceError(_("The time limit is 0.1 to 60 seconds."), field="time_limit")
    try:
        registrations, records = selectors.grouping_records(plunge, actor, attributes)
    except ValueError as error:
        raise ServiceError(str(error), field="attributes") from None
    groups = plunge.group_count
    if len(registrations) < groups:
        raise ServiceError(
            _("%(n)s people are registered, fewer than the %(g)s groups asked for.")
            % {"n": len(registrations), "g": groups},
            field="group_count",
        )
    index = {registration.pk: i for i, registration in enumerate(registrations)}
    apart: list[tuple[int, int]] = []
    together: list[tuple[int, int]] = []
    for rule in PairRule.objects.filter(plunge=plunge):
        if rule.first_id in index and rule.second_id in index:
            pair = (index[rule.first_id], index[rule.second_id])
            (apart if rule.kind == PairRule.Kind.APART else together).append(pair)
    try:
        encoding = grouping.encode(records, list(attributes), dict(weights or {}))
        requirements = [
            grouping.Requirement(column=r.column, minimum=r.minimum)
            for r in GroupRequirement.objects.filter(plunge=plunge)
        ]
        unknown = [r.column for r in requirements if r.column not in encoding.columns]
        if unknown:
            raise ServiceError(
                _("No registered participant has %(column)s: remove that requirement.")
                % {"column": unknown[0]},
                field="requirements",
            )
        result = grouping.assign(
            encoding,
            groups,
            constraints=grouping.Constraints(
                apart=apart, together=together, requirements=requirements
            ),
            seed=seed,
            time_limit=time_limit,
        )
    except grouping.Infeasible as error:
        raise ServiceError(
            _("These groups cannot be formed: %(why)s") % {"why": error}, field="requirements"
        ) from None
    except ValueError as error:
        raise ServiceError(str(error), field="attributes") from None
    with transaction.atomic():
        run = GroupingRun.objects.create(
            plunge=plunge,
            attributes=list(attributes),
            weights=dict(weights or {}),
            seed=seed,
            time_limit=time_limit,
            groups=groups,
            ss=result.ss,
            ss_ideal=result.ss_ideal,
            ss_random=result.ss_random,
            excess=result.excess,
            seconds=result.seconds,
            assignment={
                str(registration.pk): int(label) + 1
                for registration, label in zip(registrations, result.labels, strict=True)
            },
            created_by=actor,
        )
        record(
            "plunge.grouping.run",
            actor=actor,
            obj=run,
            data={
                "attributes": list(attributes),
                "groups": groups,
                "excess": result.excess,
                "seconds": round(result.seconds, 3),
            },
        )
    return run


def apply_grouping(*, run: GroupingRun, actor: Any) -> list[Group]:
    """Write a run's groups: groups 1..G exist afterwards and each participant is in theirs."""
    _require_office(actor)
    plunge = run.plunge
    with transaction.atomic():
        Plunge.objects.select_for_update().get(pk=plunge.pk)
        groups = {g.number: g for g in Group.objects.filter(plunge=plunge)}
        for number in range(1, run.groups + 1):
            if number not in groups:
                groups[number] = Group.objects.create(plunge=plunge, number=number)
        extra = [g for n, g in groups.items() if n > run.groups]
        if extra and Visit.objects.filter(group__in=extra).exists():
            raise Conflict(
                _("The current rotation uses groups this run does not have; plan it again.")
            )
        Registration.objects.filter(plunge=plunge).update(group=None)
        by_group: dict[int, list[int]] = {}
        for registration_id, number in run.assignment.items():
            by_group.setdefault(int(number), []).append(int(registration_id))
        for number, ids in by_group.items():
            Registration.objects.filter(
                plunge=plunge, pk__in=ids, status__in=Registration.ACTIVE
            ).update(group=groups[number])
        Group.objects.filter(pk__in=[g.pk for g in extra]).delete()
        run.applied_at = timezone.now()
        run.save(update_fields=["applied_at"])
        record("plunge.grouping.applied", actor=actor, obj=run, data={"groups": run.groups})
    return [groups[n] for n in sorted(groups) if n <= run.groups]


def move_member(*, registration: Registration, group: Group, actor: Any) -> Registration:
    """Move one participant to another group by hand (sizes may then differ)."""
    _require_office(actor)
    if group.plunge_id != registration.plunge_id:
        raise ServiceError(_("That group belongs to another Plunge."), field="group")
    with transaction.atomic():
        fresh = Registration.objects.select_for_update().get(pk=registration.pk)
        if fresh.status not in Registration.ACTIVE:
            raise Conflict(_("Only invited or registered people are in groups."))
        before = fresh.group_id
        fresh.group = group
        fresh.save(update_fields=["group", "updated_at"])
        record(
            "plunge.group.moved",
            actor=actor,
            obj=fresh,
            changes={"group": [before, group.pk]},
        )
    return fresh


@transaction.atomic
def set_group_leader(
    *, registration: Registration, actor: Any, leader: bool, phone: str = ""
) -> Registration:
    _require_office(actor)
    if registration.group_id is None:
        raise Conflict(_("Put this person in a group first."))
    registration.is_group_leader = leader
    registration.save(update_fields=["is_group_leader", "updated_at"])
    if leader and phone:
        Group.objects.filter(pk=registration.group_id).update(leader_phone=phone.strip()[:30])
    record(
        "plunge.group.leader",
        actor=actor,
        obj=registration,
        changes={"is_group_leader": [not leader, leader]},
    )
    return registration


# -- rotation and buses ----------------------------------------------------------------------


def plan_rotation(
    *,
    plunge: Plunge,
    actor: Any,
    required_kinds: Sequence[str] = ("clinic", "school", "community"),
    kinds_hard: bool = False,
    time_limit: float = 20.0,
) -> rotation.Rotation:
    """Send every group to one site in every site-visit session: no site over capacity, no
    group at a site twice, variety of kinds and areas preferred (or required)."""
    _require_office(actor)
    groups = list(Group.objects.filter(plunge=plunge).order_by("number"))
    if not groups:
        raise Conflict(_("Form the groups first."))
    sessions = list(
        Session.objects.filter(plunge=plunge, kind=Session.Kind.SITE_VISIT)
        .prefetch_related("offers__site__area")
        .order_by("starts_at")
    )
    if not sessions:
        raise Conflict(_("Add site-visit sessions first."))
    slots = [
        rotation.Slot(
            key=str(session.pk),
            label=selectors.session_label(session),
            offers=[
                rotation.Offer(
                    site=str(offer.site_id),
                    capacity=offer.capacity,
                    kind=offer.site.kind,
                    area=offer.site.area.code if offer.site.area else offer.site.zip_code,
                )
                for offer in session.offers.all()
            ],
        )
        for session in sessions
    ]
    names = {str(site.pk): site.name for s in sessions for site in (o.site for o in s.offers.all())}
    try:
        result = rotation.rotate(
            [str(g.number) for g in groups],
            slots,
            required_kinds=[k for k in required_kinds if k],
            kinds_hard=kinds_hard,
            time_limit=time_limit,
        )
    except rotation.RotationInfeasible as error:
        reasons = [_name_sites(reason, names) for reason in error.reasons]
        raise ServiceError(
            _("No rotation fits: %(reasons)s") % {"reasons": "; ".join(reasons)},
            field="offers",
            code="infeasible",
        ) from None
    by_number = {str(g.number): g for g in groups}
    with transaction.atomic():
        Visit.objects.filter(session__plunge=plunge).delete()
        Visit.objects.bulk_create(
            [
                Visit(session_id=int(slot_key), group=by_number[group_key], site_id=int(site_key))
                for group_key, slots_of_group in result.visits.items()
                for slot_key, site_key in slots_of_group.items()
            ]
        )
        record(
            "plunge.rotation.planned",
            actor=actor,
            obj=plunge,
            data={
                "groups": len(groups),
                "sessions": len(sessions),
                "kinds_missing": result.kinds_missing,
                "repeated_areas": result.repeated_areas,
            },
        )
    return result


def _name_sites(reason: str, names: Mapping[str, str]) -> str:
    # The solver speaks of site keys (ids); people read names.
    for key, name in sorted(names.items(), key=lambda item: -len(item[0])):
        reason = reason.replace(f"site {key} ", f"{name} ").replace(f"site {key}", name)
    return reason


def plan_buses(*, plunge: Plunge, actor: Any) -> int:
    """Put the groups of every site-visit session on buses (at most `bus_capacity` people a
    bus, groups never split, one site's groups together); returns the number of bus runs."""
    _require_office(actor)
    runs_total = 0
    sizes = selectors.group_sizes(plunge)
    with transaction.atomic():
        for session in Session.objects.filter(plunge=plunge, kind=Session.Kind.SITE_VISIT):
            visits = list(Visit.objects.filter(session=session).select_related("group"))
            if not visits:
                continue
            at_sites: dict[str, list[tuple[str, int]]] = {}
            for visit in visits:
                at_sites.setdefault(str(visit.site_id), []).append(
                    (str(visit.group_id), sizes.get(visit.group_id, 0))
                )
            try:
                runs = rotation.bus_runs(at_sites, bus_capacity=plunge.bus_capacity)
            except ValueError as error:
                raise ServiceError(str(error), field="bus_capacity") from None
            number_of = {group: run.number for run in runs for group in run.groups}
            for visit in visits:
                visit.bus_number = number_of[str(visit.group_id)]
            Visit.objects.bulk_update(visits, ["bus_number"])
            runs_total += len(runs)
        record("plunge.buses.planned", actor=actor, obj=plunge, data={"bus_runs": runs_total})
    return runs_total


# -- attendance ------------------------------------------------------------------------------


def check_in(*, session: Session, registration: Registration, actor: Any) -> Attendance:
    _require_office(actor)
    if registration.plunge_id != session.plunge_id:
        raise ServiceError(_("This person is not registered for this Plunge."))
    if registration.status != R.REGISTERED:
        raise Conflict(
            _("%(name)s has not registered (%(status)s).")
            % {
                "name": registration.person.display_name,
                "status": registration.get_status_display(),
            }
        )
    with transaction.atomic():
        attendance, created = Attendance.objects.get_or_create(
            session=session,
            registration=registration,
            defaults={"checked_in_at": timezone.now(), "checked_in_by": actor},
        )
        if not created:
            raise Conflict(
                _("%(name)s is checked in already.") % {"name": registration.person.display_name}
            )
        record(
            "plunge.attendance.checked_in",
            actor=actor,
            obj=attendance,
            data={"session": session.pk},
        )
    return attendance


@transaction.atomic
def undo_check_in(*, attendance: Attendance, actor: Any) -> None:
    _require_office(actor)
    record("plunge.attendance.undone", actor=actor, obj=attendance)
    attendance.delete()


# -- pre and post surveys --------------------------------------------------------------------


def set_surveys(
    *, plunge: Plunge, actor: Any, pre: Questionnaire | None, post: Questionnaire | None
) -> Plunge:
    """The questionnaires sent before and after the week; their items pair by key."""
    _require_office(actor)
    if pre is not None and post is not None and pre.pk == post.pk:
        raise ServiceError(_("The surveys before and after must differ."), field="post_survey")
    with transaction.atomic():
        before = {"pre": plunge.pre_survey_id, "post": plunge.post_survey_id}
        plunge.pre_survey = pre
        plunge.post_survey = post
        plunge.save(update_fields=["pre_survey", "post_survey", "updated_at"])
        record(
            "plunge.surveys.set",
            actor=actor,
            obj=plunge,
            changes={
                "surveys": [
                    before,
                    {"pre": getattr(pre, "pk", None), "post": getattr(post, "pk", None)},
                ]
            },
        )
    return plunge


def send_survey(*, plunge: Plunge, actor: Any, which: str) -> int:
    """Invite every registered participant to the pre (`which="pre"`) or post survey, each
    with a private link; participants invited already are skipped. Returns how many."""
    _require_office(actor)
    if which not in {"pre", "post"}:
        raise ServiceError(_("Choose the survey before or after the week."), field="which")
    questionnaire = plunge.pre_survey if which == "pre" else plunge.post_survey
    if questionnaire is None:
        raise Conflict(_("Choose the questionnaire first."), field=f"{which}_survey")
    people = [
        registration.person
        for registration in Registration.objects.filter(
            plunge=plunge, status=R.REGISTERED
        ).select_related("person")
    ]
    if not people:
        raise Conflict(_("Nobody has registered yet."))
    label = (
        _("%(plunge)s: before the week") if which == "pre" else _("%(plunge)s: after the week")
    ) % {"plunge": plunge.title}
    return survey_services.invite(
        questionnaire=questionnaire, people=people, actor=actor, label=label, context=plunge
    )

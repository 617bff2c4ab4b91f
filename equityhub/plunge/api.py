"""`/api/v1/plunges`: the Medical Plunge over HTTP: the week, its sessions, registrations,
groups, grouping runs (start one, read its result, apply it), the site rotation and buses.

The same permissions as the planning pages: office staff only. Every Plunge and every object
of one reached by id goes through a `plunge.selectors` choke-point (404 for anyone else; ids
outside 1..2^63-1 are 404 too); every write goes through `plunge.services`, whose refusals the
api's error handlers turn into 403 (`NotAllowed`), 409 (`Conflict`) or 422 (anything else,
with code `infeasible` when no rotation fits). Times are given in the Plunge's time zone; times
sent without a UTC offset are read in it.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from equityhub.accounts.rules import is_office_staff
from equityhub.api.types import MAX_LIMIT, MAX_OFFSET, PAGE_SIZE, Id, PlainText
from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.core.http import ApiRequest
from equityhub.people.api import ErrorOut
from equityhub.people.models import Person
from equityhub.places.models import Site
from equityhub.plunge import selectors, services
from equityhub.plunge.models import (
    GroupingRun,
    Plunge,
    Registration,
    Session,
    SlotOffer,
    Visit,
)

router = Router(tags=["plunge"])

MAX_SEED = 2**31 - 1  # a PositiveIntegerField on every database
Weight = Annotated[float, Field(ge=0, le=100)]


# Schemas: answers ----------------------------------------------------------------------------


class PlungeOut(Schema):
    id: int
    title: str
    starts_on: dt.date
    ends_on: dt.date
    description: str
    timezone: str = Field(description="e.g. America/Chicago; every time is given in it.")
    group_count: int = Field(description="How many groups the grouping engine forms.")
    bus_capacity: int = Field(description="Seats per bus.")
    status: Plunge.Status
    invited: int = Field(description="Invited, not answered yet.")
    registered: int = Field(description="Registered (coming).")
    groups: int = Field(description="Groups formed so far.")
    created_at: dt.datetime


class PlungesPage(Schema):
    count: int = Field(description="How many Plunges there are, across all pages.")
    items: list[PlungeOut]


class PlungeSiteRef(Schema):
    id: int
    name: str
    kind: Site.Kind
    address: str
    zip_code: str


class PlungeOfferOut(Schema):
    site: PlungeSiteRef
    capacity: int = Field(description="How many groups the site hosts in this session.")


class PlungeSessionOut(Schema):
    id: int
    kind: Session.Kind
    title: str
    starts_at: dt.datetime = Field(description="In the Plunge's time zone, with its UTC offset.")
    ends_at: dt.datetime
    place: str = Field(description="Where everyone meets.")
    site: PlungeSiteRef | None
    description: str
    offers: list[PlungeOfferOut] = Field(
        description="Site visits only: the sites hosting groups, with their capacity."
    )


class PlungePersonRef(Schema):
    id: int
    name: str
    email: str


class PlungeRegistrationOut(Schema):
    id: int
    person: PlungePersonRef
    status: Registration.Status
    dietary_needs: str
    accessibility_needs: str
    group_id: int | None
    group_number: int | None
    is_group_leader: bool
    custom: dict[str, Any] = Field(description="Extra columns from an invitation file.")


class PlungeRegistrationsPage(Schema):
    count: int
    items: list[PlungeRegistrationOut]


class PlungeInviteOut(Schema):
    invited: int = Field(description="How many were added now.")
    already: int = Field(description="How many of those sent were invited already.")
    registrations: int = Field(description="Registrations of this Plunge, all statuses.")


class PlungeGroupOut(Schema):
    id: int
    number: int
    size: int = Field(description="Invited and registered members.")
    leader_phone: str
    members: list[int] = Field(description="The members' registration ids.")
    leaders: list[int] = Field(description="Registration ids of the group's leaders.")


class GroupingRunOut(Schema):
    id: int
    attributes: list[str]
    weights: dict[str, float]
    seed: int
    time_limit: float
    groups: int
    ss: float | None = Field(description="Sum over groups and columns of squared counts.")
    ss_ideal: float | None = Field(description="The lower bound no assignment can beat.")
    ss_random: float | None = Field(description="The mean SS of random equal-size groups.")
    excess: float | None = Field(
        description="(SS - SS_ideal) / (SS_random - SS_ideal): 0 is the best possible."
    )
    seconds: float | None
    assignment: dict[str, int] = Field(description="Registration id -> group number (1..G).")
    created_at: dt.datetime
    applied_at: dt.datetime | None = Field(description="When the groups were written from it.")


class PlungeVisitOut(Schema):
    id: int
    session_id: int
    session_title: str
    starts_at: dt.datetime
    group_id: int
    group_number: int
    site: PlungeSiteRef
    bus_number: int | None = Field(description="The session's bus run, once buses are planned.")


class RotationOut(Schema):
    visits: list[PlungeVisitOut]
    kinds_missing: dict[str, list[str]] | None = Field(
        None, description="Just planned: group number -> required kinds it could not get."
    )
    repeated_areas: int | None = Field(
        None, description="Just planned: visits to an area the group had visited already."
    )
    objective: float | None = None
    seconds: float | None = None
    optimal: bool | None = Field(None, description="False when the time limit cut it short.")


class BusOut(Schema):
    session_id: int
    number: int
    sites: list[PlungeSiteRef] = Field(description="The stops.")
    groups: list[int] = Field(description="Group numbers on board.")
    people: int


class BusesOut(Schema):
    bus_runs: int
    buses: list[BusOut]


# Schemas: input ------------------------------------------------------------------------------


class PageQuery(Schema):
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PlungeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: PlainText = Field(min_length=1, max_length=200)
    starts_on: dt.date
    ends_on: dt.date = Field(description="At most a month after the first day.")
    description: PlainText = Field("", max_length=5000)
    timezone: str | None = Field(
        None, max_length=60, description="e.g. America/Chicago (the default)."
    )
    group_count: int = Field(18, ge=1, le=500)
    bus_capacity: int = Field(50, ge=1, le=120)


class OfferIn(Schema):
    model_config = ConfigDict(extra="forbid")

    site_id: Id
    capacity: int = Field(1, ge=1, le=50, description="Groups the site hosts.")


class PlungeSessionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Session.Kind
    title: PlainText = Field(min_length=1, max_length=200)
    starts_at: dt.datetime = Field(
        description="Without a UTC offset, read in the Plunge's time zone."
    )
    ends_at: dt.datetime
    place: PlainText = Field("", max_length=200)
    site_id: Id | None = Field(None, description="The site where it takes place, if any.")
    description: PlainText = Field("", max_length=5000)
    offers: list[OfferIn] = Field(
        default_factory=list,
        max_length=200,
        description="Site visits only: the sites hosting groups in this session.",
    )


class RegistrationQuery(Schema):
    status: Registration.Status | None = None
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class InviteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person_ids: list[Id] = Field(min_length=1, max_length=services.MAX_INVITE_ROWS)


class GroupingRunIn(Schema):
    model_config = ConfigDict(extra="forbid")

    attributes: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1,
        max_length=30,
        description=(
            "What to balance: school_program, training_level, home_region, languages, "
            "custom:<column>; gender, race_ethnicity and first_generation only with the "
            "demographics permission (each read is logged)."
        ),
    )
    weights: dict[str, Weight] = Field(
        default_factory=dict, description="Attribute -> weight (1 when not given)."
    )
    seed: int = Field(0, ge=0, le=MAX_SEED, description="The same seed gives the same groups.")
    time_limit: float = Field(2.0, ge=0.1, le=60, description="Seconds the search may take.")


class RotationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    required_kinds: list[Site.Kind] = Field(
        default_factory=lambda: [Site.Kind.CLINIC, Site.Kind.SCHOOL, Site.Kind.COMMUNITY],
        max_length=6,
        description="Site kinds every group should visit.",
    )
    kinds_hard: bool = Field(False, description="true: required; false: preferred.")
    time_limit: float = Field(20.0, ge=1, le=60, description="Seconds the solver may take.")


ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}


# Helpers -------------------------------------------------------------------------------------


def _finite(value: float | None) -> float | None:
    # JSON has no NaN or infinity.
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _local(plunge: Plunge, value: dt.datetime) -> dt.datetime:
    return value.astimezone(plunge.tz)


def _aware(plunge: Plunge, value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value, plunge.tz)
    return value


def _site_ref(site: Site | None) -> dict[str, Any] | None:
    if site is None:
        return None
    return {
        "id": site.pk,
        "name": site.name,
        "kind": site.kind,
        "address": site.address,
        "zip_code": site.zip_code,
    }


def _plunges() -> QuerySet[Plunge]:
    return Plunge.objects.annotate(
        n_invited=Count(
            "registrations",
            filter=Q(registrations__status=Registration.Status.INVITED),
            distinct=True,
        ),
        n_registered=Count(
            "registrations",
            filter=Q(registrations__status=Registration.Status.REGISTERED),
            distinct=True,
        ),
        n_groups=Count("groups", distinct=True),
    )


def _plunge_out(counted: Plunge) -> dict[str, Any]:
    """`counted` comes from `_plunges()` (with its counts)."""
    return {
        "id": counted.pk,
        "title": counted.title,
        "starts_on": counted.starts_on,
        "ends_on": counted.ends_on,
        "description": counted.description,
        "timezone": counted.timezone,
        "group_count": counted.group_count,
        "bus_capacity": counted.bus_capacity,
        "status": counted.status,
        "invited": counted.n_invited,  # type: ignore[attr-defined]
        "registered": counted.n_registered,  # type: ignore[attr-defined]
        "groups": counted.n_groups,  # type: ignore[attr-defined]
        "created_at": counted.created_at,
    }


def _session_out(plunge: Plunge, session: Session) -> dict[str, Any]:
    return {
        "id": session.pk,
        "kind": session.kind,
        "title": session.title,
        "starts_at": _local(plunge, session.starts_at),
        "ends_at": _local(plunge, session.ends_at),
        "place": session.place,
        "site": _site_ref(session.site),
        "description": session.description,
        "offers": [
            {"site": _site_ref(offer.site), "capacity": offer.capacity}
            for offer in session.offers.all()
        ],
    }


def _sessions(plunge: Plunge) -> QuerySet[Session]:
    return selectors.sessions_of(plunge).prefetch_related(
        Prefetch("offers", queryset=SlotOffer.objects.select_related("site").order_by("site__name"))
    )


def _registration_out(registration: Registration) -> dict[str, Any]:
    person = registration.person
    group = registration.group
    return {
        "id": registration.pk,
        "person": {"id": person.pk, "name": person.display_name, "email": person.email},
        "status": registration.status,
        "dietary_needs": registration.dietary_needs,
        "accessibility_needs": registration.accessibility_needs,
        "group_id": registration.group_id,
        "group_number": group.number if group is not None else None,
        "is_group_leader": registration.is_group_leader,
        "custom": registration.custom or {},
    }


def _groups_out(plunge: Plunge) -> list[dict[str, Any]]:
    return [
        {
            "id": group.pk,
            "number": group.number,
            "size": len(members),
            "leader_phone": group.leader_phone,
            "members": sorted(member.pk for member in members),
            "leaders": sorted(member.pk for member in members if member.is_group_leader),
        }
        for group in selectors.groups_with_members(plunge)
        for members in [list(group.members.all())]
    ]


def _run_out(run: GroupingRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "attributes": list(run.attributes),
        "weights": {str(k): float(v) for k, v in (run.weights or {}).items()},
        "seed": run.seed,
        "time_limit": run.time_limit,
        "groups": run.groups,
        "ss": _finite(run.ss),
        "ss_ideal": _finite(run.ss_ideal),
        "ss_random": _finite(run.ss_random),
        "excess": _finite(run.excess),
        "seconds": _finite(run.seconds),
        "assignment": {str(k): int(v) for k, v in (run.assignment or {}).items()},
        "created_at": run.created_at,
        "applied_at": run.applied_at,
    }


def _visits(plunge: Plunge) -> list[Visit]:
    return list(
        Visit.objects.filter(session__plunge=plunge)
        .select_related("session", "group", "site")
        .order_by("session__starts_at", "session_id", "group__number")
    )


def _visit_out(plunge: Plunge, visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "session_id": visit.session_id,
        "session_title": visit.session.title,
        "starts_at": _local(plunge, visit.session.starts_at),
        "group_id": visit.group_id,
        "group_number": visit.group.number,
        "site": _site_ref(visit.site),
        "bus_number": visit.bus_number,
    }


def _buses(plunge: Plunge) -> list[dict[str, Any]]:
    sizes = selectors.group_sizes(plunge)
    buses: dict[tuple[int, int], dict[str, Any]] = {}
    for visit in _visits(plunge):
        if visit.bus_number is None:
            continue
        bus = buses.setdefault(
            (visit.session_id, visit.bus_number),
            {
                "session_id": visit.session_id,
                "number": visit.bus_number,
                "sites": [],
                "groups": [],
                "people": 0,
            },
        )
        if all(site["id"] != visit.site_id for site in bus["sites"]):
            bus["sites"].append(_site_ref(visit.site))
        bus["groups"].append(visit.group.number)
        bus["people"] += sizes.get(visit.group_id, 0)
    return list(buses.values())


def _page(queryset: QuerySet[Any], query: Any, out: Any) -> dict[str, Any]:
    items = list(queryset[query.offset : query.offset + query.limit])
    return {"count": queryset.count(), "items": [out(item) for item in items]}


def _sites(ids: list[int], field: str) -> dict[int, Site]:
    found = Site.objects.in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ServiceError(_("There is no site %(id)s.") % {"id": missing[0]}, field=field)
    return found


# The week ------------------------------------------------------------------------------------


@router.get(
    "",
    response={200: PlungesPage, **ERRORS},
    summary="List Medical Plunges",
    description="Office staff only (403 for anyone else); the latest week first.",
)
def list_plunges(request: ApiRequest, query: Query[PageQuery]) -> Any:
    user = request.auth
    if not is_office_staff(user):
        raise NotAllowed(_("Only office staff may plan the Medical Plunge."))
    queryset = _plunges().filter(pk__in=selectors.plunges_for_user(user).values("pk"))
    return _page(queryset.order_by("-starts_on", "-id"), query, _plunge_out)


@router.post(
    "",
    response={201: PlungeOut, **WRITE_ERRORS},
    summary="Create a Medical Plunge",
    description=(
        "Office staff only (403 otherwise). 422 when the last day is before the first, the "
        "week lasts more than a month or the time zone is unknown."
    ),
)
def create_plunge(request: ApiRequest, payload: PlungeIn) -> Any:
    fields = payload.model_dump(exclude={"title", "starts_on", "ends_on"}, exclude_none=True)
    plunge = services.create_plunge(
        actor=request.auth,
        title=payload.title,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        **fields,
    )
    return Status(201, _plunge_out(_plunges().get(pk=plunge.pk)))


@router.get(
    "/{plunge_id}",
    response={200: PlungeOut, **ERRORS},
    summary="Read a Medical Plunge",
    description="Office staff only; 404 for anyone else.",
)
def get_plunge(request: ApiRequest, plunge_id: int) -> Any:
    plunge = selectors.get_plunge_for_user(request.auth, plunge_id)
    return _plunge_out(_plunges().get(pk=plunge.pk))


# Sessions ------------------------------------------------------------------------------------


@router.get(
    "/{plunge_id}/sessions",
    response={200: list[PlungeSessionOut], **ERRORS},
    summary="List a Plunge's sessions",
    description="Lectures, site visits (with their host sites), bus tours..., by start time.",
)
def list_sessions(request: ApiRequest, plunge_id: int) -> Any:
    plunge = selectors.get_plunge_for_user(request.auth, plunge_id)
    return [_session_out(plunge, session) for session in _sessions(plunge)]


@router.post(
    "/{plunge_id}/sessions",
    response={201: PlungeSessionOut, **WRITE_ERRORS},
    summary="Add a session",
    description=(
        "A lecture, site visit, service project, bus tour or reflection on one of the Plunge's "
        "days. A site visit may list its host sites (`offers`, each with the number of groups "
        "it hosts); other kinds may not (422). All or nothing."
    ),
)
def create_session(request: ApiRequest, plunge_id: int, payload: PlungeSessionIn) -> Any:
    user = request.auth
    plunge = selectors.get_plunge_for_user(user, plunge_id)
    site_ids = [offer.site_id for offer in payload.offers]
    if len(set(site_ids)) != len(site_ids):
        raise ServiceError(_("A site is offered twice."), field="offers")
    _sites(site_ids, "offers")
    if payload.site_id is not None:
        _sites([payload.site_id], "site_id")
    with transaction.atomic():
        session = services.save_session(
            plunge=plunge,
            actor=user,
            kind=payload.kind,
            title=payload.title,
            starts_at=_aware(plunge, payload.starts_at),
            ends_at=_aware(plunge, payload.ends_at),
            place=payload.place,
            site_id=payload.site_id,
            description=payload.description,
        )
        if payload.offers:
            services.set_offers(
                session=session,
                actor=user,
                offers={offer.site_id: offer.capacity for offer in payload.offers},
            )
    return Status(201, _session_out(plunge, _sessions(plunge).get(pk=session.pk)))


# Registrations -------------------------------------------------------------------------------


@router.get(
    "/{plunge_id}/registrations",
    response={200: PlungeRegistrationsPage, **ERRORS},
    summary="List a Plunge's registrations",
    description="By family name; filter by `status`. Includes dietary and accessibility needs.",
)
def list_registrations(request: ApiRequest, plunge_id: int, query: Query[RegistrationQuery]) -> Any:
    plunge = selectors.get_plunge_for_user(request.auth, plunge_id)
    queryset = selectors.registrations_of(plunge)
    if query.status:
        queryset = queryset.filter(status=query.status)
    queryset = queryset.order_by("person__family_name", "person__given_name", "id")
    return _page(queryset, query, _registration_out)


@router.post(
    "/{plunge_id}/registrations",
    response={201: PlungeInviteOut, **WRITE_ERRORS},
    summary="Invite people",
    description=(
        "Invites people of the registry by id (an entering class); those invited already are "
        "left as they are. 422 naming the first id that is not in the registry (nobody is "
        "invited then)."
    ),
)
def invite(request: ApiRequest, plunge_id: int, payload: InviteIn) -> Any:
    user = request.auth
    plunge = selectors.get_plunge_for_user(user, plunge_id)
    ids = list(dict.fromkeys(payload.person_ids))
    people = Person.objects.in_bulk(ids)
    missing = [pk for pk in ids if pk not in people]
    if missing:
        raise ServiceError(
            _("There is no person %(id)s in the registry.") % {"id": missing[0]},
            field="person_ids",
        )
    added = services.invite(plunge=plunge, actor=user, people=[people[pk] for pk in ids])
    return Status(
        201,
        {
            "invited": added,
            "already": len(ids) - added,
            "registrations": Registration.objects.filter(plunge=plunge).count(),
        },
    )


# Groups --------------------------------------------------------------------------------------


@router.get(
    "/{plunge_id}/groups",
    response={200: list[PlungeGroupOut], **ERRORS},
    summary="List a Plunge's groups",
    description="Each group with its members' registration ids (invited and registered) and size.",
)
def list_groups(request: ApiRequest, plunge_id: int) -> Any:
    plunge = selectors.get_plunge_for_user(request.auth, plunge_id)
    return _groups_out(plunge)


@router.post(
    "/{plunge_id}/grouping-runs",
    response={201: GroupingRunOut, **WRITE_ERRORS},
    summary="Start a grouping run",
    description=(
        "Forms the Plunge's `group_count` groups of the invited and registered participants, "
        "as balanced as possible on `attributes` (sizes differ by at most one; pair rules and "
        "group requirements always hold), and keeps the run with its balance measures. The "
        "groups are not changed until the run is applied. 422 for fewer people than groups, "
        "an unknown attribute, a demographic attribute without the demographics permission, "
        "or requirements that cannot be met."
    ),
)
def start_grouping_run(request: ApiRequest, plunge_id: int, payload: GroupingRunIn) -> Any:
    user = request.auth
    plunge = selectors.get_plunge_for_user(user, plunge_id)
    run = services.run_grouping(
        plunge=plunge,
        actor=user,
        attributes=list(dict.fromkeys(payload.attributes)),
        weights=dict(payload.weights),
        seed=payload.seed,
        time_limit=payload.time_limit,
    )
    return Status(201, _run_out(run))


@router.get(
    "/{plunge_id}/grouping-runs/{run_id}",
    response={200: GroupingRunOut, **ERRORS},
    summary="Read a grouping run",
    description="Its inputs, SS, SS_ideal, SS_random, excess, time and assignment.",
)
def get_grouping_run(request: ApiRequest, plunge_id: int, run_id: int) -> Any:
    user = request.auth
    plunge = selectors.get_plunge_for_user(user, plunge_id)
    return _run_out(selectors.get_run_for_user(user, plunge, run_id))


@router.post(
    "/{plunge_id}/grouping-runs/{run_id}/apply",
    response={200: list[PlungeGroupOut], **WRITE_ERRORS},
    summary="Apply a grouping run",
    description=(
        "Writes the run's groups: groups 1..G exist afterwards (extra ones are removed) and "
        "every participant is in theirs. 409 when the current rotation uses a group the run "
        "does not have (plan the rotation again)."
    ),
)
def apply_grouping_run(request: ApiRequest, plunge_id: int, run_id: int) -> Any:
    user = request.auth
    plunge = selectors.get_plunge_for_user(user, plunge_id)
    run = selectors.get_run_for_user(user, plunge, run_id)
    services.apply_grouping(run=run, actor=user)
    return _groups_out(plunge)


# Rotation and buses --------------------------------------------------------------------------


@router.post(
    "/{plunge_id}/rotation",
    response={200: RotationOut, **WRITE_ERRORS},
    summary="Plan the site rotation",
    description=(
        "Sends every group to one host site in every site-visit session: no site over its "
        "capacity, no group at a site twice, the required site kinds preferred (or required "
        "with `kinds_hard`), areas varied. Replaces the previous rotation (and its buses). "
        "409 without groups or site-visit sessions; 422 with code `infeasible` and the "
        "reasons in words when no rotation fits."
    ),
)
def plan_rotation(request: ApiRequest, plunge_id: int, payload: RotationIn) -> Any:
    user = request.auth
    plunge = selectors.get_plunge_for_user(user, plunge_id)
    result = services.plan_rotation(
        plunge=plunge,
        actor=user,
        required_kinds=[str(kind) for kind in payload.required_kinds],
        kinds_hard=payload.kinds_hard,
        time_limit=payload.time_limit,
    )
    return {
        "visits": [_visit_out(plunge, visit) for visit in _visits(plunge)],
        "kinds_missing": {str(k): list(v) for k, v in result.kinds_missing.items()},
        "repeated_areas": result.repeated_areas,
        "objective": _finite(result.objective),
        "seconds": _finite(result.seconds),
        "optimal": result.optimal,
    }


@router.get(
    "/{plunge_id}/rotation",
    response={200: RotationOut, **ERRORS},
    summary="Read the site rotation",
    description="Where each group is in each site-visit session, and its bus run.",
)
def get_rotation(request: ApiRequest, plunge_id: int) -> Any:
    plunge = selectors.get_plunge_for_user(request.auth, plunge_id)
    return {"visits": [_visit_out(plunge, visit) for visit in _visits(plunge)]}


@router.post(
    "/{plunge_id}/buses",
    response={200: BusesOut, **WRITE_ERRORS},
    summary="Plan the buses",
    description=(
        "Puts the groups of every site-visit session on buses of the Plunge's `bus_capacity`: "
        "groups are never split, one site's groups ride together, two sites may share a bus. "
        "422 when a group is larger than a bus."
    ),
)
def plan_buses(request: ApiRequest, plunge_id: int) -> Any:
    user = request.auth
    plunge = selectors.get_plunge_for_user(user, plunge_id)
    count = services.plan_buses(plunge=plunge, actor=user)
    return {"bus_runs": count, "buses": _buses(plunge)}

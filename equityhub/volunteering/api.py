"""`/api/v1/shifts`, `/signups`, `/hours`, `/credentials`: volunteering over HTTP.

The same permissions as the pages: every object reached by id goes through a `selectors`
choke-point (404 for anyone who may not see it; ids outside 1..2^63-1 are 404 too), lists come
from the same selectors as the pages, every write goes through `volunteering.services`, whose
refusals the api's error handlers turn into 403 (`NotAllowed`), 409 (`Conflict`) or 422
(anything else, `Ineligible` with its `problems`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import F, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from equityhub.accounts.models import User
from equityhub.api.types import MAX_LIMIT, MAX_OFFSET, PAGE_SIZE, Id, PlainText
from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.core.http import ApiRequest
from equityhub.people.api import ErrorOut
from equityhub.people.models import Person
from equityhub.people.selectors import person_of, valid_id
from equityhub.places.models import Site
from equityhub.volunteering import selectors, services
from equityhub.volunteering.models import (
    Credential,
    CredentialType,
    HoursEntry,
    Shift,
    SignUp,
)
from equityhub.volunteering.rules import can_manage_shift

router = Router(tags=["volunteering"])


# Schemas: answers ----------------------------------------------------------------------------


class ProblemOut(Schema):
    code: str = Field(description="e.g. credential_missing, credential_expired, language.")
    message: str = Field(description='Why, in words: "TB test expired on 2026-10-01".')


class IneligibleOut(ErrorOut):
    """A 422. With code `ineligible`, `problems` lists every requirement the person misses."""

    problems: list[ProblemOut] | None = None


class OpportunityRef(Schema):
    id: int
    title: str


class SiteRef(Schema):
    id: int
    name: str
    zip_code: str


class PersonRef(Schema):
    id: int
    name: str


class MySignUpOut(Schema):
    id: int
    status: SignUp.Status
    waitlist_position: int | None
    offer_expires_at: dt.datetime | None


class ShiftOut(Schema):
    id: int
    opportunity: OpportunityRef
    site: SiteRef
    starts_at: dt.datetime = Field(description="In the shift's time zone, with its UTC offset.")
    ends_at: dt.datetime
    timezone: str = Field(description="e.g. America/Chicago.")
    capacity: int
    seats_taken: int
    seats_open: int
    waitlist_length: int
    status: Shift.Status
    notes: str
    cancel_reason: str
    eligible: bool = Field(description="Whether you meet the opportunity's requirements.")
    problems: list[ProblemOut] = Field(description="What you miss; empty when eligible.")
    my_signup: MySignUpOut | None = Field(description="Your active sign-up on this shift.")


class ShiftsPage(Schema):
    count: int = Field(description="How many shifts match, across all pages.")
    items: list[ShiftOut]


class ShiftRef(Schema):
    id: int
    opportunity: OpportunityRef
    site: SiteRef
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    status: Shift.Status


class SignUpCreatedOut(Schema):
    id: int
    status: Literal["confirmed", "waitlisted"] = Field(
        description="confirmed, or waitlisted when the shift is full."
    )
    waitlist_position: int | None = Field(description="1 is next in line; null when confirmed.")


class SignUpOut(Schema):
    id: int
    shift: ShiftRef
    person: PersonRef
    status: SignUp.Status
    source: SignUp.Source
    waitlist_position: int | None
    offer_expires_at: dt.datetime | None = Field(
        description="While a seat is offered: confirm it before this time, or it moves on."
    )
    late_cancellation: bool
    checked_in_at: dt.datetime | None
    created_at: dt.datetime


class SignUpsPage(Schema):
    count: int
    items: list[SignUpOut]


class HoursOut(Schema):
    id: int
    person: PersonRef
    site: SiteRef | None
    organization_name: str = Field(description="Where, when it is not one of our sites.")
    activity: str
    date: dt.date
    hours: Decimal
    notes: str
    status: HoursEntry.Status
    signup_id: int | None = Field(description="The shift attended, when it came from one.")
    submitted_at: dt.datetime
    reviewed_at: dt.datetime | None
    rejection_reason: str


class HoursPage(Schema):
    count: int
    items: list[HoursOut]


class CredentialTypeOut(Schema):
    id: int
    code: str
    name: str
    description: str
    validity_months: int | None
    per_site: bool
    requires_evidence: bool


class CredentialTypeRef(Schema):
    id: int
    code: str
    name: str


class CredentialOut(Schema):
    id: int
    credential_type: CredentialTypeRef
    site: SiteRef | None
    issued_on: dt.date
    expires_on: dt.date | None
    status: Credential.Status
    rejection_reason: str
    has_evidence: bool


# Schemas: input ----------------------------------------------------------------------------


class ShiftQuery(Schema):
    site: Id | None = Field(None, description="A site's id.")
    opportunity: Id | None = Field(None, description="An opportunity's id.")
    start: dt.date | None = Field(None, description="Shifts starting on or after this day.")
    end: dt.date | None = Field(None, description="Shifts starting on or before this day.")
    eligible: bool | None = Field(
        None,
        description="true: only shifts you may sign up for; false: only those you may not.",
    )
    open: bool | None = Field(
        None, description="true: only shifts with free seats; false: only full ones."
    )
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ShiftIn(Schema):
    model_config = ConfigDict(extra="forbid")

    opportunity_id: Id
    starts_at: dt.datetime = Field(
        description="Without a UTC offset, read in the site's time zone."
    )
    ends_at: dt.datetime
    capacity: int = Field(ge=1, le=1000)
    supervisor_id: Id | None = Field(None, description="A user who supervises the site.")
    notes: PlainText = Field("", max_length=500, description="For the volunteers.")


class ShiftPatch(Schema):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    capacity: int | None = Field(None, ge=1, le=1000)
    supervisor_id: Id | None = Field(None, description="null removes the supervisor.")
    notes: PlainText | None = Field(None, max_length=500)


class ReasonIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: PlainText = Field(max_length=300)


class OptionalReasonIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: PlainText = Field("", max_length=300)


class SignUpIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person_id: Id | None = Field(
        None, description="Whom to sign up (the site's supervisors and office staff only)."
    )
    override_reason: PlainText = Field(
        "",
        max_length=300,
        description="Sign up someone who misses requirements (supervisors and staff; audited).",
    )


class SignUpQuery(Schema):
    status: SignUp.Status | None = None
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class HoursQuery(Schema):
    status: HoursEntry.Status | None = None
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PageQuery(Schema):
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


HoursAmount = Annotated[
    Decimal, Field(ge=Decimal("0.25"), le=Decimal(24), max_digits=5, decimal_places=2)
]
NOTES_WARNING = "Never write patient names or any patient information here."


class HoursIn(Schema):
    model_config = ConfigDict(extra="forbid")

    site_id: Id | None = Field(None, description="One of our sites ...")
    organization_name: PlainText = Field(
        "", max_length=200, description="... or where you served, when it is not one of ours."
    )
    activity: PlainText = Field(max_length=200)
    date: dt.date = Field(description="Not in the future.")
    hours: HoursAmount = Field(description="0.25 to 24, in quarter hours or finer.")
    notes: PlainText = Field("", max_length=1000, description=NOTES_WARNING)


class HoursPatch(Schema):
    """Only the fields sent change. Changing verified hours sends them back for verification."""

    model_config = ConfigDict(extra="forbid")

    site_id: Id | None = Field(None, description="null: not one of our sites.")
    organization_name: PlainText | None = Field(None, max_length=200)
    activity: PlainText | None = Field(None, max_length=200)
    date: dt.date | None = None
    hours: HoursAmount | None = None
    notes: PlainText | None = Field(None, max_length=1000, description=NOTES_WARNING)


ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}


# Helpers -----------------------------------------------------------------------------------


def _own_person(user: User) -> Person:
    person = person_of(user)
    if person is None:
        raise ServiceError(
            _("Your account is not linked to a person record; ask the office to link it."),
            field="person_id",
            code="no_person",
        )
    return person


def _site_ref(site: Site | None) -> dict[str, Any] | None:
    if site is None:
        return None
    return {"id": site.pk, "name": site.name, "zip_code": site.zip_code}


def _shift_ref(shift: Shift) -> dict[str, Any]:
    opportunity = shift.opportunity
    return {
        "id": shift.pk,
        "opportunity": {"id": opportunity.pk, "title": opportunity.title},
        "site": _site_ref(opportunity.site),
        "starts_at": shift.local_start,
        "ends_at": shift.local_end,
        "timezone": shift.timezone,
        "status": shift.status,
    }


def _shift_out(row: selectors.ShiftRow) -> dict[str, Any]:
    shift = row.shift
    mine = row.my_signup
    return {
        **_shift_ref(shift),
        "capacity": shift.capacity,
        "seats_taken": shift.seats_taken,
        "seats_open": shift.seats_open,
        "waitlist_length": shift.waitlist_length,
        "notes": shift.notes,
        "cancel_reason": shift.cancel_reason,
        "eligible": row.eligible,
        "problems": [problem.as_dict() for problem in row.problems],
        "my_signup": None
        if mine is None
        else {
            "id": mine.pk,
            "status": mine.status,
            "waitlist_position": mine.waitlist_position,
            "offer_expires_at": mine.offer_expires_at,
        },
    }


def _one_shift(user: User, shift: Shift) -> dict[str, Any]:
    return _shift_out(selectors.shift_rows(user, [shift])[0])


def _signup_out(signup: SignUp) -> dict[str, Any]:
    return {
        "id": signup.pk,
        "shift": _shift_ref(signup.shift),
        "person": {"id": signup.person.pk, "name": signup.person.display_name},
        "status": signup.status,
        "source": signup.source,
        "waitlist_position": signup.waitlist_position,
        "offer_expires_at": signup.offer_expires_at,
        "late_cancellation": signup.late_cancellation,
        "checked_in_at": signup.checked_in_at,
        "created_at": signup.created_at,
    }


def _hours_out(entry: HoursEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "person": {"id": entry.person.pk, "name": entry.person.display_name},
        "site": _site_ref(entry.site),
        "organization_name": entry.organization_name,
        "activity": entry.activity,
        "date": entry.date,
        "hours": entry.hours,
        "notes": entry.notes,
        "status": entry.status,
        "signup_id": entry.signup_id,
        "submitted_at": entry.submitted_at,
        "reviewed_at": entry.reviewed_at,
        "rejection_reason": entry.rejection_reason,
    }


def _page(queryset: QuerySet[Any], query: Any, out: Any) -> dict[str, Any]:
    items = list(queryset[query.offset : query.offset + query.limit])
    return {"count": queryset.count(), "items": [out(item) for item in items]}


def _supervisor(supervisor_id: int | None) -> User | None:
    if supervisor_id is None:
        return None
    user = User.objects.filter(pk=supervisor_id, is_active=True).first()
    if user is None:
        raise ServiceError(_("There is no such user."), field="supervisor_id")
    return user


def _reload_signup(signup: SignUp) -> SignUp:
    return SignUp.objects.select_related("shift__opportunity__site", "person").get(pk=signup.pk)


def _reload_hours(entry: HoursEntry) -> HoursEntry:
    return HoursEntry.objects.select_related("person", "site").get(pk=entry.pk)


# Shifts ------------------------------------------------------------------------------------


@router.get(
    "/shifts",
    response={200: ShiftsPage, **ERRORS},
    summary="List upcoming shifts",
    description=(
        "Scheduled shifts that have not started, at the sites and opportunities you may see, "
        "soonest first, `limit`/`offset` paginated. Each says whether you meet its "
        "requirements (`eligible`, and `problems` when you do not) and carries your own "
        "sign-up on it. Dates are days in the office's time zone."
    ),
)
def list_shifts(request: ApiRequest, query: Query[ShiftQuery]) -> Any:
    user = request.auth
    if query.start and query.end and query.end < query.start:
        raise ServiceError(_("The end date is before the start date."), field="end")
    filters = selectors.ShiftFilters(
        site_id=query.site,
        opportunity_id=query.opportunity,
        start=query.start,
        end=query.end,
        with_open_seats=query.open is True,
    )
    queryset = selectors.upcoming_shifts(user, filters)
    if query.open is False:
        queryset = queryset.filter(seats_taken__gte=F("capacity"))
    window = slice(query.offset, query.offset + query.limit)
    if query.eligible is None:
        rows = selectors.shift_rows(user, queryset[window])
        count = queryset.count()
    else:
        # Eligibility is worked out in Python (in a fixed number of queries), so the filter
        # reads every matching shift once and then pages.
        matching = [
            row for row in selectors.shift_rows(user, queryset) if row.eligible is query.eligible
        ]
        rows, count = matching[window], len(matching)
    return {"count": count, "items": [_shift_out(row) for row in rows]}


@router.post(
    "/shifts",
    response={201: ShiftOut, **WRITE_ERRORS},
    summary="Add a shift",
    description=(
        "Office staff, or a supervisor of the opportunity's site (404 for an opportunity you do "
        "not run). 409 when the opportunity is not active; 422 for times that do not make a "
        "shift (ends before it starts, longer than 24 hours) or a supervisor from elsewhere."
    ),
)
def create_shift(request: ApiRequest, payload: ShiftIn) -> Any:
    user = request.auth
    opportunity = selectors.get_opportunity_for_manager(user, payload.opportunity_id)
    shift = services.create_shift(
        actor=user,
        opportunity=opportunity,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        capacity=payload.capacity,
        supervisor=_supervisor(payload.supervisor_id),
        notes=payload.notes,
    )
    shift = selectors.get_shift_for_manager(user, shift.pk)
    return Status(201, _one_shift(user, shift))


@router.get(
    "/shifts/{shift_id}",
    response={200: ShiftOut, **ERRORS},
    summary="Read a shift",
    description="Any shift you may see, past and cancelled ones included; 404 otherwise.",
)
def get_shift(request: ApiRequest, shift_id: int) -> Any:
    user = request.auth
    return _one_shift(user, selectors.get_shift_for_user(user, shift_id))


@router.patch(
    "/shifts/{shift_id}",
    response={200: ShiftOut, **WRITE_ERRORS},
    summary="Change a shift",
    description=(
        "The shift's supervisor, the site's supervisors and office staff (404 for anyone "
        "else). Changing one shift of a series detaches it from the series' later edits. "
        "409 when the shift is cancelled, has started and would move, would overlap another "
        "shift of someone on it, or when the capacity would drop below the seats taken. "
        "Everyone on a shift that moves is told by e-mail; seats that open up are offered to "
        "the waitlist."
    ),
)
def update_shift(request: ApiRequest, shift_id: int, payload: ShiftPatch) -> Any:
    user = request.auth
    shift = selectors.get_shift_for_manager(user, shift_id)
    changes = payload.model_dump(exclude_unset=True)
    for key in ("starts_at", "ends_at", "capacity"):
        if key in changes and changes[key] is None:
            raise ServiceError(_("This field cannot be empty."), field=key)
    if "notes" in changes and changes["notes"] is None:
        changes["notes"] = ""
    if "supervisor_id" in changes:
        changes["supervisor"] = _supervisor(changes.pop("supervisor_id"))
    if changes:
        services.update_shift(shift=shift, actor=user, **changes)
    return _one_shift(user, selectors.get_shift_for_manager(user, shift.pk))


@router.post(
    "/shifts/{shift_id}/cancel",
    response={200: ShiftOut, **WRITE_ERRORS},
    summary="Cancel a shift",
    description=(
        "The shift's managers (404 for anyone else). Every sign-up on it ends and everyone on "
        "it is told by e-mail, with the reason. 409 when it is cancelled already or over."
    ),
)
def cancel_shift(request: ApiRequest, shift_id: int, payload: ReasonIn) -> Any:
    user = request.auth
    shift = selectors.get_shift_for_manager(user, shift_id)
    services.cancel_shift(shift=shift, actor=user, reason=payload.reason)
    return _one_shift(user, selectors.get_shift_for_manager(user, shift.pk))


@router.post(
    "/shifts/{shift_id}/signups",
    response={201: SignUpCreatedOut, **ERRORS, 409: ErrorOut, 422: IneligibleOut},
    summary="Sign up for a shift",
    description=(
        "Signs you up (the body may be empty); the shift's managers may sign up someone "
        "else with `person_id` (403 for anyone else; 404 for a person who does not exist) "
        "and may override the "
        "requirements with `override_reason` (audited). 201 `confirmed` when a seat is free, "
        "else `waitlisted` with `waitlist_position` (first come, first served). 409 for a "
        "duplicate sign-up, one that overlaps another shift of the person's, or a shift that "
        "has started or is cancelled. 422 with code `ineligible` and `problems` when the "
        "person misses requirements; 422 with code `no_person` when your account has no "
        "person record."
    ),
)
def create_signup(request: ApiRequest, shift_id: int, payload: SignUpIn | None = None) -> Any:
    user = request.auth
    shift = selectors.get_shift_for_user(user, shift_id)
    payload = payload or SignUpIn.model_validate({})
    own = person_of(user)
    if payload.person_id is None or (own is not None and payload.person_id == own.pk):
        person = _own_person(user)
    else:
        # Checked before the lookup, so that whether a person id exists is not revealed to
        # someone who may not sign others up anyway.
        if not can_manage_shift(user, shift):
            raise NotAllowed(_("You may sign up only yourself."))
        found = Person.objects.filter(pk=valid_id(payload.person_id)).first()
        if found is None:
            raise Http404
        person = found
    signup = services.sign_up(
        shift=shift, person=person, actor=user, override_reason=payload.override_reason
    )
    return Status(
        201,
        {"id": signup.pk, "status": signup.status, "waitlist_position": signup.waitlist_position},
    )


# Sign-ups ----------------------------------------------------------------------------------


@router.get(
    "/signups",
    response={200: SignUpsPage, **ERRORS},
    summary="List your sign-ups",
    description="Your own sign-ups, past ones included, by shift start; filter by `status`.",
)
def list_signups(request: ApiRequest, query: Query[SignUpQuery]) -> Any:
    person = person_of(request.auth)
    if person is None:
        return {"count": 0, "items": []}
    queryset = selectors.signups_of(person).select_related("person")
    if query.status:
        queryset = queryset.filter(status=query.status)
    return _page(queryset.order_by("shift__starts_at", "id"), query, _signup_out)


@router.get(
    "/signups/{signup_id}",
    response={200: SignUpOut, **ERRORS},
    summary="Read a sign-up",
    description="Your own, or one on a shift you run; 404 otherwise.",
)
def get_signup(request: ApiRequest, signup_id: int) -> Any:
    return _signup_out(selectors.get_signup_for_user(request.auth, signup_id))


@router.post(
    "/signups/{signup_id}/cancel",
    response={200: SignUpOut, **WRITE_ERRORS},
    summary="Cancel a sign-up",
    description=(
        "Yours, or one on a shift you run. A seat that frees up is offered to the first person "
        "on the waitlist, who must confirm it in time. Cancelling close to the start is "
        "recorded as late. 409 when the sign-up is not active or the shift has started."
    ),
)
def cancel_signup(
    request: ApiRequest, signup_id: int, payload: OptionalReasonIn | None = None
) -> Any:
    user = request.auth
    signup = selectors.get_signup_for_user(user, signup_id)
    reason = payload.reason if payload is not None else ""
    return _signup_out(
        _reload_signup(services.cancel_signup(signup=signup, actor=user, reason=reason))
    )


@router.post(
    "/signups/{signup_id}/accept",
    response={200: SignUpOut, **WRITE_ERRORS},
    summary="Accept an offered seat",
    description=(
        "Only the person offered the seat (403 for anyone else). 409 when there is no open "
        "offer, or it expired (the seat then goes to the next person on the waitlist)."
    ),
)
def accept_offer(request: ApiRequest, signup_id: int) -> Any:
    user = request.auth
    signup = selectors.get_signup_for_user(user, signup_id)
    return _signup_out(_reload_signup(services.accept_offer(signup=signup, actor=user)))


@router.post(
    "/signups/{signup_id}/decline",
    response={200: SignUpOut, **WRITE_ERRORS},
    summary="Decline an offered seat",
    description="The seat goes to the next person on the waitlist. 409 without an open offer.",
)
def decline_offer(request: ApiRequest, signup_id: int) -> Any:
    user = request.auth
    signup = selectors.get_signup_for_user(user, signup_id)
    return _signup_out(_reload_signup(services.decline_offer(signup=signup, actor=user)))


@router.post(
    "/signups/{signup_id}/check-in",
    response={200: SignUpOut, **WRITE_ERRORS},
    summary="Check someone in",
    description=(
        "The shift's managers (403 for the volunteer themself). Records attendance and creates "
        "a submitted hours entry for the shift's length. 409 before check-in opens (two hours "
        "ahead), on a cancelled shift, or for a sign-up that is not confirmed."
    ),
)
def check_in(request: ApiRequest, signup_id: int) -> Any:
    user = request.auth
    signup = selectors.get_signup_for_user(user, signup_id)
    return _signup_out(_reload_signup(services.check_in(signup=signup, actor=user)))


@router.post(
    "/signups/{signup_id}/no-show",
    response={200: SignUpOut, **WRITE_ERRORS},
    summary="Record a no-show",
    description=(
        "The shift's managers, once the shift has started. Removes hours recorded by a "
        "check-in (409 if they are verified already)."
    ),
)
def mark_no_show(request: ApiRequest, signup_id: int) -> Any:
    user = request.auth
    signup = selectors.get_signup_for_user(user, signup_id)
    return _signup_out(_reload_signup(services.mark_no_show(signup=signup, actor=user)))


# Hours -------------------------------------------------------------------------------------


@router.get(
    "/hours",
    response={200: HoursPage, **ERRORS},
    summary="List your hours",
    description="Your own entries, newest first; filter by `status`.",
)
def list_hours(request: ApiRequest, query: Query[HoursQuery]) -> Any:
    person = person_of(request.auth)
    if person is None:
        return {"count": 0, "items": []}
    queryset = selectors.hours_of(person).select_related("person")
    if query.status:
        queryset = queryset.filter(status=query.status)
    return _page(queryset.order_by("-date", "-id"), query, _hours_out)


@router.post(
    "/hours",
    response={201: HoursOut, **ERRORS},
    summary="Log hours",
    description=(
        "Your own service: at one of our sites (`site_id`, verified by its supervisors) or "
        "elsewhere (`organization_name`, verified by office staff). Entries wait for "
        "verification. Notes must never hold patient names or any patient information."
    ),
)
def log_hours(request: ApiRequest, payload: HoursIn) -> Any:
    user = request.auth
    person = _own_person(user)
    site = selectors.get_site_for_user(user, payload.site_id) if payload.site_id else None
    entry = services.log_hours(
        person=person,
        actor=user,
        activity=payload.activity,
        date=payload.date,
        hours=payload.hours,
        site=site,
        organization_name=payload.organization_name,
        notes=payload.notes,
    )
    return Status(201, _hours_out(_reload_hours(entry)))


@router.get(
    "/hours/review",
    response={200: HoursPage, **ERRORS},
    summary="List hours to verify",
    description=(
        "Submitted entries you may verify: at the sites you supervise (office staff: all, and "
        "service elsewhere), never your own. Oldest first."
    ),
)
def hours_to_review(request: ApiRequest, query: Query[PageQuery]) -> Any:
    return _page(selectors.hours_to_review(request.auth), query, _hours_out)


@router.get(
    "/hours/{entry_id}",
    response={200: HoursOut, **ERRORS},
    summary="Read an hours entry",
    description="Your own, or one you review; 404 otherwise.",
)
def get_hours(request: ApiRequest, entry_id: int) -> Any:
    return _hours_out(selectors.get_hours_for_user(request.auth, entry_id))


@router.patch(
    "/hours/{entry_id}",
    response={200: HoursOut, **ERRORS},
    summary="Change an hours entry",
    description=(
        "Yours, or one you review. Changed verified or rejected hours go back to waiting for "
        "verification."
    ),
)
def update_hours(request: ApiRequest, entry_id: int, payload: HoursPatch) -> Any:
    user = request.auth
    entry = selectors.get_hours_for_user(user, entry_id)
    changes = payload.model_dump(exclude_unset=True)
    for key in ("activity", "date", "hours"):
        if key in changes and changes[key] is None:
            raise ServiceError(_("This field cannot be empty."), field=key)
    for key in ("organization_name", "notes"):
        if key in changes and changes[key] is None:
            changes[key] = ""
    if "site_id" in changes:
        site_id = changes.pop("site_id")
        changes["site"] = selectors.get_site_for_user(user, site_id) if site_id else None
    if changes:
        entry = services.update_hours(entry=entry, actor=user, **changes)
    return _hours_out(_reload_hours(entry))


@router.post(
    "/hours/{entry_id}/verify",
    response={200: HoursOut, **WRITE_ERRORS},
    summary="Verify hours",
    description=(
        "A supervisor of the entry's site (office staff for service elsewhere); no one "
        "verifies their own (403). 409 when the entry is not waiting for verification."
    ),
)
def verify_hours(request: ApiRequest, entry_id: int) -> Any:
    user = request.auth
    entry = selectors.get_hours_for_user(user, entry_id)
    return _hours_out(_reload_hours(services.verify_hours(entry=entry, actor=user)))


@router.post(
    "/hours/{entry_id}/reject",
    response={200: HoursOut, **WRITE_ERRORS},
    summary="Reject hours",
    description=(
        "As for verifying, with a reason that is e-mailed to the person. 409 when the entry "
        "is not waiting for verification."
    ),
)
def reject_hours(request: ApiRequest, entry_id: int, payload: ReasonIn) -> Any:
    user = request.auth
    entry = selectors.get_hours_for_user(user, entry_id)
    return _hours_out(
        _reload_hours(services.reject_hours(entry=entry, actor=user, reason=payload.reason))
    )


# Credentials -------------------------------------------------------------------------------


@router.get(
    "/credentials",
    response={200: list[CredentialOut], **ERRORS},
    summary="List your credentials",
    description="Your own credentials (training, tests, orientations) and their status.",
)
def list_credentials(request: ApiRequest) -> Any:
    person = person_of(request.auth)
    if person is None:
        return []
    return [
        {
            "id": credential.pk,
            "credential_type": credential.credential_type,
            "site": _site_ref(credential.site),
            "issued_on": credential.issued_on,
            "expires_on": credential.expires_on,
            "status": credential.status,
            "rejection_reason": credential.rejection_reason,
            "has_evidence": bool(credential.evidence),
        }
        for credential in selectors.credentials_of(person)
    ]


@router.get(
    "/credential-types",
    response={200: list[CredentialTypeOut], **ERRORS},
    summary="List credential types",
    description="The kinds of credentials opportunities may require.",
)
def list_credential_types(request: ApiRequest) -> list[CredentialType]:
    return list(selectors.credential_types())

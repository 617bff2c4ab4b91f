"""Every write in volunteering. Keyword-only, atomic, audited; mail goes out on commit.

Locking, so that capacity holds under concurrent requests on PostgreSQL and SQLite alike:
a sign-up locks the person's row first (one person's requests run one at a time, which keeps
their shifts from overlapping), then the shift's row; everything else that changes a shift's
seats locks only the shift's row. The order is always person, then shift, so there is no
deadlock. Inside the lock the seats and the waitlist are recounted from the sign-ups, never
trusted from a counter; the counters on Shift are rewritten from that count and a CHECK keeps
them within capacity as a backstop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import secrets
import zoneinfo
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from equityhub.accounts.rules import is_office_staff
from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.core.exceptions import clean_model as _clean
from equityhub.core.tasks import send_email
from equityhub.lib.safe_export import write_csv, write_xlsx
from equityhub.people.models import Person
from equityhub.people.selectors import person_of
from equityhub.places.models import Site
from equityhub.volunteering import eligibility
from equityhub.volunteering.models import (
    ORIENTATION_CODE,
    Credential,
    CredentialType,
    HoursEntry,
    LanguageRequirement,
    Opportunity,
    Shift,
    ShiftSeries,
    SignUp,
    SiteCalendar,
    Transcript,
    VolunteerSettings,
)
from equityhub.volunteering.rules import can_manage_shift, manages_site

S = SignUp.Status
MAX_OCCURRENCES = 260  # five years of weekly shifts
SERIES_HORIZON = relativedelta(years=2)


class Ineligible(ServiceError):
    """The person does not meet the opportunity's requirements; `problems` says why."""

    def __init__(self, problems: list[eligibility.Problem]) -> None:
        message = _("Not eligible: %(reasons)s.") % {
            "reasons": "; ".join(p.message for p in problems)
        }
        super().__init__(message, code="ineligible")
        self.problems = problems

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "problems": [p.as_dict() for p in self.problems]}


# -- helpers ---------------------------------------------------------------------------------


def _mail(to: Iterable[str], subject: str, body: str) -> None:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return

    def send() -> None:
        for address in recipients:
            send_email.enqueue(subject=subject, body=body, to=[address])

    transaction.on_commit(send)


def _when(shift: Shift) -> str:
    start, end = shift.local_start, shift.local_end
    return (
        f"{formats.date_format(start, 'l, F j, Y')}, {start:%H:%M}-{end:%H:%M} ({shift.timezone})"
    )


def _shift_text(shift: Shift) -> str:
    site = shift.opportunity.site
    return _("%(title)s at %(site)s, %(when)s. Address: %(address)s") % {
        "title": shift.opportunity.title,
        "site": site.name,
        "when": _when(shift),
        "address": ", ".join(p for p in (site.address, site.city, site.zip_code) if p),
    }


def _own_person_id(actor: Any) -> int | None:
    person = person_of(actor)
    return person.pk if person is not None else None


def _lock_shift(shift_id: int) -> Shift:
    return Shift.objects.select_for_update().select_related("opportunity__site").get(pk=shift_id)


def _require_manager(actor: Any, shift: Shift) -> None:
    if not can_manage_shift(actor, shift):
        raise NotAllowed(_("Only the site's supervisors and office staff may do this."))


def _recount(shift: Shift) -> tuple[int, int]:
    seated = SignUp.objects.filter(shift=shift, status__in=SignUp.SEATED).count()
    waiting = SignUp.objects.filter(shift=shift, status=S.WAITLISTED).count()
    return seated, waiting


def _save_counts(shift: Shift) -> None:
    shift.seats_taken, shift.waitlist_length = _recount(shift)
    Shift.objects.filter(pk=shift.pk).update(
        seats_taken=shift.seats_taken, waitlist_length=shift.waitlist_length
    )


def _close_waitlist_gap(shift: Shift, position: int) -> None:
    """Move everyone behind `position` up one place. Two steps, through a range no position
    uses, so the unique (shift, position) constraint holds after every row on every database."""
    behind = SignUp.objects.filter(shift=shift, status=S.WAITLISTED, waitlist_position__gt=position)
    offset = 1_000_000
    from django.db.models import F  # noqa: PLC0415 - local: only this helper does arithmetic

    behind.update(waitlist_position=F("waitlist_position") + offset - 1)
    SignUp.objects.filter(
        shift=shift, status=S.WAITLISTED, waitlist_position__gt=offset - 1
    ).update(waitlist_position=F("waitlist_position") - offset)


def _overlapping(person: Person, starts_at: dt.datetime, ends_at: dt.datetime) -> Any:
    return (
        SignUp.objects.filter(
            person=person,
            status__in=SignUp.ACTIVE,
            shift__status=Shift.Status.SCHEDULED,
            shift__starts_at__lt=ends_at,
            shift__ends_at__gt=starts_at,
        )
        .select_related("shift__opportunity__site")
        .order_by("shift__starts_at")
    )


def _offer_window_end(shift: Shift, now: dt.datetime) -> dt.datetime:
    return min(now + dt.timedelta(hours=settings.VOLUNTEER_OFFER_HOURS), shift.starts_at)


def _fill_seats(shift: Shift, *, actor: Any, now: dt.datetime) -> list[SignUp]:
    """Offer free seats to the head of the waitlist, in order, and rewrite the shift's
    counters from the sign-ups. The shift row is locked."""
    offered: list[SignUp] = []
    if shift.is_cancelled or shift.starts_at <= now:
        _save_counts(shift)
        return offered
    seated, _waiting = _recount(shift)
    while seated < shift.capacity:
        head = (
            SignUp.objects.select_related("person")
            .filter(shift=shift, status=S.WAITLISTED)
            .order_by("waitlist_position")
            .first()
        )
        if head is None:
            break
        position = head.waitlist_position or 1
        head.status = S.OFFERED
        head.waitlist_position = None
        head.offer_expires_at = _offer_window_end(shift, now)
        head.save(update_fields=["status", "waitlist_position", "offer_expires_at"])
        _close_waitlist_gap(shift, position)
        seated += 1
        offered.append(head)
        record(
            "volunteering.signup.offered",
            actor=actor,
            obj=head,
            data={"shift": shift.pk, "expires_at": head.offer_expires_at},
        )
        _mail(
            [head.person.email],
            _("A seat opened up for you: please confirm"),
            _(
                "A seat opened up on a shift you were waiting for:\n\n%(shift)s\n\n"
                "Confirm it on your volunteering page before %(deadline)s, or it goes to the "
                "next person on the waitlist."
            )
            % {
                "shift": _shift_text(shift),
                "deadline": formats.date_format(
                    head.offer_expires_at.astimezone(shift.tz), "DATETIME_FORMAT"
                ),
            },
        )
    _save_counts(shift)
    return offered


# -- sites and opportunities -----------------------------------------------------------------

SITE_FIELDS = [
    "name",
    "kind",
    "organization_id",
    "description",
    "address",
    "city",
    "state",
    "zip_code",
    "area_id",
    "hours",
    "contact_name",
    "contact_email",
    "contact_phone",
    "timezone",
    "latitude",
    "longitude",
    "is_active",
]


def _require_office(actor: Any) -> None:
    if not is_office_staff(actor):
        raise NotAllowed(_("Only office staff may do this."))


def _area_for_zip(zip_code: str) -> Any:
    from equityhub.places.models import Area  # noqa: PLC0415 - places is read, not written

    return Area.objects.filter(kind=Area.Kind.ZCTA, code=zip_code).first()


@transaction.atomic
def create_site(*, actor: Any, name: str, zip_code: str, **fields: Any) -> Site:
    _require_office(actor)
    unknown = set(fields) - set(SITE_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    if Site.objects.filter(name__iexact=name.strip()).exists():
        raise Conflict(_("A site with this name exists already."), field="name")
    site = Site(name=name.strip(), zip_code=zip_code, **fields)
    if site.area_id is None:
        site.area = _area_for_zip(zip_code)
    _clean(site)
    site.save()
    record("volunteering.site.created", actor=actor, obj=site, data=snapshot(site, SITE_FIELDS))
    return site


@transaction.atomic
def update_site(*, site: Site, actor: Any, **changes: Any) -> Site:
    if not manages_site(actor, site.pk):
        raise NotAllowed(_("Only the site's supervisors and office staff may do this."))
    unknown = set(changes) - set(SITE_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    if "name" in changes and (
        Site.objects.filter(name__iexact=str(changes["name"]).strip()).exclude(pk=site.pk).exists()
    ):
        raise Conflict(_("A site with this name exists already."), field="name")
    before = snapshot(site, SITE_FIELDS)
    for field, value in changes.items():
        setattr(site, field, value)
    if "zip_code" in changes and "area_id" not in changes:
        site.area = _area_for_zip(site.zip_code) or site.area
    _clean(site)
    site.save()
    record(
        "volunteering.site.updated",
        actor=actor,
        obj=site,
        changes=diff(before, snapshot(site, SITE_FIELDS)),
    )
    return site


def set_site_areas_served(*, site: Site, actor: Any, area_ids: Iterable[int]) -> Site:
    with transaction.atomic():
        if not manages_site(actor, site.pk):
            raise NotAllowed(_("Only the site's supervisors and office staff may do this."))
        ids = sorted(set(area_ids))
        before = sorted(site.serves_areas.values_list("pk", flat=True))
        site.serves_areas.set(ids)
        record(
            "volunteering.site.areas_served",
            actor=actor,
            obj=site,
            changes={"serves_areas": [before, ids]},
        )
    return site


OPPORTUNITY_FIELDS = [
    "title",
    "description",
    "min_training_level",
    "min_age",
    "requires_orientation",
    "is_active",
]


@transaction.atomic
def save_opportunity(
    *,
    actor: Any,
    site: Site,
    opportunity: Opportunity | None = None,
    credential_type_ids: Iterable[int] = (),
    languages: dict[str, str] | None = None,
    **fields: Any,
) -> Opportunity:
    """Create (no `opportunity`) or update an opportunity with its requirements."""
    if not manages_site(actor, site.pk):
        raise NotAllowed(_("Only the site's supervisors and office staff may do this."))
    unknown = set(fields) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    creating = opportunity is None
    target = opportunity or Opportunity(site=site)
    if not creating and target.site_id != site.pk:
        raise ServiceError(_("The opportunity belongs to another site."), field="site")
    before = {} if creating else _opportunity_state(target)
    for field, value in fields.items():
        setattr(target, field, value)
    _clean(target, exclude=["site"])
    target.save()
    type_ids = sorted(set(credential_type_ids))
    known = set(CredentialType.objects.filter(pk__in=type_ids).values_list("pk", flat=True))
    if missing := [pk for pk in type_ids if pk not in known]:
        raise ServiceError(
            _("Unknown credential type: %(id)s") % {"id": missing[0]}, field="credential_types"
        )
    target.credential_types.set(type_ids)
    if languages is not None:
        target.language_requirements.all().delete()
        for language, proficiency in sorted(languages.items()):
            requirement = LanguageRequirement(
                opportunity=target, language=language, min_proficiency=proficiency
            )
            _clean(requirement, exclude=["opportunity"])
            requirement.save()
    after = _opportunity_state(target)
    record(
        "volunteering.opportunity.created" if creating else "volunteering.opportunity.updated",
        actor=actor,
        obj=target,
        data=after if creating else None,
        changes=None if creating else diff(before, after),
    )
    return target


def _opportunity_state(opportunity: Opportunity) -> dict[str, Any]:
    state = snapshot(opportunity, OPPORTUNITY_FIELDS)
    state["credential_types"] = sorted(opportunity.credential_types.values_list("code", flat=True))
    state["languages"] = sorted(
        f"{language}:{level}"
        for language, level in opportunity.language_requirements.values_list(
            "language", "min_proficiency"
        )
    )
    return state


# -- shifts and series -----------------------------------------------------------------------


def _aware(local: dt.datetime, tz_name: str) -> dt.datetime:
    if timezone.is_aware(local):
        return local
    return local.replace(tzinfo=zoneinfo.ZoneInfo(tz_name))


def _check_supervisor(supervisor: Any, site: Site) -> None:
    if supervisor is None:
        return
    if not (is_office_staff(supervisor) or manages_site(supervisor, site.pk)):
        raise ServiceError(
            _("%(user)s does not supervise %(site)s.") % {"user": supervisor, "site": site},
            field="supervisor",
        )


@transaction.atomic
def create_shift(
    *,
    actor: Any,
    opportunity: Opportunity,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    supervisor: Any = None,
    timezone_name: str | None = None,
    notes: str = "",
) -> Shift:
    site = opportunity.site
    if not manages_site(actor, site.pk):
        raise NotAllowed(_("Only the site's supervisors and office staff may do this."))
    if not opportunity.is_active:
        raise Conflict(_("This opportunity is not active."), field="opportunity")
    tz_name = timezone_name or site.timezone
    shift = Shift(
        opportunity=opportunity,
        starts_at=_aware(starts_at, tz_name),
        ends_at=_aware(ends_at, tz_name),
        timezone=tz_name,
        capacity=capacity,
        supervisor=supervisor,
        notes=notes,
    )
    _validate_shift(shift)
    _check_supervisor(supervisor, site)
    shift.save()
    record(
        "volunteering.shift.created",
        actor=actor,
        obj=shift,
        data=snapshot(shift, ["starts_at", "ends_at", "capacity", "supervisor_id", "timezone"]),
    )
    return shift


def _validate_shift(shift: Shift) -> None:
    _clean(shift, exclude=["opportunity", "series", "supervisor"])
    if shift.ends_at <= shift.starts_at:
        raise ServiceError(_("A shift must end after it starts."), field="ends_at")
    if shift.ends_at - shift.starts_at > dt.timedelta(hours=24):
        raise ServiceError(_("A shift cannot be longer than 24 hours."), field="ends_at")


UNTIL_UTC = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)


def _until_in_local_time(text: str, tz_name: str) -> str:
    """RFC 5545 gives UNTIL in UTC (with a Z) when DTSTART is local; the rule is expanded on
    naive local times, so turn it into local wall-clock time (dateutil refuses the mix)."""

    def local(match: re.Match[str]) -> str:
        try:
            utc = dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
        except ValueError:
            return match.group(0)  # not a date: let the parser say so
        return f"UNTIL={utc.astimezone(zoneinfo.ZoneInfo(tz_name)):%Y%m%dT%H%M%S}"

    return UNTIL_UTC.sub(local, text)


def _parse_rrule(
    rule: str, first_start: dt.datetime, *, tz_name: str | None = None
) -> list[dt.datetime]:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "\n" in text or "DTSTART" in text.upper():
        raise ServiceError(
            _("Give one RRULE line, such as FREQ=WEEKLY;BYDAY=SA;COUNT=12."), field="rrule"
        )
    if tz_name:
        text = _until_in_local_time(text, tz_name)
    try:
        rule_obj = rrulestr(text, dtstart=first_start.replace(tzinfo=None))
    except (ValueError, TypeError) as error:
        raise ServiceError(
            _("The recurrence rule is not valid: %(error)s") % {"error": error}, field="rrule"
        ) from None
    horizon = first_start.replace(tzinfo=None) + SERIES_HORIZON
    starts: list[dt.datetime] = []
    for occurrence in rule_obj:
        if occurrence > horizon:
            break
        starts.append(occurrence)
        if len(starts) > MAX_OCCURRENCES:
            raise ServiceError(
                _("The rule makes more than %(n)s shifts; add COUNT or UNTIL.")
                % {"n": MAX_OCCURRENCES},
                field="rrule",
            )
    if not starts:
        raise ServiceError(_("The rule makes no shifts."), field="rrule")
    return starts


@transaction.atomic
def create_series(
    *,
    actor: Any,
    opportunity: Opportunity,
    rrule: str,
    first_start: dt.datetime,
    duration_minutes: int,
    capacity: int,
    supervisor: Any = None,
    timezone_name: str | None = None,
) -> ShiftSeries:
    """A recurring series; its occurrences (up to two years ahead) become shifts now.

    `first_start` is local wall-clock time in the series' time zone; every occurrence keeps
    that wall-clock time across daylight-saving changes.
    """
    site = opportunity.site
    if not manages_site(actor, site.pk):
        raise NotAllowed(_("Only the site's supervisors and office staff may do this."))
    if not opportunity.is_active:
        raise Conflict(_("This opportunity is not active."), field="opportunity")
    _check_supervisor(supervisor, site)
    tz_name = timezone_name or site.timezone
    local_first = (
        timezone.make_naive(first_start, zoneinfo.ZoneInfo(tz_name))
        if timezone.is_aware(first_start)
        else first_start
    )
    series = ShiftSeries(
        opportunity=opportunity,
        rrule=rrule.strip().removeprefix("RRULE:"),
        first_start=_aware(local_first, tz_name),
        duration_minutes=duration_minutes,
        timezone=tz_name,
        capacity=capacity,
        supervisor=supervisor,
    )
    _clean(series, exclude=["opportunity", "supervisor"])
    starts = _parse_rrule(series.rrule, local_first, tz_name=tz_name)
    series.save()
    duration = dt.timedelta(minutes=duration_minutes)
    shifts = []
    for local in starts:
        start = _aware(local, tz_name)
        shifts.append(
            Shift(
                opportunity=opportunity,
                series=series,
                starts_at=start,
                # In UTC: aware arithmetic in the local zone is wall-clock arithmetic, which
                # would make a shift across a daylight-saving change an hour too long or short.
                ends_at=start.astimezone(dt.UTC) + duration,
                timezone=tz_name,
                capacity=capacity,
                supervisor=supervisor,
            )
        )
    Shift.objects.bulk_create(shifts)
    record(
        "volunteering.series.created",
        actor=actor,
        obj=series,
        data={"rrule": series.rrule, "shifts": len(shifts), "capacity": capacity},
    )
    return series


def _move_conflicts(shift: Shift, starts_at: dt.datetime, ends_at: dt.datetime) -> list[str]:
    """Names of the people on `shift` for whom the new times would overlap another shift."""
    active = SignUp.objects.filter(shift=shift, status__in=SignUp.ACTIVE).select_related("person")
    return [
        signup.person.display_name
        for signup in active
        if _overlapping(signup.person, starts_at, ends_at).exclude(shift=shift).exists()
    ]


def _notify_changed(shift: Shift, before_text: str) -> None:
    people = SignUp.objects.filter(shift=shift, status__in=SignUp.ACTIVE).select_related("person")
    _mail(
        [signup.person.email for signup in people],
        _("A shift you signed up for has changed"),
        _("The shift\n\n%(before)s\n\nis now\n\n%(after)s")
        % {
            "before": before_text,
            "after": _shift_text(shift),
        },
    )


SHIFT_FIELDS = ["starts_at", "ends_at", "capacity", "supervisor_id", "notes", "timezone"]


def _apply_shift_changes(
    shift: Shift, *, actor: Any, now: dt.datetime, **changes: Any
) -> dict[str, Any]:
    """Change one locked shift; returns the audit diff."""
    before = snapshot(shift, SHIFT_FIELDS)
    before_text = _shift_text(shift)
    starts_at = changes.get("starts_at", shift.starts_at)
    ends_at = changes.get("ends_at", shift.ends_at)
    times_changed = starts_at != shift.starts_at or ends_at != shift.ends_at
    if times_changed:
        if shift.starts_at <= now:
            raise Conflict(_("A shift that has started cannot be moved."), field="starts_at")
        if starts_at <= now:
            raise ServiceError(_("A shift cannot be moved into the past."), field="starts_at")
        if clashes := _move_conflicts(shift, starts_at, ends_at):
            raise Conflict(
                _("Moving this shift would overlap other shifts for: %(names)s.")
                % {"names": ", ".join(clashes)},
                field="starts_at",
            )
    if "capacity" in changes:
        seated, _waiting = _recount(shift)
        if changes["capacity"] < seated:
            raise Conflict(
                _(
                    "%(n)s people hold seats on %(shift)s; cancel sign-ups before lowering the "
                    "capacity below that."
                )
                % {"n": seated, "shift": shift},
                field="capacity",
            )
    if "supervisor" in changes:
        _check_supervisor(changes["supervisor"], shift.opportunity.site)
    for field, value in changes.items():
        setattr(shift, field, value)
    _validate_shift(shift)
    shift.save()
    _fill_seats(shift, actor=actor, now=now)
    if times_changed:
        _notify_changed(shift, before_text)
    return diff(before, snapshot(shift, SHIFT_FIELDS))


SHIFT_CHANGEABLE = {"starts_at", "ends_at", "capacity", "supervisor", "notes"}


def update_shift(*, shift: Shift, actor: Any, **changes: Any) -> Shift:
    """Edit one shift (one occurrence of a series: it is detached from the series' later edits)."""
    unknown = set(changes) - SHIFT_CHANGEABLE
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_shift(shift.pk)
        _require_manager(actor, locked)
        if locked.is_cancelled:
            raise Conflict(_("This shift is cancelled."))
        for key in ("starts_at", "ends_at"):
            if key in changes:
                changes[key] = _aware(changes[key], locked.timezone)
        if locked.series_id and not locked.detached:
            changes_with_detach = {**changes}
            locked.detached = True
            locked.save(update_fields=["detached"])
        else:
            changes_with_detach = changes
        changed = _apply_shift_changes(locked, actor=actor, now=now, **changes_with_detach)
        record("volunteering.shift.updated", actor=actor, obj=locked, changes=changed)
    return locked


def update_series(
    *,
    series: ShiftSeries,
    actor: Any,
    from_date: dt.date,
    start_time: dt.time | None = None,
    duration_minutes: int | None = None,
    capacity: int | None = None,
    supervisor: Any = ...,
) -> list[Shift]:
    """Apply new times, capacity or supervisor to the series' scheduled shifts from `from_date`
    on (in the series' time zone) that were not edited on their own. All or nothing."""
    now = timezone.now()
    tz = zoneinfo.ZoneInfo(series.timezone)
    with transaction.atomic():
        if not manages_site(actor, series.opportunity.site_id):
            raise NotAllowed(_("Only the site's supervisors and office staff may do this."))
        if supervisor is not ...:
            _check_supervisor(supervisor, series.opportunity.site)
        ids = list(
            Shift.objects.filter(
                series=series,
                detached=False,
                status=Shift.Status.SCHEDULED,
                starts_at__gt=now,
            )
            .order_by("starts_at")
            .values_list("pk", flat=True)
        )
        changed: list[Shift] = []
        for pk in ids:
            shift = _lock_shift(pk)
            local_start = shift.local_start
            if local_start.date() < from_date:
                continue
            changes: dict[str, Any] = {}
            if start_time is not None or duration_minutes is not None:
                new_start = (
                    dt.datetime.combine(local_start.date(), start_time, tzinfo=tz)
                    if start_time is not None
                    else shift.starts_at
                )
                # A new start time alone keeps each shift's own length (it may differ from the
                # series' after an earlier edit from a later date).
                length = (
                    dt.timedelta(minutes=duration_minutes)
                    if duration_minutes is not None
                    else shift.ends_at - shift.starts_at
                )
                changes["starts_at"] = new_start
                changes["ends_at"] = new_start.astimezone(dt.UTC) + length
            if capacity is not None:
                changes["capacity"] = capacity
            if supervisor is not ...:
                changes["supervisor"] = supervisor
            _apply_shift_changes(shift, actor=actor, now=now, **changes)
            changed.append(shift)
        before = snapshot(series, ["first_start", "duration_minutes", "capacity", "supervisor_id"])
        if start_time is not None:
            series.first_start = dt.datetime.combine(
                series.first_start.astimezone(tz).date(), start_time, tzinfo=tz
            )
        if duration_minutes is not None:
            series.duration_minutes = duration_minutes
        if capacity is not None:
            series.capacity = capacity
        if supervisor is not ...:
            series.supervisor = supervisor
        _clean(series, exclude=["opportunity", "supervisor"])
        series.save()
        record(
            "volunteering.series.updated",
            actor=actor,
            obj=series,
            changes=diff(
                before,
                snapshot(series, ["first_start", "duration_minutes", "capacity", "supervisor_id"]),
            ),
            data={"from_date": from_date, "shifts": [s.pk for s in changed]},
        )
    return changed


def cancel_shift(*, shift: Shift, actor: Any, reason: str) -> Shift:
    """Cancel a shift: every sign-up on it ends and everyone on it is told by e-mail."""
    if not reason.strip():
        raise ServiceError(_("Say why the shift is cancelled."), field="reason")
    with transaction.atomic():
        locked = _lock_shift(shift.pk)
        _require_manager(actor, locked)
        _cancel_locked(locked, actor=actor, reason=reason.strip())
    return locked


def _cancel_locked(shift: Shift, *, actor: Any, reason: str) -> None:
    if shift.is_cancelled:
        raise Conflict(_("This shift is cancelled already."))
    if shift.ends_at <= timezone.now():
        raise Conflict(_("A shift that is over cannot be cancelled."))
    affected = list(
        SignUp.objects.filter(
            shift=shift, status__in=[S.CONFIRMED, S.OFFERED, S.WAITLISTED]
        ).select_related("person")
    )
    SignUp.objects.filter(pk__in=[s.pk for s in affected]).update(
        status=S.SHIFT_CANCELLED, waitlist_position=None, offer_expires_at=None
    )
    shift.status = Shift.Status.CANCELLED
    shift.cancel_reason = reason
    shift.save(update_fields=["status", "cancel_reason", "updated_at"])
    _save_counts(shift)
    record(
        "volunteering.shift.cancelled",
        actor=actor,
        obj=shift,
        data={"reason": reason, "signups": [s.pk for s in affected]},
    )
    _mail(
        [s.person.email for s in affected],
        _("Shift cancelled: %(title)s") % {"title": shift.opportunity.title},
        _(
            "This shift has been cancelled:\n\n%(shift)s\n\nReason: %(reason)s\n\n"
            "Sorry for the change."
        )
        % {"shift": _shift_text(shift), "reason": reason},
    )


def cancel_series(*, series: ShiftSeries, actor: Any, from_date: dt.date, reason: str) -> int:
    """Cancel the series' scheduled shifts from `from_date` on; returns how many."""
    if not reason.strip():
        raise ServiceError(_("Say why the shifts are cancelled."), field="reason")
    now = timezone.now()
    count = 0
    with transaction.atomic():
        if not manages_site(actor, series.opportunity.site_id):
            raise NotAllowed(_("Only the site's supervisors and office staff may do this."))
        ids = Shift.objects.filter(
            series=series, status=Shift.Status.SCHEDULED, starts_at__gt=now
        ).values_list("pk", flat=True)
        for pk in list(ids):
            shift = _lock_shift(pk)
            if shift.local_start.date() < from_date:
                continue
            _cancel_locked(shift, actor=actor, reason=reason.strip())
            count += 1
    return count


# -- sign-ups --------------------------------------------------------------------------------


def _orientation_type() -> CredentialType | None:
    return CredentialType.objects.filter(code=ORIENTATION_CODE).first()


def eligibility_problems(person: Person, shift: Shift) -> list[eligibility.Problem]:
    facts = eligibility.facts_for(person, on=shift.local_start.date())
    return eligibility.problems(
        facts,
        shift.opportunity,
        on=shift.local_start.date(),
        orientation_type=_orientation_type(),
    )


def sign_up(
    *,
    shift: Shift,
    person: Person,
    actor: Any,
    override_reason: str = "",
    walk_in: bool = False,
) -> SignUp:
    """Sign `person` up for `shift`: a seat if one is free, else the end of the waitlist.

    Self-service for one's own person; the site's supervisors and office staff may sign others
    up and override eligibility with a reason (audited). A walk-in is checked in at once.
    """
    own = _own_person_id(actor) == person.pk
    manager = can_manage_shift(actor, shift)
    if not own and not manager:
        raise NotAllowed(_("You may sign up only yourself."))
    if override_reason.strip() and not manager:
        raise NotAllowed(
            _("Only the site's supervisors and office staff may override eligibility.")
        )
    if walk_in and not manager:
        raise NotAllowed(_("Only the site's supervisors and office staff may add walk-ins."))
    now = timezone.now()
    try:
        with transaction.atomic():
            signup = _sign_up_locked(
                shift_id=shift.pk,
                person=person,
                actor=actor,
                override_reason=override_reason.strip(),
                walk_in=walk_in,
                own=own,
                now=now,
            )
    except IntegrityError:
        # The constraints caught what the locks should have: report it as the conflict it is.
        raise Conflict(
            _("%(name)s is already signed up for this shift.") % {"name": person.display_name},
        ) from None
    shift.seats_taken, shift.waitlist_length = (
        signup.shift.seats_taken,
        signup.shift.waitlist_length,
    )
    return signup


def _sign_up_locked(  # noqa: PLR0912 - each refusal is its own branch
    *,
    shift_id: int,
    person: Person,
    actor: Any,
    override_reason: str,
    walk_in: bool,
    own: bool,
    now: dt.datetime,
) -> SignUp:
    # Person first, then shift: see the module docstring.
    locked_person = Person.objects.select_for_update().get(pk=person.pk)
    shift = _lock_shift(shift_id)
    if shift.is_cancelled:
        raise Conflict(_("This shift is cancelled."))
    if not shift.opportunity.is_active:
        raise Conflict(_("This opportunity is not taking sign-ups."))
    if walk_in:
        if shift.ends_at <= now - dt.timedelta(hours=12):
            raise Conflict(_("This shift ended too long ago to add a walk-in."))
    elif shift.starts_at <= now:
        raise Conflict(_("This shift has already started."))
    if SignUp.objects.filter(shift=shift, person=locked_person, status__in=SignUp.ACTIVE).exists():
        raise Conflict(
            _("%(name)s is already signed up for this shift.")
            % {"name": locked_person.display_name},
        )
    clash = _overlapping(locked_person, shift.starts_at, shift.ends_at).first()
    if clash is not None:
        raise Conflict(
            _("This overlaps another shift %(name)s is signed up for: %(other)s.")
            % {"name": locked_person.display_name, "other": _shift_text(clash.shift)},
        )
    problems = eligibility_problems(locked_person, shift)
    if problems and not override_reason:
        raise Ineligible(problems)
    seated, waiting = _recount(shift)
    if walk_in and seated >= shift.capacity:
        raise Conflict(
            _("The shift is full (%(n)s seats); raise its capacity to add a walk-in.")
            % {"n": shift.capacity},
            field="capacity",
        )
    signup = SignUp(
        shift=shift,
        person=locked_person,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        source=(
            SignUp.Source.WALK_IN if walk_in else SignUp.Source.SELF if own else SignUp.Source.STAFF
        ),
        override_reason=override_reason if problems else "",
    )
    # A walk-in is standing there: a free seat is theirs even if a waitlist is left over (seats
    # freed after the start are not offered on), and they never join the waitlist.
    if seated < shift.capacity and (waiting == 0 or walk_in):
        signup.status = S.ATTENDED if walk_in else S.CONFIRMED
        signup.confirmed_at = now
        if walk_in:
            signup.checked_in_at = now
            signup.checked_in_by = actor
    else:
        last = SignUp.objects.filter(shift=shift, status=S.WAITLISTED).aggregate(
            last=Max("waitlist_position")
        )["last"]
        signup.status = S.WAITLISTED
        signup.waitlist_position = (last or 0) + 1
    signup.save()
    _save_counts(shift)
    signup.shift = shift
    record(
        "volunteering.signup.created",
        actor=actor,
        obj=signup,
        data={
            "shift": shift.pk,
            "person": locked_person.pk,
            "status": signup.status,
            "waitlist_position": signup.waitlist_position,
            "source": signup.source,
        },
    )
    if problems:
        record(
            "volunteering.signup.eligibility_overridden",
            actor=actor,
            obj=signup,
            data={"reason": override_reason, "problems": [p.code for p in problems]},
        )
    if walk_in:
        _create_attendance_hours(signup, actor=actor)
    elif signup.status == S.CONFIRMED:
        _mail(
            [locked_person.email],
            _("You are signed up: %(title)s") % {"title": shift.opportunity.title},
            _(
                "You are confirmed for\n\n%(shift)s\n\nIf you cannot come, cancel on your "
                "volunteering page so someone on the waitlist can take your seat."
            )
            % {"shift": _shift_text(shift)},
        )
    else:
        _mail(
            [locked_person.email],
            _("You are on the waitlist: %(title)s") % {"title": shift.opportunity.title},
            _(
                "The shift is full; you are number %(n)s on its waitlist:\n\n%(shift)s\n\n"
                "If a seat opens up we will e-mail you to confirm it."
            )
            % {"n": signup.waitlist_position, "shift": _shift_text(shift)},
        )
    return signup


def _lock_signup(signup: SignUp) -> tuple[SignUp, Shift]:
    shift = _lock_shift(signup.shift_id)
    fresh = SignUp.objects.select_related("person").get(pk=signup.pk)
    fresh.shift = shift
    return fresh, shift


def cancel_signup(*, signup: SignUp, actor: Any, reason: str = "") -> SignUp:
    """Cancel a sign-up (one's own, or as the site's supervisor or office staff). A seat that
    frees up is offered to the first person on the waitlist."""
    now = timezone.now()
    with transaction.atomic():
        fresh, shift = _lock_signup(signup)
        own = _own_person_id(actor) == fresh.person_id
        if not own and not can_manage_shift(actor, shift):
            raise NotAllowed(_("You may cancel only your own sign-ups."))
        if fresh.status not in (S.CONFIRMED, S.WAITLISTED, S.OFFERED):
            raise Conflict(
                _("This sign-up cannot be cancelled: it is %(status)s.")
                % {"status": fresh.get_status_display().lower()}
            )
        if shift.starts_at <= now:
            raise Conflict(_("The shift has started; the supervisor records attendance now."))
        was = fresh.status
        position = fresh.waitlist_position
        fresh.late_cancellation = was in (S.CONFIRMED, S.OFFERED) and (
            shift.starts_at - now < dt.timedelta(hours=settings.VOLUNTEER_LATE_CANCEL_HOURS)
        )
        fresh.status = S.CANCELLED
        fresh.waitlist_position = None
        fresh.offer_expires_at = None
        fresh.cancelled_at = now
        fresh.save(
            update_fields=[
                "status",
                "waitlist_position",
                "offer_expires_at",
                "cancelled_at",
                "late_cancellation",
            ]
        )
        if was == S.WAITLISTED and position is not None:
            _close_waitlist_gap(shift, position)
        record(
            "volunteering.signup.cancelled",
            actor=actor,
            obj=fresh,
            data={"was": was, "late": fresh.late_cancellation, "reason": reason[:300]},
        )
        _fill_seats(shift, actor=actor, now=now)
    return fresh


def accept_offer(*, signup: SignUp, actor: Any) -> SignUp:
    now = timezone.now()
    with transaction.atomic():
        fresh, shift = _lock_signup(signup)
        if _own_person_id(actor) != fresh.person_id:
            raise NotAllowed(_("Only the person offered the seat may confirm it."))
        if fresh.status != S.OFFERED:
            raise Conflict(_("There is no open offer on this sign-up."))
        if fresh.offer_expires_at is not None and fresh.offer_expires_at <= now:
            _lapse(fresh, shift, actor=actor, now=now, why="expired")
            expired = True
        else:
            expired = False
            fresh.status = S.CONFIRMED
            fresh.confirmed_at = now
            fresh.offer_expires_at = None
            fresh.save(update_fields=["status", "confirmed_at", "offer_expires_at"])
            record("volunteering.signup.offer_accepted", actor=actor, obj=fresh)
    if expired:
        raise Conflict(_("The offer expired; the seat went to the next person on the waitlist."))
    return fresh


def decline_offer(*, signup: SignUp, actor: Any) -> SignUp:
    now = timezone.now()
    with transaction.atomic():
        fresh, shift = _lock_signup(signup)
        if _own_person_id(actor) != fresh.person_id and not can_manage_shift(actor, shift):
            raise NotAllowed(_("Only the person offered the seat may decline it."))
        if fresh.status != S.OFFERED:
            raise Conflict(_("There is no open offer on this sign-up."))
        _lapse(fresh, shift, actor=actor, now=now, why="declined")
    return fresh


def _lapse(signup: SignUp, shift: Shift, *, actor: Any, now: dt.datetime, why: str) -> None:
    signup.status = S.OFFER_LAPSED
    signup.offer_expires_at = None
    signup.cancelled_at = now
    signup.save(update_fields=["status", "offer_expires_at", "cancelled_at"])
    record(f"volunteering.signup.offer_{why}", actor=actor, obj=signup)
    _fill_seats(shift, actor=actor, now=now)


def expire_offers(*, now: dt.datetime | None = None) -> int:
    """Lapse every offer whose window has closed and offer the seat on; returns how many."""
    now = now or timezone.now()
    count = 0
    due = SignUp.objects.filter(status=S.OFFERED, offer_expires_at__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            signup = SignUp.objects.get(pk=pk)
            fresh, shift = _lock_signup(signup)
            if fresh.status != S.OFFERED or (
                fresh.offer_expires_at is not None and fresh.offer_expires_at > now
            ):
                continue
            _lapse(fresh, shift, actor=None, now=now, why="expired")
            count += 1
    return count


# -- attendance ------------------------------------------------------------------------------

CHECK_IN_EARLY = dt.timedelta(hours=2)


def _create_attendance_hours(signup: SignUp, *, actor: Any) -> HoursEntry:
    shift = signup.shift
    existing = HoursEntry.objects.filter(signup=signup).first()
    if existing is not None:
        return existing
    entry = HoursEntry.objects.create(
        person=signup.person,
        signup=signup,
        site=shift.opportunity.site,
        activity=shift.opportunity.title,
        date=shift.local_start.date(),
        hours=shift.hours,
        created_by=actor,
    )
    record("volunteering.hours.created", actor=actor, obj=entry, data={"from_signup": signup.pk})
    return entry


def check_in(*, signup: SignUp, actor: Any) -> SignUp:
    """Record attendance; it creates a submitted hours entry for the shift's length."""
    now = timezone.now()
    with transaction.atomic():
        fresh, shift = _lock_signup(signup)
        _require_manager(actor, shift)
        if shift.is_cancelled:
            raise Conflict(_("This shift is cancelled."))
        if now < shift.starts_at - CHECK_IN_EARLY:
            raise Conflict(_("Check-in opens two hours before the shift starts."))
        if fresh.status not in (S.CONFIRMED, S.NO_SHOW):
            raise Conflict(
                _("%(name)s cannot be checked in: the sign-up is %(status)s.")
                % {"name": fresh.person.display_name, "status": fresh.get_status_display().lower()}
            )
        was = fresh.status
        fresh.status = S.ATTENDED
        fresh.checked_in_at = now
        fresh.checked_in_by = actor
        fresh.save(update_fields=["status", "checked_in_at", "checked_in_by"])
        record("volunteering.signup.checked_in", actor=actor, obj=fresh, data={"was": was})
        _create_attendance_hours(fresh, actor=actor)
    return fresh


def mark_no_show(*, signup: SignUp, actor: Any) -> SignUp:
    now = timezone.now()
    with transaction.atomic():
        fresh, shift = _lock_signup(signup)
        _require_manager(actor, shift)
        if shift.starts_at > now:
            raise Conflict(_("A no-show can be recorded once the shift has started."))
        if fresh.status not in (S.CONFIRMED, S.ATTENDED, S.OFFERED):
            raise Conflict(
                _("%(name)s cannot be marked as a no-show: the sign-up is %(status)s.")
                % {"name": fresh.person.display_name, "status": fresh.get_status_display().lower()}
            )
        entry = HoursEntry.objects.filter(signup=fresh).first()
        if entry is not None:
            if entry.status == HoursEntry.Status.VERIFIED:
                raise Conflict(
                    _("Their hours for this shift are verified already; reject them first.")
                )
            record(
                "volunteering.hours.deleted",
                actor=actor,
                obj=entry,
                data={"reason": "no_show", "hours": entry.hours},
            )
            entry.delete()
        was = fresh.status
        fresh.status = S.NO_SHOW
        fresh.offer_expires_at = None
        fresh.checked_in_at = None
        fresh.save(update_fields=["status", "offer_expires_at", "checked_in_at"])
        record("volunteering.signup.no_show", actor=actor, obj=fresh, data={"was": was})
    return fresh


def add_walk_in(*, shift: Shift, person: Person, actor: Any, override_reason: str = "") -> SignUp:
    return sign_up(
        shift=shift, person=person, actor=actor, override_reason=override_reason, walk_in=True
    )


# -- hours -----------------------------------------------------------------------------------

HOURS_FIELDS = ["site_id", "organization_name", "activity", "date", "hours", "notes"]


def _validate_hours(entry: HoursEntry) -> None:
    if entry.site_id is None and not entry.organization_name.strip():
        raise ServiceError(
            _("Choose one of our sites or say where you served."), field="organization_name"
        )
    if entry.date > timezone.localdate():
        raise ServiceError(_("Hours cannot be logged for a future date."), field="date")
    _clean(entry, exclude=["person", "signup", "created_by", "reviewed_by", "site"])


def log_hours(
    *,
    person: Person,
    actor: Any,
    activity: str,
    date: dt.date,
    hours: Decimal,
    site: Site | None = None,
    organization_name: str = "",
    notes: str = "",
) -> HoursEntry:
    """Log service hours (one's own; office staff may log for anyone). They await verification
    by the site's supervisor, or by office staff for service elsewhere."""
    if _own_person_id(actor) != person.pk and not is_office_staff(actor):
        raise NotAllowed(_("You may log only your own hours."))
    with transaction.atomic():
        entry = HoursEntry(
            person=person,
            site=site,
            organization_name="" if site else organization_name.strip(),
            activity=activity.strip(),
            date=date,
            hours=Decimal(hours),
            notes=notes.strip(),
            created_by=actor,
        )
        _validate_hours(entry)
        entry.save()
        record(
            "volunteering.hours.created", actor=actor, obj=entry, data=snapshot(entry, HOURS_FIELDS)
        )
    return entry


def _can_review(actor: Any, entry: HoursEntry) -> bool:
    return manages_site(actor, entry.site_id)


def update_hours(*, entry: HoursEntry, actor: Any, **changes: Any) -> HoursEntry:
    """Edit an entry (its owner, or a reviewer). An edited verified entry needs verification
    again, unless nothing changed."""
    unknown = set(changes) - {"site", "organization_name", "activity", "date", "hours", "notes"}
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    with transaction.atomic():
        fresh = HoursEntry.objects.select_for_update().get(pk=entry.pk)
        own = _own_person_id(actor) == fresh.person_id
        if not own and not _can_review(actor, fresh):
            raise NotAllowed(_("You may edit only your own hours."))
        before = snapshot(fresh, HOURS_FIELDS)
        for field, value in changes.items():
            if field == "hours" and isinstance(value, Decimal | int) and value == fresh.hours:
                continue  # 4 and 4.00 are the same hours: not an edit that needs verifying
            setattr(fresh, field, value)
        if "site" in changes and changes["site"] is not None:
            fresh.organization_name = ""
        _validate_hours(fresh)
        changed = diff(before, snapshot(fresh, HOURS_FIELDS))
        if not changed:
            return fresh
        if fresh.status != HoursEntry.Status.SUBMITTED:
            changed["status"] = [fresh.status, HoursEntry.Status.SUBMITTED]
            fresh.status = HoursEntry.Status.SUBMITTED
            fresh.reviewed_by = None
            fresh.reviewed_at = None
            fresh.rejection_reason = ""
        fresh.save()
        record("volunteering.hours.updated", actor=actor, obj=fresh, changes=changed)
    return fresh


def _review(entry: HoursEntry, *, actor: Any) -> HoursEntry:
    fresh = HoursEntry.objects.select_for_update().select_related("person").get(pk=entry.pk)
    if _own_person_id(actor) == fresh.person_id:
        raise NotAllowed(_("No one verifies their own hours."))
    if not _can_review(actor, fresh):
        raise NotAllowed(
            _(
                "Only the site's supervisors verify its hours; "
                "office staff verify service elsewhere."
            )
        )
    if fresh.status != HoursEntry.Status.SUBMITTED:
        raise Conflict(
            _("These hours are %(status)s already.")
            % {"status": fresh.get_status_display().lower()}
        )
    return fresh


def verify_hours(*, entry: HoursEntry, actor: Any) -> HoursEntry:
    with transaction.atomic():
        fresh = _review(entry, actor=actor)
        fresh.status = HoursEntry.Status.VERIFIED
        fresh.reviewed_by = actor
        fresh.reviewed_at = timezone.now()
        fresh.rejection_reason = ""
        fresh.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason"])
        record("volunteering.hours.verified", actor=actor, obj=fresh)
    return fresh


def reject_hours(*, entry: HoursEntry, actor: Any, reason: str) -> HoursEntry:
    if not reason.strip():
        raise ServiceError(_("Say why the hours are rejected."), field="reason")
    with transaction.atomic():
        fresh = _review(entry, actor=actor)
        fresh.status = HoursEntry.Status.REJECTED
        fresh.reviewed_by = actor
        fresh.reviewed_at = timezone.now()
        fresh.rejection_reason = reason.strip()[:300]
        fresh.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason"])
        record("volunteering.hours.rejected", actor=actor, obj=fresh, data={"reason": reason})
        _mail(
            [fresh.person.email],
            _("Your volunteer hours were not verified"),
            _(
                "Your entry of %(hours)s hours on %(date)s (%(activity)s) was not verified.\n\n"
                "Reason: %(reason)s\n\nYou can correct it and submit it again on your hours page."
            )
            % {
                "hours": fresh.hours,
                "date": formats.date_format(fresh.date, "Y-m-d"),
                "activity": fresh.activity,
                "reason": fresh.rejection_reason,
            },
        )
    return fresh


def withdraw_hours(*, entry: HoursEntry, actor: Any) -> None:
    """The owner removes an entry that is not verified (a mistake)."""
    with transaction.atomic():
        fresh = HoursEntry.objects.select_for_update().get(pk=entry.pk)
        if _own_person_id(actor) != fresh.person_id:
            raise NotAllowed(_("You may withdraw only your own hours."))
        if fresh.status == HoursEntry.Status.VERIFIED:
            raise Conflict(_("Verified hours cannot be withdrawn; edit them instead."))
        if fresh.signup_id is not None:
            raise Conflict(_("Hours from a shift you attended cannot be withdrawn; edit them."))
        record(
            "volunteering.hours.deleted",
            actor=actor,
            obj=fresh,
            data=snapshot(fresh, HOURS_FIELDS),
        )
        fresh.delete()


# -- credentials -----------------------------------------------------------------------------

EVIDENCE_SIGNATURES = {
    b"%PDF-": "pdf",
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpg",
}


def _check_evidence(evidence: UploadedFile | None, credential_type: CredentialType) -> None:
    if evidence is None:
        if credential_type.requires_evidence:
            raise ServiceError(
                _("%(name)s needs evidence: upload a PDF or a photo.")
                % {"name": credential_type.name},
                field="evidence",
            )
        return
    if (evidence.size or 0) > settings.CREDENTIAL_EVIDENCE_MAX_BYTES:
        raise ServiceError(
            _("The file is larger than %(mb)s MB.")
            % {"mb": settings.CREDENTIAL_EVIDENCE_MAX_BYTES // (1024 * 1024)},
            field="evidence",
        )
    head = evidence.read(16)
    evidence.seek(0)
    if not any(head.startswith(signature) for signature in EVIDENCE_SIGNATURES):
        raise ServiceError(_("Upload a PDF, PNG or JPEG file."), field="evidence")


def submit_credential(
    *,
    person: Person,
    actor: Any,
    credential_type: CredentialType,
    issued_on: dt.date,
    expires_on: dt.date | None = None,
    site: Site | None = None,
    evidence: UploadedFile | None = None,
) -> Credential:
    """Add a credential (one's own, or office staff for anyone); it awaits verification."""
    staff = bool(is_office_staff(actor))
    # A site's supervisors record what is held for their site (an orientation), nothing else.
    site_manager = credential_type.per_site and site is not None and manages_site(actor, site.pk)
    if _own_person_id(actor) != person.pk and not staff and not site_manager:
        raise NotAllowed(_("You may add only your own credentials."))
    if credential_type.per_site and site is None:
        raise ServiceError(
            _("%(name)s is held for one site: choose it.") % {"name": credential_type.name},
            field="site",
        )
    if not credential_type.per_site:
        site = None
    if issued_on > timezone.localdate():
        raise ServiceError(_("The issue date cannot be in the future."), field="issued_on")
    if expires_on is None and credential_type.validity_months:
        expires_on = issued_on + relativedelta(months=credential_type.validity_months)
    if expires_on is not None and expires_on < issued_on:
        raise ServiceError(_("It cannot expire before it was issued."), field="expires_on")
    _check_evidence(evidence, credential_type)
    with transaction.atomic():
        credential = Credential(
            person=person,
            credential_type=credential_type,
            site=site,
            issued_on=issued_on,
            expires_on=expires_on,
        )
        if evidence is not None:
            credential.evidence.save(
                f"{secrets.token_hex(12)}{_extension(evidence)}", evidence, save=False
            )
        credential.save()
        record(
            "volunteering.credential.submitted",
            actor=actor,
            obj=credential,
            data={
                "type": credential_type.code,
                "issued_on": issued_on,
                "expires_on": expires_on,
                "site": site.pk if site else None,
                "evidence": bool(evidence),
            },
        )
    return credential


def _extension(evidence: UploadedFile) -> str:
    head = evidence.read(16)
    evidence.seek(0)
    for signature, ext in EVIDENCE_SIGNATURES.items():
        if head.startswith(signature):
            return f".{ext}"
    return ""


def _can_verify_credential(actor: Any, credential: Credential) -> bool:
    if is_office_staff(actor):
        return True
    return credential.site_id is not None and manages_site(actor, credential.site_id)


def verify_credential(*, credential: Credential, actor: Any) -> Credential:
    with transaction.atomic():
        fresh = Credential.objects.select_for_update().get(pk=credential.pk)
        if _own_person_id(actor) == fresh.person_id:
            raise NotAllowed(_("No one verifies their own credentials."))
        if not _can_verify_credential(actor, fresh):
            raise NotAllowed(_("Only office staff verify credentials."))
        if fresh.status != Credential.Status.SUBMITTED:
            raise Conflict(_("This credential was reviewed already."))
        fresh.status = Credential.Status.VERIFIED
        fresh.verified_by = actor
        fresh.verified_at = timezone.now()
        fresh.save(update_fields=["status", "verified_by", "verified_at", "updated_at"])
        record("volunteering.credential.verified", actor=actor, obj=fresh)
    return fresh


def reject_credential(*, credential: Credential, actor: Any, reason: str) -> Credential:
    if not reason.strip():
        raise ServiceError(_("Say why the credential is rejected."), field="reason")
    with transaction.atomic():
        fresh = (
            Credential.objects.select_for_update().select_related("person").get(pk=credential.pk)
        )
        if _own_person_id(actor) == fresh.person_id:
            raise NotAllowed(_("No one verifies their own credentials."))
        if not _can_verify_credential(actor, fresh):
            raise NotAllowed(_("Only office staff verify credentials."))
        if fresh.status != Credential.Status.SUBMITTED:
            raise Conflict(_("This credential was reviewed already."))
        fresh.status = Credential.Status.REJECTED
        fresh.verified_by = actor
        fresh.verified_at = timezone.now()
        fresh.rejection_reason = reason.strip()[:300]
        fresh.save()
        record("volunteering.credential.rejected", actor=actor, obj=fresh, data={"reason": reason})
        _mail(
            [fresh.person.email],
            _("Your credential was not accepted"),
            _("Your %(type)s was not accepted.\n\nReason: %(reason)s\n\nPlease upload it again.")
            % {"type": fresh.credential_type.name, "reason": fresh.rejection_reason},
        )
    return fresh


def notify_expiring_credentials(*, today: dt.date | None = None) -> int:
    """Tell owners once when a verified credential expires within the notice period (30 days
    by default) and they have no newer one of the same kind; returns how many were told."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.CREDENTIAL_EXPIRY_NOTICE_DAYS)
    due = Credential.objects.filter(
        status=Credential.Status.VERIFIED,
        expires_on__gte=today,
        expires_on__lte=horizon,
        expiry_notice_sent_on__isnull=True,
    ).select_related("person", "credential_type", "site")
    count = 0
    for credential in due:
        newer = Credential.objects.filter(
            person_id=credential.person_id,
            credential_type_id=credential.credential_type_id,
            site=credential.site,
            status__in=[Credential.Status.VERIFIED, Credential.Status.SUBMITTED],
        ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=credential.expires_on))
        with transaction.atomic():
            updated = Credential.objects.filter(
                pk=credential.pk, expiry_notice_sent_on__isnull=True
            ).update(expiry_notice_sent_on=today)
            if not updated or newer.exists():
                continue
            expires_on = credential.expires_on or today
            _mail(
                [credential.person.email],
                _("Your %(type)s expires on %(date)s")
                % {
                    "type": credential.credential_type.name,
                    "date": formats.date_format(expires_on, "Y-m-d"),
                },
                _(
                    "Your %(type)s expires on %(date)s. Shifts after that date need a current one: "
                    "upload it on your credentials page."
                )
                % {
                    "type": credential.credential_type.name,
                    "date": formats.date_format(expires_on, "Y-m-d"),
                },
            )
            count += 1
    return count


# -- reminders and settings ------------------------------------------------------------------


def settings_for(person: Person) -> VolunteerSettings:
    found, _created = VolunteerSettings.objects.get_or_create(person=person)
    return found


def set_reminders(*, person: Person, actor: Any, enabled: bool) -> VolunteerSettings:
    if _own_person_id(actor) != person.pk:
        raise NotAllowed(_("You may change only your own settings."))
    with transaction.atomic():
        prefs = settings_for(person)
        if prefs.reminders != enabled:
            prefs.reminders = enabled
            prefs.save(update_fields=["reminders"])
            record(
                "volunteering.settings.reminders",
                actor=actor,
                obj=prefs,
                changes={"reminders": [not enabled, enabled]},
            )
    return prefs


def rotate_calendar_key(*, person: Person, actor: Any) -> VolunteerSettings:
    """Revoke the personal calendar feed's secret URL and make a new one."""
    if _own_person_id(actor) != person.pk:
        raise NotAllowed(_("You may change only your own settings."))
    with transaction.atomic():
        prefs = settings_for(person)
        prefs.calendar_key_version += 1
        prefs.save(update_fields=["calendar_key_version"])
        record("volunteering.calendar.rotated", actor=actor, obj=prefs)
    return prefs


def rotate_site_calendar_key(*, site: Site, actor: Any) -> SiteCalendar:
    if not manages_site(actor, site.pk):
        raise NotAllowed(_("Only the site's supervisors and office staff may do this."))
    with transaction.atomic():
        calendar, _created = SiteCalendar.objects.get_or_create(site=site)
        calendar.key_version += 1
        calendar.save(update_fields=["key_version"])
        record("volunteering.site_calendar.rotated", actor=actor, obj=site)
    return calendar


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """E-mail the reminders that are due (48 h and 2 h before by default), once each, to
    confirmed volunteers who have not opted out; returns how many were sent."""
    now = now or timezone.now()
    long_hours, short_hours = settings.VOLUNTEER_REMINDER_HOURS
    sent = 0
    for field, hours, skip_field in (
        ("reminder_short_sent_at", short_hours, None),
        ("reminder_long_sent_at", long_hours, "reminder_short_sent_at"),
    ):
        due = SignUp.objects.filter(
            status=S.CONFIRMED,
            shift__status=Shift.Status.SCHEDULED,
            shift__starts_at__gt=now,
            shift__starts_at__lte=now + dt.timedelta(hours=hours),
            **{f"{field}__isnull": True},
        ).exclude(person__volunteer_settings__reminders=False)
        if skip_field:
            due = due.filter(**{f"{skip_field}__isnull": True})
        for signup in due.select_related("person", "shift__opportunity__site"):
            with transaction.atomic():
                claimed = SignUp.objects.filter(pk=signup.pk, **{f"{field}__isnull": True}).update(
                    **{field: now}
                )
                if not claimed:
                    continue
                if field == "reminder_short_sent_at":
                    # The short one makes the long one moot.
                    SignUp.objects.filter(pk=signup.pk, reminder_long_sent_at__isnull=True).update(
                        reminder_long_sent_at=now
                    )
                _mail(
                    [signup.person.email],
                    _("Reminder: %(title)s, %(when)s")
                    % {"title": signup.shift.opportunity.title, "when": _when(signup.shift)},
                    _(
                        "A reminder of your volunteer shift:\n\n%(shift)s\n\n%(notes)s"
                        "If you cannot come, cancel on your volunteering page so someone on the "
                        "waitlist can take your seat. To stop these reminders, turn them off in "
                        "your volunteering settings."
                    )
                    % {
                        "shift": _shift_text(signup.shift),
                        "notes": f"{signup.shift.notes}\n\n" if signup.shift.notes else "",
                    },
                )
                sent += 1
    return sent


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic work: lapse expired offers, send due reminders, flag expiring credentials."""
    now = now or timezone.now()
    return {
        "offers_expired": expire_offers(now=now),
        "reminders_sent": send_due_reminders(now=now),
        "credential_notices": notify_expiring_credentials(today=timezone.localdate(now)),
    }


# -- transcripts -----------------------------------------------------------------------------


def _transcript_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def issue_transcript(*, person: Person, actor: Any) -> Transcript:
    """Issue a service transcript of the person's verified hours (their own, or office staff)."""
    if _own_person_id(actor) != person.pk and not is_office_staff(actor):
        raise NotAllowed(_("You may issue only your own transcript."))
    entries = list(
        HoursEntry.objects.filter(person=person, status=HoursEntry.Status.VERIFIED)
        .select_related("site")
        .order_by("date", "id")
    )
    if not entries:
        raise Conflict(_("There are no verified hours to put on a transcript yet."))
    rows = [
        {
            "date": entry.date.isoformat(),
            "place": entry.place_name,
            "activity": entry.activity,
            "hours": str(entry.hours),
        }
        for entry in entries
    ]
    total = sum((entry.hours for entry in entries), Decimal(0))
    name = person.full_name
    digest = hashlib.sha256(
        json.dumps({"name": name, "rows": rows}, sort_keys=True).encode()
    ).hexdigest()
    with transaction.atomic():
        transcript = Transcript.objects.create(
            person=person,
            code=_transcript_code(),
            name_on_transcript=name,
            total_hours=total,
            entry_count=len(rows),
            period_start=entries[0].date,
            period_end=entries[-1].date,
            content_digest=digest,
            entries=rows,
            issued_by=actor,
        )
        record(
            "volunteering.transcript.issued",
            actor=actor,
            obj=transcript,
            data={"total_hours": total, "entries": len(rows)},
        )
    return transcript


def revoke_transcript(*, transcript: Transcript, actor: Any) -> Transcript:
    if not is_office_staff(actor):
        raise NotAllowed(_("Only office staff may revoke a transcript."))
    with transaction.atomic():
        if transcript.revoked_at is not None:
            raise Conflict(_("This transcript is revoked already."))
        transcript.revoked_at = timezone.now()
        transcript.save(update_fields=["revoked_at"])
        record("volunteering.transcript.revoked", actor=actor, obj=transcript)
    return transcript


Callback = Callable[[], None]


# -- export ----------------------------------------------------------------------------------


def export_hours(
    *,
    actor: Any,
    start: dt.date,
    end: dt.date,
    site_id: int | None,
    fmt: str,
) -> bytes:
    """Verified hours in the period (and site) as CSV (UTF-8 with a byte-order mark, so Excel
    reads it) or XLSX, one row per entry, every cell escaped against formula injection; the
    export is audited with its filters and row count. Office staff only."""
    from equityhub.volunteering import reports  # noqa: PLC0415 - reports read, services write

    if not actor.has_perm("volunteering.export_hours"):
        raise NotAllowed(_("Only office staff may export hours."))
    if fmt not in {"csv", "xlsx"}:
        raise ServiceError(_("Export as csv or xlsx."), field="fmt")
    site_ids = reports.report_site_ids(actor, site_id)
    rows = list(reports.export_rows(start, end, site_ids))
    header = list(reports.EXPORT_HEADER)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(rows, buffer, header=header, sheet_title=_("Verified hours")[:31])
        content = buffer.getvalue()
    else:
        text = io.StringIO()
        text.write("\ufeff")
        write_csv(rows, text, header=header)
        content = text.getvalue().encode("utf-8")
    record(
        "volunteering.hours.exported",
        actor=actor,
        data={
            "filters": {"start": start.isoformat(), "end": end.isoformat(), "site": site_id},
            "rows": len(rows),
            "format": fmt,
        },
    )
    return content

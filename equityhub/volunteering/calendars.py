"""iCalendar feeds: a person's own shifts and a site's shifts, behind secret, revocable URLs.

A feed URL carries a signed key (`django.core.signing`, salt "volunteering.calendar") naming
the person or site and the key version current when it was made. Rotating the version
(`services.rotate_calendar_key`, `services.rotate_site_calendar_key`) makes every older URL
answer 404. Each feed is built in a fixed number of queries however many events it holds.

The site feed is shared with whoever runs the site and the calendars they paste it into: it
shows shifts and open seats, never who signed up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event  # no stubs installed

from equityhub.people.models import Person
from equityhub.places.models import Site
from equityhub.volunteering.models import Shift, SignUp, SiteCalendar, VolunteerSettings

SALT = "volunteering.calendar"
PAST_DAYS = 30  # shifts (and cancellations) stay in a feed this long
SITE_AHEAD_DAYS = 180
UID_DOMAIN = "equityhub"

S = SignUp.Status
FEED_STATUSES = (S.CONFIRMED, S.OFFERED, S.WAITLISTED, S.ATTENDED)
CANCELLED_STATUSES = (S.CANCELLED, S.OFFER_LAPSED, S.SHIFT_CANCELLED)


# -- keys ------------------------------------------------------------------------------------


def _signer() -> signing.Signer:
    # No timestamp: a feed's URL stays the same every time its page is shown, until revoked.
    return signing.Signer(salt=SALT)


def _personal_version(person: Person) -> int | None:
    """The person's current key version, or None when their feed is switched off."""
    prefs = VolunteerSettings.objects.filter(person=person).first()
    if prefs is None:
        return 1  # the model's default: settings are made on first change
    return prefs.calendar_key_version if prefs.calendar_enabled else None


def _site_version(site: Site) -> int:
    version = SiteCalendar.objects.filter(site=site).values_list("key_version", flat=True).first()
    return version or 1


def personal_feed_token(person: Person) -> str:
    return _signer().sign_object({"p": person.pk, "v": _personal_version(person) or 0})


def site_feed_token(site: Site, *, version: int | None = None) -> str:
    """The site's feed key; pass `version` (from `site_key_versions`) to skip the lookup."""
    return _signer().sign_object({"s": site.pk, "v": version or _site_version(site)})


def site_key_versions(sites: Iterable[Site]) -> dict[int, int]:
    """Key versions of many sites in one query (sites without a SiteCalendar are at 1)."""
    ids = [site.pk for site in sites]
    found = dict(SiteCalendar.objects.filter(site_id__in=ids).values_list("site_id", "key_version"))
    return {pk: found.get(pk, 1) for pk in ids}


def _load(token: str) -> dict[str, Any] | None:
    try:
        payload = _signer().unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return payload if isinstance(payload, dict) else None


def _int(value: Any) -> int | None:
    # bool is an int subclass; a key never holds one.
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    return None


def person_for_token(token: str) -> Person | None:
    """The person whose feed `token` opens; None when it is forged, revoked or theirs is gone."""
    payload = _load(token)
    if payload is None:
        return None
    pk, version = _int(payload.get("p")), _int(payload.get("v"))
    if pk is None or version is None:
        return None
    person = Person.objects.filter(pk=pk).first()
    if person is None or _personal_version(person) != version:
        return None
    return person


def site_for_token(token: str) -> Site | None:
    """The site whose feed `token` opens; None when it is forged, revoked or the site is gone."""
    payload = _load(token)
    if payload is None:
        return None
    pk, version = _int(payload.get("s")), _int(payload.get("v"))
    if pk is None or version is None:
        return None
    site = Site.objects.filter(pk=pk).first()
    if site is None or _site_version(site) != version:
        return None
    return site


# -- calendars -------------------------------------------------------------------------------


def _new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//Volunteering//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    # Ask clients to refresh a few times a day (RFC 7986 and the older Microsoft spelling).
    calendar.add("refresh-interval", "PT4H", parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT4H")
    return calendar


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _address(site: Site) -> str:
    city_line = " ".join(p for p in (site.state, site.zip_code) if p)
    parts = [site.name, site.address, site.city, city_line]
    return ", ".join(p for p in parts if p)


def _contact(site: Site) -> str:
    parts = [p for p in (site.contact_name, site.contact_phone, site.contact_email) if p]
    if not parts:
        return ""
    return _("Site contact: %(contact)s") % {"contact": ", ".join(parts)}


def _event(
    *,
    uid: str,
    shift: Shift,
    summary: str,
    description: list[str],
    status: str,
    stamp: dt.datetime,
    busy: bool = True,
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("last-modified", _utc(shift.updated_at))
    event.add("dtstart", _utc(shift.starts_at))
    event.add("dtend", _utc(shift.ends_at))
    event.add("summary", summary)
    event.add("location", _address(shift.opportunity.site))
    event.add("description", "\n\n".join(line for line in description if line))
    event.add("status", status)
    event.add("transp", "OPAQUE" if busy and status != "CANCELLED" else "TRANSPARENT")
    return event


def personal_signups(person: Person, *, now: dt.datetime | None = None) -> list[SignUp]:
    """The sign-ups a person's feed shows, in one query: active ones on shifts from 30 days
    ago on, and ones cancelled in the last 30 days (shown as cancelled)."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=PAST_DAYS)
    cancelled = Q(status=S.SHIFT_CANCELLED, shift__updated_at__gte=since) | Q(
        status__in=[S.CANCELLED, S.OFFER_LAPSED], cancelled_at__gte=since
    )
    return list(
        SignUp.objects.filter(person=person, shift__starts_at__gte=since)
        .filter(Q(status__in=FEED_STATUSES) | cancelled)
        .select_related("shift__opportunity__site")
        .order_by("shift__starts_at", "id")
    )


def _signup_event(signup: SignUp, stamp: dt.datetime) -> Event:
    shift = signup.shift
    title = shift.opportunity.title
    description = [shift.notes, _contact(shift.opportunity.site)]
    cancelled = signup.status in CANCELLED_STATUSES or shift.is_cancelled
    if cancelled:
        status = "CANCELLED"
        if signup.status == S.SHIFT_CANCELLED or shift.is_cancelled:
            why = _("This shift was cancelled.")
            if shift.cancel_reason:
                why = f"{why} {shift.cancel_reason}"
        else:
            why = _("You are no longer signed up for this shift.")
        description.insert(0, why)
    elif signup.status == S.WAITLISTED:
        status = "TENTATIVE"
        title = _("Waitlist #%(position)s: %(title)s") % {
            "position": signup.waitlist_position,
            "title": title,
        }
    elif signup.status == S.OFFERED:
        status = "TENTATIVE"
        if signup.offer_expires_at is not None:
            deadline = signup.offer_expires_at.astimezone(shift.tz)
            description.insert(
                0,
                _("A seat is offered to you: confirm it by %(deadline)s.")
                % {"deadline": f"{deadline:%Y-%m-%d %H:%M} ({shift.timezone})"},
            )
    else:
        status = "CONFIRMED"
    return _event(
        uid=f"signup-{signup.pk}@{UID_DOMAIN}",
        shift=shift,
        summary=title,
        description=description,
        status=status,
        stamp=stamp,
    )


def personal_calendar(person: Person, *, now: dt.datetime | None = None) -> bytes:
    now = now or timezone.now()
    calendar = _new_calendar(_("%(site)s: my volunteer shifts") % {"site": settings.SITE_NAME})
    stamp = _utc(now).replace(microsecond=0)
    for signup in personal_signups(person, now=now):
        calendar.add_component(_signup_event(signup, stamp))
    return calendar.to_ical()


def site_shifts(site: Site, *, now: dt.datetime | None = None) -> list[Shift]:
    """The site's shifts from 30 days ago to 180 days ahead, in one query."""
    now = now or timezone.now()
    return list(
        Shift.objects.filter(
            opportunity__site=site,
            starts_at__gte=now - dt.timedelta(days=PAST_DAYS),
            starts_at__lte=now + dt.timedelta(days=SITE_AHEAD_DAYS),
        )
        .select_related("opportunity__site")
        .order_by("starts_at", "id")
    )


def _shift_event(shift: Shift, stamp: dt.datetime) -> Event:
    if shift.is_cancelled:
        lines = [_("This shift was cancelled.")]
        if shift.cancel_reason:
            lines.append(shift.cancel_reason)
    else:
        lines = [
            _("Seats open: %(open)d of %(capacity)d.")
            % {"open": shift.seats_open, "capacity": shift.capacity}
        ]
        if shift.waitlist_length:
            lines.append(_("On the waitlist: %(count)d.") % {"count": shift.waitlist_length})
    return _event(
        uid=f"shift-{shift.pk}@{UID_DOMAIN}",
        shift=shift,
        summary=shift.opportunity.title,
        description=[" ".join(lines), shift.notes],
        status="CANCELLED" if shift.is_cancelled else "CONFIRMED",
        stamp=stamp,
        busy=False,  # a site's shifts are not its subscribers' busy time
    )


def site_calendar(site: Site, *, now: dt.datetime | None = None) -> bytes:
    """The site's shifts with their open seats; never the names of who signed up."""
    now = now or timezone.now()
    calendar = _new_calendar(_("%(site)s: volunteer shifts") % {"site": site.name})
    stamp = _utc(now).replace(microsecond=0)
    for shift in site_shifts(site, now=now):
        calendar.add_component(_shift_event(shift, stamp))
    return calendar.to_ical()

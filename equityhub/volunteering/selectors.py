"""Every read in volunteering. Objects reached by id go through a `get_*_for_user` choke-point
that answers 404 to anyone who may not see them (ids outside 1..2^63-1 are 404 too)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from equityhub.accounts.rules import is_office_staff
from equityhub.people.models import Person
from equityhub.people.selectors import person_of, valid_id
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
    Transcript,
    VolunteerSettings,
)
from equityhub.volunteering.rules import can_manage_shift, manages_site, supervised_site_ids

S = SignUp.Status


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


# -- sites -----------------------------------------------------------------------------------


def managed_sites(user: Any) -> QuerySet[Site]:
    """Sites the user runs: all for office staff, their own for site supervisors."""
    if is_office_staff(user):
        return Site.objects.all()
    return Site.objects.filter(pk__in=supervised_site_ids(user))


def sites_for_user(user: Any) -> QuerySet[Site]:
    """Sites a signed-in user may look at: active ones, plus any they run."""
    if not _authenticated(user):
        return Site.objects.none()
    if is_office_staff(user):
        return Site.objects.all()
    return Site.objects.filter(Q(is_active=True) | Q(pk__in=supervised_site_ids(user)))


def get_site_for_user(user: Any, site_id: Any) -> Site:
    pk = valid_id(site_id)
    site = sites_for_user(user).select_related("organization", "area").filter(pk=pk).first()
    if site is None:
        raise Http404
    return site


def get_site_for_manager(user: Any, site_id: Any) -> Site:
    pk = valid_id(site_id)
    site = managed_sites(user).select_related("organization", "area").filter(pk=pk).first()
    if site is None:
        raise Http404
    return site


# -- opportunities and shifts ----------------------------------------------------------------


def _opportunity_relations(queryset: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    return queryset.select_related("site").prefetch_related(
        "credential_types",
        Prefetch("language_requirements", queryset=LanguageRequirement.objects.order_by("id")),
    )


def opportunities_for_user(user: Any) -> QuerySet[Opportunity]:
    if not _authenticated(user):
        return Opportunity.objects.none()
    if is_office_staff(user):
        return Opportunity.objects.all()
    managed = supervised_site_ids(user)
    return Opportunity.objects.filter(
        Q(is_active=True, site__is_active=True) | Q(site_id__in=managed)
    )


def get_opportunity_for_user(user: Any, opportunity_id: Any) -> Opportunity:
    pk = valid_id(opportunity_id)
    found = _opportunity_relations(opportunities_for_user(user)).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_opportunity_for_manager(user: Any, opportunity_id: Any) -> Opportunity:
    found = get_opportunity_for_user(user, opportunity_id)
    if not manages_site(user, found.site_id):
        raise Http404
    return found


def shifts_for_user(user: Any) -> QuerySet[Shift]:
    return Shift.objects.filter(opportunity__in=opportunities_for_user(user))


def _shift_relations(queryset: QuerySet[Shift]) -> QuerySet[Shift]:
    return queryset.select_related("opportunity__site", "supervisor", "series")


def get_shift_for_user(user: Any, shift_id: Any) -> Shift:
    pk = valid_id(shift_id)
    shift = _shift_relations(shifts_for_user(user)).filter(pk=pk).first()
    if shift is None:
        raise Http404
    return shift


def get_shift_for_manager(user: Any, shift_id: Any) -> Shift:
    """A shift whose roster the user runs (its site's supervisors, its own supervisor, staff)."""
    pk = valid_id(shift_id)
    if not _authenticated(user):
        raise Http404
    shift = _shift_relations(Shift.objects.filter(pk=pk)).first()
    if shift is None or not can_manage_shift(user, shift):
        raise Http404
    return shift


def get_series_for_manager(user: Any, series_id: Any) -> ShiftSeries:
    pk = valid_id(series_id)
    series = ShiftSeries.objects.select_related("opportunity__site").filter(pk=pk).first()
    if series is None or not manages_site(user, series.opportunity.site_id):
        raise Http404
    return series


@dataclass
class ShiftFilters:
    site_id: int | None = None
    opportunity_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    eligible_only: bool = False
    with_open_seats: bool = False
    # Paging by cursor: only shifts after this one (in start order), for "later shifts".
    after_shift_id: int | None = None


@dataclass
class ShiftRow:
    shift: Shift
    problems: list[eligibility.Problem] = field(default_factory=list)
    my_signup: SignUp | None = None

    @property
    def eligible(self) -> bool:
        return not self.problems


def upcoming_shifts(user: Any, filters: ShiftFilters) -> QuerySet[Shift]:
    now = timezone.now()
    queryset = shifts_for_user(user).filter(status=Shift.Status.SCHEDULED, starts_at__gt=now)
    if filters.site_id:
        queryset = queryset.filter(opportunity__site_id=filters.site_id)
    if filters.opportunity_id:
        queryset = queryset.filter(opportunity_id=filters.opportunity_id)
    if filters.after_shift_id:
        cursor = (
            Shift.objects.filter(pk=filters.after_shift_id)
            .values_list("starts_at", flat=True)
            .first()
        )
        if cursor is not None:
            queryset = queryset.filter(
                Q(starts_at__gt=cursor) | Q(starts_at=cursor, pk__gt=filters.after_shift_id)
            )
    tz = timezone.get_current_timezone()
    if filters.start:
        queryset = queryset.filter(
            starts_at__gte=dt.datetime.combine(filters.start, dt.time.min, tzinfo=tz)
        )
    if filters.end:
        queryset = queryset.filter(
            starts_at__lt=dt.datetime.combine(
                filters.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
        )
    if filters.with_open_seats:
        from django.db.models import F  # noqa: PLC0415

        queryset = queryset.filter(seats_taken__lt=F("capacity"))
    # Lists never show the long descriptions: leave them in the database.
    return (
        queryset.select_related("opportunity__site")
        .defer("opportunity__description", "opportunity__site__description")
        .order_by("starts_at", "id")
    )


@dataclass
class Requirements:
    credential_types: list[CredentialType]
    languages: list[tuple[str, str]]


def requirements_for(
    opportunity_ids: Iterable[int], *, types: dict[int, CredentialType] | None = None
) -> dict[int, Requirements]:
    """The credential types and languages each opportunity asks for, in three light queries
    (two when the credential types, a handful, are given by id), with no object per
    opportunity: a page of shifts judges many opportunities."""
    ids = set(opportunity_ids)
    found = {pk: Requirements(credential_types=[], languages=[]) for pk in ids}
    if not ids:
        return found
    # All credential types (a handful) in one query, and the links as plain pairs: no object
    # per link, and the same queries whether or not any opportunity asks for a credential.
    if types is None:
        types = {kind.pk: kind for kind in CredentialType.objects.all()}
    through = Opportunity.credential_types.through
    for opportunity_id, type_id in through.objects.filter(opportunity_id__in=ids).values_list(
        "opportunity_id", "credentialtype_id"
    ):
        found[opportunity_id].credential_types.append(types[type_id])
    for opportunity_id, language, level in (
        LanguageRequirement.objects.filter(opportunity_id__in=ids)
        .order_by("id")
        .values_list("opportunity_id", "language", "min_proficiency")
    ):
        found[opportunity_id].languages.append((language, level))
    return found


def shift_rows(
    user: Any,
    shifts: Iterable[Shift],
    *,
    person: Person | None = None,
    judge: _Judge | None = None,
) -> list[ShiftRow]:
    """Each shift with why `person` (the user's own, by default) may not sign up and their
    sign-up on it, in a fixed number of queries however many shifts there are. A `judge` that
    already read the person's facts and the opportunities' requirements saves reading them
    again."""
    shifts = list(shifts)
    person = person or person_of(user)
    if person is None:
        # No registry record yet: nothing to judge, and nobody to sign up.
        missing = eligibility.Problem(
            "no_profile", gettext("needs a profile in the registry first (My profile)")
        )
        return [ShiftRow(shift=s, problems=[missing]) for s in shifts]
    if not shifts:
        return []
    judge = judge or _Judge(person)
    # The shifts come with `opportunity` joined; their requirements take two queries.
    judge.load_requirements({shift.opportunity_id for shift in shifts})
    requirements = judge.requirements
    orientation = judge.orientation
    facts = judge.facts
    mine = {
        s.shift_id: s
        for s in SignUp.objects.filter(
            person=person, status__in=SignUp.ACTIVE, shift_id__in=[s.pk for s in shifts]
        )
    }
    rows = []
    for shift in shifts:
        needs = requirements[shift.opportunity_id]
        problems = eligibility.problems(
            facts,
            shift.opportunity,
            on=shift.local_start.date(),
            credential_types=needs.credential_types,
            languages=needs.languages,
            orientation_type=orientation,
        )
        rows.append(ShiftRow(shift=shift, problems=problems, my_signup=mine.get(shift.pk)))
    return rows


# What judging eligibility reads of an opportunity (and its site, for the orientation's name).
JUDGED_FIELDS = (
    "id",
    "site_id",
    "requires_orientation",
    "min_training_level",
    "min_age",
    "site__id",
    "site__name",
)


class _Judge:
    """Whether one person may take shifts of an opportunity on a day, remembered per
    (opportunity, day): a month of shifts has far fewer of those than shifts."""

    def __init__(self, person: Person) -> None:
        self.facts = eligibility.facts_for(person)
        self.types = {kind.pk: kind for kind in CredentialType.objects.all()}
        self.orientation = next(
            (kind for kind in self.types.values() if kind.code == ORIENTATION_CODE), None
        )
        self.opportunities: dict[int, Opportunity] = {}
        self.requirements: dict[int, Requirements] = {}
        self.verdicts: dict[tuple[int, dt.date], bool] = {}
        self.zones: dict[str, zoneinfo.ZoneInfo] = {}

    def load_requirements(self, opportunity_ids: Iterable[int]) -> None:
        missing = {pk for pk in opportunity_ids if pk not in self.requirements}
        if missing:
            self.requirements.update(requirements_for(missing, types=self.types))

    def load(self, opportunity_ids: Iterable[int]) -> None:
        missing = {pk for pk in opportunity_ids if pk not in self.opportunities}
        if missing:
            self.opportunities.update(
                Opportunity.objects.select_related("site").only(*JUDGED_FIELDS).in_bulk(missing)
            )
            self.requirements.update(requirements_for(missing, types=self.types))

    def eligible(self, opportunity_id: int, starts_at: dt.datetime, tz_name: str) -> bool:
        zone = self.zones.get(tz_name) or self.zones.setdefault(tz_name, zoneinfo.ZoneInfo(tz_name))
        day = starts_at.astimezone(zone).date()
        key = (opportunity_id, day)
        if key not in self.verdicts:
            needs = self.requirements[opportunity_id]
            self.verdicts[key] = eligibility.is_eligible(
                self.facts,
                self.opportunities[opportunity_id],
                on=day,
                credential_types=needs.credential_types,
                languages=needs.languages,
                orientation_type=self.orientation,
            )
        return self.verdicts[key]


def open_shifts_for_me(user: Any, filters: ShiftFilters, *, limit: int = 50) -> list[ShiftRow]:
    """Upcoming shifts with the user's eligibility; `eligible_only` drops the others.

    For "eligible only", shifts are judged from their keys (id, opportunity, start) read in
    chunks, without building shift objects; only the chosen page is then loaded in full.
    """
    queryset = upcoming_shifts(user, filters)
    person = person_of(user)
    if not filters.eligible_only or person is None:
        return shift_rows(user, queryset[:limit], person=person)
    judge = _Judge(person)
    keys = queryset.values_list("pk", "opportunity_id", "starts_at", "timezone")
    chosen: list[int] = []
    chunk = 500
    offset = 0
    while len(chosen) < limit:
        batch = list(keys[offset : offset + chunk])
        judge.load(opportunity_id for _pk, opportunity_id, _start, _tz in batch)
        for pk, opportunity_id, starts_at, tz_name in batch:
            if judge.eligible(opportunity_id, starts_at, tz_name):
                chosen.append(pk)
                if len(chosen) == limit:
                    break
        if len(batch) < chunk:
            break
        offset += chunk
    if not chosen:
        return []
    return shift_rows(user, queryset.filter(pk__in=chosen), person=person, judge=judge)


def roster(shift: Shift) -> list[SignUp]:
    """Everyone on the shift: seated first (by name), then the waitlist in order."""
    signups = list(
        SignUp.objects.filter(shift=shift, status__in=SignUp.ACTIVE)
        .select_related("person")
        .order_by("waitlist_position", "person__family_name", "person__given_name", "id")
    )
    seated = [s for s in signups if s.status != S.WAITLISTED]
    waiting = [s for s in signups if s.status == S.WAITLISTED]
    return seated + waiting


def series_of_site(site: Site) -> QuerySet[ShiftSeries]:
    return ShiftSeries.objects.filter(opportunity__site=site).select_related("opportunity")


# -- sign-ups --------------------------------------------------------------------------------


def get_signup_for_user(user: Any, signup_id: Any) -> SignUp:
    """One's own sign-up, or one on a shift the user runs."""
    pk = valid_id(signup_id)
    if not _authenticated(user):
        raise Http404
    signup = (
        SignUp.objects.select_related("shift__opportunity__site", "person").filter(pk=pk).first()
    )
    if signup is None:
        raise Http404
    person = person_of(user)
    own = person is not None and signup.person_id == person.pk
    if not own and not can_manage_shift(user, signup.shift):
        raise Http404
    return signup


def signups_of(person: Person) -> QuerySet[SignUp]:
    return SignUp.objects.filter(person=person).select_related("shift__opportunity__site")


def upcoming_signups_of(person: Person) -> QuerySet[SignUp]:
    return (
        signups_of(person)
        .filter(status__in=SignUp.ACTIVE, shift__ends_at__gt=timezone.now())
        .order_by("shift__starts_at")
    )


def offers_of(person: Person) -> QuerySet[SignUp]:
    return signups_of(person).filter(status=S.OFFERED).order_by("offer_expires_at")


# -- hours -----------------------------------------------------------------------------------


def hours_of(person: Person) -> QuerySet[HoursEntry]:
    return HoursEntry.objects.filter(person=person).select_related("site")


@dataclass
class HoursTotals:
    verified: Decimal
    submitted: Decimal
    rejected: Decimal


def hours_totals(person: Person) -> HoursTotals:
    sums = {
        row["status"]: row["total"]
        for row in HoursEntry.objects.filter(person=person)
        .values("status")
        .annotate(total=Sum("hours"))
    }
    return HoursTotals(
        verified=sums.get(HoursEntry.Status.VERIFIED) or Decimal(0),
        submitted=sums.get(HoursEntry.Status.SUBMITTED) or Decimal(0),
        rejected=sums.get(HoursEntry.Status.REJECTED) or Decimal(0),
    )


def get_hours_for_user(user: Any, entry_id: Any) -> HoursEntry:
    """One's own entry, or one the user reviews (the site's supervisors; office staff)."""
    pk = valid_id(entry_id)
    if not _authenticated(user):
        raise Http404
    entry = HoursEntry.objects.select_related("person", "site").filter(pk=pk).first()
    if entry is None:
        raise Http404
    person = person_of(user)
    own = person is not None and entry.person_id == person.pk
    if not own and not manages_site(user, entry.site_id):
        raise Http404
    return entry


def hours_to_review(user: Any) -> QuerySet[HoursEntry]:
    """Submitted entries the user may verify: at sites they run (office staff: all, including
    service elsewhere), never their own."""
    queryset = HoursEntry.objects.filter(status=HoursEntry.Status.SUBMITTED)
    if not is_office_staff(user):
        queryset = queryset.filter(site_id__in=supervised_site_ids(user))
    person = person_of(user)
    if person is not None:
        queryset = queryset.exclude(person=person)
    return queryset.select_related("person", "site", "signup").order_by("date", "id")


# -- credentials -----------------------------------------------------------------------------


def credential_types() -> QuerySet[CredentialType]:
    return CredentialType.objects.order_by("name")


def credentials_of(person: Person) -> QuerySet[Credential]:
    return Credential.objects.filter(person=person).select_related("credential_type", "site")


def get_credential_for_user(user: Any, credential_id: Any) -> Credential:
    """One's own credential; office staff see all; a site's supervisors see that site's."""
    pk = valid_id(credential_id)
    if not _authenticated(user):
        raise Http404
    credential = (
        Credential.objects.select_related("person", "credential_type", "site").filter(pk=pk).first()
    )
    if credential is None:
        raise Http404
    person = person_of(user)
    own = person is not None and credential.person_id == person.pk
    site_manager = credential.site_id is not None and manages_site(user, credential.site_id)
    if not (own or is_office_staff(user) or site_manager):
        raise Http404
    return credential


def credentials_to_review(user: Any) -> QuerySet[Credential]:
    queryset = Credential.objects.filter(status=Credential.Status.SUBMITTED)
    if not is_office_staff(user):
        queryset = queryset.filter(site_id__in=supervised_site_ids(user))
    person = person_of(user)
    if person is not None:
        queryset = queryset.exclude(person=person)
    return queryset.select_related("person", "credential_type", "site").order_by("created_at")


# -- settings and transcripts ----------------------------------------------------------------


def settings_of(person: Person) -> VolunteerSettings | None:
    return VolunteerSettings.objects.filter(person=person).first()


def transcripts_of(person: Person) -> QuerySet[Transcript]:
    return Transcript.objects.filter(person=person).order_by("-issued_at")


def get_transcript_for_user(user: Any, transcript_id: Any) -> Transcript:
    pk = valid_id(transcript_id)
    if not _authenticated(user):
        raise Http404
    transcript = Transcript.objects.filter(pk=pk).first()
    if transcript is None:
        raise Http404
    person = person_of(user)
    own = person is not None and transcript.person_id == person.pk
    if not own and not is_office_staff(user):
        raise Http404
    return transcript


def transcript_by_code(code: str) -> Transcript | None:
    """The public verification lookup. Codes are 16 characters of a 32-letter alphabet."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(cleaned) != 16:
        return None
    return Transcript.objects.filter(code=cleaned).first()

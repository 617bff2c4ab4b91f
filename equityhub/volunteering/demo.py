"""The volunteering part of the St. Louis demo: clinics, a season of shifts, sign-ups and hours.

Real St. Louis flavor, fictional specifics: a student-run Saturday free clinic in Old North,
community health centers in North St. Louis ZIP codes, and a refugee health night in Gravois
Park that needs Arabic, Spanish and Dari speakers. Every site is made up and says so in its name.

What exists today goes through the services, as the office would do it: sites, opportunities,
recurring series (whose shifts reach about twelve weeks back and a month ahead), credentials
(with a tiny generated PDF as evidence) and their verification, the latest shift of each
opportunity checked in by its supervisor, and every upcoming sign-up, cancellation and
waitlist entry. The past season before that is loaded as records (sign-ups, attendance and
verified hours written in bulk): the services rightly refuse to sign anyone up for a shift
that has started, so history cannot be replayed through them.

Idempotent: when the Saturday clinic exists, the demo is loaded and nothing is written (only the
supervisor's role is granted if it went missing). Deterministic for a seed and a day.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from equityhub.accounts.models import RoleAssignment, User
from equityhub.accounts.services import grant_role
from equityhub.core import demo_data
from equityhub.core.exceptions import ServiceError
from equityhub.people.models import (
    PROFICIENCY_ORDER,
    Language,
    Organization,
    Person,
    Proficiency,
    TrainingLevel,
)
from equityhub.people.selectors import current_affiliations
from equityhub.places.models import Area, Site
from equityhub.volunteering import eligibility, services
from equityhub.volunteering.models import (
    ORIENTATION_CODE,
    Credential,
    CredentialType,
    HoursEntry,
    Opportunity,
    Shift,
    SignUp,
)

S = SignUp.Status
SATURDAY_CLINIC = demo_data.SATURDAY_CLINIC
WEEKS_BACK = 12
DAYS_AHEAD = 31
POOL_SIZE = 60  # volunteers with credentials; the rest of the students have not started yet
VOLUNTEER_LEVELS = (TrainingLevel.MEDICAL_STUDENT, TrainingLevel.GRADUATE_STUDENT)
PDF = b"%PDF-1.4\n%demo evidence: a fictional certificate\n%%EOF\n"
# Late cancellations, no-shows and left-early rejections in the past season (shares).
NO_SHOW_SHARE = 0.05
CANCELLED_SHARE = 0.05
REJECTED_SHARE = 0.02


@dataclass(frozen=True)
class DemoArea:
    code: str
    name: str
    lat: float
    lon: float


AREAS: tuple[DemoArea, ...] = (
    DemoArea("63106", "Old North / St. Louis Place", 38.650, -90.197),
    DemoArea("63107", "Hyde Park / Fairground / College Hill", 38.664, -90.212),
    DemoArea("63113", "The Ville / Greater Ville", 38.657, -90.232),
    DemoArea("63115", "Penrose / O'Fallon / Mark Twain", 38.678, -90.237),
    DemoArea("63120", "Walnut Park / North Riverview", 38.690, -90.252),
    DemoArea("63118", "Gravois Park / Benton Park West", 38.596, -90.230),
)


@dataclass(frozen=True)
class DemoSite:
    name: str
    kind: str
    zip_code: str
    address: str
    hours: str
    contact_name: str
    contact_email: str
    contact_phone: str
    description: str
    serves: tuple[str, ...]
    organization: str = ""


SITES: tuple[DemoSite, ...] = (
    DemoSite(
        SATURDAY_CLINIC,
        Site.Kind.CLINIC,
        "63106",
        "2810 N. 14th St.",
        "Saturdays 8:00 a.m. to 1:00 p.m.",
        "Kenan Begi\u0107",
        "saturday.clinic@example.org",
        "314-555-0141",
        "A student-run free clinic for uninsured adults: intake, vitals, labs and referrals, "
        "supervised by volunteer physicians. Walk-ins welcome.",
        ("63106", "63107", "63113"),
    ),
    DemoSite(
        "Fairground Park Community Health Center (fictional)",
        Site.Kind.CLINIC,
        "63107",
        "3915 N. Grand Blvd.",
        "Mon-Fri 8:00 a.m. to 5:00 p.m.; Tuesday evening clinic until 8:30 p.m.",
        "Monique Gaines",
        "fairground.chc@example.org",
        "314-555-0142",
        "A federally qualified health center: primary care, prenatal care and dental.",
        ("63107", "63113", "63115"),
        demo_data.NORTHSIDE,
    ),
    DemoSite(
        "The Ville Family Health Center (fictional)",
        Site.Kind.CLINIC,
        "63113",
        "4250 Martin Luther King Dr.",
        "Mon-Fri 8:00 a.m. to 6:00 p.m.; Wednesday classes 6:00-8:00 p.m.",
        "Cedric Toliver",
        "ville.fhc@example.org",
        "314-555-0143",
        "Family medicine, chronic-disease management and a diabetes prevention program.",
        ("63113", "63106"),
        demo_data.NORTHSIDE,
    ),
    DemoSite(
        "Penrose Community Health Center (fictional)",
        Site.Kind.CLINIC,
        "63115",
        "5520 Natural Bridge Ave.",
        "Mon-Fri 8:00 a.m. to 7:00 p.m.",
        "Latoya Pruitt",
        "penrose.chc@example.org",
        "314-555-0144",
        "Pediatrics and school-based care for the Penrose, O'Fallon and Mark Twain neighborhoods.",
        ("63115", "63120"),
        demo_data.NORTHSIDE,
    ),
    DemoSite(
        "Walnut Park Family Health Center (fictional)",
        Site.Kind.CLINIC,
        "63120",
        "5900 W. Florissant Ave.",
        "Mon-Fri 9:00 a.m. to 5:00 p.m.; Friday vaccine clinic 1:00-5:00 p.m.",
        "Jerome Whitfield",
        "walnutpark.fhc@example.org",
        "314-555-0145",
        "Primary care, immunizations and a walk-in vaccine clinic.",
        ("63120", "63115"),
        demo_data.NORTHSIDE,
    ),
    DemoSite(
        "Gravois Park International Community Center (fictional)",
        Site.Kind.COMMUNITY,
        "63118",
        "3215 Cherokee St.",
        "Refugee health night: every other Thursday 5:30-8:30 p.m.",
        "Neema Ilunga",
        "refugee.night@example.org",
        "314-555-0146",
        "A refugee health night for newly arrived families: screenings, medication questions "
        "and help finding a medical home, in the families' own languages.",
        ("63118",),
        demo_data.GRAVOIS_PARK,
    ),
)


@dataclass(frozen=True)
class DemoOpportunity:
    site: str
    title: str
    description: str
    credentials: tuple[str, ...]
    weekday: int  # Monday is 0
    start: dt.time
    minutes: int
    capacity: int
    every_weeks: int = 1
    min_training_level: str = ""
    orientation: bool = False
    languages: tuple[tuple[str, str], ...] = ()
    supervised: bool = False  # the demo supervisor runs these shifts


HIPAA, TB = "hipaa", "tb-test"
CONVERSATIONAL = Proficiency.CONVERSATIONAL
REFUGEE_NIGHT = SITES[5].name

OPPORTUNITIES: tuple[DemoOpportunity, ...] = (
    DemoOpportunity(
        SATURDAY_CLINIC,
        "Saturday clinic: student intake volunteer",
        "Greet patients, take histories and vitals with the team, and run labs to the lab "
        "station. Arrive 15 minutes early for the huddle.",
        (HIPAA, TB),
        5,
        dt.time(8, 0),
        300,
        6,
        min_training_level=TrainingLevel.MEDICAL_STUDENT,
        orientation=True,
        supervised=True,
    ),
    DemoOpportunity(
        SATURDAY_CLINIC,
        "Saturday clinic: Spanish-speaking patient navigator",
        "Walk Spanish-speaking patients through the visit, the pharmacy and their follow-up "
        "appointments.",
        (HIPAA, TB),
        5,
        dt.time(8, 0),
        300,
        2,
        orientation=True,
        languages=((Language.SPANISH, CONVERSATIONAL),),
        supervised=True,
    ),
    DemoOpportunity(
        SITES[1].name,
        "Tuesday evening clinic: vitals and intake volunteer",
        "Room patients and take vitals for the evening clinic.",
        (HIPAA, TB),
        1,
        dt.time(17, 30),
        180,
        3,
        min_training_level=TrainingLevel.MEDICAL_STUDENT,
    ),
    DemoOpportunity(
        SITES[2].name,
        "Diabetes prevention class: student health coach",
        "Co-lead a small group of the evening diabetes prevention class.",
        (HIPAA,),
        2,
        dt.time(18, 0),
        120,
        4,
    ),
    DemoOpportunity(
        SITES[3].name,
        "After-school sports physicals: student assistant",
        "Measure height, weight and vision for sports physicals.",
        (HIPAA, TB),
        0,
        dt.time(16, 0),
        180,
        3,
    ),
    DemoOpportunity(
        SITES[4].name,
        "Vaccine clinic: check-in and observation volunteer",
        "Check patients in and watch the 15-minute observation area.",
        (HIPAA, TB),
        4,
        dt.time(13, 0),
        240,
        4,
        every_weeks=2,
    ),
    DemoOpportunity(
        REFUGEE_NIGHT,
        "Refugee health night: Arabic-speaking navigator",
        "Help Arabic-speaking families through screenings and medication questions.",
        (HIPAA,),
        3,
        dt.time(17, 30),
        180,
        2,
        every_weeks=2,
        languages=((Language.ARABIC, CONVERSATIONAL),),
    ),
    DemoOpportunity(
        REFUGEE_NIGHT,
        "Refugee health night: Spanish-speaking navigator",
        "Help Spanish-speaking families through screenings and medication questions.",
        (HIPAA,),
        3,
        dt.time(17, 30),
        180,
        2,
        every_weeks=2,
        languages=((Language.SPANISH, CONVERSATIONAL),),
    ),
    DemoOpportunity(
        REFUGEE_NIGHT,
        "Refugee health night: Dari-speaking navigator",
        "Help Afghan families who speak Dari through screenings and medication questions.",
        (HIPAA,),
        3,
        dt.time(17, 30),
        180,
        2,
        every_weeks=2,
        languages=((Language.DARI, CONVERSATIONAL),),
    ),
)

# Service elsewhere that volunteers log themselves: (where, activity, hours).
ELSEWHERE: tuple[tuple[str, str, str], ...] = (
    (
        "Gateway Neighborhood Health Fair (fictional)",
        "Blood-pressure screening tent",
        "3.5",
    ),
    ("North City Food Pantry (fictional)", "Nutrition table and food distribution", "4"),
    ("Fairground High School (fictional) career day", "Health careers panel", "2"),
)


@dataclass
class Context:
    actor: User
    coordinator: User
    supervisor: User | None
    student: Person | None
    student_user: User | None
    rng: random.Random
    today: dt.date
    now: dt.datetime
    created: Counter[str]
    credential_types: dict[str, CredentialType]


def load(*, actor: User, seed: int, today: dt.date) -> Counter[str]:
    """Load the volunteering demo unless it is there; returns what was created, by kind.

    `actor` is the office administrator who sets the sites up. Side effects: areas, sites,
    opportunities, series and shifts, credentials, sign-ups and hours, each written by its
    service (with its audit entry and e-mail) except the past season, which is loaded as
    records; the demo supervisor's SITE_SUPERVISOR role scoped to the Saturday clinic.
    """
    created: Counter[str] = Counter()
    with transaction.atomic():
        supervisor = _login_user("supervisor")
        existing = Site.objects.filter(name=SATURDAY_CLINIC).first()
        if existing is not None:
            _ensure_supervisor_role(supervisor, existing, actor=actor, created=created)
            return created
        context = Context(
            actor=actor,
            coordinator=_login_user("coordinator") or actor,
            supervisor=supervisor,
            student=Person.objects.filter(email__iexact=_login_email("student")).first(),
            student_user=_login_user("student"),
            rng=random.Random(f"volunteering:{seed}"),  # noqa: S311 - demo data, on purpose
            today=today,
            now=timezone.now().replace(microsecond=0),
            created=created,
            credential_types={t.code: t for t in CredentialType.objects.all()},
        )
        sites = _create_sites(context)
        _ensure_supervisor_role(supervisor, sites[SATURDAY_CLINIC], actor=actor, created=created)
        opportunities = _create_opportunities(context, sites)
        shifts = _create_series(context, opportunities)
        pool = _volunteer_pool(context)
        _give_credentials(context, pool, sites[SATURDAY_CLINIC])
        facts = {person.pk: eligibility.facts_for(person, on=today) for person in pool}
        _load_past_season(context, pool, facts, shifts)
        _check_in_latest(context, shifts)
        _log_hours_elsewhere(context, pool)
        _sign_up_upcoming(context, pool, facts, shifts)
    return created


def summary() -> str:
    """One line for the demo's report."""
    now = timezone.now()
    verified = HoursEntry.objects.filter(status=HoursEntry.Status.VERIFIED).aggregate(
        total=Sum("hours")
    )["total"] or Decimal(0)
    return (
        f"  volunteering: {Site.objects.filter(opportunities__isnull=False).distinct().count()}"
        " sites, "
        f"{Opportunity.objects.count()} opportunities, {Shift.objects.count()} shifts "
        f"({Shift.objects.filter(starts_at__gt=now).count()} upcoming), "
        f"{SignUp.objects.count()} sign-ups, {HoursEntry.objects.count()} hours entries "
        f"({verified:,.1f} h verified, "
        f"{HoursEntry.objects.filter(status=HoursEntry.Status.SUBMITTED).count()} waiting)"
    )


# -- logins -----------------------------------------------------------------------------------


def _login_email(key: str) -> str:
    return f"{key}@{demo_data.LOGIN_DOMAIN}"


def _login_user(key: str) -> User | None:
    return User.objects.filter(email__iexact=_login_email(key)).first()


def _ensure_supervisor_role(
    supervisor: User | None, site: Site, *, actor: User, created: Counter[str]
) -> None:
    """The demo logins that supervise a site get SITE_SUPERVISOR scoped to it (see
    `DemoLogin.site`); the people demo leaves their role to this one, since it needs the site."""
    if supervisor is None:
        return
    for login in demo_data.LOGINS:
        if login.site != site.name or login.email.lower() != supervisor.email.lower():
            continue
        if RoleAssignment.objects.filter(
            user=supervisor, role=login.role, scope_id=site.pk, scope_type__model="site"
        ).exists():
            continue
        grant_role(user=supervisor, role=login.role, scope=site, actor=actor)
        created["roles"] += 1


# -- sites, opportunities, shifts -------------------------------------------------------------


def _create_sites(context: Context) -> dict[str, Site]:
    # Areas have no service (they are reference data, like ZIP code tabulation areas loaded
    # from the Census); the demo adds the ones its sites are in.
    areas: dict[str, Area] = {}
    for zcta in AREAS:
        area, made = Area.objects.get_or_create(
            kind=Area.Kind.ZCTA,
            code=zcta.code,
            defaults={"name": zcta.name, "centroid_lat": zcta.lat, "centroid_lon": zcta.lon},
        )
        areas[zcta.code] = area
        context.created["areas"] += int(made)
    organizations = {
        o.name: o
        for o in Organization.objects.filter(
            name__in={s.organization for s in SITES if s.organization}
        )
    }
    sites: dict[str, Site] = {}
    for spec in SITES:
        area = areas[spec.zip_code]
        site = services.create_site(
            actor=context.actor,
            name=spec.name,
            zip_code=spec.zip_code,
            kind=spec.kind,
            organization_id=(
                organizations[spec.organization].pk if spec.organization in organizations else None
            ),
            description=spec.description,
            address=spec.address,
            hours=spec.hours,
            contact_name=spec.contact_name,
            contact_email=spec.contact_email,
            contact_phone=spec.contact_phone,
            latitude=area.centroid_lat,
            longitude=area.centroid_lon,
        )
        services.set_site_areas_served(
            site=site, actor=context.actor, area_ids=[areas[code].pk for code in spec.serves]
        )
        sites[spec.name] = site
        context.created["sites"] += 1
    return sites


def _create_opportunities(
    context: Context, sites: dict[str, Site]
) -> list[tuple[DemoOpportunity, Opportunity]]:
    types = {t.code: t.pk for t in CredentialType.objects.all()}
    made = []
    for spec in OPPORTUNITIES:
        opportunity = services.save_opportunity(
            actor=context.actor,
            site=sites[spec.site],
            credential_type_ids=[types[code] for code in spec.credentials if code in types],
            languages=dict(spec.languages),
            title=spec.title,
            description=spec.description,
            min_training_level=spec.min_training_level,
            requires_orientation=spec.orientation,
        )
        made.append((spec, opportunity))
        context.created["opportunities"] += 1
    return made


def _create_series(
    context: Context, opportunities: list[tuple[DemoOpportunity, Opportunity]]
) -> list[Shift]:
    """One series per opportunity, from about twelve weeks ago to a month ahead."""
    weekday_names = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    season_start = context.today - dt.timedelta(weeks=WEEKS_BACK)
    last_day = context.today + dt.timedelta(days=DAYS_AHEAD)
    series_ids = []
    for spec, opportunity in opportunities:
        first = season_start + dt.timedelta(days=(spec.weekday - season_start.weekday()) % 7)
        step = 7 * spec.every_weeks
        count = (last_day - first).days // step + 1
        interval = f";INTERVAL={spec.every_weeks}" if spec.every_weeks > 1 else ""
        series = services.create_series(
            actor=context.actor,
            opportunity=opportunity,
            rrule=f"FREQ=WEEKLY{interval};BYDAY={weekday_names[spec.weekday]};COUNT={count}",
            first_start=dt.datetime.combine(first, spec.start),
            duration_minutes=spec.minutes,
            capacity=spec.capacity,
            supervisor=context.supervisor if spec.supervised else None,
        )
        series_ids.append(series.pk)
    shifts = list(
        Shift.objects.filter(series_id__in=series_ids)
        .select_related("opportunity__site")
        .prefetch_related("opportunity__credential_types", "opportunity__language_requirements")
        .order_by("starts_at", "id")
    )
    context.created["shifts"] += len(shifts)
    return shifts


# -- volunteers and credentials ---------------------------------------------------------------


def _volunteer_pool(context: Context) -> list[Person]:
    """Medical and graduate students (a deterministic sample, speakers of the refugee night's
    languages first) and the student login."""
    login_emails = {login.email.lower() for login in demo_data.LOGINS}
    students = [
        person
        for person in Person.objects.filter(
            pk__in=current_affiliations(context.today)
            .filter(training_level__in=VOLUNTEER_LEVELS)
            .values("person_id")
        )
        .prefetch_related("languages")
        .order_by("email")
        if person.email.lower() not in login_emails
    ]

    def speaks(person: Person, code: str) -> bool:
        return any(
            spoken.language == code
            and PROFICIENCY_ORDER[spoken.proficiency] >= PROFICIENCY_ORDER[CONVERSATIONAL]
            for spoken in person.languages.all()
        )

    chosen: list[Person] = []
    for code, most in ((Language.ARABIC, 6), (Language.DARI, 4), (Language.SPANISH, 10)):
        chosen.extend([p for p in students if speaks(p, code) and p not in chosen][:most])
    rest = [p for p in students if p not in chosen]
    chosen.extend(context.rng.sample(rest, min(len(rest), max(POOL_SIZE - len(chosen), 0))))
    chosen.sort(key=lambda p: p.email)
    if context.student is not None:
        chosen.insert(0, context.student)
    return chosen


def _evidence(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.pdf", PDF, content_type="application/pdf")


def _credential(
    context: Context,
    person: Person,
    code: str,
    *,
    issued_days_ago: int,
    site: Site | None = None,
    verifier: User | None = None,
) -> Credential:
    """Submitted by the person when they have a login (staff otherwise), verified by
    `verifier` unless it is None (then it waits for the office)."""
    credential_type = context.credential_types[code]
    own = context.student_user if person == context.student else None
    credential = services.submit_credential(
        person=person,
        actor=own or context.coordinator,
        credential_type=credential_type,
        issued_on=context.today - dt.timedelta(days=issued_days_ago),
        site=site,
        evidence=_evidence(code) if credential_type.requires_evidence else None,
    )
    context.created["credentials"] += 1
    if verifier is not None:
        credential = services.verify_credential(credential=credential, actor=verifier)
    return credential


def _give_credentials(context: Context, pool: list[Person], saturday: Site) -> None:
    """HIPAA and TB for everyone, the Saturday clinic's orientation for most. Two TB tests
    expire within the month (their owners get the 30-day notice and drop out of later
    shifts); two renewals wait for the office, with last year's test expired."""
    rng, office, supervisor = context.rng, context.coordinator, context.supervisor
    for index, person in enumerate(pool):
        student = person == context.student
        _credential(context, person, HIPAA, issued_days_ago=rng.randint(100, 320), verifier=office)
        if index in (3, 7):
            _credential(context, person, TB, issued_days_ago=350, verifier=office)
        elif index in (5, 11):
            _credential(context, person, TB, issued_days_ago=400, verifier=office)
            _credential(context, person, TB, issued_days_ago=rng.randint(2, 6), verifier=None)
        else:
            _credential(context, person, TB, issued_days_ago=rng.randint(100, 300), verifier=office)
        if student or rng.random() < 0.8:
            _credential(
                context,
                person,
                ORIENTATION_CODE,
                issued_days_ago=rng.randint(95, 400),
                site=saturday,
                verifier=supervisor or office,
            )


# -- the past season --------------------------------------------------------------------------


def _eligible(
    facts: eligibility.PersonFacts, shift: Shift, orientation: CredentialType | None
) -> bool:
    opportunity = shift.opportunity
    return not eligibility.problems(
        facts,
        opportunity,
        on=shift.local_start.date(),
        credential_types=list(opportunity.credential_types.all()),
        orientation_type=orientation,
    )


def _reviewer(context: Context, shift: Shift) -> User:
    if shift.supervisor is not None:
        return shift.supervisor
    return context.coordinator


def _latest_past(shifts: list[Shift], now: dt.datetime) -> set[int]:
    """The last finished shift of each opportunity: checked in through the services."""
    latest: dict[int, Shift] = {}
    for shift in shifts:
        if shift.ends_at < now:
            latest[shift.opportunity_id] = shift
    return {shift.pk for shift in latest.values()}


def _load_past_season(
    context: Context,
    pool: list[Person],
    facts: dict[int, eligibility.PersonFacts],
    shifts: list[Shift],
) -> None:
    """Sign-ups, attendance and verified hours of the finished shifts, as records.

    The services refuse sign-ups for shifts that have started, so history is written directly
    here, consistent with what the services would have left: seats within capacity, no
    overlapping shifts for one person, an hours entry for each attendance, and the shifts'
    seat counters recounted at the end. The latest finished shift of each opportunity gets
    confirmed sign-ups only: `_check_in_latest` records its attendance through the services.
    """
    rng, now = context.rng, context.now
    orientation = CredentialType.objects.filter(code=ORIENTATION_CODE).first()
    latest = _latest_past(shifts, now)
    busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    signups: list[SignUp] = []
    student_id = context.student.pk if context.student else None
    for shift in shifts:
        if shift.ends_at >= now:
            continue
        candidates = [
            person
            for person in pool
            if _eligible(facts[person.pk], shift, orientation)
            and not any(
                start < shift.ends_at and end > shift.starts_at
                for start, end in busy.get(person.pk, [])
            )
        ]
        student = next((p for p in candidates if p.pk == student_id), None)
        others = [p for p in candidates if p.pk != student_id]
        wanted = min(len(others), shift.capacity - rng.choice((0, 0, 0, 1)))
        chosen = rng.sample(others, wanted) if wanted > 0 else []
        # The student login comes to about every other Saturday clinic and refugee night.
        site_name = shift.opportunity.site.name
        if (
            student is not None
            and site_name in (SATURDAY_CLINIC, REFUGEE_NIGHT)
            and rng.random() < 0.3
        ):
            chosen = [*chosen[: shift.capacity - 1], student]
        for person in chosen:
            busy.setdefault(person.pk, []).append((shift.starts_at, shift.ends_at))
            signups.append(_past_signup(context, shift, person, latest=shift.pk in latest))
    SignUp.objects.bulk_create(signups)
    context.created["sign-ups"] += len(signups)
    entries = [
        _past_hours(context, signup)
        for signup in signups
        if signup.status == S.ATTENDED and signup.shift_id not in latest
    ]
    HoursEntry.objects.bulk_create(entries)
    context.created["hours entries"] += len(entries)
    _recount_seats([shift.pk for shift in shifts if shift.ends_at < now])


def _recount_seats(shift_ids: list[int]) -> None:
    """Set the seat counters of finished shifts from their sign-ups (nobody waits on them)."""
    seated = dict(
        SignUp.objects.filter(shift_id__in=shift_ids, status__in=SignUp.SEATED)
        .values("shift_id")
        .annotate(n=Count("id"))
        .values_list("shift_id", "n")
    )
    for pk in shift_ids:
        Shift.objects.filter(pk=pk).update(seats_taken=seated.get(pk, 0), waitlist_length=0)


def _past_signup(context: Context, shift: Shift, person: Person, *, latest: bool) -> SignUp:
    rng = context.rng
    signup = SignUp(
        shift=shift,
        person=person,
        source=SignUp.Source.SELF if person == context.student else SignUp.Source.STAFF,
        created_by=context.student_user if person == context.student else context.coordinator,
        confirmed_at=shift.starts_at - dt.timedelta(days=rng.randint(3, 20)),
    )
    draw = 1.0 if latest or person == context.student else rng.random()
    if latest:
        signup.status = S.CONFIRMED
    elif draw < NO_SHOW_SHARE:
        signup.status = S.NO_SHOW
    elif draw < NO_SHOW_SHARE + CANCELLED_SHARE:
        signup.status = S.CANCELLED
        signup.late_cancellation = rng.random() < 0.5
        signup.cancelled_at = shift.starts_at - dt.timedelta(
            hours=rng.randint(2, 20) if signup.late_cancellation else rng.randint(30, 120)
        )
    else:
        signup.status = S.ATTENDED
        signup.checked_in_at = shift.starts_at + dt.timedelta(minutes=rng.randint(-10, 15))
        signup.checked_in_by = _reviewer(context, shift)
    return signup


def _past_hours(context: Context, signup: SignUp) -> HoursEntry:
    shift = signup.shift
    reviewer = _reviewer(context, shift)
    rejected = signup.person != context.student and context.rng.random() < REJECTED_SHARE
    return HoursEntry(
        person=signup.person,
        signup=signup,
        site=shift.opportunity.site,
        activity=shift.opportunity.title,
        date=shift.local_start.date(),
        hours=shift.hours,
        status=HoursEntry.Status.REJECTED if rejected else HoursEntry.Status.VERIFIED,
        created_by=reviewer,
        reviewed_by=reviewer,
        reviewed_at=min(shift.ends_at + dt.timedelta(days=context.rng.randint(1, 4)), context.now),
        rejection_reason=(
            "Left at the halfway point: please edit the entry to the hours you served."
            if rejected
            else ""
        ),
    )


def _check_in_latest(context: Context, shifts: list[Shift]) -> None:
    """The supervisors record the latest shift of each opportunity through the services: a
    check-in creates a submitted hours entry (waiting for them), one person is a no-show, and
    the student's hours are verified at once."""
    latest = _latest_past(shifts, context.now)
    signups = (
        SignUp.objects.filter(shift_id__in=latest, status=S.CONFIRMED)
        .select_related("shift__opportunity__site", "shift__supervisor", "person")
        .order_by("shift__starts_at", "id")
    )
    for index, signup in enumerate(signups):
        reviewer = _reviewer(context, signup.shift)
        if index % 9 == 4 and signup.person != context.student:
            services.mark_no_show(signup=signup, actor=reviewer)
            continue
        services.check_in(signup=signup, actor=reviewer)
        context.created["hours entries"] += 1
        if signup.person == context.student:
            entry = HoursEntry.objects.get(signup=signup)
            services.verify_hours(entry=entry, actor=reviewer)


def _log_hours_elsewhere(context: Context, pool: list[Person]) -> None:
    """Self-reported service elsewhere: the office verifies most and rejects two; the
    student's latest entry waits for review."""
    rng, office = context.rng, context.coordinator
    for index, person in enumerate(pool[:9]):
        where, activity, hours = ELSEWHERE[index % len(ELSEWHERE)]
        own = person == context.student and context.student_user is not None
        entry = services.log_hours(
            person=person,
            actor=context.student_user if own else office,
            activity=activity,
            date=context.today - dt.timedelta(days=rng.randint(3, 70)),
            hours=Decimal(hours),
            organization_name=where,
            notes="Community event; no patient information recorded.",
        )
        context.created["hours entries"] += 1
        if own or index == 8:
            continue  # waiting for the office
        if index in (2, 6):
            services.reject_hours(
                entry=entry,
                actor=office,
                reason="Please add who can confirm your service (the event's organizer).",
            )
        else:
            services.verify_hours(entry=entry, actor=office)


# -- the upcoming month -----------------------------------------------------------------------


def _sign_up_upcoming(
    context: Context,
    pool: list[Person],
    facts: dict[int, eligibility.PersonFacts],
    shifts: list[Shift],
) -> None:
    """Upcoming shifts fill through `services.sign_up` (staff sign the students up; the student
    login signs herself up): most partly, a few to capacity with a waitlist, the Dari shifts
    not at all. One confirmed volunteer cancels, so the first on that waitlist is offered the
    seat."""
    rng = context.rng
    orientation = CredentialType.objects.filter(code=ORIENTATION_CODE).first()
    upcoming = [s for s in shifts if s.starts_at > context.now]
    student, student_user = context.student, context.student_user
    if student is not None and student_user is not None:
        navigator = next(
            (
                s
                for s in upcoming
                if s.supervisor_id and len(s.opportunity.language_requirements.all())
            ),
            None,
        )
        if navigator is not None:
            _try_sign_up(context, navigator, student, student_user)
    by_opportunity: Counter[int] = Counter()
    full_shifts: list[Shift] = []
    for shift in upcoming:
        nth = by_opportunity[shift.opportunity_id]
        by_opportunity[shift.opportunity_id] += 1
        full = nth in (0, 2) and not shift.opportunity.language_requirements.all()
        wanted = shift.capacity + 2 if full else round(shift.capacity * rng.uniform(0.2, 0.9))
        candidates = [
            p for p in pool if p != student and _eligible(facts[p.pk], shift, orientation)
        ]
        rng.shuffle(candidates)
        taken = 0
        for person in candidates:
            if taken >= wanted:
                break
            if _try_sign_up(context, shift, person, context.actor) is not None:
                taken += 1
        if full:
            full_shifts.append(shift)
    if student is not None and student_user is not None:
        _waitlist_student(context, upcoming, student, student_user)
    _cancel_one(context, full_shifts)


def _try_sign_up(context: Context, shift: Shift, person: Person, actor: User) -> SignUp | None:
    try:
        signup = services.sign_up(shift=shift, person=person, actor=actor)
    except ServiceError:  # overlaps another of their shifts, or ineligible on that day
        return None
    context.created["sign-ups"] += 1
    return signup


def _waitlist_student(
    context: Context, upcoming: list[Shift], student: Person, student_user: User
) -> None:
    """The student joins the waitlist of the first full shift she may take."""
    for shift in upcoming:
        shift.refresh_from_db(fields=["seats_taken", "waitlist_length"])
        if shift.seats_taken < shift.capacity:
            continue
        signup = _try_sign_up(context, shift, student, student_user)
        if signup is not None:
            return


def _cancel_one(context: Context, full_shifts: list[Shift]) -> None:
    for shift in full_shifts:
        confirmed = (
            SignUp.objects.filter(shift=shift, status=S.CONFIRMED)
            .exclude(person=context.student)
            .order_by("-id")
            .first()
        )
        waiting = SignUp.objects.filter(shift=shift, status=S.WAITLISTED).exists()
        if confirmed is not None and waiting:
            services.cancel_signup(
                signup=confirmed, actor=context.actor, reason="Exam moved to that morning."
            )
            return

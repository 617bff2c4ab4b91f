"""The Medical Plunge part of the St. Louis demo: a planned immersion week for 180 incoming
students, in 18 diverse groups that rotate through 25 St. Louis sites.

The week is the first full week of the most recent August (the week before the academic year),
so the demo shows a Plunge that has been planned and held: 180 incoming students of the School
of Medicine's MD, MD/PhD, occupational therapy, physical therapy and audiology programs, and
MPH students of a partner school, invited and registered (with a few dietary and accessibility
needs); 18 groups formed by the grouping engine on school or program, languages and home
region (every group with a Spanish speaker, one pair kept apart and one kept together) and
applied, with a leader each; sessions over five days (an opening lecture, four site-visit
sessions, a bus tour of North St. Louis, a public-health service project and a reflection);
the site rotation (a clinic, a school and a community organization preferred for every group)
and the buses planned; attendance checked in at the first two sessions.

The sites: the volunteering demo's clinics and community center (created here too when that
demo has not run), the City of St. Louis Department of Health (a real public agency, named as
it is; its contact is fictional) and fictional schools, clinics and community organizations,
each saying so in its name. Participants come from the registry (incoming students there, and
the student login) and, for the places left, fictional people created here through the people
services: names drawn from `core.demo_data`'s lists, addresses on example.edu, phone numbers
in the fictional 555-01xx range.

Everything goes through the services, with their audit entries; only the check-in times are
set afterwards to the sessions' own times (the service stamps the moment it runs). Idempotent:
when a demo Plunge exists, nothing is written. Deterministic for a seed and a day.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from equityhub.accounts.models import User
from equityhub.core import demo_data
from equityhub.people import services as people
from equityhub.people.models import (
    Answer,
    Consent,
    GenderIdentity,
    Language,
    Organization,
    Person,
    PersonLanguage,
    Proficiency,
    TrainingLevel,
)
from equityhub.people.selectors import current_affiliations
from equityhub.places.models import Area, Site
from equityhub.plunge import demo_surveys, services
from equityhub.plunge.models import (
    Attendance,
    Plunge,
    Registration,
    Session,
    Visit,
)
from equityhub.volunteering import demo as volunteering_demo
from equityhub.volunteering import services as site_services

TITLE_SUFFIX = "(fictional week)"
PARTICIPANTS = 180
GROUPS = 18
BUS_CAPACITY = 50
ATTRIBUTES = ("school_program", "languages", "home_region")
REQUIRED_KINDS = (Site.Kind.CLINIC, Site.Kind.SCHOOL, Site.Kind.COMMUNITY)
GROUPING_SECONDS = 1.0
EMAIL_MARK = ".plunge"  # created participants: given.family.plunge001@example.edu
PUBLIC_HEALTH_DEPARTMENT = "City of St. Louis Department of Health"


@dataclass(frozen=True)
class Program:
    name: str
    organization: str
    training_level: str
    years: int
    seats: int
    start_month: int  # MD programs start in July, the others in August


PROGRAMS: tuple[Program, ...] = (
    Program("MD program", demo_data.SCHOOL_OF_MEDICINE, TrainingLevel.MEDICAL_STUDENT, 4, 112, 7),
    Program(
        "MD/PhD program", demo_data.SCHOOL_OF_MEDICINE, TrainingLevel.MEDICAL_STUDENT, 8, 12, 7
    ),
    Program(
        "Occupational Therapy (OTD)",
        demo_data.SCHOOL_OF_MEDICINE,
        TrainingLevel.GRADUATE_STUDENT,
        3,
        16,
        8,
    ),
    Program(
        "Physical Therapy (DPT)",
        demo_data.SCHOOL_OF_MEDICINE,
        TrainingLevel.GRADUATE_STUDENT,
        3,
        22,
        8,
    ),
    Program(
        "Audiology (AuD)", demo_data.SCHOOL_OF_MEDICINE, TrainingLevel.GRADUATE_STUDENT, 4, 6, 8
    ),
    # A partner school's students join the week.
    Program("Public Health MPH", demo_data.SLU, TrainingLevel.GRADUATE_STUDENT, 2, 12, 8),
)

# Where the incoming students grew up (a custom column of the invitation, balanced on).
HOME_REGIONS: demo_data.Weighted[str] = (
    ("Missouri", 22),
    ("Illinois", 8),
    ("Midwest (other states)", 16),
    ("South", 20),
    ("Northeast", 12),
    ("West", 14),
    ("Outside the United States", 8),
)
DIETARY_NEEDS: demo_data.Weighted[str] = (
    ("", 82),
    ("Vegetarian", 8),
    ("Halal", 4),
    ("Gluten-free", 3),
    ("Kosher", 1.5),
    ("Tree-nut allergy", 1.5),
)
ACCESSIBILITY_NEEDS = (
    "Uses a wheelchair: needs a lift-equipped bus and step-free sites",
    "Hard of hearing: captioned lectures and a seat near the speaker, please",
)


@dataclass(frozen=True)
class DemoSite:
    name: str
    kind: str
    zip_code: str
    address: str
    contact_name: str
    contact_email: str
    contact_phone: str
    description: str
    organization: str = ""


K = Site.Kind
SITES: tuple[DemoSite, ...] = (
    # Clinics (with the volunteering demo's five, eight).
    DemoSite(
        "Dutchtown Community Clinic (fictional)",
        K.CLINIC,
        "63111",
        "3500 Meramec St.",
        "Esperanza Ruiz",
        "dutchtown.clinic@example.org",
        "314-555-0150",
        "A sliding-fee primary-care clinic with interpreters on site.",
    ),
    DemoSite(
        "Carondelet Family Health Center (fictional)",
        K.CLINIC,
        "63111",
        "7800 S. Broadway",
        "Nathan Hughes",
        "carondelet.fhc@example.org",
        "314-555-0151",
        "Family medicine, behavioral health and a food-as-medicine pantry.",
    ),
    DemoSite(
        "Hyde Park Pediatric Clinic (fictional)",
        K.CLINIC,
        "63107",
        "1900 Salisbury St.",
        "Brianna Coleman",
        "hydepark.peds@example.org",
        "314-555-0152",
        "Well-child visits, asthma care and lead screening.",
    ),
    # Schools (summer programs before the school year).
    DemoSite(
        "Old North Elementary School (fictional)",
        K.SCHOOL,
        "63106",
        "2500 N. 13th St.",
        "Kiara Simmons",
        "oldnorth.elementary@example.org",
        "314-555-0153",
        "A neighborhood school with a school nurse, a food backpack program and summer camp.",
    ),
    DemoSite(
        "Fairground Middle School (fictional)",
        K.SCHOOL,
        "63107",
        "3800 N. Grand Blvd.",
        "Terrence Bell",
        "fairground.middle@example.org",
        "314-555-0154",
        "A middle school whose school-based health room serves students and their siblings.",
    ),
    DemoSite(
        "Ville Heritage High School (fictional)",
        K.SCHOOL,
        "63113",
        "4300 St. Ferdinand Ave.",
        "Danielle Franklin",
        "ville.heritage@example.org",
        "314-555-0155",
        "A high school with a health-careers academy and a teen health clinic.",
    ),
    DemoSite(
        "Penrose Academy (fictional)",
        K.SCHOOL,
        "63115",
        "5400 Lillian Ave.",
        "Marcus Stokes",
        "penrose.academy@example.org",
        "314-555-0156",
        "A K-8 school running a summer reading and nutrition program.",
    ),
    DemoSite(
        "Walnut Park STEM Middle School (fictional)",
        K.SCHOOL,
        "63120",
        "5800 Thekla Ave.",
        "Jada Dorsey",
        "walnutpark.stem@example.org",
        "314-555-0157",
        "A STEM magnet school with a summer science camp for North St. Louis students.",
    ),
    DemoSite(
        "Gravois Park Elementary School (fictional)",
        K.SCHOOL,
        "63118",
        "3100 Cherokee St.",
        "Mariana Flores",
        "gravoispark.elementary@example.org",
        "314-555-0158",
        "A school where families speak more than twenty languages; newcomer support.",
    ),
    # Community organizations (with the volunteering demo's community center, ten).
    DemoSite(
        "North City Food Pantry (fictional)",
        K.COMMUNITY,
        "63106",
        "1400 Cass Ave.",
        "Cedric Banks",
        "northcity.pantry@example.org",
        "314-555-0159",
        "A food pantry and diaper bank serving Old North and St. Louis Place.",
    ),
    DemoSite(
        "Ville Seniors Center (fictional)",
        K.COMMUNITY,
        "63113",
        "4100 Martin Luther King Dr.",
        "Ebony Washington",
        "ville.seniors@example.org",
        "314-555-0161",
        "Meals, exercise classes and blood-pressure checks for older neighbors.",
    ),
    DemoSite(
        "Hyde Park Recovery Collective (fictional)",
        K.COMMUNITY,
        "63107",
        "2000 Bremen Ave.",
        "Andre Thomas",
        "hydepark.recovery@example.org",
        "314-555-0162",
        "Peer recovery coaching and a drop-in center.",
    ),
    DemoSite(
        "Penrose Community Garden (fictional)",
        K.COMMUNITY,
        "63115",
        "5300 Penrose St.",
        "Latoya Harris",
        "penrose.garden@example.org",
        "314-555-0163",
        "An urban farm and garden that runs cooking classes in a former food desert.",
    ),
    DemoSite(
        "Walnut Park Tenants Association (fictional)",
        K.COMMUNITY,
        "63120",
        "5700 W. Florissant Ave.",
        "Jerome Walker",
        "walnutpark.tenants@example.org",
        "314-555-0164",
        "Tenant organizing on lead, mold and housing repairs.",
    ),
    DemoSite(
        "Cherokee Street Legal Aid Office (fictional)",
        K.COMMUNITY,
        "63118",
        "2800 Cherokee St.",
        "Ricardo Mendoza",
        "cherokee.legalaid@example.org",
        "314-555-0165",
        "Medical-legal partnership: housing, benefits and immigration help.",
    ),
    DemoSite(
        "Dutchtown Faith and Health Hub (fictional)",
        K.COMMUNITY,
        "63111",
        "3600 Virginia Ave.",
        "Imani Henderson",
        "dutchtown.hub@example.org",
        "314-555-0166",
        "Congregations' health ministries: screenings, grief groups and rides to appointments.",
        demo_data.DUTCHTOWN,
    ),
    DemoSite(
        "Bosnian Community Wellness Center (fictional)",
        K.COMMUNITY,
        "63116",
        "4900 Gravois Ave.",
        "Amina Hod\u017ei\u0107",
        "bosnian.wellness@example.org",
        "314-555-0167",
        "Wellness programs in Bosnian for families who came to St. Louis as refugees.",
        demo_data.BOSNIAN_CIRCLE,
    ),
    DemoSite(
        "Northside Harm Reduction Outreach (fictional)",
        K.COMMUNITY,
        "63107",
        "3900 N. Newstead Ave.",
        "Jalen Robinson",
        "northside.outreach@example.org",
        "314-555-0168",
        "Street outreach, naloxone training and syringe services.",
    ),
    # The city's public-health department: a real public agency, named as it is.
    DemoSite(
        PUBLIC_HEALTH_DEPARTMENT,
        K.PUBLIC_HEALTH,
        "63103",
        "1520 Market St.",
        "Visit coordinator (fictional contact)",
        "plunge.visits@example.org",
        "314-555-0169",
        "The city's public-health department: disease surveillance, lead and environmental "
        "health, immunizations. (The contact shown here is fictional.)",
    ),
)

# Areas the new sites are in that the volunteering demo does not add.
AREAS: tuple[volunteering_demo.DemoArea, ...] = (
    volunteering_demo.DemoArea("63111", "Dutchtown / Carondelet", 38.562, -90.248),
    volunteering_demo.DemoArea("63116", "Bevo Mill / Tower Grove South", 38.582, -90.263),
    volunteering_demo.DemoArea("63103", "Downtown West / Midtown", 38.631, -90.214),
)


@dataclass(frozen=True)
class DemoSession:
    day: int  # 0 is Monday
    start: dt.time
    minutes: int
    kind: str
    title: str
    place: str = ""
    description: str = ""


S = Session.Kind
CAMPUS = "Medical campus auditorium"
SESSIONS: tuple[DemoSession, ...] = (
    DemoSession(
        0,
        dt.time(8, 30),
        180,
        S.LECTURE,
        "Opening lecture: health equity in St. Louis",
        CAMPUS,
        "Why life expectancy differs by up to 18 years between St. Louis ZIP codes, and what "
        "the week will show.",
    ),
    DemoSession(0, dt.time(13, 0), 180, S.SITE_VISIT, "Site visit 1", "Buses leave from campus"),
    DemoSession(1, dt.time(9, 0), 180, S.SITE_VISIT, "Site visit 2", "Buses leave from campus"),
    DemoSession(
        1,
        dt.time(13, 30),
        210,
        S.BUS_TOUR,
        "Bus tour of North St. Louis",
        "Buses leave from campus",
        "The Ville, Old North, Fairground and Walnut Park with community guides: redlining, "
        "highway building, disinvestment and the neighbors rebuilding.",
    ),
    DemoSession(2, dt.time(9, 0), 180, S.SITE_VISIT, "Site visit 3", "Buses leave from campus"),
    DemoSession(
        2,
        dt.time(13, 30),
        180,
        S.SERVICE_PROJECT,
        "Service project: lead-safe homes outreach",
        "Meet at the City of St. Louis Department of Health",
        "Door-to-door outreach with the health department's lead program.",
    ),
    DemoSession(3, dt.time(9, 0), 180, S.SITE_VISIT, "Site visit 4", "Buses leave from campus"),
    DemoSession(
        4,
        dt.time(9, 0),
        180,
        S.REFLECTION,
        "Reflection and closing",
        CAMPUS,
        "Small-group reflection, then the whole class: what you will carry into training.",
    ),
)
SITE_CAPACITY = 2  # groups a host site takes in one session


def plunge_week(today: dt.date) -> dt.date:
    """Monday of the first full week of the most recent August (this year's when it has
    begun, else last year's)."""

    def first_monday(year: int) -> dt.date:
        first = dt.date(year, 8, 1)
        return first + dt.timedelta(days=(7 - first.weekday()) % 7)

    monday = first_monday(today.year)
    return monday if monday <= today else first_monday(today.year - 1)


def load(*, actor: User, seed: int, today: dt.date) -> Counter[str]:
    """Load the Medical Plunge demo unless it is there; returns what was created, by kind.

    `actor` is the office administrator who plans the week. Side effects (each through its
    service, with its audit entry): areas and sites missing, the fictional participants
    missing, the Plunge, its sessions and host sites, invitations and answers, pair rules and
    a requirement, a grouping run and its groups, group leaders, the rotation, the buses and
    check-ins (whose times are then set to the sessions' times).
    """
    created: Counter[str] = Counter()
    with transaction.atomic():
        if Plunge.objects.filter(title__endswith=TITLE_SUFFIX).exists():
            return created
        rng = random.Random(f"plunge:{seed}")  # noqa: S311 - demo data, on purpose
        monday = plunge_week(today)
        sites = _ensure_sites(actor, created)
        participants = _participants(actor, seed=seed, monday=monday, today=today, created=created)
        plunge = services.create_plunge(
            actor=actor,
            title=f"Medical Plunge {monday.year} {TITLE_SUFFIX}",
            starts_on=monday,
            ends_on=monday + dt.timedelta(days=4),
            description=(
                "A week-long immersion for the incoming class before the academic year: "
                "lectures, site visits across St. Louis in small groups, a bus tour of North "
                "St. Louis, a public-health service project and reflection."
            ),
            group_count=GROUPS,
            bus_capacity=BUS_CAPACITY,
            status=Plunge.Status.DONE,
        )
        created["plunges"] += 1
        sessions = _create_sessions(actor, plunge, sites, created)
        registrations = _register(actor, plunge, participants, rng, created)
        _group(actor, plunge, registrations, seed, created)
        services.plan_rotation(plunge=plunge, actor=actor, required_kinds=REQUIRED_KINDS)
        created["site visits"] += Visit.objects.filter(session__plunge=plunge).count()
        created["bus runs"] += services.plan_buses(plunge=plunge, actor=actor)
        _check_in(actor, sessions, rng, created)
        demo_surveys.load(actor=actor, plunge=plunge, rng=rng, created=created)
    return created


def summary() -> str:
    """One line for the demo's report."""
    plunge = Plunge.objects.filter(title__endswith=TITLE_SUFFIX).first()
    if plunge is None:
        return "  plunge: not loaded"
    registered = plunge.registrations.filter(status=Registration.Status.REGISTERED).count()
    buses = (
        Visit.objects.filter(session__plunge=plunge)
        .exclude(bus_number=None)
        .values("session", "bus_number")
        .distinct()
        .count()
    )
    sites = Site.objects.filter(plunge_offers__session__plunge=plunge).distinct().count()
    return (
        f"  plunge: {plunge.title}, {registered} registered in "
        f"{plunge.groups.count()} groups, {plunge.sessions.count()} sessions at "
        f"{sites} host sites, "
        f"{Visit.objects.filter(session__plunge=plunge).count()} site visits, {buses} bus runs, "
        f"{Attendance.objects.filter(session__plunge=plunge).count()} check-ins"
    )


# -- sites ------------------------------------------------------------------------------------


def _ensure_area(code: str, created: Counter[str]) -> Area | None:
    spec = next(
        (a for a in (*volunteering_demo.AREAS, *AREAS) if a.code == code),
        None,
    )
    if spec is None:
        return None
    area, made = Area.objects.get_or_create(
        kind=Area.Kind.ZCTA,
        code=spec.code,
        defaults={"name": spec.name, "centroid_lat": spec.lat, "centroid_lon": spec.lon},
    )
    created["areas"] += int(made)
    return area


def _ensure_sites(actor: User, created: Counter[str]) -> list[Site]:
    """The volunteering demo's sites (created when missing) and this demo's, in order."""
    organizations = {
        o.name: o
        for o in Organization.objects.filter(
            name__in={s.organization for s in volunteering_demo.SITES}
            | {s.organization for s in SITES}
        )
    }
    specs = [
        DemoSite(
            s.name,
            s.kind,
            s.zip_code,
            s.address,
            s.contact_name,
            s.contact_email,
            s.contact_phone,
            s.description,
            s.organization,
        )
        for s in volunteering_demo.SITES
    ] + list(SITES)
    existing = {site.name: site for site in Site.objects.filter(name__in=[s.name for s in specs])}
    sites = []
    for spec in specs:
        site = existing.get(spec.name)
        if site is None:
            area = _ensure_area(spec.zip_code, created)
            organization = organizations.get(spec.organization)
            site = site_services.create_site(
                actor=actor,
                name=spec.name,
                zip_code=spec.zip_code,
                kind=spec.kind,
                organization_id=organization.pk if organization else None,
                description=spec.description,
                address=spec.address,
                contact_name=spec.contact_name,
                contact_email=spec.contact_email,
                contact_phone=spec.contact_phone,
                area_id=area.pk if area else None,
                latitude=area.centroid_lat if area else None,
                longitude=area.centroid_lon if area else None,
            )
            if area is not None:
                site_services.set_site_areas_served(site=site, actor=actor, area_ids=[area.pk])
            created["sites"] += 1
        sites.append(site)
    return sites


# -- the week ---------------------------------------------------------------------------------


def _offers(sites: list[Site]) -> list[dict[int, int]]:
    """The host sites of the four site-visit sessions: every site hosts in two of them, each
    session has four clinics, three schools and four to six community organizations (the
    health department in the first and third), room for 22 to 26 groups."""
    by_kind: dict[str, list[Site]] = {}
    for site in sites:
        by_kind.setdefault(site.kind, []).append(site)
    offers: list[dict[int, int]] = [{} for _session in range(4)]
    spacing: dict[str, int] = {K.SCHOOL: 2, K.PUBLIC_HEALTH: 2}
    for kind, members in by_kind.items():
        step = spacing.get(kind, 1)
        for index, site in enumerate(members):
            for session in (index % 4, (index + step) % 4):
                offers[session][site.pk] = SITE_CAPACITY
    return offers


def _create_sessions(
    actor: User, plunge: Plunge, sites: list[Site], created: Counter[str]
) -> list[Session]:
    tz = plunge.tz
    health_department = next(s for s in sites if s.name == PUBLIC_HEALTH_DEPARTMENT)
    offers = iter(_offers(sites))
    sessions = []
    for spec in SESSIONS:
        starts = dt.datetime.combine(
            plunge.starts_on + dt.timedelta(days=spec.day), spec.start, tzinfo=tz
        )
        session = services.save_session(
            plunge=plunge,
            actor=actor,
            kind=spec.kind,
            title=spec.title,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=spec.minutes),
            place=spec.place,
            site_id=health_department.pk if spec.kind == S.SERVICE_PROJECT else None,
            description=spec.description,
        )
        if spec.kind == S.SITE_VISIT:
            services.set_offers(session=session, actor=actor, offers=next(offers))
        sessions.append(session)
        created["plunge sessions"] += 1
    return sessions


# -- participants -----------------------------------------------------------------------------


def _participants(
    actor: User, *, seed: int, monday: dt.date, today: dt.date, created: Counter[str]
) -> list[tuple[Person, str]]:
    """(person, home region) for each seat of each program: the student login, the registry's
    incoming students, then fictional people created for the seats left."""
    organizations = {o.name: o for o in Organization.objects.all()}
    incoming_from = dt.date(monday.year, 6, 1)
    login_emails = {login.email.lower() for login in demo_data.LOGINS}
    student = Person.objects.filter(email__iexact=f"student@{demo_data.LOGIN_DOMAIN}").first()
    chosen: list[tuple[Person, str]] = []
    taken: set[int] = set()
    for program_index, program in enumerate(PROGRAMS):
        seats = []
        if student is not None and program.name == "MD program":
            seats.append(student)
        affiliations = (
            current_affiliations(today)
            .filter(
                school_program=program.name,
                organization__name=program.organization,
                start_date__gte=incoming_from,
                start_date__lte=monday,
            )
            .select_related("person")
            .order_by("person__email")
        )
        seats += [
            a.person
            for a in affiliations
            if a.person.email.lower() not in login_emails and a.person_id not in taken
        ]
        seats = list(dict.fromkeys(seats))[: program.seats]
        taken.update(p.pk for p in seats)
        for number in range(program.seats - len(seats)):
            seats.append(
                _create_student(
                    actor,
                    program,
                    organizations[program.organization],
                    index=program_index * 1000 + number,
                    seed=seed,
                    monday=monday,
                    today=today,
                )
            )
            created["people"] += 1
        for person in seats:
            region_rng = random.Random(f"plunge-region:{seed}:{person.email.lower()}")  # noqa: S311
            chosen.append((person, demo_data.pick(region_rng, HOME_REGIONS)))
    return chosen


def _create_student(
    actor: User,
    program: Program,
    organization: Organization,
    *,
    index: int,
    seed: int,
    monday: dt.date,
    today: dt.date,
) -> Person:
    rng = random.Random(f"plunge:{seed}:person:{index}")  # noqa: S311 - demo data
    heritage = demo_data.HERITAGES[demo_data.pick(rng, demo_data.ACADEMIC_MIX)]
    gender = demo_data.pick(
        rng,
        (
            (GenderIdentity.WOMAN, 54),
            (GenderIdentity.MAN, 42),
            (GenderIdentity.NON_BINARY, 3),
            (GenderIdentity.PREFER_NOT, 1),
        ),
    )
    names = {
        GenderIdentity.WOMAN: heritage.women,
        GenderIdentity.MAN: heritage.men,
    }.get(gender, heritage.women + heritage.men)
    given = rng.choice(names)
    family = rng.choice(heritage.family)
    email = (
        f"{demo_data.email_slug(given)}.{demo_data.email_slug(family)}"
        f"{EMAIL_MARK}{index:04d}@{demo_data.ACADEMIC_DOMAIN}"
    )
    person = people.create_person(
        actor=actor,
        given_name=given,
        family_name=family,
        email=email,
        pronouns={GenderIdentity.WOMAN: "she/her", GenderIdentity.MAN: "he/him"}.get(
            gender, "they/them" if gender == GenderIdentity.NON_BINARY else ""
        )
        if rng.random() < 0.5
        else "",
        phone=f"314-555-01{rng.randint(0, 99):02d}" if rng.random() < 0.8 else "",
        date_of_birth=demo_data.birth_date_for_age(rng, rng.randint(21, 27), today),
        home_zip=demo_data.pick(rng, demo_data.NEAR_CAMPUS),
    )
    start = dt.date(monday.year, program.start_month, 1)
    people.add_affiliation(
        person=person,
        actor=actor,
        organization=organization,
        training_level=program.training_level,
        school_program=program.name,
        title=f"Class of {start.year + program.years}",
        start_date=start,
        end_date=dt.date(start.year + program.years, 5, 31),
        is_primary=True,
    )
    people.set_languages(person=person, actor=actor, languages=_languages(rng, heritage))
    races = demo_data.pick(rng, heritage.races)
    people.update_demographics(
        person=person,
        actor=actor,
        race_ethnicity=races,
        gender_identity=gender,
        first_generation_college=Answer.YES if rng.random() < 0.2 else Answer.NO,
        economically_disadvantaged=Answer.YES if rng.random() < 0.15 else Answer.NO,
    )
    people.record_consent(
        person=person,
        actor=actor,
        kind=Consent.Kind.DATA_USE,
        relationship=Consent.Relationship.SELF,
        given_by_name=f"{given} {family}",
        given_at=timezone.now() - dt.timedelta(days=rng.randint(1, 60)),
    )
    return person


def _languages(rng: random.Random, heritage: demo_data.Heritage) -> dict[str, str]:
    spoken = {Language.ENGLISH.value: Proficiency.NATIVE.value}
    if heritage.language and rng.random() < heritage.keeps_language:
        spoken[heritage.language] = (
            Proficiency.NATIVE if rng.random() < 0.7 else Proficiency.CONVERSATIONAL
        )
    if Language.SPANISH not in spoken and rng.random() < 0.15:
        spoken[Language.SPANISH] = demo_data.pick(
            rng,
            (
                (Proficiency.BASIC, 3),
                (Proficiency.CONVERSATIONAL, 4),
                (Proficiency.PROFESSIONAL, 2),
            ),
        )
    return spoken


def _register(
    actor: User,
    plunge: Plunge,
    participants: list[tuple[Person, str]],
    rng: random.Random,
    created: Counter[str],
) -> list[Registration]:
    """Invite everyone (home region as a custom column) and record their answers."""
    created["plunge registrations"] += services.invite(
        plunge=plunge,
        actor=actor,
        people=[person for person, _region in participants],
        custom={person.pk: {"home_region": region} for person, region in participants},
    )
    registrations = list(
        Registration.objects.filter(plunge=plunge).select_related("person").order_by("id")
    )
    needs = dict(
        zip(
            rng.sample(range(len(registrations)), len(ACCESSIBILITY_NEEDS)),
            ACCESSIBILITY_NEEDS,
            strict=True,
        )
    )
    answered = []
    for index, registration in enumerate(registrations):
        answered.append(
            services.respond(
                registration=registration,
                actor=actor,
                attending=True,
                dietary_needs=demo_data.pick(rng, DIETARY_NEEDS),
                accessibility_needs=needs.get(index, ""),
            )
        )
    return answered


def _group(
    actor: User,
    plunge: Plunge,
    registrations: list[Registration],
    seed: int,
    created: Counter[str],
) -> None:
    """Rules, a grouping run applied, and a leader with a phone in every group."""
    speakers = set(
        PersonLanguage.objects.filter(
            person_id__in=[r.person_id for r in registrations], language=Language.SPANISH
        ).values_list("person_id", flat=True)
    )
    spanish = [r for r in registrations if r.person_id in speakers]
    if len(spanish) >= GROUPS:
        services.set_requirement(plunge=plunge, actor=actor, column="languages=es", minimum=1)
    others = [r for r in registrations if r not in spanish]
    # Two siblings starting together asked to be in different groups; two classmates who
    # share an interpreter for American Sign Language stay together.
    services.add_pair_rule(
        plunge=plunge,
        actor=actor,
        first=others[0],
        second=others[1],
        kind="apart",
        note="Siblings; asked to be in different groups.",
    )
    services.add_pair_rule(
        plunge=plunge,
        actor=actor,
        first=others[2],
        second=others[3],
        kind="together",
        note="Share an ASL interpreter.",
    )
    run = services.run_grouping(
        plunge=plunge,
        actor=actor,
        attributes=ATTRIBUTES,
        seed=seed % 2**31,
        time_limit=GROUPING_SECONDS,
    )
    created["grouping runs"] += 1
    groups = services.apply_grouping(run=run, actor=actor)
    created["plunge groups"] += len(groups)
    rng = random.Random(f"plunge:{seed}:leaders")  # noqa: S311 - demo data
    for group in groups:
        members = list(
            Registration.objects.filter(group=group).select_related("person").order_by("id")
        )
        leader = rng.choice(members)
        services.set_group_leader(
            registration=leader,
            actor=actor,
            leader=True,
            phone=leader.person.phone or f"314-555-01{group.number:02d}",
        )


def _check_in(
    actor: User, sessions: list[Session], rng: random.Random, created: Counter[str]
) -> None:
    """Check-ins at the opening lecture and the first site visit; a few missed each. The
    service stamps the moment it runs; the demo then sets each to the session's time."""
    registrations = list(
        Registration.objects.filter(
            plunge=sessions[0].plunge, status=Registration.Status.REGISTERED
        ).order_by("id")
    )
    for session, missing in ((sessions[0], 6), (sessions[1], 4)):
        absent = set(rng.sample(range(len(registrations)), missing))
        for index, registration in enumerate(registrations):
            if index in absent:
                continue
            attendance = services.check_in(session=session, registration=registration, actor=actor)
            attendance.checked_in_at = session.starts_at + dt.timedelta(
                minutes=rng.randint(-20, 10)
            )
            attendance.save(update_fields=["checked_in_at"])
            created["plunge check-ins"] += 1

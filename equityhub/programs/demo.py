"""The pathway-programs part of the St. Louis demo: three programs along the pipeline, each with
three past years and the current one, loaded from the plain data in `programs.demo_content`.

The programs (a high-school summer science academy, a summer undergraduate research program and
a residents-and-fellows initiative) are sponsored by real institutions from `core.demo_data`;
everything else is made up and says so: program names end in "(fictional)", people are drawn
from `core.demo_data`'s name lists with example.org / example.edu addresses and 314-555-01xx
phone numbers, and every score, decision and outcome is invented.

Each past year is a completed cycle: a form, a rubric and 30-45 applications (K-12 applicants
were minors then, each with a guardian's consent; most of the oldest cohort, all its juniors
and seniors, are adults now), three reviews of every submitted application (reviewers differ in
harshness and spread, so z-score normalization matters), decisions (seats filled, a few offers
declined and filled from the waitlist, the rest of the waitlist keeping its positions), a
cohort with sessions, attendance, mentors, stipends and capstones, and what became of the
participants (milestones from surveys, institutional records and clearinghouse- and AAMC-style
imports). The K-12 program has a comparison group per cohort year: district students of the
same grades who did not take part. This year, the K-12 cycle is open (25 applications, none
reviewed yet, two minors waiting for their guardian's consent) and the other two are drafts.

The people are created through the people services (`create_person`, `record_consent`, with
their audit entries), the fictional reviewers' roles through `accounts.services.grant_role`.
Everything else is loaded as records, in bulk (affiliations and milestones included): the
programs' services refuse to replay history (no submission after a cycle has closed, no review
of a decided application), and the load stays fast. One audit entry, `programs.demo.loaded`,
records what was created. The demo's reviewer login reviews the K-12 program: a REVIEWER
assignment it still has on its placeholder scope (the Office of Diversity Programs) is moved to
the program in place; without one, the role is granted through `grant_role`.

Early-college students (who finish high school with an associate degree) may earn a bachelor's
two years later: that is how the oldest K-12 cohort shows a degree or two (a small count on
purpose, so suppression shows) while everyone else is still in college.

Idempotent: when the K-12 program exists, the demo is loaded and nothing is written (only the
reviewer login's scope is put right if it went missing). Deterministic for a seed and a day,
except the digests of the private links (random tokens nobody holds).
"""

from __future__ import annotations

import datetime as dt
import secrets
import statistics
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from random import Random

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.accounts.models import Role, RoleAssignment, User, hash_token
from equityhub.accounts.selectors import forget_roles
from equityhub.accounts.services import grant_role
from equityhub.audit.services import record
from equityhub.core import demo_data
from equityhub.people import services as people
from equityhub.people.models import Affiliation, Consent, Organization, Person, TrainingLevel
from equityhub.places.models import Area
from equityhub.places.services import demo_areas
from equityhub.programs import demo_content as content
from equityhub.programs.models import (
    Answer,
    Application,
    Capstone,
    CohortLeader,
    CohortSession,
    ComparisonGroup,
    Criterion,
    Cycle,
    DirectorApprovalRequest,
    FormField,
    GuardianConsentRequest,
    LetterTemplate,
    Milestone,
    Program,
    RecommendationRequest,
    Review,
    Score,
    SessionAttendance,
    Stipend,
)

AS = Application.Status
K12, COLLEGE, RESIDENT = (
    Program.Stage.K12.value,
    Program.Stage.COLLEGE.value,
    Program.Stage.RESIDENT_FELLOW.value,
)
EMAIL_MARK = ".prog"  # made-up people: given.family.prog0001@example.org
APPLICATIONS_PER_YEAR = (30, 45)
CURRENT_DRAFTS, CURRENT_SUBMITTED = 10, 15
LINK_DAYS = 14  # how long a guardian's, director's or recommender's link lasts
# (bias, spread) of each program's three reviewers: a harsh and narrow one, a middling one, a
# lenient and wide one. Bias is in points of a five-point scale.
REVIEWER_STYLES = ((-0.7, 0.7), (0.0, 1.0), (0.6, 1.25))
K12_GRADES = ((9, 15), (10, 25), (11, 35), (12, 25))
COLLEGE_YEARS = ((2, 20), (3, 45), (4, 35))  # year in college the coming fall
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Guardian:
    name: str
    email: str
    relationship: str


@dataclass(frozen=True)
class Entrant:
    """A made-up applicant (or comparison student) with the facts their story follows."""

    person: Person
    heritage: str
    language: str
    organization: str  # their high school, college or hospital
    detail: str  # college major, residency or fellowship program
    level: int  # K-12 grade in the cycle's spring; year in college next fall; PGY next July
    finish_year: int  # high-school graduation, bachelor's degree, end of training
    residency_year: int = 0  # residents and fellows: when residency began
    early_college: bool = False
    showcase: bool = False  # see _show_an_early_college_graduate
    guardian: Guardian | None = None


@dataclass
class Filed:
    entrant: Entrant
    application: Application
    quality: float


@dataclass
class Context:
    actor: User
    coordinator: User
    reviewer_login: User | None
    rng: Random
    today: dt.date
    now: dt.datetime
    created: Counter[str]
    organizations: dict[str, Organization]
    letter_name: str = ""
    serial: int = 0  # made-up people so far (their e-mail numbers)
    contacts: int = 0  # made-up recommenders and program directors (their e-mail numbers)
    affiliations: list[Affiliation] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    participants: dict[str, list[Entrant]] = field(default_factory=dict)


def cycle_years(today: dt.date) -> tuple[list[int], int]:
    """The three past years, oldest first, and the current cycle's year.

    A year is past once its summer is over (every program ends by 8 August; from 15 August on,
    the current cycle is next summer's)."""
    last = today.year if today >= dt.date(today.year, 8, 15) else today.year - 1
    return [last - 2, last - 1, last], last + 1


def weighted_total(scores: list[tuple[Decimal, int, int]]) -> Decimal:
    """100 * sum(weight * score / max) / sum(weight), to the cent, from (weight, score, max)."""
    weights = sum(weight for weight, _score, _max in scores)
    points = sum(weight * Decimal(score) / Decimal(top) for weight, score, top in scores)
    return (Decimal(100) * points / weights).quantize(CENT, rounding=ROUND_HALF_UP)


def load(*, actor: User, seed: int, today: dt.date) -> Counter[str]:
    """Load the programs demo unless it is there; returns what was created, by kind.

    `actor` is the office administrator. Side effects, in order: the three programs (residence
    areas, decision letters); for each, its reviewers (made-up users with a REVIEWER role scoped
    to it through `grant_role`; the K-12 program's third is the reviewer login, whose REVIEWER
    assignment is moved to it), its mentors and leader, three completed cycles and the current
    one, with forms, rubrics, applications, guardian consents (`record_consent`), reviews,
    decisions and cohorts; the K-12 comparison groups; affiliations and milestones in bulk; one
    audit entry `programs.demo.loaded` with the counts.
    """
    created: Counter[str] = Counter()
    with transaction.atomic():
        reviewer_login = _login_user("reviewer")
        existing = Program.objects.filter(name=content.PROGRAMS[0].name).first()
        if existing is not None:
            if reviewer_login is not None:
                _scope_reviewer_login(reviewer_login, existing, actor=actor, created=created)
            return created
        context = Context(
            actor=actor,
            coordinator=_login_user("coordinator") or actor,
            reviewer_login=reviewer_login,
            rng=Random(f"programs:{seed}"),  # noqa: S311 - demo data, on purpose
            today=today,
            now=timezone.now(),
            created=created,
            organizations=_organizations(),
        )
        past, current = cycle_years(today)
        for spec in content.PROGRAMS:
            program = _program(context, spec)
            reviewers = _reviewers(context, spec, program)
            leaders = _leaders(context, spec)
            previous: list[Filed] = []
            for index, year in enumerate(past):
                previous = _past_cycle(
                    context,
                    spec,
                    program,
                    year,
                    reviewers=reviewers,
                    leaders=leaders,
                    previous=previous,
                    oldest=index == 0,
                )
            if spec.stage == K12:
                _open_cycle(context, spec, program, current)
            else:
                _draft_cycle(context, spec, program, current)
        _comparison_groups(context, past)
        _participant_milestones(context)
        for affiliation in context.affiliations:
            people.add_affiliation(
                person=affiliation.person,
                actor=actor,
                organization=affiliation.organization,
                training_level=affiliation.training_level,
                school_program=affiliation.school_program,
                grade_level=affiliation.grade_level,
                title=affiliation.title,
                start_date=affiliation.start_date,
                end_date=affiliation.end_date,
                is_primary=True,
            )
        created["affiliations"] += len(context.affiliations)
        Milestone.objects.bulk_create(context.milestones)
        created["milestones"] += len(context.milestones)
        record(
            "programs.demo.loaded",
            actor=actor,
            data={
                "seed": seed,
                "today": today.isoformat(),
                "created": dict(sorted(created.items())),
            },
        )
    return +created


def summary() -> str:
    """Two lines for the demo's report."""
    if not Program.objects.exists():
        return "  " + _("programs: not loaded")
    labels = dict(AS.choices)
    by_status = dict(
        Application.objects.values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    statuses = ", ".join(
        f"{by_status[status]} {str(labels[status]).lower()}"
        for status in AS.values
        if by_status.get(status)
    )
    programs = _(
        "programs: %(programs)d programs, %(cycles)d cycles (%(open)d open for applications), "
        "%(groups)d comparison groups of %(compared)d people"
    ) % {
        "programs": Program.objects.count(),
        "cycles": Cycle.objects.count(),
        "open": Cycle.objects.filter(status=Cycle.Status.OPEN).count(),
        "groups": ComparisonGroup.objects.count(),
        "compared": Person.objects.filter(comparison_groups__isnull=False).distinct().count(),
    }
    applications = _(
        "applications: %(applications)d (%(statuses)s), %(reviews)d reviews, %(enrolled)d "
        "enrolled, %(milestones)d milestones"
    ) % {
        "applications": sum(by_status.values()),
        "statuses": statuses,
        "reviews": Review.objects.filter(submitted_at__isnull=False).count(),
        "enrolled": by_status.get(AS.ENROLLED, 0),
        "milestones": Milestone.objects.count(),
    }
    return f"  {programs}\n  {applications}"


# -- logins, organizations, people ------------------------------------------------------------


def _login_user(key: str) -> User | None:
    return User.objects.filter(email__iexact=f"{key}@{demo_data.LOGIN_DOMAIN}").first()


def _organizations() -> dict[str, Organization]:
    names = {spec.sponsor for spec in content.PROGRAMS}
    names |= {name for name, _weight in demo_data.SCHOOLS}
    names |= {name for name, _weight in demo_data.COLLEGES}
    names |= {org for (org, _program, _years), _w in demo_data.RESIDENCIES}
    names |= {org for (org, _program, _years), _w in demo_data.FELLOWSHIPS}
    names |= {demo_data.SCHOOL_OF_MEDICINE, demo_data.OFFICE_OF_DIVERSITY_PROGRAMS}
    found = {o.name: o for o in Organization.objects.filter(name__in=names)}
    missing = sorted(names - set(found))
    if missing:
        raise LookupError(
            f"The programs demo needs the core demo's organizations first: {', '.join(missing)}"
        )
    return found


def _scope_reviewer_login(
    user: User, program: Program, *, actor: User, created: Counter[str]
) -> None:
    """The reviewer login reviews for the K-12 program: its REVIEWER assignment scoped to the
    Office of Diversity Programs (a placeholder until programs existed) is moved to the program,
    or the role is granted when it has none."""
    program_type = ContentType.objects.get_for_model(Program)
    assignments = RoleAssignment.objects.filter(user=user, role=Role.REVIEWER)
    if assignments.filter(scope_type=program_type, scope_id=program.pk).exists():
        return
    office = Organization.objects.filter(name=demo_data.OFFICE_OF_DIVERSITY_PROGRAMS).first()
    placeholder = (
        assignments.filter(
            scope_type=ContentType.objects.get_for_model(Organization), scope_id=office.pk
        ).first()
        if office is not None
        else None
    )
    if placeholder is not None:
        placeholder.scope_type = program_type
        placeholder.scope_id = program.pk
        placeholder.save(update_fields=["scope_type", "scope_id"])
        forget_roles(user)
        created["roles moved"] += 1
    else:
        grant_role(user=user, role=Role.REVIEWER, scope=program, actor=actor)
        created["roles"] += 1


def _phone(rng: Random) -> str:
    # 555-0100 through 555-0199 are reserved for fiction.
    return f"314-555-01{rng.randint(0, 99):02d}"


def _person(
    context: Context,
    *,
    mix: demo_data.Weighted[str],
    domain: str,
    age: int,
    on: dt.date,
    zips: demo_data.Weighted[str],
    login: bool = False,
) -> tuple[Person, str]:
    """A made-up person (and, with `login`, a user without a usable password) and the
    community their name is drawn from."""
    rng = context.rng
    heritage_key = demo_data.pick(rng, mix)
    heritage = demo_data.HERITAGES[heritage_key]
    names = heritage.women if rng.random() < 0.55 else heritage.men
    given, family = rng.choice(names), rng.choice(heritage.family)
    context.serial += 1
    slug = f"{demo_data.email_slug(given)}.{demo_data.email_slug(family)}"
    email = f"{slug}{EMAIL_MARK}{context.serial:04d}@{domain}"
    user = None
    if login:
        # A made-up colleague's account: it holds a role, but nobody signs in with it.
        user = User.objects.create_user(email, password=None)
        context.created["reviewer accounts"] += 1
    person = people.create_person(
        actor=context.actor,
        user=user,
        given_name=given,
        family_name=family,
        email=email,
        phone=_phone(rng) if rng.random() < 0.6 else "",
        date_of_birth=demo_data.birth_date_for_age(rng, age, on),
        home_zip=demo_data.pick(rng, zips),
    )
    context.created["people"] += 1
    return person, heritage_key


def _affiliate(
    context: Context,
    person: Person,
    organization: str,
    level: str,
    *,
    school_program: str = "",
    grade: int | None = None,
    title: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> None:
    context.affiliations.append(
        Affiliation(
            person=person,
            organization=context.organizations[organization],
            training_level=level,
            school_program=school_program,
            grade_level=grade,
            title=title,
            start_date=start,
            end_date=end,
            is_primary=True,
        )
    )


def _colleague(context: Context, title: str, level: str, organization: str) -> Person:
    student = level in (TrainingLevel.MEDICAL_STUDENT, TrainingLevel.GRADUATE_STUDENT)
    age = context.rng.randint(23, 29) if student else context.rng.randint(32, 64)
    person, _heritage = _person(
        context,
        mix=demo_data.ACADEMIC_MIX,
        domain=demo_data.ACADEMIC_DOMAIN,
        age=age,
        on=context.today,
        zips=demo_data.NEAR_CAMPUS if student else demo_data.SUBURBAN,
    )
    _affiliate(context, person, organization, level, title=title)
    return person


def _reviewers(context: Context, spec: content.DemoProgram, program: Program) -> list[User]:
    """Three reviewers: made-up faculty with the REVIEWER role scoped to the program, and for
    the K-12 program the reviewer login (when the core demo made it)."""
    reviewers: list[User] = []
    titles = list(spec.reviewer_titles)
    if spec.stage == K12:
        login = context.reviewer_login
        if login is not None:
            _scope_reviewer_login(login, program, actor=context.actor, created=context.created)
            reviewers.append(login)
        else:
            titles.append("Associate Professor of Pediatrics")
    for title in titles:
        person, _heritage = _person(
            context,
            mix=demo_data.ACADEMIC_MIX,
            domain=demo_data.ACADEMIC_DOMAIN,
            age=context.rng.randint(36, 64),
            on=context.today,
            zips=demo_data.SUBURBAN,
            login=True,
        )
        _affiliate(
            context, person, demo_data.SCHOOL_OF_MEDICINE, TrainingLevel.FACULTY, title=title
        )
        assert person.user is not None  # noqa: S101 - made with a login just above
        grant_role(user=person.user, role=Role.REVIEWER, scope=program, actor=context.actor)
        context.created["roles"] += 1
        reviewers.append(person.user)
    # The login takes the middle style: its scores are neither the harshest nor the kindest.
    if len(reviewers) == 3 and reviewers[0] == context.reviewer_login:
        reviewers = [reviewers[1], reviewers[0], reviewers[2]]
    return reviewers


def _leaders(context: Context, spec: content.DemoProgram) -> list[Person]:
    """The program's leader, then its four mentors."""
    title, level = spec.leader
    leaders = [_colleague(context, title, level, spec.sponsor)]
    leaders += [
        _colleague(context, title, level, demo_data.SCHOOL_OF_MEDICINE)
        for title, level in spec.mentors
    ]
    return leaders


# -- programs and cycles ----------------------------------------------------------------------


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


def _between(rng: Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    minutes = max(int((end - start).total_seconds() // 60), 0)
    return start + dt.timedelta(minutes=rng.randint(0, minutes))


def _contact_email(context: Context, given: str, family: str) -> str:
    """A recommender's or program director's made-up address."""
    context.contacts += 1
    slug = f"{demo_data.email_slug(given)}.{demo_data.email_slug(family)}"
    return f"{slug}{EMAIL_MARK}c{context.contacts:04d}@{demo_data.ACADEMIC_DOMAIN}"


def _digest() -> str:
    # The links' tokens are random and thrown away: nobody can answer a demo request.
    return hash_token(secrets.token_urlsafe(32))


def _program(context: Context, spec: content.DemoProgram) -> Program:
    program = Program.objects.create(
        name=spec.name,
        stage=spec.stage,
        sponsor=context.organizations[spec.sponsor],
        description=spec.description,
        description_es=spec.description_es,
        eligibility=spec.eligibility,
        eligibility_es=spec.eligibility_es,
        min_grade=spec.min_grade,
        max_grade=spec.max_grade,
        min_age=spec.min_age,
        max_age=spec.max_age,
        blind_review=spec.blind_review,
        needs_director_approval=spec.needs_director_approval,
    )
    context.created["programs"] += 1
    if spec.lives_in_st_louis:
        codes = [row.zcta for row in demo_areas()]
        program.residence_areas.set(Area.objects.filter(kind=Area.Kind.ZCTA, code__in=codes))
    LetterTemplate.objects.bulk_create(
        LetterTemplate(
            program=program, outcome=outcome, language=language, subject=subject, body=body
        )
        for (outcome, language), (subject, body) in content.LETTERS.items()
    )
    context.created["letter templates"] += len(content.LETTERS)
    return program


def _cycle(
    context: Context,
    spec: content.DemoProgram,
    program: Program,
    year: int,
    *,
    status: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    starts_on: dt.date,
    ends_on: dt.date,
) -> tuple[Cycle, dict[str, FormField], list[Criterion]]:
    """A cycle with its form and rubric (the same questions and criteria every year)."""
    cycle = Cycle.objects.create(
        program=program,
        year=year,
        title=f"{spec.short_name} {year}{content.FICTIONAL}",
        status=status,
        opens_at=opens_at,
        closes_at=closes_at,
        starts_on=starts_on,
        ends_on=ends_on,
        seats=spec.seats,
    )
    context.created["program cycles"] += 1
    fields = FormField.objects.bulk_create(
        FormField(
            cycle=cycle,
            key=question.key,
            kind=question.kind,
            label=question.label,
            label_es=question.label_es,
            help_text=question.help_text,
            help_text_es=question.help_text_es,
            choices=[
                {"value": c.value, "label": c.label, "label_es": c.label_es}
                for c in question.choices
            ],
            required=question.required,
            identifying=question.identifying,
            max_length=question.max_length,
            position=position,
        )
        for position, question in enumerate(spec.fields, start=1)
    )
    criteria = Criterion.objects.bulk_create(
        Criterion(
            cycle=cycle,
            name=criterion.name,
            description=criterion.description,
            weight=Decimal(criterion.weight),
            max_score=criterion.max_score,
            position=position,
        )
        for position, criterion in enumerate(spec.criteria, start=1)
    )
    context.created["form questions"] += len(fields)
    context.created["rubric criteria"] += len(criteria)
    return cycle, {f.key: f for f in fields}, criteria


def _on(year: int, month_day: tuple[int, int]) -> dt.date:
    return dt.date(year, *month_day)


def _past_cycle(
    context: Context,
    spec: content.DemoProgram,
    program: Program,
    year: int,
    *,
    reviewers: list[User],
    leaders: list[Person],
    previous: list[Filed],
    oldest: bool,
) -> list[Filed]:
    cycle, fields, criteria = _cycle(
        context,
        spec,
        program,
        year,
        status=Cycle.Status.COMPLETED,
        opens_at=_at(_on(year, spec.opens), 9),
        closes_at=_at(_on(year, spec.closes), 23, 59),
        starts_on=_on(year, spec.starts),
        ends_on=_on(year, spec.ends),
    )
    rng = context.rng
    entrants = _reapplicants(context, spec, previous)
    count = rng.randint(*APPLICATIONS_PER_YEAR)
    entrants += [_entrant(context, spec, year) for _n in range(count - len(entrants))]
    rng.shuffle(entrants)
    drafts, withdrawn = rng.randint(2, 4), rng.randint(1, 2)
    plan = [AS.DRAFT] * drafts + [AS.WITHDRAWN] * withdrawn
    plan += [AS.SUBMITTED] * (len(entrants) - len(plan))
    filed = _file(context, spec, cycle, fields, list(zip(entrants, plan, strict=True)))
    reviewed = [f for f in filed if f.application.status == AS.SUBMITTED]
    _review(context, cycle, criteria, reviewers, reviewed)
    enrolled = _decide(context, spec, cycle, reviewed)
    if oldest and spec.stage == K12:
        _show_an_early_college_graduate(context, enrolled)
    _cohort(context, spec, cycle, enrolled, leaders)
    context.participants.setdefault(spec.stage, []).extend(f.entrant for f in enrolled)
    return filed


def _open_cycle(context: Context, spec: content.DemoProgram, program: Program, year: int) -> None:
    """This year's K-12 call: open for three more weeks, 25 applications, none reviewed."""
    today = context.today
    closes = today + dt.timedelta(days=21)
    starts = max(_on(year, spec.starts), closes + dt.timedelta(days=28))
    cycle, fields, _criteria = _cycle(
        context,
        spec,
        program,
        year,
        status=Cycle.Status.OPEN,
        opens_at=_at(today - dt.timedelta(days=35), 9),
        closes_at=_at(closes, 23, 59),
        starts_on=starts,
        ends_on=starts + (_on(year, spec.ends) - _on(year, spec.starts)),
    )
    entrants = [_entrant(context, spec, year, current=True) for _n in range(25)]
    plan = [AS.DRAFT] * CURRENT_DRAFTS + [AS.SUBMITTED] * CURRENT_SUBMITTED
    _file(context, spec, cycle, fields, list(zip(entrants, plan, strict=True)), current=True)


def _draft_cycle(context: Context, spec: content.DemoProgram, program: Program, year: int) -> None:
    """Next summer's call, drafted: it opens at its usual time or in two weeks, whichever is
    later, for its usual length."""
    usual_open, usual_close = _on(year, spec.opens), _on(year, spec.closes)
    opens = max(usual_open, context.today + dt.timedelta(days=14))
    closes = opens + (usual_close - usual_open)
    starts = max(_on(year, spec.starts), closes + dt.timedelta(days=42))
    _cycle(
        context,
        spec,
        program,
        year,
        status=Cycle.Status.DRAFT,
        opens_at=_at(opens, 9),
        closes_at=_at(closes, 23, 59),
        starts_on=starts,
        ends_on=starts + (_on(year, spec.ends) - _on(year, spec.starts)),
    )


# -- applicants -------------------------------------------------------------------------------


def _entrant(
    context: Context, spec: content.DemoProgram, year: int, *, current: bool = False
) -> Entrant:
    if spec.stage == K12:
        return _k12_entrant(context, year, current=current, early_share=spec.rates.early_college)
    if spec.stage == COLLEGE:
        return _college_entrant(context, year)
    return _resident_entrant(context, year)


def _k12_entrant(
    context: Context, year: int, *, current: bool = False, early_share: float = 0.0
) -> Entrant:
    """A high-school student in some grade in the spring of `year`, a minor on the day
    applications close (for the current cycle: today; a few twelfth graders are 18 already).
    Their school affiliation says where they are today: their grade, or graduated."""
    rng, today = context.rng, context.today
    grade = demo_data.pick(rng, K12_GRADES)
    school = demo_data.pick(rng, demo_data.SCHOOLS)
    hs_year = year + 12 - grade
    age = grade + 5
    on = today if current else dt.date(year, 3, 31)
    if current:
        age += int(grade == 12 and rng.random() < 0.3)
    mix = (
        demo_data.NORTH_SCHOOL_MIX
        if school in demo_data.NORTH_SCHOOLS
        else demo_data.SOUTH_SCHOOL_MIX
    )
    person, heritage = _person(
        context,
        mix=mix,
        domain=demo_data.COMMUNITY_DOMAIN,
        age=age,
        on=on,
        zips=demo_data.HOME_ZIPS_BY_SCHOOL[school],
    )
    graduation = dt.date(hs_year, 5, 24)
    graduated = graduation < today
    grade_now = 12 if graduated else 12 - (hs_year - demo_data.academic_year(today) - 1)
    _affiliate(
        context,
        person,
        school,
        TrainingLevel.K12,
        grade=min(max(grade_now, 9), 12),
        start=dt.date(hs_year - 4, 8, 15),
        end=graduation if graduated else None,
    )
    return Entrant(
        person=person,
        heritage=heritage,
        language="es" if heritage == "latino" and rng.random() < 0.6 else "en",
        organization=school,
        detail="",
        level=grade,
        finish_year=hs_year,
        early_college=grade == 12 and rng.random() < early_share,
        guardian=_guardian(context, person, heritage),
    )


def _guardian(context: Context, person: Person, heritage_key: str) -> Guardian:
    rng = context.rng
    heritage = demo_data.HERITAGES[heritage_key]
    given = rng.choice(heritage.women if rng.random() < 0.7 else heritage.men)
    family = person.family_name if rng.random() < 0.85 else rng.choice(heritage.family)
    slug = f"{demo_data.email_slug(given)}.{demo_data.email_slug(family)}"
    return Guardian(
        name=f"{given} {family}",
        email=f"{slug}{EMAIL_MARK}{context.serial:04d}g@{demo_data.COMMUNITY_DOMAIN}",
        relationship=(
            Consent.Relationship.PARENT
            if rng.random() < 0.9
            else Consent.Relationship.LEGAL_GUARDIAN
        ),
    )


def _college_entrant(context: Context, year: int) -> Entrant:
    rng = context.rng
    college = demo_data.pick(rng, demo_data.COLLEGES)
    level = demo_data.pick(rng, COLLEGE_YEARS)
    degree_year = year + 5 - level
    major = demo_data.pick(rng, demo_data.COLLEGE_MAJORS)
    person, heritage = _person(
        context,
        mix=demo_data.COLLEGE_MIX,
        domain=demo_data.ACADEMIC_DOMAIN,
        age=17 + level + rng.randint(0, 1),
        on=dt.date(year, 2, 15),
        zips=demo_data.METRO,
    )
    _affiliate(
        context,
        person,
        college,
        TrainingLevel.UNDERGRADUATE,
        school_program=major,
        start=dt.date(degree_year - 4, 8, 20),
        end=dt.date(degree_year, 5, 15),
    )
    return Entrant(
        person=person,
        heritage=heritage,
        language="es" if heritage == "latino" and rng.random() < 0.25 else "en",
        organization=college,
        detail=major,
        level=level,
        finish_year=degree_year,
    )


def _resident_entrant(context: Context, year: int) -> Entrant:
    """A resident (PGY-2 or later next July) or a fellow (PGY-4 or later)."""
    rng = context.rng
    fellow = rng.random() < 0.25
    organization, specialty, years = demo_data.pick(
        rng, demo_data.FELLOWSHIPS if fellow else demo_data.RESIDENCIES
    )
    year_in_program = rng.randint(1, years) if fellow else rng.randint(2, years)
    pgy = year_in_program + (3 if fellow else 0)
    start = year - year_in_program + 1
    person, heritage = _person(
        context,
        mix=demo_data.ACADEMIC_MIX,
        domain=demo_data.ACADEMIC_DOMAIN,
        age=25 + pgy + rng.randint(0, 3),
        on=dt.date(year, 3, 1),
        zips=demo_data.NEAR_CAMPUS,
    )
    program = f"{specialty} {'fellowship' if fellow else 'residency'}"
    _affiliate(
        context,
        person,
        organization,
        TrainingLevel.FELLOW if fellow else TrainingLevel.RESIDENT,
        school_program=program,
        title=f"PGY-{pgy}",
        start=dt.date(start, 7, 1),
        end=dt.date(start + years, 6, 30),
    )
    return Entrant(
        person=person,
        heritage=heritage,
        language="en",
        organization=organization,
        detail=program,
        level=pgy,
        finish_year=start + years,
        residency_year=start - 3 if fellow else start,
    )


def _reapplicants(
    context: Context, spec: content.DemoProgram, previous: list[Filed]
) -> list[Entrant]:
    """K-12 students not selected last year who try again a grade up (one to three)."""
    if spec.stage != K12:
        return []
    again = [
        f.entrant
        for f in previous
        if f.application.status in (AS.REJECTED, AS.WAITLISTED) and f.entrant.level <= 11
    ]
    chosen = context.rng.sample(again, min(len(again), context.rng.randint(1, 3)))
    return [replace(entrant, level=entrant.level + 1) for entrant in chosen]


# -- applications -----------------------------------------------------------------------------


def _file(
    context: Context,
    spec: content.DemoProgram,
    cycle: Cycle,
    fields: dict[str, FormField],
    plan: list[tuple[Entrant, str]],
    *,
    current: bool = False,
) -> list[Filed]:
    """Applications as they stood when the call closed (or today, for an open call): drafts,
    submitted and withdrawn ones, with their answers, guardian consents and requests, and
    letters of recommendation."""
    rng = context.rng
    latest = context.now - dt.timedelta(hours=2) if current else cycle.closes_at
    filed: list[Filed] = []
    created_at: dict[int, dt.datetime] = {}
    for index, (entrant, status) in enumerate(plan):
        submitted = None
        if status == AS.DRAFT:
            started = _between(rng, cycle.opens_at, latest - dt.timedelta(days=1))
        else:
            submitted = _between(rng, cycle.opens_at + dt.timedelta(days=2), latest)
            started = _between(rng, cycle.opens_at, submitted - dt.timedelta(hours=6))
        application = Application(
            cycle=cycle,
            applicant=entrant.person,
            status=status,
            language=entrant.language,
            submitted_at=submitted,
            withdrawn_at=(
                submitted + dt.timedelta(days=rng.randint(2, 14))
                if status == AS.WITHDRAWN and submitted is not None
                else None
            ),
        )
        created_at[index] = started
        filed.append(Filed(entrant, application, quality=rng.betavariate(2.2, 2.0)))
    consents = _guardian_consents(context, cycle, filed, created_at, current=current)
    Application.objects.bulk_create(f.application for f in filed)
    for index, f in enumerate(filed):
        f.application.created_at = created_at[index]
    Application.objects.bulk_update([f.application for f in filed], ["created_at"])
    context.created["applications"] += len(filed)
    _consent_requests(context, filed, consents)
    waiting = {index for index, (consent, _sent) in consents.items() if consent is None}
    _answers(context, spec, fields, filed, complete=waiting)
    if "recommendation" in fields:
        _recommendations(context, fields["recommendation"], filed, created_at)
    return filed


def _guardian_consents(
    context: Context,
    cycle: Cycle,
    filed: list[Filed],
    created_at: dict[int, dt.datetime],
    *,
    current: bool,
) -> dict[int, tuple[Consent | None, dt.datetime]]:
    """Each minor's guardian consent (through `record_consent`), by position in `filed`, with
    when the request went out. Past applicants all have one; this year, every submitted minor
    and some drafts, while two minors' drafts wait for their guardian."""
    rng = context.rng
    consents: dict[int, tuple[Consent | None, dt.datetime]] = {}
    waiting = 0
    for index, f in enumerate(filed):
        guardian, application = f.entrant.guardian, f.application
        started = created_at[index]
        if guardian is None or not f.entrant.person.is_minor_on(started.date()):
            continue
        latest = application.submitted_at or (context.now if current else cycle.closes_at)
        sent = _between(rng, started, started + (latest - started) / 3)
        if current and application.status == AS.DRAFT:
            if waiting < 2:  # asked a few days ago; the link is still good
                waiting += 1
                sent = max(started, context.now - dt.timedelta(days=rng.randint(1, 4)))
                consents[index] = (None, sent)
                continue
            if rng.random() < 0.5:
                continue  # has not asked their guardian yet
        given = _between(rng, sent + dt.timedelta(hours=1), latest - dt.timedelta(minutes=30))
        consent = people.record_consent(
            person=f.entrant.person,
            actor=context.actor,
            kind=Consent.Kind.GUARDIAN,
            relationship=guardian.relationship,
            given_by_name=guardian.name,
            given_by_email=guardian.email,
            given_at=given,
            expires_on=cycle.ends_on,
            scope=cycle.title,
        )
        application.guardian_consent = consent
        consents[index] = (consent, sent)
        context.created["guardian consents"] += 1
    return consents


def _consent_requests(
    context: Context,
    filed: list[Filed],
    consents: dict[int, tuple[Consent | None, dt.datetime]],
) -> None:
    """The guardians' link requests: answered when they consented, open otherwise (the two
    waiting minors). A withdrawn K-12 application of a past year was withdrawn by the guardian
    taking their consent back."""
    requests = []
    withdrawn_consents: list[Consent] = []
    for index, (consent, sent) in consents.items():
        f = filed[index]
        guardian = f.entrant.guardian
        assert guardian is not None  # noqa: S101 - only minors with a guardian are in `consents`
        application = f.application
        requests.append(
            GuardianConsentRequest(
                application=application,
                guardian_name=guardian.name,
                guardian_email=guardian.email,
                relationship=guardian.relationship,
                language=application.language,
                digest=_digest(),
                sent_at=sent,
                expires_at=sent + dt.timedelta(days=LINK_DAYS),
                answered_at=consent.given_at if consent is not None else None,
            )
        )
        if consent is not None and application.withdrawn_at is not None and not withdrawn_consents:
            consent.withdrawn_at = application.withdrawn_at
            consent.withdrawal_reason = "The family's summer plans changed (fictional)."
            withdrawn_consents.append(consent)
    GuardianConsentRequest.objects.bulk_create(requests)
    Consent.objects.bulk_update(withdrawn_consents, ["withdrawn_at", "withdrawal_reason"])
    context.created["guardian consent requests"] += len(requests)


def _answer(
    context: Context, spec: content.DemoProgram, question: FormField, entrant: Entrant
) -> Answer:
    rng = context.rng
    text, values = "", []
    if question.kind == FormField.Kind.LONG_TEXT:
        essays = (
            content.ESSAYS.get((spec.stage, entrant.language)) or content.ESSAYS[(spec.stage, "en")]
        )
        text = rng.choice(essays)
    elif question.key in ("school", "institution", "training_program"):
        text = entrant.detail if question.key == "training_program" else entrant.organization
    elif question.key == "major":
        text = entrant.detail
    elif question.key == "grade":
        values = [str(entrant.level)]
    elif question.key == "pgy":
        values = [f"pgy{min(entrant.level, 4)}"]
    elif question.key == "protected_time":
        values = ["yes" if rng.random() < 0.85 else "no"]
    elif question.kind == FormField.Kind.CHOICE:
        values = [rng.choice(question.choices)["value"]]
    return Answer(field=question, text=text, values=values)


def _answers(
    context: Context,
    spec: content.DemoProgram,
    fields: dict[str, FormField],
    filed: list[Filed],
    *,
    complete: set[int],
) -> None:
    """Every question answered in a submitted application and in the drafts at positions
    `complete` (waiting only for a guardian); a draft's first few otherwise."""
    answerable = [q for q in fields.values() if q.kind != FormField.Kind.RECOMMENDATION]
    answers = []
    for index, f in enumerate(filed):
        count = len(answerable)
        if f.application.status == AS.DRAFT and index not in complete:
            count = context.rng.randint(1, len(answerable))
        for question in answerable[:count]:
            answer = _answer(context, spec, question, f.entrant)
            answer.application = f.application
            answers.append(answer)
    Answer.objects.bulk_create(answers)
    context.created["answers"] += len(answers)


def _recommendation_letter(context: Context) -> str:
    """One made-up letter (a small PDF) stored once and shared by every received request."""
    if not context.letter_name:
        from equityhub.partnerships.demo import agreement_pdf  # noqa: PLC0415 - only here

        pdf = agreement_pdf("Letter of recommendation (fictional)", content.LETTER_PDF_LINES)
        context.letter_name = default_storage.save(
            "programs/letters/demo-letter-of-recommendation-fictional.pdf", ContentFile(pdf)
        )
    return context.letter_name


def _recommendations(
    context: Context,
    question: FormField,
    filed: list[Filed],
    created_at: dict[int, dt.datetime],
) -> None:
    """A recommender for each application; the letter received for every submitted one."""
    rng = context.rng
    requests = []
    for index, f in enumerate(filed):
        received = f.application.submitted_at is not None
        if not received and rng.random() < 0.5:
            continue  # a draft that has not asked anyone yet
        heritage = demo_data.HERITAGES[demo_data.pick(rng, demo_data.ACADEMIC_MIX)]
        given = rng.choice(heritage.women + heritage.men)
        family = rng.choice(heritage.family)
        sent = created_at[index] + dt.timedelta(hours=rng.randint(1, 48))
        requests.append(
            RecommendationRequest(
                application=f.application,
                field=question,
                recommender_name=f"Dr. {given} {family}",
                recommender_email=_contact_email(context, given, family),
                relationship=rng.choice(
                    ("Professor, biology", "Research supervisor", "Academic advisor")
                ),
                digest=_digest(),
                sent_at=sent,
                expires_at=sent + dt.timedelta(days=LINK_DAYS),
                letter=_recommendation_letter(context) if received else "",
                received_at=(sent + dt.timedelta(days=rng.randint(2, 10)) if received else None),
            )
        )
    RecommendationRequest.objects.bulk_create(requests)
    context.created["recommendation requests"] += len(requests)


# -- review and decisions ---------------------------------------------------------------------


def _score(rng: Random, quality: float, top: int, style: tuple[float, float]) -> int:
    bias, spread = style
    latent = min(max(quality + rng.gauss(0, 0.12), 0.0), 1.0) * top
    raw = top / 2 + (latent - top / 2) * spread + bias * top / 5 + rng.gauss(0, 0.35 * top / 5)
    return min(max(round(raw), 1), top)


def _review(
    context: Context,
    cycle: Cycle,
    criteria: list[Criterion],
    reviewers: list[User],
    reviewed: list[Filed],
) -> None:
    """Three submitted reviews of every submitted application, one by each reviewer, in the
    reviewer's own style."""
    rng = context.rng
    assigned = cycle.closes_at + dt.timedelta(days=1)
    reviews: list[Review] = []
    scores: list[list[Score]] = []
    for f in reviewed:
        for reviewer, style in zip(reviewers, REVIEWER_STYLES, strict=True):
            given = [
                Score(criterion=c, value=_score(rng, f.quality, c.max_score, style))
                for c in criteria
            ]
            review = Review(
                application=f.application,
                reviewer=reviewer,
                submitted_at=assigned
                + dt.timedelta(days=rng.randint(3, 18), hours=rng.randint(0, 10)),
                comments=rng.choice(content.REVIEW_COMMENTS),
                total=weighted_total(
                    [(c.weight, s.value, c.max_score) for c, s in zip(criteria, given, strict=True)]
                ),
            )
            reviews.append(review)
            scores.append(given)
    Review.objects.bulk_create(reviews)
    for review in reviews:
        review.assigned_at = assigned
    Review.objects.bulk_update(reviews, ["assigned_at"])
    for review, given in zip(reviews, scores, strict=True):
        for score in given:
            score.review = review
    Score.objects.bulk_create(score for given in scores for score in given)
    context.created["reviews"] += len(reviews)
    context.created["review scores"] += sum(len(given) for given in scores)
    _rank(reviewed, reviews)


def _rank(reviewed: list[Filed], reviews: list[Review]) -> None:
    """Order `reviewed` by the mean of each reviewer's z-scores, best first (how the committee
    reads the totals)."""
    by_reviewer: dict[int, list[float]] = {}
    for review in reviews:
        by_reviewer.setdefault(review.reviewer_id, []).append(float(review.total or 0))
    scale = {
        reviewer: (statistics.fmean(totals), statistics.pstdev(totals) or 1.0)
        for reviewer, totals in by_reviewer.items()
    }
    z: dict[int, list[float]] = {}
    for review in reviews:
        mean, sd = scale[review.reviewer_id]
        z.setdefault(review.application_id, []).append((float(review.total or 0) - mean) / sd)
    reviewed.sort(key=lambda f: -statistics.fmean(z[f.application.pk]))


def _decide(
    context: Context, spec: content.DemoProgram, cycle: Cycle, ranked: list[Filed]
) -> list[Filed]:
    """The committee's decisions, best first: seats offered, a few declined (and, where the
    program needs it, one not released by the program director), filled from the waitlist;
    the rest of the waitlist keeps its positions, everyone else is not selected. Returns the
    enrolled, in rank order."""
    rng = context.rng
    decided = _at(_on(cycle.year, spec.decided))
    seats = spec.seats
    offered, rest = ranked[:seats], ranked[seats:]
    waitlist_size = rng.randint(4, 6)
    waitlist = rest[:waitlist_size]
    decliners = rng.sample(offered[2:], rng.choice((1, 1, 2)))
    denied: list[Filed] = []
    if spec.needs_director_approval and rng.random() < 0.7:
        denied = [rng.choice([f for f in offered[2:] if all(f is not d for d in decliners)])]
    promoted = waitlist[: len(decliners) + len(denied)]
    waiting = {f.application.pk: n for n, f in enumerate(waitlist[len(promoted) :], start=1)}
    declined, not_released = _pks(decliners), _pks(denied)
    seated, from_waitlist = _pks(offered) - declined - not_released, _pks(promoted)
    changed: list[Application] = []
    for f in ranked:
        application = f.application
        application.decided_at = decided
        application.decided_by = context.coordinator
        if application.pk in seated:
            application.status = AS.ENROLLED
        elif application.pk in declined:
            application.status = AS.DECLINED
        elif application.pk in not_released:
            application.status = AS.REJECTED
            application.director_approval = Application.Approval.DENIED
            application.decision_note = "The program director could not release the applicant."
        elif application.pk in from_waitlist:
            application.status = AS.ENROLLED
            application.decided_at = decided + dt.timedelta(days=rng.randint(8, 20))
            application.decision_note = "Offered a place from the waitlist."
        elif application.pk in waiting:
            application.status = AS.WAITLISTED
            application.waitlist_position = waiting[application.pk]
        else:
            application.status = AS.REJECTED
        if spec.needs_director_approval and application.status in (AS.ENROLLED, AS.DECLINED):
            application.director_approval = Application.Approval.APPROVED
        application.letter_sent_at = application.decided_at + dt.timedelta(hours=2)
        changed.append(application)
    Application.objects.bulk_update(
        changed,
        [
            "status",
            "decided_at",
            "decided_by",
            "decision_note",
            "letter_sent_at",
            "waitlist_position",
            "director_approval",
        ],
    )
    if spec.needs_director_approval:
        _director_requests(context, [*offered, *promoted])
    enrolled = [f for f in ranked if f.application.status == AS.ENROLLED]
    Cycle.objects.filter(pk=cycle.pk).update(seats_taken=len(enrolled))
    return enrolled


def _pks(filed: list[Filed]) -> set[int]:
    return {f.application.pk for f in filed}


def _director_requests(context: Context, offered: list[Filed]) -> None:
    rng = context.rng
    requests = []
    for f in offered:
        application = f.application
        assert application.decided_at is not None  # noqa: S101 - set by _decide
        heritage = demo_data.HERITAGES[demo_data.pick(rng, demo_data.ACADEMIC_MIX)]
        given, family = rng.choice(heritage.women + heritage.men), rng.choice(heritage.family)
        sent = application.decided_at - dt.timedelta(days=rng.randint(3, 7))
        approved = application.director_approval == Application.Approval.APPROVED
        requests.append(
            DirectorApprovalRequest(
                application=application,
                director_name=f"Dr. {given} {family}",
                director_email=_contact_email(context, given, family),
                digest=_digest(),
                sent_at=sent,
                expires_at=sent + dt.timedelta(days=LINK_DAYS),
                answered_at=sent + dt.timedelta(days=rng.randint(1, 3)),
                approved=approved,
                note="" if approved else "Our service schedule cannot spare the time this year.",
            )
        )
    DirectorApprovalRequest.objects.bulk_create(requests)
    context.created["director approval requests"] += len(requests)


def _show_an_early_college_graduate(context: Context, enrolled: list[Filed]) -> None:
    """The oldest K-12 cohort shows one early-college student's whole path to a degree (when
    a twelfth grader took part): a small count on purpose."""
    seniors = [f for f in enrolled if f.entrant.level == 12]
    if seniors:
        chosen = next((f for f in seniors if f.entrant.early_college), seniors[0])
        chosen.entrant = replace(chosen.entrant, early_college=True, showcase=True)


# -- cohorts ----------------------------------------------------------------------------------


def _cohort(
    context: Context,
    spec: content.DemoProgram,
    cycle: Cycle,
    enrolled: list[Filed],
    leaders: list[Person],
) -> None:
    """Sessions weekly from the start (the first and the last always held) with attendance; the
    leader and two mentors (in turn) with half the cohort each; stipends paid; a capstone each."""
    rng = context.rng
    assert cycle.starts_on is not None  # noqa: S101 - past cycles have dates
    assert cycle.ends_on is not None  # noqa: S101
    count = rng.randint(min(6, len(spec.sessions)), len(spec.sessions))
    titles = [*spec.sessions[: count - 1], spec.sessions[-1]]
    span = (cycle.ends_on - cycle.starts_on).days
    sessions = CohortSession.objects.bulk_create(
        CohortSession(
            cycle=cycle,
            title=title,
            starts_at=_at(
                cycle.starts_on + dt.timedelta(days=round(span * number / (len(titles) - 1))),
                13 if number < len(titles) - 1 else 16,
            ),
            location=spec.session_place,
        )
        for number, title in enumerate(titles)
    )
    attendance = [
        SessionAttendance(
            session=session,
            application=f.application,
            status=demo_data.pick(
                rng,
                (
                    (SessionAttendance.Status.PRESENT, 88),
                    (SessionAttendance.Status.EXCUSED, 7),
                    (SessionAttendance.Status.ABSENT, 5),
                ),
            ),
        )
        for session in sessions
        for f in enrolled
    ]
    SessionAttendance.objects.bulk_create(attendance)
    turn = cycle.year % 4
    mentors = [leaders[1 + turn], leaders[1 + (turn + 1) % 4]]
    rows = CohortLeader.objects.bulk_create(
        [
            CohortLeader(cycle=cycle, person=leaders[0], role=CohortLeader.Role.LEADER),
            *(CohortLeader(cycle=cycle, person=p, role=CohortLeader.Role.MENTOR) for p in mentors),
        ]
    )
    through = CohortLeader.mentees.through
    through.objects.bulk_create(
        through(cohortleader_id=rows[1 + number % 2].pk, application_id=f.application.pk)
        for number, f in enumerate(enrolled)
    )
    stipends = [
        Stipend(
            application=f.application,
            amount=Decimal(amount),
            due_on=cycle.starts_on
            + dt.timedelta(days=round(span * (number + 1) / len(spec.stipend_payments))),
            status=Stipend.Status.PAID,
            note=f"Payment {number + 1} of {len(spec.stipend_payments)}",
        )
        for f in enrolled
        for number, amount in enumerate(spec.stipend_payments)
    ]
    Stipend.objects.bulk_create(stipends)
    titles_left = rng.sample(spec.capstones, min(len(enrolled), len(spec.capstones)))
    capstones = [
        Capstone(
            application=f.application,
            title=title,
            summary=content.CAPSTONE_SUMMARY,
            presented_on=cycle.ends_on,
        )
        for f, title in zip(enrolled, titles_left, strict=False)
    ]
    Capstone.objects.bulk_create(capstones)
    created = context.created
    created["cohort sessions"] += len(sessions)
    created["attendance records"] += len(attendance)
    created["cohort leaders"] += len(rows)
    created["stipends"] += len(stipends)
    created["capstones"] += len(capstones)


# -- outcomes ---------------------------------------------------------------------------------


def _milestone(
    context: Context,
    entrant: Entrant,
    kind: str,
    day: dt.date,
    *,
    sources: demo_data.Weighted[tuple[str, str]],
    detail: str = "",
) -> bool:
    """Record a milestone reached by `day` (nothing in the future); True when recorded."""
    if day > context.today:
        return False
    source, confidence = demo_data.pick(context.rng, sources)
    context.milestones.append(
        Milestone(
            person=entrant.person,
            kind=kind,
            achieved_on=day,
            source=source,
            confidence=confidence,
            detail=detail,
            recorded_by=context.actor,
        )
    )
    return True


MS, MC = Milestone.Source, Milestone.Confidence
DISTRICT_RECORD: demo_data.Weighted[tuple[str, str]] = (
    ((MS.INSTITUTION, MC.HIGH), 7),
    ((MS.SURVEY, MC.MEDIUM), 3),
)
ENROLLMENT_RECORD: demo_data.Weighted[tuple[str, str]] = (
    ((MS.CLEARINGHOUSE, MC.HIGH), 7),
    ((MS.SURVEY, MC.MEDIUM), 3),
)
MAJOR_RECORD: demo_data.Weighted[tuple[str, str]] = (
    ((MS.SURVEY, MC.MEDIUM), 5),
    ((MS.CLEARINGHOUSE, MC.MEDIUM), 3),
    ((MS.INSTITUTION, MC.HIGH), 2),
)
DEGREE_RECORD: demo_data.Weighted[tuple[str, str]] = (
    ((MS.CLEARINGHOUSE, MC.HIGH), 7),
    ((MS.INSTITUTION, MC.HIGH), 2),
    ((MS.SURVEY, MC.MEDIUM), 1),
)
AAMC_RECORD: demo_data.Weighted[tuple[str, str]] = (
    ((MS.AAMC, MC.HIGH), 8),
    ((MS.SURVEY, MC.MEDIUM), 2),
)
MATRICULATION_RECORD: demo_data.Weighted[tuple[str, str]] = (
    ((MS.AAMC, MC.HIGH), 6),
    ((MS.INSTITUTION, MC.HIGH), 3),
    ((MS.SURVEY, MC.LOW), 1),
)
HOSPITAL_RECORD: demo_data.Weighted[tuple[str, str]] = (((MS.INSTITUTION, MC.HIGH), 1),)
FACULTY_RECORD: demo_data.Weighted[tuple[str, str]] = (
    ((MS.INSTITUTION, MC.HIGH), 6),
    ((MS.SURVEY, MC.MEDIUM), 4),
)
SURVEY_ONLY: demo_data.Weighted[tuple[str, str]] = (((MS.SURVEY, MC.MEDIUM), 1),)
CLEARINGHOUSE_ONLY: demo_data.Weighted[tuple[str, str]] = (((MS.CLEARINGHOUSE, MC.HIGH), 1),)
STEM_MAJORS: demo_data.Weighted[str] = (
    ("Biology", 4),
    ("Chemistry", 2),
    ("Nursing", 2),
    ("Engineering", 2),
)


def _some(rng: Random, entrants: list[Entrant], rate: float) -> list[Entrant]:
    """Exactly round(rate * n) of `entrants`, at random, in their order: the demo's rates hold
    in every small group instead of only on average."""
    chosen = {id(e) for e in rng.sample(entrants, round(rate * len(entrants)))}
    return [e for e in entrants if id(e) in chosen]


def _k12_paths(context: Context, entrants: list[Entrant], rates: content.DemoRates) -> None:
    """High school, college, a STEM major and, for early-college students (who finish high
    school with an associate degree), a bachelor's two years after high school; drawn per
    graduating class, so that every class shows the group's rates. The oldest cohort's
    showcase takes the whole path."""
    rng = context.rng
    by_class: dict[int, list[Entrant]] = {}
    for entrant in entrants:
        by_class.setdefault(entrant.finish_year, []).append(entrant)
    for hs, group in sorted(by_class.items()):
        sure = [e for e in group if e.showcase]
        graduates = sure + _some(rng, [e for e in group if not e.showcase], rates.high_school)
        ready = [e for e in graduates if e.early_college or e.showcase]
        others = [e for e in graduates if not (e.early_college or e.showcase)]
        entered = ready + _some(rng, others, rates.college_entry)
        majors = sure + _some(rng, [e for e in entered if not e.showcase], rates.stem_major)
        early = [e for e in majors if e.early_college and not e.showcase]
        degrees = sure + _some(rng, early, rates.degree)
        for entrant in graduates:
            _milestone(
                context,
                entrant,
                Milestone.Kind.HIGH_SCHOOL,
                dt.date(hs, 5, 24),
                sources=DISTRICT_RECORD,
            )
        for entrant in entered:
            college = demo_data.pick(rng, demo_data.COLLEGES)
            entry = dt.date(hs, 8, 20)
            if not _milestone(
                context,
                entrant,
                Milestone.Kind.COLLEGE_ENTRY,
                entry,
                sources=ENROLLMENT_RECORD,
                detail=college,
            ):
                continue
            if context.milestones[-1].source != MS.SURVEY and rng.random() < 0.12:
                # A follow-up survey confirms what the clearinghouse-style import shows.
                _milestone(
                    context,
                    entrant,
                    Milestone.Kind.COLLEGE_ENTRY,
                    entry,
                    sources=SURVEY_ONLY,
                    detail=college,
                )
        majors_chosen = {id(e): demo_data.pick(rng, STEM_MAJORS) for e in majors}
        for entrant in majors:
            _milestone(
                context,
                entrant,
                Milestone.Kind.STEM_MAJOR,
                dt.date(hs + 1, 4, 15),
                sources=MAJOR_RECORD,
                detail=majors_chosen[id(entrant)],
            )
        for entrant in degrees:
            _milestone(
                context,
                entrant,
                Milestone.Kind.DEGREE,
                dt.date(hs + 2, 5, 15),
                sources=CLEARINGHOUSE_ONLY,
                detail=f"{majors_chosen[id(entrant)]}, after an early-college associate degree "
                "(fictional)",
            )


def _college_path(context: Context, entrant: Entrant, rates: content.DemoRates) -> None:
    """A bachelor's, then applying to, admitted to and matriculating in medical or graduate
    school (the AAMC-style import, or a survey)."""
    rng = context.rng
    degree_year = entrant.finish_year
    if rng.random() >= rates.degree or not _milestone(
        context,
        entrant,
        Milestone.Kind.DEGREE,
        dt.date(degree_year, 5, 15),
        sources=DEGREE_RECORD,
        detail=entrant.detail,
    ):
        return
    if rng.random() >= rates.applied_med:
        return
    # Most apply the summer before their last year of college; some after a gap year or two.
    applied = degree_year - 1 + demo_data.pick(rng, ((0, 6), (1, 3), (2, 1)))
    if not _milestone(
        context, entrant, Milestone.Kind.APPLIED_MED, dt.date(applied, 6, 15), sources=AAMC_RECORD
    ):
        return
    if rng.random() >= rates.admitted_med:
        return
    admitted = dt.date(applied, 10, 15) + dt.timedelta(days=rng.randint(0, 150))
    if not _milestone(context, entrant, Milestone.Kind.ADMITTED_MED, admitted, sources=AAMC_RECORD):
        return
    if rng.random() < rates.matriculated:
        _milestone(
            context,
            entrant,
            Milestone.Kind.MATRICULATED,
            dt.date(applied + 1, 8, 1),
            sources=MATRICULATION_RECORD,
        )


def _resident_path(context: Context, entrant: Entrant, rates: content.DemoRates) -> None:
    """Residency (the hospital's record) and, for some once training ends, a faculty post."""
    _milestone(
        context,
        entrant,
        Milestone.Kind.RESIDENCY,
        dt.date(entrant.residency_year, 7, 1),
        sources=HOSPITAL_RECORD,
        detail=entrant.detail,
    )
    if context.rng.random() < rates.faculty:
        _milestone(
            context,
            entrant,
            Milestone.Kind.FACULTY,
            dt.date(entrant.finish_year, 7, 1),
            sources=FACULTY_RECORD,
        )


def _participant_milestones(context: Context) -> None:
    rates = {spec.stage: spec.rates for spec in content.PROGRAMS}
    for stage, entrants in context.participants.items():
        if stage == K12:
            _k12_paths(context, entrants, rates[stage])
            continue
        for entrant in entrants:
            if stage == COLLEGE:
                _college_path(context, entrant, rates[stage])
            else:
                _resident_path(context, entrant, rates[stage])


def _comparison_groups(context: Context, past: list[int]) -> None:
    """For each K-12 cohort year, district students of the same grades who did not take part,
    followed through the district's records and the clearinghouse-style import."""
    program = Program.objects.get(name=content.K12_NAME)
    for year in past:
        group = ComparisonGroup.objects.create(
            program=program,
            name=content.COMPARISON_NAME.format(year=year),
            description=content.COMPARISON_DESCRIPTION,
            cohort_year=year,
        )
        members = [
            _k12_entrant(context, year, early_share=content.COMPARISON_RATES.early_college)
            for _n in range(content.COMPARISON_SIZE)
        ]
        group.members.set([m.person for m in members])
        _k12_paths(context, members, content.COMPARISON_RATES)
        context.created["comparison groups"] += 1
        context.created["comparison group members"] += len(members)

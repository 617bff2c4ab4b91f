"""Benchmark: the "open shifts for me" page with 5,000 upcoming shifts and 100,000 past sign-ups.

Claim: the number of queries of the page (`volunteering:find-shifts`, each shift with whether
the signed-in student may sign up and why not) does not grow with the number of upcoming
shifts (50, 500 and 5,000), and its throughput is at least 0.15x that of a bare JSON view on the
same server and settings, measured side by side in one run.

What it does, in order:
1. a fresh SQLite database in a temporary directory: migrate, collectstatic, then 20 fictional
   sites with 100 opportunities (HIPAA and TB tests, Spanish or Arabic, a minimum training
   level, site orientations, in a fixed mix), 5,000 fictional people, 10,000 past shifts over
   the last year with 100,000 past sign-ups (attended and no-shows), written with bulk_create;
   one medical student who speaks Spanish, with verified HIPAA and TB credentials, the
   orientation at some sites, a year of past shifts among those sign-ups and upcoming ones;
2. upcoming shifts in the page's default window (the next 30 days) added in steps, 50, then
   500, then 5,000 in all; at each step the queries of one page (whole request, middleware
   included; in-process test Client) for the default listing, for "only shifts I can sign up
   for" and for one day (a few rows at first, a full page of 20 at the end, so that a query
   per row would show): each must be constant across the steps;
3. gunicorn (2 gthread workers x 2 threads; docs/deploy.md recommends gunicorn) with DEBUG=0 and
   the production settings, except plain HTTP on 127.0.0.1; the student's session made
   server-side;
4. C client threads (http.client, keep-alive) for D seconds per endpoint, in four alternating
   phases A B A B (the page, bare JSON) so that drift cancels out; the page mix is the default
   listing, "only shifts I can sign up for", one site, and a week further out, as a student
   uses it. Both endpoints get the same session cookie, so the same middleware runs for both;
5. requests/s, p50/p95 latency, JSON on stdout and in bench/results/open_shifts.json; exit 1 on
   FAIL.

Environment: BENCH_SECONDS (D, default 10), BENCH_CLIENTS (C, default 4), BENCH_THREADS (per
gunicorn worker, default 2), BENCH_KEEP=1 keeps the temporary directory. Other settings pass
through (e.g. DB_CONN_MAX_AGE).
"""

# ruff: noqa: PLC0415
# PLC0415: Django is imported only after the environment names the temporary database.
from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtest import against_bare_json, free_port, session_cookie, start_server, write_results

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_DIR / "bench" / "results" / "open_shifts.json"
THRESHOLD = 0.15
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
WARM_UP_SECONDS = 5
WORKERS = 2
THREADS_PER_WORKER = int(os.environ.get("BENCH_THREADS", "2"))
SITES = 20
OPPORTUNITIES = 100
PEOPLE = 5000
PAST_SHIFTS = 10_000
PAST_SIGNUPS_PER_SHIFT = 10  # 100,000 past sign-ups
UPCOMING_STEPS = (50, 500, 5000)
BATCH = 5000
WINDOW_DAYS = 29  # inside the page's default range (today and the next 30 days)
ZIPS = ("63106", "63107", "63113", "63115", "63120", "63118", "63111", "63116")


def configure(tmp: Path) -> dict[str, str]:
    """Environment shared by this process and the server: production settings, plain HTTP."""
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "VAR_DIR": str(tmp),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "EMAIL_URL": "dummy://",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(PROJECT_DIR),
    }
    os.environ.update(env)
    return env


@dataclass
class World:
    student: Any
    site_ids: list[int]
    opportunity_ids: list[int]


def seed(rng: random.Random) -> World:
    """Migrate, collect static files, write the sites, people and the past season."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from equityhub.accounts.models import Role, RoleAssignment, User
    from equityhub.people.models import (
        Affiliation,
        Language,
        Organization,
        Person,
        PersonLanguage,
        Proficiency,
        TrainingLevel,
    )
    from equityhub.places.models import Site
    from equityhub.volunteering.models import (
        ORIENTATION_CODE,
        Credential,
        CredentialType,
        LanguageRequirement,
        Opportunity,
        Shift,
        SignUp,
    )

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    today = timezone.localdate()
    now = timezone.now().replace(microsecond=0)
    types = {t.code: t for t in CredentialType.objects.all()}
    school = Organization.objects.create(
        name="Gateway School of Medicine (fictional)", kind="university", is_fictional=True
    )
    sites = Site.objects.bulk_create(
        Site(
            name=f"Northside Community Clinic {n + 1} (fictional)",
            zip_code=ZIPS[n % len(ZIPS)],
            address=f"{1000 + 100 * n} N. Grand Blvd.",
            timezone="America/Chicago",
        )
        for n in range(SITES)
    )
    levels = ("", "", TrainingLevel.UNDERGRADUATE, TrainingLevel.MEDICAL_STUDENT, "resident")
    opportunities = Opportunity.objects.bulk_create(
        Opportunity(
            site=sites[n % SITES],
            title=f"Clinic role {n + 1}: intake, vitals and navigation",
            min_training_level=levels[n % len(levels)],
            requires_orientation=n % 4 == 0,
        )
        for n in range(OPPORTUNITIES)
    )
    through = Opportunity.credential_types.through
    through.objects.bulk_create(
        [through(opportunity_id=o.pk, credentialtype_id=types["hipaa"].pk) for o in opportunities]
        + [
            through(opportunity_id=o.pk, credentialtype_id=types["tb-test"].pk)
            for n, o in enumerate(opportunities)
            if n % 2 == 0
        ]
        + [
            through(opportunity_id=o.pk, credentialtype_id=types["bls"].pk)
            for n, o in enumerate(opportunities)
            if n % 9 == 0
        ]
    )
    LanguageRequirement.objects.bulk_create(
        LanguageRequirement(
            opportunity=o,
            language=Language.SPANISH if n % 10 == 3 else Language.ARABIC,
            min_proficiency=Proficiency.CONVERSATIONAL,
        )
        for n, o in enumerate(opportunities)
        if n % 10 in (3, 7)
    )

    people = Person.objects.bulk_create(
        (
            Person(
                given_name=f"Volunteer{n}",
                family_name="Bench",
                email=f"volunteer.{n}@bench.example.org",
                date_of_birth=today - dt.timedelta(days=rng.randint(19, 40) * 365),
            )
            for n in range(PEOPLE)
        ),
        batch_size=BATCH,
    )
    user = User.objects.create_user("student@bench.example.org", secrets.token_urlsafe(16))
    RoleAssignment.objects.create(user=user, role=Role.MEMBER)
    student = Person.objects.create(
        user=user,
        given_name="Valeria",
        family_name="Bench",
        email=user.email,
        date_of_birth=today - dt.timedelta(days=25 * 365),
    )
    Affiliation.objects.create(
        person=student,
        organization=school,
        training_level=TrainingLevel.MEDICAL_STUDENT,
        start_date=today - dt.timedelta(days=700),
        is_primary=True,
    )
    PersonLanguage.objects.bulk_create(
        [
            PersonLanguage(person=student, language="en", proficiency=Proficiency.NATIVE),
            PersonLanguage(person=student, language="es", proficiency=Proficiency.NATIVE),
        ]
    )
    issued = today - dt.timedelta(days=200)
    Credential.objects.bulk_create(
        [
            Credential(
                person=student,
                credential_type=types[code],
                issued_on=issued,
                expires_on=issued + dt.timedelta(days=365),
                status=Credential.Status.VERIFIED,
            )
            for code in ("hipaa", "tb-test")
        ]
        + [
            Credential(
                person=student,
                credential_type=types[ORIENTATION_CODE],
                site=site,
                issued_on=issued,
                status=Credential.Status.VERIFIED,
            )
            for site in sites[::3]
        ]
    )

    # The past season: 10,000 shifts over the last year, ten sign-ups each.
    volunteers = [*people, student]
    for start in range(0, PAST_SHIFTS, BATCH):
        with transaction.atomic():
            shifts = Shift.objects.bulk_create(
                past_shift(Shift, rng, opportunities, now)
                for _ in range(start, min(start + BATCH, PAST_SHIFTS))
            )
            signups = []
            for shift in shifts:
                for person in rng.sample(volunteers, PAST_SIGNUPS_PER_SHIFT):
                    attended = rng.random() < 0.94
                    signups.append(
                        SignUp(
                            shift=shift,
                            person=person,
                            status=SignUp.Status.ATTENDED if attended else SignUp.Status.NO_SHOW,
                            confirmed_at=shift.starts_at - dt.timedelta(days=7),
                            checked_in_at=shift.starts_at if attended else None,
                        )
                    )
            SignUp.objects.bulk_create(signups, batch_size=BATCH)
    return World(
        student=user,
        site_ids=[site.pk for site in sites],
        opportunity_ids=[o.pk for o in opportunities],
    )


def past_shift(model: Any, rng: random.Random, opportunities: list[Any], now: dt.datetime) -> Any:
    start = now - dt.timedelta(days=rng.randint(1, 365), hours=rng.randint(0, 12))
    return model(
        opportunity=rng.choice(opportunities),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=rng.choice((2, 3, 4, 5))),
        timezone="America/Chicago",
        capacity=PAST_SIGNUPS_PER_SHIFT,
        seats_taken=PAST_SIGNUPS_PER_SHIFT,
    )


def add_upcoming(world: World, count: int, rng: random.Random, *, first: bool) -> None:
    """`count` more upcoming shifts within the page's default window; the first batch also
    puts the student on three of them (confirmed) and fills a few to a waitlist."""
    from django.db import transaction
    from django.utils import timezone

    from equityhub.people.models import Person
    from equityhub.volunteering.models import Shift, SignUp

    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        shifts = Shift.objects.bulk_create(
            Shift(
                opportunity_id=rng.choice(world.opportunity_ids),
                starts_at=(
                    start := now
                    + dt.timedelta(hours=2)
                    + dt.timedelta(minutes=rng.randint(0, WINDOW_DAYS * 24 * 60))
                ),
                ends_at=start + dt.timedelta(hours=rng.choice((2, 3, 4))),
                timezone="America/Chicago",
                capacity=rng.choice((2, 4, 6, 8)),
            )
            for _ in range(count)
        )
        if not first:
            return
        student = Person.objects.get(user=world.student)
        others = list(Person.objects.exclude(pk=student.pk).values_list("pk", flat=True)[:50])
        mine = sorted(shifts, key=lambda s: s.starts_at)[:30:10]
        signups = [
            SignUp(shift=shift, person=student, status=SignUp.Status.CONFIRMED) for shift in mine
        ]
        for index, shift in enumerate([s for s in shifts if s not in mine][:5]):
            seated = others[index * 8 : index * 8 + shift.capacity]
            waiting = others[index * 8 + shift.capacity : index * 8 + shift.capacity + 2]
            signups += [
                SignUp(shift=shift, person_id=pk, status=SignUp.Status.CONFIRMED) for pk in seated
            ]
            signups += [
                SignUp(
                    shift=shift,
                    person_id=pk,
                    status=SignUp.Status.WAITLISTED,
                    waitlist_position=position,
                )
                for position, pk in enumerate(waiting, start=1)
            ]
            Shift.objects.filter(pk=shift.pk).update(
                seats_taken=len(seated), waitlist_length=len(waiting)
            )
        SignUp.objects.bulk_create(signups)


def variants() -> dict[str, dict[str, str]]:
    """The page as counted: the listing, "only shifts I can sign up for", and one day (a few
    rows while there are few shifts, a full page later: per-row queries would show there)."""
    from django.utils import timezone

    day = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    return {
        "listing": {},
        "eligible only": {"eligible_only": "on"},
        "one day": {"start": day, "end": day},
    }


def count_queries(world: World) -> tuple[dict[str, int], dict[str, int]]:
    """Queries for one page, whole request (middleware included), and the rows it shows, for
    each variant."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(world.student)
    url = reverse("volunteering:find-shifts")
    client.get(url)  # warm per-process caches (content types, templates)
    counts: dict[str, int] = {}
    rows: dict[str, int] = {}
    for name, query in variants().items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
        assert response.status_code == 200, response.status_code
        counts[name] = len(queries.captured_queries)
        rows[name] = response.content.decode().count('<th scope="row"')
    return counts, rows


def kind_of(path: str) -> str:
    if not path.startswith("/volunteer/"):
        return "bare"
    if "eligible_only" in path:
        return "eligible only"
    if "site=" in path:
        return "one site"
    if "start=" in path:
        return "later week"
    return "listing"


def page_paths(world: World, rng: random.Random) -> list[str]:
    """How a student uses the page: mostly the listing and "only shifts I can sign up for",
    sometimes one site or a week further out."""
    from django.urls import reverse
    from django.utils import timezone

    url = reverse("volunteering:find-shifts")
    later = [timezone.localdate() + dt.timedelta(days=days) for days in range(7, WINDOW_DAYS, 3)]
    paths = (
        [url] * 8 + [f"{url}?eligible_only=on"] * 6 + [f"{url}?eligible_only=on&open_only=on"] * 2
    )
    paths += [f"{url}?site={rng.choice(world.site_ids)}" for _ in range(2)]
    paths += [f"{url}?start={day.isoformat()}" for day in rng.sample(later, 2)]
    rng.shuffle(paths)
    return paths


def main() -> int:
    began = time.monotonic()
    rng = random.Random(2024)
    tmp = Path(tempfile.mkdtemp(prefix="eh-bench-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        env = configure(tmp)
        sys.path.insert(0, str(PROJECT_DIR))
        import django

        django.setup()
        world = seed(rng)
        counts: dict[str, dict[int, int]] = {name: {} for name in variants()}
        rows: dict[str, dict[int, int]] = {name: {} for name in variants()}
        total = 0
        for step in UPCOMING_STEPS:
            add_upcoming(world, step - total, rng, first=total == 0)
            total = step
            step_counts, step_rows = count_queries(world)
            for name, count in step_counts.items():
                counts[name][step] = count
                rows[name][step] = step_rows[name]
        seeded = time.monotonic() - began
        print(f"queries per page by number of upcoming shifts: {counts}", flush=True)
        print(f"rows shown: {rows}", flush=True)
        queries_constant = all(len(set(by_step.values())) == 1 for by_step in counts.values())
        cookie = session_cookie(world.student)
        paths = page_paths(world, rng)
        from django.db import connections

        connections.close_all()

        port = free_port()
        server = start_server(env, port, workers=WORKERS, threads=THREADS_PER_WORKER)
        page, bare = against_bare_json(
            port,
            paths,
            cookie,
            seconds=SECONDS,
            warm_up_seconds=WARM_UP_SECONDS,
            clients=CLIENTS,
            kind_of=kind_of,
        )
        ratio = page["requests_per_second"] / bare["requests_per_second"]
        passed = (
            queries_constant and ratio >= THRESHOLD and not page["errors"] and not bare["errors"]
        )
        result = {
            "claim": (
                'The "open shifts for me" page with 5,000 upcoming shifts and 100,000 past '
                "sign-ups: the number of queries does not grow with the number of upcoming "
                "shifts; its throughput is at least 0.15x that of a bare JSON view on the same "
                "server and settings, measured side by side in one run."
            ),
            "upcoming_shifts": UPCOMING_STEPS[-1],
            "past_shifts": PAST_SHIFTS,
            "past_signups": PAST_SHIFTS * PAST_SIGNUPS_PER_SHIFT,
            "sites": SITES,
            "opportunities": OPPORTUNITIES,
            "server": (
                f"gunicorn {WORKERS} workers x {THREADS_PER_WORKER} threads (gthread), DEBUG=0, "
                "SQLite (WAL)"
            ),
            "clients": CLIENTS,
            "seconds_per_endpoint": SECONDS,
            "cpus": os.cpu_count(),
            "page_mix": sorted({kind_of(path) for path in paths}),
            "queries_by_upcoming_shifts": counts,
            "rows_by_upcoming_shifts": rows,
            "queries_constant": queries_constant,
            "page": page,
            "bare_json": bare,
            "ratio": round(ratio, 3),
            "threshold": THRESHOLD,
            "result": "PASS" if passed else "FAIL",
            "seed_seconds": round(seeded, 1),
            "total_seconds": round(time.monotonic() - began, 1),
            "python": sys.version.split()[0],
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        write_results(RESULTS, result)
        print(
            f"open shifts page {page['requests_per_second']} req/s vs bare JSON "
            f"{bare['requests_per_second']} req/s: ratio {ratio:.3f} (threshold {THRESHOLD}); "
            f"queries {counts}: {result['result']}"
        )
        return 0 if passed else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the directory page with 50,000 people.

Claim: the number of queries does not grow with the page size, and the page's throughput is at
least 0.15x that of a bare JSON view on the same server and settings, measured side by side in
one run.

What it does, in order:
1. a fresh SQLite database in a temporary directory: migrate, collectstatic, then 50,000
   fictional people (2% under 18) with affiliations to a few organizations and languages,
   written with bulk_create in batches; one office administrator with a TOTP authenticator
   enrolled, since staff must have one when DEBUG is off;
2. query counts in-process (the test Client) for page sizes 10, 25 and 50, on pages of adults
   and on pages of minors (whose listing writes ACCESS audit entries): each must be constant;
3. gunicorn (2 gthread workers x 2 threads; docs/deploy.md recommends gunicorn) with DEBUG=0 and
   the production settings, except plain HTTP on 127.0.0.1; a signed-in session made
   server-side;
4. C client threads (http.client, keep-alive) for D seconds per endpoint, in four alternating
   phases A B A B (directory, bare JSON) so that drift (warm caches, CPU frequency) cancels out.
   Both endpoints get the same session cookie: the same middleware (session, user, roles,
   MFA check) runs for both, so the ratio is the cost of the page itself;
5. requests/s, p50/p95 latency, JSON on stdout and in bench/results/directory.json; exit 1 on
   FAIL.

Environment: BENCH_SECONDS (D, default 10), BENCH_CLIENTS (C, default 4), BENCH_THREADS (per
gunicorn worker, default 2), BENCH_PEOPLE (default 50000), BENCH_KEEP=1 keeps the temporary
directory. Other settings pass through (e.g. DB_CONN_MAX_AGE).
"""

# ruff: noqa: PLC0415, SIM905
# PLC0415: Django is imported only after the environment names the temporary database.
# SIM905: the fictional names read better as one string than as a 60-line list.
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
from pathlib import Path
from typing import Any

from loadtest import against_bare_json, free_port, session_cookie, start_server, write_results

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_DIR / "bench" / "results" / "directory.json"
THRESHOLD = 0.15
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "50000"))
BATCH = 2000
WARM_UP_SECONDS = 5
WORKERS = 2
THREADS_PER_WORKER = int(os.environ.get("BENCH_THREADS", "2"))
PAGE_SIZES = (10, 25, 50)  # 50 is the largest DIRECTORY_PAGE_SIZE allows
SEARCH_TERMS = ("nakam", "maria")

GIVEN_NAMES = (
    "Amara Aisha Ana Astrid Beatriz Carlos Chinwe Dana Darius Demetrius Elena Emi Esperanza "
    "Farah Fatima Gabriel Hana Hiro Ibrahim Imani Jamal Jasmine Jorge Kalani Keanu Kwame Lamar "
    "Layla Lucia Malik Maria Mateo Minh Nadia Nia Omar Priya Quincy Rashid Rosa Samir Sofia "
    "Tariq Thanh Uriel Valentina Wei Xiomara Yusuf Zainab Zoe Amir Bao Camila Deshawn Eun"
).split()
FAMILY_NAMES = (
    "Abdi Acosta Adeyemi Alvarez Begic Bui Castillo Chen Cruz Delgado Diallo Dinh Espinoza "
    "Fofanah Garcia Gutierrez Haddad Hassan Hernandez Ibrahim Jackson Jimenez Kamara Kim Lee "
    "Lindqvist Lopez Mahmoud Martinez Mendoza Mohamed Morales Mwangi Nakamura Nguyen Novak "
    "Obi Okafor Ortiz Patel Pham Quispe Ramirez Reyes Rivera Rodriguez Said Salazar Santos "
    "Sharma Silva Tadesse Torres Tran Vargas Vasquez Washington Williams Yilmaz Yusuf Zapata "
    "Zhang Abebe Bajwa Carrasco Dlamini Efendic Flores Guerrero Hodzic Ismail Johnson Kaur"
).split()
ORGANIZATIONS = (
    ("Gateway School of Medicine", "GSM", "university"),
    ("Riverbend Academic Medical Center", "RAMC", "health_system"),
    ("Northside Community Health Collaborative", "NCHC", "community"),
    ("Tower Grove Family Clinic", "TGFC", "clinic"),
    ("Fairground High School", "FHS", "school"),
    ("Meramec Valley College", "MVC", "college"),
    ("Bevo Mill Refugee Partners", "BMRP", "community"),
    ("Jeff-Vander-Lou Faith Alliance", "JVLFA", "faith_based"),
)
PROGRAMS = ("MD program", "Internal Medicine residency", "Occupational Therapy", "")


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


def fictional_person(model: Any, n: int, rng: random.Random, today: dt.date) -> Any:
    given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
    # One in fifty is a K-12 student: listing them writes an ACCESS audit entry, as in real use.
    age = rng.randint(11, 17) if n % 50 == 0 else rng.randint(19, 70)
    return model(
        given_name=given,
        family_name=family,
        email=f"{given}.{family}.{n}@bench.example.org".lower(),
        date_of_birth=today - dt.timedelta(days=age * 365 + rng.randint(0, 300)),
        home_zip=rng.choice(("63110", "63104", "63106", "63116", "63118")),
    )


def seed(rng: random.Random) -> Any:
    """Migrate, collect static files and write the people; returns the office administrator."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
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

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    today = timezone.localdate()
    organizations = Organization.objects.bulk_create(
        Organization(name=name, short_name=short, kind=kind, city="St. Louis", is_fictional=True)
        for name, short, kind in ORGANIZATIONS
    )
    levels = [level for level in TrainingLevel.values if level != TrainingLevel.K12]
    languages = [code for code in Language.values if code != Language.OTHER]
    for start in range(0, PEOPLE, BATCH):
        with transaction.atomic():
            people = Person.objects.bulk_create(
                fictional_person(Person, n, rng, today)
                for n in range(start, min(start + BATCH, PEOPLE))
            )
            affiliations = []
            spoken = []
            for person in people:
                minor = person.date_of_birth > today - dt.timedelta(days=18 * 365)
                affiliations.extend(
                    Affiliation(
                        person=person,
                        organization=organizations[4] if minor else rng.choice(organizations),
                        training_level=TrainingLevel.K12 if minor else rng.choice(levels),
                        grade_level=rng.randint(6, 12) if minor else None,
                        school_program=rng.choice(PROGRAMS),
                        start_date=today - dt.timedelta(days=rng.randint(30, 3000)),
                        is_primary=index == 0,
                    )
                    for index in range(1 if minor else rng.choice((1, 1, 2)))
                )
                spoken.extend(
                    PersonLanguage(
                        person=person,
                        language=code,
                        proficiency=rng.choice(Proficiency.values),
                    )
                    for code in rng.sample(languages, rng.choice((0, 1, 1, 2, 3)))
                )
            Affiliation.objects.bulk_create(affiliations)
            PersonLanguage.objects.bulk_create(spoken)

    admin = User.objects.create_user("office.admin@bench.example.org", secrets.token_urlsafe(16))
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    RoleAssignment.objects.create(user=admin, role=Role.OFFICE_ADMIN)
    TOTP.activate(admin, generate_totp_secret())
    return admin


def count_queries(admin: Any) -> dict[str, dict[int, int]]:
    """Queries for one directory page at each page size (whole request, middleware included).

    A page that lists minors also writes their ACCESS audit entries (BEGIN, one INSERT,
    COMMIT), so adults and minors are counted apart: each must be constant on its own.
    """
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    client.get("/people/", {"age_group": "minor"})  # warm per-process caches (content types)
    counts: dict[str, dict[int, int]] = {}
    for group in ("adult", "minor"):
        counts[group] = {}
        for size in PAGE_SIZES:
            with (
                override_settings(DIRECTORY_PAGE_SIZE=size),
                CaptureQueriesContext(connection) as queries,
            ):
                response = client.get("/people/", {"q": "", "age_group": group, "page": 3})
            assert response.status_code == 200, response.status_code
            counts[group][size] = len(queries.captured_queries)
    return counts


def kind_of(path: str) -> str:
    if path.startswith("/people/"):
        return "browse" if "q=&" in path else "search"
    return "bare"


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
        admin = seed(rng)
        seeded = time.monotonic() - began
        counts = count_queries(admin)
        print(f"queries per directory page by page size: {counts}", flush=True)
        queries_constant = all(len(set(by_size.values())) == 1 for by_size in counts.values())
        cookie = session_cookie(admin)
        from django.db import connections

        connections.close_all()

        port = free_port()
        server = start_server(env, port, workers=WORKERS, threads=THREADS_PER_WORKER)
        pages = [f"/people/?q=&page={rng.randint(1, PEOPLE // 25)}" for _ in range(40)]
        searches = [f"/people/?q={term}&page={page}" for term in SEARCH_TERMS for page in (1, 2)]
        # Four browsing pages for each search, as the office uses it: mostly paging and filtering.
        directory_paths = [*pages, *searches * 2]
        rng.shuffle(directory_paths)
        directory, bare = against_bare_json(
            port,
            directory_paths,
            cookie,
            seconds=SECONDS,
            warm_up_seconds=WARM_UP_SECONDS,
            clients=CLIENTS,
            kind_of=kind_of,
        )
        ratio = directory["requests_per_second"] / bare["requests_per_second"]
        passed = (
            queries_constant
            and ratio >= THRESHOLD
            and not directory["errors"]
            and not bare["errors"]
        )
        result = {
            "claim": (
                "The directory page with 50,000 people: the number of queries does not grow with "
                "the page size; its throughput is at least 0.15x that of a bare JSON view on the "
                "same server and settings, measured side by side in one run."
            ),
            "people": PEOPLE,
            "server": (
                f"gunicorn {WORKERS} workers x {THREADS_PER_WORKER} threads (gthread), DEBUG=0, "
                "SQLite (WAL)"
            ),
            "clients": CLIENTS,
            "seconds_per_endpoint": SECONDS,
            "cpus": os.cpu_count(),
            "directory_mix": f"{len(pages)} random pages of {PEOPLE // 25}, "
            f"searches {list(SEARCH_TERMS)} (pages 1-2) x2",
            "queries_by_page_size": counts,
            "queries_constant": queries_constant,
            "directory": directory,
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
            f"directory {directory['requests_per_second']} req/s vs bare JSON "
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

"""Benchmark: 32 clients signing up concurrently on PostgreSQL, one hot shift against 100 shifts.

Claim: with 32 clients signing up at once, the sign-up throughput on ONE hot shift is at least
0.5x the throughput when the same clients spread over 100 shifts (the cost of the row lock that
keeps capacity: every sign-up on the hot shift waits for the one before it), with no errors; and
after every phase the capacity guarantees hold: seats taken never exceed capacity, the seat
counters match the sign-ups, and each waitlist is numbered 1..n with no gap.

What it does, in order:
1. a fresh PostgreSQL database `equityhub_bench_<random>` on postgres://postgres@127.0.0.1:5432
   (skipped, exit 0, when the server does not answer), migrated; the production settings
   (DEBUG off, the database task backend, so each sign-up enqueues its confirmation e-mail as
   it would in production); one office administrator, one opportunity without requirements,
   and distinct fictional people for every sign-up of the run (bulk_create);
2. C client threads (default 32), each with its own database connection (opened before the
   clock starts), each signing up N distinct people (default 30) through
   `volunteering.services.sign_up`, all released at once by a barrier:
   - A, hot: every sign-up on ONE new shift with 10 seats (10 confirmed, then the waitlist: each
     sign-up is a real write under the shift's row lock);
   - B, spread: each sign-up on one of 100 new shifts (10 seats each) chosen at random;
   in four alternating phases A B A B so that drift (warm caches, autovacuum, CPU frequency)
   cancels out;
3. after each phase, the checks above on every shift of the phase, and the counts (A: exactly
   10 confirmed and the rest waitlisted at 1..n);
4. sign-ups/s per phase (sign-ups / wall time from the barrier to the last thread), p50/p95
   latency of one sign-up, ratio A/B over both phases of each; JSON on stdout and in
   bench/results/signups_pg.json; the database is dropped; exit 1 on FAIL.

Reading the numbers: the clients are threads of one Python process, so on a small machine the
client side (the GIL, Django's own work per sign-up) and PostgreSQL's commit flushes bound both
phases; the hot shift's lock shows as the difference between the phases. The p50/p95 latencies
include the time a thread waits for the GIL and for the row lock.

Environment: BENCH_CLIENTS (C, default 32), BENCH_SIGNUPS (N per client per phase, default 30),
BENCH_PG (server URL without the database, default postgres://postgres@127.0.0.1:5432),
BENCH_KEEP=1 keeps the database.
"""

# ruff: noqa: PLC0415
# PLC0415: Django is imported only after the environment names the temporary database.
from __future__ import annotations

import datetime as dt
import json
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_DIR / "bench" / "results" / "signups_pg.json"
THRESHOLD = 0.5
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "32"))
SIGNUPS = int(os.environ.get("BENCH_SIGNUPS", "30"))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
CAPACITY = 10
SPREAD_SHIFTS = 100
PHASES = ("hot", "spread", "hot", "spread")


def reachable() -> str | None:
    """None if the server answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(f"{SERVER}/postgres", connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    return None


def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def configure(tmp: Path, name: str) -> None:
    """Production settings on the temporary database."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "equityhub.settings",
            "DATABASE_URL": f"{SERVER}/{name}",
            "VAR_DIR": str(tmp),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "EMAIL_URL": "dummy://",
            "TASKS_BACKEND": "database",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(PROJECT_DIR),
        }
    )


@dataclass
class World:
    admin_id: int
    opportunity_id: int
    people: list[int]
    next_person: int = 0

    def take(self, count: int) -> list[int]:
        chosen = self.people[self.next_person : self.next_person + count]
        self.next_person += count
        assert len(chosen) == count, "not enough people seeded"
        return chosen


def seed() -> World:
    from django.core.management import call_command
    from django.utils import timezone

    from equityhub.accounts.models import Role, RoleAssignment, User
    from equityhub.people.models import Person
    from equityhub.places.models import Site
    from equityhub.volunteering.models import Opportunity

    call_command("migrate", verbosity=0, interactive=False)
    admin = User.objects.create_user("office.admin@bench.example.org", secrets.token_urlsafe(16))
    RoleAssignment.objects.create(user=admin, role=Role.OFFICE_ADMIN)
    site = Site.objects.create(name="Bench Free Clinic (fictional)", zip_code="63106")
    opportunity = Opportunity.objects.create(site=site, title="Saturday clinic: intake")
    total = CLIENTS * SIGNUPS * len(PHASES)
    today = timezone.localdate()
    people = Person.objects.bulk_create(
        (
            Person(
                given_name=f"Volunteer{n}",
                family_name="Bench",
                email=f"volunteer.{n}@bench.example.org",
                date_of_birth=today - dt.timedelta(days=25 * 365),
            )
            for n in range(total)
        ),
        batch_size=2000,
    )
    return World(admin_id=admin.pk, opportunity_id=opportunity.pk, people=[p.pk for p in people])


def new_shifts(world: World, count: int, *, phase: int) -> list[int]:
    from django.utils import timezone

    from equityhub.volunteering.models import Shift

    start = (timezone.now() + dt.timedelta(days=7 + phase)).replace(microsecond=0)
    shifts = Shift.objects.bulk_create(
        Shift(
            opportunity_id=world.opportunity_id,
            starts_at=start + dt.timedelta(minutes=n),
            ends_at=start + dt.timedelta(hours=4, minutes=n),
            timezone="America/Chicago",
            capacity=CAPACITY,
        )
        for n in range(count)
    )
    return [shift.pk for shift in shifts]


@dataclass
class Phase:
    name: str
    signups: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)


def run_phase(name: str, index: int, world: World, rng: random.Random) -> Phase:
    """C threads, each with its own connection, sign N distinct people up, all at once."""
    from django.db import connection, connections

    from equityhub.accounts.models import User
    from equityhub.people.models import Person
    from equityhub.volunteering import services
    from equityhub.volunteering.models import Shift

    phase = Phase(name)
    shift_ids = new_shifts(world, 1 if name == "hot" else SPREAD_SHIFTS, phase=index)
    # Each client's work is fixed before the clock starts: its people and their shifts.
    work = [
        [(person, rng.choice(shift_ids)) for person in world.take(SIGNUPS)] for _ in range(CLIENTS)
    ]
    barrier = threading.Barrier(CLIENTS + 1)
    lock = threading.Lock()
    finished: list[float] = []

    def client(jobs: list[tuple[int, int]]) -> None:
        try:
            try:
                # Open this thread's connection and load what it signs up with, untimed.
                actor = User.objects.get(pk=world.admin_id)
                people = Person.objects.in_bulk([person for person, _shift in jobs])
                shifts = Shift.objects.select_related("opportunity").in_bulk(
                    {shift for _person, shift in jobs}
                )
                connection.ensure_connection()
            except BaseException:
                barrier.abort()  # the main thread stops waiting and the phase fails loudly
                raise
            latencies: list[float] = []
            errors: list[str] = []
            barrier.wait()
            for person_id, shift_id in jobs:
                started = time.perf_counter()
                try:
                    services.sign_up(shift=shifts[shift_id], person=people[person_id], actor=actor)
                except Exception as error:  # every failure is counted and shown
                    errors.append(f"{type(error).__name__}: {error}")
                latencies.append((time.perf_counter() - started) * 1000)
            done = time.perf_counter()
            with lock:
                phase.latencies_ms.extend(latencies)
                phase.errors.extend(errors)
                phase.signups += len(jobs) - len(errors)
                finished.append(done)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(jobs,)) for jobs in work]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    phase.seconds = (max(finished) if finished else time.perf_counter()) - started
    phase.checks = check(shift_ids, expected=CLIENTS * SIGNUPS, hot=name == "hot")
    return phase


def check(shift_ids: list[int], *, expected: int, hot: bool) -> dict[str, Any]:
    """The capacity guarantees on every shift of a phase, from the rows themselves."""
    from django.db.models import Count, Q

    from equityhub.volunteering.models import Shift, SignUp

    s = SignUp.Status
    problems: list[str] = []
    shifts = Shift.objects.filter(pk__in=shift_ids).annotate(
        seated=Count("signups", filter=Q(signups__status__in=SignUp.SEATED)),
        waiting=Count("signups", filter=Q(signups__status=s.WAITLISTED)),
    )
    confirmed = waitlisted = 0
    for shift in shifts:
        if shift.seats_taken > shift.capacity or shift.seated > shift.capacity:
            problems.append(f"shift {shift.pk}: {shift.seated} seated > capacity")
        if (shift.seats_taken, shift.waitlist_length) != (shift.seated, shift.waiting):
            problems.append(f"shift {shift.pk}: counters do not match the sign-ups")
        positions = list(
            SignUp.objects.filter(shift=shift, status=s.WAITLISTED)
            .order_by("waitlist_position")
            .values_list("waitlist_position", flat=True)
        )
        if positions != list(range(1, len(positions) + 1)):
            problems.append(f"shift {shift.pk}: waitlist positions are not 1..{len(positions)}")
        if shift.waiting and shift.seated < shift.capacity:
            problems.append(f"shift {shift.pk}: people wait while seats are free")
        confirmed += shift.seated
        waitlisted += shift.waiting
    if confirmed + waitlisted != expected:
        problems.append(f"{confirmed + waitlisted} sign-ups recorded, {expected} expected")
    if hot and (confirmed, waitlisted) != (CAPACITY, expected - CAPACITY):
        problems.append(f"hot shift: {confirmed} confirmed and {waitlisted} waitlisted")
    return {
        "shifts": len(shift_ids),
        "confirmed": confirmed,
        "waitlisted": waitlisted,
        "problems": problems[:10],
        "ok": not problems,
    }


def summarise(phases: list[Phase]) -> dict[str, Any]:
    latencies = sorted(ms for phase in phases for ms in phase.latencies_ms)
    signups = sum(phase.signups for phase in phases)
    seconds = sum(phase.seconds for phase in phases)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "signups": signups,
        "errors": sum(len(phase.errors) for phase in phases),
        "error_samples": [error for phase in phases for error in phase.errors][:5],
        "seconds": round(seconds, 2),
        "signups_per_second": round(signups / seconds, 1) if seconds else 0.0,
        "per_phase_signups_per_second": [
            round(phase.signups / phase.seconds, 1) if phase.seconds else 0.0 for phase in phases
        ],
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "checks_ok": all(phase.checks["ok"] for phase in phases),
        "checks": [phase.checks for phase in phases],
    }


def main() -> int:
    began = time.monotonic()
    why = reachable()
    if why is not None:
        print(f"SKIP: PostgreSQL at {SERVER} is not reachable ({why}); nothing measured.")
        return 0
    name = f"equityhub_bench_{secrets.token_hex(4)}"
    tmp = Path(tempfile.mkdtemp(prefix="eh-bench-"))
    create_database(name)
    try:
        configure(tmp, name)
        sys.path.insert(0, str(PROJECT_DIR))
        import django

        django.setup()
        from django.db import connections

        world = seed()
        seeded = time.monotonic() - began
        rng = random.Random(2024)
        phases = []
        for index, phase_name in enumerate(PHASES):
            phase = run_phase(phase_name, index, world, rng)
            print(
                f"{phase_name:>6}: {phase.signups} sign-ups in {phase.seconds:.2f} s "
                f"({phase.signups / phase.seconds:.1f}/s), {len(phase.errors)} errors, "
                f"checks {'ok' if phase.checks['ok'] else phase.checks['problems']}",
                flush=True,
            )
            phases.append(phase)
        hot = summarise([phase for phase in phases if phase.name == "hot"])
        spread = summarise([phase for phase in phases if phase.name == "spread"])
        ratio = (
            hot["signups_per_second"] / spread["signups_per_second"]
            if spread["signups_per_second"]
            else 0.0
        )
        passed = (
            ratio >= THRESHOLD
            and not hot["errors"]
            and not spread["errors"]
            and hot["checks_ok"]
            and spread["checks_ok"]
        )
        with connections["default"].cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        result = {
            "claim": (
                "32 clients signing up concurrently on PostgreSQL: the throughput on one hot "
                "shift is at least 0.5x the throughput when the same clients spread over 100 "
                "shifts, with no errors; seats never exceed capacity and waitlists stay 1..n."
            ),
            "database": f"PostgreSQL {server_version}",
            "clients": CLIENTS,
            "signups_per_client_per_phase": SIGNUPS,
            "capacity": CAPACITY,
            "spread_shifts": SPREAD_SHIFTS,
            "phases": list(PHASES),
            "cpus": os.cpu_count(),
            "hot_shift": hot,
            "spread": spread,
            "ratio": round(ratio, 3),
            "threshold": THRESHOLD,
            "result": "PASS" if passed else "FAIL",
            "seed_seconds": round(seeded, 1),
            "total_seconds": round(time.monotonic() - began, 1),
            "python": sys.version.split()[0],
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        print(json.dumps(result, indent=2))
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
        print(
            f"hot shift {hot['signups_per_second']} sign-ups/s vs spread "
            f"{spread['signups_per_second']} sign-ups/s: ratio {ratio:.3f} (threshold "
            f"{THRESHOLD}); errors {hot['errors'] + spread['errors']}; checks "
            f"{'ok' if hot['checks_ok'] and spread['checks_ok'] else 'FAILED'}: "
            f"{result['result']}"
        )
        connections.close_all()
        return 0 if passed else 1
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            drop_database(name)
        else:
            print(f"kept database {name}")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: importing 10,000 people from one CSV file.

Claim: 10,000 people import in under 30 s with a peak memory (RSS) under 300 MB, on the office's
2-core machine; a file with one bad row (at row 7,001) writes nothing.

What it does, in order:
1. a fresh SQLite database in a temporary directory, migrated once, with the organizations
   the rows name and an office administrator (the audit log's actor);
2. each scenario in its own Python process on its own copy of that database, so that the peak
   RSS (`resource.getrusage`) is the scenario's and not the set-up's:
   - `create`: 10,000 new people (affiliation and languages for most), timed;
   - `update`: the same file imported once (untimed), then again with every phone number
     changed: 10,000 updates, timed;
   - `unchanged`: the export of those 10,000 imported back: all unchanged, timed;
   - `one_bad_row`: 10,000 rows, row 7,001 with a four-digit ZIP code: the import must report
     exactly that error and write nothing (no person, no audit entry), timed;
3. JSON on stdout and in bench/results/import.json; exit 1 when a claim fails.

Environment: BENCH_ROWS (default 10000), BENCH_KEEP=1 keeps the temporary directory.
"""

# ruff: noqa: PLC0415, SIM905
# PLC0415: Django is imported only after the environment names the temporary database.
# SIM905: the fictional names read better as one string than as a list.
from __future__ import annotations

import csv
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_DIR / "bench" / "results" / "import.json"
ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
MAX_SECONDS = 30.0
MAX_RSS_MB = 300.0
BAD_ROW = 7001  # as a spreadsheet numbers it: the header is row 1
SCENARIOS = ("create", "update", "unchanged", "one_bad_row")
ADMIN_EMAIL = "bench-admin@example.org"

ORGANIZATIONS = (
    "Gateway School of Medicine",
    "Riverbend Academic Medical Center",
    "Northside Community Health Collaborative",
    "Tower Grove Family Clinic",
    "Meramec Valley College",
)
LEVELS = ("medical_student", "resident", "fellow", "faculty", "undergraduate", "community")
PROGRAMS = ("MD program", "Internal Medicine residency", "Occupational Therapy", "")
LANGUAGES = ("", "", "es:conversational", "es:native;en:native", "bs:professional;en:native")
GIVEN = (
    "Amara Ana Carlos Chinwe Elena Farah Hiro Imani Jorge Layla Malik Minh Omar Priya Wei".split()
)
FAMILY = "Abdi Begic Bui Chen Diallo Garcia Haddad Kim Lopez Nguyen Okafor Patel Reyes Tran".split()


def configure(tmp: Path, database: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "equityhub.test_settings",
            "DATABASE_URL": f"sqlite:///{database}",
            "VAR_DIR": str(tmp),
            "MEDIA_ROOT": str(tmp / "media"),
            "PYTHONPATH": str(PROJECT_DIR),
        }
    )


def people_csv(rows: int, *, phone_prefix: str = "314-555", bad_row: int | None = None) -> bytes:
    # Called in the child after django.setup(): the file has exactly the columns the import reads.
    from equityhub.people.resources import COLUMNS

    rng = random.Random(7)
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for n in range(rows):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        has_affiliation = n % 10 != 0
        row_number = n + 2
        writer.writerow(
            [
                f"{given}.{family}.{n}@bench.example.org".lower(),
                given,
                family,
                given[:3] if n % 7 == 0 else "",
                rng.choice(("she/her", "he/him", "they/them", "")),
                f"{phone_prefix}-{n % 10000:04d}",
                f"{rng.randint(1950, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "6311" if row_number == bad_row else rng.choice(("63110", "63104", "63106")),
                rng.choice(ORGANIZATIONS) if has_affiliation else "",
                rng.choice(PROGRAMS) if has_affiliation else "",
                rng.choice(LEVELS) if has_affiliation else "",
                rng.choice(LANGUAGES),
            ]
        )
    return stream.getvalue().encode()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# The child: one scenario in a fresh process -----------------------------------------------


def child(scenario: str) -> dict[str, Any]:
    import django

    django.setup()
    from equityhub.accounts.models import User
    from equityhub.audit.models import AuditEntry
    from equityhub.people.imports import export_people, import_people
    from equityhub.people.models import Person

    actor = User.objects.get(email=ADMIN_EMAIL)
    if scenario in {"update", "unchanged"}:
        first = import_people(data=people_csv(ROWS), actor=actor, dry_run=False, file_name="a.csv")
        assert first.written, first.errors[:5]
    if scenario == "update":
        data = people_csv(ROWS, phone_prefix="636-555")
    elif scenario == "unchanged":
        stream = io.StringIO()
        export_people(people_queryset=Person.objects.all(), stream=stream, fmt="csv", actor=actor)
        data = stream.getvalue().encode()
    else:
        data = people_csv(ROWS, bad_row=BAD_ROW if scenario == "one_bad_row" else None)
    people_before, audit_before = Person.objects.count(), AuditEntry.objects.count()
    rss_before = rss_mb()

    started = time.perf_counter()
    report = import_people(data=data, actor=actor, dry_run=False, file_name="bench.csv")
    seconds = time.perf_counter() - started

    result: dict[str, Any] = {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(rss_mb(), 1),
        "rss_before_import_mb": round(rss_before, 1),
        "file_kb": round(len(data) / 1024),
        **report.as_counts(),
        "errors": [[e.row, e.column, e.message] for e in report.errors[:5]],
        "written": report.written,
    }
    if scenario == "one_bad_row":
        result["nothing_written"] = (
            Person.objects.count() == people_before and AuditEntry.objects.count() == audit_before
        )
        result["ok"] = (
            result["nothing_written"]
            and not report.written
            and [(e.row, e.column) for e in report.errors] == [(BAD_ROW, "home_zip")]
        )
    else:
        expected = {
            "create": {"created": ROWS, "updated": 0, "unchanged": 0},
            "update": {"created": 0, "updated": ROWS, "unchanged": 0},
            "unchanged": {"created": 0, "updated": 0, "unchanged": ROWS},
        }[scenario]
        result["ok"] = report.written and report.as_counts() == expected
    result["ok"] = bool(result["ok"]) and result["peak_rss_mb"] < MAX_RSS_MB
    if scenario == "create":
        result["ok"] = result["ok"] and seconds < MAX_SECONDS
    return result


def prepare() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from equityhub.accounts.models import Role, RoleAssignment, User
    from equityhub.people.models import Organization

    call_command("migrate", verbosity=0)
    Organization.objects.bulk_create(Organization(name=name) for name in ORGANIZATIONS)
    user = User.objects.create_user(email=ADMIN_EMAIL, password=None)
    RoleAssignment.objects.create(user=user, role=Role.OFFICE_ADMIN)


# The parent --------------------------------------------------------------------------------


def run_child(args: list[str]) -> str:
    completed = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(completed.returncode)
    return completed.stdout


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="equityhub-bench-import-"))
    template = tmp / "template.sqlite3"
    try:
        configure(tmp, template)
        run_child(["--prepare"])
        results: dict[str, Any] = {}
        for scenario in SCENARIOS:
            database = tmp / f"{scenario}.sqlite3"
            shutil.copyfile(template, database)
            configure(tmp, database)
            results[scenario] = json.loads(run_child(["--scenario", scenario]))
        summary = {
            "benchmark": "import",
            "rows": ROWS,
            "cpus": os.cpu_count(),
            "targets": {"create_seconds": MAX_SECONDS, "peak_rss_mb": MAX_RSS_MB},
            "scenarios": results,
            "ok": all(result["ok"] for result in results.values()),
        }
        text = json.dumps(summary, indent=2, ensure_ascii=False)
        print(text)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text + "\n")
        print("PASS" if summary["ok"] else "FAIL", file=sys.stderr)
        return 0 if summary["ok"] else 1
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_DIR))
    if sys.argv[1:] == ["--prepare"]:
        prepare()
    elif sys.argv[1:2] == ["--scenario"]:
        print(json.dumps(child(sys.argv[2])))
    else:
        raise SystemExit(main())

"""Benchmark: importing a 4 MB GeoJSON file of 600 area boundaries with `equityhub import-areas`.

Claim: the command imports 600 boundaries (a 4 MB GeoJSON file, about 200,000 positions) in
under 10 s with a peak memory (RSS) under 400 MB, on SQLite and (when reachable) PostgreSQL;
importing the same file again (600 updates) meets the same targets; a file whose last feature
is broken writes nothing and exits with status 1.

What it does, in order:
1. a GeoJSON FeatureCollection of 600 areas in a temporary directory: the 30 St. Louis City
   ZCTA boundaries of the shared data (../shared/data/stl-zcta, SLU openGIS, CC BY 4.0), tiled
   20 times with offsets of a quarter of a degree and given made-up 5-digit codes; where the
   shared files are absent, 600 synthetic star-shaped polygons of the same detail;
2. for each database (a fresh SQLite file; a fresh PostgreSQL database `equityhub_bench_...`
   when postgres://postgres@127.0.0.1:5432 answers): `equityhub migrate`, then each scenario
   as its own `equityhub import-areas` process, started from a small measuring process so that
   `resource.getrusage(RUSAGE_CHILDREN).ru_maxrss` is the import's peak RSS alone:
   - `create`: 600 new areas, timed (wall clock of the whole command: start-up, Django set-up,
     reading, checking, simplifying, writing);
   - `update`: the same file again: 600 areas updated, timed;
   - `one_bad_feature`: the file with the last feature's ring left open: exit status 1, the
     error naming feature 599, no area added;
3. JSON on stdout and in bench/results/import_areas.json; PASS or FAIL; exit 1 on FAIL.

Environment: BENCH_AREAS (default 600), BENCH_PG (PostgreSQL server URL without the database,
default postgres://postgres@127.0.0.1:5432; `none` skips it), BENCH_KEEP=1 keeps the
temporary directory.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import resource
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_DIR / "bench" / "results" / "import_areas.json"
SHARED = PROJECT_DIR.parent / "shared" / "data" / "stl-zcta" / "STL_ZCTA_St_Louis_City.geojson"
AREAS = int(os.environ.get("BENCH_AREAS", "600"))
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
MAX_SECONDS = 10.0
MAX_RSS_MB = 400.0
ID_PROPERTY = "GEOID_ZCTA"
EQUITYHUB = str(Path(sys.executable).with_name("equityhub"))


# The file ----------------------------------------------------------------------------------


def _shift(coordinates: Any, dx: float, dy: float) -> Any:
    if isinstance(coordinates[0], (int, float)):
        return [round(coordinates[0] + dx, 6), round(coordinates[1] + dy, 6)]
    return [_shift(part, dx, dy) for part in coordinates]


def tiled_features(count: int) -> tuple[list[dict[str, Any]], str]:
    """The City's real boundaries, tiled until there are `count` of them."""
    source = json.loads(SHARED.read_bytes())["features"]
    features = []
    for n in range(count):
        original = source[n % len(source)]
        tile = n // len(source)
        dx, dy = (tile % 5) * 0.25, (tile // 5) * 0.25
        features.append(
            {
                "type": "Feature",
                "properties": {ID_PROPERTY: f"{10000 + n}", "NAME": f"Bench area {n}"},
                "geometry": {
                    "type": original["geometry"]["type"],
                    "coordinates": _shift(original["geometry"]["coordinates"], dx, dy),
                },
            }
        )
    return features, f"{SHARED.name}, tiled"


def synthetic_features(count: int) -> tuple[list[dict[str, Any]], str]:
    """Star-shaped polygons of about 330 corners each, on a 0.05-degree grid."""
    rng = random.Random(5)
    features = []
    for n in range(count):
        lon, lat = -90.6 + (n % 25) * 0.05, 38.4 + (n // 25) * 0.05
        corners = 330
        ring = [
            [
                round(
                    lon + (0.018 + 0.004 * rng.random()) * math.cos(2 * math.pi * k / corners), 6
                ),
                round(
                    lat + (0.018 + 0.004 * rng.random()) * math.sin(2 * math.pi * k / corners), 6
                ),
            ]
            for k in range(corners)
        ]
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "properties": {ID_PROPERTY: f"{10000 + n}", "NAME": f"Bench area {n}"},
                "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]},
            }
        )
    return features, "synthetic star-shaped polygons"


def write_files(tmp: Path) -> dict[str, Any]:
    features, origin = (tiled_features if SHARED.is_file() else synthetic_features)(AREAS)
    good = tmp / "areas.geojson"
    collection = {"type": "FeatureCollection", "features": features}
    good.write_text(json.dumps(collection, separators=(",", ":")))
    last = features[-1]["geometry"]
    ring = last["coordinates"][0][0] if last["type"] == "MultiPolygon" else last["coordinates"][0]
    ring.pop()  # the last feature's ring is left open
    (tmp / "broken.geojson").write_text(json.dumps(collection, separators=(",", ":")))
    positions = sum(
        len(r)
        for f in features
        for p in (
            f["geometry"]["coordinates"]
            if f["geometry"]["type"] == "MultiPolygon"
            else [f["geometry"]["coordinates"]]
        )
        for r in p
    )
    return {
        "areas": len(features),
        "positions": positions + 1,
        "file_mb": round(good.stat().st_size / 1024 / 1024, 2),
        "made_from": origin,
    }


# Databases and processes -------------------------------------------------------------------


def environment(tmp: Path, database_url: str) -> dict[str, str]:
    """Production settings on the bench's database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "equityhub.settings",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_URL": "dummy://",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(PROJECT_DIR),
    }


def measured(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run `command` from a fresh measuring process, so that RUSAGE_CHILDREN is its alone."""
    completed = subprocess.run(
        [sys.executable, __file__, "--measure", *command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(completed.returncode)
    return json.loads(completed.stdout.splitlines()[-1])


def measure(command: list[str]) -> None:
    """The measuring process: run the command, report its time, peak RSS and output."""
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak_kib / 1024, 1),
                "exit_status": completed.returncode,
                "stdout": completed.stdout.strip()[-300:],
                "stderr": completed.stderr.strip()[-600:],
            }
        )
    )


def pg_reachable() -> str | None:
    if PG_SERVER.lower() == "none":
        return "BENCH_PG=none"
    import psycopg  # noqa: PLC0415 - only when PostgreSQL is wanted

    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    return None


def pg_admin(sql: str) -> None:
    import psycopg  # noqa: PLC0415

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def count_areas(database_url: str) -> int:
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            return int(connection.execute("SELECT count(*) FROM places_area").fetchone()[0])
    import psycopg  # noqa: PLC0415

    with psycopg.connect(database_url) as connection:
        row = connection.execute("SELECT count(*) FROM places_area").fetchone()
        return int(row[0]) if row else 0


def run_database(tmp: Path, database_url: str) -> dict[str, Any]:
    env = environment(tmp, database_url)
    migrate = subprocess.run(
        [EQUITYHUB, "migrate", "--verbosity=0"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if migrate.returncode != 0:
        sys.stderr.write(migrate.stderr)
        raise SystemExit(migrate.returncode)
    command = [EQUITYHUB, "import-areas", "--id-property", ID_PROPERTY, "--name-property", "NAME"]
    source = ["--source", "Benchmark: tiled SLU openGIS STL_BOUNDARY_ZCTA (ACS 2018), CC BY 4.0"]
    results: dict[str, Any] = {}
    for scenario, name in (("create", "areas"), ("update", "areas"), ("one_bad_feature", "broken")):
        before = count_areas(database_url)
        result = measured([*command, *source, str(tmp / f"{name}.geojson")], env)
        result["areas_after"] = count_areas(database_url)
        if scenario == "one_bad_feature":
            result["ok"] = (
                result["exit_status"] == 1
                and f"feature {AREAS - 1} (" in result["stderr"]
                and result["areas_after"] == before
            )
        else:
            expected = "created, 0 updated" if scenario == "create" else "0 area(s) created"
            result["ok"] = (
                result["exit_status"] == 0
                and expected in result["stdout"]
                and result["areas_after"] == AREAS
                and result["seconds"] < MAX_SECONDS
            )
        result["ok"] = bool(result["ok"]) and result["peak_rss_mb"] < MAX_RSS_MB
        results[scenario] = result
        print(
            f"  {scenario}: {result['seconds']} s, {result['peak_rss_mb']} MB peak RSS, "
            f"exit {result['exit_status']}: {'ok' if result['ok'] else 'NOT OK'}",
            flush=True,
        )
    return results


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="eh-bench-areas-"))
    pg_database = f"equityhub_bench_{secrets.token_hex(4)}"
    pg_created = False
    try:
        data = write_files(tmp)
        print(f"file: {data}", flush=True)
        databases: dict[str, Any] = {}
        print("== SQLite", flush=True)
        databases["sqlite"] = run_database(tmp, f"sqlite:///{tmp / 'bench.sqlite3'}")
        why_not = pg_reachable()
        if why_not is None:
            print("== PostgreSQL", flush=True)
            pg_admin(f'CREATE DATABASE "{pg_database}"')
            pg_created = True
            databases["postgresql"] = run_database(tmp, f"{PG_SERVER}/{pg_database}")
        else:
            print(f"== PostgreSQL skipped: {why_not}", flush=True)
            databases["postgresql"] = {"skipped": why_not}
        passed = all(
            scenario["ok"]
            for results in databases.values()
            if "skipped" not in results
            for scenario in results.values()
        )
        summary = {
            "claim": (
                f"equityhub import-areas imports {AREAS} boundaries from a {data['file_mb']} MB "
                f"GeoJSON file in under {MAX_SECONDS:.0f} s with a peak RSS under "
                f"{MAX_RSS_MB:.0f} MB (new and again as updates); a file with one broken "
                "feature writes nothing and exits 1."
            ),
            "file": data,
            "targets": {"seconds": MAX_SECONDS, "peak_rss_mb": MAX_RSS_MB},
            "databases": databases,
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "result": "PASS" if passed else "FAIL",
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        text = json.dumps(summary, indent=2, ensure_ascii=False)
        print(text)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text + "\n")
        print("PASS" if passed else "FAIL", file=sys.stderr)
        return 0 if passed else 1
    finally:
        if pg_created:
            pg_admin(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2:])
    else:
        sys.exit(main())

"""Benchmark: `GET /api/v1/areas`, the atlas' GeoJSON of the 66 St. Louis ZCTAs with indicators.

Claim: the map's GeoJSON (66 City and County ZCTA boundaries simplified for maps, with
population, poverty and race for 2018) is under 300 KB gzip-compressed, and `/api/v1/areas`
with `Accept-Encoding: gzip` serves at least 0.3x the requests per second of a bare view that
returns the same compressed bytes on the same server and settings, measured side by side in one
run; the number of queries per request does not depend on the number of areas.

What it does, in order:
1. a fresh SQLite database in a temporary directory, migrated; the shared boundaries and their
   tables imported with `import_shared_boundaries` (../shared/data/stl-zcta; SLU openGIS
   STL_BOUNDARY_ZCTA (ACS 2018), CC BY 4.0); without them, the demo table (centroids, no
   boundaries; the size claim is then not measured); one signed-in user with no role (any
   signed-in user may read the map), session made server-side;
2. in-process (test Client): the sizes of the answer (identity, gzip, and `full=true`), and the
   queries of one request with a cold and with a warm cache (whole request, middleware
   included);
3. gunicorn (2 gthread workers x 2 threads) with `bench.settings` (production settings, DEBUG=0,
   plain HTTP on 127.0.0.1) plus one extra URL, `/bench/bare-geojson`, returning the very bytes
   `/api/v1/areas` sends (gzip, same Content-Type), with no work at all: the floor;
4. C client threads (http.client, keep-alive, `Accept-Encoding: gzip`, the same session cookie
   for both, so the same middleware runs) for D seconds per endpoint in four alternating
   phases A B A B after a warm-up; each worker builds its own cache entry on its first request
   (the warm-up covers it);
5. requests/s, p50/p95 latency, JSON on stdout and in bench/results/areas_geojson.json; PASS or
   FAIL; exit 1 on FAIL.

Environment: BENCH_SECONDS (D, default 10), BENCH_CLIENTS (C, default 4), BENCH_THREADS (per
gunicorn worker, default 2), BENCH_KEEP=1 keeps the temporary directory.
"""

# ruff: noqa: PLC0415
# PLC0415: Django is imported only after the environment names the temporary database.
from __future__ import annotations

import datetime as dt
import gzip
import http.client
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from loadtest import Phase, free_port, session_cookie, start_server, summarise, write_results

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_DIR / "bench" / "results" / "areas_geojson.json"
SHARED = PROJECT_DIR.parent / "shared" / "data" / "stl-zcta"
THRESHOLD = 0.3
MAX_GZIPPED_KB = 300.0
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
WARM_UP_SECONDS = 5
WORKERS = 2
THREADS_PER_WORKER = int(os.environ.get("BENCH_THREADS", "2"))
AREAS_PATH = "/api/v1/areas"
BARE_PATH = "/bench/bare-geojson"

# The bench's own URLconf and settings, written to the temporary directory: the project's
# bench URLs plus a view answering the areas' compressed bytes as they are, read from a file.
BARE_URLS = """
import os
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.urls import path

from bench.urls import urlpatterns as bench_urlpatterns

CONTENT_TYPE = os.environ["BENCH_BARE_CONTENT_TYPE"]
BODY: list[bytes] = []  # read on the first request: the file is written after set-up


def bare_geojson(request: HttpRequest) -> HttpResponse:
    if not BODY:
        BODY.append(Path(os.environ["BENCH_BARE_BODY"]).read_bytes())
    response = HttpResponse(BODY[0], content_type=CONTENT_TYPE)
    response["Content-Encoding"] = "gzip"
    return response


urlpatterns = [*bench_urlpatterns, path("bench/bare-geojson", bare_geojson)]
"""
BARE_SETTINGS = """
from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench_areas_urls"
"""


def configure(tmp: Path) -> dict[str, str]:
    """Environment shared by this process and the server: production settings, plain HTTP."""
    (tmp / "bench_areas_urls.py").write_text(BARE_URLS)
    (tmp / "bench_areas_settings.py").write_text(BARE_SETTINGS)
    env = {
        "DJANGO_SETTINGS_MODULE": "bench_areas_settings",
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
        "PYTHONPATH": os.pathsep.join([str(tmp), str(PROJECT_DIR)]),
        "BENCH_BARE_BODY": str(tmp / "areas.geojson.gz"),
        "BENCH_BARE_CONTENT_TYPE": "application/geo+json",
    }
    os.environ.update(env)
    return env


def seed() -> tuple[Any, str]:
    """Migrate, load the areas and indicators, make the reader; (user, what was loaded)."""
    from django.core.management import call_command

    from equityhub.accounts.models import User
    from equityhub.places import services

    call_command("migrate", verbosity=0, interactive=False)
    if services.import_shared_boundaries(directory=SHARED):
        loaded = f"{SHARED.name}: boundaries, Total_Pop, Poverty and Race tables"
    else:
        services.load_demo_areas()
        loaded = "demo table only (no boundaries: the shared files are absent)"
    user = User.objects.create_user("reader@bench.example.org", secrets.token_urlsafe(16))
    return user, loaded


def in_process(user: Any, tmp: Path) -> dict[str, Any]:
    """Sizes of the answers and queries per request, with the test Client."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from equityhub.places import selectors
    from equityhub.places.models import Area

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    gzip_header = {"Accept-Encoding": "gzip"}
    client.get("/api/v1/indicators")  # the session and the user, once
    cache.clear()
    selectors.clear_local_cache()
    # Counted as each request ends: the next request outside a capture clears the log.
    with CaptureQueriesContext(connection) as captured:
        compressed = client.get(AREAS_PATH, headers=gzip_header)
    cold = len(captured)
    with CaptureQueriesContext(connection) as captured:
        client.get(AREAS_PATH, headers=gzip_header)
    warm = len(captured)
    with CaptureQueriesContext(connection) as captured:
        not_modified = client.get(
            AREAS_PATH, headers={**gzip_header, "If-None-Match": compressed["ETag"]}
        )
    conditional = len(captured)
    identity = client.get(AREAS_PATH)
    full = client.get(AREAS_PATH, {"full": "true"}, headers=gzip_header)
    assert_ok = compressed.status_code == 200 and not_modified.status_code == 304
    (tmp / "areas.geojson.gz").write_bytes(compressed.content)
    return {
        "ok": assert_ok and gzip.decompress(compressed.content) == identity.content,
        "areas": Area.objects.count(),
        "identity_kb": round(len(identity.content) / 1024, 1),
        "gzip_kb": round(len(compressed.content) / 1024, 1),
        "full_boundaries_gzip_kb": round(len(full.content) / 1024, 1),
        "full_boundaries_kb": round(len(gzip.decompress(full.content)) / 1024, 1),
        "queries_cold_cache": cold,
        "queries_warm_cache": warm,
        "queries_304": conditional,
    }


def run_phase(name: str, port: int, path: str, cookie: str, seconds: float) -> Phase:
    """`loadtest.run_phase`, but asking for gzip and checking the encoding of each answer."""
    phase = Phase(name)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    headers = {"Cookie": cookie, "Accept": "application/geo+json", "Accept-Encoding": "gzip"}

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies: list[float] = []
        errors = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200 or response.getheader("Content-Encoding") != "gzip":
                errors += 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()
        with lock:
            phase.latencies_ms.extend(latencies)
            phase.by_kind_ms.setdefault(name, []).extend(latencies)
            phase.requests += len(latencies)
            phase.errors += errors

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - started
    return phase


def main() -> int:
    began = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="eh-bench-geojson-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        env = configure(tmp)
        sys.path.insert(0, str(tmp))
        sys.path.insert(0, str(PROJECT_DIR))
        import django

        django.setup()
        user, loaded = seed()
        sizes = in_process(user, tmp)
        print(f"loaded: {loaded}; in process: {sizes}", flush=True)
        cookie = session_cookie(user)
        from django.db import connections

        connections.close_all()

        port = free_port()
        server = start_server(env, port, workers=WORKERS, threads=THREADS_PER_WORKER)
        run_phase("warm-up", port, AREAS_PATH, cookie, WARM_UP_SECONDS)
        run_phase("warm-up", port, BARE_PATH, cookie, 1)
        phases = [
            run_phase(name, port, path, cookie, SECONDS / 2)
            for _round in range(2)
            for name, path in (("areas", AREAS_PATH), ("bare", BARE_PATH))
        ]
        areas = summarise([phase for phase in phases if phase.name == "areas"])
        bare = summarise([phase for phase in phases if phase.name == "bare"])
        ratio = areas["requests_per_second"] / bare["requests_per_second"]
        has_boundaries = "boundaries" in loaded
        size_ok = sizes["gzip_kb"] < MAX_GZIPPED_KB
        queries_ok = sizes["queries_warm_cache"] + 4 == sizes["queries_cold_cache"]
        passed = (
            sizes["ok"]
            and size_ok
            and queries_ok
            and ratio >= THRESHOLD
            and not areas["errors"]
            and not bare["errors"]
        )
        result = {
            "claim": (
                "GET /api/v1/areas (66 St. Louis ZCTAs, simplified boundaries, 4 indicators) "
                "is under 300 KB gzip-compressed and serves at least 0.3x the requests/s of a "
                "bare view returning the same compressed bytes, on the same server and "
                "settings, measured side by side in one run."
            ),
            "loaded": loaded,
            "boundaries_measured": has_boundaries,
            "answer": sizes,
            "max_gzip_kb": MAX_GZIPPED_KB,
            "server": (
                f"gunicorn {WORKERS} workers x {THREADS_PER_WORKER} threads (gthread), DEBUG=0, "
                "SQLite (WAL), locmem cache"
            ),
            "clients": CLIENTS,
            "seconds_per_endpoint": SECONDS,
            "cpus": os.cpu_count(),
            "areas": areas,
            "bare_same_bytes": bare,
            "ratio": round(ratio, 3),
            "threshold": THRESHOLD,
            "result": "PASS" if passed else "FAIL",
            "total_seconds": round(time.monotonic() - began, 1),
            "python": sys.version.split()[0],
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        write_results(RESULTS, result)
        print(
            f"/api/v1/areas {areas['requests_per_second']} req/s vs the same bytes bare "
            f"{bare['requests_per_second']} req/s: ratio {ratio:.3f} (threshold {THRESHOLD}); "
            f"{sizes['gzip_kb']} KB gzip (max {MAX_GZIPPED_KB:.0f}); queries cold "
            f"{sizes['queries_cold_cache']}, warm {sizes['queries_warm_cache']}: "
            f"{result['result']}"
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

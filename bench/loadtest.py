"""What the page benchmarks share: a gunicorn server, a signed-in session, keep-alive client
threads in timed phases, and the summary of a run's latencies.

Imported by the bench scripts after they have configured Django's environment.
"""

# ruff: noqa: PLC0415
# PLC0415: Django is imported only after the calling script names the temporary database.
from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent


def session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    env: dict[str, str], port: int, *, workers: int, threads: int
) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "equityhub.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={threads}",
        "--keep-alive=30",
        "--log-level=warning",
        f"--chdir={PROJECT_DIR}",
    ]
    server = subprocess.Popen(command, env={**os.environ, **env})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


@dataclass
class Phase:
    name: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    by_kind_ms: dict[str, list[float]] = field(default_factory=dict)


def run_phase(
    name: str,
    port: int,
    paths: list[str],
    cookie: str,
    seconds: float,
    *,
    clients: int,
    kind_of: Callable[[str], str],
) -> Phase:
    phase = Phase(name)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie, "Accept": "text/html,application/json"}
        latencies: list[float] = []
        by_kind: dict[str, list[float]] = {}
        errors = 0
        index = offset
        while time.monotonic() < deadline:
            path = paths[index % len(paths)]
            index += 1
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
            elapsed = (time.perf_counter() - started) * 1000
            latencies.append(elapsed)
            by_kind.setdefault(kind_of(path), []).append(elapsed)
            if response.status != 200:
                errors += 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()
        with lock:
            phase.latencies_ms.extend(latencies)
            for kind, values in by_kind.items():
                phase.by_kind_ms.setdefault(kind, []).extend(values)
            phase.requests += len(latencies)
            phase.errors += errors

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - started
    return phase


def summarise(phases: list[Phase]) -> dict[str, Any]:
    latencies = sorted(ms for phase in phases for ms in phase.latencies_ms)
    requests = sum(phase.requests for phase in phases)
    seconds = sum(phase.seconds for phase in phases)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": requests,
        "errors": sum(phase.errors for phase in phases),
        "seconds": round(seconds, 2),
        "requests_per_second": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "per_phase_rps": [round(phase.requests / phase.seconds, 1) for phase in phases],
        "p50_ms_by_kind": {
            kind: round(statistics.median(values), 1)
            for kind in sorted({kind for phase in phases for kind in phase.by_kind_ms})
            if (values := [ms for phase in phases for ms in phase.by_kind_ms.get(kind, [])])
        },
    }


BARE_PATHS = ["/bench/bare-json"]


def against_bare_json(
    port: int,
    paths: list[str],
    cookie: str,
    *,
    seconds: float,
    warm_up_seconds: float,
    clients: int,
    kind_of: Callable[[str], str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The page's and the bare JSON view's summaries, measured side by side in alternating
    phases A B A B (drift such as warm caches or CPU frequency cancels out), after warming
    every page URL once or more (the cold OS page cache, each worker's first template
    compilation)."""
    run_phase("warm-up", port, paths, cookie, warm_up_seconds, clients=clients, kind_of=kind_of)
    run_phase("warm-up", port, BARE_PATHS, cookie, 1, clients=clients, kind_of=kind_of)
    half = seconds / 2
    phases = [
        run_phase(name, port, urls, cookie, half, clients=clients, kind_of=kind_of)
        for _round in range(2)
        for name, urls in (("page", paths), ("bare-json", BARE_PATHS))
    ]
    page = summarise([phase for phase in phases if phase.name == "page"])
    bare = summarise([phase for phase in phases if phase.name == "bare-json"])
    return page, bare


def write_results(path: Path, result: dict[str, Any]) -> None:
    print(json.dumps(result, indent=2))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")

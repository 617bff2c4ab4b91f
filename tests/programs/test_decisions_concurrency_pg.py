"""Seats and the waitlist under concurrent requests, on PostgreSQL.

Each call runs in a worker thread on its own database connection, all released together. The
services lock the application's row, then the cycle's, and recount inside the transaction;
these tests check that no interleaving overfills the seats, leaves a gap or a duplicate in the
waitlist, or sends a decision letter twice.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core import mail
from django.db import connection

from equityhub.accounts.models import User
from equityhub.core.exceptions import Conflict
from equityhub.programs import services_review as services
from equityhub.programs.models import Application, Cycle
from tests.programs.test_review_support import make_applications

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks under real concurrency need PostgreSQL (DATABASE_URL=postgres://...)",
    ),
]

WORKERS = 24


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in a pool of threads, released at once; each result or the exception."""
    go = threading.Event()

    def run(call: Callable[[], Any]) -> Any:
        go.wait(timeout=30)
        try:
            return call()
        except Exception as error:  # the caller inspects every outcome
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(run, call) for call in calls]
        go.set()
        return [future.result(timeout=120) for future in futures]


def decide_call(application_id: int, staff_id: int, outcome: str) -> Callable[[], Application]:
    def call() -> Application:
        application = Application.objects.select_related("cycle__program").get(pk=application_id)
        actor = User.objects.get(pk=staff_id)
        return services.decide(application=application, actor=actor, outcome=outcome)

    return call


def release_call(application_id: int, staff_id: int) -> Callable[[], Application]:
    def call() -> Application:
        application = Application.objects.select_related("cycle__program").get(pk=application_id)
        return services.release_seat(application=application, actor=User.objects.get(pk=staff_id))

    return call


def assert_consistent(cycle: Cycle) -> tuple[list[Application], list[Application]]:
    cycle.refresh_from_db()
    rows = list(Application.objects.filter(cycle=cycle))
    seated = [r for r in rows if r.status in Application.SEATED]
    waiting = sorted(
        (r for r in rows if r.status == Application.Status.WAITLISTED),
        key=lambda r: r.waitlist_position or 0,
    )
    assert len(seated) == cycle.seats_taken <= cycle.seats
    assert [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1))
    return seated, waiting


def test_20_parallel_accepts_for_5_seats_accept_exactly_5(cycle: Cycle, coordinator: User) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(seats=5)
    applications = make_applications(cycle, 20)

    results = run_together([decide_call(a.pk, coordinator.pk, "accepted") for a in applications])

    accepted = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, Conflict)]
    errors = [r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)]
    assert errors == []
    assert len(accepted) == 5
    assert len(refused) == 15
    assert {r.message for r in refused} == {"All 5 seats are taken; waitlist instead."}
    seated, _waiting = assert_consistent(cycle)
    assert sorted(r.pk for r in seated) == sorted(a.pk for a in accepted)
    assert Counter(Application.objects.filter(cycle=cycle).values_list("status", flat=True)) == {
        "accepted": 5,
        "submitted": 15,
    }


def test_parallel_waitlisting_gives_positions_1_to_n(cycle: Cycle, coordinator: User) -> None:
    applications = make_applications(cycle, 30)

    results = run_together([decide_call(a.pk, coordinator.pk, "waitlisted") for a in applications])

    assert all(isinstance(r, Application) for r in results), results
    _seated, waiting = assert_consistent(cycle)
    assert len(waiting) == 30
    told = {r.pk: r.waitlist_position for r in results}
    assert told == {r.pk: r.waitlist_position for r in waiting}


def test_parallel_releases_accepts_and_new_waitlisting_keep_the_waitlist_whole(
    cycle: Cycle, coordinator: User
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(seats=3)
    applications = make_applications(cycle, 40)
    for application in applications[:25]:
        services.decide(application=application, actor=coordinator, outcome="waitlisted")
    leaving = applications[0:25:3]  # nine from all along the waitlist
    accepting = [applications[i] for i in (1, 4, 7, 10, 13)]  # five more, for three seats
    calls = (
        [release_call(a.pk, coordinator.pk) for a in leaving]
        + [decide_call(a.pk, coordinator.pk, "accepted") for a in accepting]
        + [decide_call(a.pk, coordinator.pk, "waitlisted") for a in applications[25:]]
    )

    results = run_together(calls)

    errors = [r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)]
    assert errors == []
    assert sum(isinstance(r, Conflict) for r in results) == 2  # five accepts for three seats
    seated, waiting = assert_consistent(cycle)
    assert len(seated) == 3
    assert len(waiting) == 25 - 9 - 3 + 15


def test_two_letter_runs_at_once_send_each_letter_once(cycle: Cycle, coordinator: User) -> None:
    applications = make_applications(cycle, 12)
    for application, outcome in zip(
        applications, ["accepted", "waitlisted", "rejected"] * 4, strict=True
    ):
        services.decide(application=application, actor=coordinator, outcome=outcome)
    mail.outbox.clear()

    def send() -> int:
        return services.send_decision_letters(
            cycle=Cycle.objects.get(pk=cycle.pk), actor=User.objects.get(pk=coordinator.pk)
        )

    results = run_together([send for _ in range(4)])

    assert sum(results) == 12
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.applicant.email for a in applications)

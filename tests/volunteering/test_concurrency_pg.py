"""Capacity under concurrent requests, on PostgreSQL: many connections sign up at once.

Each call runs in a worker thread on its own database connection (Django's connections are
per thread; each call closes its connection when done), all released together. The services
lock the person's row, then the shift's row, and recount inside the transaction; these tests
check that no interleaving overbooks a shift, leaves a gap in the waitlist, or gives one person
two seats or two overlapping shifts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from equityhub.accounts.models import Role, User
from equityhub.core.exceptions import Conflict
from equityhub.people.models import Person
from equityhub.volunteering import services
from equityhub.volunteering.models import Shift, SignUp

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks under real concurrency need PostgreSQL (DATABASE_URL=postgres://...)",
    ),
]

WORKERS = 32


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


def sign_up_call(shift_id: int, person: Person, actor_id: int) -> Callable[[], SignUp]:
    """A sign-up as a request would make it: shift and actor read on the request's connection."""

    def call() -> SignUp:
        shift = Shift.objects.select_related("opportunity__site").get(pk=shift_id)
        actor = User.objects.get(pk=actor_id)
        return services.sign_up(shift=shift, person=person, actor=actor)

    return call


def make_people(n: int) -> list[Person]:
    return Person.objects.bulk_create(
        Person(given_name=f"Volunteer{i}", family_name="Test", email=f"volunteer{i}@example.org")
        for i in range(n)
    )


@dataclasses.dataclass
class Outcome:
    signups: list[SignUp]
    conflicts: list[Conflict]
    errors: list[BaseException]


def sort_out(results: list[Any]) -> Outcome:
    return Outcome(
        signups=[r for r in results if isinstance(r, SignUp)],
        conflicts=[r for r in results if isinstance(r, Conflict)],
        errors=[r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)],
    )


def assert_consistent(shift: Shift) -> tuple[list[SignUp], list[SignUp]]:
    """The shift's counters match its sign-ups; the waitlist is 1..n in arrival order."""
    shift.refresh_from_db()
    rows = list(SignUp.objects.filter(shift=shift).order_by("id"))
    seated = [r for r in rows if r.status in SignUp.SEATED]
    waiting = sorted(
        (r for r in rows if r.status == SignUp.Status.WAITLISTED),
        key=lambda r: r.waitlist_position or 0,
    )
    assert len(seated) <= shift.capacity
    assert shift.seats_taken == len(seated)
    assert shift.waitlist_length == len(waiting)
    assert [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1))
    assert [r.pk for r in waiting] == sorted(r.pk for r in waiting)
    return seated, waiting


def test_200_concurrent_sign_ups_fill_10_seats_and_a_waitlist_of_190(
    make_shift: Callable[..., Shift], coordinator: User
) -> None:
    shift = make_shift(capacity=10)
    people = make_people(200)

    outcome = sort_out(run_together([sign_up_call(shift.pk, p, coordinator.pk) for p in people]))

    assert outcome.errors == []
    assert outcome.conflicts == []
    assert len(outcome.signups) == 200
    statuses = Counter(SignUp.objects.filter(shift=shift).values_list("status", flat=True))
    assert statuses == {"confirmed": 10, "waitlisted": 190}
    seated, waiting = assert_consistent(shift)
    assert (shift.seats_taken, shift.waitlist_length) == (10, 190)
    assert [r.waitlist_position for r in waiting] == list(range(1, 191))
    # Everyone holds exactly one sign-up, and each caller was told what the database says.
    assert sorted(r.person_id for r in seated + waiting) == sorted(p.pk for p in people)
    told = {s.pk: (s.status, s.waitlist_position) for s in outcome.signups}
    assert told == {r.pk: (r.status, r.waitlist_position) for r in seated + waiting}


def test_50_parallel_sign_ups_by_one_person_make_one_row(
    make_shift: Callable[..., Shift], make_user: Callable[..., User]
) -> None:
    shift = make_shift(capacity=10)
    volunteer = make_user(Role.MEMBER)
    person = Person.objects.get(user=volunteer)

    outcome = sort_out(
        run_together([sign_up_call(shift.pk, person, volunteer.pk) for _ in range(50)])
    )

    assert outcome.errors == []
    assert len(outcome.signups) == 1
    assert len(outcome.conflicts) == 49
    assert SignUp.objects.filter(shift=shift).count() == 1
    assert SignUp.objects.get(shift=shift).status == SignUp.Status.CONFIRMED
    assert_consistent(shift)
    assert shift.seats_taken == 1


def test_parallel_sign_ups_for_two_overlapping_shifts_give_one_each(
    make_shift: Callable[..., Shift], make_user: Callable[..., User]
) -> None:
    morning = make_shift(days=3, hours=4, capacity=10)
    overlapping = make_shift(start=morning.starts_at + dt.timedelta(hours=2), hours=4, capacity=10)
    volunteers = [make_user(Role.MEMBER) for _ in range(5)]
    calls = [
        sign_up_call(shift.pk, Person.objects.get(user=user), user.pk)
        for _ in range(10)
        for user in volunteers
        for shift in (morning, overlapping)
    ]

    outcome = sort_out(run_together(calls))

    assert outcome.errors == []
    assert len(outcome.signups) == 5
    assert len(outcome.conflicts) == 95
    active = Counter(
        SignUp.objects.filter(
            shift__in=[morning, overlapping], status__in=SignUp.ACTIVE
        ).values_list("person__user_id", flat=True)
    )
    assert active == {user.pk: 1 for user in volunteers}
    assert_consistent(morning)
    assert_consistent(overlapping)
    assert morning.seats_taken + overlapping.seats_taken == 5


def test_parallel_cancellations_and_sign_ups_keep_the_waitlist_whole(
    make_shift: Callable[..., Shift], coordinator: User
) -> None:
    shift = make_shift(capacity=5)
    people = make_people(60)
    first = [services.sign_up(shift=shift, person=p, actor=coordinator) for p in people[:40]]
    leaving = first[:3] + first[10:30:2]  # three seated, ten from the middle of the waitlist

    def cancel_call(signup: SignUp) -> Callable[[], SignUp]:
        def call() -> SignUp:
            return services.cancel_signup(signup=signup, actor=User.objects.get(pk=coordinator.pk))

        return call

    calls = [cancel_call(s) for s in leaving] + [
        sign_up_call(shift.pk, p, coordinator.pk) for p in people[40:]
    ]
    outcome = sort_out(run_together(calls))

    assert outcome.errors == []
    assert outcome.conflicts == []
    seated, waiting = assert_consistent(shift)
    assert len(seated) == 5
    # 35 waited; ten left, three moved up into the freed seats, and twenty joined the end.
    assert len(waiting) == 35 - 10 - 3 + 20
    offered = SignUp.objects.filter(shift=shift, status=SignUp.Status.OFFERED)
    assert offered.count() == 3

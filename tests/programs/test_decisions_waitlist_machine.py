"""A hypothesis state machine over one cycle's decisions: accept, waitlist, reject, release
seats and places, answer offers and send letters, in any order. After every step the database
must agree with a plain model and:

- the seats held never exceed the cycle's seats and equal `Cycle.seats_taken`;
- the waitlist positions are exactly 1..n, in the order the applicants were waitlisted;
- every refusal is a `Conflict` the model predicted, and it changes nothing.

Each example runs inside a savepoint rolled back afterwards; the `@initialize` rule makes a new
cycle (0-3 seats) with a pool of six submitted applications.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from equityhub.accounts.models import User
from equityhub.core.exceptions import Conflict
from equityhub.programs import services_review as services
from equityhub.programs.models import Application, Cycle, Program
from tests.programs.test_review_support import make_application

POOL = 6
SEATED = {"accepted", "enrolled"}
DECIDABLE = {"submitted", "waitlisted", "accepted", "rejected"}
OUTCOMES = ["accepted", "waitlisted", "rejected"]
who = st.integers(min_value=0, max_value=POOL - 1)


class DecisionMachine(RuleBasedStateMachine):
    program: ClassVar[Program | None] = None
    staff: ClassVar[User | None] = None

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.cycle: Cycle | None = None
        self.applications: list[Application] = []
        self.seats = 0
        self.status: dict[int, str] = {}
        self.waitlist: list[int] = []
        self.told: set[int] = set()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    @property
    def actor(self) -> User:
        assert self.staff is not None
        return self.staff

    def _seated(self) -> int:
        return sum(1 for s in self.status.values() if s in SEATED)

    def _expect(self, allowed: bool, call: Any) -> Any:
        if allowed:
            return call()
        with pytest.raises(Conflict):
            call()
        return None

    @initialize(seats=st.integers(min_value=0, max_value=3), year=st.integers(2000, 2999))
    def new_cycle(self, seats: int, year: int) -> None:
        assert self.program is not None
        now = timezone.now()
        self.cycle = Cycle.objects.create(
            program=self.program,
            year=year,
            title=f"Cycle {year}",
            status=Cycle.Status.REVIEW,
            opens_at=now - dt.timedelta(days=30),
            closes_at=now - dt.timedelta(days=1),
            seats=seats,
        )
        self.seats = seats
        self.applications = [make_application(self.cycle) for _ in range(POOL)]
        self.status = dict.fromkeys(range(POOL), "submitted")

    @rule(i=who, outcome=st.sampled_from(OUTCOMES))
    def decide(self, i: int, outcome: str) -> None:
        current = self.status[i]
        allowed = (
            current in DECIDABLE
            and current != outcome
            and not (current in {"accepted", "rejected"} and i in self.told)
            and not (outcome == "accepted" and self._seated() >= self.seats)
        )
        decided = self._expect(
            allowed,
            lambda: services.decide(
                application=self.applications[i], actor=self.actor, outcome=outcome
            ),
        )
        if decided is None:
            return
        if current == "waitlisted":
            self.waitlist.remove(i)
        if outcome == "waitlisted":
            self.waitlist.append(i)
            assert decided.waitlist_position == len(self.waitlist)
        self.status[i] = outcome
        self.told.discard(i)

    @rule(i=who, withdraw=st.booleans())
    def release(self, i: int, withdraw: bool) -> None:
        current = self.status[i]
        status = "withdrawn" if withdraw else "declined"
        released = self._expect(
            current in SEATED or current == "waitlisted",
            lambda: services.release_seat(
                application=self.applications[i], actor=self.actor, status=status
            ),
        )
        if released is None:
            return
        if current == "waitlisted":
            self.waitlist.remove(i)
        self.status[i] = status

    @rule(i=who, accept=st.booleans())
    def respond(self, i: int, accept: bool) -> None:
        answered = self._expect(
            self.status[i] == "accepted",
            lambda: services.respond_to_offer(
                application=self.applications[i], actor=self.actor, accept=accept
            ),
        )
        if answered is not None:
            self.status[i] = "enrolled" if accept else "declined"

    @rule()
    def send_letters(self) -> None:
        assert self.cycle is not None
        due = {i for i, s in self.status.items() if s in set(OUTCOMES) and i not in self.told}
        assert services.send_decision_letters(cycle=self.cycle, actor=self.actor) == len(due)
        self.told |= due

    @invariant()
    def database_agrees(self) -> None:
        if self.cycle is None:
            return
        index = {application.pk: i for i, application in enumerate(self.applications)}
        rows = Application.objects.filter(cycle=self.cycle)
        assert {index[r.pk]: r.status for r in rows} == self.status
        waiting = rows.filter(status="waitlisted").order_by("waitlist_position")
        assert [r.waitlist_position for r in waiting] == list(range(1, len(self.waitlist) + 1))
        assert [index[r.pk] for r in waiting] == self.waitlist
        cycle = Cycle.objects.get(pk=self.cycle.pk)
        assert cycle.seats_taken == self._seated() <= cycle.seats


SETTINGS = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.django_db
def test_seats_and_the_waitlist_keep_their_promises_whatever_the_committee_does(
    program: Program, coordinator: User
) -> None:
    machine = type("Machine", (DecisionMachine,), {"program": program, "staff": coordinator})
    run_state_machine_as_test(machine, settings=SETTINGS)

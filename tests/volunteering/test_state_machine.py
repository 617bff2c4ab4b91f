"""A hypothesis state machine over one shift: sign up, cancel, change the capacity, accept,
decline and expire offers, let the shift start, mark no-shows and check people in, in any
order. After every step the database must agree with a plain model of the waitlist and:

- the seats held never exceed the capacity and equal `Shift.seats_taken`;
- the waitlist positions are exactly 1..n, first come first served, and n is
  `Shift.waitlist_length`;
- before the start, free seats mean an empty waitlist (freed seats are offered on at once);
- nobody holds two active sign-ups.

Each example runs inside a savepoint that is rolled back afterwards, so every example starts
from a new shift (created by the `@initialize` rule, with a crowd of the pool signing up in some
order so that waitlists and offers come early) and the pool of eight volunteers carries nothing
over from the example before.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, ClassVar

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from equityhub.accounts.models import Role, User
from equityhub.core.exceptions import Conflict
from equityhub.volunteering import services
from equityhub.volunteering.models import Opportunity, Shift, SignUp
from tests.volunteering.factories import ShiftFactory

POOL = 8
CONFIRMED, OFFERED, ATTENDED, NO_SHOW = "confirmed", "offered", "attended", "no_show"


class WaitlistMachine(RuleBasedStateMachine):
    # Filled in by the test from its fixtures.
    users: ClassVar[list[User]] = []
    manager: ClassVar[User | None] = None
    opportunity: ClassVar[Opportunity | None] = None

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self._clock: Any = None
        self.shift: Shift | None = None
        self.started = False
        self.steps = 0
        # The model: who holds a seat (and how), and the waitlist in order.
        self.capacity = 0
        self.seated: dict[int, str] = {}
        self.waitlist: list[int] = []
        self.signups: dict[int, SignUp] = {}  # each person's latest sign-up row

    def teardown(self) -> None:
        if self._clock is not None:
            self._clock.stop()
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # -- helpers ---------------------------------------------------------------------------

    @property
    def the_shift(self) -> Shift:
        assert self.shift is not None
        return self.shift

    @property
    def the_manager(self) -> User:
        assert self.manager is not None
        return self.manager

    def _fill(self) -> None:
        """Free seats go to the head of the waitlist as offers, but not once it has started."""
        if self.started:
            return
        while len(self.seated) < self.capacity and self.waitlist:
            self.seated[self.waitlist.pop(0)] = OFFERED

    def _with(self, *states: str) -> list[int]:
        return sorted(who for who, state in self.seated.items() if state in states)

    def _not_on_it(self) -> list[int]:
        return [who for who in range(POOL) if who not in self.seated and who not in self.waitlist]

    def _signup(self, who: int) -> SignUp:
        return self.signups[who]

    # -- rules -----------------------------------------------------------------------------

    def _sign_up(self, who: int, *, by_manager: bool) -> None:
        user = self.users[who]
        actor = self.the_manager if by_manager else user
        signup = services.sign_up(shift=self.the_shift, person=user.person, actor=actor)
        self.signups[who] = signup
        if len(self.seated) < self.capacity and not self.waitlist:
            assert signup.status == CONFIRMED
            self.seated[who] = CONFIRMED
        else:
            self.waitlist.append(who)
            assert signup.status == SignUp.Status.WAITLISTED
            assert signup.waitlist_position == len(self.waitlist)

    @initialize(
        capacity=st.integers(min_value=0, max_value=3),
        crowd=st.lists(st.integers(min_value=0, max_value=POOL - 1), unique=True, max_size=POOL),
    )
    def new_shift(self, capacity: int, crowd: list[int]) -> None:
        """A new shift, and a crowd signing up for it in some order."""
        start = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
        self.shift = ShiftFactory(
            opportunity=self.opportunity,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=4),
            capacity=capacity,
        )
        self.capacity = capacity
        for who in crowd:
            self._sign_up(who, by_manager=False)

    @rule(data=st.data(), by_manager=st.booleans(), again=st.booleans())
    def sign_up(self, data: st.DataObject, by_manager: bool, again: bool) -> None:
        """Someone new (or, with `again`, someone already on it: a conflict)."""
        on_it = sorted({*self.seated, *self.waitlist})
        if self.started or (again and on_it) or not self._not_on_it():
            who = data.draw(st.sampled_from(on_it or list(range(POOL))), label="who")
            user = self.users[who]
            with pytest.raises(Conflict):
                services.sign_up(shift=self.the_shift, person=user.person, actor=user)
            return
        self._sign_up(
            data.draw(st.sampled_from(self._not_on_it()), label="who"), by_manager=by_manager
        )

    @precondition(lambda self: bool(self.signups))
    @rule(
        data=st.data(),
        which=st.sampled_from(["seat", "waitlist", "any"]),
        by_manager=st.booleans(),
    )
    def cancel(self, data: st.DataObject, which: str, by_manager: bool) -> None:
        """Give up a seat or leave the waitlist; "any" may pick a sign-up that cannot be
        cancelled (cancelled, lapsed, no-show, attended): a conflict."""
        pick = {
            "seat": self._with(CONFIRMED, OFFERED),
            "waitlist": self.waitlist,
            "any": sorted(self.signups),
        }[which] or sorted(self.signups)
        who = data.draw(st.sampled_from(pick), label="who")
        actor = self.the_manager if by_manager else self.users[who]
        cancellable = self.seated.get(who) in (CONFIRMED, OFFERED) or who in self.waitlist
        if self.started or not cancellable:
            with pytest.raises(Conflict):
                services.cancel_signup(signup=self._signup(who), actor=actor)
            return
        services.cancel_signup(signup=self._signup(who), actor=actor)
        if who in self.waitlist:
            self.waitlist.remove(who)
        else:
            del self.seated[who]
            self._fill()

    @rule(capacity=st.integers(min_value=0, max_value=6))
    def change_capacity(self, capacity: int) -> None:
        if capacity < len(self.seated):
            with pytest.raises(Conflict):
                services.update_shift(
                    shift=self.the_shift, actor=self.the_manager, capacity=capacity
                )
            return
        services.update_shift(shift=self.the_shift, actor=self.the_manager, capacity=capacity)
        self.capacity = capacity
        self._fill()

    @precondition(lambda self: bool(self._with(OFFERED)))
    @rule(data=st.data())
    def accept_offer(self, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from(self._with(OFFERED)), label="who")
        if self.started:  # the offer window closed when the shift started
            with pytest.raises(Conflict):
                services.accept_offer(signup=self._signup(who), actor=self.users[who])
            del self.seated[who]
            return
        services.accept_offer(signup=self._signup(who), actor=self.users[who])
        self.seated[who] = CONFIRMED

    @precondition(lambda self: bool(self._with(OFFERED)))
    @rule(data=st.data())
    def decline_offer(self, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from(self._with(OFFERED)), label="who")
        services.decline_offer(signup=self._signup(who), actor=self.users[who])
        del self.seated[who]
        self._fill()

    @precondition(lambda self: bool(self._with(OFFERED)))
    @rule()
    def expire_offers(self) -> None:
        offered = self._with(OFFERED)
        SignUp.objects.filter(shift=self.the_shift, status=OFFERED).update(
            offer_expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        assert services.expire_offers() == len(offered)
        for who in offered:
            del self.seated[who]
        self._fill()

    @precondition(lambda self: not self.started and self.steps >= 15)
    @rule()
    def start_the_shift(self) -> None:
        self._clock = time_machine.travel(
            self.the_shift.starts_at + dt.timedelta(minutes=30), tick=False
        )
        self._clock.start()
        self.started = True

    @precondition(lambda self: not self.started and bool(self._with(CONFIRMED)))
    @rule(data=st.data())
    def no_show_before_the_start(self, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from(self._with(CONFIRMED)), label="who")
        with pytest.raises(Conflict):
            services.mark_no_show(signup=self._signup(who), actor=self.the_manager)

    @precondition(lambda self: self.started and bool(self._with(CONFIRMED, OFFERED, ATTENDED)))
    @rule(data=st.data())
    def no_show(self, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from(self._with(CONFIRMED, OFFERED, ATTENDED)), label="who")
        services.mark_no_show(signup=self._signup(who), actor=self.the_manager)
        self.seated[who] = NO_SHOW  # a no-show still held the seat

    @precondition(lambda self: self.started and bool(self._with(CONFIRMED, NO_SHOW)))
    @rule(data=st.data())
    def check_in(self, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from(self._with(CONFIRMED, NO_SHOW)), label="who")
        services.check_in(signup=self._signup(who), actor=self.the_manager)
        self.seated[who] = ATTENDED

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def the_database_keeps_the_promises(self) -> None:
        if self.shift is None:
            return
        shift = Shift.objects.get(pk=self.shift.pk)
        rows = list(SignUp.objects.filter(shift=shift).order_by("id"))
        seated = [r for r in rows if r.status in SignUp.SEATED]
        waiting = sorted(
            (r for r in rows if r.status == SignUp.Status.WAITLISTED),
            key=lambda r: r.waitlist_position or 0,
        )

        assert len(seated) <= shift.capacity
        assert shift.seats_taken == len(seated)
        assert [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1))
        assert [r.pk for r in waiting] == sorted(r.pk for r in waiting)  # first come, first served
        assert shift.waitlist_length == len(waiting)
        if not self.started and len(seated) < shift.capacity:
            assert waiting == []
        active = Counter(r.person_id for r in rows if r.status in SignUp.ACTIVE)
        assert all(n == 1 for n in active.values())

    @invariant()
    def the_database_agrees_with_the_model(self) -> None:
        if self.shift is None:
            return
        self.steps += 1
        index = {user.person.pk: i for i, user in enumerate(self.users)}
        rows = SignUp.objects.filter(shift=self.shift)
        seated = {index[r.person_id]: r.status for r in rows if r.status in SignUp.SEATED}
        waiting = [
            index[r.person_id]
            for r in rows.filter(status=SignUp.Status.WAITLISTED).order_by("waitlist_position")
        ]
        assert seated == self.seated
        assert waiting == self.waitlist
        assert Shift.objects.get(pk=self.shift.pk).capacity == self.capacity


SETTINGS = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def run_machine(
    users: list[User], manager: User, opportunity: Opportunity, *, with_settings: Any = SETTINGS
) -> None:
    machine = type(
        "Machine",
        (WaitlistMachine,),
        {"users": users, "manager": manager, "opportunity": opportunity},
    )
    run_state_machine_as_test(machine, settings=with_settings)


@pytest.mark.django_db
def test_the_waitlist_keeps_its_promises_whatever_happens(
    make_user: Any, opportunity: Opportunity, supervisor: User
) -> None:
    run_machine([make_user(Role.MEMBER) for _ in range(POOL)], supervisor, opportunity)

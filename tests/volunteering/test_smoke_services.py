"""A first pass over the sign-up life cycle (the full branch tests are in test_services.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from equityhub.accounts.models import User
from equityhub.core.exceptions import Conflict
from equityhub.volunteering import services
from equityhub.volunteering.models import Shift, SignUp
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_full_shift_waitlists_and_a_cancellation_offers_the_seat_to_the_first(
    make_shift: Callable[..., Shift], supervisor: User
) -> None:
    shift = make_shift(capacity=1)
    people = [PersonFactory() for _ in range(3)]
    signups = [services.sign_up(shift=shift, person=p, actor=supervisor) for p in people]
    assert [s.status for s in signups] == ["confirmed", "waitlisted", "waitlisted"]
    assert [s.waitlist_position for s in signups] == [None, 1, 2]
    services.cancel_signup(signup=signups[0], actor=supervisor)
    second = SignUp.objects.get(pk=signups[1].pk)
    third = SignUp.objects.get(pk=signups[2].pk)
    assert second.status == "offered" and second.offer_expires_at is not None
    assert third.waitlist_position == 1
    shift.refresh_from_db()
    assert (shift.seats_taken, shift.waitlist_length) == (1, 1)
    with pytest.raises(Conflict):
        services.sign_up(shift=shift, person=people[1], actor=supervisor)

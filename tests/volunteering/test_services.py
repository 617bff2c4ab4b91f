"""Every branch of the volunteering services: sign-up and waitlist, offers, shift edits,
attendance, hours, credentials, settings and transcripts."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.places.models import Site
from equityhub.volunteering import selectors, services
from equityhub.volunteering.models import (
    Credential,
    HoursEntry,
    Opportunity,
    Shift,
    SignUp,
    SiteCalendar,
    Transcript,
)
from tests.factories import PersonFactory
from tests.volunteering.factories import (
    CredentialFactory,
    HoursEntryFactory,
    OpportunityFactory,
    credential_type,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


# -- helpers ---------------------------------------------------------------------------------


@contextmanager
def after_start(shift: Shift, minutes: int = 30) -> Iterator[None]:
    """Freeze the clock `minutes` after the shift starts."""
    with time_machine.travel(shift.starts_at + dt.timedelta(minutes=minutes), tick=False):
        yield


def actions(obj: Any) -> list[str]:
    return list(AuditEntry.objects.for_object(obj).order_by("id").values_list("action", flat=True))


def fresh(signup: SignUp) -> SignUp:
    return SignUp.objects.get(pk=signup.pk)


def statuses(*signups: SignUp) -> list[str]:
    return [fresh(s).status for s in signups]


def counts(shift: Shift) -> tuple[int, int]:
    shift.refresh_from_db()
    return shift.seats_taken, shift.waitlist_length


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def students(make_user: Callable[..., User]) -> list[User]:
    return [make_user(Role.MEMBER) for _ in range(5)]


@pytest.fixture
def hipaa_required(opportunity: Opportunity) -> Opportunity:
    opportunity.credential_types.add(credential_type("hipaa"))
    return opportunity


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# -- sign_up ---------------------------------------------------------------------------------


def test_a_member_signs_up_for_a_free_seat_and_gets_a_confirmation(
    shift: Shift, member: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        signup = services.sign_up(shift=shift, person=member.person, actor=member)

    assert signup.status == SignUp.Status.CONFIRMED
    assert signup.source == SignUp.Source.SELF
    assert signup.waitlist_position is None
    assert signup.confirmed_at is not None
    assert signup.created_by == member
    assert (shift.seats_taken, shift.waitlist_length) == (1, 0)  # the caller's object follows
    assert counts(shift) == (1, 0)
    [message] = mail.outbox
    assert message.to == [member.person.email]
    assert "You are signed up" in message.subject
    assert shift.opportunity.site.name in message.body
    assert actions(signup) == ["volunteering.signup.created"]


def test_a_full_shift_waitlists_people_in_the_order_they_came(
    make_shift: Callable[..., Shift], supervisor: User, django_capture_on_commit_callbacks: Any
) -> None:
    shift = make_shift(capacity=1)
    people = [PersonFactory() for _ in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        signups = [services.sign_up(shift=shift, person=p, actor=supervisor) for p in people]

    assert [s.status for s in signups] == ["confirmed", "waitlisted", "waitlisted"]
    assert [s.waitlist_position for s in signups] == [None, 1, 2]
    assert {s.source for s in signups} == {SignUp.Source.STAFF}
    assert counts(shift) == (1, 2)
    last = next(m for m in mail.outbox if m.to == [people[2].email])
    assert "waitlist" in last.subject
    assert "number 2" in last.body


def test_signing_up_twice_for_the_same_shift_is_a_conflict(
    make_shift: Callable[..., Shift], member: User, coordinator: User
) -> None:
    shift = make_shift(capacity=1)
    services.sign_up(shift=shift, person=member.person, actor=member)

    with pytest.raises(Conflict, match="already signed up"):
        services.sign_up(shift=shift, person=member.person, actor=member)

    # ... also from the waitlist
    other = PersonFactory()
    services.sign_up(shift=shift, person=other, actor=coordinator)
    with pytest.raises(Conflict, match="already signed up"):
        services.sign_up(shift=shift, person=other, actor=coordinator)
    assert SignUp.objects.filter(shift=shift).count() == 2


def test_someone_may_sign_up_again_after_cancelling(shift: Shift, member: User) -> None:
    first = services.sign_up(shift=shift, person=member.person, actor=member)
    services.cancel_signup(signup=first, actor=member)

    again = services.sign_up(shift=shift, person=member.person, actor=member)

    assert again.pk != first.pk
    assert again.status == "confirmed"
    assert counts(shift) == (1, 0)


def test_an_overlapping_shift_is_a_conflict_naming_the_other_shift(
    make_shift: Callable[..., Shift], member: User
) -> None:
    first = make_shift(days=3, hours=4)
    overlapping = make_shift(start=first.starts_at + dt.timedelta(hours=3), hours=4)
    services.sign_up(shift=first, person=member.person, actor=member)

    with pytest.raises(Conflict, match="overlaps another shift") as caught:
        services.sign_up(shift=overlapping, person=member.person, actor=member)

    assert first.opportunity.title in caught.value.message
    assert not SignUp.objects.filter(shift=overlapping).exists()


def test_a_waitlisted_sign_up_also_blocks_an_overlapping_one(
    make_shift: Callable[..., Shift], member: User, coordinator: User
) -> None:
    full = make_shift(capacity=0)
    services.sign_up(shift=full, person=member.person, actor=member)
    overlapping = make_shift(start=full.starts_at + dt.timedelta(hours=1))

    with pytest.raises(Conflict, match="overlaps"):
        services.sign_up(shift=overlapping, person=member.person, actor=member)


def test_back_to_back_shifts_do_not_overlap(make_shift: Callable[..., Shift], member: User) -> None:
    first = make_shift(hours=4)
    second = make_shift(start=first.ends_at, hours=2)
    services.sign_up(shift=first, person=member.person, actor=member)

    assert services.sign_up(shift=second, person=member.person, actor=member).status == "confirmed"


def test_cancelled_sign_ups_and_cancelled_shifts_do_not_block_an_overlapping_one(
    make_shift: Callable[..., Shift], member: User, supervisor: User
) -> None:
    dropped = make_shift()
    called_off = make_shift(start=dropped.starts_at)
    services.cancel_signup(
        signup=services.sign_up(shift=dropped, person=member.person, actor=member), actor=member
    )
    services.sign_up(shift=called_off, person=member.person, actor=member)
    services.cancel_shift(shift=called_off, actor=supervisor, reason="Flooded basement")
    third = make_shift(start=dropped.starts_at + dt.timedelta(hours=1))

    assert services.sign_up(shift=third, person=member.person, actor=member).status == "confirmed"


def test_an_ineligible_person_is_refused_with_the_problems(
    hipaa_required: Opportunity, make_shift: Callable[..., Shift], member: User
) -> None:
    shift = make_shift()

    with pytest.raises(services.Ineligible) as caught:
        services.sign_up(shift=shift, person=member.person, actor=member)

    error = caught.value
    assert error.code == "ineligible"
    assert [p.code for p in error.problems] == ["credential_missing"]
    assert "HIPAA training is not on file" in error.message
    assert error.as_dict()["problems"] == [
        {"code": "credential_missing", "message": "HIPAA training is not on file"}
    ]
    assert not SignUp.objects.filter(shift=shift).exists()
    assert counts(shift) == (0, 0)


def test_a_supervisor_overrides_eligibility_with_a_reason_and_it_is_audited(
    hipaa_required: Opportunity, make_shift: Callable[..., Shift], supervisor: User
) -> None:
    shift = make_shift()
    person = PersonFactory()

    signup = services.sign_up(
        shift=shift, person=person, actor=supervisor, override_reason="  Training on Friday  "
    )

    assert signup.status == "confirmed"
    assert signup.override_reason == "Training on Friday"
    entry = AuditEntry.objects.for_object(signup).get(
        action="volunteering.signup.eligibility_overridden"
    )
    assert entry.actor_id == supervisor.pk
    assert entry.data == {"reason": "Training on Friday", "problems": ["credential_missing"]}


def test_an_override_reason_for_an_eligible_person_is_not_kept(
    shift: Shift, supervisor: User
) -> None:
    signup = services.sign_up(
        shift=shift, person=PersonFactory(), actor=supervisor, override_reason="just in case"
    )

    assert signup.override_reason == ""
    assert "volunteering.signup.eligibility_overridden" not in actions(signup)


def test_a_member_cannot_override_their_own_eligibility(
    hipaa_required: Opportunity, make_shift: Callable[..., Shift], member: User
) -> None:
    with pytest.raises(NotAllowed):
        services.sign_up(
            shift=make_shift(), person=member.person, actor=member, override_reason="trust me"
        )
    assert not SignUp.objects.exists()


def test_a_member_cannot_sign_up_someone_else(
    shift: Shift, member: User, outsider: User, other_supervisor: User
) -> None:
    for actor in (member, outsider, other_supervisor):
        with pytest.raises(NotAllowed):
            services.sign_up(shift=shift, person=PersonFactory(), actor=actor)
    assert not SignUp.objects.exists()


def test_the_shifts_own_supervisor_may_sign_others_up(
    shift: Shift, make_user: Callable[..., User]
) -> None:
    lead = make_user(Role.MEMBER)  # a senior student leading this one shift
    shift.supervisor = lead
    shift.save()

    signup = services.sign_up(shift=shift, person=PersonFactory(), actor=lead)

    assert signup.source == SignUp.Source.STAFF


def test_a_started_shift_takes_no_sign_ups(shift: Shift, member: User) -> None:
    with after_start(shift), pytest.raises(Conflict, match="already started"):
        services.sign_up(shift=shift, person=member.person, actor=member)


def test_a_cancelled_shift_takes_no_sign_ups(shift: Shift, member: User, supervisor: User) -> None:
    services.cancel_shift(shift=shift, actor=supervisor, reason="Snow")

    with pytest.raises(Conflict, match="cancelled"):
        services.sign_up(shift=shift, person=member.person, actor=member)


def test_an_inactive_opportunity_takes_no_sign_ups(
    shift: Shift, member: User, opportunity: Opportunity
) -> None:
    opportunity.is_active = False
    opportunity.save()

    with pytest.raises(Conflict, match="not taking sign-ups"):
        services.sign_up(shift=shift, person=member.person, actor=member)


def test_a_walk_in_is_checked_in_at_once_with_hours(
    make_shift: Callable[..., Shift], supervisor: User
) -> None:
    shift = make_shift(hours=3)
    person = PersonFactory()

    with after_start(shift):
        signup = services.add_walk_in(shift=shift, person=person, actor=supervisor)

    assert signup.status == SignUp.Status.ATTENDED
    assert signup.source == SignUp.Source.WALK_IN
    assert signup.checked_in_by == supervisor
    entry = HoursEntry.objects.get(signup=signup)
    assert (entry.hours, entry.status, entry.site_id) == (
        Decimal("3.00"),
        HoursEntry.Status.SUBMITTED,
        shift.opportunity.site_id,
    )
    assert counts(shift) == (1, 0)


def test_a_walk_in_on_a_full_shift_is_a_conflict(
    make_shift: Callable[..., Shift], supervisor: User
) -> None:
    shift = make_shift(capacity=1)
    services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)

    with after_start(shift), pytest.raises(Conflict, match="full") as caught:
        services.add_walk_in(shift=shift, person=PersonFactory(), actor=supervisor)
    assert caught.value.field == "capacity"


def test_a_walk_in_takes_a_free_seat_even_with_people_on_the_waitlist(
    make_shift: Callable[..., Shift], supervisor: User
) -> None:
    # Seats freed after the start are not offered on (no one could confirm in time), so a
    # started shift can have free seats and a waitlist; the person standing there gets the seat.
    shift = make_shift(capacity=1)
    services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)
    waiting = services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)

    with after_start(shift):
        services.update_shift(shift=shift, actor=supervisor, capacity=2)
        walk_in = services.add_walk_in(shift=shift, person=PersonFactory(), actor=supervisor)

    assert walk_in.status == SignUp.Status.ATTENDED
    assert walk_in.waitlist_position is None
    assert HoursEntry.objects.filter(signup=walk_in).count() == 1
    assert fresh(waiting).status == SignUp.Status.WAITLISTED
    assert counts(shift) == (2, 1)


def test_a_walk_in_long_after_the_shift_is_refused(shift: Shift, supervisor: User) -> None:
    with (
        time_machine.travel(shift.ends_at + dt.timedelta(hours=13), tick=False),
        pytest.raises(Conflict, match="too long ago"),
    ):
        services.add_walk_in(shift=shift, person=PersonFactory(), actor=supervisor)


def test_only_managers_add_walk_ins(shift: Shift, member: User) -> None:
    with after_start(shift), pytest.raises(NotAllowed):
        services.add_walk_in(shift=shift, person=member.person, actor=member)


# -- cancel_signup, offers -------------------------------------------------------------------


def test_a_cancelled_seat_is_offered_to_the_first_on_the_waitlist_by_mail(
    make_shift: Callable[..., Shift],
    students: list[User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    shift = make_shift(capacity=1, days=3)
    a, b, c = (services.sign_up(shift=shift, person=u.person, actor=u) for u in students[:3])
    mail.outbox.clear()

    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.cancel_signup(signup=a, actor=students[0], reason="exam")

    assert cancelled.status == SignUp.Status.CANCELLED
    assert cancelled.cancelled_at is not None
    assert cancelled.late_cancellation is False
    offered = fresh(b)
    assert offered.status == SignUp.Status.OFFERED
    assert offered.waitlist_position is None
    window = offered.offer_expires_at - now
    assert dt.timedelta(hours=23, minutes=59) < window <= dt.timedelta(hours=24, minutes=1)
    assert fresh(c).waitlist_position == 1
    assert counts(shift) == (1, 1)
    [message] = mail.outbox
    assert message.to == [students[1].person.email]
    assert "seat opened up" in message.subject
    assert "volunteering.signup.offered" in actions(offered)


def test_an_offer_window_never_runs_past_the_start_of_the_shift(
    make_shift: Callable[..., Shift], students: list[User]
) -> None:
    shift = make_shift(capacity=1, days=0.25)  # six hours away
    first, second = (services.sign_up(shift=shift, person=u.person, actor=u) for u in students[:2])

    services.cancel_signup(signup=first, actor=students[0])

    assert fresh(second).offer_expires_at == shift.starts_at


def test_cancelling_from_the_waitlist_closes_the_gap_in_order(
    make_shift: Callable[..., Shift], supervisor: User
) -> None:
    shift = make_shift(capacity=1)
    services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)
    waiting = [
        services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor) for _ in "abcde"
    ]

    services.cancel_signup(signup=waiting[1], actor=supervisor)
    services.cancel_signup(signup=waiting[3], actor=supervisor)

    remaining = [waiting[0], waiting[2], waiting[4]]
    assert [fresh(s).waitlist_position for s in remaining] == [1, 2, 3]
    assert fresh(waiting[1]).waitlist_position is None
    assert counts(shift) == (1, 3)
    # No one was offered anything: the seat is still taken.
    assert not SignUp.objects.filter(shift=shift, status="offered").exists()


def test_a_cancellation_inside_24_hours_is_late(
    make_shift: Callable[..., Shift], students: list[User]
) -> None:
    soon = make_shift(days=0.5, capacity=1)
    later = make_shift(days=3)
    on_soon = services.sign_up(shift=soon, person=students[0].person, actor=students[0])
    waiting_soon = services.sign_up(shift=soon, person=students[1].person, actor=students[1])
    on_later = services.sign_up(shift=later, person=students[2].person, actor=students[2])

    assert services.cancel_signup(signup=on_soon, actor=students[0]).late_cancellation is True
    # The waitlisted person was offered the seat; declining by cancelling is late, too.
    assert fresh(waiting_soon).status == "offered"
    assert services.cancel_signup(signup=waiting_soon, actor=students[1]).late_cancellation
    assert services.cancel_signup(signup=on_later, actor=students[2]).late_cancellation is False


def test_leaving_the_waitlist_is_never_late(
    make_shift: Callable[..., Shift], students: list[User]
) -> None:
    shift = make_shift(days=0.5, capacity=0)
    waiting = services.sign_up(shift=shift, person=students[0].person, actor=students[0])

    assert services.cancel_signup(signup=waiting, actor=students[0]).late_cancellation is False


def test_cancelling_after_the_start_is_a_conflict(shift: Shift, member: User) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)

    with after_start(shift), pytest.raises(Conflict, match="started"):
        services.cancel_signup(signup=signup, actor=member)
    assert fresh(signup).status == "confirmed"


def test_cancelling_twice_is_a_conflict(shift: Shift, member: User) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)
    services.cancel_signup(signup=signup, actor=member)

    with pytest.raises(Conflict, match="cancelled"):
        services.cancel_signup(signup=signup, actor=member)


def test_no_one_cancels_another_members_sign_up_but_a_supervisor_may(
    shift: Shift, students: list[User], supervisor: User, other_supervisor: User
) -> None:
    signup = services.sign_up(shift=shift, person=students[0].person, actor=students[0])

    for intruder in (students[1], other_supervisor):
        with pytest.raises(NotAllowed):
            services.cancel_signup(signup=signup, actor=intruder)
    assert fresh(signup).status == "confirmed"

    services.cancel_signup(signup=signup, actor=supervisor)
    assert fresh(signup).status == "cancelled"


def _offered(shift: Shift, students: list[User]) -> tuple[SignUp, SignUp, SignUp]:
    """Three on a one-seat shift; the first cancels, so the second holds an offer."""
    a, b, c = (services.sign_up(shift=shift, person=u.person, actor=u) for u in students[:3])
    services.cancel_signup(signup=a, actor=students[0])
    return a, fresh(b), fresh(c)


def test_accepting_an_offer_confirms_the_seat(
    make_shift: Callable[..., Shift], students: list[User]
) -> None:
    shift = make_shift(capacity=1)
    _a, offered, waiting = _offered(shift, students)

    accepted = services.accept_offer(signup=offered, actor=students[1])

    assert accepted.status == "confirmed"
    assert accepted.offer_expires_at is None
    assert accepted.confirmed_at is not None
    assert "volunteering.signup.offer_accepted" in actions(accepted)
    assert fresh(waiting).status == "waitlisted"
    assert counts(shift) == (1, 1)


def test_only_the_person_offered_may_accept(
    make_shift: Callable[..., Shift], students: list[User], supervisor: User
) -> None:
    shift = make_shift(capacity=1)
    _a, offered, waiting = _offered(shift, students)

    for intruder in (students[2], supervisor):
        with pytest.raises(NotAllowed):
            services.accept_offer(signup=offered, actor=intruder)
    with pytest.raises(Conflict, match="no open offer"):
        services.accept_offer(signup=waiting, actor=students[2])


def test_accepting_an_expired_offer_is_a_conflict_and_the_seat_moves_on(
    make_shift: Callable[..., Shift], students: list[User], django_capture_on_commit_callbacks: Any
) -> None:
    shift = make_shift(capacity=1, days=3)
    _a, offered, waiting = _offered(shift, students)

    with (
        time_machine.travel(timezone.now() + dt.timedelta(hours=25), tick=False),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Conflict, match="expired"),
    ):
        services.accept_offer(signup=offered, actor=students[1])

    lapsed = fresh(offered)
    assert lapsed.status == SignUp.Status.OFFER_LAPSED
    assert "volunteering.signup.offer_expired" in actions(lapsed)
    assert fresh(waiting).status == SignUp.Status.OFFERED
    assert counts(shift) == (1, 0)
    assert [m.to for m in mail.outbox] == [[students[2].person.email]]


def test_declining_an_offer_passes_the_seat_on(
    make_shift: Callable[..., Shift], students: list[User], supervisor: User
) -> None:
    shift = make_shift(capacity=1)
    _a, offered, waiting = _offered(shift, students)

    with pytest.raises(NotAllowed):
        services.decline_offer(signup=offered, actor=students[2])
    declined = services.decline_offer(signup=offered, actor=students[1])

    assert declined.status == SignUp.Status.OFFER_LAPSED
    assert "volunteering.signup.offer_declined" in actions(declined)
    assert fresh(waiting).status == SignUp.Status.OFFERED
    with pytest.raises(Conflict):
        services.decline_offer(signup=offered, actor=students[1])
    # A supervisor may decline for someone (they phoned in).
    assert services.decline_offer(signup=fresh(waiting), actor=supervisor).status == "offer_lapsed"
    assert counts(shift) == (0, 0)


def test_expire_offers_lapses_only_the_overdue_and_offers_on(
    make_shift: Callable[..., Shift], students: list[User]
) -> None:
    shift = make_shift(capacity=1, days=3)
    _a, offered, waiting = _offered(shift, students)
    other = make_shift(capacity=1, days=5)
    x, y = (services.sign_up(shift=other, person=u.person, actor=u) for u in students[3:5])
    services.cancel_signup(signup=x, actor=students[3])
    SignUp.objects.filter(pk=y.pk).update(offer_expires_at=timezone.now() + dt.timedelta(days=2))

    assert services.expire_offers(now=timezone.now() + dt.timedelta(hours=25)) == 1

    assert fresh(offered).status == "offer_lapsed"
    assert fresh(waiting).status == "offered"
    assert fresh(y).status == "offered"
    assert services.expire_offers() == 0


# -- update_shift and cancel_shift -----------------------------------------------------------


def test_lowering_the_capacity_below_the_seats_held_is_a_conflict(
    make_shift: Callable[..., Shift], supervisor: User
) -> None:
    shift = make_shift(capacity=3)
    for _ in range(2):
        services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)

    with pytest.raises(Conflict, match="2 people hold seats") as caught:
        services.update_shift(shift=shift, actor=supervisor, capacity=1)

    assert caught.value.field == "capacity"
    shift.refresh_from_db()
    assert shift.capacity == 3
    assert services.update_shift(shift=shift, actor=supervisor, capacity=2).capacity == 2


def test_raising_the_capacity_offers_the_new_seats_to_the_waitlist_in_order(
    make_shift: Callable[..., Shift], supervisor: User
) -> None:
    shift = make_shift(capacity=1)
    services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)
    waiting = [
        services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor) for _ in "abc"
    ]

    services.update_shift(shift=shift, actor=supervisor, capacity=3)

    assert statuses(*waiting) == ["offered", "offered", "waitlisted"]
    assert fresh(waiting[2]).waitlist_position == 1
    assert counts(shift) == (3, 1)
    entry = AuditEntry.objects.for_object(shift).get(action="volunteering.shift.updated")
    assert entry.changes == {"capacity": [1, 3]}


def test_moving_a_shift_onto_someones_other_shift_is_a_conflict_naming_them(
    make_shift: Callable[..., Shift], supervisor: User
) -> None:
    person = PersonFactory(given_name="Amara", family_name="Okafor", preferred_name="")
    here = make_shift(days=3)
    elsewhere = make_shift(days=4)
    services.sign_up(shift=here, person=person, actor=supervisor)
    services.sign_up(shift=elsewhere, person=person, actor=supervisor)

    with pytest.raises(Conflict, match="Amara Okafor"):
        services.update_shift(
            shift=here,
            actor=supervisor,
            starts_at=elsewhere.starts_at,
            ends_at=elsewhere.ends_at,
        )
    here.refresh_from_db()
    assert here.starts_at != elsewhere.starts_at


def test_changing_the_times_e_mails_everyone_on_the_shift(
    make_shift: Callable[..., Shift], supervisor: User, django_capture_on_commit_callbacks: Any
) -> None:
    shift = make_shift(capacity=1)
    seated, waiting, gone = (PersonFactory() for _ in range(3))
    services.sign_up(shift=shift, person=seated, actor=supervisor)
    services.sign_up(shift=shift, person=waiting, actor=supervisor)
    services.cancel_signup(
        signup=services.sign_up(shift=shift, person=gone, actor=supervisor), actor=supervisor
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.update_shift(
            shift=shift,
            actor=supervisor,
            starts_at=shift.starts_at + dt.timedelta(hours=1),
            ends_at=shift.ends_at + dt.timedelta(hours=1),
        )

    assert recipients() == sorted([seated.email, waiting.email])
    assert all("has changed" in m.subject for m in mail.outbox)


def test_a_notes_change_sends_no_mail(
    shift: Shift, supervisor: User, django_capture_on_commit_callbacks: Any
) -> None:
    services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.update_shift(shift=shift, actor=supervisor, notes="Park on Cass Avenue")

    assert mail.outbox == []


def test_update_shift_refusals(
    shift: Shift, supervisor: User, member: User, other_supervisor: User
) -> None:
    for intruder in (member, other_supervisor):
        with pytest.raises(NotAllowed):
            services.update_shift(shift=shift, actor=intruder, capacity=5)
    with pytest.raises(ServiceError, match="Unknown field"):
        services.update_shift(shift=shift, actor=supervisor, seats_taken=0)
    with pytest.raises(ServiceError, match="end after it starts"):
        services.update_shift(shift=shift, actor=supervisor, ends_at=shift.starts_at)
    with after_start(shift), pytest.raises(Conflict, match="started"):
        services.update_shift(
            shift=shift, actor=supervisor, starts_at=shift.starts_at + dt.timedelta(hours=1)
        )
    services.cancel_shift(shift=shift, actor=supervisor, reason="Closed")
    with pytest.raises(Conflict, match="cancelled"):
        services.update_shift(shift=shift, actor=supervisor, capacity=5)


def test_cancelling_a_shift_frees_everything_and_tells_everyone(
    make_shift: Callable[..., Shift],
    students: list[User],
    supervisor: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    shift = make_shift(capacity=2)
    signups = [services.sign_up(shift=shift, person=u.person, actor=u) for u in students[:4]]
    services.cancel_signup(signup=signups[0], actor=students[0])  # -> students[2] offered
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_shift(shift=shift, actor=supervisor, reason="  Water main break ")

    shift.refresh_from_db()
    assert shift.status == Shift.Status.CANCELLED
    assert shift.cancel_reason == "Water main break"
    assert statuses(*signups) == [
        "cancelled",
        "shift_cancelled",
        "shift_cancelled",
        "shift_cancelled",
    ]
    assert not SignUp.objects.filter(shift=shift, waitlist_position__isnull=False).exists()
    assert not SignUp.objects.filter(shift=shift, offer_expires_at__isnull=False).exists()
    assert counts(shift) == (0, 0)
    assert recipients() == sorted(u.person.email for u in students[1:4])
    assert all("Water main break" in m.body for m in mail.outbox)


def test_cancel_shift_refusals(shift: Shift, supervisor: User, member: User) -> None:
    with pytest.raises(ServiceError, match="Say why") as caught:
        services.cancel_shift(shift=shift, actor=supervisor, reason="  ")
    assert caught.value.field == "reason"
    with pytest.raises(NotAllowed):
        services.cancel_shift(shift=shift, actor=member, reason="I am bored")
    with (
        time_machine.travel(shift.ends_at + dt.timedelta(minutes=1), tick=False),
        pytest.raises(Conflict, match="over"),
    ):
        services.cancel_shift(shift=shift, actor=supervisor, reason="Late")
    services.cancel_shift(shift=shift, actor=supervisor, reason="Storm")
    with pytest.raises(Conflict, match="already"):
        services.cancel_shift(shift=shift, actor=supervisor, reason="Storm")


# -- attendance ------------------------------------------------------------------------------


def test_check_in_creates_one_submitted_hours_entry_for_the_shift(
    make_shift: Callable[..., Shift], member: User, supervisor: User
) -> None:
    shift = make_shift(hours=3.5)
    signup = services.sign_up(shift=shift, person=member.person, actor=member)

    with after_start(shift, minutes=-60):  # an hour early is fine
        checked = services.check_in(signup=signup, actor=supervisor)
        with pytest.raises(Conflict, match="attended"):
            services.check_in(signup=signup, actor=supervisor)

    assert checked.status == SignUp.Status.ATTENDED
    assert checked.checked_in_by == supervisor
    [entry] = HoursEntry.objects.filter(person=member.person)
    assert entry.signup_id == signup.pk
    assert entry.status == HoursEntry.Status.SUBMITTED
    assert entry.hours == Decimal("3.50")
    assert entry.site_id == shift.opportunity.site_id
    assert entry.activity == shift.opportunity.title
    assert entry.date == shift.local_start.date()


def test_check_in_more_than_two_hours_early_is_a_conflict(
    shift: Shift, member: User, supervisor: User
) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)

    with after_start(shift, minutes=-121), pytest.raises(Conflict, match="two hours"):
        services.check_in(signup=signup, actor=supervisor)
    assert not HoursEntry.objects.exists()


def test_check_in_is_for_managers_only(shift: Shift, member: User, other_supervisor: User) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)

    with after_start(shift):
        for actor in (member, other_supervisor):
            with pytest.raises(NotAllowed):
                services.check_in(signup=signup, actor=actor)


def test_a_no_show_before_the_start_is_a_conflict(
    shift: Shift, member: User, supervisor: User
) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)

    with pytest.raises(Conflict, match="once the shift has started"):
        services.mark_no_show(signup=signup, actor=supervisor)


def test_a_no_show_keeps_the_seat_and_can_be_checked_in_later(
    shift: Shift, member: User, supervisor: User
) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)

    with after_start(shift):
        no_show = services.mark_no_show(signup=signup, actor=supervisor)
        assert no_show.status == SignUp.Status.NO_SHOW
        assert counts(shift) == (1, 0)
        assert services.check_in(signup=signup, actor=supervisor).status == "attended"
    assert HoursEntry.objects.filter(signup=signup).count() == 1


def test_a_no_show_after_check_in_deletes_the_unverified_hours(
    shift: Shift, member: User, supervisor: User
) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)

    with after_start(shift):
        services.check_in(signup=signup, actor=supervisor)
        entry = HoursEntry.objects.get(signup=signup)
        no_show = services.mark_no_show(signup=signup, actor=supervisor)

    assert no_show.status == SignUp.Status.NO_SHOW
    assert no_show.checked_in_at is None
    assert not HoursEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEntry.objects.filter(
        action="volunteering.hours.deleted", object_id=str(entry.pk)
    ).exists()


def test_a_no_show_is_refused_once_the_hours_are_verified(
    shift: Shift, member: User, supervisor: User
) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)

    with after_start(shift):
        services.check_in(signup=signup, actor=supervisor)
        services.verify_hours(entry=HoursEntry.objects.get(signup=signup), actor=supervisor)
        with pytest.raises(Conflict, match="verified already"):
            services.mark_no_show(signup=signup, actor=supervisor)

    assert fresh(signup).status == "attended"
    assert HoursEntry.objects.filter(signup=signup).exists()


def test_a_waitlisted_person_cannot_be_a_no_show_or_checked_in(
    make_shift: Callable[..., Shift], supervisor: User
) -> None:
    shift = make_shift(capacity=0)
    waiting = services.sign_up(shift=shift, person=PersonFactory(), actor=supervisor)

    with after_start(shift):
        with pytest.raises(Conflict, match="no-show"):
            services.mark_no_show(signup=waiting, actor=supervisor)
        with pytest.raises(Conflict, match="cannot be checked in"):
            services.check_in(signup=waiting, actor=supervisor)


# -- hours -----------------------------------------------------------------------------------


def test_a_member_logs_their_own_hours_at_a_site(member: User, site: Site) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    entry = services.log_hours(
        person=member.person,
        actor=member,
        activity=" Health fair ",
        date=yesterday,
        hours=Decimal("2.5"),
        site=site,
        organization_name="ignored when a site is chosen",
        notes=" blood pressure table ",
    )

    assert entry.status == HoursEntry.Status.SUBMITTED
    assert (entry.activity, entry.notes, entry.organization_name) == (
        "Health fair",
        "blood pressure table",
        "",
    )
    assert entry.created_by == member
    assert actions(entry) == ["volunteering.hours.created"]


def test_log_hours_refusals(member: User, outsider: User) -> None:
    today = timezone.localdate()
    common = {"activity": "Food pantry", "hours": Decimal("3")}

    with pytest.raises(ServiceError, match="future") as future:
        services.log_hours(
            person=member.person,
            actor=member,
            date=today + dt.timedelta(days=1),
            organization_name="Food pantry",
            **common,
        )
    assert future.value.field == "date"
    with pytest.raises(ServiceError, match="say where") as nowhere:
        services.log_hours(person=member.person, actor=member, date=today, **common)
    assert nowhere.value.field == "organization_name"
    with pytest.raises(NotAllowed):
        services.log_hours(
            person=outsider.person, actor=member, date=today, organization_name="X", **common
        )
    with pytest.raises(ServiceError) as too_many:
        services.log_hours(
            person=member.person,
            actor=member,
            date=today,
            organization_name="X",
            activity="Marathon",
            hours=Decimal("25"),
        )
    assert too_many.value.field == "hours"
    assert not HoursEntry.objects.exists()


def test_office_staff_log_hours_for_someone_served_elsewhere(coordinator: User) -> None:
    person = PersonFactory()

    entry = services.log_hours(
        person=person,
        actor=coordinator,
        activity="Tutoring",
        date=timezone.localdate(),
        hours=Decimal("1.25"),
        organization_name="  Northside Youth Center ",
    )

    assert entry.person == person
    assert entry.site is None
    assert entry.organization_name == "Northside Youth Center"
    assert entry.created_by == coordinator


def test_editing_verified_hours_sends_them_back_for_verification(
    member: User, supervisor: User, site: Site
) -> None:
    entry = HoursEntryFactory(
        person=member.person, site=site, status="verified", reviewed_by=supervisor
    )

    edited = services.update_hours(entry=entry, actor=member, hours=Decimal("5"))

    assert edited.status == HoursEntry.Status.SUBMITTED
    assert edited.reviewed_by is None
    entry_log = AuditEntry.objects.for_object(entry).get(action="volunteering.hours.updated")
    assert entry_log.changes == {"hours": ["4.00", "5"], "status": ["verified", "submitted"]}


def test_an_edit_that_changes_nothing_keeps_the_hours_verified(
    member: User, supervisor: User, site: Site
) -> None:
    entry = HoursEntryFactory(
        person=member.person, site=site, status="verified", reviewed_by=supervisor
    )
    entry.refresh_from_db()

    kept = services.update_hours(
        entry=entry, actor=member, hours=Decimal("4"), activity=entry.activity, site=site
    )

    assert kept.status == HoursEntry.Status.VERIFIED
    assert HoursEntry.objects.get(pk=entry.pk).reviewed_by == supervisor
    assert "volunteering.hours.updated" not in actions(entry)


def test_update_hours_refusals(
    member: User, outsider: User, supervisor: User, other_supervisor: User, site: Site
) -> None:
    entry = HoursEntryFactory(person=member.person, site=site)

    for intruder in (outsider, other_supervisor):
        with pytest.raises(NotAllowed):
            services.update_hours(entry=entry, actor=intruder, hours=Decimal("1"))
    with pytest.raises(ServiceError, match="Unknown field"):
        services.update_hours(entry=entry, actor=member, status="verified")
    with pytest.raises(ServiceError, match="say where"):
        services.update_hours(entry=entry, actor=member, site=None)
    # The site's supervisor may correct it.
    assert services.update_hours(entry=entry, actor=supervisor, hours=Decimal("3")).hours == 3


def test_the_sites_supervisor_verifies_hours(member: User, supervisor: User, site: Site) -> None:
    entry = HoursEntryFactory(person=member.person, site=site)

    verified = services.verify_hours(entry=entry, actor=supervisor)

    assert verified.status == HoursEntry.Status.VERIFIED
    assert verified.reviewed_by == supervisor
    assert verified.reviewed_at is not None
    with pytest.raises(Conflict, match="verified already"):
        services.verify_hours(entry=entry, actor=supervisor)
    with pytest.raises(Conflict):
        services.reject_hours(entry=entry, actor=supervisor, reason="oops")


def test_no_one_verifies_their_own_hours(supervisor: User, coordinator: User, site: Site) -> None:
    own = HoursEntryFactory(person=supervisor.person, site=site)
    staff_own = HoursEntryFactory(person=coordinator.person, site=None, organization_name="X")

    with pytest.raises(NotAllowed, match="own"):
        services.verify_hours(entry=own, actor=supervisor)
    with pytest.raises(NotAllowed, match="own"):
        services.verify_hours(entry=staff_own, actor=coordinator)
    # ... but a colleague may.
    assert services.verify_hours(entry=own, actor=coordinator).status == "verified"


def test_another_sites_supervisor_and_members_cannot_verify(
    member: User, outsider: User, other_supervisor: User, site: Site
) -> None:
    entry = HoursEntryFactory(person=outsider.person, site=site)

    for intruder in (other_supervisor, member):
        with pytest.raises(NotAllowed):
            services.verify_hours(entry=entry, actor=intruder)
        with pytest.raises(NotAllowed):
            services.reject_hours(entry=entry, actor=intruder, reason="no")
    assert HoursEntry.objects.get(pk=entry.pk).status == "submitted"


def test_office_staff_verify_hours_served_elsewhere_and_supervisors_cannot(
    member: User, coordinator: User, supervisor: User
) -> None:
    entry = HoursEntryFactory(person=member.person, site=None, organization_name="Food bank")

    with pytest.raises(NotAllowed):
        services.verify_hours(entry=entry, actor=supervisor)
    assert services.verify_hours(entry=entry, actor=coordinator).status == "verified"


def test_rejecting_hours_needs_a_reason_and_tells_the_owner(
    member: User, supervisor: User, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    entry = HoursEntryFactory(person=member.person, site=site)

    with pytest.raises(ServiceError, match="Say why") as caught:
        services.reject_hours(entry=entry, actor=supervisor, reason=" ")
    assert caught.value.field == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        rejected = services.reject_hours(
            entry=entry, actor=supervisor, reason="Not on the roster that day"
        )

    assert rejected.status == HoursEntry.Status.REJECTED
    assert rejected.rejection_reason == "Not on the roster that day"
    [message] = mail.outbox
    assert message.to == [member.person.email]
    assert "Not on the roster that day" in message.body
    # Edited, it is submitted again.
    again = services.update_hours(entry=entry, actor=member, hours=Decimal("2"))
    assert (again.status, again.rejection_reason) == ("submitted", "")


def test_withdrawing_hours(member: User, outsider: User, site: Site, supervisor: User) -> None:
    mine = HoursEntryFactory(person=member.person, site=site)
    verified = HoursEntryFactory(person=member.person, site=site, status="verified")

    with pytest.raises(NotAllowed):
        services.withdraw_hours(entry=mine, actor=outsider)
    with pytest.raises(NotAllowed):
        services.withdraw_hours(entry=mine, actor=supervisor)
    with pytest.raises(Conflict, match="Verified"):
        services.withdraw_hours(entry=verified, actor=member)
    services.withdraw_hours(entry=mine, actor=member)

    assert not HoursEntry.objects.filter(pk=mine.pk).exists()
    assert AuditEntry.objects.filter(
        action="volunteering.hours.deleted", object_id=str(mine.pk)
    ).exists()


def test_hours_from_an_attended_shift_cannot_be_withdrawn(
    shift: Shift, member: User, supervisor: User
) -> None:
    signup = services.sign_up(shift=shift, person=member.person, actor=member)
    with after_start(shift):
        services.check_in(signup=signup, actor=supervisor)

    with pytest.raises(Conflict, match="attended"):
        services.withdraw_hours(entry=HoursEntry.objects.get(signup=signup), actor=member)


# -- credentials -----------------------------------------------------------------------------


def upload(content: bytes = PDF, name: str = "proof.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_a_member_submits_a_credential_with_evidence(member: User, media: Path) -> None:
    credential = services.submit_credential(
        person=member.person,
        actor=member,
        credential_type=credential_type("tb-test"),
        issued_on=dt.date(2025, 3, 1),
        evidence=upload(name="../../etc/passwd.pdf"),
    )

    assert credential.status == Credential.Status.SUBMITTED
    assert credential.expires_on == dt.date(2026, 3, 1)  # 12 months, from the type
    stored = Path(credential.evidence.path)
    assert stored.is_relative_to(media)
    assert stored.suffix == ".pdf"
    assert "passwd" not in stored.name
    assert stored.read_bytes() == PDF
    assert actions(credential) == ["volunteering.credential.submitted"]


def test_the_expiry_is_computed_month_by_month(member: User, media: Path) -> None:
    credential = services.submit_credential(
        person=member.person,
        actor=member,
        credential_type=credential_type("bls"),  # 24 months
        issued_on=dt.date(2024, 2, 29),
        evidence=upload(PNG, "card.png"),
    )

    assert credential.expires_on == dt.date(2026, 2, 28)
    assert Path(credential.evidence.path).suffix == ".png"


def test_an_explicit_expiry_wins_and_cannot_precede_the_issue(member: User, media: Path) -> None:
    kwargs: dict[str, Any] = {
        "person": member.person,
        "actor": member,
        "credential_type": credential_type("hipaa"),
        "issued_on": dt.date(2025, 6, 1),
    }
    with pytest.raises(ServiceError, match="before it was issued") as caught:
        services.submit_credential(expires_on=dt.date(2025, 5, 31), evidence=upload(), **kwargs)
    assert caught.value.field == "expires_on"

    credential = services.submit_credential(
        expires_on=dt.date(2025, 12, 1), evidence=upload(), **kwargs
    )
    assert credential.expires_on == dt.date(2025, 12, 1)


def test_submit_credential_refusals(
    member: User, outsider: User, media: Path, settings: Any
) -> None:
    hipaa = credential_type("hipaa")
    common: dict[str, Any] = {"person": member.person, "actor": member, "credential_type": hipaa}
    today = timezone.localdate()

    with pytest.raises(ServiceError, match="needs evidence") as missing:
        services.submit_credential(issued_on=today, **common)
    assert missing.value.field == "evidence"
    with pytest.raises(ServiceError, match="PDF, PNG or JPEG") as bad_type:
        services.submit_credential(
            issued_on=today, evidence=upload(b"<html>hello</html>", "proof.pdf"), **common
        )
    assert bad_type.value.field == "evidence"
    with pytest.raises(ServiceError, match="future") as future:
        services.submit_credential(
            issued_on=today + dt.timedelta(days=1), evidence=upload(), **common
        )
    assert future.value.field == "issued_on"
    with pytest.raises(NotAllowed):
        services.submit_credential(
            person=outsider.person,
            actor=member,
            credential_type=hipaa,
            issued_on=today,
            evidence=upload(),
        )
    settings.CREDENTIAL_EVIDENCE_MAX_BYTES = 10
    with pytest.raises(ServiceError, match="larger than") as too_big:
        services.submit_credential(issued_on=today, evidence=upload(), **common)
    assert too_big.value.field == "evidence"
    assert not Credential.objects.exists()
    assert list(media.rglob("*.*")) == []


def test_a_per_site_credential_needs_its_site(member: User, site: Site, media: Path) -> None:
    orientation = credential_type("site-orientation")
    today = timezone.localdate()

    with pytest.raises(ServiceError, match="choose it") as caught:
        services.submit_credential(
            person=member.person, actor=member, credential_type=orientation, issued_on=today
        )
    assert caught.value.field == "site"

    credential = services.submit_credential(
        person=member.person, actor=member, credential_type=orientation, issued_on=today, site=site
    )
    assert (credential.site, credential.expires_on, credential.evidence.name) == (site, None, "")


def test_a_site_is_dropped_from_a_credential_that_is_not_per_site(
    member: User, site: Site, media: Path
) -> None:
    credential = services.submit_credential(
        person=member.person,
        actor=member,
        credential_type=credential_type("hipaa"),
        issued_on=timezone.localdate(),
        site=site,
        evidence=upload(),
    )

    assert credential.site is None


def test_a_supervisor_records_orientations_for_their_site_only(
    supervisor: User, site: Site, other_site: Site, media: Path
) -> None:
    person = PersonFactory()
    orientation = credential_type("site-orientation")
    today = timezone.localdate()

    done = services.submit_credential(
        person=person, actor=supervisor, credential_type=orientation, issued_on=today, site=site
    )
    assert done.site == site
    with pytest.raises(NotAllowed):
        services.submit_credential(
            person=person,
            actor=supervisor,
            credential_type=orientation,
            issued_on=today,
            site=other_site,
        )
    # Naming their own site does not let them add someone's TB test.
    with pytest.raises(NotAllowed):
        services.submit_credential(
            person=person,
            actor=supervisor,
            credential_type=credential_type("tb-test"),
            issued_on=today,
            site=site,
            evidence=upload(),
        )


def test_office_staff_verify_and_reject_credentials(
    member: User, coordinator: User, django_capture_on_commit_callbacks: Any
) -> None:
    good = CredentialFactory(person=member.person, status="submitted")
    bad = CredentialFactory(
        person=member.person, status="submitted", credential_type=credential_type("tb-test")
    )

    verified = services.verify_credential(credential=good, actor=coordinator)
    assert (verified.status, verified.verified_by) == ("verified", coordinator)
    assert verified.verified_at is not None
    with pytest.raises(Conflict, match="reviewed already"):
        services.verify_credential(credential=good, actor=coordinator)

    with pytest.raises(ServiceError, match="Say why"):
        services.reject_credential(credential=bad, actor=coordinator, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        rejected = services.reject_credential(
            credential=bad, actor=coordinator, reason="The date is unreadable"
        )
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "The date is unreadable")
    [message] = mail.outbox
    assert message.to == [member.person.email]
    assert "TB test" in message.body
    with pytest.raises(Conflict):
        services.reject_credential(credential=bad, actor=coordinator, reason="again")
    assert actions(good) == ["volunteering.credential.verified"]
    assert actions(bad) == ["volunteering.credential.rejected"]


def test_credential_verification_refusals(
    member: User, coordinator: User, supervisor: User, other_supervisor: User, site: Site
) -> None:
    own = CredentialFactory(person=coordinator.person, status="submitted")
    global_one = CredentialFactory(person=member.person, status="submitted")
    orientation = CredentialFactory(
        person=member.person,
        status="submitted",
        credential_type=credential_type("site-orientation"),
        site=site,
        expires_on=None,
    )

    with pytest.raises(NotAllowed, match="own"):
        services.verify_credential(credential=own, actor=coordinator)
    with pytest.raises(NotAllowed):
        services.reject_credential(credential=own, actor=coordinator, reason="x")
    for intruder in (member, supervisor):
        with pytest.raises(NotAllowed):
            services.verify_credential(credential=global_one, actor=intruder)
    with pytest.raises(NotAllowed):
        services.verify_credential(credential=orientation, actor=other_supervisor)
    assert services.verify_credential(credential=orientation, actor=supervisor).status == (
        "verified"
    )


def test_owners_are_told_once_that_a_credential_expires_soon(
    member: User, django_capture_on_commit_callbacks: Any
) -> None:
    today = timezone.localdate()
    soon = CredentialFactory(person=member.person, expires_on=today + dt.timedelta(days=20))
    CredentialFactory(
        person=member.person,
        credential_type=credential_type("bls"),
        expires_on=today + dt.timedelta(days=45),
    )
    CredentialFactory(  # already expired: nothing to warn about
        person=member.person,
        credential_type=credential_type("tb-test"),
        issued_on=today - dt.timedelta(days=400),
        expires_on=today - dt.timedelta(days=1),
    )
    CredentialFactory(  # not verified: no warning
        person=member.person,
        credential_type=credential_type("immunizations"),
        status="submitted",
        expires_on=today + dt.timedelta(days=5),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_expiring_credentials() == 1
        assert services.notify_expiring_credentials() == 0

    [message] = mail.outbox
    assert message.to == [member.person.email]
    assert "HIPAA training" in message.subject
    assert (today + dt.timedelta(days=20)).isoformat() in message.subject
    soon.refresh_from_db()
    assert soon.expiry_notice_sent_on == today


def test_no_expiry_notice_when_a_newer_credential_is_on_file(
    member: User, django_capture_on_commit_callbacks: Any
) -> None:
    today = timezone.localdate()
    CredentialFactory(person=member.person, expires_on=today + dt.timedelta(days=10))
    CredentialFactory(
        person=member.person,
        status="submitted",
        issued_on=today,
        expires_on=today + dt.timedelta(days=365),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_expiring_credentials() == 0
    assert mail.outbox == []


# -- settings, calendars ---------------------------------------------------------------------


def test_reminders_are_switched_by_their_owner_only(member: User, outsider: User) -> None:
    with pytest.raises(NotAllowed):
        services.set_reminders(person=member.person, actor=outsider, enabled=False)

    prefs = services.set_reminders(person=member.person, actor=member, enabled=False)
    services.set_reminders(person=member.person, actor=member, enabled=False)  # no change

    assert prefs.reminders is False
    entries = AuditEntry.objects.for_object(prefs).filter(action="volunteering.settings.reminders")
    assert [e.changes for e in entries] == [{"reminders": [True, False]}]


def test_rotating_the_personal_calendar_key(member: User, outsider: User) -> None:
    before = services.settings_for(member.person).calendar_key_version

    with pytest.raises(NotAllowed):
        services.rotate_calendar_key(person=member.person, actor=outsider)
    prefs = services.rotate_calendar_key(person=member.person, actor=member)

    assert prefs.calendar_key_version == before + 1
    assert actions(prefs) == ["volunteering.calendar.rotated"]


def test_rotating_a_site_calendar_key(
    site: Site, supervisor: User, other_supervisor: User, member: User
) -> None:
    for intruder in (other_supervisor, member):
        with pytest.raises(NotAllowed):
            services.rotate_site_calendar_key(site=site, actor=intruder)

    first = services.rotate_site_calendar_key(site=site, actor=supervisor)
    second = services.rotate_site_calendar_key(site=site, actor=supervisor)

    assert (first.key_version, second.key_version) == (2, 3)
    assert SiteCalendar.objects.get(site=site).key_version == 3
    assert actions(site).count("volunteering.site_calendar.rotated") == 2


# -- reminders and the sweep -----------------------------------------------------------------


def test_due_reminders_go_once_to_confirmed_people_who_want_them(
    make_shift: Callable[..., Shift],
    students: list[User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    shift = make_shift(days=1, capacity=2)  # inside the 48-hour window
    wants, opted_out, waiting = students[:3]
    for user in (wants, opted_out, waiting):
        services.sign_up(shift=shift, person=user.person, actor=user)
    services.set_reminders(person=opted_out.person, actor=opted_out, enabled=False)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_reminders() == 1
        assert services.send_due_reminders() == 0

    assert recipients() == [wants.person.email]
    assert mail.outbox[0].subject.startswith("Reminder:")


def test_the_short_reminder_replaces_the_long_one(
    make_shift: Callable[..., Shift], member: User, django_capture_on_commit_callbacks: Any
) -> None:
    shift = make_shift(days=1 / 24, capacity=1)  # one hour away
    signup = services.sign_up(shift=shift, person=member.person, actor=member)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_reminders() == 1

    signup.refresh_from_db()
    assert signup.reminder_short_sent_at is not None
    assert signup.reminder_long_sent_at is not None
    assert len(mail.outbox) == 1


def test_the_sweep_runs_all_the_periodic_work(
    make_shift: Callable[..., Shift], students: list[User]
) -> None:
    shift = make_shift(capacity=1, days=3)
    _a, _b, waiting = _offered(shift, students)

    result = services.sweep(now=timezone.now() + dt.timedelta(hours=25))

    assert result["offers_expired"] == 1
    assert set(result) == {"offers_expired", "reminders_sent", "credential_notices"}
    assert fresh(waiting).status == "offered"


# -- transcripts -----------------------------------------------------------------------------


def test_a_transcript_needs_verified_hours(member: User, site: Site) -> None:
    HoursEntryFactory(person=member.person, site=site)  # submitted only

    with pytest.raises(Conflict, match="no verified hours"):
        services.issue_transcript(person=member.person, actor=member)
    assert not Transcript.objects.exists()


def test_a_transcript_snapshots_the_verified_hours(
    member: User, outsider: User, coordinator: User, site: Site
) -> None:
    person = member.person
    HoursEntryFactory(
        person=person, site=site, status="verified", date=dt.date(2025, 9, 6), hours=Decimal("4")
    )
    HoursEntryFactory(
        person=person,
        site=None,
        organization_name="Food bank",
        activity="Sorting",
        status="verified",
        date=dt.date(2025, 10, 4),
        hours=Decimal("2.5"),
    )
    HoursEntryFactory(person=person, site=site, status="submitted", hours=Decimal("9"))
    HoursEntryFactory(person=person, site=site, status="rejected", hours=Decimal("9"))

    with pytest.raises(NotAllowed):
        services.issue_transcript(person=person, actor=outsider)
    transcript = services.issue_transcript(person=person, actor=member)

    rows = [
        {"date": "2025-09-06", "place": site.name, "activity": "Intake", "hours": "4.00"},
        {"date": "2025-10-04", "place": "Food bank", "activity": "Sorting", "hours": "2.50"},
    ]
    assert transcript.entries == rows
    assert transcript.total_hours == Decimal("6.50")
    assert transcript.entry_count == 2
    assert (transcript.period_start, transcript.period_end) == (
        dt.date(2025, 9, 6),
        dt.date(2025, 10, 4),
    )
    assert transcript.name_on_transcript == person.full_name
    expected = hashlib.sha256(
        json.dumps({"name": person.full_name, "rows": rows}, sort_keys=True).encode()
    ).hexdigest()
    assert transcript.content_digest == expected
    assert len(transcript.code) == 16
    assert selectors.transcript_by_code(transcript.code.lower()) == transcript
    # Later edits to the hours do not change what was issued.
    HoursEntry.objects.filter(person=person).update(hours=Decimal("1"))
    transcript.refresh_from_db()
    assert transcript.entries == rows
    # Office staff may issue one for anyone.
    assert services.issue_transcript(person=person, actor=coordinator).code != transcript.code


def test_revoking_a_transcript(member: User, coordinator: User, site: Site) -> None:
    HoursEntryFactory(person=member.person, site=site, status="verified")
    transcript = services.issue_transcript(person=member.person, actor=member)

    with pytest.raises(NotAllowed):
        services.revoke_transcript(transcript=transcript, actor=member)
    revoked = services.revoke_transcript(transcript=transcript, actor=coordinator)
    assert revoked.revoked_at is not None
    with pytest.raises(Conflict, match="revoked already"):
        services.revoke_transcript(transcript=transcript, actor=coordinator)
    assert actions(transcript) == [
        "volunteering.transcript.issued",
        "volunteering.transcript.revoked",
    ]


# -- sites, opportunities and shifts ---------------------------------------------------------


def test_creating_and_updating_a_site(coordinator: User, supervisor: User, site: Site) -> None:
    with pytest.raises(NotAllowed):
        services.create_site(actor=supervisor, name="New", zip_code="63113")
    with pytest.raises(Conflict):
        services.create_site(actor=coordinator, name=site.name.upper(), zip_code="63113")
    with pytest.raises(ServiceError, match="Unknown field"):
        services.create_site(actor=coordinator, name="New", zip_code="63113", secret=1)
    created = services.create_site(
        actor=coordinator, name="  Refugee Health Night ", zip_code="63118"
    )
    assert created.name == "Refugee Health Night"

    services.update_site(site=site, actor=supervisor, hours="Sat 8-12")
    assert Site.objects.get(pk=site.pk).hours == "Sat 8-12"
    with pytest.raises(NotAllowed):
        services.update_site(site=created, actor=supervisor, hours="x")
    with pytest.raises(Conflict):
        services.update_site(site=site, actor=supervisor, name=created.name)


def test_saving_an_opportunity_with_requirements(
    site: Site, other_site: Site, supervisor: User
) -> None:
    hipaa = credential_type("hipaa")

    created = services.save_opportunity(
        actor=supervisor,
        site=site,
        title="Interpreter",
        credential_type_ids=[hipaa.pk],
        languages={"es": "professional"},
        min_age=18,
    )
    assert list(created.credential_types.all()) == [hipaa]
    assert list(created.language_requirements.values_list("language", "min_proficiency")) == [
        ("es", "professional")
    ]
    with pytest.raises(ServiceError, match="Unknown credential type"):
        services.save_opportunity(
            actor=supervisor, site=site, opportunity=created, credential_type_ids=[999_999]
        )
    with pytest.raises(NotAllowed):
        services.save_opportunity(actor=supervisor, site=other_site, title="Elsewhere")
    with pytest.raises(ServiceError, match="another site"):
        services.save_opportunity(
            actor=supervisor, site=site, opportunity=OpportunityFactory(site=other_site)
        )


def test_creating_a_shift(opportunity: Opportunity, supervisor: User, member: User) -> None:
    start = dt.datetime(2030, 3, 9, 8, 0)  # noqa: DTZ001 - naive: local time at the site

    shift = services.create_shift(
        actor=supervisor,
        opportunity=opportunity,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        capacity=6,
        supervisor=supervisor,
    )

    assert shift.local_start.hour == 8
    assert shift.timezone == "America/Chicago"
    with pytest.raises(NotAllowed):
        services.create_shift(
            actor=member,
            opportunity=opportunity,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=4),
            capacity=6,
        )
    with pytest.raises(ServiceError, match="longer than 24 hours"):
        services.create_shift(
            actor=supervisor,
            opportunity=opportunity,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=25),
            capacity=6,
        )
    with pytest.raises(ServiceError) as bad_supervisor:
        services.create_shift(
            actor=supervisor,
            opportunity=opportunity,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=4),
            capacity=6,
            supervisor=member,
        )
    assert bad_supervisor.value.field == "supervisor"


def test_a_shift_of_a_series_edited_alone_is_detached(
    opportunity: Opportunity, supervisor: User
) -> None:
    series = services.create_series(
        actor=supervisor,
        opportunity=opportunity,
        rrule="FREQ=WEEKLY;COUNT=3",
        first_start=(timezone.localtime() + dt.timedelta(days=7)).replace(
            hour=8, minute=0, second=0, microsecond=0, tzinfo=None
        ),
        duration_minutes=240,
        capacity=4,
    )
    one = series.shifts.order_by("starts_at").first()
    assert one is not None

    services.update_shift(shift=one, actor=supervisor, capacity=6)

    one.refresh_from_db()
    assert one.detached is True
    assert list(series.shifts.filter(detached=True)) == [one]


def test_a_shift_cannot_be_moved_into_the_past(
    make_shift: Callable[..., Shift], supervisor: User
) -> None:
    shift = make_shift(days=2)
    yesterday = timezone.now() - dt.timedelta(days=1)

    with pytest.raises(ServiceError) as caught:
        services.update_shift(
            shift=shift,
            actor=supervisor,
            starts_at=yesterday,
            ends_at=yesterday + dt.timedelta(hours=2),
        )

    assert caught.value.field == "starts_at"
    shift.refresh_from_db()
    assert shift.starts_at > timezone.now()


def test_exporting_hours_is_for_office_staff_and_is_audited(
    coordinator: User, member: User, site: Site
) -> None:
    HoursEntryFactory(site=site, status="verified", activity="=cmd|' /C calc'!A0")
    today = timezone.localdate()
    period = {"start": today - dt.timedelta(days=30), "end": today, "site_id": None}

    content = services.export_hours(actor=coordinator, fmt="csv", **period)

    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "'=cmd" in text  # escaped, not a formula
    entry = AuditEntry.objects.get(action="volunteering.hours.exported")
    assert entry.data["rows"] == 1
    with pytest.raises(NotAllowed):
        services.export_hours(actor=member, fmt="csv", **period)
    with pytest.raises(ServiceError):
        services.export_hours(actor=coordinator, fmt="pdf", **period)
    assert AuditEntry.objects.filter(action="volunteering.hours.exported").count() == 1

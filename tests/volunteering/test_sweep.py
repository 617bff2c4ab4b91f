"""The periodic sweep: reminders, lapsed offers and credential notices, run by the task and by
the `volunteering-sweep` command."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.volunteering import services, tasks
from equityhub.volunteering.models import Shift, SignUp
from tests.volunteering.factories import CredentialFactory, credential_type

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


@pytest.fixture
def run_sweep(django_capture_on_commit_callbacks: Capture) -> Callable[[], dict[str, int]]:
    """Sweep with the on-commit mail callbacks run, as they are outside a test transaction."""

    def run() -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return services.sweep()

    return run


@pytest.fixture
def volunteer(make_user: Callable[..., User]) -> User:
    return make_user(Role.MEMBER)


@pytest.fixture
def start() -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=10)).replace(minute=0, second=0, microsecond=0)


def _reminders(to: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.subject.startswith("Reminder:") and m.to == [to]]


@pytest.fixture
def frozen() -> Iterator[Callable[[dt.datetime], None]]:
    travellers: list[Any] = []

    def move_to(when: dt.datetime) -> None:
        traveller = time_machine.travel(when, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield move_to
    for traveller in reversed(travellers):
        traveller.stop()


# -- reminders -------------------------------------------------------------------------------


def test_reminders_go_out_once_at_48_hours_and_once_at_2_hours(
    volunteer: User,
    make_shift: Callable[..., Shift],
    start: dt.datetime,
    run_sweep: Callable[[], dict[str, int]],
    frozen: Callable[[dt.datetime], None],
) -> None:
    shift = make_shift(start=start)
    services.sign_up(shift=shift, person=volunteer.person, actor=volunteer)
    email = volunteer.person.email

    frozen(start - dt.timedelta(hours=72))
    assert run_sweep()["reminders_sent"] == 0
    frozen(start - dt.timedelta(hours=47, minutes=55))
    assert run_sweep()["reminders_sent"] == 1
    assert len(_reminders(email)) == 1
    frozen(start - dt.timedelta(hours=47, minutes=50))
    assert run_sweep()["reminders_sent"] == 0
    frozen(start - dt.timedelta(hours=5))
    assert run_sweep()["reminders_sent"] == 0
    frozen(start - dt.timedelta(hours=1, minutes=55))
    assert run_sweep()["reminders_sent"] == 1
    frozen(start - dt.timedelta(hours=1, minutes=50))
    assert run_sweep()["reminders_sent"] == 0

    reminders = _reminders(email)
    assert len(reminders) == 2
    assert shift.opportunity.title in reminders[0].subject
    signup = SignUp.objects.get(shift=shift, person=volunteer.person)
    assert signup.reminder_long_sent_at is not None
    assert signup.reminder_short_sent_at is not None


def test_no_reminders_for_people_who_opted_out(
    *,
    volunteer: User,
    member: User,
    make_shift: Callable[..., Shift],
    start: dt.datetime,
    run_sweep: Callable[[], dict[str, int]],
    frozen: Callable[[dt.datetime], None],
) -> None:
    shift = make_shift(start=start, capacity=3)
    services.sign_up(shift=shift, person=volunteer.person, actor=volunteer)
    services.sign_up(shift=shift, person=member.person, actor=member)
    services.set_reminders(person=volunteer.person, actor=volunteer, enabled=False)

    for hours_before in (47, 1):
        frozen(start - dt.timedelta(hours=hours_before))
        run_sweep()

    assert _reminders(volunteer.person.email) == []
    assert len(_reminders(member.person.email)) == 2


def test_no_reminders_for_a_cancelled_shift_or_a_cancelled_sign_up(
    *,
    volunteer: User,
    member: User,
    supervisor: User,
    make_shift: Callable[..., Shift],
    start: dt.datetime,
    run_sweep: Callable[[], dict[str, int]],
    frozen: Callable[[dt.datetime], None],
) -> None:
    cancelled_shift = make_shift(start=start)
    services.sign_up(shift=cancelled_shift, person=volunteer.person, actor=volunteer)
    services.cancel_shift(shift=cancelled_shift, actor=supervisor, reason="Clinic closed")
    other = make_shift(start=start + dt.timedelta(hours=6))
    mine = services.sign_up(shift=other, person=member.person, actor=member)
    services.cancel_signup(signup=mine, actor=member)
    mail.outbox.clear()

    frozen(start - dt.timedelta(hours=47))
    counts = run_sweep()
    frozen(start - dt.timedelta(hours=1))
    counts_later = run_sweep()

    assert counts["reminders_sent"] == counts_later["reminders_sent"] == 0
    assert [m for m in mail.outbox if m.subject.startswith("Reminder:")] == []


# -- offers ----------------------------------------------------------------------------------


def test_an_expired_offer_lapses_and_the_next_on_the_waitlist_is_offered_the_seat(
    *,
    make_user: Callable[..., User],
    make_shift: Callable[..., Shift],
    start: dt.datetime,
    run_sweep: Callable[[], dict[str, int]],
    frozen: Callable[[dt.datetime], None],
    settings: Any,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    settings.VOLUNTEER_OFFER_HOURS = 24
    first, second, third = (make_user(Role.MEMBER) for _ in range(3))
    shift = make_shift(start=start, capacity=1)
    seated = services.sign_up(shift=shift, person=first.person, actor=first)
    offered = services.sign_up(shift=shift, person=second.person, actor=second)
    next_up = services.sign_up(shift=shift, person=third.person, actor=third)
    now = timezone.now()
    frozen(now)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_signup(signup=seated, actor=first)
    offered.refresh_from_db()
    assert offered.status == SignUp.Status.OFFERED
    mail.outbox.clear()

    frozen(now + dt.timedelta(hours=23))
    assert run_sweep()["offers_expired"] == 0
    frozen(now + dt.timedelta(hours=24, minutes=1))
    counts = run_sweep()

    assert counts["offers_expired"] == 1
    offered.refresh_from_db()
    next_up.refresh_from_db()
    assert offered.status == SignUp.Status.OFFER_LAPSED
    assert next_up.status == SignUp.Status.OFFERED
    assert next_up.offer_expires_at is not None
    assert [m.to for m in mail.outbox] == [[third.person.email]]
    assert "seat" in mail.outbox[0].subject.lower()
    assert run_sweep()["offers_expired"] == 0


# -- credentials -----------------------------------------------------------------------------


def test_a_credential_expiring_in_20_days_gets_one_notice_not_two(
    volunteer: User,
    run_sweep: Callable[[], dict[str, int]],
    frozen: Callable[[dt.datetime], None],
) -> None:
    today = timezone.localdate()
    expiring = CredentialFactory(
        person=volunteer.person,
        issued_on=today - dt.timedelta(days=345),
        expires_on=today + dt.timedelta(days=20),
    )
    # Another kind that expires outside the notice period: no notice for it.
    CredentialFactory(
        person=volunteer.person,
        issued_on=today - dt.timedelta(days=10),
        expires_on=today + dt.timedelta(days=90),
        credential_type=credential_type("bls"),
    )

    assert run_sweep()["credential_notices"] == 1
    assert run_sweep()["credential_notices"] == 0
    frozen(timezone.now() + dt.timedelta(days=1))
    assert run_sweep()["credential_notices"] == 0

    notices = [m for m in mail.outbox if "expires on" in m.subject]
    assert len(notices) == 1
    assert notices[0].to == [volunteer.person.email]
    assert expiring.credential_type.name in notices[0].subject


def test_no_notice_when_a_newer_credential_of_the_same_kind_is_on_file(
    volunteer: User, run_sweep: Callable[[], dict[str, int]]
) -> None:
    today = timezone.localdate()
    old = CredentialFactory(
        person=volunteer.person,
        issued_on=today - dt.timedelta(days=345),
        expires_on=today + dt.timedelta(days=20),
    )
    CredentialFactory(
        person=volunteer.person,
        credential_type=old.credential_type,
        issued_on=today - dt.timedelta(days=2),
        expires_on=today + dt.timedelta(days=363),
    )

    assert run_sweep()["credential_notices"] == 0
    assert mail.outbox == []


# -- the task and the command ----------------------------------------------------------------


def test_the_task_runs_the_sweep_and_returns_its_counts(
    volunteer: User, django_capture_on_commit_callbacks: Capture
) -> None:
    today = timezone.localdate()
    CredentialFactory(
        person=volunteer.person,
        issued_on=today - dt.timedelta(days=345),
        expires_on=today + dt.timedelta(days=20),
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.sweep_task.enqueue()

    assert result.return_value == {
        "offers_expired": 0,
        "reminders_sent": 0,
        "credential_notices": 1,
    }
    assert len(mail.outbox) == 1


def test_the_command_runs_once_and_prints_the_counts(
    volunteer: User, django_capture_on_commit_callbacks: Capture
) -> None:
    today = timezone.localdate()
    CredentialFactory(
        person=volunteer.person,
        issued_on=today - dt.timedelta(days=345),
        expires_on=today + dt.timedelta(days=20),
    )
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("volunteering-sweep", stdout=out)

    printed = out.getvalue()
    assert "0 offer(s) expired" in printed
    assert "0 reminder(s) sent" in printed
    assert "1 credential notice(s) sent" in printed
    assert printed.count("\n") == 1
    assert len(mail.outbox) == 1


def test_the_command_loops_until_interrupted(
    volunteer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes: list[int] = []
    naps: list[float] = []

    def fake_sweep(**kwargs: Any) -> dict[str, int]:
        passes.append(1)
        return {"offers_expired": 0, "reminders_sent": len(passes), "credential_notices": 0}

    def fake_sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(services, "sweep", fake_sweep)
    monkeypatch.setattr("time.sleep", fake_sleep)
    out = StringIO()

    call_command("volunteering-sweep", "--loop", "300", stdout=out)

    assert len(passes) == 2
    assert naps == [300, 300]
    printed = out.getvalue()
    assert "1 reminder(s) sent" in printed and "2 reminder(s) sent" in printed
    assert printed.rstrip().endswith("Stopped.")


def test_a_failed_pass_in_the_loop_is_reported_and_the_next_runs(
    volunteer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def flaky_sweep(**kwargs: Any) -> dict[str, int]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        return {"offers_expired": 0, "reminders_sent": 0, "credential_notices": 0}

    def fake_sleep(seconds: float) -> None:
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(services, "sweep", flaky_sweep)
    monkeypatch.setattr("time.sleep", fake_sleep)
    out, err = StringIO(), StringIO()

    call_command("volunteering-sweep", "--loop", "60", stdout=out, stderr=err)

    assert len(calls) == 2
    assert "database restarting" in err.getvalue()
    assert "0 offer(s) expired" in out.getvalue()


def test_the_command_refuses_a_negative_interval(db: object) -> None:
    with pytest.raises(CommandError):
        call_command("volunteering-sweep", "--loop", "-5")

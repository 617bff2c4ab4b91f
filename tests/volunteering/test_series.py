"""Recurring shifts: an RRULE in the site's local time, kept at the same wall-clock time across
daylight-saving changes; editing and cancelling a series from a date on."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail

from equityhub.accounts.models import User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.volunteering import services
from equityhub.volunteering.models import Opportunity, Shift, ShiftSeries, SignUp
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
SATURDAYS = "FREQ=WEEKLY;BYDAY=SA;COUNT=12"


def local(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    """A naive wall-clock time, as a form gives it."""
    return dt.datetime(year, month, day, hour, minute)  # noqa: DTZ001 - local on purpose


@pytest.fixture(autouse=True)
def late_summer() -> Iterator[None]:
    """Today is Tuesday, September 1, 2026; daylight saving time ends on November 1."""
    with time_machine.travel(dt.datetime(2026, 9, 1, 9, 0, tzinfo=CHICAGO), tick=False):
        yield


@pytest.fixture
def series(opportunity: Opportunity, supervisor: User) -> ShiftSeries:
    """Twelve Saturdays at 8:00 from October 3 to December 19, 2026, four hours, three seats."""
    return services.create_series(
        actor=supervisor,
        opportunity=opportunity,
        rrule=SATURDAYS,
        first_start=local(2026, 10, 3),
        duration_minutes=240,
        capacity=3,
    )


def shifts_of(series: ShiftSeries) -> list[Shift]:
    return list(Shift.objects.filter(series=series).order_by("starts_at"))


def on(series: ShiftSeries, day: dt.date) -> Shift:
    return next(s for s in shifts_of(series) if s.local_start.date() == day)


# -- create_series ---------------------------------------------------------------------------


def test_a_weekly_series_keeps_its_local_time_across_the_end_of_daylight_saving(
    series: ShiftSeries,
) -> None:
    shifts = shifts_of(series)

    assert len(shifts) == 12
    assert [s.local_start.date() for s in shifts] == [
        dt.date(2026, 10, 3) + dt.timedelta(weeks=n) for n in range(12)
    ]
    assert {s.local_start.hour for s in shifts} == {8}
    assert {s.local_end.hour for s in shifts} == {12}
    utc_hours = [s.starts_at.astimezone(dt.UTC).hour for s in shifts]
    assert utc_hours == [13] * 5 + [14] * 7  # CDT (UTC-5) through October 31, then CST (UTC-6)
    assert {s.ends_at - s.starts_at for s in shifts} == {dt.timedelta(hours=4)}
    assert {(s.capacity, s.timezone, s.detached) for s in shifts} == {(3, "America/Chicago", False)}
    assert series.rrule == SATURDAYS
    assert series.first_start == dt.datetime(2026, 10, 3, 8, 0, tzinfo=CHICAGO)
    entry = AuditEntry.objects.for_object(series).get(action="volunteering.series.created")
    assert entry.data["shifts"] == 12


def test_an_overnight_shift_across_the_change_lasts_as_long_as_it_says(
    opportunity: Opportunity, supervisor: User
) -> None:
    # 23:00 on October 31 to 02:00 on November 1 (CST): the clock goes back at 02:00 CDT.
    created = services.create_series(
        actor=supervisor,
        opportunity=opportunity,
        rrule="FREQ=DAILY;COUNT=2",
        first_start=local(2026, 10, 31, 23),
        duration_minutes=240,
        capacity=2,
    )

    for shift in shifts_of(created):
        assert shift.ends_at - shift.starts_at == dt.timedelta(hours=4)
        assert shift.hours == 4
    assert [s.local_start.hour for s in shifts_of(created)] == [23, 23]


def test_an_aware_first_start_is_read_in_the_sites_time_zone(
    opportunity: Opportunity, supervisor: User
) -> None:
    created = services.create_series(
        actor=supervisor,
        opportunity=opportunity,
        rrule="RRULE:FREQ=WEEKLY;COUNT=6",
        first_start=dt.datetime(2026, 10, 17, 13, 0, tzinfo=dt.UTC),  # 08:00 in St. Louis
        duration_minutes=180,
        capacity=2,
    )

    assert created.rrule == "FREQ=WEEKLY;COUNT=6"
    assert [s.local_start.hour for s in shifts_of(created)] == [8] * 6


def test_a_series_until_a_utc_date_time_stops_there(
    opportunity: Opportunity, supervisor: User
) -> None:
    # RFC 5545: with a local DTSTART, UNTIL is given in UTC (with a Z).
    created = services.create_series(
        actor=supervisor,
        opportunity=opportunity,
        rrule="FREQ=WEEKLY;BYDAY=SA;UNTIL=20261031T235959Z",
        first_start=local(2026, 10, 3),
        duration_minutes=240,
        capacity=2,
    )

    assert [s.local_start.day for s in shifts_of(created)] == [3, 10, 17, 24, 31]


def test_a_series_until_a_local_date_time_stops_there(
    opportunity: Opportunity, supervisor: User
) -> None:
    created = services.create_series(
        actor=supervisor,
        opportunity=opportunity,
        rrule="FREQ=WEEKLY;BYDAY=SA;UNTIL=20261031T080000",
        first_start=local(2026, 10, 3),
        duration_minutes=240,
        capacity=2,
    )

    assert len(shifts_of(created)) == 5


def test_a_rule_without_an_end_makes_shifts_for_two_years(
    opportunity: Opportunity, supervisor: User
) -> None:
    created = services.create_series(
        actor=supervisor,
        opportunity=opportunity,
        rrule="FREQ=MONTHLY",
        first_start=local(2026, 10, 3),
        duration_minutes=60,
        capacity=2,
    )

    shifts = shifts_of(created)
    assert len(shifts) == 25
    assert shifts[-1].local_start.date() == dt.date(2028, 10, 3)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("garbage", "not valid"),
        ("FREQ=FORTNIGHTLY;COUNT=3", "not valid"),
        ("", "blank"),
        ("FREQ=WEEKLY;UNTIL=20200101", "no shifts"),
        ("FREQ=DAILY", "more than 260"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=300", "more than 260"),
        ("DTSTART:20261003T080000\nRRULE:FREQ=WEEKLY;COUNT=3", "one RRULE line"),
        ("FREQ=WEEKLY;COUNT=3;DTSTART=20261003T080000", "one RRULE line"),
    ],
)
def test_a_bad_rule_is_refused_and_nothing_is_created(
    opportunity: Opportunity, supervisor: User, rule: str, message: str
) -> None:
    with pytest.raises(ServiceError, match=message) as caught:
        services.create_series(
            actor=supervisor,
            opportunity=opportunity,
            rrule=rule,
            first_start=local(2026, 10, 3),
            duration_minutes=240,
            capacity=3,
        )

    assert caught.value.field == "rrule"
    assert not ShiftSeries.objects.exists()
    assert not Shift.objects.exists()


def test_create_series_refusals(
    opportunity: Opportunity, supervisor: User, other_supervisor: User, member: User
) -> None:
    kwargs: dict[str, Any] = {
        "opportunity": opportunity,
        "rrule": SATURDAYS,
        "first_start": local(2026, 10, 3),
        "duration_minutes": 240,
        "capacity": 3,
    }
    for intruder in (member, other_supervisor):
        with pytest.raises(NotAllowed):
            services.create_series(actor=intruder, **kwargs)
    with pytest.raises(ServiceError) as too_short:
        services.create_series(actor=supervisor, **{**kwargs, "duration_minutes": 5})
    assert too_short.value.field == "duration_minutes"
    with pytest.raises(ServiceError) as wrong_supervisor:
        services.create_series(actor=supervisor, supervisor=other_supervisor, **kwargs)
    assert wrong_supervisor.value.field == "supervisor"
    opportunity.is_active = False
    opportunity.save()
    with pytest.raises(Conflict):
        services.create_series(actor=supervisor, **kwargs)
    assert not ShiftSeries.objects.exists()


# -- update_series ---------------------------------------------------------------------------


def test_updating_from_a_date_changes_only_later_shifts_not_edited_alone(
    series: ShiftSeries, supervisor: User
) -> None:
    alone = on(series, dt.date(2026, 11, 14))
    services.update_shift(shift=alone, actor=supervisor, notes="Flu shot clinic")

    changed = services.update_series(
        series=series,
        actor=supervisor,
        from_date=dt.date(2026, 11, 7),
        start_time=dt.time(9, 30),
        capacity=5,
    )

    later = [dt.date(2026, 11, 7) + dt.timedelta(weeks=n) for n in range(7)]
    expected = [on(series, day).pk for day in later if day != dt.date(2026, 11, 14)]
    assert [s.pk for s in changed] == expected
    for shift in shifts_of(series):
        day = shift.local_start.date()
        if shift.pk in expected:
            assert (shift.local_start.time(), shift.local_end.time()) == (
                dt.time(9, 30),
                dt.time(13, 30),
            )
            assert shift.capacity == 5
            assert shift.starts_at.astimezone(dt.UTC).hour == 15  # CST
        else:
            assert day < dt.date(2026, 11, 7) or shift.pk == alone.pk
            assert (shift.local_start.time(), shift.capacity) == (dt.time(8, 0), 3)
    series.refresh_from_db()
    assert series.first_start.astimezone(CHICAGO).time() == dt.time(9, 30)
    assert series.capacity == 5
    entry = AuditEntry.objects.for_object(series).get(action="volunteering.series.updated")
    assert entry.data["shifts"] == expected
    assert entry.changes["capacity"] == [3, 5]


def test_updating_the_duration_alone_keeps_the_start(series: ShiftSeries, supervisor: User) -> None:
    services.update_series(
        series=series, actor=supervisor, from_date=dt.date(2026, 12, 1), duration_minutes=150
    )

    december = [s for s in shifts_of(series) if s.local_start.month == 12]
    assert len(december) == 3
    assert {(s.local_start.hour, s.ends_at - s.starts_at) for s in december} == {
        (8, dt.timedelta(minutes=150))
    }
    series.refresh_from_db()
    assert series.duration_minutes == 150


def test_a_new_start_time_keeps_each_shifts_own_length(
    series: ShiftSeries, supervisor: User
) -> None:
    services.update_series(
        series=series, actor=supervisor, from_date=dt.date(2026, 12, 1), duration_minutes=150
    )

    services.update_series(
        series=series, actor=supervisor, from_date=dt.date(2026, 10, 1), start_time=dt.time(9)
    )

    shifts = shifts_of(series)
    assert {s.local_start.hour for s in shifts} == {9}
    assert [s.ends_at - s.starts_at for s in shifts] == [dt.timedelta(hours=4)] * 9 + [
        dt.timedelta(minutes=150)
    ] * 3


def test_shifts_already_past_are_left_alone(series: ShiftSeries, supervisor: User) -> None:
    with time_machine.travel(dt.datetime(2026, 10, 20, 9, 0, tzinfo=CHICAGO), tick=False):
        changed = services.update_series(
            series=series, actor=supervisor, from_date=dt.date(2026, 10, 1), capacity=4
        )

    assert len(changed) == 9  # October 24 on
    assert [s.capacity for s in shifts_of(series)] == [3] * 3 + [4] * 9


def test_a_series_update_that_fails_on_one_shift_changes_none(
    series: ShiftSeries, supervisor: User
) -> None:
    busy = on(series, dt.date(2026, 12, 5))
    for _ in range(3):
        services.sign_up(shift=busy, person=PersonFactory(), actor=supervisor)

    with pytest.raises(Conflict, match="3 people hold seats"):
        services.update_series(
            series=series, actor=supervisor, from_date=dt.date(2026, 10, 1), capacity=2
        )

    assert {s.capacity for s in shifts_of(series)} == {3}
    series.refresh_from_db()
    assert series.capacity == 3


def test_moving_a_series_onto_someones_other_shift_is_refused(
    series: ShiftSeries, supervisor: User, make_shift: Any
) -> None:
    person = PersonFactory(given_name="Dario", family_name="Haddad", preferred_name="")
    saturday = on(series, dt.date(2026, 10, 10))
    services.sign_up(shift=saturday, person=person, actor=supervisor)
    afternoon = make_shift(start=dt.datetime(2026, 10, 10, 13, 0, tzinfo=CHICAGO), hours=3)
    services.sign_up(shift=afternoon, person=person, actor=supervisor)

    with pytest.raises(Conflict, match="Dario Haddad"):
        services.update_series(
            series=series, actor=supervisor, from_date=dt.date(2026, 10, 1), start_time=dt.time(11)
        )


def test_people_on_moved_shifts_are_told(
    series: ShiftSeries, supervisor: User, django_capture_on_commit_callbacks: Any
) -> None:
    early, late = PersonFactory(), PersonFactory()
    services.sign_up(shift=on(series, dt.date(2026, 10, 3)), person=early, actor=supervisor)
    services.sign_up(shift=on(series, dt.date(2026, 12, 19)), person=late, actor=supervisor)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.update_series(
            series=series, actor=supervisor, from_date=dt.date(2026, 12, 1), start_time=dt.time(10)
        )

    assert [m.to for m in mail.outbox] == [[late.email]]
    assert "10:00" in mail.outbox[0].body


def test_update_series_supervisor_and_permissions(
    series: ShiftSeries,
    supervisor: User,
    other_supervisor: User,
    coordinator: User,
) -> None:
    with pytest.raises(NotAllowed):
        services.update_series(
            series=series, actor=other_supervisor, from_date=dt.date(2026, 10, 1), capacity=9
        )
    with pytest.raises(ServiceError) as caught:
        services.update_series(
            series=series,
            actor=supervisor,
            from_date=dt.date(2026, 10, 1),
            supervisor=other_supervisor,
        )
    assert caught.value.field == "supervisor"

    services.update_series(
        series=series, actor=supervisor, from_date=dt.date(2026, 12, 1), supervisor=coordinator
    )
    assert [s.supervisor for s in shifts_of(series)] == [None] * 9 + [coordinator] * 3
    services.update_series(
        series=series, actor=supervisor, from_date=dt.date(2026, 12, 12), supervisor=None
    )
    assert [s.supervisor for s in shifts_of(series)][-3:] == [coordinator, None, None]


# -- cancel_series ---------------------------------------------------------------------------


def test_cancelling_a_series_from_a_date(
    series: ShiftSeries, supervisor: User, django_capture_on_commit_callbacks: Any
) -> None:
    kept_person, told_person = PersonFactory(), PersonFactory()
    services.sign_up(shift=on(series, dt.date(2026, 11, 14)), person=kept_person, actor=supervisor)
    told = services.sign_up(
        shift=on(series, dt.date(2026, 12, 5)), person=told_person, actor=supervisor
    )
    already = on(series, dt.date(2026, 12, 12))
    services.cancel_shift(shift=already, actor=supervisor, reason="Staff retreat")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        count = services.cancel_series(
            series=series,
            actor=supervisor,
            from_date=dt.date(2026, 11, 21),
            reason="The clinic closes for the holidays",
        )

    assert count == 4  # November 21, 28, December 5 and 19; December 12 was off already
    statuses = [(s.local_start.date(), s.status) for s in shifts_of(series)]
    assert [day for day, status in statuses if status == "cancelled"] == [
        dt.date(2026, 11, 21),
        dt.date(2026, 11, 28),
        dt.date(2026, 12, 5),
        dt.date(2026, 12, 12),
        dt.date(2026, 12, 19),
    ]
    assert SignUp.objects.get(pk=told.pk).status == SignUp.Status.SHIFT_CANCELLED
    assert SignUp.objects.get(person=kept_person).status == SignUp.Status.CONFIRMED
    assert [m.to for m in mail.outbox] == [[told_person.email]]
    assert "closes for the holidays" in mail.outbox[0].body
    assert Shift.objects.get(pk=already.pk).cancel_reason == "Staff retreat"


def test_cancel_series_refusals(
    series: ShiftSeries, supervisor: User, other_supervisor: User
) -> None:
    with pytest.raises(ServiceError, match="Say why"):
        services.cancel_series(
            series=series, actor=supervisor, from_date=dt.date(2026, 10, 1), reason=" "
        )
    with pytest.raises(NotAllowed):
        services.cancel_series(
            series=series, actor=other_supervisor, from_date=dt.date(2026, 10, 1), reason="x"
        )
    assert {s.status for s in shifts_of(series)} == {"scheduled"}

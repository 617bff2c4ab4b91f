"""Renewal reminders (90 and 30 days before expiry, once per expiry date), expiry, and the
`partnerships-sweep` command and task that run them."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from equityhub.accounts.models import User
from equityhub.audit.models import AuditEntry
from equityhub.partnerships import services_agreements as services
from equityhub.partnerships import tasks
from equityhub.partnerships.models import Agreement, AgreementParty, Contact
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

A = Agreement.Status
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
EXPIRES = dt.date(2026, 6, 30)
Capture = Callable[..., Any]


def days_before(days: int) -> dt.datetime:
    """Nine in the morning, `days` days before the agreement expires."""
    day = EXPIRES - dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=CHICAGO)


@pytest.fixture
def frozen() -> Iterator[Callable[[int], None]]:
    travellers: list[Any] = []

    def move_to(days: int) -> None:
        traveller = time_machine.travel(days_before(days), tick=False)
        traveller.start()
        travellers.append(traveller)

    yield move_to
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture
def remind(django_capture_on_commit_callbacks: Capture) -> Callable[[], int]:
    """Send due reminders with the on-commit mail run, as outside a test transaction."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return services.send_renewal_reminders()

    return run


def make_active(
    *parties: Organization,
    creator: User | None = None,
    expires_on: dt.date | None = EXPIRES,
    title: str = "Screening data MOU",
    status: str = A.ACTIVE,
) -> Agreement:
    agreement = Agreement.objects.create(
        title=title,
        status=status,
        effective_on=dt.date(2024, 7, 1),
        expires_on=expires_on,
        created_by=creator,
    )
    AgreementParty.objects.bulk_create(
        AgreementParty(agreement=agreement, organization=org) for org in parties
    )
    return agreement


@pytest.fixture
def agreement(partner_org: Organization, office_org: Organization) -> Agreement:
    """In effect, no documents, no creator; one agreements contact at the partner."""
    Contact.objects.create(
        organization=partner_org,
        name="Ana Ruiz",
        email="agreements@northside.example",
        role=Contact.Role.AGREEMENTS,
    )
    return make_active(partner_org, office_org)


def sent_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if message.to == [address]]


# -- the schedule ----------------------------------------------------------------------------


def test_nothing_is_sent_91_days_before_expiry(
    agreement: Agreement, frozen: Callable[[int], None], remind: Callable[[], int]
) -> None:
    frozen(91)

    assert remind() == 0
    assert mail.outbox == []


def test_one_reminder_goes_out_90_days_before_expiry_and_only_once(
    agreement: Agreement, frozen: Callable[[int], None], remind: Callable[[], int]
) -> None:
    frozen(90)

    assert remind() == 1
    assert remind() == 0

    [message] = mail.outbox
    assert message.to == ["agreements@northside.example"]
    assert "Screening data MOU" in message.subject
    assert "June 30, 2026" in message.subject
    url = f"{settings.SITE_ROOT.rstrip('/')}/consortium/agreements/{agreement.pk}/"
    assert url in message.body
    assert "in 90 days" in message.body
    assert Agreement.objects.get(pk=agreement.pk).reminder_90_sent_for == EXPIRES
    entry = AuditEntry.objects.get(action="partnerships.agreement.renewal_reminder_sent")
    assert entry.actor_id is None
    assert entry.data == {"days": 90, "expires_on": "2026-06-30", "recipients": 1}


def test_the_30_day_reminder_follows_the_90_day_one(
    agreement: Agreement, frozen: Callable[[int], None], remind: Callable[[], int]
) -> None:
    frozen(90)
    remind()
    frozen(31)
    assert remind() == 0
    frozen(30)
    assert remind() == 1
    frozen(29)
    assert remind() == 0

    assert len(mail.outbox) == 2
    assert "last reminder" in mail.outbox[1].body
    fresh = Agreement.objects.get(pk=agreement.pk)
    assert (fresh.reminder_90_sent_for, fresh.reminder_30_sent_for) == (EXPIRES, EXPIRES)


def test_an_agreement_first_seen_20_days_before_expiry_gets_only_the_30_day_reminder(
    agreement: Agreement, frozen: Callable[[int], None], remind: Callable[[], int]
) -> None:
    frozen(20)
    assert remind() == 1
    frozen(19)
    assert remind() == 0

    [message] = mail.outbox
    assert "last reminder" in message.body
    assert "in 20 days" in message.body


def test_a_renewal_rearms_both_reminders_for_the_new_date(
    agreement: Agreement,
    frozen: Callable[[int], None],
    remind: Callable[[], int],
    coordinator: User,
) -> None:
    frozen(25)
    remind()
    new_expiry = EXPIRES + dt.timedelta(days=365)
    services.renew_agreement(agreement=agreement, actor=coordinator, expires_on=new_expiry)
    frozen(-275)  # 90 days before the new date
    assert remind() == 1

    assert len(mail.outbox) == 2
    assert Agreement.objects.get(pk=agreement.pk).reminder_90_sent_for == new_expiry


def test_moving_the_expiry_date_rearms_the_reminders_too(
    agreement: Agreement,
    frozen: Callable[[int], None],
    remind: Callable[[], int],
    coordinator: User,
) -> None:
    frozen(80)
    remind()
    services.update_agreement(
        agreement=agreement, actor=coordinator, expires_on=EXPIRES - dt.timedelta(days=60)
    )

    assert remind() == 1
    assert "last reminder" in mail.outbox[1].body


@pytest.mark.parametrize("status", [A.DRAFT, A.TERMINATED, A.EXPIRED])
def test_only_agreements_in_effect_are_reminded(
    status: str,
    partner_org: Organization,
    office_org: Organization,
    frozen: Callable[[int], None],
    remind: Callable[[], int],
) -> None:
    make_active(partner_org, office_org, status=status)
    frozen(30)

    assert remind() == 0


def test_an_agreement_without_an_expiry_date_is_never_reminded(
    partner_org: Organization, office_org: Organization, remind: Callable[[], int]
) -> None:
    make_active(partner_org, office_org, expires_on=None)

    assert remind() == 0


def test_an_agreement_without_documents_or_contacts_still_reminds_its_creator(
    partner_org: Organization,
    office_org: Organization,
    coordinator: User,
    frozen: Callable[[int], None],
    remind: Callable[[], int],
) -> None:
    agreement = make_active(partner_org, office_org, creator=coordinator)
    assert not agreement.documents.exists()
    frozen(60)

    assert remind() == 1
    assert [m.to for m in mail.outbox] == [[coordinator.email]]


def test_an_agreement_nobody_can_be_told_about_is_still_marked_reminded(
    partner_org: Organization,
    office_org: Organization,
    frozen: Callable[[int], None],
    remind: Callable[[], int],
) -> None:
    agreement = make_active(partner_org, office_org)
    frozen(60)

    assert remind() == 1
    assert mail.outbox == []
    assert Agreement.objects.get(pk=agreement.pk).reminder_90_sent_for == EXPIRES


# -- who is told -----------------------------------------------------------------------------


def test_each_party_tells_its_agreement_contacts_else_its_primary_ones_and_the_creator(
    partner_org: Organization,
    office_org: Organization,
    coordinator: User,
    frozen: Callable[[int], None],
    remind: Callable[[], int],
) -> None:
    def contact(org: Organization, email: str, role: str, **fields: Any) -> Contact:
        return Contact.objects.create(
            organization=org, name=email.partition("@")[0], email=email, role=role, **fields
        )

    contact(partner_org, "deals@north.example", Contact.Role.AGREEMENTS)
    contact(partner_org, "boss@north.example", Contact.Role.PRIMARY)
    contact(partner_org, "gone@north.example", Contact.Role.AGREEMENTS, is_active=False)
    contact(office_org, "office@odp.example", Contact.Role.PRIMARY)
    contact(office_org, "comms@odp.example", Contact.Role.COMMUNICATIONS)
    # The creator is also a contact: told once.
    contact(office_org, coordinator.email.upper(), Contact.Role.PRIMARY)
    stranger = OrganizationFactory(name="Not a party")
    contact(stranger, "stranger@else.example", Contact.Role.AGREEMENTS)
    make_active(partner_org, office_org, creator=coordinator)
    frozen(45)

    remind()

    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        ["deals@north.example", "office@odp.example", coordinator.email.upper()]
    )


def test_a_contact_is_told_in_the_language_of_their_portal_account(
    partner_org: Organization, office_org: Organization
) -> None:
    spanish = UserFactory(email="ana@north.example", language="es-mx")
    Contact.objects.create(
        organization=partner_org,
        name="Ana",
        email="ana@north.example",
        role=Contact.Role.AGREEMENTS,
        user=spanish,
    )
    Contact.objects.create(
        organization=office_org, name="Bo", email="bo@odp.example", role=Contact.Role.PRIMARY
    )
    agreement = make_active(partner_org, office_org)

    assert services.renewal_recipients(agreement) == [
        ("ana@north.example", "es"),
        ("bo@odp.example", "en"),
    ]


# -- parallel sweeps -------------------------------------------------------------------------


def test_two_sweeps_send_each_reminder_once(
    agreement: Agreement, frozen: Callable[[int], None], remind: Callable[[], int]
) -> None:
    frozen(90)

    assert remind() + remind() == 1
    assert len(mail.outbox) == 1


def test_a_sweep_that_read_the_agreement_before_another_sent_its_reminder_sends_nothing(
    agreement: Agreement,
    frozen: Callable[[int], None],
    remind: Callable[[], int],
) -> None:
    frozen(90)
    today = days_before(90).date()
    [seen_by_the_slow_sweep] = list(services._due_for_reminder(today, 90, 31))

    assert remind() == 1
    assert services._claim_reminder(seen_by_the_slow_sweep, 90) is False


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="parallel sweeps on separate connections need PostgreSQL (DATABASE_URL=postgres://...)",
)
def test_parallel_sweeps_on_postgresql_send_each_reminder_once() -> None:
    parties = [OrganizationFactory(name=f"Party {i}") for i in range(2)]
    Contact.objects.create(
        organization=parties[0], name="Ana", email="ana@party.example", role="agreements"
    )
    agreements = [make_active(*parties, title=f"MOU {i}") for i in range(6)]
    go = threading.Event()

    def sweep() -> int:
        go.wait(timeout=30)
        try:
            return services.send_renewal_reminders(today=EXPIRES - dt.timedelta(days=60))
        finally:
            connection.close()

    mail.outbox = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(sweep) for _ in range(8)]
        go.set()
        results = [future.result(timeout=120) for future in futures]

    assert sum(results) == len(agreements)
    assert len(mail.outbox) == len(agreements)
    assert AuditEntry.objects.filter(
        action="partnerships.agreement.renewal_reminder_sent"
    ).count() == len(agreements)


# -- expiry ----------------------------------------------------------------------------------


def test_agreements_past_their_expiry_date_become_expired(
    agreement: Agreement, partner_org: Organization, office_org: Organization
) -> None:
    later = make_active(partner_org, office_org, expires_on=EXPIRES + dt.timedelta(days=1))

    assert services.expire_agreements(today=EXPIRES) == 0
    assert services.expire_agreements(today=EXPIRES + dt.timedelta(days=1)) == 1
    assert services.expire_agreements(today=EXPIRES + dt.timedelta(days=1)) == 0

    assert Agreement.objects.get(pk=agreement.pk).status == A.EXPIRED
    assert Agreement.objects.get(pk=later.pk).status == A.ACTIVE
    entry = AuditEntry.objects.get(action="partnerships.agreement.expired")
    assert entry.actor_id is None
    assert entry.changes == {"status": ["active", "expired"]}


def test_the_sweep_expires_then_reminds(
    agreement: Agreement,
    partner_org: Organization,
    office_org: Organization,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    make_active(partner_org, office_org, expires_on=EXPIRES - dt.timedelta(days=100))

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.sweep(today=EXPIRES - dt.timedelta(days=30))

    assert counts == {"expired": 1, "reminders": 1}


# -- the command and the task ----------------------------------------------------------------


def test_the_command_runs_once_and_prints_the_counts(
    agreement: Agreement,
    frozen: Callable[[int], None],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    frozen(30)
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("partnerships-sweep", stdout=out)

    assert "0 agreement(s) expired, 1 renewal reminder(s) sent" in out.getvalue()
    assert len(mail.outbox) == 1


def test_the_command_loops_until_interrupted_and_survives_a_failed_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    passes: list[int] = []
    naps: list[float] = []

    def fake_sweep(**kwargs: Any) -> dict[str, int]:
        passes.append(1)
        if len(passes) == 1:
            raise RuntimeError("database restarting")
        return {"expired": 0, "reminders": len(passes)}

    def fake_sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(services, "sweep", fake_sweep)
    monkeypatch.setattr("time.sleep", fake_sleep)
    out, err = StringIO(), StringIO()

    call_command("partnerships-sweep", "--loop", "3600", stdout=out, stderr=err)

    assert len(passes) == 2
    assert naps == [3600, 3600]
    assert "database restarting" in err.getvalue()
    assert "2 renewal reminder(s) sent" in out.getvalue()
    assert "Stopped." in out.getvalue()


@pytest.mark.parametrize("value", ["-5", "soon"])
def test_the_command_refuses_a_bad_loop_interval(value: str) -> None:
    with pytest.raises(CommandError):
        call_command("partnerships-sweep", "--loop", value)


def test_the_task_runs_the_sweep_and_returns_its_counts(
    agreement: Agreement,
    frozen: Callable[[int], None],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    frozen(89)

    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.sweep_task.enqueue()

    assert result.return_value == {"expired": 0, "reminders": 1}

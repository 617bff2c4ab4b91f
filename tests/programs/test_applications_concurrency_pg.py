"""Applications and guardian consent under concurrent requests, on PostgreSQL.

Each call runs in a worker thread on its own connection, all released together: starting an
application twice at once, a guardian withdrawing consent while the minor submits, two
withdrawals of one consent, and a seat freed by a withdrawn consent while staff accept others.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, ServiceError
from equityhub.people import services as people_services
from equityhub.people.models import Consent
from equityhub.programs import services_applications as services
from equityhub.programs import services_consent, services_review
from equityhub.programs.models import Application, Cycle
from tests.programs.application_helpers import ask_guardian, ready_draft

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks under real concurrency need PostgreSQL (DATABASE_URL=postgres://...)",
    ),
]

S = Application.Status


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    go = threading.Event()

    def run(call: Callable[[], Any]) -> Any:
        go.wait(timeout=30)
        try:
            return call()
        except Exception as error:  # the test inspects every outcome
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        go.set()
        return [future.result(timeout=120) for future in futures]


def minor(make_user: Callable[..., User]) -> User:
    today = timezone.localdate()
    return make_user(Role.MEMBER, date_of_birth=today.replace(year=today.year - 15))


def consented(cycle: Cycle, user: User) -> tuple[Application, str]:
    application = ready_draft(cycle, user)
    token = ask_guardian(application, user)
    services_consent.give_guardian_consent(token=token, signed_name="Rosa")
    application.refresh_from_db()
    return application, token


def test_starting_ten_times_at_once_makes_one_application(
    cycle: Cycle, adult_applicant: User
) -> None:
    def start() -> int:
        actor = User.objects.get(pk=adult_applicant.pk)
        fresh = Cycle.objects.select_related("program").get(pk=cycle.pk)
        return services.start_application(cycle=fresh, actor=actor)[0].pk

    results = run_together([start for _ in range(10)])
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert Application.objects.count() == 1


def test_a_consent_withdrawn_while_the_minor_submits_leaves_the_application_withdrawn(
    cycle: Cycle, make_user: Callable[..., User]
) -> None:
    pairs = [consented(cycle, minor(make_user)) for _ in range(6)]
    calls: list[Callable[[], Any]] = []
    for application, token in pairs:
        applicant_user = User.objects.get(person__pk=application.applicant_id)

        def submit(pk: int = application.pk, user: User = applicant_user) -> Any:
            return services.submit_application(
                application=Application.objects.get(pk=pk), actor=user
            )

        def withdraw(token: str = token) -> Any:
            return services_consent.withdraw_guardian_consent(token=token)

        calls += [submit, withdraw]

    results = run_together(calls)

    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, ServiceError)
    ]
    assert unexpected == []
    for application, _token in pairs:
        application.refresh_from_db()
        assert application.status == S.WITHDRAWN
        assert Consent.objects.get(pk=application.guardian_consent_id).withdrawn_at is not None


def test_two_withdrawals_of_one_consent_withdraw_the_application_once(
    cycle: Cycle, make_user: Callable[..., User], coordinator: User
) -> None:
    application, token = consented(cycle, minor(make_user))

    def by_guardian() -> Any:
        return services_consent.withdraw_guardian_consent(token=token)

    def by_staff() -> Any:
        consent = Consent.objects.get(pk=application.guardian_consent_id)
        return people_services.withdraw_consent(
            consent=consent, actor=User.objects.get(pk=coordinator.pk)
        )

    results = run_together([by_guardian, by_staff])

    assert sum(isinstance(r, Consent) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert AuditEntry.objects.filter(action="programs.application.withdrawn").count() == 1
    assert Application.objects.get(pk=application.pk).status == S.WITHDRAWN


def test_a_seat_freed_by_a_withdrawn_consent_goes_to_at_most_one_other(
    cycle: Cycle, make_user: Callable[..., User], coordinator: User
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(seats=1)
    application, token = consented(cycle, minor(make_user))
    services.submit_application(
        application=application, actor=User.objects.get(person__pk=application.applicant_id)
    )
    services_review.decide(application=application, actor=coordinator, outcome="accepted")
    others = []
    for n in range(5):
        user = make_user(Role.MEMBER, date_of_birth=dt.date(2004, 1, n + 1))
        other = ready_draft(cycle, user)
        services.submit_application(application=other, actor=user)
        others.append(other)

    def accept(pk: int) -> Callable[[], Any]:
        def call() -> Any:
            return services_review.decide(
                application=Application.objects.get(pk=pk),
                actor=User.objects.get(pk=coordinator.pk),
                outcome="accepted",
            )

        return call

    def withdraw() -> Any:
        return services_consent.withdraw_guardian_consent(token=token)

    results = run_together([withdraw, *(accept(o.pk) for o in others)])

    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, ServiceError)
    ]
    assert unexpected == []
    cycle.refresh_from_db()
    seated = Application.objects.filter(cycle=cycle, status__in=Application.SEATED).count()
    assert seated == cycle.seats_taken <= 1
    assert Application.objects.get(pk=application.pk).status == S.WITHDRAWN

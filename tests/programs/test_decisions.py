"""Committee decisions with seats and a waitlist, releasing seats, and the applicant's answer
to an offer (the services; concurrency in test_decisions_concurrency_pg.py)."""

# The shared fixtures are imported from test_review_support and then named as test arguments,
# which pyflakes reads as redefinitions (F811) and loop names as shadowing (F402).
# ruff: noqa: F811, F402

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone

from equityhub.accounts.models import User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.programs import services_review as services
from equityhub.programs.models import Application, Cycle, Program
from tests.programs.test_review_support import (  # noqa: F401 - fixtures
    applicant_user,
    application,
    director_program,
    make_application,
    make_applications,
    staff,
)

pytestmark = pytest.mark.django_db
S = Application.Status
A = Application.Approval


def fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def seats_taken(cycle: Cycle) -> int:
    return Cycle.objects.get(pk=cycle.pk).seats_taken


def positions(cycle: Cycle) -> list[tuple[int, int | None]]:
    return list(
        Application.objects.filter(cycle=cycle, status=S.WAITLISTED)
        .order_by("waitlist_position")
        .values_list("pk", "waitlist_position")
    )


def small_cycle(cycle: Cycle, seats: int) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(seats=seats)
    cycle.refresh_from_db()
    return cycle


# -- decide ----------------------------------------------------------------------------------


def test_accepting_takes_a_seat(application: Application, staff: User) -> None:
    decided = services.decide(application=application, actor=staff, outcome="accepted", note="Top")

    assert decided.status == S.ACCEPTED
    assert decided.decided_by == staff
    assert decided.decision_note == "Top"
    assert decided.director_approval == A.NOT_NEEDED
    assert seats_taken(application.cycle) == 1
    entry = AuditEntry.objects.get(action="programs.application.decided")
    assert entry.data["outcome"] == "accepted"
    assert entry.data["seats_taken"] == 1


def test_when_every_seat_is_taken_acceptance_is_refused(cycle: Cycle, staff: User) -> None:
    cycle = small_cycle(cycle, 2)
    first, second, third = make_applications(cycle, 3)
    services.decide(application=first, actor=staff, outcome="accepted")
    services.decide(application=second, actor=staff, outcome="accepted")

    with pytest.raises(Conflict) as caught:
        services.decide(application=third, actor=staff, outcome="accepted")

    assert caught.value.message == "All 2 seats are taken; waitlist instead."
    assert caught.value.field == "outcome"
    assert fresh(third).status == S.SUBMITTED
    assert seats_taken(cycle) == 2


def test_the_full_seat_message_names_the_cycles_seats(cycle: Cycle, staff: User) -> None:
    applications = make_applications(cycle, 11)
    for application in applications[:10]:
        services.decide(application=application, actor=staff, outcome="accepted")

    with pytest.raises(Conflict, match=r"^All 10 seats are taken; waitlist instead\.$"):
        services.decide(application=applications[10], actor=staff, outcome="accepted")


def test_waitlisted_applicants_queue_in_decision_order(cycle: Cycle, staff: User) -> None:
    applications = make_applications(cycle, 4)
    for application in reversed(applications):
        services.decide(application=application, actor=staff, outcome="waitlisted")

    assert positions(cycle) == [(a.pk, n) for n, a in enumerate(reversed(applications), 1)]


def test_accepting_from_the_waitlist_closes_the_gap(cycle: Cycle, staff: User) -> None:
    applications = make_applications(cycle, 4)
    for application in applications:
        services.decide(application=application, actor=staff, outcome="waitlisted")

    services.decide(application=applications[1], actor=staff, outcome="accepted")

    assert positions(cycle) == [
        (applications[0].pk, 1),
        (applications[2].pk, 2),
        (applications[3].pk, 3),
    ]
    assert fresh(applications[1]).waitlist_position is None
    assert seats_taken(cycle) == 1


def test_rejecting_from_the_waitlist_closes_the_gap(cycle: Cycle, staff: User) -> None:
    applications = make_applications(cycle, 3)
    for application in applications:
        services.decide(application=application, actor=staff, outcome="waitlisted")

    services.decide(application=applications[0], actor=staff, outcome="rejected")

    assert positions(cycle) == [(applications[1].pk, 1), (applications[2].pk, 2)]


def test_an_unsent_decision_can_be_revised(application: Application, staff: User) -> None:
    services.decide(application=application, actor=staff, outcome="accepted")
    services.decide(application=application, actor=staff, outcome="waitlisted")
    assert seats_taken(application.cycle) == 0
    assert fresh(application).waitlist_position == 1

    services.decide(application=application, actor=staff, outcome="rejected")
    services.decide(application=application, actor=staff, outcome="waitlisted")
    services.decide(application=application, actor=staff, outcome="accepted")

    assert fresh(application).status == S.ACCEPTED
    assert positions(application.cycle) == []


def test_a_decision_whose_letter_went_out_stands(cycle: Cycle, staff: User) -> None:
    accepted, rejected, waitlisted = make_applications(cycle, 3)
    services.decide(application=accepted, actor=staff, outcome="accepted")
    services.decide(application=rejected, actor=staff, outcome="rejected")
    services.decide(application=waitlisted, actor=staff, outcome="waitlisted")
    services.send_decision_letters(cycle=cycle, actor=staff)

    with pytest.raises(Conflict, match="release the seat"):
        services.decide(application=accepted, actor=staff, outcome="rejected")
    with pytest.raises(Conflict, match="not selected"):
        services.decide(application=rejected, actor=staff, outcome="accepted")
    # The waitlist is there to move: a waitlisted applicant can still be accepted, and the
    # acceptance letter is then due.
    decided = services.decide(application=waitlisted, actor=staff, outcome="accepted")
    assert decided.letter_sent_at is None


def test_the_same_decision_twice_is_refused(application: Application, staff: User) -> None:
    services.decide(application=application, actor=staff, outcome="waitlisted")

    with pytest.raises(Conflict, match="already waitlisted"):
        services.decide(application=application, actor=staff, outcome="waitlisted")


@pytest.mark.parametrize("status", [S.DRAFT, S.WITHDRAWN, S.DECLINED, S.ENROLLED])
def test_applications_outside_the_committee_cannot_be_decided(
    cycle: Cycle, staff: User, status: str
) -> None:
    application = make_application(cycle, status=status)

    with pytest.raises(Conflict, match="cannot be decided"):
        services.decide(application=application, actor=staff, outcome="accepted")


@pytest.mark.parametrize("status", [Cycle.Status.DRAFT, Cycle.Status.COMPLETED])
def test_decisions_wait_for_and_end_with_the_cycle(
    application: Application, staff: User, status: str
) -> None:
    Cycle.objects.filter(pk=application.cycle_id).update(status=status)

    with pytest.raises(Conflict, match="Decisions are made while"):
        services.decide(application=application, actor=staff, outcome="accepted")


def test_only_staff_decide_and_only_the_three_outcomes(
    application: Application, reviewer: User, applicant_user: User, staff: User
) -> None:
    for actor in (reviewer, applicant_user):
        with pytest.raises(NotAllowed):
            services.decide(application=application, actor=actor, outcome="accepted")
    with pytest.raises(ServiceError) as caught:
        services.decide(application=application, actor=staff, outcome="enrolled")
    assert caught.value.field == "outcome"


def test_an_acceptance_waits_for_the_program_director_where_needed(
    director_program: Program, application: Application, staff: User
) -> None:
    decided = services.decide(application=application, actor=staff, outcome="accepted")

    assert decided.director_approval == A.PENDING
    # Revised before the letter: no approval is waited for any more.
    revised = services.decide(application=application, actor=staff, outcome="waitlisted")
    assert revised.director_approval == A.NOT_NEEDED


# -- releasing seats -------------------------------------------------------------------------


def test_a_declined_seat_is_freed_but_not_given_away(cycle: Cycle, staff: User) -> None:
    cycle = small_cycle(cycle, 1)
    seated, waiting = make_applications(cycle, 2)
    services.decide(application=seated, actor=staff, outcome="accepted")
    services.decide(application=waiting, actor=staff, outcome="waitlisted")

    released = services.release_seat(application=seated, actor=staff, reason="took a job")

    assert released.status == S.DECLINED
    assert seats_taken(cycle) == 0
    # The committee decides: the waitlisted applicant is still waiting.
    assert fresh(waiting).status == S.WAITLISTED
    assert positions(cycle) == [(waiting.pk, 1)]
    entry = AuditEntry.objects.get(action="programs.application.released")
    assert entry.data["reason"] == "took a job"


def test_an_enrolled_participant_who_withdraws_frees_the_seat(
    application: Application, staff: User
) -> None:
    services.decide(application=application, actor=staff, outcome="accepted")
    services.respond_to_offer(application=application, actor=staff, accept=True)

    released = services.release_seat(application=application, actor=staff, status=S.WITHDRAWN)

    assert released.status == S.WITHDRAWN
    assert released.withdrawn_at is not None
    assert seats_taken(application.cycle) == 0


def test_leaving_the_waitlist_closes_the_gap(cycle: Cycle, staff: User) -> None:
    applications = make_applications(cycle, 5)
    for application in applications:
        services.decide(application=application, actor=staff, outcome="waitlisted")

    services.release_seat(application=applications[0], actor=staff)
    services.release_seat(application=applications[3], actor=staff)

    assert positions(cycle) == [
        (applications[1].pk, 1),
        (applications[2].pk, 2),
        (applications[4].pk, 3),
    ]


def test_the_applicant_may_release_their_own_place_and_nobody_else(
    application: Application, applicant_user: User, member: User, reviewer: User, staff: User
) -> None:
    services.decide(application=application, actor=staff, outcome="waitlisted")
    for actor in (member, reviewer):
        with pytest.raises(NotAllowed):
            services.release_seat(application=application, actor=actor)

    services.release_seat(application=application, actor=applicant_user)

    assert fresh(application).status == S.DECLINED


def test_only_a_seat_or_a_waitlist_place_can_be_released(
    application: Application, staff: User
) -> None:
    with pytest.raises(Conflict, match="holds no seat"):
        services.release_seat(application=application, actor=staff)
    with pytest.raises(ServiceError) as caught:
        services.release_seat(application=application, actor=staff, status="rejected")
    assert caught.value.field == "status"


# -- the applicant's answer ------------------------------------------------------------------


def test_accepting_the_offer_enrols(
    application: Application, applicant_user: User, staff: User
) -> None:
    services.decide(application=application, actor=staff, outcome="accepted")

    answered = services.respond_to_offer(application=application, actor=applicant_user, accept=True)

    assert answered.status == S.ENROLLED
    assert seats_taken(application.cycle) == 1
    assert AuditEntry.objects.filter(action="programs.offer.accepted").count() == 1


def test_declining_the_offer_releases_the_seat(
    application: Application, applicant_user: User, staff: User
) -> None:
    services.decide(application=application, actor=staff, outcome="accepted")

    answered = services.respond_to_offer(
        application=application, actor=applicant_user, accept=False
    )

    assert answered.status == S.DECLINED
    assert seats_taken(application.cycle) == 0


def test_there_must_be_an_open_offer_to_answer(
    application: Application, applicant_user: User, staff: User
) -> None:
    with pytest.raises(Conflict, match="no open offer"):
        services.respond_to_offer(application=application, actor=applicant_user, accept=True)
    services.decide(application=application, actor=staff, outcome="accepted")
    services.respond_to_offer(application=application, actor=applicant_user, accept=True)
    with pytest.raises(Conflict):
        services.respond_to_offer(application=application, actor=applicant_user, accept=False)


def test_only_the_applicant_or_staff_answer_the_offer(
    application: Application, member: User, reviewer: User, staff: User
) -> None:
    services.decide(application=application, actor=staff, outcome="accepted")
    for actor in (member, reviewer):
        with pytest.raises(NotAllowed):
            services.respond_to_offer(application=application, actor=actor, accept=True)


def test_taking_up_the_seat_waits_for_the_directors_approval(
    director_program: Program,
    application: Application,
    applicant_user: User,
    staff: User,
    make_user: Callable[..., User],
) -> None:
    services.decide(application=application, actor=staff, outcome="accepted")

    with pytest.raises(Conflict, match="not approved yet"):
        services.respond_to_offer(application=application, actor=applicant_user, accept=True)

    Application.objects.filter(pk=application.pk).update(director_approval=A.APPROVED)
    answered = services.respond_to_offer(application=application, actor=applicant_user, accept=True)
    assert answered.status == S.ENROLLED


def test_declining_while_approval_is_pending_voids_the_directors_link(
    director_program: Program, application: Application, applicant_user: User, staff: User
) -> None:
    services.decide(application=application, actor=staff, outcome="accepted")
    request = services.request_director_approval(
        application=application,
        actor=applicant_user,
        director_name="Dr. Ada Reyes",
        director_email="reyes@hospital.example.org",
    )

    services.respond_to_offer(application=application, actor=applicant_user, accept=False)

    request.refresh_from_db()
    assert request.expires_at <= timezone.now()
    assert fresh(application).status == S.DECLINED

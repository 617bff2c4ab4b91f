"""The program director's approval (residents and fellows): the applicant names the director,
who approves or declines through a private link; the applicant's offer page and answer."""

# The shared fixtures are imported from test_review_support and then named as test arguments,
# which pyflakes reads as redefinitions (F811).
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from equityhub.accounts.models import User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.programs import services_review as services
from equityhub.programs.models import Application, Cycle, DirectorApprovalRequest, Program
from tests.programs.test_review_support import (  # noqa: F401 - fixtures
    applicant_user,
    application,
    director_program,
    last_mail_to,
    link_token,
    make_application,
    staff,
)

pytestmark = pytest.mark.django_db
S = Application.Status
A = Application.Approval
DIRECTOR = "reyes@hospital.example.org"


@pytest.fixture
def offered(director_program: Program, application: Application, staff: User) -> Application:
    return services.decide(application=application, actor=staff, outcome="accepted")


def name_director(
    application: Application, actor: User, capture: Callable[..., Any], email: str = DIRECTOR
) -> tuple[DirectorApprovalRequest, str]:
    with capture(execute=True):
        request = services.request_director_approval(
            application=application,
            actor=actor,
            director_name="Dr. Ada Reyes",
            director_email=email,
        )
    return request, link_token(last_mail_to(email).body)


def fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


# -- naming the director ---------------------------------------------------------------------


def test_the_applicant_names_their_director_who_gets_a_private_link(
    offered: Application,
    applicant_user: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    request, token = name_director(offered, applicant_user, django_capture_on_commit_callbacks)

    assert request.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in request.digest
    assert request.expires_at - request.sent_at == dt.timedelta(days=14)
    message = mailoutbox[0]
    assert message.to == [DIRECTOR]
    assert "Zanzibar Quetzalcoatl" in message.subject
    assert "Dear Dr. Ada Reyes," in message.body
    entry = AuditEntry.objects.get(action="programs.director.requested")
    assert token not in str(entry.data)


def test_naming_another_director_voids_the_first_link(
    offered: Application,
    applicant_user: User,
    client: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _first, old = name_director(offered, applicant_user, django_capture_on_commit_callbacks)
    _second, new = name_director(
        offered, applicant_user, django_capture_on_commit_callbacks, email="chief@example.org"
    )

    assert client.get(f"/programs/links/director/{old}/").status_code == 404
    assert client.get(f"/programs/links/director/{new}/").status_code == 200


def test_a_director_is_named_only_when_an_acceptance_waits_for_one(
    program: Program, application: Application, applicant_user: User, staff: User
) -> None:
    def ask() -> Any:
        return services.request_director_approval(
            application=fresh(application),
            actor=applicant_user,
            director_name="Dr. Reyes",
            director_email=DIRECTOR,
        )

    services.decide(application=application, actor=staff, outcome="accepted")
    with pytest.raises(Conflict, match="needs no program director"):
        ask()
    program.needs_director_approval = True
    program.save()
    with pytest.raises(Conflict, match="not waiting"):
        ask()  # accepted before the program needed approval


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [("", DIRECTOR, "director_name"), ("Dr. R", "not an address", "director_email")],
)
def test_the_director_needs_a_name_and_an_address(
    offered: Application, applicant_user: User, name: str, email: str, field: str
) -> None:
    with pytest.raises(ServiceError) as caught:
        services.request_director_approval(
            application=offered, actor=applicant_user, director_name=name, director_email=email
        )

    assert caught.value.field == field


def test_only_the_applicant_or_staff_name_the_director(
    offered: Application, member: User, reviewer: User
) -> None:
    for actor in (member, reviewer):
        with pytest.raises(NotAllowed):
            services.request_director_approval(
                application=offered, actor=actor, director_name="X", director_email=DIRECTOR
            )


# -- the director's answer -------------------------------------------------------------------


def test_the_director_approves_and_the_applicant_takes_up_the_seat(
    offered: Application,
    applicant_user: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _request, token = name_director(offered, applicant_user, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        answered = services.answer_director_request(token=token, approve=True, note="Fine by us")

    assert answered.approved is True
    assert answered.note == "Fine by us"
    assert fresh(offered).director_approval == A.APPROVED
    told = last_mail_to("zanzibar.quetzal@example.net")
    assert "approved" in told.subject
    assert f"/programs/applications/{offered.pk}/offer/" in told.body

    enrolled = services.respond_to_offer(application=offered, actor=applicant_user, accept=True)
    assert enrolled.status == S.ENROLLED


def test_the_director_declines_and_the_seat_goes_back_to_the_committee(
    offered: Application,
    applicant_user: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _request, token = name_director(offered, applicant_user, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        services.answer_director_request(token=token, approve=False)

    application = fresh(offered)
    assert (application.status, application.director_approval) == (S.DECLINED, A.DENIED)
    assert Cycle.objects.get(pk=offered.cycle_id).seats_taken == 0
    assert "did not approve" in last_mail_to("zanzibar.quetzal@example.net").subject
    assert AuditEntry.objects.get(action="programs.director.answered").actor_id is None


def test_a_link_answers_once(
    offered: Application,
    applicant_user: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _request, token = name_director(offered, applicant_user, django_capture_on_commit_callbacks)
    services.answer_director_request(token=token, approve=True)

    with pytest.raises(Conflict, match="already answered"):
        services.answer_director_request(token=token, approve=False)

    assert fresh(offered).director_approval == A.APPROVED


def test_an_expired_or_unknown_link_is_refused(
    offered: Application,
    applicant_user: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _request, token = name_director(offered, applicant_user, django_capture_on_commit_callbacks)

    for bad in ("nope", "x" * 43, "<script>"):
        with pytest.raises(ServiceError) as caught:
            services.answer_director_request(token=bad, approve=True)
        assert caught.value.code == "not_found"
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=15)),
        pytest.raises(ServiceError) as caught,
    ):
        services.answer_director_request(token=token, approve=True)
    assert caught.value.code == "not_found"
    assert fresh(offered).director_approval == A.PENDING


def test_a_link_for_an_application_no_longer_waiting_is_refused(
    offered: Application,
    applicant_user: User,
    staff: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _request, token = name_director(offered, applicant_user, django_capture_on_commit_callbacks)
    # Staff record the approval some other way: the link has nothing left to do.
    Application.objects.filter(pk=offered.pk).update(director_approval=A.APPROVED)

    with pytest.raises(Conflict, match="no longer waiting"):
        services.answer_director_request(token=token, approve=False)


# -- the director's page ---------------------------------------------------------------------


def test_the_director_answers_on_their_page_without_an_account(
    offered: Application,
    applicant_user: User,
    client: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _request, token = name_director(offered, applicant_user, django_capture_on_commit_callbacks)
    url = f"/programs/links/director/{token}/"

    page = client.get(url)
    assert page.status_code == 200
    assert "Zanzibar Quetzalcoatl" in page.content.decode()
    assert "no-cache" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]

    refused = client.post(url, {"decision": "maybe"})
    assert refused.status_code == 422

    answered = client.post(url, {"decision": "approve", "note": "Go for it"})
    assert answered.status_code == 200
    assert "You approved" in answered.content.decode()
    assert fresh(offered).director_approval == A.APPROVED
    assert "You approved" in client.get(url).content.decode()


def test_the_directors_page_says_when_nothing_is_needed(
    offered: Application,
    applicant_user: User,
    client: Client,
    staff: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _request, token = name_director(offered, applicant_user, django_capture_on_commit_callbacks)
    services.respond_to_offer(application=offered, actor=staff, accept=False)
    # Declining voided the link.
    assert client.get(f"/programs/links/director/{token}/").status_code == 404


def test_a_closed_application_shows_no_form(
    offered: Application,
    applicant_user: User,
    client: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _request, token = name_director(offered, applicant_user, django_capture_on_commit_callbacks)
    Application.objects.filter(pk=offered.pk).update(director_approval=A.APPROVED)

    page = client.get(f"/programs/links/director/{token}/")

    assert page.status_code == 200
    assert "no longer waiting" in page.content.decode()
    assert 'name="decision"' not in page.content.decode()


def test_unknown_director_links_are_not_found(client: Client) -> None:
    for token in ("x" * 43, "short", "a" * 300):
        assert client.get(f"/programs/links/director/{token}/").status_code == 404


# -- the applicant's offer page --------------------------------------------------------------


def test_the_applicant_names_the_director_on_the_offer_page_in_their_language(  # noqa: PLR0917 - fixtures
    director_program: Program,
    cycle: Cycle,
    applicant_user: User,
    staff: User,
    client_for: Callable[[User], Client],
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    application = make_application(cycle, applicant_user, language="es")
    services.decide(application=application, actor=staff, outcome="accepted")
    client = client_for(applicant_user)
    url = f"/programs/applications/{application.pk}/offer/"

    page = client.get(url)
    assert page.status_code == 200
    assert '<html lang="es">' in page.content.decode()
    assert 'name="director_email"' in page.content.decode()

    invalid = client.post(
        f"/programs/applications/{application.pk}/director/",
        {"director_name": "Dr. Reyes", "director_email": "nope"},
    )
    assert invalid.status_code == 200
    assert 'aria-invalid="true"' in invalid.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        named = client.post(
            f"/programs/applications/{application.pk}/director/",
            {"director_name": "Dr. Reyes", "director_email": DIRECTOR},
        )
    assert named.status_code == 302
    assert mailoutbox[0].to == [DIRECTOR]
    waiting = client.get(url).content.decode()
    assert "Dr. Reyes" in waiting


def test_the_applicant_accepts_or_declines_on_the_offer_page(
    cycle: Cycle,
    applicant_user: User,
    staff: User,
    client_for: Callable[[User], Client],
) -> None:
    application = make_application(cycle, applicant_user)
    services.decide(application=application, actor=staff, outcome="accepted")
    client = client_for(applicant_user)
    url = f"/programs/applications/{application.pk}/offer/"
    assert 'value="accept"' in client.get(url).content.decode()

    nothing = client.post(url, {}, follow=True)
    assert "Choose whether you accept" in nothing.content.decode()

    done = client.post(url, {"answer": "accept"}, follow=True)
    assert "You are enrolled" in done.content.decode()
    assert fresh(application).status == S.ENROLLED

    again = client.post(url, {"answer": "decline"}, follow=True)
    assert "no open offer" in again.content.decode()


def test_taking_up_the_seat_before_approval_is_refused_on_the_page(
    offered: Application, applicant_user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(applicant_user).post(
        f"/programs/applications/{offered.pk}/offer/", {"answer": "accept"}, follow=True
    )

    assert "not approved yet" in response.content.decode()
    assert fresh(offered).status == S.ACCEPTED


def test_the_offer_page_is_the_applicants_own(
    offered: Application, member: User, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    for user in (member, reviewer):
        client = client_for(user)
        assert client.get(f"/programs/applications/{offered.pk}/offer/").status_code == 404
        assert (
            client.post(f"/programs/applications/{offered.pk}/offer/", {"answer": "decline"})
        ).status_code == 404
        assert (
            client.post(
                f"/programs/applications/{offered.pk}/director/",
                {"director_name": "X", "director_email": DIRECTOR},
            )
        ).status_code == 404
    assert fresh(offered).status == S.ACCEPTED


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (S.WAITLISTED, "number 1 on the waitlist"),
        (S.REJECTED, "could not offer you a place"),
        (S.SUBMITTED, "has not decided yet"),
    ],
)
def test_the_offer_template_tells_every_status(  # noqa: PLR0917 - fixtures
    cycle: Cycle,
    applicant_user: User,
    staff: User,
    client_for: Callable[[User], Client],
    status: str,
    text: str,
) -> None:
    application = make_application(cycle, applicant_user)
    if status != S.SUBMITTED:
        services.decide(application=application, actor=staff, outcome=status)

    page = client_for(applicant_user).get(f"/programs/applications/{application.pk}/offer/")

    assert text in page.content.decode()

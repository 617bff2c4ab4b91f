"""Guardian consent for a minor's application: the gate (no path submits a minor's application
without a current guardian consent given for it), the request and the guardian's own page,
and withdrawal (withdrawing the consent, anywhere, withdraws the application)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import formats, timezone, translation

from equityhub.accounts.models import Role, User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.people import services as people_services
from equityhub.people.models import Consent
from equityhub.programs import services_applications as services
from equityhub.programs import services_consent
from equityhub.programs.models import Application, Cycle, GuardianConsentRequest, Program
from equityhub.programs.selectors_applications import submission_problems
from tests.factories import ConsentFactory, PersonFactory
from tests.programs.application_helpers import (
    ask_guardian,
    capture_commits,
    consent,
    person,
    ready_draft,
)

pytestmark = pytest.mark.django_db

S = Application.Status
ClientFor = Callable[[User], Client]


@pytest.fixture
def minor_draft(cycle: Cycle, minor_applicant: User) -> Application:
    return ready_draft(cycle, minor_applicant)


def link(token: str) -> str:
    return f"/programs/links/guardian/{token}/"


def is_submitted(application: Application) -> bool:
    return Application.objects.get(pk=application.pk).status == S.SUBMITTED


def gate_codes(application: Application) -> list[str]:
    application = Application.objects.get(pk=application.pk)
    return [p.code for p in submission_problems(application)]


# -- the gate ----------------------------------------------------------------------------------


def test_a_minor_cannot_submit_without_a_guardian_consent(
    minor_draft: Application, minor_applicant: User
) -> None:
    with pytest.raises(services.NotSubmittable) as caught:
        services.submit_application(application=minor_draft, actor=minor_applicant)
    assert [p.code for p in caught.value.problems] == ["guardian_consent"]
    assert not is_submitted(minor_draft)


def test_a_consent_request_merely_sent_does_not_open_the_gate(
    minor_draft: Application, minor_applicant: User
) -> None:
    ask_guardian(minor_draft, minor_applicant)
    with pytest.raises(services.NotSubmittable):
        services.submit_application(application=minor_draft, actor=minor_applicant)
    assert not is_submitted(minor_draft)


def test_a_declined_request_does_not_open_the_gate(
    minor_draft: Application, minor_applicant: User
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    services_consent.decline_guardian_consent(token=token)
    assert gate_codes(minor_draft) == ["guardian_consent"]


def test_a_current_consent_given_through_the_link_opens_the_gate(
    minor_draft: Application, minor_applicant: User
) -> None:
    given = consent(minor_draft, minor_applicant)
    assert minor_draft.guardian_consent_id == given.pk
    services.submit_application(application=minor_draft, actor=minor_applicant)
    assert is_submitted(minor_draft)
    entry = AuditEntry.objects.get(action="programs.application.submitted")
    assert entry.data == {"guardian_consent": given.pk}


def test_a_consent_for_another_application_does_not_count(
    cycle: Cycle, minor_applicant: User, coordinator: User
) -> None:
    other_cycle = services.create_cycle(
        program=cycle.program,
        actor=coordinator,
        year=cycle.year + 1,
        title="Next year",
        opens_at=cycle.opens_at,
        closes_at=cycle.closes_at,
        seats=5,
    )
    services.add_field(cycle=other_cycle, actor=coordinator, key="why", kind="text", label="Why")
    services.change_cycle_status(cycle=other_cycle, actor=coordinator, status="open")
    first = ready_draft(cycle, minor_applicant)
    second = services.start_application(cycle=other_cycle, actor=minor_applicant)[0]
    services.save_answers(application=second, actor=minor_applicant, answers={"why": "Because"})
    given = consent(first, minor_applicant)
    # Linked by hand (no service links it so): the consent's scope names the first application.
    Application.objects.filter(pk=second.pk).update(guardian_consent=given)
    with pytest.raises(services.NotSubmittable) as caught:
        services.submit_application(application=second, actor=minor_applicant)
    assert [p.code for p in caught.value.problems] == ["guardian_consent"]


def test_an_expired_consent_does_not_count(minor_draft: Application, minor_applicant: User) -> None:
    given = consent(minor_draft, minor_applicant)
    Consent.objects.filter(pk=given.pk).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(services.NotSubmittable):
        services.submit_application(application=minor_draft, actor=minor_applicant)
    assert not is_submitted(minor_draft)


def test_a_withdrawn_consent_does_not_count(
    minor_draft: Application, minor_applicant: User
) -> None:
    given = consent(minor_draft, minor_applicant)
    # Marked withdrawn behind the services' back (the signal would withdraw the application).
    Consent.objects.filter(pk=given.pk).update(withdrawn_at=timezone.now())
    with pytest.raises(services.NotSubmittable):
        services.submit_application(application=minor_draft, actor=minor_applicant)
    assert not is_submitted(minor_draft)


DEFECTS = ("kind", "person", "scope", "withdrawn", "expired")


@pytest.mark.parametrize(
    "defects",
    [
        combination
        for size in range(len(DEFECTS) + 1)
        for combination in itertools.combinations(DEFECTS, size)
    ],
)
def test_only_a_guardian_consent_for_this_applicant_and_application_current_today_counts(
    minor_draft: Application, minor_applicant: User, defects: tuple[str, ...]
) -> None:
    """Every combination of what can be wrong with a linked consent: only the flawless one
    opens the gate."""
    applicant = person(minor_applicant)
    today = timezone.localdate()
    row = ConsentFactory(
        person=PersonFactory() if "person" in defects else applicant,
        kind=Consent.Kind.DATA_USE if "kind" in defects else Consent.Kind.GUARDIAN,
        relationship=Consent.Relationship.PARENT,
        given_by_name="Rosa Díaz",
        scope="program application #0"
        if "scope" in defects
        else services_consent.consent_scope(minor_draft),
        withdrawn_at=timezone.now() if "withdrawn" in defects else None,
        expires_on=today - dt.timedelta(days=1) if "expired" in defects else None,
    )
    Application.objects.filter(pk=minor_draft.pk).update(guardian_consent=row)
    assert (gate_codes(minor_draft) == []) is (not defects)
    if defects:
        with pytest.raises(services.NotSubmittable):
            services.submit_application(application=minor_draft, actor=minor_applicant)
    else:
        services.submit_application(application=minor_draft, actor=minor_applicant)
    assert is_submitted(minor_draft) is (not defects)


def test_the_submit_page_refuses_a_minor_without_consent(
    minor_draft: Application, minor_applicant: User, client_for: ClientFor
) -> None:
    response = client_for(minor_applicant).post(f"/programs/applications/{minor_draft.pk}/submit/")
    assert response.status_code == 422
    assert "guardian" in response.content.decode()
    assert not is_submitted(minor_draft)


def test_the_api_refuses_a_minor_without_consent_listing_the_problem(
    minor_draft: Application, minor_applicant: User, client_for: ClientFor
) -> None:
    ask_guardian(minor_draft, minor_applicant)
    response = client_for(minor_applicant).post(
        f"/api/v1/applications/{minor_draft.pk}/submit", content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert [p["code"] for p in body["problems"]] == ["guardian_consent"]
    assert body["code"] == "not_submittable"
    assert not is_submitted(minor_draft)


def test_an_adult_needs_no_guardian_consent(cycle: Cycle, adult_applicant: User) -> None:
    application = ready_draft(cycle, adult_applicant)
    assert gate_codes(application) == []


def test_turning_eighteen_before_submitting_lifts_the_gate(
    minor_draft: Application, minor_applicant: User
) -> None:
    birthday = person(minor_applicant).date_of_birth
    assert birthday is not None
    with time_machine.travel(
        dt.datetime(birthday.year + 18, birthday.month, birthday.day, 12, tzinfo=dt.UTC)
    ):
        Cycle.objects.filter(pk=minor_draft.cycle_id).update(
            opens_at=timezone.now() - dt.timedelta(days=1),
            closes_at=timezone.now() + dt.timedelta(days=1),
        )
        assert gate_codes(minor_draft) == []


# -- asking --------------------------------------------------------------------------------------


def test_asking_stores_only_the_digest_and_emails_the_guardian(
    minor_draft: Application, minor_applicant: User
) -> None:
    token = ask_guardian(minor_draft, minor_applicant, name="Rosa Díaz", email="rosa@example.org")
    request = GuardianConsentRequest.objects.get(application=minor_draft)
    assert request.digest == services_consent.hash_token(token)
    assert token not in request.digest
    assert request.expires_at - request.sent_at == dt.timedelta(days=14)
    message = mail.outbox[-1]
    assert message.to == ["rosa@example.org"]
    assert person(minor_applicant).given_name in message.subject
    assert person(minor_applicant).family_name not in message.body
    assert link(token) in message.body
    entry = AuditEntry.objects.get(action="programs.guardian_consent.requested")
    assert entry.data["superseded"] == 0
    assert "rosa@example.org" not in str(entry.data)


def test_the_guardian_email_is_in_the_chosen_language(
    minor_draft: Application, minor_applicant: User, program: Program
) -> None:
    Program.objects.filter(pk=program.pk).update(
        description_es="Seis semanas de investigación en laboratorio."
    )
    ask_guardian(minor_draft, minor_applicant, language="es")
    message = mail.outbox[-1]
    expires = GuardianConsentRequest.objects.get().expires_at
    with translation.override("es"):
        date = formats.date_format(timezone.localtime(expires), "DATE_FORMAT")
        hello = translation.gettext("Hello %(name)s,") % {"name": "Rosa Díaz"}
    assert "Seis semanas de investigación" in message.body
    assert date in message.body and " de " in date
    assert hello in message.body


def test_asking_again_supersedes_the_earlier_link(
    minor_draft: Application, minor_applicant: User, client: Client
) -> None:
    first = ask_guardian(minor_draft, minor_applicant)
    second = ask_guardian(minor_draft, minor_applicant, email="dad@example.org")
    with pytest.raises(Conflict, match="expired"):
        services_consent.give_guardian_consent(token=first, signed_name="Rosa")
    assert client.get(link(first)).status_code == 410
    assert client.get(link(second)).status_code == 200
    entry = AuditEntry.objects.filter(action="programs.guardian_consent.requested").order_by("-pk")[
        0
    ]
    assert entry.data["superseded"] == 1


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"guardian_email": "not-an-address"}, "guardian_email"),
        ({"guardian_name": " "}, "guardian_name"),
        ({"relationship": "self"}, "relationship"),
        ({"language": "fr"}, "language"),
    ],
)
def test_guardian_requests_are_checked(
    minor_draft: Application, minor_applicant: User, details: dict[str, Any], field: str
) -> None:
    base = {
        "guardian_name": "Rosa",
        "guardian_email": "rosa@example.org",
        "relationship": "parent",
        "language": "en",
    }
    with pytest.raises(ServiceError) as caught:
        services_consent.request_guardian_consent(
            application=minor_draft, actor=minor_applicant, **{**base, **details}
        )
    assert caught.value.field == field


def test_the_guardian_cannot_be_the_applicants_own_address(
    minor_draft: Application, minor_applicant: User
) -> None:
    own = person(minor_applicant).email.upper()
    with pytest.raises(ServiceError) as caught:
        ask_guardian(minor_draft, minor_applicant, email=own)
    assert caught.value.field == "guardian_email"


def test_requests_are_limited_per_day(minor_draft: Application, minor_applicant: User) -> None:
    for n in range(services_consent.MAX_REQUESTS_PER_DAY):
        ask_guardian(minor_draft, minor_applicant, email=f"g{n}@example.org")
    with pytest.raises(Conflict, match="Too many"):
        ask_guardian(minor_draft, minor_applicant)


def test_no_request_for_an_adult_a_submitted_one_or_once_consented(
    cycle: Cycle, adult_applicant: User, minor_draft: Application, minor_applicant: User
) -> None:
    with pytest.raises(Conflict, match="under 18"):
        ask_guardian(ready_draft(cycle, adult_applicant), adult_applicant)
    consent(minor_draft, minor_applicant)
    with pytest.raises(Conflict, match="already consented"):
        ask_guardian(minor_draft, minor_applicant)
    services.submit_application(application=minor_draft, actor=minor_applicant)
    with pytest.raises(Conflict, match="no longer a draft"):
        ask_guardian(minor_draft, minor_applicant)


def test_staff_may_ask_for_the_applicant_but_nobody_else(
    minor_draft: Application, coordinator: User, outsider: User
) -> None:
    ask_guardian(minor_draft, coordinator)
    with pytest.raises(NotAllowed):
        ask_guardian(minor_draft, outsider)


# -- answering -----------------------------------------------------------------------------------


def test_consenting_records_a_registry_consent_and_links_it(
    minor_draft: Application, minor_applicant: User
) -> None:
    Cycle.objects.filter(pk=minor_draft.cycle_id).update(
        ends_on=timezone.localdate() + dt.timedelta(days=90)
    )
    token = ask_guardian(minor_draft, minor_applicant, relationship="legal_guardian")
    with capture_commits():
        given = services_consent.give_guardian_consent(token=token, signed_name=" Rosa Díaz ")
    assert given.kind == Consent.Kind.GUARDIAN
    assert given.person == person(minor_applicant)
    assert given.relationship == "legal_guardian"
    assert (given.given_by_name, given.given_by_email) == ("Rosa Díaz", "rosa@example.org")
    assert given.scope == f"program application #{minor_draft.pk}"
    assert given.expires_on == timezone.localdate() + dt.timedelta(days=90)
    request = GuardianConsentRequest.objects.get()
    assert request.answered_at is not None and not request.declined
    assert AuditEntry.objects.filter(action="people.consent.recorded").exists()
    assert AuditEntry.objects.filter(action="programs.guardian_consent.given").exists()
    recipients = sorted(m.to[0] for m in mail.outbox[-2:])
    assert recipients == sorted([person(minor_applicant).email, "rosa@example.org"])
    with pytest.raises(Conflict, match="used already"):
        services_consent.give_guardian_consent(token=token, signed_name="Rosa")


def test_an_expired_link_cannot_consent(minor_draft: Application, minor_applicant: User) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=14, seconds=1)),
        pytest.raises(Conflict, match="expired"),
    ):
        services_consent.give_guardian_consent(token=token, signed_name="Rosa")


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "ünïcode" * 7])
def test_unknown_tokens_are_not_found(token: str) -> None:
    with pytest.raises(ServiceError) as caught:
        services_consent.give_guardian_consent(token=token, signed_name="Rosa")
    assert caught.value.code == "not_found"


def test_no_consent_for_a_withdrawn_application_or_an_adult(
    minor_draft: Application, minor_applicant: User
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    services.withdraw_application(application=minor_draft, actor=minor_applicant)
    with pytest.raises(Conflict, match="no longer waiting"):
        services_consent.give_guardian_consent(token=token, signed_name="Rosa")


def test_a_guardian_can_decline_once(minor_draft: Application, minor_applicant: User) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    with capture_commits():
        services_consent.decline_guardian_consent(token=token)
    assert GuardianConsentRequest.objects.get().declined
    assert mail.outbox[-1].to == [person(minor_applicant).email]
    with pytest.raises(Conflict):
        services_consent.give_guardian_consent(token=token, signed_name="Rosa")
    with pytest.raises(Conflict):
        services_consent.decline_guardian_consent(token=token)


# -- withdrawing the consent withdraws the application -------------------------------------------


def test_withdrawing_through_the_link_withdraws_the_application(
    minor_draft: Application, minor_applicant: User
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    services_consent.give_guardian_consent(token=token, signed_name="Rosa")
    services.submit_application(application=minor_draft, actor=minor_applicant)
    with capture_commits():
        withdrawn = services_consent.withdraw_guardian_consent(token=token, reason="Changed mind")
    assert withdrawn.withdrawn_at is not None
    minor_draft.refresh_from_db()
    assert minor_draft.status == S.WITHDRAWN
    entry = AuditEntry.objects.get(action="programs.application.withdrawn")
    assert entry.data == {"cause": "guardian_consent", "reason": "Changed mind"}
    assert entry.actor_id is None
    assert any(
        "withdrawn" in m.subject for m in mail.outbox if m.to == [person(minor_applicant).email]
    )
    with pytest.raises(Conflict):
        services_consent.withdraw_guardian_consent(token=token)


def test_withdrawing_works_long_after_the_link_expired(
    minor_draft: Application, minor_applicant: User
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    services_consent.give_guardian_consent(token=token, signed_name="Rosa")
    with time_machine.travel(timezone.now() + dt.timedelta(days=100)):
        services_consent.withdraw_guardian_consent(token=token)
    assert Application.objects.get(pk=minor_draft.pk).status == S.WITHDRAWN


def test_a_link_without_consent_has_nothing_to_withdraw(
    minor_draft: Application, minor_applicant: User
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    with pytest.raises(Conflict):
        services_consent.withdraw_guardian_consent(token=token)
    services_consent.decline_guardian_consent(token=token)
    with pytest.raises(Conflict):
        services_consent.withdraw_guardian_consent(token=token)


def test_withdrawing_on_the_people_pages_withdraws_the_application(
    minor_draft: Application, minor_applicant: User, coordinator: User
) -> None:
    given = consent(minor_draft, minor_applicant)
    people_services.withdraw_consent(consent=given, actor=coordinator, reason="Phoned in")
    minor_draft.refresh_from_db()
    assert minor_draft.status == S.WITHDRAWN
    assert (
        AuditEntry.objects.get(action="programs.application.withdrawn").actor_id == coordinator.pk
    )


def test_withdrawing_frees_the_seat_of_an_accepted_minor(
    minor_draft: Application, minor_applicant: User
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    services_consent.give_guardian_consent(token=token, signed_name="Rosa")
    services.submit_application(application=minor_draft, actor=minor_applicant)
    Application.objects.filter(pk=minor_draft.pk).update(status=S.ACCEPTED)
    Cycle.objects.filter(pk=minor_draft.cycle_id).update(seats_taken=1)
    services_consent.withdraw_guardian_consent(token=token)
    assert Application.objects.get(pk=minor_draft.pk).status == S.WITHDRAWN
    assert Cycle.objects.get(pk=minor_draft.cycle_id).seats_taken == 0


def test_withdrawing_takes_a_waitlisted_minor_off_the_list_and_closes_the_gap(
    minor_draft: Application,
    minor_applicant: User,
    cycle: Cycle,
    make_user: Callable[..., User],
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    services_consent.give_guardian_consent(token=token, signed_name="Rosa")
    services.submit_application(application=minor_draft, actor=minor_applicant)
    other_user = make_user(Role.MEMBER, date_of_birth=dt.date(2004, 2, 2))
    other = ready_draft(cycle, other_user)
    services.submit_application(application=other, actor=other_user)
    Application.objects.filter(pk=minor_draft.pk).update(status=S.WAITLISTED, waitlist_position=1)
    Application.objects.filter(pk=other.pk).update(status=S.WAITLISTED, waitlist_position=2)
    services_consent.withdraw_guardian_consent(token=token)
    assert Application.objects.get(pk=minor_draft.pk).waitlist_position is None
    assert Application.objects.get(pk=other.pk).waitlist_position == 1


def test_withdrawing_another_kind_of_consent_leaves_applications_alone(
    minor_draft: Application, minor_applicant: User, coordinator: User
) -> None:
    consent(minor_draft, minor_applicant)
    media = ConsentFactory(
        person=person(minor_applicant),
        kind=Consent.Kind.MEDIA,
        relationship=Consent.Relationship.PARENT,
    )
    people_services.withdraw_consent(consent=media, actor=coordinator)
    assert Application.objects.get(pk=minor_draft.pk).status == S.DRAFT


# -- the guardian's page -------------------------------------------------------------------------


def test_unknown_and_malformed_links_are_404(client: Client) -> None:
    assert client.get(link("A" * 43)).status_code == 404
    assert client.get(link("bad")).status_code == 404
    assert client.post(link("A" * 43), {"action": "consent"}).status_code == 404


def test_the_page_shows_the_program_and_the_applicants_first_name_only(
    minor_draft: Application, minor_applicant: User, client: Client
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    response = client.get(link(token))
    html = response.content.decode()
    applicant = person(minor_applicant)
    assert response.status_code == 200
    assert applicant.given_name in html
    assert applicant.family_name not in html
    assert minor_draft.cycle.program.name in html
    assert 'value="consent"' in html and 'value="decline"' in html
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_page_carries_no_inline_script_or_style(
    minor_draft: Application, minor_applicant: User, client: Client
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    html = client.get(link(token)).content.decode()
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " on" + "click=" not in html


def test_the_page_is_in_spanish_for_a_spanish_link(
    minor_draft: Application, minor_applicant: User, client: Client, program: Program
) -> None:
    Program.objects.filter(pk=program.pk).update(description_es="Seis semanas en el laboratorio.")
    token = ask_guardian(minor_draft, minor_applicant, language="es")
    html = client.get(link(token)).content.decode()
    expires = GuardianConsentRequest.objects.get().expires_at
    with translation.override("es"):
        date = formats.date_format(timezone.localtime(expires), "DATETIME_FORMAT")
    assert '<html lang="es">' in html
    assert "Seis semanas en el laboratorio." in html
    assert date in html
    english = client.get(link(token) + "?lang=en").content.decode()
    assert '<html lang="en">' in english


def test_the_guardian_consents_on_the_page_then_can_withdraw_there(
    minor_draft: Application, minor_applicant: User, client: Client
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    response = client.post(
        link(token), {"action": "consent", "signed_name": "Rosa Díaz", "confirm": "on"}
    )
    assert response.status_code == 302
    minor_draft.refresh_from_db()
    assert minor_draft.guardian_consent is not None
    page = client.get(link(token))
    assert page.status_code == 200
    assert 'value="withdraw"' in page.content.decode()
    client.post(link(token), {"action": "withdraw", "reason": ""})
    assert Application.objects.get(pk=minor_draft.pk).status == S.WITHDRAWN
    assert "withdrawn" in client.get(link(token)).content.decode()


def test_consenting_needs_the_confirmation_box(
    minor_draft: Application, minor_applicant: User, client: Client
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    response = client.post(link(token), {"action": "consent", "signed_name": "Rosa"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Consent.objects.exists()


def test_declining_on_the_page_says_the_link_was_used(
    minor_draft: Application, minor_applicant: User, client: Client
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    client.post(link(token), {"action": "decline"})
    html = client.get(link(token)).content.decode()
    assert "This link has been used" in html
    response = client.post(link(token), {"action": "consent", "signed_name": "R", "confirm": "on"})
    assert response.status_code == 200
    assert not Consent.objects.exists()


def test_an_expired_link_says_so(
    minor_draft: Application, minor_applicant: User, client: Client
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)):
        response = client.get(link(token))
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        client.post(link(token), {"action": "consent", "signed_name": "R", "confirm": "on"})
    assert not Consent.objects.exists()


def test_no_consent_once_the_applicant_turned_eighteen(
    minor_draft: Application, minor_applicant: User
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    applicant = person(minor_applicant)
    applicant.date_of_birth = dt.date(2000, 1, 1)
    applicant.save()
    with pytest.raises(Conflict, match="18 or older"):
        services_consent.give_guardian_consent(token=token, signed_name="Rosa")


def test_a_link_whose_consent_was_replaced_has_nothing_to_withdraw(
    minor_draft: Application, minor_applicant: User
) -> None:
    token = ask_guardian(minor_draft, minor_applicant)
    services_consent.give_guardian_consent(token=token, signed_name="Rosa")
    other = ConsentFactory(
        person=person(minor_applicant),
        kind=Consent.Kind.GUARDIAN,
        relationship=Consent.Relationship.PARENT,
        given_by_email="someone-else@example.org",
        scope=services_consent.consent_scope(minor_draft),
    )
    Application.objects.filter(pk=minor_draft.pk).update(guardian_consent=other)
    with pytest.raises(Conflict, match="No consent"):
        services_consent.withdraw_guardian_consent(token=token)

"""Letters of recommendation: the applicant's request, the recommender's upload page (once,
content-checked), what the applicant sees (requested/received, never the letter) and the
permission-checked download (staff, or a reviewer of the application)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import formats, timezone, translation

from equityhub.accounts.models import Role, User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.programs import services_applications as services
from equityhub.programs import services_consent
from equityhub.programs.models import (
    Application,
    Cycle,
    FormField,
    Program,
    RecommendationRequest,
    Review,
)
from tests.programs.application_helpers import (
    JPEG,
    PDF,
    ask_recommender,
    capture_commits,
    docx_bytes,
    person,
    ready_draft,
    upload,
)

pytestmark = pytest.mark.django_db

S = Application.Status
ClientFor = Callable[[User], Client]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def letter_field(coordinator: User, cycle: Cycle) -> FormField:
    return services.add_field(
        cycle=cycle,
        actor=coordinator,
        key="letter",
        kind="recommendation",
        label="A letter from a teacher",
        label_es="Una carta de un maestro",
    )


@pytest.fixture
def application(cycle: Cycle, adult_applicant: User, letter_field: FormField) -> Application:
    return ready_draft(cycle, adult_applicant)


def page(token: str) -> str:
    return f"/programs/links/recommendation/{token}/"


def received(application: Application, field: FormField, actor: User) -> RecommendationRequest:
    token = ask_recommender(application, field, actor)
    with capture_commits():
        return services_consent.upload_recommendation_letter(
            token=token, file=upload("letter.pdf", PDF)
        )


# -- asking ------------------------------------------------------------------------------------


def test_asking_emails_the_recommender_a_private_link(
    application: Application, letter_field: FormField, adult_applicant: User
) -> None:
    token = ask_recommender(application, letter_field, adult_applicant)
    request = RecommendationRequest.objects.get()
    assert request.digest == services_consent.hash_token(token)
    assert request.expires_at - request.sent_at == dt.timedelta(days=14)
    message = mail.outbox[-1]
    assert message.to == ["teacher@example.org"]
    assert page(token) in message.body
    assert person(adult_applicant).display_name in message.subject
    assert (
        AuditEntry.objects.get(action="programs.recommendation.requested").data["field"] == "letter"
    )


def test_the_recommenders_email_follows_the_applications_language(
    cycle: Cycle, adult_applicant: User, letter_field: FormField
) -> None:
    application = ready_draft(cycle, adult_applicant, language="es")
    ask_recommender(application, letter_field, adult_applicant)
    message = mail.outbox[-1]
    expires = RecommendationRequest.objects.get().expires_at
    with translation.override("es"):
        date = formats.date_format(timezone.localtime(expires), "DATE_FORMAT")
    assert "Una carta de un maestro" in message.body
    assert date in message.body


def test_asking_again_supersedes_the_earlier_link(
    application: Application, letter_field: FormField, adult_applicant: User
) -> None:
    first = ask_recommender(application, letter_field, adult_applicant)
    ask_recommender(application, letter_field, adult_applicant, email="coach@example.org")
    with pytest.raises(Conflict, match="expired"):
        services_consent.upload_recommendation_letter(token=first, file=upload("l.pdf", PDF))


def test_no_new_request_once_a_letter_arrived(
    application: Application, letter_field: FormField, adult_applicant: User
) -> None:
    received(application, letter_field, adult_applicant)
    with pytest.raises(Conflict, match="already arrived"):
        ask_recommender(application, letter_field, adult_applicant, email="other@example.org")


def test_requests_are_checked(
    application: Application, letter_field: FormField, adult_applicant: User, cycle: Cycle
) -> None:
    essay = FormField.objects.get(cycle=cycle, key="essay")
    with pytest.raises(ServiceError) as caught:
        ask_recommender(application, essay, adult_applicant)
    assert caught.value.field == "field"
    with pytest.raises(ServiceError) as caught:
        ask_recommender(
            application, letter_field, adult_applicant, email=person(adult_applicant).email
        )
    assert caught.value.field == "recommender_email"
    with pytest.raises(ServiceError) as caught:
        ask_recommender(application, letter_field, adult_applicant, email="nope")
    assert caught.value.field == "recommender_email"


def test_staff_may_ask_nobody_else(
    application: Application, letter_field: FormField, coordinator: User, outsider: User
) -> None:
    ask_recommender(application, letter_field, coordinator)
    with pytest.raises(NotAllowed):
        ask_recommender(application, letter_field, outsider)


def test_no_request_after_submission_or_the_deadline(
    application: Application, letter_field: FormField, adult_applicant: User, cycle: Cycle
) -> None:
    with time_machine.travel(cycle.closes_at), pytest.raises(Conflict):
        ask_recommender(application, letter_field, adult_applicant)
    ask_recommender(application, letter_field, adult_applicant)
    services.submit_application(application=application, actor=adult_applicant)
    with pytest.raises(Conflict):
        ask_recommender(application, letter_field, adult_applicant)


# -- uploading ---------------------------------------------------------------------------------


def test_the_recommender_uploads_once_and_the_applicant_is_told(
    application: Application, letter_field: FormField, adult_applicant: User
) -> None:
    token = ask_recommender(application, letter_field, adult_applicant)
    with capture_commits():
        letter = services_consent.upload_recommendation_letter(
            token=token, file=upload("Ortega letter.pdf", PDF)
        )
    assert letter.received_at is not None
    assert letter.letter.name.endswith(".pdf") and "Ortega" not in letter.letter.name
    message = mail.outbox[-1]
    assert message.to == [person(adult_applicant).email]
    assert "/recommendations/" not in message.body
    with pytest.raises(Conflict, match="already received"):
        services_consent.upload_recommendation_letter(token=token, file=upload("b.pdf", PDF))


def test_a_letter_may_arrive_after_submission(
    application: Application, letter_field: FormField, adult_applicant: User
) -> None:
    token = ask_recommender(application, letter_field, adult_applicant)
    services.submit_application(application=application, actor=adult_applicant)
    services_consent.upload_recommendation_letter(token=token, file=upload("l.docx", docx_bytes()))
    assert RecommendationRequest.objects.get().received_at is not None


@pytest.mark.parametrize("content", [JPEG, b"plain text", docx_bytes(macro=True), b"<html></html>"])
def test_letters_are_pdf_or_word_by_content(
    application: Application, letter_field: FormField, adult_applicant: User, content: bytes
) -> None:
    token = ask_recommender(application, letter_field, adult_applicant)
    with pytest.raises(ServiceError) as caught:
        services_consent.upload_recommendation_letter(token=token, file=upload("l.pdf", content))
    assert caught.value.field == "file"
    assert RecommendationRequest.objects.get().received_at is None


def test_no_letter_for_a_withdrawn_application_or_after_expiry(
    application: Application, letter_field: FormField, adult_applicant: User
) -> None:
    token = ask_recommender(application, letter_field, adult_applicant)
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=15)),
        pytest.raises(Conflict, match="expired"),
    ):
        services_consent.upload_recommendation_letter(token=token, file=upload("l.pdf", PDF))
    services.withdraw_application(application=application, actor=adult_applicant)
    with pytest.raises(Conflict, match="withdrawn"):
        services_consent.upload_recommendation_letter(token=token, file=upload("l.pdf", PDF))


def test_unknown_tokens_are_not_found() -> None:
    with pytest.raises(ServiceError) as caught:
        services_consent.upload_recommendation_letter(token="Z" * 43, file=upload("l.pdf", PDF))
    assert caught.value.code == "not_found"


# -- the recommender's page --------------------------------------------------------------------


def test_the_upload_page_takes_a_letter_then_says_it_was_received(
    application: Application, letter_field: FormField, adult_applicant: User, client: Client
) -> None:
    token = ask_recommender(application, letter_field, adult_applicant)
    response = client.get(page(token))
    html = response.content.decode()
    assert response.status_code == 200
    assert "A letter from a teacher" in html
    assert person(adult_applicant).display_name in html
    assert response["Referrer-Policy"] == "same-origin"
    posted = client.post(page(token), {"file": upload("letter.pdf", PDF)})
    assert posted.status_code == 302
    after = client.get(page(token)).content.decode()
    assert "was received" in after
    assert 'type="file"' not in after


def test_the_upload_page_refuses_a_fake_pdf_on_the_form(
    application: Application, letter_field: FormField, adult_applicant: User, client: Client
) -> None:
    token = ask_recommender(application, letter_field, adult_applicant)
    response = client.post(page(token), {"file": upload("letter.pdf", b"MZ executable")})
    assert response.status_code == 200
    assert "Upload a PDF or Word (DOCX) file." in response.content.decode()
    assert RecommendationRequest.objects.get().received_at is None


def test_unknown_expired_and_closed_upload_pages(
    application: Application, letter_field: FormField, adult_applicant: User, client: Client
) -> None:
    assert client.get(page("Q" * 43)).status_code == 404
    token = ask_recommender(application, letter_field, adult_applicant)
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)):
        assert client.get(page(token)).status_code == 410
    services.withdraw_application(application=application, actor=adult_applicant)
    assert "no letter is needed" in client.get(page(token)).content.decode()


def test_the_upload_page_in_spanish_shows_the_spanish_question(
    cycle: Cycle, adult_applicant: User, letter_field: FormField, client: Client
) -> None:
    application = ready_draft(cycle, adult_applicant, language="es")
    token = ask_recommender(application, letter_field, adult_applicant)
    html = client.get(page(token)).content.decode()
    assert '<html lang="es">' in html
    assert "Una carta de un maestro" in html


# -- what the applicant sees, and who downloads ------------------------------------------------


def test_the_applicant_sees_requested_then_received_but_never_the_letter(
    application: Application,
    letter_field: FormField,
    adult_applicant: User,
    client_for: ClientFor,
) -> None:
    client = client_for(adult_applicant)
    token = ask_recommender(application, letter_field, adult_applicant)
    html = client.get(f"/programs/applications/{application.pk}/").content.decode()
    assert "requested" in html and "Ms. Ortega" in html
    letter = services_consent.upload_recommendation_letter(token=token, file=upload("l.pdf", PDF))
    html = client.get(f"/programs/applications/{application.pk}/").content.decode()
    assert "received" in html
    assert f"/programs/recommendations/{letter.pk}/letter/" not in html
    assert client.get(f"/programs/recommendations/{letter.pk}/letter/").status_code == 404


def letter_url(letter: RecommendationRequest) -> str:
    return f"/programs/recommendations/{letter.pk}/letter/"


def test_staff_download_the_letter_and_it_is_audited(
    application: Application,
    letter_field: FormField,
    adult_applicant: User,
    coordinator: User,
    client_for: ClientFor,
) -> None:
    letter = received(application, letter_field, adult_applicant)
    response = client_for(coordinator).get(letter_url(letter))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action="programs.letter.downloaded").exists()


def test_a_reviewer_with_a_review_of_the_application_downloads_it(  # noqa: PLR0917 - fixtures
    application: Application,
    letter_field: FormField,
    adult_applicant: User,
    reviewer: User,
    program: Program,
    client_for: ClientFor,
) -> None:
    letter = received(application, letter_field, adult_applicant)
    client = client_for(reviewer)
    assert client.get(letter_url(letter)).status_code == 404
    Review.objects.create(application=application, reviewer=reviewer)
    assert client.get(letter_url(letter)).status_code == 200
    # Blind review: a question marked as identifying the applicant stays hidden.
    FormField.objects.filter(pk=letter_field.pk).update(identifying=True)
    assert client.get(letter_url(letter)).status_code == 404
    Program.objects.filter(pk=program.pk).update(blind_review=False)
    assert client.get(letter_url(letter)).status_code == 200


def test_a_reviewer_of_another_program_gets_nothing(  # noqa: PLR0917 - fixtures
    application: Application,
    letter_field: FormField,
    adult_applicant: User,
    make_user: Callable[..., User],
    client_for: ClientFor,
    coordinator: User,
) -> None:
    from tests.factories import OrganizationFactory  # noqa: PLC0415

    letter = received(application, letter_field, adult_applicant)
    other_program = services.create_program(
        actor=coordinator, name="Other", stage=Program.Stage.COLLEGE, sponsor=OrganizationFactory()
    )
    stranger = make_user(Role.REVIEWER, scope=other_program)
    Review.objects.create(application=application, reviewer=stranger)
    assert client_for(stranger).get(letter_url(letter)).status_code == 404


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_members_and_outsiders_get_404(  # noqa: PLR0917 - fixtures
    application: Application,
    letter_field: FormField,
    adult_applicant: User,
    client_for: ClientFor,
    who: str,
    request: pytest.FixtureRequest,
) -> None:
    letter = received(application, letter_field, adult_applicant)
    user = request.getfixturevalue(who)
    assert client_for(user).get(letter_url(letter)).status_code == 404


def test_a_letter_not_received_or_an_impossible_id_is_404(
    application: Application,
    letter_field: FormField,
    adult_applicant: User,
    coordinator: User,
    client_for: ClientFor,
) -> None:
    ask_recommender(application, letter_field, adult_applicant)
    pending = RecommendationRequest.objects.get()
    client = client_for(coordinator)
    assert client.get(letter_url(pending)).status_code == 404
    assert client.get(f"/programs/recommendations/{2**63}/letter/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(
    application: Application, letter_field: FormField, adult_applicant: User, client: Client
) -> None:
    letter = received(application, letter_field, adult_applicant)
    response = client.get(letter_url(letter))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]

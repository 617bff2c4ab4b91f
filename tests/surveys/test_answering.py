"""The private link: token handling in the service and the public answering page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from equityhub.accounts.models import User, hash_token
from equityhub.core.exceptions import Conflict, ServiceError
from equityhub.people.models import Person
from equityhub.surveys import services
from equityhub.surveys.models import Invitation, Questionnaire, Response
from tests.surveys.conftest import answer, items_by_key

pytestmark = pytest.mark.django_db

COMPLETE = {"attitude_1": 4, "favourite_site": "clinic", "reflection": "Housing."}


def url(token: str, lang: str = "") -> str:
    return f"/surveys/r/{token}/" + (f"?lang={lang}" if lang else "")


def form_data(questionnaire: Questionnaire, by_key: dict[str, Any]) -> dict[str, Any]:
    items = items_by_key(questionnaire)
    return {items[key].field_name: value for key, value in by_key.items()}


# -- tokens ----------------------------------------------------------------------------------


def test_only_the_digest_of_the_token_is_stored(token: str) -> None:
    invitation = Invitation.objects.get()
    assert len(token) >= 43
    assert invitation.digest == hash_token(token)
    assert not Invitation.objects.filter(digest=token).exists()


@pytest.mark.parametrize(
    "bad", ["", "short", "x" * 43, "a" * 201, "../../etc/passwd-xxxxxxxxxxxxxxxxxxxxxxx"]
)
def test_an_unknown_or_malformed_token_is_not_found(sheet: Questionnaire, bad: str) -> None:
    with pytest.raises(ServiceError) as caught:
        services.submit_response(token=bad, answers={})
    assert caught.value.code == "not_found"


def test_an_expired_token_is_not_found(sheet: Questionnaire, token: str) -> None:
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=31)),
        pytest.raises(ServiceError) as caught,
    ):
        answer(token, sheet, COMPLETE)
    assert caught.value.code == "not_found"
    assert not Response.objects.exists()


def test_a_token_of_a_closed_questionnaire_is_not_found(
    coordinator: User, sheet: Questionnaire, token: str
) -> None:
    services.set_questionnaire_open(actor=coordinator, questionnaire=sheet, is_active=False)
    with pytest.raises(ServiceError) as caught:
        answer(token, sheet, COMPLETE)
    assert caught.value.code == "not_found"


def test_a_used_token_answers_conflict(sheet: Questionnaire, token: str) -> None:
    answer(token, sheet, COMPLETE)
    with pytest.raises(Conflict):
        answer(token, sheet, COMPLETE)
    assert Response.objects.count() == 1


# -- the page --------------------------------------------------------------------------------


def test_the_page_works_without_signing_in(client: Client, token: str) -> None:
    response = client.get(url(token))
    assert response.status_code == 200
    page = response.content.decode()
    assert "I agree with attitude_1." in page
    assert "Strongly disagree" in page
    assert 'lang="en"' in page
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_each_likert_item_is_a_fieldset_with_a_legend_and_labelled_radios(
    client: Client, sheet: Questionnaire, token: str
) -> None:
    page = client.get(url(token)).content.decode()
    item = items_by_key(sheet)["attitude_1"]
    fieldset = page[page.index("<fieldset") : page.index("</fieldset>")]
    assert "<legend" in fieldset and "I agree with attitude_1." in fieldset
    radios = re.findall(rf'<input[^>]*type="radio"[^>]*name="{item.field_name}"[^>]*>', fieldset)
    assert len(radios) == 5
    for index in range(5):
        assert f'<label class="form-check-label" for="id_{item.field_name}_{index}">' in fieldset


@pytest.mark.parametrize(
    ("invited_in", "asked"),
    [("en", "es"), ("es", "")],
)
def test_the_page_is_in_spanish_when_asked_or_invited_in_spanish(
    *,
    client: Client,
    sheet: Questionnaire,
    person: Person,
    invite_tokens: Any,
    invited_in: str,
    asked: str,
) -> None:
    raw = invite_tokens(sheet, [person], language=invited_in)[person.pk]
    page = client.get(url(raw, asked)).content.decode()
    assert '<html lang="es">' in page
    assert "Attitudes (es)" in page
    assert "Estoy de acuerdo con attitude_1." in page
    assert "Totalmente en desacuerdo" in page and "Strongly disagree" not in page
    assert "Una clínica" in page
    assert "¿Qué le sorprendió?" in page
    assert "I agree with attitude_1." not in page


def test_english_is_shown_when_asked_even_if_invited_in_spanish(
    client: Client, sheet: Questionnaire, person: Person, invite_tokens: Any
) -> None:
    raw = invite_tokens(sheet, [person], language="es")[person.pk]
    page = client.get(url(raw, "en")).content.decode()
    assert "I agree with attitude_1." in page
    assert "Estoy de acuerdo" not in page


def test_a_prompt_without_spanish_falls_back_to_english(
    client: Client, make_questionnaire: Any, person: Person, invite_tokens: Any
) -> None:
    questionnaire = make_questionnaire(
        "Plain", [{"kind": "likert", "key": "k", "prompt": "Only English."}]
    )
    raw = invite_tokens(questionnaire, [person])[person.pk]
    page = client.get(url(raw, "es")).content.decode()
    assert "Only English." in page
    assert "Totalmente de acuerdo" in page


def test_the_language_switch_links_to_both_languages(client: Client, token: str) -> None:
    page = client.get(url(token)).content.decode()
    assert 'href="?lang=es"' in page and 'href="?lang=en"' in page
    assert 'aria-current="true"' in page


def test_a_complete_answer_sheet_is_saved_and_thanked(
    client: Client, sheet: Questionnaire, token: str
) -> None:
    response = client.post(url(token, "es"), form_data(sheet, COMPLETE))
    assert response.status_code == 302
    assert response["Location"] == "/surveys/thanks/?lang=es"
    saved = Response.objects.get()
    assert saved.language == "es"
    assert saved.answers.count() == 3
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert '<html lang="es">' in thanks.content.decode()


def test_missing_answers_are_listed_linked_and_focused_and_nothing_is_saved(
    client: Client, sheet: Questionnaire, token: str
) -> None:
    items = items_by_key(sheet)
    response = client.post(url(token), form_data(sheet, {"attitude_1": "9", "reflection": "Ok"}))
    assert response.status_code == 422
    page = response.content.decode()
    summary = page[
        page.index('id="error-summary"') - 60 : page.index("</div>", page.index("error-summary"))
    ]
    assert "autofocus" in summary and 'tabindex="-1"' in summary and 'role="alert"' in summary
    likert, choice = items["attitude_1"], items["favourite_site"]
    assert f'href="#id_{likert.field_name}_0"' in summary
    assert f'href="#id_{choice.field_name}_0"' in summary
    assert "Choose a point on the scale from 1 to 5." in summary
    assert "Please answer this question." in summary
    assert f'<p class="errorlist" id="{likert.field_name}-error">' in page
    assert f'aria-describedby="{likert.field_name}-error"' in page
    assert f'aria-describedby="{items["reflection"].field_name}-error"' not in page
    # What was typed is kept.
    assert ">Ok</textarea>" in page
    assert not Response.objects.exists()


def test_a_chosen_answer_stays_checked_after_an_error(
    client: Client, sheet: Questionnaire, token: str
) -> None:
    items = items_by_key(sheet)
    page = client.post(url(token), form_data(sheet, {"favourite_site": "school"})).content.decode()
    radio = re.search(rf'<input[^>]*id="id_{items["favourite_site"].field_name}_1"[^>]*>', page)
    assert radio is not None and "checked" in radio.group(0)


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_token_is_a_404(client: Client, sheet: Questionnaire, method: str) -> None:
    response = getattr(client, method)(url("A" * 43))
    assert response.status_code == 404


def test_an_expired_link_is_a_404(client: Client, token: str) -> None:
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert client.get(url(token)).status_code == 404


def test_a_used_link_shows_a_friendly_already_answered_page(
    client: Client, sheet: Questionnaire, token: str
) -> None:
    answer(token, sheet, COMPLETE)
    for response in (client.get(url(token)), client.post(url(token), form_data(sheet, COMPLETE))):
        assert response.status_code == 404
        page = response.content.decode()
        assert "You have already answered this survey" in page
        assert "I agree with attitude_1." not in page
    assert Response.objects.count() == 1


def test_a_link_answered_while_the_page_was_open_shows_the_friendly_page(
    client: Client, sheet: Questionnaire, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page was loaded before the answer arrived from elsewhere (another tab, the API).
    from equityhub.surveys import selectors  # noqa: PLC0415

    monkeypatch.setattr(selectors, "is_answered", lambda invitation: False)
    answer(token, sheet, COMPLETE)
    response = client.post(url(token), form_data(sheet, COMPLETE))
    assert response.status_code == 404
    assert "You have already answered this survey" in response.content.decode()


def test_a_link_closed_while_the_page_was_open_is_a_404(
    client: Client, sheet: Questionnaire, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from equityhub.surveys import selectors  # noqa: PLC0415

    monkeypatch.setattr(selectors, "is_answerable", lambda invitation: True)
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        response = client.post(url(token), form_data(sheet, COMPLETE))
    assert response.status_code == 404
    assert not Response.objects.exists()

"""The Plunge's surveys before and after the week: chosen, sent to the registered, compared."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from equityhub.accounts.models import User
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.plunge import selectors, services
from equityhub.plunge.models import Plunge, Registration
from equityhub.surveys import services as survey_services
from equityhub.surveys.models import Item, Questionnaire

pytestmark = pytest.mark.django_db

LINK = re.compile(r"/surveys/r/([A-Za-z0-9_\-]+)/")


def questionnaire(coordinator: User, title: str) -> Questionnaire:
    found = survey_services.create_questionnaire(actor=coordinator, title=title, title_es=title)
    for key in ("underserved_1", "inequities_1"):
        survey_services.add_item(
            actor=coordinator,
            questionnaire=found,
            kind=Item.Kind.LIKERT,
            key=key,
            prompt=f"Statement {key}.",
            prompt_es=f"Afirmación {key}.",
        )
    return found


def answer_all(sent: list[Any], survey: Questionnaire, value_for: Callable[[int], int]) -> None:
    items = {item.key: item.pk for item in survey.items.all()}
    for n, message in enumerate(sent):
        match = LINK.search(message.body)
        assert match is not None
        survey_services.submit_response(
            token=match.group(1),
            answers={items["underserved_1"]: value_for(n), items["inequities_1"]: 3},
        )


def test_the_pre_survey_goes_to_every_registered_participant_once(
    plunge: Plunge,
    participants: list[Registration],
    coordinator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    participants[0].status = Registration.Status.DECLINED
    participants[0].save()
    pre = questionnaire(coordinator, "Before")
    services.set_surveys(plunge=plunge, actor=coordinator, pre=pre, post=None)

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_survey(plunge=plunge, actor=coordinator, which="pre")
    again = services.send_survey(plunge=plunge, actor=coordinator, which="pre")

    assert sent == len(participants) - 1
    assert again == 0
    assert len(mail.outbox) == sent
    assert participants[0].person.email not in {m.to[0] for m in mail.outbox}


def test_sending_needs_a_chosen_survey_and_office_staff(
    plunge: Plunge, participants: list[Registration], coordinator: User, member: User
) -> None:
    with pytest.raises(Conflict):
        services.send_survey(plunge=plunge, actor=coordinator, which="post")
    with pytest.raises(ServiceError):
        services.send_survey(plunge=plunge, actor=coordinator, which="during")
    with pytest.raises(NotAllowed):
        services.send_survey(plunge=plunge, actor=member, which="pre")
    same = questionnaire(coordinator, "Both")
    with pytest.raises(ServiceError):
        services.set_surveys(plunge=plunge, actor=coordinator, pre=same, post=same)


def test_the_paired_change_shows_each_persons_own_change(
    plunge: Plunge,
    participants: list[Registration],
    coordinator: User,
    client_for: Callable[[User], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    pre, post = questionnaire(coordinator, "Before"), questionnaire(coordinator, "After")
    services.set_surveys(plunge=plunge, actor=coordinator, pre=pre, post=post)
    for which, survey, value_for in (
        ("pre", pre, lambda n: 2),
        ("post", post, lambda n: 4 if n % 2 else 3),
    ):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.send_survey(plunge=plunge, actor=coordinator, which=which)
        answer_all(list(mail.outbox), survey, value_for)

    changes = {change.key: change for change in selectors.survey_change(plunge) or []}
    page = client_for(coordinator).get(reverse("plunge:surveys", args=[plunge.pk]))

    assert changes["underserved_1"].n == len(participants)
    assert changes["underserved_1"].mean_diff == pytest.approx(1.5)
    assert changes["inequities_1"].mean_diff == pytest.approx(0.0)
    assert page.status_code == 200
    assert "+1.50" in page.text


def test_only_office_staff_reach_the_surveys_page(
    plunge: Plunge, member: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(member)
    assert client.get(reverse("plunge:surveys", args=[plunge.pk])).status_code == 404
    assert client.post(reverse("plunge:send-survey", args=[plunge.pk, "pre"])).status_code == 404


def test_a_participant_finds_their_plunge_from_the_home_page(
    participant: User, member: User, client_for: Callable[[User], Client]
) -> None:
    assert reverse("plunge:mine") in client_for(participant).get("/").text
    assert reverse("plunge:mine") not in client_for(member).get("/").text

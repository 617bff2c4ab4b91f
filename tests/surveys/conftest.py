"""Fixtures for surveys: questionnaires built through the services, and invitations whose
private tokens are read back from the e-mails, as a respondent would get them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

from equityhub.accounts.models import Role, User
from equityhub.people.models import Person
from equityhub.surveys import services
from equityhub.surveys.models import Item, Questionnaire, Response
from tests.factories import PersonFactory

LINK = re.compile(r"/surveys/r/([A-Za-z0-9_-]+)/")

CHOICES = [
    {"value": "clinic", "label": "A clinic", "label_es": "Una clínica"},
    {"value": "school", "label": "A school", "label_es": "Una escuela"},
]


def likert(key: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": Item.Kind.LIKERT,
        "key": key,
        "prompt": f"I agree with {key}.",
        "prompt_es": f"Estoy de acuerdo con {key}.",
        **extra,
    }


@pytest.fixture
def leader(make_user: Callable[..., User]) -> User:
    return make_user(Role.LEADERSHIP_VIEWER)


@pytest.fixture
def make_questionnaire(coordinator: User) -> Callable[..., Questionnaire]:
    def make(title: str = "Plunge pre", items: Iterable[Mapping[str, Any]] = ()) -> Questionnaire:
        questionnaire = services.create_questionnaire(
            actor=coordinator, title=title, title_es=f"{title} (es)"
        )
        for spec in items:
            services.add_item(actor=coordinator, questionnaire=questionnaire, **spec)
        return questionnaire

    return make


@pytest.fixture
def sheet(make_questionnaire: Callable[..., Questionnaire]) -> Questionnaire:
    """A questionnaire with one item of each kind, plus an optional Likert item."""
    return make_questionnaire(
        "Attitudes",
        [
            likert("attitude_1"),
            {
                "kind": Item.Kind.CHOICE,
                "key": "favourite_site",
                "prompt": "Which visit taught you most?",
                "prompt_es": "¿Qué visita le enseñó más?",
                "choices": CHOICES,
            },
            {
                "kind": Item.Kind.TEXT,
                "key": "reflection",
                "prompt": "What surprised you?",
                "prompt_es": "¿Qué le sorprendió?",
            },
            likert("attitude_2", required=False),
        ],
    )


def items_by_key(questionnaire: Questionnaire) -> dict[str, Item]:
    return {item.key: item for item in questionnaire.items.all()}


@pytest.fixture
def invite_tokens(
    coordinator: User, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> Callable[..., dict[int, str]]:
    """Invite people and return {person id: raw token}, read from the e-mails sent."""

    def invite(questionnaire: Questionnaire, people: list[Person], **kwargs: Any) -> dict[int, str]:
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.invite(questionnaire=questionnaire, people=people, actor=coordinator, **kwargs)
        by_address = {person.email: person.pk for person in people}
        tokens = {}
        for message in mailoutbox:
            match = LINK.search(message.body)
            assert match is not None, message.body
            tokens[by_address[message.to[0]]] = match.group(1)
        return tokens

    return invite


@pytest.fixture
def token(sheet: Questionnaire, person: Person, invite_tokens: Any) -> str:
    return str(invite_tokens(sheet, [person])[person.pk])


def answer(token: str, questionnaire: Questionnaire, by_key: Mapping[str, Any]) -> Response:
    items = items_by_key(questionnaire)
    return services.submit_response(
        token=token, answers={items[key].pk: value for key, value in by_key.items()}
    )


def people(count: int) -> list[Person]:
    return [PersonFactory() for _ in range(count)]

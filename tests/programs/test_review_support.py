"""Shared set-up for the review and decision tests (imported by test_review_*, test_decisions*,
test_letters and test_director): applications in a state, reviewers, submitted reviews.

No tests here: helper functions and fixtures only (a fixture is used by importing it into a
test module)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.people.models import Person
from equityhub.programs import services_review as services
from equityhub.programs.models import Answer, Application, Cycle, FormField, Program, Review
from tests.factories import PersonFactory

S = Application.Status


def make_application(
    cycle: Cycle,
    applicant: Person | User | None = None,
    *,
    status: str = S.SUBMITTED,
    language: str = "en",
    **fields: Any,
) -> Application:
    """An application in `status` (submitted by default), without running any service."""
    if applicant is None:
        person = PersonFactory()
    elif isinstance(applicant, User):
        person = Person.objects.get(user=applicant)
    else:
        person = applicant
    return Application.objects.create(
        cycle=cycle,
        applicant=person,
        status=status,
        language=language,
        submitted_at=None if status == S.DRAFT else timezone.now() - dt.timedelta(days=1),
        **fields,
    )


def make_applications(cycle: Cycle, n: int, **fields: Any) -> list[Application]:
    return [make_application(cycle, **fields) for _ in range(n)]


def answer(
    application: Application, key: str, text: str = "", values: list[str] | None = None
) -> Answer:
    field = FormField.objects.get(cycle=application.cycle, key=key)
    return Answer.objects.create(
        application=application, field=field, text=text, values=values or []
    )


def submit(review: Review, curiosity: int, preparation: int, comments: str = "") -> Review:
    """Score a review of the `cycle` fixture's two-criterion rubric as its reviewer."""
    criteria = {c.name: c.pk for c in review.application.cycle.criteria.all()}
    return services.submit_review(
        review=review,
        actor=review.reviewer,
        scores={criteria["Curiosity"]: curiosity, criteria["Preparation"]: preparation},
        comments=comments,
    )


def review_for(application: Application, reviewer: User) -> Review:
    return Review.objects.create(application=application, reviewer=reviewer)


def link_token(body: str) -> str:
    match = re.search(r"/programs/links/director/([A-Za-z0-9_-]+)/", body)
    assert match, body
    return match.group(1)


def last_mail_to(address: str) -> Any:
    for message in reversed(mail.outbox):
        if address in message.to:
            return message
    raise AssertionError(f"no mail to {address}")


@pytest.fixture
def staff(coordinator: User) -> User:
    return coordinator


@pytest.fixture
def make_reviewer(make_user: Callable[..., User], program: Program) -> Callable[..., User]:
    def make(scope: Program | None = None, **kwargs: Any) -> User:
        return make_user(Role.REVIEWER, scope=scope or program, **kwargs)

    return make


@pytest.fixture
def applicant_user(make_user: Callable[..., User]) -> User:
    """An adult applicant with a name, e-mail, birth date and ZIP no page should leak."""
    return make_user(
        Role.MEMBER,
        email="zanzibar.quetzal@example.net",
        given_name="Zanzibar",
        family_name="Quetzalcoatl",
        date_of_birth=dt.date(2003, 7, 19),
        home_zip="63147",
    )


@pytest.fixture
def application(cycle: Cycle, applicant_user: User) -> Application:
    return make_application(cycle, applicant_user)


@pytest.fixture
def director_program(program: Program) -> Program:
    program.needs_director_approval = True
    program.save(update_fields=["needs_director_approval"])
    return program

"""A pathway program to run: a high-school summer science program (K-12, grades 9-12, blind
review) with an open cycle (10 seats, a form with three questions and a two-criterion rubric),
a reviewer scoped to it, an adult applicant and a minor applicant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.people.models import Person
from equityhub.programs.models import Criterion, Cycle, FormField, Program
from tests.factories import OrganizationFactory


@pytest.fixture
def program(db: Any) -> Program:
    sponsor = OrganizationFactory(name="Office of Diversity Programs", kind="university")
    return Program.objects.create(
        name="Young Scientist Summer Program",
        stage=Program.Stage.K12,
        sponsor=sponsor,
        description="Six weeks of lab research for high-school students.",
        eligibility="Students entering grades 10-12 in St. Louis City or County.",
        min_grade=9,
        max_grade=12,
        blind_review=True,
    )


@pytest.fixture
def cycle(program: Program) -> Cycle:
    now = timezone.now()
    cycle = Cycle.objects.create(
        program=program,
        year=now.year,
        title=f"{program.name} {now.year}",
        status=Cycle.Status.OPEN,
        opens_at=now - dt.timedelta(days=10),
        closes_at=now + dt.timedelta(days=20),
        seats=10,
    )
    FormField.objects.create(
        cycle=cycle, key="essay", kind=FormField.Kind.LONG_TEXT, label="Why science?", position=1
    )
    FormField.objects.create(
        cycle=cycle,
        key="track",
        kind=FormField.Kind.CHOICE,
        label="Which lab?",
        label_es="¿Qué laboratorio?",
        choices=[
            {"value": "bio", "label": "Biology", "label_es": "Biología"},
            {"value": "chem", "label": "Chemistry", "label_es": "Química"},
        ],
        position=2,
    )
    FormField.objects.create(
        cycle=cycle,
        key="school",
        kind=FormField.Kind.TEXT,
        label="Your school",
        identifying=True,
        required=False,
        position=3,
    )
    Criterion.objects.create(cycle=cycle, name="Curiosity", weight=2, max_score=5, position=1)
    Criterion.objects.create(cycle=cycle, name="Preparation", weight=1, max_score=5, position=2)
    return cycle


@pytest.fixture
def reviewer(make_user: Callable[..., User], program: Program) -> User:
    return make_user(Role.REVIEWER, scope=program)


@pytest.fixture
def adult_applicant(make_user: Callable[..., User]) -> User:
    return make_user(Role.MEMBER, date_of_birth=dt.date(2005, 1, 15))


@pytest.fixture
def minor_applicant(make_user: Callable[..., User]) -> User:
    today = timezone.localdate()
    return make_user(Role.MEMBER, date_of_birth=today.replace(year=today.year - 15))


def person(user: User) -> Person:
    return Person.objects.get(user=user)

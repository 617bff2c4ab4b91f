"""Reviewer isolation and blind review: a reviewer in a blind program never sees the
applicant's name, e-mail, date of birth, ZIP, demographics or identifying answers, on any page
or in any API response; they reach only their own reviews."""

# The shared fixtures are imported from test_review_support and then named as test arguments,
# which pyflakes reads as redefinitions (F811).
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from equityhub.accounts.models import User
from equityhub.people.models import DemographicProfile, Person
from equityhub.programs.models import Application, Cycle, FormField, RecommendationRequest
from tests.programs.test_review_support import (  # noqa: F401 - fixtures
    answer,
    applicant_user,
    application,
    make_reviewer,
    review_for,
    staff,
    submit,
)

pytestmark = pytest.mark.django_db

SECRETS = (
    "Zanzibar",
    "Quetzalcoatl",
    "zanzibar.quetzal@example.net",
    "2003-07-19",
    "July 19, 2003",
    "63147",
    "Zapotec",
    "Lincoln Magnet High",
    "Prof. Olufemi",
)


@pytest.fixture
def full_application(application: Application, applicant_user: User) -> Application:
    """The applicant's demographics, an identifying answer, plain answers and a letter."""
    DemographicProfile.objects.create(
        person=Person.objects.get(user=applicant_user),
        race_hispanic=True,
        race_ethnicity_detail="Zapotec",
    )
    answer(application, "essay", text="I love chemistry and tide pools.")
    answer(application, "track", values=["bio"])
    answer(application, "school", text="Lincoln Magnet High")
    letter_field = FormField.objects.create(
        cycle=application.cycle,
        key="letter",
        kind=FormField.Kind.RECOMMENDATION,
        label="A teacher's letter",
        position=4,
    )
    RecommendationRequest.objects.create(
        application=application,
        field=letter_field,
        recommender_name="Prof. Olufemi",
        recommender_email="olufemi@school.example.org",
        digest="d" * 64,
        sent_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(days=14),
        letter="programs/letters/2030/letter.pdf",
        received_at=timezone.now(),
    )
    return application


def assert_blind(body: str) -> None:
    leaked = [secret for secret in SECRETS if secret in body]
    assert leaked == []


def test_a_blind_reviewer_sees_the_answers_but_nothing_that_identifies(
    full_application: Application, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    review = review_for(full_application, reviewer)
    client = client_for(reviewer)

    page = client.get(f"/programs/reviews/{review.pk}/").content.decode()
    queue = client.get("/programs/review/").content.decode()

    assert_blind(page)
    assert_blind(queue)
    assert f"Applicant #{full_application.pk}" in page
    assert "I love chemistry and tide pools." in page
    assert "Biology" in page
    assert "Your school" not in page
    assert "Letter of recommendation 1" in page


def test_a_blind_reviewer_gets_nothing_identifying_from_the_api(
    full_application: Application, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    review = review_for(full_application, reviewer)
    submit(review, 4, 4, comments="Thoughtful")
    client = client_for(reviewer)

    detail = client.get(f"/api/v1/reviews/{review.pk}")
    listing = client.get("/api/v1/reviews")
    submitted = client.post(
        f"/api/v1/reviews/{review.pk}/submit",
        {
            "scores": [
                {"criterion_id": c.pk, "value": 3} for c in full_application.cycle.criteria.all()
            ]
        },
        content_type="application/json",
    )

    for response in (detail, listing, submitted):
        assert response.status_code == 200
        assert_blind(response.content.decode())
    assert detail.json()["applicant"] == f"Applicant #{full_application.pk}"
    assert detail.json()["applicant_name"] is None
    assert detail.json()["identity"] is False
    assert [a["question"] for a in detail.json()["answers"]] == ["Why science?", "Which lab?"]


def test_staff_see_who_the_applicant_is(
    full_application: Application,
    reviewer: User,
    staff: User,
    client_for: Callable[[User], Client],
) -> None:
    review = review_for(full_application, reviewer)

    page = client_for(staff).get(f"/programs/reviews/{review.pk}/").content.decode()

    assert "Zanzibar Quetzalcoatl" in page
    assert "Lincoln Magnet High" in page
    assert "Letter from Prof. Olufemi" in page


def test_the_letter_is_linked_only_where_the_letter_page_exists(
    full_application: Application, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    review = review_for(full_application, reviewer)
    request = RecommendationRequest.objects.get()
    try:
        url = reverse("programs:recommendation_letter", args=[request.pk])
    except NoReverseMatch:
        url = None

    page = client_for(reviewer).get(f"/programs/reviews/{review.pk}/").content.decode()

    if url is None:
        assert "/letter/" not in page
    else:
        assert f'href="{url}"' in page


def test_a_reviewer_never_sees_another_reviewers_scores(
    full_application: Application,
    reviewer: User,
    make_reviewer: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    mine = review_for(full_application, reviewer)
    theirs = review_for(full_application, make_reviewer())
    submit(theirs, 1, 0, comments="Weak-sauce-marker")
    client = client_for(reviewer)

    page = client.get(f"/programs/reviews/{mine.pk}/").content.decode()
    listing = client.get("/api/v1/reviews").json()

    assert "Weak-sauce-marker" not in page
    assert "13.33" not in page
    assert [item["id"] for item in listing["items"]] == [mine.pk]
    assert client.get(f"/api/v1/reviews/{theirs.pk}").status_code == 404


def test_a_reviewer_of_another_program_reaches_nothing(
    full_application: Application,
    reviewer: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    from equityhub.programs.models import Program  # noqa: PLC0415
    from tests.factories import OrganizationFactory  # noqa: PLC0415

    other = Program.objects.create(
        name="Elsewhere", stage=Program.Stage.COLLEGE, sponsor=OrganizationFactory()
    )
    stranger = make_user("reviewer", scope=other)
    review = review_for(full_application, reviewer)
    client = client_for(stranger)

    assert client.get(f"/programs/reviews/{review.pk}/").status_code == 404
    assert client.get(f"/api/v1/reviews/{review.pk}").status_code == 404
    assert client.get("/api/v1/reviews").json()["count"] == 0
    assert client.get(f"/api/v1/cycles/{full_application.cycle_id}/criteria").status_code == 404
    assert (
        client.post(
            f"/api/v1/applications/{full_application.pk}/conflicts",
            {"reason": "x"},
            content_type="application/json",
        )
    ).status_code == 404


def test_a_reviewer_assigned_to_their_own_program_only_sees_that_cycle(
    cycle: Cycle, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    assert client_for(reviewer).get(f"/api/v1/cycles/{cycle.pk}/criteria").status_code == 200

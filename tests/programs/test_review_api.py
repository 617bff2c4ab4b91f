"""/api/v1: rubric, assignment, reviews, conflicts, the committee, decisions, offers, the
program director and letters."""

# The shared fixtures are imported from test_review_support and then named as test arguments,
# which pyflakes reads as redefinitions (F811) and loop names as shadowing (F402).
# ruff: noqa: F811, F402

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.programs import services_review as services
from equityhub.programs.models import (
    Application,
    ConflictOfInterest,
    Criterion,
    Cycle,
    Program,
    Review,
)
from tests.programs.test_review_support import (  # noqa: F401 - fixtures
    applicant_user,
    application,
    director_program,
    make_application,
    make_applications,
    make_reviewer,
    review_for,
    staff,
    submit,
)

pytestmark = pytest.mark.django_db
S = Application.Status
HUGE = 2**63


def bearer(user: User) -> Client:
    _token, raw = create_api_token(user=user, name="tests", actor=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client: Client, url: str, data: Any = None) -> Any:
    return client.post(url, data if data is not None else {}, content_type="application/json")


def patch(client: Client, url: str, data: Any) -> Any:
    return client.patch(url, data, content_type="application/json")


def all_scores(cycle: Cycle, value: int) -> list[dict[str, int]]:
    return [{"criterion_id": c.pk, "value": value} for c in cycle.criteria.all()]


# -- the rubric ------------------------------------------------------------------------------


def test_staff_read_and_write_the_rubric(cycle: Cycle, staff: User) -> None:
    client = bearer(staff)

    listed = client.get(f"/api/v1/cycles/{cycle.pk}/criteria")
    assert listed.status_code == 200
    assert [c["name"] for c in listed.json()] == ["Curiosity", "Preparation"]
    assert listed.json()[0]["weight"] == 2.0

    created = post(
        client,
        f"/api/v1/cycles/{cycle.pk}/criteria",
        {"name": "Grit", "weight": 1.5, "max_score": 4},
    )
    assert created.status_code == 201
    criterion_id = created.json()["id"]

    changed = patch(client, f"/api/v1/criteria/{criterion_id}", {"weight": 3, "description": "x"})
    assert changed.status_code == 200
    assert (changed.json()["weight"], changed.json()["description"]) == (3.0, "x")

    assert client.delete(f"/api/v1/criteria/{criterion_id}").status_code == 204
    assert not Criterion.objects.filter(pk=criterion_id).exists()


def test_rubric_refusals_carry_their_status(
    application: Application, reviewer: User, staff: User
) -> None:
    cycle = application.cycle
    client = bearer(staff)
    criterion = cycle.criteria.first()
    assert criterion is not None

    invalid = post(client, f"/api/v1/cycles/{cycle.pk}/criteria", {"name": "X", "weight": 0})
    assert invalid.status_code == 422
    assert invalid.json()["field"] == "weight"
    duplicate = post(client, f"/api/v1/cycles/{cycle.pk}/criteria", {"name": "Curiosity"})
    assert duplicate.status_code == 409
    empty = patch(client, f"/api/v1/criteria/{criterion.pk}", {"name": None})
    assert empty.status_code == 422
    extra = patch(client, f"/api/v1/criteria/{criterion.pk}", {"cycle": 3})
    assert extra.status_code == 422

    submit(review_for(application, reviewer), 3, 3)
    locked = patch(client, f"/api/v1/criteria/{criterion.pk}", {"weight": 4})
    assert locked.status_code == 409
    assert client.delete(f"/api/v1/criteria/{criterion.pk}").status_code == 409


def test_reviewers_read_the_rubric_but_only_staff_write_it(
    cycle: Cycle, reviewer: User, member: User
) -> None:
    criterion = cycle.criteria.first()
    assert criterion is not None
    reviewing = bearer(reviewer)
    assert reviewing.get(f"/api/v1/cycles/{cycle.pk}/criteria").status_code == 200
    assert post(reviewing, f"/api/v1/cycles/{cycle.pk}/criteria", {"name": "X"}).status_code == 404
    assert patch(reviewing, f"/api/v1/criteria/{criterion.pk}", {"weight": 2}).status_code == 404
    assert reviewing.delete(f"/api/v1/criteria/{criterion.pk}").status_code == 404
    outsider = bearer(member)
    assert outsider.get(f"/api/v1/cycles/{cycle.pk}/criteria").status_code == 404
    assert outsider.get(f"/api/v1/cycles/{HUGE}/criteria").status_code == 404


# -- assignment ------------------------------------------------------------------------------


def test_staff_assign_reviewers_through_the_api(
    cycle: Cycle, staff: User, make_reviewer: Callable[..., User]
) -> None:
    reviewers = [make_reviewer() for _ in range(3)]
    applications = make_applications(cycle, 4)
    ConflictOfInterest.objects.create(
        cycle=cycle, reviewer=reviewers[0], application=applications[0]
    )

    response = post(bearer(staff), f"/api/v1/cycles/{cycle.pk}/assign", {"per_application": 2})

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["min_load"], body["max_load"]) == (8, 2, 3)
    assert body["balanced"] is True
    assert body["short"] == []
    assert not Review.objects.filter(reviewer=reviewers[0], application=applications[0]).exists()


def test_assignment_refusals(cycle: Cycle, staff: User, reviewer: User) -> None:
    client = bearer(staff)
    assert (
        post(client, f"/api/v1/cycles/{cycle.pk}/assign", {"per_application": 0}).status_code == 422
    )
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.COMPLETED)
    assert post(client, f"/api/v1/cycles/{cycle.pk}/assign").status_code == 409
    assert post(bearer(reviewer), f"/api/v1/cycles/{cycle.pk}/assign").status_code == 404
    assert post(client, f"/api/v1/cycles/{HUGE}/assign").status_code == 404


# -- reviews ---------------------------------------------------------------------------------


def test_a_reviewer_lists_reads_and_submits_their_review(
    application: Application, reviewer: User
) -> None:
    review = review_for(application, reviewer)
    client = bearer(reviewer)

    listed = client.get("/api/v1/reviews")
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert listed.json()["items"][0]["applicant"] == f"Applicant #{application.pk}"

    detail = client.get(f"/api/v1/reviews/{review.pk}")
    assert detail.status_code == 200
    assert detail.json()["can_submit"] is True
    assert [c["score"] for c in detail.json()["criteria"]] == [None, None]

    submitted = post(
        client,
        f"/api/v1/reviews/{review.pk}/submit",
        {"scores": all_scores(application.cycle, 5), "comments": "Excellent"},
    )
    assert submitted.status_code == 200
    assert submitted.json()["total"] == 100.0
    assert [c["score"] for c in submitted.json()["criteria"]] == [5, 5]


def test_submission_refusals(
    application: Application, reviewer: User, make_reviewer: Callable[..., User], staff: User
) -> None:
    review = review_for(application, reviewer)
    cycle = application.cycle
    client = bearer(reviewer)
    url = f"/api/v1/reviews/{review.pk}/submit"
    first = cycle.criteria.first()
    assert first is not None

    missing = post(client, url, {"scores": [{"criterion_id": first.pk, "value": 3}]})
    assert missing.status_code == 422
    assert missing.json()["field"].startswith("score_")
    twice = post(client, url, {"scores": all_scores(cycle, 3) + all_scores(cycle, 3)[:1]})
    assert twice.status_code == 422
    assert twice.json()["field"] == "scores"
    too_high = post(client, url, {"scores": all_scores(cycle, 9)})
    assert too_high.status_code == 422
    assert post(bearer(staff), url, {"scores": all_scores(cycle, 3)}).status_code == 403
    assert post(bearer(make_reviewer()), url, {"scores": all_scores(cycle, 3)}).status_code == 404
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.DECIDED)
    assert post(client, url, {"scores": all_scores(cycle, 3)}).status_code == 409


def test_staff_list_reviews_by_cycle(
    cycle: Cycle, staff: User, make_reviewer: Callable[..., User]
) -> None:
    first, second = make_applications(cycle, 2)
    review_for(first, make_reviewer())
    review_for(second, make_reviewer())
    client = bearer(staff)

    everything = client.get("/api/v1/reviews").json()
    this_cycle = client.get(f"/api/v1/reviews?cycle_id={cycle.pk}&limit=1").json()

    assert everything["count"] == 2
    assert this_cycle["count"] == 2
    assert len(this_cycle["items"]) == 1
    assert this_cycle["items"][0]["applicant"] == first.applicant.display_name
    assert client.get(f"/api/v1/reviews?cycle_id={HUGE}").status_code == 422


def test_members_may_not_list_reviews(member: User) -> None:
    assert bearer(member).get("/api/v1/reviews").status_code == 403
    assert Client().get("/api/v1/reviews").status_code == 401


def test_a_reviewer_declares_a_conflict_through_the_api(
    application: Application, reviewer: User
) -> None:
    review = review_for(application, reviewer)

    response = post(
        bearer(reviewer), f"/api/v1/applications/{application.pk}/conflicts", {"reason": "Coach"}
    )

    assert response.status_code == 201
    assert response.json()["reviewer_id"] == reviewer.pk
    assert not Review.objects.filter(pk=review.pk).exists()
    # The application is no longer theirs to reach.
    again = post(bearer(reviewer), f"/api/v1/applications/{application.pk}/conflicts")
    assert again.status_code == 404


def test_conflict_refusals(
    application: Application,
    reviewer: User,
    staff: User,
    make_reviewer: Callable[..., User],
    member: User,
) -> None:
    review = review_for(application, reviewer)
    other = make_reviewer()
    client = bearer(reviewer)
    url = f"/api/v1/applications/{application.pk}/conflicts"

    assert post(client, url, {"reviewer_id": other.pk}).status_code == 422
    submit(review, 3, 3)
    assert post(client, url).status_code == 409
    assert post(bearer(staff), url, {"reviewer_id": HUGE - 1}).status_code == 422
    assert post(bearer(staff), url, {"reviewer_id": member.pk}).status_code == 422
    staff_declared = post(bearer(staff), url, {"reviewer_id": reviewer.pk, "reason": "late"})
    assert staff_declared.status_code == 201
    assert not Review.objects.filter(pk=review.pk).exists()
    assert post(bearer(staff), f"/api/v1/applications/{HUGE}/conflicts").status_code == 404


# -- the committee and decisions -------------------------------------------------------------


def test_staff_read_the_committee(
    cycle: Cycle, staff: User, make_reviewer: Callable[..., User]
) -> None:
    generous, strict = make_reviewer(), make_reviewer()
    applications = make_applications(cycle, 2)
    for application, (high, low) in zip(applications, [(5, 3), (4, 1)], strict=True):
        submit(review_for(application, generous), high, high)
        submit(review_for(application, strict), low, low)
    services.decide(application=applications[1], actor=staff, outcome="waitlisted")

    response = bearer(staff).get(f"/api/v1/cycles/{cycle.pk}/committee")

    assert response.status_code == 200
    body = response.json()
    assert [row["application_id"] for row in body["rows"]] == [a.pk for a in applications]
    assert body["rows"][0]["mean_z"] == pytest.approx(1.0)
    assert body["rows"][0]["raw_mean"] == pytest.approx(80.0)
    assert body["rows"][0]["reviews"] == 2
    assert body["waitlist"] == [applications[1].pk]
    assert (body["seats"], body["seats_left"]) == (10, 10)


def test_staff_decide_through_the_api(cycle: Cycle, staff: User) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(seats=1)
    first, second = make_applications(cycle, 2)
    client = bearer(staff)

    accepted = post(client, f"/api/v1/applications/{first.pk}/decision", {"outcome": "accepted"})
    full = post(client, f"/api/v1/applications/{second.pk}/decision", {"outcome": "accepted"})
    waitlisted = post(
        client, f"/api/v1/applications/{second.pk}/decision", {"outcome": "waitlisted"}
    )

    assert accepted.status_code == 200
    assert (accepted.json()["seats_taken"], accepted.json()["seats_left"]) == (1, 0)
    assert full.status_code == 409
    assert full.json()["detail"] == "All 1 seats are taken; waitlist instead."
    assert waitlisted.json()["waitlist_position"] == 1
    assert (
        post(client, f"/api/v1/applications/{first.pk}/decision", {"outcome": "enrolled"})
    ).status_code == 422


def test_the_committee_and_decisions_are_staff_only(
    application: Application, reviewer: User, applicant_user: User
) -> None:
    for user in (reviewer, applicant_user):
        client = bearer(user)
        assert client.get(f"/api/v1/cycles/{application.cycle_id}/committee").status_code == 404
        assert (
            post(client, f"/api/v1/applications/{application.pk}/decision", {"outcome": "accepted"})
        ).status_code == 404
        assert (
            post(client, f"/api/v1/cycles/{application.cycle_id}/letters/send").status_code == 404
        )


# -- offers, the director and letters --------------------------------------------------------


def test_the_applicant_answers_the_offer(
    application: Application, applicant_user: User, staff: User, member: User
) -> None:
    url = f"/api/v1/applications/{application.pk}/offer-response"
    assert post(bearer(applicant_user), url, {"accept": True}).status_code == 409
    services.decide(application=application, actor=staff, outcome="accepted")
    assert post(bearer(member), url, {"accept": True}).status_code == 404

    response = post(bearer(applicant_user), url, {"accept": True})

    assert response.status_code == 200
    assert response.json()["status"] == S.ENROLLED


def test_the_applicant_names_the_director_through_the_api(  # noqa: PLR0917 - fixtures
    director_program: Program,
    application: Application,
    applicant_user: User,
    staff: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    url = f"/api/v1/applications/{application.pk}/director"
    payload = {"director_name": "Dr. Reyes", "director_email": "reyes@example.org"}
    assert post(bearer(applicant_user), url, payload).status_code == 409
    services.decide(application=application, actor=staff, outcome="accepted")

    with django_capture_on_commit_callbacks(execute=True):
        response = post(bearer(applicant_user), url, payload)

    assert response.status_code == 201
    assert response.json()["director_email"] == "reyes@example.org"
    assert "digest" not in response.json()
    assert mailoutbox[0].to == ["reyes@example.org"]
    bad = post(bearer(applicant_user), url, {**payload, "director_email": "nope"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "director_email"
    accepted = post(
        bearer(applicant_user),
        f"/api/v1/applications/{application.pk}/offer-response",
        {"accept": True},
    )
    assert accepted.status_code == 409


def test_staff_send_letters_through_the_api(
    cycle: Cycle,
    staff: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    application = make_application(cycle, language="es")
    services.decide(application=application, actor=staff, outcome="rejected")
    client = bearer(staff)

    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, f"/api/v1/cycles/{cycle.pk}/letters/send")
    second = post(client, f"/api/v1/cycles/{cycle.pk}/letters/send")

    assert (first.json(), second.json()) == ({"sent": 1}, {"sent": 0})
    assert mailoutbox[0].subject == f"Su solicitud a {cycle.program.name}"


def test_every_endpoint_is_documented() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = {
        "/api/v1/cycles/{cycle_id}/criteria": ("get", "post"),
        "/api/v1/criteria/{criterion_id}": ("patch", "delete"),
        "/api/v1/cycles/{cycle_id}/assign": ("post",),
        "/api/v1/reviews": ("get",),
        "/api/v1/reviews/{review_id}": ("get",),
        "/api/v1/reviews/{review_id}/submit": ("post",),
        "/api/v1/applications/{application_id}/conflicts": ("post",),
        "/api/v1/cycles/{cycle_id}/committee": ("get",),
        "/api/v1/applications/{application_id}/decision": ("post",),
        "/api/v1/applications/{application_id}/offer-response": ("post",),
        "/api/v1/applications/{application_id}/director": ("post",),
        "/api/v1/cycles/{cycle_id}/letters/send": ("post",),
    }
    for path, methods in paths.items():
        for method in methods:
            operation = schema["paths"][path][method]
            assert operation["summary"]
            assert operation["description"]

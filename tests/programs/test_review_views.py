"""Review and committee pages: the reviewer's queue and review sheet, the rubric and
assignment pages, and the committee's table with its htmx decisions."""

# The shared fixtures are imported from test_review_support and then named as test arguments,
# which pyflakes reads as redefinitions (F811) and loop names as shadowing (F402).
# ruff: noqa: F811, F402

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.programs import services_review as services
from equityhub.programs.models import (
    Application,
    ConflictOfInterest,
    Criterion,
    Cycle,
    Program,
    Review,
)
from tests.factories import OrganizationFactory
from tests.programs.test_review_support import (  # noqa: F401 - fixtures
    answer,
    applicant_user,
    application,
    make_application,
    make_applications,
    make_reviewer,
    review_for,
    staff,
    submit,
)

pytestmark = pytest.mark.django_db
S = Application.Status


def scores_post(
    cycle: Cycle, curiosity: Any, preparation: Any, comments: str = ""
) -> dict[str, Any]:
    ids = {c.name: c.pk for c in cycle.criteria.all()}
    return {
        f"score_{ids['Curiosity']}": curiosity,
        f"score_{ids['Preparation']}": preparation,
        "comments": comments,
    }


# -- the queue -------------------------------------------------------------------------------


def test_a_reviewer_sees_their_reviews_to_do_and_done(
    cycle: Cycle, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    first, second = make_applications(cycle, 2)
    to_do = review_for(first, reviewer)
    done = review_for(second, reviewer)
    submit(done, 5, 5)

    response = client_for(reviewer).get("/programs/review/")

    assert response.status_code == 200
    body = response.content.decode()
    assert f"/programs/reviews/{to_do.pk}/" in body
    assert f"Applicant #{first.pk}" in body  # the fixture's program reviews blind
    assert first.applicant.display_name not in body
    assert "1 review to do" in body
    assert "100.00" in body
    assert "/committee/" not in body


def test_staff_find_each_cycles_committee_from_the_queue(
    cycle: Cycle, staff: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(staff).get("/programs/review/")

    assert response.status_code == 200
    assert f"/programs/cycles/{cycle.pk}/committee/" in response.content.decode()


def test_the_queue_is_forbidden_to_anyone_else(
    member: User, outsider: User, client_for: Callable[[User], Client], client: Client
) -> None:
    for user in (member, outsider):
        assert client_for(user).get("/programs/review/").status_code == 403
    assert client.get("/programs/review/").status_code == 302


# -- one review ------------------------------------------------------------------------------


def test_a_reviewer_scores_a_review_on_its_page(
    application: Application, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    review = review_for(application, reviewer)
    client = client_for(reviewer)

    page = client.get(f"/programs/reviews/{review.pk}/")
    assert page.status_code == 200
    assert "Curiosity (0 to 5)" in page.content.decode()

    response = client.post(
        f"/programs/reviews/{review.pk}/", scores_post(application.cycle, 4, 3, "Good")
    )

    assert response.status_code == 302
    review.refresh_from_db()
    assert str(review.total) == "73.33"
    assert review.comments == "Good"


def test_a_score_out_of_range_is_shown_again_with_the_error(
    application: Application, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    review = review_for(application, reviewer)

    response = client_for(reviewer).post(
        f"/programs/reviews/{review.pk}/", scores_post(application.cycle, 9, "")
    )

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert Review.objects.get(pk=review.pk).submitted_at is None


def test_a_service_refusal_is_shown_on_the_form(
    application: Application, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    review = review_for(application, reviewer)
    Application.objects.filter(pk=application.pk).update(status=S.WITHDRAWN)

    response = client_for(reviewer).post(
        f"/programs/reviews/{review.pk}/", scores_post(application.cycle, 3, 3)
    )

    assert response.status_code == 200
    assert "withdrawn" in response.content.decode()


def test_reviews_of_a_decided_cycle_are_read_only(
    application: Application, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    review = review_for(application, reviewer)
    submit(review, 2, 2)
    Cycle.objects.filter(pk=application.cycle_id).update(status=Cycle.Status.DECIDED)

    page = client_for(reviewer).get(f"/programs/reviews/{review.pk}/").content.decode()

    assert "reviews are closed" in page
    assert 'name="comments"' not in page


def test_another_reviewers_review_is_not_found(
    application: Application,
    reviewer: User,
    make_reviewer: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    theirs = review_for(application, make_reviewer())
    client = client_for(reviewer)

    assert client.get(f"/programs/reviews/{theirs.pk}/").status_code == 404
    assert (
        client.post(f"/programs/reviews/{theirs.pk}/", scores_post(application.cycle, 1, 1))
    ).status_code == 404
    assert client.post(f"/programs/reviews/{theirs.pk}/conflict/").status_code == 404
    assert client.get(f"/programs/reviews/{2**63}/").status_code == 404


def test_a_review_in_a_program_the_reviewer_left_is_not_found(
    application: Application, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    review = review_for(application, reviewer)
    reviewer.role_assignments.all().delete()

    assert client_for(reviewer).get(f"/programs/reviews/{review.pk}/").status_code == 404


def test_members_and_outsiders_reach_no_review(
    application: Application,
    reviewer: User,
    member: User,
    applicant_user: User,
    client_for: Callable[[User], Client],
) -> None:
    review = review_for(application, reviewer)
    for user in (member, applicant_user):
        assert client_for(user).get(f"/programs/reviews/{review.pk}/").status_code == 404


def test_staff_read_a_review_but_cannot_score_it(
    application: Application, reviewer: User, staff: User, client_for: Callable[[User], Client]
) -> None:
    review = review_for(application, reviewer)
    submit(review, 4, 4)
    client = client_for(staff)

    page = client.get(f"/programs/reviews/{review.pk}/")
    assert page.status_code == 200
    assert "4 / 5" in page.content.decode()
    assert "Zanzibar Quetzalcoatl" in page.content.decode()  # staff see identity
    assert (
        client.post(f"/programs/reviews/{review.pk}/", scores_post(application.cycle, 1, 1))
    ).status_code == 403


def test_the_reviewer_declares_a_conflict_from_the_review_page(
    application: Application, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    review = review_for(application, reviewer)

    response = client_for(reviewer).post(
        f"/programs/reviews/{review.pk}/conflict/", {"reason": "We are cousins"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/programs/review/"
    assert not Review.objects.filter(pk=review.pk).exists()
    assert ConflictOfInterest.objects.get().reason == "We are cousins"


def test_a_conflict_after_submitting_is_refused_with_a_message(
    application: Application, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    review = review_for(application, reviewer)
    submit(review, 3, 3)

    response = client_for(reviewer).post(f"/programs/reviews/{review.pk}/conflict/", follow=True)

    assert "already submitted this review" in response.content.decode()
    assert Review.objects.filter(pk=review.pk).exists()


def test_a_too_long_conflict_reason_is_shown_again(
    application: Application, reviewer: User, client_for: Callable[[User], Client]
) -> None:
    review = review_for(application, reviewer)

    response = client_for(reviewer).post(
        f"/programs/reviews/{review.pk}/conflict/", {"reason": "x" * 301}
    )

    assert response.status_code == 200
    assert Review.objects.filter(pk=review.pk).exists()


# -- the rubric and assignment ---------------------------------------------------------------


def test_staff_manage_the_rubric_on_its_page(
    cycle: Cycle, staff: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(staff)
    page = client.get(f"/programs/cycles/{cycle.pk}/criteria/")
    assert page.status_code == 200
    assert "Curiosity" in page.content.decode()

    added = client.post(
        f"/programs/cycles/{cycle.pk}/criteria/",
        {"name": "Teamwork", "weight": "1.5", "max_score": "4", "description": ""},
    )
    assert added.status_code == 302
    criterion = Criterion.objects.get(name="Teamwork")

    duplicate = client.post(
        f"/programs/cycles/{cycle.pk}/criteria/",
        {"name": "Teamwork", "weight": "1", "max_score": "5"},
    )
    assert duplicate.status_code == 200
    assert "already has a criterion" in duplicate.content.decode()

    edit = client.get(f"/programs/criteria/{criterion.pk}/edit/")
    assert edit.status_code == 200
    edited = client.post(
        f"/programs/criteria/{criterion.pk}/edit/",
        {"name": "Teamwork", "weight": "2", "max_score": "4", "position": "9"},
    )
    assert edited.status_code == 302
    criterion.refresh_from_db()
    assert (str(criterion.weight), criterion.position) == ("2.00", 9)

    removed = client.post(f"/programs/criteria/{criterion.pk}/delete/")
    assert removed.status_code == 302
    assert not Criterion.objects.filter(pk=criterion.pk).exists()


def test_a_locked_rubric_says_so_and_refuses_changes(
    application: Application, reviewer: User, staff: User, client_for: Callable[[User], Client]
) -> None:
    submit(review_for(application, reviewer), 3, 3)
    criterion = application.cycle.criteria.first()
    assert criterion is not None
    client = client_for(staff)

    page = client.get(f"/programs/cycles/{application.cycle_id}/criteria/").content.decode()
    assert "can no longer change" in page
    edited = client.post(
        f"/programs/criteria/{criterion.pk}/edit/", {"name": "X", "weight": "1", "max_score": "5"}
    )
    assert edited.status_code == 200
    assert "can no longer change" in edited.content.decode()
    removed = client.post(f"/programs/criteria/{criterion.pk}/delete/", follow=True)
    assert "can no longer change" in removed.content.decode()


def test_the_rubric_pages_are_not_found_for_reviewers_and_members(
    cycle: Cycle, reviewer: User, member: User, client_for: Callable[[User], Client]
) -> None:
    criterion = cycle.criteria.first()
    assert criterion is not None
    for user in (reviewer, member):
        client = client_for(user)
        assert client.get(f"/programs/cycles/{cycle.pk}/criteria/").status_code == 404
        assert client.get(f"/programs/criteria/{criterion.pk}/edit/").status_code == 404
        assert client.post(f"/programs/criteria/{criterion.pk}/delete/").status_code == 404
        assert client.post(f"/programs/cycles/{cycle.pk}/assign/").status_code == 404


def test_staff_assign_reviewers_and_see_the_loads(
    cycle: Cycle,
    staff: User,
    make_reviewer: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    reviewers = [make_reviewer() for _ in range(3)]
    crowded = make_application(cycle)
    make_applications(cycle, 3)
    for reviewer in reviewers[:2]:
        ConflictOfInterest.objects.create(cycle=cycle, reviewer=reviewer, application=crowded)

    response = client_for(staff).post(
        f"/programs/cycles/{cycle.pk}/assign/", {"per_application": "2"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "7 reviews assigned." in body
    assert "from 2 to 3" in body
    assert "Applications without enough reviewers" in body
    assert crowded.applicant.display_name in body
    assert reviewers[2].email in body


def test_assigning_with_a_bad_count_or_in_a_closed_cycle_says_why(
    cycle: Cycle, staff: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(staff)

    bad = client.post(f"/programs/cycles/{cycle.pk}/assign/", {"per_application": "0"}, follow=True)
    assert "1 to 20" in bad.content.decode()

    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.COMPLETED)
    closed = client.post(
        f"/programs/cycles/{cycle.pk}/assign/", {"per_application": "2"}, follow=True
    )
    assert "open or in review" in closed.content.decode()
    assert client.get(f"/programs/cycles/{cycle.pk}/assign/").status_code == 405


# -- the committee ---------------------------------------------------------------------------


def scored_cycle(cycle: Cycle, make_reviewer: Callable[..., User]) -> list[Application]:
    """Three applications, two reviewers on different scales who agree on the order."""
    generous, strict = make_reviewer(), make_reviewer()
    applications = make_applications(cycle, 3)
    for application, (high, low) in zip(applications, [(5, 3), (4, 2), (3, 1)], strict=True):
        submit(review_for(application, generous), high, high)
        submit(review_for(application, strict), low, low)
    return applications


def test_the_committee_ranks_by_mean_z_beside_raw_means(
    cycle: Cycle,
    staff: User,
    make_reviewer: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    best, middle, last = scored_cycle(cycle, make_reviewer)
    unreviewed = make_application(cycle)

    response = client_for(staff).get(f"/programs/cycles/{cycle.pk}/committee/")

    assert response.status_code == 200
    body = response.content.decode()
    order = [body.index(f'id="application-{a.pk}"') for a in (best, middle, last, unreviewed)]
    assert order == sorted(order)
    assert "1.22" in body and "-1.22" in body  # z = ±sqrt(1.5)
    assert "80.0" in body  # the best's raw mean: (100 + 60) / 2
    assert "0 of 10 seats taken" in body
    assert "<svg" in body and "<circle" in body


def test_the_committee_page_runs_a_fixed_number_of_queries(
    cycle: Cycle,
    staff: User,
    make_reviewer: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(staff)
    scored_cycle(cycle, make_reviewer)
    client.get(f"/programs/cycles/{cycle.pk}/committee/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/programs/cycles/{cycle.pk}/committee/")
    scored_cycle(cycle, make_reviewer)
    make_applications(cycle, 5)
    with CaptureQueriesContext(connection) as many:
        client.get(f"/programs/cycles/{cycle.pk}/committee/")

    assert len(many) == len(few)


def test_staff_decide_in_the_row_with_htmx(
    application: Application, staff: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(staff).post(
        f"/programs/committee/applications/{application.pk}/decide/",
        {"outcome": "accepted"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="application-{application.pk}">')
    assert 'id="committee-seats" hx-swap-oob="true"' in body
    assert "1 of 10 seats taken" in body
    assert "Zanzibar Quetzalcoatl: Accepted." in body
    assert Application.objects.get(pk=application.pk).status == S.ACCEPTED


def test_a_refused_decision_comes_back_in_the_row_with_422(
    cycle: Cycle, staff: User, client_for: Callable[[User], Client]
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(seats=1)
    first, second = make_applications(cycle, 2)
    services.decide(application=first, actor=staff, outcome="accepted")

    response = client_for(staff).post(
        f"/programs/committee/applications/{second.pk}/decide/",
        {"outcome": "accepted"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 422
    assert "All 1 seats are taken; waitlist instead." in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_without_htmx_a_decision_redirects_to_the_committee(
    application: Application, staff: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(staff)

    done = client.post(
        f"/programs/committee/applications/{application.pk}/decide/", {"outcome": "waitlisted"}
    )
    assert done.status_code == 302
    assert done["Location"].endswith(f"/committee/#application-{application.pk}")

    refused = client.post(
        f"/programs/committee/applications/{application.pk}/decide/",
        {"outcome": "waitlisted"},
        follow=True,
    )
    assert "already waitlisted" in refused.content.decode()
    invalid = client.post(
        f"/programs/committee/applications/{application.pk}/decide/", {"outcome": "x"}, follow=True
    )
    assert "Choose accepted, waitlisted or rejected." in invalid.content.decode()


def test_a_free_seat_with_a_waitlist_is_pointed_out(
    cycle: Cycle, staff: User, client_for: Callable[[User], Client]
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(seats=1)
    seated, waiting = make_applications(cycle, 2)
    services.decide(application=seated, actor=staff, outcome="accepted")
    services.decide(application=waiting, actor=staff, outcome="waitlisted")
    client = client_for(staff)
    assert (
        "A seat is free"
        not in client.get(f"/programs/cycles/{cycle.pk}/committee/").content.decode()
    )

    released = client.post(
        f"/programs/committee/applications/{seated.pk}/release/",
        {"status": "declined"},
        HTTP_HX_REQUEST="true",
    )

    assert released.status_code == 200
    assert "A seat is free" in released.content.decode()
    assert Application.objects.get(pk=waiting.pk).status == S.WAITLISTED
    again = client.post(
        f"/programs/committee/applications/{seated.pk}/release/",
        {"status": "declined"},
        follow=True,
    )
    assert "holds no seat" in again.content.decode()
    invalid = client.post(
        f"/programs/committee/applications/{waiting.pk}/release/", {"status": "x"}, follow=True
    )
    assert "Choose declined or withdrawn." in invalid.content.decode()


def test_the_committee_is_not_found_for_anyone_but_staff(
    application: Application,
    reviewer: User,
    member: User,
    client_for: Callable[[User], Client],
) -> None:
    for user in (reviewer, member):
        client = client_for(user)
        assert client.get(f"/programs/cycles/{application.cycle_id}/committee/").status_code == 404
        assert (
            client.post(
                f"/programs/committee/applications/{application.pk}/decide/",
                {"outcome": "accepted"},
            )
        ).status_code == 404
        assert (
            client.post(f"/programs/committee/applications/{application.pk}/release/")
        ).status_code == 404
        assert (
            client.post(f"/programs/cycles/{application.cycle_id}/letters/send/")
        ).status_code == 404
    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED


def test_a_non_blind_program_shows_reviewers_the_name(
    make_user: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    open_program = Program.objects.create(
        name="Open review", stage=Program.Stage.COLLEGE, sponsor=OrganizationFactory()
    )
    their_reviewer = make_user(Role.REVIEWER, scope=open_program)
    now = timezone.now()
    open_cycle = Cycle.objects.create(
        program=open_program,
        year=now.year,
        title="Open review cycle",
        status=Cycle.Status.REVIEW,
        opens_at=now - dt.timedelta(days=2),
        closes_at=now - dt.timedelta(days=1),
        seats=2,
    )
    application = make_application(open_cycle)
    review = review_for(application, their_reviewer)

    body = client_for(their_reviewer).get(f"/programs/reviews/{review.pk}/").content.decode()

    assert application.applicant.display_name in body
    assert application.applicant.email in body

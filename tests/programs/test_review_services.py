"""Review services: the rubric, conflicts of interest, reviewer assignment and reviews."""

# The shared fixtures are imported from test_review_support and then named as test arguments,
# which pyflakes reads as redefinitions (F811) and loop names as shadowing (F402).
# ruff: noqa: F811, F402

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest

from equityhub.accounts.models import Role, RoleAssignment, User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.people.models import Person
from equityhub.programs import services_review as services
from equityhub.programs.models import (
    Application,
    ConflictOfInterest,
    Criterion,
    Cycle,
    Program,
    Review,
    Score,
)
from tests.factories import OrganizationFactory
from tests.programs.test_review_support import (  # noqa: F401 - fixtures
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


def actions(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


# -- the rubric ------------------------------------------------------------------------------


def test_staff_add_a_criterion_at_the_end_of_the_rubric(cycle: Cycle, staff: User) -> None:
    criterion = services.create_criterion(
        cycle=cycle, actor=staff, name="  Community  ", weight="1.5", max_score=4
    )

    assert criterion.name == "Community"
    assert criterion.weight == Decimal("1.5")
    assert criterion.position == 3
    assert actions("programs.criterion.created") == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"weight": 0}, "weight"),
        ({"weight": "-1"}, "weight"),
        ({"weight": "abc"}, "weight"),
        ({"max_score": 0}, "max_score"),
        ({"name": "   "}, "name"),
    ],
)
def test_a_criterion_needs_a_name_a_positive_weight_and_a_highest_score(
    cycle: Cycle, staff: User, fields: dict[str, object], field: str
) -> None:
    arguments = {"name": "Grit", "weight": 1, "max_score": 5, **fields}

    with pytest.raises(ServiceError) as caught:
        services.create_criterion(cycle=cycle, actor=staff, **arguments)  # type: ignore[arg-type]

    assert caught.value.field == field
    assert not Criterion.objects.filter(cycle=cycle, name="Grit").exists()


def test_a_criterion_name_is_used_once_per_rubric(cycle: Cycle, staff: User) -> None:
    with pytest.raises(Conflict) as caught:
        services.create_criterion(cycle=cycle, actor=staff, name="curiosity")

    assert caught.value.field == "name"


def test_only_staff_change_the_rubric(cycle: Cycle, reviewer: User, member: User) -> None:
    criterion = cycle.criteria.first()
    assert criterion is not None
    for actor in (reviewer, member):
        with pytest.raises(NotAllowed):
            services.create_criterion(cycle=cycle, actor=actor, name="Grit")
        with pytest.raises(NotAllowed):
            services.update_criterion(criterion=criterion, actor=actor, weight=3)
        with pytest.raises(NotAllowed):
            services.delete_criterion(criterion=criterion, actor=actor)


def test_staff_change_and_remove_a_criterion(cycle: Cycle, staff: User) -> None:
    criterion = Criterion.objects.get(cycle=cycle, name="Preparation")

    services.update_criterion(criterion=criterion, actor=staff, weight="3", description=" Ready ")

    criterion.refresh_from_db()
    assert (criterion.weight, criterion.description) == (Decimal("3.00"), "Ready")
    entry = AuditEntry.objects.get(action="programs.criterion.updated")
    assert entry.changes["weight"] == ["1.00", "3"]

    services.delete_criterion(criterion=criterion, actor=staff)

    assert not Criterion.objects.filter(pk=criterion.pk).exists()
    assert actions("programs.criterion.deleted") == 1


def test_an_unknown_criterion_field_is_refused(cycle: Cycle, staff: User) -> None:
    criterion = cycle.criteria.first()
    assert criterion is not None

    with pytest.raises(ServiceError, match="Unknown field"):
        services.update_criterion(criterion=criterion, actor=staff, cycle=None)


def test_the_rubric_locks_once_a_review_is_submitted(
    cycle: Cycle, staff: User, reviewer: User, application: Application
) -> None:
    criterion = cycle.criteria.first()
    assert criterion is not None
    review = review_for(application, reviewer)
    assert not services.rubric_locked(cycle)
    services.create_criterion(cycle=cycle, actor=staff, name="Before")  # unsubmitted: fine
    Criterion.objects.filter(cycle=cycle, name="Before").delete()
    submit(review, 4, 3)

    assert services.rubric_locked(cycle)
    with pytest.raises(Conflict, match="can no longer change"):
        services.create_criterion(cycle=cycle, actor=staff, name="Late")
    with pytest.raises(Conflict):
        services.update_criterion(criterion=criterion, actor=staff, weight=5)
    with pytest.raises(Conflict):
        services.delete_criterion(criterion=criterion, actor=staff)


# -- reviews ---------------------------------------------------------------------------------


def test_the_total_is_the_weighted_share_of_the_highest_scores() -> None:
    # Curiosity 4/5 weighted 2, preparation 3/5 weighted 1: 100 * (2*0.8 + 0.6) / 3.
    assert services.weighted_total([(2, 5, 4), (1, 5, 3)]) == Decimal("73.33")
    assert services.weighted_total([(Decimal("0.5"), 4, 4)]) == Decimal("100.00")
    assert services.weighted_total([(1, 3, 1), (1, 3, 1), (1, 3, 0)]) == Decimal("22.22")
    with pytest.raises(ValueError, match="criterion"):
        services.weighted_total([])


def test_a_reviewer_submits_scores_and_the_total_is_kept(
    reviewer: User, application: Application
) -> None:
    review = review_for(application, reviewer)

    submit(review, 4, 3, comments=" Strong essay. ")

    review.refresh_from_db()
    assert review.total == Decimal("73.33")
    assert review.comments == "Strong essay."
    assert review.submitted_at is not None
    assert sorted(Score.objects.filter(review=review).values_list("value", flat=True)) == [3, 4]
    entry = AuditEntry.objects.get(action="programs.review.submitted")
    assert entry.data["total"] == "73.33"


def test_a_reviewer_may_submit_again_until_the_cycle_is_decided(
    reviewer: User, application: Application, cycle: Cycle
) -> None:
    review = review_for(application, reviewer)
    submit(review, 1, 1)

    submit(review, 5, 5)

    review.refresh_from_db()
    assert review.total == Decimal("100.00")
    assert Score.objects.filter(review=review).count() == 2
    assert actions("programs.review.resubmitted") == 1

    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.DECIDED)
    with pytest.raises(Conflict, match="reviews are closed"):
        submit(review, 2, 2)
    review.refresh_from_db()
    assert review.total == Decimal("100.00")


def test_only_the_assigned_reviewer_scores_a_review(
    reviewer: User, application: Application, make_reviewer: Callable[..., User], staff: User
) -> None:
    review = review_for(application, reviewer)
    criteria = {c.pk: 3 for c in application.cycle.criteria.all()}
    for actor in (make_reviewer(), staff):
        with pytest.raises(NotAllowed):
            services.submit_review(review=review, actor=actor, scores=criteria)


def test_a_reviewer_who_lost_the_role_can_no_longer_score(
    reviewer: User, application: Application
) -> None:
    review = review_for(application, reviewer)
    RoleAssignment.objects.filter(user=reviewer, role=Role.REVIEWER).delete()
    fresh = User.objects.get(pk=reviewer.pk)
    criteria = {c.pk: 3 for c in application.cycle.criteria.all()}

    with pytest.raises(NotAllowed, match="no longer review"):
        services.submit_review(review=review, actor=fresh, scores=criteria)


@pytest.mark.parametrize(
    ("scores", "field", "message"),
    [
        ({"Curiosity": 4}, "score_{Preparation}", "Score Preparation"),
        ({"Curiosity": 6, "Preparation": 1}, "score_{Curiosity}", "from 0 to 5"),
        ({"Curiosity": -1, "Preparation": 1}, "score_{Curiosity}", "from 0 to 5"),
        ({"Curiosity": "4", "Preparation": 1}, "score_{Curiosity}", "whole number"),
        ({"Curiosity": True, "Preparation": 1}, "score_{Curiosity}", "whole number"),
        ({"Curiosity": 4, "Preparation": 1, "Other": 2}, "scores", "not a criterion"),
    ],
)
def test_every_criterion_needs_a_whole_score_within_its_range(
    reviewer: User,
    application: Application,
    scores: dict[str, object],
    field: str,
    message: str,
) -> None:
    review = review_for(application, reviewer)
    ids = {c.name: c.pk for c in application.cycle.criteria.all()}
    ids["Other"] = 999_999
    by_id = {ids[name]: value for name, value in scores.items()}

    with pytest.raises(ServiceError, match=message) as caught:
        services.submit_review(review=review, actor=reviewer, scores=by_id)  # type: ignore[arg-type]

    assert caught.value.field == field.format(**ids)
    assert Review.objects.get(pk=review.pk).submitted_at is None


def test_a_withdrawn_application_or_a_missing_rubric_take_no_review(
    reviewer: User, application: Application, cycle: Cycle
) -> None:
    review = review_for(application, reviewer)
    Criterion.objects.filter(cycle=cycle).delete()

    with pytest.raises(Conflict, match="no rubric"):
        services.submit_review(review=review, actor=reviewer, scores={})

    Application.objects.filter(pk=application.pk).update(status=S.WITHDRAWN)
    with pytest.raises(Conflict, match="withdrawn"):
        services.submit_review(review=review, actor=reviewer, scores={})


# -- conflicts of interest -------------------------------------------------------------------


def test_a_reviewer_declares_a_conflict_and_loses_the_unsubmitted_review(
    reviewer: User, application: Application
) -> None:
    review = review_for(application, reviewer)

    conflict = services.declare_conflict(
        reviewer=reviewer, application=application, actor=reviewer, reason=" my neighbour "
    )

    assert conflict.reason == "my neighbour"
    assert conflict.cycle_id == application.cycle_id
    assert not Review.objects.filter(pk=review.pk).exists()
    entry = AuditEntry.objects.get(action="programs.conflict.declared")
    assert entry.data["removed_review"]["submitted"] is False


def test_declaring_a_conflict_again_keeps_the_first(
    reviewer: User, application: Application
) -> None:
    services.declare_conflict(
        reviewer=reviewer, application=application, actor=reviewer, reason="a"
    )
    services.declare_conflict(
        reviewer=reviewer, application=application, actor=reviewer, reason="b"
    )

    assert ConflictOfInterest.objects.get().reason == "a"


def test_a_submitted_review_stays_unless_staff_set_it_aside(
    reviewer: User, application: Application, staff: User
) -> None:
    review = review_for(application, reviewer)
    submit(review, 3, 3)

    with pytest.raises(Conflict, match="already submitted"):
        services.declare_conflict(reviewer=reviewer, application=application, actor=reviewer)
    assert Review.objects.filter(pk=review.pk).exists()
    assert not ConflictOfInterest.objects.exists()

    services.declare_conflict(
        reviewer=reviewer, application=application, actor=staff, reason="found out later"
    )

    assert not Review.objects.filter(pk=review.pk).exists()
    entry = AuditEntry.objects.get(action="programs.conflict.declared")
    assert entry.data["removed_review"] == {
        "review": review.pk,
        "submitted": True,
        "total": "60.00",
    }


def test_nobody_declares_a_conflict_for_another_reviewer_but_staff(
    reviewer: User, application: Application, make_reviewer: Callable[..., User], member: User
) -> None:
    for actor in (make_reviewer(), member):
        with pytest.raises(NotAllowed):
            services.declare_conflict(reviewer=reviewer, application=application, actor=actor)


def test_a_conflict_is_declared_only_for_a_reviewer_of_the_program(
    member: User, application: Application, staff: User
) -> None:
    with pytest.raises(ServiceError) as caught:
        services.declare_conflict(reviewer=member, application=application, actor=staff)

    assert caught.value.field == "reviewer"


# -- assignment ------------------------------------------------------------------------------


def test_assignment_gives_each_application_distinct_reviewers_with_even_loads(
    cycle: Cycle,
    staff: User,
    make_reviewer: Callable[..., User],
    mailoutbox: list[object],
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    reviewers = [make_reviewer() for _ in range(4)]
    applications = make_applications(cycle, 10)
    make_application(cycle, status=S.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        summary = services.assign_reviewers(cycle=cycle, actor=staff)

    assert summary.created == 30
    assert summary.applications == 10
    assert (summary.min_load, summary.max_load) == (7, 8)
    assert summary.balanced and summary.short == []
    for application in applications:
        assert application.reviews.count() == 3
    loads = Counter(Review.objects.values_list("reviewer_id", flat=True))
    assert set(loads) == {r.pk for r in reviewers}
    assert len(mailoutbox) == 4
    assert actions("programs.reviewers.assigned") == 1


def test_declared_conflicts_and_the_applicants_own_account_are_never_assigned(
    cycle: Cycle, staff: User, make_reviewer: Callable[..., User]
) -> None:
    reviewers = [make_reviewer() for _ in range(3)]
    applications = make_applications(cycle, 6)
    for application in applications[:4]:
        ConflictOfInterest.objects.create(
            cycle=cycle, reviewer=reviewers[0], application=application
        )
    # A reviewer who also applied never reviews their own application.
    own = make_application(cycle, Person.objects.get(user=reviewers[1]))

    summary = services.assign_reviewers(cycle=cycle, actor=staff, per_application=2)

    assert summary.created == 14
    assert not Review.objects.filter(
        reviewer=reviewers[0], application__in=applications[:4]
    ).exists()
    assert not Review.objects.filter(reviewer=reviewers[1], application=own).exists()


def test_assignment_is_idempotent_and_tops_up_applications(
    cycle: Cycle, staff: User, make_reviewer: Callable[..., User]
) -> None:
    reviewers = [make_reviewer() for _ in range(3)]
    first = make_applications(cycle, 3)
    services.assign_reviewers(cycle=cycle, actor=staff, per_application=2)
    before = set(Review.objects.values_list("application_id", "reviewer_id"))

    again = services.assign_reviewers(cycle=cycle, actor=staff, per_application=2)
    assert again.created == 0

    # One review removed by a conflict, and a new application: both topped up, loads even.
    Review.objects.filter(application=first[0], reviewer=reviewers[0]).delete()
    ConflictOfInterest.objects.create(cycle=cycle, reviewer=reviewers[0], application=first[0])
    make_application(cycle)
    topped = services.assign_reviewers(cycle=cycle, actor=staff, per_application=2)

    after = set(Review.objects.values_list("application_id", "reviewer_id"))
    assert before - after <= {(first[0].pk, reviewers[0].pk)}
    assert Review.objects.count() == 8
    assert topped.max_load - topped.min_load <= 1
    assert not Review.objects.filter(application=first[0], reviewer=reviewers[0]).exists()


def test_applications_with_too_few_free_reviewers_are_listed(
    cycle: Cycle, staff: User, make_reviewer: Callable[..., User]
) -> None:
    reviewers = [make_reviewer() for _ in range(3)]
    crowded = make_application(cycle)
    make_applications(cycle, 2)
    for reviewer in reviewers[:2]:
        ConflictOfInterest.objects.create(cycle=cycle, reviewer=reviewer, application=crowded)

    summary = services.assign_reviewers(cycle=cycle, actor=staff, per_application=2)

    [short] = summary.short
    assert (short.application_id, short.reviews, short.needed) == (crowded.pk, 1, 2)
    assert crowded.reviews.count() == 1
    assert summary.created == 5


def test_reviewers_of_other_programs_and_past_roles_are_not_assigned(
    cycle: Cycle, staff: User, make_reviewer: Callable[..., User]
) -> None:
    other = Program.objects.create(
        name="Other", stage=Program.Stage.COLLEGE, sponsor=OrganizationFactory()
    )
    outside = make_reviewer(scope=other)
    inside = make_reviewer()
    make_applications(cycle, 2)

    services.assign_reviewers(cycle=cycle, actor=staff, per_application=1)

    assert set(Review.objects.values_list("reviewer_id", flat=True)) == {inside.pk}
    assert not Review.objects.filter(reviewer=outside).exists()


def test_assignment_needs_staff_an_open_cycle_reviewers_and_a_sane_count(
    cycle: Cycle, staff: User, reviewer: User, make_reviewer: Callable[..., User]
) -> None:
    with pytest.raises(NotAllowed):
        services.assign_reviewers(cycle=cycle, actor=reviewer)
    with pytest.raises(ServiceError) as caught:
        services.assign_reviewers(cycle=cycle, actor=staff, per_application=0)
    assert caught.value.field == "per_application"

    RoleAssignment.objects.filter(role=Role.REVIEWER).delete()
    make_application(cycle)
    with pytest.raises(Conflict, match="Nobody reviews"):
        services.assign_reviewers(cycle=cycle, actor=staff)

    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.DECIDED)
    with pytest.raises(Conflict, match="open or in review"):
        services.assign_reviewers(cycle=cycle, actor=staff)


def test_an_empty_cycle_assigns_nothing(cycle: Cycle, staff: User) -> None:
    RoleAssignment.objects.filter(role=Role.REVIEWER).delete()

    summary = services.assign_reviewers(cycle=cycle, actor=staff)

    assert (summary.created, summary.reviewers, summary.min_load, summary.max_load) == (0, 0, 0, 0)

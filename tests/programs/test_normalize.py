"""Z-score normalization of review totals (`equityhub.programs.normalize`): hand-computed
examples and invariants."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equityhub.programs.normalize import CONSTANT, SINGLE, normalize

# Reviewer "a" scores 60 and 80 (mean 70, population sd 10); reviewer "b" scores 50, 50 and
# 80 (mean 60, population variance (100 + 100 + 400) / 3 = 200, sd 14.1421...).
REVIEWS = [
    ("a", 1, 60),
    ("a", 2, 80),
    ("b", 1, 50),
    ("b", 2, 50),
    ("b", 3, 80),
]


def test_z_scores_use_each_reviewers_mean_and_population_sd() -> None:
    result = normalize(REVIEWS)

    assert result.z[("a", 1)] == pytest.approx(-1.0)
    assert result.z[("a", 2)] == pytest.approx(1.0)
    assert result.z[("b", 1)] == pytest.approx(-10 / math.sqrt(200))
    assert result.z[("b", 3)] == pytest.approx(20 / math.sqrt(200))
    assert result.reviewers["a"].mean == 70
    assert result.reviewers["a"].sd == pytest.approx(10)
    assert result.reviewers["b"].sd == pytest.approx(math.sqrt(200))
    assert not result.reviewers["b"].flagged


def test_an_application_has_its_raw_mean_mean_z_count_and_spread() -> None:
    result = normalize(REVIEWS)
    first = result.applications[1]
    third = result.applications[3]

    assert first.reviews == 2
    assert first.raw_mean == 55
    assert first.mean_z == pytest.approx((-1 - 10 / math.sqrt(200)) / 2)
    assert first.spread == 10
    assert first.flagged_reviews == 0
    assert third.reviews == 1
    assert third.raw_mean == 80
    assert third.spread == 0


def test_a_generous_and_a_strict_reviewer_rank_alike_after_normalizing() -> None:
    # Both reviewers order the three applications the same way on different scales.
    reviews = [
        ("generous", "x", 90),
        ("generous", "y", 95),
        ("generous", "z", 100),
        ("strict", "x", 40),
        ("strict", "y", 50),
        ("strict", "z", 60),
    ]

    result = normalize(reviews)

    for application in "xyz":
        assert result.z[("generous", application)] == pytest.approx(
            result.z[("strict", application)]
        )
    assert result.applications["x"].mean_z == pytest.approx(-math.sqrt(1.5))


def test_a_reviewer_with_one_review_gets_z_zero_and_a_flag() -> None:
    result = normalize([("a", 1, 70), ("b", 1, 50), ("b", 2, 90)])

    assert result.z[("a", 1)] == 0.0
    assert result.reviewers["a"].flag == SINGLE
    assert result.applications[1].flagged_reviews == 1
    assert result.applications[1].mean_z == pytest.approx(-0.5)


def test_a_reviewer_with_identical_totals_gets_z_zero_and_a_flag() -> None:
    result = normalize([("a", 1, 70), ("a", 2, 70), ("a", 3, 70)])

    assert [result.z[("a", i)] for i in (1, 2, 3)] == [0.0, 0.0, 0.0]
    assert result.reviewers["a"].flag == CONSTANT
    assert result.reviewers["a"].sd == 0


def test_decimal_totals_are_taken_exactly() -> None:
    result = normalize([("a", 1, Decimal("33.33")), ("a", 2, Decimal("66.67"))])

    assert result.reviewers["a"].mean == 50
    assert result.z[("a", 1)] == pytest.approx(-1.0)


def test_no_reviews_give_an_empty_result() -> None:
    result = normalize([])

    assert (result.z, result.reviewers, result.applications) == ({}, {}, {})


def test_a_pair_reviewed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        normalize([("a", 1, 50), ("a", 1, 60)])


def test_a_total_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        normalize([("a", 1, float("nan"))])


# -- invariants ------------------------------------------------------------------------------

totals = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
one_reviewer = st.lists(totals, min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(one_reviewer)
def test_a_reviewers_z_scores_sum_to_zero(scores: list[Decimal]) -> None:
    result = normalize([("r", i, s) for i, s in enumerate(scores)])

    z = [result.z[("r", i)] for i in range(len(scores))]
    assert math.fsum(z) == pytest.approx(0.0, abs=1e-9 * len(z))
    if not result.reviewers["r"].flagged:
        assert math.fsum(v * v for v in z) / len(z) == pytest.approx(1.0)


@settings(max_examples=200, deadline=None)
@given(one_reviewer, st.decimals(min_value=-50, max_value=50, places=2))
def test_adding_a_constant_to_a_reviewers_totals_leaves_their_z_scores(
    scores: list[Decimal], shift: Decimal
) -> None:
    before = normalize([("r", i, s) for i, s in enumerate(scores)])
    after = normalize([("r", i, s + shift) for i, s in enumerate(scores)])

    assert after.z == before.z
    assert after.reviewers["r"].flag == before.reviewers["r"].flag


@settings(max_examples=100, deadline=None)
@given(one_reviewer, st.integers(2, 10))
def test_stretching_a_reviewers_scale_leaves_their_z_scores(
    scores: list[Decimal], factor: int
) -> None:
    before = normalize([("r", i, s) for i, s in enumerate(scores)])
    after = normalize([("r", i, s * factor) for i, s in enumerate(scores)])

    for key, value in before.z.items():
        assert after.z[key] == pytest.approx(value)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(1, 4), st.integers(1, 6)), totals, min_size=1, max_size=24
    )
)
def test_application_standings_agree_with_the_reviews(
    reviews: dict[tuple[int, int], Decimal],
) -> None:
    result = normalize([(r, a, t) for (r, a), t in reviews.items()])

    for application, standing in result.applications.items():
        mine = {r: t for (r, a), t in reviews.items() if a == application}
        assert standing.reviews == len(mine)
        assert standing.raw_mean == pytest.approx(float(sum(mine.values())) / len(mine))
        assert standing.spread == pytest.approx(float(max(mine.values()) - min(mine.values())))
        assert standing.mean_z == pytest.approx(
            sum(result.z[(r, application)] for r in mine) / len(mine)
        )

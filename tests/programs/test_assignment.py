"""The reviewer assignment engine (`equityhub.lib.assignment`): plain data, no database.

Hand-made cases for each branch, then properties checked against brute force on small
instances: every application gets its reviewers (distinct, none conflicted); the loads are
within one of each other exactly when some assignment allows it; otherwise the largest load
is the smallest possible.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equityhub.lib.assignment import (
    AssignmentInfeasible,
    UnbalancedAssignment,
    assign,
    plan_assignment,
)


def loads_of(
    result: list[list[int]], reviewers: int, existing: list[int] | None = None
) -> list[int]:
    loads = list(existing or [0] * reviewers)
    for chosen in result:
        for j in chosen:
            loads[j] += 1
    return loads


def check_valid(result: list[list[int]], need: list[int], conflicts: set[tuple[int, int]]) -> None:
    assert len(result) == len(need)
    for i, chosen in enumerate(result):
        assert len(chosen) == need[i]
        assert len(set(chosen)) == len(chosen)
        assert all((i, j) not in conflicts for j in chosen)


# -- hand-made cases -------------------------------------------------------------------------


def test_every_application_gets_k_distinct_reviewers_with_equal_loads() -> None:
    result = assign(6, 3, 2, set())

    check_valid(result, [2] * 6, set())
    assert loads_of(result, 3) == [4, 4, 4]


def test_loads_differ_by_at_most_one_when_the_total_does_not_divide() -> None:
    result = assign(7, 3, 2, set())

    assert sorted(loads_of(result, 3)) == [4, 5, 5]


def test_a_conflicted_reviewer_is_never_assigned() -> None:
    conflicts = {(0, 0), (1, 0), (2, 1), (3, 2)}

    result = assign(4, 3, 2, conflicts)

    check_valid(result, [2] * 4, conflicts)
    assert result[0] == [1, 2]
    assert result[1] == [1, 2]


def test_an_application_with_too_few_free_reviewers_is_named() -> None:
    conflicts = {(2, 0), (2, 1)}

    with pytest.raises(AssignmentInfeasible) as caught:
        assign(4, 3, 2, conflicts)

    assert caught.value.applications == (2,)
    assert "application 2 has 1 reviewer free of conflicts and needs 2" in str(caught.value)


def test_asking_for_more_reviews_than_reviewers_names_every_application() -> None:
    with pytest.raises(AssignmentInfeasible) as caught:
        assign(8, 2, 3, set())

    assert caught.value.applications == tuple(range(8))
    assert "(and 3 more)" in caught.value.message


def test_when_conflicts_forbid_balance_the_largest_load_is_as_small_as_possible() -> None:
    # Applications 0-4 can go only to reviewers 0 and 1; application 5 to anyone. Balance
    # (2, 2, 2) is impossible; the best is a largest load of 3, and then the smallest is 1.
    conflicts = {(i, 2) for i in range(5)}

    plan = plan_assignment(6, 3, 1, conflicts)

    check_valid(plan.reviewers, [1] * 6, conflicts)
    assert sorted(plan.loads) == [1, 2, 3]
    assert not plan.balanced
    assert "largest load is as small as possible (3)" in plan.note
    assert plan.spread == 2


def test_assign_warns_when_it_falls_back_to_an_unbalanced_assignment() -> None:
    conflicts = {(i, j) for i in range(10) for j in range(1, 5)}

    with pytest.warns(UnbalancedAssignment, match="at 2: the conflicts"):
        result = assign(10, 5, 1, conflicts)

    assert loads_of(result, 5) == [10, 0, 0, 0, 0]


def test_existing_loads_count_towards_the_balance() -> None:
    plan = plan_assignment(4, 3, 1, set(), existing_loads=[2, 0, 0])

    assert plan.loads == [2, 2, 2]
    assert all(chosen != [0] for chosen in plan.reviewers)
    assert plan.balanced


def test_existing_loads_beyond_the_balance_are_reported() -> None:
    plan = plan_assignment(4, 3, 1, set(), existing_loads=[5, 0, 0])

    assert plan.loads == [5, 2, 2]
    assert not plan.balanced
    assert "the existing loads" in plan.note


def test_per_application_can_differ_between_applications() -> None:
    result = assign(3, 4, [0, 1, 3], set())

    check_valid(result, [0, 1, 3], set())
    assert sorted(loads_of(result, 4)) == [1, 1, 1, 1]


def test_nothing_to_assign_gives_empty_lists() -> None:
    assert assign(0, 5, 3, set()) == []
    assert assign(3, 0, 0, set()) == [[], [], []]


def test_the_same_seed_gives_the_same_assignment_and_seeds_spread_pairings() -> None:
    first = assign(30, 10, 3, set(), seed=7)

    assert assign(30, 10, 3, set(), seed=7) == first
    others = {tuple(map(tuple, assign(30, 10, 3, set(), seed=s))) for s in range(5)}
    assert len(others) > 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, 2, 1, set()), "negative"),
        ((2, 2, -1, set()), "negative"),
        ((2, 2, [1], set()), "one number per application"),
        ((2, 2, 1, {(5, 0)}), "out of range"),
    ],
)
def test_malformed_input_is_refused(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        assign(*args)  # type: ignore[arg-type]


def test_existing_loads_must_match_the_reviewers() -> None:
    with pytest.raises(ValueError, match="existing_loads"):
        assign(2, 2, 1, set(), existing_loads=[1])


# -- properties against brute force ----------------------------------------------------------


def every_assignment(
    applications: int, reviewers: int, k: int, conflicts: set[tuple[int, int]]
) -> Iterator[list[tuple[int, ...]]]:
    choices = [
        [
            combo
            for combo in itertools.combinations(range(reviewers), k)
            if all((i, j) not in conflicts for j in combo)
        ]
        for i in range(applications)
    ]
    for picked in itertools.product(*choices):
        yield list(picked)


def best_largest_load(
    applications: int,
    reviewers: int,
    k: int,
    conflicts: set[tuple[int, int]],
    existing: list[int],
) -> tuple[int, bool]:
    """The smallest possible largest load, and whether a balanced assignment exists."""
    best, balanced = 10**9, False
    for picked in every_assignment(applications, reviewers, k, conflicts):
        loads = loads_of([list(c) for c in picked], reviewers, existing)
        best = min(best, max(loads))
        balanced = balanced or max(loads) - min(loads) <= 1
    return best, balanced


@st.composite
def small_instances(draw: st.DrawFn) -> tuple[int, int, int, set[tuple[int, int]], list[int]]:
    reviewers = draw(st.integers(1, 4))
    applications = draw(st.integers(0, 5))
    k = draw(st.integers(0, min(reviewers, 2)))
    pairs = [(i, j) for i in range(applications) for j in range(reviewers)]
    conflicts = set(draw(st.lists(st.sampled_from(pairs), max_size=len(pairs)))) if pairs else set()
    existing = draw(st.lists(st.integers(0, 3), min_size=reviewers, max_size=reviewers))
    return applications, reviewers, k, conflicts, existing


@settings(max_examples=300, deadline=None)
@given(small_instances())
def test_the_plan_is_valid_and_as_balanced_as_brute_force_allows(
    instance: tuple[int, int, int, set[tuple[int, int]], list[int]],
) -> None:
    applications, reviewers, k, conflicts, existing = instance
    feasible = all(
        sum((i, j) not in conflicts for j in range(reviewers)) >= k for i in range(applications)
    )
    if not feasible:
        with pytest.raises(AssignmentInfeasible):
            plan_assignment(applications, reviewers, k, conflicts, existing_loads=existing)
        return

    plan = plan_assignment(applications, reviewers, k, conflicts, existing_loads=existing)

    check_valid(plan.reviewers, [k] * applications, conflicts)
    assert plan.loads == loads_of(plan.reviewers, reviewers, existing)
    best, balanced = best_largest_load(applications, reviewers, k, conflicts, existing)
    assert plan.balanced == balanced
    assert max(plan.loads) == best


@settings(max_examples=100, deadline=None)
@given(
    applications=st.integers(0, 60),
    reviewers=st.integers(1, 12),
    k=st.integers(0, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_without_conflicts_loads_never_differ_by_more_than_one(
    applications: int, reviewers: int, k: int, seed: int
) -> None:
    k = min(k, reviewers)

    with warnings.catch_warnings():
        warnings.simplefilter("error", UnbalancedAssignment)
        result = assign(applications, reviewers, k, set(), seed=seed)

    check_valid(result, [k] * applications, set())
    loads = loads_of(result, reviewers)
    assert max(loads) - min(loads) <= 1


@settings(max_examples=60, deadline=None)
@given(
    applications=st.integers(1, 80),
    reviewers=st.integers(3, 10),
    density=st.floats(0, 0.4),
    seed=st.integers(0, 1000),
)
def test_random_conflicts_are_respected_and_balance_holds_when_declared(
    applications: int, reviewers: int, density: float, seed: int
) -> None:
    import random  # noqa: PLC0415 - only this property draws its own pairs

    rng = random.Random(seed)
    conflicts = {
        (i, j) for i in range(applications) for j in range(reviewers) if rng.random() < density
    }
    k = 2
    try:
        plan = plan_assignment(applications, reviewers, k, conflicts, seed=seed)
    except AssignmentInfeasible as error:
        for i in error.applications:
            assert sum((i, j) not in conflicts for j in range(reviewers)) < k
        return
    check_valid(plan.reviewers, [k] * applications, conflicts)
    assert plan.balanced == (plan.spread <= 1)

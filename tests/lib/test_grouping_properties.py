"""Properties of the grouping engine on random small classes (hypothesis).

Whatever the attributes, weights and hard constraints: group sizes differ by at most one, the
hard constraints hold, SS is never below SS_ideal, the same seed gives the same labels, and
the engine raises Infeasible only when a brute-force search confirms there is no grouping.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from equityhub.lib.grouping import (
    Constraints,
    Encoding,
    Infeasible,
    Requirement,
    assign,
    balance,
    encode,
    ss,
    ss_after_move,
    ss_after_swap,
    ss_ideal,
)
from tests.lib.test_grouping import equal_size_partitions

BRUTE_FORCE_MAX_N = 10


@dataclass(frozen=True)
class Instance:
    encoding: Encoding
    groups: int
    constraints: Constraints


@st.composite
def instances(draw: st.DrawFn, *, with_constraints: bool = True) -> Instance:
    n = draw(st.integers(1, 14))
    groups = draw(st.integers(1, min(n, 5)))
    attribute_count = draw(st.integers(1, 3))
    records: list[dict[str, str | list[str] | None]] = [{} for _row in range(n)]
    attributes: list[str] = []
    for k in range(attribute_count):
        name = f"a{k}"
        attributes.append(name)
        values = [f"v{v}" for v in range(draw(st.integers(1, 4)))]
        for record in records:
            record[name] = draw(st.sampled_from([*values, None]))
    if draw(st.booleans()):
        attributes.append("languages")
        for record in records:
            record["languages"] = draw(st.lists(st.sampled_from(["es", "vi", "ar"]), max_size=3))
    weights = {
        name: draw(st.sampled_from([0.5, 1.0, 2.0, 3.0]))
        for name in attributes
        if draw(st.booleans())
    }
    encoding = encode(records, attributes, weights)
    constraints = Constraints()
    if with_constraints:
        pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
        requirements = []
        if encoding.columns and draw(st.booleans()):
            column = draw(st.sampled_from(encoding.columns))
            requirements.append(Requirement(column, draw(st.integers(1, 2))))
        constraints = Constraints(
            apart=draw(st.lists(pair, max_size=3)),
            together=draw(st.lists(pair, max_size=3)),
            requirements=requirements,
        )
    return Instance(encoding, groups, constraints)


def satisfies(instance: Instance, labels: np.ndarray) -> np.ndarray:
    """Which rows of ``labels`` (one grouping per row) meet every hard constraint."""
    labels = np.atleast_2d(labels)
    ok = np.ones(labels.shape[0], dtype=bool)
    for a, b in instance.constraints.apart:
        ok &= labels[:, a] != labels[:, b]
    for a, b in instance.constraints.together:
        ok &= labels[:, a] == labels[:, b]
    for requirement in instance.constraints.requirements:
        column = instance.encoding.columns.index(requirement.column)
        holders = instance.encoding.matrix[:, column] != 0
        for g in range(instance.groups):
            ok &= ((labels == g) & holders).sum(axis=1) >= requirement.minimum
    return ok


def run(instance: Instance, seed: int) -> np.ndarray | None:
    try:
        result = assign(
            instance.encoding, instance.groups, constraints=instance.constraints, seed=seed
        )
    except Infeasible:
        return None
    return result.labels


@settings(max_examples=300, deadline=None)
@given(instance=instances(), seed=st.integers(0, 2**32 - 1))
def test_sizes_differ_by_at_most_one_and_hard_constraints_always_hold(
    instance: Instance, seed: int
) -> None:
    labels = run(instance, seed)
    n = instance.encoding.matrix.shape[0]
    if labels is None:
        if n <= BRUTE_FORCE_MAX_N:
            every = np.array(list(equal_size_partitions(n, instance.groups)))
            assert not satisfies(instance, every).any(), "Infeasible, but a grouping exists"
        return
    sizes = np.bincount(labels, minlength=instance.groups)
    assert len(sizes) == instance.groups
    assert sizes.max() - sizes.min() <= 1
    assert sizes.sum() == n
    assert satisfies(instance, labels).all()


@settings(max_examples=100, deadline=None)
@given(instance=instances(), seed=st.integers(0, 2**32 - 1))
def test_the_same_seed_gives_the_same_labels(instance: Instance, seed: int) -> None:
    first = run(instance, seed)
    second = run(instance, seed)
    if first is None:
        assert second is None
    else:
        assert second is not None
        assert first.tolist() == second.tolist()


@settings(max_examples=100, deadline=None)
@given(instance=instances(), seed=st.integers(0, 2**32 - 1))
def test_ss_is_never_below_ss_ideal_and_is_reported_right(instance: Instance, seed: int) -> None:
    try:
        result = assign(
            instance.encoding, instance.groups, constraints=instance.constraints, seed=seed
        )
    except Infeasible:
        return
    assert result.ss >= result.ss_ideal - 1e-9
    assert result.ss == ss(instance.encoding, result.labels, instance.groups)
    assert result.ss_ideal == ss_ideal(instance.encoding, instance.groups)
    assert result.excess >= -1e-9


@settings(max_examples=100, deadline=None)
@given(
    matrix=st.integers(1, 12).flatmap(
        lambda n: st.lists(
            st.lists(st.floats(-5, 5, allow_nan=False), min_size=3, max_size=3),
            min_size=n,
            max_size=n,
        )
    ),
    data=st.data(),
)
def test_no_grouping_of_any_matrix_beats_ss_ideal(
    matrix: list[list[float]], data: st.DataObject
) -> None:
    array = np.array(matrix)
    n = array.shape[0]
    groups = data.draw(st.integers(1, n))
    labels = np.array(data.draw(st.lists(st.integers(0, groups - 1), min_size=n, max_size=n)))
    assert ss(array, labels, groups) >= ss_ideal(array, groups) - 1e-9
    assert assign(array, groups).ss >= ss_ideal(array, groups) - 1e-9


@settings(max_examples=100, deadline=None)
@given(instance=instances(with_constraints=False), data=st.data())
def test_what_if_swaps_and_moves_match_a_full_recount(
    instance: Instance, data: st.DataObject
) -> None:
    matrix = instance.encoding.matrix
    n, groups = matrix.shape[0], instance.groups
    labels = np.array(data.draw(st.lists(st.integers(0, groups - 1), min_size=n, max_size=n)))
    labels[:groups] = np.arange(groups)  # every group in use
    i, j = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
    swapped = labels.copy()
    swapped[i], swapped[j] = labels[j], labels[i]
    assert abs(ss_after_swap(matrix, labels, i, j) - ss(matrix, swapped, groups)) < 1e-9
    target = data.draw(st.integers(0, groups - 1))
    moved = labels.copy()
    moved[i] = target
    assert abs(ss_after_move(matrix, labels, i, target) - ss(matrix, moved, groups)) < 1e-9
    table = balance(instance.encoding, labels, groups)
    assert table.sum(axis=0).tolist() == (matrix != 0).sum(axis=0).tolist()

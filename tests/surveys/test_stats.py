"""surveys.stats.paired_change: pairing, the arithmetic, suppression and its query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from scipy import stats as scipy_stats

from equityhub.core.exceptions import ServiceError
from equityhub.people.models import Person
from equityhub.surveys.models import Item, Questionnaire
from equityhub.surveys.stats import paired_change, summarize, t_quantile_975
from tests.factories import OrganizationFactory
from tests.surveys.conftest import answer, likert, people

pytestmark = pytest.mark.django_db

# The hand-computed example: 11 people, differences 1,1,1,1,1,1,0,0,0,2,-1.
PRE = [2, 3, 3, 2, 4, 1, 3, 5, 4, 2, 5]
POST = [3, 4, 4, 3, 5, 2, 3, 5, 4, 4, 4]
# mean pre 34/11 = 3.091; mean post 41/11 = 3.727; mean difference 7/11 = 0.636.
# Sum of squared deviations = 11 - 11 * (7/11)^2 = 6.5455; s^2 = 0.65455; s = 0.80904;
# se = s / sqrt(11) = 0.24394; t(0.975; 10) = 2.228139; half-width = 0.54352.
# Interval: 0.63636 - 0.54352 = 0.09284 and 0.63636 + 0.54352 = 1.17989.


@pytest.fixture
def pre(make_questionnaire: Any) -> Questionnaire:
    return make_questionnaire(
        "Pre",
        [
            likert("attitude_1"),
            likert("only_pre"),
            {"kind": Item.Kind.TEXT, "key": "reflection", "prompt": "Why?", "required": False},
            likert("knowledge_1", required=False),
        ],
    )


@pytest.fixture
def post(make_questionnaire: Any) -> Questionnaire:
    return make_questionnaire(
        "Post",
        [
            likert("knowledge_1", required=False),
            likert("attitude_1"),
            {"kind": Item.Kind.TEXT, "key": "reflection", "prompt": "Why?", "required": False},
            likert("only_post"),
        ],
    )


def fill(
    invite_tokens: Any,
    questionnaire: Questionnaire,
    respondents: list[Person],
    values: list[dict[str, Any]],
    **invite: Any,
) -> None:
    tokens = invite_tokens(questionnaire, respondents, **invite)
    for person, by_key in zip(respondents, values, strict=True):
        answer(tokens[person.pk], questionnaire, by_key)


def pre_answers(value: int, **extra: Any) -> dict[str, Any]:
    return {"attitude_1": value, "only_pre": 3, **extra}


def post_answers(value: int, **extra: Any) -> dict[str, Any]:
    return {"attitude_1": value, "only_post": 3, **extra}


def by_key(changes: list[Any]) -> dict[str, Any]:
    return {change.key: change for change in changes}


# -- the t quantile --------------------------------------------------------------------------


@pytest.mark.parametrize("df", [*range(1, 61), 75, 100, 250, 1000, 10_000])
def test_the_t_quantile_matches_scipy_to_six_decimals(df: int) -> None:
    assert t_quantile_975(df) == pytest.approx(scipy_stats.t.ppf(0.975, df), abs=1e-6)


def test_the_t_quantile_needs_a_degree_of_freedom() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        t_quantile_975(0)


def test_a_single_pair_has_no_interval() -> None:
    summary = summarize([(2, 5)])
    assert (summary.n, summary.mean_diff, summary.ci_low, summary.ci_high) == (1, 3, None, None)


def test_identical_differences_have_a_zero_width_interval() -> None:
    summary = summarize([(1, 3), (2, 4), (3, 5)])
    assert summary.ci_low == summary.ci_high == 2


# -- paired change ---------------------------------------------------------------------------


def test_the_paired_change_matches_the_hand_computed_example(
    pre: Questionnaire, post: Questionnaire, invite_tokens: Any
) -> None:
    respondents = people(11)
    fill(invite_tokens, pre, respondents, [pre_answers(v) for v in PRE])
    fill(invite_tokens, post, respondents, [post_answers(v) for v in POST])
    change = by_key(paired_change(pre, post))["attitude_1"]
    assert not change.suppressed
    assert change.n == 11
    assert round(change.mean_pre, 3) == 3.091
    assert round(change.mean_post, 3) == 3.727
    assert round(change.mean_diff, 3) == 0.636
    assert round(change.ci_low, 3) == 0.093
    assert round(change.ci_high, 3) == 1.180
    assert change.prompt == "I agree with attitude_1."
    assert change.prompt_in("es") == "Estoy de acuerdo con attitude_1."


def test_only_likert_keys_found_in_both_questionnaires_are_compared_in_pre_order(
    pre: Questionnaire, post: Questionnaire
) -> None:
    assert [change.key for change in paired_change(pre, post)] == ["attitude_1", "knowledge_1"]


def test_ten_pairs_are_suppressed_and_eleven_are_shown(
    pre: Questionnaire, post: Questionnaire, invite_tokens: Any
) -> None:
    respondents = people(11)
    fill(invite_tokens, pre, respondents, [pre_answers(3, knowledge_1=3) for _ in respondents])
    # knowledge_1 is optional: one person leaves it out after the week, so 10 pairs.
    fill(
        invite_tokens,
        post,
        respondents,
        [post_answers(4, knowledge_1=5 if i else None) for i in range(11)],
    )
    changes = by_key(paired_change(pre, post))
    assert changes["attitude_1"].n == 11
    assert changes["attitude_1"].mean_diff == 1
    knowledge = changes["knowledge_1"]
    assert knowledge.suppressed
    assert (knowledge.n, knowledge.mean_pre, knowledge.mean_post) == (None, None, None)
    assert (knowledge.mean_diff, knowledge.ci_low, knowledge.ci_high) == (None, None, None)
    # The same ten pairs are shown with a threshold of 10.
    assert by_key(paired_change(pre, post, threshold=10))["knowledge_1"].n == 10


def test_no_pairs_at_all_is_suppressed(pre: Questionnaire, post: Questionnaire) -> None:
    change = by_key(paired_change(pre, post))["attitude_1"]
    assert change.suppressed and change.n is None


@override_settings(SUPPRESSION_THRESHOLD=3)
def test_the_threshold_comes_from_the_settings_at_call_time(
    pre: Questionnaire, post: Questionnaire, invite_tokens: Any
) -> None:
    respondents = people(3)
    fill(invite_tokens, pre, respondents, [pre_answers(v) for v in (1, 2, 3)])
    fill(invite_tokens, post, respondents, [post_answers(v) for v in (2, 4, 3)])
    change = by_key(paired_change(pre, post))["attitude_1"]
    assert change.n == 3
    assert change.mean_diff == 1
    assert by_key(paired_change(pre, post, threshold=4))["attitude_1"].suppressed


def test_only_the_same_person_and_the_same_key_make_a_pair(
    pre: Questionnaire, post: Questionnaire, invite_tokens: Any
) -> None:
    both = people(11)
    only_before, only_after = people(5), people(5)
    fill(invite_tokens, pre, both + only_before, [pre_answers(1) for _ in range(16)])
    # The people who answered only afterwards answered 5: pairing them with anyone would
    # move the mean change away from 1.
    fill(
        invite_tokens,
        post,
        both + only_after,
        [post_answers(2) for _ in range(11)] + [post_answers(5) for _ in range(5)],
    )
    change = by_key(paired_change(pre, post))["attitude_1"]
    assert change.n == 11
    assert change.mean_pre == 1
    assert change.mean_post == 2
    assert change.ci_low == change.ci_high == 1


def test_answers_pair_only_within_the_same_context(
    pre: Questionnaire, post: Questionnaire, invite_tokens: Any
) -> None:
    cohort_2026 = OrganizationFactory(name="Plunge 2026")
    cohort_2027 = OrganizationFactory(name="Plunge 2027")
    respondents = people(11)
    fill(invite_tokens, pre, respondents, [pre_answers(2) for _ in range(11)], context=cohort_2026)
    fill(
        invite_tokens, post, respondents, [post_answers(4) for _ in range(11)], context=cohort_2026
    )
    # The same people, a year later, under another context: 5 -> 1.
    fill(invite_tokens, pre, respondents, [pre_answers(5) for _ in range(11)], context=cohort_2027)
    fill(
        invite_tokens, post, respondents, [post_answers(1) for _ in range(11)], context=cohort_2027
    )

    first = by_key(paired_change(pre, post, context=cohort_2026))["attitude_1"]
    assert (first.n, first.mean_diff) == (11, 2)
    second = by_key(paired_change(pre, post, context=cohort_2027))["attitude_1"]
    assert (second.n, second.mean_diff) == (11, -4)
    overall = by_key(paired_change(pre, post))["attitude_1"]
    assert overall.n == 22
    assert overall.mean_diff == -1


def test_a_questionnaire_is_not_compared_with_itself(pre: Questionnaire) -> None:
    with pytest.raises(ServiceError):
        paired_change(pre, pre)


def test_paired_change_takes_the_same_number_of_queries_for_any_number_of_people(
    pre: Questionnaire, post: Questionnaire, invite_tokens: Any
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            paired_change(pre, post)
        return len(captured.captured_queries)

    fill(invite_tokens, pre, people(2), [pre_answers(3)] * 2)
    few = queries()
    many = people(30)
    fill(invite_tokens, pre, many, [pre_answers(3, knowledge_1=2)] * 30)
    fill(invite_tokens, post, many, [post_answers(4, knowledge_1=3)] * 30)
    assert queries() == few == 2

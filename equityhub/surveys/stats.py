"""Paired pre/post change per Likert item, with a 95% confidence interval.

A person's pre answer and post answer form a pair when they answered an item with the same
`key` in the pre and the post questionnaire, through invitations for the same context (both
without one, or both for the same object: a program's pre- and post-survey of one year). With
`context` given, only pairs from that context count.

For each key with `n` pairs and differences d_i = post_i - pre_i:

    mean difference   d = sum(d_i) / n
    standard error    se = s / sqrt(n),  s^2 = sum((d_i - d)^2) / (n - 1)
    95% interval      d -/+ t(0.975; n - 1) * se

Items with fewer than `threshold` pairs (settings.SUPPRESSION_THRESHOLD, 11) are suppressed:
`suppressed=True` and every number None, `n` included, since a small n can identify people.

The t quantile needs no scipy: an exact table for 1..30 degrees of freedom and, beyond, the
Cornish-Fisher expansion of Student's t around the normal quantile (Abramowitz & Stegun 26.7.5,
four terms), which is within 3e-8 of the exact quantile for every df above 30.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Final

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _

from equityhub.core.exceptions import ServiceError
from equityhub.lib.suppression import suppress_value
from equityhub.surveys.models import Answer, Item, Questionnaire, pick

# t(0.975; df) for df = 1..30, to six decimals.
_T_975: Final = (
    12.706205,
    4.302653,
    3.182446,
    2.776445,
    2.570582,
    2.446912,
    2.364624,
    2.306004,
    2.262157,
    2.228139,
    2.200985,
    2.178813,
    2.160369,
    2.144787,
    2.131450,
    2.119905,
    2.109816,
    2.100922,
    2.093024,
    2.085963,
    2.079614,
    2.073873,
    2.068658,
    2.063899,
    2.059539,
    2.055529,
    2.051831,
    2.048407,
    2.045230,
    2.042272,
)
_Z_975: Final = 1.959963984540054  # the standard normal's 0.975 quantile


def t_quantile_975(df: int) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom (df >= 1)."""
    if df < 1:
        msg = f"degrees of freedom must be at least 1, got {df}"
        raise ValueError(msg)
    if df <= len(_T_975):
        return _T_975[df - 1]
    z = _Z_975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


@dataclass(frozen=True)
class ItemChange:
    """The change on one item key. Every number is None when `suppressed`; the interval is
    None too when there is a single pair (no spread to estimate)."""

    key: str
    pre_item_id: int
    post_item_id: int
    prompt: str
    prompt_es: str
    n: int | None
    mean_pre: float | None
    mean_post: float | None
    mean_diff: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool

    def prompt_in(self, language: str) -> str:
        return pick(language, self.prompt, self.prompt_es)


@dataclass(frozen=True)
class Summary:
    n: int
    mean_pre: float
    mean_post: float
    mean_diff: float
    ci_low: float | None
    ci_high: float | None


def summarize(pairs: list[tuple[int, int]]) -> Summary:
    """Means and the 95% interval of the mean difference of (pre, post) pairs (n >= 1)."""
    n = len(pairs)
    diffs = [post - pre for pre, post in pairs]
    mean_diff = math.fsum(diffs) / n
    low = high = None
    if n > 1:
        variance = math.fsum((d - mean_diff) ** 2 for d in diffs) / (n - 1)
        half_width = t_quantile_975(n - 1) * math.sqrt(variance / n)
        low, high = mean_diff - half_width, mean_diff + half_width
    return Summary(
        n=n,
        mean_pre=math.fsum(pre for pre, _post in pairs) / n,
        mean_post=math.fsum(post for _pre, post in pairs) / n,
        mean_diff=mean_diff,
        ci_low=low,
        ci_high=high,
    )


_ContextKey = tuple[int, int | None, int | None]  # person, context type, context id


def paired_change(
    pre: Questionnaire,
    post: Questionnaire,
    *,
    context: models.Model | None = None,
    threshold: int | None = None,
) -> list[ItemChange]:
    """One ItemChange per Likert key found in both questionnaires, in the pre-survey's order.

    `threshold` defaults to settings.SUPPRESSION_THRESHOLD (read at call time). Two queries
    whatever the number of people and items.
    """
    if pre.pk == post.pk:
        raise ServiceError(_("Compare two different questionnaires."), field="post")
    limit: int = settings.SUPPRESSION_THRESHOLD if threshold is None else threshold
    items = list(
        Item.objects.filter(questionnaire_id__in=[pre.pk, post.pk], kind=Item.Kind.LIKERT).order_by(
            "position", "pk"
        )
    )
    pre_items = {item.key: item for item in items if item.questionnaire_id == pre.pk}
    post_items = {item.key: item for item in items if item.questionnaire_id == post.pk}
    keys = [key for key in pre_items if key in post_items]
    item_key = {pre_items[key].pk: key for key in keys} | {post_items[key].pk: key for key in keys}
    pre_ids = {pre_items[key].pk for key in keys}

    answers = Answer.objects.filter(item_id__in=item_key, value_int__isnull=False)
    if context is not None:
        answers = answers.filter(
            response__invitation__context_type=ContentType.objects.get_for_model(context),
            response__invitation__context_id=context.pk,
        )
    before: dict[str, dict[_ContextKey, int]] = defaultdict(dict)
    after: dict[str, dict[_ContextKey, int]] = defaultdict(dict)
    rows = answers.values_list(
        "item_id",
        "value_int",
        "response__invitation__person_id",
        "response__invitation__context_type_id",
        "response__invitation__context_id",
    )
    for item_id, value, person_id, context_type_id, context_id in rows:
        if value is None:  # pragma: no cover - filtered out above; tells mypy
            continue
        side = before if item_id in pre_ids else after
        side[item_key[item_id]][(person_id, context_type_id, context_id)] = value

    changes: list[ItemChange] = []
    for key in keys:
        pairs = [
            (value, after[key][who]) for who, value in before[key].items() if who in after[key]
        ]
        shown = bool(pairs) and suppress_value(len(pairs), threshold=limit) is not None
        summary = summarize(pairs) if shown else None
        changes.append(
            ItemChange(
                key=key,
                pre_item_id=pre_items[key].pk,
                post_item_id=post_items[key].pk,
                prompt=pre_items[key].prompt,
                prompt_es=pre_items[key].prompt_es,
                n=summary.n if summary else None,
                mean_pre=summary.mean_pre if summary else None,
                mean_post=summary.mean_post if summary else None,
                mean_diff=summary.mean_diff if summary else None,
                ci_low=summary.ci_low if summary else None,
                ci_high=summary.ci_high if summary else None,
                suppressed=summary is None,
            )
        )
    return changes

"""Z-score normalization of review totals across reviewers (pure: no database).

Reviewers score on their own scales: one gives everybody 80-95, another 40-70. The committee
sees each application's raw mean total beside its mean z-score, where each review's z-score
says how far the total lies from that reviewer's own mean, in units of that reviewer's own
standard deviation:

    z = (total - mean_r) / sd_r      over the reviewer's submitted reviews of the cycle

Choices (documented for the committee page and tests):

- The standard deviation is the **population** one (divide by n, not n - 1). A reviewer's
  reviews of the cycle are the whole of what is being rescaled, not a sample from which an
  unseen spread is estimated; with it a reviewer's z-scores have mean 0 and variance 1
  exactly. (Sample sd would shrink every z by sqrt((n-1)/n), the same for the whole
  reviewer, and change no ranking within a reviewer.)
- A reviewer with one review, or whose totals are all equal, has no scale to divide by: their
  z-scores are 0 and they are flagged (`flag` = "single" or "constant"); the committee page
  shows the flag beside the applications they reviewed.
- An application's mean z is the mean over all its reviews, flagged reviewers' zeros included
  (no information about that reviewer's scale: treated as average); `flagged_reviews` counts
  them. Its spread is the largest raw total minus the smallest (0 with one review).
- Arithmetic is exact (fractions) up to the final division by the square root, so adding a
  constant to all of a reviewer's totals leaves their z-scores bit for bit the same, and the
  zero-variance test is exact rather than a tolerance.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Generic, TypeVar

R = TypeVar("R", bound=Hashable)
A = TypeVar("A", bound=Hashable)

SINGLE = "single"  # the reviewer submitted one review
CONSTANT = "constant"  # the reviewer gave every application the same total


@dataclass(frozen=True)
class ReviewerScale(Generic[R]):
    reviewer: R
    reviews: int
    mean: float
    sd: float  # population standard deviation
    flag: str  # "", SINGLE or CONSTANT

    @property
    def flagged(self) -> bool:
        return bool(self.flag)


@dataclass(frozen=True)
class ApplicationStanding(Generic[A]):
    application: A
    reviews: int
    raw_mean: float
    mean_z: float
    spread: float  # largest raw total minus the smallest
    flagged_reviews: int  # reviews whose reviewer had no scale (z = 0)


@dataclass(frozen=True)
class Normalized(Generic[R, A]):
    z: dict[tuple[R, A], float]  # (reviewer, application) -> z-score
    reviewers: dict[R, ReviewerScale[R]]
    applications: dict[A, ApplicationStanding[A]]


def _exact(value: float | int | Decimal | Fraction) -> Fraction:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("a review total must be a finite number")
    return Fraction(value)


def normalize(reviews: Iterable[tuple[R, A, float | int | Decimal | Fraction]]) -> Normalized[R, A]:
    """Normalize (reviewer, application, total) triples; each pair at most once."""
    by_reviewer: dict[R, list[tuple[A, Fraction]]] = defaultdict(list)
    seen: set[tuple[R, A]] = set()
    for reviewer, application, total in reviews:
        if (reviewer, application) in seen:
            raise ValueError(f"reviewer {reviewer!r} reviewed {application!r} twice")
        seen.add((reviewer, application))
        by_reviewer[reviewer].append((application, _exact(total)))

    z: dict[tuple[R, A], float] = {}
    scales: dict[R, ReviewerScale[R]] = {}
    for reviewer, scored in by_reviewer.items():
        count = len(scored)
        mean = sum((total for _, total in scored), Fraction(0)) / count
        variance = sum(((total - mean) ** 2 for _, total in scored), Fraction(0)) / count
        flag = SINGLE if count == 1 else CONSTANT if variance == 0 else ""
        sd = math.sqrt(variance)
        for application, total in scored:
            z[(reviewer, application)] = 0.0 if flag else float(total - mean) / sd
        scales[reviewer] = ReviewerScale(reviewer, count, float(mean), sd, flag)

    by_application: dict[A, list[tuple[Fraction, float, bool]]] = defaultdict(list)
    for reviewer, scored in by_reviewer.items():
        flagged = scales[reviewer].flagged
        for application, total in scored:
            by_application[application].append((total, z[(reviewer, application)], flagged))
    standings = {
        application: ApplicationStanding(
            application=application,
            reviews=len(rows),
            raw_mean=float(sum((t for t, _, _ in rows), Fraction(0)) / len(rows)),
            mean_z=math.fsum(score for _, score, _ in rows) / len(rows),
            spread=float(max(t for t, _, _ in rows) - min(t for t, _, _ in rows)),
            flagged_reviews=sum(1 for _, _, flagged in rows if flagged),
        )
        for application, rows in by_application.items()
    }
    return Normalized(z=z, reviewers=scales, applications=standings)

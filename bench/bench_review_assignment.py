"""Benchmark: reviewer assignment (`equityhub.lib.assignment`) at a large program's scale.

Claim (issue 6, "Performance"): 2,000 applications to 60 reviewers, 3 reviews each, with
conflicts of interest, in under 2 s, with reviewer loads differing by at most 1.

What it does, in order:
1. for each of BENCH_INSTANCES (default 3) seeds, a synthetic cycle: 2,000 applications from
   70 schools (skewed sizes, about 30 applicants each on average), 60 reviewers each from one
   of those schools and conflicted with every applicant of it (clustered conflicts, about 30
   per reviewer), plus about 5% of all other pairs conflicted at random;
2. `plan_assignment(2000, 60, 3, conflicts, seed=instance)` timed with `time.perf_counter`
   around the call (input checks, the max-flow with the balance windows, and the fallback
   search if it were needed: all of it);
3. checks every application got 3 distinct reviewers, none conflicted, and the largest minus
   the smallest load;
   the same with 2,001 applications (6,003 reviews do not divide by 60: loads 100 and 101);
4. informative, not a claim: a cycle where the balance is impossible (half the reviewers
   conflicted with 99% of the applicants), timing the fallback that minimizes the largest
   load by binary search;
5. JSON on stdout and in bench/results/review_assignment.json; exit 1 when a claim fails.

No database and no Django set-up: the engine takes plain indices.
Environment: BENCH_INSTANCES (default 3).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from equityhub.lib.assignment import plan_assignment  # noqa: E402

RESULTS = PROJECT_DIR / "bench" / "results" / "review_assignment.json"
INSTANCES = int(os.environ.get("BENCH_INSTANCES", "3"))
APPLICATIONS, REVIEWERS, PER_APPLICATION = 2_000, 60, 3
SCHOOLS = 70
RANDOM_CONFLICT_RATE = 0.05
TARGET_SECONDS = 2.0
TARGET_LOAD_DIFFERENCE = 1


def conflicts_for(
    seed: int, applications: int = APPLICATIONS
) -> tuple[set[tuple[int, int]], int, int]:
    """(conflicts, clustered pairs, random pairs) for one synthetic cycle."""
    rng = np.random.default_rng(seed)
    weights = rng.pareto(3.0, SCHOOLS) + 1.0
    school_of = rng.choice(SCHOOLS, size=applications, p=weights / weights.sum())
    reviewer_school = rng.choice(SCHOOLS, size=REVIEWERS, replace=True)
    clustered = school_of[:, None] == reviewer_school[None, :]
    random_pairs = rng.random((applications, REVIEWERS)) < RANDOM_CONFLICT_RATE
    both = clustered | random_pairs
    apps, revs = np.nonzero(both)
    conflicts = {(int(i), int(j)) for i, j in zip(apps, revs, strict=True)}
    return conflicts, int(clustered.sum()), int((random_pairs & ~clustered).sum())


def run(instance: int, applications: int = APPLICATIONS) -> dict[str, Any]:
    conflicts, clustered, random_only = conflicts_for(instance, applications)
    started = time.perf_counter()
    plan = plan_assignment(applications, REVIEWERS, PER_APPLICATION, conflicts, seed=instance)
    seconds = time.perf_counter() - started
    valid = all(
        len(chosen) == PER_APPLICATION
        and len(set(chosen)) == PER_APPLICATION
        and all((i, j) not in conflicts for j in chosen)
        for i, chosen in enumerate(plan.reviewers)
    )
    difference = max(plan.loads) - min(plan.loads)
    return {
        "instance": instance,
        "applications": applications,
        "conflicts": len(conflicts),
        "clustered_conflicts": clustered,
        "random_conflicts": random_only,
        "conflicts_per_reviewer": round(len(conflicts) / REVIEWERS, 1),
        "seconds": round(seconds, 3),
        "min_load": min(plan.loads),
        "max_load": max(plan.loads),
        "load_difference": difference,
        "balanced": plan.balanced,
        "valid": valid,
        "ok": valid and seconds < TARGET_SECONDS and difference <= TARGET_LOAD_DIFFERENCE,
    }


def fallback() -> dict[str, Any]:
    rng = np.random.default_rng(99)
    blocked = rng.random((APPLICATIONS, REVIEWERS // 2)) < 0.99
    apps, revs = np.nonzero(blocked)
    conflicts = {(int(i), int(j)) for i, j in zip(apps, revs, strict=True)}
    started = time.perf_counter()
    plan = plan_assignment(APPLICATIONS, REVIEWERS, PER_APPLICATION, conflicts, seed=0)
    seconds = time.perf_counter() - started
    return {
        "conflicts": len(conflicts),
        "seconds": round(seconds, 3),
        "min_load": min(plan.loads),
        "max_load": max(plan.loads),
        "balanced": plan.balanced,
        "note": plan.note,
    }


def main() -> int:
    runs = [run(instance) for instance in range(INSTANCES)]
    runs += [run(instance, APPLICATIONS + 1) for instance in range(INSTANCES)]
    for item in runs:
        print(
            f"instance {item['instance']}: {item['seconds']} s, loads "
            f"{item['min_load']}-{item['max_load']}, {item['conflicts']} conflicts",
            file=sys.stderr,
        )
    summary = {
        "benchmark": "review_assignment",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "applications": APPLICATIONS,
        "reviewers": REVIEWERS,
        "per_application": PER_APPLICATION,
        "target_seconds": TARGET_SECONDS,
        "target_load_difference": TARGET_LOAD_DIFFERENCE,
        "worst_seconds": max(item["seconds"] for item in runs),
        "worst_load_difference": max(item["load_difference"] for item in runs),
        "runs": runs,
        "fallback_unbalanceable": fallback(),
    }
    summary["ok"] = all(item["ok"] for item in runs)
    text = json.dumps(summary, indent=2)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n")
    print("PASS" if summary["ok"] else "FAIL", file=sys.stderr)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

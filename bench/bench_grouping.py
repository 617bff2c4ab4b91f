"""Benchmark: the grouping engine (`equityhub.lib.grouping`) on entering classes of 1,000-10,000.

Claim (issue 4, "Performance"): 1,000 people into 100 groups on 4 categorical attributes plus
7 language flags reach an excess of at most 0.1% in at most 1 s; 3,000 into 300 at most 0.1%
in at most 3 s; 10,000 into 1,000 at most 0.1% in at most 10 s, on the office's 2-core
machine.  And on 10 seeded instances with n <= 12 the engine's SS equals the proven optimum.

What it does, in order:
1. for each size, BENCH_INSTANCES (default 3) synthetic classes, each from its own seed, with
   realistic skewed attributes: school or program (8 values, 38% MD), gender (4 values),
   race/ethnicity (7 values, skewed), home region (10 values, skewed), and 7 language flags
   (Spanish 15%, the others 1-5%): 4 categorical attributes + 7 flags, 36 columns;
2. `encode` (not timed), then `assign(encoding, G, seed=instance, time_limit=target)` timed
   with `time.perf_counter` around the call (greedy start, exchange search, SS_random: all of
   it); SS, SS_ideal, SS_random, excess = (SS - SS_ideal) / (SS_random - SS_ideal), seconds,
   exchanges; an instance passes when excess <= 0.001 and seconds <= the target;
3. 10 seeded small instances (n 6..12, G 2..4, the same attributes on a smaller scale, school
   weighted 2): the engine's SS against a brute-force optimum that enumerates every split into
   groups whose sizes differ by at most one (groups unordered);
4. JSON on stdout and in bench/results/grouping.json; exit 1 when a claim fails.

No database and no Django set-up: the engine takes plain numpy arrays.
Environment: BENCH_INSTANCES (default 3).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from equityhub.lib.grouping import assign, encode, ss_ideal  # noqa: E402

RESULTS = PROJECT_DIR / "bench" / "results" / "grouping.json"
INSTANCES = int(os.environ.get("BENCH_INSTANCES", "3"))
MAX_EXCESS = 0.001
SIZES = ((1_000, 100, 1.0), (3_000, 300, 3.0), (10_000, 1_000, 10.0))  # people, groups, seconds
SMALL_INSTANCES = 10

SCHOOLS = {
    "MD program": 0.38,
    "MD/PhD program": 0.04,
    "Nursing": 0.17,
    "Physical Therapy": 0.10,
    "Occupational Therapy": 0.09,
    "Public Health": 0.10,
    "Pharmacy": 0.07,
    "Partner college": 0.05,
}
GENDERS = {"woman": 0.53, "man": 0.43, "nonbinary": 0.025, "not disclosed": 0.015}
RACES = {
    "White": 0.46,
    "Black or African American": 0.16,
    "Asian": 0.19,
    "Hispanic or Latino": 0.09,
    "Two or more": 0.05,
    "American Indian or Alaska Native": 0.01,
    "Not disclosed": 0.04,
}
REGIONS = {
    "St. Louis City": 0.17,
    "St. Louis County": 0.22,
    "St. Charles County": 0.08,
    "Metro East (Illinois)": 0.08,
    "Kansas City": 0.07,
    "Rural Missouri": 0.09,
    "Other Midwest": 0.12,
    "South": 0.08,
    "Coasts and West": 0.07,
    "Outside the US": 0.02,
}
LANGUAGES = {"es": 0.15, "zh": 0.05, "hi": 0.04, "vi": 0.03, "ar": 0.02, "bs": 0.02, "fr": 0.01}
ATTRIBUTES = ["school", "gender", "race", "region", "languages"]


def pick(rng: np.random.Generator, shares: dict[str, float], n: int) -> list[str]:
    names = list(shares)
    weights = np.array(list(shares.values()))
    return [names[k] for k in rng.choice(len(names), size=n, p=weights / weights.sum())]


def entering_class(n: int, seed: int) -> list[dict[str, str | list[str] | None]]:
    rng = np.random.default_rng(seed)
    columns = {
        "school": pick(rng, SCHOOLS, n),
        "gender": pick(rng, GENDERS, n),
        "race": pick(rng, RACES, n),
        "region": pick(rng, REGIONS, n),
    }
    speaks = {code: rng.random(n) < rate for code, rate in LANGUAGES.items()}
    return [
        {
            **{name: values[i] for name, values in columns.items()},
            "languages": [code for code in LANGUAGES if speaks[code][i]],
        }
        for i in range(n)
    ]


# Brute force for the small instances -------------------------------------------------------


def equal_size_partitions(n: int, groups: int) -> Iterator[list[int]]:
    """Every split of 0..n-1 into groups of floor/ceil(n/groups), groups numbered by first row."""
    floor, extra = divmod(n, groups)
    labels = [-1] * n
    sizes = [0] * groups

    def place(row: int, used: int, big: int) -> Iterator[list[int]]:
        if row == n:
            if used == groups:
                yield labels.copy()
            return
        if n - row < (groups - used) * floor:
            return
        for g in range(min(used + 1, groups)):
            becomes_big = sizes[g] == floor
            if sizes[g] > floor or (becomes_big and big == extra):
                continue
            labels[row] = g
            sizes[g] += 1
            yield from place(row + 1, max(used, g + 1), big + int(becomes_big))
            sizes[g] -= 1

    yield from place(0, 0, 0)


def brute_force_optimum(matrix: np.ndarray, groups: int) -> tuple[float, int]:
    partitions = np.array(list(equal_size_partitions(matrix.shape[0], groups)))
    one_hot = (partitions[:, None, :] == np.arange(groups)[None, :, None]).astype(float)
    sums = one_hot @ matrix
    return float((sums * sums).sum(axis=(1, 2)).min()), len(partitions)


# The runs ----------------------------------------------------------------------------------


def large(n: int, groups: int, target: float, instance: int) -> dict[str, Any]:
    encoding = encode(entering_class(n, seed=instance), ATTRIBUTES)
    started = time.perf_counter()
    result = assign(encoding, groups, seed=instance, time_limit=target)
    seconds = time.perf_counter() - started
    sizes = np.bincount(result.labels, minlength=groups)
    return {
        "instance": instance,
        "columns": len(encoding.columns),
        "ss": result.ss,
        "ss_ideal": result.ss_ideal,
        "ss_random": round(result.ss_random, 1),
        "excess": round(result.excess, 6),
        "seconds": round(seconds, 3),
        "exchanges": result.iterations,
        "group_sizes": sorted({int(sizes.min()), int(sizes.max())}),
        "ok": result.excess <= MAX_EXCESS and seconds <= target,
    }


def small(instance: int) -> dict[str, Any]:
    rng = np.random.default_rng(100 + instance)
    n = int(rng.integers(6, 13))
    groups = int(rng.integers(2, 5))
    encoding = encode(entering_class(n, seed=100 + instance), ATTRIBUTES, {"school": 2.0})
    started = time.perf_counter()
    result = assign(encoding, groups, seed=instance)
    seconds = time.perf_counter() - started
    optimum, partitions = brute_force_optimum(encoding.matrix, groups)
    return {
        "instance": instance,
        "n": n,
        "groups": groups,
        "ss": result.ss,
        "optimum": optimum,
        "ss_ideal": ss_ideal(encoding, groups),
        "partitions_enumerated": partitions,
        "seconds": round(seconds, 3),
        "ok": abs(result.ss - optimum) <= 1e-9,
    }


def main() -> int:
    sizes: dict[str, Any] = {}
    for n, groups, target in SIZES:
        runs = [large(n, groups, target, instance) for instance in range(INSTANCES)]
        sizes[f"{n}x{groups}"] = {
            "people": n,
            "groups": groups,
            "target_seconds": target,
            "target_excess": MAX_EXCESS,
            "worst_excess": max(run["excess"] for run in runs),
            "worst_seconds": max(run["seconds"] for run in runs),
            "runs": runs,
            "ok": all(run["ok"] for run in runs),
        }
        size = sizes[f"{n}x{groups}"]
        print(
            f"{n:>6} people, {groups:>4} groups: worst excess {size['worst_excess']}, "
            f"worst {size['worst_seconds']} s",
            file=sys.stderr,
        )
    optimality = [small(instance) for instance in range(SMALL_INSTANCES)]
    summary = {
        "benchmark": "grouping",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "instances_per_size": INSTANCES,
        "sizes": sizes,
        "optimality": {
            "instances": optimality,
            "above_ideal": sum(run["optimum"] > run["ss_ideal"] for run in optimality),
            "ok": all(run["ok"] for run in optimality),
        },
    }
    summary["ok"] = all(size["ok"] for size in sizes.values()) and summary["optimality"]["ok"]
    text = json.dumps(summary, indent=2)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n")
    print("PASS" if summary["ok"] else "FAIL", file=sys.stderr)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

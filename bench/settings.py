"""Settings for the benchmarks: the production settings plus one bare view to compare with."""

from __future__ import annotations

from equityhub.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

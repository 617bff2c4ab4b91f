"""The registry at a glance: counts by training level and, for office staff and leadership,
self-identified demographics by training level. Every count passes small-cell suppression."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from equityhub.lib.suppression import suppress_table
from equityhub.people.models import Answer, RaceEthnicity, TrainingLevel, race_field
from equityhub.people.selectors import current_affiliations


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: suppressed
    width_pct: float


@dataclass(frozen=True)
class CrossTable:
    title: str
    columns: list[str]
    rows: list[tuple[str, list[int | None]]]
    row_totals: list[int | None] | None


@dataclass(frozen=True)
class Overview:
    total_people: int | None
    by_level: list[Bar]
    race_by_level: CrossTable
    urim_by_level: CrossTable
    threshold: int

    @property
    def tables(self) -> list[CrossTable]:
        return [self.race_by_level, self.urim_by_level]


def _primary_by_level() -> dict[str, dict[str, int]]:
    """One grouped query over current primary affiliations: people per level, and per level the
    number who selected each OMB category and each URiM answer."""
    aggregates = {"people": Count("person", distinct=True)}
    for code in RaceEthnicity.values:
        aggregates[f"race_{code}"] = Count(
            "person", filter=Q(**{f"person__demographics__{race_field(code)}": True}), distinct=True
        )
    for answer in Answer.values:
        aggregates[f"urim_{answer}"] = Count(
            "person",
            filter=Q(person__demographics__underrepresented_in_medicine=answer),
            distinct=True,
        )
    rows = (
        current_affiliations()
        .filter(is_primary=True)
        .values("training_level")
        .annotate(**aggregates)
        .order_by()
    )
    return {row["training_level"]: row for row in rows}


def registry_overview() -> Overview:
    threshold = settings.SUPPRESSION_THRESHOLD
    by_level = _primary_by_level()
    levels = [level for level in TrainingLevel.values if level in by_level]
    labels = dict(TrainingLevel.choices)

    people = [[by_level[level]["people"]] for level in levels]
    people_table = suppress_table(people, threshold=threshold) if people else None
    largest = max((row[0] for row in people), default=0) or 1
    bars = [
        Bar(
            label=str(labels[level]),
            value=people_table.cells[i][0] if people_table else None,
            width_pct=(
                round(100 * people[i][0] / largest, 1)
                if people_table and people_table.cells[i][0] is not None
                else 0.0
            ),
        )
        for i, level in enumerate(levels)
    ]

    race_counts = [
        [by_level[level][f"race_{code}"] for code in RaceEthnicity.values] for level in levels
    ]
    # A person may select several categories, so a row has no meaningful total: the cells are
    # protected among themselves and no totals are published.
    race = suppress_table(race_counts, threshold=threshold, with_totals=False) if levels else None
    urim_counts = [[by_level[level][f"urim_{a}"] for a in Answer.values] for level in levels]
    urim = suppress_table(urim_counts, threshold=threshold) if levels else None

    return Overview(
        total_people=people_table.grand_total if people_table else 0,
        by_level=bars,
        race_by_level=CrossTable(
            title=_("Race and ethnicity (select all that apply) by training level"),
            columns=[str(label) for label in RaceEthnicity.labels],
            rows=[(str(labels[lv]), race.cells[i]) for i, lv in enumerate(levels)] if race else [],
            row_totals=None,
        ),
        urim_by_level=CrossTable(
            title=_("Underrepresented in medicine by training level"),
            columns=[str(label) for label in Answer.labels],
            rows=[(str(labels[lv]), urim.cells[i]) for i, lv in enumerate(levels)] if urim else [],
            row_totals=urim.row_totals if urim else None,
        ),
        threshold=threshold,
    )

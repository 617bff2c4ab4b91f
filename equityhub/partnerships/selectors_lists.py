"""Reads of the consortium's controlled lists (focus areas, populations, CHNA priorities) for
the page and the API that keep them: each list with how many initiatives use each entry, in one
query per list; and every entry by id through a choke-point (404 for ids that do not exist or
are outside 1..2^63-1). Who may keep the lists is `access.is_consortium_staff`; the views and
endpoints check it before loading anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import translation

from equityhub.partnerships.access import is_consortium_staff
from equityhub.partnerships.models import FocusArea, NeedsPriority, Population
from equityhub.people.models import Organization
from equityhub.people.selectors import valid_id

E = TypeVar("E", FocusArea, Population)


class _Usage(TypedDict):
    initiative_count: int


if TYPE_CHECKING:  # WithAnnotations takes its second argument for the type checker only
    from django_stubs_ext import WithAnnotations

    CountedPriority = WithAnnotations[NeedsPriority, _Usage]


@dataclass(frozen=True)
class EntryRow(Generic[E]):
    """A focus area or population with how many initiatives are tagged with it."""

    entry: E
    initiative_count: int

    @property
    def seeded(self) -> bool:
        """A starting entry: its label is translated in code and stays when it is renamed."""
        return self.entry.code in self.entry.LABELS

    @property
    def renamed(self) -> bool:
        """A seeded entry whose stored name is no longer its seeded (source-language) name:
        pages still show the translated label, the API's `name` the stored one."""
        if not self.seeded:
            return False
        with translation.override(None):  # the untranslated label, as the migration seeded it
            seeded_name = str(self.entry.LABELS[self.entry.code])
        return self.entry.name != seeded_name


@dataclass(frozen=True)
class PriorityRow:
    priority: NeedsPriority
    initiative_count: int


@dataclass(frozen=True)
class YearGroup:
    year: int
    rows: list[PriorityRow]


@dataclass(frozen=True)
class OrganizationGroup:
    """One organization's priorities, newest assessment first."""

    organization: Organization
    years: list[YearGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(group.rows) for group in self.years)


def _entry_rows(queryset: QuerySet[E]) -> list[EntryRow[E]]:
    entries = queryset.annotate(initiative_count=Count("initiatives"))
    rows = [EntryRow(entry, entry.initiative_count) for entry in entries]
    return sorted(rows, key=lambda row: row.entry.label.casefold())


def focus_area_rows() -> list[EntryRow[FocusArea]]:
    """Every focus area by its label in the current language, with its number of initiatives."""
    return _entry_rows(FocusArea.objects.all())


def population_rows() -> list[EntryRow[Population]]:
    """Every population by its label in the current language, with its number of initiatives."""
    return _entry_rows(Population.objects.all())


def focus_area_row(focus_area: FocusArea) -> EntryRow[FocusArea]:
    return _entry_rows(FocusArea.objects.filter(pk=focus_area.pk))[0]


def population_row(population: Population) -> EntryRow[Population]:
    return _entry_rows(Population.objects.filter(pk=population.pk))[0]


def _priorities() -> QuerySet[CountedPriority]:
    return (
        NeedsPriority.objects.select_related("organization")
        .annotate(initiative_count=Count("initiatives"))
        .order_by("organization__name", "organization_id", "-year", "title")
    )


def priority_rows() -> list[PriorityRow]:
    """Every CHNA priority by organization, newest year first, then title; one query."""
    return [PriorityRow(priority, priority.initiative_count) for priority in _priorities()]


def priority_groups(rows: list[PriorityRow] | None = None) -> list[OrganizationGroup]:
    """The priorities grouped by organization, then assessment year (newest first)."""
    rows = priority_rows() if rows is None else rows
    groups = []
    for _pk, of_org in groupby(rows, key=lambda row: row.priority.organization_id):
        org_rows = list(of_org)
        years = [
            YearGroup(year, list(of_year))
            for year, of_year in groupby(org_rows, key=lambda row: row.priority.year)
        ]
        groups.append(OrganizationGroup(org_rows[0].priority.organization, years))
    return groups


def priority_organizations() -> QuerySet[Organization]:
    """Organizations a priority may belong to: those with a consortium membership."""
    return Organization.objects.filter(consortium_membership__isnull=False).order_by("name")


# -- one entry by id -------------------------------------------------------------------------
# The lists are kept by office staff only: anyone else reaches no entry by id (404). The pages
# and endpoints answer 403 to them before asking here.


def _staff_only(user: Any) -> None:
    if not is_consortium_staff(user):
        raise Http404


def get_focus_area_for_user(user: Any, focus_area_id: Any) -> FocusArea:
    pk = valid_id(focus_area_id)
    _staff_only(user)
    found = FocusArea.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_population_for_user(user: Any, population_id: Any) -> Population:
    pk = valid_id(population_id)
    _staff_only(user)
    found = Population.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_priority_for_user(user: Any, priority_id: Any) -> NeedsPriority:
    pk = valid_id(priority_id)
    _staff_only(user)
    found = NeedsPriority.objects.select_related("organization").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def priority_row(priority: NeedsPriority) -> PriorityRow:
    found = _priorities().get(pk=priority.pk)
    return PriorityRow(found, found.initiative_count)

"""Every write of the consortium's controlled lists: the focus areas and populations initiatives
are tagged with, and the hospitals' community health needs assessment (CHNA) priorities
initiatives answer. Keyword-only, atomic, audited (`partnerships.focus_area.created/renamed`,
`partnerships.population.created/renamed`, `partnerships.priority.created/updated/deleted`).

Only office staff keep the lists (`access.is_consortium_staff`; `NotAllowed` for anyone else).

Focus areas and populations:
- A new entry's code is made from its name (`code_for`: "Oral health" -> `oral_health`) and
  never changes afterwards: codes are what the API, the filters and the roll-ups use. A name
  already on the list (any case, as stored or as shown in the current language) or a code
  already taken is a `Conflict` naming the entry that has it.
- Renaming changes the stored name only. A seeded entry (a code in `FOCUS_AREAS` /
  `POPULATIONS`) keeps showing its translated label in every language (`_Coded.label`); its new
  stored name is what the API's `name`, exports and the admin show. The entries an office adds
  show their stored name, in every language.
- Entries are never deleted here: initiatives, filters and past roll-ups refer to them.

CHNA priorities: the organization is any organization with a consortium membership (past
members too: their assessments stay on record), the year is 2000 to next year, a title is
required and unique per organization and year (any case), a link is optional and http(s) only.
A priority linked to an initiative cannot be deleted (`Conflict` naming the initiatives).
"""

from __future__ import annotations

import re
from typing import Any, Final, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.partnerships.access import is_consortium_staff
from equityhub.partnerships.models import (
    FocusArea,
    Initiative,
    Membership,
    NeedsPriority,
    Population,
)
from equityhub.people.models import Organization

CODE_MAX: Final = 40  # FocusArea/Population.code
NAME_MAX: Final = 120  # FocusArea/Population.name
TITLE_MAX: Final = 200  # NeedsPriority.title
URL_MAX: Final = 200  # NeedsPriority.url
FIRST_YEAR: Final = 2000
PRIORITY_FIELDS: Final = ["organization_id", "year", "title", "url"]
PRIORITY_EDITABLE: Final = frozenset({"organization", "year", "title", "url"})
NAMED_INITIATIVES: Final = 5  # a refusal names this many initiatives, then counts the rest

Entry = FocusArea | Population
E = TypeVar("E", FocusArea, Population)
_http_url = URLValidator(schemes=["http", "https"])


def _require_staff(actor: Any) -> None:
    if not is_consortium_staff(actor):
        raise NotAllowed(_("Only office staff keep the consortium's lists."))


def _one_line(value: Any) -> str:
    # One space between words, so that "Oral  health" and "Oral health" are the same entry.
    return " ".join(str(value or "").split())


def is_seeded(entry: Entry) -> bool:
    """A starting entry, whose label is translated in code (renaming keeps the label)."""
    return entry.code in entry.LABELS


def code_for(name: str) -> str:
    """The code a new entry gets from its name, in the seeded codes' style: lower case ASCII
    letters and digits joined by underscores ("LGBTQ+ elders" -> `lgbtq_elders`). Empty when
    the name has no Latin letter or digit."""
    code = re.sub(r"[-_]+", "_", slugify(name))
    return code[:CODE_MAX].strip("_")


# -- focus areas and populations -------------------------------------------------------------


def _check_name(model: type[E], name: str, *, exclude_pk: int | None = None) -> str:
    name = _one_line(name)
    if not name:
        raise ServiceError(_("Give the entry a name."), field="name")
    if len(name) > NAME_MAX:
        raise ServiceError(
            _("The name is longer than %(n)s characters.") % {"n": NAME_MAX}, field="name"
        )
    wanted = name.casefold()
    others = model.objects.all() if exclude_pk is None else model.objects.exclude(pk=exclude_pk)
    for other in others:
        if wanted in (other.name.casefold(), other.label.casefold()):
            raise Conflict(
                _("%(label)s is already on the list.") % {"label": other.label}, field="name"
            )
    return name


def _create_entry(model: type[E], *, actor: Any, name: str, action: str) -> E:
    _require_staff(actor)
    name = _check_name(model, name)
    code = code_for(name)
    if not code:
        raise ServiceError(
            _("The name needs at least one Latin letter or digit to make its code."),
            field="name",
        )
    taken = model.objects.filter(code__iexact=code).first()
    if taken is not None:
        raise Conflict(
            _("The code %(code)s is taken by %(label)s; choose another name.")
            % {"code": code, "label": taken.label},
            field="name",
        )
    entry = model(code=code, name=name)
    try:
        # A savepoint: another office user adding the same entry at the same moment loses here.
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise Conflict(
            _("The code %(code)s was taken a moment ago; reload the page.") % {"code": code},
            field="name",
        ) from None
    record(action, actor=actor, obj=entry, data={"code": entry.code, "name": entry.name})
    return entry


def _rename_entry(model: type[E], entry: E, *, actor: Any, name: str, action: str) -> E:
    _require_staff(actor)
    fresh = model.objects.select_for_update().get(pk=entry.pk)
    name = _check_name(model, name, exclude_pk=fresh.pk)
    if name == fresh.name:
        entry.name = fresh.name
        return entry
    before = fresh.name
    fresh.name = name
    fresh.save(update_fields=["name"])
    entry.name = name
    record(
        action,
        actor=actor,
        obj=fresh,
        changes={"name": [before, name]},
        data={"code": fresh.code, "seeded": is_seeded(fresh)},
    )
    return entry


@transaction.atomic
def create_focus_area(*, actor: Any, name: str) -> FocusArea:
    """Add a focus area; its code is made from the name (`code_for`).

    Side effects, in order: the row, an audit entry `partnerships.focus_area.created`.
    """
    return _create_entry(
        FocusArea, actor=actor, name=name, action="partnerships.focus_area.created"
    )


@transaction.atomic
def rename_focus_area(*, actor: Any, focus_area: FocusArea, name: str) -> FocusArea:
    """Change a focus area's stored name (its code stays; a seeded one keeps its translated
    label). The same name again changes nothing.

    Side effects, in order: the row, an audit entry `partnerships.focus_area.renamed` with the
    old and new name.
    """
    return _rename_entry(
        FocusArea, focus_area, actor=actor, name=name, action="partnerships.focus_area.renamed"
    )


@transaction.atomic
def create_population(*, actor: Any, name: str) -> Population:
    """Add a population; its code is made from the name (`code_for`).

    Side effects, in order: the row, an audit entry `partnerships.population.created`.
    """
    return _create_entry(
        Population, actor=actor, name=name, action="partnerships.population.created"
    )


@transaction.atomic
def rename_population(*, actor: Any, population: Population, name: str) -> Population:
    """Change a population's stored name (its code stays; a seeded one keeps its translated
    label). The same name again changes nothing.

    Side effects, in order: the row, an audit entry `partnerships.population.renamed` with the
    old and new name.
    """
    return _rename_entry(
        Population, population, actor=actor, name=name, action="partnerships.population.renamed"
    )


# -- CHNA priorities -------------------------------------------------------------------------


def last_assessment_year() -> int:
    """The latest year a priority may have: next year (assessments are published ahead)."""
    return timezone.localdate().year + 1


def _check_priority(priority: NeedsPriority) -> None:
    organization = priority.organization
    if not Membership.objects.filter(organization=organization).exists():
        raise ServiceError(
            _("%(org)s is not a member of the consortium.") % {"org": organization.name},
            field="organization",
        )
    year = priority.year
    last = last_assessment_year()
    if isinstance(year, bool) or not isinstance(year, int):
        raise ServiceError(_("The year must be a whole number."), field="year")
    if not FIRST_YEAR <= year <= last:
        raise ServiceError(
            _("The assessment year must be between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": last},
            field="year",
        )
    priority.title = _one_line(priority.title)
    if not priority.title:
        raise ServiceError(_("Give the priority a title."), field="title")
    if len(priority.title) > TITLE_MAX:
        raise ServiceError(
            _("The title is longer than %(n)s characters.") % {"n": TITLE_MAX}, field="title"
        )
    priority.url = str(priority.url or "").strip()
    if priority.url:
        if len(priority.url) > URL_MAX:
            raise ServiceError(
                _("The link is longer than %(n)s characters.") % {"n": URL_MAX}, field="url"
            )
        try:
            _http_url(priority.url)
        except ValidationError:
            raise ServiceError(
                _("Give a web address starting with http:// or https://."), field="url"
            ) from None
    taken = NeedsPriority.objects.filter(
        organization=organization, year=year, title__iexact=priority.title
    )
    if priority.pk:
        taken = taken.exclude(pk=priority.pk)
    clash = taken.first()
    if clash is not None:
        raise Conflict(
            _("%(org)s already has the priority %(title)s for %(year)s.")
            % {"org": organization.name, "title": clash.title, "year": year},
            field="title",
        )


def _lock_organization(organization: Organization) -> None:
    # Serializes the title check above per organization (SQLite runs transactions IMMEDIATE);
    # the unique constraint on (organization, year, title) is the backstop.
    Organization.objects.select_for_update().filter(pk=organization.pk).values_list("pk").first()


def _save_priority(priority: NeedsPriority) -> None:
    try:
        with transaction.atomic():
            priority.save()
    except IntegrityError:
        raise Conflict(
            _("That priority was added a moment ago; reload the page."), field="title"
        ) from None


@transaction.atomic
def create_priority(
    *,
    actor: Any,
    organization: Organization,
    year: int,
    title: str,
    url: str = "",
) -> NeedsPriority:
    """Record a priority of an organization's community health needs assessment.

    Side effects, in order: the row, an audit entry `partnerships.priority.created` with
    everything.
    """
    _require_staff(actor)
    if not isinstance(organization, Organization) or organization.pk is None:
        raise ServiceError(_("Choose an organization."), field="organization")
    _lock_organization(organization)
    priority = NeedsPriority(organization=organization, year=year, title=title, url=url)
    _check_priority(priority)
    _save_priority(priority)
    record(
        "partnerships.priority.created",
        actor=actor,
        obj=priority,
        data=snapshot(priority, PRIORITY_FIELDS),
    )
    return priority


@transaction.atomic
def update_priority(*, actor: Any, priority: NeedsPriority, **changes: Any) -> NeedsPriority:
    """Correct a priority's organization, year, title or link; the initiatives linked to it
    stay linked.

    Side effects, in order: the row, an audit entry `partnerships.priority.updated` with the
    old and new values of what changed (nothing when nothing changed).
    """
    _require_staff(actor)
    unknown = set(changes) - PRIORITY_EDITABLE
    if unknown:
        raise ServiceError(_("Unknown field: %(f)s") % {"f": sorted(unknown)[0]})
    organization = changes.get("organization", priority.organization)
    if not isinstance(organization, Organization) or organization.pk is None:
        raise ServiceError(_("Choose an organization."), field="organization")
    _lock_organization(organization)
    fresh = NeedsPriority.objects.select_for_update().select_related("organization")
    fresh_priority = fresh.get(pk=priority.pk)
    before = snapshot(fresh_priority, PRIORITY_FIELDS)
    for field, value in changes.items():
        setattr(fresh_priority, field, value)
    _check_priority(fresh_priority)
    changed = diff(before, snapshot(fresh_priority, PRIORITY_FIELDS))
    if changed:
        _save_priority(fresh_priority)
        record("partnerships.priority.updated", actor=actor, obj=fresh_priority, changes=changed)
    for field in ("organization", "year", "title", "url"):
        setattr(priority, field, getattr(fresh_priority, field))
    return priority


def _titles(initiatives: models.QuerySet[Initiative]) -> str:
    titles = list(initiatives.order_by("title").values_list("title", flat=True))
    shown = ", ".join(titles[:NAMED_INITIATIVES])
    rest = len(titles) - NAMED_INITIATIVES
    if rest > 0:
        return ngettext("%(titles)s and %(n)s more", "%(titles)s and %(n)s more", rest) % {
            "titles": shown,
            "n": rest,
        }
    return shown


@transaction.atomic
def delete_priority(*, actor: Any, priority: NeedsPriority) -> None:
    """Delete a priority no initiative links to (one recorded by mistake). A linked priority is
    refused with a `Conflict` naming the initiatives: unlink it from them first.

    Side effects, in order: an audit entry `partnerships.priority.deleted` with the priority,
    the row deleted.
    """
    _require_staff(actor)
    NeedsPriority.objects.select_for_update().filter(pk=priority.pk).values_list("pk").first()
    linked = Initiative.objects.filter(needs_priorities=priority)
    count = linked.count()
    if count:
        raise Conflict(
            ngettext(
                "This priority is linked to an initiative: %(titles)s. Unlink it there first.",
                "This priority is linked to %(n)s initiatives: %(titles)s. Unlink it there first.",
                count,
            )
            % {"n": count, "titles": _titles(linked)}
        )
    record(
        "partnerships.priority.deleted",
        actor=actor,
        obj=priority,
        data=snapshot(priority, PRIORITY_FIELDS),
    )
    priority.delete()

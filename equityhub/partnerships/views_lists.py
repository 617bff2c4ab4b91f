"""The consortium's controlled lists, under /consortium/lists/ and the edit pages next to it:
the focus areas and populations initiatives are tagged with, and the hospitals' community
health needs assessment (CHNA) priorities initiatives answer.

Office staff only (403 for everyone else, before any id is looked at). One page shows the three
lists with how many initiatives use each entry and the forms to add to them; a focus area or
population is renamed in its row (htmx swaps the row; without JavaScript the form posts to the
entry's edit page and comes back with a message); a priority is corrected on its edit page and
deleted from its row, unless an initiative links to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.partnerships import selectors_lists as selectors
from equityhub.partnerships import services_lists as services
from equityhub.partnerships.access import is_consortium_staff
from equityhub.partnerships.forms_lists import EntryForm, PriorityForm
from equityhub.partnerships.models import FocusArea, NeedsPriority, Population

PRIORITY_PREFIX = "priority"


def _require_staff(request: AuthenticatedHttpRequest) -> None:
    if not is_consortium_staff(request.user):
        raise PermissionDenied


def _lists_url(anchor: str) -> str:
    return reverse("partnerships:lists") + "#" + anchor


@dataclass(frozen=True)
class _List:
    """What differs between the focus areas and the populations on the page."""

    key: str  # the value of the add forms' hidden `list` field
    anchor: str  # the section's heading id
    edit_url: str
    get: Callable[[Any, Any], Any]
    create: Callable[[Any, str], Any]
    rename: Callable[[Any, Any, str], Any]
    row: Callable[[Any], selectors.EntryRow[Any]]


FOCUS_AREAS = _List(
    key="focus_areas",
    anchor="focus-areas-heading",
    edit_url="partnerships:focus_area_edit",
    get=selectors.get_focus_area_for_user,
    create=lambda actor, name: services.create_focus_area(actor=actor, name=name),
    rename=lambda actor, entry, name: services.rename_focus_area(
        actor=actor, focus_area=entry, name=name
    ),
    row=selectors.focus_area_row,
)
POPULATIONS = _List(
    key="populations",
    anchor="populations-heading",
    edit_url="partnerships:population_edit",
    get=selectors.get_population_for_user,
    create=lambda actor, name: services.create_population(actor=actor, name=name),
    rename=lambda actor, entry, name: services.rename_population(
        actor=actor, population=entry, name=name
    ),
    row=selectors.population_row,
)
BY_KEY = {spec.key: spec for spec in (FOCUS_AREAS, POPULATIONS)}


def _entry_rows(
    spec: _List, rows: list[selectors.EntryRow[Any]], bound: EntryForm | None, bound_pk: int | None
) -> list[dict[str, Any]]:
    return [
        {
            "row": row,
            "form": bound
            if bound is not None and row.entry.pk == bound_pk
            else EntryForm(initial={"name": row.entry.name}, prefix=f"rename-{row.entry.pk}"),
            "edit_url": spec.edit_url,
            "key": spec.key,
        }
        for row in rows
    ]


def _page(
    request: AuthenticatedHttpRequest,
    *,
    add_forms: dict[str, EntryForm] | None = None,
    priority_form: PriorityForm | None = None,
) -> HttpResponse:
    add_forms = add_forms or {}
    priorities = selectors.priority_rows()
    sections = [
        {
            "spec": spec,
            "heading": heading,
            "add_label": add_label,
            "caption": caption,
            "rows": _entry_rows(spec, rows, None, None),
            "add_form": add_forms.get(spec.key) or EntryForm(prefix=spec.key),
        }
        for spec, heading, add_label, caption, rows in (
            (
                FOCUS_AREAS,
                _("Focus areas"),
                _("Add a focus area"),
                _("Focus areas and how many initiatives are tagged with each"),
                selectors.focus_area_rows(),
            ),
            (
                POPULATIONS,
                _("Populations"),
                _("Add a population"),
                _("Populations and how many initiatives are tagged with each"),
                selectors.population_rows(),
            ),
        )
    ]
    context = {
        "sections": sections,
        "priority_groups": selectors.priority_groups(priorities),
        "priority_count": len(priorities),
        "priority_form": priority_form or PriorityForm(prefix=PRIORITY_PREFIX),
    }
    return render(request, "partnerships/lists/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lists(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The three lists; a POST adds a focus area or population (the form's `list` field)."""
    _require_staff(request)
    if request.method != "POST":
        return _page(request)
    spec = BY_KEY.get(request.POST.get("list", ""))
    if spec is None:
        return HttpResponseBadRequest(_("Unknown list."))
    form = EntryForm(request.POST, prefix=spec.key)
    if form.is_valid():
        try:
            entry = spec.create(request.user, form.cleaned_data["name"])
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(label)s was added (code %(code)s).")
                % {"label": entry.label, "code": entry.code},
            )
            return redirect(_lists_url(spec.anchor))
    return _page(request, add_forms={spec.key: form})


def _entry_edit(request: AuthenticatedHttpRequest, spec: _List, entry_id: int) -> HttpResponse:
    _require_staff(request)
    entry = spec.get(request.user, entry_id)
    prefix = f"rename-{entry.pk}"
    form = EntryForm(request.POST or None, initial={"name": entry.name}, prefix=prefix)
    error = done = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                spec.rename(request.user, entry, form.cleaned_data["name"])
            except ServiceError as refused:
                apply_service_error(form, refused)
                error = refused.message
            else:
                done = _rename_message(entry)
        else:
            error = _("The name was not saved: check the field.")
        if request.htmx:
            row = spec.row(entry)
            context = {
                "entry": _entry_rows(spec, [row], form if error else None, entry.pk)[0],
                "message": error or done,
                "level": "danger" if error else "success",
            }
            # 200 even for a refusal: htmx swaps only 2xx answers, and the row shows the message.
            return render(request, "partnerships/lists/_entry_row.html", context)
        if not error:
            messages.success(request, done)
            return redirect(_lists_url(spec.anchor))
    page: dict[str, Any] = {
        "entry": entry,
        "seeded": services.is_seeded(entry),
        "form": form,
        "spec": spec,
    }
    return render(request, "partnerships/lists/entry_form.html", page)


def _rename_message(entry: FocusArea | Population) -> str:
    if services.is_seeded(entry):
        return _(
            "The stored name is now %(name)s. Pages keep showing the translated label "
            "%(label)s; the API and exports give the stored name."
        ) % {"name": entry.name, "label": entry.label}
    return _("Renamed to %(name)s.") % {"name": entry.name}


@login_required
@require_http_methods(["GET", "POST"])
def focus_area_edit(request: AuthenticatedHttpRequest, focus_area_id: int) -> HttpResponse:
    return _entry_edit(request, FOCUS_AREAS, focus_area_id)


@login_required
@require_http_methods(["GET", "POST"])
def population_edit(request: AuthenticatedHttpRequest, population_id: int) -> HttpResponse:
    return _entry_edit(request, POPULATIONS, population_id)


# -- CHNA priorities -------------------------------------------------------------------------


def _priority_page(
    request: AuthenticatedHttpRequest, form: PriorityForm, priority: NeedsPriority | None
) -> HttpResponse:
    return render(
        request, "partnerships/lists/priority_form.html", {"form": form, "priority": priority}
    )


@login_required
@require_http_methods(["GET", "POST"])
def priority_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_staff(request)
    form = PriorityForm(request.POST or None, prefix=PRIORITY_PREFIX)
    if request.method == "POST" and form.is_valid():
        try:
            priority = services.create_priority(actor=request.user, **form.service_fields())
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("%(priority)s was added.") % {"priority": priority})
            return redirect(_lists_url(f"priority-{priority.pk}"))
    return _priority_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def priority_edit(request: AuthenticatedHttpRequest, priority_id: int) -> HttpResponse:
    _require_staff(request)
    priority = selectors.get_priority_for_user(request.user, priority_id)
    form = PriorityForm(
        request.POST or None, initial=PriorityForm.initial_for(priority), prefix=PRIORITY_PREFIX
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_priority(actor=request.user, priority=priority, **form.service_fields())
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("%(priority)s was saved.") % {"priority": priority})
            return redirect(_lists_url(f"priority-{priority.pk}"))
    return _priority_page(request, form, priority)


@login_required
@require_POST
def priority_delete(request: AuthenticatedHttpRequest, priority_id: int) -> HttpResponse:
    """Delete a priority no initiative links to; a linked one stays, with the reason."""
    _require_staff(request)
    priority = selectors.get_priority_for_user(request.user, priority_id)
    label = str(priority)
    try:
        services.delete_priority(actor=request.user, priority=priority)
    except ServiceError as refused:
        if request.htmx:
            context = {
                "entry": selectors.priority_row(priority),
                "message": refused.message,
                "level": "danger",
            }
            # 200: htmx swaps only 2xx answers; the row shows why it stays.
            return render(request, "partnerships/lists/_priority_row.html", context)
        messages.error(request, refused.message)
        return redirect(_lists_url(f"priority-{priority.pk}"))
    done = _("%(priority)s was deleted.") % {"priority": label}
    if request.htmx:
        # The row goes; the announcement takes its place in the page's status region.
        return render(request, "partnerships/lists/_deleted.html", {"message": done})
    messages.success(request, done)
    return redirect(_lists_url("priorities-heading"))

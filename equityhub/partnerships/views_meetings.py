"""Consortium meeting pages, under /consortium/meetings/ and /consortium/action-items/.

Office staff create and edit meetings, record attendance and action items. A partner user
reads the meetings their organization attended or owns action items from (agenda, minutes,
their own organization's attendance and items) and marks their own items done or reopens
them. Every meeting and item by id goes through a `selectors_meetings` choke-point (404 for
anyone who may not read it); the lists answer 403 to anyone who may not use them.

Marking an item works with and without JavaScript: with htmx the row is swapped in place,
without it the form posts and the browser comes back with a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.partnerships import selectors_meetings as selectors
from equityhub.partnerships import services_meetings as services
from equityhub.partnerships.access import is_consortium_staff
from equityhub.partnerships.forms_agreements import (
    ActionItemEditForm,
    ActionItemFilterForm,
    ActionItemForm,
    AttendanceForm,
    MeetingForm,
    active_organizations,
)
from equityhub.partnerships.models import ActionItem, Meeting


def _require_staff(request: AuthenticatedHttpRequest) -> None:
    if not is_consortium_staff(request.user):
        raise PermissionDenied


def _redirect_to(meeting: Meeting) -> HttpResponse:
    return redirect("partnerships:meeting_detail", meeting_id=meeting.pk)


# -- meetings --------------------------------------------------------------------------------


@login_required
@require_GET
def meeting_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not selectors.can_use_meetings(request.user):
        raise PermissionDenied
    context = {
        "meetings": selectors.meeting_list(request.user),
        "is_staff": is_consortium_staff(request.user),
    }
    return render(request, "partnerships/meetings/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_staff(request)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.create_meeting(actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("%(title)s was added.") % {"title": meeting.title})
            return _redirect_to(meeting)
    return render(request, "partnerships/meetings/form.html", {"form": form, "meeting": None})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, meeting_id)
    _require_staff(request)
    form = MeetingForm(request.POST or None, initial=MeetingForm.initial_for(meeting))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(meeting=meeting, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The meeting was saved."))
            return _redirect_to(meeting)
    return render(request, "partnerships/meetings/form.html", {"form": form, "meeting": meeting})


def _detail(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    *,
    attendance_form: AttendanceForm | None = None,
    item_form: ActionItemForm | None = None,
) -> HttpResponse:
    user = request.user
    staff = is_consortium_staff(user)
    items = selectors.meeting_action_items(user, meeting)
    context = {
        "meeting": meeting,
        "is_staff": staff,
        "attendance": selectors.attendance_for_user(user, meeting),
        "rows": _rows(request, items),
        "attendance_form": attendance_form or (AttendanceForm() if staff else None),
        "item_form": item_form or (ActionItemForm() if staff else None),
        "meeting_day": services.meeting_day(meeting),
    }
    return render(request, "partnerships/meetings/detail.html", context)


@login_required
@require_GET
def meeting_detail(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, meeting_id)
    return _detail(request, meeting)


@login_required
@require_POST
def meeting_attendance(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    """Add someone to the attendance, or change the status of someone on it."""
    meeting = selectors.get_meeting_for_user(request.user, meeting_id)
    _require_staff(request)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            row = services.record_attendance(
                meeting=meeting, actor=request.user, **form.cleaned_data
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s: %(status)s.") % {"name": row.name, "status": row.get_status_display()},
            )
            return redirect(_meeting_url(meeting) + "#attendance-heading")
    return _detail(request, meeting, attendance_form=form)


def _meeting_url(meeting: Meeting) -> str:
    return reverse("partnerships:meeting_detail", kwargs={"meeting_id": meeting.pk})


@login_required
@require_POST
def action_item_new(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, meeting_id)
    _require_staff(request)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        try:
            services.add_action_item(meeting=meeting, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The action item was added."))
            return redirect(_meeting_url(meeting) + "#items-heading")
    return _detail(request, meeting, item_form=form)


# -- action items ----------------------------------------------------------------------------


def _rows(
    request: AuthenticatedHttpRequest,
    items: Any,
    bound: dict[int, ActionItemEditForm] | None = None,
) -> list[dict[str, Any]]:
    """Each item with what the user may do to it (and, for staff, its edit form). The
    organizations the edit forms offer are read once here, not once per row."""
    bound = bound or {}
    rows = selectors.item_rows(request.user, items)
    if not is_consortium_staff(request.user):
        return [{"row": row, "edit_form": None} for row in rows]
    needed = any(row.item.pk not in bound for row in rows)
    organizations = list(active_organizations()) if needed else []
    return [
        {
            "row": row,
            "edit_form": bound.get(row.item.pk)
            or ActionItemEditForm(item=row.item, organizations=organizations),
        }
        for row in rows
    ]


@login_required
@require_GET
def action_item_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open action items, overdue first. A partner sees their organization's."""
    user = request.user
    if not selectors.can_use_meetings(user):
        raise PermissionDenied
    staff = is_consortium_staff(user)
    form = ActionItemFilterForm(
        request.GET or None, organizations=selectors.owner_organizations(user), staff=staff
    )
    items = selectors.open_action_items_for_user(user)
    if form.is_bound and form.is_valid():
        items = selectors.filter_action_items(
            items,
            user,
            organization=form.cleaned_data["organization"],
            mine=bool(form.cleaned_data.get("mine")),
        )
    context = {
        "form": form,
        "rows": _rows(request, items),
        "is_staff": staff,
        "show_meeting": True,
        "today": timezone.localdate(),
    }
    return render(request, "partnerships/meetings/action_items.html", context)


ACTIONS = ("done", "reopen", "drop", "save")


def _back(request: AuthenticatedHttpRequest, item: ActionItem) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return _redirect_to(item.meeting)


@login_required
@require_POST
def action_item_update(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    """Done, reopen (the owning organization's partners and staff), drop and owner or due
    date changes (staff)."""
    item = selectors.get_action_item_for_user(request.user, item_id)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponseBadRequest(_("Unknown action."))
    edit_form: ActionItemEditForm | None = None
    error: str | None = None
    done = ""
    try:
        if action == "done":
            services.complete_action_item(item=item, actor=request.user)
            done = _("Marked done.")
        elif action == "reopen":
            services.reopen_action_item(item=item, actor=request.user)
            done = _("Reopened.")
        elif action == "drop":
            services.drop_action_item(item=item, actor=request.user)
            done = _("Dropped.")
        else:
            if not is_consortium_staff(request.user):
                raise PermissionDenied
            edit_form = ActionItemEditForm(
                request.POST, item=item, organizations=list(active_organizations())
            )
            if edit_form.is_valid():
                services.update_action_item(item=item, actor=request.user, **edit_form.cleaned_data)
                done = _("Saved.")
            else:
                error = _("The action item was not saved: check the fields.")
    except NotAllowed as refused:
        raise PermissionDenied(refused.message) from None
    except ServiceError as refused:
        error = refused.message
        if edit_form is not None:
            apply_service_error(edit_form, refused)
    return _item_outcome(request, item, edit_form=edit_form, error=error, done=done)


def _item_outcome(
    request: AuthenticatedHttpRequest,
    item: ActionItem,
    *,
    edit_form: ActionItemEditForm | None,
    error: str | None,
    done: str,
) -> HttpResponse:
    if request.htmx:
        fresh = selectors.get_action_item_for_user(request.user, item.pk)
        bound = {fresh.pk: edit_form} if edit_form is not None and error else None
        context = {
            "entry": _rows(request, [fresh], bound)[0],
            "show_meeting": request.POST.get("show_meeting") == "1",
            "next": request.POST.get("next", ""),
            "message": error or done,
            "level": "danger" if error else "success",
        }
        # 200 even for a refusal: htmx swaps only 2xx answers, and the row shows the message.
        return render(request, "partnerships/meetings/_action_item_row.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            # Translators: an action item's description, then what was done to it ("Reopened.").
            _("%(description)s: %(outcome)s") % {"description": item.description, "outcome": done},
        )
    return _back(request, item)

"""Cohort pages, under /programs/cycles/<id>/cohort/ (office staff only; 403 for anyone else):
participants, sessions and the attendance grid, leaders and mentors with their mentees,
stipends and capstones.

Thin: every object by id through `selectors_cohorts` (403/404), a form validates, a service
writes; a refusal is shown on the form (re-rendered with status 200) or as a message. The
attendance grid's cells are small forms: with htmx a cell swaps itself in place (its button
keeps its id, so keyboard focus stays on it); without JavaScript the form posts and the page
comes back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.people.selectors import log_directory_minors
from equityhub.programs import selectors_cohorts as selectors
from equityhub.programs import services_cohorts as services
from equityhub.programs.forms_outcomes import (
    AttendanceForm,
    CapstoneForm,
    LeaderForm,
    MenteesForm,
    SessionForm,
    StipendForm,
    StipendStatusForm,
)
from equityhub.programs.models import Capstone, CohortLeader, Cycle, Stipend


def _back(cycle_id: int, anchor: str = "") -> HttpResponse:
    url = reverse("programs:cohort", kwargs={"cycle_id": cycle_id})
    return redirect(f"{url}#{anchor}" if anchor else url)


def _refused(request: AuthenticatedHttpRequest, form: Any, error: ServiceError) -> None:
    if error.field in form.fields:
        apply_service_error(form, error)
    else:
        messages.error(request, error.message)


def _page(
    request: AuthenticatedHttpRequest,
    cycle: Cycle,
    *,
    session_form: SessionForm | None = None,
    leader_form: LeaderForm | None = None,
    stipend_form: StipendForm | None = None,
) -> HttpResponse:
    cohort = selectors.cohort_of(cycle)
    log_directory_minors(request.user, [a.applicant for a in cohort.participants])
    # Mentee checkboxes are drawn from the participants already loaded (a form per mentor
    # would query them once per mentor); `mentees_set` validates with MenteesForm.
    leaders = [
        (
            leader,
            {mentee.pk for mentee in leader.mentees.all()}
            if leader.role == CohortLeader.Role.MENTOR
            else None,
        )
        for leader in cohort.leaders
    ]
    context = {
        "cycle": cycle,
        "cohort": cohort,
        "leaders": leaders,
        "stipends": [
            (
                stipend,
                StipendStatusForm(
                    initial={"status": stipend.status, "note": stipend.note},
                    prefix=f"stipend-{stipend.pk}",
                ),
            )
            for stipend in cohort.stipends
        ],
        "session_form": session_form or SessionForm(),
        "leader_form": leader_form or LeaderForm(),
        "stipend_form": stipend_form
        or StipendForm(
            participants=selectors.participants_of(cycle),
            initial={"due_on": timezone.localdate()},
        ),
        "started": cycle.status in selectors.STARTED,
    }
    return render(request, "programs/cohort/page.html", context)


@login_required
@require_GET
def cohort(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cohort_cycle_for_user(request.user, cycle_id)
    return _page(request, cycle)


# -- sessions --------------------------------------------------------------------------------


@login_required
@require_POST
def session_add(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cohort_cycle_for_user(request.user, cycle_id)
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            session = services.add_session(actor=request.user, cycle=cycle, **form.cleaned_data)
        except ServiceError as error:
            _refused(request, form, error)
        else:
            messages.success(
                request, _("The session %(title)s was added.") % {"title": session.title}
            )
            return _back(cycle.pk, "sessions")
    return _page(request, cycle, session_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = selectors.get_session_for_user(request.user, session_id)
    initial = {
        "title": session.title,
        "starts_at": timezone.localtime(session.starts_at),
        "location": session.location,
    }
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_session(actor=request.user, session=session, **form.cleaned_data)
        except ServiceError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("The session was saved."))
            return _back(session.cycle_id, "sessions")
    return render(
        request,
        "programs/cohort/session_form.html",
        {"form": form, "session": session, "cycle": session.cycle},
    )


@login_required
@require_POST
def session_delete(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = selectors.get_session_for_user(request.user, session_id)
    cycle_id, title = session.cycle_id, session.title
    try:
        services.delete_session(actor=request.user, session=session)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The session %(title)s was deleted.") % {"title": title})
    return _back(cycle_id, "sessions")


@login_required
@require_POST
def attendance_set(
    request: AuthenticatedHttpRequest, session_id: int, application_id: int
) -> HttpResponse:
    """One cell of the grid. With htmx the answer is the cell itself (status 200 even for a
    refusal, shown in the cell: htmx does not swap error responses)."""
    session = selectors.get_session_for_user(request.user, session_id)
    application = selectors.get_participant_for_user(request.user, session.cycle, application_id)
    form = AttendanceForm(request.POST)
    error_message = ""
    if not form.is_valid():
        error_message = _("Choose present, excused or absent.")
    else:
        try:
            services.set_attendance(
                actor=request.user,
                session=session,
                application=application,
                status=form.cleaned_data["status"],
            )
        except ServiceError as error:
            error_message = error.message
    if request.htmx:
        cell = selectors.attendance_cell(session, application)
        return render(
            request,
            "programs/cohort/_attendance_cell.html",
            {"cell": cell, "error": error_message},
        )
    if error_message:
        messages.error(request, error_message)
    return _back(session.cycle_id, "attendance")


# -- leaders and mentors ---------------------------------------------------------------------


@login_required
@require_POST
def leader_add(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cohort_cycle_for_user(request.user, cycle_id)
    form = LeaderForm(request.POST)
    if form.is_valid():
        try:
            leader = services.add_leader(
                actor=request.user,
                cycle=cycle,
                person=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ServiceError as error:
            if error.field == "person":
                form.add_error("email", error.message)
            else:
                _refused(request, form, error)
        else:
            messages.success(
                request,
                _("%(name)s was added as %(role)s.")
                % {"name": leader.person.display_name, "role": leader.get_role_display()},
            )
            return _back(cycle.pk, "leaders")
    return _page(request, cycle, leader_form=form)


@login_required
@require_POST
def leader_remove(request: AuthenticatedHttpRequest, leader_id: int) -> HttpResponse:
    leader = selectors.get_leader_for_user(request.user, leader_id)
    cycle_id, name = leader.cycle_id, leader.person.display_name
    services.remove_leader(actor=request.user, leader=leader)
    messages.success(request, _("%(name)s was removed from the cohort.") % {"name": name})
    return _back(cycle_id, "leaders")


@login_required
@require_POST
def mentees_set(request: AuthenticatedHttpRequest, leader_id: int) -> HttpResponse:
    leader = selectors.get_leader_for_user(request.user, leader_id)
    form = MenteesForm(
        request.POST,
        participants=selectors.participants_of(leader.cycle),
        prefix=f"leader-{leader.pk}",
    )
    if not form.is_valid():
        messages.error(request, _("Choose mentees among the cohort's participants."))
        return _back(leader.cycle_id, "leaders")
    try:
        services.set_mentees(
            actor=request.user, leader=leader, applications=form.cleaned_data["mentees"]
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The mentees of %(name)s were saved.") % {"name": leader.person.display_name},
        )
    return _back(leader.cycle_id, "leaders")


# -- stipends --------------------------------------------------------------------------------


@login_required
@require_POST
def stipend_add(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cohort_cycle_for_user(request.user, cycle_id)
    form = StipendForm(request.POST, participants=selectors.participants_of(cycle))
    if form.is_valid():
        try:
            services.add_stipend(actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("The stipend was recorded."))
            return _back(cycle.pk, "stipends")
    return _page(request, cycle, stipend_form=form)


@login_required
@require_POST
def stipend_update(request: AuthenticatedHttpRequest, stipend_id: int) -> HttpResponse:
    stipend: Stipend = selectors.get_stipend_for_user(request.user, stipend_id)
    cycle_id = stipend.application.cycle_id
    form = StipendStatusForm(request.POST, prefix=f"stipend-{stipend.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose planned, paid or cancelled."))
        return _back(cycle_id, "stipends")
    try:
        services.update_stipend(actor=request.user, stipend=stipend, **form.cleaned_data)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The stipend was saved."))
    return _back(cycle_id, "stipends")


# -- capstones -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def capstone_set(
    request: AuthenticatedHttpRequest, cycle_id: int, application_id: int
) -> HttpResponse:
    cycle = selectors.get_cohort_cycle_for_user(request.user, cycle_id)
    application = selectors.get_participant_for_user(request.user, cycle, application_id)
    capstone = Capstone.objects.filter(application=application).first()
    initial = (
        {
            "title": capstone.title,
            "summary": capstone.summary,
            "presented_on": capstone.presented_on,
        }
        if capstone
        else {}
    )
    form = CapstoneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_capstone(actor=request.user, application=application, **form.cleaned_data)
        except ServiceError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("The capstone was saved."))
            return _back(cycle.pk, "participants")
    log_directory_minors(request.user, [application.applicant])
    return render(
        request,
        "programs/cohort/capstone_form.html",
        {"form": form, "cycle": cycle, "application": application, "capstone": capstone},
    )

"""Review and decision pages, under /programs/: a reviewer's queue and review sheet, the
rubric, reviewer assignment, the committee's table with decisions, decision letters, the
applicant's answer to an offer, and the program director's private link.

Thin: every object by id goes through a `selectors_review` choke-point (404 for anyone who
may not reach it: another reviewer's review, a program the reviewer is not scoped to, a cycle
for non-staff); a form validates; a service writes, and its refusal is shown on the form, in
the htmx row, or as a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest, HtmxHttpRequest
from equityhub.programs import selectors_review as selectors
from equityhub.programs import services_review as services
from equityhub.programs.access import is_program_staff, is_reviewer_user
from equityhub.programs.forms_review import (
    AssignForm,
    ConflictForm,
    CriterionForm,
    DecisionForm,
    DirectorAnswerForm,
    DirectorForm,
    LetterTemplateForm,
    OfferResponseForm,
    ReleaseForm,
    RubricForm,
)
from equityhub.programs.models import Application, Cycle

# -- a reviewer's pages ----------------------------------------------------------------------


@login_required
@require_GET
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A reviewer's assigned reviews across their programs; staff also get each cycle's
    committee."""
    user = request.user
    staff = is_program_staff(user)
    if not (staff or is_reviewer_user(user)):
        raise PermissionDenied
    rows = selectors.review_queue(user)
    context = {
        "to_do": [row for row in rows if row.review.submitted_at is None],
        "done": [row for row in rows if row.review.submitted_at is not None],
        "cycles": selectors.committee_cycles(user),
        "is_staff": staff,
    }
    return render(request, "programs/review/queue.html", context)


def _review_page(
    request: AuthenticatedHttpRequest,
    sheet: selectors.ReviewSheet,
    form: RubricForm,
    conflict_form: ConflictForm | None = None,
) -> HttpResponse:
    context = {
        "sheet": sheet,
        "form": form,
        "conflict_form": conflict_form or ConflictForm(),
        "locked_rubric": not sheet.criteria,
    }
    return render(request, "programs/review/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    """The application as the reviewer may see it (blind where the program reviews blind),
    the rubric form, and the declare-conflict button."""
    found = selectors.get_review_for_user(request.user, review_id)
    sheet = selectors.review_sheet(found, request.user)
    criteria = [row.criterion for row in sheet.criteria]
    form = RubricForm(
        request.POST or None, criteria=criteria, scores=sheet.scores, comments=found.comments
    )
    if request.method == "POST":
        if not sheet.is_own:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.submit_review(
                    review=found,
                    actor=request.user,
                    scores=form.scores(),
                    comments=form.cleaned_data["comments"],
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("Your review of %(label)s was saved (total %(total)s).")
                    % {"label": sheet.label, "total": found.total},
                )
                return redirect("programs:review_queue")
    return _review_page(request, sheet, form)


@login_required
@require_POST
def review_conflict(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    """The reviewer declares a conflict of interest: the review leaves their queue."""
    found = selectors.get_review_for_user(request.user, review_id)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.declare_conflict(
                reviewer=found.reviewer,
                application=found.application,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect("programs:review", review_id=found.pk)
        messages.success(
            request,
            _("Conflict of interest recorded; you will not review this application."),
        )
        return redirect("programs:review_queue")
    sheet = selectors.review_sheet(found, request.user)
    rubric = RubricForm(
        criteria=[row.criterion for row in sheet.criteria],
        scores=sheet.scores,
        comments=found.comments,
    )
    return _review_page(request, sheet, rubric, conflict_form=form)


# -- the rubric and assignment (staff) -------------------------------------------------------


def _criteria_page(
    request: AuthenticatedHttpRequest, cycle: Cycle, form: CriterionForm | None = None
) -> HttpResponse:
    context = {
        "cycle": cycle,
        "criteria": list(cycle.criteria.order_by("position", "pk")),
        "locked": services.rubric_locked(cycle),
        "form": form or CriterionForm(),
        "assign_form": AssignForm(initial={"per_application": cycle.reviews_per_application}),
    }
    return render(request, "programs/committee/criteria.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def criteria(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle_for_staff(request.user, cycle_id)
    form = CriterionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            criterion = services.create_criterion(
                cycle=cycle,
                actor=request.user,
                name=data["name"],
                description=data["description"],
                weight=data["weight"],
                max_score=data["max_score"],
                position=data["position"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Criterion %(name)s added.") % {"name": criterion.name})
            return redirect("programs:criteria", cycle_id=cycle.pk)
    return _criteria_page(request, cycle, form)


@login_required
@require_http_methods(["GET", "POST"])
def criterion_edit(request: AuthenticatedHttpRequest, criterion_id: int) -> HttpResponse:
    criterion = selectors.get_criterion_for_staff(request.user, criterion_id)
    form = CriterionForm.for_criterion(criterion, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {key: data[key] for key in ("name", "description", "weight", "max_score")}
        if data["position"] is not None:
            changes["position"] = data["position"]
        try:
            services.update_criterion(criterion=criterion, actor=request.user, **changes)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The criterion was saved."))
            return redirect("programs:criteria", cycle_id=criterion.cycle_id)
    return render(
        request,
        "programs/committee/criterion_edit.html",
        {"form": form, "criterion": criterion, "cycle": criterion.cycle},
    )


@login_required
@require_POST
def criterion_delete(request: AuthenticatedHttpRequest, criterion_id: int) -> HttpResponse:
    criterion = selectors.get_criterion_for_staff(request.user, criterion_id)
    try:
        services.delete_criterion(criterion=criterion, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Criterion %(name)s removed.") % {"name": criterion.name})
    return redirect("programs:criteria", cycle_id=criterion.cycle_id)


@login_required
@require_POST
def assign(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    """Assign reviewers to the cycle's submitted applications; show what came of it."""
    cycle = selectors.get_cycle_for_staff(request.user, cycle_id)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the number of reviews per application (1 to 20)."))
        return redirect("programs:criteria", cycle_id=cycle.pk)
    try:
        summary = services.assign_reviewers(
            cycle=cycle, actor=request.user, per_application=form.cleaned_data["per_application"]
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("programs:criteria", cycle_id=cycle.pk)
    reviewers = {user.pk: user for user in services.program_reviewers(cycle.program)}
    short_ids = [s.application_id for s in summary.short]
    names = {
        application.pk: application.applicant.display_name
        for application in Application.objects.filter(pk__in=short_ids).select_related("applicant")
    }
    context = {
        "cycle": cycle,
        "summary": summary,
        "loads": sorted(
            (
                (reviewers[pk].email if pk in reviewers else str(pk), load)
                for pk, load in summary.loads.items()
            ),
            key=lambda item: (-item[1], item[0]),
        ),
        "short": [(s, names.get(s.application_id, "")) for s in summary.short],
    }
    return render(request, "programs/committee/assign_result.html", context)


# -- the committee (staff) -------------------------------------------------------------------


@login_required
@require_GET
def committee(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle_for_staff(request.user, cycle_id)
    table = selectors.committee(cycle)
    context = {
        "cycle": cycle,
        "committee": table,
        "assign_form": AssignForm(initial={"per_application": cycle.reviews_per_application}),
        "release_form": ReleaseForm(),
    }
    return render(request, "programs/committee/committee.html", context)


def _committee_answer(
    request: AuthenticatedHttpRequest,
    application: Application,
    *,
    done: str,
    error: str,
) -> HttpResponse:
    """The decided row (htmx, with the seat summary out of band), or back to the page."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, done)
        return redirect(
            reverse("programs:committee", args=[application.cycle_id])
            + f"#application-{application.pk}"
        )
    cycle = Cycle.objects.select_related("program").get(pk=application.cycle_id)
    table = selectors.committee(cycle)
    row = table.row(application.pk)
    row.error = error
    context = {
        "cycle": cycle,
        "committee": table,
        "row": row,
        "announcement": error or done,
        "oob": True,
        "release_form": ReleaseForm(),
    }
    return render(request, "programs/committee/_row.html", context, status=422 if error else 200)


@login_required
@require_POST
def decide(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    application = selectors.get_application_for_staff(request.user, application_id)
    form = DecisionForm(request.POST)
    label = application.applicant.display_name
    done = error = ""
    if not form.is_valid():
        error = _("Choose accepted, waitlisted or rejected.")
    else:
        try:
            decided = services.decide(
                application=application,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as refusal:
            error = refusal.message
        else:
            done = _("%(name)s: %(status)s.") % {
                "name": label,
                "status": decided.get_status_display(),
            }
    return _committee_answer(request, application, done=done, error=error)


@login_required
@require_POST
def release(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    """An accepted applicant declined or withdrew (or a waitlisted one left): the seat or
    place is freed; the committee then decides who gets it."""
    application = selectors.get_application_for_staff(request.user, application_id)
    form = ReleaseForm(request.POST)
    done = error = ""
    if not form.is_valid():
        error = _("Choose declined or withdrawn.")
    else:
        try:
            services.release_seat(
                application=application,
                actor=request.user,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as refusal:
            error = refusal.message
        else:
            done = _("%(name)s no longer holds a seat or a waitlist place.") % {
                "name": application.applicant.display_name
            }
    return _committee_answer(request, application, done=done, error=error)


@login_required
@require_POST
def send_letters(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle_for_staff(request.user, cycle_id)
    try:
        sent = services.send_decision_letters(cycle=cycle, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if sent:
            messages.success(
                request,
                ngettext(
                    "%(n)s decision letter is on its way.",
                    "%(n)s decision letters are on their way.",
                    sent,
                )
                % {"n": sent},
            )
        else:
            messages.info(request, _("Every decided applicant has had their letter."))
    return redirect("programs:committee", cycle_id=cycle.pk)


# -- letters (staff) -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def letters(request: AuthenticatedHttpRequest, program_id: int) -> HttpResponse:
    """A program's decision letters: each outcome in each language, its own or the default."""
    program = selectors.get_program_for_staff(request.user, program_id)
    slots = selectors.letter_slots(program)
    prefixes = {f"{slot.outcome}-{slot.language}" for slot in slots}
    bound: LetterTemplateForm | None = None
    if request.method == "POST":
        # Each letter's form has its own prefix (ids stay unique on the page); `slot` names it.
        prefix = request.POST.get("slot", "")
        if prefix not in prefixes:
            raise Http404
        bound = LetterTemplateForm(request.POST, prefix=prefix)
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                services.save_letter_template(program=program, actor=request.user, **data)
            except ServiceError as error:
                apply_service_error(bound, error)
            else:
                messages.success(request, _("The letter was saved."))
                return redirect(
                    reverse("programs:letters", args=[program.pk])
                    + f"#letter-{data['outcome']}-{data['language']}"
                )
    pairs = []
    for slot in slots:
        prefix = f"{slot.outcome}-{slot.language}"
        form = (
            bound
            if bound is not None and bound.prefix == prefix
            else LetterTemplateForm(
                initial={
                    "outcome": slot.outcome,
                    "language": slot.language,
                    "subject": slot.subject,
                    "body": slot.body,
                },
                prefix=prefix,
            )
        )
        pairs.append((slot, prefix, form))
    return render(
        request,
        "programs/letters/templates.html",
        {"program": program, "slots": pairs, "bound": bound},
    )


@login_required
@require_POST
def letter_delete(request: AuthenticatedHttpRequest, template_id: int) -> HttpResponse:
    template = selectors.get_letter_template_for_staff(request.user, template_id)
    try:
        services.delete_letter_template(template=template, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The program's own letter was removed; the default applies."))
    return redirect("programs:letters", program_id=template.program_id)


# -- the applicant's offer -------------------------------------------------------------------


def _offer_page(
    request: AuthenticatedHttpRequest,
    application: Application,
    director_form: DirectorForm | None = None,
    status: int = 200,
) -> HttpResponse:
    with translation.override(application.language):
        return render(
            request,
            "programs/review/offer.html",
            {
                "application": application,
                "director_form": director_form,
                "director_request": selectors.latest_director_request(application),
            },
            status=status,
        )


@login_required
@require_http_methods(["GET", "POST"])
def offer_response(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    """The applicant's offer: accept (enrol) or decline (the seat is released)."""
    application = selectors.get_own_application(request.user, application_id)
    if request.method == "POST":
        form = OfferResponseForm(request.POST)
        with translation.override(application.language):
            if not form.is_valid():
                messages.error(request, _("Choose whether you accept or decline the offer."))
            else:
                try:
                    answered = services.respond_to_offer(
                        application=application, actor=request.user, accept=form.accepted()
                    )
                except ServiceError as error:
                    messages.error(request, error.message)
                else:
                    messages.success(
                        request,
                        _("Welcome! You are enrolled.")
                        if answered.status == Application.Status.ENROLLED
                        else _("You declined the offer; your seat goes back to the committee."),
                    )
        return redirect("programs:offer_response", application_id=application.pk)
    return _offer_page(request, application)


@login_required
@require_POST
def director_request(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    """The applicant names their program director, who gets a private link to approve."""
    application = selectors.get_own_application(request.user, application_id)
    form = DirectorForm(request.POST)
    with translation.override(application.language):
        if form.is_valid():
            try:
                services.request_director_approval(
                    application=application, actor=request.user, **form.cleaned_data
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("We e-mailed %(name)s a link to approve.")
                    % {"name": form.cleaned_data["director_name"]},
                )
                return redirect("programs:offer_response", application_id=application.pk)
    return _offer_page(request, application, director_form=form)


# -- the program director's link (no account) ------------------------------------------------


def _director_state(found: Any) -> str:
    application = found.application
    if found.answered_at is not None:
        return "answered"
    if found.expires_at <= timezone.now():
        return "expired"
    if (
        application.status != Application.Status.ACCEPTED
        or application.director_approval != Application.Approval.PENDING
    ):
        return "closed"
    return "open"


@never_cache
@require_http_methods(["GET", "POST"])
def director_link(request: HtmxHttpRequest, token: str) -> HttpResponse:
    found = selectors.director_request_for_token(token)
    if found is None:
        raise Http404
    state = _director_state(found)
    if state == "expired":
        return render(request, "programs/director/expired.html", status=404)
    form = DirectorAnswerForm(request.POST or None)
    if request.method == "POST" and state == "open" and form.is_valid():
        try:
            found = services.answer_director_request(
                token=token, approve=form.approved(), note=form.cleaned_data["note"]
            )
        except ServiceError as error:
            if error.code == "not_found":
                return render(request, "programs/director/expired.html", status=404)
            apply_service_error(form, error)
        else:
            state = "answered"
    application = found.application
    context = {
        "request_row": found,
        "application": application,
        "program": application.cycle.program,
        "cycle": application.cycle,
        "state": state,
        "form": form,
    }
    status = 422 if request.method == "POST" and state == "open" else 200
    return render(request, "programs/director/link.html", context, status=status)

"""Program pages, under /programs/: the office's programs, cycles and form builder; the
applicant's application (draft, answers, files, letters of recommendation, guardian consent,
submission, status); the permission-checked downloads of answer files and letters.

Thin: everything reached by id goes through a `selectors_applications` choke-point (404 for
anyone who may not read it); a form validates; a service writes, and its refusal is shown on the
form (or as a message for buttons without fields). The applicant's pages are in the
application's language; staff pages in the user's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from equityhub.audit.services import record_access
from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.people.selectors import person_of, valid_id
from equityhub.programs import selectors_applications as selectors
from equityhub.programs import services_applications as services
from equityhub.programs import services_consent
from equityhub.programs.access import is_program_staff, is_reviewer_user
from equityhub.programs.forms_applications import (
    FORM_ID,
    AnswerFileForm,
    AnswersForm,
    ApplicationFilterForm,
    CycleForm,
    CycleStatusForm,
    FieldForm,
    GuardianRequestForm,
    LanguageForm,
    ProgramForm,
    RecommendationRequestForm,
    StartForm,
    WithdrawForm,
    answer_name,
)
from equityhub.programs.models import (
    Answer,
    Application,
    Cycle,
    FormField,
    RecommendationRequest,
)

C = Cycle.Status
S = Application.Status


def _require_staff(request: AuthenticatedHttpRequest) -> None:
    if not request.user.has_perm("programs.run"):
        raise PermissionDenied


def review_queue_url() -> str:
    """The reviewers' queue (built by the review pages); its plain path until it exists."""
    try:
        return reverse("programs:review_queue")
    except NoReverseMatch:
        return "/programs/review/"


# -- the index ---------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff: every program with its cycles and counts. An applicant: the cycles taking
    applications and their own applications. A reviewer: a link to their queue."""
    user = request.user
    staff = is_program_staff(user)
    reviewer = is_reviewer_user(user)
    applicant = user.has_perm("programs.apply")
    if not (staff or reviewer or applicant):
        raise PermissionDenied
    context: dict[str, Any] = {"is_staff": staff, "is_reviewer": reviewer}
    if staff:
        programs = list(selectors.staff_programs())
        cycles = list(
            selectors.cycles_with_counts(Cycle.objects.filter(program__in=programs)).order_by(
                "-year", "program__name"
            )
        )
        by_program: dict[int, list[Cycle]] = {}
        for cycle in cycles:
            by_program.setdefault(cycle.program_id, []).append(cycle)
        for program in programs:
            program.cycle_list = by_program.get(program.pk, [])  # type: ignore[attr-defined]
        context["programs"] = programs
    if reviewer:
        context["review_queue_url"] = review_queue_url()
    if applicant:
        context["open_cycles"] = selectors.open_cycles_for_user(user)
        context["my_applications"] = list(selectors.my_applications(user))
    return render(request, "programs/programs/index.html", context)


# -- programs ----------------------------------------------------------------------------------


def _program_details(data: dict[str, Any]) -> dict[str, Any]:
    details = dict(data)
    details["residence_areas"] = list(data.get("residence_areas") or [])
    return details


@login_required
@require_http_methods(["GET", "POST"])
def program_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_staff(request)
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            program = services.create_program(
                actor=request.user, **_program_details(form.cleaned_data)
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request, _("The program %(name)s was created.") % {"name": program.name}
            )
            return redirect("programs:program_detail", program_id=program.pk)
    return render(request, "programs/programs/program_form.html", {"form": form, "program": None})


@login_required
@require_http_methods(["GET", "POST"])
def program_edit(request: AuthenticatedHttpRequest, program_id: int) -> HttpResponse:
    program = selectors.get_program_for_user(request.user, program_id)
    _require_staff(request)
    form = ProgramForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_program(
                program=program, actor=request.user, **_program_details(form.cleaned_data)
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The program was saved."))
            return redirect("programs:program_detail", program_id=program.pk)
    return render(
        request, "programs/programs/program_form.html", {"form": form, "program": program}
    )


@login_required
@require_GET
def program_detail(request: AuthenticatedHttpRequest, program_id: int) -> HttpResponse:
    """Staff: the program's rules and its cycles with counts. Anyone else who may read it: the
    program's public description and its cycles taking applications."""
    user = request.user
    program = selectors.get_program_for_user(user, program_id)
    staff = is_program_staff(user)
    if staff:
        cycles = list(selectors.cycles_of_program(program))
    else:
        cycles = [c for c in selectors.open_cycles_for_user(user) if c.program_id == program.pk]
    context = {
        "program": program,
        "cycles": cycles,
        "is_staff": staff,
        "areas": list(program.residence_areas.order_by("code")),
        "spanish": (translation.get_language() or "en")[:2] == "es",
    }
    return render(request, "programs/programs/program_detail.html", context)


# -- cycles ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cycle_new(request: AuthenticatedHttpRequest, program_id: int) -> HttpResponse:
    program = selectors.get_program_for_user(request.user, program_id)
    _require_staff(request)
    year = timezone.localdate().year
    form = CycleForm(
        request.POST or None,
        initial={"year": year, "title": f"{program.name} {year}", "reviews_per_application": 3},
    )
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.create_cycle(program=program, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request, _("The cycle was created as a draft: add the form's questions next.")
            )
            return redirect("programs:form_builder", cycle_id=cycle.pk)
    return render(
        request,
        "programs/programs/cycle_form.html",
        {"form": form, "program": program, "cycle": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_edit(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle_for_user(request.user, cycle_id)
    _require_staff(request)
    form = CycleForm(request.POST or None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_cycle(cycle=cycle, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The cycle was saved."))
            return redirect("programs:cycle_detail", cycle_id=cycle.pk)
    return render(
        request,
        "programs/programs/cycle_form.html",
        {"form": form, "program": cycle.program, "cycle": cycle},
    )


@login_required
@require_GET
def cycle_detail(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    """Staff: the cycle's applications (filtered by status), counts, seats and waitlist.
    Anyone else who may read it: its public information and the way to apply."""
    user = request.user
    cycle = selectors.get_cycle_for_user(user, cycle_id)
    staff = is_program_staff(user)
    context: dict[str, Any] = {"cycle": cycle, "program": cycle.program, "is_staff": staff}
    if staff:
        form = ApplicationFilterForm(request.GET or None)
        status = form.cleaned_data["status"] if form.is_bound and form.is_valid() else ""
        summary = selectors.cycle_summary(cycle)
        context.update(
            {
                "filter_form": form,
                "summary": summary,
                "status_rows": [(S(value).label, summary.counts[value]) for value in S.values],
                "applications": list(selectors.cycle_applications(cycle, status=status)),
                "question_count": selectors.fields_of(cycle).count(),
                "next_statuses": sorted(services.TRANSITIONS[C(cycle.status)]),
                "status_labels": dict(C.choices),
            }
        )
    else:
        context.update(
            {
                "accepting": services_consent.cycle_is_accepting(cycle),
                "my_application": selectors.own_application(user, cycle),
                "spanish": (translation.get_language() or "en")[:2] == "es",
            }
        )
    return render(request, "programs/programs/cycle_detail.html", context)


@login_required
@require_POST
def cycle_status(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle_for_user(request.user, cycle_id)
    _require_staff(request)
    form = CycleStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
    else:
        try:
            services.change_cycle_status(
                cycle=cycle, actor=request.user, status=form.cleaned_data["status"]
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The cycle is now: %(status)s.") % {"status": cycle.get_status_display()},
            )
    return redirect("programs:cycle_detail", cycle_id=cycle.pk)


# -- the form builder --------------------------------------------------------------------------


def _builder(
    request: AuthenticatedHttpRequest,
    cycle: Cycle,
    *,
    add_form: FieldForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "cycle": cycle,
        "program": cycle.program,
        "fields": list(selectors.fields_of(cycle)),
        "fixed": services.form_is_fixed(cycle),
        "add_form": add_form or FieldForm(),
    }
    return render(request, "programs/programs/form_builder.html", context, status=status)


@login_required
@require_GET
def form_builder(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle_for_user(request.user, cycle_id)
    _require_staff(request)
    return _builder(request, cycle)


@login_required
@require_POST
def field_add(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle_for_user(request.user, cycle_id)
    _require_staff(request)
    form = FieldForm(request.POST)
    if form.is_valid():
        try:
            field = services.add_field(cycle=cycle, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The question %(key)s was added.") % {"key": field.key})
            return redirect("programs:form_builder", cycle_id=cycle.pk)
    return _builder(request, cycle, add_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def field_edit(request: AuthenticatedHttpRequest, field_id: int) -> HttpResponse:
    field = selectors.get_field_for_user(request.user, field_id)
    _require_staff(request)
    form = FieldForm(request.POST or None, field=field)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_field(field=field, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The question was saved."))
            return redirect("programs:form_builder", cycle_id=field.cycle_id)
    context = {
        "form": form,
        "field": field,
        "cycle": field.cycle,
        "fixed": services.form_is_fixed(field.cycle),
    }
    return render(request, "programs/programs/field_form.html", context)


@login_required
@require_POST
def field_move(request: AuthenticatedHttpRequest, field_id: int) -> HttpResponse:
    field = selectors.get_field_for_user(request.user, field_id)
    _require_staff(request)
    try:
        services.move_field(
            field=field, actor=request.user, direction=str(request.POST.get("direction", ""))
        )
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect(reverse("programs:form_builder", args=[field.cycle_id]) + f"#field-{field.pk}")


@login_required
@require_POST
def field_delete(request: AuthenticatedHttpRequest, field_id: int) -> HttpResponse:
    field = selectors.get_field_for_user(request.user, field_id)
    _require_staff(request)
    try:
        services.remove_field(field=field, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The question %(key)s was removed.") % {"key": field.key})
    return redirect("programs:form_builder", cycle_id=field.cycle_id)


# -- applying ----------------------------------------------------------------------------------


def _person_or_forbidden(request: AuthenticatedHttpRequest) -> Any:
    if not request.user.has_perm("programs.apply"):
        raise PermissionDenied
    return person_of(request.user)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: AuthenticatedHttpRequest, cycle_id: int) -> HttpResponse:
    """Start the user's application to the cycle, or resume it (one per cycle)."""
    cycle = selectors.get_cycle_for_user(request.user, cycle_id)
    _person_or_forbidden(request)
    existing = selectors.own_application(request.user, cycle)
    if existing is not None:
        return redirect("programs:application", application_id=existing.pk)
    current = (translation.get_language() or "en")[:2]
    form = StartForm(request.POST or None, initial={"language": current})
    if request.method == "POST" and form.is_valid():
        try:
            application, _created = services.start_application(
                cycle=cycle, actor=request.user, language=form.cleaned_data["language"]
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            with translation.override(application.language):
                messages.success(request, _("Your application was started. It saves as you go."))
            return redirect("programs:application", application_id=application.pk)
    context = {
        "cycle": cycle,
        "program": cycle.program,
        "form": form,
        "accepting": services_consent.cycle_is_accepting(cycle),
        "spanish": current == "es",
    }
    return render(request, "programs/apply/start.html", context)


GUARDIAN_ID = "id_guardian_%s"


def question_auto_id(key: str) -> str:
    """Ids unique on the page: each file or recommendation question has its own form."""
    return f"id_{key}_%s"


@dataclass
class Block:
    """One question on the application page: its sheet entry and the inputs to answer it."""

    question: selectors.Question
    bound: forms.BoundField | None
    file_form: AnswerFileForm | None
    recommendation_form: RecommendationRequestForm | None
    errors: list[str]


def _page_language(request: AuthenticatedHttpRequest, application: Application) -> str:
    """The applicant reads their application in its language; staff in their own."""
    if services_consent.is_applicant(request.user, application):
        return application.language
    return (translation.get_language() or "en")[:2]


def _application_page(
    request: AuthenticatedHttpRequest,
    application: Application,
    *,
    answers_form: AnswersForm | None = None,
    file_forms: dict[str, AnswerFileForm] | None = None,
    recommendation_forms: dict[str, RecommendationRequestForm] | None = None,
    guardian_form: GuardianRequestForm | None = None,
    problems: list[selectors.Problem] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    owner = services_consent.is_applicant(user, application)
    language = application.language if owner else "en"
    now = timezone.now()
    editable = (
        owner
        and application.status == S.DRAFT
        and services_consent.cycle_is_accepting(application.cycle, now)
    )
    questions = selectors.application_sheet(application, language)
    if answers_form is None:
        answers_form = AnswersForm(application=application, questions=questions)
    file_forms = file_forms or {}
    recommendation_forms = recommendation_forms or {}
    blocks = []
    for question in questions:
        name = answer_name(question.key)
        bound = answers_form[name] if name in answers_form.fields else None
        errors = [str(e) for e in bound.errors] if bound is not None else []
        file_form = file_forms.get(question.key)
        recommendation_form = recommendation_forms.get(question.key)
        if file_form is not None:
            errors += [str(e) for e in file_form.errors.get("file", [])]
        blocks.append(
            Block(
                question=question,
                bound=bound,
                file_form=file_form
                or (
                    AnswerFileForm(auto_id=question_auto_id(question.key))
                    if question.kind == FormField.Kind.FILE
                    else None
                ),
                recommendation_form=recommendation_form
                or (
                    RecommendationRequestForm(auto_id=question_auto_id(question.key))
                    if question.kind == FormField.Kind.RECOMMENDATION
                    else None
                ),
                errors=errors,
            )
        )
    guardian = selectors.guardian_status(application, now)
    if application.status == S.DRAFT and problems is None:
        problems = selectors.submission_problems(application, now=now)
    waiting_letters = [
        q
        for q in questions
        if q.kind == FormField.Kind.RECOMMENDATION and q.recommendations and not q.letter_received
    ]
    context = {
        "application": application,
        "cycle": application.cycle,
        "program": application.cycle.program,
        "blocks": blocks,
        "answers_form": answers_form,
        "form_id": FORM_ID,
        "owner": owner,
        "is_staff": is_program_staff(user),
        "editable": editable,
        "problems": problems or [],
        "waiting_letters": waiting_letters,
        "guardian": guardian,
        "guardian_form": guardian_form
        or GuardianRequestForm(initial={"language": application.language}, auto_id=GUARDIAN_ID),
        "language_form": LanguageForm(
            initial={"language": application.language}, auto_id="id_application_%s"
        ),
        "withdraw_form": WithdrawForm(),
        "withdrawable": application.status in services.WITHDRAWABLE,
        "language": language,
        "now": now,
        "description": application.cycle.program.description_es
        if language == "es" and application.cycle.program.description_es
        else application.cycle.program.description,
    }
    with translation.override(_page_language(request, application)):
        return render(request, "programs/apply/application.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def application(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    """The application: its form (the applicant's draft) or its answers and status. POST saves
    the draft's text and choice answers."""
    app = selectors.get_application_for_user(request.user, application_id)
    if request.method != "POST":
        return _application_page(request, app)
    questions = selectors.application_sheet(app)
    form = AnswersForm(request.POST, application=app, questions=questions)
    with translation.override(app.language):
        if form.is_valid():
            try:
                services.save_answers(application=app, actor=request.user, answers=form.answers())
            except ServiceError as error:
                _answer_error(form, error)
            else:
                messages.success(request, _("Your draft was saved."))
                return redirect("programs:application", application_id=app.pk)
    return _application_page(request, app, answers_form=form)


def _answer_error(form: AnswersForm, error: ServiceError) -> None:
    name = answer_name(error.field) if error.field else None
    form.add_error(name if name in form.fields else None, error.message)


@login_required
@require_POST
def application_answer(
    request: AuthenticatedHttpRequest, application_id: int, key: str
) -> HttpResponse:
    """Save one question's answer as the applicant leaves it (htmx): answers with a short
    status to show beside the question. Always 200, so htmx shows the message either way."""
    app = selectors.get_application_for_user(request.user, application_id)
    name = answer_name(key)
    field = selectors.fields_of(app.cycle).filter(key=key).first()
    if field is None:
        raise Http404
    if field.kind == FormField.Kind.MULTI_CHOICE:
        value: Any = request.POST.getlist(name)
    else:
        value = request.POST.get(name, "")
    saved = True
    with translation.override(app.language):
        try:
            services.save_answers(application=app, actor=request.user, answers={key: value})
        except ServiceError as error:
            saved = False
            message = error.message
        else:
            message = _("Saved at %(time)s") % {"time": timezone.localtime().strftime("%H:%M")}
        return render(
            request,
            "programs/apply/_saved.html",
            {"saved": saved, "message": message},
        )


@login_required
@require_POST
def application_file(
    request: AuthenticatedHttpRequest, application_id: int, field_id: int
) -> HttpResponse:
    app = selectors.get_application_for_user(request.user, application_id)
    field = _field_of(app, field_id, FormField.Kind.FILE)
    form = AnswerFileForm(request.POST, request.FILES, auto_id=question_auto_id(field.key))
    with translation.override(app.language):
        if form.is_valid():
            try:
                services.upload_answer_file(
                    application=app, field=field, actor=request.user, file=form.cleaned_data["file"]
                )
            except ServiceError as error:
                form.add_error("file", error.message)
            else:
                messages.success(request, _("Your file was uploaded."))
                return redirect(_question_url(app, field))
    return _application_page(request, app, file_forms={field.key: form})


@login_required
@require_POST
def application_file_remove(
    request: AuthenticatedHttpRequest, application_id: int, field_id: int
) -> HttpResponse:
    app = selectors.get_application_for_user(request.user, application_id)
    field = _field_of(app, field_id, FormField.Kind.FILE)
    with translation.override(app.language):
        try:
            services.remove_answer_file(application=app, field=field, actor=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The file was removed."))
    return redirect(_question_url(app, field))


def _field_of(application: Application, field_id: Any, kind: str) -> FormField:
    """A question of this application's form of the given kind, else 404."""
    found = selectors.fields_of(application.cycle).filter(pk=valid_id(field_id), kind=kind).first()
    if found is None:
        raise Http404
    return found


def _question_url(application: Application, field: FormField) -> str:
    return (
        reverse("programs:application", kwargs={"application_id": application.pk})
        + f"#question-{field.key}"
    )


def _file_response(
    user: Any, stored: Any, download_name: str, audit_obj: Any, action: str
) -> FileResponse:
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError) as err:
        raise Http404 from err
    record_access(action, actor=user, objects=[audit_obj])
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name,
        content_type=services_consent.content_type_of(stored.name or ""),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_GET
def answer_file(request: AuthenticatedHttpRequest, answer_id: int) -> FileResponse:
    """An uploaded answer file: the applicant, staff, or a reviewer of the application."""
    answer: Answer = selectors.get_answer_file_for_user(request.user, answer_id)
    suffix = (answer.file.name or "").rsplit(".", 1)[-1]
    name = f"application-{answer.application_id}-{answer.field.key}.{suffix}"
    return _file_response(
        request.user, answer.file, name, answer.application, "programs.answer_file.downloaded"
    )


@login_required
@require_GET
def recommendation_letter(
    request: AuthenticatedHttpRequest, recommendation_id: int
) -> FileResponse:
    """A letter of recommendation: staff, or a reviewer with a review of the application."""
    letter: RecommendationRequest = selectors.get_recommendation_letter_for_user(
        request.user, recommendation_id
    )
    suffix = (letter.letter.name or "").rsplit(".", 1)[-1]
    name = f"application-{letter.application_id}-letter-{letter.pk}.{suffix}"
    return _file_response(
        request.user, letter.letter, name, letter.application, "programs.letter.downloaded"
    )


@login_required
@require_POST
def application_submit(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    app = selectors.get_application_for_user(request.user, application_id)
    with translation.override(app.language):
        try:
            services.submit_application(application=app, actor=request.user)
        except services.NotSubmittable as error:
            messages.error(request, _("Your application cannot be submitted yet."))
            return _application_page(request, app, problems=error.problems, status=422)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Your application was submitted. We sent you a confirmation by e-mail."),
            )
    return redirect("programs:application", application_id=app.pk)


@login_required
@require_POST
def application_withdraw(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    app = selectors.get_application_for_user(request.user, application_id)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    with translation.override(_page_language(request, app)):
        try:
            services.withdraw_application(application=app, actor=request.user, reason=reason)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The application was withdrawn."))
    return redirect("programs:application", application_id=app.pk)


@login_required
@require_POST
def application_language(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    app = selectors.get_application_for_user(request.user, application_id)
    form = LanguageForm(request.POST)
    if form.is_valid():
        try:
            services.set_application_language(
                application=app, actor=request.user, language=form.cleaned_data["language"]
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            with translation.override(app.language):
                messages.success(request, _("The application is now in this language."))
    return redirect("programs:application", application_id=app.pk)


@login_required
@require_POST
def guardian_request(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    app = selectors.get_application_for_user(request.user, application_id)
    form = GuardianRequestForm(request.POST, auto_id=GUARDIAN_ID)
    with translation.override(_page_language(request, app)):
        if form.is_valid():
            try:
                sent = services_consent.request_guardian_consent(
                    application=app, actor=request.user, **form.cleaned_data
                )
            except ServiceError as error:
                if error.field in form.fields:
                    apply_service_error(form, error)
                else:
                    messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("We e-mailed %(name)s a link to consent. It works for 14 days.")
                    % {"name": sent.guardian_name},
                )
                return redirect(
                    reverse("programs:application", args=[app.pk]) + "#guardian-consent"
                )
    return _application_page(request, app, guardian_form=form)


@login_required
@require_POST
def recommendation_request(
    request: AuthenticatedHttpRequest, application_id: int, field_id: int
) -> HttpResponse:
    app = selectors.get_application_for_user(request.user, application_id)
    field = _field_of(app, field_id, FormField.Kind.RECOMMENDATION)
    form = RecommendationRequestForm(request.POST, auto_id=question_auto_id(field.key))
    with translation.override(_page_language(request, app)):
        if form.is_valid():
            try:
                sent = services_consent.request_recommendation(
                    application=app, field=field, actor=request.user, **form.cleaned_data
                )
            except ServiceError as error:
                if error.field in form.fields:
                    apply_service_error(form, error)
                else:
                    form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("We e-mailed %(name)s a link to upload their letter.")
                    % {"name": sent.recommender_name},
                )
                return redirect(_question_url(app, field))
    return _application_page(request, app, recommendation_forms={field.key: form})

"""Outcome pages, under /programs/: a person's milestones (office staff), the milestone import
(upload, preview, confirm; office staff), and a program's outcomes (funnel, comparison group,
cohort survival, CSV export; office staff and leadership viewers), with the alumni follow-up
buttons for staff.

Anyone else gets 403 (these are sections they cannot use at all); an unknown id is 404.
Everything a page shows about outcomes comes from `selectors_outcomes.build_outcomes`, already
suppressed: the same numbers on the page, in the CSV and in the API.

An uploaded file waits between preview and confirm under MEDIA_ROOT/milestone-imports/, named by
a random token and readable only by the user who uploaded it; it is deleted once confirmed and
refused (and deleted) after an hour.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import time
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.lib.safe_export import write_csv
from equityhub.programs import imports_outcomes
from equityhub.programs import selectors_outcomes as selectors
from equityhub.programs import services_outcomes as services
from equityhub.programs.access import is_program_staff
from equityhub.programs.forms_outcomes import (
    AlumniInviteForm,
    MilestoneEditForm,
    MilestoneForm,
    MilestoneImportForm,
    OutcomeFilterForm,
    SurveyMilestonesForm,
)
from equityhub.programs.models import Milestone, Program

PENDING_MAX_AGE_SECONDS: Final = 60 * 60
ERRORS_SHOWN: Final = 500
TOKEN_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{43}")


def _require_staff(request: AuthenticatedHttpRequest) -> None:
    if not is_program_staff(request.user):
        raise PermissionDenied


# -- a person's milestones -------------------------------------------------------------------


def _milestones_page(
    request: AuthenticatedHttpRequest, person: Any, form: MilestoneForm, status: int = 200
) -> HttpResponse:
    context = {
        "person": person,
        "milestones": list(selectors.milestones_of(person)),
        "applications": list(selectors.programs_applied_to(person)),
        "form": form,
    }
    return render(request, "programs/outcomes/person_milestones.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def person_milestones(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """The milestones section of a person the office follows; POST records one (again: updates
    the one of the same kind and source)."""
    person = selectors.get_followed_person_for_user(request.user, person_id)
    form = MilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            milestone, created = services.record_milestone(
                actor=request.user, person=person, **form.cleaned_data
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                (_("%(milestone)s was recorded.") if created else _("%(milestone)s was updated."))
                % {"milestone": milestone.get_kind_display()},
            )
            return redirect("programs:person_milestones", person_id=person.pk)
    return _milestones_page(request, person, form)


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request: AuthenticatedHttpRequest, milestone_id: int) -> HttpResponse:
    milestone = selectors.get_milestone_for_user(request.user, milestone_id)
    initial = {
        "kind": milestone.kind,
        "achieved_on": milestone.achieved_on,
        "confidence": milestone.confidence,
        "detail": milestone.detail,
    }
    form = MilestoneEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_milestone(actor=request.user, milestone=milestone, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The milestone was saved."))
            return redirect("programs:person_milestones", person_id=milestone.person_id)
    return render(
        request,
        "programs/outcomes/milestone_form.html",
        {"form": form, "milestone": milestone, "person": milestone.person},
    )


@login_required
@require_POST
def milestone_delete(request: AuthenticatedHttpRequest, milestone_id: int) -> HttpResponse:
    milestone = selectors.get_milestone_for_user(request.user, milestone_id)
    person_id, label = milestone.person_id, milestone.get_kind_display()
    services.delete_milestone(actor=request.user, milestone=milestone)
    messages.success(request, _("%(milestone)s was deleted.") % {"milestone": label})
    return redirect("programs:person_milestones", person_id=person_id)


# -- a program's outcomes --------------------------------------------------------------------


def _filters(form: OutcomeFilterForm) -> selectors.OutcomeFilters:
    if not form.is_bound or not form.is_valid():
        return selectors.OutcomeFilters()
    data = form.cleaned_data
    return selectors.OutcomeFilters(
        cycle_id=data["cycle"].pk if data["cycle"] else None,
        start_year=data["start_year"],
        end_year=data["end_year"],
    )


def default_kind(outcomes: selectors.Outcomes) -> str:
    """The first milestone along the pipeline that any participant reached (or that is
    hidden, which means some did); college entry when none."""
    for kind in Milestone.ORDER:
        if outcomes.funnel.row(kind).total.count != 0:
            return kind
    return Milestone.Kind.COLLEGE_ENTRY


def _query(request: AuthenticatedHttpRequest) -> str:
    keys = ("cycle", "start_year", "end_year", "milestone")
    return urlencode({key: request.GET[key] for key in keys if request.GET.get(key)})


def outcomes_context(
    request: AuthenticatedHttpRequest,
    program: Program,
    *,
    invite_form: AlumniInviteForm | None = None,
    survey_form: SurveyMilestonesForm | None = None,
) -> dict[str, Any]:
    form = OutcomeFilterForm(request.GET or None, program=program)
    outcomes = selectors.build_outcomes(program, _filters(form))
    kind = (form.is_bound and form.is_valid() and form.cleaned_data["milestone"]) or default_kind(
        outcomes
    )
    survival = outcomes.survival_of(kind)
    staff = is_program_staff(request.user)
    return {
        "program": program,
        "form": form,
        "outcomes": outcomes,
        "funnel": outcomes.funnel,
        "comparison": outcomes.comparison,
        "survival": survival,
        "chart": selectors.survival_chart(survival),
        "years_after": selectors.YEARS_AFTER,
        "query": _query(request),
        "is_staff": staff,
        "invite_form": (invite_form or AlumniInviteForm(program=program)) if staff else None,
        "survey_form": (survey_form or SurveyMilestonesForm()) if staff else None,
    }


@login_required
@require_GET
def outcomes(request: AuthenticatedHttpRequest, program_id: int) -> HttpResponse:
    program = selectors.get_program_for_outcomes(request.user, program_id)
    return render(request, "programs/outcomes/page.html", outcomes_context(request, program))


def _count(value: int | None) -> Any:
    return _("suppressed") if value is None else value


def export_rows(outcomes: selectors.Outcomes) -> list[list[Any]]:
    """Every published table in long form: table, group, row, column, count, percent. A hidden
    count is the word "suppressed"; a horizon still ahead is "not yet"."""
    everyone = _("All selected cohorts")
    participants, compared = _("participants"), _("comparison group")
    rows: list[list[Any]] = []
    funnel = outcomes.funnel
    for row in funnel.rows:
        for cohort, cell in zip(funnel.cohorts, row.cells, strict=True):
            rows.append(
                ["funnel", participants, row.label, cohort.year, _count(cell.count), cell.percent]
            )
        rows.append(
            [
                "funnel",
                participants,
                row.label,
                everyone,
                _count(row.total.count),
                row.total.percent,
            ]
        )
    comparison = outcomes.comparison
    if comparison is not None:
        size = _("people in the group")
        for year, cell in zip(comparison.years, comparison.size_by_year, strict=True):
            rows.append(["comparison", compared, size, year, _count(cell.count), ""])
        rows.append(["comparison", compared, size, everyone, _count(comparison.size.count), ""])
        for item in comparison.rows:
            for year, cell in zip(comparison.years, item.by_year, strict=True):
                rows.append(
                    ["comparison", compared, item.label, year, _count(cell.count), cell.percent]
                )
            rows.append(
                [
                    "comparison",
                    compared,
                    item.label,
                    everyone,
                    _count(item.comparison.count),
                    item.comparison.percent,
                ]
            )
    for survival in outcomes.survival:
        table = _("survival: %(milestone)s") % {"milestone": survival.label}
        for line in survival.lines:
            group = compared if line.is_comparison else participants
            rows.append([table, group, line.year, _("cohort size"), _count(line.size.count), ""])
            for point in line.points:
                column = _("%(n)d years after") % {"n": point.years_after}
                if not point.elapsed:
                    rows.append([table, group, line.year, column, _("not yet"), ""])
                else:
                    rows.append([table, group, line.year, column, _count(point.count), point.share])
    return [[("" if value is None else value) for value in row] for row in rows]


EXPORT_HEADER: Final = ("table", "group", "row", "column", "count", "percent")


@login_required
@require_GET
def outcomes_export(request: AuthenticatedHttpRequest, program_id: int) -> HttpResponse:
    """The page's tables (suppressed exactly as on the page) as CSV."""
    program = selectors.get_program_for_outcomes(request.user, program_id)
    form = OutcomeFilterForm(request.GET or None, program=program)
    outcomes = selectors.build_outcomes(program, _filters(form))
    buffer = io.StringIO()
    write_csv(export_rows(outcomes), buffer, header=EXPORT_HEADER)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"outcomes-{program.pk}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def alumni_invite(request: AuthenticatedHttpRequest, program_id: int) -> HttpResponse:
    _require_staff(request)
    program = selectors.get_program_for_outcomes(request.user, program_id)
    form = AlumniInviteForm(request.POST, program=program)
    if form.is_valid():
        try:
            count = services.invite_alumni(actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(count)d alumni were invited (people invited before were skipped).")
                % {"count": count},
            )
            return redirect("programs:outcomes", program_id=program.pk)
    return render(
        request,
        "programs/outcomes/page.html",
        outcomes_context(request, program, invite_form=form),
    )


@login_required
@require_POST
def survey_milestones(request: AuthenticatedHttpRequest, program_id: int) -> HttpResponse:
    _require_staff(request)
    program = selectors.get_program_for_outcomes(request.user, program_id)
    form = SurveyMilestonesForm(request.POST)
    if form.is_valid():
        try:
            result = services.milestones_from_survey(
                actor=request.user, questionnaire=form.cleaned_data["questionnaire"]
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Self-reported milestones: %(created)d recorded, %(updated)d updated, "
                    "%(unchanged)d unchanged; %(skipped_people)d people skipped (not followed "
                    "by any program)."
                )
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "skipped_people": result.skipped_people,
                },
            )
            return redirect("programs:outcomes", program_id=program.pk)
    return render(
        request,
        "programs/outcomes/page.html",
        outcomes_context(request, program, survey_form=form),
    )


# -- the milestone import --------------------------------------------------------------------


def _pending_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "milestone-imports"


def _pending_paths(token: str) -> tuple[Path, Path]:
    directory = _pending_dir()
    return directory / f"{token}.upload", directory / f"{token}.json"


def _discard(token: str) -> None:
    for path in _pending_paths(token):
        path.unlink(missing_ok=True)


def _discard_stale() -> None:
    if not _pending_dir().is_dir():
        return
    cutoff = time.time() - PENDING_MAX_AGE_SECONDS
    for path in _pending_dir().iterdir():
        if path.suffix in {".upload", ".json"} and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _keep(*, user: Any, data: bytes, file_name: str, fmt: str) -> str:
    _discard_stale()
    _pending_dir().mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    upload, meta = _pending_paths(token)
    info = {"user": user.pk, "file_name": file_name, "format": fmt, "at": time.time()}
    for path, content in ((upload, data), (meta, json.dumps(info).encode())):
        path.touch(mode=0o600)
        path.write_bytes(content)
    return token


def _load(request: AuthenticatedHttpRequest, token: str) -> tuple[bytes, str, str] | None:
    """The upload, its file name and format; 404 for a token that is not this user's; None
    when it is stale."""
    if not TOKEN_PATTERN.fullmatch(token):
        raise Http404
    upload, meta = _pending_paths(token)
    try:
        info = json.loads(meta.read_text())
    except (OSError, ValueError):
        raise Http404 from None
    if info.get("user") != request.user.pk:
        raise Http404
    if time.time() - float(info.get("at", 0)) > PENDING_MAX_AGE_SECONDS:
        _discard(token)
        return None
    try:
        return upload.read_bytes(), str(info.get("file_name", "")), str(info.get("format", ""))
    except OSError:
        raise Http404 from None


def _preview(
    request: AuthenticatedHttpRequest,
    *,
    file_name: str,
    fmt: str,
    result: imports_outcomes.MilestoneImport | None,
    errors: list[imports_outcomes.RowError],
    token: str | None,
) -> HttpResponse:
    return render(
        request,
        "programs/outcomes/import_preview.html",
        {
            "file_name": file_name,
            "format_label": dict(imports_outcomes.FORMATS).get(fmt, fmt),
            "result": result,
            "errors": errors[:ERRORS_SHOWN],
            "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
            "token": token,
        },
    )


def _run(
    request: AuthenticatedHttpRequest, data: bytes, fmt: str, *, dry_run: bool
) -> tuple[imports_outcomes.MilestoneImport | None, list[imports_outcomes.RowError]]:
    try:
        result = imports_outcomes.import_milestones(
            actor=request.user, format=fmt, file=data, dry_run=dry_run
        )
    except imports_outcomes.ImportFailed as failure:
        return None, failure.errors
    return result, []


@login_required
@require_http_methods(["GET", "POST"])
def outcomes_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a Clearinghouse- or AAMC-style CSV: a dry run shows what it would do (or every
    problem); confirming imports it, all or nothing."""
    _require_staff(request)
    form = MilestoneImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        name = Path(upload.name or "").name
        fmt = form.cleaned_data["format"]
        result, errors = _run(request, data, fmt, dry_run=True)
        token = _keep(user=request.user, data=data, file_name=name, fmt=fmt) if result else None
        return _preview(request, file_name=name, fmt=fmt, result=result, errors=errors, token=token)
    context = {
        "form": form,
        "clearinghouse_required": imports_outcomes.NSC_REQUIRED,
        "clearinghouse_optional": imports_outcomes.NSC_OPTIONAL,
        "aamc_required": imports_outcomes.AAMC_REQUIRED,
        "aamc_optional": imports_outcomes.AAMC_OPTIONAL,
        "stem_keywords": imports_outcomes.STEM_KEYWORDS,
        "stem_cip": sorted(imports_outcomes.STEM_CIP_FAMILIES),
        "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "programs/outcomes/import_upload.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def outcomes_import_confirm(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """GET shows the preview again; POST imports the file for real."""
    _require_staff(request)
    pending = _load(request, token)
    if pending is None:
        messages.error(request, _("That upload is more than an hour old; upload the file again."))
        return redirect("programs:outcomes_import")
    data, file_name, fmt = pending
    if request.method == "GET":
        result, errors = _run(request, data, fmt, dry_run=True)
        return _preview(
            request,
            file_name=file_name,
            fmt=fmt,
            result=result,
            errors=errors,
            token=token if result else None,
        )
    result, errors = _run(request, data, fmt, dry_run=False)
    _discard(token)
    if result is None:
        return _preview(
            request, file_name=file_name, fmt=fmt, result=None, errors=errors, token=None
        )
    messages.success(
        request,
        _(
            "Imported %(file)s: %(created)d milestones recorded, %(updated)d updated, "
            "%(unchanged)d unchanged, for %(people)d people."
        )
        % {"file": file_name, **result.as_counts()},
    )
    if request.htmx:
        return HttpResponseClientRedirect(reverse("programs:outcomes_import"))
    return redirect("programs:outcomes_import")

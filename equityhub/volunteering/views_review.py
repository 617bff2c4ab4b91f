"""Review queues (hours and credentials), credential evidence, reports and the hours export.

The queue actions work with and without JavaScript: with htmx the reviewed row is swapped for a
short confirmation row and the outcome is announced in the page's live region; without it the
form posts and the browser comes back to the queue with a message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from equityhub.audit.services import record_access
from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.places.models import Site
from equityhub.volunteering import reports, selectors, services
from equityhub.volunteering.forms_review import RejectForm, ReportFilterForm, default_period
from equityhub.volunteering.models import Credential, HoursEntry

XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVIDENCE_CONTENT_TYPES: Final = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def _require(request: AuthenticatedHttpRequest, perm: str, obj: Any = None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _reject_prefix(kind: str, pk: int) -> str:
    return f"reject-{kind}-{pk}"


# -- hours -----------------------------------------------------------------------------------


@dataclasses.dataclass
class HoursRow:
    entry: HoursEntry
    reject_form: RejectForm


@dataclasses.dataclass
class HoursGroup:
    title: str
    elsewhere: bool
    rows: list[HoursRow]


def _hours_row(entry: HoursEntry, form: RejectForm | None = None) -> HoursRow:
    return HoursRow(
        entry=entry, reject_form=form or RejectForm(prefix=_reject_prefix("hours", entry.pk))
    )


def _hours_groups(
    entries: list[HoursEntry], bound: dict[int, RejectForm] | None = None
) -> list[HoursGroup]:
    """Entries by site (by name; service elsewhere last), each site's by date."""
    bound = bound or {}
    entries = sorted(
        entries,
        key=lambda e: (e.site is None, e.site.name.casefold() if e.site else "", e.date, e.pk),
    )
    groups: list[HoursGroup] = []
    for entry in entries:
        title = entry.site.name if entry.site else _("Service elsewhere")
        if not groups or groups[-1].title != title:
            groups.append(HoursGroup(title=title, elsewhere=entry.site is None, rows=[]))
        groups[-1].rows.append(_hours_row(entry, bound.get(entry.pk)))
    return groups


def _render_hours_queue(
    request: AuthenticatedHttpRequest,
    *,
    bound: dict[int, RejectForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    entries = list(selectors.hours_to_review(request.user))
    context = {"groups": _hours_groups(entries, bound), "count": len(entries)}
    return render(request, "volunteering/review/hours.html", context, status=status)


@login_required
@require_GET
def review_hours(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "volunteering.supervise")
    return _render_hours_queue(request)


def _hours_label(entry: HoursEntry) -> dict[str, Any]:
    return {
        "hours": formats.number_format(entry.hours, 2),
        "person": entry.person.display_name,
        "date": formats.date_format(entry.date, "Y-m-d"),
    }


@login_required
@require_POST
def verify_hours(request: AuthenticatedHttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.get_hours_for_user(request.user, entry_id)
    return _verify(
        request,
        HOURS,
        entry,
        lambda: services.verify_hours(entry=entry, actor=request.user),
        _("Verified %(hours)s hours of %(person)s on %(date)s.") % _hours_label(entry),
    )


@login_required
@require_POST
def reject_hours(request: AuthenticatedHttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.get_hours_for_user(request.user, entry_id)
    return _reject(
        request,
        HOURS,
        entry,
        lambda reason: services.reject_hours(entry=entry, actor=request.user, reason=reason),
        done=_("Rejected %(hours)s hours of %(person)s on %(date)s.") % _hours_label(entry),
        failed=_("The hours were not rejected: %(errors)s"),
    )


def _errors_text(form: RejectForm) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


# -- credentials -----------------------------------------------------------------------------


@dataclasses.dataclass
class CredentialRow:
    credential: Credential
    reject_form: RejectForm


def _credential_row(credential: Credential, form: RejectForm | None = None) -> CredentialRow:
    return CredentialRow(
        credential=credential,
        reject_form=form or RejectForm(prefix=_reject_prefix("credential", credential.pk)),
    )


def _render_credentials_queue(
    request: AuthenticatedHttpRequest,
    *,
    bound: dict[int, RejectForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    rows = [
        _credential_row(credential, bound.get(credential.pk))
        for credential in selectors.credentials_to_review(request.user)
    ]
    context = {"rows": rows, "today": timezone.localdate()}
    return render(request, "volunteering/review/credentials.html", context, status=status)


@login_required
@require_GET
def review_credentials(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "volunteering.supervise")
    return _render_credentials_queue(request)


def _credential_label(credential: Credential) -> dict[str, Any]:
    return {"type": credential.credential_type.name, "person": credential.person.display_name}


@login_required
@require_POST
def verify_credential(request: AuthenticatedHttpRequest, credential_id: int) -> HttpResponse:
    credential = selectors.get_credential_for_user(request.user, credential_id)
    return _verify(
        request,
        CREDENTIALS,
        credential,
        lambda: services.verify_credential(credential=credential, actor=request.user),
        _("Verified %(type)s of %(person)s.") % _credential_label(credential),
    )


@login_required
@require_POST
def reject_credential(request: AuthenticatedHttpRequest, credential_id: int) -> HttpResponse:
    credential = selectors.get_credential_for_user(request.user, credential_id)
    return _reject(
        request,
        CREDENTIALS,
        credential,
        lambda reason: services.reject_credential(
            credential=credential, actor=request.user, reason=reason
        ),
        done=_("Rejected %(type)s of %(person)s.") % _credential_label(credential),
        failed=_("The credential was not rejected: %(errors)s"),
    )


# -- one review flow for both queues ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Queue:
    kind: str  # names the reject forms' prefix
    url_name: str
    outcome_template: str
    context_name: str  # what the outcome template calls the reviewed object
    row: Callable[[Any, RejectForm | None], Any]
    render_queue: Callable[..., HttpResponse]


HOURS = _Queue(
    kind="hours",
    url_name="volunteering:review-hours",
    outcome_template="volunteering/review/_hours_outcome.html",
    context_name="entry",
    row=_hours_row,
    render_queue=_render_hours_queue,
)
CREDENTIALS = _Queue(
    kind="credential",
    url_name="volunteering:review-credentials",
    outcome_template="volunteering/review/_credential_outcome.html",
    context_name="credential",
    row=_credential_row,
    render_queue=_render_credentials_queue,
)


def _outcome(
    request: AuthenticatedHttpRequest,
    queue: _Queue,
    reviewed: Any,
    *,
    done: bool,
    message: str,
    form: RejectForm | None = None,
) -> HttpResponse:
    """htmx: the row (a confirmation when `done`, else the row again with its error) and the
    message for the live region. Without JavaScript: a message and back to the queue."""
    if request.htmx:
        context = {
            "row": None if done else queue.row(reviewed, form),
            queue.context_name: reviewed,
            "message": message,
            "level": "success" if done else "danger",
            "today": timezone.localdate(),
        }
        return render(request, queue.outcome_template, context)
    if done:
        messages.success(request, message)
    else:
        messages.error(request, message)
    return redirect(queue.url_name)


def _verify(
    request: AuthenticatedHttpRequest,
    queue: _Queue,
    reviewed: Any,
    verify: Callable[[], Any],
    done: str,
) -> HttpResponse:
    try:
        verify()
    except ServiceError as err:
        return _outcome(request, queue, reviewed, done=False, message=err.message)
    return _outcome(request, queue, reviewed, done=True, message=done)


def _reject(
    request: AuthenticatedHttpRequest,
    queue: _Queue,
    reviewed: Any,
    reject: Callable[[str], Any],
    *,
    done: str,
    failed: str,
) -> HttpResponse:
    form = RejectForm(request.POST, prefix=_reject_prefix(queue.kind, reviewed.pk))
    if form.is_valid():
        try:
            reject(form.cleaned_data["reason"])
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            return _outcome(request, queue, reviewed, done=True, message=done)
    message = failed % {"errors": _errors_text(form)}
    if request.htmx:
        return _outcome(request, queue, reviewed, done=False, message=message, form=form)
    messages.error(request, message)
    if not request.user.has_perm("volunteering.supervise"):
        return redirect(queue.url_name)
    return queue.render_queue(request, bound={reviewed.pk: form}, status=422)


@login_required
@require_GET
def credential_evidence(request: AuthenticatedHttpRequest, credential_id: int) -> FileResponse:
    """The evidence file as a download, for its owner, office staff and (for a per-site
    credential) that site's supervisors. Every download is an audited access."""
    credential = selectors.get_credential_for_user(request.user, credential_id)
    if not credential.evidence:
        raise Http404
    try:
        handle = credential.evidence.open("rb")
    except (FileNotFoundError, OSError) as err:
        raise Http404 from err
    record_access(
        "volunteering.credential.evidence_viewed", actor=request.user, objects=[credential]
    )
    extension = Path(credential.evidence.name).suffix.lower()
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{credential.credential_type.code}-{credential.pk}{extension}",
        content_type=EVIDENCE_CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# -- reports ---------------------------------------------------------------------------------


def _report_sites(request: AuthenticatedHttpRequest) -> Any:
    if request.user.has_perm("volunteering.view_reports"):
        return Site.objects.all()
    return selectors.managed_sites(request.user)


@login_required
@require_GET
def reports_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The coordinator's dashboard: verified hours by month as a chart, and the tables."""
    user = request.user
    if not (user.has_perm("volunteering.view_reports") or user.has_perm("volunteering.supervise")):
        raise PermissionDenied
    form = ReportFilterForm(request.GET or None, sites=_report_sites(request))
    start, end = default_period()
    site: Site | None = None
    if form.is_bound and form.is_valid():
        start, end, site = (
            form.cleaned_data["start"],
            form.cleaned_data["end"],
            form.cleaned_data["site"],
        )
    site_ids = reports.report_site_ids(user, site.pk if site else None)
    report = reports.build_report(user, start=start, end=end, site_ids=site_ids)
    query = request.GET.urlencode() if form.is_bound and form.is_valid() else ""
    context = {
        "form": form,
        "report": report,
        "site": site,
        "limited_to_own_sites": site_ids is not None and site is None,
        "can_export": user.has_perm("volunteering.export_hours"),
        "query": query,
    }
    return render(request, "volunteering/review/reports.html", context)


@login_required
@require_GET
def export_hours(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    """Verified hours in the period (and site) as CSV or XLSX, one row per entry, every cell
    escaped against formula injection; audited with the filters and the row count."""
    _require(request, "volunteering.export_hours")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = ReportFilterForm(request.GET, sites=_report_sites(request))
    if not form.is_valid():
        # Silently dropping a filter would export more than the user asked for.
        return HttpResponseBadRequest(_("The filters are not valid."))
    start, end, site = (
        form.cleaned_data["start"],
        form.cleaned_data["end"],
        form.cleaned_data["site"],
    )
    content = services.export_hours(
        actor=request.user, start=start, end=end, site_id=site.pk if site else None, fmt=fmt
    )
    file_name = f"volunteer-hours-{start:%Y-%m-%d}-{end:%Y-%m-%d}.{fmt}"
    content_type = XLSX_CONTENT_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "private, no-store"
    return response

"""Import and export pages: upload, preview (a dry run), confirm; export of the directory.

The uploaded file waits between preview and confirm under MEDIA_ROOT/imports/, named by a
random token and readable only by the user who uploaded it; it is deleted once confirmed and
refused (and deleted) after an hour.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import secrets
import time
from pathlib import Path
from typing import IO, Any, Final, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.people.forms import DirectoryFilterForm
from equityhub.people.imports import ImportReport, export_people, import_people
from equityhub.people.resources import COLUMNS, REQUIRED_COLUMNS
from equityhub.people.selectors import DirectoryFilters, directory

PENDING_MAX_AGE_SECONDS: Final = 60 * 60
ERRORS_SHOWN: Final = 500
TOKEN_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{43}")
XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV (UTF-8) or XLSX file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb).0f MB; split it into smaller files.")
                % {"mb": settings.IMPORT_MAX_BYTES / 1024 / 1024}
            )
        return upload


# Uploads waiting for confirmation -----------------------------------------------------------


def _pending_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _pending_paths(token: str) -> tuple[Path, Path]:
    directory_ = _pending_dir()
    return directory_ / f"{token}.upload", directory_ / f"{token}.json"


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


def _keep(*, user: Any, data: bytes, file_name: str) -> str:
    _discard_stale()
    _pending_dir().mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    upload, meta = _pending_paths(token)
    for path, content in (
        (upload, data),
        (meta, json.dumps({"user": user.pk, "file_name": file_name, "at": time.time()}).encode()),
    ):
        path.touch(mode=0o600)
        path.write_bytes(content)
    return token


def _load(request: HttpRequest, token: str) -> tuple[bytes, str] | None:
    """The upload and its file name; 404 for a token that is not this user's; None if stale."""
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
        return upload.read_bytes(), str(info.get("file_name", ""))
    except OSError:
        raise Http404 from None


# Pages -------------------------------------------------------------------------------------


def _preview(request: HttpRequest, report: ImportReport, token: str | None) -> HttpResponse:
    return render(
        request,
        "people/import_preview.html",
        {
            "report": report,
            "token": token,
            "errors": report.errors[:ERRORS_SHOWN],
            "errors_hidden": max(0, len(report.errors) - ERRORS_SHOWN),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    _require(request, "people.import_people")
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        name = Path(upload.name or "").name
        report = import_people(data=data, actor=request.user, dry_run=True, file_name=name)
        token = _keep(user=request.user, data=data, file_name=name) if report.ok else None
        return _preview(request, report, token)
    return render(
        request,
        "people/import_upload.html",
        {
            "form": form,
            "columns": COLUMNS,
            "required": REQUIRED_COLUMNS,
            "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_confirm(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """GET shows the preview again; POST imports the file for real, all or nothing."""
    _require(request, "people.import_people")
    pending = _load(request, token)
    if pending is None:
        messages.error(request, _("That upload is more than an hour old; upload the file again."))
        return redirect("people:import")
    data, file_name = pending
    if request.method == "GET":
        report = import_people(data=data, actor=request.user, dry_run=True, file_name=file_name)
        return _preview(request, report, token if report.ok else None)
    report = import_people(data=data, actor=request.user, dry_run=False, file_name=file_name)
    _discard(token)
    if not report.written:
        return _preview(request, report, None)
    messages.success(
        request,
        _("Imported %(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
        % {"file": file_name, **report.as_counts()},
    )
    if request.htmx:
        return HttpResponseClientRedirect(reverse("people:directory"))
    return redirect("people:directory")


@login_required
@require_http_methods(["GET"])
def export(request: HttpRequest) -> HttpResponse:
    """The directory's people, with the directory's filters, as CSV or (`format=xlsx`) XLSX."""
    _require(request, "people.export_people")
    form = DirectoryFilterForm(request.GET)
    if not form.is_valid():
        # Silently dropping a filter would export more people than the user asked for.
        return HttpResponseBadRequest(_("The filters are not valid."))
    data = form.cleaned_data
    filters = DirectoryFilters(
        q=data["q"].strip(),
        organization_id=data["organization"].pk if data["organization"] else None,
        training_level=data["training_level"],
        language=data["language"],
        age_group=data["age_group"],
    )
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    people = directory(request.user, filters)
    audit_filters = {key: value for key, value in dataclasses.asdict(filters).items() if value}
    file_name = f"people-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "xlsx":
        buffer = io.BytesIO()
        export_people(
            people_queryset=people,
            stream=buffer,
            fmt="xlsx",
            actor=request.user,
            filters=audit_filters,
        )
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        # A byte-order mark, so that Excel reads the file as UTF-8; the import accepts it.
        response.write("\ufeff")
        export_people(
            people_queryset=people,
            stream=cast(IO[Any], response),  # a write-only file-like object
            fmt="csv",
            actor=request.user,
            filters=audit_filters,
        )
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store"
    return response

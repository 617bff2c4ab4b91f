"""Agreement pages, under /consortium/agreements/: the list, one agreement with its parties,
documents and life cycle, and the permission-checked document download.

Thin: every agreement, party and document by id goes through a `selectors_agreements`
choke-point (404 for anyone who may not read it: another organization's partner, members,
outsiders, leadership); a form validates; a service writes, and its refusal is shown on the
form (or as a message for the buttons without fields).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from equityhub.audit.services import record_access
from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.partnerships import selectors_agreements as selectors
from equityhub.partnerships import services_agreements as services
from equityhub.partnerships.access import can_edit_agreement, is_consortium_staff
from equityhub.partnerships.forms_agreements import (
    AgreementFilterForm,
    AgreementForm,
    DocumentForm,
    PartyEditForm,
    PartyForm,
    RenewForm,
    TerminateForm,
)
from equityhub.partnerships.models import Agreement, AgreementDocument
from equityhub.partnerships.selectors_partners import user_labels

A = Agreement.Status


def _redirect_to(agreement: Agreement) -> HttpResponse:
    return redirect("partnerships:agreement_detail", agreement_id=agreement.pk)


def _refused(request: AuthenticatedHttpRequest, form: Any, error: ServiceError) -> None:
    """A refusal on the agreement page: on the form's field when it has one, else at the top
    of the page (the form it came from may not be shown in the agreement's status)."""
    if error.field in form.fields:
        apply_service_error(form, error)
    else:
        messages.error(request, error.message)


# -- the list --------------------------------------------------------------------------------


@login_required
@require_GET
def agreement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff: every agreement; a partner: those their organization is a party to."""
    user = request.user
    if not selectors.can_use_agreements(user):
        raise PermissionDenied
    today = timezone.localdate()
    form = AgreementFilterForm(request.GET or None, parties=selectors.party_organizations(user))
    queryset = selectors.visible_agreements(user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        queryset = selectors.filter_agreements(
            queryset,
            status=data["status"],
            kind=data["kind"],
            party=data["party"],
            expiring_within=selectors.RENEWAL_WINDOW_DAYS if data["expiring"] else None,
            today=today,
        )
    context = {
        "form": form,
        "rows": selectors.agreement_rows(queryset, today),
        "filtered": form.is_bound,
        "window": selectors.RENEWAL_WINDOW_DAYS,
    }
    return render(request, "partnerships/agreements/list.html", context)


# -- creating and editing --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def agreement_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff, or a partner user recording an agreement their organization is a party to."""
    user = request.user
    if not selectors.can_use_agreements(user):
        raise PermissionDenied
    form = AgreementForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agreement = services.create_agreement(
                actor=user,
                title=data["title"],
                parties=list(data["parties"]),
                kind=data["kind"],
                description=data["description"],
                initiative=data["initiative"],
                effective_on=data["effective_on"],
                expires_on=data["expires_on"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request, _("The agreement %(title)s was recorded.") % {"title": agreement.title}
            )
            return _redirect_to(agreement)
    return render(request, "partnerships/agreements/form.html", {"form": form, "agreement": None})


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    agreement = selectors.get_agreement_for_user(request.user, agreement_id)
    if not can_edit_agreement(request.user, agreement):
        raise PermissionDenied
    form = AgreementForm(request.POST or None, user=request.user, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_agreement(agreement=agreement, actor=request.user, **form.details())
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The agreement was saved."))
            return _redirect_to(agreement)
    return render(
        request, "partnerships/agreements/form.html", {"form": form, "agreement": agreement}
    )


# -- one agreement ---------------------------------------------------------------------------


def _detail(
    request: AuthenticatedHttpRequest,
    agreement: Agreement,
    *,
    party_form: PartyForm | None = None,
    renew_form: RenewForm | None = None,
    terminate_form: TerminateForm | None = None,
    document_form: DocumentForm | None = None,
) -> HttpResponse:
    user = request.user
    documents = list(selectors.documents_of(agreement))
    labels = user_labels(user, [agreement.created_by, *(d.uploaded_by for d in documents)])
    for document in documents:
        document.uploaded_by_label = labels.get(document.uploaded_by_id or 0, "")  # type: ignore[attr-defined]
    context = {
        "agreement": agreement,
        "created_by_label": labels.get(agreement.created_by_id or 0, ""),
        "parties": list(agreement.parties.all()),
        "documents": documents,
        "days_left": selectors.days_left(agreement),
        "window": selectors.RENEWAL_WINDOW_DAYS,
        "can_edit": can_edit_agreement(user, agreement),
        "is_staff": is_consortium_staff(user),
        "own_party_ids": selectors.own_party_ids(user, agreement),
        "termination_reason": agreement.termination_reason,
        "party_form": party_form or PartyForm(agreement=agreement),
        "renew_form": renew_form or RenewForm(),
        "terminate_form": terminate_form or TerminateForm(),
        "document_form": document_form or DocumentForm(),
    }
    return render(request, "partnerships/agreements/detail.html", context)


@login_required
@require_GET
def agreement_detail(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    agreement = selectors.get_agreement_for_user(request.user, agreement_id)
    return _detail(request, agreement)


@login_required
@require_POST
def agreement_party_add(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    agreement = selectors.get_agreement_for_user(request.user, agreement_id)
    form = PartyForm(request.POST, agreement=agreement)
    if form.is_valid():
        try:
            party = services.add_party(agreement=agreement, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            _refused(request, form, error)
        else:
            messages.success(
                request, _("%(name)s is now a party.") % {"name": party.organization.name}
            )
            return _redirect_to(agreement)
    return _detail(request, agreement, party_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_party_edit(request: AuthenticatedHttpRequest, party_id: int) -> HttpResponse:
    party = selectors.get_party_for_user(request.user, party_id)
    if not can_edit_agreement(request.user, party.agreement):
        raise PermissionDenied
    initial = {"role": party.role, "signatory": party.signatory, "signed_on": party.signed_on}
    form = PartyEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_party(party=party, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request, _("%(name)s's part is saved.") % {"name": party.organization.name}
            )
            return _redirect_to(party.agreement)
    return render(
        request,
        "partnerships/agreements/party_form.html",
        {"form": form, "party": party, "agreement": party.agreement},
    )


@login_required
@require_POST
def agreement_party_remove(request: AuthenticatedHttpRequest, party_id: int) -> HttpResponse:
    party = selectors.get_party_for_user(request.user, party_id)
    try:
        services.remove_party(party=party, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(name)s is no longer a party.") % {"name": party.organization.name}
        )
    return _redirect_to(party.agreement)


@login_required
@require_POST
def agreement_activate(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    agreement = selectors.get_agreement_for_user(request.user, agreement_id)
    try:
        services.activate_agreement(agreement=agreement, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The agreement is in effect."))
    return _redirect_to(agreement)


@login_required
@require_POST
def agreement_renew(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    agreement = selectors.get_agreement_for_user(request.user, agreement_id)
    form = RenewForm(request.POST)
    if form.is_valid():
        try:
            services.renew_agreement(
                agreement=agreement, actor=request.user, expires_on=form.cleaned_data["expires_on"]
            )
        except ServiceError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("The agreement was renewed."))
            return _redirect_to(agreement)
    return _detail(request, agreement, renew_form=form)


@login_required
@require_POST
def agreement_terminate(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    agreement = selectors.get_agreement_for_user(request.user, agreement_id)
    form = TerminateForm(request.POST)
    if form.is_valid():
        try:
            services.terminate_agreement(
                agreement=agreement, actor=request.user, **form.cleaned_data
            )
        except ServiceError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("The agreement was terminated."))
            return _redirect_to(agreement)
    return _detail(request, agreement, terminate_form=form)


# -- documents -------------------------------------------------------------------------------


@login_required
@require_POST
def agreement_document_upload(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    agreement = selectors.get_agreement_for_user(request.user, agreement_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.upload_document(
                agreement=agreement,
                actor=request.user,
                file=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
        except ServiceError as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("%(title)s was added.") % {"title": document.title})
            return _redirect_to(agreement)
    return _detail(request, agreement, document_form=form)


def download_name(document: AgreementDocument) -> str:
    """A file name safe in any header and on any file system: never the uploaded one as is."""
    stem = slugify(PurePath(document.original_name).stem or document.title)[:80].strip("-_")
    return f"{stem or 'agreement-document'}-{document.pk}{document.extension}"


def document_response(user: Any, document: AgreementDocument) -> FileResponse:
    """The document as a download, for a user who reached it through the choke-point. Every
    download is an audited access."""
    if not document.file:
        raise Http404
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError) as err:
        raise Http404 from err
    record_access("partnerships.agreement.document_downloaded", actor=user, objects=[document])
    # The type comes from the checked content (stored at upload), never from the client.
    content_type = {ext: ctype for ext, ctype in services.DOCUMENT_TYPES.values()}.get(
        document.extension, "application/octet-stream"
    )
    response = FileResponse(
        handle, as_attachment=True, filename=download_name(document), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_GET
def agreement_document_download(
    request: AuthenticatedHttpRequest, document_id: int
) -> FileResponse:
    document = selectors.get_document_for_user(request.user, document_id)
    return document_response(request.user, document)


@login_required
@require_POST
def agreement_document_delete(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    """Office staff only."""
    document = selectors.get_document_for_user(request.user, document_id)
    if not is_consortium_staff(request.user):
        raise PermissionDenied
    try:
        services.delete_document(document=document, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(title)s was deleted.") % {"title": document.title})
    return _redirect_to(document.agreement)

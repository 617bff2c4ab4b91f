"""Consortium pages: initiatives (with partners, focus areas, populations, areas served, CHNA
priorities and coordination suggestions), their metrics and reported values, and the
consortium's roll-up of metrics.

Thin: every object by id goes through a `selectors_initiatives.get_*_for_user` choke-point
(404 for another organization's records), a form validates, a service writes and its refusal
is shown on the form. A record the user may read but not change answers 403. The initiative
pages are for consortium staff and partner users; the roll-up for staff and leadership viewers
(`access.can_view_aggregates`), suppressed for everyone (see `partnerships.rollups`).
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.lib.safe_export import write_csv
from equityhub.partnerships import rollups
from equityhub.partnerships import selectors_initiatives as selectors
from equityhub.partnerships import services_initiatives as services
from equityhub.partnerships.access import (
    can_edit_initiative,
    can_report_on_initiative,
    can_view_aggregates,
    is_consortium_staff,
    partner_organization_ids,
)
from equityhub.partnerships.forms_initiatives import (
    InitiativeFilterForm,
    InitiativeForm,
    MetricEditForm,
    MetricForm,
    PartnerForm,
    ReportForm,
    RollupForm,
)
from equityhub.partnerships.models import Initiative, Metric
from equityhub.partnerships.selectors_partners import user_labels

PAGE_SIZE = 25


def _require_browse(request: AuthenticatedHttpRequest) -> None:
    if not selectors.may_browse_initiatives(request.user):
        raise PermissionDenied


def _require_edit(request: AuthenticatedHttpRequest, initiative: Initiative) -> None:
    # The user may read the initiative (the choke-point said so): refusing is no secret.
    if not can_edit_initiative(request.user, initiative):
        raise PermissionDenied


def _require_report(request: AuthenticatedHttpRequest, initiative: Initiative) -> None:
    if not can_report_on_initiative(request.user, initiative):
        raise PermissionDenied


def _detail_url(initiative_id: int, anchor: str = "") -> str:
    url = reverse("partnerships:initiative_detail", args=[initiative_id])
    return f"{url}#{anchor}" if anchor else url


# -- initiatives -----------------------------------------------------------------------------


@login_required
@require_GET
def initiative_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff see every initiative, a partner user their organization's; the filters update the
    results in place (htmx) and the address."""
    _require_browse(request)
    form = InitiativeFilterForm(request.GET or None, user=request.user)
    queryset = selectors.initiative_list(request.user, form.filters())
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "initiatives": list(page.object_list),
        "query": query.urlencode(),
        "is_staff": is_consortium_staff(request.user),
    }
    template = (
        "partnerships/initiatives/_results.html"
        if request.htmx
        else "partnerships/initiatives/list.html"
    )
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def initiative_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_browse(request)
    leads = selectors.lead_choices(request.user)
    own = sorted(partner_organization_ids(request.user))
    initial = {"lead_organization": own[0]} if len(own) == 1 else {}
    form = InitiativeForm(request.POST or None, leads=leads, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.create_initiative(actor=request.user, **form.service_fields())
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("%(title)s was added.") % {"title": initiative.title})
            return redirect("partnerships:initiative_detail", initiative_id=initiative.pk)
    return render(request, "partnerships/initiatives/form.html", {"form": form, "initiative": None})


@login_required
@require_GET
def initiative_detail(request: AuthenticatedHttpRequest, initiative_id: int) -> HttpResponse:
    initiative = selectors.get_initiative_for_user(request.user, initiative_id)
    return _render_detail(request, initiative)


def _render_detail(
    request: AuthenticatedHttpRequest,
    initiative: Initiative,
    *,
    partner_form: PartnerForm | None = None,
) -> HttpResponse:
    user = request.user
    can_edit = can_edit_initiative(user, initiative)
    if can_edit and partner_form is None:
        partner_form = PartnerForm(initiative=initiative)
    # Coordination suggestions are for the two leads (and staff, who may edit any): a
    # participating organization hears nothing of other leads' initiatives.
    overlaps = selectors.overlapping_initiatives(initiative, for_user=user) if can_edit else []
    context = {
        "initiative": initiative,
        "partners": list(initiative.partners.all()),
        "metrics": list(selectors.metrics_of(initiative)),
        "overlaps": overlaps,
        "can_edit": can_edit,
        "can_report": can_report_on_initiative(user, initiative),
        "partner_form": partner_form if can_edit else None,
        "recent": selectors.RECENT_VALUES,
    }
    return render(request, "partnerships/initiatives/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def initiative_edit(request: AuthenticatedHttpRequest, initiative_id: int) -> HttpResponse:
    initiative = selectors.get_initiative_for_user(request.user, initiative_id)
    _require_edit(request, initiative)
    # A partner user may edit only what their organization leads: the lead is among the choices.
    form = InitiativeForm(
        request.POST or None,
        leads=selectors.lead_choices(request.user),
        initial=InitiativeForm.initial_for(initiative),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_initiative(
                actor=request.user, initiative=initiative, **form.service_fields()
            )
        except ServiceError as error:
            apply_service_error(form, error)
            initiative.refresh_from_db()
        else:
            messages.success(request, _("The initiative was saved."))
            return redirect("partnerships:initiative_detail", initiative_id=initiative.pk)
    return render(
        request, "partnerships/initiatives/form.html", {"form": form, "initiative": initiative}
    )


@login_required
@require_POST
def initiative_partner_add(request: AuthenticatedHttpRequest, initiative_id: int) -> HttpResponse:
    initiative = selectors.get_initiative_for_user(request.user, initiative_id)
    _require_edit(request, initiative)
    form = PartnerForm(request.POST, initiative=initiative)
    if form.is_valid():
        try:
            partner = services.add_partner(
                actor=request.user,
                initiative=initiative,
                organization=form.cleaned_data["organization"],
                role=form.cleaned_data["role"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request, _("%(org)s was added as a partner.") % {"org": partner.organization}
            )
            return redirect(_detail_url(initiative.pk, "partners"))
    return _render_detail(request, initiative, partner_form=form)


@login_required
@require_POST
def initiative_partner_remove(request: AuthenticatedHttpRequest, partner_id: int) -> HttpResponse:
    partner = selectors.get_partner_for_user(request.user, partner_id)
    initiative = partner.initiative
    _require_edit(request, initiative)
    services.remove_partner(actor=request.user, partner=partner)
    messages.success(request, _("%(org)s no longer takes part.") % {"org": partner.organization})
    return redirect(_detail_url(initiative.pk, "partners"))


# -- metrics ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def metric_new(request: AuthenticatedHttpRequest, initiative_id: int) -> HttpResponse:
    initiative = selectors.get_initiative_for_user(request.user, initiative_id)
    _require_edit(request, initiative)
    form = MetricForm(request.POST or None, initial={"counts_people": True})
    if request.method == "POST" and form.is_valid():
        try:
            metric = services.define_metric(
                actor=request.user, initiative=initiative, **form.service_fields()
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": metric.name})
            return redirect(_detail_url(initiative.pk, "metrics"))
    return render(
        request,
        "partnerships/metrics/form.html",
        {"form": form, "initiative": initiative, "metric": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def metric_edit(request: AuthenticatedHttpRequest, metric_id: int) -> HttpResponse:
    metric = selectors.get_metric_for_user(request.user, metric_id)
    _require_edit(request, metric.initiative)
    form = MetricEditForm(request.POST or None, initial=MetricEditForm.initial_for(metric))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_metric(actor=request.user, metric=metric, **form.service_fields())
        except ServiceError as error:
            apply_service_error(form, error)
            metric.refresh_from_db()
        else:
            messages.success(request, _("The metric was saved."))
            return redirect(_detail_url(metric.initiative_id, "metrics"))
    return render(
        request,
        "partnerships/metrics/form.html",
        {"form": form, "initiative": metric.initiative, "metric": metric},
    )


@login_required
@require_POST
def metric_deactivate(request: AuthenticatedHttpRequest, metric_id: int) -> HttpResponse:
    metric = selectors.get_metric_for_user(request.user, metric_id)
    _require_edit(request, metric.initiative)
    try:
        services.deactivate_metric(actor=request.user, metric=metric)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s is no longer reported.") % {"name": metric.name})
    return redirect(_detail_url(metric.initiative_id, "metrics"))


def _report_initial(request: AuthenticatedHttpRequest, metric: Metric) -> dict[str, Any]:
    """The form filled in with a past value to correct (`?edit=<value id>`)."""
    value_id = request.GET.get("edit")
    if not value_id:
        return {}
    value = selectors.get_metric_value_for_user(request.user, value_id)
    if value.metric_id != metric.pk:
        raise Http404
    return {
        "period_start": value.period_start,
        "period_end": value.period_end,
        "area": value.area_id,
        "value": value.value,
        "note": value.note,
    }


@login_required
@require_http_methods(["GET", "POST"])
def metric_report(request: AuthenticatedHttpRequest, metric_id: int) -> HttpResponse:
    """Report a value for a period (optionally per area) with one form; the values reported so
    far are listed with a link to correct each."""
    metric = selectors.get_metric_for_user(request.user, metric_id)
    initiative = metric.initiative
    _require_report(request, initiative)
    initial = _report_initial(request, metric) if request.method == "GET" else {}
    form = ReportForm(request.POST or None, initiative=initiative, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _value, created = services.report_metric_value(
                actor=request.user,
                metric=metric,
                period_start=data["period_start"],
                period_end=data["period_end"],
                area=data["area"],
                value=data["value"],
                note=data["note"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request, _("The value was reported.") if created else _("The value was corrected.")
            )
            return redirect("partnerships:metric_report", metric_id=metric.pk)
    values = list(selectors.values_of(metric))
    labels = user_labels(request.user, [value.reported_by for value in values])
    for value in values:
        value.reported_by_label = labels.get(value.reported_by_id or 0, "")  # type: ignore[attr-defined]
    context = {
        "metric": metric,
        "initiative": initiative,
        "form": form,
        "editing": bool(initial),
        "values": values,
        "is_staff": is_consortium_staff(request.user),
    }
    return render(request, "partnerships/metrics/report.html", context)


@login_required
@require_POST
def metric_value_delete(request: AuthenticatedHttpRequest, value_id: int) -> HttpResponse:
    value = selectors.get_metric_value_for_user(request.user, value_id)
    _require_report(request, value.metric.initiative)
    metric_id = value.metric_id
    services.delete_metric_value(actor=request.user, value=value)
    messages.success(request, _("The value was deleted."))
    return redirect("partnerships:metric_report", metric_id=metric_id)


# -- the roll-up -----------------------------------------------------------------------------


@login_required
@require_GET
def metrics_rollup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The consortium's roll-up (staff and leadership), suppressed for everyone; `?format=csv`
    downloads the same suppressed tables."""
    if not can_view_aggregates(request.user):
        raise PermissionDenied
    form = RollupForm(request.GET or None)
    as_csv = request.GET.get("format") == "csv"
    if as_csv and form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(_("The filters are not valid."))
    rollup = rollups.build_rollup(form.filters())
    if as_csv:
        stream = io.StringIO(newline="")
        write_csv(rollups.export_rows(rollup), stream, header=rollups.export_header(rollup))
        filters = rollup.filters
        name = f"consortium-{filters.kind}-{filters.start_year}-{filters.end_year}.csv"
        response = HttpResponse(stream.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "partnerships/metrics/rollup.html",
        {"form": form, "rollup": rollup, "query": query.urlencode()},
    )

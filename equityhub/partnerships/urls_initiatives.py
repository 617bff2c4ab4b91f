"""Consortium pages: initiatives, their metrics and the roll-up (under /consortium/, in the
`partnerships` namespace)."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.partnerships import views_initiatives as views

INITIATIVE = "initiatives/<int:initiative_id>/"
METRIC = "metrics/<int:metric_id>/"

urlpatterns: list[URLPattern] = [
    path("initiatives/", views.initiative_list, name="initiative_list"),
    path("initiatives/new/", views.initiative_new, name="initiative_new"),
    path(INITIATIVE, views.initiative_detail, name="initiative_detail"),
    path(INITIATIVE + "edit/", views.initiative_edit, name="initiative_edit"),
    path(INITIATIVE + "partners/", views.initiative_partner_add, name="initiative_partner_add"),
    path(
        "initiative-partners/<int:partner_id>/remove/",
        views.initiative_partner_remove,
        name="initiative_partner_remove",
    ),
    path(INITIATIVE + "metrics/new/", views.metric_new, name="metric_new"),
    path("metrics/", views.metrics_rollup, name="metrics_rollup"),
    path(METRIC + "edit/", views.metric_edit, name="metric_edit"),
    path(METRIC + "deactivate/", views.metric_deactivate, name="metric_deactivate"),
    path(METRIC + "report/", views.metric_report, name="metric_report"),
    path(
        "metric-values/<int:value_id>/delete/",
        views.metric_value_delete,
        name="metric_value_delete",
    ),
]

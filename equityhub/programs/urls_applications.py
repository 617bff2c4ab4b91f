"""Pathway-program pages: programs, cycles, the form builder, applications and private links."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.programs import views_applications as views
from equityhub.programs import views_links as links

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("new/", views.program_new, name="program_new"),
    path("<int:program_id>/", views.program_detail, name="program_detail"),
    path("<int:program_id>/edit/", views.program_edit, name="program_edit"),
    path("<int:program_id>/cycles/new/", views.cycle_new, name="cycle_new"),
    path("cycles/<int:cycle_id>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:cycle_id>/edit/", views.cycle_edit, name="cycle_edit"),
    path("cycles/<int:cycle_id>/status/", views.cycle_status, name="cycle_status"),
    path("cycles/<int:cycle_id>/form/", views.form_builder, name="form_builder"),
    path("cycles/<int:cycle_id>/form/add/", views.field_add, name="field_add"),
    path("form/fields/<int:field_id>/", views.field_edit, name="field_edit"),
    path("form/fields/<int:field_id>/move/", views.field_move, name="field_move"),
    path("form/fields/<int:field_id>/delete/", views.field_delete, name="field_delete"),
    path("cycles/<int:cycle_id>/apply/", views.apply, name="apply"),
    path("applications/<int:application_id>/", views.application, name="application"),
    path(
        "applications/<int:application_id>/answers/<slug:key>/",
        views.application_answer,
        name="application_answer",
    ),
    path(
        "applications/<int:application_id>/files/<int:field_id>/",
        views.application_file,
        name="application_file",
    ),
    path(
        "applications/<int:application_id>/files/<int:field_id>/remove/",
        views.application_file_remove,
        name="application_file_remove",
    ),
    path(
        "applications/<int:application_id>/submit/",
        views.application_submit,
        name="application_submit",
    ),
    path(
        "applications/<int:application_id>/withdraw/",
        views.application_withdraw,
        name="application_withdraw",
    ),
    path(
        "applications/<int:application_id>/language/",
        views.application_language,
        name="application_language",
    ),
    path(
        "applications/<int:application_id>/guardian/",
        views.guardian_request,
        name="guardian_request",
    ),
    path(
        "applications/<int:application_id>/recommendations/<int:field_id>/",
        views.recommendation_request,
        name="recommendation_request",
    ),
    path("answers/<int:answer_id>/file/", views.answer_file, name="answer_file"),
    path(
        "recommendations/<int:recommendation_id>/letter/",
        views.recommendation_letter,
        name="recommendation_letter",
    ),
    path("links/guardian/<str:token>/", links.guardian_link, name="guardian_link"),
    path(
        "links/recommendation/<str:token>/",
        links.recommendation_link,
        name="recommendation_link",
    ),
]

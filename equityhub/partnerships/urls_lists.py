"""Consortium pages: the controlled lists (focus areas, populations, CHNA priorities), included
in the `partnerships` namespace under /consortium/."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.partnerships import views_lists as views

urlpatterns: list[URLPattern] = [
    path("lists/", views.lists, name="lists"),
    path("focus-areas/<int:focus_area_id>/edit/", views.focus_area_edit, name="focus_area_edit"),
    path("populations/<int:population_id>/edit/", views.population_edit, name="population_edit"),
    path("priorities/new/", views.priority_new, name="priority_new"),
    path("priorities/<int:priority_id>/edit/", views.priority_edit, name="priority_edit"),
    path("priorities/<int:priority_id>/delete/", views.priority_delete, name="priority_delete"),
]

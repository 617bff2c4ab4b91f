"""The health-equity atlas, under /atlas/."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.partnerships import views_atlas

app_name = "atlas"
urlpatterns: list[URLPattern] = [
    path("", views_atlas.index, name="index"),
    path("areas/<int:area_id>/", views_atlas.area, name="area"),
    path("layers.json", views_atlas.layers, name="layers"),
    path("need/", views_atlas.need_vs_reach, name="need_vs_reach"),
]

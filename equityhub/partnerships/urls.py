"""Consortium pages, under /consortium/. Each area keeps its own patterns module."""

from __future__ import annotations

from django.urls import path

from equityhub.partnerships import (
    urls_agreements,
    urls_initiatives,
    urls_lists,
    urls_partners,
    views_home,
)

app_name = "partnerships"
urlpatterns = [
    path("", views_home.home, name="home"),
    *urls_partners.urlpatterns,
    *urls_initiatives.urlpatterns,
    *urls_agreements.urlpatterns,
    *urls_lists.urlpatterns,
]

"""Consortium pages, under /consortium/. Each area keeps its own patterns module."""

from __future__ import annotations

from equityhub.partnerships import urls_agreements, urls_initiatives, urls_partners

app_name = "partnerships"
urlpatterns = [
    *urls_partners.urlpatterns,
    *urls_initiatives.urlpatterns,
    *urls_agreements.urlpatterns,
]

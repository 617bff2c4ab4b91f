"""Pathway-program pages, under /programs/. Each area keeps its own patterns module."""

from __future__ import annotations

from equityhub.programs import urls_applications, urls_outcomes, urls_review

app_name = "programs"
urlpatterns = [
    *urls_applications.urlpatterns,
    *urls_review.urlpatterns,
    *urls_outcomes.urlpatterns,
]

"""Volunteering pages, under /volunteer/. Each area keeps its own patterns module."""

from __future__ import annotations

from equityhub.volunteering import urls_feeds, urls_manage, urls_review, urls_volunteer

app_name = "volunteering"
urlpatterns = [
    *urls_volunteer.urlpatterns,
    *urls_manage.urlpatterns,
    *urls_review.urlpatterns,
    *urls_feeds.urlpatterns,
]

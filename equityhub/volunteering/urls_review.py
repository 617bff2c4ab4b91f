"""Review queues, credential evidence, reports and the hours export (under /volunteer/)."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from equityhub.volunteering import views_review

urlpatterns: list[URLPattern] = [
    path("review/hours/", views_review.review_hours, name="review-hours"),
    path("review/hours/<int:entry_id>/verify/", views_review.verify_hours, name="verify-hours"),
    path("review/hours/<int:entry_id>/reject/", views_review.reject_hours, name="reject-hours"),
    path("review/credentials/", views_review.review_credentials, name="review-credentials"),
    path(
        "review/credentials/<int:credential_id>/verify/",
        views_review.verify_credential,
        name="verify-credential",
    ),
    path(
        "review/credentials/<int:credential_id>/reject/",
        views_review.reject_credential,
        name="reject-credential",
    ),
    path(
        "review/credentials/<int:credential_id>/evidence/",
        views_review.credential_evidence,
        name="credential-evidence",
    ),
    path("reports/", views_review.reports_page, name="reports"),
    re_path(r"^reports/export\.(?P<fmt>csv|xlsx)$", views_review.export_hours, name="export-hours"),
]

"""Consortium pages: agreements, meetings and action items (included under /consortium/ in
the `partnerships` namespace)."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.partnerships import views_agreements as agreements
from equityhub.partnerships import views_meetings as meetings

urlpatterns: list[URLPattern] = [
    path("agreements/", agreements.agreement_list, name="agreement_list"),
    path("agreements/new/", agreements.agreement_new, name="agreement_new"),
    path("agreements/<int:agreement_id>/", agreements.agreement_detail, name="agreement_detail"),
    path("agreements/<int:agreement_id>/edit/", agreements.agreement_edit, name="agreement_edit"),
    path(
        "agreements/<int:agreement_id>/parties/",
        agreements.agreement_party_add,
        name="agreement_party_add",
    ),
    path(
        "agreement-parties/<int:party_id>/edit/",
        agreements.agreement_party_edit,
        name="agreement_party_edit",
    ),
    path(
        "agreement-parties/<int:party_id>/remove/",
        agreements.agreement_party_remove,
        name="agreement_party_remove",
    ),
    path(
        "agreements/<int:agreement_id>/activate/",
        agreements.agreement_activate,
        name="agreement_activate",
    ),
    path(
        "agreements/<int:agreement_id>/renew/",
        agreements.agreement_renew,
        name="agreement_renew",
    ),
    path(
        "agreements/<int:agreement_id>/terminate/",
        agreements.agreement_terminate,
        name="agreement_terminate",
    ),
    path(
        "agreements/<int:agreement_id>/documents/",
        agreements.agreement_document_upload,
        name="agreement_document_upload",
    ),
    path(
        "agreement-documents/<int:document_id>/",
        agreements.agreement_document_download,
        name="agreement_document_download",
    ),
    path(
        "agreement-documents/<int:document_id>/delete/",
        agreements.agreement_document_delete,
        name="agreement_document_delete",
    ),
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path("meetings/new/", meetings.meeting_new, name="meeting_new"),
    path("meetings/<int:meeting_id>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:meeting_id>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path(
        "meetings/<int:meeting_id>/attendance/",
        meetings.meeting_attendance,
        name="meeting_attendance",
    ),
    path(
        "meetings/<int:meeting_id>/action-items/",
        meetings.action_item_new,
        name="action_item_new",
    ),
    path("action-items/", meetings.action_item_list, name="action_item_list"),
    path("action-items/<int:item_id>/", meetings.action_item_update, name="action_item_update"),
]

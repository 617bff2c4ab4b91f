"""Consortium pages: partners, their contacts and the partner portal (included in the
`partnerships` namespace under /consortium/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.partnerships import views_partners as views

urlpatterns: list[URLPattern] = [
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_new, name="partner_new"),
    path("partners/<int:organization_id>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:organization_id>/edit/", views.partner_edit, name="partner_edit"),
    path("partners/<int:organization_id>/end/", views.partner_end, name="partner_end"),
    path("partners/<int:organization_id>/contacts/new/", views.contact_new, name="contact_new"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path(
        "contacts/<int:contact_id>/deactivate/",
        views.contact_deactivate,
        name="contact_deactivate",
    ),
    path("contacts/<int:contact_id>/invite/", views.contact_invite, name="contact_invite"),
    path("contacts/<int:contact_id>/revoke/", views.contact_revoke, name="contact_revoke"),
    path("my-organization/", views.my_organization, name="my_organization"),
]

from __future__ import annotations

from django.urls import path

from equityhub.people import views, views_import

app_name = "people"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.person_create, name="person-create"),
    path("me/", views.my_profile, name="me"),
    path("me/demographics/", views.my_demographics, name="me-demographics"),
    path(
        "me/consents/<int:consent_id>/withdraw/",
        views.my_consent_withdraw,
        name="me-consent-withdraw",
    ),
    path("<int:person_id>/", views.person_detail, name="person-detail"),
    path("<int:person_id>/edit/", views.person_edit, name="person-edit"),
    path("<int:person_id>/demographics/", views.person_demographics, name="person-demographics"),
    path("<int:person_id>/consents/new/", views.consent_create, name="consent-create"),
]

urlpatterns += [
    path("import/", views_import.import_upload, name="import"),
    path("import/<str:token>/", views_import.import_confirm, name="import-confirm"),
    path("export/", views_import.export, name="export"),
]

urlpatterns += [path("overview/", views.overview, name="overview")]

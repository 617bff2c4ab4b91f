from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from equityhub.api.api import api
from equityhub.core.views import healthz

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("", include("equityhub.core.urls")),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("equityhub.accounts.urls")),
    path("people/", include("equityhub.people.urls")),
    path("volunteer/", include("equityhub.volunteering.urls")),
    path("surveys/", include("equityhub.surveys.urls")),
    path("plunge/", include("equityhub.plunge.urls")),
    path("consortium/", include("equityhub.partnerships.urls")),
    path("atlas/", include("equityhub.partnerships.urls_atlas")),
    path("programs/", include("equityhub.programs.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

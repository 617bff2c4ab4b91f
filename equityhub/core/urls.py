from __future__ import annotations

from django.urls import path

from equityhub.core import views

app_name = "core"
urlpatterns = [
    path("", views.landing, name="home"),
]

"""The project's URLs plus `/bench/bare-json`, the floor a page's throughput is compared with."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from equityhub.urls import urlpatterns as project_urlpatterns


def bare_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [*project_urlpatterns, path("bench/bare-json", bare_json)]

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from equityhub.audit.context import reset_current_ip, set_current_ip


def client_ip(request: HttpRequest) -> str | None:
    # Behind a proxy the operator names the header it sets (e.g. X-Forwarded-For); the first
    # address in it is the client. Without that setting the header is not trusted.
    header = getattr(settings, "AUDIT_IP_HEADER", "")
    if header:
        value = request.META.get(header, "")
        if value:
            return value.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_current_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_current_ip(token)

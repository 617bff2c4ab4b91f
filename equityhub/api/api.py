"""The /api/v1/ assembly: each app contributes a router from its own api.py."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer

from equityhub import __version__
from equityhub.accounts.services import user_for_token
from equityhub.core.exceptions import ServiceError


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` with a personal API token."""

    openapi_description = "A personal API token: `equityhub create-api-token EMAIL`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionCookie(APIKeyCookie):
    """The browser's session (CSRF-checked), so pages can call the API with htmx or fetch."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


api = NinjaAPI(
    title="Equity Hub API",
    version=__version__,
    description=(
        "The Office of Diversity Programs' registry and activities. Every endpoint applies the "
        "same permissions as the web pages. Authenticate with a personal token "
        "(`Authorization: Bearer ...`)."
    ),
    auth=[BearerToken(), SessionCookie(csrf=True)],
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


STATUS_FOR_CODE = {"forbidden": 403, "conflict": 409, "not_found": 404}


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=STATUS_FOR_CODE.get(exc.code, 422))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": "Forbidden."}, status=403)


def _register_routers() -> None:
    from equityhub.people.api import router as people_router

    api.add_router("/people", people_router)


_register_routers()

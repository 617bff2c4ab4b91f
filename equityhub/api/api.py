"""The /api/v1/ assembly: each app contributes a router from its own api.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
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

    def _get_key(self, request: HttpRequest) -> str | None:
        # A request that presents a token is judged by the token alone: a wrong token answers
        # 401 whatever cookies come with it (and a session cannot stand in for a token, which
        # the staff MFA middleware lets through). Without a session there is nothing to
        # CSRF-check: 401, not a CSRF 403.
        if "Authorization" in request.headers:
            return None
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if key is None:
            return None
        super()._get_key(request)  # the CSRF check: raises a 403 HttpError on failure
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
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
CODE_FOR_STATUS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=STATUS_FOR_CODE.get(exc.code, 422))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    body = {"detail": _("Not found."), "field": None, "code": "not_found"}
    return api.create_response(request, body, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    body = {
        "detail": _("You do not have permission to do this."),
        "field": None,
        "code": "forbidden",
    }
    return api.create_response(request, body, status=403)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = (
        _("Authentication required: send Authorization: Bearer <token>.")
        if isinstance(exc, AuthenticationError)
        else exc.message
    )
    body = {
        "detail": detail,
        "field": None,
        "code": CODE_FOR_STATUS.get(exc.status_code, "error"),
    }
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """422 in the same shape as a ServiceError, naming the first field at fault; `errors`
    keeps every problem as pydantic reports it."""
    first = exc.errors[0] if exc.errors else {}
    body = {
        "detail": first.get("msg") or _("The input is not valid."),
        "field": _field_name(first.get("loc", ())),
        "code": "invalid",
        "errors": exc.errors,
    }
    return api.create_response(request, body, status=422)


def _field_name(loc: Any) -> str | None:
    # ("body", "payload", "home_zip") -> "home_zip"; ("query", "limit") -> "limit".
    parts = [str(part) for part in loc]
    parts = parts[2:] if parts[:1] == ["body"] else parts[1:]
    return ".".join(parts) or None


def _register_routers() -> None:
    # Imported here: the routers' modules may import this one (error schemas, the api).
    from equityhub.partnerships.api_agreements import (  # noqa: PLC0415 - see above
        router as agreements_router,
    )
    from equityhub.partnerships.api_atlas import router as atlas_router  # noqa: PLC0415
    from equityhub.partnerships.api_initiatives import (  # noqa: PLC0415
        router as initiatives_router,
    )
    from equityhub.partnerships.api_lists import router as lists_router  # noqa: PLC0415
    from equityhub.partnerships.api_partners import router as partners_router  # noqa: PLC0415
    from equityhub.people.api import router as people_router  # noqa: PLC0415
    from equityhub.places.api import router as places_router  # noqa: PLC0415
    from equityhub.plunge.api import router as plunge_router  # noqa: PLC0415
    from equityhub.programs.api_applications import (  # noqa: PLC0415
        router as applications_router,
    )
    from equityhub.programs.api_outcomes import router as outcomes_router  # noqa: PLC0415
    from equityhub.programs.api_review import router as review_router  # noqa: PLC0415
    from equityhub.surveys.api import router as surveys_router  # noqa: PLC0415
    from equityhub.volunteering.api import router as volunteering_router  # noqa: PLC0415

    api.add_router("/people", people_router)
    api.add_router("", volunteering_router)
    api.add_router("/plunges", plunge_router)
    api.add_router("/surveys", surveys_router)
    api.add_router("", places_router)
    api.add_router("/consortium", partners_router)
    # Before the initiatives: it serves the list paths' GET and POST (one router per path).
    api.add_router("/consortium", lists_router)
    api.add_router("/consortium", initiatives_router)
    api.add_router("/consortium", agreements_router)
    api.add_router("/atlas", atlas_router)
    # Pathway programs: each router owns distinct full paths (one path, one router).
    api.add_router("", applications_router)
    api.add_router("", review_router)
    api.add_router("", outcomes_router)


_register_routers()

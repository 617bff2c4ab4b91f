"""Staff roles must enrol a TOTP authenticator when REQUIRE_MFA_FOR_STAFF is on."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from equityhub.accounts.selectors import is_staff_user

# Paths a staff member without MFA may still reach: enrolling, logging out, static files,
# switching language and the health check.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz")


class RequireStaffMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_MFA_FOR_STAFF
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and (is_staff_user(user) or user.is_superuser)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            if request.path.startswith("/api/"):
                if request.headers.get("Authorization", "").startswith("Bearer "):
                    # Token requests: the token was made in a session that passed MFA.
                    return self.get_response(request)
                return JsonResponse(
                    {"detail": _("Set up an authenticator app (MFA) to use the API.")},
                    status=403,
                )
            messages.warning(
                request,
                _(
                    "Your role gives you access to other people's records: set up an "
                    "authenticator app before you continue."
                ),
            )
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

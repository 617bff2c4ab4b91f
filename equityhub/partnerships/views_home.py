"""The consortium's home page, /consortium/: what needs attention, for the person looking.

Office staff see the whole consortium (members, initiatives, agreements due for renewal,
coordination suggestions, open action items); leadership viewers see the shared results; a
partner user sees their own organization's records (the partner portal).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.partnerships import access, selectors_home


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not access.can_use_consortium(request.user):
        raise PermissionDenied
    return render(
        request,
        "partnerships/home.html",
        {"home": selectors_home.home_for_user(request.user), "today": timezone.localdate()},
    )

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from equityhub.accounts import services
from equityhub.accounts.forms import ApiTokenForm
from equityhub.accounts.models import ApiToken, User
from equityhub.accounts.selectors import tokens_of
from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest


def get_token_for_user(user: User, token_id: int) -> ApiToken:
    if not 0 < token_id < 2**63:
        raise Http404
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404
    return token


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = services.create_api_token(
                user=request.user,
                actor=request.user,
                name=form.cleaned_data["name"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            form = ApiTokenForm()
    context = {"form": form, "tokens": tokens_of(request.user), "new_token": new_token}
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = get_token_for_user(request.user, token_id)
    try:
        services.revoke_api_token(token=token, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")

"""The private-link pages, under /programs/links/: a guardian's consent page and a recommender's
upload page. No sign-in: the token in the address is the credential.

An unknown token answers 404. A known link always says where it stands: waiting for an answer,
expired (410: not answered in time, or replaced by a newer link), answered (declined, or consented
with the button to withdraw the consent, which works for as long as the consent stands),
withdrawn; a recommender's link: waiting, received, expired (410), or no longer needed. Pages are
in the language the link was sent in unless `?lang=en` / `?lang=es` says otherwise. They carry no
inline script or style (CSP) and send no referrer (the token is in the address).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from equityhub.core.exceptions import ServiceError
from equityhub.core.http import HtmxHttpRequest
from equityhub.programs import selectors_applications as selectors
from equityhub.programs import services_consent as services
from equityhub.programs.forms_applications import (
    GuardianConsentForm,
    GuardianWithdrawForm,
    LetterUploadForm,
)
from equityhub.programs.models import GuardianConsentRequest, RecommendationRequest

GONE = 410
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _language(request: HtmxHttpRequest, default: str) -> str:
    asked = request.GET.get("lang", "")
    return asked if asked in LANGUAGES else services.language_of(default)


def _private(response: HttpResponse) -> HttpResponse:
    # Not "no-referrer": browsers then send `Origin: null` with the page's own form, which
    # Django's CSRF check refuses. "same-origin" never sends the token to another site.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _back(name: str, token: str, language: str) -> HttpResponse:
    return redirect(reverse(name, kwargs={"token": token}) + f"?lang={language}")


# -- guardian consent --------------------------------------------------------------------------


def _guardian_page(
    request: HtmxHttpRequest,
    link: GuardianConsentRequest,
    language: str,
    *,
    consent_form: GuardianConsentForm | None = None,
    withdraw_form: GuardianWithdrawForm | None = None,
) -> HttpResponse:
    state = selectors.guardian_link_state(link)
    application = link.application
    program = application.cycle.program
    context: dict[str, Any] = {
        "link": link,
        "state": state,
        "language": language,
        "languages": LANGUAGES,
        "program": program,
        "cycle": application.cycle,
        "description": program.description_es
        if language == "es" and program.description_es
        else program.description,
        "first_name": services.first_name(application.applicant),
        "consent_form": consent_form
        or GuardianConsentForm(initial={"signed_name": link.guardian_name}),
        "withdraw_form": withdraw_form or GuardianWithdrawForm(),
    }
    status = GONE if state == "expired" else 200
    return _private(render(request, "programs/links/guardian.html", context, status=status))


@never_cache
@require_http_methods(["GET", "POST"])
def guardian_link(request: HtmxHttpRequest, token: str) -> HttpResponse:
    link = selectors.guardian_request_for_token(token)
    if link is None:
        raise Http404
    language = _language(request, link.language)
    with translation.override(language):
        if request.method != "POST":
            return _guardian_page(request, link, language)
        action = request.POST.get("action", "")
        consent_form = withdraw_form = None
        try:
            if action == "consent":
                consent_form = GuardianConsentForm(request.POST)
                if not consent_form.is_valid():
                    return _guardian_page(request, link, language, consent_form=consent_form)
                services.give_guardian_consent(
                    token=token, signed_name=consent_form.cleaned_data["signed_name"]
                )
                messages.success(request, _("Thank you: your consent was recorded."))
            elif action == "decline":
                services.decline_guardian_consent(token=token)
                messages.success(request, _("Your answer was recorded: you did not consent."))
            elif action == "withdraw":
                withdraw_form = GuardianWithdrawForm(request.POST)
                reason = withdraw_form.cleaned_data["reason"] if withdraw_form.is_valid() else ""
                services.withdraw_guardian_consent(token=token, reason=reason)
                messages.success(
                    request,
                    _("Your consent was withdrawn, and with it the application."),
                )
            else:
                messages.error(request, _("Choose an answer."))
        except ServiceError as error:
            if error.code == "not_found":
                raise Http404 from None
            messages.error(request, error.message)
            link.refresh_from_db()
            link.application.refresh_from_db()
            return _guardian_page(
                request, link, language, consent_form=consent_form, withdraw_form=withdraw_form
            )
    return _back("programs:guardian_link", token, language)


# -- recommendations ---------------------------------------------------------------------------


def _recommendation_page(
    request: HtmxHttpRequest,
    link: RecommendationRequest,
    language: str,
    *,
    form: LetterUploadForm | None = None,
    status: int | None = None,
) -> HttpResponse:
    state = selectors.recommendation_link_state(link)
    application = link.application
    field = link.field
    context = {
        "link": link,
        "state": state,
        "language": language,
        "languages": LANGUAGES,
        "program": application.cycle.program,
        "cycle": application.cycle,
        "applicant_name": application.applicant.display_name,
        "question": selectors.label_in(field, language),
        "help_text": selectors.help_in(field, language),
        "form": form or LetterUploadForm(),
    }
    if status is None:
        status = GONE if state == "expired" else 200
    return _private(render(request, "programs/links/recommendation.html", context, status=status))


@never_cache
@require_http_methods(["GET", "POST"])
def recommendation_link(request: HtmxHttpRequest, token: str) -> HttpResponse:
    link = selectors.recommendation_for_token(token)
    if link is None:
        raise Http404
    language = _language(request, link.application.language)
    with translation.override(language):
        if request.method != "POST":
            return _recommendation_page(request, link, language)
        form = LetterUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return _recommendation_page(request, link, language, form=form, status=200)
        try:
            services.upload_recommendation_letter(token=token, file=form.cleaned_data["file"])
        except ServiceError as error:
            if error.code == "not_found":
                raise Http404 from None
            if error.field == "file":
                form.add_error("file", error.message)
            else:
                messages.error(request, error.message)
            link.refresh_from_db()
            return _recommendation_page(request, link, language, form=form, status=200)
        messages.success(request, _("Thank you: your letter was received."))
    return _back("programs:recommendation_link", token, language)

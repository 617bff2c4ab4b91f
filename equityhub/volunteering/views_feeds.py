"""Calendar feeds and service transcripts.

The two `.ics` feeds and the transcript verification pages need no sign-in: a feed's URL is its
secret (revocable by rotating its key), and a verification page shows only what the printed
transcript's summary says. Everything else is the signed-in person's own.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST, require_safe

from equityhub.accounts.rules import is_office_staff
from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.people.selectors import person_of
from equityhub.volunteering import calendars, pdf, selectors, services
from equityhub.volunteering.models import Transcript

CALENDAR_TYPE = "text/calendar; charset=utf-8"


# -- feeds -----------------------------------------------------------------------------------


def _calendar_response(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type=CALENDAR_TYPE)
    patch_cache_control(response, private=True, max_age=300)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    person = calendars.person_for_token(token)
    if person is None:
        raise Http404
    return _calendar_response(calendars.personal_calendar(person))


@require_safe
def site_feed(request: HttpRequest, token: str) -> HttpResponse:
    site = calendars.site_for_token(token)
    if site is None:
        raise Http404
    return _calendar_response(calendars.site_calendar(site))


def _webcal(url: str) -> str:
    """The same URL with the webcal scheme, which calendar apps open as a subscription."""
    scheme, _sep, rest = url.partition("://")
    return f"webcal://{rest}" if scheme in ("http", "https") else url


@login_required
@require_GET
def my_calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    person = person_of(request.user)
    personal_url = ""
    if person is not None:
        token = calendars.personal_feed_token(person)
        personal_url = request.build_absolute_uri(
            reverse("volunteering:personal-feed", args=[token])
        )
    sites = list(selectors.managed_sites(request.user).order_by("name"))
    versions = calendars.site_key_versions(sites)
    site_feeds = []
    for site in sites:
        token = calendars.site_feed_token(site, version=versions[site.pk])
        url = request.build_absolute_uri(reverse("volunteering:site-feed", args=[token]))
        site_feeds.append({"site": site, "url": url, "webcal": _webcal(url)})
    response = render(
        request,
        "volunteering/feeds/my_calendar.html",
        {
            "person": person,
            "personal_url": personal_url,
            "personal_webcal": _webcal(personal_url) if personal_url else "",
            "site_feeds": site_feeds,
        },
    )
    # The page holds secret URLs: keep it out of shared caches and the back-forward cache.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_POST
def rotate_calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    person = person_of(request.user)
    if person is None:
        raise Http404
    try:
        services.rotate_calendar_key(person=person, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your old calendar URL no longer works. Subscribe to the new one below."),
        )
    return redirect("volunteering:my-calendar")


@login_required
@require_POST
def rotate_site_calendar(request: AuthenticatedHttpRequest, site_id: int) -> HttpResponse:
    site = selectors.get_site_for_manager(request.user, site_id)
    try:
        services.rotate_site_calendar_key(site=site, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The old calendar URL for %(site)s no longer works; share the new one below.")
            % {"site": site.name},
        )
    return redirect("volunteering:my-calendar")


# -- transcripts -----------------------------------------------------------------------------


@login_required
@require_GET
def my_transcripts(request: AuthenticatedHttpRequest) -> HttpResponse:
    person = person_of(request.user)
    transcripts = list(selectors.transcripts_of(person)) if person is not None else []
    rows = [
        {
            "transcript": transcript,
            "code": pdf.formatted_code(transcript.code),
            "verify_url": request.build_absolute_uri(
                reverse("volunteering:verify-transcript", args=[transcript.code])
            ),
        }
        for transcript in transcripts
    ]
    totals = selectors.hours_totals(person) if person is not None else None
    return render(
        request,
        "volunteering/feeds/my_transcripts.html",
        {"person": person, "rows": rows, "totals": totals},
    )


@login_required
@require_POST
def issue_transcript(request: AuthenticatedHttpRequest) -> HttpResponse:
    person = person_of(request.user)
    if person is None:
        messages.error(request, _("Your account is not linked to a volunteer record yet."))
        return redirect("volunteering:my-transcripts")
    try:
        transcript = services.issue_transcript(person=person, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Transcript issued: %(hours)s verified hours. Its code is %(code)s.")
            % {
                "hours": transcript.total_hours,
                "code": pdf.formatted_code(transcript.code),
            },
        )
    return redirect("volunteering:my-transcripts")


@login_required
@require_GET
def transcript_pdf(request: AuthenticatedHttpRequest, transcript_id: int) -> HttpResponse:
    transcript = selectors.get_transcript_for_user(request.user, transcript_id)
    verify_url = request.build_absolute_uri(
        reverse("volunteering:verify-transcript", args=[transcript.code])
    )
    body = pdf.render_transcript(transcript, verify_url)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="service-transcript-{transcript.code}.pdf"'
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_POST
def revoke_transcript(request: AuthenticatedHttpRequest, transcript_id: int) -> HttpResponse:
    transcript = selectors.get_transcript_for_user(request.user, transcript_id)
    if not is_office_staff(request.user):
        raise PermissionDenied
    try:
        services.revoke_transcript(transcript=transcript, actor=request.user)
    except NotAllowed:
        raise PermissionDenied from None
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The transcript is revoked; its verification page says so."))
    return redirect("volunteering:verify-transcript", code=transcript.code)


class VerifyCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=40,
        help_text=gettext_lazy(
            "Printed at the bottom of the transcript, e.g. ABCD-EFGH-JKLM-NPQR."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        cleaned = "".join(ch for ch in self.cleaned_data["code"].upper() if ch.isalnum())
        if len(cleaned) != 16:
            raise forms.ValidationError(_("A verification code has 16 letters and digits."))
        return cleaned


@require_GET
def verify_transcript_form(request: HttpRequest) -> HttpResponse:
    form = VerifyCodeForm(request.GET or None)
    if request.GET and form.is_valid():
        return redirect("volunteering:verify-transcript", code=form.cleaned_data["code"])
    return render(
        request,
        "volunteering/feeds/verify_form.html",
        {"form": form},
        status=422 if request.GET and not form.is_valid() else 200,
    )


@require_GET
def verify_transcript(request: HttpRequest, code: str) -> HttpResponse:
    transcript = selectors.transcript_by_code(code)
    genuine = transcript is not None and transcript.revoked_at is None
    response = render(
        request,
        "volunteering/feeds/verify.html",
        {
            # Only these values reach the template, so the page cannot show anything else.
            "found": transcript is not None,
            "revoked_at": transcript.revoked_at if transcript else None,
            "summary": _public_summary(transcript) if transcript and genuine else None,
            "revoke_id": (
                transcript.pk if transcript and genuine and is_office_staff(request.user) else None
            ),
            "form": VerifyCodeForm(),
        },
        status=200 if transcript is not None else 404,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _public_summary(transcript: Transcript) -> dict[str, object]:
    return {
        "name": transcript.name_on_transcript,
        "total_hours": transcript.total_hours,
        "entry_count": transcript.entry_count,
        "period_start": transcript.period_start,
        "period_end": transcript.period_end,
        "issued_at": transcript.issued_at,
        "code": pdf.formatted_code(transcript.code),
    }

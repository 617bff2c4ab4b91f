"""The volunteer's pages: find a shift, sign up, manage one's sign-ups, hours, credentials and
reminders. Thin: load through the choke-points, validate a form, call a service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.people.models import Person
from equityhub.people.selectors import person_of
from equityhub.volunteering import selectors, services
from equityhub.volunteering.forms_volunteer import (
    PATIENT_INFORMATION_WARNING,
    CancelSignUpForm,
    CredentialForm,
    FindShiftsForm,
    HoursForm,
    RemindersForm,
)
from equityhub.volunteering.models import HoursEntry, Shift, SignUp

S = SignUp.Status
RESULTS_LIMIT = 20
HISTORY_LIMIT = 25
TEMPLATES = "volunteering/volunteer/"


def _no_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everything here is about one's own person; without one, say how to make it."""
    return render(request, TEMPLATES + "no_profile.html")


def _posted(request: AuthenticatedHttpRequest) -> Any:
    """The POST data on a POST (even when empty, as an unticked checkbox is), else None."""
    return request.POST if request.method == "POST" else None


def _redirect_back(request: AuthenticatedHttpRequest, default: str) -> HttpResponse:
    """To the page the form came from (`next`, this site only), else to `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _own_signup(request: AuthenticatedHttpRequest, signup_id: int) -> tuple[SignUp, Person]:
    """The user's own sign-up. Others' sign-ups are 404 here, also to their supervisors (who
    use the roster)."""
    signup = selectors.get_signup_for_user(request.user, signup_id)
    person = person_of(request.user)
    if person is None or signup.person_id != person.pk:
        raise Http404
    return signup, person


def _own_hours(request: AuthenticatedHttpRequest, entry_id: int) -> tuple[HoursEntry, Person]:
    entry = selectors.get_hours_for_user(request.user, entry_id)
    person = person_of(request.user)
    if person is None or entry.person_id != person.pk:
        raise Http404
    return entry, person


def _is_late(signup: SignUp, shift: Shift, now: dt.datetime) -> bool:
    """Would cancelling now be recorded as a late cancellation (mirrors the service)?"""
    return signup.status in (S.CONFIRMED, S.OFFERED) and (
        shift.starts_at - now < dt.timedelta(hours=settings.VOLUNTEER_LATE_CANCEL_HOURS)
    )


# -- finding shifts --------------------------------------------------------------------------


@login_required
@require_GET
def find_shifts(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = FindShiftsForm(request.GET or None, user=request.user)
    filters = form.filters()
    form.initial = {"start": filters.start, "end": filters.end}
    person = person_of(request.user)
    rows = selectors.open_shifts_for_me(request.user, filters, limit=RESULTS_LIMIT)
    partial = bool(
        request.htmx and not request.htmx.history_restore_request and not request.htmx.boosted
    )
    context = {
        "form": form,
        "filters": filters,
        "site_choices": [] if partial else form.site_choices(),
        "rows": rows,
        "person": person,
        "limit": RESULTS_LIMIT,
        "at_limit": len(rows) >= RESULTS_LIMIT,
        "later_query": _later_query(request, rows) if len(rows) >= RESULTS_LIMIT else "",
    }
    template = "_shift_results.html" if partial else "find_shifts.html"
    return render(request, TEMPLATES + template, context)


# -- one shift and signing up ----------------------------------------------------------------


def _later_query(request: AuthenticatedHttpRequest, rows: list[selectors.ShiftRow]) -> str:
    """The same filters, continuing after the last shift shown."""
    query = request.GET.copy()
    query["after"] = str(rows[-1].shift.pk)
    return query.urlencode()


@login_required
@require_GET
def shift_detail(request: AuthenticatedHttpRequest, shift_id: int) -> HttpResponse:
    shift = selectors.get_shift_for_user(request.user, shift_id)
    opportunity = selectors.get_opportunity_for_user(request.user, shift.opportunity_id)
    person = person_of(request.user)
    row = selectors.shift_rows(request.user, [shift])[0] if person is not None else None
    signup = row.my_signup if row is not None else None
    now = timezone.now()
    started = shift.starts_at <= now
    context: dict[str, Any] = {
        "shift": shift,
        "opportunity": opportunity,
        "site": opportunity.site,
        "person": person,
        "problems": row.problems if row is not None else [],
        "signup": signup,
        "started": started,
        "may_sign_up": (
            person is not None
            and signup is None
            and not started
            and not shift.is_cancelled
            and opportunity.is_active
        ),
        "may_cancel": (
            signup is not None
            # An offer has its own Decline button.
            and signup.status in (S.CONFIRMED, S.WAITLISTED)
            and not started
        ),
        "late_cancellation": signup is not None and _is_late(signup, shift, now),
        "late_hours": settings.VOLUNTEER_LATE_CANCEL_HOURS,
        "cancel_form": CancelSignUpForm(),
    }
    return render(request, TEMPLATES + "shift_detail.html", context)


@login_required
@require_POST
def sign_up(request: AuthenticatedHttpRequest, shift_id: int) -> HttpResponse:
    shift = selectors.get_shift_for_user(request.user, shift_id)
    person = person_of(request.user)
    if person is None:
        return _no_profile(request)
    try:
        signup = services.sign_up(shift=shift, person=person, actor=request.user)
    except services.Ineligible as error:
        messages.error(
            request,
            _("You cannot sign up for this shift yet: %(reasons)s.")
            % {"reasons": "; ".join(problem.message for problem in error.problems)},
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if signup.status == S.WAITLISTED:
            messages.info(
                request,
                _(
                    "The shift is full, so you are on its waitlist: number %(n)s. If a seat "
                    "opens up we will e-mail you to confirm it."
                )
                % {"n": signup.waitlist_position},
            )
        else:
            messages.success(
                request,
                _("You are signed up. A confirmation is on its way to your e-mail."),
            )
    return redirect("volunteering:shift-detail", shift_id=shift.pk)


@login_required
@require_POST
def cancel_signup(request: AuthenticatedHttpRequest, signup_id: int) -> HttpResponse:
    signup, _person = _own_signup(request, signup_id)
    form = CancelSignUpForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        cancelled = services.cancel_signup(signup=signup, actor=request.user, reason=reason)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if cancelled.late_cancellation:
            messages.warning(
                request,
                _(
                    "Your sign-up is cancelled. It was less than %(hours)s hours before the "
                    "shift, so it is recorded as a late cancellation."
                )
                % {"hours": settings.VOLUNTEER_LATE_CANCEL_HOURS},
            )
        else:
            messages.success(request, _("Your sign-up is cancelled."))
    return _redirect_back(
        request, reverse("volunteering:shift-detail", kwargs={"shift_id": signup.shift_id})
    )


@login_required
@require_POST
def accept_offer(request: AuthenticatedHttpRequest, signup_id: int) -> HttpResponse:
    signup, _person = _own_signup(request, signup_id)
    try:
        services.accept_offer(signup=signup, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The seat is yours: you are confirmed for the shift."))
    return _redirect_back(request, reverse("volunteering:my-volunteering"))


@login_required
@require_POST
def decline_offer(request: AuthenticatedHttpRequest, signup_id: int) -> HttpResponse:
    signup, _person = _own_signup(request, signup_id)
    try:
        services.decline_offer(signup=signup, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("You declined the seat; it goes to the next person on the waitlist.")
        )
    return _redirect_back(request, reverse("volunteering:my-volunteering"))


# -- my volunteering -------------------------------------------------------------------------


@login_required
@require_GET
def my_volunteering(request: AuthenticatedHttpRequest) -> HttpResponse:
    person = person_of(request.user)
    if person is None:
        return _no_profile(request)
    now = timezone.now()
    upcoming = [s for s in selectors.upcoming_signups_of(person) if s.status != S.OFFERED]
    history = list(
        selectors.signups_of(person)
        .filter(
            Q(shift__ends_at__lte=now)
            | Q(status__in=[S.CANCELLED, S.OFFER_LAPSED, S.SHIFT_CANCELLED])
        )
        .order_by("-shift__starts_at", "-id")[:HISTORY_LIMIT]
    )
    context = {
        "person": person,
        "offers": list(selectors.offers_of(person)),
        "upcoming": upcoming,
        "history": history,
        "history_limit": HISTORY_LIMIT,
        "totals": selectors.hours_totals(person),
    }
    return render(request, TEMPLATES + "my_volunteering.html", context)


# -- hours -----------------------------------------------------------------------------------


def _hours_fields(data: dict[str, Any]) -> dict[str, Any]:
    site = data["site"]
    return {
        "site": site,
        "organization_name": "" if site else data["organization_name"],
        "activity": data["activity"],
        "date": data["date"],
        "hours": data["hours"],
        "notes": data["notes"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def my_hours(request: AuthenticatedHttpRequest) -> HttpResponse:
    person = person_of(request.user)
    if person is None:
        return _no_profile(request)
    form = HoursForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.log_hours(
                person=person, actor=request.user, **_hours_fields(form.cleaned_data)
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Your hours are logged and wait for verification."))
            return redirect("volunteering:my-hours")
    context = {
        "person": person,
        "form": form,
        "entries": selectors.hours_of(person).order_by("-date", "-id"),
        "totals": selectors.hours_totals(person),
        "patient_warning": PATIENT_INFORMATION_WARNING,
    }
    return render(request, TEMPLATES + "my_hours.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit_hours(request: AuthenticatedHttpRequest, entry_id: int) -> HttpResponse:
    entry, _person = _own_hours(request, entry_id)
    initial = {
        "site": entry.site_id,
        "organization_name": entry.organization_name,
        "activity": entry.activity,
        "date": entry.date,
        "hours": entry.hours,
        "notes": entry.notes,
    }
    form = HoursForm(
        _posted(request), user=request.user, current_site_id=entry.site_id, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        was = entry.status
        try:
            saved = services.update_hours(
                entry=entry, actor=request.user, **_hours_fields(form.cleaned_data)
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            if was != saved.status:
                messages.info(
                    request, _("Your changes are saved; the hours wait for verification again.")
                )
            else:
                messages.success(request, _("Your changes are saved."))
            return redirect("volunteering:my-hours")
    context = {
        "entry": entry,
        "form": form,
        "patient_warning": PATIENT_INFORMATION_WARNING,
    }
    return render(request, TEMPLATES + "edit_hours.html", context)


@login_required
@require_POST
def withdraw_hours(request: AuthenticatedHttpRequest, entry_id: int) -> HttpResponse:
    entry, _person = _own_hours(request, entry_id)
    try:
        services.withdraw_hours(entry=entry, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The entry was withdrawn."))
    return redirect("volunteering:my-hours")


# -- credentials -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def my_credentials(request: AuthenticatedHttpRequest) -> HttpResponse:
    person = person_of(request.user)
    if person is None:
        return _no_profile(request)
    form = CredentialForm(
        _posted(request), request.FILES if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.submit_credential(
                person=person,
                actor=request.user,
                credential_type=data["credential_type"],
                issued_on=data["issued_on"],
                expires_on=data["expires_on"],
                site=data["site"],
                evidence=data["evidence"] or None,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Your credential is submitted for verification."))
            return redirect("volunteering:my-credentials")
    today = timezone.localdate()
    context = {
        "person": person,
        "form": form,
        "credentials": selectors.credentials_of(person).order_by(
            "credential_type__name", "-issued_on", "-id"
        ),
        "today": today,
        "soon": today + dt.timedelta(days=settings.CREDENTIAL_EXPIRY_NOTICE_DAYS),
        "notice_days": settings.CREDENTIAL_EXPIRY_NOTICE_DAYS,
    }
    return render(request, TEMPLATES + "my_credentials.html", context)


# -- settings --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def my_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    person = person_of(request.user)
    if person is None:
        return _no_profile(request)
    current = selectors.settings_of(person)
    form = RemindersForm(
        _posted(request), initial={"reminders": current.reminders if current else True}
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.set_reminders(
                person=person, actor=request.user, enabled=form.cleaned_data["reminders"]
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                _("Reminders are on.") if saved.reminders else _("Reminders are off."),
            )
            return redirect("volunteering:my-settings")
    return render(request, TEMPLATES + "my_settings.html", {"person": person, "form": form})

"""Pages for the people who run sites: site supervisors (their own sites) and office staff (all).

Thin: load through the manager choke-points (404 for anyone else), validate a form, call a
service, show its refusal on the form. The roster is built for a phone at the clinic door.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet, prefetch_related_objects
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.people.models import Person
from equityhub.people.selectors import MAX_ID, people_visible_to
from equityhub.volunteering import eligibility, selectors, services
from equityhub.volunteering.forms_manage import (
    AddPersonForm,
    CancelShiftForm,
    EditShiftForm,
    NewShiftForm,
    OpportunityForm,
    PersonSearchForm,
    SiteForm,
)
from equityhub.volunteering.models import Opportunity, Shift, SignUp
from equityhub.volunteering.rules import manages_site

S = SignUp.Status
NEXT_SHIFTS_ON_HOME = 3
SHIFTS_ON_SITE_PAGE = 60
SEARCH_RESULTS = 20
# A shift stays on the site's page (and reachable for late check-ins and walk-ins) this long
# after it ends.
RECENT = dt.timedelta(hours=12)


def _require(request: AuthenticatedHttpRequest, perm: str, obj: Any = None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _show_error(form: BaseForm, error: ServiceError) -> None:
    """The service's refusal on the form field it is about (by the form's name for it)."""
    aliases: dict[str, str] = getattr(form, "field_aliases", {})
    alias = aliases.get(error.field or "")
    if alias and alias in form.fields:
        form.add_error(alias, error.message)
    else:
        apply_service_error(form, error)


# -- home ------------------------------------------------------------------------------------


@dataclass
class SiteSummary:
    site: Any
    next_shifts: list[Shift]
    hours_waiting: int
    credentials_waiting: int


def _counts_by_site(queryset: QuerySet[Any]) -> dict[int | None, int]:
    rows = queryset.order_by().values("site_id").annotate(n=Count("id"))
    return {row["site_id"]: row["n"] for row in rows}


@login_required
@require_GET
def manage_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "volunteering.supervise")
    user = request.user
    now = timezone.now()
    sites = list(selectors.managed_sites(user).order_by("-is_active", "name"))
    hours = _counts_by_site(selectors.hours_to_review(user))
    credentials = _counts_by_site(selectors.credentials_to_review(user))
    summaries = [
        SiteSummary(
            site=site,
            next_shifts=list(
                Shift.objects.filter(
                    opportunity__site=site, status=Shift.Status.SCHEDULED, ends_at__gt=now
                )
                .select_related("opportunity")
                .order_by("starts_at", "id")[:NEXT_SHIFTS_ON_HOME]
            ),
            hours_waiting=hours.get(site.pk, 0),
            credentials_waiting=credentials.get(site.pk, 0),
        )
        for site in sites
    ]
    return render(
        request,
        "volunteering/manage/home.html",
        {
            "summaries": summaries,
            "can_create_site": user.has_perm("volunteering.manage_sites"),
            "hours_elsewhere": hours.get(None, 0),  # service elsewhere: office staff review it
        },
    )


# -- sites -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def site_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "volunteering.manage_sites")
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        try:
            with transaction.atomic():
                site = services.create_site(
                    actor=request.user,
                    name=data.pop("name"),
                    zip_code=data.pop("zip_code"),
                    **data,
                )
                if form.area_ids():
                    services.set_site_areas_served(
                        site=site, actor=request.user, area_ids=form.area_ids()
                    )
        except ServiceError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": site.name})
            return redirect("volunteering:site-manage", site_id=site.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "volunteering/manage/site_form.html", {"form": form, "site": None}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request: AuthenticatedHttpRequest, site_id: int) -> HttpResponse:
    site = selectors.get_site_for_manager(request.user, site_id)
    served = sorted(site.serves_areas.values_list("pk", flat=True))
    form = SiteForm(
        request.POST or None,
        instance=type(site).objects.get(pk=site.pk),  # a copy: the form writes onto it
        initial={"serves_areas": served},
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.update_site(site=site, actor=request.user, **form.service_fields())
                if sorted(form.area_ids()) != served:
                    services.set_site_areas_served(
                        site=site, actor=request.user, area_ids=form.area_ids()
                    )
        except ServiceError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("The site was saved."))
            return redirect("volunteering:site-manage", site_id=site.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "volunteering/manage/site_form.html", {"form": form, "site": site}, status=status
    )


@login_required
@require_GET
def site_manage(request: AuthenticatedHttpRequest, site_id: int) -> HttpResponse:
    site = selectors.get_site_for_manager(request.user, site_id)
    now = timezone.now()
    opportunities = (
        Opportunity.objects.filter(site=site)
        .prefetch_related("credential_types", "language_requirements")
        .order_by("-is_active", "title")
    )
    shifts_query = Shift.objects.filter(opportunity__site=site, ends_at__gt=now - RECENT)
    shifts = list(
        shifts_query.select_related("opportunity", "supervisor", "series").order_by(
            "starts_at", "id"
        )[:SHIFTS_ON_SITE_PAGE]
    )
    series = selectors.series_of_site(site).annotate(
        upcoming=Count(
            "shifts",
            filter=Q(shifts__status=Shift.Status.SCHEDULED, shifts__starts_at__gt=now),
        )
    )
    return render(
        request,
        "volunteering/manage/site_detail.html",
        {
            "site": site,
            "areas_served": site.serves_areas.order_by("kind", "code"),
            "opportunities": opportunities,
            "shifts": shifts,
            "more_shifts": max(shifts_query.count() - len(shifts), 0),
            "series_list": series.order_by("opportunity__title", "first_start"),
            "now": now,
        },
    )


# -- opportunities ---------------------------------------------------------------------------


def _save_opportunity(
    request: AuthenticatedHttpRequest, site: Any, opportunity: Opportunity | None
) -> HttpResponse:
    initial = OpportunityForm.initial_for(opportunity) if opportunity else None
    form = OpportunityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_opportunity(
                actor=request.user,
                site=site,
                opportunity=opportunity,
                credential_type_ids=[t.pk for t in form.cleaned_data["credential_types"]],
                languages=form.languages(),
                **form.service_fields(),
            )
        except ServiceError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("%(title)s was saved.") % {"title": saved.title})
            return redirect("volunteering:site-manage", site_id=site.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "volunteering/manage/opportunity_form.html",
        {"form": form, "site": site, "opportunity": opportunity},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_create(request: AuthenticatedHttpRequest, site_id: int) -> HttpResponse:
    site = selectors.get_site_for_manager(request.user, site_id)
    return _save_opportunity(request, site, None)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_edit(request: AuthenticatedHttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = selectors.get_opportunity_for_manager(request.user, opportunity_id)
    return _save_opportunity(request, opportunity.site, opportunity)


# -- shifts and series -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def shift_create(request: AuthenticatedHttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = selectors.get_opportunity_for_manager(request.user, opportunity_id)
    site = opportunity.site
    form = NewShiftForm(
        request.POST or None,
        site=site,
        initial={"repeats": NewShiftForm.ONCE, "capacity": 2},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if form.is_series:
                series = services.create_series(
                    actor=request.user,
                    opportunity=opportunity,
                    rrule=form.rule(),
                    first_start=form.starts_at(),
                    duration_minutes=form.duration_minutes(),
                    capacity=data["capacity"],
                    supervisor=data["supervisor"],
                )
                count = series.shifts.count()
                message = ngettext(
                    "The series was created with %(n)s shift.",
                    "The series was created with %(n)s shifts.",
                    count,
                ) % {"n": count}
            else:
                services.create_shift(
                    actor=request.user,
                    opportunity=opportunity,
                    starts_at=form.starts_at(),
                    ends_at=form.ends_at(),
                    capacity=data["capacity"],
                    supervisor=data["supervisor"],
                    notes=data["notes"].strip(),
                )
                message = _("The shift was created.")
        except ServiceError as error:
            if error.field == "rrule" and data["repeats"] == NewShiftForm.WEEKLY:
                # The rule was built from the weekly choices: say so above them.
                form.add_error(None, error.message)
            else:
                _show_error(form, error)
        else:
            messages.success(request, message)
            return redirect("volunteering:site-manage", site_id=site.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "volunteering/manage/shift_create.html",
        {"form": form, "opportunity": opportunity, "site": site},
        status=status,
    )


def _manages_series(request: AuthenticatedHttpRequest, shift: Shift) -> bool:
    """Series are changed by the site's managers, not by a shift's own supervisor alone."""
    return shift.series_id is not None and manages_site(request.user, shift.opportunity.site_id)


@login_required
@require_http_methods(["GET", "POST"])
def shift_edit(request: AuthenticatedHttpRequest, shift_id: int) -> HttpResponse:
    shift = selectors.get_shift_for_manager(request.user, shift_id)
    in_series = _manages_series(request, shift)
    form = EditShiftForm(
        request.POST or None,
        site=shift.opportunity.site,
        current_supervisor=shift.supervisor,
        in_series=in_series,
        initial=EditShiftForm.initial_for(shift),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if in_series and form.for_series:
            local_date = shift.local_start.date()
            if data["date"] != local_date:
                form.add_error(
                    "date",
                    _(
                        "The shifts of a series keep their days. To move only this shift, "
                        "choose “This shift only”."
                    ),
                )
            if data["notes"].strip() != shift.notes:
                form.add_error("notes", _("Notes are saved per shift: choose “This shift only”."))
        if not form.errors:
            try:
                if in_series and form.for_series:
                    series = selectors.get_series_for_manager(request.user, shift.series_id)
                    changed = services.update_series(
                        series=series,
                        actor=request.user,
                        from_date=shift.local_start.date(),
                        start_time=data["start_time"],
                        duration_minutes=form.duration_minutes(),
                        capacity=data["capacity"],
                        supervisor=data["supervisor"],
                    )
                    message = ngettext(
                        "%(n)s shift of the series was changed.",
                        "%(n)s shifts of the series were changed.",
                        len(changed),
                    ) % {"n": len(changed)}
                else:
                    services.update_shift(
                        shift=shift,
                        actor=request.user,
                        starts_at=form.starts_at(),
                        ends_at=form.ends_at(),
                        capacity=data["capacity"],
                        supervisor=data["supervisor"],
                        notes=data["notes"].strip(),
                    )
                    message = _("The shift was saved.")
                    if shift.series_id:
                        message += " " + _(
                            "Later changes to its series will leave this shift alone."
                        )
            except ServiceError as error:
                _show_error(form, error)
            else:
                messages.success(request, message)
                return redirect("volunteering:roster", shift_id=shift.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "volunteering/manage/shift_edit.html",
        {"form": form, "shift": shift, "site": shift.opportunity.site, "in_series": in_series},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def shift_cancel(request: AuthenticatedHttpRequest, shift_id: int) -> HttpResponse:
    shift = selectors.get_shift_for_manager(request.user, shift_id)
    in_series = _manages_series(request, shift)
    form = CancelShiftForm(request.POST or None, in_series=in_series)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if in_series and form.cleaned_data.get("apply_to") == CancelShiftForm.LATER:
                series = selectors.get_series_for_manager(request.user, shift.series_id)
                count = services.cancel_series(
                    series=series,
                    actor=request.user,
                    from_date=shift.local_start.date(),
                    reason=reason,
                )
                message = ngettext(
                    "%(n)s shift was cancelled; everyone on it was e-mailed.",
                    "%(n)s shifts were cancelled; everyone on them was e-mailed.",
                    count,
                ) % {"n": count}
            else:
                services.cancel_shift(shift=shift, actor=request.user, reason=reason)
                message = _("The shift was cancelled; everyone on it was e-mailed.")
        except ServiceError as error:
            _show_error(form, error)
        else:
            messages.success(request, message)
            return redirect("volunteering:site-manage", site_id=shift.opportunity.site_id)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "volunteering/manage/shift_cancel.html",
        {"form": form, "shift": shift, "in_series": in_series},
        status=status,
    )


# -- roster ----------------------------------------------------------------------------------


@dataclass
class RosterEntry:
    signup: SignUp
    problems: list[eligibility.Problem] = field(default_factory=list)
    can_check_in: bool = False
    can_no_show: bool = False


def _entries(shift: Shift, signups: list[SignUp]) -> list[RosterEntry]:
    """Each sign-up with the person's eligibility problems and what may be done to it now."""
    prefetch_related_objects([shift.opportunity], "credential_types", "language_requirements")
    now = timezone.now()
    check_in_open = not shift.is_cancelled and now >= shift.starts_at - services.CHECK_IN_EARLY
    started = not shift.is_cancelled and shift.starts_at <= now
    return [
        RosterEntry(
            signup=signup,
            problems=services.eligibility_problems(signup.person, shift),
            can_check_in=check_in_open and signup.status in (S.CONFIRMED, S.NO_SHOW),
            can_no_show=started and signup.status in (S.CONFIRMED, S.ATTENDED, S.OFFERED),
        )
        for signup in signups
    ]


def _searchable(request: AuthenticatedHttpRequest) -> QuerySet[Person] | None:
    """The people the user may pick from, if they may search the registry at all; site
    supervisors may not, and add people by their exact e-mail address instead."""
    if not request.user.has_perm("people.use_directory"):
        return None
    return people_visible_to(request.user)


def _search(people: QuerySet[Person], q: str) -> QuerySet[Person]:
    words = q.split()
    if not words:
        return people.none()
    matches = people
    for word in words[:5]:
        matches = matches.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(email__icontains=word)
        )
    ids = list(
        matches.order_by("family_name", "given_name", "id").values_list("pk", flat=True)[
            :SEARCH_RESULTS
        ]
    )
    return Person.objects.filter(pk__in=ids).order_by("family_name", "given_name", "id")


def _render_roster(
    request: AuthenticatedHttpRequest,
    shift: Shift,
    add_form: AddPersonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    searchable = _searchable(request)
    search_form = PersonSearchForm(request.GET or None)
    q = ""
    if searchable is not None and search_form.is_valid():
        q = search_form.cleaned_data["q"].strip()
    no_matches = False
    if add_form is None:
        add_form = AddPersonForm(searchable=searchable)
        if searchable is not None:
            results = _search(searchable, q)
            no_matches = bool(q) and not results.exists()
            add_form.limit_choices(results)
    elif searchable is not None:
        chosen = str(add_form.data.get("person") or "")
        add_form.limit_choices(
            searchable.filter(pk=int(chosen))
            if chosen.isdigit() and 0 < int(chosen) <= MAX_ID
            else searchable.none()
        )
    now = timezone.now()
    signups = selectors.roster(shift)
    entries = _entries(shift, signups)
    seated = [e for e in entries if e.signup.status != S.WAITLISTED]
    waiting = [e for e in entries if e.signup.status == S.WAITLISTED]
    return render(
        request,
        "volunteering/manage/roster.html",
        {
            "shift": shift,
            "site": shift.opportunity.site,
            "seated": seated,
            "waiting": waiting,
            "attended": sum(1 for e in seated if e.signup.status == S.ATTENDED),
            "search_form": search_form if searchable is not None else None,
            "no_matches": no_matches,
            "add_form": add_form,
            "started": shift.starts_at <= now,
            "over": shift.ends_at <= now,
        },
        status=status,
    )


@login_required
@require_GET
def roster(request: AuthenticatedHttpRequest, shift_id: int) -> HttpResponse:
    shift = selectors.get_shift_for_manager(request.user, shift_id)
    return _render_roster(request, shift)


def _add_person(request: AuthenticatedHttpRequest, shift_id: int, *, walk_in: bool) -> HttpResponse:
    shift = selectors.get_shift_for_manager(request.user, shift_id)
    form = AddPersonForm(request.POST, searchable=_searchable(request))
    if form.is_valid():
        person = form.cleaned_data["person"]
        reason = form.cleaned_data["override_reason"].strip()
        try:
            if walk_in:
                signup = services.add_walk_in(
                    shift=shift, person=person, actor=request.user, override_reason=reason
                )
            else:
                signup = services.sign_up(
                    shift=shift, person=person, actor=request.user, override_reason=reason
                )
        except ServiceError as error:
            _show_error(form, error)
        else:
            if signup.status == S.WAITLISTED:
                message = _("%(name)s is number %(n)s on the waitlist.") % {
                    "name": person.display_name,
                    "n": signup.waitlist_position,
                }
            elif walk_in:
                message = _("%(name)s was added as a walk-in and checked in.") % {
                    "name": person.display_name
                }
            else:
                message = _("%(name)s is signed up.") % {"name": person.display_name}
            messages.success(request, message)
            return redirect(reverse("volunteering:roster", args=[shift.pk]) + "#roster")
    return _render_roster(request, shift, add_form=form, status=422)


@login_required
@require_POST
def roster_walk_in(request: AuthenticatedHttpRequest, shift_id: int) -> HttpResponse:
    return _add_person(request, shift_id, walk_in=True)


@login_required
@require_POST
def roster_sign_up(request: AuthenticatedHttpRequest, shift_id: int) -> HttpResponse:
    return _add_person(request, shift_id, walk_in=False)


def _signup_for_manager(request: AuthenticatedHttpRequest, signup_id: int) -> SignUp:
    signup = selectors.get_signup_for_user(request.user, signup_id)
    if not request.user.has_perm("volunteering.manage_shift", signup.shift):
        # Their own sign-up: people do not check themselves in.
        raise Http404
    return signup


def _attendance(
    request: AuthenticatedHttpRequest, signup_id: int, *, attended: bool
) -> HttpResponse:
    signup = _signup_for_manager(request, signup_id)
    name = signup.person.display_name
    error = ""
    try:
        if attended:
            signup = services.check_in(signup=signup, actor=request.user)
            announcement = _("Checked in: %(name)s") % {"name": name}
        else:
            signup = services.mark_no_show(signup=signup, actor=request.user)
            announcement = _("No-show: %(name)s") % {"name": name}
    except ServiceError as refusal:
        error = announcement = refusal.message
        signup = SignUp.objects.select_related("person").get(pk=signup.pk)
    shift = selectors.get_shift_for_manager(request.user, signup.shift_id)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, announcement)
        return redirect(reverse("volunteering:roster", args=[shift.pk]) + f"#signup-{signup.pk}")
    [entry] = _entries(shift, [signup])
    checked_in = SignUp.objects.filter(shift=shift, status=S.ATTENDED).count()
    return render(
        request,
        "volunteering/manage/_roster_row.html",
        {
            "entry": entry,
            "shift": shift,
            "announcement": announcement,
            "error": error,
            # The counts above the roster are swapped out of band, so they stay true.
            "counts_oob": True,
            "attended": checked_in,
        },
    )


@login_required
@require_POST
def check_in(request: AuthenticatedHttpRequest, signup_id: int) -> HttpResponse:
    return _attendance(request, signup_id, attended=True)


@login_required
@require_POST
def no_show(request: AuthenticatedHttpRequest, signup_id: int) -> HttpResponse:
    return _attendance(request, signup_id, attended=False)

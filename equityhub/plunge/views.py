"""Medical Plunge pages: office staff plan the week (sessions and host sites, participants,
groups, rotation, buses, itineraries, check-in); a participant answers their invitation and
reads their own itinerary.

Thin: every object by id goes through a `plunge.selectors.get_*_for_user` choke-point (404 for
anyone who may not reach it), a form validates, a service writes, and its refusal is shown on
the form. Demographic balance columns exist only for holders of the demographics permission
(the selectors decide which attributes a user may use).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.people.selectors import current_affiliations, people_visible_to
from equityhub.places.models import Site
from equityhub.plunge import pdf, selectors, services
from equityhub.plunge.forms import (
    KINDS,
    CheckInSearchForm,
    InviteFromFileForm,
    InviteFromRegistryForm,
    LeaderForm,
    MoveForm,
    OffersForm,
    PairRuleForm,
    PlungeEditForm,
    PlungeForm,
    RequirementForm,
    RespondForm,
    RotationForm,
    RunGroupingForm,
    SessionForm,
)
from equityhub.plunge.models import (
    Attendance,
    Group,
    GroupingRun,
    GroupRequirement,
    PairRule,
    Plunge,
    Registration,
    Session,
    SlotOffer,
    Visit,
)

R = Registration.Status
MAX_REGISTRY_INVITE = 5000
RECENT_RUNS = 5


def _require_planner(request: AuthenticatedHttpRequest) -> None:
    if not request.user.has_perm("plunge.plan"):
        raise PermissionDenied


def _show_error(form: BaseForm, error: ServiceError) -> None:
    """The service's refusal on the form field it is about (by the form's name for it)."""
    aliases: dict[str, str] = getattr(form, "field_aliases", {})
    alias = aliases.get(error.field or "")
    if alias and alias in form.fields:
        form.add_error(alias, error.message)
    else:
        apply_service_error(form, error)


def percent(value: float | None) -> str:
    """An excess (a fraction) as a percentage for people; a dash when there is none."""
    if value is None:
        return "—"
    return f"{formats.number_format(value * 100, decimal_pos=2)}%"


def _status(request: AuthenticatedHttpRequest) -> int:
    return 422 if request.method == "POST" else 200


# -- the list of Plunges -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_planner(request)
    form = PlungeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            plunge = services.create_plunge(
                actor=request.user,
                title=data.pop("title"),
                starts_on=data.pop("starts_on"),
                ends_on=data.pop("ends_on"),
                **data,
            )
        except ServiceError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("%(title)s was created.") % {"title": plunge.title})
            return redirect("plunge:plunge", plunge_id=plunge.pk)
    plunges = selectors.plunges_for_user(request.user)
    return render(
        request,
        "plunge/index.html",
        {"plunges": plunges, "form": form},
        status=_status(request),
    )


# -- one Plunge --------------------------------------------------------------------------------


@dataclass
class Day:
    date: dt.date
    sessions: list[Session]


def days_of(plunge: Plunge, sessions: Sequence[Session]) -> list[Day]:
    """Every day of the week with its sessions, in the Plunge's time zone."""
    by_day: dict[dt.date, list[Session]] = {}
    for session in sessions:
        by_day.setdefault(session.starts_at.astimezone(plunge.tz).date(), []).append(session)
    days = []
    day = plunge.starts_on
    while day <= plunge.ends_on:
        days.append(Day(date=day, sessions=by_day.get(day, [])))
        day += dt.timedelta(days=1)
    return days


@login_required
@require_GET
def plunge_home(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    sessions = list(selectors.sessions_of(plunge).prefetch_related("offers"))
    statuses = Counter(Registration.objects.filter(plunge=plunge).values_list("status", flat=True))
    site_visits = [s for s in sessions if s.is_site_visit]
    groups = Group.objects.filter(plunge=plunge).count()
    visits = Visit.objects.filter(session__plunge=plunge)
    counts = {
        "invited": statuses.get(R.INVITED, 0),
        "registered": statuses.get(R.REGISTERED, 0),
        "declined": statuses.get(R.DECLINED, 0),
        "cancelled": statuses.get(R.CANCELLED, 0),
        "sessions": len(sessions),
        "site_visits": len(site_visits),
        "site_visits_without_hosts": sum(1 for s in site_visits if not s.offers.all()),
        "groups": groups,
        "ungrouped": Registration.objects.filter(
            plunge=plunge, status__in=Registration.ACTIVE, group=None
        ).count(),
        "visits": visits.count(),
        "bus_runs": visits.exclude(bus_number=None)
        .order_by()
        .values_list("session_id", "bus_number")
        .distinct()
        .count(),
        "check_ins": Attendance.objects.filter(session__plunge=plunge).count(),
    }
    return render(
        request,
        "plunge/plunge.html",
        {"plunge": plunge, "counts": counts, "days": days_of(plunge, sessions)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plunge_edit(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    form = PlungeEditForm(request.POST or None, initial=PlungeEditForm.initial_for(plunge))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_plunge(plunge=plunge, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            _show_error(form, error)
            plunge.refresh_from_db()
        else:
            messages.success(request, _("The Plunge was saved."))
            return redirect("plunge:plunge", plunge_id=plunge.pk)
    return render(
        request,
        "plunge/plunge_form.html",
        {"plunge": plunge, "form": form},
        status=_status(request),
    )


# -- sessions ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sessions(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    form = SessionForm(request.POST or None, plunge=plunge)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.save_session(
                plunge=plunge, actor=request.user, **form.service_fields()
            )
        except ServiceError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("%(title)s was added.") % {"title": session.title})
            if session.is_site_visit:
                return redirect(reverse("plunge:session", args=[plunge.pk, session.pk]) + "#hosts")
            return redirect("plunge:sessions", plunge_id=plunge.pk)
    all_sessions = list(selectors.sessions_of(plunge).prefetch_related("offers__site"))
    return render(
        request,
        "plunge/sessions.html",
        {"plunge": plunge, "form": form, "days": days_of(plunge, all_sessions)},
        status=_status(request),
    )


def _offers_form(session: Session, data: Any = None) -> OffersForm:
    current = dict(SlotOffer.objects.filter(session=session).values_list("site_id", "capacity"))
    sites = list(
        Site.objects.filter(Q(is_active=True) | Q(pk__in=list(current)))
        .select_related("area")
        .order_by("kind", "name")
    )
    return OffersForm(data, sites=sites, current=current)


def _session_page(
    request: AuthenticatedHttpRequest,
    plunge: Plunge,
    session: Session,
    form: SessionForm,
    offers_form: OffersForm | None,
) -> HttpResponse:
    return render(
        request,
        "plunge/session.html",
        {
            "plunge": plunge,
            "session": session,
            "form": form,
            "offers_form": offers_form,
            "offered_groups": sum(
                SlotOffer.objects.filter(session=session).values_list("capacity", flat=True)
            ),
            "group_count": Group.objects.filter(plunge=plunge).count() or plunge.group_count,
        },
        status=_status(request),
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(
    request: AuthenticatedHttpRequest, plunge_id: int, session_id: int
) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    session = selectors.get_session_for_user(request.user, plunge, session_id)
    form = SessionForm(
        request.POST or None, plunge=plunge, initial=SessionForm.initial_for(session)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_session(
                plunge=plunge, actor=request.user, session=session, **form.service_fields()
            )
        except ServiceError as error:
            _show_error(form, error)
            session.refresh_from_db()
        else:
            messages.success(request, _("The session was saved."))
            return redirect("plunge:session", plunge_id=plunge.pk, session_id=session.pk)
    offers_form = _offers_form(session) if session.is_site_visit else None
    return _session_page(request, plunge, session, form, offers_form)


@login_required
@require_POST
def session_offers(
    request: AuthenticatedHttpRequest, plunge_id: int, session_id: int
) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    session = selectors.get_session_for_user(request.user, plunge, session_id)
    offers_form = _offers_form(session, request.POST)
    if offers_form.is_valid():
        try:
            offers = services.set_offers(
                session=session, actor=request.user, offers=offers_form.offers()
            )
        except ServiceError as error:
            apply_service_error(offers_form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)s site hosts groups in this session.",
                    "%(n)s sites host groups in this session.",
                    len(offers),
                )
                % {"n": len(offers)},
            )
            return redirect(reverse("plunge:session", args=[plunge.pk, session.pk]) + "#hosts")
    form = SessionForm(plunge=plunge, initial=SessionForm.initial_for(session))
    return _session_page(request, plunge, session, form, offers_form)


@login_required
@require_POST
def session_delete(
    request: AuthenticatedHttpRequest, plunge_id: int, session_id: int
) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    session = selectors.get_session_for_user(request.user, plunge, session_id)
    title = session.title
    try:
        services.delete_session(session=session, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("plunge:session", plunge_id=plunge.pk, session_id=session.pk)
    messages.success(request, _("%(title)s was deleted.") % {"title": title})
    return redirect("plunge:sessions", plunge_id=plunge.pk)


# -- participants ------------------------------------------------------------------------------


def _active(plunge: Plunge) -> Any:
    return selectors.registrations_of(plunge).filter(status__in=Registration.ACTIVE)


def _participants_page(
    request: AuthenticatedHttpRequest,
    plunge: Plunge,
    *,
    registry_form: InviteFromRegistryForm | None = None,
    file_form: InviteFromFileForm | None = None,
    rule_form: PairRuleForm | None = None,
    requirement_form: RequirementForm | None = None,
) -> HttpResponse:
    registrations = list(selectors.registrations_of(plunge))
    statuses = Counter(r.status for r in registrations)
    return render(
        request,
        "plunge/participants.html",
        {
            "plunge": plunge,
            "registrations": registrations,
            "status_counts": [(label, statuses.get(value, 0)) for value, label in R.choices],
            "registry_form": registry_form or InviteFromRegistryForm(),
            "file_form": file_form or InviteFromFileForm(),
            "rule_form": rule_form or PairRuleForm(registrations=_active(plunge)),
            "requirement_form": requirement_form or RequirementForm(),
            "rules": PairRule.objects.filter(plunge=plunge)
            .select_related("first__person", "second__person")
            .order_by("id"),
            "requirements": GroupRequirement.objects.filter(plunge=plunge).order_by("column"),
        },
        status=_status(request),
    )


@login_required
@require_GET
def participants(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    return _participants_page(request, plunge)


@login_required
@require_POST
def invite_registry(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    form = InviteFromRegistryForm(request.POST)
    if form.is_valid():
        criteria: dict[str, Any] = {}
        if form.cleaned_data.get("organization"):
            criteria["organization"] = form.cleaned_data["organization"]
        if form.cleaned_data.get("training_level"):
            criteria["training_level"] = form.cleaned_data["training_level"]
        if (form.cleaned_data.get("school_program") or "").strip():
            criteria["school_program__iexact"] = form.cleaned_data["school_program"].strip()
        people = list(
            people_visible_to(request.user)
            .filter(pk__in=current_affiliations().filter(**criteria).values("person_id"))
            .order_by("id")[: MAX_REGISTRY_INVITE + 1]
        )
        if not people:
            form.add_error(None, _("No one in the registry matches."))
        elif len(people) > MAX_REGISTRY_INVITE:
            form.add_error(
                None,
                _("More than %(n)s people match; narrow the choice.") % {"n": MAX_REGISTRY_INVITE},
            )
        else:
            try:
                added = services.invite(plunge=plunge, actor=request.user, people=people)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(added)s person invited (%(matched)s matched).",
                        "%(added)s people invited (%(matched)s matched).",
                        added,
                    )
                    % {"added": added, "matched": len(people)},
                )
                return redirect("plunge:participants", plunge_id=plunge.pk)
    return _participants_page(request, plunge, registry_form=form)


@login_required
@require_POST
def invite_file(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    form = InviteFromFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = services.invite_from_csv(
                plunge=plunge, actor=request.user, content=form.cleaned_data["file"].read()
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)s person invited from the file.",
                    "%(n)s people invited from the file.",
                    added,
                )
                % {"n": added},
            )
            return redirect("plunge:participants", plunge_id=plunge.pk)
    return _participants_page(request, plunge, file_form=form)


@login_required
@require_POST
def pair_rule_add(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    form = PairRuleForm(request.POST, registrations=_active(plunge))
    if form.is_valid():
        try:
            services.add_pair_rule(
                plunge=plunge,
                actor=request.user,
                first=form.cleaned_data["first"],
                second=form.cleaned_data["second"],
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data.get("note", ""),
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The rule was added."))
            return redirect(reverse("plunge:participants", args=[plunge.pk]) + "#rules")
    return _participants_page(request, plunge, rule_form=form)


@login_required
@require_POST
def pair_rule_delete(
    request: AuthenticatedHttpRequest, plunge_id: int, rule_id: int
) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    rule = selectors.get_pair_rule_for_user(request.user, plunge, rule_id)
    services.remove_pair_rule(rule=rule, actor=request.user)
    messages.success(request, _("The rule was removed."))
    return redirect(reverse("plunge:participants", args=[plunge.pk]) + "#rules")


@login_required
@require_POST
def requirement_add(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    form = RequirementForm(request.POST)
    if form.is_valid():
        try:
            services.set_requirement(
                plunge=plunge,
                actor=request.user,
                column=form.cleaned_data["column"],
                minimum=form.cleaned_data["minimum"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The requirement was saved."))
            return redirect(reverse("plunge:participants", args=[plunge.pk]) + "#requirements")
    return _participants_page(request, plunge, requirement_form=form)


@login_required
@require_POST
def requirement_delete(
    request: AuthenticatedHttpRequest, plunge_id: int, requirement_id: int
) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    requirement = selectors.get_requirement_for_user(request.user, plunge, requirement_id)
    services.remove_requirement(requirement=requirement, actor=request.user)
    messages.success(request, _("The requirement was removed."))
    return redirect(reverse("plunge:participants", args=[plunge.pk]) + "#requirements")


# -- groups ------------------------------------------------------------------------------------


@dataclass
class Cell:
    count: int
    state: str  # "", "low" or "high": outside the even spread floor..ceil


@dataclass
class TableRow:
    number: int
    group_id: int | None
    size: Cell
    cells: list[Cell]


@dataclass
class BalanceTable:
    columns: list[tuple[str, str]]  # (column, label)
    rows: list[TableRow]
    ideal: list[tuple[int, int]]
    size_ideal: tuple[int, int]
    ss: float
    ss_ideal: float
    excess: float | None
    excess_text: str
    violations: list[str] = field(default_factory=list)
    outside: int = 0


def _state(value: int, low: int, high: int) -> str:
    if value < low:
        return "low"
    if value > high:
        return "high"
    return ""


def balance_table(balance: selectors.Balance) -> BalanceTable:
    groups = max(len(balance.rows), 1)
    placed = sum(row.size for row in balance.rows)
    size_ideal = (placed // groups, -(-placed // groups))
    rows = []
    outside = 0
    for row in balance.rows:
        cells = [
            Cell(count, _state(count, low, high))
            for count, (low, high) in zip(row.counts, balance.ideal, strict=True)
        ]
        size = Cell(row.size, _state(row.size, *size_ideal))
        outside += sum(1 for cell in [size, *cells] if cell.state)
        rows.append(TableRow(row.number, row.group_id, size, cells))
    return BalanceTable(
        columns=list(zip(balance.columns, balance.column_labels, strict=True)),
        rows=rows,
        ideal=balance.ideal,
        size_ideal=size_ideal,
        ss=balance.ss,
        ss_ideal=balance.ss_ideal,
        excess=balance.excess,
        excess_text=percent(balance.excess),
        violations=balance.violations,
        outside=outside,
    )


def _allowed_attributes(plunge: Plunge, user: Any, wanted: Sequence[str]) -> list[str]:
    allowed = {key for key, _label in selectors.available_attributes(plunge, user)}
    return [a for a in dict.fromkeys(wanted) if a in allowed]


def _balance_attributes(
    request: AuthenticatedHttpRequest, plunge: Plunge, wanted: Sequence[str] | None = None
) -> list[str]:
    """The attributes the balance table shows: as asked, else those of the last applied run,
    always limited to what this user may balance on."""
    if wanted is None:
        wanted = request.GET.getlist("attributes")
    if not wanted:
        applied = (
            GroupingRun.objects.filter(plunge=plunge)
            .exclude(applied_at=None)
            .order_by("-applied_at", "-id")
            .first()
        )
        wanted = list(applied.attributes) if applied else []
    return _allowed_attributes(plunge, request.user, wanted)


def _balance_context(
    request: AuthenticatedHttpRequest, plunge: Plunge, attributes: list[str]
) -> dict[str, Any]:
    table = None
    if attributes:
        try:
            table = balance_table(selectors.balance(plunge, request.user, attributes))
        except ValueError:
            table = None
    groups = selectors.groups_with_members(plunge)
    unplaced = list(
        _active(plunge).filter(group=None).order_by("person__family_name", "person__given_name")
    )
    leader_forms = {
        group.pk: LeaderForm(
            prefix=f"g{group.pk}",
            members=Registration.objects.filter(
                group=group, status__in=Registration.ACTIVE
            ).select_related("person"),
            initial={
                "leader": next((m.pk for m in group.members.all() if m.is_group_leader), None),
                "phone": group.leader_phone,
            },
        )
        for group in groups
    }
    return {
        "plunge": plunge,
        "attributes": attributes,
        "attributes_query": urlencode([("attributes", a) for a in attributes]),
        "table": table,
        "groups": [(group, leader_forms[group.pk]) for group in groups],
        "group_choices": [(group.pk, group.number) for group in groups],
        "unplaced": unplaced,
    }


def _groups_page(
    request: AuthenticatedHttpRequest, plunge: Plunge, form: RunGroupingForm
) -> HttpResponse:
    run = None
    if request.GET.get("run"):
        run = selectors.get_run_for_user(request.user, plunge, request.GET["run"])
    available = selectors.available_attributes(plunge, request.user)
    attributes = _balance_attributes(request, plunge)
    context = _balance_context(request, plunge, attributes)
    context.update(
        {
            "form": form,
            "run": run,
            "run_excess": percent(run.excess) if run else "",
            "run_attributes": [label for key, label in available if run and key in run.attributes],
            "runs": [
                (past, percent(past.excess))
                for past in GroupingRun.objects.filter(plunge=plunge).order_by(
                    "-created_at", "-id"
                )[:RECENT_RUNS]
            ],
            "available": available,
            "registered": _active(plunge).count(),
        }
    )
    return render(request, "plunge/groups.html", context, status=_status(request))


@login_required
@require_http_methods(["GET", "POST"])
def groups(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    available = selectors.available_attributes(plunge, request.user)
    form = RunGroupingForm(request.POST or None, attributes=available)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.run_grouping(
                plunge=plunge,
                actor=request.user,
                attributes=form.cleaned_data["attributes"],
                weights=form.weights(),
                seed=form.cleaned_data["seed"],
                time_limit=form.cleaned_data["time_limit"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                _("Groups formed: excess %(excess)s over the best possible balance.")
                % {"excess": percent(run.excess)},
            )
            return redirect(reverse("plunge:groups", args=[plunge.pk]) + f"?run={run.pk}#run")
    return _groups_page(request, plunge, form)


@login_required
@require_POST
def run_apply(request: AuthenticatedHttpRequest, plunge_id: int, run_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    run = selectors.get_run_for_user(request.user, plunge, run_id)
    try:
        applied = services.apply_grouping(run=run, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(reverse("plunge:groups", args=[plunge.pk]) + f"?run={run.pk}#run")
    messages.success(
        request,
        ngettext("%(n)s group was written.", "%(n)s groups were written.", len(applied))
        % {"n": len(applied)},
    )
    query = urlencode([("attributes", a) for a in run.attributes])
    return redirect(reverse("plunge:groups", args=[plunge.pk]) + f"?{query}#balance")


@login_required
@require_POST
def move(request: AuthenticatedHttpRequest, plunge_id: int, registration_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    registration = selectors.get_plunge_registration_for_user(request.user, plunge, registration_id)
    attributes = _balance_attributes(request, plunge, request.POST.getlist("attributes"))
    form = MoveForm(request.POST)
    error = ""
    moved_to: Group | None = None
    if not form.is_valid():
        error = _("Choose a group.")
    else:
        group = selectors.get_group_for_user(request.user, plunge, form.cleaned_data["group"])
        try:
            services.move_member(registration=registration, group=group, actor=request.user)
        except ServiceError as refusal:
            error = refusal.message
        else:
            moved_to = group
    context = _balance_context(request, plunge, attributes)
    announcement = ""
    if moved_to is not None:
        names = {"name": registration.person.display_name, "n": moved_to.number}
        if context["table"] is not None:
            announcement = _("Moved %(name)s to group %(n)s; excess now %(excess)s.") % {
                **names,
                "excess": context["table"].excess_text,
            }
        else:
            announcement = _("Moved %(name)s to group %(n)s.") % names
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, announcement)
        query = context["attributes_query"]
        return redirect(reverse("plunge:groups", args=[plunge.pk]) + f"?{query}#balance")
    context.update({"announcement": error or announcement, "status_oob": True})
    return render(request, "plunge/_balance_region.html", context)


@login_required
@require_POST
def group_leader(request: AuthenticatedHttpRequest, plunge_id: int, group_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    group = selectors.get_group_for_user(request.user, plunge, group_id)
    members = Registration.objects.filter(
        group=group, status__in=Registration.ACTIVE
    ).select_related("person")
    form = LeaderForm(request.POST, prefix=f"g{group.pk}", members=members)
    query = urlencode([("attributes", a) for a in request.POST.getlist("attributes")])
    target = reverse("plunge:groups", args=[plunge.pk]) + f"?{query}#group-{group.number}"
    if not form.is_valid():
        messages.error(request, _("Choose a member of the group."))
        return redirect(target)
    chosen = form.cleaned_data.get("leader")
    try:
        with transaction.atomic():
            for member in members:
                if member.is_group_leader and member != chosen:
                    services.set_group_leader(registration=member, actor=request.user, leader=False)
            if chosen is not None:
                services.set_group_leader(
                    registration=chosen,
                    actor=request.user,
                    leader=True,
                    phone=form.cleaned_data.get("phone", ""),
                )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The leader of group %(n)s was saved.") % {"n": group.number})
    return redirect(target)


# -- rotation and buses ------------------------------------------------------------------------


@dataclass
class BusRow:
    number: int | None
    stops: list[Site]
    groups: list[int]
    people: int


def bus_rows(plunge: Plunge, session: Session) -> list[BusRow]:
    """The bus runs of a session: its visits grouped by bus number."""
    sizes = selectors.group_sizes(plunge)
    runs: dict[int | None, BusRow] = {}
    for visit in (
        Visit.objects.filter(session=session)
        .select_related("site", "group")
        .order_by("bus_number", "group__number")
    ):
        row = runs.setdefault(visit.bus_number, BusRow(visit.bus_number, [], [], 0))
        if visit.site not in row.stops:
            row.stops.append(visit.site)
        row.groups.append(visit.group.number)
        row.people += sizes.get(visit.group_id, 0)
    return sorted(runs.values(), key=lambda r: (r.number is None, r.number or 0))


@dataclass
class GridRow:
    group: Group
    cells: list[Visit | None]
    missing: list[str]


def _rotation_page(
    request: AuthenticatedHttpRequest,
    plunge: Plunge,
    form: RotationForm,
    *,
    reasons: list[str] | None = None,
    headline: str = "",
) -> HttpResponse:
    site_visits = list(
        selectors.sessions_of(plunge)
        .filter(kind=Session.Kind.SITE_VISIT)
        .prefetch_related("offers")
    )
    all_groups = list(Group.objects.filter(plunge=plunge).order_by("number"))
    visits = {
        (v.group_id, v.session_id): v
        for v in Visit.objects.filter(session__plunge=plunge).select_related("site")
    }
    kind_labels = dict(KINDS)
    kinds_wanted = [k for k in form["kinds"].value() or [] if k in kind_labels]
    grid = []
    for group in all_groups:
        cells = [visits.get((group.pk, s.pk)) for s in site_visits]
        had = {cell.site.kind for cell in cells if cell is not None}
        grid.append(
            GridRow(
                group=group,
                cells=cells,
                missing=[str(kind_labels[k]) for k in kinds_wanted if k not in had],
            )
        )
    buses = [(s, bus_rows(plunge, s)) for s in site_visits]
    return render(
        request,
        "plunge/rotation.html",
        {
            "plunge": plunge,
            "form": form,
            "reasons": reasons or [],
            "headline": headline,
            "site_visits": site_visits,
            "slots": [(s, sum(o.capacity for o in s.offers.all())) for s in site_visits],
            "groups_count": len(all_groups),
            "grid": grid if visits else [],
            "buses": [(s, runs) for s, runs in buses if runs],
            "buses_planned": any(r.number is not None for _s, runs in buses for r in runs),
        },
        status=422 if reasons else 200,
    )


def _reasons(message: str) -> tuple[str, list[str]]:
    """'No rotation fits: a; b' -> ('No rotation fits', ['a', 'b'])."""
    head, sep, rest = message.partition(": ")
    if not sep:
        return message, []
    return head, [reason for reason in rest.split("; ") if reason]


@login_required
@require_http_methods(["GET", "POST"])
def rotation(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    if request.method == "POST":
        form = RotationForm(request.POST)
        if form.is_valid():
            kinds = form.cleaned_data["kinds"]
            try:
                result = services.plan_rotation(
                    plunge=plunge,
                    actor=request.user,
                    required_kinds=kinds,
                    kinds_hard=form.cleaned_data["strength"] == RotationForm.REQUIRED,
                )
            except ServiceError as error:
                if error.code == "infeasible":
                    headline, reasons = _reasons(error.message)
                    return _rotation_page(
                        request, plunge, form, reasons=reasons or [headline], headline=headline
                    )
                return _rotation_page(request, plunge, form, reasons=[error.message])
            missing = sum(len(kinds) for kinds in result.kinds_missing.values())
            messages.success(
                request,
                _(
                    "The rotation was planned. Required kinds a group misses: %(missing)s; "
                    "visits to an area a group has seen already: %(repeats)s."
                )
                % {"missing": missing, "repeats": result.repeated_areas},
            )
            query = urlencode(
                [("kinds", k) for k in kinds] + [("strength", form.cleaned_data["strength"])]
            )
            return redirect(reverse("plunge:rotation", args=[plunge.pk]) + f"?{query}#grid")
        return _rotation_page(request, plunge, form)
    initial: dict[str, Any] = {}
    if "strength" in request.GET:
        initial = {
            "kinds": [k for k in request.GET.getlist("kinds") if k in dict(KINDS)],
            "strength": request.GET["strength"],
        }
    return _rotation_page(request, plunge, RotationForm(initial=initial or None))


@login_required
@require_POST
def buses(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    try:
        count = services.plan_buses(plunge=plunge, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext("%(n)s bus run was planned.", "%(n)s bus runs were planned.", count)
            % {"n": count},
        )
    return redirect(reverse("plunge:rotation", args=[plunge.pk]) + "#buses")


@login_required
@require_GET
def manifest(request: AuthenticatedHttpRequest, plunge_id: int, session_id: int) -> HttpResponse:
    # Leaders' phone numbers are personal data: the choke-points admit office staff only.
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    session = selectors.get_session_for_user(request.user, plunge, session_id)
    content = pdf.render_manifest(plunge, session)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bus-manifest-{session.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# -- itineraries -------------------------------------------------------------------------------


def by_day(
    plunge: Plunge, items: Sequence[selectors.ItineraryItem]
) -> list[tuple[dt.date, list[selectors.ItineraryItem]]]:
    """An itinerary's items under their days, in the Plunge's time zone."""
    days: dict[dt.date, list[selectors.ItineraryItem]] = {}
    for item in items:
        days.setdefault(item.session.starts_at.astimezone(plunge.tz).date(), []).append(item)
    return list(days.items())


@login_required
@require_GET
def itineraries(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    pages = [
        (group, by_day(plunge, selectors.itinerary_for_group(plunge, group)))
        for group in selectors.groups_with_members(plunge)
    ]
    return render(request, "plunge/itineraries.html", {"plunge": plunge, "pages": pages})


def _published(plunge: Plunge) -> bool:
    return plunge.status in (Plunge.Status.PUBLISHED, Plunge.Status.DONE)


@dataclass
class OwnCard:
    registration: Registration
    form: RespondForm
    itinerary: list[tuple[dt.date, list[selectors.ItineraryItem]]] | None
    leader: str


def _card(
    request: AuthenticatedHttpRequest, registration: Registration, form: RespondForm | None = None
) -> OwnCard:
    plunge = registration.plunge
    staff = request.user.has_perm("plunge.plan")
    show = registration.group is not None and (staff or _published(plunge))
    leader = ""
    if show and registration.group is not None:
        found = (
            Registration.objects.filter(group=registration.group, is_group_leader=True)
            .select_related("person")
            .first()
        )
        leader = found.person.display_name if found else ""
    return OwnCard(
        registration=registration,
        form=form
        or RespondForm(prefix=f"r{registration.pk}", initial=RespondForm.initial_for(registration)),
        itinerary=by_day(plunge, selectors.itinerary_for_group(plunge, registration.group))
        if show
        else None,
        leader=leader,
    )


@login_required
@require_GET
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    cards = [
        _card(request, registration)
        for registration in selectors.own_registrations(request.user).order_by("-plunge__starts_on")
    ]
    return render(request, "plunge/mine.html", {"cards": cards})


@login_required
@require_http_methods(["GET", "POST"])
def registration(request: AuthenticatedHttpRequest, registration_id: int) -> HttpResponse:
    found = selectors.get_registration_for_user(request.user, registration_id)
    form = None
    if request.method == "POST":
        form = RespondForm(request.POST, prefix=f"r{found.pk}")
        if form.is_valid():
            try:
                services.respond(
                    registration=found,
                    actor=request.user,
                    attending=form.cleaned_data["attending"],
                    dietary_needs=form.cleaned_data.get("dietary_needs", ""),
                    accessibility_needs=form.cleaned_data.get("accessibility_needs", ""),
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("Thank you: your answer was saved."))
                own = selectors.own_registrations(request.user).filter(pk=found.pk).exists()
                if own:
                    return redirect("plunge:mine")
                return redirect("plunge:registration", registration_id=found.pk)
    return render(
        request,
        "plunge/registration.html",
        {"card": _card(request, found, form)},
        status=_status(request),
    )


# -- check-in ----------------------------------------------------------------------------------


@login_required
@require_GET
def check_in_sessions(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    if not request.user.has_perm("plunge.check_in"):
        raise PermissionDenied
    all_sessions = list(selectors.sessions_of(plunge))
    counts = Counter(
        Attendance.objects.filter(session__plunge=plunge).values_list("session_id", flat=True)
    )
    return render(
        request,
        "plunge/check_in_sessions.html",
        {
            "plunge": plunge,
            "sessions": [(s, counts.get(s.pk, 0)) for s in all_sessions],
            "registered": Registration.objects.filter(plunge=plunge, status=R.REGISTERED).count(),
        },
    )


def _check_in_session(
    request: AuthenticatedHttpRequest, plunge_id: int, session_id: int
) -> tuple[Plunge, Session]:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    if not request.user.has_perm("plunge.check_in"):
        raise PermissionDenied
    return plunge, selectors.get_session_for_user(request.user, plunge, session_id)


@login_required
@require_GET
def check_in(request: AuthenticatedHttpRequest, plunge_id: int, session_id: int) -> HttpResponse:
    plunge, session = _check_in_session(request, plunge_id, session_id)
    search = CheckInSearchForm(request.GET or None)
    people = selectors.registrations_of(plunge).filter(status=R.REGISTERED)
    query = search.cleaned_data.get("q", "").strip() if search.is_valid() else ""
    if query:
        people = people.filter(person__search_key__contains=query.lower())
    people = people.order_by("person__family_name", "person__given_name", "id")
    present = selectors.attendance_of(session)
    context = {
        "plunge": plunge,
        "session": session,
        "search": search,
        "query": query,
        "rows": [(r, r.pk in present) for r in people],
        "attended": len(present),
        "registered": Registration.objects.filter(plunge=plunge, status=R.REGISTERED).count(),
    }
    if request.htmx:
        return render(request, "plunge/_check_in_list.html", context)
    return render(request, "plunge/check_in.html", context)


def _attendance(
    request: AuthenticatedHttpRequest,
    plunge_id: int,
    session_id: int,
    registration_id: int,
    *,
    present: bool,
) -> HttpResponse:
    plunge, session = _check_in_session(request, plunge_id, session_id)
    registration = selectors.get_plunge_registration_for_user(request.user, plunge, registration_id)
    name = registration.person.display_name
    error = ""
    try:
        if present:
            services.check_in(session=session, registration=registration, actor=request.user)
            announcement = _("Checked in: %(name)s") % {"name": name}
        else:
            attendance = Attendance.objects.filter(
                session=session, registration=registration
            ).first()
            if attendance is not None:
                services.undo_check_in(attendance=attendance, actor=request.user)
            announcement = _("Check-in undone: %(name)s") % {"name": name}
    except ServiceError as refusal:
        error = announcement = refusal.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, announcement)
        return redirect(
            reverse("plunge:check-in", args=[plunge.pk, session.pk]) + f"#person-{registration.pk}"
        )
    return render(
        request,
        "plunge/_check_in_row.html",
        {
            "plunge": plunge,
            "session": session,
            "registration": Registration.objects.select_related("person", "group").get(
                pk=registration.pk
            ),
            "present": Attendance.objects.filter(
                session=session, registration=registration
            ).exists(),
            "error": error,
            "announcement": announcement,
            "attended": Attendance.objects.filter(session=session).count(),
            "registered": Registration.objects.filter(plunge=plunge, status=R.REGISTERED).count(),
            "oob": True,
        },
    )


@login_required
@require_POST
def check_in_person(
    request: AuthenticatedHttpRequest, plunge_id: int, session_id: int, registration_id: int
) -> HttpResponse:
    return _attendance(request, plunge_id, session_id, registration_id, present=True)


@login_required
@require_POST
def undo_check_in(
    request: AuthenticatedHttpRequest, plunge_id: int, session_id: int, registration_id: int
) -> HttpResponse:
    return _attendance(request, plunge_id, session_id, registration_id, present=False)

"""Survey pages: answering (public, by private link) and the office's questionnaires and results.

The answering page needs no sign-in: the token in its address is the credential. Unknown and
expired links, and links to closed questionnaires, answer 404; an invitation answered already
gets a short "already answered" page (also 404: the link no longer leads to a survey). The page
is in the invitation's language unless `?lang=en` or `?lang=es` says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from equityhub.core.exceptions import Conflict, ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest, HtmxHttpRequest
from equityhub.people.models import Person
from equityhub.surveys import selectors, services
from equityhub.surveys.forms import (
    CompareForm,
    InviteForm,
    ItemForm,
    QuestionnaireForm,
    ResponseForm,
)
from equityhub.surveys.models import Invitation, Item, Language, Questionnaire
from equityhub.surveys.stats import ItemChange, paired_change

# -- answering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    input_id: str
    checked: bool


@dataclass(frozen=True)
class Question:
    number: int
    item: Item
    name: str
    prompt: str
    options: list[Option]
    value: str
    errors: list[str]

    @property
    def error_id(self) -> str:
        return f"{self.name}-error"

    @property
    def first_input_id(self) -> str:
        return self.options[0].input_id if self.options else f"id_{self.name}"

    @property
    def is_text(self) -> bool:
        return self.item.kind == Item.Kind.TEXT


def _language(request: HtmxHttpRequest, invitation: Invitation) -> str:
    asked = request.GET.get("lang", "")
    return asked if asked in Language.values else invitation.language


def _questions(form: ResponseForm, language: str) -> list[Question]:
    questions = []
    for number, item in enumerate(form.items, start=1):
        name = item.field_name
        value = str(form.data.get(name, "")) if form.is_bound else ""
        questions.append(
            Question(
                number=number,
                item=item,
                name=name,
                prompt=item.prompt_in(language),
                options=[
                    Option(
                        value=option_value,
                        label=label,
                        input_id=f"id_{name}_{index}",
                        checked=value == option_value,
                    )
                    for index, (option_value, label) in enumerate(item.options(language))
                ],
                value=value,
                errors=[str(error) for error in form.errors.get(name, [])],
            )
        )
    return questions


def _render_sheet(
    request: HtmxHttpRequest,
    invitation: Invitation,
    form: ResponseForm,
    language: str,
    *,
    status: int = 200,
) -> HttpResponse:
    questions = _questions(form, language)
    questionnaire = invitation.questionnaire
    context = {
        "title": questionnaire.title_in(language),
        "description": questionnaire.description_in(language),
        "questions": questions,
        "problems": [q for q in questions if q.errors],
        "general_errors": form.non_field_errors(),
        "language": language,
        "languages": Language.values,
        "closes_at": invitation.expires_at,
    }
    return render(request, "surveys/respond.html", context, status=status)


def _already_answered(request: HtmxHttpRequest, language: str) -> HttpResponse:
    return render(request, "surveys/already_answered.html", {"language": language}, status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def respond(request: HtmxHttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_for_token(token)
    if invitation is None or not selectors.is_answerable(invitation):
        raise Http404
    language = _language(request, invitation)
    with translation.override(language):
        if selectors.is_answered(invitation):
            return _already_answered(request, language)
        items = selectors.items_of(invitation.questionnaire)
        if request.method != "POST":
            return _render_sheet(request, invitation, ResponseForm(items=items), language)
        form = ResponseForm(request.POST, items=items)
        if form.is_valid():
            try:
                services.submit_response(token=token, answers=form.answers(), language=language)
            except services.InvalidAnswers as error:
                for field, message in error.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            except Conflict:
                return _already_answered(request, language)
            except ServiceError as error:
                if error.code == "not_found":
                    raise Http404 from None
                apply_service_error(form, error)  # pragma: no cover - no other refusal today
            else:
                return redirect(f"{reverse('surveys:thanks')}?lang={language}")
        return _render_sheet(request, invitation, form, language, status=422)


@require_GET
def thanks(request: HtmxHttpRequest) -> HttpResponse:
    asked = request.GET.get("lang", "")
    language = asked if asked in Language.values else (translation.get_language() or "en")[:2]
    with translation.override(language):
        return render(request, "surveys/thanks.html", {"language": language})


# -- the office's pages ----------------------------------------------------------------------


def _require(request: AuthenticatedHttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@login_required
@require_GET
def questionnaire_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "surveys.view_results")
    questionnaires = list(selectors.questionnaires_for_user(request.user))
    return render(request, "surveys/list.html", {"questionnaires": questionnaires})


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "surveys.manage_surveys")
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire = services.create_questionnaire(actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Questionnaire created. Now add its questions."))
            return redirect("surveys:detail", questionnaire.pk)
    status = 422 if form.is_bound else 200
    return render(request, "surveys/questionnaire_form.html", {"form": form}, status=status)


def _render_detail(
    request: AuthenticatedHttpRequest,
    questionnaire: Questionnaire,
    *,
    item_form: ItemForm | None = None,
    invite_form: InviteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_manage = request.user.has_perm("surveys.manage_surveys")
    context = {
        "questionnaire": questionnaire,
        "items": list(questionnaire.items.all()),
        "can_manage": can_manage,
        "item_form": item_form or ItemForm(prefix="item"),
        "invite_form": invite_form or InviteForm(prefix="invite"),
        "compare_form": CompareForm(choices=selectors.other_questionnaires(questionnaire)),
    }
    return render(request, "surveys/detail.html", context, status=status)


@login_required
@require_GET
def questionnaire_detail(request: AuthenticatedHttpRequest, questionnaire_id: int) -> HttpResponse:
    questionnaire = selectors.get_questionnaire_for_user(request.user, questionnaire_id)
    return _render_detail(request, questionnaire)


@login_required
@require_POST
def item_add(request: AuthenticatedHttpRequest, questionnaire_id: int) -> HttpResponse:
    questionnaire = selectors.get_questionnaire_for_manager(request.user, questionnaire_id)
    form = ItemForm(request.POST, prefix="item")
    if form.is_valid():
        try:
            services.add_item(actor=request.user, questionnaire=questionnaire, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Question added."))
            return redirect(reverse("surveys:detail", args=[questionnaire.pk]) + "#questions")
    return _render_detail(request, questionnaire, item_form=form, status=422)


@login_required
@require_POST
def invite_people(request: AuthenticatedHttpRequest, questionnaire_id: int) -> HttpResponse:
    questionnaire = selectors.get_questionnaire_for_manager(request.user, questionnaire_id)
    form = InviteForm(request.POST, prefix="invite")
    if form.is_valid():
        addresses: list[str] = form.cleaned_data["emails"]
        people = list(Person.objects.annotate(address=Lower("email")).filter(address__in=addresses))
        unknown = sorted(set(addresses) - {person.email.lower() for person in people})
        if unknown:
            form.add_error(
                "emails",
                _("No one in the registry has these addresses: %(addresses)s")
                % {"addresses": ", ".join(unknown)},
            )
        else:
            try:
                count = services.invite(
                    questionnaire=questionnaire,
                    people=people,
                    actor=request.user,
                    label=form.cleaned_data["label"],
                    language=form.cleaned_data["language"],
                    expires_at=form.expires_at(),
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                skipped = len(people) - count
                text = ngettext("Invited %(count)d person.", "Invited %(count)d people.", count) % {
                    "count": count
                }
                if skipped:
                    text += " " + ngettext(
                        "%(count)d was invited already.", "%(count)d were invited already.", skipped
                    ) % {"count": skipped}
                messages.success(request, text)
                return redirect("surveys:detail", questionnaire.pk)
    return _render_detail(request, questionnaire, invite_form=form, status=422)


@login_required
@require_POST
def set_open(request: AuthenticatedHttpRequest, questionnaire_id: int) -> HttpResponse:
    questionnaire = selectors.get_questionnaire_for_manager(request.user, questionnaire_id)
    is_active = request.POST.get("open") == "1"
    try:
        services.set_questionnaire_open(
            actor=request.user, questionnaire=questionnaire, is_active=is_active
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The questionnaire is open for answers.")
            if is_active
            else _("The questionnaire is closed: its links no longer work."),
        )
    return redirect("surveys:detail", questionnaire.pk)


@login_required
@require_GET
def compare_pick(request: AuthenticatedHttpRequest, questionnaire_id: int) -> HttpResponse:
    questionnaire = selectors.get_questionnaire_for_user(request.user, questionnaire_id)
    form = CompareForm(request.GET, choices=selectors.other_questionnaires(questionnaire))
    if not form.is_valid():
        return _render_detail(request, questionnaire, status=422)
    return redirect("surveys:compare", questionnaire.pk, form.cleaned_data["post"].pk)


# The chart: mean change per item on a fixed scale from -4 to +4 (the most a 1-to-5 answer
# can move), with its 95% interval as a whisker; intervals reaching past the scale are cut.
CHART_WIDTH: Final = 640
PLOT_LEFT: Final = 250
PLOT_RIGHT: Final = 620
ROW_HEIGHT: Final = 30
TOP: Final = 28
SCALE: Final = 4


def _x(value: float) -> str:
    clamped = max(-SCALE, min(SCALE, value))
    middle = (PLOT_LEFT + PLOT_RIGHT) / 2
    return f"{middle + clamped * (PLOT_RIGHT - PLOT_LEFT) / (2 * SCALE):.1f}"


@dataclass(frozen=True)
class ChartRow:
    number: int
    label: str
    change: ItemChange
    y: int
    x_mean: str | None
    x_low: str | None
    x_high: str | None


def _chart_rows(changes: list[ItemChange], language: str) -> list[ChartRow]:
    rows = []
    for index, change in enumerate(changes):
        label = change.prompt_in(language)
        rows.append(
            ChartRow(
                number=index + 1,
                label=label if len(label) <= 38 else label[:37] + "…",
                change=change,
                y=TOP + index * ROW_HEIGHT + ROW_HEIGHT // 2,
                x_mean=None if change.mean_diff is None else _x(change.mean_diff),
                x_low=None if change.ci_low is None else _x(change.ci_low),
                x_high=None if change.ci_high is None else _x(change.ci_high),
            )
        )
    return rows


def change_chart_context(changes: list[ItemChange]) -> dict[str, Any]:
    """What `surveys/_change.html` (the paired-change chart and table) needs; the Plunge's
    survey page uses it too."""
    language = (translation.get_language() or "en")[:2]
    rows = _chart_rows(changes, language)
    ticks = [{"value": v, "x": _x(v)} for v in range(-SCALE, SCALE + 1)]
    return {
        "rows": rows,
        "ticks": ticks,
        "threshold": settings.SUPPRESSION_THRESHOLD,
        "chart_width": CHART_WIDTH,
        "chart_height": TOP + len(rows) * ROW_HEIGHT + 8,
        "plot_left": PLOT_LEFT,
        "plot_right": PLOT_RIGHT,
        "zero_x": _x(0),
        "top": TOP - 6,
    }


@login_required
@require_GET
def compare(request: AuthenticatedHttpRequest, questionnaire_id: int, post_id: int) -> HttpResponse:
    _require(request, "surveys.view_results")
    pre = selectors.get_questionnaire_for_user(request.user, questionnaire_id)
    post = selectors.get_questionnaire_for_user(request.user, post_id)
    if pre.pk == post.pk:
        raise Http404
    context: dict[str, Any] = {
        "pre": pre,
        "post": post,
        **change_chart_context(paired_change(pre, post)),
    }
    return render(request, "surveys/compare.html", context)

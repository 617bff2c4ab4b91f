"""The Plunge's surveys before and after the week: choose them, send them, see the paired
change per question (small counts suppressed)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.plunge import selectors, services
from equityhub.surveys.models import Questionnaire
from equityhub.surveys.views import change_chart_context


class SurveysForm(forms.Form):
    pre_survey = forms.ModelChoiceField(
        label=gettext_lazy("Survey before the week"),
        queryset=Questionnaire.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    post_survey = forms.ModelChoiceField(
        label=gettext_lazy("Survey after the week"),
        queryset=Questionnaire.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        questionnaires = Questionnaire.objects.order_by("title")
        for name in ("pre_survey", "post_survey"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
            field.queryset = questionnaires


@login_required
@require_http_methods(["GET", "POST"])
def surveys(request: AuthenticatedHttpRequest, plunge_id: int) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    initial = {"pre_survey": plunge.pre_survey, "post_survey": plunge.post_survey}
    form = SurveysForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_surveys(
                    plunge=plunge,
                    actor=request.user,
                    pre=form.cleaned_data["pre_survey"],
                    post=form.cleaned_data["post_survey"],
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("The surveys are saved."))
                return redirect("plunge:surveys", plunge.pk)
        status = 422
    changes = selectors.survey_change(plunge)
    context = {
        "plunge": plunge,
        "form": form,
        "has_changes": changes is not None,
        **(change_chart_context(changes) if changes is not None else {}),
    }
    return render(request, "plunge/surveys.html", context, status=status)


@login_required
@require_POST
def send_survey(request: AuthenticatedHttpRequest, plunge_id: int, which: str) -> HttpResponse:
    plunge = selectors.get_plunge_for_user(request.user, plunge_id)
    try:
        count = services.send_survey(plunge=plunge, actor=request.user, which=which)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext("%(n)s participant was invited.", "%(n)s participants were invited.", count)
            % {"n": count},
        )
    return redirect("plunge:surveys", plunge.pk)

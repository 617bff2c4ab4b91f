"""Forms of the review and decision pages. They only validate input; `services_review`
decides and writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from equityhub.programs.models import Application, Criterion, LetterTemplate
from equityhub.programs.services_review import MAX_COMMENTS, MAX_NOTE


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=200)
    description = forms.CharField(
        label=_("What a high score means"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    weight = forms.DecimalField(
        label=_("Weight"),
        min_value=Decimal("0.01"),
        max_digits=5,
        decimal_places=2,
        initial=1,
        help_text=_("How much this criterion counts, relative to the others."),
    )
    max_score = forms.IntegerField(label=_("Highest score"), min_value=1, max_value=100, initial=5)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=1000, required=False)

    @classmethod
    def for_criterion(cls, criterion: Criterion, data: Any = None) -> CriterionForm:
        return cls(
            data,
            initial={
                "name": criterion.name,
                "description": criterion.description,
                "weight": criterion.weight,
                "max_score": criterion.max_score,
                "position": criterion.position,
            },
        )


class RubricForm(forms.Form):
    """One whole-number field per criterion (`score_<id>`), then comments."""

    def __init__(
        self,
        *args: Any,
        criteria: list[Criterion],
        scores: dict[int, int] | None = None,
        comments: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=_("%(criterion)s (0 to %(max)s)")
                % {"criterion": criterion.name, "max": criterion.max_score},
                help_text=criterion.description,
                min_value=0,
                max_value=criterion.max_score,
                initial=(scores or {}).get(criterion.pk),
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        self.fields["comments"] = forms.CharField(
            label=_("Comments for the committee"),
            required=False,
            max_length=MAX_COMMENTS,
            initial=comments,
            widget=forms.Textarea(attrs={"rows": 5}),
        )

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"score_{c.pk}"] for c in self.criteria}


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional, seen by the program office)"), required=False, max_length=300
    )


class AssignForm(forms.Form):
    per_application = forms.IntegerField(
        label=_("Reviews per application"), min_value=1, max_value=20
    )


OUTCOME_CHOICES = LetterTemplate.Outcome.choices


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=OUTCOME_CHOICES)
    note = forms.CharField(label=_("Note (internal)"), required=False, max_length=MAX_NOTE)


class ReleaseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("The applicant"),
        choices=[
            (Application.Status.DECLINED, _("declined the offer")),
            (Application.Status.WITHDRAWN, _("withdrew")),
        ],
        initial=Application.Status.DECLINED,
    )
    reason = forms.CharField(label=_("Note (internal)"), required=False, max_length=MAX_NOTE)


class LetterTemplateForm(forms.Form):
    # Fixed by the letter being edited (each outcome and language has its own form).
    outcome = forms.ChoiceField(choices=OUTCOME_CHOICES, widget=forms.HiddenInput)
    language = forms.ChoiceField(choices=settings.LANGUAGES, widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Letter"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "{name}, {program}, {cycle} and {waitlist_position} are filled in; write {{ and }} "
            "for literal braces."
        ),
    )


class OfferResponseForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("accept", _("I accept the offer")), ("decline", _("I decline the offer"))],
        widget=forms.RadioSelect,
    )

    def accepted(self) -> bool:
        return bool(self.cleaned_data["answer"] == "accept")


class DirectorForm(forms.Form):
    director_name = forms.CharField(label=_("Your program director's name"), max_length=200)
    director_email = forms.EmailField(label=_("Your program director's e-mail"), max_length=254)


class DirectorAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[("approve", _("I approve")), ("decline", _("I do not approve"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def approved(self) -> bool:
        return bool(self.cleaned_data["decision"] == "approve")

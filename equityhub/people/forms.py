from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from equityhub.people.models import (
    Answer,
    Consent,
    DemographicProfile,
    GenderIdentity,
    Language,
    Person,
    Proficiency,
    RaceEthnicity,
    TrainingLevel,
)
from equityhub.people.selectors import organizations_for_filter


class DateInput(forms.DateInput):
    input_type = "date"


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name or e-mail"), "autocomplete": "off"}
        ),
    )
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=organizations_for_filter(),
        required=False,
        empty_label=_("Any organization"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    training_level = forms.ChoiceField(
        label=_("Training level"),
        choices=[("", _("Any level")), *TrainingLevel.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    language = forms.ChoiceField(
        label=_("Speaks"),
        choices=[("", _("Any language")), *Language.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    age_group = forms.ChoiceField(
        label=_("Age"),
        choices=[("", _("Any age")), ("adult", _("18 or older")), ("minor", _("Under 18"))],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def select_options(self) -> list[tuple[forms.BoundField, list[tuple[str, str]], str]]:
        """Each select with its options as plain strings and its selected value, so the page
        renders them in one loop (Django's widget renders every option through a template)."""
        selects = []
        for name in ("organization", "training_level", "language", "age_group"):
            bound = self[name]
            value = bound.value()
            options = [(str(v), str(label)) for v, label in bound.field.choices]  # type: ignore[attr-defined]  # ChoiceField and ModelChoiceField both have choices
            selects.append((bound, options, "" if value is None else str(value)))
        return selects


class PersonForm(forms.ModelForm[Person]):
    class Meta:
        model = Person
        fields = [
            "given_name",
            "family_name",
            "preferred_name",
            "pronouns",
            "email",
            "phone",
            "date_of_birth",
            "home_zip",
        ]
        widgets = {"date_of_birth": DateInput()}

    def validate_unique(self) -> None:
        # The service checks the e-mail address case-insensitively and names the conflict.
        pass

    def _get_validation_exclusions(self) -> set[str]:
        # Left to the model, the Lower("email") constraint would turn a duplicate address
        # into an anonymous "constraint violated" form error before the service could name it
        # on the e-mail field. The form field still validates the address itself.
        exclusions: set[str] = super()._get_validation_exclusions()  # type: ignore[misc]  # undeclared in django-stubs
        return exclusions | {"email"}


class OwnProfileForm(forms.ModelForm[Person]):
    class Meta:
        model = Person
        fields = ["given_name", "family_name", "preferred_name", "pronouns", "phone", "home_zip"]


class NewOwnProfileForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    preferred_name = forms.CharField(label=_("Preferred name"), max_length=100, required=False)
    pronouns = forms.CharField(label=_("Pronouns"), max_length=40, required=False)


class LanguagesForm(forms.Form):
    """One proficiency select per language; leaving it blank means "I don't speak it"."""

    def __init__(self, *args: Any, initial_languages: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        initial_languages = initial_languages or {}
        for code, label in Language.choices:
            self.fields[f"lang_{code}"] = forms.ChoiceField(
                label=label,
                choices=[("", "—"), *Proficiency.choices],
                required=False,
                widget=forms.Select(attrs={"class": "form-select"}),
                initial=initial_languages.get(code, ""),
            )

    def languages(self) -> dict[str, str]:
        return {
            name.removeprefix("lang_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("lang_") and value
        }


ANSWER_CHOICES = [("", _("Not answered")), *Answer.choices]


class DemographicsForm(forms.Form):
    race_ethnicity = forms.MultipleChoiceField(
        label=_("Race and ethnicity"),
        choices=RaceEthnicity.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Select all that apply."),
    )
    race_ethnicity_declined = forms.BooleanField(
        label=_("Prefer not to say (race and ethnicity)"), required=False
    )
    race_ethnicity_detail = forms.CharField(
        label=_("Detailed race or ethnicity (optional)"), max_length=200, required=False
    )
    gender_identity = forms.ChoiceField(
        label=_("Gender identity"),
        choices=[("", _("Not answered")), *GenderIdentity.choices],
        required=False,
    )
    gender_self_description = forms.CharField(
        label=_("Gender, in your own words"), max_length=100, required=False
    )
    first_generation_college = forms.ChoiceField(
        label=_("First in your family to attend college"), choices=ANSWER_CHOICES, required=False
    )
    economically_disadvantaged = forms.ChoiceField(
        label=_("From an economically disadvantaged background"),
        choices=ANSWER_CHOICES,
        required=False,
    )
    disability = forms.ChoiceField(
        label=_("Person with a disability"), choices=ANSWER_CHOICES, required=False
    )
    rural_background = forms.ChoiceField(
        label=_("Grew up in a rural area"), choices=ANSWER_CHOICES, required=False
    )

    @classmethod
    def initial_from(cls, profile: DemographicProfile | None) -> dict[str, Any]:
        if profile is None:
            return {}
        return profile.answers()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("race_ethnicity_declined") and cleaned.get("race_ethnicity"):
            self.add_error(
                "race_ethnicity",
                _("Choose categories or 'prefer not to say', not both."),
            )
        return cleaned


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Consent"), choices=Consent.Kind.choices)
    scope = forms.CharField(label=_("What it covers"), max_length=200, required=False)
    given_by_name = forms.CharField(label=_("Given by (full name)"), max_length=200)
    relationship = forms.ChoiceField(
        label=_("Relationship to the person"), choices=Consent.Relationship.choices
    )
    given_by_email = forms.EmailField(label=_("E-mail of who gave it"), required=False)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())


class WithdrawConsentForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)

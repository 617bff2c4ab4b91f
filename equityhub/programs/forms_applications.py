"""Forms of the program, cycle, form-builder, application and private-link pages. They only
validate input; the services (`services_applications`, `services_consent`) decide and write.
Times are entered in the office's time zone (settings.TIME_ZONE)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from equityhub.core.forms import IdMultipleChoiceField
from equityhub.people.models import Consent, Organization
from equityhub.places.models import Area
from equityhub.programs.models import Application, Cycle, FormField, Program
from equityhub.programs.selectors_applications import Question
from equityhub.programs.services_consent import MAX_UPLOAD_BYTES

SELECT = {"class": "form-select"}
ANSWER_ACCEPT = (
    ".pdf,.docx,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)
LETTER_ACCEPT = (
    ".pdf,.docx,application/pdf,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)
FORM_ID = "answers"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _language_choices() -> list[tuple[str, Any]]:
    return [(code, name) for code, name in settings.LANGUAGES]


# -- programs and cycles -----------------------------------------------------------------------


class ProgramForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    stage = forms.ChoiceField(
        label=_("Who it is for"), choices=Program.Stage.choices, widget=forms.Select(attrs=SELECT)
    )
    sponsor = forms.ModelChoiceField(
        label=_("Sponsor"), queryset=Organization.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=10000, widget=forms.Textarea
    )
    description_es = forms.CharField(
        label=_("Description in Spanish"), required=False, max_length=10000, widget=forms.Textarea
    )
    eligibility = forms.CharField(
        label=_("Who may apply"), required=False, max_length=10000, widget=forms.Textarea
    )
    eligibility_es = forms.CharField(
        label=_("Who may apply, in Spanish"),
        required=False,
        max_length=10000,
        widget=forms.Textarea,
    )
    min_grade = forms.IntegerField(
        label=_("Lowest school grade"), required=False, min_value=1, max_value=12
    )
    max_grade = forms.IntegerField(
        label=_("Highest school grade"), required=False, min_value=1, max_value=12
    )
    min_age = forms.IntegerField(
        label=_("Minimum age when the program starts"), required=False, min_value=5, max_value=99
    )
    max_age = forms.IntegerField(
        label=_("Maximum age when the program starts"), required=False, min_value=5, max_value=99
    )
    residence_areas = IdMultipleChoiceField(
        label=_("Applicants live in (ZIP code areas)"),
        queryset=Area.objects.none(),
        required=False,
        help_text=_("Leave empty to accept applicants from anywhere."),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )
    blind_review = forms.BooleanField(
        label=_("Blind review (reviewers see no names, contact details or demographics)"),
        required=False,
    )
    needs_director_approval = forms.BooleanField(
        label=_("An acceptance needs the applicant's program director's approval"),
        required=False,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, program: Program | None = None, **kwargs: Any) -> None:
        if program is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{
                    name: getattr(program, name)
                    for name in (
                        "name",
                        "stage",
                        "description",
                        "description_es",
                        "eligibility",
                        "eligibility_es",
                        "min_grade",
                        "max_grade",
                        "min_age",
                        "max_age",
                        "blind_review",
                        "needs_director_approval",
                        "is_active",
                    )
                },
                "sponsor": program.sponsor_id,
                "residence_areas": list(program.residence_areas.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)
        sponsors = Organization.objects.filter(is_active=True)
        if program is not None:
            sponsors = sponsors | Organization.objects.filter(pk=program.sponsor_id)
        self.fields["sponsor"].queryset = sponsors.order_by("name")  # type: ignore[attr-defined]
        self.fields["residence_areas"].queryset = Area.objects.order_by(  # type: ignore[attr-defined]
            "kind", "code"
        )


class CycleForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    opens_at = forms.DateTimeField(label=_("Applications open"), widget=DateTimeInput())
    closes_at = forms.DateTimeField(label=_("Applications close"), widget=DateTimeInput())
    starts_on = forms.DateField(label=_("Program starts"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Program ends"), required=False, widget=DateInput())
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=100000)
    reviews_per_application = forms.IntegerField(
        label=_("Reviews per application"), min_value=1, max_value=10, initial=3
    )

    def __init__(self, *args: Any, cycle: Cycle | None = None, **kwargs: Any) -> None:
        if cycle is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(cycle, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)


class CycleStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Cycle.Status.choices)


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Application.Status.choices],
        required=False,
        widget=forms.Select(attrs={**SELECT, "data-autosubmit": ""}),
    )


# -- the form builder --------------------------------------------------------------------------


class FieldForm(forms.Form):
    key = forms.SlugField(
        label=_("Key"),
        max_length=60,
        help_text=_("A short name for exports and the API, e.g. essay or school."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=FormField.Kind.choices, widget=forms.Select(attrs=SELECT)
    )
    label = forms.CharField(label=_("Question"), max_length=300)
    label_es = forms.CharField(label=_("Question in Spanish"), max_length=300, required=False)
    help_text = forms.CharField(label=_("Help"), max_length=500, required=False)
    help_text_es = forms.CharField(label=_("Help in Spanish"), max_length=500, required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "For choice questions: one per line, as value | English label | Spanish label "
            "(e.g. bio | Biology | Biología)."
        ),
    )
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    identifying = forms.BooleanField(
        label=_("Identifies the applicant (hidden from blind reviewers)"), required=False
    )
    max_length = forms.IntegerField(
        label=_("Longest answer (characters)"), min_value=1, max_value=20000, initial=5000
    )

    def __init__(self, *args: Any, field: FormField | None = None, **kwargs: Any) -> None:
        if field is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(field, name) for name in self.base_fields if name != "choices"
            } | {"choices": format_choices(field.choices)}
        super().__init__(*args, **kwargs)

    def clean_choices(self) -> list[dict[str, str]]:
        text: str = self.cleaned_data.get("choices") or ""
        choices = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) < 2 or len(parts) > 3:
                raise forms.ValidationError(
                    _("Line %(n)d: write value | English label | Spanish label."),
                    params={"n": number},
                )
            value, label, *rest = parts
            choices.append({"value": value, "label": label, "label_es": rest[0] if rest else ""})
        return choices


def format_choices(choices: list[dict[str, str]]) -> str:
    return "\n".join(
        " | ".join(
            part for part in (c.get("value", ""), c.get("label", ""), c.get("label_es", "")) if part
        )
        for c in choices or []
    )


# -- the applicant's form ----------------------------------------------------------------------


def answer_name(key: str) -> str:
    return f"q-{key}"


class AnswersForm(forms.Form):
    """The text and choice questions of one application, in its language. Nothing is required
    here: a draft saves whatever is there; the submission checks the required questions.

    Each input belongs to the page's `answers` form by its `form` attribute (file and
    recommendation questions have their own forms in between), and saves itself on change
    through htmx (`programs:application_answer`)."""

    def __init__(
        self,
        *args: Any,
        application: Application,
        questions: list[Question],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            field = question.field
            if field.kind not in (
                FormField.Kind.TEXT,
                FormField.Kind.LONG_TEXT,
                FormField.Kind.CHOICE,
                FormField.Kind.MULTI_CHOICE,
            ):
                continue
            name = answer_name(field.key)
            attrs = {
                "form": FORM_ID,
                "hx-post": reverse(
                    "programs:application_answer",
                    kwargs={"application_id": application.pk, "key": field.key},
                ),
                "hx-trigger": "change",
                "hx-include": f"[name='{name}']",
                "hx-target": f"#saved-{field.key}",
                "hx-swap": "innerHTML",
            }
            answer = question.answer
            form_field: forms.Field
            if field.kind in (FormField.Kind.TEXT, FormField.Kind.LONG_TEXT):
                widget: forms.Widget = (
                    forms.TextInput(attrs={**attrs, "class": "form-control"})
                    if field.kind == FormField.Kind.TEXT
                    else forms.Textarea(attrs={**attrs, "class": "form-control", "rows": 6})
                )
                form_field = forms.CharField(
                    required=False, max_length=field.max_length, strip=True, widget=widget
                )
                initial: Any = answer.text if answer is not None else ""
            elif field.kind == FormField.Kind.CHOICE:
                # No class here: the choice widgets put it on their wrapper too.
                form_field = forms.ChoiceField(
                    required=False, choices=question.choices, widget=forms.RadioSelect(attrs=attrs)
                )
                initial = answer.values[0] if answer is not None and answer.values else ""
            else:
                form_field = forms.MultipleChoiceField(
                    required=False,
                    choices=question.choices,
                    widget=forms.CheckboxSelectMultiple(attrs=attrs),
                )
                initial = list(answer.values) if answer is not None else []
            form_field.label = question.label
            form_field.help_text = question.help_text
            form_field.initial = initial
            self.fields[name] = form_field

    def answers(self) -> dict[str, Any]:
        """`{key: value}` of every question on this form (absent ones clear their answer)."""
        return {
            question.key: self.cleaned_data.get(answer_name(question.key))
            for question in self.questions
            if answer_name(question.key) in self.fields
        }


class StartForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of my application"),
        choices=_language_choices,
        widget=forms.Select(attrs=SELECT),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=_language_choices, widget=forms.Select(attrs=SELECT)
    )


class AnswerFileForm(forms.Form):
    file = forms.FileField(
        label=_("File (PDF, Word, PNG or JPEG; up to 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": ANSWER_ACCEPT}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class GuardianRequestForm(forms.Form):
    guardian_name = forms.CharField(label=_("Your parent's or guardian's name"), max_length=200)
    guardian_email = forms.EmailField(label=_("Their e-mail address"), max_length=254)
    relationship = forms.ChoiceField(
        label=_("They are your"),
        choices=[
            (Consent.Relationship.PARENT.value, Consent.Relationship.PARENT.label),
            (Consent.Relationship.LEGAL_GUARDIAN.value, Consent.Relationship.LEGAL_GUARDIAN.label),
        ],
        widget=forms.Select(attrs=SELECT),
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mail and their page"),
        choices=_language_choices,
        widget=forms.Select(attrs=SELECT),
    )


class RecommendationRequestForm(forms.Form):
    recommender_name = forms.CharField(label=_("Recommender's name"), max_length=200)
    recommender_email = forms.EmailField(label=_("Their e-mail address"), max_length=254)
    relationship = forms.CharField(
        label=_("How they know you"),
        max_length=200,
        required=False,
        help_text=_("e.g. my chemistry teacher"),
    )


# -- private links -----------------------------------------------------------------------------


class GuardianConsentForm(forms.Form):
    signed_name = forms.CharField(label=_("Your full name (your signature)"), max_length=200)
    confirm = forms.BooleanField(
        label=_("I am the applicant's parent or legal guardian and I consent to this application."),
    )


class GuardianWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LetterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Your letter (PDF or Word; up to 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": LETTER_ACCEPT}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload

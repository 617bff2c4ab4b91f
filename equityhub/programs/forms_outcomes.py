"""Forms of the cohort pages (sessions, attendance, leaders and mentees, stipends, capstones)
and of outcomes (milestones, the outcome filters, the milestone import, the alumni survey)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from equityhub.core.forms import IdMultipleChoiceField
from equityhub.people.models import Person
from equityhub.programs.imports_outcomes import FORMATS
from equityhub.programs.models import (
    Application,
    CohortLeader,
    Cycle,
    Milestone,
    Program,
    SessionAttendance,
    Stipend,
)
from equityhub.programs.selectors_outcomes import program_cycles
from equityhub.programs.services_outcomes import MANUAL_SOURCES
from equityhub.surveys.models import Questionnaire


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ParticipantChoiceField(forms.ModelChoiceField[Application]):
    def label_from_instance(self, obj: Application) -> str:
        return obj.applicant.display_name


class ParticipantsField(IdMultipleChoiceField[Application]):
    def label_from_instance(self, obj: Application) -> str:
        return obj.applicant.display_name


# -- cohort ----------------------------------------------------------------------------------


class SessionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts at"), widget=DateTimeInput())
    location = forms.CharField(label=gettext_lazy("Where"), max_length=200, required=False)


class AttendanceForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Attendance"),
        choices=[("", gettext_lazy("Not recorded")), *SessionAttendance.Status.choices],
        required=False,
    )


class LeaderForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail of the person in the registry"),
        help_text=gettext_lazy("Add them to the people registry first if they are not in it."),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=CohortLeader.Role.choices)

    def clean_email(self) -> Person:
        email = self.cleaned_data["email"]
        person = Person.objects.filter(email__iexact=email.strip()).first()
        if person is None:
            raise forms.ValidationError(_("Nobody in the registry has this e-mail address."))
        return person


class MenteesForm(forms.Form):
    mentees = ParticipantsField(
        label=gettext_lazy("Mentees"),
        queryset=Application.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, participants: QuerySet[Application], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentees"].queryset = participants  # type: ignore[attr-defined]


class StipendForm(forms.Form):
    application = ParticipantChoiceField(
        label=gettext_lazy("Participant"), queryset=Application.objects.none()
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (USD)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("99999.99"),
        decimal_places=2,
        max_digits=7,
    )
    due_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=Stipend.Status.choices, initial="planned"
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, participants: QuerySet[Application], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = participants  # type: ignore[attr-defined]


class StipendStatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Stipend.Status.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


class CapstoneForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    summary = forms.CharField(
        label=gettext_lazy("Summary"), required=False, max_length=10000, widget=forms.Textarea
    )
    presented_on = forms.DateField(
        label=gettext_lazy("Presented on"), required=False, widget=DateInput()
    )


# -- milestones ------------------------------------------------------------------------------


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Milestone"), choices=Milestone.Kind.choices)
    achieved_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        choices=[(v, label) for v, label in Milestone.Source.choices if v in MANUAL_SOURCES],
        initial=Milestone.Source.STAFF,
    )
    confidence = forms.ChoiceField(
        label=gettext_lazy("Confidence"),
        choices=Milestone.Confidence.choices,
        initial=Milestone.Confidence.MEDIUM,
    )
    detail = forms.CharField(
        label=gettext_lazy("Detail"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("e.g. the college or school, the degree, how it was learned."),
    )


class MilestoneEditForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Milestone"), choices=Milestone.Kind.choices)
    achieved_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    confidence = forms.ChoiceField(
        label=gettext_lazy("Confidence"), choices=Milestone.Confidence.choices
    )
    detail = forms.CharField(label=gettext_lazy("Detail"), max_length=300, required=False)


# -- outcomes --------------------------------------------------------------------------------


class CycleChoiceField(forms.ModelChoiceField[Cycle]):
    def label_from_instance(self, obj: Cycle) -> str:
        return f"{obj.year}: {obj.title}"


class OutcomeFilterForm(forms.Form):
    cycle = CycleChoiceField(
        label=gettext_lazy("Cohort"),
        queryset=Cycle.objects.none(),
        required=False,
        empty_label=gettext_lazy("All cohorts (or the years below)"),
    )
    start_year = forms.IntegerField(
        label=gettext_lazy("From year"), required=False, min_value=1900, max_value=2100
    )
    end_year = forms.IntegerField(
        label=gettext_lazy("To year"), required=False, min_value=1900, max_value=2100
    )
    milestone = forms.ChoiceField(
        label=gettext_lazy("Milestone for the survival chart"),
        choices=Milestone.Kind.choices,
        required=False,
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = program_cycles(program).order_by("-year")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_year"), data.get("end_year")
        if start is not None and end is not None and start > end:
            self.add_error("end_year", _("The last year cannot be before the first."))
        return data


class MilestoneImportForm(forms.Form):
    format = forms.ChoiceField(label=gettext_lazy("Kind of file"), choices=FORMATS)
    file = forms.FileField(
        label=gettext_lazy("CSV file (UTF-8)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb).0f MB; split it into smaller files.")
                % {"mb": settings.IMPORT_MAX_BYTES / 1024 / 1024}
            )
        return upload


class QuestionnaireChoiceField(forms.ModelChoiceField[Questionnaire]):
    def label_from_instance(self, obj: Questionnaire) -> str:
        return obj.title


class AlumniInviteForm(forms.Form):
    cycle = CycleChoiceField(label=gettext_lazy("Cohort"), queryset=Cycle.objects.none())
    questionnaire = QuestionnaireChoiceField(
        label=gettext_lazy("Questionnaire"),
        queryset=Questionnaire.objects.filter(is_active=True).order_by("-created_at", "-pk"),
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        completed = program_cycles(program).filter(status=Cycle.Status.COMPLETED)
        self.fields["cycle"].queryset = completed.order_by("-year")  # type: ignore[attr-defined]


class SurveyMilestonesForm(forms.Form):
    questionnaire = QuestionnaireChoiceField(
        label=gettext_lazy("Questionnaire"),
        queryset=Questionnaire.objects.filter(items__key__startswith="milestone_")
        .distinct()
        .order_by("-created_at", "-pk"),
        help_text=gettext_lazy(
            "Questionnaires with questions keyed after a milestone, e.g. milestone_degree."
        ),
    )

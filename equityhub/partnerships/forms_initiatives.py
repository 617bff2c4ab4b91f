"""Forms of the initiative and metric pages. They only validate input; the services in
`partnerships.services_initiatives` decide and write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from equityhub.core.forms import IdMultipleChoiceField
from equityhub.partnerships import selectors_initiatives as selectors
from equityhub.partnerships.access import initiatives_for_user
from equityhub.partnerships.models import Initiative, InitiativePartner, Metric
from equityhub.partnerships.rollups import (
    MAX_QUARTER_YEARS,
    MAX_YEARS,
    Granularity,
    RollupFilters,
    default_filters,
)
from equityhub.partnerships.services_initiatives import MAX_NOTE, MAX_VALUE
from equityhub.people.models import Organization
from equityhub.places.models import Area

SELECT = {"class": "form-select"}
FIRST_YEAR = 2000


class DateInput(forms.DateInput):
    input_type = "date"


class AreaChoiceField(IdMultipleChoiceField[Area]):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class FocusChoiceField(IdMultipleChoiceField[Any]):
    """Focus areas or populations, by their translated label."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


# -- initiatives -----------------------------------------------------------------------------


class InitiativeFilterForm(forms.Form):
    """The list's filters; every one optional, unknown values are form errors (ignored)."""

    focus_area = forms.ChoiceField(label=_("Focus area"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Initiative.Status.choices],
    )
    area = forms.ChoiceField(label=_("Area (ZIP code)"), required=False)
    lead = forms.ChoiceField(label=_("Lead organization"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["focus_area"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            ("", _("Any focus area")),
            *((focus.code, focus.label) for focus in selectors.focus_areas()),
        ]
        area_codes = (
            Area.objects.filter(initiatives__in=initiatives_for_user(user).values("pk"))
            .order_by("code")
            .values_list("code", flat=True)
            .distinct()
        )
        self.fields["area"].choices = [  # type: ignore[attr-defined]
            ("", _("Any area")),
            *((code, code) for code in area_codes),
        ]
        self.fields["lead"].choices = [  # type: ignore[attr-defined]
            ("", _("Any lead organization")),
            *(
                (str(org.pk), org.name)
                for org in selectors.lead_filter_choices(user).only("id", "name")
            ),
        ]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select")

    def filters(self) -> selectors.InitiativeFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.InitiativeFilters()
        data = self.cleaned_data
        return selectors.InitiativeFilters(
            focus_area=data["focus_area"],
            status=data["status"],
            area=data["area"],
            lead_organization_id=int(data["lead"]) if data["lead"] else None,
        )


class InitiativeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    lead_organization = forms.ModelChoiceField(
        label=_("Lead organization"),
        queryset=Organization.objects.none(),
        widget=forms.Select(attrs=SELECT),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Initiative.Status.choices,
        initial=Initiative.Status.PLANNING,
        widget=forms.Select(attrs=SELECT),
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput)
    funding_amount = forms.DecimalField(
        label=_("Funding (USD)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    funding_source = forms.CharField(label=_("Funding source"), max_length=200, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    focus_areas = FocusChoiceField(
        label=_("Focus areas"),
        queryset=selectors.focus_areas(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    populations = FocusChoiceField(
        label=_("Populations"),
        queryset=selectors.populations(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    areas = AreaChoiceField(
        label=_("Areas served"),
        queryset=selectors.slim_areas().order_by("kind", "code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
        help_text=_("Hold Ctrl (Cmd on a Mac) to choose several."),
    )
    needs_priorities = IdMultipleChoiceField(
        label=_("Community health needs assessment priorities"),
        queryset=selectors.needs_priorities(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}),
        help_text=_("The hospital priorities this initiative answers."),
    )

    def __init__(self, *args: Any, leads: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_organization"].queryset = leads  # type: ignore[attr-defined]  # a ModelChoiceField

    @classmethod
    def initial_for(cls, initiative: Initiative) -> dict[str, Any]:
        initial = {
            name: getattr(initiative, name)
            for name in cls.base_fields
            if name not in ("focus_areas", "populations", "areas", "needs_priorities")
        }
        initial["focus_areas"] = [focus.pk for focus in initiative.focus_areas.all()]
        initial["populations"] = [item.pk for item in initiative.populations.all()]
        initial["areas"] = [area.pk for area in initiative.areas.all()]
        initial["needs_priorities"] = [item.pk for item in initiative.needs_priorities.all()]
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The initiative cannot end before it starts."))
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("summary", "funding_source", "website"):
            data[name] = data.get(name) or ""
        return data


class PartnerForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        widget=forms.Select(attrs=SELECT),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=InitiativePartner.Role.choices,
        initial=InitiativePartner.Role.PARTNER,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args: Any, initiative: Initiative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = selectors.partner_choices(initiative).only(  # type: ignore[attr-defined]
            "id", "name"
        )


# -- metrics ---------------------------------------------------------------------------------


class MetricForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Metric.Kind.choices, widget=forms.Select(attrs=SELECT)
    )
    counts_people = forms.BooleanField(
        label=_("Counts people"),
        required=False,
        help_text=_(
            "People reached, screenings, referrals and enrollments always count people. "
            "Small counts of people are hidden in the consortium roll-up."
        ),
    )
    description = forms.CharField(
        label=_("How it is counted"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data["kind"] in Metric.PEOPLE_KINDS:
            data["counts_people"] = True
        return data


class MetricEditForm(MetricForm):
    is_active = forms.BooleanField(
        label=_("Still reported"),
        required=False,
        help_text=_("A metric no longer reported takes no new values; its values still count."),
    )

    @classmethod
    def initial_for(cls, metric: Metric) -> dict[str, Any]:
        return {name: getattr(metric, name) for name in cls.base_fields}


class ReportForm(forms.Form):
    period_start = forms.DateField(label=_("Period starts on"), widget=DateInput)
    period_end = forms.DateField(
        label=_("Period ends on"),
        widget=DateInput,
        help_text=_("A period is at most one year long."),
    )
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("The whole initiative"),
        widget=forms.Select(attrs=SELECT),
        help_text=_("Leave it for the whole initiative, or choose one of its areas."),
    )
    value = forms.IntegerField(label=_("Value"), min_value=0, max_value=MAX_VALUE)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, initiative: Initiative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
            selectors.slim_areas().filter(initiatives=initiative).order_by("kind", "code")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        return cleaned


# -- the roll-up -----------------------------------------------------------------------------


def _year_choices(today: dt.date) -> list[tuple[int, int]]:
    return [(year, year) for year in range(today.year, FIRST_YEAR - 1, -1)]


class RollupForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Metric"), choices=Metric.Kind.choices, widget=forms.Select(attrs=SELECT)
    )
    granularity = forms.ChoiceField(
        label=_("Periods"), choices=Granularity.choices, widget=forms.Select(attrs=SELECT)
    )
    start_year = forms.TypedChoiceField(
        label=_("From"), coerce=int, widget=forms.Select(attrs=SELECT)
    )
    end_year = forms.TypedChoiceField(label=_("To"), coerce=int, widget=forms.Select(attrs=SELECT))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        defaults = default_filters(today)
        for name in ("start_year", "end_year"):
            self.fields[name].choices = _year_choices(today)  # type: ignore[attr-defined]
        self.fields["kind"].initial = defaults.kind
        self.fields["granularity"].initial = defaults.granularity
        self.fields["start_year"].initial = defaults.start_year
        self.fields["end_year"].initial = defaults.end_year

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start_year"), cleaned.get("end_year")
        if start is None or end is None:
            return cleaned
        if end < start:
            self.add_error("end_year", _("The last year is before the first."))
        elif cleaned.get("granularity") == Granularity.QUARTER and end - start >= MAX_QUARTER_YEARS:
            self.add_error(
                "end_year",
                _("By quarter, at most %(n)s years at a time.") % {"n": MAX_QUARTER_YEARS},
            )
        elif end - start >= MAX_YEARS:
            self.add_error("end_year", _("At most %(n)s years at a time.") % {"n": MAX_YEARS})
        return cleaned

    def filters(self) -> RollupFilters:
        if not self.is_bound or not self.is_valid():
            return default_filters()
        data = self.cleaned_data
        return RollupFilters(
            kind=data["kind"],
            granularity=data["granularity"],
            start_year=data["start_year"],
            end_year=data["end_year"],
        )

"""Forms of the Medical Plunge pages. They only validate input; `plunge.services` decide and
write. Times are entered as wall-clock times in the Plunge's time zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from equityhub.people.models import Organization, TrainingLevel
from equityhub.people.selectors import organizations_for_filter
from equityhub.places.models import Site, default_timezone, validate_timezone
from equityhub.plunge.models import PairRule, Plunge, Registration, Session

SELECT = {"class": "form-select"}
MAX_CSV_BYTES = 2 * 1024 * 1024
KINDS = [
    ("clinic", _("Clinic or health center")),
    ("school", _("School")),
    ("community", _("Community organization")),
    ("public_health", _("Public-health agency")),
]


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


# -- the week ----------------------------------------------------------------------------------


class PlungeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("First day"), widget=DateInput)
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    timezone = forms.CharField(
        label=_("Time zone"),
        max_length=60,
        initial=default_timezone,
        validators=[validate_timezone],
        help_text=_("Session times are entered and shown in this time zone."),
    )
    group_count = forms.IntegerField(
        label=_("Number of groups"), min_value=1, max_value=500, initial=18
    )
    bus_capacity = forms.IntegerField(
        label=_("Seats per bus"), min_value=1, max_value=120, initial=50
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("starts_on"), cleaned.get("ends_on")
        if first and last and last < first:
            self.add_error("ends_on", _("The last day is before the first day."))
        return cleaned


class PlungeEditForm(PlungeForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Plunge.Status.choices,
        widget=forms.Select(attrs=SELECT),
        help_text=_("Participants see their group and itinerary once the week is published."),
    )

    @classmethod
    def initial_for(cls, plunge: Plunge) -> dict[str, Any]:
        return {name: getattr(plunge, name) for name in cls.base_fields}


class SessionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Session.Kind.choices, widget=forms.Select(attrs=SELECT)
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DateInput)
    start_time = forms.TimeField(label=_("Starts at"), widget=TimeInput)
    end_time = forms.TimeField(label=_("Ends at"), widget=TimeInput)
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_(
            "Where everyone meets (site visits: each group's site comes from the rotation)."
        ),
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("None"),
        widget=forms.Select(attrs=SELECT),
        help_text=_("For a session held at one site, such as a lecture at a clinic."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    # Service fields that this form shows under another name.
    field_aliases = {"starts_at": "start_time", "ends_at": "end_time", "site_id": "site"}

    def __init__(self, *args: Any, plunge: Plunge, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plunge = plunge
        self.fields["site"].queryset = Site.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["start_time"].help_text = _("In the Plunge's time zone, %(tz)s.") % {
            "tz": plunge.timezone
        }
        self.fields["date"].widget.attrs.update(
            {"min": plunge.starts_on.isoformat(), "max": plunge.ends_on.isoformat()}
        )

    @classmethod
    def initial_for(cls, session: Session) -> dict[str, Any]:
        tz = session.plunge.tz
        start, end = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
        return {
            "kind": session.kind,
            "title": session.title,
            "date": start.date(),
            "start_time": start.time().replace(second=0, microsecond=0),
            "end_time": end.time().replace(second=0, microsecond=0),
            "place": session.place,
            "site": session.site_id,
            "description": session.description,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start is not None and end is not None and end <= start:
            self.add_error("end_time", _("A session must end after it starts."))
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        tz = self.plunge.tz
        site = data.get("site")
        return {
            "kind": data["kind"],
            "title": data["title"],
            "starts_at": dt.datetime.combine(data["date"], data["start_time"], tzinfo=tz),
            "ends_at": dt.datetime.combine(data["date"], data["end_time"], tzinfo=tz),
            "place": data.get("place", ""),
            "site_id": site.pk if site else None,
            "description": data.get("description", ""),
        }


class OffersForm(forms.Form):
    """One number per active site: how many groups it hosts in this session (blank or 0: none)."""

    def __init__(
        self, *args: Any, sites: Sequence[Site], current: dict[int, int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sites = list(sites)
        for site in self.sites:
            self.fields[self.field_name(site)] = forms.IntegerField(
                label=_("Groups %(site)s can host") % {"site": site.name},
                min_value=0,
                max_value=50,
                required=False,
                initial=current.get(site.pk),
                widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
            )

    @staticmethod
    def field_name(site: Site) -> str:
        return f"site_{site.pk}"

    def rows(self) -> list[tuple[Site, forms.BoundField]]:
        return [(site, self[self.field_name(site)]) for site in self.sites]

    def offers(self) -> dict[int, int]:
        found = {}
        for site in self.sites:
            value = self.cleaned_data.get(self.field_name(site))
            if value:
                found[site.pk] = int(value)
        return found


# -- participants ------------------------------------------------------------------------------


class InviteFromRegistryForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Any"),
        widget=forms.Select(attrs=SELECT),
    )
    training_level = forms.ChoiceField(
        label=_("Training level"),
        choices=[("", _("Any")), *TrainingLevel.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    school_program = forms.CharField(
        label=_("School or program"),
        max_length=120,
        required=False,
        help_text=_("As written on the affiliation, e.g. MD program."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations_for_filter()  # type: ignore[attr-defined]  # a ModelChoiceField

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (
            cleaned.get("organization")
            or cleaned.get("training_level")
            or (cleaned.get("school_program") or "").strip()
        ):
            raise forms.ValidationError(
                _("Choose an organization, a training level or a school or program.")
            )
        return cleaned


class InviteFromFileForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, with an 'email' column matched to the registry; 'dietary_needs' and "
            "'accessibility_needs' are read, other columns can be balanced when forming groups."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


def _registration_label(registration: Registration) -> str:
    return registration.person.display_name


class RegistrationChoiceField(forms.ModelChoiceField[Registration]):
    def label_from_instance(self, obj: Registration) -> str:
        return _registration_label(obj)


class PairRuleForm(forms.Form):
    first = RegistrationChoiceField(
        label=_("First person"),
        queryset=Registration.objects.none(),
        widget=forms.Select(attrs=SELECT),
    )
    second = RegistrationChoiceField(
        label=_("Second person"),
        queryset=Registration.objects.none(),
        widget=forms.Select(attrs=SELECT),
    )
    kind = forms.ChoiceField(
        label=_("Rule"), choices=PairRule.Kind.choices, widget=forms.Select(attrs=SELECT)
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, registrations: QuerySet[Registration], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            self.fields[name].queryset = registrations  # type: ignore[attr-defined]  # a ModelChoiceField


class RequirementForm(forms.Form):
    column = forms.CharField(
        label=_("Attribute value"),
        max_length=120,
        help_text=_("attribute=value, e.g. languages=es or custom:campus=north."),
    )
    minimum = forms.IntegerField(label=_("At least"), min_value=1, max_value=20, initial=1)


# -- groups ------------------------------------------------------------------------------------


class RunGroupingForm(forms.Form):
    attributes = forms.MultipleChoiceField(
        label=_("Balance on"),
        choices=[],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=2**31 - 1,
        initial=0,
        help_text=_("The same seed gives the same groups; try another for an alternative."),
    )
    time_limit = forms.FloatField(
        label=_("Time limit (seconds)"), min_value=0.1, max_value=60, initial=2
    )

    def __init__(self, *args: Any, attributes: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.available = list(attributes)
        self.fields["attributes"].choices = self.available  # type: ignore[attr-defined]  # a ChoiceField
        for key, label in self.available:
            self.fields[self.weight_name(key)] = forms.FloatField(
                label=_("Weight of %(attribute)s") % {"attribute": label},
                min_value=0.1,
                max_value=100,
                required=False,
                widget=forms.NumberInput(
                    attrs={"class": "form-control form-control-sm", "step": "any", "size": 5}
                ),
            )

    @staticmethod
    def weight_name(key: str) -> str:
        return "weight_" + key.replace(":", "__")

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[self.weight_name(key)] for key, _label in self.available]

    def attribute_rows(self) -> list[tuple[Any, forms.BoundField]]:
        """Each attribute's checkbox beside its weight."""
        return list(zip(self["attributes"].subwidgets, self.weight_fields(), strict=True))

    def weights(self) -> dict[str, float]:
        chosen = set(self.cleaned_data.get("attributes", []))
        found = {}
        for key, _label in self.available:
            value = self.cleaned_data.get(self.weight_name(key))
            if key in chosen and value is not None:
                found[key] = float(value)
        return found


class MoveForm(forms.Form):
    group = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class LeaderForm(forms.Form):
    leader = RegistrationChoiceField(
        label=_("Group leader"),
        queryset=Registration.objects.none(),
        required=False,
        empty_label=_("No leader"),
        widget=forms.Select(attrs=SELECT),
    )
    phone = forms.CharField(
        label=_("Leader's phone for the day"),
        max_length=30,
        required=False,
        help_text=_("Printed on the bus manifests; blank uses the leader's own phone."),
    )

    def __init__(self, *args: Any, members: QuerySet[Registration], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = members  # type: ignore[attr-defined]  # a ModelChoiceField


# -- rotation ----------------------------------------------------------------------------------


class RotationForm(forms.Form):
    REQUIRED, PREFERRED = "required", "preferred"

    kinds = forms.MultipleChoiceField(
        label=_("Every group visits at least one"),
        choices=KINDS,
        required=False,
        initial=["clinic", "school", "community"],
        widget=forms.CheckboxSelectMultiple,
    )
    strength = forms.ChoiceField(
        label=_("These kinds are"),
        choices=[
            (PREFERRED, _("Preferred: as many as the capacities allow")),
            (REQUIRED, _("Required: no rotation without them")),
        ],
        initial=PREFERRED,
        widget=forms.RadioSelect,
    )


# -- participants' own -------------------------------------------------------------------------


class RespondForm(forms.Form):
    attending = forms.TypedChoiceField(
        label=_("Will you attend?"),
        choices=[("yes", _("Yes, I will attend")), ("no", _("No, I cannot attend"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    dietary_needs = forms.CharField(
        label=_("Dietary needs"),
        max_length=300,
        required=False,
        help_text=_("For the lunches during the week."),
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"),
        max_length=300,
        required=False,
        help_text=_("Anything that helps us plan transport and site visits for you."),
    )

    @classmethod
    def initial_for(cls, registration: Registration) -> dict[str, Any]:
        attending = None
        if registration.status == Registration.Status.REGISTERED:
            attending = "yes"
        elif registration.status == Registration.Status.DECLINED:
            attending = "no"
        return {
            "attending": attending,
            "dietary_needs": registration.dietary_needs,
            "accessibility_needs": registration.accessibility_needs,
        }


class CheckInSearchForm(forms.Form):
    q = forms.CharField(label=_("Find by name"), max_length=100, required=False)

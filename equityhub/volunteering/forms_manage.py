"""Forms of the site supervisors' and office staff's pages: sites, opportunities, shifts, series
and the roster. They only validate input; the services decide and write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from equityhub.accounts.models import Role, RoleAssignment, User
from equityhub.core.forms import IdMultipleChoiceField
from equityhub.people.models import Language, Person, Proficiency, TrainingLevel
from equityhub.places.models import Area, Site
from equityhub.volunteering.models import ORIENTATION_CODE, CredentialType
from equityhub.volunteering.selectors import credential_types

MAX_LANGUAGE_ROWS = 3
SELECT = {"class": "form-select"}


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


# -- sites -----------------------------------------------------------------------------------


class SiteForm(forms.ModelForm[Site]):
    serves_areas = IdMultipleChoiceField(
        label=_("Areas served"),
        queryset=Area.objects.order_by("kind", "code"),
        required=False,
        widget=forms.SelectMultiple(attrs=SELECT),
        help_text=_("The neighborhoods or ZIP code areas whose residents the site serves."),
    )

    class Meta:
        model = Site
        fields = [
            "name",
            "kind",
            "organization",
            "description",
            "address",
            "city",
            "state",
            "zip_code",
            "area",
            "hours",
            "contact_name",
            "contact_email",
            "contact_phone",
            "timezone",
            "latitude",
            "longitude",
            "is_active",
        ]
        widgets = {
            "kind": forms.Select(attrs=SELECT),
            "organization": forms.Select(attrs=SELECT),
            "area": forms.Select(attrs=SELECT),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def validate_unique(self) -> None:
        # The service checks names case-insensitively and says so on the name field.
        pass

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as the site services take it (ids for the foreign keys)."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "serves_areas"}
        organization = data.pop("organization", None)
        area = data.pop("area", None)
        data["organization_id"] = organization.pk if organization else None
        data["area_id"] = area.pk if area else None
        return data

    def area_ids(self) -> list[int]:
        return [area.pk for area in self.cleaned_data.get("serves_areas") or []]


# -- opportunities ---------------------------------------------------------------------------


class OpportunityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    credential_types = IdMultipleChoiceField(
        label=_("Credentials needed"),
        queryset=CredentialType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    min_training_level = forms.ChoiceField(
        label=_("Minimum training level"),
        choices=[("", _("Any level")), *TrainingLevel.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    min_age = forms.IntegerField(label=_("Minimum age"), required=False, min_value=0, max_value=100)
    requires_orientation = forms.BooleanField(label=_("Site orientation required"), required=False)
    is_active = forms.BooleanField(
        label=_("Active (open for sign-ups)"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The site orientation has its own checkbox ("site orientation required").
        self.fields["credential_types"].queryset = credential_types().exclude(  # type: ignore[attr-defined]  # a ModelMultipleChoiceField
            code=ORIENTATION_CODE
        )
        for row in range(1, MAX_LANGUAGE_ROWS + 1):
            self.fields[f"language_{row}"] = forms.ChoiceField(
                label=_("Language %(n)s") % {"n": row},
                choices=[("", _("No language")), *Language.choices],
                required=False,
                widget=forms.Select(attrs=SELECT),
            )
            self.fields[f"proficiency_{row}"] = forms.ChoiceField(
                label=_("At least (language %(n)s)") % {"n": row},
                choices=Proficiency.choices,
                required=False,
                initial=Proficiency.CONVERSATIONAL,
                widget=forms.Select(attrs=SELECT),
            )

    @classmethod
    def initial_for(cls, opportunity: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": opportunity.title,
            "description": opportunity.description,
            "credential_types": list(opportunity.credential_types.all()),
            "min_training_level": opportunity.min_training_level,
            "min_age": opportunity.min_age,
            "requires_orientation": opportunity.requires_orientation,
            "is_active": opportunity.is_active,
        }
        requirements = list(opportunity.language_requirements.all())[:MAX_LANGUAGE_ROWS]
        for row, requirement in enumerate(requirements, start=1):
            initial[f"language_{row}"] = requirement.language
            initial[f"proficiency_{row}"] = requirement.min_proficiency
        return initial

    def main_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in self.fields
            if not name.startswith(("language_", "proficiency_", "credential_types"))
        ]

    def language_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"language_{row}"], self[f"proficiency_{row}"])
            for row in range(1, MAX_LANGUAGE_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        seen: set[str] = set()
        for row in range(1, MAX_LANGUAGE_ROWS + 1):
            language = cleaned.get(f"language_{row}")
            if not language:
                continue
            if language in seen:
                self.add_error(f"language_{row}", _("This language is listed twice."))
            seen.add(language)
            if not cleaned.get(f"proficiency_{row}"):
                cleaned[f"proficiency_{row}"] = Proficiency.CONVERSATIONAL
        return cleaned

    def languages(self) -> dict[str, str]:
        return {
            self.cleaned_data[f"language_{row}"]: self.cleaned_data[f"proficiency_{row}"]
            for row in range(1, MAX_LANGUAGE_ROWS + 1)
            if self.cleaned_data.get(f"language_{row}")
        }

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"].strip(),
            "description": data["description"].strip(),
            "min_training_level": data["min_training_level"],
            "min_age": data["min_age"],
            "requires_orientation": data["requires_orientation"],
            "is_active": data["is_active"],
        }


# -- shifts ----------------------------------------------------------------------------------


def supervisor_choices(site: Site, current: User | None = None) -> QuerySet[User]:
    """Who may supervise a shift at `site`: its site supervisors and office staff."""
    assignments = RoleAssignment.objects.current().filter(
        Q(role__in=[Role.OFFICE_ADMIN, Role.PROGRAM_COORDINATOR])
        | Q(
            role=Role.SITE_SUPERVISOR,
            scope_type=ContentType.objects.get_for_model(Site),
            scope_id=site.pk,
        )
    )
    users = Q(pk__in=assignments.values("user_id"), is_active=True)
    if current is not None:
        users |= Q(pk=current.pk)
    return User.objects.filter(users).select_related("person").order_by("email")


class SupervisorField(forms.ModelChoiceField):  # type: ignore[type-arg]  # ModelChoiceField[User]
    def label_from_instance(self, obj: Any) -> str:
        person = getattr(obj, "person", None)
        if person is not None:
            return f"{person.display_name} ({obj.email})"
        return str(obj.email)


class ShiftTimesForm(forms.Form):
    """One shift's day, times (in the site's time zone), capacity, supervisor and notes."""

    date = forms.DateField(label=_("Date"), widget=DateInput())
    start_time = forms.TimeField(label=_("Starts at"), widget=TimeInput())
    end_time = forms.TimeField(label=_("Ends at"), widget=TimeInput())
    capacity = forms.IntegerField(label=_("Volunteers needed"), min_value=1, max_value=1000)
    supervisor = SupervisorField(
        label=_("Supervisor"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No one in particular"),
        widget=forms.Select(attrs=SELECT),
    )
    notes = forms.CharField(
        label=_("Notes for volunteers"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: where to park, what to bring."),
    )

    # Service fields that this form shows under another name.
    field_aliases = {
        "starts_at": "start_time",
        "ends_at": "end_time",
        "duration_minutes": "end_time",
        "first_start": "start_time",
    }

    def __init__(
        self, *args: Any, site: Site, current_supervisor: User | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.site = site
        self.fields["supervisor"].queryset = supervisor_choices(site, current_supervisor)  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["start_time"].help_text = _("In the site's time zone, %(tz)s.") % {
            "tz": site.timezone
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start is not None and end is not None and end <= start:
            self.add_error("end_time", _("The shift must end after it starts."))
        return cleaned

    def starts_at(self) -> dt.datetime:
        """Local wall-clock time, without a time zone: the services attach the site's."""
        return dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["start_time"])

    def ends_at(self) -> dt.datetime:
        return dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["end_time"])

    def duration_minutes(self) -> int:
        return int((self.ends_at() - self.starts_at()).total_seconds() // 60)


WEEKDAYS = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]


class NewShiftForm(ShiftTimesForm):
    ONCE, WEEKLY, ADVANCED = "once", "weekly", "rrule"

    repeats = forms.ChoiceField(
        label=_("Repeats"),
        choices=[
            (ONCE, _("Does not repeat: one shift")),
            (WEEKLY, _("Weekly on the days chosen below")),
            (ADVANCED, _("Advanced: a recurrence rule (RRULE)")),
        ],
        initial=ONCE,
        widget=forms.RadioSelect,
    )
    weekdays = forms.MultipleChoiceField(
        label=_("On"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The first shift is on the first chosen day on or after the date above."),
    )
    count = forms.IntegerField(
        label=_("Number of shifts"), required=False, min_value=1, max_value=260
    )
    until = forms.DateField(label=_("Or until (inclusive)"), required=False, widget=DateInput())
    rrule = forms.CharField(
        label=_("Advanced: RRULE"),
        max_length=300,
        required=False,
        help_text=_("An iCalendar rule such as FREQ=WEEKLY;INTERVAL=2;BYDAY=SA;COUNT=6."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        repeats = cleaned.get("repeats")
        if repeats == self.WEEKLY:
            if not cleaned.get("weekdays"):
                self.add_error("weekdays", _("Choose at least one day of the week."))
            count, until = cleaned.get("count"), cleaned.get("until")
            if count and until:
                self.add_error("until", _("Give a number of shifts or an end date, not both."))
            elif not count and not until:
                self.add_error("count", _("Say how many shifts, or until when."))
            elif until and cleaned.get("date") and until < cleaned["date"]:
                self.add_error("until", _("The end date is before the first date."))
        elif repeats == self.ADVANCED and not cleaned.get("rrule", "").strip():
            self.add_error("rrule", _("Write the recurrence rule."))
        if repeats in (self.WEEKLY, self.ADVANCED) and cleaned.get("notes", "").strip():
            self.add_error(
                "notes",
                _("Notes are kept per shift: add them to single shifts after creating the series."),
            )
        return cleaned

    @property
    def is_series(self) -> bool:
        return self.cleaned_data.get("repeats") in (self.WEEKLY, self.ADVANCED)

    def rule(self) -> str:
        """The RRULE of the series: built from the weekly choices, or as written."""
        data = self.cleaned_data
        if data["repeats"] == self.ADVANCED:
            return str(data["rrule"]).strip()
        order = [code for code, _label in WEEKDAYS]
        days = sorted(data["weekdays"], key=order.index)
        parts = ["FREQ=WEEKLY", f"BYDAY={','.join(days)}"]
        if data.get("count"):
            parts.append(f"COUNT={data['count']}")
        else:
            parts.append(f"UNTIL={data['until']:%Y%m%d}T235959")
        return ";".join(parts)


class EditShiftForm(ShiftTimesForm):
    THIS, LATER = "this", "later"

    apply_to = forms.ChoiceField(
        label=_("Apply to"),
        choices=[
            (THIS, _("This shift only")),
            (LATER, _("This and later shifts of the series (times, capacity, supervisor)")),
        ],
        initial=THIS,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, in_series: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not in_series:
            del self.fields["apply_to"]

    @classmethod
    def initial_for(cls, shift: Any) -> dict[str, Any]:
        return {
            "date": shift.local_start.date(),
            "start_time": shift.local_start.time().replace(second=0, microsecond=0),
            "end_time": shift.local_end.time().replace(second=0, microsecond=0),
            "capacity": shift.capacity,
            "supervisor": shift.supervisor_id,
            "notes": shift.notes,
            "apply_to": cls.THIS,
        }

    @property
    def for_series(self) -> bool:
        return self.cleaned_data.get("apply_to") == self.LATER


class CancelShiftForm(forms.Form):
    THIS, LATER = "this", "later"

    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Everyone on the shift, including the waitlist, gets this by e-mail."),
    )
    apply_to = forms.ChoiceField(
        label=_("Cancel"),
        choices=[
            (THIS, _("This shift only")),
            (LATER, _("This and later shifts of the series")),
        ],
        initial=THIS,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, in_series: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not in_series:
            del self.fields["apply_to"]

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if not reason:
            raise forms.ValidationError(_("Say why the shift is cancelled."))
        return reason


# -- roster ----------------------------------------------------------------------------------


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a person by name or e-mail"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # ModelChoiceField[Person]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.email})"


class AddPersonForm(forms.Form):
    """Who to add to the roster: a person picked from a search (for those who may search the
    registry) or an exact e-mail address (for everyone), and an override reason if needed."""

    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("Their exact e-mail address as it is in the registry."),
    )
    override_reason = forms.CharField(
        label=_("Eligibility override reason"),
        max_length=300,
        required=False,
        help_text=_(
            "Only if they do not meet the requirements and should be added anyway; "
            "this is recorded."
        ),
    )

    def __init__(
        self,
        *args: Any,
        searchable: QuerySet[Person] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.searchable = searchable
        if searchable is not None:
            self.fields = {
                "person": PersonChoiceField(
                    label=_("Person"),
                    queryset=searchable,
                    required=False,
                    empty_label=_("Choose from the search results"),
                    widget=forms.Select(attrs=SELECT),
                ),
                **self.fields,
            }
            self.fields["email"].label = _("Or their e-mail address")

    def limit_choices(self, people: QuerySet[Person]) -> None:
        if "person" in self.fields:
            self.fields["person"].queryset = people  # type: ignore[attr-defined]  # a ModelChoiceField

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        person = cleaned.get("person")
        email = str(cleaned.get("email") or "").strip()
        if person is None and not email:
            if "email" not in self.errors and "person" not in self.errors:
                raise forms.ValidationError(
                    _("Choose a person or give their e-mail address.")
                    if "person" in self.fields
                    else _("Give their e-mail address.")
                )
            return cleaned
        if person is None:
            found = Person.objects.filter(email__iexact=email).first()
            if found is None:
                self.add_error("email", _("No one with this e-mail address is in the registry."))
            cleaned["person"] = found
        return cleaned

"""Forms of the volunteer's own pages: finding shifts, hours, credentials and settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from equityhub.places.models import Site
from equityhub.volunteering import selectors
from equityhub.volunteering.models import CredentialType

DEFAULT_RANGE_DAYS = 30
PATIENT_INFORMATION_WARNING = _("Do not write patient names or any patient information.")


def _model_choice(form: forms.Form, name: str) -> forms.ModelChoiceField[Any]:
    """A form's model-choice field, to give it a queryset that depends on the user."""
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


class DateInput(forms.DateInput):
    input_type = "date"


def _site_choices(user: Any, *, also: int | None = None) -> QuerySet[Site]:
    """The sites the user may pick, plus `also` (an entry's current site, even if inactive)."""
    queryset = selectors.sites_for_user(user)
    if also is not None:
        queryset = queryset | Site.objects.filter(pk=also)
    return queryset.distinct().order_by("name")


class FindShiftsForm(forms.Form):
    """The filters over the open shifts (GET). Empty dates mean today to 30 days ahead."""

    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("Any site"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(attrs={"class": "form-control"}),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput(attrs={"class": "form-control"}),
    )
    eligible_only = forms.BooleanField(
        label=_("Only shifts I can sign up for"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    after = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    open_only = forms.BooleanField(
        label=_("Only shifts with open seats"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "site").queryset = selectors.sites_for_user(user).order_by("name")

    def site_choices(self) -> list[tuple[int, str]]:
        queryset = _model_choice(self, "site").queryset
        return list(queryset.values_list("pk", "name")) if queryset is not None else []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> selectors.ShiftFilters:
        """The selector's filters from the valid form, or the defaults."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        today = timezone.localdate()
        start: dt.date = data.get("start") or today
        end: dt.date = data.get("end") or start + dt.timedelta(days=DEFAULT_RANGE_DAYS)
        site = data.get("site")
        return selectors.ShiftFilters(
            site_id=site.pk if site else None,
            start=start,
            end=end,
            eligible_only=bool(data.get("eligible_only")),
            with_open_seats=bool(data.get("open_only")),
            after_shift_id=data.get("after"),
        )


class CancelSignUpForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class HoursForm(forms.Form):
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("Somewhere else (say where below)"),
        help_text=_("Choose one of our sites, or leave this empty and say where you served."),
    )
    organization_name = forms.CharField(
        label=_("Where (if not one of our sites)"),
        required=False,
        max_length=200,
    )
    activity = forms.CharField(label=_("Activity"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25"}),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=PATIENT_INFORMATION_WARNING,
    )

    def __init__(self, *args: Any, user: Any, current_site_id: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _model_choice(self, "site").queryset = _site_choices(user, also=current_site_id)
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        somewhere = cleaned.get("site") or (cleaned.get("organization_name") or "").strip()
        if not somewhere and "organization_name" not in self.errors:
            self.add_error(
                "organization_name", _("Choose one of our sites or say where you served.")
            )
        return cleaned


class CredentialForm(forms.Form):
    credential_type = forms.ModelChoiceField(
        label=_("Credential"),
        queryset=CredentialType.objects.none(),
        empty_label=_("Choose…"),
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("Not for one site"),
        help_text=_("Only for credentials held for one site, such as a site orientation."),
    )
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput())
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Optional. Leave it empty and it is computed from how long this kind of credential "
            "is valid (for example 12 months for a TB test)."
        ),
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "credential_type").queryset = selectors.credential_types()
        _model_choice(self, "site").queryset = _site_choices(user)
        self.fields["issued_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["evidence"].help_text = gettext(
            "A PDF, PNG or JPEG file, at most %(mb)s MB."
        ) % {"mb": settings.CREDENTIAL_EVIDENCE_MAX_BYTES // (1024 * 1024)}


class RemindersForm(forms.Form):
    reminders = forms.BooleanField(
        label=_("E-mail me reminders before my shifts"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        long, short = settings.VOLUNTEER_REMINDER_HOURS
        self.fields["reminders"].help_text = gettext(
            "Reminders go out %(long)s hours and %(short)s hours before each shift you signed "
            "up for."
        ) % {"long": long, "short": short}

"""Forms of the review queues and the reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from equityhub.places.models import Site

MAX_REPORT_DAYS = 366 * 5


class DateInput(forms.DateInput):
    input_type = "date"


class RejectForm(forms.Form):
    """Why hours or a credential are rejected; the person is told this reason."""

    reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=300,
        help_text=_("The volunteer receives this reason by e-mail."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why."))
        return reason


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last twelve calendar months, this one included."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    for _month in range(11):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return start, today


class ReportFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("All sites"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)  # noqa: S101  (narrowing for mypy)
        site_field.queryset = sites.order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        default_start, default_end = default_period()
        start = data.get("start") or default_start
        end = data.get("end") or default_end
        if end < start:
            self.add_error("end", _("The end date is before the start date."))
        elif (end - start).days > MAX_REPORT_DAYS:
            self.add_error("end", _("Choose a period of at most five years."))
        data["start"], data["end"] = start, end
        return data

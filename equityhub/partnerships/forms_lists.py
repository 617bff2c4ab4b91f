"""Forms of the consortium's lists page. They only validate input; the services in
`partnerships.services_lists` decide (codes, duplicates, memberships, years) and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, URLValidator
from django.utils.translation import gettext_lazy as _

from equityhub.partnerships import selectors_lists as selectors
from equityhub.partnerships.models import NeedsPriority
from equityhub.partnerships.services_lists import (
    FIRST_YEAR,
    NAME_MAX,
    TITLE_MAX,
    URL_MAX,
    last_assessment_year,
)

SELECT = {"class": "form-select"}


class EntryForm(forms.Form):
    """Add a focus area or population, or rename one."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX, strip=True)


class PriorityForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Hospital or health system"),
        queryset=selectors.priority_organizations(),
        widget=forms.Select(attrs=SELECT),
        help_text=_("Any organization with a consortium membership."),
    )
    year = forms.IntegerField(label=_("Assessment year"), min_value=FIRST_YEAR)
    title = forms.CharField(label=_("Priority"), max_length=TITLE_MAX)
    url = forms.URLField(
        label=_("Link to the assessment"),
        required=False,
        max_length=URL_MAX,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Optional; a web address starting with http:// or https://."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        last = last_assessment_year()
        year = self.fields["year"]
        # Next year moves with the calendar: the bound is set per form, not at import.
        year.validators.append(MaxValueValidator(last))
        year.widget.attrs["max"] = last
        year.help_text = _("From %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": last}

    @classmethod
    def initial_for(cls, priority: NeedsPriority) -> dict[str, Any]:
        return {
            "organization": priority.organization_id,
            "year": priority.year,
            "title": priority.title,
            "url": priority.url,
        }

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["url"] = data.get("url") or ""
        return data

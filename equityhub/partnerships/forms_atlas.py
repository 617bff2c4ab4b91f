"""The atlas's one form: what the map shows. Read with GET, so every view can be shared as a
link, and it works without JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from equityhub.partnerships.models import FocusArea
from equityhub.partnerships.selectors_atlas import LAYERS, SORTS, IndicatorSummary

LAYER_LABELS = {
    "initiatives": _("Initiatives"),
    "sites": _("Clinic and community sites"),
    "hours": _("Volunteer hours"),
    "participants": _("Outreach participants' home areas"),
}


class AtlasForm(forms.Form):
    indicator = forms.ChoiceField(label=_("Indicator"), required=False)
    layer = forms.MultipleChoiceField(
        label=_("Layers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(name, LAYER_LABELS[name]) for name in LAYERS],
    )
    focus = forms.ChoiceField(
        label=_("Focus area of the initiatives"),
        required=False,
        help_text=_("Counts only the initiatives with this focus."),
    )
    sort = forms.ChoiceField(
        required=False, choices=[(name, name) for name in SORTS], widget=forms.HiddenInput
    )
    # Present when the form was submitted: the layers then come from the check boxes (none
    # ticked means none shown); without it every layer is shown.
    view = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data: QueryDict,
        *,
        indicators: Sequence[IndicatorSummary],
        focus_areas: Sequence[FocusArea],
        default_indicator: str | None,
    ) -> None:
        # Always bound, with the defaults filled in, so the form shows what the page shows.
        data = data.copy()
        if not data.get("indicator") and default_indicator:
            data["indicator"] = default_indicator
        if not data.get("view"):
            data.setlist("layer", list(LAYERS))
            data["view"] = "1"
        super().__init__(data)
        self.default_indicator = default_indicator
        indicator_field = cast(forms.ChoiceField, self.fields["indicator"])
        indicator_field.choices = [(i.code, i.title) for i in indicators]
        focus_field = cast(forms.ChoiceField, self.fields["focus"])
        focus_field.choices = [("", _("All focus areas"))] + [
            (focus.code, focus.label) for focus in focus_areas
        ]

    def state(self) -> dict[str, Any]:
        """What to show: the chosen (or default) indicator, layers, focus code and sort; a
        value that is not valid falls back to its default (and the form shows its error)."""
        self.is_valid()
        cleaned = self.cleaned_data
        return {
            "indicator": cleaned.get("indicator") or self.default_indicator,
            "layers": [name for name in LAYERS if name in (cleaned.get("layer") or [])],
            "focus": cleaned.get("focus") or None,
            "sort": cleaned.get("sort") or "need",
        }

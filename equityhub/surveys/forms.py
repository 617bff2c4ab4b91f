"""Forms: the office's (questionnaire, question, invitations, comparison) and the answer sheet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from equityhub.surveys.models import Item, Language, Questionnaire


class QuestionnaireForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    title_es = forms.CharField(label=_("Title in Spanish"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown above the questions."),
    )
    description_es = forms.CharField(
        label=_("Introduction in Spanish"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of question"), choices=Item.Kind.choices)
    prompt = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    prompt_es = forms.CharField(
        label=_("Question in Spanish"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    key = forms.CharField(
        label=_("Key"),
        max_length=60,
        help_text=_(
            "A stable name such as attitude_underserved_1. Give the same key to the same "
            "question in a pre- and a post-survey to compare the answers."
        ),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "For choice questions only: one per line, as value | English label | Spanish "
            "label, e.g. clinic | A clinic | Una clínica."
        ),
    )

    def clean_choices(self) -> list[dict[str, str]]:
        choices = []
        for line in self.cleaned_data["choices"].splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) < 2 or len(parts) > 3:
                raise forms.ValidationError(
                    _("Write each choice as value | English label | Spanish label.")
                )
            value, label, *rest = parts
            choices.append({"value": value, "label": label, "label_es": rest[0] if rest else ""})
        return choices


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("E-mail addresses"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line, of people in the registry. Each gets their own private link."),
    )
    label = forms.CharField(
        label=_("Sent for"),
        max_length=120,
        required=False,
        help_text=_("Named in the e-mail, e.g. Medical Plunge 2026 pre."),
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mail and the survey"),
        choices=[("", _("Each person's own preference")), *Language.choices],
        required=False,
    )
    closes_on = forms.DateField(
        label=_("Link works until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave blank for 30 days from today."),
    )

    def clean_emails(self) -> list[str]:
        lines = self.cleaned_data["emails"].splitlines()
        addresses = {line.strip().lower() for line in lines if line.strip()}
        if not addresses:
            raise forms.ValidationError(_("Give at least one e-mail address."))
        if len(addresses) > 5000:
            raise forms.ValidationError(_("Invite at most 5,000 people at a time."))
        return sorted(addresses)

    def expires_at(self) -> dt.datetime | None:
        closes_on: dt.date | None = self.cleaned_data.get("closes_on")
        if closes_on is None:
            return None
        end_of_day = dt.datetime.combine(closes_on, dt.time(23, 59, 59))
        return timezone.make_aware(end_of_day)


class CompareForm(forms.Form):
    post = forms.ModelChoiceField(
        label=_("Compare with (post-survey)"), queryset=Questionnaire.objects.none()
    )

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["post"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = choices


class ResponseForm(forms.Form):
    """The answer sheet: one optional text input per item, named `item_<id>`.

    The inputs are rendered by the template (radio groups in fieldsets). The values are checked
    by `services.submit_response` alone, which reports every problem at once (missing answers,
    values off the scale, text over 2,000 characters); the view puts its messages on these
    fields.
    """

    def __init__(self, *args: Any, items: list[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[item.field_name] = forms.CharField(required=False, strip=False)

    def answers(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data.get(item.field_name) or "" for item in self.items}

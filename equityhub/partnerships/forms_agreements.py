"""Forms of the agreement and meeting pages. They only validate input; the services
(`services_agreements`, `services_meetings`) decide and write. Meeting times are entered in the
office's time zone (settings.TIME_ZONE)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from equityhub.core.forms import IdMultipleChoiceField
from equityhub.partnerships.access import initiatives_for_user, partner_organization_ids
from equityhub.partnerships.models import ActionItem, Agreement, Initiative, MeetingAttendance
from equityhub.partnerships.services_agreements import document_max_bytes
from equityhub.people.models import Organization

SELECT = {"class": "form-select"}
DOCUMENT_ACCEPT = (
    ".pdf,.docx,.odt,application/pdf,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
    "application/vnd.oasis.opendocument.text"
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def active_organizations() -> QuerySet[Organization]:
    return Organization.objects.filter(is_active=True).only("id", "name").order_by("name")


# -- agreements ------------------------------------------------------------------------------


class AgreementFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Agreement.Status.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Any kind")), *Agreement.Kind.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    party = forms.ModelChoiceField(
        label=_("Party"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Any party"),
        widget=forms.Select(attrs=SELECT),
    )
    expiring = forms.BooleanField(
        # The window is RENEWAL_WINDOW_DAYS; a literal keeps the label translatable.
        label=_("Expiring within 90 days"),
        required=False,
    )

    def __init__(self, *args: Any, parties: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = parties  # type: ignore[attr-defined]  # a ModelChoiceField


class AgreementForm(forms.Form):
    """The agreement's details; on creation also its parties."""

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Agreement.Kind.choices, widget=forms.Select(attrs=SELECT)
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    initiative = forms.ModelChoiceField(
        label=_("Initiative"),
        queryset=Initiative.objects.none(),
        required=False,
        empty_label=_("None"),
        widget=forms.Select(attrs=SELECT),
        help_text=_("The initiative the agreement serves, if any."),
    )
    effective_on = forms.DateField(
        label=_("Effective on"),
        required=False,
        widget=DateInput(),
        help_text=_("Needed before the agreement can be put into effect."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Leave empty if it does not expire. The parties' agreement contacts are reminded "
            "90 and 30 days before."
        ),
    )
    parties = IdMultipleChoiceField(
        label=_("Parties"),
        queryset=Organization.objects.none(),
        widget=forms.SelectMultiple(attrs=SELECT),
        help_text=_(
            "The organizations that sign it (at least two before it takes effect). Partner "
            "users: your organization must be one of them."
        ),
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        agreement: Agreement | None = None,
        **kwargs: Any,
    ) -> None:
        if agreement is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": agreement.title,
                    "kind": agreement.kind,
                    "description": agreement.description,
                    "initiative": agreement.initiative_id,
                    "effective_on": agreement.effective_on,
                    "expires_on": agreement.expires_on,
                },
            )
        else:
            kwargs.setdefault("initial", {"parties": sorted(partner_organization_ids(user))})
        super().__init__(*args, **kwargs)
        initiatives = initiatives_for_user(user)
        if agreement is not None and agreement.initiative_id:
            # Keep the current link selectable even if it is not one of the user's.
            initiatives = Initiative.objects.filter(
                Q(pk__in=initiatives.values("pk")) | Q(pk=agreement.initiative_id)
            )
        self.fields["initiative"].queryset = initiatives.order_by("title")  # type: ignore[attr-defined]  # a ModelChoiceField
        if agreement is not None:
            del self.fields["parties"]
        else:
            self.fields["parties"].queryset = active_organizations()  # type: ignore[attr-defined]  # a ModelChoiceField

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        effective, expires = cleaned.get("effective_on"), cleaned.get("expires_on")
        if effective and expires and expires < effective:
            self.add_error("expires_on", _("The expiry date cannot be before the effective date."))
        return cleaned

    def details(self) -> dict[str, Any]:
        """The cleaned fields as `update_agreement` takes them."""
        return {k: v for k, v in self.cleaned_data.items() if k != "parties"}


class PartyForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        widget=forms.Select(attrs=SELECT),
    )
    role = forms.CharField(
        label=_("Role"),
        max_length=120,
        required=False,
        help_text=_("e.g. data provider, recipient"),
    )
    signatory = forms.CharField(label=_("Signatory"), max_length=200, required=False)
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DateInput())

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "party")
        super().__init__(*args, **kwargs)
        taken = agreement.parties.values("organization_id")
        self.fields["organization"].queryset = active_organizations().exclude(pk__in=taken)  # type: ignore[attr-defined]  # a ModelChoiceField


class PartyEditForm(forms.Form):
    """A party's role, signatory and signing date (the organization stays)."""

    role = forms.CharField(
        label=_("Role"),
        max_length=120,
        required=False,
        help_text=_("e.g. data provider, recipient"),
    )
    signatory = forms.CharField(label=_("Signatory"), max_length=200, required=False)
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DateInput())


class RenewForm(forms.Form):
    expires_on = forms.DateField(label=_("New expiry date"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "renew")
        super().__init__(*args, **kwargs)


class TerminateForm(forms.Form):
    terminated_on = forms.DateField(label=_("Ends on"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "terminate")
        kwargs.setdefault("initial", {"terminated_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class DocumentForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("e.g. Signed copy, Amendment 1. The file's name when left empty."),
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "document")
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A PDF, Word (DOCX) or OpenDocument (ODT) file of at most %(mb)d MB."
        ) % {"mb": document_max_bytes() // (1024 * 1024)}


# -- meetings --------------------------------------------------------------------------------


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    agenda = forms.CharField(
        label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    minutes = forms.CharField(
        label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].help_text = _("In %(tz)s time.") % {"tz": settings.TIME_ZONE}

    @staticmethod
    def initial_for(meeting: Any) -> dict[str, Any]:
        return {
            "title": meeting.title,
            "starts_at": timezone.localtime(meeting.starts_at),
            "location": meeting.location,
            "agenda": meeting.agenda,
            "minutes": meeting.minutes,
        }


class AttendanceForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        widget=forms.Select(attrs=SELECT),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    status = forms.ChoiceField(
        label=_("Attendance"),
        choices=MeetingAttendance.Status.choices,
        widget=forms.Select(attrs=SELECT),
        help_text=_("Someone on the list already (same organization and name) is updated."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "attendance")
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = active_organizations()  # type: ignore[attr-defined]  # a ModelChoiceField


class ActionItemForm(forms.Form):
    description = forms.CharField(
        label=_("Action"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner_organization = forms.ModelChoiceField(
        label=_("Owner's organization"),
        queryset=Organization.objects.none(),
        widget=forms.Select(attrs=SELECT),
    )
    owner_name = forms.CharField(label=_("Owner"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "item")
        super().__init__(*args, **kwargs)
        self.fields["owner_organization"].queryset = active_organizations()  # type: ignore[attr-defined]  # a ModelChoiceField


class ActionItemEditForm(forms.Form):
    """Office staff: owner and due date of one item.

    A list shows one of these per row, so the organizations to choose from are read once per
    request (`active_organizations()`, evaluated) and shared by every row's form; an item owned
    by an organization that is no longer active keeps its owner selectable (it comes with the
    item, from `select_related`)."""

    owner_organization = forms.TypedChoiceField(
        label=_("Owner's organization"),
        coerce=int,
        widget=forms.Select(attrs=SELECT),
    )
    owner_name = forms.CharField(label=_("Owner"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())

    def __init__(
        self,
        *args: Any,
        item: ActionItem,
        organizations: Sequence[Organization],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", f"edit-{item.pk}")
        kwargs.setdefault(
            "initial",
            {
                "owner_organization": item.owner_organization_id,
                "owner_name": item.owner_name,
                "due_on": item.due_on,
            },
        )
        super().__init__(*args, **kwargs)
        choices = list(organizations)
        if all(org.pk != item.owner_organization_id for org in choices):
            choices = sorted([*choices, item.owner_organization], key=lambda org: org.name)
        self._organizations = {org.pk: org for org in choices}
        self.fields["owner_organization"].choices = [(org.pk, org.name) for org in choices]  # type: ignore[attr-defined]  # a ChoiceField

    def clean_owner_organization(self) -> Organization:
        return self._organizations[self.cleaned_data["owner_organization"]]


class ActionItemFilterForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Any organization"),
        widget=forms.Select(attrs=SELECT),
    )
    mine = forms.BooleanField(label=_("Only items I own"), required=False)

    def __init__(
        self, *args: Any, organizations: QuerySet[Organization], staff: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]  # a ModelChoiceField
        if not staff:
            # A partner's list is their organization's items already.
            del self.fields["mine"]

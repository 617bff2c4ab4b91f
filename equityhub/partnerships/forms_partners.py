"""Forms of the partner pages. They only validate input; `services_partners` decides and writes.

`field_aliases` maps a service's field names to the form's, so a refusal lands on the input it
is about.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from equityhub.partnerships.models import Contact, Membership
from equityhub.partnerships.selectors_partners import organizations_without_membership
from equityhub.partnerships.services_partners import NewOrganization
from equityhub.people.models import Organization, zip_validator

SELECT = {"class": "form-select"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class _MembershipTerms(forms.Form):
    partner_type = forms.ChoiceField(
        label=_("Type of partner"),
        choices=Membership.PartnerType.choices,
        widget=forms.Select(attrs=SELECT),
    )
    role = forms.ChoiceField(
        label=_("Role in the consortium"),
        choices=Membership.ConsortiumRole.choices,
        initial=Membership.ConsortiumRole.MEMBER,
        widget=forms.Select(attrs=SELECT),
    )
    joined_on = forms.DateField(label=_("Member since"), widget=DateInput)
    left_on = forms.DateField(
        label=_("Left on"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty while the organization is a member."),
    )
    description = forms.CharField(
        label=_("What the partner brings"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        joined, left = cleaned.get("joined_on"), cleaned.get("left_on")
        if joined and left and left < joined:
            self.add_error("left_on", _("A membership cannot end before it began."))
        return cleaned


class NewPartnerForm(_MembershipTerms):
    """A membership for an organization the foundation knows, or for a new one."""

    field_aliases: ClassVar[dict[str, str]] = {
        "new_organization": "new_name",
        "new_organization.name": "new_name",
        "new_organization.kind": "new_kind",
        "new_organization.website": "new_website",
        "new_organization.address": "new_address",
        "new_organization.city": "new_city",
        "new_organization.zip_code": "new_zip_code",
    }

    organization = forms.ModelChoiceField(
        label=_("An organization already in Equity Hub"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("(a new organization, below)"),
        widget=forms.Select(attrs=SELECT),
    )
    new_name = forms.CharField(
        label=_("Name of a new organization"), max_length=200, required=False
    )
    new_kind = forms.ChoiceField(
        label=_("Kind of organization"),
        choices=Organization.Kind.choices,
        initial=Organization.Kind.COMMUNITY,
        widget=forms.Select(attrs=SELECT),
        required=False,
    )
    new_website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    new_address = forms.CharField(label=_("Street address"), max_length=200, required=False)
    new_city = forms.CharField(label=_("City"), max_length=100, required=False)
    new_zip_code = forms.CharField(
        label=_("ZIP code"), max_length=5, required=False, validators=[zip_validator]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"joined_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  (narrowing for mypy)
        field.queryset = organizations_without_membership()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        chosen, name = cleaned.get("organization"), (cleaned.get("new_name") or "").strip()
        if chosen is None and not name:
            self.add_error(
                "organization", _("Choose an organization or enter the name of a new one.")
            )
        elif chosen is not None and name:
            self.add_error(
                "new_name",
                _("You chose an existing organization: leave the new organization's name empty."),
            )
        return cleaned

    def new_organization(self) -> NewOrganization | None:
        data = self.cleaned_data
        if data.get("organization") is not None:
            return None
        return NewOrganization(
            name=data["new_name"].strip(),
            kind=data.get("new_kind") or Organization.Kind.COMMUNITY,
            website=data.get("new_website") or "",
            address=data.get("new_address") or "",
            city=data.get("new_city") or "",
            zip_code=data.get("new_zip_code") or "",
        )


class MembershipForm(_MembershipTerms):
    """Office staff: the membership's terms and description."""

    @classmethod
    def initial_for(cls, membership: Membership) -> dict[str, Any]:
        return {name: getattr(membership, name) for name in cls.base_fields}


class PartnerDescriptionForm(forms.Form):
    """A partner user: their organization's description only."""

    description = forms.CharField(
        label=_("What the partner brings"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The organization's work, strengths and resources, as the consortium sees it."),
    )


class EndMembershipForm(forms.Form):
    left_on = forms.DateField(label=_("Last day of membership"), widget=DateInput)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit log."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "end")
        kwargs.setdefault("initial", {"left_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Contact.Role.choices,
        initial=Contact.Role.PRIMARY,
        widget=forms.Select(attrs=SELECT),
    )

    @classmethod
    def initial_for(cls, contact: Contact) -> dict[str, Any]:
        return {name: getattr(contact, name) for name in cls.base_fields}


class PartnerFilterForm(forms.Form):
    """Staff's filters on the partner list (GET)."""

    CURRENT_CHOICES: ClassVar[list[tuple[str, Any]]] = [
        ("", _("Current and former")),
        ("1", _("Current members")),
        ("0", _("Former members")),
    ]

    partner_type = forms.ChoiceField(
        label=_("Type of partner"),
        choices=[("", _("All types")), *Membership.PartnerType.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    current = forms.ChoiceField(
        label=_("Membership"),
        choices=CURRENT_CHOICES,
        required=False,
        widget=forms.Select(attrs=SELECT),
    )

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        current = self.cleaned_data.get("current")
        return {
            "partner_type": self.cleaned_data.get("partner_type") or None,
            "current": None if not current else current == "1",
        }

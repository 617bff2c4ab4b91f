"""The technical admin for volunteering. Credential types are reference data edited here (and
audited); everything else is read-only here and changed on the app's own pages, through the
services, so that capacity, waitlists and verification rules always hold."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest

from equityhub.audit.services import diff, record, snapshot
from equityhub.volunteering.models import (
    Credential,
    CredentialType,
    HoursEntry,
    Opportunity,
    Shift,
    SignUp,
)

_M = TypeVar("_M", bound=models.Model)

CREDENTIAL_TYPE_FIELDS = [
    "code",
    "name",
    "description",
    "validity_months",
    "per_site",
    "requires_evidence",
]


@admin.register(CredentialType)
class CredentialTypeAdmin(admin.ModelAdmin[CredentialType]):
    list_display = ["name", "code", "validity_months", "per_site", "requires_evidence"]
    list_filter = ["per_site", "requires_evidence"]
    search_fields = ["name", "code"]
    fields = tuple(CREDENTIAL_TYPE_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Code looks types up by their code (the site orientation, for one): keep it fixed.
        return ["code"] if obj is not None else []

    def save_model(
        self,
        request: HttpRequest,
        obj: CredentialType,
        form: ModelForm[CredentialType],
        change: bool,
    ) -> None:
        with transaction.atomic():
            before = (
                snapshot(CredentialType.objects.get(pk=obj.pk), CREDENTIAL_TYPE_FIELDS)
                if change
                else {}
            )
            obj.save()
            after = snapshot(obj, CREDENTIAL_TYPE_FIELDS)
            record(
                "volunteering.credential_type.updated"
                if change
                else "volunteering.credential_type.created",
                actor=request.user,
                obj=obj,
                changes=diff(before, after) if change else None,
                data=None if change else after,
            )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Credentials and opportunities refer to their types.
        return False


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin[Opportunity]):
    list_display = ["title", "site", "min_training_level", "min_age", "is_active"]
    list_filter = ["is_active", "requires_orientation"]
    list_select_related = ["site"]
    search_fields = ["title", "site__name"]


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdmin[Shift]):
    list_display = [
        "opportunity",
        "starts_at",
        "ends_at",
        "capacity",
        "seats_taken",
        "waitlist_length",
        "status",
    ]
    list_filter = ["status"]
    list_select_related = ["opportunity__site"]
    search_fields = ["opportunity__title", "opportunity__site__name"]
    date_hierarchy = "starts_at"


@admin.register(SignUp)
class SignUpAdmin(ReadOnlyAdmin[SignUp]):
    list_display = ["person", "shift", "status", "source", "waitlist_position", "created_at"]
    list_filter = ["status", "source", "late_cancellation"]
    list_select_related = ["person", "shift__opportunity__site"]
    search_fields = ["person__family_name", "person__given_name", "person__email"]


@admin.register(HoursEntry)
class HoursEntryAdmin(ReadOnlyAdmin[HoursEntry]):
    list_display = ["person", "date", "hours", "site", "organization_name", "status"]
    list_filter = ["status"]
    list_select_related = ["person", "site"]
    search_fields = ["person__family_name", "person__given_name", "activity"]
    date_hierarchy = "date"


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin[Credential]):
    list_display = ["person", "credential_type", "site", "issued_on", "expires_on", "status"]
    list_filter = ["status", "credential_type"]
    list_select_related = ["person", "credential_type", "site"]
    search_fields = ["person__family_name", "person__given_name", "person__email"]
    # Evidence (test results, certificates) is read on the review pages, which check who asks.
    exclude = ["evidence"]

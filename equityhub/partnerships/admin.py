"""The technical admin for the consortium: read-only lists. Memberships, contacts and portal
access change on the consortium's own pages (and the API), through the services, so that the
rules on who may change what, portal roles and the audit trail always hold."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from equityhub.partnerships.models import Agreement, Contact, Initiative, Meeting, Membership

_M = TypeVar("_M", bound=models.Model)


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin[Membership]):
    list_display = ["organization", "partner_type", "role", "joined_on", "left_on"]
    list_filter = ["partner_type", "role"]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "organization__short_name"]
    date_hierarchy = "joined_on"


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin[Contact]):
    list_display = ["name", "organization", "email", "role", "is_active", "user", "invited_at"]
    list_filter = ["role", "is_active"]
    list_select_related = ["organization", "user"]
    search_fields = ["name", "email", "organization__name"]


@admin.register(Initiative)
class InitiativeAdmin(ReadOnlyAdmin[Initiative]):
    list_display = ["title", "lead_organization", "status", "starts_on", "ends_on"]
    list_filter = ["status", "focus_areas"]
    list_select_related = ["lead_organization"]
    search_fields = ["title", "lead_organization__name"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin[Agreement]):
    list_display = ["title", "kind", "status", "effective_on", "expires_on", "initiative"]
    list_filter = ["kind", "status"]
    list_select_related = ["initiative"]
    search_fields = ["title", "parties__organization__name"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin[Meeting]):
    list_display = ["title", "starts_at", "location"]
    search_fields = ["title", "location"]
    date_hierarchy = "starts_at"

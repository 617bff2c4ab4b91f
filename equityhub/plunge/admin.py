"""The technical admin for the Medical Plunge: read-only. The week is planned on the app's own
pages (and the API), through `plunge.services`, so that group sizes, site capacities, the
rotation's rules and the audit trail always hold."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from equityhub.plunge.models import (
    Attendance,
    Group,
    GroupingRun,
    GroupRequirement,
    PairRule,
    Plunge,
    Registration,
    Session,
    SlotOffer,
    Visit,
)

_M = TypeVar("_M", bound=models.Model)


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Plunge)
class PlungeAdmin(ReadOnlyAdmin[Plunge]):
    list_display = ["title", "starts_on", "ends_on", "group_count", "bus_capacity", "status"]
    list_filter = ["status"]
    search_fields = ["title"]
    date_hierarchy = "starts_on"


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin[Session]):
    list_display = ["title", "plunge", "kind", "starts_at", "ends_at", "site", "place"]
    list_filter = ["kind"]
    list_select_related = ["plunge", "site"]
    search_fields = ["title", "place", "site__name"]
    date_hierarchy = "starts_at"


@admin.register(SlotOffer)
class SlotOfferAdmin(ReadOnlyAdmin[SlotOffer]):
    list_display = ["session", "site", "capacity"]
    list_select_related = ["session", "site"]
    search_fields = ["session__title", "site__name"]


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin[Group]):
    list_display = ["plunge", "number", "leader_phone"]
    list_select_related = ["plunge"]


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin[Registration]):
    list_display = ["person", "plunge", "status", "group", "is_group_leader", "created_at"]
    list_filter = ["status", "is_group_leader"]
    list_select_related = ["person", "plunge", "group"]
    search_fields = ["person__family_name", "person__given_name", "person__email"]
    # Dietary and accessibility needs are read on the planning pages, which check who asks.
    exclude = ["dietary_needs", "accessibility_needs"]


@admin.register(PairRule)
class PairRuleAdmin(ReadOnlyAdmin[PairRule]):
    list_display = ["plunge", "kind", "first", "second"]
    list_filter = ["kind"]
    list_select_related = ["plunge", "first__person", "second__person"]


@admin.register(GroupRequirement)
class GroupRequirementAdmin(ReadOnlyAdmin[GroupRequirement]):
    list_display = ["plunge", "column", "minimum"]
    list_select_related = ["plunge"]


@admin.register(GroupingRun)
class GroupingRunAdmin(ReadOnlyAdmin[GroupingRun]):
    list_display = ["plunge", "groups", "excess", "seconds", "seed", "created_at", "applied_at"]
    list_select_related = ["plunge"]
    # The assignment is hundreds of ids: shown on the planning pages, not here.
    exclude = ["assignment"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin[Visit]):
    list_display = ["session", "group", "site", "bus_number"]
    list_select_related = ["session", "group", "site"]
    search_fields = ["site__name", "session__title"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin[Attendance]):
    list_display = ["registration", "session", "checked_in_at", "checked_in_by"]
    list_select_related = ["registration__person", "session", "checked_in_by"]
    search_fields = [
        "registration__person__family_name",
        "registration__person__given_name",
        "session__title",
    ]

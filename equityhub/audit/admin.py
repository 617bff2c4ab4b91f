from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from equityhub.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = ["created_at", "kind", "action", "actor_email", "object_repr", "ip_address"]
    list_filter = ["kind", "action"]
    search_fields = ["action", "actor_email", "object_repr", "object_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

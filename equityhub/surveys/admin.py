"""The technical admin for surveys: read-only. Questionnaires, items and invitations are written
through `surveys.services` (checked and audited); individual answers are not shown at all, only
the aggregate results on the office's pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from equityhub.surveys.models import Invitation, Item, Questionnaire

ITEM_FIELDS = ("position", "key", "kind", "prompt", "prompt_es", "required", "choices")
QUESTIONNAIRE_FIELDS = (
    "title",
    "title_es",
    "description",
    "description_es",
    "is_active",
    "created_by",
)
# The digest is left out: it is of no use to anyone reading the page.
INVITATION_FIELDS = (
    "questionnaire",
    "person",
    "context_label",
    "context_type",
    "context_id",
    "language",
    "sent_at",
    "expires_at",
    "sent_by",
)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ItemInline(ReadOnlyMixin, admin.TabularInline[Item, Questionnaire]):
    model = Item
    fields = ITEM_FIELDS
    readonly_fields = ITEM_FIELDS
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyMixin, admin.ModelAdmin[Questionnaire]):
    list_display = ["title", "is_active", "created_at", "created_by"]
    list_filter = ["is_active"]
    search_fields = ["title", "title_es"]
    fields = QUESTIONNAIRE_FIELDS
    readonly_fields = QUESTIONNAIRE_FIELDS
    inlines = [ItemInline]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyMixin, admin.ModelAdmin[Invitation]):
    list_display = ["questionnaire", "person", "context_label", "language", "sent_at", "expires_at"]
    list_filter = ["language"]
    search_fields = ["person__family_name", "person__email", "context_label"]
    list_select_related = ["questionnaire", "person"]
    fields = INVITATION_FIELDS
    readonly_fields = INVITATION_FIELDS

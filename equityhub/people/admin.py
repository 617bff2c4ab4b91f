"""The technical admin. Organizations are edited here through the services (so every change is
audited); people are read-only here and edited on the app's own pages. Demographic profiles are
deliberately not registered: they are read only through the logged, permissioned selector."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse

from equityhub.audit.services import record_access
from equityhub.core.exceptions import ServiceError
from equityhub.people import services
from equityhub.people.models import Affiliation, Consent, Organization, Person, PersonLanguage


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ["name", "short_name", "kind", "city", "zip_code", "is_active"]
    list_filter = ["kind", "is_active", "is_fictional"]
    search_fields = ["name", "short_name"]
    fields = [
        "name",
        "short_name",
        "kind",
        "parent",
        "website",
        "address",
        "city",
        "state",
        "zip_code",
        "is_active",
    ]

    def save_model(
        self, request: HttpRequest, obj: Organization, form: ModelForm[Organization], change: bool
    ) -> None:
        data = {field: form.cleaned_data[field] for field in form.changed_data}
        if "parent" in data:
            parent = data.pop("parent")
            data["parent_id"] = parent.pk if parent else None
        try:
            if change:
                fresh = Organization.objects.get(pk=obj.pk)
                services.update_organization(organization=fresh, actor=request.user, **data)
            else:
                name = data.pop("name")
                created = services.create_organization(actor=request.user, name=name, **data)
                obj.pk = created.pk
        except ServiceError as error:
            self.message_user(request, error.message, level=messages.ERROR)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Other records refer to organizations; deactivate instead of deleting.
        return False


class ReadOnlyInline(admin.TabularInline[Any, Person]):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AffiliationInline(ReadOnlyInline):
    model = Affiliation


class LanguageInline(ReadOnlyInline):
    model = PersonLanguage


class ConsentInline(ReadOnlyInline):
    model = Consent
    exclude = ["recorded_by"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ["family_name", "given_name", "preferred_name", "email", "home_zip"]
    search_fields = ["family_name", "given_name", "preferred_name", "email"]
    inlines = [AffiliationInline, LanguageInline, ConsentInline]
    readonly_fields = [f.name for f in Person._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        person = self.get_object(request, object_id)
        if response.status_code == 200 and person is not None and person.is_minor:
            # A minor's record read here is logged like one read on the app's pages.
            record_access("people.person.viewed_minor", actor=request.user, objects=[person])
        return response

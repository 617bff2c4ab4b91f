"""The technical admin for places. Sites are written through the volunteering services (so every
change is audited and checked like on the app's pages); areas are reference data, audited here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest

from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import ServiceError
from equityhub.places.models import Area, Site

AREA_FIELDS = ["kind", "code", "name", "centroid_lat", "centroid_lon"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin[Area]):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    fields = tuple(AREA_FIELDS)

    def save_model(
        self, request: HttpRequest, obj: Area, form: ModelForm[Area], change: bool
    ) -> None:
        with transaction.atomic():
            before = snapshot(Area.objects.get(pk=obj.pk), AREA_FIELDS) if change else {}
            obj.save()
            after = snapshot(obj, AREA_FIELDS)
            record(
                "places.area.updated" if change else "places.area.created",
                actor=request.user,
                obj=obj,
                changes=diff(before, after) if change else None,
                data=None if change else after,
            )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Sites and reports refer to areas.
        return False


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
    list_display = ["name", "kind", "city", "zip_code", "area", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["area"]
    search_fields = ["name", "address", "zip_code"]
    autocomplete_fields = ["area", "serves_areas"]
    fields = [
        "name",
        "kind",
        "organization",
        "description",
        "address",
        "city",
        "state",
        "zip_code",
        "area",
        "serves_areas",
        "hours",
        "contact_name",
        "contact_email",
        "contact_phone",
        "timezone",
        "latitude",
        "longitude",
        "is_active",
    ]

    def save_model(
        self, request: HttpRequest, obj: Site, form: ModelForm[Site], change: bool
    ) -> None:
        # Imported here: the volunteering services import places' models.
        from equityhub.volunteering import services  # noqa: PLC0415

        data = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field != "serves_areas"
        }
        for relation in ("organization", "area"):
            if relation in data:
                value = data.pop(relation)
                data[f"{relation}_id"] = value.pk if value else None
        try:
            if change:
                fresh = Site.objects.get(pk=obj.pk)
                services.update_site(site=fresh, actor=request.user, **data)
            else:
                name = data.pop("name")
                zip_code = data.pop("zip_code")
                created = services.create_site(
                    actor=request.user, name=name, zip_code=zip_code, **data
                )
                obj.pk = created.pk
        except ServiceError as error:
            self.message_user(request, error.message, level=messages.ERROR)

    def save_related(
        self, request: HttpRequest, form: ModelForm[Site], formsets: Any, change: bool
    ) -> None:
        from equityhub.volunteering import services  # noqa: PLC0415

        site = Site.objects.filter(pk=form.instance.pk).first()
        if site is None or "serves_areas" not in form.changed_data:
            return
        try:
            services.set_site_areas_served(
                site=site,
                actor=request.user,
                area_ids=[area.pk for area in form.cleaned_data["serves_areas"]],
            )
        except ServiceError as error:
            self.message_user(request, error.message, level=messages.ERROR)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Shifts, hours and credentials refer to sites; deactivate instead of deleting.
        return False

"""The technical admin for places. Sites are written through the volunteering services (so every
change is audited and checked like on the app's pages); areas are reference data, audited here;
indicators are named here (audited) and their values are read-only (they change by import)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import ServiceError
from equityhub.places import geo
from equityhub.places.models import Area, Indicator, IndicatorValue, Site
from equityhub.places.selectors import forget_areas_geojson

AREA_FIELDS = ["kind", "code", "name", "centroid_lat", "centroid_lon"]
# Computed by the boundary import (`equityhub import-areas`), shown but never typed in.
AREA_COMPUTED = [
    "boundary_summary",
    "bbox_west",
    "bbox_south",
    "bbox_east",
    "bbox_north",
    "source",
    "created_at",
    "updated_at",
]
INDICATOR_FIELDS = ["name", "unit", "description", "higher_means_more_need"]


def _forget_map() -> None:
    forget_areas_geojson()
    transaction.on_commit(forget_areas_geojson)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin[Area]):
    list_display = ["code", "name", "kind", "has_boundary", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    fields = (*AREA_FIELDS, *AREA_COMPUTED)

    def get_queryset(self, request: HttpRequest) -> Any:
        # The list never shows the boundaries, which are large.
        return super().get_queryset(request).defer("geometry", "display_geometry")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(AREA_COMPUTED)
        if obj is not None:
            # The code identifies the area to the importers; an area with a boundary has its
            # centroid computed from it.
            readonly += ["kind", "code"]
            if obj.geometry is not None:
                readonly += ["centroid_lat", "centroid_lon"]
        return readonly

    @admin.display(boolean=True, description=_("boundary"))
    def has_boundary(self, obj: Area) -> bool:
        return obj.bbox is not None

    @admin.display(description=_("boundary"))
    def boundary_summary(self, obj: Area) -> str:
        if not obj.geometry:
            return str(_("none (import one with equityhub import-areas)"))
        count = sum(1 for _position in geo.positions(obj.geometry))
        simplified = (
            sum(1 for _position in geo.positions(obj.display_geometry))
            if obj.display_geometry
            else 0
        )
        return str(_("%(type)s, %(count)d positions (%(simplified)d on maps)")) % {
            "type": obj.geometry.get("type", "?"),
            "count": count,
            "simplified": simplified,
        }

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
            _forget_map()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Sites and reports refer to areas.
        return False


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin[Indicator]):
    """Indicators are made by `equityhub import-indicators`; here they are named and told
    which way means more need. Every change is audited."""

    list_display = ["name", "code", "unit", "higher_means_more_need"]
    search_fields = ["code", "name"]
    fields = ["code", *INDICATOR_FIELDS, "created_at"]
    readonly_fields = ["code", "created_at"]

    def save_model(
        self, request: HttpRequest, obj: Indicator, form: ModelForm[Indicator], change: bool
    ) -> None:
        with transaction.atomic():
            before = snapshot(Indicator.objects.get(pk=obj.pk), INDICATOR_FIELDS)
            obj.save()
            record(
                "places.indicator.updated",
                actor=request.user,
                obj=obj,
                changes=diff(before, snapshot(obj, INDICATOR_FIELDS)),
            )
            _forget_map()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting one would delete its values of every year; import a corrected file instead.
        return False


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin[IndicatorValue]):
    """Read-only: values change only by importing a file (one audited entry per import)."""

    list_display = ["indicator", "area", "year", "value", "source", "updated_at"]
    list_filter = ["indicator", "year"]
    list_select_related = ["indicator", "area"]
    search_fields = ["area__code", "area__name", "indicator__code"]
    readonly_fields = ["indicator", "area", "year", "value", "source", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("area__geometry", "area__display_geometry")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
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

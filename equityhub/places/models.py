"""Where things happen: areas of the city (ZIP code tabulation areas, neighborhoods, tracts)
and sites (clinics, schools, community venues) that activities take place at.

Geometry stays portable: boundaries are GeoJSON in a JSON field, so SQLite works without GDAL.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from equityhub.people.models import Organization, zip_validator


class Area(models.Model):
    class Kind(models.TextChoices):
        ZCTA = "zcta", _("ZIP code area")
        NEIGHBORHOOD = "neighborhood", _("Neighborhood")
        TRACT = "tract", _("Census tract")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ZCTA)
    code = models.CharField(
        _("code"), max_length=40, help_text=_("The identifier in its source, e.g. a ZIP code.")
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)
    centroid_lon = models.FloatField(_("centroid longitude"), null=True, blank=True)
    # The boundary as a GeoJSON geometry (Polygon or MultiPolygon, CRS84: longitude, latitude),
    # exactly as imported; `display_geometry` is the same outline simplified for maps.
    geometry = models.JSONField(_("boundary"), null=True, blank=True)
    display_geometry = models.JSONField(_("boundary for maps"), null=True, blank=True)
    bbox_west = models.FloatField(null=True, blank=True)
    bbox_south = models.FloatField(null=True, blank=True)
    bbox_east = models.FloatField(null=True, blank=True)
    bbox_north = models.FloatField(null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("Where the boundary comes from.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="places_area_kind_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        """(west, south, east, north), or None without a boundary."""
        if (
            self.bbox_west is None
            or self.bbox_south is None
            or self.bbox_east is None
            or self.bbox_north is None
        ):
            return None
        return (self.bbox_west, self.bbox_south, self.bbox_east, self.bbox_north)


class Indicator(models.Model):
    """A measure known per area, such as the poverty rate or the population."""

    code = models.SlugField(
        _("code"),
        max_length=60,
        unique=True,
        help_text=_("The column name it is imported from, e.g. pvty_pct."),
    )
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("e.g. %, people"))
    description = models.TextField(_("description"), blank=True)
    higher_means_more_need = models.BooleanField(
        _("a higher value means more need"),
        default=True,
        help_text=_("Used to rank areas by need (e.g. yes for poverty, no for life expectancy)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IndicatorValue(models.Model):
    """One indicator's value for one area in one year, with its source."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="indicator_values", verbose_name=_("area")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("value"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "area", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "year"], name="places_indicator_value_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.area.code} {self.year}: {self.value}"


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(value)s is not a time zone name such as America/Chicago."),
            params={"value": value},
        ) from None


def default_timezone() -> str:
    return str(settings.TIME_ZONE)


class Site(models.Model):
    """A place where activities happen: a clinic, a school, a community venue."""

    class Kind(models.TextChoices):
        CLINIC = "clinic", _("Clinic or health center")
        HOSPITAL = "hospital", _("Hospital")
        SCHOOL = "school", _("School")
        COMMUNITY = "community", _("Community organization or venue")
        PUBLIC_HEALTH = "public_health", _("Public-health agency")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CLINIC)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sites",
        verbose_name=_("organization"),
    )
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, default="St. Louis")
    state = models.CharField(_("state"), max_length=2, default="MO")
    zip_code = models.CharField(_("ZIP code"), max_length=5, validators=[zip_validator])
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sites",
        verbose_name=_("area"),
        help_text=_("The area the site is in (its ZIP code area, by default)."),
    )
    serves_areas = models.ManyToManyField(
        Area, blank=True, related_name="served_by_sites", verbose_name=_("areas served")
    )
    hours = models.CharField(
        _("opening hours"), max_length=200, blank=True, help_text=_("e.g. Saturdays 8am-1pm")
    )
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=60, default=default_timezone, validators=[validate_timezone]
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

"""Clinic volunteering: opportunities at sites, shifts with capacity, credentials, sign-ups with
a first-come-first-served waitlist, attendance, hours and service transcripts.

Capacity is guarded three times: services lock the shift row and recount inside the transaction;
`Shift.seats_taken` is kept in step with the sign-ups and a CHECK keeps it within capacity; and
partial unique constraints keep one active sign-up per person per shift and one sign-up per
waitlist position.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from equityhub.people.models import Language, Person, Proficiency, TrainingLevel
from equityhub.places.models import Site, default_timezone, validate_timezone


class CredentialType(models.Model):
    """A kind of proof a volunteer may need: HIPAA training, TB test, BLS, ..."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Suggests an expiry date from the issue date; empty if it does not expire."),
    )
    per_site = models.BooleanField(
        _("per site"), default=False, help_text=_("Held for one site, like a site orientation.")
    )
    requires_evidence = models.BooleanField(_("evidence required"), default=True)

    class Meta:
        verbose_name = _("credential type")
        verbose_name_plural = _("credential types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


ORIENTATION_CODE = "site-orientation"


class Credential(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credentials")
    credential_type = models.ForeignKey(
        CredentialType, on_delete=models.PROTECT, related_name="credentials"
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="credentials",
        help_text=_("For per-site credentials such as an orientation."),
    )
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    evidence = models.FileField(_("evidence"), upload_to="credentials/%Y/%m/", blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(_("reason"), max_length=300, blank=True)
    expiry_notice_sent_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        ordering = ["credential_type__name", "-issued_on"]
        indexes = [models.Index(fields=["person", "credential_type"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("issued_on")),
                name="volunteering_credential_expiry_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.credential_type} ({self.person})"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.status == self.Status.VERIFIED and (
            self.expires_on is None or self.expires_on >= day
        )


class Opportunity(models.Model):
    """A volunteer role at a site, e.g. "Saturday clinic: student intake volunteer"."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="opportunities")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    credential_types = models.ManyToManyField(
        CredentialType, blank=True, related_name="opportunities", verbose_name=_("credentials")
    )
    min_training_level = models.CharField(
        _("minimum training level"),
        max_length=30,
        choices=TrainingLevel.choices,
        blank=True,
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    requires_orientation = models.BooleanField(_("site orientation required"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["site__name", "title"]

    def __str__(self) -> str:
        return f"{self.site}: {self.title}"


class LanguageRequirement(models.Model):
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="language_requirements"
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    min_proficiency = models.CharField(
        _("at least"),
        max_length=20,
        choices=Proficiency.choices,
        default=Proficiency.CONVERSATIONAL,
    )

    class Meta:
        verbose_name = _("language requirement")
        verbose_name_plural = _("language requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "language"], name="volunteering_language_req_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_language_display()} ({self.get_min_proficiency_display()})"


class ShiftSeries(models.Model):
    """Recurring shifts of one opportunity, described by an iCalendar RRULE in local time."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="series")
    rrule = models.CharField(
        _("recurrence rule"),
        max_length=300,
        help_text=_("An iCalendar RRULE, e.g. FREQ=WEEKLY;BYDAY=SA;COUNT=12"),
    )
    first_start = models.DateTimeField(_("first start (local time)"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(24 * 60)]
    )
    timezone = models.CharField(
        _("time zone"), max_length=60, default=default_timezone, validators=[validate_timezone]
    )
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MaxValueValidator(1000)])
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supervisor"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shift series")
        verbose_name_plural = _("shift series")

    def __str__(self) -> str:
        return f"{self.opportunity} ({self.rrule})"


class Shift(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="shifts")
    series = models.ForeignKey(
        ShiftSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="shifts"
    )
    detached = models.BooleanField(
        default=False, help_text=_("Edited on its own; edits to the series leave it alone.")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    timezone = models.CharField(
        _("time zone"), max_length=60, default=default_timezone, validators=[validate_timezone]
    )
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MaxValueValidator(1000)])
    seats_taken = models.PositiveIntegerField(default=0, editable=False)
    waitlist_length = models.PositiveIntegerField(default=0, editable=False)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_shifts",
        verbose_name=_("supervisor"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    notes = models.CharField(_("notes for volunteers"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["starts_at"]),
            models.Index(fields=["opportunity", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="volunteering_shift_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")),
                name="volunteering_shift_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        local = self.local_start
        return f"{self.opportunity.title}, {local:%Y-%m-%d %H:%M}"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def local_start(self) -> dt.datetime:
        return self.starts_at.astimezone(self.tz)

    @property
    def local_end(self) -> dt.datetime:
        return self.ends_at.astimezone(self.tz)

    @property
    def seats_open(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def hours(self) -> Decimal:
        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


class SignUp(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waitlist")
        OFFERED = "offered", _("Seat offered")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")
        OFFER_LAPSED = "offer_lapsed", _("Offer declined or expired")
        SHIFT_CANCELLED = "shift_cancelled", _("Shift cancelled")

    class Source(models.TextChoices):
        SELF = "self", _("Signed up themselves")
        STAFF = "staff", _("Signed up by staff")
        WALK_IN = "walk_in", _("Walk-in")

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="signups")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SELF)
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.CharField(_("eligibility override reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    late_cancellation = models.BooleanField(_("late cancellation"), default=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reminder_long_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_short_sent_at = models.DateTimeField(null=True, blank=True)

    # Seats are held by these; the waitlist is the WAITLISTED ones in position order.
    SEATED = (Status.CONFIRMED, Status.OFFERED, Status.ATTENDED, Status.NO_SHOW)
    ACTIVE = (*SEATED, Status.WAITLISTED)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["shift__starts_at", "created_at", "id"]
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["shift", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "person"],
                condition=Q(
                    status__in=[
                        "confirmed",
                        "offered",
                        "attended",
                        "no_show",
                        "waitlisted",
                    ]
                ),
                name="volunteering_one_active_signup_per_person",
            ),
            models.UniqueConstraint(
                fields=["shift", "waitlist_position"],
                condition=Q(status="waitlisted"),
                name="volunteering_waitlist_position_unique",
            ),
            models.CheckConstraint(
                condition=(Q(status="waitlisted") & Q(waitlist_position__gte=1))
                | (~Q(status="waitlisted") & Q(waitlist_position__isnull=True)),
                name="volunteering_waitlist_position_iff_waitlisted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.shift}"

    @property
    def is_seated(self) -> bool:
        return self.status in self.SEATED

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class HoursEntry(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="hours_entries")
    signup = models.OneToOneField(
        SignUp, on_delete=models.SET_NULL, null=True, blank=True, related_name="hours_entry"
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hours_entries",
        verbose_name=_("site"),
    )
    organization_name = models.CharField(
        _("where (if not one of our sites)"), max_length=200, blank=True
    )
    activity = models.CharField(_("activity"), max_length=200)
    date = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
    )
    notes = models.TextField(
        _("notes"),
        blank=True,
        max_length=1000,
        help_text=_("Never write patient names or any patient information here."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(_("reason"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hours entry")
        verbose_name_plural = _("hours entries")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["site", "status"]),
            models.Index(fields=["date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="volunteering_hours_in_range"
            ),
            models.CheckConstraint(
                condition=Q(site__isnull=False) | ~Q(organization_name=""),
                name="volunteering_hours_has_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.hours} h on {self.date}"

    @property
    def place_name(self) -> str:
        return self.site.name if self.site_id and self.site else self.organization_name


class VolunteerSettings(models.Model):
    """A person's volunteering preferences: reminders and their calendar feed's key version."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="volunteer_settings"
    )
    reminders = models.BooleanField(_("e-mail me reminders before my shifts"), default=True)
    calendar_key_version = models.PositiveIntegerField(default=1)
    calendar_enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("volunteer settings")
        verbose_name_plural = _("volunteer settings")

    def __str__(self) -> str:
        return str(self.person)


class SiteCalendar(models.Model):
    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="volunteer_calendar")
    key_version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return str(self.site)


class Transcript(models.Model):
    """An issued service transcript. The code in its verification URL is the only way to find it
    without signing in, and that page shows only what the printed transcript says."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="transcripts")
    code = models.CharField(max_length=32, unique=True)
    name_on_transcript = models.CharField(max_length=220)
    total_hours = models.DecimalField(max_digits=8, decimal_places=2)
    entry_count = models.PositiveIntegerField()
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    content_digest = models.CharField(max_length=64)
    entries = models.JSONField(default=list, help_text=_("The verified entries as printed."))
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("service transcript")
        verbose_name_plural = _("service transcripts")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.name_on_transcript} ({self.code})"

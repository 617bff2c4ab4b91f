"""The Medical Plunge: an immersion week of sessions and site visits in small, deliberately
diverse groups that rotate through St. Louis sites, with bus runs and attendance.

Groups come from the anticlustering engine (`equityhub.lib.grouping`), rotations from the exact
solver (`equityhub.lib.rotation`); both run through `plunge.services`, which keep a record of
each grouping run with its balance measures.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from equityhub.people.models import Person
from equityhub.places.models import Site, default_timezone, validate_timezone


class Plunge(models.Model):
    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        PUBLISHED = "published", _("Published to participants")
        DONE = "done", _("Done")

    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    description = models.TextField(_("description"), blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=60, default=default_timezone, validators=[validate_timezone]
    )
    group_count = models.PositiveSmallIntegerField(
        _("number of groups"), default=18, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    bus_capacity = models.PositiveSmallIntegerField(
        _("seats per bus"), default=50, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNING
    )
    pre_survey = models.ForeignKey(
        "surveys.Questionnaire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("survey before the week"),
    )
    post_survey = models.ForeignKey(
        "surveys.Questionnaire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("survey after the week"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Medical Plunge")
        verbose_name_plural = _("Medical Plunges")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="plunge_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Session(models.Model):
    class Kind(models.TextChoices):
        LECTURE = "lecture", _("Lecture")
        SITE_VISIT = "site_visit", _("Site visit")
        SERVICE_PROJECT = "service_project", _("Service project")
        BUS_TOUR = "bus_tour", _("Bus tour")
        REFLECTION = "reflection", _("Reflection")
        OTHER = "other", _("Other")

    plunge = models.ForeignKey(Plunge, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("Where everyone meets.")
    )
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="plunge_sessions"
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="plunge_session_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_site_visit(self) -> bool:
        return self.kind == self.Kind.SITE_VISIT


class SlotOffer(models.Model):
    """A site that hosts groups during one site-visit session, and how many groups it takes."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="offers")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="plunge_offers")
    capacity = models.PositiveSmallIntegerField(
        _("groups it can host"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )

    class Meta:
        verbose_name = _("site offer")
        verbose_name_plural = _("site offers")
        constraints = [
            models.UniqueConstraint(fields=["session", "site"], name="plunge_offer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.site} ({self.capacity})"


class Group(models.Model):
    plunge = models.ForeignKey(Plunge, on_delete=models.CASCADE, related_name="groups")
    number = models.PositiveSmallIntegerField(_("number"))
    leader_phone = models.CharField(_("leader's phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["plunge", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plunge", "number"], name="plunge_group_number_unique")
        ]

    def __str__(self) -> str:
        return str(_("Group %(n)s") % {"n": self.number})


class Registration(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        REGISTERED = "registered", _("Registered")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    plunge = models.ForeignKey(Plunge, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="plunge_registrations"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.INVITED
    )
    dietary_needs = models.CharField(_("dietary needs"), max_length=300, blank=True)
    accessibility_needs = models.CharField(_("accessibility needs"), max_length=300, blank=True)
    group = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    is_group_leader = models.BooleanField(_("group leader"), default=False)
    custom = models.JSONField(
        _("custom columns"),
        default=dict,
        blank=True,
        help_text=_("Extra columns from an invitation file, usable when forming groups."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    ACTIVE = (Status.INVITED, Status.REGISTERED)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["person__family_name", "person__given_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plunge", "person"], name="plunge_one_registration")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.plunge})"


class PairRule(models.Model):
    """Keep two participants apart (roommates, relatives) or together (an interpreter pair)."""

    class Kind(models.TextChoices):
        APART = "apart", _("Keep apart")
        TOGETHER = "together", _("Keep together")

    plunge = models.ForeignKey(Plunge, on_delete=models.CASCADE, related_name="pair_rules")
    first = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("rule"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("pair rule")
        verbose_name_plural = _("pair rules")
        constraints = [
            models.CheckConstraint(
                condition=~Q(first=F("second")), name="plunge_pair_rule_two_people"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.first_id}, {self.second_id}"


class GroupRequirement(models.Model):
    """Every group needs at least `minimum` people with a value, e.g. a Spanish speaker."""

    plunge = models.ForeignKey(Plunge, on_delete=models.CASCADE, related_name="requirements")
    column = models.CharField(
        _("attribute value"), max_length=120, help_text=_("e.g. languages=es")
    )
    minimum = models.PositiveSmallIntegerField(
        _("at least"), default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )

    class Meta:
        verbose_name = _("group requirement")
        verbose_name_plural = _("group requirements")
        constraints = [
            models.UniqueConstraint(fields=["plunge", "column"], name="plunge_requirement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.column} >= {self.minimum}"


class GroupingRun(models.Model):
    """One run of the grouping engine: its inputs, its balance measures and its assignment."""

    plunge = models.ForeignKey(Plunge, on_delete=models.CASCADE, related_name="grouping_runs")
    attributes = models.JSONField(default=list)
    weights = models.JSONField(default=dict)
    seed = models.PositiveIntegerField(default=0)
    time_limit = models.FloatField(default=2.0)
    groups = models.PositiveSmallIntegerField()
    ss = models.FloatField(null=True)
    ss_ideal = models.FloatField(null=True)
    ss_random = models.FloatField(null=True)
    excess = models.FloatField(null=True)
    seconds = models.FloatField(null=True)
    assignment = models.JSONField(
        default=dict, help_text=_("Registration id -> group number (1..G).")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("grouping run")
        verbose_name_plural = _("grouping runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.plunge}: {self.groups} groups, excess {self.excess}"


class Visit(models.Model):
    """Where a group is during one site-visit session (the rotation)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="visits")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="visits")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="plunge_visits")
    bus_number = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("site visit")
        verbose_name_plural = _("site visits")
        ordering = ["session__starts_at", "group__number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "group"], name="plunge_visit_one_per_slot"),
            models.UniqueConstraint(fields=["group", "site"], name="plunge_visit_site_once"),
        ]

    def __str__(self) -> str:
        return f"{self.group} @ {self.site}"


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="attendance"
    )
    checked_in_at = models.DateTimeField()
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "registration"], name="plunge_attendance_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration} @ {self.session}"

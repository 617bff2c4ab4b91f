"""The Consortium for Community Partnerships: who is in it, what they do together, where, under
which agreements, with what results, and what their meetings decided.

Organizations are the foundation's `people.Organization` rows; a consortium partner is an
organization with a `Membership`. Partner users hold the PARTNER role scoped to their
organization and keep its records current (see `partnerships.access`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from equityhub.people.models import Organization, Person
from equityhub.places.models import Area


class Membership(models.Model):
    """An organization's membership in the consortium."""

    class PartnerType(models.TextChoices):
        ACADEMIC_INSTITUTE = "academic_institute", _("Academic institute")
        HEALTH_SYSTEM = "health_system", _("Hospital or health system")
        COMMUNITY = "community", _("Community-based organization")
        SCHOOL = "school", _("School")
        FAITH_BASED = "faith_based", _("Faith-based organization")
        GOVERNMENT = "government", _("Government")
        FUNDER = "funder", _("Funder")
        OTHER = "other", _("Other")

    class ConsortiumRole(models.TextChoices):
        CONVENER = "convener", _("Convener")
        STEERING = "steering", _("Steering committee member")
        MEMBER = "member", _("Member")
        AFFILIATE = "affiliate", _("Affiliate")
        FUNDER = "funder", _("Funding partner")

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="consortium_membership",
        verbose_name=_("organization"),
    )
    partner_type = models.CharField(
        _("type of partner"), max_length=30, choices=PartnerType.choices
    )
    role = models.CharField(
        _("role in the consortium"),
        max_length=20,
        choices=ConsortiumRole.choices,
        default=ConsortiumRole.MEMBER,
    )
    joined_on = models.DateField(_("member since"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    description = models.TextField(_("what the partner brings"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consortium membership")
        verbose_name_plural = _("consortium memberships")
        ordering = ["organization__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="partnerships_membership_dates",
            )
        ]

    def __str__(self) -> str:
        return str(self.organization)

    def is_current_on(self, day: dt.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.joined_on <= day and (self.left_on is None or self.left_on >= day)


class Contact(models.Model):
    """A person at a partner organization the consortium works with. A contact with a portal
    account (`user`) keeps the organization's records current."""

    class Role(models.TextChoices):
        PRIMARY = "primary", _("Primary contact")
        PROGRAM = "program", _("Program lead")
        DATA = "data", _("Data and evaluation")
        AGREEMENTS = "agreements", _("Agreements and contracts")
        COMMUNICATIONS = "communications", _("Communications")
        OTHER = "other", _("Other")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="consortium_contacts",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("job title"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PRIMARY)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consortium_contacts",
        verbose_name=_("portal account"),
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                models.functions.Lower("email"),
                name="partnerships_contact_email_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})"


class _Coded(models.Model):
    """A short controlled list kept as rows (so an office can add its own entries), with
    translated labels for the seeded codes."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    LABELS: dict[str, Promise] = {}

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        return str(self.LABELS.get(self.code, self.name))


FOCUS_AREAS: dict[str, Promise] = {
    "cancer_screening": _("Cancer screening and prevention"),
    "maternal_infant": _("Maternal and infant health"),
    "chronic_disease": _("Chronic disease"),
    "violence_prevention": _("Violence prevention"),
    "mental_health": _("Mental health"),
    "health_literacy": _("Health literacy"),
    "food_access": _("Food access"),
    "access_to_care": _("Access to care"),
    "infectious_disease": _("Infectious disease and vaccination"),
    "housing": _("Housing and environment"),
}

POPULATIONS: dict[str, Promise] = {
    "children_youth": _("Children and youth"),
    "older_adults": _("Older adults"),
    "black_residents": _("Black residents"),
    "latino": _("Hispanic or Latino residents"),
    "immigrants_refugees": _("Immigrants and refugees"),
    "uninsured": _("Uninsured or underinsured people"),
    "unhoused": _("People experiencing homelessness"),
    "pregnant_parenting": _("Pregnant and parenting people"),
    "disability": _("People with disabilities"),
    "lgbtq": _("LGBTQ+ people"),
}


class FocusArea(_Coded):
    LABELS = FOCUS_AREAS

    class Meta(_Coded.Meta):
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")


class Population(_Coded):
    LABELS = POPULATIONS

    class Meta(_Coded.Meta):
        verbose_name = _("population")
        verbose_name_plural = _("populations")


class NeedsPriority(models.Model):
    """A priority of a hospital's community health needs assessment (CHNA)."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="needs_priorities",
        verbose_name=_("hospital or health system"),
    )
    year = models.PositiveSmallIntegerField(_("assessment year"))
    title = models.CharField(_("priority"), max_length=200)
    url = models.URLField(_("link to the assessment"), blank=True)

    class Meta:
        verbose_name = _("community health needs assessment priority")
        verbose_name_plural = _("community health needs assessment priorities")
        ordering = ["organization__name", "-year", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "title"], name="partnerships_priority_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.organization.short_name or self.organization}, {self.year})"


class Initiative(models.Model):
    """A community-based initiative: who leads it, with whom, on what, for whom, where."""

    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    lead_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="led_initiatives",
        verbose_name=_("lead organization"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNING
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    funding_amount = models.DecimalField(
        _("funding (USD)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    funding_source = models.CharField(_("funding source"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)
    focus_areas = models.ManyToManyField(
        FocusArea, blank=True, related_name="initiatives", verbose_name=_("focus areas")
    )
    populations = models.ManyToManyField(
        Population, blank=True, related_name="initiatives", verbose_name=_("populations")
    )
    areas = models.ManyToManyField(
        Area, blank=True, related_name="initiatives", verbose_name=_("areas served")
    )
    needs_priorities = models.ManyToManyField(
        NeedsPriority,
        blank=True,
        related_name="initiatives",
        verbose_name=_("community health needs assessment priorities"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="partnerships_initiative_dates",
            ),
            models.CheckConstraint(
                condition=Q(funding_amount__isnull=True) | Q(funding_amount__gte=0),
                name="partnerships_initiative_funding_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class InitiativePartner(models.Model):
    """An organization taking part in an initiative it does not lead."""

    class Role(models.TextChoices):
        CO_LEAD = "co_lead", _("Co-lead")
        PARTNER = "partner", _("Implementing partner")
        FUNDER = "funder", _("Funder")
        EVALUATOR = "evaluator", _("Evaluator")
        ADVISOR = "advisor", _("Community advisor")
        SITE = "site", _("Host site")

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="partners", verbose_name=_("initiative")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="initiative_roles",
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PARTNER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("initiative partner")
        verbose_name_plural = _("initiative partners")
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "organization"], name="partnerships_initiative_partner_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_role_display()})"


class Agreement(models.Model):
    """A memorandum of understanding, data-use agreement or other agreement between
    organizations, with its life cycle and renewal reminders."""

    class Kind(models.TextChoices):
        MOU = "mou", _("Memorandum of understanding")
        DATA_USE = "data_use", _("Data-use agreement")
        SUBAWARD = "subaward", _("Subaward or contract")
        AFFILIATION = "affiliation", _("Affiliation agreement")
        OTHER = "other", _("Other agreement")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("In effect")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MOU)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    description = models.TextField(_("description"), blank=True)
    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("initiative"),
    )
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    expires_on = models.DateField(
        _("expires on"), null=True, blank=True, help_text=_("Leave empty if it does not expire.")
    )
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    termination_reason = models.TextField(_("reason for termination"), blank=True)
    # Renewal reminders, each sent once per expiry date (a renewal resets them).
    reminder_90_sent_for = models.DateField(null=True, blank=True, editable=False)
    reminder_30_sent_for = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["expires_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(effective_on__isnull=True)
                | Q(expires_on__gte=F("effective_on")),
                name="partnerships_agreement_dates",
            )
        ]

    def __str__(self) -> str:
        return self.title


class AgreementParty(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="parties", verbose_name=_("agreement")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="agreement_parties",
        verbose_name=_("organization"),
    )
    role = models.CharField(
        _("role"), max_length=120, blank=True, help_text=_("e.g. data provider, recipient")
    )
    signatory = models.CharField(_("signatory"), max_length=200, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organization"], name="partnerships_agreement_party_once"
            )
        ]

    def __str__(self) -> str:
        return str(self.organization)


def agreement_document_path(instance: AgreementDocument, filename: str) -> str:
    # The stored name never comes from the upload: a random token plus the checked extension.
    token, extension = instance.storage_token, instance.extension
    return f"partnerships/agreements/{instance.agreement_id}/{token}{extension}"


class AgreementDocument(models.Model):
    """A signed copy, draft or amendment. Files are served only through a permission-checked
    view, never from a public media URL."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="documents", verbose_name=_("agreement")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=agreement_document_path, max_length=300)
    original_name = models.CharField(max_length=255, blank=True)
    storage_token = models.CharField(max_length=40, editable=False)
    extension = models.CharField(max_length=10, editable=False)
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agreement document")
        verbose_name_plural = _("agreement documents")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title


class Metric(models.Model):
    """A shared measure an initiative reports on, period by period."""

    class Kind(models.TextChoices):
        PEOPLE_REACHED = "people_reached", _("People reached")
        SCREENINGS = "screenings", _("Screenings")
        REFERRALS = "referrals", _("Referrals")
        ENROLLMENTS = "enrollments", _("Enrollments")
        EVENTS = "events", _("Events held")
        OTHER = "other", _("Other count")

    # Kinds that count people: their values are suppressed below the reporting threshold
    # wherever they are shown outside the initiative.
    PEOPLE_KINDS = frozenset({"people_reached", "screenings", "referrals", "enrollments"})

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="metrics", verbose_name=_("initiative")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    counts_people = models.BooleanField(
        _("counts people"),
        default=True,
        help_text=_("Small counts of people are suppressed in every roll-up."),
    )
    description = models.TextField(_("how it is counted"), blank=True)
    is_active = models.BooleanField(_("still reported"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")
        ordering = ["initiative", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "name"], name="partnerships_metric_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class MetricValue(models.Model):
    """A metric's value for one reporting period, optionally for one area."""

    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="values", verbose_name=_("metric")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="metric_values",
        verbose_name=_("area"),
    )
    value = models.PositiveIntegerField(_("value"))
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("metric value")
        verbose_name_plural = _("metric values")
        ordering = ["metric", "-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="partnerships_value_period"
            ),
            models.UniqueConstraint(
                fields=["metric", "period_start", "area"],
                condition=Q(area__isnull=False),
                name="partnerships_value_once_per_area",
            ),
            models.UniqueConstraint(
                fields=["metric", "period_start"],
                condition=Q(area__isnull=True),
                name="partnerships_value_once_overall",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric}: {self.value} ({self.period_start}..{self.period_end})"


class Meeting(models.Model):
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("where"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consortium meeting")
        verbose_name_plural = _("consortium meetings")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title


class MeetingAttendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        REGRETS = "regrets", _("Sent regrets")
        ABSENT = "absent", _("Absent")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("meeting")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="meeting_attendance",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("attendance"), max_length=20, choices=Status.choices, default=Status.PRESENT
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(
                "meeting",
                "organization",
                models.functions.Lower("name"),
                name="partnerships_attendance_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})"


class ActionItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="action_items",
        verbose_name=_("meeting"),
    )
    description = models.CharField(_("action"), max_length=500)
    owner_organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="action_items",
        verbose_name=_("owner's organization"),
    )
    owner_name = models.CharField(_("owner"), max_length=200)
    owner_person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consortium_action_items",
        verbose_name=_("owner in the registry"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["status", "due_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", completed_on__isnull=True) | ~Q(status="open"),
                name="partnerships_action_open_not_completed",
            )
        ]

    def __str__(self) -> str:
        return self.description

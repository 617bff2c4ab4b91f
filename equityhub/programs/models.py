"""Pathway programs along the educational pipeline: programs, yearly cycles with seats and a
waitlist, application forms, applications (with guardian consent for minors and letters of
recommendation), rubric review, decisions, cohorts, and what became of the participants over
the years (milestones).

Applicants are registry `people.Person` rows; reviewers, coordinators and program directors are
users with roles scoped to a `Program` (REVIEWER, PROGRAM_COORDINATOR).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from equityhub.people.models import Consent, Organization, Person
from equityhub.places.models import Area


class Program(models.Model):
    class Stage(models.TextChoices):
        K12 = "k12", _("K-12 students")
        COLLEGE = "college", _("College students")
        POSTBACC = "postbacc", _("Post-baccalaureate")
        MEDICAL_STUDENT = "medical_student", _("Medical students")
        RESIDENT_FELLOW = "resident_fellow", _("Residents and fellows")

    name = models.CharField(_("name"), max_length=200, unique=True)
    stage = models.CharField(_("audience"), max_length=20, choices=Stage.choices)
    sponsor = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="sponsored_programs",
        verbose_name=_("sponsor"),
    )
    description = models.TextField(_("description"), blank=True)
    description_es = models.TextField(_("description in Spanish"), blank=True)
    eligibility = models.TextField(_("who may apply"), blank=True)
    eligibility_es = models.TextField(_("who may apply, in Spanish"), blank=True)
    # Eligibility rules checked when an application is submitted (all optional).
    min_grade = models.PositiveSmallIntegerField(_("lowest grade"), null=True, blank=True)
    max_grade = models.PositiveSmallIntegerField(_("highest grade"), null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    residence_areas = models.ManyToManyField(
        Area,
        blank=True,
        related_name="programs",
        verbose_name=_("applicants live in"),
        help_text=_("Leave empty to accept applicants from anywhere."),
    )
    blind_review = models.BooleanField(
        _("blind review"),
        default=False,
        help_text=_("Reviewers see no names, contact details or demographics."),
    )
    needs_director_approval = models.BooleanField(
        _("program director approval"),
        default=False,
        help_text=_("An acceptance takes effect once the applicant's program director approves."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_grade__isnull=True)
                | Q(min_grade__isnull=True)
                | Q(max_grade__gte=F("min_grade")),
                name="programs_program_grades",
            ),
            models.CheckConstraint(
                condition=Q(max_age__isnull=True)
                | Q(min_age__isnull=True)
                | Q(max_age__gte=F("min_age")),
                name="programs_program_ages",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Cycle(models.Model):
    """One year's call for applications, review and cohort."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for applications")
        REVIEW = "review", _("In review")
        DECIDED = "decided", _("Decisions made")
        RUNNING = "running", _("Cohort under way")
        COMPLETED = "completed", _("Completed")

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="cycles", verbose_name=_("program")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    opens_at = models.DateTimeField(_("applications open"))
    closes_at = models.DateTimeField(_("applications close"))
    starts_on = models.DateField(_("program starts"), null=True, blank=True)
    ends_on = models.DateField(_("program ends"), null=True, blank=True)
    seats = models.PositiveIntegerField(_("seats"))
    # Seats held by accepted (and enrolled) applicants; kept in step with the rows under a
    # lock, and never above `seats` (a database check).
    seats_taken = models.PositiveIntegerField(default=0, editable=False)
    reviews_per_application = models.PositiveSmallIntegerField(
        _("reviews per application"), default=3
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["program", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["program", "year"], name="programs_cycle_once_a_year"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="programs_cycle_window"
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("seats")), name="programs_cycle_seats"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class FormField(models.Model):
    """A question on a cycle's application form, in English and Spanish."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Short answer")
        LONG_TEXT = "long_text", _("Paragraph")
        CHOICE = "choice", _("One choice")
        MULTI_CHOICE = "multi_choice", _("Several choices")
        FILE = "file", _("File upload")
        RECOMMENDATION = "recommendation", _("Letter of recommendation")

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="fields", verbose_name=_("cycle")
    )
    key = models.SlugField(_("key"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    label = models.CharField(_("question"), max_length=300)
    label_es = models.CharField(_("question in Spanish"), max_length=300, blank=True)
    help_text = models.CharField(_("help"), max_length=500, blank=True)
    help_text_es = models.CharField(_("help in Spanish"), max_length=500, blank=True)
    # For choices: [{"value": "...", "label": "...", "label_es": "..."}].
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # Hidden from blind reviewers (e.g. a question asking for a name or a school).
    identifying = models.BooleanField(
        _("identifies the applicant"),
        default=False,
        help_text=_("Hidden from reviewers when the program reviews blind."),
    )
    max_length = models.PositiveIntegerField(_("longest answer (characters)"), default=5000)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("form question")
        verbose_name_plural = _("form questions")
        ordering = ["cycle", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "key"], name="programs_field_key_once")
        ]

    def __str__(self) -> str:
        return self.label


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        WAITLISTED = "waitlisted", _("Waitlisted")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Not selected")
        DECLINED = "declined", _("Declined the offer")
        ENROLLED = "enrolled", _("Enrolled")

    # Statuses that hold one of the cycle's seats.
    SEATED = frozenset({"accepted", "enrolled"})

    class Approval(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        PENDING = "pending", _("Waiting for the program director")
        APPROVED = "approved", _("Approved by the program director")
        DENIED = "denied", _("Not approved by the program director")

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="applications", verbose_name=_("cycle")
    )
    applicant = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="applications", verbose_name=_("applicant")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    waitlist_position = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("decision note (internal)"), blank=True)
    letter_sent_at = models.DateTimeField(_("decision letter sent"), null=True, blank=True)
    director_approval = models.CharField(
        _("program director approval"),
        max_length=20,
        choices=Approval.choices,
        default=Approval.NOT_NEEDED,
    )
    # A minor's guardian consent for this application (given through the guardian's link).
    guardian_consent = models.ForeignKey(
        Consent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("guardian consent"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["cycle", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "applicant"], name="programs_application_once_per_cycle"
            ),
            models.UniqueConstraint(
                fields=["cycle", "waitlist_position"],
                condition=Q(waitlist_position__isnull=False),
                name="programs_one_waitlist_position",
            ),
            models.CheckConstraint(
                condition=Q(status="waitlisted", waitlist_position__isnull=False)
                | (~Q(status="waitlisted") & Q(waitlist_position__isnull=True)),
                name="programs_waitlist_position_iff_waitlisted",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "withdrawn"]) | Q(submitted_at__isnull=False),
                name="programs_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} — {self.cycle}"


class Answer(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    field = models.ForeignKey(FormField, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(blank=True)
    values = models.JSONField(default=list, blank=True)  # chosen values (choice kinds)
    file = models.FileField(upload_to="programs/answers/%Y/", max_length=300, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "field"], name="programs_answer_once_per_field"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.field_id}"


class GuardianConsentRequest(models.Model):
    """A minor applicant's request for a parent's or guardian's consent, answered through the
    guardian's own private link (only the token's SHA-256 digest is stored)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="guardian_requests"
    )
    guardian_name = models.CharField(_("guardian's name"), max_length=200)
    guardian_email = models.EmailField(_("guardian's e-mail"))
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=Consent.Relationship.choices
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    digest = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("link expires"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    declined = models.BooleanField(_("declined"), default=False)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.guardian_name} ({self.application})"


class DirectorApprovalRequest(models.Model):
    """For programs that need it: the applicant's program director approves an acceptance
    through their own private link (residents and fellows need their program's release)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="director_requests"
    )
    director_name = models.CharField(_("program director's name"), max_length=200)
    director_email = models.EmailField(_("program director's e-mail"))
    digest = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("link expires"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    approved = models.BooleanField(_("approved"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.director_name} ({self.application})"


class RecommendationRequest(models.Model):
    """A letter of recommendation asked of a recommender, uploaded through their private link."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="recommendations"
    )
    field = models.ForeignKey(FormField, on_delete=models.CASCADE, related_name="+")
    recommender_name = models.CharField(_("recommender's name"), max_length=200)
    recommender_email = models.EmailField(_("recommender's e-mail"))
    relationship = models.CharField(_("how they know the applicant"), max_length=200, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(_("requested at"))
    expires_at = models.DateTimeField(_("link expires"))
    letter = models.FileField(upload_to="programs/letters/%Y/", max_length=300, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.recommender_name} ({self.application})"


class Criterion(models.Model):
    """A rubric criterion of a cycle: scored 0..max_score, weighted in the total."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("what a high score means"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=1)
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=5)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "name"], name="programs_criterion_once"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="programs_weight_positive"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="programs_max_score"),
        ]

    def __str__(self) -> str:
        return self.name


class ConflictOfInterest(models.Model):
    """A reviewer's declared conflict with an applicant of a cycle: never assigned to them."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="conflicts")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_conflicts"
    )
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reviewer", "application"], name="programs_conflict_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} / {self.application}"


class Review(models.Model):
    """One reviewer's review of one application (the assignment and, once given, the scores)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="program_reviews"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    comments = models.TextField(_("comments for the committee"), blank=True)
    # Weighted total of the scores (0..100), kept with the scores when submitted.
    total = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["application", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="programs_review_once")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} / {self.application}"


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="programs_score_once")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class LetterTemplate(models.Model):
    """A decision letter of a program, per outcome and language; `{name}`, `{program}`,
    `{cycle}`, `{waitlist_position}` are filled in."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        WAITLISTED = "waitlisted", _("Waitlisted")
        REJECTED = "rejected", _("Not selected")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="letters")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("letter"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "outcome", "language"], name="programs_letter_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.outcome} ({self.language})"


class CohortSession(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("where"), max_length=200, blank=True)

    class Meta:
        ordering = ["cycle", "starts_at"]

    def __str__(self) -> str:
        return self.title


class SessionAttendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        EXCUSED = "excused", _("Excused")
        ABSENT = "absent", _("Absent")

    session = models.ForeignKey(CohortSession, on_delete=models.CASCADE, related_name="attendance")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(_("attendance"), max_length=20, choices=Status.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "application"], name="programs_attendance_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} / {self.application}: {self.status}"


class CohortLeader(models.Model):
    class Role(models.TextChoices):
        MENTOR = "mentor", _("Mentor")
        LEADER = "leader", _("Program leader")
        INSTRUCTOR = "instructor", _("Instructor")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="leaders")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    mentees = models.ManyToManyField(Application, blank=True, related_name="mentors")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "person", "role"], name="programs_leader_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.role})"


class Stipend(models.Model):
    """A stipend payment recorded for a participant (amounts only: never bank details)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="stipends")
    amount = models.DecimalField(_("amount (USD)"), max_digits=9, decimal_places=2)
    due_on = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["application", "due_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="programs_stipend_positive")
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.amount} on {self.due_on}"


class Capstone(models.Model):
    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="capstone"
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    presented_on = models.DateField(_("presented on"), null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class ComparisonGroup(models.Model):
    """People the office follows for comparison with a program's participants (e.g. a
    district's students of the same years who did not take part)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="comparisons")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("who they are"), blank=True)
    members = models.ManyToManyField(Person, blank=True, related_name="comparison_groups")
    cohort_year = models.PositiveSmallIntegerField(_("compared with the cohort of"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="programs_comparison_once")
        ]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    """Something that became of a person along the pipeline, with its source and confidence."""

    class Kind(models.TextChoices):
        HIGH_SCHOOL = "high_school", _("Finished high school")
        COLLEGE_ENTRY = "college_entry", _("Entered college")
        STEM_MAJOR = "stem_major", _("Declared a STEM major")
        DEGREE = "degree", _("Earned a bachelor's degree")
        APPLIED_MED = "applied_med", _("Applied to medical or graduate school")
        ADMITTED_MED = "admitted_med", _("Admitted to medical or graduate school")
        MATRICULATED = "matriculated", _("Matriculated in medical or graduate school")
        RESIDENCY = "residency", _("Entered residency")
        FACULTY = "faculty", _("Faculty appointment")

    class Source(models.TextChoices):
        SURVEY = "survey", _("Self-report (survey)")
        INSTITUTION = "institution", _("Institutional record")
        CLEARINGHOUSE = "clearinghouse", _("Clearinghouse-style import")
        AAMC = "aamc", _("AAMC-style import")
        STAFF = "staff", _("Recorded by staff")

    class Confidence(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    # Along the pipeline, in order: the funnel's stages.
    ORDER = (
        "high_school",
        "college_entry",
        "stem_major",
        "degree",
        "applied_med",
        "admitted_med",
        "matriculated",
        "residency",
        "faculty",
    )

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("milestone"), max_length=20, choices=Kind.choices)
    achieved_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["person", "achieved_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "source"], name="programs_milestone_once_per_source"
            )
        ]
        indexes = [models.Index(fields=["kind", "person"])]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_kind_display()}"

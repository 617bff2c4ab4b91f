"""The people registry: organizations, persons, affiliations, languages, demographics, consents.

Every person the office works with is known once. Self-identified demographics live in their own
table (DemographicProfile) so that reading them can be permissioned and logged on its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ADULT_AGE = 18

zip_validator = RegexValidator(r"^\d{5}$", _("Enter a five-digit ZIP code, e.g. 63110."))


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of one value. Django's `get_FOO_display()` hashes every lazy label of the
    field's choices on each call; on a page of 25 people that was a third of its time."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - int(before_birthday)


class Organization(models.Model):
    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University or school of medicine")
        ACADEMIC_INSTITUTE = "academic_institute", _("Academic institute or center")
        HEALTH_SYSTEM = "health_system", _("Hospital or health system")
        CLINIC = "clinic", _("Clinic or health center")
        SCHOOL = "school", _("K-12 school")
        COLLEGE = "college", _("College")
        COMMUNITY = "community", _("Community-based organization")
        FAITH_BASED = "faith_based", _("Faith-based organization")
        GOVERNMENT = "government", _("Government")
        FUNDER = "funder", _("Funder")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    website = models.URLField(_("website"), blank=True)
    address = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=2, blank=True, default="MO")
    zip_code = models.CharField(_("ZIP code"), max_length=5, blank=True, validators=[zip_validator])
    is_fictional = models.BooleanField(
        _("fictional (demo)"), default=False, help_text=_("Made up for the demo.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrainingLevel(models.TextChoices):
    K12 = "k12", _("K-12 student")
    UNDERGRADUATE = "undergraduate", _("College student")
    POSTBACC = "postbacc", _("Post-baccalaureate")
    MEDICAL_STUDENT = "medical_student", _("Medical student")
    GRADUATE_STUDENT = "graduate_student", _("Graduate or health-professions student")
    RESIDENT = "resident", _("Resident")
    FELLOW = "fellow", _("Fellow")
    FACULTY = "faculty", _("Faculty")
    STAFF = "staff", _("Staff")
    COMMUNITY = "community", _("Community member")
    GUARDIAN = "guardian", _("Parent or guardian")


# Ordered from earliest to latest along the pipeline, so "at least a resident" is a comparison.
TRAINING_ORDER = {level: index for index, level in enumerate(TrainingLevel.values)}


class Person(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("login"),
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    preferred_name = models.CharField(
        _("preferred name"),
        max_length=100,
        blank=True,
        help_text=_("The name to use when addressing this person, if not the given name."),
    )
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail address"), max_length=254)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    home_zip = models.CharField(
        _("home ZIP code"), max_length=5, blank=True, validators=[zip_validator], db_index=True
    )
    # What the directory searches: one lowercased column computed by the database on every
    # write (bulk imports included), so a search term is one LIKE per row instead of four.
    search_key = models.GeneratedField(
        expression=Lower(
            Concat(
                "given_name",
                models.Value(" "),
                "family_name",
                models.Value(" "),
                "preferred_name",
                models.Value(" "),
                "email",
                output_field=models.CharField(),
            )
        ),
        output_field=models.CharField(max_length=560),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="people_person_email_ci_unique"),
        ]
        indexes = [
            models.Index(fields=["family_name", "given_name", "id"], name="people_person_sort"),
            models.Index(fields=["date_of_birth"], name="people_person_dob"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}".strip()

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def age_on(self, on: dt.date) -> int | None:
        return age_on(self.date_of_birth, on) if self.date_of_birth else None

    def is_minor_on(self, on: dt.date | None = None) -> bool:
        """Under 18 on the date of an activity (today when no date is given).

        A person without a date of birth is not treated as a minor; programs that admit minors
        require the date of birth on their applications.
        """
        age = self.age_on(on or timezone.localdate())
        return age is not None and age < ADULT_AGE

    @property
    def is_minor(self) -> bool:
        return self.is_minor_on()


class Affiliation(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="affiliations",
        verbose_name=_("organization"),
    )
    school_program = models.CharField(
        _("school or program"),
        max_length=120,
        blank=True,
        help_text=_("e.g. MD program, Occupational Therapy, Internal Medicine residency."),
    )
    training_level = models.CharField(
        _("training level"), max_length=30, choices=TrainingLevel.choices
    )
    grade_level = models.PositiveSmallIntegerField(
        _("school grade"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("For K-12 students: the grade, 1 to 12."),
    )
    title = models.CharField(_("title or position"), max_length=120, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    is_primary = models.BooleanField(_("primary affiliation"), default=False)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["-is_primary", "-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(end_date__isnull=True)
                    | models.Q(start_date__isnull=True)
                    | models.Q(end_date__gte=models.F("start_date"))
                ),
                name="people_affiliation_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(is_primary=True),
                name="people_affiliation_one_primary",
            ),
        ]
        indexes = [models.Index(fields=["organization", "training_level"])]

    def __str__(self) -> str:
        return f"{self.person} - {self.organization}"

    @property
    def training_level_label(self) -> str:
        return choice_label(TrainingLevel, self.training_level)

    def is_current_on(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (self.start_date is None or self.start_date <= on) and (
            self.end_date is None or self.end_date >= on
        )


class Language(models.TextChoices):
    # The languages St. Louis clinics and schools meet most (Bosnian, Arabic, Spanish,
    # Vietnamese, Chinese, Somali, Swahili, Nepali, Dari/Pashto...), plus ASL.
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    BOSNIAN = "bs", _("Bosnian/Croatian/Serbian")
    ARABIC = "ar", _("Arabic")
    VIETNAMESE = "vi", _("Vietnamese")
    CHINESE = "zh", _("Chinese")
    SOMALI = "so", _("Somali")
    SWAHILI = "sw", _("Swahili")
    NEPALI = "ne", _("Nepali")
    DARI = "prs", _("Dari")
    PASHTO = "ps", _("Pashto")
    FRENCH = "fr", _("French")
    HAITIAN_CREOLE = "ht", _("Haitian Creole")
    HINDI = "hi", _("Hindi")
    URDU = "ur", _("Urdu")
    KOREAN = "ko", _("Korean")
    TAGALOG = "tl", _("Tagalog")
    RUSSIAN = "ru", _("Russian")
    PORTUGUESE = "pt", _("Portuguese")
    TIGRINYA = "ti", _("Tigrinya")
    AMHARIC = "am", _("Amharic")
    ASL = "ase", _("American Sign Language")
    OTHER = "other", _("Other")


class Proficiency(models.TextChoices):
    # Ordered low to high; eligibility checks compare positions ("at least conversational").
    BASIC = "basic", _("Basic")
    CONVERSATIONAL = "conversational", _("Conversational")
    PROFESSIONAL = "professional", _("Professional (medical)")
    NATIVE = "native", _("Native or bilingual")


PROFICIENCY_ORDER = {level: index for index, level in enumerate(Proficiency.values)}


class PersonLanguage(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    proficiency = models.CharField(_("proficiency"), max_length=20, choices=Proficiency.choices)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["person", "language"], name="people_language_once"),
        ]
        indexes = [models.Index(fields=["language", "proficiency"])]

    def __str__(self) -> str:
        return f"{self.language_label} ({self.proficiency_label})"

    @property
    def language_label(self) -> str:
        return choice_label(Language, self.language)

    @property
    def proficiency_label(self) -> str:
        return choice_label(Proficiency, self.proficiency)


class Answer(models.TextChoices):
    """A yes/no question where not answering and declining to answer are both recorded."""

    YES = "yes", _("Yes")
    NO = "no", _("No")
    PREFER_NOT = "prefer_not", _("Prefer not to say")


class RaceEthnicity(models.TextChoices):
    """The seven minimum categories of the 2024 OMB standard (SPD 15, March 2024)."""

    AMERICAN_INDIAN = "american_indian", _("American Indian or Alaska Native")
    ASIAN = "asian", _("Asian")
    BLACK = "black", _("Black or African American")
    HISPANIC = "hispanic", _("Hispanic or Latino")
    MENA = "mena", _("Middle Eastern or North African")
    PACIFIC_ISLANDER = "pacific_islander", _("Native Hawaiian or Pacific Islander")
    WHITE = "white", _("White")


# AAMC: "racial and ethnic populations that are underrepresented in the medical profession
# relative to their numbers in the general population". In U.S. medicine these are the
# categories below (NIH NOT-OD-20-031 names the same groups).
URIM_CATEGORIES = frozenset(
    {
        RaceEthnicity.AMERICAN_INDIAN,
        RaceEthnicity.BLACK,
        RaceEthnicity.HISPANIC,
        RaceEthnicity.PACIFIC_ISLANDER,
    }
)


class GenderIdentity(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary")
    TWO_SPIRIT = "two_spirit", _("Two-Spirit")
    SELF_DESCRIBE = "self_describe", _("I use another term")
    PREFER_NOT = "prefer_not", _("Prefer not to say")


class DemographicProfile(models.Model):
    """Self-identified. Every field is optional; "prefer not to say" is an answer of its own.

    Blank means "not asked or not answered". Read only through
    `people.selectors.demographics_for_user`, which checks the permission and logs the read.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="demographics")
    # One column per OMB category (rather than a JSON list) so that reports can count each
    # category with a plain filtered COUNT on SQLite and PostgreSQL alike.
    race_american_indian = models.BooleanField(RaceEthnicity.AMERICAN_INDIAN.label, default=False)
    race_asian = models.BooleanField(RaceEthnicity.ASIAN.label, default=False)
    race_black = models.BooleanField(RaceEthnicity.BLACK.label, default=False)
    race_hispanic = models.BooleanField(RaceEthnicity.HISPANIC.label, default=False)
    race_mena = models.BooleanField(RaceEthnicity.MENA.label, default=False)
    race_pacific_islander = models.BooleanField(RaceEthnicity.PACIFIC_ISLANDER.label, default=False)
    race_white = models.BooleanField(RaceEthnicity.WHITE.label, default=False)
    race_ethnicity_declined = models.BooleanField(_("prefer not to say"), default=False)
    race_ethnicity_detail = models.CharField(
        _("detailed race or ethnicity"),
        max_length=200,
        blank=True,
        help_text=_("Optional, e.g. Mexican, Nigerian, Lebanese, Hmong."),
    )
    gender_identity = models.CharField(
        _("gender identity"), max_length=20, choices=GenderIdentity.choices, blank=True
    )
    gender_self_description = models.CharField(
        _("gender, in your own words"), max_length=100, blank=True
    )
    first_generation_college = models.CharField(
        _("first generation to attend college"), max_length=12, choices=Answer.choices, blank=True
    )
    economically_disadvantaged = models.CharField(
        _("economically disadvantaged background"),
        max_length=12,
        choices=Answer.choices,
        blank=True,
    )
    disability = models.CharField(
        _("person with a disability"), max_length=12, choices=Answer.choices, blank=True
    )
    rural_background = models.CharField(
        _("grew up in a rural area"), max_length=12, choices=Answer.choices, blank=True
    )
    underrepresented_in_medicine = models.CharField(
        _("underrepresented in medicine"),
        max_length=12,
        choices=Answer.choices,
        blank=True,
        help_text=_("Derived from race and ethnicity (AAMC definition) when they are answered."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("demographic profile")
        verbose_name_plural = _("demographic profiles")

    def __str__(self) -> str:
        return _("Demographics of %(person)s") % {"person": self.person_id}

    def answers(self) -> dict[str, Any]:
        """The self-identified answers, shaped as `services.update_demographics` takes them."""
        return {
            "race_ethnicity": self.race_ethnicity,
            "race_ethnicity_declined": self.race_ethnicity_declined,
            "race_ethnicity_detail": self.race_ethnicity_detail,
            "gender_identity": self.gender_identity,
            "gender_self_description": self.gender_self_description,
            "first_generation_college": self.first_generation_college,
            "economically_disadvantaged": self.economically_disadvantaged,
            "disability": self.disability,
            "rural_background": self.rural_background,
        }

    @property
    def race_ethnicity(self) -> list[str]:
        """The selected OMB categories' codes, in the standard's order."""
        return [code for code in RaceEthnicity.values if getattr(self, race_field(code))]

    def race_ethnicity_labels(self) -> list[str]:
        labels = dict(RaceEthnicity.choices)
        return [str(labels[code]) for code in self.race_ethnicity]


def race_field(code: str) -> str:
    return f"race_{code}"


def derive_urim(race_ethnicity: list[str] | set[str], declined: bool) -> str:
    """URiM from the self-identified categories, blank when the question was not answered."""
    if declined:
        return Answer.PREFER_NOT
    if not race_ethnicity:
        return ""
    return Answer.YES if URIM_CATEGORIES.intersection(race_ethnicity) else Answer.NO


class Consent(models.Model):
    class Kind(models.TextChoices):
        DATA_USE = "data_use", _("Data use")
        MEDIA = "media", _("Photo and media")
        GUARDIAN = "guardian", _("Guardian consent (minor)")

    class Relationship(models.TextChoices):
        SELF = "self", _("Self")
        PARENT = "parent", _("Parent")
        LEGAL_GUARDIAN = "legal_guardian", _("Legal guardian")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    scope = models.CharField(
        _("what it covers"),
        max_length=200,
        blank=True,
        help_text=_("e.g. Summer science program 2027; blank means all of the office's work."),
    )
    given_by_name = models.CharField(_("given by"), max_length=200)
    given_by_email = models.EmailField(_("e-mail of the person who gave it"), blank=True)
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=Relationship.choices, default=Relationship.SELF
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="guardian", relationship="self"),
                name="people_consent_guardian_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.person_id}"

    def is_active_on(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        if self.withdrawn_at is not None and timezone.localdate(self.withdrawn_at) <= on:
            return False
        if timezone.localdate(self.given_at) > on:
            return False
        return self.expires_on is None or self.expires_on >= on

    @property
    def status(self) -> str:
        if self.withdrawn_at is not None:
            return str(_("Withdrawn"))
        if self.expires_on is not None and self.expires_on < timezone.localdate():
            return str(_("Expired"))
        return str(_("Active"))

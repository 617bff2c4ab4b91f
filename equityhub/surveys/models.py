"""Questionnaires in English and Spanish, private invitations to answer them, and the answers.

A questionnaire is a list of items (Likert 1..5, one choice among several, or free text). Each
item has a `key`, a stable name that pairs it with the item of the same key in another
questionnaire: a program's pre-survey and post-survey ask "attitude_underserved_1" in both, and
`surveys.stats.paired_change` compares the same person's two answers.

An invitation is one person's private link to one questionnaire. The link's token is the
credential (no sign-in needed) and only its SHA-256 digest is stored, as for API tokens. An
invitation may point at what it belongs to (a Plunge week, a program year) through a generic
`context`, so that pre and post answers from the same context are paired. A person answers an
invitation once: the response and its answers are never changed afterwards.
"""

from __future__ import annotations

from typing import Any, Final

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from equityhub.people.models import Person

TEXT_MAX_LENGTH: Final = 2000
"""The longest free-text answer, in characters."""

# The Likert scale is fixed: five points, labelled in both languages here. The labels are part
# of the questionnaire's content (like each item's `prompt` and `prompt_es`), not of the page's
# interface, so they are chosen by the respondent's language rather than looked up in the
# translation catalogue.
LIKERT_SCALE: Final = (
    (1, "Strongly disagree", "Totalmente en desacuerdo"),
    (2, "Disagree", "En desacuerdo"),
    (3, "Neither agree nor disagree", "Ni de acuerdo ni en desacuerdo"),
    (4, "Agree", "De acuerdo"),
    (5, "Strongly agree", "Totalmente de acuerdo"),
)
LIKERT_MIN: Final = 1
LIKERT_MAX: Final = 5


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


def pick(language: str, english: str, spanish: str) -> str:
    """The Spanish text for Spanish when there is one; the English text otherwise."""
    return spanish if language == Language.SPANISH and spanish else english


def likert_options(language: str) -> list[tuple[str, str]]:
    return [(str(value), pick(language, en, es)) for value, en, es in LIKERT_SCALE]


class Questionnaire(models.Model):
    title = models.CharField(_("title"), max_length=200)
    title_es = models.CharField(_("title in Spanish"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_es = models.TextField(_("description in Spanish"), blank=True)
    is_active = models.BooleanField(
        _("open for answers"),
        default=True,
        help_text=_("Closed questionnaires accept no answers and send no invitations."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def title_in(self, language: str) -> str:
        return pick(language, self.title, self.title_es)

    def description_in(self, language: str) -> str:
        return pick(language, self.description, self.description_es)


class Item(models.Model):
    class Kind(models.TextChoices):
        LIKERT = "likert", _("Agreement (1 to 5)")
        CHOICE = "choice", _("One choice among several")
        TEXT = "text", _("Free text")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    prompt = models.TextField(_("question"))
    prompt_es = models.TextField(_("question in Spanish"), blank=True)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For choice items: [{"value": ..., "label": ..., "label_es": ...}, ...].'),
    )
    required = models.BooleanField(_("answer required"), default=True)
    key = models.SlugField(
        _("key"),
        max_length=60,
        help_text=_(
            "A stable name, e.g. attitude_underserved_1. Items with the same key in a pre- and "
            "a post-survey are compared."
        ),
    )

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["questionnaire", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="surveys_item_unique_position"
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "key"], name="surveys_item_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.prompt[:60]}"

    @property
    def field_name(self) -> str:
        """The name of this item's input on the answering page and in error reports."""
        return f"item_{self.pk}"

    def prompt_in(self, language: str) -> str:
        return pick(language, self.prompt, self.prompt_es)

    def options(self, language: str) -> list[tuple[str, str]]:
        """(value, label) for each answer to pick; empty for free text."""
        if self.kind == self.Kind.LIKERT:
            return likert_options(language)
        if self.kind == self.Kind.CHOICE:
            return [
                (
                    str(choice["value"]),
                    pick(language, str(choice["label"]), str(choice.get("label_es", ""))),
                )
                for choice in self.choices
            ]
        return []

    @property
    def choice_values(self) -> set[str]:
        return {str(choice["value"]) for choice in self.choices}


class Invitation(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="invitations"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="survey_invitations")
    digest = models.CharField(max_length=64, unique=True)
    context_label = models.CharField(
        _("sent for"), max_length=120, blank=True, help_text=_("e.g. Medical Plunge 2026 pre.")
    )
    context_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    context_id = models.PositiveBigIntegerField(null=True, blank=True)
    context = GenericForeignKey("context_type", "context_id")
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at", "-id"]
        constraints = [
            # One invitation per person, questionnaire and context. Two partial constraints
            # because SQLite has no NULLS NOT DISTINCT.
            models.UniqueConstraint(
                fields=["questionnaire", "person"],
                condition=models.Q(context_type__isnull=True),
                name="surveys_invitation_once",
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "person", "context_type", "context_id"],
                condition=models.Q(context_type__isnull=False),
                name="surveys_invitation_once_per_context",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(context_type__isnull=True, context_id__isnull=True)
                    | models.Q(context_type__isnull=False, context_id__isnull=False)
                ),
                name="surveys_invitation_context_complete",
            ),
        ]
        indexes = [models.Index(fields=["context_type", "context_id"])]

    def __str__(self) -> str:
        return f"{self.questionnaire} - {self.person}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class Response(models.Model):
    """A submitted answer sheet. Created once, with all its answers, and never changed."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.invitation} ({self.submitted_at:%Y-%m-%d})"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    value_int = models.SmallIntegerField(_("value"), null=True, blank=True)
    value_text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="surveys_answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item.key}: {self.value}"

    @property
    def value(self) -> Any:
        return self.value_int if self.value_int is not None else self.value_text

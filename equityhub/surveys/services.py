"""Every write in surveys: questionnaires and their items (office staff), invitations (office
staff; each person is e-mailed a private link), and responses (whoever holds the link).

Refusals are `ServiceError`s: `NotAllowed` (403) for someone who may not, `Conflict` (409) for a
state that does not allow the change, `InvalidAnswers` (422) listing every answer at fault, and
code `not_found` (404) for a link that is unknown, expired or closed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any, Final

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from equityhub.accounts.models import hash_token
from equityhub.accounts.rules import is_office_staff
from equityhub.audit.services import record
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.core.tasks import send_email
from equityhub.people.models import Person
from equityhub.surveys.models import (
    LIKERT_MAX,
    LIKERT_MIN,
    TEXT_MAX_LENGTH,
    Answer,
    Invitation,
    Item,
    Language,
    Questionnaire,
    Response,
)

DEFAULT_VALID_FOR: Final = dt.timedelta(days=30)
"""How long an invitation's link works when no expiry is given."""

TOKEN_BYTES: Final = 32  # 256 random bits: 43 URL-safe characters
TOKEN_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{20,200}")
KEY_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
MAX_PROMPT_LENGTH: Final = 1000
MAX_CHOICES: Final = 50
MAX_CHOICE_VALUE_LENGTH: Final = 60
MAX_LABEL_LENGTH: Final = 200
_CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidAnswers(ServiceError):
    """Some answers are missing or not acceptable; nothing was saved.

    `errors` maps each input at fault (`item_<id>`, or `answers` for an answer to a question
    that is not in the questionnaire) to what is wrong, in the questionnaire's order. `field`
    is the first of them.
    """

    def __init__(self, errors: dict[str, str]) -> None:
        field, first = next(iter(errors.items()))
        message = (
            first
            if len(errors) == 1
            else ngettext(
                "%(count)d answer needs your attention.",
                "%(count)d answers need your attention.",
                len(errors),
            )
            % {"count": len(errors)}
        )
        super().__init__(message, field=field, code="invalid")
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "errors": [{"field": name, "detail": text} for name, text in self.errors.items()],
        }


# -- helpers ---------------------------------------------------------------------------------


def _require_staff(actor: Any) -> None:
    if not is_office_staff(actor):
        raise NotAllowed(_("Only office staff may change surveys and send invitations."))


def _text(value: Any, *, field: str, max_length: int, required: bool) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise ServiceError(_("This must be text."), field=field)
    if required and not text:
        raise ServiceError(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ServiceError(
            _("Keep this under %(max)d characters.") % {"max": max_length}, field=field
        )
    if _CONTROL_CHARACTERS.search(text):
        raise ServiceError(_("Control characters are not allowed."), field=field)
    return text


def preferred_language(person: Person) -> str:
    """The language a person chose for their account; English when they chose none."""
    user = person.user
    language = (user.language if user is not None else "")[:2]
    return language if language in Language.values else Language.ENGLISH


# -- questionnaires and items ----------------------------------------------------------------


def create_questionnaire(
    *,
    actor: Any,
    title: str,
    title_es: str = "",
    description: str = "",
    description_es: str = "",
) -> Questionnaire:
    """Side effects: one Questionnaire (open for answers); audit `surveys.questionnaire.created`."""
    _require_staff(actor)
    questionnaire = Questionnaire(
        title=_text(title, field="title", max_length=200, required=True),
        title_es=_text(title_es, field="title_es", max_length=200, required=False),
        description=_text(description, field="description", max_length=5000, required=False),
        description_es=_text(
            description_es, field="description_es", max_length=5000, required=False
        ),
        created_by=actor,
    )
    with transaction.atomic():
        questionnaire.save()
        record("surveys.questionnaire.created", actor=actor, obj=questionnaire)
    return questionnaire


def set_questionnaire_open(
    *, actor: Any, questionnaire: Questionnaire, is_active: bool
) -> Questionnaire:
    """Open or close a questionnaire. Closed ones accept no answers (their links answer 404)
    and send no invitations. Side effects: audit `surveys.questionnaire.opened`/`.closed`."""
    _require_staff(actor)
    if questionnaire.is_active == is_active:
        raise Conflict(
            _("This questionnaire is already open.")
            if is_active
            else _("This questionnaire is already closed.")
        )
    with transaction.atomic():
        questionnaire.is_active = is_active
        questionnaire.save(update_fields=["is_active"])
        action = "opened" if is_active else "closed"
        record(f"surveys.questionnaire.{action}", actor=actor, obj=questionnaire)
    return questionnaire


def _clean_choices(kind: str, choices: Any) -> list[dict[str, str]]:
    if kind != Item.Kind.CHOICE:
        if choices:
            raise ServiceError(_("Only choice items have choices."), field="choices")
        return []
    if not isinstance(choices, list | tuple) or len(choices) < 2:
        raise ServiceError(_("Give at least two choices."), field="choices")
    if len(choices) > MAX_CHOICES:
        raise ServiceError(
            _("Give at most %(max)d choices.") % {"max": MAX_CHOICES}, field="choices"
        )
    cleaned: list[dict[str, str]] = []
    for choice in choices:
        if not isinstance(choice, Mapping):
            raise ServiceError(_("Each choice needs a value and a label."), field="choices")
        cleaned.append(
            {
                "value": _text(
                    choice.get("value"),
                    field="choices",
                    max_length=MAX_CHOICE_VALUE_LENGTH,
                    required=True,
                ),
                "label": _text(
                    choice.get("label"), field="choices", max_length=MAX_LABEL_LENGTH, required=True
                ),
                "label_es": _text(
                    choice.get("label_es", ""),
                    field="choices",
                    max_length=MAX_LABEL_LENGTH,
                    required=False,
                ),
            }
        )
    values = [choice["value"] for choice in cleaned]
    if len(set(values)) != len(values):
        raise ServiceError(_("Two choices have the same value."), field="choices")
    return cleaned


def add_item(
    *,
    actor: Any,
    questionnaire: Questionnaire,
    kind: str,
    prompt: str,
    key: str,
    prompt_es: str = "",
    choices: Any = None,
    required: bool = True,
) -> Item:
    """Append one question. `key` (lower-case letters, digits, `_` and `-`) pairs it with the
    item of the same key in another questionnaire. Refused once anyone has answered.

    Side effects: one Item at the end of the questionnaire; audit `surveys.item.added`.
    """
    _require_staff(actor)
    if kind not in Item.Kind.values:
        raise ServiceError(_("Choose a kind of question."), field="kind")
    prompt = _text(prompt, field="prompt", max_length=MAX_PROMPT_LENGTH, required=True)
    prompt_es = _text(prompt_es, field="prompt_es", max_length=MAX_PROMPT_LENGTH, required=False)
    key = _text(key, field="key", max_length=60, required=True).lower()
    if not KEY_PATTERN.fullmatch(key):
        raise ServiceError(
            _("Use lower-case letters, digits, hyphens and underscores, e.g. attitude_1."),
            field="key",
        )
    cleaned_choices = _clean_choices(kind, choices)
    with transaction.atomic():
        # Locked so that two additions at once do not take the same position.
        Questionnaire.objects.select_for_update().filter(pk=questionnaire.pk).first()
        if Response.objects.filter(invitation__questionnaire=questionnaire).exists():
            raise Conflict(
                _(
                    "People have answered this questionnaire already: make a new one to ask "
                    "different questions."
                )
            )
        if questionnaire.items.filter(key=key).exists():
            raise Conflict(
                _("Another question of this questionnaire has the key %(key)s.") % {"key": key},
                field="key",
            )
        last = questionnaire.items.aggregate(last=Max("position"))["last"] or 0
        item = Item.objects.create(
            questionnaire=questionnaire,
            position=last + 1,
            kind=kind,
            prompt=prompt,
            prompt_es=prompt_es,
            choices=cleaned_choices,
            required=bool(required),
            key=key,
        )
        record(
            "surveys.item.added",
            actor=actor,
            obj=questionnaire,
            data={"item": item.pk, "key": key, "kind": kind},
        )
    return item


# -- invitations -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Letter:
    address: str
    subject: str
    body: str


def _answer_url(raw: str) -> str:
    return settings.SITE_ROOT.rstrip("/") + reverse("surveys:respond", args=[raw])


def _letter(
    invitation: Invitation, person: Person, questionnaire: Questionnaire, raw: str
) -> _Letter:
    with translation.override(invitation.language):
        title = questionnaire.title_in(invitation.language)
        until = formats.date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")
        subject = _("Survey: %(title)s") % {"title": title}
        body = _(
            "Hello %(name)s,\n\n"
            'The Office of Diversity Programs asks you to answer the survey "%(title)s"%(for)s. '
            "It takes a few minutes.\n\n"
            "Your private link (please do not share it; no password is needed):\n%(url)s\n\n"
            "The link works until %(until)s. You can answer once.\n\n"
            "Thank you!"
        ) % {
            "name": person.display_name,
            "title": title,
            "for": f" ({invitation.context_label})" if invitation.context_label else "",
            "url": _answer_url(raw),
            "until": until,
        }
    return _Letter(address=person.email, subject=subject, body=body)


def _context_fields(context: models.Model | None) -> dict[str, Any]:
    if context is None:
        return {"context_type": None, "context_id": None}
    if context.pk is None:
        raise ServiceError(_("Save the object the survey is for first."), field="context")
    return {
        "context_type": ContentType.objects.get_for_model(context),
        "context_id": context.pk,
    }


def invite(
    *,
    questionnaire: Questionnaire,
    people: Iterable[Person],
    actor: Any,
    label: str = "",
    context: models.Model | None = None,
    language: str = "",
    expires_at: dt.datetime | None = None,
) -> int:
    """Invite people to answer, each with their own private link, e-mailed once the
    transaction commits. People already invited to this questionnaire for the same `context`
    are skipped, so running it again after adding people invites only the new ones.

    `language` ("en" or "es") is the language of the e-mail and of the answering page; blank
    means each person's own preference (their account's language, else English). `label`
    names the occasion in the e-mail and in reports ("Medical Plunge 2026 pre"). Links work
    until `expires_at` (default: 30 days).

    Returns how many people were invited. Side effects: one Invitation per new person (the
    token's digest only), one e-mail each; audit `surveys.invitations.sent`.
    """
    _require_staff(actor)
    if not questionnaire.is_active:
        raise Conflict(_("This questionnaire is closed: open it before inviting anyone."))
    if not questionnaire.items.exists():
        raise Conflict(_("Add questions to this questionnaire before inviting anyone."))
    if language and language not in Language.values:
        raise ServiceError(_("Choose English or Spanish."), field="language")
    label = _text(label, field="label", max_length=120, required=False)
    now = timezone.now()
    expires_at = expires_at or now + DEFAULT_VALID_FOR
    if expires_at <= now:
        raise ServiceError(_("The closing date must be in the future."), field="expires_at")
    context_fields = _context_fields(context)
    person_ids = {person.pk for person in people}
    with transaction.atomic():
        # Locked so that two invitations at once do not both invite the same person.
        Questionnaire.objects.select_for_update().filter(pk=questionnaire.pk).first()
        already = set(
            Invitation.objects.filter(
                questionnaire=questionnaire, person_id__in=person_ids, **context_fields
            ).values_list("person_id", flat=True)
        )
        recipients = list(
            Person.objects.filter(pk__in=person_ids - already).select_related("user").order_by("pk")
        )
        invitations: list[Invitation] = []
        letters: list[_Letter] = []
        for person in recipients:
            raw = secrets.token_urlsafe(TOKEN_BYTES)
            invitation = Invitation(
                questionnaire=questionnaire,
                person=person,
                digest=hash_token(raw),
                context_label=label,
                language=language or preferred_language(person),
                sent_at=now,
                expires_at=expires_at,
                sent_by=actor,
                **context_fields,
            )
            invitations.append(invitation)
            letters.append(_letter(invitation, person, questionnaire, raw))
        Invitation.objects.bulk_create(invitations)
        record(
            "surveys.invitations.sent",
            actor=actor,
            obj=questionnaire,
            data={
                "count": len(invitations),
                "skipped": len(already),
                "label": label,
                "language": language,
                "context_type": getattr(context_fields["context_type"], "pk", None),
                "context_id": context_fields["context_id"],
            },
        )

        def send() -> None:
            for letter in letters:
                send_email.enqueue(subject=letter.subject, body=letter.body, to=[letter.address])

        if letters:
            transaction.on_commit(send)
    return len(invitations)


# -- responses -------------------------------------------------------------------------------


def _link_refused() -> ServiceError:
    return ServiceError(
        _("This link is not valid: it may have expired, or the survey may be closed."),
        code="not_found",
    )


def _locked_invitation(token: str) -> Invitation:
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        raise _link_refused()
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("questionnaire")
        .filter(digest=hash_token(token))
        .first()
    )
    if invitation is None or invitation.is_expired or not invitation.questionnaire.is_active:
        raise _link_refused()
    return invitation


def _item_ids(answers: Mapping[Any, Any]) -> tuple[dict[int, Any], bool]:
    """Answers by item id (JSON sends the ids as strings), and whether a key was no id."""
    by_id: dict[int, Any] = {}
    stray = False
    for key, value in answers.items():
        if isinstance(key, bool):
            stray = True
        elif isinstance(key, int):
            by_id[key] = value
        elif isinstance(key, str) and key.removeprefix("item_").isdecimal():
            by_id[int(key.removeprefix("item_"))] = value
        else:
            stray = True
    return by_id, stray


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _likert_value(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,2}\s*", value):
        value = int(value)
    if isinstance(value, int) and LIKERT_MIN <= value <= LIKERT_MAX:
        return value
    return None


def _likert_answer(item: Item, value: Any) -> tuple[Answer | None, str | None]:
    number = _likert_value(value)
    if number is None:
        return None, _("Choose a point on the scale from 1 to 5.")
    return Answer(item=item, value_int=number), None


def _choice_answer(item: Item, value: Any) -> tuple[Answer | None, str | None]:
    choice = value.strip() if isinstance(value, str) else value
    if isinstance(choice, bool) or not isinstance(choice, str | int):
        return None, _("Choose one of the answers offered.")
    if str(choice) not in item.choice_values:
        return None, _("Choose one of the answers offered.")
    return Answer(item=item, value_text=str(choice)), None


def _text_answer(item: Item, value: Any) -> tuple[Answer | None, str | None]:
    if not isinstance(value, str):
        return None, _("Answer in words.")
    text = value.strip()
    if len(text) > TEXT_MAX_LENGTH:
        return None, _("Keep your answer under %(max)d characters; this one has %(count)d.") % {
            "max": TEXT_MAX_LENGTH,
            "count": len(text),
        }
    if _CONTROL_CHARACTERS.search(text):
        return None, _("Remove the control characters from your answer.")
    return Answer(item=item, value_text=text), None


_CLEANERS: Final = {
    Item.Kind.LIKERT: _likert_answer,
    Item.Kind.CHOICE: _choice_answer,
    Item.Kind.TEXT: _text_answer,
}


def _clean_answer(item: Item, value: Any) -> tuple[Answer | None, str | None]:
    """The answer to save (None when an optional item is left blank), or what is wrong."""
    if _is_blank(value):
        return None, (_("Please answer this question.") if item.required else None)
    return _CLEANERS[Item.Kind(item.kind)](item, value)


def submit_response(*, token: str, answers: Mapping[Any, Any], language: str = "") -> Response:
    """Answer the questionnaire an invitation's private link is for: all answers or none.

    `answers` maps item ids (ints, digit strings or `item_<id>`) to values: 1..5 for Likert
    items, one of the item's choice values for choice items, text (at most 2,000 characters)
    for free text. Every required item needs an answer. `language` is the language the person
    answered in (default: the invitation's); error messages are in it.

    Raises `ServiceError` code `not_found` for an unknown or expired link or a closed
    questionnaire, `Conflict` when the invitation was answered already, `InvalidAnswers` with
    one message per input at fault. Side effects: one Response with its Answers; audit
    `surveys.response.submitted` (which questionnaire, not the answers).
    """
    with transaction.atomic():
        invitation = _locked_invitation(token)
        language = language if language in Language.values else invitation.language
        with translation.override(language):
            if Response.objects.filter(invitation=invitation).exists():
                raise Conflict(_("You have already answered this survey. Thank you!"))
            items = list(invitation.questionnaire.items.order_by("position", "pk"))
            by_id, stray = _item_ids(answers)
            errors: dict[str, str] = {}
            to_save: list[Answer] = []
            for item in items:
                answer, error = _clean_answer(item, by_id.get(item.pk))
                if error is not None:
                    errors[item.field_name] = error
                elif answer is not None:
                    to_save.append(answer)
            if stray or set(by_id) - {item.pk for item in items}:
                errors["answers"] = _("An answer names a question that is not in this survey.")
            if errors:
                raise InvalidAnswers(errors)
            try:
                with transaction.atomic():
                    response = Response.objects.create(invitation=invitation, language=language)
            except IntegrityError:  # pragma: no cover - the row lock above serializes answers
                raise Conflict(_("You have already answered this survey. Thank you!")) from None
        for answer in to_save:
            answer.response = response
        Answer.objects.bulk_create(to_save)
        record(
            "surveys.response.submitted",
            actor=None,
            obj=invitation,
            data={"questionnaire": invitation.questionnaire_id, "response": response.pk},
        )
    return response

"""Private links of pathway-program applications: a parent's or guardian's consent for a minor
applicant, and letters of recommendation; with the token helpers and the e-mail helper the
application services share.

A private link carries a token of 32 random bytes (URL-safe); only its SHA-256 digest is stored,
so a database copy cannot be used to answer for anyone. A link works for 14 days; asking again
supersedes the earlier unanswered link (it expires at once).

Guardian consent: the applicant (or office staff) asks; the guardian consents or declines on
their own page (no account). A consent becomes a registry `people.Consent` (kind GUARDIAN,
scope "program application #<id>") linked to the application; submission requires it to be
current (see `selectors_applications.has_current_guardian_consent`). The same link lets the
guardian withdraw their consent later, and withdrawing a guardian consent anywhere withdraws
every application linked to it (`receivers.py`).

Recommendations: the applicant asks a recommender for a letter for one of the form's
recommendation questions; the recommender uploads one PDF or DOCX through their link. The
applicant sees that it arrived, never the letter.

Lock order everywhere: a Consent before its applications (people.withdraw_consent and our
receiver), an application before its requests; never the other way round.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from equityhub.audit.services import record
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.core.tasks import send_email
from equityhub.people.models import Consent, Person
from equityhub.people.selectors import person_of
from equityhub.people.services import record_consent, withdraw_consent
from equityhub.programs.access import is_program_staff
from equityhub.programs.models import (
    Application,
    Cycle,
    FormField,
    GuardianConsentRequest,
    RecommendationRequest,
)

TOKEN_BYTES: Final = 32  # 256 random bits: 43 URL-safe characters
TOKEN_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{40,64}")
LINK_VALID_FOR: Final = dt.timedelta(days=14)
# Each request sends an e-mail to an address the applicant typed: a few a day is plenty.
MAX_REQUESTS_PER_DAY: Final = 5
LANGUAGE_CODES: Final = frozenset(code for code, _name in settings.LANGUAGES)
GUARDIAN_RELATIONSHIPS: Final = frozenset(
    {Consent.Relationship.PARENT, Consent.Relationship.LEGAL_GUARDIAN}
)
_CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Uploads, judged by their content (never the client's name or type).
MAX_UPLOAD_BYTES: Final = 10 * 1024 * 1024
PDF: Final = "pdf"
PNG: Final = "png"
JPEG: Final = "jpeg"
DOCX: Final = "docx"
UPLOAD_TYPES: Final = {
    PDF: (".pdf", "application/pdf"),
    PNG: (".png", "image/png"),
    JPEG: (".jpg", "image/jpeg"),
    DOCX: (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
ANSWER_KINDS: Final = frozenset({PDF, PNG, JPEG, DOCX})
LETTER_KINDS: Final = frozenset({PDF, DOCX})


# -- tokens ------------------------------------------------------------------------------------


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh private-link token and the digest that is stored in its place."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return raw, hash_token(raw)


def is_token(value: object) -> bool:
    return isinstance(value, str) and TOKEN_PATTERN.fullmatch(value) is not None


def absolute(path: str) -> str:
    return settings.SITE_ROOT.rstrip("/") + path


def guardian_link(raw: str) -> str:
    return absolute(reverse("programs:guardian_link", kwargs={"token": raw}))


def recommendation_link(raw: str) -> str:
    return absolute(reverse("programs:recommendation_link", kwargs={"token": raw}))


def is_expired(link: GuardianConsentRequest | RecommendationRequest, now: dt.datetime) -> bool:
    return link.expires_at <= now


# -- shared helpers ----------------------------------------------------------------------------


def consent_scope(application: Application) -> str:
    """What a guardian consent given through an application's link covers: that application
    only (a consent for another application never counts for this one)."""
    return f"program application #{application.pk}"


def cycle_is_accepting(cycle: Cycle, now: dt.datetime | None = None) -> bool:
    """Open for applications: status open and opens_at <= now < closes_at."""
    now = now or timezone.now()
    return cycle.status == Cycle.Status.OPEN and cycle.opens_at <= now < cycle.closes_at


def first_name(person: Person) -> str:
    return person.preferred_name or person.given_name


def language_of(value: str) -> str:
    code = (value or "")[:2]
    return code if code in LANGUAGE_CODES else settings.LANGUAGE_CODE[:2]


def clean_text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    text = (value if isinstance(value, str) else "").strip()
    if _CONTROL_CHARACTERS.search(text):
        raise ServiceError(_("Control characters are not allowed."), field=field)
    if required and not text:
        raise ServiceError(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ServiceError(
            _("Keep this under %(max)d characters.") % {"max": max_length}, field=field
        )
    return text


def clean_email(value: Any, *, field: str) -> str:
    address = clean_text(value, field=field, max_length=254, required=True)
    try:
        validate_email(address)
    except ValidationError:
        raise ServiceError(_("Enter a valid e-mail address."), field=field) from None
    return address


@dataclass(frozen=True)
class Letter:
    """One e-mail, rendered in its recipient's language."""

    address: str
    subject: str
    body: str


def render_letter(name: str, *, address: str, language: str, context: Mapping[str, Any]) -> Letter:
    """`programs/email/<name>_subject.txt` and `_body.txt`, rendered in `language`."""
    with translation.override(language_of(language)):
        full = {"site_name": settings.SITE_NAME, **context}
        subject = render_to_string(f"programs/email/{name}_subject.txt", full)
        body = render_to_string(f"programs/email/{name}_body.txt", full)
    return Letter(address=address, subject=" ".join(subject.split()), body=body)


def send_on_commit(*letters: Letter) -> None:
    """Queue the letters once the current transaction commits (never for a rollback)."""
    chosen = [letter for letter in letters if letter.address]
    if not chosen:
        return

    def send() -> None:
        for letter in chosen:
            send_email.enqueue(subject=letter.subject, body=letter.body, to=[letter.address])

    transaction.on_commit(send)


def date_text(value: dt.datetime | dt.date, language: str) -> str:
    with translation.override(language_of(language)):
        if isinstance(value, dt.datetime):
            value = timezone.localtime(value)
        return formats.date_format(value, "DATE_FORMAT")


def lock_application(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("cycle__program", "applicant__user")
        .get(pk=application.pk)
    )


def is_applicant(actor: Any, application: Application) -> bool:
    person = person_of(actor)
    return person is not None and person.pk == application.applicant_id


def require_applicant_or_staff(actor: Any, application: Application) -> None:
    if not (is_applicant(actor, application) or is_program_staff(actor)):
        raise NotAllowed(_("Only the applicant and office staff may do this."))


def _require_open_draft(application: Application, now: dt.datetime) -> None:
    if application.status != Application.Status.DRAFT:
        raise Conflict(_("This application is no longer a draft."))
    if not cycle_is_accepting(application.cycle, now):
        raise Conflict(_("This program is not taking applications now."))


def _check_daily_limit(queryset: Any, now: dt.datetime) -> None:
    if queryset.filter(sent_at__gt=now - dt.timedelta(days=1)).count() >= MAX_REQUESTS_PER_DAY:
        raise Conflict(_("Too many requests were sent today for this application: try tomorrow."))


# -- uploads -----------------------------------------------------------------------------------


def _docx(upload: UploadedFile) -> bool:
    """A Word document by its archive's table of contents (macro-enabled ones refused)."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            return (
                "[Content_Types].xml" in names
                and "word/document.xml" in names
                and "word/vbaProject.bin" not in names
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, ValueError):
        return False
    finally:
        upload.seek(0)


def upload_kind(upload: UploadedFile) -> str | None:
    """`pdf`, `png`, `jpeg` or `docx` judged by the file's content, or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04") and _docx(upload):
        return DOCX
    return None


def display_name(name: str) -> str:
    # The client's name for the file is shown, never used: no path, no control characters.
    base = PurePath((name or "").replace("\\", "/")).name
    return re.sub(r"[\x00-\x1f\x7f]", "", base).strip()[:255]


def check_upload(
    upload: UploadedFile | None, *, kinds: frozenset[str], field: str
) -> tuple[UploadedFile, str]:
    """The upload and its checked kind, or a ServiceError naming what is accepted."""
    if upload is None or not upload.size:
        raise ServiceError(_("The file is empty."), field=field)
    if upload.size > MAX_UPLOAD_BYTES:
        raise ServiceError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            field=field,
        )
    kind = upload_kind(upload)
    if kind not in kinds:
        if kinds == LETTER_KINDS:
            message = _("Upload a PDF or Word (DOCX) file.")
        else:
            message = _("Upload a PDF, Word (DOCX), PNG or JPEG file.")
        raise ServiceError(message, field=field)
    return upload, kind


def random_file_name(kind: str) -> str:
    return f"{secrets.token_hex(16)}{UPLOAD_TYPES[kind][0]}"


def content_type_of(name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    for extension, content_type in UPLOAD_TYPES.values():
        if suffix == extension:
            return content_type
    return "application/octet-stream"


def delete_file_on_commit(storage: Storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# -- guardian consent --------------------------------------------------------------------------


def _guardian_letter_context(
    request: GuardianConsentRequest, application: Application, raw: str
) -> dict[str, Any]:
    program = application.cycle.program
    language = request.language
    return {
        "guardian_name": request.guardian_name,
        "applicant_first_name": first_name(application.applicant),
        "program": program.name,
        "cycle": application.cycle.title,
        "description": program.description_es
        if language == "es" and program.description_es
        else program.description,
        "url": guardian_link(raw),
        "expires": date_text(request.expires_at, language),
    }


@transaction.atomic
def request_guardian_consent(
    *,
    application: Application,
    actor: Any,
    guardian_name: str,
    guardian_email: str,
    relationship: str,
    language: str,
) -> GuardianConsentRequest:
    """Ask a minor applicant's parent or legal guardian for consent, through their own link.

    Refused unless the actor is the applicant (or office staff), the application is a draft in
    a cycle taking applications, the applicant is under 18 today and no current consent is
    linked yet; the guardian's address must not be the applicant's own.

    Side effects, in order: earlier unanswered links of this application expire now; one
    GuardianConsentRequest (the token's digest only, valid 14 days); audit
    `programs.guardian_consent.requested`; after commit, the e-mail with the link to the
    guardian, in `language`.
    """
    now = timezone.now()
    locked = lock_application(application)
    require_applicant_or_staff(actor, locked)
    _require_open_draft(locked, now)
    applicant = locked.applicant
    if not applicant.is_minor_on(timezone.localdate()):
        raise Conflict(_("Guardian consent is only needed for applicants under 18."))
    if has_linked_current_consent(locked):
        raise Conflict(_("A parent or guardian has already consented to this application."))
    name = clean_text(guardian_name, field="guardian_name", max_length=200, required=True)
    address = clean_email(guardian_email, field="guardian_email")
    own = {applicant.email.casefold(), (getattr(actor, "email", "") or "").casefold()}
    if address.casefold() in own:
        raise ServiceError(
            _(
                "Enter your parent's or guardian's own e-mail address: they answer through "
                "their own link."
            ),
            field="guardian_email",
        )
    if relationship not in GUARDIAN_RELATIONSHIPS:
        raise ServiceError(_("Choose parent or legal guardian."), field="relationship")
    if language not in LANGUAGE_CODES:
        raise ServiceError(_("Choose English or Spanish."), field="language")
    requests = GuardianConsentRequest.objects.filter(application=locked)
    _check_daily_limit(requests, now)
    superseded = requests.filter(answered_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    raw, digest = new_token()
    request = GuardianConsentRequest.objects.create(
        application=locked,
        guardian_name=name,
        guardian_email=address,
        relationship=relationship,
        language=language,
        digest=digest,
        sent_at=now,
        expires_at=now + LINK_VALID_FOR,
    )
    record(
        "programs.guardian_consent.requested",
        actor=actor,
        obj=locked,
        data={
            "request": request.pk,
            "relationship": relationship,
            "language": language,
            "superseded": superseded,
        },
    )
    send_on_commit(
        render_letter(
            "guardian_request",
            address=address,
            language=language,
            context=_guardian_letter_context(request, locked, raw),
        )
    )
    return request


def has_linked_current_consent(application: Application, today: dt.date | None = None) -> bool:
    """Whether the application carries a guardian consent that is valid for it today: kind
    guardian, for the applicant, given for this very application, not withdrawn, not expired."""
    consent_id = application.guardian_consent_id
    if consent_id is None:
        return False
    consent = Consent.objects.filter(pk=consent_id).first()
    return consent is not None and is_current_for(consent, application, today)


def is_current_for(
    consent: Consent, application: Application, today: dt.date | None = None
) -> bool:
    today = today or timezone.localdate()
    return (
        consent.kind == Consent.Kind.GUARDIAN
        and consent.person_id == application.applicant_id
        and consent.relationship != Consent.Relationship.SELF
        and consent.scope == consent_scope(application)
        and consent.withdrawn_at is None
        and consent.is_active_on(today)
    )


def _link_refused() -> ServiceError:
    return ServiceError(_("This link is not valid."), code="not_found")


def _guardian_request(token: str) -> GuardianConsentRequest:
    if not is_token(token):
        raise _link_refused()
    found = GuardianConsentRequest.objects.filter(digest=hash_token(token)).first()
    if found is None:
        raise _link_refused()
    return found


def _lock_guardian_request(
    token: str,
) -> tuple[GuardianConsentRequest, Application]:
    """The request and its application, both locked (the application first)."""
    found = _guardian_request(token)
    application = lock_application(found.application)
    request = GuardianConsentRequest.objects.select_for_update().get(pk=found.pk)
    return request, application


def _require_unanswered(request: GuardianConsentRequest, now: dt.datetime) -> None:
    if request.answered_at is not None:
        raise Conflict(_("This link was used already."))
    if is_expired(request, now):
        raise Conflict(
            _("This link has expired. The applicant can send you a new one from the application.")
        )


def applicant_letter(name: str, application: Application, **context: Any) -> Letter:
    applicant = application.applicant
    return render_letter(
        name,
        address=applicant.email,
        language=application.language,
        context={
            "first_name": first_name(applicant),
            "program": application.cycle.program.name,
            "cycle": application.cycle.title,
            "url": absolute(
                reverse("programs:application", kwargs={"application_id": application.pk})
            ),
            **context,
        },
    )


@transaction.atomic
def give_guardian_consent(*, token: str, signed_name: str) -> Consent:
    """The guardian consents through their link, signing with their name.

    Refused for an unknown link (code not_found), a used or expired one, an application that
    is no longer a draft, and an applicant who is 18 or older by now.

    Side effects, in order: one people Consent (kind guardian, the request's relationship and
    e-mail, scope "program application #<id>", expiring when the cycle's program ends) with its
    own audit entry; the request answered; the consent linked to the application; audit
    `programs.guardian_consent.given`; after commit, an e-mail to the applicant and a
    confirmation to the guardian (with the same link, to withdraw later).
    """
    now = timezone.now()
    today = timezone.localdate()
    request, application = _lock_guardian_request(token)
    _require_unanswered(request, now)
    if application.status != Application.Status.DRAFT:
        raise Conflict(_("This application is no longer waiting for your consent."))
    applicant = application.applicant
    if not applicant.is_minor_on(today):
        raise Conflict(_("The applicant is 18 or older now: no guardian consent is needed."))
    name = clean_text(signed_name, field="signed_name", max_length=200, required=True)
    ends_on = application.cycle.ends_on
    consent = record_consent(
        person=applicant,
        actor=None,
        kind=Consent.Kind.GUARDIAN,
        given_by_name=name,
        relationship=request.relationship,
        given_by_email=request.guardian_email,
        given_at=now,
        expires_on=ends_on if ends_on is not None and ends_on >= today else None,
        scope=consent_scope(application),
    )
    request.answered_at = now
    request.declined = False
    request.save(update_fields=["answered_at", "declined"])
    application.guardian_consent = consent
    application.save(update_fields=["guardian_consent", "updated_at"])
    record(
        "programs.guardian_consent.given",
        actor=None,
        obj=application,
        data={"request": request.pk, "consent": consent.pk},
    )
    send_on_commit(
        applicant_letter("guardian_consented", application, guardian_name=name),
        render_letter(
            "guardian_confirmation",
            address=request.guardian_email,
            language=request.language,
            context={**_guardian_letter_context(request, application, token), "consented": True},
        ),
    )
    return consent


@transaction.atomic
def decline_guardian_consent(*, token: str) -> GuardianConsentRequest:
    """The guardian declines through their link.

    Side effects: the request answered and declined; audit `programs.guardian_consent.declined`;
    after commit, an e-mail to the applicant.
    """
    now = timezone.now()
    request, application = _lock_guardian_request(token)
    _require_unanswered(request, now)
    request.answered_at = now
    request.declined = True
    request.save(update_fields=["answered_at", "declined"])
    record(
        "programs.guardian_consent.declined",
        actor=None,
        obj=application,
        data={"request": request.pk},
    )
    send_on_commit(applicant_letter("guardian_declined", application))
    return request


def consent_of_request(request: GuardianConsentRequest) -> Consent | None:
    """The consent a guardian gave through this link, if they did."""
    if request.answered_at is None or request.declined:
        return None
    application = request.application
    consent = (
        Consent.objects.filter(pk=application.guardian_consent_id).first()
        if application.guardian_consent_id
        else None
    )
    if (
        consent is None
        or consent.scope != consent_scope(application)
        or consent.given_by_email.casefold() != request.guardian_email.casefold()
    ):
        return None
    return consent


@transaction.atomic
def withdraw_guardian_consent(*, token: str, reason: str = "") -> Consent:
    """The guardian withdraws the consent they gave through this link (any time: the link's
    expiry only limits answering).

    Side effects, in order: `people.services.withdraw_consent` (the consent withdrawn, its
    audit entry and the office's e-mail), whose signal withdraws every application linked to
    the consent (`receivers.py`); audit `programs.guardian_consent.withdrawn`.
    """
    request = _guardian_request(token)
    consent = consent_of_request(request)
    if consent is None:
        raise Conflict(_("No consent was given through this link."))
    if consent.withdrawn_at is not None:
        raise Conflict(_("This consent was already withdrawn."))
    note = clean_text(reason, field="reason", max_length=300) or _(
        "Withdrawn by the parent or guardian through their link."
    )
    withdraw_consent(consent=consent, actor=None, reason=note)
    record(
        "programs.guardian_consent.withdrawn",
        actor=None,
        obj=request.application,
        data={"request": request.pk, "consent": consent.pk},
    )
    return consent


# -- recommendations ---------------------------------------------------------------------------


def _recommendation_context(
    recommendation: RecommendationRequest, application: Application, raw: str, language: str
) -> dict[str, Any]:
    field = recommendation.field
    return {
        "recommender_name": recommendation.recommender_name,
        "applicant_name": application.applicant.display_name,
        "program": application.cycle.program.name,
        "cycle": application.cycle.title,
        "question": field.label_es if language == "es" and field.label_es else field.label,
        "url": recommendation_link(raw),
        "expires": date_text(recommendation.expires_at, language),
    }


@transaction.atomic
def request_recommendation(
    *,
    application: Application,
    field: FormField,
    actor: Any,
    recommender_name: str,
    recommender_email: str,
    relationship: str = "",
    language: str | None = None,
) -> RecommendationRequest:
    """Ask a recommender for a letter for one recommendation question of the application's form.

    Refused unless the actor is the applicant (or staff), the application is a draft in a cycle
    taking applications, `field` is a recommendation question of that cycle without a letter
    received yet, and the recommender is not the applicant.

    Side effects, in order: earlier unanswered requests for the same question expire now; one
    RecommendationRequest (the token's digest only, valid 14 days); audit
    `programs.recommendation.requested`; after commit, the e-mail with the upload link to the
    recommender, in `language` (the application's by default).
    """
    now = timezone.now()
    locked = lock_application(application)
    require_applicant_or_staff(actor, locked)
    _require_open_draft(locked, now)
    if field.cycle_id != locked.cycle_id or field.kind != FormField.Kind.RECOMMENDATION:
        raise ServiceError(
            _("Choose a recommendation question of this application."), field="field"
        )
    name = clean_text(recommender_name, field="recommender_name", max_length=200, required=True)
    address = clean_email(recommender_email, field="recommender_email")
    if address.casefold() == locked.applicant.email.casefold():
        raise ServiceError(
            _("A recommender cannot be you: enter their own e-mail address."),
            field="recommender_email",
        )
    how = clean_text(relationship, field="relationship", max_length=200)
    language = language or locked.language
    if language not in LANGUAGE_CODES:
        raise ServiceError(_("Choose English or Spanish."), field="language")
    requests = RecommendationRequest.objects.filter(application=locked)
    if requests.filter(field=field, received_at__isnull=False).exists():
        raise Conflict(_("A letter has already arrived for this question."), field="field")
    _check_daily_limit(requests, now)
    superseded = requests.filter(field=field, received_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    raw, digest = new_token()
    recommendation = RecommendationRequest.objects.create(
        application=locked,
        field=field,
        recommender_name=name,
        recommender_email=address,
        relationship=how,
        digest=digest,
        sent_at=now,
        expires_at=now + LINK_VALID_FOR,
    )
    record(
        "programs.recommendation.requested",
        actor=actor,
        obj=locked,
        data={
            "recommendation": recommendation.pk,
            "field": field.key,
            "superseded": superseded,
        },
    )
    send_on_commit(
        render_letter(
            "recommendation_request",
            address=address,
            language=language,
            context=_recommendation_context(recommendation, locked, raw, language),
        )
    )
    return recommendation


def _recommendation(token: str) -> RecommendationRequest:
    if not is_token(token):
        raise _link_refused()
    found = RecommendationRequest.objects.filter(digest=hash_token(token)).first()
    if found is None:
        raise _link_refused()
    return found


@transaction.atomic
def upload_recommendation_letter(*, token: str, file: UploadedFile | None) -> RecommendationRequest:
    """The recommender uploads their letter (PDF or DOCX by content, at most 10 MB), once.

    Refused for an unknown link (code not_found), a letter already received, an expired link
    and a withdrawn application.

    Side effects, in order: the file stored under a random name; the request marked received;
    audit `programs.recommendation.received`; after commit, an e-mail to the applicant (that it
    arrived; never the letter).
    """
    now = timezone.now()
    found = _recommendation(token)
    application = lock_application(found.application)
    recommendation = (
        RecommendationRequest.objects.select_for_update(of=("self",))
        .select_related("field")
        .get(pk=found.pk)
    )
    if recommendation.received_at is not None:
        raise Conflict(_("A letter was already received through this link. Thank you!"))
    if is_expired(recommendation, now):
        raise Conflict(_("This link has expired. The applicant can send you a new one."))
    if application.status == Application.Status.WITHDRAWN:
        raise Conflict(_("The applicant has withdrawn this application: no letter is needed."))
    upload, kind = check_upload(file, kinds=LETTER_KINDS, field="file")
    recommendation.letter.save(random_file_name(kind), upload, save=False)
    recommendation.received_at = now
    recommendation.save(update_fields=["letter", "received_at"])
    record(
        "programs.recommendation.received",
        actor=None,
        obj=application,
        data={"recommendation": recommendation.pk, "field": recommendation.field.key},
    )
    send_on_commit(
        applicant_letter(
            "recommendation_received",
            application,
            recommender_name=recommendation.recommender_name,
        )
    )
    return recommendation

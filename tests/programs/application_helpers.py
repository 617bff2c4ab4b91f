"""Helpers of the application tests: files by content, a filled-in draft, and the private
links' tokens read from the e-mails they were sent in (only digests are stored)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext  # noqa: F401  (re-exported for tests)

from equityhub.accounts.models import User
from equityhub.people.models import Affiliation, Consent, Person, TrainingLevel
from equityhub.programs import services_applications as services
from equityhub.programs import services_consent
from equityhub.programs.models import Application, Cycle, FormField
from tests.factories import OrganizationFactory

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def docx_bytes(*, macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if macro:
            archive.writestr("word/vbaProject.bin", b"\x00")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def person(user: User) -> Person:
    return Person.objects.get(user=user)


def in_grade(user: User, grade: int = 10) -> Affiliation:
    """A current K-12 affiliation in `grade` (the program's grade rule reads it)."""
    school = OrganizationFactory(name="Roosevelt High School", kind="school")
    return Affiliation.objects.create(
        person=person(user),
        organization=school,
        training_level=TrainingLevel.K12,
        grade_level=grade,
        is_primary=True,
    )


def draft(cycle: Cycle, user: User, *, language: str = "en") -> Application:
    application, _created = services.start_application(cycle=cycle, actor=user, language=language)
    return application


def answer_required(application: Application, user: User) -> Application:
    """Answer the fixture form's required questions (essay, track)."""
    return services.save_answers(
        application=application,
        actor=user,
        answers={"essay": "I love the lab.", "track": "bio"},
    )


def ready_draft(cycle: Cycle, user: User, *, language: str = "en") -> Application:
    """A draft with every required answer and the applicant in grade 10."""
    in_grade(user)
    application = draft(cycle, user, language=language)
    return answer_required(application, user)


LINK = re.compile(r"/programs/links/(guardian|recommendation)/([A-Za-z0-9_-]+)/")


def last_token(kind: str = "guardian") -> str:
    for message in reversed(mail.outbox):
        found = [m for m in LINK.finditer(message.body) if m.group(1) == kind]
        if found:
            return found[-1].group(2)
    raise AssertionError(f"no {kind} link was e-mailed")


def ask_guardian(
    application: Application,
    actor: User,
    *,
    name: str = "Rosa Díaz",
    email: str = "rosa@example.org",
    language: str = "en",
    relationship: str = Consent.Relationship.PARENT,
) -> str:
    """Send a guardian request and return the raw token from the e-mail."""
    with capture_commits():
        services_consent.request_guardian_consent(
            application=application,
            actor=actor,
            guardian_name=name,
            guardian_email=email,
            relationship=relationship,
            language=language,
        )
    return last_token("guardian")


def consent(application: Application, actor: User, **kwargs: Any) -> Consent:
    """The whole guardian flow: request, then consent through the link."""
    token = ask_guardian(application, actor, **kwargs)
    with capture_commits():
        given = services_consent.give_guardian_consent(token=token, signed_name="Rosa Díaz")
    application.refresh_from_db()
    return given


def ask_recommender(
    application: Application, field: FormField, actor: User, *, email: str = "teacher@example.org"
) -> str:
    with capture_commits():
        services_consent.request_recommendation(
            application=application,
            field=field,
            actor=actor,
            recommender_name="Ms. Ortega",
            recommender_email=email,
            relationship="Chemistry teacher",
        )
    return last_token("recommendation")


class capture_commits:  # noqa: N801  (used like a function, as a context manager)
    """Run on_commit callbacks at the end of the block, as a commit would (pytest-django's
    `django_capture_on_commit_callbacks` without the fixture)."""

    def __enter__(self) -> None:
        self.connection = transaction.get_connection()
        self.start = len(self.connection.run_on_commit)

    def __exit__(self, exc_type: Any, *args: Any) -> None:
        if exc_type is not None:
            return
        callbacks = self.connection.run_on_commit[self.start :]
        del self.connection.run_on_commit[self.start :]
        for _savepoints, callback, _robust in callbacks:
            callback()


def post_json(client: Client, path: str, body: Any = None) -> Any:
    import json  # noqa: PLC0415

    return client.post(
        path, json.dumps(body) if body is not None else "", content_type="application/json"
    )


def patch_json(client: Client, path: str, body: Any) -> Any:
    import json  # noqa: PLC0415

    return client.patch(path, json.dumps(body), content_type="application/json")


ClientFor = Callable[[User], Client]

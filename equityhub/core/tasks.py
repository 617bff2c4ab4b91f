"""Background work shared by every app (django-tasks; run the worker with `equityhub db_worker`)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, to: list[str], html: str | None = None) -> int:
    """Send one message. Services enqueue it from `transaction.on_commit`, so a rolled-back
    change never sends mail."""
    return send_mail(
        subject, body, settings.DEFAULT_FROM_EMAIL, to, html_message=html, fail_silently=False
    )

# ruff: noqa: N999  (the issue names the command create-api-token, hyphen and all)
"""`equityhub create-api-token EMAIL`: a personal API token for scripts and integrations.

Prints only the token on stdout, so that it can be captured
(`TOKEN=$(equityhub create-api-token me@example.org)`); everything else goes to stderr.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.core.exceptions import ServiceError

MAX_EXPIRY_DAYS = 3650


class Command(BaseCommand):
    help = _("Create a personal API token for a user and print it (it is shown only once).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help=_("The user's e-mail address."))
        parser.add_argument(
            "--name",
            default="",
            help=_("Where the token will be used (default: command line and today's date)."),
        )
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help=_("Days until the token expires (default: never)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email: str = options["email"].strip()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(_("No user has the e-mail address %(email)s.") % {"email": email})
        if not user.is_active:
            raise CommandError(
                _("The user %(email)s is inactive; a token would not work.") % {"email": email}
            )
        expires_at = None
        days: int | None = options["expires_days"]
        if days is not None:
            if not 1 <= days <= MAX_EXPIRY_DAYS:
                raise CommandError(
                    _("--expires-days must be between 1 and %(max)s.") % {"max": MAX_EXPIRY_DAYS}
                )
            expires_at = timezone.now() + dt.timedelta(days=days)
        name = options["name"].strip() or _("Command line, %(date)s") % {
            "date": timezone.localdate().isoformat()
        }
        try:
            token, raw = create_api_token(user=user, name=name, actor=None, expires_at=expires_at)
        except ServiceError as error:
            raise CommandError(error.message) from None
        self.stdout.write(raw)
        expiry = (
            _("expires %(when)s") % {"when": token.expires_at.isoformat(timespec="minutes")}
            if token.expires_at
            else _("does not expire")
        )
        self.stderr.write(
            _("Token '%(name)s' for %(email)s (%(expiry)s). It is shown only once.")
            % {"name": token.name, "email": user.email, "expiry": expiry}
        )

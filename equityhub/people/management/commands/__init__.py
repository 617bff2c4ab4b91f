"""The people registry's commands: `import-people`, `export-people`."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from equityhub.accounts.models import User


def actor_option(email: str | None) -> User | None:
    """The user named by `--actor`, whom the audit log records; None means the command line."""
    if not email:
        return None
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise CommandError(_("No active user has the e-mail address %(email)s.") % {"email": email})
    return user

# ruff: noqa: N999  (the command is named volunteering-sweep, hyphen and all)
"""`equityhub volunteering-sweep [--loop SECONDS]`: the periodic volunteering work.

Each pass lapses seat offers whose window has closed (offering the seat to the next person on
the waitlist), sends the shift reminders that are due (48 h and 2 h before, by default) and
tells owners once about credentials that expire within the notice period. Every step is
idempotent, so overlapping or repeated passes do no harm.

Run it every 5 minutes: from cron (`*/5 * * * * equityhub volunteering-sweep`), or as one
long-running service under systemd with `equityhub volunteering-sweep --loop 300`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.volunteering import services

logger = logging.getLogger(__name__)


def _seconds(value: str) -> int:
    try:
        seconds = int(value)
    except ValueError:
        raise CommandError(_("--loop takes a whole number of seconds.")) from None
    if seconds < 0:
        raise CommandError(_("--loop takes 0 (run once) or a positive number of seconds."))
    return seconds


class Command(BaseCommand):
    help = _(
        "Lapse expired seat offers, send due shift reminders and credential expiry notices. "
        "Expected to run every 5 minutes: from cron (*/5 * * * * equityhub volunteering-sweep) "
        "or under systemd as a long-running service with --loop 300."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=_seconds,
            default=0,
            metavar="SECONDS",
            help=_(
                "Repeat every SECONDS seconds until interrupted (e.g. 300 under systemd); "
                "0, the default, runs once (for cron)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval: int = options["loop"]
        try:
            if not interval:
                self._pass()
                return
            self.stdout.write(
                _("Sweeping every %(seconds)d seconds; press Ctrl+C to stop.")
                % {"seconds": interval}
            )
            while True:
                self._looped_pass()
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write(_("Stopped."))

    def _looped_pass(self) -> None:
        # A long-running process: drop connections the database closed, and let one failed
        # pass (the database restarting, say) be retried at the next one instead of exiting.
        close_old_connections()
        try:
            self._pass()
        except KeyboardInterrupt:
            raise
        except Exception as error:  # logged; the next pass tries again
            logger.exception("volunteering sweep failed")
            self.stderr.write(_("Sweep failed: %(error)s") % {"error": error})
        finally:
            close_old_connections()

    def _pass(self) -> None:
        counts = services.sweep()
        self.stdout.write(
            _(
                "%(time)s: %(offers)d offer(s) expired, %(reminders)d reminder(s) sent, "
                "%(notices)d credential notice(s) sent."
            )
            % {
                "time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
                "offers": counts.get("offers_expired", 0),
                "reminders": counts.get("reminders_sent", 0),
                "notices": counts.get("credential_notices", 0),
            }
        )

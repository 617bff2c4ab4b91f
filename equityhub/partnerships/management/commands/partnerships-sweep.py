# ruff: noqa: N999  (the command is named partnerships-sweep, hyphen and all)
"""`equityhub partnerships-sweep [--loop SECONDS]`: the periodic consortium work.

Each pass marks agreements whose expiry date has passed as expired, then e-mails the renewal
reminders that are due (90 and 30 days before expiry, each once per expiry date) to the
parties' agreement contacts and the agreement's creator. Every step is idempotent, and each
reminder is claimed by a conditional UPDATE before it is sent, so overlapping or repeated passes
do no harm.

Once a day is enough (`15 6 * * * equityhub partnerships-sweep` from cron); under systemd as a
long-running service, `equityhub partnerships-sweep --loop 3600`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.partnerships import services_agreements

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
        "Expire agreements past their expiry date and send the renewal reminders that are due "
        "(90 and 30 days ahead). Run it daily from cron (15 6 * * * equityhub "
        "partnerships-sweep) or under systemd as a long-running service with --loop 3600."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=_seconds,
            default=0,
            metavar="SECONDS",
            help=_(
                "Repeat every SECONDS seconds until interrupted (e.g. 3600 under systemd); "
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
            logger.exception("partnerships sweep failed")
            self.stderr.write(_("Sweep failed: %(error)s") % {"error": error})
        finally:
            close_old_connections()

    def _pass(self) -> None:
        counts = services_agreements.sweep()
        self.stdout.write(
            _("%(time)s: %(expired)d agreement(s) expired, %(reminders)d renewal reminder(s) sent.")
            % {
                "time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
                "expired": counts.get("expired", 0),
                "reminders": counts.get("reminders", 0),
            }
        )

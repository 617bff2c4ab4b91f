"""The shape every periodic `*-sweep` command shares: one pass, or `--loop SECONDS` passes
until interrupted, each in fresh database connections, a failed pass logged and retried at the
next one instead of ending the process. A command subclasses `SweepCommand` and writes
`run_pass()` (the work, returning the line to print) and its `help`, `loop_example` and
`name_in_logs`."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def loop_seconds(value: str) -> int:
    try:
        seconds = int(value)
    except ValueError:
        raise CommandError(_("--loop takes a whole number of seconds.")) from None
    if seconds < 0:
        raise CommandError(_("--loop takes 0 (run once) or a positive number of seconds."))
    return seconds


class SweepCommand(BaseCommand):
    # Seconds between passes suggested in --loop's help (e.g. 300 for every five minutes).
    loop_example = 300
    # How failures are named in the log ("volunteering sweep failed").
    name_in_logs = "sweep"

    def run_pass(self) -> str:
        """Do one pass; return what it did, in a line for the operator."""
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=loop_seconds,
            default=0,
            metavar="SECONDS",
            help=_(
                "Repeat every SECONDS seconds until interrupted (e.g. %(seconds)d under "
                "systemd); 0, the default, runs once (for cron)."
            )
            % {"seconds": self.loop_example},
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
            logger.exception("%s failed", self.name_in_logs)
            self.stderr.write(_("Sweep failed: %(error)s") % {"error": error})
        finally:
            close_old_connections()

    def _pass(self) -> None:
        self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S}: {self.run_pass()}")

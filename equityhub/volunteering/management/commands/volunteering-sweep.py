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

from django.utils.translation import gettext as _

from equityhub.core.management.sweep import SweepCommand
from equityhub.volunteering import services


class Command(SweepCommand):
    help = _(
        "Lapse expired seat offers, send due shift reminders and credential expiry notices. "
        "Expected to run every 5 minutes: from cron (*/5 * * * * equityhub volunteering-sweep) "
        "or under systemd as a long-running service with --loop 300."
    )
    loop_example = 300
    name_in_logs = "volunteering sweep"

    def run_pass(self) -> str:
        counts = services.sweep()
        return _(
            "%(offers)d offer(s) expired, %(reminders)d reminder(s) sent, "
            "%(notices)d credential notice(s) sent."
        ) % {
            "offers": counts.get("offers_expired", 0),
            "reminders": counts.get("reminders_sent", 0),
            "notices": counts.get("credential_notices", 0),
        }

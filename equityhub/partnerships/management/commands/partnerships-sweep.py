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

from django.utils.translation import gettext as _

from equityhub.core.management.sweep import SweepCommand
from equityhub.partnerships import services_agreements


class Command(SweepCommand):
    help = _(
        "Expire agreements past their expiry date and send the renewal reminders that are due "
        "(90 and 30 days ahead). Run it daily from cron (15 6 * * * equityhub "
        "partnerships-sweep) or under systemd as a long-running service with --loop 3600."
    )
    loop_example = 3600
    name_in_logs = "partnerships sweep"

    def run_pass(self) -> str:
        counts = services_agreements.sweep()
        return _("%(expired)d agreement(s) expired, %(reminders)d renewal reminder(s) sent.") % {
            "expired": counts.get("expired", 0),
            "reminders": counts.get("reminders", 0),
        }

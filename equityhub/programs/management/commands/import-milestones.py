# ruff: noqa: N999  (the issue names the command import-milestones, hyphen and all)
"""`equityhub import-milestones FILE --format clearinghouse|aamc [--dry-run] [--actor EMAIL]`:
record milestones from a National Student Clearinghouse-style or AAMC-style CSV file.

All or nothing: one bad row and nothing is written; every problem is listed with its row
(counted from 1, the row under the header) and column, and the command exits with a non-zero
status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from equityhub.core.exceptions import ServiceError
from equityhub.people.management.commands import actor_option
from equityhub.programs.imports_outcomes import (
    AAMC,
    CLEARINGHOUSE,
    ImportFailed,
    import_milestones,
)


class Command(BaseCommand):
    help = _(
        "Record milestones (college entry, degree, STEM major; or medical school application, "
        "admission, matriculation) from a Clearinghouse-style or AAMC-style CSV file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("The CSV file (UTF-8)."))
        parser.add_argument(
            "--format",
            required=True,
            choices=(CLEARINGHOUSE, AAMC),
            help=_("clearinghouse (a StudentTracker detail report) or aamc."),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check the file and report what would change, without writing anything."),
        )
        parser.add_argument(
            "--actor", default=None, help=_("E-mail of the user the audit log names.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        actor = actor_option(options["actor"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s") % {"file": path, "reason": error.strerror}
            ) from None
        try:
            result = import_milestones(
                actor=actor, format=options["format"], file=data, dry_run=options["dry_run"]
            )
        except ImportFailed as failure:
            for problem in failure.errors:
                self.stderr.write(str(problem))
            raise CommandError(
                _("%(count)d problem(s) in %(file)s; nothing was written.")
                % {"count": len(failure.errors), "file": path.name}
            ) from None
        except ServiceError as error:
            raise CommandError(error.message) from None
        counts = (
            _(
                "%(rows)d row(s), %(people)d people: %(created)d milestone(s) recorded, "
                "%(updated)d updated, %(unchanged)d unchanged"
            )
            % result.as_counts()
        )
        if result.dry_run:
            self.stdout.write(_("Dry run, nothing written: %(counts)s.") % {"counts": counts})
        else:
            self.stdout.write(
                _("Imported %(file)s: %(counts)s.") % {"file": path.name, "counts": counts}
            )

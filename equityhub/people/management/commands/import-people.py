# ruff: noqa: N999  (the issue names the command import-people, hyphen and all)
"""`equityhub import-people FILE [--dry-run]`: add and update people from a CSV or XLSX file.

All or nothing: one bad row and nothing is written; every error is listed with its row and
column, and the command exits with a non-zero status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from equityhub.people.imports import import_people
from equityhub.people.management.commands import actor_option


class Command(BaseCommand):
    help = _("Import people from a CSV (UTF-8) or XLSX file; see docs/import-export.md.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("The CSV or XLSX file."))
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
        except OSError as problem:
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": problem.strerror}
            ) from None
        report = import_people(
            data=data, actor=actor, dry_run=options["dry_run"], file_name=path.name
        )
        for error in report.errors:
            where = _("row %(row)d") % {"row": error.row} if error.row else _("file")
            if error.column:
                where = _("%(where)s, column %(column)s") % {"where": where, "column": error.column}
            self.stderr.write(f"{where}: {error.message}")
        if report.ignored_columns:
            self.stderr.write(
                _("Ignored columns: %(columns)s") % {"columns": ", ".join(report.ignored_columns)}
            )
        counts = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged") % (
            report.as_counts()
        )
        if report.errors:
            raise CommandError(
                _("%(count)d error(s) in %(file)s; nothing was written (had it been: %(counts)s).")
                % {"count": len(report.errors), "file": path.name, "counts": counts}
            )
        if report.dry_run:
            self.stdout.write(_("Dry run, nothing written: %(counts)s.") % {"counts": counts})
        else:
            self.stdout.write(
                _("Imported %(file)s: %(counts)s.") % {"file": path.name, "counts": counts}
            )

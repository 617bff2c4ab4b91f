# ruff: noqa: N999  (the issue names the command export-people, hyphen and all)
"""`equityhub export-people FILE`: every person in the registry, in the columns the import reads.

CSV or XLSX by the file's extension (or --format). No demographics, ever.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from equityhub.people.imports import export_people
from equityhub.people.management.commands import actor_option
from equityhub.people.models import Person


class Command(BaseCommand):
    help = _("Export people to a CSV or XLSX file that `import-people` reads back unchanged.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("Where to write (.csv or .xlsx)."))
        parser.add_argument(
            "--format",
            choices=["csv", "xlsx"],
            default=None,
            help=_("csv or xlsx (default: from the file's extension, else csv)."),
        )
        parser.add_argument(
            "--actor", default=None, help=_("E-mail of the user the audit log names.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        fmt = options["format"] or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
        actor = actor_option(options["actor"])
        people = Person.objects.order_by("family_name", "given_name", "id")
        try:
            if fmt == "xlsx":
                with path.open("wb") as binary:
                    count = export_people(
                        people_queryset=people, stream=binary, fmt="xlsx", actor=actor
                    )
            else:
                with path.open("w", encoding="utf-8", newline="") as text:
                    count = export_people(
                        people_queryset=people, stream=text, fmt="csv", actor=actor
                    )
        except OSError as error:
            raise CommandError(
                _("Cannot write %(path)s: %(reason)s") % {"path": path, "reason": error.strerror}
            ) from None
        self.stdout.write(
            _("Exported %(count)d people to %(path)s.") % {"count": count, "path": path}
        )

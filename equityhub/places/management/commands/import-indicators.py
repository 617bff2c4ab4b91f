# ruff: noqa: N999  (the issue names the command import-indicators, hyphen and all)
"""`equityhub import-indicators FILE.csv --area-column GEOID_ZCTA --year 2018 --source "..."
[--kind zcta] [--unit COLUMN=UNIT ...] [--name COLUMN=NAME ...] [--dry-run] [--actor EMAIL]`:
add and update indicator values per area.

All or nothing: one bad row and nothing is written; every problem is listed with its row
(counted from 1, the row under the header) and column, and the command exits with a
non-zero status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from equityhub.core.exceptions import ServiceError
from equityhub.people.management.commands import actor_option
from equityhub.places.models import Area
from equityhub.places.services import ImportFailed, import_indicators


def assignment(value: str) -> tuple[str, str]:
    """COLUMN=VALUE, as --unit and --name take it."""
    column, equals, text = value.partition("=")
    if not equals or not column.strip():
        raise CommandError(_("%(value)s: write COLUMN=VALUE, e.g. pvty_pct=%%.") % {"value": value})
    return column.strip(), text.strip()


def year_option(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise CommandError(_("--year takes a year, e.g. 2018.")) from None


class Command(BaseCommand):
    help = _(
        "Import indicator values (one row per area, one column per indicator) from a CSV "
        "file; values already known for the indicator, area and year are updated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("The CSV file (UTF-8)."))
        parser.add_argument(
            "--area-column",
            required=True,
            help=_("The column holding the area codes, e.g. GEOID_ZCTA."),
        )
        parser.add_argument(
            "--year", required=True, type=year_option, help=_("The year of the figures.")
        )
        parser.add_argument(
            "--source",
            required=True,
            help=_("Where the figures come from, shown as their attribution."),
        )
        parser.add_argument(
            "--kind",
            default=Area.Kind.ZCTA,
            choices=Area.Kind.values,
            help=_("The kind of the areas (default: zcta)."),
        )
        parser.add_argument(
            "--unit",
            action="append",
            type=assignment,
            default=[],
            metavar="COLUMN=UNIT",
            help=_("The unit of a column's indicator, e.g. pvty_pct=%%; repeat as needed."),
        )
        parser.add_argument(
            "--name",
            action="append",
            type=assignment,
            default=[],
            metavar="COLUMN=NAME",
            help=_('The name of a column\'s indicator, e.g. "pvty_pct=Poverty rate".'),
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
            result = import_indicators(
                actor=actor,
                source_file=path,
                area_column=options["area_column"],
                year=options["year"],
                source=options["source"],
                kind=options["kind"],
                units=dict(options["unit"]) or None,
                names=dict(options["name"]) or None,
                dry_run=options["dry_run"],
            )
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(count)d problem(s) in %(file)s; nothing was written.")
                % {"count": len(failure.errors), "file": path.name}
            ) from None
        except ServiceError as error:
            raise CommandError(error.message) from None
        counts = (
            _(
                "%(indicators_created)d indicator(s) created, %(indicators_updated)d updated; "
                "%(values_created)d value(s) created, %(values_updated)d updated, "
                "%(values_unchanged)d unchanged, %(cells_empty)d empty cell(s) skipped"
            )
            % result.as_counts()
        )
        if result.dry_run:
            self.stdout.write(_("Dry run, nothing written: %(counts)s.") % {"counts": counts})
        else:
            self.stdout.write(
                _("Imported %(file)s: %(counts)s.") % {"file": path.name, "counts": counts}
            )

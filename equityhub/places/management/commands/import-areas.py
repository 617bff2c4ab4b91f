# ruff: noqa: N999  (the issue names the command import-areas, hyphen and all)
"""`equityhub import-areas FILE.geojson --id-property GEOID_ZCTA [--name-property P]
[--kind zcta] [--source "..."] [--dry-run] [--actor EMAIL]`: add and update area boundaries.

All or nothing: one bad feature and nothing is written; every problem is listed with the
feature's index (counted from 0, as in `jq '.features[12]'`) and the command exits with a
non-zero status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from equityhub.core.exceptions import ServiceError
from equityhub.people.management.commands import actor_option
from equityhub.places import geo
from equityhub.places.models import Area
from equityhub.places.services import ImportFailed, import_areas


def tolerance_option(value: str) -> float:
    try:
        tolerance = float(value)
    except ValueError:
        raise CommandError(_("--tolerance takes a number of degrees, e.g. 0.0003.")) from None
    if not 0 <= tolerance <= 0.1:
        raise CommandError(_("--tolerance takes 0 (no simplification) to 0.1 degrees."))
    return tolerance


class Command(BaseCommand):
    help = _(
        "Import area boundaries (Polygon or MultiPolygon, longitude/latitude) from a GeoJSON "
        "FeatureCollection; areas already known by kind and code are updated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("The GeoJSON file."))
        parser.add_argument(
            "--id-property",
            required=True,
            help=_("The feature property holding the area's code, e.g. GEOID_ZCTA."),
        )
        parser.add_argument(
            "--name-property",
            default=None,
            help=_("A feature property holding the area's name (blank names keep the old one)."),
        )
        parser.add_argument(
            "--kind",
            default=Area.Kind.ZCTA,
            choices=Area.Kind.values,
            help=_("The kind of area (default: zcta)."),
        )
        parser.add_argument(
            "--source",
            default="",
            help=_('Where the boundaries come from, shown as attribution, e.g. "U.S. Census".'),
        )
        parser.add_argument(
            "--tolerance",
            type=tolerance_option,
            default=geo.DEFAULT_TOLERANCE,
            help=_("How far (degrees) the map's simplified outline may stray; default 0.0003."),
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
            result = import_areas(
                actor=actor,
                source_file=path,
                id_property=options["id_property"],
                name_property=options["name_property"],
                kind=options["kind"],
                source=options["source"],
                tolerance=options["tolerance"],
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
        counts = _("%(created)d area(s) created, %(updated)d updated") % {
            "created": result.areas_created,
            "updated": result.areas_updated,
        }
        if result.dry_run:
            self.stdout.write(_("Dry run, nothing written: %(counts)s.") % {"counts": counts})
        else:
            self.stdout.write(
                _("Imported %(file)s: %(counts)s.") % {"file": path.name, "counts": counts}
            )

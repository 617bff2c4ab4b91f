"""The health-equity atlas pages, under /atlas/: the map with its tables, one area's panel, the
layers as JSON for the map, and the need-vs-reach table on its own (with a CSV download).

Office staff and leadership viewers (`access.can_view_aggregates`) may open them; everyone else
gets 403. The map is drawn by static/js/atlas.js from /api/v1/areas (boundaries and indicator
values) and layers.json; the page reads fully without it.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.lib.safe_export import write_csv
from equityhub.partnerships import selectors_atlas as atlas
from equityhub.partnerships.access import can_view_aggregates
from equityhub.partnerships.forms_atlas import AtlasForm
from equityhub.partnerships.models import FocusArea

FRAGMENT_TARGET = "atlas-indicator-tables"


def _require_atlas(request: AuthenticatedHttpRequest) -> None:
    if not can_view_aggregates(request.user):
        raise PermissionDenied


def _sort_links(
    request: AuthenticatedHttpRequest, base_url: str, current: str, anchor: str = ""
) -> dict[str, dict[str, str]]:
    """For each sortable column: the URL sorting by it (again: the other way round) and its
    `aria-sort` when it is the current one. Every other parameter is kept."""
    links = {}
    for name in ("area", "value", "need", "reach", "gap"):
        query = request.GET.copy()
        query["sort"] = f"-{name}" if current == name else name
        aria = ""
        if current.lstrip("-") == name:
            # "gap" puts the largest first; the others the smallest (rank 1, lowest value).
            largest_first = (name == "gap") != current.startswith("-")
            aria = "descending" if largest_first else "ascending"
        links[name] = {"url": f"{base_url}?{query.urlencode()}{anchor}", "aria_sort": aria}
    return links


def _csv_url(request: AuthenticatedHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("view", None)
    query.setlist("layer", [])
    query["format"] = "csv"
    return f"{reverse('atlas:need_vs_reach')}?{query.urlencode()}"


def _state(request: AuthenticatedHttpRequest, *, page: str = "index") -> dict[str, Any]:
    """The form and everything the page shows for it (a constant number of queries)."""
    values = atlas.latest_values()
    indicators = atlas.indicator_summaries(values)
    focus_areas = list(FocusArea.objects.order_by("name"))
    form = AtlasForm(
        request.GET,
        indicators=indicators,
        focus_areas=focus_areas,
        default_indicator=atlas.default_indicator_code(indicators),
    )
    state = form.state()
    focus = next((f for f in focus_areas if f.code == state["focus"]), None)
    indicator = next((i for i in indicators if i.code == state["indicator"]), None)
    legends = atlas.legends(indicators, values)
    layers = atlas.atlas_layers(focus=focus)
    readings = values.get(indicator.code, {}) if indicator else {}
    classes = legends.get(indicator.code, []) if indicator else []
    table = atlas.need_vs_reach(
        layers, indicator=indicator, readings=readings, sort=atlas.sort_or_default(state["sort"])
    )
    return {
        "form": form,
        "state": state,
        "indicators": indicators,
        "indicator": indicator,
        "legends": legends,
        "legend": classes,
        "no_data_count": sum(1 for area in layers.areas if area.id not in readings),
        "layers": layers,
        "indicator_rows": atlas.indicator_table(layers.areas, readings, classes),
        "need": table,
        "focus": focus,
        "threshold": layers.threshold,
        "sort_links": _sort_links(
            request,
            reverse(f"atlas:{page}"),
            table.sort,
            anchor="#need-vs-reach" if page == "index" else "",
        ),
        "csv_url": _csv_url(request),
    }


def _config(context: dict[str, Any]) -> dict[str, Any]:
    """What atlas.js reads (json_script): URLs, the chosen state, every indicator's legend and
    the strings it shows, translated here."""
    state = context["state"]
    threshold = context["threshold"]
    return {
        # GET /api/v1/areas (places.api): boundaries and indicator values as GeoJSON.
        "areasUrl": f"{reverse('api:api-root')}areas?kind={atlas.ATLAS_KIND}",
        "layersUrl": reverse("atlas:layers")
        + (f"?focus={context['focus'].code}" if context["focus"] else ""),
        "panelUrl": reverse("atlas:area", kwargs={"area_id": 0}),
        "indexUrl": reverse("atlas:index"),
        "fragmentTarget": FRAGMENT_TARGET,
        "indicator": state["indicator"],
        "layers": state["layers"],
        "palette": list(atlas.PALETTE),
        "noDataColour": atlas.NO_DATA_COLOUR,
        "tileUrl": getattr(settings, "ATLAS_TILE_URL", ""),
        "tileAttribution": getattr(settings, "ATLAS_TILE_ATTRIBUTION", ""),
        "threshold": threshold,
        "indicators": [
            {
                "code": indicator.code,
                "name": indicator.name,
                "title": indicator.title,
                "unit": indicator.unit,
                "higherMeansMoreNeed": indicator.higher_means_more_need,
                "source": indicator.source,
                "classes": [
                    {
                        "number": c.number,
                        "shade": c.shade,
                        "upper": c.upper,
                        "lower": c.lower,
                        "label": c.label,
                        "colour": c.colour,
                    }
                    for c in context["legends"].get(indicator.code, [])
                ],
            }
            for indicator in context["indicators"]
        ],
        "strings": {
            # Placeholders in braces are filled in by atlas.js.
            "loading": _("Loading boundaries…"),
            "loaded": _("Map ready: {count} areas."),
            "failed": _("The boundaries could not be loaded. The tables below show everything."),
            "noData": _("No data"),
            "noIndicators": _("No indicator values have been imported yet."),
            "darkerHigher": _("darker means a higher value (more need)"),
            "darkerLower": _("darker means a lower value (more need)"),
            "areaLabel": _("{area}: {value}. Press Enter for its details."),
            "initiatives": _("{area}: {count} current initiatives"),
            "hours": _("{area}: {hours} verified hours by {volunteers} volunteers"),
            "hoursHidden": _("{area}: fewer than {threshold} volunteers"),
            "participants": _("{area}: {count} outreach participants live here"),
            "participantsHidden": _("{area}: fewer than {threshold} participants"),
            "panelLoading": _("Loading the area's details…"),
            "panelFailed": _("The area's details could not be loaded."),
        },
    }


@login_required
@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The map, its legend and side panel, the tables behind every layer and the need-vs-reach
    table. With htmx and the indicator tables as target, only those tables (the map re-colours
    itself and asks for them when the indicator changes)."""
    _require_atlas(request)
    context = _state(request)
    if request.htmx and request.htmx.target == FRAGMENT_TARGET:
        return render(request, "partnerships/atlas/_indicator_tables.html", context)
    context["config"] = _config(context)
    context["tile_attribution"] = getattr(settings, "ATLAS_TILE_ATTRIBUTION", "")
    context["attribution"] = atlas.atlas_attribution()
    return render(request, "partnerships/atlas/index.html", context)


@login_required
@require_GET
def area(request: AuthenticatedHttpRequest, area_id: int) -> HttpResponse:
    """One area's panel: its indicators, initiatives, sites, hours and participants. htmx gets
    the fragment for the side panel; a plain request the same as a page."""
    _require_atlas(request)
    place = atlas.get_area_for_atlas(request.user, area_id)
    context = {
        "panel": atlas.area_panel(request.user, place),
        "threshold": atlas.suppression_threshold(),
    }
    if request.htmx:
        return render(request, "partnerships/atlas/_area_panel.html", context)
    return render(request, "partnerships/atlas/area.html", context)


@login_required
@require_GET
def layers(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Every layer of the map as JSON (`?focus=` narrows the initiatives)."""
    _require_atlas(request)
    focus = atlas.focus_area_or_none(request.GET.get("focus"))
    payload = atlas.layers_payload(atlas.atlas_layers(focus=focus))
    response = JsonResponse(payload)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def need_vs_reach(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The need-vs-reach table as a page of its own; `?format=csv` downloads it, every cell
    escaped against spreadsheet formulas."""
    _require_atlas(request)
    context = _state(request, page="need_vs_reach")
    if request.GET.get("format") == "csv":
        table = context["need"]
        stream = io.StringIO()
        write_csv(atlas.need_vs_reach_csv_rows(table), stream, header=atlas.CSV_HEADER)
        name = table.indicator.code if table.indicator else "no-indicator"
        response = HttpResponse(stream.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="need-vs-reach-{name}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
    context["query"] = request.GET.urlencode()
    return render(request, "partnerships/atlas/need.html", context)

"""Bus manifests of one site-visit session as a PDF (WeasyPrint).

Per bus: its stops with the sites' addresses and contacts, the groups on board with their
members' names, each group's leader and the leader's phone, and the head count. Leaders' phone
numbers are personal data: the view serves the PDF to office staff only. Nothing is fetched
while rendering (no file, no network): the print template carries its own styles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from equityhub.places.models import Site
from equityhub.plunge import selectors
from equityhub.plunge.models import Group, Plunge, Registration, Session, Visit

TEMPLATE = "plunge/manifest_pdf.html"


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint's URL fetcher: the manifest is self-contained, so nothing is fetched."""
    from weasyprint.urls import URLFetchingError  # noqa: PLC0415

    raise URLFetchingError(f"fetching {url!r} is disabled for bus manifests")


@dataclass
class Stop:
    name: str
    address: str
    contact_name: str
    contact_phone: str


@dataclass
class GroupOnBoard:
    number: int
    site: str
    members: list[str]
    leader: str
    leader_phone: str


@dataclass
class Bus:
    number: int | None
    stops: list[Stop] = field(default_factory=list)
    groups: list[GroupOnBoard] = field(default_factory=list)

    @property
    def people(self) -> int:
        return sum(len(group.members) for group in self.groups)


def _stop(site: Site) -> Stop:
    return Stop(
        name=site.name,
        address=", ".join(p for p in (site.address, site.city, site.state, site.zip_code) if p),
        contact_name=site.contact_name,
        contact_phone=site.contact_phone,
    )


def _on_board(group: Group, site: Site) -> GroupOnBoard:
    members: list[Registration] = list(group.members.all())
    leader = next((m for m in members if m.is_group_leader), None)
    phone = group.leader_phone or (leader.person.phone if leader else "")
    return GroupOnBoard(
        number=group.number,
        site=site.name,
        members=[m.person.display_name for m in members],
        leader=leader.person.display_name if leader else "",
        leader_phone=phone,
    )


def buses_of(session: Session) -> list[Bus]:
    """The session's bus runs (visits sharing a bus number); visits without a bus come last."""
    visits = (
        Visit.objects.filter(session=session)
        .select_related("site", "group")
        .prefetch_related(
            Prefetch(
                "group__members",
                queryset=Registration.objects.filter(status__in=Registration.ACTIVE)
                .select_related("person")
                .order_by("-is_group_leader", "person__family_name", "person__given_name"),
            )
        )
        .order_by("bus_number", "group__number")
    )
    buses: dict[int | None, Bus] = {}
    for visit in visits:
        bus = buses.setdefault(visit.bus_number, Bus(number=visit.bus_number))
        if visit.site.name not in [stop.name for stop in bus.stops]:
            bus.stops.append(_stop(visit.site))
        bus.groups.append(_on_board(visit.group, visit.site))
    return sorted(buses.values(), key=lambda b: (b.number is None, b.number or 0))


def manifest_context(plunge: Plunge, session: Session) -> dict[str, Any]:
    return {
        "plunge": plunge,
        "session": session,
        "label": selectors.session_label(session),
        "buses": buses_of(session),
        "office_name": settings.SITE_NAME,
        "printed_at": timezone.now(),
    }


def manifest_html(plunge: Plunge, session: Session) -> str:
    return render_to_string(TEMPLATE, manifest_context(plunge, session))


def render_manifest(plunge: Plunge, session: Session) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415

    document = HTML(string=manifest_html(plunge, session), base_url=None, url_fetcher=_refuse_fetch)
    pdf = document.write_pdf()
    if pdf is None:  # pragma: no cover - only when a target file is given
        raise RuntimeError("WeasyPrint returned no PDF")
    return bytes(pdf)

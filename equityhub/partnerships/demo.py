"""The consortium part of the St. Louis demo: partners, initiatives, agreements, shared metrics
and meetings, loaded from the plain data in `partnerships.demo_content`.

The partners are the consortium's real institutions (from `core.demo_data`), plus the City of
St. Louis Department of Health and the St. Louis County Department of Public Health (real public
agencies, named as they are; created here when missing). Everything they do together is made up
and says so: every initiative, agreement and meeting title ends in "(fictional)", the hospitals'
needs-assessment priorities are illustrative, contacts have example.org addresses and 555-01xx
phone numbers. Two contacts are demo logins: the office's own contact is the administrator, and
the Northside Community Health Collaborative's primary contact is the partner login (linked to
the contact as its portal account; it already holds the PARTNER role from the core demo, so no
invitation is sent).

Everything goes through the services, with their audit entries: the 66 St. Louis ZIP areas
(`places.services.load_demo_areas`), memberships and contacts, initiatives with their partners
and metrics, quarterly metric values (the last full quarters before `today`; some split over the
initiative's areas, some small so that the roll-up shows suppression; the partner login reports
its own organization's), agreements with their parties, a generated one-page PDF each and their
life cycle, and three meetings with attendance and action items. Two things are records, not
service calls: the needs-assessment priorities (reference data without a service) and the
activation of the agreement that has already expired (history the services rightly refuse to
replay: an agreement whose expiry date has passed cannot be put into effect). That agreement is
then expired by the nightly sweep's own service, `expire_agreements`.

The services give a new agreement its parties without a role; the loader names one party at
creation and adds the others with their roles, then takes the first off and adds it back with
its role (there is no service that changes a party's role).

Idempotent: when the Office of Diversity Programs is a consortium member, the demo is loaded and
nothing is written. Deterministic for a seed and a day.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from equityhub.accounts.models import User
from equityhub.core import demo_data
from equityhub.partnerships import demo_content as content
from equityhub.partnerships import (
    services_agreements,
    services_initiatives,
    services_meetings,
    services_partners,
)
from equityhub.partnerships.access import can_report_on_initiative
from equityhub.partnerships.models import (
    FOCUS_AREAS,
    POPULATIONS,
    ActionItem,
    Agreement,
    AgreementParty,
    Contact,
    FocusArea,
    Initiative,
    Meeting,
    MeetingAttendance,
    Membership,
    Metric,
    MetricValue,
    NeedsPriority,
    Population,
)
from equityhub.partnerships.selectors_agreements import RENEWAL_WINDOW_DAYS
from equityhub.people import services as people
from equityhub.people.models import Organization
from equityhub.places.models import Area
from equityhub.places.services import load_demo_areas

A = Agreement.Status
Coded = TypeVar("Coded", FocusArea, Population)
COMMUNITY_DOMAIN = demo_data.COMMUNITY_DOMAIN
FIRST_PHONE = 70  # contacts get 314-555-0170, -0171 ... (the fictional 555-01xx range)
MEETING_TIME = dt.time(17, 30)
HONORIFICS = frozenset({"dr", "rev", "mr", "ms", "mrs"})


@dataclass(frozen=True)
class DemoDepartment:
    """A public-health department the foundation's organizations may not include yet."""

    name: str
    short_name: str
    address: str
    city: str
    zip_code: str
    website: str


DEPARTMENTS: tuple[DemoDepartment, ...] = (
    DemoDepartment(
        content.CITY_HEALTH,
        "City DOH",
        "1520 Market St.",
        "St. Louis",
        "63103",
        "https://www.stlouis-mo.gov/government/departments/health/",
    ),
    DemoDepartment(
        content.COUNTY_HEALTH,
        "County DPH",
        "6121 N. Hanley Rd.",
        "Berkeley",
        "63134",
        "https://stlouiscountymo.gov/st-louis-county-departments/public-health/",
    ),
)


@dataclass
class Context:
    actor: User
    partner: User | None
    rng: random.Random
    today: dt.date
    created: Counter[str]
    organizations: dict[str, Organization] = field(default_factory=dict)
    # The first contact of each organization, by organization name (attendance, signatories).
    first_contacts: dict[str, str] = field(default_factory=dict)
    initiatives: dict[str, Initiative] = field(default_factory=dict)


def load(*, actor: User, seed: int, today: dt.date) -> Counter[str]:
    """Load the consortium demo unless it is there; returns what was created, by kind.

    `actor` is the office administrator who runs the consortium. Side effects, in order (each
    through its service, with its audit entry, except where the module docstring says): the
    demo's ZIP areas and their indicators; the two health departments when missing; the
    memberships and their contacts (the partner login linked to its organization's primary
    contact); the needs-assessment priorities; the initiatives, their partners, metrics and
    metric values; the agreements, their parties, documents and states; the meetings, their
    attendance and action items.
    """
    created: Counter[str] = Counter()
    with transaction.atomic():
        if Membership.objects.filter(
            organization__name=demo_data.OFFICE_OF_DIVERSITY_PROGRAMS
        ).exists():
            return created
        context = Context(
            actor=actor,
            partner=_login_user("partner"),
            rng=random.Random(f"partnerships:{seed}"),  # noqa: S311 - demo data, on purpose
            today=today,
            created=created,
        )
        areas_before = Area.objects.count()
        load_demo_areas(actor=actor)
        created["areas"] += Area.objects.count() - areas_before
        context.organizations = _organizations(context)
        _members(context)
        priorities = _priorities(context)
        _initiatives(context, priorities)
        _agreements(context)
        _meetings(context)
    return +created


def summary() -> str:
    """A few lines for the demo's report."""
    today = timezone.localdate()
    members = Membership.objects.filter(left_on__isnull=True).count()
    due = Agreement.objects.filter(
        status=A.ACTIVE,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=RENEWAL_WINDOW_DAYS),
    ).count()
    consortium = _(
        "consortium: %(members)d members with %(contacts)d contacts, %(initiatives)d "
        "initiatives, %(agreements)d agreements (%(due)d due for renewal within %(days)d days), "
        "%(values)d metric values, %(meetings)d meetings (%(open)d open action items)"
    ) % {
        "members": members,
        "contacts": Contact.objects.filter(is_active=True).count(),
        "initiatives": Initiative.objects.count(),
        "agreements": Agreement.objects.count(),
        "due": due,
        "days": RENEWAL_WINDOW_DAYS,
        "values": MetricValue.objects.count(),
        "meetings": Meeting.objects.count(),
        "open": ActionItem.objects.filter(status=ActionItem.Status.OPEN).count(),
    }
    atlas = _(
        "atlas: %(areas)d areas, %(boundaries)d with boundaries, %(indicators)d with indicators"
    ) % {
        "areas": Area.objects.count(),
        "boundaries": Area.objects.filter(geometry__isnull=False).count(),
        "indicators": Area.objects.filter(indicator_values__isnull=False).distinct().count(),
    }
    return f"  {consortium}\n  {atlas}"


# -- logins and organizations -----------------------------------------------------------------


def _login_email(key: str) -> str:
    return f"{key}@{demo_data.LOGIN_DOMAIN}"


def _login_user(key: str) -> User | None:
    return User.objects.filter(email__iexact=_login_email(key)).first()


def _organizations(context: Context) -> dict[str, Organization]:
    """Every organization the content names, by name; the health departments created when
    missing. The others come from `core.demo_data.ORGANIZATIONS` (the core demo makes them)."""
    names = {member.organization for member in content.MEMBERS}
    names |= {name for name, _year, _title in content.PRIORITIES}
    for initiative in content.INITIATIVES:
        names |= {initiative.lead, *(name for name, _role in initiative.partners)}
    for agreement in content.AGREEMENTS:
        names |= {name for name, _role in agreement.parties}
    found = {org.name: org for org in Organization.objects.filter(name__in=names)}
    for department in DEPARTMENTS:
        if department.name in found:
            continue
        found[department.name] = people.create_organization(
            actor=context.actor,
            name=department.name,
            short_name=department.short_name,
            kind=Organization.Kind.GOVERNMENT,
            address=department.address,
            city=department.city,
            state="MO",
            zip_code=department.zip_code,
            website=department.website,
        )
        context.created["organizations"] += 1
    missing = sorted(names - set(found))
    if missing:
        raise LookupError(
            f"The consortium demo needs the core demo's organizations first: {', '.join(missing)}"
        )
    return found


# -- members and contacts ---------------------------------------------------------------------


def _email(name: str, organization: Organization) -> str:
    """firstname.lastname@<organization>.example.org, lower-case ASCII, without honorifics."""
    words = [w for w in name.split() if w.rstrip(".").lower() not in HONORIFICS]
    domain = demo_data.email_slug(organization.short_name or organization.name)
    first, last = demo_data.email_slug(words[0]), demo_data.email_slug(words[-1])
    return f"{first}.{last}@{domain}.{COMMUNITY_DOMAIN}"


def _members(context: Context) -> None:
    """Memberships, then each member's contacts. The office's contact signs in as the admin
    login, Northside's primary contact as the partner login."""
    logins = {
        (demo_data.OFFICE_OF_DIVERSITY_PROGRAMS, "Renee Whitfield"): _login_email("admin"),
        (demo_data.NORTHSIDE, "Darnell Hairston"): _login_email("partner"),
    }
    phone = FIRST_PHONE
    for spec in content.MEMBERS:
        organization = context.organizations[spec.organization]
        services_partners.create_membership(
            actor=context.actor,
            organization=organization,
            partner_type=spec.partner_type,
            role=spec.role,
            joined_on=dt.date(*spec.joined, 1),
            description=spec.description,
        )
        context.created["consortium members"] += 1
        for name, title, role in spec.contacts:
            login_email = logins.get((spec.organization, name))
            contact = services_partners.create_contact(
                organization=organization,
                actor=context.actor,
                name=name,
                email=login_email or _email(name, organization),
                title=title,
                phone=f"314-555-01{phone:02d}",
                role=role,
            )
            phone += 1
            context.created["partner contacts"] += 1
            context.first_contacts.setdefault(spec.organization, name)
            partner = context.partner
            if login_email == _login_email("partner") and partner is not None:
                # The partner login holds its role already (core demo): link it, no invitation.
                Contact.objects.filter(pk=contact.pk).update(user=partner)


# -- initiatives and metrics ------------------------------------------------------------------


def _priorities(context: Context) -> dict[str, NeedsPriority]:
    """The illustrative needs-assessment priorities, by title (reference data: no service)."""
    found: dict[str, NeedsPriority] = {}
    for hospital, year, title in content.PRIORITIES:
        priority, new = NeedsPriority.objects.get_or_create(
            organization=context.organizations[hospital], year=year, title=title
        )
        found[title] = priority
        context.created["needs priorities"] += int(new)
    return found


def _coded(model: type[Coded], labels: Mapping[str, Promise]) -> dict[str, Coded]:
    """The seeded focus areas or populations (migration 0002), re-seeded if missing."""
    return {
        code: model.objects.get_or_create(code=code, defaults={"name": str(label)})[0]
        for code, label in labels.items()
    }


def quarters_before(today: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """The last `count` full calendar quarters before `today`, oldest first, as (first day,
    last day)."""
    start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarters: list[tuple[dt.date, dt.date]] = []
    for _step in range(count):
        end = start - dt.timedelta(days=1)
        start = dt.date(end.year, end.month - 2, 1)
        quarters.append((start, end))
    return quarters[::-1]


def split_value(value: int, parts: int, rng: random.Random) -> list[int]:
    """`value` split into `parts` whole numbers >= 0 that add up to it, unevenly (weights drawn
    from `rng`; largest remainders get the units left)."""
    weights = [rng.uniform(0.5, 1.5) for _part in range(parts)]
    total = sum(weights)
    shares = [value * weight / total for weight in weights]
    split = [int(share) for share in shares]
    order = sorted(range(parts), key=lambda i: (split[i] - shares[i], i))
    for index in order[: value - sum(split)]:
        split[index] += 1
    return split


def _initiatives(context: Context, priorities: dict[str, NeedsPriority]) -> None:
    actor, organizations = context.actor, context.organizations
    focus = _coded(FocusArea, FOCUS_AREAS)
    populations = _coded(Population, POPULATIONS)
    codes = {code for spec in content.INITIATIVES for code in spec.areas}
    areas = {a.code: a for a in Area.objects.filter(kind=Area.Kind.ZCTA, code__in=codes)}
    for spec in content.INITIATIVES:
        quarters = quarters_before(
            context.today, max((len(m.quarterly) for m in spec.metrics), default=0)
        )
        starts_on = dt.date(*spec.started, 1) if spec.started else None
        ends_on = None
        if spec.status == Initiative.Status.COMPLETED and quarters:
            ends_on = quarters[-1][1] if starts_on is None else max(quarters[-1][1], starts_on)
        initiative = services_initiatives.create_initiative(
            actor=actor,
            title=spec.title,
            lead_organization=organizations[spec.lead],
            status=spec.status,
            summary=spec.summary,
            starts_on=starts_on,
            ends_on=ends_on,
            funding_amount=Decimal(spec.funding) if spec.funding is not None else None,
            funding_source=spec.funding_source,
            focus_areas=[focus[code] for code in spec.focus],
            populations=[populations[code] for code in spec.populations],
            areas=[areas[code] for code in spec.areas],
            needs_priorities=[priorities[title] for title in spec.priorities],
        )
        context.initiatives[spec.title] = initiative
        context.created["initiatives"] += 1
        for name, role in spec.partners:
            services_initiatives.add_partner(
                actor=actor, initiative=initiative, organization=organizations[name], role=role
            )
            context.created["initiative partners"] += 1
        reporter = _reporter(context, initiative)
        for metric_spec in spec.metrics:
            metric = services_initiatives.define_metric(
                actor=actor, initiative=initiative, name=metric_spec.name, kind=metric_spec.kind
            )
            context.created["metrics"] += 1
            _report(context, metric, metric_spec, [areas[code] for code in spec.areas], reporter)


def _reporter(context: Context, initiative: Initiative) -> User:
    """The partner login reports its own organization's initiatives; the office the others."""
    partner = context.partner
    lead = initiative.lead_organization
    if (
        partner is not None
        and lead.name == demo_data.NORTHSIDE
        and can_report_on_initiative(partner, initiative)
    ):
        return partner
    return context.actor


def _report(
    context: Context,
    metric: Metric,
    spec: content.DemoMetric,
    areas: list[Area],
    reporter: User,
) -> None:
    quarters = quarters_before(context.today, len(spec.quarterly))
    for (start, end), value in zip(quarters, spec.quarterly, strict=True):
        if spec.by_area:
            parts = split_value(value, len(areas), context.rng)
            for area, part in zip(areas, parts, strict=True):
                services_initiatives.report_metric_value(
                    actor=reporter,
                    metric=metric,
                    period_start=start,
                    period_end=end,
                    value=part,
                    area=area,
                )
                context.created["metric values"] += 1
        else:
            services_initiatives.report_metric_value(
                actor=reporter, metric=metric, period_start=start, period_end=end, value=value
            )
            context.created["metric values"] += 1


# -- agreements -------------------------------------------------------------------------------


def _pdf_text(text: str) -> str:
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def agreement_pdf(title: str, lines: tuple[str, ...] = ()) -> bytes:
    """A one-page PDF (Helvetica, US Letter) with the title and a few lines, built in memory."""
    text = [title, *lines]
    stream = ["BT", "/F1 14 Tf", "72 720 Td", f"({_pdf_text(text[0])}) Tj", "/F1 11 Tf"]
    stream += [f"0 -20 Td ({_pdf_text(line)}) Tj" for line in text[1:]]
    stream.append("ET")
    body = "\n".join(stream).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _file_name(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80] + ".pdf"


def _agreements(context: Context) -> None:
    """Each agreement as drafted, with its parties, its signed copy and its state; then the
    sweep expires the one whose expiry date has passed."""
    expired = False
    for spec in content.AGREEMENTS:
        agreement = _agreement(context, spec)
        if spec.status == A.ACTIVE:
            services_agreements.activate_agreement(agreement=agreement, actor=context.actor)
        elif spec.status == A.TERMINATED:
            services_agreements.activate_agreement(agreement=agreement, actor=context.actor)
            services_agreements.terminate_agreement(
                agreement=agreement,
                actor=context.actor,
                terminated_on=context.today,
                reason="The parties ended it early (fictional).",
            )
        elif spec.status == A.EXPIRED:
            # History: it was in effect until its expiry date passed. The services refuse to put
            # an agreement whose expiry date has passed into effect, so that step is a record.
            Agreement.objects.filter(pk=agreement.pk).update(
                status=A.ACTIVE, updated_at=timezone.now()
            )
            expired = True
    if expired:
        services_agreements.expire_agreements(today=context.today)


def _agreement(context: Context, spec: content.DemoAgreement) -> Agreement:
    actor, organizations, today = context.actor, context.organizations, context.today
    effective_on = today + dt.timedelta(days=spec.effective_days)
    expires_on = (
        today + dt.timedelta(days=spec.expires_days) if spec.expires_days is not None else None
    )
    (first, first_role), *others = spec.parties
    agreement = services_agreements.create_agreement(
        actor=actor,
        title=spec.title,
        parties=[organizations[first]],
        kind=spec.kind,
        description=spec.description,
        initiative=context.initiatives[spec.initiative] if spec.initiative else None,
        effective_on=effective_on,
        expires_on=expires_on,
    )
    context.created["agreements"] += 1
    signed = spec.status != A.DRAFT
    for name, role in others:
        _add_party(context, agreement, name, role, signed=signed, effective_on=effective_on)
    first_party = AgreementParty.objects.get(agreement=agreement, organization=organizations[first])
    services_agreements.update_party(
        party=first_party,
        actor=actor,
        role=first_role,
        signatory=context.first_contacts.get(first, "") if signed else "",
        signed_on=_signed_on(context, effective_on) if signed else None,
    )
    context.created["agreement parties"] += len(spec.parties)
    if spec.document:
        expiry = f", expires {expires_on.isoformat()}" if expires_on else ""
        pdf = agreement_pdf(
            spec.title,
            (
                "A fictional agreement made up for the Equity Hub demo,",
                "not a real agreement between these organizations.",
                f"Effective {effective_on.isoformat()}{expiry}. Parties:",
                *(f"- {name} ({role.lower()})" for name, role in spec.parties),
            ),
        )
        services_agreements.upload_document(
            agreement=agreement,
            actor=actor,
            file=SimpleUploadedFile(_file_name(spec.title), pdf, content_type="application/pdf"),
            title="Signed copy (fictional)" if signed else "Draft (fictional)",
        )
        context.created["agreement documents"] += 1
    return agreement


def _signed_on(context: Context, effective_on: dt.date) -> dt.date:
    return min(effective_on - dt.timedelta(days=context.rng.randint(3, 20)), context.today)


def _add_party(
    context: Context,
    agreement: Agreement,
    name: str,
    role: str,
    *,
    signed: bool,
    effective_on: dt.date,
) -> None:
    signed_on = _signed_on(context, effective_on) if signed else None
    services_agreements.add_party(
        agreement=agreement,
        actor=context.actor,
        organization=context.organizations[name],
        role=role,
        signatory=context.first_contacts.get(name, "") if signed else "",
        signed_on=signed_on,
    )


# -- meetings ---------------------------------------------------------------------------------


def _meetings(context: Context) -> None:
    """Each meeting at 17:30 in the office's time zone (America/Chicago), `days_ago` before
    today: the first contact of each attending organization present, of the others regrets;
    action items due `due_days` after the meeting, the done ones completed a few days early."""
    actor, organizations, rng = context.actor, context.organizations, context.rng
    office_zone = timezone.get_default_timezone()
    for spec in content.MEETINGS:
        day = context.today - dt.timedelta(days=spec.days_ago)
        meeting = services_meetings.create_meeting(
            actor=actor,
            title=spec.title,
            starts_at=dt.datetime.combine(day, MEETING_TIME, tzinfo=office_zone),
            location=spec.location,
            agenda=spec.agenda,
            minutes=spec.minutes,
        )
        context.created["meetings"] += 1
        for names, status in (
            (spec.attendees, MeetingAttendance.Status.PRESENT),
            (spec.regrets, MeetingAttendance.Status.REGRETS),
        ):
            for name in names:
                services_meetings.record_attendance(
                    meeting=meeting,
                    actor=actor,
                    organization=organizations[name],
                    name=context.first_contacts[name],
                    status=status,
                )
                context.created["meeting attendance"] += 1
        for item_spec in spec.action_items:
            due_on = day + dt.timedelta(days=item_spec.due_days)
            item = services_meetings.add_action_item(
                meeting=meeting,
                actor=actor,
                description=item_spec.description,
                owner_organization=organizations[item_spec.organization],
                owner_name=item_spec.owner,
                due_on=due_on,
            )
            context.created["action items"] += 1
            if item_spec.done:
                early = due_on - dt.timedelta(days=rng.randint(2, 6))
                services_meetings.complete_action_item(
                    item=item, actor=actor, completed_on=min(max(early, day), context.today)
                )

"""The consortium's St. Louis demo (`equityhub.partnerships.demo`), loaded after the core demo
(organizations and logins, no generated people) on a fixed day."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from equityhub.accounts.models import User
from equityhub.audit.models import AuditEntry
from equityhub.core import demo_data
from equityhub.core.management.commands import demo as demo_command
from equityhub.partnerships import access, demo, rollups
from equityhub.partnerships import demo_content as content
from equityhub.partnerships.models import (
    ActionItem,
    Agreement,
    AgreementDocument,
    AgreementParty,
    Contact,
    Initiative,
    InitiativePartner,
    Meeting,
    MeetingAttendance,
    Membership,
    Metric,
    MetricValue,
    NeedsPriority,
)
from equityhub.partnerships.selectors_initiatives import overlaps_for_user
from equityhub.partnerships.services_agreements import document_kind
from equityhub.places.models import Area

pytestmark = pytest.mark.django_db

SEED = demo_data.DEFAULT_SEED
CHICAGO = ZoneInfo("America/Chicago")
TODAY = dt.date(2026, 11, 16)
A = Agreement.Status


@dataclass(frozen=True)
class Loaded:
    admin: User
    partner: User
    created: Counter[str]
    today: dt.date


def _core_demo_without_people() -> None:
    """What the core demo makes before the consortium's loader runs: the logins with their
    persons and roles (the partner login scoped to Northside) and the organizations. The
    volunteering and Plunge demos are left out (they take seconds); one test runs them."""
    created: Counter[str] = Counter()
    users = {login.key: demo_command._ensure_user(login, created) for login in demo_data.LOGINS}
    admin = users["admin"]
    organizations = demo_command._ensure_organizations(actor=admin, created=created)
    for login in demo_data.LOGINS:
        demo_command._ensure_login(
            login, users[login.key], organizations, actor=admin, created=created
        )


def _load(today: dt.date) -> Loaded:
    _core_demo_without_people()
    admin = User.objects.get(email=f"admin@{demo_data.LOGIN_DOMAIN}")
    partner = User.objects.get(email=f"partner@{demo_data.LOGIN_DOMAIN}")
    created = demo.load(actor=admin, seed=SEED, today=today)
    return Loaded(admin=admin, partner=partner, created=created, today=today)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=CHICAGO)


@pytest.fixture
def loaded(settings: Any, tmp_path: Any) -> Iterator[Loaded]:
    settings.MEDIA_ROOT = tmp_path  # agreement documents are written to storage
    with time_machine.travel(_at(TODAY), tick=True):
        yield _load(TODAY)


def _northside() -> str:
    return demo_data.NORTHSIDE


# -- what is loaded ---------------------------------------------------------------------------


def test_the_demo_loads_every_member_and_contact_of_the_content(loaded):
    assert Membership.objects.count() == len(content.MEMBERS)
    for spec in content.MEMBERS:
        membership = Membership.objects.get(organization__name=spec.organization)
        assert (membership.partner_type, membership.role) == (spec.partner_type, spec.role)
        assert membership.joined_on == dt.date(*spec.joined, 1)
        names = set(
            Contact.objects.filter(organization=membership.organization).values_list(
                "name", flat=True
            )
        )
        assert names == {name for name, _title, _role in spec.contacts}
    assert Contact.objects.count() == sum(len(spec.contacts) for spec in content.MEMBERS)


def test_contacts_have_example_addresses_and_fictional_phone_numbers(loaded):
    logins = {f"admin@{demo_data.LOGIN_DOMAIN}", f"partner@{demo_data.LOGIN_DOMAIN}"}
    for contact in Contact.objects.select_related("organization"):
        assert re.fullmatch(r"314-555-01\d\d", contact.phone)
        if contact.email in logins:
            continue
        assert re.fullmatch(r"[a-z]+\.[a-z]+@[a-z]+\.example\.org", contact.email), contact.email
    okafor = Contact.objects.get(name="Dr. Amara Okafor")
    assert okafor.email == "amara.okafor@iph.example.org"


def test_the_partner_login_is_northsides_primary_contact_and_was_not_invited(loaded):
    contact = Contact.objects.get(organization__name=_northside(), role=Contact.Role.PRIMARY)
    assert (contact.name, contact.email) == ("Darnell Hairston", loaded.partner.email)
    assert contact.user == loaded.partner
    assert contact.invited_at is None
    assert not AuditEntry.objects.filter(action="partnerships.contact.invited").exists()
    office = Contact.objects.get(organization__name=demo_data.OFFICE_OF_DIVERSITY_PROGRAMS)
    assert office.email == loaded.admin.email


def test_the_health_departments_are_created_as_government_agencies(loaded):
    for department in demo.DEPARTMENTS:
        membership = Membership.objects.select_related("organization").get(
            organization__name=department.name
        )
        organization = membership.organization
        assert organization.kind == "government"
        assert (organization.address, organization.zip_code, organization.website) == (
            department.address,
            department.zip_code,
            department.website,
        )
        assert not organization.is_fictional


def test_the_demo_loads_every_initiative_with_its_partners_and_metrics(loaded):
    assert Initiative.objects.count() == len(content.INITIATIVES)
    assert NeedsPriority.objects.count() == len(content.PRIORITIES)
    for spec in content.INITIATIVES:
        initiative = Initiative.objects.get(title=spec.title)
        assert initiative.title.endswith("(fictional)")
        assert initiative.lead_organization.name == spec.lead
        assert initiative.status == spec.status
        assert initiative.created_by == loaded.admin
        assert set(initiative.focus_areas.values_list("code", flat=True)) == set(spec.focus)
        assert set(initiative.areas.values_list("code", flat=True)) == set(spec.areas)
        assert set(initiative.needs_priorities.values_list("title", flat=True)) == set(
            spec.priorities
        )
        assert set(initiative.partners.values_list("organization__name", "role")) == set(
            spec.partners
        )
        assert set(initiative.metrics.values_list("name", "kind")) == {
            (metric.name, metric.kind) for metric in spec.metrics
        }
    assert InitiativePartner.objects.count() == sum(len(s.partners) for s in content.INITIATIVES)
    assert Metric.objects.count() == sum(len(s.metrics) for s in content.INITIATIVES)


def test_metric_values_cover_the_last_full_quarters_and_add_up_to_the_content(loaded):
    expected_rows = 0
    for spec in content.INITIATIVES:
        for metric_spec in spec.metrics:
            metric = Metric.objects.get(initiative__title=spec.title, name=metric_spec.name)
            quarters = demo.quarters_before(TODAY, len(metric_spec.quarterly))
            for (start, end), value in zip(quarters, metric_spec.quarterly, strict=True):
                values = MetricValue.objects.filter(metric=metric, period_start=start)
                assert {v.period_end for v in values} == {end}
                assert sum(v.value for v in values) == value
                if metric_spec.by_area:
                    assert values.filter(area__isnull=True).count() == 0
                    assert values.count() == len(spec.areas)
                else:
                    assert values.get().area is None
            parts = len(spec.areas) if metric_spec.by_area else 1
            expected_rows += parts * len(metric_spec.quarterly)
    assert MetricValue.objects.count() == expected_rows
    # The latest quarter ended before today; the one under way is not reported.
    assert MetricValue.objects.filter(period_end__gte=TODAY).count() == 0
    small = MetricValue.objects.filter(metric__counts_people=True, value__gte=1, value__lt=11)
    assert small.exists()


def test_the_partner_login_reports_its_own_organizations_initiative(loaded):
    values = MetricValue.objects.filter(metric__initiative__lead_organization__name=_northside())
    assert values.exists()
    assert set(values.values_list("reported_by", flat=True)) == {loaded.partner.pk}
    others = MetricValue.objects.exclude(metric__initiative__lead_organization__name=_northside())
    assert set(others.values_list("reported_by", flat=True)) == {loaded.admin.pk}


def test_the_demo_loads_every_agreement_in_its_state_with_parties_and_documents(loaded):
    assert Agreement.objects.count() == len(content.AGREEMENTS)
    for spec in content.AGREEMENTS:
        agreement = Agreement.objects.get(title=spec.title)
        assert agreement.status == spec.status
        assert agreement.effective_on == TODAY + dt.timedelta(days=spec.effective_days)
        assert spec.expires_days is not None
        assert agreement.expires_on == TODAY + dt.timedelta(days=spec.expires_days)
        assert (agreement.initiative.title if agreement.initiative else "") == spec.initiative
        parties = AgreementParty.objects.filter(agreement=agreement)
        assert set(parties.values_list("organization__name", "role")) == set(spec.parties)
        signed = spec.status != A.DRAFT
        assert all(bool(party.signatory) == signed for party in parties)
        assert all((party.signed_on is not None) == signed for party in parties)
        assert agreement.documents.count() == int(spec.document)
    assert AgreementDocument.objects.count() == sum(s.document for s in content.AGREEMENTS)


def test_the_expired_agreement_was_expired_by_the_sweep(loaded):
    expired = Agreement.objects.get(status=A.EXPIRED)
    assert expired.expires_on is not None
    assert expired.expires_on < TODAY
    assert AuditEntry.objects.filter(
        action="partnerships.agreement.expired", object_id=str(expired.pk)
    ).exists()


def test_agreements_come_up_for_renewal_within_30_and_90_days(loaded):
    active = Agreement.objects.filter(status=A.ACTIVE, expires_on__gte=TODAY)
    within_30 = active.filter(expires_on__lte=TODAY + dt.timedelta(days=30))
    within_90 = active.filter(expires_on__gt=TODAY + dt.timedelta(days=30)).filter(
        expires_on__lte=TODAY + dt.timedelta(days=90)
    )
    assert within_30.exists()
    assert within_90.exists()


def test_every_document_is_a_pdf_the_upload_check_accepts(loaded):
    for document in AgreementDocument.objects.all():
        assert document.content_type == "application/pdf"
        assert document.title.endswith("(fictional)")
        with document.file.open("rb") as stream:
            data = stream.read()
        assert data.startswith(b"%PDF-1.4")
        assert data.rstrip().endswith(b"%%EOF")


def test_the_demo_loads_every_meeting_with_attendance_and_action_items(loaded):
    assert Meeting.objects.count() == len(content.MEETINGS)
    for spec in content.MEETINGS:
        meeting = Meeting.objects.get(title=spec.title)
        local = timezone.localtime(meeting.starts_at, CHICAGO)
        assert local.date() == TODAY - dt.timedelta(days=spec.days_ago)
        assert local.time() == dt.time(17, 30)
        attendance = set(meeting.attendance.values_list("organization__name", "status"))
        assert attendance == {(name, "present") for name in spec.attendees} | {
            (name, "regrets") for name in spec.regrets
        }
        for item_spec in spec.action_items:
            item = ActionItem.objects.get(meeting=meeting, description=item_spec.description)
            assert item.owner_name == item_spec.owner
            assert item.due_on == local.date() + dt.timedelta(days=item_spec.due_days)
            if item_spec.done:
                assert item.status == ActionItem.Status.DONE
                assert item.completed_on is not None
                assert local.date() <= item.completed_on < item.due_on
            else:
                assert item.status == ActionItem.Status.OPEN
    assert MeetingAttendance.objects.count() == sum(
        len(s.attendees) + len(s.regrets) for s in content.MEETINGS
    )
    assert ActionItem.objects.count() == sum(len(s.action_items) for s in content.MEETINGS)


def test_after_the_whole_core_demo_it_loads_the_66_zip_areas_with_indicators(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(_at(TODAY), tick=True):
        demo_command.load_demo(people_count=0, seed=SEED)
        admin = User.objects.get(email=f"admin@{demo_data.LOGIN_DOMAIN}")
        # Once the demo command loads the consortium itself this finds it loaded: the checks
        # below look at the database.
        demo.load(actor=admin, seed=SEED, today=TODAY)
    codes = {spec_area for spec in content.INITIATIVES for spec_area in spec.areas}
    zctas = Area.objects.filter(kind=Area.Kind.ZCTA)
    assert zctas.count() >= 66
    assert codes <= set(zctas.values_list("code", flat=True))
    assert zctas.filter(indicator_values__isnull=False).distinct().count() >= 66
    # The volunteering demo named some of them first; they were kept, not duplicated.
    assert zctas.filter(code="63106").count() == 1
    assert Initiative.objects.count() == len(content.INITIATIVES)
    assert Membership.objects.count() == len(content.MEMBERS)


def test_everything_the_demo_makes_up_says_so(loaded):
    titles = [
        *Initiative.objects.values_list("title", flat=True),
        *Agreement.objects.values_list("title", flat=True),
        *Meeting.objects.values_list("title", flat=True),
    ]
    assert all(title.endswith(content.FICTIONAL) for title in titles)
    assert all("(illustrative)" in p.title for p in NeedsPriority.objects.all())


# -- what the demo shows ----------------------------------------------------------------------


def test_the_content_has_overlapping_initiatives(loaded):
    pairs = overlaps_for_user(loaded.admin)
    shared = {
        (focus.code, area.code)
        for pair in pairs
        for focus in pair.focus_areas
        for area in pair.areas
    }
    assert {("cancer_screening", "63113"), ("cancer_screening", "63111")} <= shared
    assert {("cancer_screening", "63118"), ("chronic_disease", "63115")} <= shared


def test_the_roll_up_shows_suppressed_cells(loaded):
    rollup = rollups.build_rollup(rollups.default_filters())
    assert rollup.any_suppressed
    assert any(row.suppressed for row in rollup.by_focus_area)


@pytest.mark.parametrize("day", [dt.date(2027, 2, 10), dt.date(2027, 8, 20)])
def test_the_roll_up_shows_suppressed_cells_whatever_the_day(day, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(_at(day), tick=True):
        _load(day)
        rollup = rollups.build_rollup(rollups.default_filters())
    assert any(row.suppressed for row in rollup.by_focus_area)


def test_the_partner_login_sees_only_northsides_initiatives_and_agreements(loaded):
    northside = _northside()
    expected_initiatives = {
        spec.title
        for spec in content.INITIATIVES
        if spec.lead == northside or northside in {name for name, _role in spec.partners}
    }
    expected_agreements = {
        spec.title
        for spec in content.AGREEMENTS
        if northside in {name for name, _role in spec.parties}
    }
    partner = loaded.partner
    initiatives = set(access.initiatives_for_user(partner).values_list("title", flat=True))
    agreements = set(access.agreements_for_user(partner).values_list("title", flat=True))
    assert initiatives == expected_initiatives
    assert agreements == expected_agreements
    assert len(initiatives) < Initiative.objects.count()
    assert len(agreements) < Agreement.objects.count()


def test_loading_it_again_creates_nothing(loaded):
    audit = AuditEntry.objects.count()
    counts = {
        model.__name__: model._default_manager.count()
        for model in (Membership, Contact, Initiative, MetricValue, Agreement, Meeting, Area)
    }

    again = demo.load(actor=loaded.admin, seed=SEED, today=TODAY)

    assert again == Counter()
    assert AuditEntry.objects.count() == audit
    assert {
        model.__name__: model._default_manager.count()
        for model in (Membership, Contact, Initiative, MetricValue, Agreement, Meeting, Area)
    } == counts


def test_the_first_load_reports_what_it_created(loaded):
    assert loaded.created["consortium members"] == len(content.MEMBERS)
    assert loaded.created["initiatives"] == len(content.INITIATIVES)
    assert loaded.created["agreements"] == len(content.AGREEMENTS)
    assert loaded.created["metric values"] == MetricValue.objects.count()
    assert loaded.created["meetings"] == len(content.MEETINGS)


def test_the_summary_counts_members_agreements_due_and_open_action_items(loaded):
    text = demo.summary()

    assert f"{len(content.MEMBERS)} members" in text
    assert f"{len(content.INITIATIVES)} initiatives" in text
    assert "2 due for renewal within 90 days" in text
    assert f"{MetricValue.objects.count()} metric values" in text
    assert "open action items" in text
    assert "with boundaries" in text


def test_the_load_is_the_same_for_the_same_seed_and_day(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def snapshot() -> list[tuple[Any, ...]]:
        return sorted(
            MetricValue.objects.values_list(
                "metric__initiative__title", "metric__name", "period_start", "area__code", "value"
            )
        )

    with time_machine.travel(_at(TODAY), tick=True):
        _load(TODAY)
        first = snapshot()
        MetricValue.objects.all().delete()
        Membership.objects.all().delete()
        Agreement.objects.all().delete()
        Meeting.objects.all().delete()
        Initiative.objects.all().delete()
        Contact.objects.all().delete()
        admin = User.objects.get(email=f"admin@{demo_data.LOGIN_DOMAIN}")
        demo.load(actor=admin, seed=SEED, today=TODAY)
        assert snapshot() == first


# -- the pieces -------------------------------------------------------------------------------


def test_quarters_before_gives_the_last_full_quarters_oldest_first():
    assert demo.quarters_before(dt.date(2026, 11, 16), 3) == [
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
    ]
    assert demo.quarters_before(dt.date(2027, 1, 1), 2) == [
        (dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        (dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ]
    assert demo.quarters_before(dt.date(2027, 1, 1), 0) == []


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=8))
def test_a_split_value_adds_up_with_no_negative_part(value, parts):
    split = demo.split_value(value, parts, random.Random(value * 31 + parts))
    assert len(split) == parts
    assert sum(split) == value
    assert min(split) >= 0


def test_the_generated_pdf_is_well_formed_and_passes_the_upload_check():
    data = demo.agreement_pdf("MOU (fictional) \\ test", ("Parties: A, B",))
    upload = SimpleUploadedFile("mou.pdf", data, content_type="application/pdf")

    assert document_kind(upload) == "pdf"
    start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert data[start:].startswith(b"xref\n0 6\n")
    offsets = re.findall(rb"(\d{10}) 00000 n ", data[start:])
    for number, offset in enumerate(offsets, start=1):
        assert data[int(offset) :].startswith(b"%d 0 obj" % number)
    assert b"\\(fictional\\) \\\\ test" in data

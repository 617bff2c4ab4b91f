"""Volunteering reports: the numbers, small-count suppression, who sees which sites, the query
count, and the CSV/XLSX export of verified hours."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equityhub.accounts.models import Role, User
from equityhub.audit.models import AuditEntry
from equityhub.people.models import Person
from equityhub.places.models import Site
from equityhub.volunteering import reports
from equityhub.volunteering.models import HoursEntry, Shift, SignUp
from tests.factories import AffiliationFactory, PersonFactory
from tests.volunteering.factories import AreaFactory, HoursEntryFactory, SiteFactory

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]
START, END = dt.date(2025, 1, 1), dt.date(2025, 3, 31)
PERIOD = {"start": START.isoformat(), "end": END.isoformat()}
V, SUBMITTED = HoursEntry.Status.VERIFIED, HoursEntry.Status.SUBMITTED


@dataclass
class Fixture:
    entries: list[HoursEntry]
    program: dict[int, str]  # person id -> expected school/program label


@pytest.fixture
def data(site: Site, other_site: Site) -> Fixture:
    """Five people, two sites in two areas and service elsewhere, some entries out of the
    period or not verified."""
    site.area = AreaFactory(code="63106", name="Downtown West")
    site.save()
    other_site.area = AreaFactory(code="63107", name="")
    other_site.save()
    p1, p2, p3, p4, p5 = (PersonFactory() for _ in range(5))
    AffiliationFactory(person=p1, is_primary=True, school_program="MD program")
    AffiliationFactory(person=p2, is_primary=True, school_program="Occupational Therapy")
    AffiliationFactory(person=p3, is_primary=False, school_program="MD program")
    AffiliationFactory(
        person=p4,
        is_primary=True,
        school_program="Physical Therapy",
        start_date=dt.date(2020, 8, 1),
        end_date=dt.date(2024, 5, 31),  # ended: not current
    )
    AffiliationFactory(person=p5, is_primary=True, school_program="MD program")
    rows: list[tuple[Person, Site | None, str, str, str, HoursEntry.Status]] = [
        (p1, site, "", "2025-01-10", "3.00", V),
        (p1, site, "", "2025-01-20", "2.50", V),
        (p2, site, "", "2025-02-05", "4.00", V),
        (p3, other_site, "", "2025-02-14", "1.75", V),
        (p4, None, "Food pantry on Natural Bridge", "2025-03-03", "5.00", V),
        (p2, other_site, "", "2025-03-09", "2.00", V),
        (p5, site, "", "2025-03-10", "6.00", SUBMITTED),
        (p1, site, "", "2024-12-31", "8.00", V),
        (p3, site, "", "2025-04-01", "1.00", V),
    ]
    entries = [
        HoursEntryFactory(
            person=person,
            site=place,
            organization_name=org,
            date=dt.date.fromisoformat(day),
            hours=Decimal(hours),
            status=status,
        )
        for person, place, org, day, hours, status in rows
    ]
    program = {
        p1.pk: "MD program",
        p2.pk: "Occupational Therapy",
        p3.pk: "Not recorded",
        p4.pk: "Not recorded",
        p5.pk: "MD program",
    }
    return Fixture(entries=entries, program=program)


def _expected(fixture: Fixture, key: Callable[[HoursEntry], Any]) -> dict[Any, tuple[int, Decimal]]:
    """Distinct volunteers and verified hours per group, computed in Python."""
    people: dict[Any, set[int]] = defaultdict(set)
    hours: dict[Any, Decimal] = defaultdict(Decimal)
    for entry in fixture.entries:
        if entry.status == V and START <= entry.date <= END:
            people[key(entry)].add(entry.person_id)
            hours[key(entry)] += entry.hours
    return {group: (len(people[group]), hours[group]) for group in people}


def _actual(rows: list[reports.HoursRow]) -> dict[str, tuple[int, Decimal]]:
    return {row.key: (row.volunteers, row.hours) for row in rows}


# -- the numbers -----------------------------------------------------------------------------


def test_hours_by_month_counts_verified_hours_and_distinct_volunteers(data: Fixture) -> None:
    expected = _expected(data, lambda e: e.date.replace(day=1))

    rows = reports.hours_by_month(START, END)

    assert [row.month for row in rows] == [dt.date(2025, m, 1) for m in (1, 2, 3)]
    assert {row.month: (row.volunteers, row.hours) for row in rows} == expected
    assert rows[0].hours == Decimal("5.50")  # p1's two January entries, one volunteer
    assert rows[0].volunteers == 1


def test_hours_by_month_includes_months_without_hours(data: Fixture) -> None:
    rows = reports.hours_by_month(dt.date(2025, 3, 5), dt.date(2025, 6, 30))

    assert [(row.month.month, row.hours) for row in rows] == [
        (3, Decimal("2.00")),  # from the 5th: only the entry of the 9th
        (4, Decimal("1.00")),
        (5, Decimal("0.00")),
        (6, Decimal("0.00")),
    ]


def test_hours_by_site_puts_service_elsewhere_in_its_own_row(
    data: Fixture, site: Site, other_site: Site
) -> None:
    expected = _expected(data, lambda e: str(e.site_id) if e.site_id else "elsewhere")

    rows = reports.hours_by_site(START, END)

    assert _actual(rows) == expected
    assert [row.key for row in rows] == [str(other_site.pk), str(site.pk), "elsewhere"]


def test_hours_by_school_program_uses_the_current_primary_affiliation(data: Fixture) -> None:
    expected = _expected(data, lambda e: data.program[e.person_id])

    rows = reports.hours_by_school_program(START, END)

    assert {row.label: (row.volunteers, row.hours) for row in rows} == expected
    assert rows[-1].label == "Not recorded"


def test_hours_by_area_uses_the_sites_area_and_elsewhere(
    data: Fixture, site: Site, other_site: Site
) -> None:
    expected = _expected(data, lambda e: str(e.site.area_id) if e.site else "elsewhere")

    rows = reports.hours_by_area(START, END)

    assert _actual(rows) == expected
    assert [row.label for row in rows] == ["63106 Downtown West", "63107", "Elsewhere"]


def test_limiting_to_sites_leaves_out_other_sites_and_service_elsewhere(
    data: Fixture, site: Site
) -> None:
    expected = _expected(data, lambda e: str(e.site_id) if e.site_id == site.pk else None)
    expected.pop(None)

    rows = reports.hours_by_site(START, END, site_ids={site.pk})
    months = reports.hours_by_month(START, END, site_ids={site.pk})

    assert _actual(rows) == expected
    assert sum(row.hours for row in months) == expected[str(site.pk)][1]


def _signup(shift: Shift, status: SignUp.Status, *, late: bool = False) -> SignUp:
    signup: SignUp = SignUp.objects.create(
        shift=shift, person=PersonFactory(), status=status, late_cancellation=late
    )
    return signup


def test_no_show_rates_count_attended_no_shows_and_late_cancellations(
    make_shift: Callable[..., Shift], site: Site
) -> None:
    shift = make_shift(start=dt.datetime(2025, 2, 1, 15, tzinfo=dt.UTC), capacity=10)
    outside = make_shift(start=dt.datetime(2025, 5, 1, 15, tzinfo=dt.UTC), capacity=10)
    for _ in range(3):
        _signup(shift, SignUp.Status.ATTENDED)
    _signup(shift, SignUp.Status.NO_SHOW)
    _signup(shift, SignUp.Status.CANCELLED, late=True)
    _signup(shift, SignUp.Status.CANCELLED)  # in good time: not counted
    _signup(shift, SignUp.Status.CONFIRMED)
    _signup(outside, SignUp.Status.NO_SHOW)

    rows = reports.no_show_rates(START, END)

    assert len(rows) == 1
    row = rows[0]
    assert (row.key, row.volunteers, row.attended, row.no_show, row.late_cancellations) == (
        str(site.pk),
        5,
        3,
        1,
        1,
    )
    assert row.rate == Decimal("25.0")


# -- suppression -----------------------------------------------------------------------------


@pytest.fixture
def crowd(site: Site, other_site: Site, settings: Any) -> None:
    """Threshold 3: four volunteers at `site` (three MD, one MPH student), three at
    `other_site` (no affiliation) and one serving elsewhere."""
    settings.SUPPRESSION_THRESHOLD = 3
    day = dt.date(2025, 1, 15)
    for index in range(4):
        person = PersonFactory()
        program = "MD program" if index < 3 else "Public Health MPH"
        AffiliationFactory(person=person, is_primary=True, school_program=program)
        HoursEntryFactory(person=person, site=site, date=day, status=V, hours=Decimal(2))
    for _ in range(3):
        HoursEntryFactory(site=other_site, date=day, status=V, hours=Decimal(3))
    HoursEntryFactory(site=None, organization_name="Food pantry", date=day, status=V)


def _report(client: Client) -> reports.Report:
    response = client.get(reverse("volunteering:reports"), PERIOD)
    assert response.status_code == 200
    report: reports.Report = response.context["report"]
    return report


def _shown(rows: list[reports.ShownRow]) -> dict[str, tuple[int | None, Decimal | None]]:
    return {row.key: (row.volunteers, row.hours) for row in rows}


def test_a_leadership_viewer_sees_small_groups_suppressed(
    client_for: ClientFor, make_user: Callable[..., User], crowd: None, site: Site, other_site: Site
) -> None:
    viewer = make_user(Role.LEADERSHIP_VIEWER)

    response = client_for(viewer).get(reverse("volunteering:reports"), PERIOD)
    report: reports.Report = response.context["report"]

    # Elsewhere (one volunteer) is hidden; so is the smallest other site, or its hours would be
    # the total minus the rest.
    assert _shown(report.by_site) == {
        str(other_site.pk): (None, None),
        str(site.pk): (4, Decimal("8.00")),
        "elsewhere": (None, None),
    }
    assert _shown(report.by_area)["elsewhere"] == (None, None)
    assert report.exact is False
    content = response.content.decode()
    assert "&lt;3" in content
    assert "Food pantry" not in content


def test_a_coordinator_sees_exact_numbers_except_by_school_or_program(
    client_for: ClientFor, coordinator: User, crowd: None, site: Site, other_site: Site
) -> None:
    report = _report(client_for(coordinator))

    assert _shown(report.by_site) == {
        str(other_site.pk): (3, Decimal("9.00")),
        str(site.pk): (4, Decimal("8.00")),
        "elsewhere": (1, Decimal("4.00")),
    }
    assert report.total_volunteers == 8
    # One MPH student is hidden, and the MD program too so that MPH is not total minus MD.
    assert _shown(report.by_school_program) == {
        "MD program": (None, None),
        "Public Health MPH": (None, None),
        "not-recorded": (4, Decimal("13.00")),
    }


def test_a_supervisor_sees_exact_numbers_for_their_own_site_but_not_by_school_or_program(
    client_for: ClientFor, supervisor: User, crowd: None, site: Site
) -> None:
    # They verify each of these entries one by one: hiding the counts would protect no one.
    report = _report(client_for(supervisor))

    assert _shown(report.by_site) == {str(site.pk): (4, Decimal("8.00"))}
    assert report.exact is True
    programs = [row for row in report.by_school_program if row.key != "not-recorded"]
    assert programs
    assert all(row.volunteers is None for row in programs)


def test_a_leadership_viewer_sees_school_or_program_suppressed_too(
    client_for: ClientFor, make_user: Callable[..., User], crowd: None
) -> None:
    report = _report(client_for(make_user(Role.LEADERSHIP_VIEWER)))

    assert _shown(report.by_school_program)["Public Health MPH"] == (None, None)
    assert _shown(report.by_school_program)["not-recorded"] == (4, Decimal("13.00"))


def test_with_the_default_threshold_a_leadership_viewer_sees_no_small_month(
    client_for: ClientFor, make_user: Callable[..., User], data: Fixture
) -> None:
    report = _report(client_for(make_user(Role.LEADERSHIP_VIEWER)))

    assert [bar.hours for bar in report.months] == [None, None, None]
    assert report.total_volunteers is None
    assert report.total_hours is None


# -- who sees what ---------------------------------------------------------------------------


@pytest.fixture
def no_suppression(settings: Any) -> None:
    settings.SUPPRESSION_THRESHOLD = 1  # nothing is small: look at the scope alone


@pytest.mark.usefixtures("no_suppression")
def test_a_supervisor_sees_only_their_own_site(
    client_for: ClientFor, supervisor: User, data: Fixture, site: Site, other_site: Site
) -> None:
    client = client_for(supervisor)

    report = _report(client)
    asked_for_other = client.get(reverse("volunteering:reports"), {**PERIOD, "site": other_site.pk})

    expected = _expected(data, lambda e: e.site_id)[site.pk]
    assert _shown(report.by_site) == {str(site.pk): expected}
    assert [row.label for row in report.by_area] == ["63106 Downtown West"]
    assert sum(bar.hours or 0 for bar in report.months) == expected[1]
    assert "site" in asked_for_other.context["form"].errors  # not one of theirs to choose
    assert str(other_site.pk) not in _shown(asked_for_other.context["report"].by_site)
    assert "Northside Community Health Center" not in asked_for_other.content.decode()


def test_a_site_filter_narrows_the_report_for_office_staff(
    client_for: ClientFor, coordinator: User, data: Fixture, other_site: Site
) -> None:
    report: reports.Report = (
        client_for(coordinator)
        .get(reverse("volunteering:reports"), {**PERIOD, "site": other_site.pk})
        .context["report"]
    )

    assert list(_shown(report.by_site)) == [str(other_site.pk)]


@pytest.mark.parametrize("who", ["outsider", "member"])
def test_people_without_report_access_get_403(
    request: pytest.FixtureRequest, client_for: ClientFor, who: str, data: Fixture
) -> None:
    response = client_for(request.getfixturevalue(who)).get(reverse("volunteering:reports"))

    assert response.status_code == 403
    assert b"Downtown West" not in response.content


def test_the_reports_page_shows_the_chart_and_its_table(
    client_for: ClientFor, coordinator: User, data: Fixture
) -> None:
    response = client_for(coordinator).get(reverse("volunteering:reports"), PERIOD)

    content = response.content.decode()
    assert 'role="img"' in content
    assert '<title id="months-chart-title">' in content
    assert content.count('class="eh-chart-bar"') == 3
    assert "Jan 2025" in content
    assert "5.50" in content  # January's hours, in the chart and in the table
    assert reverse("volunteering:export-hours", args=["csv"]) in content


def test_a_bad_period_shows_the_error_and_the_default_report(
    client_for: ClientFor, coordinator: User
) -> None:
    response = client_for(coordinator).get(
        reverse("volunteering:reports"), {"start": "2025-03-01", "end": "2025-01-01"}
    )

    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert len(response.context["report"].months) == 12


def _make_entries(count: int, sites: list[Site]) -> None:
    for index in range(count):
        person = PersonFactory()
        AffiliationFactory(person=person, is_primary=True, school_program=f"Program {index % 7}")
        if index % 5 == 4:
            HoursEntryFactory(
                person=person,
                site=None,
                organization_name=f"Place {index}",
                date=START + dt.timedelta(days=index % 80),
                status=V,
            )
        else:
            HoursEntryFactory(
                person=person,
                site=sites[index % len(sites)],
                date=START + dt.timedelta(days=index % 80),
                status=V,
            )


def test_the_reports_page_takes_the_same_number_of_queries_for_5_or_50_entries(
    client_for: ClientFor, coordinator: User, site: Site, other_site: Site
) -> None:
    client = client_for(coordinator)
    client.get(reverse("volunteering:reports"), PERIOD)  # warm the content-type cache

    _make_entries(5, [site, other_site])
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("volunteering:reports"), PERIOD).status_code == 200
    more_sites = [
        site,
        other_site,
        *(SiteFactory(area=AreaFactory(code=f"6310{i}")) for i in range(3)),
    ]
    _make_entries(45, more_sites)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("volunteering:reports"), PERIOD)

    assert response.context["report"].by_site[0].volunteers is not None
    assert sum(row.volunteers or 0 for row in response.context["report"].by_site) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


# -- export ----------------------------------------------------------------------------------


def _export(client: Client, fmt: str, **params: Any) -> Any:
    return client.get(reverse("volunteering:export-hours", args=[fmt]), {**PERIOD, **params})


def test_the_csv_export_has_one_escaped_row_per_verified_entry(
    client_for: ClientFor, coordinator: User, data: Fixture, site: Site
) -> None:
    person = PersonFactory(given_name="Dana", family_name="Reyes")
    HoursEntryFactory(
        person=person,
        site=site,
        date=dt.date(2025, 2, 2),
        status=V,
        activity='=HYPERLINK("http://evil.example","x")',
        reviewed_by=coordinator,
    )

    response = _export(client_for(coordinator), "csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(reports.EXPORT_HEADER)
    expected_count = sum(1 for e in data.entries if e.status == V and START <= e.date <= END) + 1
    assert len(rows) - 1 == expected_count
    dana = next(row for row in rows if row[1] == "Dana Reyes")
    assert dana[6] == '\'=HYPERLINK("http://evil.example","x")'
    assert dana[4] == site.name
    assert dana[5] == "63106"
    assert dana[7] == "4.00"
    assert dana[9] == coordinator.email
    elsewhere = next(row for row in rows if row[4] == "Food pantry on Natural Bridge")
    assert elsewhere[3] == ""  # no current primary affiliation
    assert elsewhere[5] == ""
    logged = AuditEntry.objects.get(action="volunteering.hours.exported")
    assert logged.actor_id == coordinator.pk
    assert logged.data["rows"] == expected_count
    assert logged.data["filters"]["start"] == "2025-01-01"


def test_the_xlsx_export_opens_in_openpyxl_with_the_same_rows(
    client_for: ClientFor, coordinator: User, data: Fixture, site: Site
) -> None:
    HoursEntryFactory(site=site, date=dt.date(2025, 2, 2), status=V, activity="=1+1")

    response = _export(client_for(coordinator), "xlsx", site=site.pk)

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == list(reports.EXPORT_HEADER)
    at_site = [e for e in data.entries if e.status == V and START <= e.date <= END]
    at_site = [e for e in at_site if e.site_id == site.pk]
    assert len(rows) - 1 == len(at_site) + 1
    assert {row[4] for row in rows[1:]} == {site.name}
    assert "'=1+1" in [row[6] for row in rows[1:]]


@pytest.mark.parametrize("who", ["member", "outsider", "supervisor", "leadership"])
def test_only_office_staff_may_export(
    request: pytest.FixtureRequest,
    client_for: ClientFor,
    make_user: Callable[..., User],
    who: str,
    data: Fixture,
) -> None:
    user = make_user(Role.LEADERSHIP_VIEWER) if who == "leadership" else None
    user = user or request.getfixturevalue(who)

    response = _export(client_for(user), "csv")

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="volunteering.hours.exported").exists()


def test_an_export_with_bad_filters_is_refused(client_for: ClientFor, coordinator: User) -> None:
    response = _export(client_for(coordinator), "csv", end="not a date")

    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="volunteering.hours.exported").exists()


def test_only_csv_and_xlsx_exports_exist(client_for: ClientFor, coordinator: User) -> None:
    response = client_for(coordinator).get("/volunteer/reports/export.json")

    assert response.status_code == 404

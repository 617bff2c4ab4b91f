"""The outcomes page and its CSV: who may read them (staff and leadership), that no count from 1
to 10 appears anywhere in them, that leadership sees no person, the filters, the alumni buttons,
and a constant number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equityhub.accounts.models import Role, User
from equityhub.programs.models import Application, Milestone, Program
from equityhub.surveys.models import Invitation, Item, Questionnaire
from tests.factories import PersonFactory
from tests.programs.test_funnel import applicants, build_program, make_cycle, populate

pytestmark = pytest.mark.django_db
A = Application.Status
T = 11


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def built(program: Program) -> dict[str, Any]:
    return build_program(program)


@pytest.fixture
def leadership(make_user: Callable[..., User]) -> User:
    return make_user(Role.LEADERSHIP_VIEWER)


def url(program: Program, name: str = "programs:outcomes") -> str:
    return reverse(name, args=[program.pk])


class TableCells(HTMLParser):
    """The text of every <td> inside the tables with the given ids."""

    def __init__(self, ids: set[str]) -> None:
        super().__init__()
        self.ids, self.depth, self.in_cell = ids, 0, False
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id") in self.ids:
            self.depth += 1
        elif tag == "td" and self.depth:
            self.in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag == "td":
            self.in_cell = False

    def handle_data(self, data: str) -> None:
        if self.in_cell:
            self.cells[-1] += data


def counts_on_page(html: str) -> list[int]:
    """Every count shown in the outcome tables (percentages left out)."""
    parser = TableCells(
        {"funnel-table", "comparison-table", "comparison-years-table", "survival-table"}
    )
    parser.feed(html)
    numbers = []
    for cell in parser.cells:
        without_percent = re.sub(r"\d+(\.\d+)?%", "", cell)
        numbers += [int(n) for n in re.findall(r"\d+", without_percent)]
    return numbers


# -- who -------------------------------------------------------------------------------------


def test_staff_and_leadership_read_the_outcomes(
    client_for: Callable[[User], Client],
    program: Program,
    built: Any,
    coordinator: User,
    leadership: User,
) -> None:
    for user in (coordinator, leadership):
        response = client_for(user).get(url(program))
        assert response.status_code == 200
        text = response.content.decode()
        assert 'id="funnel-table"' in text and 'id="survival-table"' in text
        assert "<svg" in text and "<polyline" in text
        assert "District peers 2015" in text


def test_everyone_else_is_refused_the_outcomes(  # noqa: PLR0917 - fixtures
    client_for: Callable[[User], Client],
    program: Program,
    reviewer: User,
    adult_applicant: User,
    member: User,
    outsider: User,
) -> None:
    for user in (reviewer, adult_applicant, member, outsider):
        client = client_for(user)
        assert client.get(url(program)).status_code == 403
        assert client.get(url(program, "programs:outcomes_export")).status_code == 403


def test_an_unknown_program_is_not_found(
    client_for: Callable[[User], Client], coordinator: User
) -> None:
    client = client_for(coordinator)
    assert client.get("/programs/999999/outcomes/").status_code == 404
    assert client.get(f"/programs/{2**63}/outcomes/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(program: Program) -> None:
    response = Client().get(url(program))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# -- what it shows ---------------------------------------------------------------------------


def test_no_count_from_1_to_10_is_on_the_page(
    client_for: Callable[[User], Client], program: Program, built: Any, leadership: User
) -> None:
    client = client_for(leadership)
    for milestone in Milestone.ORDER:
        html = client.get(url(program), {"milestone": milestone}).content.decode()
        numbers = counts_on_page(html)
        assert numbers
        assert not [n for n in numbers if 1 <= n < T], milestone


def test_leadership_sees_aggregates_and_no_person(
    client_for: Callable[[User], Client], program: Program, built: Any, leadership: User
) -> None:
    text = client_for(leadership).get(url(program)).content.decode()
    for person in [*built["enrolled"], *built["peers"]]:
        assert person.display_name not in text
        assert person.email not in text
        assert reverse("programs:person_milestones", args=[person.pk]) not in text
    assert "Import milestones" not in text
    assert "Alumni follow-up" not in text
    assert reverse("programs:cohort", args=[built["cycles"][0].pk]) not in text


def test_staff_see_the_import_link_and_the_alumni_buttons(
    client_for: Callable[[User], Client], program: Program, built: Any, coordinator: User
) -> None:
    text = client_for(coordinator).get(url(program)).content.decode()
    assert reverse("programs:outcomes_import") in text
    assert reverse("programs:outcomes_alumni_invite", args=[program.pk]) in text
    assert reverse("programs:cohort", args=[built["cycles"][0].pk]) in text


def test_the_filters_narrow_the_cohorts_and_bad_ones_are_explained(
    client_for: Callable[[User], Client], program: Program, built: Any, coordinator: User
) -> None:
    client = client_for(coordinator)
    c2016 = built["cycles"][1]
    response = client.get(url(program), {"cycle": c2016.pk})
    assert [c.year for c in response.context["funnel"].cohorts] == [2016]
    response = client.get(url(program), {"start_year": 2016, "end_year": 2015})
    assert "The last year cannot be before the first." in response.content.decode()
    assert len(response.context["funnel"].cohorts) == 3
    response = client.get(url(program), {"milestone": "degree"})
    assert response.context["survival"].kind == "degree"


def test_the_survival_chart_defaults_to_the_first_milestone_reached(
    client_for: Callable[[User], Client], program: Program, built: Any, coordinator: User
) -> None:
    response = client_for(coordinator).get(url(program))
    assert response.context["survival"].kind == "college_entry"


# -- the CSV ---------------------------------------------------------------------------------


def test_the_csv_has_the_suppressed_tables_and_no_small_count(
    client_for: Callable[[User], Client], program: Program, built: Any, leadership: User
) -> None:
    response = client_for(leadership).get(url(program, "programs:outcomes_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["table", "group", "row", "column", "count", "percent"]
    counts = [row[4] for row in rows[1:]]
    numbers = [int(value) for value in counts if value.isdigit()]
    assert not [n for n in numbers if 1 <= n < T]
    assert "suppressed" in counts and "not yet" in counts
    funnel = {(row[2], row[3]): row[4] for row in rows if row[0] == "funnel"}
    assert funnel[("Applied", "All selected cohorts")] == "80"
    assert funnel[("Entered college", "2016")] == "suppressed"
    assert any(row[0].startswith("survival: ") and row[1] == "comparison group" for row in rows)
    # A hidden count leaves its percentage blank too.
    assert all(row[5] == "" for row in rows[1:] if row[4] == "suppressed")


# -- the alumni buttons ----------------------------------------------------------------------


@pytest.fixture
def follow_up(admin_user: User) -> Questionnaire:
    questionnaire = Questionnaire.objects.create(title="Alumni 2025")
    Item.objects.create(
        questionnaire=questionnaire,
        position=1,
        kind="choice",
        prompt="Degree?",
        key="milestone_degree",
        choices=[{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}],
    )
    return questionnaire


def test_staff_invite_a_completed_cohort_from_the_outcomes_page(  # noqa: PLR0917 - fixtures
    client_for: Callable[[User], Client],
    program: Program,
    built: Any,
    coordinator: User,
    leadership: User,
    follow_up: Questionnaire,
) -> None:
    c2015 = built["cycles"][0]
    data = {"cycle": c2015.pk, "questionnaire": follow_up.pk}
    invite = url(program, "programs:outcomes_alumni_invite")
    assert client_for(leadership).post(invite, data).status_code == 403
    response = client_for(coordinator).post(invite, data)
    assert response.status_code == 302
    assert Invitation.objects.count() == 22
    running = built["cycles"][2]
    response = client_for(coordinator).post(invite, {**data, "cycle": running.pk})
    assert response.status_code == 200  # not a completed cohort: not a choice


def test_staff_record_survey_milestones_from_the_outcomes_page(
    client_for: Callable[[User], Client],
    program: Program,
    coordinator: User,
    follow_up: Questionnaire,
) -> None:
    response = client_for(coordinator).post(
        url(program, "programs:outcomes_survey_milestones"), {"questionnaire": follow_up.pk}
    )
    assert response.status_code == 302
    response = client_for(coordinator).post(
        url(program, "programs:outcomes_survey_milestones"), {"questionnaire": 999999}
    )
    assert response.status_code == 200


# -- queries ---------------------------------------------------------------------------------


def page_queries(client: Client, program: Program) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url(program)).status_code == 200
    return len(context.captured_queries)


def test_the_page_queries_do_not_grow_with_the_cohorts(
    client_for: Callable[[User], Client], program: Program, coordinator: User
) -> None:
    client = client_for(coordinator)
    populate(program, 2)
    two = page_queries(client, program)
    other = Program.objects.create(
        name="Post-bacc", stage=Program.Stage.POSTBACC, sponsor=program.sponsor
    )
    populate(other, 20)
    applicants(make_cycle(other, 2030), A.ENROLLED, 1)
    PersonFactory.create_batch(3)
    assert page_queries(client, other) == two

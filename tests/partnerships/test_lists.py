"""The consortium's controlled lists: focus areas, populations and hospitals' CHNA priorities.
Services (every branch, audit entries), the reads with usage counts, the page and edit pages
(staff only, forms re-rendered with their errors, htmx row swaps) and the API writes."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.partnerships import selectors_lists as selectors
from equityhub.partnerships import services_lists as services
from equityhub.partnerships.models import (
    FOCUS_AREAS,
    POPULATIONS,
    FocusArea,
    Initiative,
    Membership,
    NeedsPriority,
    Population,
)
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory
from tests.partnerships.conftest import focus, population

pytestmark = pytest.mark.django_db

API = "/api/v1/consortium"
HUGE = 2**63
ClientFor = Callable[[User], Client]
NOT_STAFF = ["partner", "leadership", "member", "outsider"]


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def seeded_lists(db: Any) -> None:
    """Every seeded entry, even after a transactional test flushed the migration's seed."""
    for code in FOCUS_AREAS:
        focus(code)
    for code in POPULATIONS:
        population(code)


@pytest.fixture
def hospital(db: Any) -> Organization:
    org = OrganizationFactory(name="Riverside Health System", kind="health_system")
    Membership.objects.create(
        organization=org,
        partner_type=Membership.PartnerType.HEALTH_SYSTEM,
        joined_on=dt.date(2020, 1, 1),
    )
    return org


@pytest.fixture
def priority(hospital: Organization) -> NeedsPriority:
    return NeedsPriority.objects.create(organization=hospital, year=2024, title="Mental health")


@pytest.fixture
def used_priority(
    priority: NeedsPriority, make_initiative: Callable[..., Initiative], hospital: Organization
) -> NeedsPriority:
    make_initiative(hospital, title="Teen Counseling").needs_priorities.add(priority)
    make_initiative(hospital, title="Crisis Line").needs_priorities.add(priority)
    return priority


def actions(obj: Any) -> list[str]:
    return list(AuditEntry.objects.for_object(obj).order_by("id").values_list("action", flat=True))


def token_client(user: User) -> Client:
    _token, raw = create_api_token(user=user, name="tests", actor=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def send(client: Client, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method)(f"{API}{path}", data, content_type="application/json")


def url(name: str, *args: Any) -> str:
    return reverse(f"partnerships:{name}", args=args)


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# -- codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Oral health", "oral_health"),
        ("LGBTQ+ elders", "lgbtq_elders"),
        ("  Niñez   temprana ", "ninez_temprana"),
        ("Food - access_2", "food_access_2"),
        ("口腔", ""),
        ("x" * 39 + " y", "x" * 39),
    ],
)
def test_a_code_is_made_from_the_name(name: str, code: str) -> None:
    assert services.code_for(name) == code


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=150))
def test_every_code_is_a_short_slug_without_stray_underscores(name: str) -> None:
    code = services.code_for(name)
    assert len(code) <= services.CODE_MAX
    assert all(char.isascii() and (char.isalnum() or char == "_") for char in code)
    assert code == code.lower()
    assert not code.startswith("_")
    assert not code.endswith("_")
    assert "__" not in code


# -- focus areas and populations: services ---------------------------------------------------


def test_staff_add_a_focus_area_with_a_code_from_its_name(coordinator: User) -> None:
    entry = services.create_focus_area(actor=coordinator, name="  Oral   health ")

    assert (entry.code, entry.name, entry.label) == ("oral_health", "Oral health", "Oral health")
    assert actions(entry) == ["partnerships.focus_area.created"]
    audit = AuditEntry.objects.for_object(entry).get()
    assert audit.data == {"code": "oral_health", "name": "Oral health"}
    assert audit.actor_id == coordinator.pk


def test_staff_add_a_population(admin_user: User) -> None:
    entry = services.create_population(actor=admin_user, name="Veterans")

    assert (entry.code, entry.label) == ("veterans", "Veterans")
    assert actions(entry) == ["partnerships.population.created"]


@pytest.mark.parametrize("who", NOT_STAFF)
def test_only_staff_add_or_rename_entries(who: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        services.create_focus_area(actor=user, name="Oral health")
    with pytest.raises(NotAllowed):
        services.create_population(actor=user, name="Veterans")
    with pytest.raises(NotAllowed):
        services.rename_focus_area(actor=user, focus_area=focus("housing"), name="Shelter")
    with pytest.raises(NotAllowed):
        services.rename_population(actor=user, population=population("latino"), name="Latine")
    assert not FocusArea.objects.filter(code="oral_health").exists()
    assert focus("housing").name == "Housing and environment"
    assert not AuditEntry.objects.filter(action__startswith="partnerships.focus_area").exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("   ", "Give the entry a name."),
        ("x" * 121, "The name is longer than 120 characters."),
        ("口腔", "The name needs at least one Latin letter or digit to make its code."),
    ],
)
def test_an_entry_needs_a_usable_name(coordinator: User, name: str, message: str) -> None:
    with pytest.raises(ServiceError) as refused:
        services.create_focus_area(actor=coordinator, name=name)

    assert refused.value.message == message
    assert refused.value.field == "name"
    assert not isinstance(refused.value, Conflict)


def test_a_name_already_on_the_list_is_refused_in_any_case(coordinator: User) -> None:
    focus("mental_health")
    with pytest.raises(Conflict) as refused:
        services.create_focus_area(actor=coordinator, name="mental HEALTH")

    assert refused.value.message == "Mental health is already on the list."
    assert refused.value.field == "name"


def test_a_name_shown_as_a_seeded_label_is_refused_too(coordinator: User) -> None:
    # The stored name changed, but pages still show "Housing and environment".
    services.rename_focus_area(actor=coordinator, focus_area=focus("housing"), name="Shelter")

    with pytest.raises(
        Conflict, match=re.escape("Housing and environment is already on the list.")
    ):
        services.create_focus_area(actor=coordinator, name="HOUSING AND ENVIRONMENT")
    with pytest.raises(Conflict, match="already on the list"):
        services.create_focus_area(actor=coordinator, name="shelter")


def test_a_code_already_taken_is_refused_naming_its_entry(coordinator: User) -> None:
    entry = services.create_population(actor=coordinator, name="Oral health")
    services.rename_population(actor=coordinator, population=entry, name="Dental patients")

    with pytest.raises(Conflict) as refused:
        services.create_population(actor=coordinator, name="Oral  Health!")

    assert refused.value.message == (
        "The code oral_health is taken by Dental patients; choose another name."
    )
    assert Population.objects.filter(code__startswith="oral_health").count() == 1


def test_the_same_name_may_be_both_a_focus_area_and_a_population(coordinator: User) -> None:
    services.create_focus_area(actor=coordinator, name="Veterans")
    entry = services.create_population(actor=coordinator, name="Veterans")

    assert entry.code == "veterans"


def test_a_code_taken_at_the_same_moment_is_a_conflict(
    coordinator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def taken(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("UNIQUE constraint failed: partnerships_focusarea.code")

    monkeypatch.setattr(FocusArea, "save", taken)

    with pytest.raises(Conflict, match="was taken a moment ago"):
        services.create_focus_area(actor=coordinator, name="Oral health")
    assert not AuditEntry.objects.filter(action="partnerships.focus_area.created").exists()


def test_renaming_an_added_entry_changes_its_name_and_keeps_its_code(coordinator: User) -> None:
    entry = services.create_focus_area(actor=coordinator, name="Oral health")

    renamed = services.rename_focus_area(
        actor=coordinator, focus_area=entry, name=" Dental   and oral health "
    )

    assert renamed is entry
    fresh = FocusArea.objects.get(pk=entry.pk)
    assert (fresh.code, fresh.name, fresh.label) == (
        "oral_health",
        "Dental and oral health",
        "Dental and oral health",
    )
    audit = AuditEntry.objects.get(action="partnerships.focus_area.renamed")
    assert audit.changes == {"name": ["Oral health", "Dental and oral health"]}
    assert audit.data == {"code": "oral_health", "seeded": False}


def test_renaming_a_seeded_entry_keeps_its_translated_label(admin_user: User) -> None:
    entry = population("latino")

    services.rename_population(actor=admin_user, population=entry, name="Latine residents")

    fresh = Population.objects.get(pk=entry.pk)
    assert fresh.name == "Latine residents"
    assert fresh.label == "Hispanic or Latino residents"
    assert fresh.code == "latino"
    audit = AuditEntry.objects.get(action="partnerships.population.renamed")
    assert audit.data == {"code": "latino", "seeded": True}


def test_renaming_to_the_same_name_changes_nothing(coordinator: User) -> None:
    entry = focus("food_access")

    services.rename_focus_area(actor=coordinator, focus_area=entry, name=" Food  access ")

    assert not AuditEntry.objects.filter(action="partnerships.focus_area.renamed").exists()


def test_an_entry_may_change_the_case_of_its_own_name(coordinator: User) -> None:
    entry = services.create_focus_area(actor=coordinator, name="oral health")

    services.rename_focus_area(actor=coordinator, focus_area=entry, name="Oral Health")

    assert FocusArea.objects.get(pk=entry.pk).name == "Oral Health"


def test_renaming_to_another_entrys_name_is_refused(coordinator: User) -> None:
    entry = focus("housing")

    with pytest.raises(Conflict, match=re.escape("Food access is already on the list.")):
        services.rename_focus_area(actor=coordinator, focus_area=entry, name="food access")
    with pytest.raises(ServiceError, match=re.escape("Give the entry a name.")):
        services.rename_focus_area(actor=coordinator, focus_area=entry, name="")
    assert FocusArea.objects.get(pk=entry.pk).name == "Housing and environment"


# -- priorities: services --------------------------------------------------------------------


def test_staff_record_a_priority(coordinator: User, hospital: Organization) -> None:
    created = services.create_priority(
        actor=coordinator,
        organization=hospital,
        year=2025,
        title="  Access to   care ",
        url=" https://example.org/chna-2025.pdf ",
    )

    assert (created.title, created.url, created.year) == (
        "Access to care",
        "https://example.org/chna-2025.pdf",
        2025,
    )
    audit = AuditEntry.objects.for_object(created).get()
    assert audit.action == "partnerships.priority.created"
    assert audit.data == {
        "organization_id": hospital.pk,
        "year": 2025,
        "title": "Access to care",
        "url": "https://example.org/chna-2025.pdf",
    }


def test_any_consortium_member_may_have_priorities(
    coordinator: User, other_org: Organization
) -> None:
    created = services.create_priority(
        actor=coordinator, organization=other_org, year=2000, title="Food insecurity"
    )

    assert created.url == ""


@pytest.mark.parametrize("who", NOT_STAFF)
def test_only_staff_keep_priorities(
    who: str, request: pytest.FixtureRequest, hospital: Organization, priority: NeedsPriority
) -> None:
    user = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        services.create_priority(actor=user, organization=hospital, year=2025, title="Asthma")
    with pytest.raises(NotAllowed):
        services.update_priority(actor=user, priority=priority, title="Asthma")
    with pytest.raises(NotAllowed):
        services.delete_priority(actor=user, priority=priority)
    assert NeedsPriority.objects.get().title == "Mental health"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"year": 1999}, "year", "The assessment year must be between 2000 and 2026."),
        ({"year": 2027}, "year", "The assessment year must be between 2000 and 2026."),
        ({"year": True}, "year", "The year must be a whole number."),
        ({"year": "2025"}, "year", "The year must be a whole number."),
        ({"title": "  "}, "title", "Give the priority a title."),
        ({"title": "x" * 201}, "title", "The title is longer than 200 characters."),
        (
            {"url": "ftp://example.org/chna.pdf"},
            "url",
            "Give a web address starting with http:// or https://.",
        ),
        (
            {"url": "javascript:alert(1)"},
            "url",
            "Give a web address starting with http:// or https://.",
        ),
        (
            {"url": "https://example.org/" + "a" * 200},
            "url",
            "The link is longer than 200 characters.",
        ),
    ],
)
def test_a_priority_needs_a_valid_year_title_and_link(
    coordinator: User, hospital: Organization, fields: dict[str, Any], field: str, message: str
) -> None:
    values: dict[str, Any] = {"year": 2025, "title": "Asthma", "url": ""} | fields
    with pytest.raises(ServiceError) as refused:
        services.create_priority(actor=coordinator, organization=hospital, **values)

    assert (refused.value.field, refused.value.message) == (field, message)
    assert not NeedsPriority.objects.exists()


def test_next_years_assessment_may_be_recorded(coordinator: User, hospital: Organization) -> None:
    created = services.create_priority(
        actor=coordinator, organization=hospital, year=2026, title="Asthma", url="http://x.org"
    )

    assert created.year == 2026


def test_a_priority_belongs_to_a_consortium_member(
    coordinator: User, partner_org: Organization
) -> None:
    with pytest.raises(ServiceError) as refused:
        services.create_priority(actor=coordinator, organization=partner_org, year=2025, title="A")

    assert refused.value.field == "organization"
    assert refused.value.message == (
        "Northside Community Health Collaborative is not a member of the consortium."
    )


def test_a_priority_needs_an_organization(coordinator: User) -> None:
    with pytest.raises(ServiceError, match=re.escape("Choose an organization.")):
        services.create_priority(actor=coordinator, organization=None, year=2025, title="A")  # type: ignore[arg-type]


def test_a_priority_is_recorded_once_per_organization_and_year(
    coordinator: User, hospital: Organization, other_org: Organization, priority: NeedsPriority
) -> None:
    with pytest.raises(Conflict) as refused:
        services.create_priority(
            actor=coordinator, organization=hospital, year=2024, title="MENTAL health"
        )
    services.create_priority(
        actor=coordinator, organization=hospital, year=2025, title="Mental health"
    )
    services.create_priority(
        actor=coordinator, organization=other_org, year=2024, title="Mental health"
    )

    assert refused.value.field == "title"
    assert refused.value.message == (
        "Riverside Health System already has the priority Mental health for 2024."
    )


def test_a_priority_saved_at_the_same_moment_is_a_conflict(
    coordinator: User, hospital: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    def taken(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("UNIQUE constraint failed")

    monkeypatch.setattr(NeedsPriority, "save", taken)

    with pytest.raises(Conflict, match="added a moment ago"):
        services.create_priority(actor=coordinator, organization=hospital, year=2025, title="A")


def test_correcting_a_priority_is_audited_and_keeps_its_initiatives(
    coordinator: User,
    used_priority: NeedsPriority,
    hospital: Organization,
    other_org: Organization,
) -> None:
    services.update_priority(
        actor=coordinator,
        priority=used_priority,
        organization=other_org,
        year=2023,
        title="Behavioral health",
        url="https://example.org/a",
    )

    fresh = NeedsPriority.objects.get(pk=used_priority.pk)
    assert (fresh.organization, fresh.year, fresh.title) == (other_org, 2023, "Behavioral health")
    assert used_priority.title == "Behavioral health"
    assert fresh.initiatives.count() == 2
    audit = AuditEntry.objects.get(action="partnerships.priority.updated")
    assert audit.changes == {
        "organization_id": [hospital.pk, other_org.pk],
        "year": [2024, 2023],
        "title": ["Mental health", "Behavioral health"],
        "url": ["", "https://example.org/a"],
    }


def test_saving_a_priority_unchanged_writes_no_audit_entry(
    coordinator: User, priority: NeedsPriority
) -> None:
    services.update_priority(actor=coordinator, priority=priority, title=" Mental  health ")

    assert actions(priority) == []


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"colour": "red"}, ServiceError, None),
        ({"organization": None}, ServiceError, "organization"),
        ({"year": 1990}, ServiceError, "year"),
        ({"title": "Asthma"}, Conflict, "title"),
    ],
)
def test_a_correction_is_checked_like_a_new_priority(  # noqa: PLR0917 - fixtures and parameters
    coordinator: User,
    priority: NeedsPriority,
    hospital: Organization,
    changes: dict[str, Any],
    error: type[ServiceError],
    field: str | None,
) -> None:
    NeedsPriority.objects.create(organization=hospital, year=2024, title="Asthma")

    with pytest.raises(error) as refused:
        services.update_priority(actor=coordinator, priority=priority, **changes)

    assert refused.value.field == field
    assert NeedsPriority.objects.get(pk=priority.pk).title == "Mental health"


def test_a_priority_cannot_move_to_an_organization_outside_the_consortium(
    coordinator: User, priority: NeedsPriority, partner_org: Organization
) -> None:
    with pytest.raises(ServiceError, match="not a member of the consortium"):
        services.update_priority(actor=coordinator, priority=priority, organization=partner_org)


def test_an_unused_priority_is_deleted_and_audited(
    coordinator: User, priority: NeedsPriority, hospital: Organization
) -> None:
    pk = priority.pk

    services.delete_priority(actor=coordinator, priority=priority)

    assert not NeedsPriority.objects.filter(pk=pk).exists()
    audit = AuditEntry.objects.get(action="partnerships.priority.deleted")
    assert audit.object_id == str(pk)
    assert audit.data == {
        "organization_id": hospital.pk,
        "year": 2024,
        "title": "Mental health",
        "url": "",
    }


def test_a_priority_linked_to_initiatives_is_not_deleted(
    coordinator: User, used_priority: NeedsPriority
) -> None:
    with pytest.raises(Conflict) as refused:
        services.delete_priority(actor=coordinator, priority=used_priority)

    assert refused.value.message == (
        "This priority is linked to 2 initiatives: Crisis Line, Teen Counseling. "
        "Unlink it there first."
    )
    assert NeedsPriority.objects.get(pk=used_priority.pk).initiatives.count() == 2
    assert actions(used_priority) == []


def test_a_refusal_names_a_few_initiatives_and_counts_the_rest(
    coordinator: User,
    priority: NeedsPriority,
    make_initiative: Callable[..., Initiative],
    hospital: Organization,
) -> None:
    for n in range(7):
        make_initiative(hospital, title=f"Initiative {n}").needs_priorities.add(priority)
    with pytest.raises(Conflict) as one:
        services.delete_priority(actor=coordinator, priority=priority)

    assert "7 initiatives: Initiative 0, Initiative 1, Initiative 2, Initiative 3, " in (
        one.value.message
    )
    assert "Initiative 4 and 2 more." in one.value.message


def test_a_priority_linked_to_one_initiative_says_so(
    coordinator: User,
    priority: NeedsPriority,
    make_initiative: Callable[..., Initiative],
    hospital: Organization,
) -> None:
    make_initiative(hospital, title="Teen Counseling").needs_priorities.add(priority)

    with pytest.raises(Conflict, match=re.escape("linked to an initiative: Teen Counseling.")):
        services.delete_priority(actor=coordinator, priority=priority)


# -- reads -----------------------------------------------------------------------------------


def test_the_lists_count_the_initiatives_using_each_entry(
    make_initiative: Callable[..., Initiative],
    other_org: Organization,
    django_assert_num_queries: Any,
) -> None:
    make_initiative(other_org, title="A", focus_codes=("housing", "food_access"))
    make_initiative(other_org, title="B", focus_codes=("housing",)).populations.add(
        population("latino")
    )

    with django_assert_num_queries(1):
        focus_rows = {row.entry.code: row.initiative_count for row in selectors.focus_area_rows()}
    with django_assert_num_queries(1):
        population_rows = selectors.population_rows()

    assert focus_rows["housing"] == 2
    assert focus_rows["food_access"] == 1
    assert focus_rows["mental_health"] == 0
    assert {row.entry.code: row.initiative_count for row in population_rows}["latino"] == 1
    labels = [row.entry.label for row in population_rows]
    assert labels == sorted(labels, key=str.casefold)


def test_a_row_knows_whether_its_entry_is_seeded_and_renamed(coordinator: User) -> None:
    added = services.create_focus_area(actor=coordinator, name="Oral health")
    services.rename_focus_area(actor=coordinator, focus_area=focus("housing"), name="Shelter")

    rows = {row.entry.code: row for row in selectors.focus_area_rows()}

    assert (rows["housing"].seeded, rows["housing"].renamed) == (True, True)
    assert (rows["food_access"].seeded, rows["food_access"].renamed) == (True, False)
    assert (rows[added.code].seeded, rows[added.code].renamed) == (False, False)


def test_priorities_are_grouped_by_organization_then_newest_year(
    hospital: Organization,
    other_org: Organization,
    make_initiative: Callable[..., Initiative],
    django_assert_num_queries: Any,
) -> None:
    older = NeedsPriority.objects.create(organization=hospital, year=2021, title="Obesity")
    newer = NeedsPriority.objects.create(organization=hospital, year=2024, title="Asthma")
    also = NeedsPriority.objects.create(organization=hospital, year=2024, title="Access")
    theirs = NeedsPriority.objects.create(organization=other_org, year=2023, title="Food")
    make_initiative(hospital).needs_priorities.add(newer)

    with django_assert_num_queries(1):
        rows = selectors.priority_rows()
        groups = selectors.priority_groups(rows)

    assert [group.organization for group in groups] == [other_org, hospital]
    assert [[y.year for y in group.years] for group in groups] == [[2023], [2024, 2021]]
    assert [row.priority for row in groups[1].years[0].rows] == [also, newer]
    assert [row.initiative_count for row in groups[1].years[0].rows] == [0, 1]
    assert groups[1].years[1].rows[0].priority == older
    assert groups[0].years[0].rows[0].priority == theirs
    assert groups[1].count == 3


def test_priority_organizations_are_the_consortiums_members(
    hospital: Organization, other_org: Organization, partner_org: Organization
) -> None:
    assert list(selectors.priority_organizations()) == [other_org, hospital]


@pytest.mark.parametrize(
    "getter",
    [
        selectors.get_focus_area_for_user,
        selectors.get_population_for_user,
        selectors.get_priority_for_user,
    ],
)
def test_entries_by_id_are_for_staff_and_404_otherwise(
    getter: Callable[[Any, Any], Any],
    coordinator: User,
    partner: User,
    priority: NeedsPriority,
) -> None:
    model = {
        selectors.get_focus_area_for_user: FocusArea,
        selectors.get_population_for_user: Population,
        selectors.get_priority_for_user: NeedsPriority,
    }[getter]
    pk = model.objects.order_by("pk").values_list("pk", flat=True).first()

    assert getter(coordinator, pk).pk == pk
    for user, wanted in ((partner, pk), (coordinator, HUGE), (coordinator, 0), (coordinator, "x")):
        with pytest.raises(Http404):
            getter(user, wanted)
    with pytest.raises(Http404):
        getter(coordinator, model.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1)


# -- pages -----------------------------------------------------------------------------------


def test_staff_see_the_three_lists_with_their_usage(
    client_for: ClientFor,
    coordinator: User,
    used_priority: NeedsPriority,
) -> None:
    response = client_for(coordinator).get(url("lists"))

    assert response.status_code == 200
    page = text(response)
    for heading in ("Focus areas", "Populations", "Community health needs assessment priorities"):
        assert heading in page
    assert "Riverside Health System" in page
    assert "Assessment of 2024" in page
    assert "Mental health" in page
    assert "In use: cannot be deleted" in page
    assert f'id="priority-{used_priority.pk}"' in page
    assert "Add a focus area" in page
    assert "Add a population" in page
    assert "Add a priority" in page
    assert "seeded" in page


def test_the_page_takes_a_constant_number_of_queries(
    client_for: ClientFor,
    coordinator: User,
    hospital: Organization,
    make_initiative: Callable[..., Initiative],
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(coordinator)
    client.get(url("lists"))
    with django_assert_max_num_queries(40) as captured:
        client.get(url("lists"))
    count = len(captured.captured_queries)
    for n in range(6):
        entry = services.create_focus_area(actor=coordinator, name=f"Topic {n}")
        make_initiative(hospital, title=f"I{n}").focus_areas.add(entry)
        NeedsPriority.objects.create(organization=hospital, year=2010 + n, title=f"P{n}")
        services.create_population(actor=coordinator, name=f"Group {n}")
    with django_assert_max_num_queries(count):
        client.get(url("lists"))


@pytest.mark.parametrize("who", NOT_STAFF)
def test_the_lists_pages_are_for_staff_only(
    who: str,
    request: pytest.FixtureRequest,
    client_for: ClientFor,
    priority: NeedsPriority,
    hospital: Organization,
) -> None:
    client = client_for(request.getfixturevalue(who))
    entry = focus("housing")
    pages = [
        url("lists"),
        url("focus_area_edit", entry.pk),
        url("population_edit", population("latino").pk),
        url("priority_new"),
        url("priority_edit", priority.pk),
    ]
    for page in pages:
        assert client.get(page).status_code == 403, page
    writes = [
        (url("lists"), {"list": "focus_areas", "focus_areas-name": "Oral health"}),
        (url("focus_area_edit", entry.pk), {f"rename-{entry.pk}-name": "Shelter"}),
        (
            url("priority_new"),
            {
                "priority-organization": hospital.pk,
                "priority-year": 2025,
                "priority-title": "Asthma",
            },
        ),
        (url("priority_edit", priority.pk), {"priority-title": "Asthma"}),
        (url("priority_delete", priority.pk), {}),
        (url("priority_delete", HUGE), {}),
    ]
    for page, data in writes:
        assert client.post(page, data).status_code == 403, page
    assert NeedsPriority.objects.get().title == "Mental health"
    assert focus("housing").name == "Housing and environment"
    assert not FocusArea.objects.filter(code="oral_health").exists()


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(url("lists"))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_ids_out_of_range_are_404_for_staff(client_for: ClientFor, coordinator: User) -> None:
    client = client_for(coordinator)
    for name in ("focus_area_edit", "population_edit", "priority_edit"):
        assert client.get(url(name, HUGE)).status_code == 404
        assert client.get(url(name, 999_999)).status_code == 404
    assert client.post(url("priority_delete", HUGE)).status_code == 404


def test_staff_add_a_focus_area_on_the_page(client_for: ClientFor, coordinator: User) -> None:
    client = client_for(coordinator)

    response = client.post(url("lists"), {"list": "focus_areas", "focus_areas-name": "Oral health"})

    assert response.status_code == 302
    assert response["Location"] == url("lists") + "#focus-areas-heading"
    assert FocusArea.objects.filter(code="oral_health", name="Oral health").exists()
    assert messages_of(client.get(response["Location"])) == [
        "Oral health was added (code oral_health)."
    ]


def test_staff_add_a_population_on_the_page(client_for: ClientFor, admin_user: User) -> None:
    response = client_for(admin_user).post(
        url("lists"), {"list": "populations", "populations-name": "Veterans"}
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#populations-heading")
    assert Population.objects.filter(code="veterans").exists()


def test_a_refused_addition_re_renders_the_page_with_the_error(
    client_for: ClientFor, coordinator: User
) -> None:
    client = client_for(coordinator)

    duplicate = client.post(
        url("lists"), {"list": "populations", "populations-name": "older ADULTS"}
    )
    empty = client.post(url("lists"), {"list": "focus_areas", "focus_areas-name": ""})
    unknown = client.post(url("lists"), {"list": "areas", "areas-name": "X"})

    assert duplicate.status_code == 200
    assert "Older adults is already on the list." in text(duplicate)
    assert duplicate.context["sections"][1]["add_form"].errors
    assert empty.status_code == 200
    assert "This field is required." in text(empty)
    assert unknown.status_code == 400
    assert Population.objects.filter(name__iexact="older adults").count() == 1


def test_staff_rename_an_entry_without_javascript(client_for: ClientFor, coordinator: User) -> None:
    client = client_for(coordinator)
    entry = services.create_focus_area(actor=coordinator, name="Oral health")
    prefix = f"rename-{entry.pk}"

    page = client.get(url("focus_area_edit", entry.pk))
    response = client.post(url("focus_area_edit", entry.pk), {f"{prefix}-name": "Dental health"})

    assert page.status_code == 200
    assert "Rename Oral health" in text(page)
    assert response.status_code == 302
    assert response["Location"].endswith("#focus-areas-heading")
    assert FocusArea.objects.get(pk=entry.pk).name == "Dental health"
    assert messages_of(client.get(response["Location"])) == ["Renamed to Dental health."]


def test_renaming_a_seeded_entry_says_the_label_stays_translated(
    client_for: ClientFor, coordinator: User
) -> None:
    client = client_for(coordinator)
    entry = population("latino")

    page = client.get(url("population_edit", entry.pk))
    response = client.post(
        url("population_edit", entry.pk), {f"rename-{entry.pk}-name": "Latine residents"}
    )

    assert "pages show its label translated into each language" in text(page)
    assert messages_of(client.get(response["Location"])) == [
        "The stored name is now Latine residents. Pages keep showing the translated label "
        "Hispanic or Latino residents; the API and exports give the stored name."
    ]
    listing = text(client.get(url("lists")))
    assert "Stored name: Latine residents" in listing


def test_a_refused_rename_re_renders_the_edit_page(
    client_for: ClientFor, coordinator: User
) -> None:
    client = client_for(coordinator)
    entry = focus("housing")

    taken = client.post(
        url("focus_area_edit", entry.pk), {f"rename-{entry.pk}-name": "Food access"}
    )
    empty = client.post(url("focus_area_edit", entry.pk), {f"rename-{entry.pk}-name": ""})

    assert taken.status_code == 200
    assert "Food access is already on the list." in text(taken)
    assert empty.status_code == 200
    assert "This field is required." in text(empty)
    assert FocusArea.objects.get(pk=entry.pk).name == "Housing and environment"


def test_renaming_with_htmx_swaps_the_row(client_for: ClientFor, coordinator: User) -> None:
    client = client_for(coordinator)
    entry = services.create_population(actor=coordinator, name="Veterans")
    prefix = f"rename-{entry.pk}"

    done = client.post(
        url("population_edit", entry.pk),
        {f"{prefix}-name": "Military veterans"},
        headers={"HX-Request": "true"},
    )
    refused = client.post(
        url("population_edit", entry.pk),
        {f"{prefix}-name": "Older adults"},
        headers={"HX-Request": "true"},
    )
    invalid = client.post(
        url("population_edit", entry.pk), {f"{prefix}-name": ""}, headers={"HX-Request": "true"}
    )

    assert done.status_code == 200
    assert done.text.lstrip().startswith(f'<tr id="populations-{entry.pk}"')
    assert "Renamed to Military veterans." in text(done)
    assert refused.status_code == 200
    assert "Older adults is already on the list." in text(refused)
    assert "<details open>" in refused.text
    assert "The name was not saved: check the field." in text(invalid)
    assert Population.objects.get(pk=entry.pk).name == "Military veterans"


def test_staff_add_a_priority_on_its_page(
    client_for: ClientFor, coordinator: User, hospital: Organization
) -> None:
    client = client_for(coordinator)

    page = client.get(url("priority_new"))
    response = client.post(
        url("priority_new"),
        {
            "priority-organization": hospital.pk,
            "priority-year": 2025,
            "priority-title": "Asthma",
            "priority-url": "example.org/chna",
        },
    )

    assert page.status_code == 200
    created = NeedsPriority.objects.get()
    assert (created.title, created.url) == ("Asthma", "https://example.org/chna")
    assert response.status_code == 302
    assert response["Location"] == url("lists") + f"#priority-{created.pk}"
    assert actions(created) == ["partnerships.priority.created"]


def test_a_refused_priority_re_renders_its_form_with_the_errors(
    client_for: ClientFor,
    coordinator: User,
    hospital: Organization,
    partner_org: Organization,
    priority: NeedsPriority,
) -> None:
    client = client_for(coordinator)
    base = {"priority-organization": hospital.pk, "priority-year": 2024}

    duplicate = client.post(url("priority_new"), {**base, "priority-title": "mental health"})
    too_late = client.post(
        url("priority_new"), {**base, "priority-year": 2027, "priority-title": "A"}
    )
    ftp = client.post(
        url("priority_new"),
        {**base, "priority-title": "A", "priority-url": "ftp://example.org/x"},
    )
    outsider_org = client.post(
        url("priority_new"),
        {**base, "priority-organization": partner_org.pk, "priority-title": "A"},
    )

    for response in (duplicate, too_late, ftp, outsider_org):
        assert response.status_code == 200
        assert response.context["form"].errors
    assert "Riverside Health System already has the priority Mental health for 2024." in text(
        duplicate
    )
    assert "less than or equal to 2026" in text(too_late)
    assert "Enter a valid URL." in text(ftp)
    assert "Select a valid choice." in text(outsider_org)
    assert NeedsPriority.objects.count() == 1


def test_staff_correct_a_priority_on_its_page(
    client_for: ClientFor, coordinator: User, priority: NeedsPriority, hospital: Organization
) -> None:
    client = client_for(coordinator)

    page = client.get(url("priority_edit", priority.pk))
    response = client.post(
        url("priority_edit", priority.pk),
        {
            "priority-organization": hospital.pk,
            "priority-year": 2023,
            "priority-title": "Behavioral health",
            "priority-url": "",
        },
    )
    blank = client.post(
        url("priority_edit", priority.pk),
        {"priority-organization": hospital.pk, "priority-year": 2023, "priority-title": ""},
    )

    assert page.status_code == 200
    assert 'value="Mental health"' in page.text
    assert response.status_code == 302
    fresh = NeedsPriority.objects.get(pk=priority.pk)
    assert (fresh.year, fresh.title) == (2023, "Behavioral health")
    assert actions(priority) == ["partnerships.priority.updated"]
    assert blank.status_code == 200
    assert "This field is required." in text(blank)


def test_a_correction_refused_by_the_service_shows_on_the_form(
    client_for: ClientFor, coordinator: User, priority: NeedsPriority, hospital: Organization
) -> None:
    NeedsPriority.objects.create(organization=hospital, year=2024, title="Asthma")

    response = client_for(coordinator).post(
        url("priority_edit", priority.pk),
        {"priority-organization": hospital.pk, "priority-year": 2024, "priority-title": "ASTHMA"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    assert NeedsPriority.objects.get(pk=priority.pk).title == "Mental health"


def test_staff_delete_an_unused_priority(
    client_for: ClientFor, coordinator: User, priority: NeedsPriority
) -> None:
    client = client_for(coordinator)

    assert client.get(url("priority_delete", priority.pk)).status_code == 405
    response = client.post(url("priority_delete", priority.pk))

    assert response.status_code == 302
    assert not NeedsPriority.objects.exists()
    assert messages_of(client.get(response["Location"])) == [
        "Mental health (Riverside Health System, 2024) was deleted."
    ]


def test_deleting_a_used_priority_is_refused_and_changes_nothing(
    client_for: ClientFor, coordinator: User, used_priority: NeedsPriority
) -> None:
    client = client_for(coordinator)

    response = client.post(url("priority_delete", used_priority.pk))

    assert response.status_code == 302
    assert response["Location"].endswith(f"#priority-{used_priority.pk}")
    assert messages_of(client.get(response["Location"])) == [
        "This priority is linked to 2 initiatives: Crisis Line, Teen Counseling. "
        "Unlink it there first."
    ]
    assert NeedsPriority.objects.get(pk=used_priority.pk).initiatives.count() == 2
    assert not AuditEntry.objects.filter(action="partnerships.priority.deleted").exists()


def test_deleting_with_htmx_removes_the_row_or_says_why_not(
    client_for: ClientFor,
    coordinator: User,
    used_priority: NeedsPriority,
    hospital: Organization,
) -> None:
    client = client_for(coordinator)
    unused = NeedsPriority.objects.create(organization=hospital, year=2021, title="Obesity")

    refused = client.post(url("priority_delete", used_priority.pk), headers={"HX-Request": "true"})
    done = client.post(url("priority_delete", unused.pk), headers={"HX-Request": "true"})

    assert refused.status_code == 200
    assert refused.text.lstrip().startswith(f'<tr id="priority-{used_priority.pk}"')
    assert "Unlink it there first." in text(refused)
    assert done.status_code == 200
    assert "<tr" not in done.text
    assert 'hx-swap-oob="innerHTML"' in done.text
    assert "Obesity (Riverside Health System, 2021) was deleted." in text(done)
    assert list(NeedsPriority.objects.all()) == [used_priority]


# -- API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", NOT_STAFF)
def test_api_writes_are_for_staff_only(
    who: str, request: pytest.FixtureRequest, priority: NeedsPriority, hospital: Organization
) -> None:
    client = token_client(request.getfixturevalue(who))
    entry = focus("housing")
    calls = [
        ("post", "/focus-areas", {"name": "Oral health"}),
        ("patch", f"/focus-areas/{entry.pk}", {"name": "Shelter"}),
        ("post", "/populations", {"name": "Veterans"}),
        ("patch", f"/populations/{population('latino').pk}", {"name": "Latine"}),
        (
            "post",
            "/needs-priorities",
            {"organization_id": hospital.pk, "year": 2025, "title": "Asthma"},
        ),
        ("patch", f"/needs-priorities/{priority.pk}", {"title": "Asthma"}),
        ("delete", f"/needs-priorities/{priority.pk}", None),
        ("patch", f"/focus-areas/{HUGE}", {"name": "Shelter"}),
    ]
    for method, path, body in calls:
        response = send(client, method, path, body)
        assert response.status_code == 403, path
        assert response.json()["code"] == "forbidden"
    assert NeedsPriority.objects.get().title == "Mental health"
    assert not FocusArea.objects.filter(code="oral_health").exists()


def test_reading_the_lists_stays_open_to_the_consortium(
    coordinator: User, partner: User, leadership: User, priority: NeedsPriority, member: User
) -> None:
    services.create_focus_area(actor=coordinator, name="Oral health")

    focus_areas = send(token_client(partner), "get", "/focus-areas")
    priorities = send(token_client(leadership), "get", "/needs-priorities")

    assert focus_areas.status_code == 200
    assert {"code": "oral_health", "label": "Oral health"} in focus_areas.json()
    assert priorities.json()[0]["title"] == "Mental health"
    assert send(token_client(partner), "get", "/populations").status_code == 200
    assert send(token_client(member), "get", "/focus-areas").status_code == 403


def test_staff_add_and_rename_focus_areas_through_the_api(
    coordinator: User, make_initiative: Callable[..., Initiative], other_org: Organization
) -> None:
    client = token_client(coordinator)

    created = send(client, "post", "/focus-areas", {"name": "Oral health"})
    entry = FocusArea.objects.get(code="oral_health")
    make_initiative(other_org, focus_codes=("housing",)).focus_areas.add(entry)
    renamed = send(client, "patch", f"/focus-areas/{entry.pk}", {"name": "Dental health"})
    seeded = send(client, "patch", f"/focus-areas/{focus('housing').pk}", {"name": "Shelter"})

    assert created.status_code == 201
    assert created.json() == {
        "id": entry.pk,
        "code": "oral_health",
        "name": "Oral health",
        "label": "Oral health",
        "seeded": False,
        "initiative_count": 0,
    }
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Dental health"
    assert renamed.json()["initiative_count"] == 1
    assert seeded.json() | {"id": 0} == {
        "id": 0,
        "code": "housing",
        "name": "Shelter",
        "label": "Housing and environment",
        "seeded": True,
        "initiative_count": 1,
    }
    assert actions(entry) == ["partnerships.focus_area.created", "partnerships.focus_area.renamed"]


def test_staff_add_and_rename_populations_through_the_api(admin_user: User) -> None:
    client = token_client(admin_user)

    created = send(client, "post", "/populations", {"name": "Veterans"})
    renamed = send(
        client, "patch", f"/populations/{created.json()['id']}", {"name": "Military veterans"}
    )

    assert created.status_code == 201
    assert created.json()["code"] == "veterans"
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Military veterans"


def test_api_list_errors_have_bodies(coordinator: User) -> None:
    client = token_client(coordinator)

    duplicate = send(client, "post", "/focus-areas", {"name": "FOOD ACCESS"})
    taken = send(
        client, "patch", f"/populations/{population('latino').pk}", {"name": "Older adults"}
    )
    empty = send(client, "post", "/populations", {"name": ""})
    extra = send(client, "post", "/populations", {"name": "Veterans", "code": "vets"})
    no_latin = send(client, "post", "/focus-areas", {"name": "口腔"})
    missing = send(client, "patch", f"/focus-areas/{HUGE}", {"name": "Shelter"})
    gone = send(client, "patch", "/populations/999999", {"name": "Shelter"})

    assert duplicate.status_code == 409
    assert duplicate.json() == {
        "detail": "Food access is already on the list.",
        "field": "name",
        "code": "conflict",
    }
    assert taken.status_code == 409
    assert empty.status_code == 422
    assert empty.json()["field"] == "name"
    assert extra.status_code == 422
    assert no_latin.status_code == 422
    assert no_latin.json()["field"] == "name"
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert gone.status_code == 404


def test_staff_keep_priorities_through_the_api(
    coordinator: User,
    hospital: Organization,
    other_org: Organization,
    make_initiative: Callable[..., Initiative],
) -> None:
    client = token_client(coordinator)

    created = send(
        client,
        "post",
        "/needs-priorities",
        {
            "organization_id": hospital.pk,
            "year": 2025,
            "title": "Asthma",
            "url": "https://example.org/chna",
        },
    )
    pk = created.json()["id"]
    make_initiative(hospital).needs_priorities.add(pk)
    changed = send(
        client, "patch", f"/needs-priorities/{pk}", {"organization_id": other_org.pk, "year": 2024}
    )
    refused = send(client, "delete", f"/needs-priorities/{pk}")

    assert created.status_code == 201
    assert created.json() == {
        "id": pk,
        "organization": {"id": hospital.pk, "name": "Riverside Health System"},
        "year": 2025,
        "title": "Asthma",
        "url": "https://example.org/chna",
        "initiative_count": 0,
    }
    assert changed.status_code == 200
    assert changed.json()["organization"]["id"] == other_org.pk
    assert changed.json()["year"] == 2024
    assert changed.json()["initiative_count"] == 1
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "This priority is linked to an initiative: Northside Cancer Screening Days. "
        "Unlink it there first."
    )
    assert NeedsPriority.objects.filter(pk=pk).exists()
    assert actions(NeedsPriority.objects.get(pk=pk)) == [
        "partnerships.priority.created",
        "partnerships.priority.updated",
    ]


def test_staff_delete_an_unused_priority_through_the_api(
    coordinator: User, priority: NeedsPriority
) -> None:
    client = token_client(coordinator)

    deleted = send(client, "delete", f"/needs-priorities/{priority.pk}")
    again = send(client, "delete", f"/needs-priorities/{priority.pk}")

    assert deleted.status_code == 204
    assert again.status_code == 404
    assert AuditEntry.objects.filter(action="partnerships.priority.deleted").count() == 1


def test_api_priority_errors_have_bodies(
    coordinator: User, hospital: Organization, partner_org: Organization, priority: NeedsPriority
) -> None:
    client = token_client(coordinator)
    base = {"organization_id": hospital.pk, "year": 2024, "title": "Asthma"}

    duplicate = send(client, "post", "/needs-priorities", {**base, "title": "MENTAL HEALTH"})
    not_member = send(
        client, "post", "/needs-priorities", {**base, "organization_id": partner_org.pk}
    )
    no_org = send(client, "post", "/needs-priorities", {**base, "organization_id": 999_999})
    huge_org = send(client, "post", "/needs-priorities", {**base, "organization_id": HUGE})
    old = send(client, "post", "/needs-priorities", {**base, "year": 1999})
    ftp = send(client, "post", "/needs-priorities", {**base, "url": "ftp://example.org"})
    null = send(client, "patch", f"/needs-priorities/{priority.pk}", {"title": None})
    null_org = send(client, "patch", f"/needs-priorities/{priority.pk}", {"organization_id": None})
    moved = send(
        client, "patch", f"/needs-priorities/{priority.pk}", {"organization_id": partner_org.pk}
    )
    missing = send(client, "patch", f"/needs-priorities/{HUGE}", {"title": "A"})
    missing_delete = send(client, "delete", f"/needs-priorities/{HUGE}")

    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "title"
    assert not_member.status_code == 422
    assert not_member.json()["field"] == "organization_id"
    assert "not a member of the consortium" in not_member.json()["detail"]
    assert no_org.status_code == 422
    assert no_org.json() == {
        "detail": "There is no organization 999999.",
        "field": "organization_id",
        "code": "invalid",
    }
    assert huge_org.status_code == 422
    assert old.status_code == 422
    assert old.json()["field"] == "year"
    assert ftp.status_code == 422
    assert ftp.json()["field"] == "url"
    assert null.status_code == 422
    assert null.json()["field"] == "title"
    assert null_org.json()["field"] == "organization_id"
    assert moved.status_code == 422
    assert moved.json()["field"] == "organization_id"
    assert missing.status_code == 404
    assert missing_delete.status_code == 404
    assert NeedsPriority.objects.get().organization == hospital


def test_the_list_endpoints_are_documented() -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]

    expected = {
        "/api/v1/consortium/focus-areas": {"get", "post"},
        "/api/v1/consortium/focus-areas/{focus_area_id}": {"patch"},
        "/api/v1/consortium/populations": {"get", "post"},
        "/api/v1/consortium/populations/{population_id}": {"patch"},
        "/api/v1/consortium/needs-priorities": {"get", "post"},
        "/api/v1/consortium/needs-priorities/{priority_id}": {"patch", "delete"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            assert paths[path][method]["summary"]
            assert paths[path][method]["description"]

"""The Medical Plunge pages: office staff plan the week (sessions and host sites, participants,
groups with a live balance table, rotation, buses, manifests, itineraries, check-in); a
participant answers their invitation and reads only their own itinerary. Owner (office staff),
member, participant and outsider on each."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from equityhub.accounts.models import Role
from equityhub.plunge import pdf, services
from equityhub.plunge.models import (
    Attendance,
    Group,
    GroupingRun,
    GroupRequirement,
    PairRule,
    Plunge,
    Registration,
    Session,
    SlotOffer,
    Visit,
)
from tests.factories import AffiliationFactory, OrganizationFactory, PersonFactory
from tests.plunge.conftest import CHICAGO, GROUPS, PARTICIPANTS, at

pytestmark = pytest.mark.django_db

HUGE_ID = 2**63
HX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args: object) -> str:
    return reverse(f"plunge:{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def form_groups(client, plunge: Plunge, attributes: list[str], seed: int = 1) -> GroupingRun:
    response = client.post(
        url("groups", plunge.pk),
        {"attributes": attributes, "seed": str(seed), "time_limit": "0.5"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    run = GroupingRun.objects.filter(plunge=plunge).latest("id")
    assert response["Location"].endswith(f"?run={run.pk}#run")
    return run


def grouped(client, plunge: Plunge, attributes: list[str] | None = None) -> GroupingRun:
    run = form_groups(client, plunge, attributes or ["school_program", "languages"])
    response = client.post(url("run-apply", plunge.pk, run.pk))
    assert response.status_code == 302
    return run


def sizes(plunge: Plunge) -> list[int]:
    return [
        Registration.objects.filter(group=group).count()
        for group in Group.objects.filter(plunge=plunge).order_by("number")
    ]


# -- who may see what --------------------------------------------------------------------------


def planning_urls(plunge: Plunge, session: Session) -> list[str]:
    return [
        url("plunge", plunge.pk),
        url("plunge-edit", plunge.pk),
        url("sessions", plunge.pk),
        url("session", plunge.pk, session.pk),
        url("participants", plunge.pk),
        url("groups", plunge.pk),
        url("rotation", plunge.pk),
        url("itineraries", plunge.pk),
        url("check-in-sessions", plunge.pk),
        url("check-in", plunge.pk, session.pk),
        url("manifest", plunge.pk, session.pk),
    ]


@pytest.mark.parametrize("who", ["member", "outsider", "participant"])
@pytest.mark.usefixtures("participant")
def test_members_outsiders_and_participants_cannot_reach_the_planning_pages(
    request, who, client_for, plunge, site_visits
):
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get(url("index")).status_code == 403
    for address in planning_urls(plunge, site_visits[0]):
        response = client.get(address)
        assert response.status_code == 404, address
        assert plunge.title not in response.content.decode()


@pytest.mark.parametrize("who", ["member", "outsider"])
@pytest.mark.usefixtures("participants")
def test_members_and_outsiders_cannot_change_a_plunge(
    request, who, client_for, plunge, site_visits
):
    client = client_for(request.getfixturevalue(who))
    session = site_visits[0]
    registration = Registration.objects.filter(plunge=plunge).first()
    assert (
        client.post(
            url("index"), {"title": "Mine", "starts_on": "2031-01-01", "ends_on": "2031-01-02"}
        ).status_code
        == 403
    )
    refused = [
        (url("session-delete", plunge.pk, session.pk), {}),
        (url("session-offers", plunge.pk, session.pk), {}),
        (url("invite-file", plunge.pk), {}),
        (url("groups", plunge.pk), {"attributes": ["languages"], "seed": 0, "time_limit": 1}),
        (url("rotation", plunge.pk), {"strength": "preferred"}),
        (url("buses", plunge.pk), {}),
        (url("check-in-person", plunge.pk, session.pk, registration.pk), {}),
        (url("registration", registration.pk), {"r-attending": "no"}),
    ]
    for address, data in refused:
        assert client.post(address, data).status_code == 404, address
    assert Plunge.objects.count() == 1
    assert Session.objects.filter(pk=session.pk).exists()
    assert not Attendance.objects.exists()
    assert not GroupingRun.objects.exists()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REGISTERED


@pytest.mark.usefixtures("participants")
def test_ids_beyond_the_largest_key_are_not_found(
    client_for, coordinator, participant, plunge, site_visits
):
    staff = client_for(coordinator)
    session = site_visits[0]
    for address in [
        url("plunge", HUGE_ID),
        url("session", plunge.pk, HUGE_ID),
        url("manifest", plunge.pk, HUGE_ID),
        url("check-in", plunge.pk, HUGE_ID),
        url("registration", HUGE_ID),
    ]:
        assert staff.get(address).status_code == 404, address
    for address in [
        url("move", plunge.pk, HUGE_ID),
        url("run-apply", plunge.pk, HUGE_ID),
        url("pair-rule-delete", plunge.pk, HUGE_ID),
        url("requirement-delete", plunge.pk, HUGE_ID),
        url("group-leader", plunge.pk, HUGE_ID),
        url("check-in-person", plunge.pk, session.pk, HUGE_ID),
    ]:
        assert staff.post(address, {"group": "1"}).status_code == 404, address
    assert client_for(participant).get(url("registration", HUGE_ID)).status_code == 404


def test_a_session_of_another_plunge_is_not_found_through_this_one(
    client_for, coordinator, plunge, site_visits
):
    other = Plunge.objects.create(
        title="Another week", starts_on=plunge.starts_on, ends_on=plunge.ends_on
    )
    response = client_for(coordinator).get(url("session", other.pk, site_visits[0].pk))
    assert response.status_code == 404


# -- the list, the overview and the Plunge itself ----------------------------------------------


def test_a_coordinator_creates_a_plunge_and_lands_on_its_overview(client_for, coordinator):
    client = client_for(coordinator)
    response = client.post(
        url("index"),
        {
            "title": "Plunge 2032",
            "starts_on": "2032-08-02",
            "ends_on": "2032-08-06",
            "timezone": "America/Chicago",
            "group_count": "18",
            "bus_capacity": "45",
        },
    )
    plunge = Plunge.objects.get(title="Plunge 2032")
    assert response.status_code == 302
    assert response["Location"] == url("plunge", plunge.pk)
    assert (plunge.group_count, plunge.bus_capacity) == (18, 45)
    page = client.get(url("plunge", plunge.pk))
    html = page.content.decode()
    assert "Plunge 2032" in html
    for step in ["sessions", "participants", "groups", "rotation", "itineraries"]:
        assert url(step, plunge.pk) in html
    assert url("check-in-sessions", plunge.pk) in html
    # Every day of the week is on the timeline.
    assert len(page.context["days"]) == 5
    assert "Plunge 2032" in client.get(url("index")).content.decode()


def test_a_plunge_that_ends_before_it_starts_is_refused(client_for, coordinator):
    response = client_for(coordinator).post(
        url("index"),
        {
            "title": "Backwards",
            "starts_on": "2032-08-06",
            "ends_on": "2032-08-02",
            "timezone": "America/Chicago",
            "group_count": "18",
            "bus_capacity": "45",
        },
    )
    assert response.status_code == 422
    assert "The last day is before the first day." in response.content.decode()
    assert not Plunge.objects.exists()


@pytest.mark.usefixtures("site_visits")
def test_the_overview_counts_participants_and_lays_out_the_days(
    client_for, coordinator, plunge, lecture, participants
):
    services.cancel_registration(registration=participants[3], actor=coordinator)
    response = client_for(coordinator).get(url("plunge", plunge.pk))
    counts = response.context["counts"]
    assert counts["registered"] == PARTICIPANTS - 1
    assert counts["cancelled"] == 1
    assert counts["site_visits"] == 3
    assert counts["sessions"] == 4
    monday = response.context["days"][0]
    assert [s.title for s in monday.sessions] == ["Site visits 1", lecture.title]
    html = response.content.decode()
    assert "09:00\u201312:00" in html  # local Chicago times, not UTC
    assert "13:00\u201315:00" in html


def test_a_coordinator_edits_and_publishes_the_plunge(client_for, coordinator, plunge):
    client = client_for(coordinator)
    form = client.get(url("plunge-edit", plunge.pk)).context["form"]
    assert form.initial["title"] == plunge.title
    data = {
        "title": "Renamed Plunge",
        "starts_on": plunge.starts_on.isoformat(),
        "ends_on": plunge.ends_on.isoformat(),
        "timezone": plunge.timezone,
        "group_count": "6",
        "bus_capacity": "12",
        "status": Plunge.Status.PUBLISHED,
        "description": "",
    }
    assert client.post(url("plunge-edit", plunge.pk), data).status_code == 302
    plunge.refresh_from_db()
    assert (plunge.title, plunge.bus_capacity, plunge.status) == (
        "Renamed Plunge",
        12,
        Plunge.Status.PUBLISHED,
    )


# -- sessions and host sites -------------------------------------------------------------------


def session_data(day: dt.date, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": Session.Kind.SITE_VISIT,
        "title": "Thursday site visits",
        "date": day.isoformat(),
        "start_time": "09:30",
        "end_time": "12:00",
        "place": "Front steps",
        "site": "",
        "description": "",
    }
    data.update(overrides)
    return data


def test_a_coordinator_adds_a_site_visit_session_and_its_host_sites(
    client_for, coordinator, plunge, sites
):
    client = client_for(coordinator)
    thursday = plunge.starts_on + dt.timedelta(days=3)
    response = client.post(url("sessions", plunge.pk), session_data(thursday))
    session = Session.objects.get(plunge=plunge, title="Thursday site visits")
    assert response.status_code == 302
    assert response["Location"] == url("session", plunge.pk, session.pk) + "#hosts"
    # Entered as wall-clock time in the Plunge's time zone.
    assert session.starts_at == at(thursday, 9, 30)
    assert session.starts_at.astimezone(CHICAGO).hour == 9

    page = client.get(url("session", plunge.pk, session.pk))
    html = page.content.decode()
    for site in sites:
        assert site.name in html
    offers = {f"site_{sites[0].pk}": "2", f"site_{sites[3].pk}": "1", f"site_{sites[5].pk}": ""}
    response = client.post(url("session-offers", plunge.pk, session.pk), offers)
    assert response.status_code == 302
    assert dict(SlotOffer.objects.filter(session=session).values_list("site_id", "capacity")) == {
        sites[0].pk: 2,
        sites[3].pk: 1,
    }
    # Hosting is a replacement: a site cleared is no longer a host.
    client.post(url("session-offers", plunge.pk, session.pk), {f"site_{sites[3].pk}": "3"})
    assert dict(SlotOffer.objects.filter(session=session).values_list("site_id", "capacity")) == {
        sites[3].pk: 3
    }


def test_a_host_site_over_fifty_groups_is_refused(
    client_for, coordinator, plunge, site_visits, sites
):
    session = site_visits[0]
    response = client_for(coordinator).post(
        url("session-offers", plunge.pk, session.pk), {f"site_{sites[0].pk}": "51"}
    )
    assert response.status_code == 422
    assert SlotOffer.objects.get(session=session, site=sites[0]).capacity == 1


def test_a_session_outside_the_plunges_days_is_refused_on_its_date(client_for, coordinator, plunge):
    late = plunge.ends_on + dt.timedelta(days=2)
    response = client_for(coordinator).post(
        url("sessions", plunge.pk), session_data(late, kind=Session.Kind.LECTURE)
    )
    assert response.status_code == 422
    assert "outside the Plunge" in str(response.context["form"].errors["start_time"])
    assert not Session.objects.filter(plunge=plunge).exists()


def test_a_coordinator_edits_then_deletes_a_session(
    client_for, coordinator, plunge, site_visits, lecture
):
    client = client_for(coordinator)
    data = session_data(
        plunge.starts_on, kind=Session.Kind.LECTURE, title="Welcome", start_time="14:00"
    )
    data["end_time"] = "16:00"
    assert client.post(url("session", plunge.pk, lecture.pk), data).status_code == 302
    lecture.refresh_from_db()
    assert lecture.title == "Welcome"
    assert lecture.starts_at == at(plunge.starts_on, 14)
    assert client.post(url("session-delete", plunge.pk, lecture.pk)).status_code == 302
    assert not Session.objects.filter(pk=lecture.pk).exists()


# -- participants ------------------------------------------------------------------------------


def test_a_coordinator_invites_from_a_csv_file_with_custom_columns(client_for, coordinator, plunge):
    people = [PersonFactory(email=f"student{i}@example.edu") for i in range(3)]
    content = (
        b"email,campus,dietary_needs\n"
        b"student0@example.edu,north,vegetarian\n"
        b"STUDENT1@example.edu,south,\n"
        b"student2@example.edu,north,\n"
    )
    response = client_for(coordinator).post(
        url("invite-file", plunge.pk),
        {"file": SimpleUploadedFile("class.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 302
    registrations = {r.person_id: r for r in Registration.objects.filter(plunge=plunge)}
    assert set(registrations) == {p.pk for p in people}
    assert registrations[people[0].pk].custom == {"campus": "north"}
    assert registrations[people[0].pk].dietary_needs == "vegetarian"
    assert registrations[people[1].pk].status == Registration.Status.INVITED


def test_a_csv_file_with_a_bad_line_invites_nobody_and_names_the_line(
    client_for, coordinator, plunge
):
    PersonFactory(email="known@example.edu")
    content = b"email\nknown@example.edu\nnobody@example.edu\n"
    response = client_for(coordinator).post(
        url("invite-file", plunge.pk),
        {"file": SimpleUploadedFile("class.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "line 3" in html
    assert "nobody@example.edu" in html
    assert not Registration.objects.filter(plunge=plunge).exists()


def test_a_coordinator_invites_everyone_in_a_program_from_the_registry(
    client_for, coordinator, plunge
):
    school = OrganizationFactory(name="Gateway School of Medicine")
    in_program = [AffiliationFactory(organization=school, school_program="MD program").person]
    in_program.append(AffiliationFactory(organization=school, school_program="md program").person)
    other_program = AffiliationFactory(organization=school, school_program="Nursing").person
    elsewhere = AffiliationFactory(school_program="MD program").person
    ended = AffiliationFactory(
        organization=school, school_program="MD program", end_date=dt.date(2024, 12, 31)
    ).person
    client = client_for(coordinator)
    response = client.post(
        url("invite-registry", plunge.pk),
        {"organization": school.pk, "training_level": "", "school_program": "MD program"},
    )
    assert response.status_code == 302
    invited = set(Registration.objects.filter(plunge=plunge).values_list("person_id", flat=True))
    assert invited == {p.pk for p in in_program}
    assert not invited & {other_program.pk, elsewhere.pk, ended.pk}
    # Asking again invites nobody twice.
    client.post(
        url("invite-registry", plunge.pk),
        {"organization": school.pk, "training_level": "", "school_program": "MD program"},
    )
    assert Registration.objects.filter(plunge=plunge).count() == 2


def test_inviting_from_the_registry_needs_a_choice(client_for, coordinator, plunge):
    PersonFactory()
    response = client_for(coordinator).post(
        url("invite-registry", plunge.pk),
        {"organization": "", "training_level": "", "school_program": ""},
    )
    assert response.status_code == 422
    assert not Registration.objects.filter(plunge=plunge).exists()


def test_the_participants_page_lists_status_group_and_needs(
    client_for, coordinator, plunge, participants
):
    participants[5].dietary_needs = "halal"
    participants[5].save()
    html = client_for(coordinator).get(url("participants", plunge.pk)).content.decode()
    assert participants[5].person.display_name in html
    assert "halal" in html
    assert "Registered" in html


def test_a_coordinator_adds_and_removes_pair_rules_and_requirements(
    client_for, coordinator, plunge, participants
):
    client = client_for(coordinator)
    first, second = participants[2], participants[3]
    response = client.post(
        url("pair-rule-add", plunge.pk),
        {"first": first.pk, "second": second.pk, "kind": "apart", "note": "siblings"},
    )
    assert response.status_code == 302
    rule = PairRule.objects.get(plunge=plunge)
    assert (rule.first_id, rule.second_id, rule.kind) == (first.pk, second.pk, "apart")
    # The same pair again is refused, on the form.
    again = client.post(
        url("pair-rule-add", plunge.pk),
        {"first": second.pk, "second": first.pk, "kind": "together"},
    )
    assert again.status_code == 422
    assert "already have a rule" in again.content.decode()

    response = client.post(
        url("requirement-add", plunge.pk), {"column": "languages=es", "minimum": "1"}
    )
    assert response.status_code == 302
    requirement = GroupRequirement.objects.get(plunge=plunge)
    bad = client.post(url("requirement-add", plunge.pk), {"column": "spanish", "minimum": "1"})
    assert bad.status_code == 422
    assert "attribute=value" in bad.content.decode()

    html = client.get(url("participants", plunge.pk)).content.decode()
    assert url("pair-rule-delete", plunge.pk, rule.pk) in html
    assert url("requirement-delete", plunge.pk, requirement.pk) in html
    assert client.post(url("pair-rule-delete", plunge.pk, rule.pk)).status_code == 302
    assert client.post(url("requirement-delete", plunge.pk, requirement.pk)).status_code == 302
    assert not PairRule.objects.exists()
    assert not GroupRequirement.objects.exists()


# -- groups ------------------------------------------------------------------------------------


def test_a_coordinator_runs_the_engine_then_applies_the_groups(
    client_for, coordinator, plunge, participants
):
    client = client_for(coordinator)
    run = form_groups(client, plunge, ["school_program", "languages"])
    page = client.get(url("groups", plunge.pk), {"run": run.pk})
    html = page.content.decode()
    assert "SS_ideal" in html
    assert "Apply these groups" in html
    assert page.context["run_excess"].endswith("%")
    assert not Group.objects.filter(plunge=plunge).exists()  # nothing written yet

    response = client.post(url("run-apply", plunge.pk, run.pk))
    assert response.status_code == 302
    counts = sizes(plunge)
    assert len(counts) == GROUPS
    assert sum(counts) == PARTICIPANTS
    assert max(counts) - min(counts) <= 1

    # The balance table of the applied run's attributes, with its measures.
    page = client.get(url("groups", plunge.pk))
    table = page.context["table"]
    assert table is not None
    assert [row.size.count for row in table.rows] == counts
    assert table.ss >= table.ss_ideal
    html = page.content.decode()
    assert "SS now" in html
    assert "SS_ideal" in html
    assert table.excess_text in html
    assert "School or program: MD program" in html
    assert "Languages: es" in html


def test_a_pair_rule_holds_in_the_formed_groups(client_for, coordinator, plunge, participants):
    first, second = participants[4], participants[8]
    services.add_pair_rule(
        plunge=plunge, actor=coordinator, first=first, second=second, kind="together"
    )
    grouped(client_for(coordinator), plunge)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.group_id is not None
    assert first.group_id == second.group_id


def test_running_the_engine_without_an_attribute_is_refused(
    client_for, coordinator, plunge, participants
):
    response = client_for(coordinator).post(
        url("groups", plunge.pk), {"seed": "0", "time_limit": "1"}
    )
    assert response.status_code == 422
    assert not GroupingRun.objects.exists()


def test_moving_a_member_by_htmx_returns_the_balance_with_the_new_counts(
    client_for, coordinator, plunge, participants
):
    client = client_for(coordinator)
    grouped(client, plunge)
    before = sizes(plunge)
    mover = Registration.objects.filter(plunge=plunge, group__number=1).first()
    target = Group.objects.get(plunge=plunge, number=2)
    response = client.post(
        url("move", plunge.pk, mover.pk),
        {"group": target.pk, "attributes": ["school_program", "languages"]},
        **HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="balance-region">')
    assert "<html" not in html
    assert re.search(
        rf"Moved {re.escape(mover.person.display_name)} to group 2; excess now [\d.,]+%", html
    )
    assert 'id="balance-status" hx-swap-oob="innerHTML"' in html
    mover.refresh_from_db()
    assert mover.group_id == target.pk
    after = sizes(plunge)
    assert after[0] == before[0] - 1
    assert after[1] == before[1] + 1
    table = response.context["table"]
    assert [row.size.count for row in table.rows] == after
    # The group that grew is flagged above the even spread, in words.
    assert table.rows[1].size.state == "high"
    assert "above even" in html


def test_moving_without_htmx_redirects_to_the_balance(
    client_for, coordinator, plunge, participants
):
    client = client_for(coordinator)
    grouped(client, plunge)
    mover = Registration.objects.filter(plunge=plunge, group__number=3).first()
    target = Group.objects.get(plunge=plunge, number=4)
    response = client.post(url("move", plunge.pk, mover.pk), {"group": target.pk})
    assert response.status_code == 302
    assert response["Location"].endswith("#balance")
    mover.refresh_from_db()
    assert mover.group_id == target.pk


def test_a_group_of_another_plunge_is_not_a_move_target(
    client_for, coordinator, plunge, participants
):
    client = client_for(coordinator)
    grouped(client, plunge)
    other = Plunge.objects.create(title="Other", starts_on=plunge.starts_on, ends_on=plunge.ends_on)
    foreign = Group.objects.create(plunge=other, number=1)
    mover = Registration.objects.filter(plunge=plunge, group__number=1).first()
    response = client.post(url("move", plunge.pk, mover.pk), {"group": foreign.pk}, **HX)
    assert response.status_code == 404
    mover.refresh_from_db()
    assert mover.group.plunge_id == plunge.pk


def test_demographic_attributes_are_hidden_without_the_permission(
    client_for, coordinator, plunge, participants
):
    client = client_for(coordinator)
    page = client.get(url("groups", plunge.pk))
    keys = [key for key, _label in page.context["available"]]
    assert "gender" not in keys
    assert "race_ethnicity" not in keys
    assert "Gender identity" not in page.content.decode()
    refused = client.post(
        url("groups", plunge.pk), {"attributes": ["gender"], "seed": "0", "time_limit": "0.5"}
    )
    assert refused.status_code == 422
    assert not GroupingRun.objects.exists()
    # Asked for by address, a demographic column is silently left out.
    grouped(client, plunge)
    page = client.get(url("groups", plunge.pk), {"attributes": ["gender", "languages"]})
    assert page.context["attributes"] == ["languages"]
    assert "Gender identity" not in page.content.decode()


def test_a_data_steward_balances_on_gender_and_sees_counts_per_group(
    client_for, steward, coordinator, plunge, participants
):
    client = client_for(steward)
    page = client.get(url("groups", plunge.pk))
    assert "gender" in [key for key, _label in page.context["available"]]
    run = grouped(client, plunge, ["gender", "school_program"])
    assert run.attributes == ["gender", "school_program"]
    page = client.get(url("groups", plunge.pk))
    html = page.content.decode()
    assert "Gender identity: Woman" in html
    table = page.context["table"]
    woman = [label for _column, label in table.columns].index("Gender identity: Woman")
    assert sum(row.cells[woman].count for row in table.rows) == PARTICIPANTS // 2
    # A coordinator looking at the same groups sees no demographic column.
    other = client_for(coordinator).get(url("groups", plunge.pk))
    assert "Gender identity" not in other.content.decode()
    assert other.context["attributes"] == ["school_program"]


def test_a_coordinator_names_a_group_leader_with_a_phone(
    client_for, coordinator, plunge, participants
):
    client = client_for(coordinator)
    grouped(client, plunge)
    group = Group.objects.get(plunge=plunge, number=1)
    leader = Registration.objects.filter(group=group).first()
    prefix = f"g{group.pk}"
    response = client.post(
        url("group-leader", plunge.pk, group.pk),
        {f"{prefix}-leader": leader.pk, f"{prefix}-phone": "314-555-0199"},
    )
    assert response.status_code == 302
    leader.refresh_from_db()
    group.refresh_from_db()
    assert leader.is_group_leader
    assert group.leader_phone == "314-555-0199"


# -- rotation, buses and manifests -------------------------------------------------------------


def rotate(client, plunge: Plunge, strength: str = "preferred"):
    return client.post(
        url("rotation", plunge.pk),
        {"kinds": ["clinic", "school", "community"], "strength": strength},
    )


@pytest.mark.usefixtures("sites", "participants")
def test_the_rotation_page_shows_the_grid_of_groups_and_sessions(
    client_for, coordinator, plunge, site_visits
):
    client = client_for(coordinator)
    grouped(client, plunge)
    response = rotate(client, plunge, "required")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Visit.objects.filter(session__plunge=plunge).count() == GROUPS * len(site_visits)
    page = client.get(response["Location"])
    grid = page.context["grid"]
    assert [row.group.number for row in grid] == list(range(1, GROUPS + 1))
    for row in grid:
        assert all(cell is not None for cell in row.cells)
        assert len({cell.site_id for cell in row.cells}) == len(site_visits)
        assert row.missing == []  # required kinds: every group has a clinic, school, community
    html = page.content.decode()
    assert grid[0].cells[0].site.name in html


@pytest.mark.usefixtures("participants")
def test_an_infeasible_rotation_shows_the_reasons(
    client_for, coordinator, plunge, site_visits, sites
):
    client = client_for(coordinator)
    grouped(client, plunge)
    short = site_visits[1]
    SlotOffer.objects.filter(session=short).exclude(site__in=sites[:2]).delete()
    response = rotate(client, plunge)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "has capacity for 2 groups, 6 are unassigned" in html
    assert response.context["reasons"]
    assert not Visit.objects.exists()


def test_rotating_before_the_groups_exist_says_so(client_for, coordinator, plunge, site_visits):
    response = rotate(client_for(coordinator), plunge)
    assert response.status_code == 422
    assert "Form the groups first." in response.content.decode()


def test_buses_are_planned_per_session_and_listed(
    client_for, coordinator, plunge, site_visits, participants
):
    client = client_for(coordinator)
    grouped(client, plunge)
    rotate(client, plunge)
    response = client.post(url("buses", plunge.pk))
    assert response.status_code == 302
    assert not Visit.objects.filter(session__plunge=plunge, bus_number=None).exists()
    page = client.get(url("rotation", plunge.pk))
    buses = dict(page.context["buses"])
    assert set(buses) == set(site_visits)
    for runs in buses.values():
        assert sum(run.people for run in runs) == PARTICIPANTS
        assert all(run.people <= plunge.bus_capacity for run in runs)
        assert sorted(n for run in runs for n in run.groups) == list(range(1, GROUPS + 1))
    assert url("manifest", plunge.pk, site_visits[0].pk) in page.content.decode()
    overview = client.get(url("plunge", plunge.pk)).context["counts"]
    assert overview["bus_runs"] == sum(len(runs) for runs in buses.values())
    assert overview["visits"] == GROUPS * len(site_visits)


@pytest.mark.usefixtures("participants")
def test_the_bus_manifest_is_a_pdf_for_office_staff_only(
    request, client_for, coordinator, plunge, site_visits
):
    client = client_for(coordinator)
    grouped(client, plunge)
    rotate(client, plunge)
    client.post(url("buses", plunge.pk))
    session = site_visits[0]
    group = Group.objects.get(plunge=plunge, number=1)
    leader = Registration.objects.filter(group=group).select_related("person").first()
    services.set_group_leader(
        registration=leader, actor=coordinator, leader=True, phone="314-555-0142"
    )
    response = client.get(url("manifest", plunge.pk, session.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="bus-manifest-{session.pk}.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]

    html = pdf.manifest_html(plunge, session)
    visit = Visit.objects.get(session=session, group=group)
    assert leader.person.display_name in html
    assert "314-555-0142" in html
    assert visit.site.name in html
    assert visit.site.contact_phone in html
    assert visit.site.address in html
    member_names = Registration.objects.filter(group=group).select_related("person")
    for registration in member_names:
        assert registration.person.display_name in html

    for who in ("member", "participant", "outsider"):
        user = request.getfixturevalue(who)
        assert client_for(user).get(url("manifest", plunge.pk, session.pk)).status_code == 404


def test_a_leader_without_a_day_phone_is_printed_with_their_own(
    client_for, coordinator, plunge, site_visits, participants
):
    client = client_for(coordinator)
    grouped(client, plunge)
    rotate(client, plunge)
    group = Group.objects.get(plunge=plunge, number=2)
    leader = Registration.objects.filter(group=group).select_related("person").first()
    leader.person.phone = "636-555-0100"
    leader.person.save()
    services.set_group_leader(registration=leader, actor=coordinator, leader=True)
    assert "636-555-0100" in pdf.manifest_html(plunge, site_visits[0])


# -- itineraries -------------------------------------------------------------------------------


@pytest.mark.usefixtures("participants")
def test_the_itineraries_page_prints_one_page_per_group(
    client_for, coordinator, plunge, site_visits, lecture
):
    client = client_for(coordinator)
    grouped(client, plunge)
    rotate(client, plunge)
    client.post(url("buses", plunge.pk))
    response = client.get(url("itineraries", plunge.pk))
    html = response.content.decode()
    assert "css/print.css" in html
    assert html.count('class="eh-print-page') == GROUPS
    pages = response.context["pages"]
    group, days = pages[0]
    assert [day for day, _items in days] == [
        plunge.starts_on + dt.timedelta(days=n) for n in range(3)
    ]
    items = [item for _day, day_items in days for item in day_items]
    assert [item.session for item in items] == [site_visits[0], lecture, *site_visits[1:]]
    visit = Visit.objects.get(session=site_visits[0], group=group)
    assert items[0].site_name == visit.site.name
    assert items[0].bus_number == visit.bus_number
    assert visit.site.name in html
    assert "Auditorium" in html


@pytest.mark.usefixtures("site_visits")
def test_a_participant_answers_and_reads_only_their_own_itinerary(
    client_for, coordinator, participant, other_participant, plunge
):
    staff = client_for(coordinator)
    grouped(staff, plunge)
    rotate(staff, plunge)
    staff.post(url("buses", plunge.pk))
    mine = Registration.objects.get(person=participant.person)
    theirs = Registration.objects.get(person=other_participant.person)
    client = client_for(participant)

    page = client.get(url("mine"))
    html = page.content.decode()
    assert plunge.title in html
    # Grouped, but the week is not published yet: no itinerary for participants.
    assert page.context["cards"][0].itinerary is None
    assert "when the office publishes the week" in html

    plunge.status = Plunge.Status.PUBLISHED
    plunge.save()
    page = client.get(url("mine"))
    card = page.context["cards"][0]
    assert card.registration == mine
    visits = Visit.objects.filter(group=mine.group).select_related("site")
    html = page.content.decode()
    for visit in visits:
        assert visit.site.name in html
    items = [item for _day, day_items in card.itinerary for item in day_items]
    assert [item.bus_number for item in items] == [v.bus_number for v in visits]

    prefix = f"r{mine.pk}"
    response = client.post(
        url("registration", mine.pk),
        {f"{prefix}-attending": "yes", f"{prefix}-dietary_needs": "vegan"},
    )
    assert response.status_code == 302
    assert response["Location"] == url("mine")
    mine.refresh_from_db()
    assert mine.dietary_needs == "vegan"

    # Someone else's registration is not there, to read or to answer.
    assert client.get(url("registration", theirs.pk)).status_code == 404
    refused = client.post(url("registration", theirs.pk), {f"r{theirs.pk}-attending": "no"})
    assert refused.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Registration.Status.REGISTERED
    assert client.get(url("registration", mine.pk)).status_code == 200


def test_a_participant_declines_and_leaves_their_group(
    client_for, coordinator, participant, plunge, participants
):
    grouped(client_for(coordinator), plunge)
    mine = Registration.objects.get(person=participant.person)
    assert mine.group_id is not None
    response = client_for(participant).post(
        url("registration", mine.pk), {f"r{mine.pk}-attending": "no"}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Registration.Status.DECLINED
    assert mine.group_id is None


def test_someone_not_invited_sees_no_plunge(client_for, member, plunge, participants):
    page = client_for(member).get(url("mine"))
    assert page.status_code == 200
    assert page.context["cards"] == []
    assert plunge.title not in page.content.decode()


def test_office_staff_read_a_participants_itinerary(
    client_for, coordinator, plunge, site_visits, participants
):
    client = client_for(coordinator)
    grouped(client, plunge)
    rotate(client, plunge)
    registration = participants[7]
    page = client.get(url("registration", registration.pk))
    assert page.status_code == 200
    card = page.context["card"]
    assert card.itinerary is not None  # staff see it before publication
    assert registration.person.display_name in page.content.decode()


# -- check-in ----------------------------------------------------------------------------------


def test_check_in_by_htmx_swaps_the_row_and_the_count(
    client_for, coordinator, plunge, site_visits, participants
):
    client = client_for(coordinator)
    session = site_visits[0]
    page = client.get(url("check-in", plunge.pk, session.pk))
    assert len(page.context["rows"]) == PARTICIPANTS
    assert f"0 of {PARTICIPANTS} checked in" in page.content.decode()
    person = participants[9]
    response = client.post(url("check-in-person", plunge.pk, session.pk, person.pk), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<li class="list-group-item py-3" id="person-{person.pk}">')
    assert "Checked in" in html
    assert f"1 of {PARTICIPANTS} checked in" in html
    assert 'id="check-in-count" hx-swap-oob="true"' in html
    assert Attendance.objects.filter(session=session, registration=person).exists()

    twice = client.post(url("check-in-person", plunge.pk, session.pk, person.pk), **HX)
    assert "checked in already" in twice.content.decode()
    assert Attendance.objects.filter(session=session).count() == 1

    undone = client.post(url("undo-check-in", plunge.pk, session.pk, person.pk), **HX)
    assert f"0 of {PARTICIPANTS} checked in" in undone.content.decode()
    assert not Attendance.objects.exists()


def test_the_check_in_list_filters_by_name(
    client_for, coordinator, plunge, site_visits, participants
):
    client = client_for(coordinator)
    session = site_visits[0]
    wanted = participants[11].person
    response = client.get(url("check-in", plunge.pk, session.pk), {"q": wanted.family_name}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<ul class="list-group" id="check-in-list"')
    assert [r.pk for r, _present in response.context["rows"]] == [participants[11].pk]
    assert participants[12].person.display_name not in html


def test_people_who_have_not_registered_are_not_on_the_check_in_list(
    client_for, coordinator, plunge, site_visits, participants
):
    declined = participants[6]
    services.respond(registration=declined, actor=coordinator, attending=False)
    client = client_for(coordinator)
    session = site_visits[0]
    page = client.get(url("check-in", plunge.pk, session.pk))
    assert declined.pk not in [r.pk for r, _present in page.context["rows"]]
    response = client.post(url("check-in-person", plunge.pk, session.pk, declined.pk), **HX)
    assert "has not registered" in response.content.decode()
    assert not Attendance.objects.exists()


def test_checking_in_without_htmx_redirects_to_the_row(
    client_for, coordinator, plunge, site_visits, participants
):
    session = site_visits[0]
    person = participants[0]
    response = client_for(coordinator).post(
        url("check-in-person", plunge.pk, session.pk, person.pk)
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#person-{person.pk}")
    assert Attendance.objects.filter(session=session, registration=person).exists()


def test_the_navigation_offers_the_plunge_to_office_staff_only(client_for, coordinator, member):
    assert url("index") in client_for(coordinator).get("/").content.decode()
    assert url("index") not in client_for(member).get("/").content.decode()


def test_a_member_with_a_role_of_partner_cannot_plan(make_user, client_for, plunge):
    partner = make_user(Role.PARTNER)
    assert client_for(partner).get(url("plunge", plunge.pk)).status_code == 404


def test_weights_are_kept_for_the_chosen_attributes_only(
    client_for, coordinator, plunge, participants
):
    response = client_for(coordinator).post(
        url("groups", plunge.pk),
        {
            "attributes": ["languages", "school_program"],
            "weight_languages": "3",
            "weight_home_region": "5",
            "seed": "7",
            "time_limit": "0.3",
        },
    )
    assert response.status_code == 302
    run = GroupingRun.objects.get(plunge=plunge)
    assert run.weights == {"languages": 3.0}
    assert run.seed == 7

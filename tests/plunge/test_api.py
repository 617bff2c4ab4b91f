"""The Medical Plunge API: /api/v1/plunges and everything under it."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

import pytest
from django.test import Client

from equityhub.accounts.models import User
from equityhub.accounts.services import create_api_token
from equityhub.audit.models import AuditEntry
from equityhub.places.models import Site
from equityhub.plunge.models import (
    Group,
    GroupingRun,
    Plunge,
    Registration,
    Session,
    SlotOffer,
    Visit,
)
from tests.factories import DemographicProfileFactory, PersonFactory
from tests.plunge.fixtures_services import (
    MONDAY,
    groups_of,
    make_plunge,
    make_site,
    participant,
    participants,
    session,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/plunges"
HUGE = "99999999999999999999999"
K = Site.Kind


def token_client(user: User) -> Client:
    _token, raw = create_api_token(user=user, name="tests", actor=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client: Client, path: str, body: Any = None) -> Any:
    return client.post(
        path, json.dumps(body) if body is not None else "", content_type="application/json"
    )


@pytest.fixture
def staff(coordinator: User) -> Client:
    return token_client(coordinator)


@pytest.fixture
def plunge() -> Plunge:
    return make_plunge(group_count=3)


@pytest.fixture
def week(plunge: Plunge) -> dict[str, Any]:
    """Three groups of three and two site-visit sessions over six sites."""
    groups = groups_of(plunge, [3, 3, 3])
    sites = [make_site(f"API site {i}", (K.CLINIC, K.SCHOOL, K.COMMUNITY)[i % 3]) for i in range(6)]
    sessions = [
        session(plunge, day=0, offers={sites[0]: 2, sites[1]: 1, sites[2]: 1}),
        session(plunge, day=1, offers={sites[3]: 1, sites[4]: 1, sites[5]: 1}),
    ]
    return {"groups": groups, "sites": sites, "sessions": sessions}


# Who may ---------------------------------------------------------------------------------------


def test_every_plunge_endpoint_needs_authentication(client, plunge):
    assert client.get(API).status_code == 401
    assert client.get(f"{API}/{plunge.pk}").status_code == 401
    assert (
        post(client, f"{API}/{plunge.pk}/grouping-runs", {"attributes": ["languages"]}).status_code
        == 401
    )
    assert not GroupingRun.objects.exists()


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_participants_and_outsiders_reach_nothing(who, request, plunge, week):
    user = request.getfixturevalue(who)
    Registration.objects.create(plunge=plunge, person=user.person)
    client = token_client(user)
    run = GroupingRun.objects.create(plunge=plunge, groups=3, assignment={})

    listing = client.get(API)
    assert listing.status_code == 403
    assert listing.json()["code"] == "forbidden"
    for path in (
        "",
        "/sessions",
        "/registrations",
        "/groups",
        f"/grouping-runs/{run.pk}",
        "/rotation",
    ):
        response = client.get(f"{API}/{plunge.pk}{path}")
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found.", "field": None, "code": "not_found"}
    for path, body in (
        (
            "/sessions",
            {
                "kind": "lecture",
                "title": "x",
                "starts_at": "2026-08-03T09:00",
                "ends_at": "2026-08-03T10:00",
            },
        ),
        ("/registrations", {"person_ids": [user.person.pk]}),
        ("/grouping-runs", {"attributes": ["languages"]}),
        (f"/grouping-runs/{run.pk}/apply", None),
        ("/rotation", {}),
        ("/buses", None),
    ):
        assert post(client, f"{API}/{plunge.pk}{path}", body).status_code == 404, path
    assert (
        post(
            client, API, {"title": "Mine", "starts_on": "2026-08-03", "ends_on": "2026-08-07"}
        ).status_code
        == 403
    )
    assert Plunge.objects.count() == 1
    assert GroupingRun.objects.count() == 1
    assert not Visit.objects.exists()


@pytest.mark.parametrize("bad", [HUGE, "0", "-3"])
def test_ids_out_of_range_are_not_found(staff, plunge, bad):
    assert staff.get(f"{API}/{bad}").status_code == 404
    assert staff.get(f"{API}/{bad}/groups").status_code == 404
    assert staff.get(f"{API}/{plunge.pk}/grouping-runs/{bad}").status_code == 404
    assert post(staff, f"{API}/{plunge.pk}/grouping-runs/{bad}/apply").status_code == 404


def test_a_run_of_another_plunge_is_not_found_here(staff, plunge):
    other = make_plunge(title="Other week")
    theirs = GroupingRun.objects.create(plunge=other, groups=1, assignment={})

    assert staff.get(f"{API}/{plunge.pk}/grouping-runs/{theirs.pk}").status_code == 404
    assert post(staff, f"{API}/{plunge.pk}/grouping-runs/{theirs.pk}/apply").status_code == 404
    theirs.refresh_from_db()
    assert theirs.applied_at is None


# The week --------------------------------------------------------------------------------------


def test_a_coordinator_creates_reads_and_lists_plunges(staff, coordinator):
    response = post(
        staff,
        API,
        {
            "title": "Medical Plunge 2027",
            "starts_on": "2027-08-02",
            "ends_on": "2027-08-06",
            "group_count": 12,
        },
    )

    assert response.status_code == 201
    created = response.json()
    assert created["title"] == "Medical Plunge 2027"
    assert (created["group_count"], created["bus_capacity"]) == (12, 50)
    assert (created["status"], created["timezone"]) == ("planning", "America/Chicago")
    assert (created["invited"], created["registered"], created["groups"]) == (0, 0, 0)
    assert AuditEntry.objects.filter(action="plunge.created", actor_id=coordinator.pk).exists()
    assert staff.get(f"{API}/{created['id']}").json() == created
    make_plunge(title="Older week", starts_on=MONDAY, ends_on=MONDAY)
    listing = staff.get(API, {"limit": 1}).json()
    assert listing["count"] == 2
    assert [p["title"] for p in listing["items"]] == ["Medical Plunge 2027"]


def test_the_plunge_counts_its_registrations_and_groups(staff, plunge):
    groups_of(plunge, [2, 1])
    participant(plunge, status=Registration.Status.INVITED)
    participant(plunge, status=Registration.Status.DECLINED)

    body = staff.get(f"{API}/{plunge.pk}").json()

    assert (body["invited"], body["registered"], body["groups"]) == (1, 3, 2)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_on": "2026-08-07", "ends_on": "2026-08-03"}, "ends_on"),
        ({"starts_on": "2026-08-03", "ends_on": "2026-10-03"}, "ends_on"),
        (
            {"starts_on": "2026-08-03", "ends_on": "2026-08-07", "timezone": "Nowhere/Land"},
            "timezone",
        ),
        ({"starts_on": "2026-08-03", "ends_on": "2026-08-07", "group_count": 0}, "group_count"),
        ({"starts_on": "2026-08-03", "ends_on": "2026-08-07", "colour": "red"}, "colour"),
        ({"starts_on": "2026-08-03", "ends_on": "2026-08-07", "title": "Bad\x00title"}, "title"),
    ],
)
def test_a_bad_plunge_is_refused_with_the_field_at_fault(staff, body, field):
    response = post(staff, API, {"title": "Plunge", **body})

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Plunge.objects.exists()


# Sessions --------------------------------------------------------------------------------------


def test_a_site_visit_is_added_with_its_host_sites_in_the_plunges_time_zone(staff, plunge):
    clinic, school = make_site("Host clinic"), make_site("Host school", K.SCHOOL)

    response = post(
        staff,
        f"{API}/{plunge.pk}/sessions",
        {
            "kind": "site_visit",
            "title": "Site visit 1",
            "starts_at": "2026-08-03T13:00:00",
            "ends_at": "2026-08-03T16:00:00",
            "offers": [{"site_id": clinic.pk, "capacity": 2}, {"site_id": school.pk}],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["starts_at"] == "2026-08-03T13:00:00-05:00"
    assert body["ends_at"] == "2026-08-03T16:00:00-05:00"
    assert {(o["site"]["name"], o["capacity"]) for o in body["offers"]} == {
        ("Host clinic", 2),
        ("Host school", 1),
    }
    saved = Session.objects.get(pk=body["id"])
    assert saved.starts_at == dt.datetime(2026, 8, 3, 18, 0, tzinfo=dt.UTC)
    listed = staff.get(f"{API}/{plunge.pk}/sessions").json()
    assert [s["id"] for s in listed] == [body["id"]]
    assert listed[0] == body


def test_a_session_with_an_offset_keeps_its_instant(staff, plunge):
    response = post(
        staff,
        f"{API}/{plunge.pk}/sessions",
        {
            "kind": "lecture",
            "title": "Opening",
            "starts_at": "2026-08-03T14:00:00Z",
            "ends_at": "2026-08-03T16:00:00Z",
            "place": "Auditorium",
        },
    )

    assert response.status_code == 201
    assert response.json()["starts_at"] == "2026-08-03T09:00:00-05:00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "lecture"}, "kind"),  # a lecture has no host sites
        ({"offers": "unknown"}, "offers"),
        ({"offers": "twice"}, "offers"),
        ({"site_id": "unknown"}, "site_id"),
        ({"starts_at": "2026-08-10T09:00:00", "ends_at": "2026-08-10T10:00:00"}, "starts_at"),
        ({"ends_at": "2026-08-03T08:00:00"}, "ends_at"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_a_bad_session_is_refused_and_nothing_is_written(staff, plunge, changes, field):
    clinic = make_site("Only host")
    body: dict[str, Any] = {
        "kind": "site_visit",
        "title": "Visit",
        "starts_at": "2026-08-03T09:00:00",
        "ends_at": "2026-08-03T12:00:00",
        "offers": [{"site_id": clinic.pk, "capacity": 1}],
    }
    body.update(changes)
    if body["offers"] == "unknown":
        body["offers"] = [{"site_id": 10**9, "capacity": 1}]
    if body["offers"] == "twice":
        body["offers"] = [{"site_id": clinic.pk}, {"site_id": clinic.pk}]
    if body.get("site_id") == "unknown":
        body["site_id"] = 10**9

    response = post(staff, f"{API}/{plunge.pk}/sessions", body)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Session.objects.exists()
    assert not SlotOffer.objects.exists()


# Registrations ---------------------------------------------------------------------------------


def test_people_are_invited_by_id_once(staff, plunge):
    people = [PersonFactory() for _ in range(3)]
    ids = [p.pk for p in people]

    first = post(staff, f"{API}/{plunge.pk}/registrations", {"person_ids": [*ids, ids[0]]})
    again = post(staff, f"{API}/{plunge.pk}/registrations", {"person_ids": ids[:2]})

    assert first.status_code == 201
    assert first.json() == {"invited": 3, "already": 0, "registrations": 3}
    assert again.json() == {"invited": 0, "already": 2, "registrations": 3}
    assert set(Registration.objects.values_list("status", flat=True)) == {"invited"}


def test_an_unknown_person_id_invites_no_one(staff, plunge):
    known = PersonFactory()

    response = post(staff, f"{API}/{plunge.pk}/registrations", {"person_ids": [known.pk, 10**12]})

    assert response.status_code == 422
    assert response.json()["field"] == "person_ids"
    assert str(10**12) in response.json()["detail"]
    assert not Registration.objects.exists()


@pytest.mark.parametrize("ids", [[], [0], [-1], ["x"]])
def test_invalid_person_ids_are_refused(staff, plunge, ids):
    assert post(staff, f"{API}/{plunge.pk}/registrations", {"person_ids": ids}).status_code == 422


def test_registrations_are_listed_with_needs_groups_and_a_status_filter(staff, plunge):
    (group,) = groups_of(plunge, [1])
    member = group.members.get()
    member.dietary_needs = "Halal"
    member.is_group_leader = True
    member.save()
    invited = participant(
        plunge, status=Registration.Status.INVITED, custom={"home_region": "West"}
    )

    everyone = staff.get(f"{API}/{plunge.pk}/registrations").json()
    only_invited = staff.get(f"{API}/{plunge.pk}/registrations", {"status": "invited"}).json()

    assert everyone["count"] == 2
    by_id = {r["id"]: r for r in everyone["items"]}
    assert by_id[member.pk]["dietary_needs"] == "Halal"
    assert (by_id[member.pk]["group_number"], by_id[member.pk]["is_group_leader"]) == (1, True)
    assert by_id[invited.pk]["custom"] == {"home_region": "West"}
    assert by_id[invited.pk]["person"]["email"] == invited.person.email
    assert [r["id"] for r in only_invited["items"]] == [invited.pk]


# Grouping runs and groups ----------------------------------------------------------------------


def test_a_grouping_run_is_started_read_and_applied(staff, plunge):
    registrations = participants(plunge, 10, spanish_every=3)

    started = post(
        staff,
        f"{API}/{plunge.pk}/grouping-runs",
        {
            "attributes": ["school_program", "languages"],
            "weights": {"languages": 2},
            "seed": 11,
            "time_limit": 0.5,
        },
    )

    assert started.status_code == 201
    run = started.json()
    assert run["groups"] == 3
    assert run["seed"] == 11
    assert run["weights"] == {"languages": 2.0}
    assert run["ss"] >= run["ss_ideal"]
    assert run["excess"] >= 0
    assert run["applied_at"] is None
    assert set(run["assignment"]) == {str(r.pk) for r in registrations}
    assert set(Counter(run["assignment"].values()).values()) == {3, 4}
    assert staff.get(f"{API}/{plunge.pk}/grouping-runs/{run['id']}").json() == run
    assert not Group.objects.exists()

    applied = post(staff, f"{API}/{plunge.pk}/grouping-runs/{run['id']}/apply")

    assert applied.status_code == 200
    groups = applied.json()
    assert [g["number"] for g in groups] == [1, 2, 3]
    assert sorted(g["size"] for g in groups) == [3, 3, 4]
    for group in groups:
        assert len(group["members"]) == group["size"]
        for member in group["members"]:
            assert run["assignment"][str(member)] == group["number"]
    assert staff.get(f"{API}/{plunge.pk}/groups").json() == groups
    assert staff.get(f"{API}/{plunge.pk}/grouping-runs/{run['id']}").json()["applied_at"]


def test_the_groups_list_their_leaders(staff, plunge):
    (group,) = groups_of(plunge, [2])
    leader = group.members.first()
    leader.is_group_leader = True
    leader.save()
    Group.objects.filter(pk=group.pk).update(leader_phone="314-555-0101")

    (body,) = staff.get(f"{API}/{plunge.pk}/groups").json()

    assert body["leaders"] == [leader.pk]
    assert body["leader_phone"] == "314-555-0101"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"attributes": []}, "attributes"),
        ({"attributes": ["shoe_size"]}, "attributes"),
        ({"attributes": ["gender"]}, "attributes"),
        ({"attributes": ["languages"], "time_limit": 0}, "time_limit"),
        ({"attributes": ["languages"], "seed": -1}, "seed"),
        ({"attributes": ["languages"], "weights": {"languages": -2}}, "weights.languages"),
        ({"attributes": ["languages"], "surprise": True}, "surprise"),
    ],
)
def test_a_bad_grouping_run_is_refused(staff, plunge, body, field):
    for registration in participants(plunge, 6):
        DemographicProfileFactory(person=registration.person)

    response = post(staff, f"{API}/{plunge.pk}/grouping-runs", body)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not GroupingRun.objects.exists()
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).exists()


def test_too_few_people_for_the_groups_is_a_422(staff, plunge):
    participants(plunge, 2)

    response = post(staff, f"{API}/{plunge.pk}/grouping-runs", {"attributes": ["languages"]})

    assert response.status_code == 422
    assert response.json()["field"] == "group_count"


def test_a_data_steward_balances_on_gender_and_the_reads_are_logged(steward, plunge):
    registrations = participants(plunge, 6)
    for i, registration in enumerate(registrations):
        DemographicProfileFactory(
            person=registration.person, gender_identity="woman" if i % 2 else "man"
        )

    response = post(
        token_client(steward), f"{API}/{plunge.pk}/grouping-runs", {"attributes": ["gender"]}
    )

    assert response.status_code == 201
    assert response.json()["ss"] == response.json()["ss_ideal"]
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).count() == 6


# Rotation and buses ----------------------------------------------------------------------------


def test_the_rotation_is_planned_and_read(staff, plunge, week):
    planned = post(staff, f"{API}/{plunge.pk}/rotation", {"required_kinds": ["clinic"]})

    assert planned.status_code == 200
    body = planned.json()
    assert len(body["visits"]) == 6
    assert body["kinds_missing"] == {}
    assert body["optimal"] is True
    seen = Counter((v["group_number"], v["session_id"]) for v in body["visits"])
    assert set(seen.values()) == {1}
    for number in (1, 2, 3):
        sites = [v["site"]["id"] for v in body["visits"] if v["group_number"] == number]
        assert len(set(sites)) == 2
        assert any(
            v["site"]["kind"] == "clinic" for v in body["visits"] if v["group_number"] == number
        )
    assert body["visits"][0]["starts_at"].endswith("-05:00")
    read = staff.get(f"{API}/{plunge.pk}/rotation").json()
    assert read["visits"] == body["visits"]
    assert read["kinds_missing"] is None


def test_an_infeasible_rotation_is_a_422_with_the_reasons(staff, plunge, week):
    SlotOffer.objects.filter(session=week["sessions"][1]).exclude(site=week["sites"][3]).delete()

    response = post(staff, f"{API}/{plunge.pk}/rotation", {})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "infeasible"
    assert "slot Tue 09:00 has capacity for 1 group, 3 are unassigned" in body["detail"]
    assert not Visit.objects.exists()


def test_a_rotation_without_groups_is_a_conflict(staff, plunge):
    session(plunge, offers={make_site("Lonely host"): 1})

    response = post(staff, f"{API}/{plunge.pk}/rotation", {})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_an_unknown_site_kind_is_refused(staff, plunge, week):
    response = post(staff, f"{API}/{plunge.pk}/rotation", {"required_kinds": ["spa"]})

    assert response.status_code == 422
    assert not Visit.objects.exists()


def test_buses_are_planned_for_every_site_visit_session(staff, plunge, week):
    Plunge.objects.filter(pk=plunge.pk).update(bus_capacity=6)
    post(staff, f"{API}/{plunge.pk}/rotation", {})

    response = post(staff, f"{API}/{plunge.pk}/buses")

    assert response.status_code == 200
    body = response.json()
    assert body["bus_runs"] == len(body["buses"])
    for session_id in (s.pk for s in week["sessions"]):
        buses = [b for b in body["buses"] if b["session_id"] == session_id]
        assert sorted(n for b in buses for n in b["groups"]) == [1, 2, 3]
        assert all(b["people"] <= 6 for b in buses)
        assert all(1 <= len(b["sites"]) <= 2 for b in buses)
    visits = staff.get(f"{API}/{plunge.pk}/rotation").json()["visits"]
    assert all(v["bus_number"] is not None for v in visits)


def test_a_group_too_big_for_a_bus_is_a_422(staff, plunge, week):
    Plunge.objects.filter(pk=plunge.pk).update(bus_capacity=2)
    post(staff, f"{API}/{plunge.pk}/rotation", {})

    response = post(staff, f"{API}/{plunge.pk}/buses")

    assert response.status_code == 422
    assert response.json()["field"] == "bus_capacity"


# The schema ------------------------------------------------------------------------------------


def test_the_schema_documents_every_plunge_endpoint_with_a_summary(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = {p: ops for p, ops in schema["paths"].items() if p.startswith(API)}

    expected = {
        API: {"get", "post"},
        f"{API}/{{plunge_id}}": {"get"},
        f"{API}/{{plunge_id}}/sessions": {"get", "post"},
        f"{API}/{{plunge_id}}/registrations": {"get", "post"},
        f"{API}/{{plunge_id}}/groups": {"get"},
        f"{API}/{{plunge_id}}/grouping-runs": {"post"},
        f"{API}/{{plunge_id}}/grouping-runs/{{run_id}}": {"get"},
        f"{API}/{{plunge_id}}/grouping-runs/{{run_id}}/apply": {"post"},
        f"{API}/{{plunge_id}}/rotation": {"get", "post"},
        f"{API}/{{plunge_id}}/buses": {"post"},
    }
    assert {p: set(ops) for p, ops in paths.items()} == expected
    for operations in paths.values():
        for operation in operations.values():
            assert operation["tags"] == ["plunge"]
            assert operation["summary"]
            assert operation["description"]
            assert {"401", "403", "404", "422"} <= set(operation["responses"])
    assert "201" in paths[API]["post"]["responses"]
    assert "201" in paths[f"{API}/{{plunge_id}}/grouping-runs"]["post"]["responses"]
    assert "201" in paths[f"{API}/{{plunge_id}}/sessions"]["post"]["responses"]
    assert "201" in paths[f"{API}/{{plunge_id}}/registrations"]["post"]["responses"]
    run = schema["components"]["schemas"]["GroupingRunOut"]["properties"]
    assert {"ss", "ss_ideal", "ss_random", "excess", "seconds", "assignment"} <= set(run)

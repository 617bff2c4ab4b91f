"""Every write of the Medical Plunge, through `plunge.services`: who may, what it checks, what it
writes and what it audits."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.places.models import Site
from equityhub.plunge import services
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
from tests.factories import DemographicProfileFactory, PersonFactory
from tests.plunge.fixtures_services import (
    MONDAY,
    at,
    groups_of,
    make_plunge,
    make_site,
    participant,
    participants,
    session,
)

pytestmark = pytest.mark.django_db

R = Registration.Status
K = Site.Kind


def actions(obj: Any) -> list[str]:
    return list(AuditEntry.objects.for_object(obj).order_by("id").values_list("action", flat=True))


def assignment_groups(run: GroupingRun) -> dict[int, int]:
    return {int(k): int(v) for k, v in run.assignment.items()}


# Permissions ---------------------------------------------------------------------------------


@pytest.fixture
def world(coordinator: Any) -> SimpleNamespace:
    plunge = make_plunge(group_count=2)
    registrations = participants(plunge, 4)
    clinic = make_site("World clinic")
    visit = session(plunge, offers={clinic: 2})
    lecture = session(plunge, day=1, kind=Session.Kind.LECTURE)
    group = Group.objects.create(plunge=plunge, number=1)
    registrations[0].group = group
    registrations[0].save()
    rule = PairRule.objects.create(
        plunge=plunge, first=registrations[0], second=registrations[1], kind="apart"
    )
    requirement = GroupRequirement.objects.create(plunge=plunge, column="languages=en")
    run = GroupingRun.objects.create(
        plunge=plunge,
        groups=2,
        assignment={str(r.pk): 1 + i % 2 for i, r in enumerate(registrations)},
    )
    attendance = Attendance.objects.create(
        session=lecture, registration=registrations[1], checked_in_at=timezone.now()
    )
    return SimpleNamespace(
        plunge=plunge,
        registrations=registrations,
        clinic=clinic,
        visit=visit,
        lecture=lecture,
        group=group,
        rule=rule,
        requirement=requirement,
        run=run,
        attendance=attendance,
    )


PLANNING_CALLS: dict[str, Callable[[Any, SimpleNamespace], object]] = {
    "create_plunge": lambda a, w: services.create_plunge(
        actor=a, title="Mine", starts_on=MONDAY, ends_on=MONDAY
    ),
    "update_plunge": lambda a, w: services.update_plunge(plunge=w.plunge, actor=a, title="X"),
    "save_session": lambda a, w: services.save_session(
        plunge=w.plunge,
        actor=a,
        kind=Session.Kind.LECTURE,
        title="Mine",
        starts_at=at(w.plunge, 2, 9),
        ends_at=at(w.plunge, 2, 10),
    ),
    "delete_session": lambda a, w: services.delete_session(session=w.lecture, actor=a),
    "set_offers": lambda a, w: services.set_offers(
        session=w.visit, actor=a, offers={w.clinic.pk: 5}
    ),
    "invite": lambda a, w: services.invite(plunge=w.plunge, actor=a, people=[PersonFactory()]),
    "invite_from_csv": lambda a, w: services.invite_from_csv(
        plunge=w.plunge, actor=a, content=b"email\nnobody@example.org\n"
    ),
    "cancel_registration": lambda a, w: services.cancel_registration(
        registration=w.registrations[2], actor=a
    ),
    "add_pair_rule": lambda a, w: services.add_pair_rule(
        plunge=w.plunge,
        actor=a,
        first=w.registrations[2],
        second=w.registrations[3],
        kind="together",
    ),
    "remove_pair_rule": lambda a, w: services.remove_pair_rule(rule=w.rule, actor=a),
    "set_requirement": lambda a, w: services.set_requirement(
        plunge=w.plunge, actor=a, column="languages=es", minimum=1
    ),
    "remove_requirement": lambda a, w: services.remove_requirement(
        requirement=w.requirement, actor=a
    ),
    "run_grouping": lambda a, w: services.run_grouping(
        plunge=w.plunge, actor=a, attributes=["school_program"]
    ),
    "apply_grouping": lambda a, w: services.apply_grouping(run=w.run, actor=a),
    "move_member": lambda a, w: services.move_member(
        registration=w.registrations[1], group=w.group, actor=a
    ),
    "set_group_leader": lambda a, w: services.set_group_leader(
        registration=w.registrations[0], actor=a, leader=True, phone="314-555-0100"
    ),
    "plan_rotation": lambda a, w: services.plan_rotation(plunge=w.plunge, actor=a),
    "plan_buses": lambda a, w: services.plan_buses(plunge=w.plunge, actor=a),
    "check_in": lambda a, w: services.check_in(
        session=w.lecture, registration=w.registrations[0], actor=a
    ),
    "undo_check_in": lambda a, w: services.undo_check_in(attendance=w.attendance, actor=a),
}


@pytest.mark.parametrize("call", sorted(PLANNING_CALLS))
@pytest.mark.parametrize("who", ["member", "outsider"])
def test_only_office_staff_may_plan_the_plunge(call, who, world, request):
    actor = request.getfixturevalue(who)
    before = AuditEntry.objects.count()
    plunges = Plunge.objects.count()

    with pytest.raises(NotAllowed):
        PLANNING_CALLS[call](actor, world)

    assert AuditEntry.objects.count() == before
    assert Plunge.objects.count() == plunges
    assert Registration.objects.filter(plunge=world.plunge).count() == 4
    assert PairRule.objects.filter(plunge=world.plunge).count() == 1
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize("call", sorted(PLANNING_CALLS))
def test_office_staff_may_make_each_of_those_calls(call, world, coordinator):
    # The refusals above are about who asks: the same call by a coordinator is not refused
    # for permissions (it may still be refused for the state of things).
    try:
        PLANNING_CALLS[call](coordinator, world)
    except NotAllowed:  # pragma: no cover - the failure this test looks for
        pytest.fail(f"{call} refused office staff")
    except ServiceError:
        pass


def test_a_member_answers_their_own_invitation_and_no_one_elses(member):
    plunge = make_plunge()
    own = Registration.objects.create(plunge=plunge, person=member.person)
    other = participant(plunge, status=R.INVITED)

    answered = services.respond(
        registration=own,
        actor=member,
        attending=True,
        dietary_needs="  Vegetarian ",
        accessibility_needs="Step-free access",
    )
    with pytest.raises(NotAllowed):
        services.respond(registration=other, actor=member, attending=False)

    assert (answered.status, answered.dietary_needs) == (R.REGISTERED, "Vegetarian")
    assert answered.accessibility_needs == "Step-free access"
    other.refresh_from_db()
    assert other.status == R.INVITED
    assert actions(own) == ["plunge.registration.answered"]
    assert actions(other) == []


def test_an_outsider_without_a_person_may_not_answer_anyones_invitation(make_user):
    nobody = make_user(None, person=False)
    registration = participant(make_plunge(), status=R.INVITED)

    with pytest.raises(NotAllowed):
        services.respond(registration=registration, actor=nobody, attending=True)


def test_office_staff_may_answer_for_a_participant_and_declining_leaves_the_group(coordinator):
    plunge = make_plunge()
    (group,) = groups_of(plunge, [2])
    registration = group.members.first()

    declined = services.respond(registration=registration, actor=coordinator, attending=False)

    assert declined.status == R.DECLINED
    assert declined.group_id is None


def test_a_cancelled_registration_cannot_be_answered(member, coordinator):
    plunge = make_plunge()
    own = Registration.objects.create(plunge=plunge, person=member.person)
    services.cancel_registration(registration=own, actor=coordinator)

    with pytest.raises(Conflict):
        services.respond(registration=own, actor=member, attending=True)

    own.refresh_from_db()
    assert own.status == R.CANCELLED


def test_cancelling_a_registration_takes_the_person_out_of_their_group(coordinator):
    plunge = make_plunge()
    (group,) = groups_of(plunge, [2])
    registration = group.members.first()

    cancelled = services.cancel_registration(registration=registration, actor=coordinator)

    assert (cancelled.status, cancelled.group_id) == (R.CANCELLED, None)
    assert actions(registration) == ["plunge.registration.cancelled"]


# The week ------------------------------------------------------------------------------------


def test_a_coordinator_creates_and_changes_a_plunge_and_both_are_audited(coordinator):
    plunge = services.create_plunge(
        actor=coordinator,
        title="  Medical Plunge 2027 ",
        starts_on=MONDAY,
        ends_on=MONDAY + dt.timedelta(days=4),
        group_count=12,
    )
    services.update_plunge(plunge=plunge, actor=coordinator, bus_capacity=40)

    plunge.refresh_from_db()
    assert (plunge.title, plunge.group_count, plunge.bus_capacity) == (
        "Medical Plunge 2027",
        12,
        40,
    )
    entries = AuditEntry.objects.for_object(plunge).order_by("id")
    assert [e.action for e in entries] == ["plunge.created", "plunge.updated"]
    assert entries[1].changes == {"bus_capacity": [50, 40]}


@pytest.mark.parametrize(
    ("ends_on", "fields", "field"),
    [
        (MONDAY - dt.timedelta(days=1), {}, "ends_on"),
        (MONDAY + dt.timedelta(days=31), {}, "ends_on"),
        (MONDAY, {"timezone": "Mars/Olympus_Mons"}, "timezone"),
        (MONDAY, {"group_count": 0}, "group_count"),
    ],
)
def test_a_plunge_with_impossible_dates_or_settings_is_refused(coordinator, ends_on, fields, field):
    with pytest.raises(ServiceError) as error:
        services.create_plunge(
            actor=coordinator, title="Plunge", starts_on=MONDAY, ends_on=ends_on, **fields
        )

    assert error.value.field == field
    assert not Plunge.objects.exists()


def test_unknown_plunge_fields_are_refused(coordinator):
    plunge = make_plunge()

    with pytest.raises(ServiceError, match="Unknown field"):
        services.create_plunge(
            actor=coordinator, title="P", starts_on=MONDAY, ends_on=MONDAY, colour="red"
        )
    with pytest.raises(ServiceError, match="Unknown field"):
        services.update_plunge(plunge=plunge, actor=coordinator, pk=99)


def test_a_session_is_added_changed_and_deleted_within_the_week(coordinator):
    plunge = make_plunge()
    site = make_site("Lecture hall site")

    added = services.save_session(
        plunge=plunge,
        actor=coordinator,
        kind=Session.Kind.LECTURE,
        title="Opening",
        starts_at=at(plunge, 0, 9),
        ends_at=at(plunge, 0, 11),
        site_id=site.pk,
    )
    services.save_session(plunge=plunge, actor=coordinator, session=added, title="Welcome")
    pk = added.pk
    services.delete_session(session=added, actor=coordinator)

    assert not Session.objects.filter(pk=pk).exists()
    entries = list(
        AuditEntry.objects.filter(object_id=str(pk), action__startswith="plunge.session")
        .order_by("id")
        .values_list("action", "changes")
    )
    assert [a for a, _c in entries] == [
        "plunge.session.created",
        "plunge.session.updated",
        "plunge.session.deleted",
    ]
    assert entries[1][1] == {"title": ["Opening", "Welcome"]}


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ((0, 11), (0, 9), "ends_at", "end after it starts"),
        ((5, 9), (5, 11), "starts_at", "outside the Plunge"),
        ((-1, 9), (-1, 11), "starts_at", "outside the Plunge"),
    ],
)
def test_a_session_must_end_after_it_starts_and_lie_within_the_week(
    coordinator, start, end, field, message
):
    plunge = make_plunge()

    with pytest.raises(ServiceError, match=message) as error:
        services.save_session(
            plunge=plunge,
            actor=coordinator,
            kind=Session.Kind.LECTURE,
            title="Odd",
            starts_at=at(plunge, *start),
            ends_at=at(plunge, *end),
        )

    assert error.value.field == field
    assert not Session.objects.exists()


def test_a_new_session_without_times_is_refused_not_a_crash(coordinator):
    plunge = make_plunge()

    with pytest.raises(ServiceError) as error:
        services.save_session(
            plunge=plunge, actor=coordinator, kind=Session.Kind.LECTURE, title="No time"
        )

    assert error.value.field == "starts_at"


def test_a_session_of_another_plunge_or_an_unknown_field_is_refused(coordinator):
    plunge, other = make_plunge(), make_plunge(title="Other")
    theirs = session(other)

    with pytest.raises(ServiceError, match="another Plunge"):
        services.save_session(plunge=plunge, actor=coordinator, session=theirs, title="Mine")
    with pytest.raises(ServiceError, match="Unknown field"):
        services.save_session(plunge=other, actor=coordinator, session=theirs, plunge_id=1)


def test_a_site_visit_with_planned_visits_cannot_become_a_lecture(coordinator):
    plunge = make_plunge()
    site = make_site("Visited clinic")
    visit_session = session(plunge, offers={site: 1})
    (group,) = groups_of(plunge, [1])
    Visit.objects.create(session=visit_session, group=group, site=site)

    with pytest.raises(Conflict) as error:
        services.save_session(
            plunge=plunge, actor=coordinator, session=visit_session, kind=Session.Kind.LECTURE
        )

    assert error.value.field == "kind"
    visit_session.refresh_from_db()
    assert visit_session.kind == Session.Kind.SITE_VISIT


def test_host_sites_are_replaced_as_a_whole_and_audited(coordinator):
    plunge = make_plunge()
    a, b, c = make_site("Host A"), make_site("Host B"), make_site("Host C")
    visit_session = session(plunge, offers={a: 1, b: 1})

    offers = services.set_offers(
        session=visit_session, actor=coordinator, offers={b.pk: 3, c.pk: 2}
    )

    assert {(o.site_id, o.capacity) for o in offers} == {(b.pk, 3), (c.pk, 2)}
    assert not SlotOffer.objects.filter(session=visit_session, site=a).exists()
    (entry,) = AuditEntry.objects.filter(action="plunge.session.offers")
    assert entry.changes["offers"][0] == {str(a.pk): 1, str(b.pk): 1}


def test_host_sites_only_for_site_visits_known_sites_and_sane_capacities(coordinator):
    plunge = make_plunge()
    site = make_site("Sane host")
    lecture = session(plunge, kind=Session.Kind.LECTURE)
    visit_session = session(plunge, day=1)

    with pytest.raises(ServiceError, match="site-visit"):
        services.set_offers(session=lecture, actor=coordinator, offers={site.pk: 1})
    with pytest.raises(ServiceError, match="Unknown site"):
        services.set_offers(session=visit_session, actor=coordinator, offers={10**9: 1})
    with pytest.raises(ServiceError, match="1 to 50"):
        services.set_offers(session=visit_session, actor=coordinator, offers={site.pk: 51})

    assert not SlotOffer.objects.exists()


# Invitations ---------------------------------------------------------------------------------


def test_inviting_adds_only_people_not_invited_yet_once_each(coordinator):
    plunge = make_plunge()
    already = participant(plunge, status=R.REGISTERED)
    new = PersonFactory()

    added = services.invite(plunge=plunge, actor=coordinator, people=[already.person, new, new])

    assert added == 1
    assert Registration.objects.filter(plunge=plunge).count() == 2
    already.refresh_from_db()
    assert already.status == R.REGISTERED
    (entry,) = AuditEntry.objects.filter(action="plunge.invited")
    assert entry.data == {"people": [new.pk]}


def test_inviting_no_one_new_writes_no_audit_entry(coordinator):
    plunge = make_plunge()
    already = participant(plunge)

    assert services.invite(plunge=plunge, actor=coordinator, people=[already.person]) == 0
    assert not AuditEntry.objects.filter(action="plunge.invited").exists()


def test_a_csv_invites_by_email_in_any_case_and_keeps_the_other_columns(coordinator):
    plunge = make_plunge()
    ana = PersonFactory(email="Ana.Lopez@example.edu")
    ben = PersonFactory(email="ben@example.edu")
    content = (
        "\ufeffEmail,Home_Region,dietary_needs,accessibility_needs\n"
        "ana.lopez@EXAMPLE.edu,South,Vegetarian,\n"
        "ben@example.edu,Midwest,,Step-free access\n"
    ).encode()

    count = services.invite_from_csv(plunge=plunge, actor=coordinator, content=content)

    assert count == 2
    by_person = {r.person_id: r for r in Registration.objects.filter(plunge=plunge)}
    assert by_person[ana.pk].custom == {"home_region": "South"}
    assert by_person[ana.pk].dietary_needs == "Vegetarian"
    assert by_person[ben.pk].accessibility_needs == "Step-free access"
    assert by_person[ben.pk].status == R.INVITED


def test_a_csv_with_an_unknown_or_duplicate_email_invites_no_one_and_names_the_lines(
    coordinator,
):
    plunge = make_plunge()
    PersonFactory(email="ana@example.edu")
    PersonFactory(email="ben@example.edu")
    content = (
        b"email,home_region\n"
        b"ana@example.edu,South\n"
        b"stranger@example.edu,West\n"
        b"ANA@example.edu,South\n"
        b",West\n"
        b"ben@example.edu,North\n"
    )

    with pytest.raises(ServiceError) as error:
        services.invite_from_csv(plunge=plunge, actor=coordinator, content=content)

    message = error.value.message
    assert "line 3: stranger@example.edu is not in the registry" in message
    assert "line 4: ana@example.edu is also on line 2" in message
    assert "line 5: no e-mail address" in message
    assert "line 6" not in message
    assert error.value.field == "file"
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,home_region\nAna,South\n", "'email' column"),
        (b"", "'email' column"),
        (b"email\n", "no rows"),
        ("email\nana@example.edu\n".encode("utf-16"), "not UTF-8"),
        (b"email\n\xe9t\xe9@example.edu\n", "not UTF-8"),
        (b"email,region\nana@example.edu,South,extra\n", "line 2 has more cells"),
        (b"email\nana@exa\x00mple.edu\n", "NUL bytes"),
        (b'email,note\nana@example.edu,"' + b"x" * 200_000 + b'"\n', "not readable CSV"),
    ],
)
def test_a_csv_that_cannot_be_read_is_refused_with_a_reason(coordinator, content, message):
    PersonFactory(email="ana@example.edu")
    plunge = make_plunge()

    with pytest.raises(ServiceError, match=message) as error:
        services.invite_from_csv(plunge=plunge, actor=coordinator, content=content)

    assert error.value.field == "file"
    assert not Registration.objects.exists()


def test_a_csv_lists_at_most_twenty_problems_and_counts_the_rest(coordinator):
    plunge = make_plunge()
    rows = "".join(f"nobody{i}@example.edu\n" for i in range(25))

    with pytest.raises(ServiceError) as error:
        services.invite_from_csv(
            plunge=plunge, actor=coordinator, content=f"email\n{rows}".encode()
        )

    assert "line 21:" in error.value.message
    assert "line 22:" not in error.value.message
    assert "(and 5 more)" in error.value.message


def test_a_csv_of_too_many_rows_is_refused(coordinator, monkeypatch):
    monkeypatch.setattr(services, "MAX_INVITE_ROWS", 3)
    plunge = make_plunge()
    rows = "".join(f"p{i}@example.edu\n" for i in range(4))

    with pytest.raises(ServiceError, match="At most 3 rows"):
        services.invite_from_csv(
            plunge=plunge, actor=coordinator, content=f"email\n{rows}".encode()
        )


# Pair rules and requirements -----------------------------------------------------------------


def test_a_pair_rule_is_added_and_removed_with_audit_entries(coordinator):
    plunge = make_plunge()
    a, b = participants(plunge, 2)

    rule = services.add_pair_rule(
        plunge=plunge, actor=coordinator, first=a, second=b, kind="apart", note=" Siblings "
    )
    assert (rule.kind, rule.note) == ("apart", "Siblings")
    assert actions(rule) == ["plunge.pair_rule.added"]

    services.remove_pair_rule(rule=rule, actor=coordinator)

    assert not PairRule.objects.exists()
    assert AuditEntry.objects.filter(action="plunge.pair_rule.removed").count() == 1


def test_a_pair_rule_needs_two_different_people_of_this_plunge_and_a_known_kind(coordinator):
    plunge, other = make_plunge(), make_plunge(title="Other week")
    a, b = participants(plunge, 2)
    stranger = participant(other)

    with pytest.raises(ServiceError, match="two different people"):
        services.add_pair_rule(plunge=plunge, actor=coordinator, first=a, second=a, kind="apart")
    with pytest.raises(ServiceError, match="registered for this Plunge"):
        services.add_pair_rule(
            plunge=plunge, actor=coordinator, first=a, second=stranger, kind="apart"
        )
    with pytest.raises(ServiceError, match="Unknown rule"):
        services.add_pair_rule(plunge=plunge, actor=coordinator, first=a, second=b, kind="near")

    assert not PairRule.objects.exists()


def test_a_pair_has_at_most_one_rule_in_either_order(coordinator):
    plunge = make_plunge()
    a, b = participants(plunge, 2)
    services.add_pair_rule(plunge=plunge, actor=coordinator, first=a, second=b, kind="apart")

    with pytest.raises(Conflict, match="already have a rule"):
        services.add_pair_rule(plunge=plunge, actor=coordinator, first=b, second=a, kind="together")

    assert PairRule.objects.count() == 1


def test_a_requirement_is_set_changed_and_removed(coordinator):
    plunge = make_plunge()

    first = services.set_requirement(
        plunge=plunge, actor=coordinator, column=" languages=es ", minimum=1
    )
    second = services.set_requirement(
        plunge=plunge, actor=coordinator, column="languages=es", minimum=2
    )
    assert first.pk == second.pk
    assert (second.column, second.minimum) == ("languages=es", 2)

    services.remove_requirement(requirement=second, actor=coordinator)

    assert not GroupRequirement.objects.exists()
    assert [a for a in actions(plunge) if a.startswith("plunge.requirement")] == [
        "plunge.requirement.set",
        "plunge.requirement.set",
        "plunge.requirement.removed",
    ]


@pytest.mark.parametrize(
    ("column", "minimum", "field"),
    [
        ("languages", 1, "column"),
        ("=es", 1, "column"),
        ("languages=", 1, "column"),
        ("languages=  ", 1, "column"),
        ("languages=es", 0, "minimum"),
        ("languages=es", 21, "minimum"),
    ],
)
def test_a_requirement_is_written_attribute_equals_value_with_a_sane_minimum(
    coordinator, column, minimum, field
):
    with pytest.raises(ServiceError) as error:
        services.set_requirement(
            plunge=make_plunge(), actor=coordinator, column=column, minimum=minimum
        )

    assert error.value.field == field
    assert not GroupRequirement.objects.exists()


# Grouping ------------------------------------------------------------------------------------


def test_a_grouping_run_forms_groups_whose_sizes_differ_by_at_most_one(coordinator):
    plunge = make_plunge(group_count=6)
    registrations = participants(plunge, 20, spanish_every=3)
    participant(plunge, status=R.DECLINED)
    participant(plunge, status=R.CANCELLED)

    run = services.run_grouping(
        plunge=plunge, actor=coordinator, attributes=["school_program", "languages"], seed=7
    )

    groups = assignment_groups(run)
    assert set(groups) == {r.pk for r in registrations}
    assert set(groups.values()) == set(range(1, 7))
    assert set(Counter(groups.values()).values()) == {3, 4}
    assert run.ss >= run.ss_ideal
    assert run.ss_random >= run.ss_ideal
    assert run.excess is not None
    assert run.excess >= 0
    assert run.applied_at is None
    assert run.created_by == coordinator
    assert not Group.objects.exists()  # not applied yet
    (entry,) = AuditEntry.objects.filter(action="plunge.grouping.run")
    assert entry.data["groups"] == 6


def test_invited_participants_are_grouped_too(coordinator):
    plunge = make_plunge(group_count=2)
    invited = [participant(plunge, status=R.INVITED) for _ in range(2)]
    participants(plunge, 2)

    run = services.run_grouping(plunge=plunge, actor=coordinator, attributes=["school_program"])

    assert {r.pk for r in invited} <= set(assignment_groups(run))


def test_the_same_seed_gives_the_same_groups(coordinator):
    plunge = make_plunge(group_count=4)
    participants(plunge, 17, spanish_every=4)

    first = services.run_grouping(
        plunge=plunge, actor=coordinator, attributes=["school_program", "languages"], seed=3
    )
    second = services.run_grouping(
        plunge=plunge, actor=coordinator, attributes=["school_program", "languages"], seed=3
    )

    assert first.assignment == second.assignment
    assert first.ss == second.ss


def test_balancing_on_a_program_spreads_it_evenly(coordinator):
    plunge = make_plunge(group_count=3)
    participants(plunge, 12, programs=("MD program", "MD program", "Audiology (AuD)"))
    registrations = {r.pk: r for r in Registration.objects.select_related("person")}

    run = services.run_grouping(plunge=plunge, actor=coordinator, attributes=["school_program"])

    audiology = Counter(
        number
        for pk, number in assignment_groups(run).items()
        if registrations[pk].person.affiliations.get().school_program == "Audiology (AuD)"
    )
    assert sorted(audiology.values()) == [1, 1, 2]
    assert run.ss == run.ss_ideal
    assert run.excess == 0


def test_keep_apart_and_keep_together_rules_always_hold(coordinator):
    plunge = make_plunge(group_count=3)
    registrations = participants(plunge, 12)
    a, b, c, d = registrations[:4]
    rules = ((a, b, "apart"), (b, c, "apart"), (a, c, "apart"), (c, d, "together"))
    for first, second, kind in rules:
        services.add_pair_rule(
            plunge=plunge, actor=coordinator, first=first, second=second, kind=kind
        )

    for seed in range(4):
        run = services.run_grouping(
            plunge=plunge, actor=coordinator, attributes=["school_program"], seed=seed
        )
        groups = assignment_groups(run)
        assert len({groups[a.pk], groups[b.pk], groups[c.pk]}) == 3
        assert groups[c.pk] == groups[d.pk]


def test_rules_about_people_no_longer_active_are_ignored(coordinator):
    plunge = make_plunge(group_count=2)
    a, b, c, _d = participants(plunge, 4)
    services.add_pair_rule(plunge=plunge, actor=coordinator, first=a, second=b, kind="together")
    services.add_pair_rule(plunge=plunge, actor=coordinator, first=a, second=c, kind="together")
    services.cancel_registration(registration=a, actor=coordinator)
    participant(plunge)

    run = services.run_grouping(plunge=plunge, actor=coordinator, attributes=["school_program"])

    assert a.pk not in assignment_groups(run)


def test_a_requirement_holds_in_every_group(coordinator):
    plunge = make_plunge(group_count=4)
    registrations = participants(plunge, 16, spanish_every=4)  # exactly four Spanish speakers
    services.set_requirement(plunge=plunge, actor=coordinator, column="languages=es", minimum=1)
    speakers = {r.pk for i, r in enumerate(registrations) if i % 4 == 0}

    run = services.run_grouping(
        plunge=plunge, actor=coordinator, attributes=["school_program", "languages"]
    )

    groups = assignment_groups(run)
    assert {groups[pk] for pk in speakers} == {1, 2, 3, 4}


def test_a_requirement_that_cannot_be_met_is_refused_with_the_reason(coordinator):
    plunge = make_plunge(group_count=4)
    participants(plunge, 16, spanish_every=6)  # three Spanish speakers for four groups
    services.set_requirement(plunge=plunge, actor=coordinator, column="languages=es", minimum=1)

    with pytest.raises(ServiceError, match="cannot be formed") as error:
        services.run_grouping(plunge=plunge, actor=coordinator, attributes=["languages"])

    assert "languages=es" in error.value.message
    assert "only 3 people" in error.value.message
    assert error.value.field == "requirements"
    assert not GroupingRun.objects.exists()


def test_a_requirement_no_one_meets_asks_to_remove_it(coordinator):
    plunge = make_plunge(group_count=2)
    participants(plunge, 4)
    services.set_requirement(plunge=plunge, actor=coordinator, column="languages=so", minimum=1)

    with pytest.raises(ServiceError, match="remove that requirement") as error:
        services.run_grouping(plunge=plunge, actor=coordinator, attributes=["languages"])

    assert error.value.field == "requirements"


def test_a_keep_together_chain_too_big_for_a_group_is_refused(coordinator):
    plunge = make_plunge(group_count=3)
    registrations = participants(plunge, 6)  # groups of two
    for first, second in (
        (registrations[0], registrations[1]),
        (registrations[1], registrations[2]),
    ):
        services.add_pair_rule(
            plunge=plunge, actor=coordinator, first=first, second=second, kind="together"
        )

    with pytest.raises(ServiceError, match="cannot be formed"):
        services.run_grouping(plunge=plunge, actor=coordinator, attributes=["school_program"])


def test_fewer_people_than_groups_is_refused(coordinator):
    plunge = make_plunge(group_count=5)
    participants(plunge, 4)

    with pytest.raises(ServiceError, match="4 people are registered") as error:
        services.run_grouping(plunge=plunge, actor=coordinator, attributes=["school_program"])

    assert error.value.field == "group_count"


@pytest.mark.parametrize(
    ("attributes", "extra", "field"),
    [
        ([], {}, "attributes"),
        (["school_program"], {"time_limit": 0.01}, "time_limit"),
        (["school_program"], {"time_limit": 61}, "time_limit"),
        (["shoe_size"], {}, "attributes"),
        (["school_program"], {"weights": {"languages": 2.0}}, "attributes"),
        (["school_program"], {"weights": {"school_program": -1.0}}, "attributes"),
    ],
)
def test_a_grouping_run_with_bad_input_is_refused(coordinator, attributes, extra, field):
    plunge = make_plunge(group_count=2)
    participants(plunge, 4)

    with pytest.raises(ServiceError) as error:
        services.run_grouping(plunge=plunge, actor=coordinator, attributes=attributes, **extra)

    assert error.value.field == field
    assert not GroupingRun.objects.exists()


def test_custom_columns_of_an_invitation_file_can_be_balanced(coordinator):
    plunge = make_plunge(group_count=2)
    for region in ("South", "South", "West", "West"):
        participant(plunge, custom={"hometown_size": region})

    run = services.run_grouping(
        plunge=plunge, actor=coordinator, attributes=["custom:hometown_size"]
    )

    assert run.ss == run.ss_ideal


@pytest.mark.parametrize("attribute", ["gender", "race_ethnicity", "first_generation"])
def test_demographic_attributes_are_refused_without_the_demographics_permission(
    coordinator, attribute
):
    plunge = make_plunge(group_count=2)
    for registration in participants(plunge, 4):
        DemographicProfileFactory(person=registration.person)

    with pytest.raises(ServiceError, match="not permitted") as error:
        services.run_grouping(plunge=plunge, actor=coordinator, attributes=[attribute])

    assert error.value.field == "attributes"
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).exists()
    assert not GroupingRun.objects.exists()


def test_a_data_steward_balances_on_demographics_and_each_profile_read_is_logged(steward):
    plunge = make_plunge(group_count=2)
    registrations = participants(plunge, 6)
    profiles = [
        DemographicProfileFactory(
            person=r.person, gender_identity="woman" if i % 2 else "man", race_black=i < 3
        )
        for i, r in enumerate(registrations[:5])
    ]  # the sixth has no profile: nothing of theirs is read

    run = services.run_grouping(
        plunge=plunge, actor=steward, attributes=["gender", "race_ethnicity", "school_program"]
    )

    assert run.ss >= run.ss_ideal
    reads = AuditEntry.objects.filter(
        kind=AuditEntry.Kind.ACCESS, action="people.demographics.viewed_for_grouping"
    )
    assert sorted(int(pk) for pk in reads.values_list("object_id", flat=True)) == sorted(
        p.pk for p in profiles
    )
    assert set(reads.values_list("actor_id", flat=True)) == {steward.pk}


def test_no_demographics_are_read_when_none_are_chosen(steward):
    plunge = make_plunge(group_count=2)
    for registration in participants(plunge, 4):
        DemographicProfileFactory(person=registration.person)

    services.run_grouping(plunge=plunge, actor=steward, attributes=["school_program"])

    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).exists()


# Applying a run and moving people ------------------------------------------------------------


def test_applying_a_run_creates_groups_one_to_g_and_puts_everyone_in_theirs(coordinator):
    plunge = make_plunge(group_count=3)
    participants(plunge, 10)
    run = services.run_grouping(plunge=plunge, actor=coordinator, attributes=["school_program"])

    groups = services.apply_grouping(run=run, actor=coordinator)

    assert [g.number for g in groups] == [1, 2, 3]
    for registration in Registration.objects.filter(plunge=plunge).select_related("group"):
        assert registration.group.number == run.assignment[str(registration.pk)]
    run.refresh_from_db()
    assert run.applied_at is not None
    assert actions(run) == ["plunge.grouping.run", "plunge.grouping.applied"]


def test_reapplying_a_run_with_fewer_groups_removes_the_extra_groups(coordinator):
    plunge = make_plunge(group_count=4)
    participants(plunge, 12)
    four = services.run_grouping(plunge=plunge, actor=coordinator, attributes=["school_program"])
    services.apply_grouping(run=four, actor=coordinator)
    services.update_plunge(plunge=plunge, actor=coordinator, group_count=2)
    two = services.run_grouping(plunge=plunge, actor=coordinator, attributes=["school_program"])

    services.apply_grouping(run=two, actor=coordinator)

    assert list(Group.objects.filter(plunge=plunge).values_list("number", flat=True)) == [1, 2]
    assert not Registration.objects.filter(plunge=plunge, group=None).exists()


def test_a_run_does_not_place_people_who_left_since(coordinator):
    plunge = make_plunge(group_count=2)
    registrations = participants(plunge, 4)
    run = services.run_grouping(plunge=plunge, actor=coordinator, attributes=["school_program"])
    services.respond(registration=registrations[0], actor=coordinator, attending=False)

    services.apply_grouping(run=run, actor=coordinator)

    registrations[0].refresh_from_db()
    assert registrations[0].group_id is None
    assert Registration.objects.filter(plunge=plunge).exclude(group=None).count() == 3


def test_a_run_without_a_group_the_rotation_uses_cannot_be_applied(coordinator):
    plunge = make_plunge(group_count=3)
    participants(plunge, 6)
    three = services.run_grouping(plunge=plunge, actor=coordinator, attributes=["school_program"])
    groups = services.apply_grouping(run=three, actor=coordinator)
    site = make_site("Rotation clinic")
    Visit.objects.create(session=session(plunge, offers={site: 3}), group=groups[2], site=site)
    services.update_plunge(plunge=plunge, actor=coordinator, group_count=2)
    two = services.run_grouping(plunge=plunge, actor=coordinator, attributes=["school_program"])

    with pytest.raises(Conflict, match="plan it again"):
        services.apply_grouping(run=two, actor=coordinator)

    assert Group.objects.filter(plunge=plunge).count() == 3
    two.refresh_from_db()
    assert two.applied_at is None


def test_moving_a_member_changes_their_group_and_is_audited(coordinator):
    plunge = make_plunge()
    first, second = groups_of(plunge, [2, 2])
    registration = first.members.first()

    moved = services.move_member(registration=registration, group=second, actor=coordinator)

    assert moved.group_id == second.pk
    (entry,) = AuditEntry.objects.filter(action="plunge.group.moved")
    assert entry.changes == {"group": [first.pk, second.pk]}


def test_no_one_moves_to_another_plunges_group_and_inactive_people_do_not_move(coordinator):
    plunge, other = make_plunge(), make_plunge(title="Other")
    (group,) = groups_of(plunge, [1])
    (theirs,) = groups_of(other, [1])
    declined = participant(plunge, status=R.DECLINED)

    with pytest.raises(ServiceError, match="another Plunge"):
        services.move_member(registration=group.members.first(), group=theirs, actor=coordinator)
    with pytest.raises(Conflict):
        services.move_member(registration=declined, group=group, actor=coordinator)

    declined.refresh_from_db()
    assert declined.group_id is None


def test_a_group_leader_needs_a_group_and_their_phone_goes_on_the_group(coordinator):
    plunge = make_plunge()
    (group,) = groups_of(plunge, [2])
    outside = participant(plunge)

    with pytest.raises(Conflict, match="in a group first"):
        services.set_group_leader(registration=outside, actor=coordinator, leader=True)
    leader = services.set_group_leader(
        registration=group.members.first(), actor=coordinator, leader=True, phone=" 314-555-0111 "
    )

    group.refresh_from_db()
    assert leader.is_group_leader
    assert group.leader_phone == "314-555-0111"
    assert actions(leader) == ["plunge.group.leader"]


# Rotation ------------------------------------------------------------------------------------


@pytest.fixture
def week(coordinator: Any) -> SimpleNamespace:
    """Four groups, three site-visit sessions over nine sites of three kinds."""
    plunge = make_plunge(group_count=4)
    groups = groups_of(plunge, [3, 3, 3, 3])
    clinics = [make_site(f"Clinic {i}", K.CLINIC, "63106") for i in range(3)]
    schools = [make_site(f"School {i}", K.SCHOOL, "63107") for i in range(3)]
    community = [make_site(f"Community {i}", K.COMMUNITY, "63113") for i in range(3)]
    sessions = [
        session(
            plunge,
            day=day,
            hour=9,
            offers={clinics[day]: 2, schools[day]: 2, community[day]: 2},
        )
        for day in range(3)
    ]
    lecture = session(plunge, day=0, hour=14, kind=Session.Kind.LECTURE)
    return SimpleNamespace(
        plunge=plunge,
        groups=groups,
        sessions=sessions,
        lecture=lecture,
        sites=clinics + schools + community,
    )


def test_a_rotation_sends_every_group_to_one_site_in_every_site_visit_session(week, coordinator):
    result = services.plan_rotation(plunge=week.plunge, actor=coordinator)

    visits = list(Visit.objects.select_related("site", "group", "session"))
    assert len(visits) == len(week.groups) * len(week.sessions)
    assert Counter((v.group_id, v.session_id) for v in visits) == Counter(
        {(g.pk, s.pk): 1 for g in week.groups for s in week.sessions}
    )
    assert not Visit.objects.filter(session=week.lecture).exists()
    for group in week.groups:
        sites = [v.site_id for v in visits if v.group_id == group.pk]
        assert len(sites) == len(set(sites))  # no site twice
    capacity = {(o.session_id, o.site_id): o.capacity for o in SlotOffer.objects.all()}
    for key, used in Counter((v.session_id, v.site_id) for v in visits).items():
        assert used <= capacity[key]
    assert result.kinds_missing == {}
    assert set(result.visits) == {"1", "2", "3", "4"}
    (entry,) = AuditEntry.objects.filter(action="plunge.rotation.planned")
    assert entry.data["groups"] == 4


def test_planning_the_rotation_again_replaces_it(week, coordinator):
    services.plan_rotation(plunge=week.plunge, actor=coordinator)
    services.plan_buses(plunge=week.plunge, actor=coordinator)

    services.plan_rotation(plunge=week.plunge, actor=coordinator)

    assert Visit.objects.count() == 12
    assert not Visit.objects.exclude(bus_number=None).exists()


def test_a_rotation_that_cannot_fit_names_the_session_and_the_shortfall(week, coordinator):
    first = week.sessions[0]
    SlotOffer.objects.filter(session=first).update(capacity=1)  # room for 3 of 4 groups

    with pytest.raises(ServiceError) as error:
        services.plan_rotation(plunge=week.plunge, actor=coordinator)

    assert error.value.code == "infeasible"
    assert "slot Mon 09:00 has capacity for 3 groups, 4 are unassigned" in error.value.message
    assert not Visit.objects.exists()


def test_infeasibility_reasons_name_sites_not_their_ids(coordinator):
    plunge = make_plunge(group_count=2)
    groups_of(plunge, [1, 1])
    only = make_site("The only clinic")
    session(plunge, day=0, offers={only: 2})
    session(plunge, day=1, offers={only: 2})
    session(plunge, day=2, offers={make_site("Another clinic"): 2})

    with pytest.raises(ServiceError) as error:
        services.plan_rotation(plunge=plunge, actor=coordinator)

    assert "The only clinic is the only option in 2 slots (Mon 09:00 and Tue 09:00)" in (
        error.value.message
    )
    assert f"site {only.pk}" not in error.value.message


def test_required_kinds_are_required_when_hard(coordinator):
    plunge = make_plunge(group_count=2)
    groups_of(plunge, [1, 1])
    session(plunge, day=0, offers={make_site("K clinic A"): 2})
    session(plunge, day=1, offers={make_site("K clinic B"): 2})

    soft = services.plan_rotation(
        plunge=plunge, actor=coordinator, required_kinds=["clinic", "school"]
    )
    assert soft.kinds_missing == {"1": ["school"], "2": ["school"]}

    with pytest.raises(ServiceError, match="school") as error:
        services.plan_rotation(
            plunge=plunge, actor=coordinator, required_kinds=["clinic", "school"], kinds_hard=True
        )
    assert error.value.code == "infeasible"


def test_a_rotation_needs_groups_and_site_visit_sessions(coordinator):
    plunge = make_plunge()

    with pytest.raises(Conflict, match="groups first"):
        services.plan_rotation(plunge=plunge, actor=coordinator)
    groups_of(plunge, [1])
    session(plunge, kind=Session.Kind.LECTURE)
    with pytest.raises(Conflict, match="site-visit sessions first"):
        services.plan_rotation(plunge=plunge, actor=coordinator)


# Buses ---------------------------------------------------------------------------------------


def test_buses_hold_at_most_their_capacity_and_never_split_a_group(coordinator):
    plunge = make_plunge(group_count=6, bus_capacity=10)
    groups = groups_of(plunge, [4, 4, 4, 3, 3, 2])
    a, b, c = make_site("Bus A"), make_site("Bus B"), make_site("Bus C")
    visit_session = session(plunge, offers={a: 3, b: 2, c: 1})
    plan = {0: a, 1: a, 2: a, 3: b, 4: b, 5: c}
    for index, group in enumerate(groups):
        Visit.objects.create(session=visit_session, group=group, site=plan[index])
    session(plunge, day=1)  # a site-visit session without visits is skipped

    runs = services.plan_buses(plunge=plunge, actor=coordinator)

    visits = list(Visit.objects.select_related("group"))
    assert all(v.bus_number is not None for v in visits)
    assert runs == len({v.bus_number for v in visits})
    sizes = {g.pk: g.members.count() for g in groups}
    load = Counter()
    for visit in visits:
        load[visit.bus_number] += sizes[visit.group_id]
    assert max(load.values()) <= 10
    assert sum(load.values()) == 20
    (entry,) = AuditEntry.objects.filter(action="plunge.buses.planned")
    assert entry.data == {"bus_runs": runs}


def test_the_groups_of_one_site_ride_together_when_they_fit(coordinator):
    plunge = make_plunge(group_count=3, bus_capacity=50)
    groups = groups_of(plunge, [3, 3, 3])
    a, b = make_site("Ride A"), make_site("Ride B")
    visit_session = session(plunge, offers={a: 2, b: 1})
    Visit.objects.create(session=visit_session, group=groups[0], site=a)
    Visit.objects.create(session=visit_session, group=groups[1], site=a)
    Visit.objects.create(session=visit_session, group=groups[2], site=b)

    services.plan_buses(plunge=plunge, actor=coordinator)

    buses = dict(Visit.objects.values_list("group_id", "bus_number"))
    assert buses[groups[0].pk] == buses[groups[1].pk]


def test_a_group_larger_than_a_bus_is_refused(coordinator):
    plunge = make_plunge(group_count=1, bus_capacity=2)
    (group,) = groups_of(plunge, [3])
    site = make_site("Big group site")
    Visit.objects.create(session=session(plunge, offers={site: 1}), group=group, site=site)

    with pytest.raises(ServiceError, match="more than a bus holds") as error:
        services.plan_buses(plunge=plunge, actor=coordinator)

    assert error.value.field == "bus_capacity"
    assert Visit.objects.get().bus_number is None


# Attendance ----------------------------------------------------------------------------------


def test_checking_in_twice_is_a_conflict(coordinator):
    plunge = make_plunge()
    lecture = session(plunge, kind=Session.Kind.LECTURE)
    (registration,) = participants(plunge, 1)

    attendance = services.check_in(session=lecture, registration=registration, actor=coordinator)
    with pytest.raises(Conflict, match="checked in already"):
        services.check_in(session=lecture, registration=registration, actor=coordinator)

    assert attendance.checked_in_by == coordinator
    assert Attendance.objects.count() == 1
    assert actions(attendance) == ["plunge.attendance.checked_in"]


@pytest.mark.parametrize("status", [R.INVITED, R.DECLINED, R.CANCELLED])
def test_only_registered_people_are_checked_in(coordinator, status):
    plunge = make_plunge()
    lecture = session(plunge, kind=Session.Kind.LECTURE)
    registration = participant(plunge, status=status)

    with pytest.raises(Conflict, match="has not registered"):
        services.check_in(session=lecture, registration=registration, actor=coordinator)

    assert not Attendance.objects.exists()


def test_no_one_is_checked_in_at_another_plunges_session(coordinator):
    plunge, other = make_plunge(), make_plunge(title="Other")
    (registration,) = participants(plunge, 1)

    with pytest.raises(ServiceError, match="not registered for this Plunge"):
        services.check_in(
            session=session(other, kind=Session.Kind.LECTURE),
            registration=registration,
            actor=coordinator,
        )


def test_a_check_in_can_be_undone(coordinator):
    plunge = make_plunge()
    lecture = session(plunge, kind=Session.Kind.LECTURE)
    (registration,) = participants(plunge, 1)
    attendance = services.check_in(session=lecture, registration=registration, actor=coordinator)

    services.undo_check_in(attendance=attendance, actor=coordinator)

    assert not Attendance.objects.exists()
    assert AuditEntry.objects.filter(action="plunge.attendance.undone").count() == 1
    services.check_in(session=lecture, registration=registration, actor=coordinator)
    assert Attendance.objects.count() == 1

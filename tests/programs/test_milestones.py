"""Milestones recorded by staff (unique per person, kind and source), the person page section,
the alumni follow-up invitations and the self-reported milestones read from a survey."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.people.models import Person
from equityhub.programs import services_outcomes as services
from equityhub.programs.models import Application, Cycle, Milestone, Program
from equityhub.programs.selectors_outcomes import followed_ids, is_followed
from equityhub.surveys.models import Answer, Invitation, Item, Questionnaire, Response
from tests.factories import PersonFactory
from tests.programs.test_funnel import applicants, comparison_group, make_cycle

pytestmark = pytest.mark.django_db
A = Application.Status


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def alumni_cycle(program: Program) -> Cycle:
    return make_cycle(program, 2020)


@pytest.fixture
def alumnus(alumni_cycle: Cycle) -> Person:
    return applicants(alumni_cycle, A.ENROLLED, 1)[0]


def actions(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


# -- whose milestones ------------------------------------------------------------------------


def test_the_office_follows_applicants_and_comparison_members_only(
    program: Program, alumni_cycle: Cycle
) -> None:
    applied = applicants(alumni_cycle, A.REJECTED, 1)[0]
    draft = applicants(alumni_cycle, A.DRAFT, 1)[0]
    peer, stranger = PersonFactory(), PersonFactory()
    comparison_group(program, 2020, [peer])
    assert is_followed(applied) and is_followed(peer)
    assert not is_followed(draft) and not is_followed(stranger)
    assert followed_ids([applied.pk, draft.pk, peer.pk, stranger.pk]) == {applied.pk, peer.pk}


# -- recording -------------------------------------------------------------------------------


def test_recording_a_milestone_again_from_the_same_source_updates_it(
    alumnus: Person, coordinator: User
) -> None:
    first, created = services.record_milestone(
        actor=coordinator, person=alumnus, kind="degree", achieved_on=dt.date(2024, 5, 20)
    )
    assert created
    again, created = services.record_milestone(
        actor=coordinator,
        person=alumnus,
        kind="degree",
        achieved_on=dt.date(2024, 5, 18),
        confidence="high",
        detail="Registrar letter",
    )
    assert not created and again.pk == first.pk
    assert Milestone.objects.get().achieved_on == dt.date(2024, 5, 18)
    assert actions("programs.milestone.recorded")[0].data["kind"] == "degree"
    assert actions("programs.milestone.updated")[0].changes["achieved_on"] == [
        "2024-05-20",
        "2024-05-18",
    ]
    services.record_milestone(
        actor=coordinator,
        person=alumnus,
        kind="degree",
        achieved_on=dt.date(2024, 5, 18),
        confidence="high",
        detail="Registrar letter",
    )
    assert len(actions("programs.milestone.updated")) == 1


def test_the_same_milestone_from_another_source_is_another_record(
    alumnus: Person, coordinator: User
) -> None:
    services.record_milestone(
        actor=coordinator, person=alumnus, kind="degree", achieved_on=dt.date(2024, 5, 20)
    )
    services.record_milestone(
        actor=coordinator,
        person=alumnus,
        kind="degree",
        achieved_on=dt.date(2024, 5, 1),
        source="institution",
    )
    assert Milestone.objects.count() == 2


def test_a_comparison_group_member_can_have_milestones(program: Program, coordinator: User) -> None:
    peer = PersonFactory()
    comparison_group(program, 2020, [peer])
    milestone, _created = services.record_milestone(
        actor=coordinator, person=peer, kind="college_entry", achieved_on=dt.date(2021, 8, 20)
    )
    assert milestone.person == peer


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "nobel_prize"}, "kind"),
        ({"achieved_on": dt.date(2025, 6, 16)}, "achieved_on"),
        ({"achieved_on": dt.date(1899, 12, 31)}, "achieved_on"),
        ({"achieved_on": "2024-01-01"}, "achieved_on"),
        ({"source": "clearinghouse"}, "source"),
        ({"source": "aamc"}, "source"),
        ({"confidence": "certain"}, "confidence"),
        ({"detail": "x" * 301}, "detail"),
        ({"detail": 7}, "detail"),
        ({"detail": "a\x00b"}, "detail"),
    ],
)
def test_a_milestone_is_checked_before_it_is_recorded(
    alumnus: Person, coordinator: User, changes: dict[str, Any], field: str
) -> None:
    values = {"kind": "degree", "achieved_on": dt.date(2024, 5, 20), **changes}
    with pytest.raises(ServiceError) as error:
        services.record_milestone(actor=coordinator, person=alumnus, **values)
    assert error.value.field == field
    assert not Milestone.objects.exists()


def test_no_milestone_for_someone_the_office_does_not_follow(coordinator: User) -> None:
    with pytest.raises(ServiceError) as error:
        services.record_milestone(
            actor=coordinator,
            person=PersonFactory(),
            kind="degree",
            achieved_on=dt.date(2024, 1, 1),
        )
    assert error.value.field == "person"


def test_only_staff_record_milestones(
    alumnus: Person, member: User, make_user: Callable[..., User]
) -> None:
    for user in (member, make_user(Role.LEADERSHIP_VIEWER), make_user(Role.REVIEWER)):
        with pytest.raises(NotAllowed):
            services.record_milestone(
                actor=user, person=alumnus, kind="degree", achieved_on=dt.date(2024, 1, 1)
            )


@pytest.fixture
def degree(alumnus: Person, coordinator: User) -> Milestone:
    milestone, _created = services.record_milestone(
        actor=coordinator, person=alumnus, kind="degree", achieved_on=dt.date(2024, 5, 20)
    )
    return milestone


def test_a_milestone_is_corrected_and_a_duplicate_kind_refused(
    degree: Milestone, alumnus: Person, coordinator: User
) -> None:
    services.update_milestone(
        actor=coordinator, milestone=degree, kind="stem_major", detail="Biology"
    )
    degree.refresh_from_db()
    assert (degree.kind, degree.detail) == ("stem_major", "Biology")
    services.record_milestone(
        actor=coordinator, person=alumnus, kind="degree", achieved_on=dt.date(2024, 5, 20)
    )
    with pytest.raises(Conflict):
        services.update_milestone(actor=coordinator, milestone=degree, kind="degree")
    with pytest.raises(ServiceError):
        services.update_milestone(actor=coordinator, milestone=degree, confidence="sure")
    services.update_milestone(actor=coordinator, milestone=degree, achieved_on=degree.achieved_on)
    assert len(actions("programs.milestone.updated")) == 1


def test_deleting_a_milestone_keeps_what_it_was_in_the_audit_log(
    degree: Milestone, coordinator: User
) -> None:
    services.delete_milestone(actor=coordinator, milestone=degree)
    assert not Milestone.objects.exists()
    assert actions("programs.milestone.deleted")[0].data["achieved_on"] == "2024-05-20"


# -- the person page section -----------------------------------------------------------------


def test_staff_record_a_milestone_on_the_person_page(
    client_for: Callable[[User], Client], coordinator: User, alumnus: Person
) -> None:
    client = client_for(coordinator)
    url = reverse("programs:person_milestones", args=[alumnus.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "No milestones recorded yet." in page.content.decode()
    data = {"kind": "degree", "achieved_on": "2024-05-20", "source": "staff", "confidence": "high"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "achieved_on": "2030-01-01"})
    assert response.status_code == 200
    assert "The date cannot be in the future." in response.content.decode()
    page = client.get(url).content.decode()
    assert "Earned a bachelor" in page


def test_staff_edit_and_delete_a_milestone_through_the_pages(
    client_for: Callable[[User], Client], coordinator: User, degree: Milestone
) -> None:
    client = client_for(coordinator)
    edit = reverse("programs:milestone_edit", args=[degree.pk])
    assert client.get(edit).status_code == 200
    data = {"kind": "degree", "achieved_on": "2024-05-21", "confidence": "low", "detail": ""}
    assert client.post(edit, data).status_code == 302
    assert Milestone.objects.get().confidence == "low"
    assert client.post(reverse("programs:milestone_delete", args=[degree.pk])).status_code == 302
    assert not Milestone.objects.exists()


def test_the_milestone_pages_are_for_staff_and_followed_people(  # noqa: PLR0917 - fixtures
    client_for: Callable[[User], Client],
    coordinator: User,
    member: User,
    reviewer: User,
    alumnus: Person,
    degree: Milestone,
    make_user: Callable[..., User],
) -> None:
    url = reverse("programs:person_milestones", args=[alumnus.pk])
    for user in (member, reviewer, make_user(Role.LEADERSHIP_VIEWER)):
        client = client_for(user)
        assert client.get(url).status_code == 403
        assert client.get(reverse("programs:milestone_edit", args=[degree.pk])).status_code == 403
    staff = client_for(coordinator)
    stranger = PersonFactory()
    assert staff.get(reverse("programs:person_milestones", args=[stranger.pk])).status_code == 404
    assert staff.get(f"/programs/people/{2**63}/milestones/").status_code == 404
    assert staff.get(reverse("programs:milestone_edit", args=[999999])).status_code == 404


# -- alumni follow-up ------------------------------------------------------------------------


@pytest.fixture
def questionnaire(admin_user: User) -> Questionnaire:
    q = Questionnaire.objects.create(title="Alumni follow-up", created_by=admin_user)
    Item.objects.create(
        questionnaire=q,
        position=1,
        kind="choice",
        prompt="Have you earned a bachelor's degree?",
        key="milestone_degree",
        choices=[{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}],
    )
    Item.objects.create(
        questionnaire=q,
        position=2,
        kind="text",
        prompt="In what year?",
        key="milestone_degree_year",
        required=False,
    )
    Item.objects.create(
        questionnaire=q,
        position=3,
        kind="choice",
        prompt="When did you enter college?",
        key="milestone_college_entry",
        choices=[{"value": v, "label": v} for v in ("no", "2019", "2020", "2021")],
    )
    Item.objects.create(
        questionnaire=q, position=4, kind="text", prompt="Anything else?", key="comments"
    )
    return q


def test_alumni_of_a_completed_cycle_are_invited_once(
    alumni_cycle: Cycle,
    alumnus: Person,
    questionnaire: Questionnaire,
    coordinator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    applicants(alumni_cycle, A.REJECTED, 2)
    with django_capture_on_commit_callbacks(execute=True):
        count = services.invite_alumni(
            cycle=alumni_cycle, questionnaire=questionnaire, actor=coordinator
        )
    assert count == 1
    invitation = Invitation.objects.get()
    assert invitation.person == alumnus
    assert invitation.context_label == "Young Scientist Summer Program alumni follow-up 2025"
    assert invitation.context_type == ContentType.objects.get_for_model(Cycle)
    assert invitation.context_id == alumni_cycle.pk
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alumnus.email]
    assert (
        services.invite_alumni(cycle=alumni_cycle, questionnaire=questionnaire, actor=coordinator)
        == 0
    )
    assert actions("programs.cycle.alumni_invited")[0].data["invited"] == 1


def test_alumni_are_invited_only_once_the_cycle_is_completed(
    program: Program, questionnaire: Questionnaire, coordinator: User, member: User
) -> None:
    running = make_cycle(program, 2024, status=Cycle.Status.RUNNING)
    with pytest.raises(Conflict):
        services.invite_alumni(cycle=running, questionnaire=questionnaire, actor=coordinator)
    with pytest.raises(NotAllowed):
        services.invite_alumni(cycle=running, questionnaire=questionnaire, actor=member)


def answer(
    questionnaire: Questionnaire,
    person: Person,
    on: dt.date,
    context: Cycle | None = None,
    **answers: str,
) -> Response:
    """A submitted response (one per person and questionnaire, unless each is for another
    `context`, e.g. two cohorts the person took part in)."""
    context_fields: dict[str, Any] = {}
    if context is not None:
        context_fields = {
            "context_type": ContentType.objects.get_for_model(context),
            "context_id": context.pk,
        }
    invitation = Invitation.objects.create(
        questionnaire=questionnaire,
        person=person,
        **context_fields,
        digest=f"{person.pk}-{on.isoformat()}".ljust(64, "0"),
        expires_at=timezone.now() + dt.timedelta(days=30),
        context_label=str(on),
    )
    response = Response.objects.create(
        invitation=invitation,
        language="en",
        submitted_at=dt.datetime(on.year, on.month, on.day, 15, tzinfo=dt.UTC),
    )
    items = {item.key: item for item in questionnaire.items.all()}
    for key, value in answers.items():
        Answer.objects.create(response=response, item=items[key], value_text=value)
    return response


def test_self_reported_milestones_are_read_from_the_answers(
    program: Program, alumni_cycle: Cycle, questionnaire: Questionnaire, coordinator: User
) -> None:
    ana, ben, cruz = applicants(alumni_cycle, A.ENROLLED, 3)
    stranger = PersonFactory()
    answer(
        questionnaire,
        ana,
        dt.date(2025, 3, 1),
        milestone_degree="yes",
        milestone_degree_year="2024",
        milestone_college_entry="2020",
    )
    answer(
        questionnaire,
        ben,
        dt.date(2025, 3, 2),
        milestone_degree="Yes",
        milestone_college_entry="no",
    )
    answer(
        questionnaire,
        cruz,
        dt.date(2025, 3, 3),
        milestone_degree="no",
        milestone_degree_year="2023",
        comments="2019",
    )
    answer(questionnaire, stranger, dt.date(2025, 3, 4), milestone_degree="yes")
    result = services.milestones_from_survey(questionnaire=questionnaire, actor=coordinator)
    assert (result.created, result.updated, result.unchanged, result.skipped_people) == (3, 0, 0, 1)
    found = {
        (m.person_id, m.kind): (m.achieved_on, m.source, m.confidence)
        for m in Milestone.objects.all()
    }
    assert found == {
        (ana.pk, "degree"): (dt.date(2024, 7, 1), "survey", "medium"),
        (ana.pk, "college_entry"): (dt.date(2020, 7, 1), "survey", "medium"),
        (ben.pk, "degree"): (dt.date(2025, 3, 2), "survey", "medium"),  # no year: the answer's day
    }
    again = services.milestones_from_survey(questionnaire=questionnaire, actor=coordinator)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert actions("programs.milestones.from_survey")[0].data["created"] == 3


def test_the_earliest_reported_date_wins_and_a_later_no_deletes_nothing(
    program: Program, alumni_cycle: Cycle, questionnaire: Questionnaire, coordinator: User
) -> None:
    ana = applicants(alumni_cycle, A.ENROLLED, 1)[0]
    answer(
        questionnaire,
        ana,
        dt.date(2025, 3, 1),
        milestone_degree="yes",
        milestone_degree_year="2024",
    )
    services.milestones_from_survey(questionnaire=questionnaire, actor=coordinator)
    later, latest = make_cycle(program, 2021), make_cycle(program, 2022)
    answer(
        questionnaire,
        ana,
        dt.date(2025, 4, 1),
        later,
        milestone_degree="yes",
        milestone_degree_year="2023",
    )
    answer(questionnaire, ana, dt.date(2025, 5, 1), latest, milestone_degree="no")
    result = services.milestones_from_survey(questionnaire=questionnaire, actor=coordinator)
    assert result.updated == 1
    assert Milestone.objects.get().achieved_on == dt.date(2023, 7, 1)


def test_a_year_after_the_answer_is_not_believed(
    alumni_cycle: Cycle, questionnaire: Questionnaire, coordinator: User
) -> None:
    ana = applicants(alumni_cycle, A.ENROLLED, 1)[0]
    answer(
        questionnaire,
        ana,
        dt.date(2025, 3, 1),
        milestone_degree="yes",
        milestone_degree_year="2027",
    )
    answer(questionnaire, PersonFactory(), dt.date(2025, 3, 1))
    services.milestones_from_survey(questionnaire=questionnaire, actor=coordinator)
    assert Milestone.objects.get().achieved_on == dt.date(2025, 3, 1)


def test_a_year_of_the_answer_is_dated_no_later_than_the_answer(
    alumni_cycle: Cycle, questionnaire: Questionnaire, coordinator: User
) -> None:
    ana = applicants(alumni_cycle, A.ENROLLED, 1)[0]
    answer(
        questionnaire,
        ana,
        dt.date(2025, 3, 1),
        milestone_degree="yes",
        milestone_degree_year="2025",
    )
    services.milestones_from_survey(questionnaire=questionnaire, actor=coordinator)
    assert Milestone.objects.get().achieved_on == dt.date(2025, 3, 1)


def test_a_questionnaire_without_milestone_questions_is_refused(
    admin_user: User, coordinator: User, member: User
) -> None:
    plain = Questionnaire.objects.create(title="Satisfaction")
    Item.objects.create(
        questionnaire=plain, position=1, kind="text", prompt="?", key="milestone_degree_year"
    )
    with pytest.raises(ServiceError) as error:
        services.milestones_from_survey(questionnaire=plain, actor=coordinator)
    assert error.value.field == "questionnaire"
    with pytest.raises(NotAllowed):
        services.milestones_from_survey(questionnaire=plain, actor=member)

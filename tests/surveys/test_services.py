"""surveys.services: questionnaires, items, invitations and responses, branch by branch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import transaction
from django.utils import timezone

from equityhub.accounts.models import User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.people.models import Organization, Person
from equityhub.surveys import services
from equityhub.surveys.models import Answer, Invitation, Item, Questionnaire, Response
from tests.factories import OrganizationFactory, PersonFactory
from tests.surveys.conftest import CHOICES, answer, items_by_key, likert

pytestmark = pytest.mark.django_db


# -- questionnaires --------------------------------------------------------------------------


def test_office_staff_create_a_questionnaire_and_it_is_audited(coordinator: User) -> None:
    questionnaire = services.create_questionnaire(
        actor=coordinator,
        title="  Plunge 2026 pre  ",
        title_es="Plunge 2026 antes",
        description="Before the week.",
    )
    assert questionnaire.title == "Plunge 2026 pre"
    assert questionnaire.title_es == "Plunge 2026 antes"
    assert questionnaire.is_active
    assert questionnaire.created_by == coordinator
    assert AuditEntry.objects.filter(
        action="surveys.questionnaire.created", object_id=str(questionnaire.pk)
    ).exists()


@pytest.mark.parametrize("role", ["member", "outsider", "leader"])
def test_only_office_staff_may_create_a_questionnaire(role: str, request: Any) -> None:
    user = request.getfixturevalue(role)
    with pytest.raises(NotAllowed):
        services.create_questionnaire(actor=user, title="Mine")
    assert not Questionnaire.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "Fine", "title_es": "y" * 201}, "title_es"),
        ({"title": "Bad\x00title"}, "title"),
        ({"title": "Fine", "description": 42}, "description"),
    ],
)
def test_a_questionnaire_needs_a_short_plain_title(
    coordinator: User, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ServiceError) as caught:
        services.create_questionnaire(actor=coordinator, **fields)
    assert caught.value.field == field
    assert not Questionnaire.objects.exists()


def test_a_questionnaire_is_closed_and_reopened_once_each(
    coordinator: User, make_questionnaire: Any
) -> None:
    questionnaire = make_questionnaire()
    services.set_questionnaire_open(actor=coordinator, questionnaire=questionnaire, is_active=False)
    questionnaire.refresh_from_db()
    assert not questionnaire.is_active
    with pytest.raises(Conflict):
        services.set_questionnaire_open(
            actor=coordinator, questionnaire=questionnaire, is_active=False
        )
    services.set_questionnaire_open(actor=coordinator, questionnaire=questionnaire, is_active=True)
    with pytest.raises(Conflict):
        services.set_questionnaire_open(
            actor=coordinator, questionnaire=questionnaire, is_active=True
        )
    actions = list(
        AuditEntry.objects.filter(object_id=str(questionnaire.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["surveys.questionnaire.closed", "surveys.questionnaire.opened"]


def test_a_member_may_not_close_a_questionnaire(member: User, make_questionnaire: Any) -> None:
    questionnaire = make_questionnaire()
    with pytest.raises(NotAllowed):
        services.set_questionnaire_open(actor=member, questionnaire=questionnaire, is_active=False)
    questionnaire.refresh_from_db()
    assert questionnaire.is_active


# -- items -----------------------------------------------------------------------------------


def test_items_are_appended_in_order_with_lower_case_keys(
    coordinator: User, make_questionnaire: Any
) -> None:
    questionnaire = make_questionnaire()
    first = services.add_item(actor=coordinator, questionnaire=questionnaire, **likert("a_1"))
    second = services.add_item(
        actor=coordinator,
        questionnaire=questionnaire,
        kind=Item.Kind.CHOICE,
        prompt="Which?",
        key="Which_Site",
        choices=[{"value": " clinic ", "label": "Clinic"}, {"value": "school", "label": "School"}],
        required=False,
    )
    assert (first.position, second.position) == (1, 2)
    assert second.key == "which_site"
    assert second.choices == [
        {"value": "clinic", "label": "Clinic", "label_es": ""},
        {"value": "school", "label": "School", "label_es": ""},
    ]
    assert not second.required
    assert AuditEntry.objects.filter(action="surveys.item.added").count() == 2


def test_only_office_staff_may_add_an_item(member: User, make_questionnaire: Any) -> None:
    questionnaire = make_questionnaire()
    with pytest.raises(NotAllowed):
        services.add_item(actor=member, questionnaire=questionnaire, **likert("a_1"))
    assert not questionnaire.items.exists()


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"kind": "slider", "prompt": "Q", "key": "k"}, "kind"),
        ({"kind": "likert", "prompt": "  ", "key": "k"}, "prompt"),
        ({"kind": "likert", "prompt": "Q" * 1001, "key": "k"}, "prompt"),
        ({"kind": "likert", "prompt": "Q", "key": ""}, "key"),
        ({"kind": "likert", "prompt": "Q", "key": "has space"}, "key"),
        ({"kind": "likert", "prompt": "Q", "key": "_leading"}, "key"),
        ({"kind": "likert", "prompt": "Q", "key": "k", "choices": CHOICES}, "choices"),
        ({"kind": "text", "prompt": "Q", "key": "k", "choices": CHOICES}, "choices"),
        ({"kind": "choice", "prompt": "Q", "key": "k"}, "choices"),
        ({"kind": "choice", "prompt": "Q", "key": "k", "choices": CHOICES[:1]}, "choices"),
        ({"kind": "choice", "prompt": "Q", "key": "k", "choices": "a,b"}, "choices"),
        ({"kind": "choice", "prompt": "Q", "key": "k", "choices": ["a", "b"]}, "choices"),
        (
            {"kind": "choice", "prompt": "Q", "key": "k", "choices": [CHOICES[0], CHOICES[0]]},
            "choices",
        ),
        (
            {
                "kind": "choice",
                "prompt": "Q",
                "key": "k",
                "choices": [{"value": "a", "label": ""}, {"value": "b", "label": "B"}],
            },
            "choices",
        ),
        (
            {
                "kind": "choice",
                "prompt": "Q",
                "key": "k",
                "choices": [{"value": str(n), "label": str(n)} for n in range(51)],
            },
            "choices",
        ),
    ],
)
def test_an_item_that_does_not_make_sense_is_refused(
    coordinator: User, make_questionnaire: Any, spec: dict[str, Any], field: str
) -> None:
    questionnaire = make_questionnaire()
    with pytest.raises(ServiceError) as caught:
        services.add_item(actor=coordinator, questionnaire=questionnaire, **spec)
    assert caught.value.field == field
    assert not questionnaire.items.exists()


def test_two_items_of_a_questionnaire_may_not_share_a_key(
    coordinator: User, make_questionnaire: Any
) -> None:
    questionnaire = make_questionnaire(items=[likert("attitude_1")])
    with pytest.raises(Conflict) as caught:
        services.add_item(actor=coordinator, questionnaire=questionnaire, **likert("ATTITUDE_1"))
    assert caught.value.field == "key"
    assert questionnaire.items.count() == 1


def test_the_same_key_may_be_used_in_another_questionnaire(
    coordinator: User, make_questionnaire: Any
) -> None:
    make_questionnaire("Pre", [likert("attitude_1")])
    post = make_questionnaire("Post", [likert("attitude_1")])
    assert post.items.get().key == "attitude_1"


def test_no_item_is_added_once_someone_has_answered(
    coordinator: User, sheet: Questionnaire, token: str
) -> None:
    answer(token, sheet, {"attitude_1": 4, "favourite_site": "clinic", "reflection": "Much."})
    with pytest.raises(Conflict):
        services.add_item(actor=coordinator, questionnaire=sheet, **likert("late"))
    assert not sheet.items.filter(key="late").exists()


# -- invitations -----------------------------------------------------------------------------


def test_invite_stores_digests_and_mails_each_person_their_own_link(
    coordinator: User, sheet: Questionnaire, django_capture_on_commit_callbacks: Any
) -> None:
    invited = [PersonFactory(), PersonFactory()]
    with django_capture_on_commit_callbacks(execute=True):
        count = services.invite(
            questionnaire=sheet, people=invited, actor=coordinator, label="Plunge 2026 pre"
        )
    assert count == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in invited)
    bodies = [m.body for m in mail.outbox]
    assert all("Plunge 2026 pre" in body and "/surveys/r/" in body for body in bodies)
    assert bodies[0] != bodies[1]  # two different links
    invitations = list(Invitation.objects.filter(questionnaire=sheet))
    assert len(invitations) == 2
    for invitation in invitations:
        assert len(invitation.digest) == 64
        assert invitation.digest not in "".join(bodies)
        assert invitation.context_label == "Plunge 2026 pre"
        assert invitation.sent_by == coordinator
    entry = AuditEntry.objects.get(action="surveys.invitations.sent")
    assert entry.data["count"] == 2


def test_no_mail_leaves_when_the_invitation_is_rolled_back(
    coordinator: User, sheet: Questionnaire, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.invite(questionnaire=sheet, people=[PersonFactory()], actor=coordinator)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert not Invitation.objects.exists()


def test_the_mail_is_in_the_language_chosen_for_the_invitation(
    coordinator: User, sheet: Questionnaire, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(
            questionnaire=sheet, people=[PersonFactory()], actor=coordinator, language="es"
        )
    assert "Attitudes (es)" in mail.outbox[0].subject
    assert Invitation.objects.get().language == "es"


def test_without_a_language_each_person_gets_their_own_preference(
    coordinator: User, sheet: Questionnaire, make_user: Any
) -> None:
    spanish_user = make_user(None)
    spanish_user.language = "es"
    spanish_user.save()
    spanish = Person.objects.get(user=spanish_user)
    no_account = PersonFactory()
    services.invite(questionnaire=sheet, people=[spanish, no_account], actor=coordinator)
    languages = dict(Invitation.objects.values_list("person_id", "language"))
    assert languages == {spanish.pk: "es", no_account.pk: "en"}


def test_inviting_again_invites_only_the_people_not_yet_invited(
    coordinator: User, sheet: Questionnaire
) -> None:
    first, second = PersonFactory(), PersonFactory()
    assert services.invite(questionnaire=sheet, people=[first], actor=coordinator) == 1
    assert services.invite(questionnaire=sheet, people=[first, second], actor=coordinator) == 1
    assert services.invite(questionnaire=sheet, people=[first, second], actor=coordinator) == 0
    assert Invitation.objects.count() == 2


def test_the_same_person_may_be_invited_once_per_context(
    coordinator: User, sheet: Questionnaire
) -> None:
    someone = PersonFactory()
    year_one: Organization = OrganizationFactory(name="Cohort 2026")
    year_two: Organization = OrganizationFactory(name="Cohort 2027")
    for context in (None, year_one, year_two, year_one):
        services.invite(questionnaire=sheet, people=[someone], actor=coordinator, context=context)
    contexts = set(Invitation.objects.values_list("context_type", "context_id"))
    organization_type = ContentType.objects.get_for_model(Organization).pk
    assert contexts == {
        (None, None),
        (organization_type, year_one.pk),
        (organization_type, year_two.pk),
    }


def test_invitations_need_an_open_questionnaire_with_questions(
    coordinator: User, sheet: Questionnaire, make_questionnaire: Any
) -> None:
    empty = make_questionnaire("Empty")
    with pytest.raises(Conflict):
        services.invite(questionnaire=empty, people=[PersonFactory()], actor=coordinator)
    services.set_questionnaire_open(actor=coordinator, questionnaire=sheet, is_active=False)
    with pytest.raises(Conflict):
        services.invite(questionnaire=sheet, people=[PersonFactory()], actor=coordinator)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"language": "fr"}, "language"),
        ({"expires_at": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)}, "expires_at"),
        ({"label": "x" * 121}, "label"),
        ({"context": Organization(name="Not saved")}, "context"),
    ],
)
def test_bad_invitation_settings_are_refused(
    coordinator: User, sheet: Questionnaire, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ServiceError) as caught:
        services.invite(questionnaire=sheet, people=[PersonFactory()], actor=coordinator, **kwargs)
    assert caught.value.field == field
    assert not Invitation.objects.exists()


def test_a_link_expires_after_thirty_days_unless_told_otherwise(
    coordinator: User, sheet: Questionnaire
) -> None:
    before = timezone.now()
    services.invite(questionnaire=sheet, people=[PersonFactory()], actor=coordinator)
    invitation = Invitation.objects.get()
    assert dt.timedelta(days=30) <= invitation.expires_at - before < dt.timedelta(days=30, hours=1)


@pytest.mark.parametrize("role", ["member", "leader", "outsider"])
def test_only_office_staff_may_invite(role: str, request: Any, sheet: Questionnaire) -> None:
    with pytest.raises(NotAllowed):
        services.invite(
            questionnaire=sheet, people=[PersonFactory()], actor=request.getfixturevalue(role)
        )
    assert not Invitation.objects.exists()


# -- responses -------------------------------------------------------------------------------


def test_a_complete_response_saves_every_answer(sheet: Questionnaire, token: str) -> None:
    response = answer(
        token,
        sheet,
        {"attitude_1": "4", "favourite_site": "school", "reflection": "  Housing.  "},
    )
    saved = {a.item.key: a.value for a in Answer.objects.filter(response=response)}
    assert saved == {"attitude_1": 4, "favourite_site": "school", "reflection": "Housing."}
    assert response.language == "en"
    assert AuditEntry.objects.filter(action="surveys.response.submitted").count() == 1


def test_answers_may_be_keyed_by_item_name_or_digit_string(
    sheet: Questionnaire, token: str
) -> None:
    items = items_by_key(sheet)
    services.submit_response(
        token=token,
        answers={
            f"item_{items['attitude_1'].pk}": 5,
            str(items["favourite_site"].pk): "clinic",
            items["reflection"].pk: "Text",
            items["attitude_2"].pk: 1,
        },
        language="es",
    )
    response = Response.objects.get()
    assert response.language == "es"
    assert response.answers.count() == 4


def test_every_problem_is_reported_at_once_and_nothing_is_saved(
    sheet: Questionnaire, token: str
) -> None:
    items = items_by_key(sheet)
    with pytest.raises(services.InvalidAnswers) as caught:
        services.submit_response(
            token=token,
            answers={
                items["attitude_1"].pk: 6,
                items["favourite_site"].pk: "hospital",
                items["attitude_2"].pk: True,
            },
        )
    error = caught.value
    assert error.errors == {
        items["attitude_1"].field_name: "Choose a point on the scale from 1 to 5.",
        items["favourite_site"].field_name: "Choose one of the answers offered.",
        items["reflection"].field_name: "Please answer this question.",
        items["attitude_2"].field_name: "Choose a point on the scale from 1 to 5.",
    }
    assert error.field == items["attitude_1"].field_name
    assert error.message == "4 answers need your attention."
    assert [e["field"] for e in error.as_dict()["errors"]] == list(error.errors)
    assert not Response.objects.exists()
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("attitude_1", "abc", "Choose a point on the scale from 1 to 5."),
        ("attitude_1", 0, "Choose a point on the scale from 1 to 5."),
        ("attitude_1", 2.5, "Choose a point on the scale from 1 to 5."),
        ("attitude_1", "  ", "Please answer this question."),
        ("favourite_site", True, "Choose one of the answers offered."),
        ("favourite_site", ["clinic"], "Choose one of the answers offered."),
        ("reflection", "x" * 2001, "Keep your answer under 2000 characters; this one has 2001."),
        ("reflection", 12, "Answer in words."),
        ("reflection", "bad\x00byte", "Remove the control characters from your answer."),
    ],
)
def test_one_bad_answer_is_named_with_its_item(
    sheet: Questionnaire, token: str, key: str, value: Any, message: str
) -> None:
    items = items_by_key(sheet)
    answers: dict[Any, Any] = {
        items["attitude_1"].pk: 3,
        items["favourite_site"].pk: "clinic",
        items["reflection"].pk: "Fine.",
    }
    answers[items[key].pk] = value
    with pytest.raises(services.InvalidAnswers) as caught:
        services.submit_response(token=token, answers=answers)
    assert caught.value.field == f"item_{items[key].pk}"
    assert caught.value.message == message
    assert not Response.objects.exists()


def test_text_of_exactly_two_thousand_characters_is_accepted(
    sheet: Questionnaire, token: str
) -> None:
    answer(token, sheet, {"attitude_1": 1, "favourite_site": "clinic", "reflection": "x" * 2000})
    assert len(Answer.objects.get(item__key="reflection").value_text) == 2000


@pytest.mark.parametrize("stray", [999_999, "nonsense", "item_", 2.5])
def test_an_answer_to_a_question_not_in_the_survey_is_refused(
    sheet: Questionnaire, token: str, stray: Any
) -> None:
    items = items_by_key(sheet)
    with pytest.raises(services.InvalidAnswers) as caught:
        services.submit_response(
            token=token,
            answers={
                items["attitude_1"].pk: 3,
                items["favourite_site"].pk: "clinic",
                items["reflection"].pk: "Fine.",
                stray: 3,
            },
        )
    assert caught.value.errors == {
        "answers": "An answer names a question that is not in this survey."
    }
    assert not Response.objects.exists()


def test_an_optional_item_left_blank_saves_no_answer(sheet: Questionnaire, token: str) -> None:
    response = answer(
        token, sheet, {"attitude_1": 2, "favourite_site": "clinic", "reflection": "x"}
    )
    assert not response.answers.filter(item__key="attitude_2").exists()
    assert response.answers.count() == 3


def test_a_response_cannot_be_submitted_twice(sheet: Questionnaire, token: str) -> None:
    complete = {"attitude_1": 2, "favourite_site": "clinic", "reflection": "x"}
    answer(token, sheet, complete)
    with pytest.raises(Conflict):
        answer(token, sheet, {**complete, "attitude_1": 5})
    assert Answer.objects.get(item__key="attitude_1").value_int == 2

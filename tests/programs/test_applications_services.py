"""services_applications: programs, cycles and their life cycle, the form builder, and the
applicant's draft, answers, files, submission (every check), withdrawal and language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from equityhub.accounts.models import Role, User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.places.models import Area
from equityhub.programs import services_applications as services
from equityhub.programs.models import Answer, Application, Cycle, FormField, Program
from equityhub.programs.selectors_applications import submission_problems
from tests.factories import OrganizationFactory
from tests.programs.application_helpers import (
    JPEG,
    PDF,
    PNG,
    answer_required,
    capture_commits,
    docx_bytes,
    draft,
    in_grade,
    person,
    ready_draft,
    upload,
)

pytestmark = pytest.mark.django_db

S = Application.Status
C = Cycle.Status
K = FormField.Kind


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def codes(application: Application) -> list[str]:
    application.refresh_from_db()
    return [p.code for p in submission_problems(application)]


# -- programs ----------------------------------------------------------------------------------


def test_staff_create_a_program_with_its_rules_and_it_is_audited(coordinator: User) -> None:
    sponsor = OrganizationFactory(name="Saint Louis University")
    area = Area.objects.create(kind=Area.Kind.ZCTA, code="63106", name="63106")
    program = services.create_program(
        actor=coordinator,
        name="  Summer Research Scholars ",
        stage=Program.Stage.COLLEGE,
        sponsor=sponsor,
        description="Ten weeks in a lab.",
        description_es="Diez semanas en un laboratorio.",
        min_age=18,
        max_age=24,
        residence_areas=[area],
        blind_review=True,
    )
    assert program.name == "Summer Research Scholars"
    assert list(program.residence_areas.all()) == [area]
    entry = AuditEntry.objects.get(action="programs.program.created")
    assert entry.data["residence_areas"] == [area.pk]


def test_a_member_cannot_create_a_program(member: User) -> None:
    with pytest.raises(NotAllowed):
        services.create_program(
            actor=member, name="X", stage=Program.Stage.K12, sponsor=OrganizationFactory()
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"min_grade": 11, "max_grade": 9}, "max_grade"),
        ({"min_age": 20, "max_age": 18}, "max_age"),
        ({"min_grade": 13}, "min_grade"),
        ({"stage": "nursery"}, "stage"),
        ({"name": "   "}, "name"),
    ],
)
def test_program_rules_are_checked(coordinator: User, changes: dict[str, Any], field: str) -> None:
    details = {"name": "Program", "stage": Program.Stage.K12, "sponsor": OrganizationFactory()}
    with pytest.raises(ServiceError) as caught:
        services.create_program(actor=coordinator, **{**details, **changes})
    assert caught.value.field == field


def test_program_names_are_unique_whatever_their_case(coordinator: User, program: Program) -> None:
    with pytest.raises(Conflict):
        services.create_program(
            actor=coordinator,
            name=program.name.upper(),
            stage=Program.Stage.K12,
            sponsor=program.sponsor,
        )


def test_an_inactive_sponsor_is_refused(coordinator: User) -> None:
    sponsor = OrganizationFactory(is_active=False)
    with pytest.raises(ServiceError) as caught:
        services.create_program(
            actor=coordinator, name="P", stage=Program.Stage.K12, sponsor=sponsor
        )
    assert caught.value.field == "sponsor"


def test_updating_a_program_records_only_what_changed(coordinator: User, program: Program) -> None:
    services.update_program(program=program, actor=coordinator, blind_review=False, max_grade=12)
    entry = AuditEntry.objects.get(action="programs.program.updated")
    assert entry.changes == {"blind_review": [True, False]}
    services.update_program(program=program, actor=coordinator, blind_review=False)
    assert AuditEntry.objects.filter(action="programs.program.updated").count() == 1


def test_updating_a_program_sets_its_areas_and_refuses_unknown_fields(
    coordinator: User, program: Program
) -> None:
    area = Area.objects.create(kind=Area.Kind.ZCTA, code="63110", name="63110")
    services.update_program(program=program, actor=coordinator, residence_areas=[area])
    assert list(program.residence_areas.all()) == [area]
    with pytest.raises(ServiceError) as caught:
        services.update_program(program=program, actor=coordinator, seats=3)
    assert caught.value.field == "seats"


# -- cycles ------------------------------------------------------------------------------------


def cycle_details(**overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "year": 2031,
        "title": "Summer 2031",
        "opens_at": now + dt.timedelta(days=1),
        "closes_at": now + dt.timedelta(days=30),
        "seats": 12,
        **overrides,
    }


def test_a_new_cycle_is_a_draft(coordinator: User, program: Program) -> None:
    cycle = services.create_cycle(program=program, actor=coordinator, **cycle_details())
    assert cycle.status == C.DRAFT
    assert AuditEntry.objects.filter(action="programs.cycle.created").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"closes_at": timezone.now()}, "closes_at"),
        ({"seats": 0}, "seats"),
        ({"starts_on": dt.date(2031, 7, 1), "ends_on": dt.date(2031, 6, 1)}, "ends_on"),
        ({"year": 1999}, "year"),
        ({"reviews_per_application": 0}, "reviews_per_application"),
        ({"title": ""}, "title"),
    ],
)
def test_cycle_details_are_checked(
    coordinator: User, program: Program, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ServiceError) as caught:
        services.create_cycle(program=program, actor=coordinator, **cycle_details(**overrides))
    assert caught.value.field == field


def test_one_cycle_a_year_per_program(coordinator: User, cycle: Cycle) -> None:
    with pytest.raises(Conflict) as caught:
        services.create_cycle(
            program=cycle.program, actor=coordinator, **cycle_details(year=cycle.year)
        )
    assert caught.value.field == "year"


def test_seats_cannot_go_below_those_taken(coordinator: User, cycle: Cycle) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(seats_taken=4)
    with pytest.raises(Conflict):
        services.update_cycle(cycle=cycle, actor=coordinator, seats=3)
    updated = services.update_cycle(cycle=cycle, actor=coordinator, seats=4, title="New title")
    assert (updated.seats, updated.title) == (4, "New title")


def test_a_completed_cycle_is_not_edited(coordinator: User, cycle: Cycle) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(status=C.COMPLETED)
    with pytest.raises(Conflict):
        services.update_cycle(cycle=cycle, actor=coordinator, title="Late")


def test_a_cycle_moves_one_step_at_a_time(coordinator: User, cycle: Cycle) -> None:
    for status in (C.REVIEW, C.DECIDED, C.RUNNING, C.COMPLETED):
        services.change_cycle_status(cycle=cycle, actor=coordinator, status=status)
        assert Cycle.objects.get(pk=cycle.pk).status == status
    with pytest.raises(Conflict):
        services.change_cycle_status(cycle=cycle, actor=coordinator, status=C.OPEN)


def test_a_cycle_cannot_skip_a_step_or_stay_put_or_take_an_unknown_status(
    coordinator: User, cycle: Cycle
) -> None:
    with pytest.raises(Conflict):
        services.change_cycle_status(cycle=cycle, actor=coordinator, status=C.DECIDED)
    with pytest.raises(Conflict):
        services.change_cycle_status(cycle=cycle, actor=coordinator, status=C.OPEN)
    with pytest.raises(ServiceError):
        services.change_cycle_status(cycle=cycle, actor=coordinator, status="paused")


def test_opening_needs_a_question_and_a_closing_time_ahead(
    coordinator: User, program: Program
) -> None:
    cycle = services.create_cycle(program=program, actor=coordinator, **cycle_details())
    with pytest.raises(Conflict, match="question"):
        services.change_cycle_status(cycle=cycle, actor=coordinator, status=C.OPEN)
    services.add_field(cycle=cycle, actor=coordinator, key="essay", kind=K.LONG_TEXT, label="Why?")
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=40)),
        pytest.raises(Conflict, match="closing time"),
    ):
        services.change_cycle_status(cycle=cycle, actor=coordinator, status=C.OPEN)
    services.change_cycle_status(cycle=cycle, actor=coordinator, status=C.OPEN)
    entry = AuditEntry.objects.get(action="programs.cycle.status_changed")
    assert entry.changes == {"status": ["draft", "open"]}


def test_an_open_cycle_goes_back_to_draft_only_while_nobody_applied(
    coordinator: User, cycle: Cycle, adult_applicant: User
) -> None:
    draft(cycle, adult_applicant)
    with pytest.raises(Conflict):
        services.change_cycle_status(cycle=cycle, actor=coordinator, status=C.DRAFT)


def test_a_member_cannot_run_cycles(member: User, cycle: Cycle, program: Program) -> None:
    with pytest.raises(NotAllowed):
        services.create_cycle(program=program, actor=member, **cycle_details())
    with pytest.raises(NotAllowed):
        services.change_cycle_status(cycle=cycle, actor=member, status=C.REVIEW)
    with pytest.raises(NotAllowed):
        services.update_cycle(cycle=cycle, actor=member, title="x")


# -- the form builder --------------------------------------------------------------------------


def test_questions_of_every_kind_are_added_at_the_end(coordinator: User, cycle: Cycle) -> None:
    choices = [
        {"value": "yes", "label": "Yes", "label_es": "Sí"},
        {"value": "no", "label": "No", "label_es": "No"},
    ]
    for kind in K.values:
        services.add_field(
            cycle=cycle,
            actor=coordinator,
            key=f"q-{kind}",
            kind=kind,
            label=f"A {kind} question",
            label_es=f"Una pregunta {kind}",
            choices=choices if kind in ("choice", "multi_choice") else [],
        )
    positions = list(FormField.objects.filter(cycle=cycle).values_list("key", "position"))
    assert positions[-1] == ("q-recommendation", 9)
    assert FormField.objects.get(cycle=cycle, key="q-choice").choices == choices


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"key": "Bad Key!"}, "key"),
        ({"key": "track"}, "key"),
        ({"kind": "choice", "choices": [{"value": "a", "label": "A"}]}, "choices"),
        (
            {
                "kind": "choice",
                "choices": [{"value": "a", "label": "A"}, {"value": "a", "label": "B"}],
            },
            "choices",
        ),
        ({"kind": "choice", "choices": [{"value": "a"}, {"value": "b"}]}, "choices"),
        ({"kind": "text", "choices": [{"value": "a", "label": "A"}]}, "choices"),
        ({"kind": "sketch"}, "kind"),
        ({"label": ""}, "label"),
        ({"max_length": 0}, "max_length"),
    ],
)
def test_questions_are_checked(
    coordinator: User, cycle: Cycle, details: dict[str, Any], field: str
) -> None:
    base = {"key": "new", "kind": "text", "label": "New question"}
    with pytest.raises(ServiceError) as caught:
        services.add_field(cycle=cycle, actor=coordinator, **{**base, **details})
    assert caught.value.field == field


def submitted(cycle: Cycle, user: User) -> Application:
    application = ready_draft(cycle, user)
    return services.submit_application(application=application, actor=user)


def test_once_submitted_only_the_wording_of_questions_changes(
    coordinator: User, cycle: Cycle, adult_applicant: User
) -> None:
    submitted(cycle, adult_applicant)
    track = FormField.objects.get(cycle=cycle, key="track")
    renamed = [
        {"value": "bio", "label": "Biology lab", "label_es": "Laboratorio de biología"},
        {"value": "chem", "label": "Chemistry", "label_es": "Química"},
    ]
    services.update_field(
        field=track,
        actor=coordinator,
        label="Which lab would you like?",
        label_es="¿Qué laboratorio prefieres?",
        choices=renamed,
        identifying=True,
    )
    track.refresh_from_db()
    assert track.choices == renamed
    with pytest.raises(Conflict) as caught:
        services.update_field(field=track, actor=coordinator, required=False)
    assert caught.value.field == "required"
    with pytest.raises(Conflict):
        services.update_field(
            field=track, actor=coordinator, choices=[*renamed, {"value": "phys", "label": "P"}]
        )
    with pytest.raises(Conflict):
        services.add_field(cycle=cycle, actor=coordinator, key="late", kind="text", label="Late")
    with pytest.raises(Conflict):
        services.remove_field(field=track, actor=coordinator)


def test_an_answered_question_keeps_its_kind_and_its_chosen_choices(
    coordinator: User, cycle: Cycle, adult_applicant: User
) -> None:
    answer_required(draft(cycle, adult_applicant), adult_applicant)
    essay = FormField.objects.get(cycle=cycle, key="essay")
    with pytest.raises(Conflict) as caught:
        services.update_field(field=essay, actor=coordinator, kind="text")
    assert caught.value.field == "kind"
    track = FormField.objects.get(cycle=cycle, key="track")
    with pytest.raises(Conflict):
        services.update_field(
            field=track,
            actor=coordinator,
            choices=[{"value": "chem", "label": "C"}, {"value": "phys", "label": "P"}],
        )
    services.update_field(
        field=track,
        actor=coordinator,
        choices=[*track.choices, {"value": "phys", "label": "Physics", "label_es": "Física"}],
    )


def test_an_unchanged_question_writes_nothing(coordinator: User, cycle: Cycle) -> None:
    essay = FormField.objects.get(cycle=cycle, key="essay")
    services.update_field(field=essay, actor=coordinator, label=essay.label)
    assert not AuditEntry.objects.filter(action="programs.field.updated").exists()
    with pytest.raises(ServiceError):
        services.update_field(field=essay, actor=coordinator, position=9)


def test_questions_move_up_and_down_at_any_time(
    coordinator: User, cycle: Cycle, adult_applicant: User
) -> None:
    submitted(cycle, adult_applicant)
    school = FormField.objects.get(cycle=cycle, key="school")
    services.move_field(field=school, actor=coordinator, direction="up")
    keys = list(FormField.objects.filter(cycle=cycle).values_list("key", flat=True))
    assert keys == ["essay", "school", "track"]
    essay = FormField.objects.get(cycle=cycle, key="essay")
    with pytest.raises(Conflict):
        services.move_field(field=essay, actor=coordinator, direction="up")
    with pytest.raises(ServiceError):
        services.move_field(field=essay, actor=coordinator, direction="sideways")
    track = FormField.objects.get(cycle=cycle, key="track")
    with pytest.raises(Conflict):
        services.move_field(field=track, actor=coordinator, direction="down")


def test_removing_a_question_removes_drafts_answers_and_their_files(
    coordinator: User, cycle: Cycle, adult_applicant: User, tmp_path: Path
) -> None:
    cv = services.add_field(cycle=cycle, actor=coordinator, key="cv", kind="file", label="CV")
    application = draft(cycle, adult_applicant)
    answer = services.upload_answer_file(
        application=application, field=cv, actor=adult_applicant, file=upload("cv.pdf", PDF)
    )
    stored = Path(answer.file.path)
    assert stored.exists()
    with capture_commits():
        services.remove_field(field=cv, actor=coordinator)
    assert not Answer.objects.filter(pk=answer.pk).exists()
    assert not stored.exists()


def test_a_member_cannot_build_forms(member: User, cycle: Cycle) -> None:
    essay = FormField.objects.get(cycle=cycle, key="essay")
    with pytest.raises(NotAllowed):
        services.add_field(cycle=cycle, actor=member, key="x", kind="text", label="X")
    with pytest.raises(NotAllowed):
        services.update_field(field=essay, actor=member, label="X")
    with pytest.raises(NotAllowed):
        services.move_field(field=essay, actor=member, direction="down")
    with pytest.raises(NotAllowed):
        services.remove_field(field=essay, actor=member)


# -- starting and filling in -------------------------------------------------------------------


def test_starting_twice_resumes_the_same_draft(cycle: Cycle, adult_applicant: User) -> None:
    first, created = services.start_application(cycle=cycle, actor=adult_applicant, language="es")
    again, created_again = services.start_application(cycle=cycle, actor=adult_applicant)
    assert created and not created_again
    assert first.pk == again.pk
    assert first.language == "es"
    assert AuditEntry.objects.filter(action="programs.application.started").count() == 1


def test_the_language_defaults_to_the_applicants_preference(
    cycle: Cycle, adult_applicant: User
) -> None:
    adult_applicant.language = "es"
    adult_applicant.save()
    application, _created = services.start_application(cycle=cycle, actor=adult_applicant)
    assert application.language == "es"


def test_nobody_starts_an_application_to_a_cycle_not_taking_them(
    cycle: Cycle, adult_applicant: User
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    cycle.refresh_from_db()
    with pytest.raises(Conflict):
        services.start_application(cycle=cycle, actor=adult_applicant)


def test_a_user_without_a_registry_record_cannot_apply(
    cycle: Cycle, make_user: Callable[..., User]
) -> None:
    with pytest.raises(NotAllowed):
        services.start_application(cycle=cycle, actor=make_user(Role.MEMBER, person=False))


def test_answers_are_saved_cleaned_and_cleared(cycle: Cycle, adult_applicant: User) -> None:
    application = draft(cycle, adult_applicant)
    services.save_answers(
        application=application,
        actor=adult_applicant,
        answers={
            "essay": "  Line one\r\nLine two  ",
            "track": "chem",
            "school": " Roosevelt   High ",
        },
    )
    answers = {a.field.key: a for a in Answer.objects.filter(application=application)}
    assert answers["essay"].text == "Line one\nLine two"
    assert answers["track"].values == ["chem"]
    assert answers["school"].text == "Roosevelt High"
    services.save_answers(application=application, actor=adult_applicant, answers={"school": ""})
    assert not Answer.objects.filter(application=application, field__key="school").exists()
    entry = (
        AuditEntry.objects.filter(action="programs.application.answers_saved")
        .order_by("pk")
        .first()
    )
    assert entry is not None and entry.data == {"questions": ["essay", "school", "track"]}


def test_multi_choice_answers_keep_the_forms_order(
    coordinator: User, cycle: Cycle, adult_applicant: User
) -> None:
    services.add_field(
        cycle=cycle,
        actor=coordinator,
        key="days",
        kind="multi_choice",
        label="Days",
        choices=[{"value": d, "label": d} for d in ("mon", "tue", "wed")],
    )
    application = draft(cycle, adult_applicant)
    services.save_answers(
        application=application, actor=adult_applicant, answers={"days": ["wed", "mon"]}
    )
    assert Answer.objects.get(field__key="days").values == ["mon", "wed"]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"nope": "x"}, "nope"),
        ({"track": "physics"}, "track"),
        ({"track": ["bio", "chem"]}, "track"),
        ({"track": 3}, "track"),
        ({"essay": ["a"]}, "essay"),
        ({"essay": "x" * 5001}, "essay"),
        ({"essay": "bad\x00"}, "essay"),
    ],
)
def test_bad_answers_are_refused_naming_the_question(
    cycle: Cycle, adult_applicant: User, answers: dict[str, Any], field: str
) -> None:
    application = draft(cycle, adult_applicant)
    with pytest.raises(ServiceError) as caught:
        services.save_answers(application=application, actor=adult_applicant, answers=answers)
    assert caught.value.field == field


def test_file_and_recommendation_questions_are_not_answered_with_text(
    coordinator: User, cycle: Cycle, adult_applicant: User
) -> None:
    services.add_field(cycle=cycle, actor=coordinator, key="cv", kind="file", label="CV")
    services.add_field(
        cycle=cycle, actor=coordinator, key="letter", kind="recommendation", label="Letter"
    )
    application = draft(cycle, adult_applicant)
    for key in ("cv", "letter"):
        with pytest.raises(ServiceError) as caught:
            services.save_answers(
                application=application, actor=adult_applicant, answers={key: "x"}
            )
        assert caught.value.field == key


def test_only_the_applicant_fills_in_their_draft(
    cycle: Cycle, adult_applicant: User, coordinator: User, member: User
) -> None:
    application = draft(cycle, adult_applicant)
    for actor in (coordinator, member):
        with pytest.raises(NotAllowed):
            services.save_answers(application=application, actor=actor, answers={"essay": "x"})


def test_a_submitted_application_or_a_closed_cycle_takes_no_answers(
    cycle: Cycle, adult_applicant: User
) -> None:
    application = submitted(cycle, adult_applicant)
    with pytest.raises(Conflict):
        services.save_answers(
            application=application, actor=adult_applicant, answers={"essay": "x"}
        )


def test_a_draft_takes_no_answers_once_the_cycle_closes(
    cycle: Cycle, adult_applicant: User
) -> None:
    application = draft(cycle, adult_applicant)
    with (
        time_machine.travel(cycle.closes_at + dt.timedelta(seconds=1)),
        pytest.raises(Conflict),
    ):
        services.save_answers(
            application=application, actor=adult_applicant, answers={"essay": "x"}
        )


# -- files -------------------------------------------------------------------------------------


@pytest.fixture
def cv(coordinator: User, cycle: Cycle) -> FormField:
    return services.add_field(cycle=cycle, actor=coordinator, key="cv", kind="file", label="CV")


@pytest.mark.parametrize(
    ("content", "suffix"), [(PDF, ".pdf"), (PNG, ".png"), (JPEG, ".jpg"), (docx_bytes(), ".docx")]
)
def test_files_are_accepted_by_content_and_stored_under_a_random_name(
    cycle: Cycle, cv: FormField, adult_applicant: User, content: bytes, suffix: str
) -> None:
    application = draft(cycle, adult_applicant)
    answer = services.upload_answer_file(
        application=application,
        field=cv,
        actor=adult_applicant,
        file=upload("../../My CV.exe", content, "application/x-msdownload"),
    )
    assert answer.file_name == "My CV.exe"
    assert answer.file.name.endswith(suffix)
    assert "CV" not in answer.file.name
    assert AuditEntry.objects.get(action="programs.application.file_uploaded").data["size"] == len(
        content
    )


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00 not a document",
        b"<html><script>alert(1)</script></html>",
        docx_bytes(macro=True),
        b"PK\x03\x04 broken zip",
    ],
)
def test_files_are_refused_by_content_whatever_their_name(
    cycle: Cycle, cv: FormField, adult_applicant: User, content: bytes
) -> None:
    application = draft(cycle, adult_applicant)
    with pytest.raises(ServiceError) as caught:
        services.upload_answer_file(
            application=application,
            field=cv,
            actor=adult_applicant,
            file=upload("cv.pdf", content),
        )
    assert caught.value.field == "cv"


def test_empty_and_oversized_files_are_refused(
    cycle: Cycle, cv: FormField, adult_applicant: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = draft(cycle, adult_applicant)
    with pytest.raises(ServiceError, match="empty"):
        services.upload_answer_file(
            application=application, field=cv, actor=adult_applicant, file=upload("a.pdf", b"")
        )
    monkeypatch.setattr("equityhub.programs.services_consent.MAX_UPLOAD_BYTES", 10)
    with pytest.raises(ServiceError, match="larger"):
        services.upload_answer_file(
            application=application, field=cv, actor=adult_applicant, file=upload("a.pdf", PDF)
        )


def test_a_new_file_replaces_the_old_one_which_is_deleted(
    cycle: Cycle, cv: FormField, adult_applicant: User
) -> None:
    application = draft(cycle, adult_applicant)
    first = services.upload_answer_file(
        application=application, field=cv, actor=adult_applicant, file=upload("a.pdf", PDF)
    )
    old = Path(first.file.path)
    with capture_commits():
        second = services.upload_answer_file(
            application=application, field=cv, actor=adult_applicant, file=upload("b.png", PNG)
        )
    assert second.pk == first.pk
    assert not old.exists()
    with capture_commits():
        services.remove_answer_file(application=application, field=cv, actor=adult_applicant)
    assert not Path(second.file.path).exists()
    with pytest.raises(Conflict):
        services.remove_answer_file(application=application, field=cv, actor=adult_applicant)


def test_files_go_only_to_file_questions_of_the_application(
    cycle: Cycle, adult_applicant: User
) -> None:
    application = draft(cycle, adult_applicant)
    essay = FormField.objects.get(cycle=cycle, key="essay")
    with pytest.raises(ServiceError):
        services.upload_answer_file(
            application=application, field=essay, actor=adult_applicant, file=upload("a.pdf", PDF)
        )


# -- submission --------------------------------------------------------------------------------


def test_a_complete_draft_is_submitted_audited_and_confirmed_by_email(
    cycle: Cycle, adult_applicant: User
) -> None:
    application = ready_draft(cycle, adult_applicant)
    with capture_commits():
        services.submit_application(application=application, actor=adult_applicant)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert application.submitted_at is not None
    assert AuditEntry.objects.filter(action="programs.application.submitted").exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [person(adult_applicant).email]
    assert "Application received" in mail.outbox[0].subject


def test_the_confirmation_is_in_spanish_for_a_spanish_application(
    cycle: Cycle, adult_applicant: User
) -> None:
    application = ready_draft(cycle, adult_applicant, language="es")
    with capture_commits():
        services.submit_application(application=application, actor=adult_applicant)
    message = mail.outbox[-1]
    today = timezone.localdate()
    with translation.override("es"):
        spanish_date = formats.date_format(today, "DATE_FORMAT")
        subject = gettext("Application received: %(program)s") % {"program": cycle.program.name}
    assert " de " in spanish_date
    assert spanish_date in message.body
    assert message.subject == subject


def test_every_problem_is_listed_at_once(cycle: Cycle, adult_applicant: User) -> None:
    application = draft(cycle, adult_applicant)
    with pytest.raises(services.NotSubmittable) as caught:
        services.submit_application(application=application, actor=adult_applicant)
    problems = caught.value.problems
    assert [(p.code, p.field) for p in problems] == [
        ("unanswered", "essay"),
        ("unanswered", "track"),
        ("grade", None),
    ]
    assert caught.value.as_dict()["problems"][0]["field"] == "essay"
    assert Application.objects.get(pk=application.pk).status == S.DRAFT


def test_nothing_is_submitted_outside_the_window_or_in_another_status(
    cycle: Cycle, adult_applicant: User
) -> None:
    application = ready_draft(cycle, adult_applicant)
    with time_machine.travel(cycle.closes_at):
        assert codes(application) == ["closed"]
    with time_machine.travel(cycle.opens_at - dt.timedelta(seconds=1)):
        assert codes(application) == ["closed"]
    Cycle.objects.filter(pk=cycle.pk).update(status=C.REVIEW)
    assert codes(application) == ["closed"]


def test_a_submitted_application_is_not_submitted_again(
    cycle: Cycle, adult_applicant: User
) -> None:
    application = submitted(cycle, adult_applicant)
    with pytest.raises(Conflict):
        services.submit_application(application=application, actor=adult_applicant)


def test_only_the_applicant_submits(
    cycle: Cycle, adult_applicant: User, coordinator: User, outsider: User
) -> None:
    application = ready_draft(cycle, adult_applicant)
    for actor in (coordinator, outsider):
        with pytest.raises(NotAllowed):
            services.submit_application(application=application, actor=actor)


def test_a_required_recommendation_needs_a_request_sent_not_a_letter(
    coordinator: User, cycle: Cycle, adult_applicant: User
) -> None:
    from tests.programs.application_helpers import ask_recommender  # noqa: PLC0415

    letter = services.add_field(
        cycle=cycle, actor=coordinator, key="letter", kind="recommendation", label="Letter"
    )
    application = ready_draft(cycle, adult_applicant)
    assert codes(application) == ["recommendation"]
    ask_recommender(application, letter, adult_applicant)
    assert codes(application) == []
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)):
        Cycle.objects.filter(pk=cycle.pk).update(closes_at=timezone.now() + dt.timedelta(days=30))
        assert codes(application) == ["recommendation"]


def test_a_required_file_needs_a_file(
    coordinator: User, cycle: Cycle, adult_applicant: User
) -> None:
    cv = services.add_field(cycle=cycle, actor=coordinator, key="cv", kind="file", label="CV")
    application = ready_draft(cycle, adult_applicant)
    assert codes(application) == ["unanswered"]
    services.upload_answer_file(
        application=application, field=cv, actor=adult_applicant, file=upload("cv.pdf", PDF)
    )
    assert codes(application) == []


def test_grade_rules_read_the_current_school_affiliation(
    cycle: Cycle, adult_applicant: User
) -> None:
    application = answer_required(draft(cycle, adult_applicant), adult_applicant)
    assert codes(application) == ["grade"]
    affiliation = in_grade(adult_applicant, 8)
    assert codes(application) == ["grade"]
    affiliation.grade_level = 12
    affiliation.save()
    assert codes(application) == []
    affiliation.end_date = timezone.localdate() - dt.timedelta(days=1)
    affiliation.start_date = affiliation.end_date - dt.timedelta(days=300)
    affiliation.save()
    assert codes(application) == ["grade"]


def test_age_rules_count_on_the_programs_first_day(
    coordinator: User, cycle: Cycle, program: Program, adult_applicant: User
) -> None:
    # Born 2005-01-15: 21 on 2026-01-15.
    services.update_program(
        program=program, actor=coordinator, min_grade=None, max_grade=None, min_age=16, max_age=20
    )
    Cycle.objects.filter(pk=cycle.pk).update(starts_on=dt.date(2026, 1, 14))
    application = answer_required(draft(cycle, adult_applicant), adult_applicant)
    assert codes(application) == []
    Cycle.objects.filter(pk=cycle.pk).update(starts_on=dt.date(2026, 1, 15))
    assert codes(application) == ["age"]
    services.update_program(program=program, actor=coordinator, min_age=22, max_age=30)
    Cycle.objects.filter(pk=cycle.pk).update(starts_on=dt.date(2026, 1, 14))
    assert codes(application) == ["age"]


def test_age_rules_and_k12_programs_need_a_date_of_birth(
    cycle: Cycle, adult_applicant: User
) -> None:
    application = ready_draft(cycle, adult_applicant)
    person(adult_applicant).__class__.objects.filter(user=adult_applicant).update(
        date_of_birth=None
    )
    assert codes(application) == ["date_of_birth"]


def test_residence_rules_match_the_home_zip_to_the_programs_zip_areas(
    coordinator: User, cycle: Cycle, program: Program, adult_applicant: User
) -> None:
    north = Area.objects.create(kind=Area.Kind.ZCTA, code="63106", name="Near North")
    services.update_program(program=program, actor=coordinator, residence_areas=[north])
    application = ready_draft(cycle, adult_applicant)
    assert codes(application) == ["residence"]  # the factory's ZIP is 63110
    applicant = person(adult_applicant)
    applicant.home_zip = "63106"
    applicant.save()
    assert codes(application) == []
    applicant.home_zip = ""
    applicant.save()
    assert codes(application) == ["home_zip"]


# -- withdrawal and language -------------------------------------------------------------------


def test_the_applicant_withdraws_a_submitted_application(
    cycle: Cycle, adult_applicant: User
) -> None:
    application = submitted(cycle, adult_applicant)
    with capture_commits():
        services.withdraw_application(
            application=application, actor=adult_applicant, reason="Moved"
        )
    application.refresh_from_db()
    assert application.status == S.WITHDRAWN and application.withdrawn_at is not None
    entry = AuditEntry.objects.get(action="programs.application.withdrawn")
    assert entry.data == {"cause": "applicant", "reason": "Moved"}
    assert not [m for m in mail.outbox if "withdrawn" in m.subject]
    with pytest.raises(Conflict):
        services.withdraw_application(application=application, actor=adult_applicant)


def test_a_draft_can_be_withdrawn(cycle: Cycle, adult_applicant: User) -> None:
    application = draft(cycle, adult_applicant)
    services.withdraw_application(application=application, actor=adult_applicant)
    application.refresh_from_db()
    assert application.status == S.WITHDRAWN
    assert application.submitted_at is None and application.withdrawn_at is not None


def test_staff_withdrawing_tells_the_applicant(
    cycle: Cycle, adult_applicant: User, coordinator: User
) -> None:
    application = submitted(cycle, adult_applicant)
    with capture_commits():
        services.withdraw_application(application=application, actor=coordinator)
    assert mail.outbox[-1].subject.startswith("Your application was withdrawn")


def test_nobody_else_withdraws_and_decided_ones_stay(
    cycle: Cycle, adult_applicant: User, member: User
) -> None:
    application = submitted(cycle, adult_applicant)
    with pytest.raises(NotAllowed):
        services.withdraw_application(application=application, actor=member)
    Application.objects.filter(pk=application.pk).update(status=S.REJECTED)
    with pytest.raises(Conflict):
        services.withdraw_application(application=application, actor=adult_applicant)


def test_withdrawing_an_accepted_application_frees_its_seat(
    cycle: Cycle, adult_applicant: User
) -> None:
    application = submitted(cycle, adult_applicant)
    Application.objects.filter(pk=application.pk).update(status=S.ACCEPTED)
    Cycle.objects.filter(pk=cycle.pk).update(seats_taken=1)
    services.withdraw_application(application=application, actor=adult_applicant)
    assert Cycle.objects.get(pk=cycle.pk).seats_taken == 0
    assert Application.objects.get(pk=application.pk).status == S.WITHDRAWN


def test_withdrawing_a_waitlisted_application_closes_the_gap(
    cycle: Cycle, adult_applicant: User, make_user: Callable[..., User]
) -> None:
    first = submitted(cycle, adult_applicant)
    second = submitted(cycle, make_user(Role.MEMBER, date_of_birth=dt.date(2004, 3, 3)))
    Application.objects.filter(pk=first.pk).update(status=S.WAITLISTED, waitlist_position=1)
    Application.objects.filter(pk=second.pk).update(status=S.WAITLISTED, waitlist_position=2)
    services.withdraw_application(application=first, actor=adult_applicant)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.waitlist_position) == (S.WITHDRAWN, None)
    assert second.waitlist_position == 1


def test_the_language_switches_for_the_applicant_and_staff(
    cycle: Cycle, adult_applicant: User, coordinator: User, member: User
) -> None:
    application = draft(cycle, adult_applicant)
    services.set_application_language(application=application, actor=adult_applicant, language="es")
    services.set_application_language(application=application, actor=coordinator, language="en")
    assert AuditEntry.objects.filter(action="programs.application.language_changed").count() == 2
    with pytest.raises(ServiceError):
        services.set_application_language(
            application=application, actor=adult_applicant, language="fr"
        )
    with pytest.raises(NotAllowed):
        services.set_application_language(application=application, actor=member, language="es")


# -- the remaining branches --------------------------------------------------------------------


def test_a_program_changes_sponsor_but_never_loses_it(coordinator: User, program: Program) -> None:
    other = OrganizationFactory(name="BJC HealthCare")
    services.update_program(program=program, actor=coordinator, sponsor=other)
    assert Program.objects.get(pk=program.pk).sponsor == other
    with pytest.raises(ServiceError) as caught:
        services.update_program(program=program, actor=coordinator, sponsor=None)
    assert caught.value.field == "sponsor"


def test_a_cycle_refuses_unknown_fields(coordinator: User, cycle: Cycle) -> None:
    with pytest.raises(ServiceError) as caught:
        services.update_cycle(cycle=cycle, actor=coordinator, seats_taken=0)
    assert caught.value.field == "seats_taken"


def test_an_open_cycle_nobody_applied_to_goes_back_to_draft(
    coordinator: User, cycle: Cycle
) -> None:
    services.change_cycle_status(cycle=cycle, actor=coordinator, status=C.DRAFT)
    assert Cycle.objects.get(pk=cycle.pk).status == C.DRAFT


def test_an_unanswered_question_may_change_kind(coordinator: User, cycle: Cycle) -> None:
    school = FormField.objects.get(cycle=cycle, key="school")
    services.update_field(field=school, actor=coordinator, kind="long_text", required=True)
    school.refresh_from_db()
    assert (school.kind, school.required) == ("long_text", True)


def test_an_inactive_program_takes_no_applications(
    coordinator: User, cycle: Cycle, program: Program, adult_applicant: User
) -> None:
    services.update_program(program=program, actor=coordinator, is_active=False)
    cycle.refresh_from_db()
    with pytest.raises(Conflict):
        services.start_application(cycle=cycle, actor=adult_applicant)


def test_an_application_starts_in_english_or_spanish_only(
    cycle: Cycle, adult_applicant: User
) -> None:
    with pytest.raises(ServiceError) as caught:
        services.start_application(cycle=cycle, actor=adult_applicant, language="fr")
    assert caught.value.field == "language"


def test_setting_the_same_language_writes_nothing(cycle: Cycle, adult_applicant: User) -> None:
    application = draft(cycle, adult_applicant)
    services.set_application_language(application=application, actor=adult_applicant, language="en")
    assert not AuditEntry.objects.filter(action="programs.application.language_changed").exists()


def test_staff_withdrawing_an_enrolled_application_frees_its_seat(
    cycle: Cycle, adult_applicant: User, coordinator: User
) -> None:
    application = submitted(cycle, adult_applicant)
    Application.objects.filter(pk=application.pk).update(status=S.ENROLLED)
    Cycle.objects.filter(pk=cycle.pk).update(seats_taken=1)
    services.withdraw_application(application=application, actor=coordinator, reason="Left")
    assert Cycle.objects.get(pk=cycle.pk).seats_taken == 0
    assert AuditEntry.objects.get(action="programs.application.withdrawn").data["cause"] == "staff"

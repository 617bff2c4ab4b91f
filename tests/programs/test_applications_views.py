"""Program pages under /programs/: the index, programs, cycles, the form builder, and the
applicant's pages (start, the form in its language, autosave, files, submission, withdrawal,
guardian and recommendation requests), with owner / other applicant / member / outsider /
staff checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from equityhub.accounts.models import Role, User
from equityhub.programs import services_applications as services
from equityhub.programs.models import Answer, Application, Cycle, FormField, Program, Review
from tests.factories import OrganizationFactory
from tests.programs.application_helpers import (
    PDF,
    capture_commits,
    draft,
    in_grade,
    person,
    ready_draft,
    upload,
)

pytestmark = pytest.mark.django_db

S = Application.Status
ClientFor = Callable[[User], Client]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def cv(coordinator: User, cycle: Cycle) -> FormField:
    return services.add_field(
        cycle=cycle, actor=coordinator, key="cv", kind="file", label="CV", required=False
    )


def app_url(application: Application, suffix: str = "") -> str:
    return f"/programs/applications/{application.pk}/{suffix}"


# -- the index ---------------------------------------------------------------------------------


def test_staff_see_programs_with_their_cycles_and_counts(
    coordinator: User, cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    draft(cycle, adult_applicant)
    html = client_for(coordinator).get("/programs/").content.decode()
    assert cycle.program.name in html
    assert cycle.title in html
    assert "0 submitted, 1 drafts" in html


def test_applicants_see_open_cycles_and_their_applications(
    cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    client = client_for(adult_applicant)
    html = client.get("/programs/").content.decode()
    assert f"/programs/cycles/{cycle.pk}/apply/" in html
    application = draft(cycle, adult_applicant)
    html = client.get("/programs/").content.decode()
    assert app_url(application) in html


def test_reviewers_get_a_link_to_their_queue(reviewer: User, client_for: ClientFor) -> None:
    html = client_for(reviewer).get("/programs/").content.decode()
    assert "/programs/review/" in html


def test_a_user_without_a_record_or_role_is_refused(
    make_user: Callable[..., User], client_for: ClientFor, client: Client
) -> None:
    assert client_for(make_user(None, person=False)).get("/programs/").status_code == 403
    assert client.get("/programs/").status_code == 302


# -- programs and cycles -----------------------------------------------------------------------


def test_staff_create_and_edit_a_program(coordinator: User, client_for: ClientFor) -> None:
    client = client_for(coordinator)
    sponsor = OrganizationFactory(name="Washington University")
    assert client.get("/programs/new/").status_code == 200
    response = client.post(
        "/programs/new/",
        {"name": "Post-bacc Bridge", "stage": "postbacc", "sponsor": sponsor.pk, "is_active": "on"},
    )
    program = Program.objects.get(name="Post-bacc Bridge")
    assert response["Location"] == f"/programs/{program.pk}/"
    response = client.post(
        f"/programs/{program.pk}/edit/",
        {
            "name": "Post-bacc Bridge",
            "stage": "postbacc",
            "sponsor": sponsor.pk,
            "min_age": 30,
            "max_age": 20,
        },
    )
    assert response.status_code == 200
    assert "maximum age cannot be below" in response.content.decode()


def test_members_cannot_create_or_edit_programs(
    member: User, program: Program, cycle: Cycle, client_for: ClientFor
) -> None:
    client = client_for(member)
    assert client.get("/programs/new/").status_code == 403
    assert client.get(f"/programs/{program.pk}/edit/").status_code == 403
    assert client.get(f"/programs/{program.pk}/cycles/new/").status_code == 403


def test_a_program_without_an_open_cycle_is_hidden_from_members(
    member: User, program: Program, client_for: ClientFor
) -> None:
    assert client_for(member).get(f"/programs/{program.pk}/").status_code == 404


def test_the_public_program_page_shows_its_open_cycles(
    outsider: User, program: Program, cycle: Cycle, client_for: ClientFor
) -> None:
    html = client_for(outsider).get(f"/programs/{program.pk}/").content.decode()
    assert cycle.title in html
    assert "Blind review" not in html


def test_staff_create_a_cycle_then_build_its_form(
    coordinator: User, program: Program, client_for: ClientFor
) -> None:
    client = client_for(coordinator)
    now = timezone.localtime()
    response = client.post(
        f"/programs/{program.pk}/cycles/new/",
        {
            "year": 2032,
            "title": "Summer 2032",
            "opens_at": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
            "seats": 8,
            "reviews_per_application": 2,
        },
    )
    cycle = Cycle.objects.get(year=2032)
    assert response["Location"] == f"/programs/cycles/{cycle.pk}/form/"
    response = client.post(
        f"/programs/cycles/{cycle.pk}/form/add/",
        {
            "key": "lab",
            "kind": "choice",
            "label": "Which lab?",
            "label_es": "¿Qué laboratorio?",
            "choices": "bio | Biology | Biología\nchem | Chemistry | Química",
            "required": "on",
            "max_length": 5000,
        },
    )
    assert response.status_code == 302
    field = FormField.objects.get(cycle=cycle, key="lab")
    assert field.choices[0] == {"value": "bio", "label": "Biology", "label_es": "Biología"}
    bad = client.post(
        f"/programs/cycles/{cycle.pk}/form/add/",
        {"key": "lab", "kind": "text", "label": "Again", "max_length": 10},
    )
    assert bad.status_code == 200
    assert "Another question of this form has that key." in bad.content.decode()
    client.post(f"/programs/cycles/{cycle.pk}/status/", {"status": "open"})
    assert Cycle.objects.get(pk=cycle.pk).status == "open"


def test_choice_lines_must_have_a_label(
    coordinator: User, cycle: Cycle, client_for: ClientFor
) -> None:
    response = client_for(coordinator).post(
        f"/programs/cycles/{cycle.pk}/form/add/",
        {"key": "x", "kind": "choice", "label": "X", "choices": "only-a-value", "max_length": 10},
    )
    assert response.status_code == 200
    assert "Line 1" in response.content.decode()


def test_staff_edit_move_and_remove_questions(
    coordinator: User, cycle: Cycle, client_for: ClientFor
) -> None:
    client = client_for(coordinator)
    school = FormField.objects.get(cycle=cycle, key="school")
    assert client.get(f"/programs/form/fields/{school.pk}/").status_code == 200
    client.post(
        f"/programs/form/fields/{school.pk}/",
        {"key": "school", "kind": "text", "label": "Your school's name", "max_length": 200},
    )
    school.refresh_from_db()
    assert (school.label, school.max_length, school.required) == ("Your school's name", 200, False)
    client.post(f"/programs/form/fields/{school.pk}/move/", {"direction": "up"})
    assert list(FormField.objects.filter(cycle=cycle).values_list("key", flat=True))[1] == "school"
    client.post(f"/programs/form/fields/{school.pk}/delete/")
    assert not FormField.objects.filter(pk=school.pk).exists()


def test_the_form_builder_is_staff_only(member: User, cycle: Cycle, client_for: ClientFor) -> None:
    client = client_for(member)
    field = FormField.objects.filter(cycle=cycle).first()
    assert field is not None
    assert client.get(f"/programs/cycles/{cycle.pk}/form/").status_code == 403
    assert client.post(f"/programs/cycles/{cycle.pk}/form/add/", {}).status_code == 403
    assert client.get(f"/programs/form/fields/{field.pk}/").status_code == 404
    assert client.post(f"/programs/form/fields/{field.pk}/delete/").status_code == 404
    assert (
        client.post(f"/programs/cycles/{cycle.pk}/status/", {"status": "review"}).status_code == 403
    )


def test_a_refused_status_change_shows_why(
    coordinator: User, cycle: Cycle, client_for: ClientFor
) -> None:
    client = client_for(coordinator)
    response = client.post(
        f"/programs/cycles/{cycle.pk}/status/", {"status": "completed"}, follow=True
    )
    assert "cannot go from" in response.content.decode()


def test_staff_see_the_cycles_applications_counts_seats_and_waitlist(
    coordinator: User, cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    application = ready_draft(cycle, adult_applicant)
    services.submit_application(application=application, actor=adult_applicant)
    Application.objects.filter(pk=application.pk).update(status=S.WAITLISTED, waitlist_position=1)
    html = client_for(coordinator).get(f"/programs/cycles/{cycle.pk}/").content.decode()
    name = person(adult_applicant).display_name
    assert name in html
    assert "Seats taken: 0 of 10 (10 left)." in html
    assert "Waitlist" in html
    filtered = client_for(coordinator).get(f"/programs/cycles/{cycle.pk}/?status=draft")
    assert "No applications here." in filtered.content.decode()


def test_the_cycle_page_keeps_its_query_count_as_applications_grow(
    coordinator: User, cycle: Cycle, make_user: Callable[..., User], client_for: ClientFor
) -> None:
    client = client_for(coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(f"/programs/cycles/{cycle.pk}/").status_code == 200
        return len(context.captured_queries)

    draft(cycle, make_user(Role.MEMBER))
    before = queries()
    for _ in range(5):
        draft(cycle, make_user(Role.MEMBER))
    assert queries() == before


def test_members_see_only_the_cycles_public_page(
    member: User, cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    draft(cycle, adult_applicant)
    html = client_for(member).get(f"/programs/cycles/{cycle.pk}/").content.decode()
    assert person(adult_applicant).display_name not in html
    assert f"/programs/cycles/{cycle.pk}/apply/" in html


def test_a_draft_cycle_is_hidden_from_members(
    member: User, cycle: Cycle, client_for: ClientFor
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(status="draft")
    assert client_for(member).get(f"/programs/cycles/{cycle.pk}/").status_code == 404
    assert client_for(member).get(f"/programs/cycles/{2**63}/").status_code == 404


# -- applying ----------------------------------------------------------------------------------


def test_applying_starts_a_draft_then_resumes_it(
    cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    client = client_for(adult_applicant)
    assert client.get(f"/programs/cycles/{cycle.pk}/apply/").status_code == 200
    response = client.post(f"/programs/cycles/{cycle.pk}/apply/", {"language": "es"})
    application = Application.objects.get()
    assert response["Location"] == app_url(application)
    assert application.language == "es"
    again = client.get(f"/programs/cycles/{cycle.pk}/apply/")
    assert again["Location"] == app_url(application)


def test_the_form_renders_in_spanish_for_a_spanish_application(
    cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    application = draft(cycle, adult_applicant, language="es")
    html = client_for(adult_applicant).get(app_url(application)).content.decode()
    assert '<html lang="es">' in html
    assert "¿Qué laboratorio?" in html
    assert "Biología" in html and "Química" in html
    assert "Why science?" in html  # no Spanish label: the English one


def test_the_form_renders_each_kind_with_autosave(
    cycle: Cycle, adult_applicant: User, cv: FormField, client_for: ClientFor
) -> None:
    application = draft(cycle, adult_applicant)
    html = client_for(adult_applicant).get(app_url(application)).content.decode()
    assert 'name="q-essay"' in html and "<textarea" in html
    assert 'type="radio"' in html and 'name="q-track"' in html
    assert f'hx-post="/programs/applications/{application.pk}/answers/essay/"' in html
    assert 'form="answers"' in html
    assert 'enctype="multipart/form-data"' in html
    assert " style=" not in html


def test_the_owner_saves_a_draft_and_sees_what_is_missing(
    cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    application = draft(cycle, adult_applicant)
    client = client_for(adult_applicant)
    response = client.post(app_url(application), {"q-essay": "Because.", "q-track": "chem"})
    assert response.status_code == 302
    assert Answer.objects.get(field__key="track").values == ["chem"]
    html = client.get(app_url(application)).content.decode()
    assert "Still missing before you can submit" in html
    assert "Add your school and grade to your profile" in html


def test_an_invalid_choice_re_renders_the_form(
    cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    application = draft(cycle, adult_applicant)
    response = client_for(adult_applicant).post(app_url(application), {"q-track": "physics"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Answer.objects.exists()


def test_one_answer_saves_as_the_applicant_leaves_it(
    cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    application = draft(cycle, adult_applicant)
    client = client_for(adult_applicant)
    response = client.post(
        app_url(application, "answers/essay/"), {"q-essay": "Lab!"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    assert Answer.objects.get().text == "Lab!"
    refused = client.post(app_url(application, "answers/track/"), {"q-track": "nope"})
    assert "Not saved" in refused.content.decode()
    assert client.post(app_url(application, "answers/unknown/"), {}).status_code == 404


def test_another_applicant_member_and_outsider_get_404(  # noqa: PLR0917 - fixtures
    cycle: Cycle,
    adult_applicant: User,
    minor_applicant: User,
    member: User,
    outsider: User,
    reviewer: User,
    client_for: ClientFor,
) -> None:
    application = draft(cycle, adult_applicant)
    for user in (minor_applicant, member, outsider, reviewer):
        client = client_for(user)
        assert client.get(app_url(application)).status_code == 404
        assert client.post(app_url(application, "submit/")).status_code == 404
        assert client.post(app_url(application, "withdraw/")).status_code == 404
        assert client.post(app_url(application), {"q-essay": "x"}).status_code == 404
    assert client_for(adult_applicant).get(f"/programs/applications/{2**63}/").status_code == 404


def test_staff_read_an_application_without_editing_it(
    cycle: Cycle, adult_applicant: User, coordinator: User, client_for: ClientFor
) -> None:
    application = ready_draft(cycle, adult_applicant)
    html = client_for(coordinator).get(app_url(application)).content.decode()
    assert person(adult_applicant).display_name in html
    assert "I love the lab." in html
    assert 'name="q-essay"' not in html
    response = client_for(coordinator).post(app_url(application, "submit/"))
    assert response.status_code == 302
    assert Application.objects.get().status == S.DRAFT


def test_a_file_is_uploaded_and_downloaded_by_the_owner_staff_and_reviewers_only(  # noqa: PLR0917 - fixtures
    cycle: Cycle,
    adult_applicant: User,
    cv: FormField,
    coordinator: User,
    reviewer: User,
    member: User,
    client_for: ClientFor,
) -> None:
    application = draft(cycle, adult_applicant)
    owner = client_for(adult_applicant)
    response = owner.post(app_url(application, f"files/{cv.pk}/"), {"file": upload("cv.pdf", PDF)})
    assert response.status_code == 302
    answer = Answer.objects.get(field=cv)
    url = f"/programs/answers/{answer.pk}/file/"
    assert url in owner.get(app_url(application)).content.decode()
    assert owner.get(url).status_code == 200
    assert client_for(coordinator).get(url).status_code == 200
    assert client_for(member).get(url).status_code == 404
    assert client_for(reviewer).get(url).status_code == 404
    Review.objects.create(application=application, reviewer=reviewer)
    assert client_for(reviewer).get(url).status_code == 200
    owner.post(app_url(application, f"files/{cv.pk}/remove/"))
    assert not Answer.objects.filter(field=cv).exists()


def test_a_disguised_file_is_refused_on_the_page(
    cycle: Cycle, adult_applicant: User, cv: FormField, client_for: ClientFor
) -> None:
    application = draft(cycle, adult_applicant)
    response = client_for(adult_applicant).post(
        app_url(application, f"files/{cv.pk}/"), {"file": upload("cv.pdf", b"#!/bin/sh\nrm -rf /")}
    )
    assert response.status_code == 200
    assert "Upload a PDF, Word (DOCX), PNG or JPEG file." in response.content.decode()
    assert not Answer.objects.exists()


def test_a_complete_application_is_submitted_from_its_page(
    cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    application = ready_draft(cycle, adult_applicant)
    client = client_for(adult_applicant)
    with capture_commits():
        response = client.post(app_url(application, "submit/"))
    assert response.status_code == 302
    assert Application.objects.get().status == S.SUBMITTED
    assert len(mail.outbox) == 1
    html = client.get(app_url(application)).content.decode()
    assert "Submitted on" in html and 'name="q-essay"' not in html


def test_an_incomplete_application_lists_its_problems_with_422(
    cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    in_grade(adult_applicant)
    application = draft(cycle, adult_applicant)
    response = client_for(adult_applicant).post(app_url(application, "submit/"))
    assert response.status_code == 422
    assert "Answer the question: Why science?" in response.content.decode()


def test_the_applicant_withdraws_and_switches_language(
    cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    application = draft(cycle, adult_applicant)
    client = client_for(adult_applicant)
    client.post(app_url(application, "language/"), {"language": "es"})
    assert Application.objects.get().language == "es"
    client.post(app_url(application, "withdraw/"), {"reason": "Other plans"})
    assert Application.objects.get().status == S.WITHDRAWN


def test_the_minor_asks_a_guardian_from_the_page(
    cycle: Cycle, minor_applicant: User, client_for: ClientFor
) -> None:
    application = ready_draft(cycle, minor_applicant)
    client = client_for(minor_applicant)
    html = client.get(app_url(application)).content.decode()
    assert 'id="guardian-consent"' in html
    bad = client.post(
        app_url(application, "guardian/"),
        {
            "guardian_name": "Rosa",
            "guardian_email": person(minor_applicant).email,
            "relationship": "parent",
            "language": "es",
        },
    )
    assert bad.status_code == 200
    assert "own e-mail address" in bad.content.decode()
    with capture_commits():
        response = client.post(
            app_url(application, "guardian/"),
            {
                "guardian_name": "Rosa",
                "guardian_email": "rosa@example.org",
                "relationship": "parent",
                "language": "es",
            },
        )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["rosa@example.org"]
    assert "Waiting for their answer" in client.get(app_url(application)).content.decode()


def test_the_applicant_asks_for_a_letter_from_the_page(
    coordinator: User, cycle: Cycle, adult_applicant: User, client_for: ClientFor
) -> None:
    letter = services.add_field(
        cycle=cycle, actor=coordinator, key="letter", kind="recommendation", label="Letter"
    )
    application = draft(cycle, adult_applicant)
    client = client_for(adult_applicant)
    bad = client.post(
        app_url(application, f"recommendations/{letter.pk}/"),
        {"recommender_name": "Ortega", "recommender_email": "bad"},
    )
    assert bad.status_code == 200
    with capture_commits():
        client.post(
            app_url(application, f"recommendations/{letter.pk}/"),
            {"recommender_name": "Ortega", "recommender_email": "ortega@example.org"},
        )
    assert mail.outbox[-1].to == ["ortega@example.org"]
    essay = FormField.objects.get(cycle=cycle, key="essay")
    refused = client.post(
        app_url(application, f"recommendations/{essay.pk}/"),
        {"recommender_name": "Ortega", "recommender_email": "ortega@example.org"},
    )
    assert refused.status_code == 404

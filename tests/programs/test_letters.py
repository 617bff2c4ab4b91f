"""Decision letters: a program's templates per outcome and language, the shipped defaults, and
sending each decided applicant their letter once, in the language of their application."""

# The shared fixtures are imported from test_review_support and then named as test arguments,
# which pyflakes reads as redefinitions (F811) and loop names as shadowing (F402).
# ruff: noqa: F811, F402

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from equityhub.accounts.models import User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.programs import services_review as services
from equityhub.programs.models import Application, Cycle, LetterTemplate, Program
from tests.programs.test_review_support import (  # noqa: F401 - fixtures
    applicant_user,
    application,
    director_program,
    make_application,
    staff,
)

pytestmark = pytest.mark.django_db
S = Application.Status


def decided(cycle: Cycle, staff: User, outcome: str, **fields: Any) -> Application:
    application = make_application(cycle, **fields)
    return services.decide(application=application, actor=staff, outcome=outcome)


def send(cycle: Cycle, staff: User, capture: Callable[..., Any]) -> int:
    with capture(execute=True):
        return services.send_decision_letters(cycle=cycle, actor=staff)


# -- templates -------------------------------------------------------------------------------


def test_staff_write_a_programs_letter_and_replace_it(program: Program, staff: User) -> None:
    template = services.save_letter_template(
        program=program,
        actor=staff,
        outcome="accepted",
        language="es",
        subject="¡Bienvenido/a a {program}!",
        body="Hola {name}: {{ llaves }}",
    )
    again = services.save_letter_template(
        program=program,
        actor=staff,
        outcome="accepted",
        language="es",
        subject="Bienvenida",
        body="Hola {name}",
    )

    assert again.pk == template.pk
    assert LetterTemplate.objects.get().subject == "Bienvenida"
    assert AuditEntry.objects.filter(action="programs.letter.saved").count() == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Dear {first_name}", "cannot be filled in"),
        ("Dear {name.__class__}", "cannot be filled in"),
        ("Dear {name!r}", "cannot be filled in"),
        ("Dear {name:>10}", "cannot be filled in"),
        ("Dear {0}", "cannot be filled in"),
        ("Dear {name", "not closed"),
        ("Dear name}", "not closed"),
    ],
)
def test_only_the_four_placeholders_are_allowed(
    program: Program, staff: User, body: str, message: str
) -> None:
    with pytest.raises(ServiceError, match=message) as caught:
        services.save_letter_template(
            program=program, actor=staff, outcome="rejected", language="en", subject="S", body=body
        )

    assert caught.value.field == "body"
    assert not LetterTemplate.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"outcome": "enrolled"}, "outcome"),
        ({"language": "fr"}, "language"),
        ({"subject": " "}, "subject"),
        ({"body": ""}, "body"),
        ({"subject": "{cycle!s}"}, "subject"),
    ],
)
def test_a_letter_needs_an_outcome_a_language_a_subject_and_a_body(
    program: Program, staff: User, fields: dict[str, str], field: str
) -> None:
    arguments = {"outcome": "accepted", "language": "en", "subject": "S", "body": "B", **fields}

    with pytest.raises(ServiceError) as caught:
        services.save_letter_template(program=program, actor=staff, **arguments)

    assert caught.value.field == field


def test_only_staff_write_or_remove_letters(program: Program, reviewer: User, staff: User) -> None:
    with pytest.raises(NotAllowed):
        services.save_letter_template(
            program=program,
            actor=reviewer,
            outcome="accepted",
            language="en",
            subject="S",
            body="B",
        )
    template = services.save_letter_template(
        program=program, actor=staff, outcome="accepted", language="en", subject="S", body="B"
    )
    with pytest.raises(NotAllowed):
        services.delete_letter_template(template=template, actor=reviewer)

    services.delete_letter_template(template=template, actor=staff)

    assert not LetterTemplate.objects.exists()


def test_every_outcome_has_a_default_letter_in_both_languages() -> None:
    for outcome in ("accepted", "waitlisted", "rejected"):
        for language in ("en", "es"):
            subject, body = services.default_letter(outcome, language)
            assert "{name}" in body
            assert subject
    assert services.default_letter("accepted", "fr") == services.default_letter("accepted", "en")


def test_placeholders_are_filled_and_anything_else_left_as_written() -> None:
    values = {"name": "Ana", "program": "P", "cycle": "C", "waitlist_position": "3"}

    assert services.fill_placeholders("{name} #{waitlist_position} {{x}}", values) == "Ana #3 {x}"
    assert services.fill_placeholders("{name.__class__} {name!r}", values) == (
        "{name.__class__} {name!r}"
    )
    assert services.fill_placeholders("broken {name", values) == "broken {name"


# -- sending ---------------------------------------------------------------------------------


def test_each_decided_applicant_gets_their_letter_once(
    cycle: Cycle,
    staff: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    accepted = decided(cycle, staff, "accepted")
    waitlisted = decided(cycle, staff, "waitlisted")
    rejected = decided(cycle, staff, "rejected")
    make_application(cycle)  # undecided: no letter

    assert send(cycle, staff, django_capture_on_commit_callbacks) == 3
    assert send(cycle, staff, django_capture_on_commit_callbacks) == 0

    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        a.applicant.email for a in (accepted, waitlisted, rejected)
    )
    by_address = {m.to[0]: m for m in mailoutbox}
    letter = by_address[accepted.applicant.email]
    assert letter.subject == f"You are accepted: {cycle.program.name}"
    assert f"Dear {accepted.applicant.display_name}," in letter.body
    assert cycle.title in letter.body
    assert f"/programs/applications/{accepted.pk}/offer/" in letter.body
    assert "number 1 on the waitlist" in by_address[waitlisted.applicant.email].body
    assert "/offer/" not in by_address[rejected.applicant.email].body
    for application in (accepted, waitlisted, rejected):
        application.refresh_from_db()
        assert application.letter_sent_at is not None
    entry = AuditEntry.objects.get(action="programs.letters.sent", data__count=3)
    assert entry.data["by_outcome"] == {"accepted": 1, "waitlisted": 1, "rejected": 1}


def test_a_spanish_application_gets_its_letter_in_spanish(
    cycle: Cycle,
    staff: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    accepted = decided(cycle, staff, "accepted", language="es")
    waitlisted = decided(cycle, staff, "waitlisted", language="es")

    send(cycle, staff, django_capture_on_commit_callbacks)

    by_address = {m.to[0]: m for m in mailoutbox}
    letter = by_address[accepted.applicant.email]
    assert letter.subject == f"Ha sido aceptado/a: {cycle.program.name}"
    assert f"Estimado/a {accepted.applicant.display_name}:" in letter.body
    assert "¡Felicidades!" in letter.body
    other = by_address[waitlisted.applicant.email]
    assert other.subject == f"Su solicitud a {cycle.program.name}: lista de espera"
    assert "el número 1 en la lista de espera" in other.body


def test_the_programs_own_letter_in_the_applicants_language_is_used(
    cycle: Cycle,
    staff: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    services.save_letter_template(
        program=cycle.program,
        actor=staff,
        outcome="rejected",
        language="es",
        subject="Resultado de {cycle}",
        body="Hola {name}, gracias por su interés en {program}.",
    )
    spanish = decided(cycle, staff, "rejected", language="es")
    english = decided(cycle, staff, "rejected", language="en")

    send(cycle, staff, django_capture_on_commit_callbacks)

    by_address = {m.to[0]: m for m in mailoutbox}
    assert by_address[spanish.applicant.email].subject == f"Resultado de {cycle.title}"
    assert (
        f"Hola {spanish.applicant.display_name}, gracias por su interés en {cycle.program.name}."
        in by_address[spanish.applicant.email].body
    )
    # English has no template of the program's own: the default.
    assert (
        by_address[english.applicant.email].subject == f"Your application to {cycle.program.name}"
    )


def test_an_acceptance_in_a_director_program_says_to_name_the_director(
    director_program: Program,
    cycle: Cycle,
    staff: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    decided(cycle, staff, "accepted")

    send(cycle, staff, django_capture_on_commit_callbacks)

    assert "program director needs to approve" in mailoutbox[0].body


def test_a_changed_decision_gets_its_new_letter(
    cycle: Cycle,
    staff: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    waiting = decided(cycle, staff, "waitlisted")
    send(cycle, staff, django_capture_on_commit_callbacks)

    services.decide(application=waiting, actor=staff, outcome="accepted")
    assert services.letters_due(cycle) == 1
    send(cycle, staff, django_capture_on_commit_callbacks)

    assert [m.subject for m in mailoutbox] == [
        f"Your application to {cycle.program.name}: waitlist",
        f"You are accepted: {cycle.program.name}",
    ]


def test_only_staff_send_letters(cycle: Cycle, reviewer: User) -> None:
    with pytest.raises(NotAllowed):
        services.send_decision_letters(cycle=cycle, actor=reviewer)


# -- the pages -------------------------------------------------------------------------------


def test_the_letters_page_shows_every_outcome_and_language(
    program: Program, staff: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(staff).get(f"/programs/{program.pk}/letters/")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('name="slot"') == 6
    assert "Estimado/a {name}" in body
    assert "default" in body


def test_staff_save_a_letter_on_the_page(
    program: Program, staff: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(staff).post(
        f"/programs/{program.pk}/letters/",
        {
            "slot": "waitlisted-es",
            "waitlisted-es-outcome": "waitlisted",
            "waitlisted-es-language": "es",
            "waitlisted-es-subject": "Lista de espera",
            "waitlisted-es-body": "Hola {name}, número {waitlist_position}.",
        },
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#letter-waitlisted-es")
    assert (
        LetterTemplate.objects.get(outcome="waitlisted", language="es").subject == "Lista de espera"
    )


def test_a_refused_letter_is_shown_again_with_the_error(
    program: Program, staff: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(staff).post(
        f"/programs/{program.pk}/letters/",
        {
            "slot": "accepted-en",
            "accepted-en-outcome": "accepted",
            "accepted-en-language": "en",
            "accepted-en-subject": "Hi",
            "accepted-en-body": "Dear {nom}",
        },
    )

    assert response.status_code == 200
    assert "cannot be filled in" in response.content.decode()
    assert "Dear {nom}" in response.content.decode()
    assert not LetterTemplate.objects.exists()


def test_an_unknown_slot_is_not_found(
    program: Program, staff: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(staff).post(f"/programs/{program.pk}/letters/", {"slot": "x-y"})

    assert response.status_code == 404


def test_staff_go_back_to_the_default_letter(
    program: Program, staff: User, client_for: Callable[[User], Client]
) -> None:
    template = services.save_letter_template(
        program=program, actor=staff, outcome="accepted", language="en", subject="S", body="B"
    )

    response = client_for(staff).post(f"/programs/letters/{template.pk}/delete/")

    assert response.status_code == 302
    assert not LetterTemplate.objects.exists()


def test_the_letters_pages_are_not_found_for_anyone_but_staff(
    program: Program,
    reviewer: User,
    member: User,
    staff: User,
    client_for: Callable[[User], Client],
) -> None:
    template = services.save_letter_template(
        program=program, actor=staff, outcome="accepted", language="en", subject="S", body="B"
    )
    for user in (reviewer, member):
        client = client_for(user)
        assert client.get(f"/programs/{program.pk}/letters/").status_code == 404
        assert client.post(f"/programs/letters/{template.pk}/delete/").status_code == 404
    assert client_for(staff).get(f"/programs/{2**63}/letters/").status_code == 404


def test_staff_send_the_letters_from_the_committee(
    cycle: Cycle,
    staff: User,
    client_for: Callable[[User], Client],
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    decided(cycle, staff, "rejected", language="es")
    client = client_for(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/programs/cycles/{cycle.pk}/letters/send/", follow=True)

    assert response.status_code == 200
    assert "1 decision letter is on its way." in response.content.decode()
    assert mailoutbox[0].subject.startswith("Su solicitud")
    again = client.post(f"/programs/cycles/{cycle.pk}/letters/send/", follow=True)
    assert "Every decided applicant has had their letter." in again.content.decode()

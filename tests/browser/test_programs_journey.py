"""The pathway-program journey in Chromium: a high-school student (a minor, in grade 10) applies
to the open cycle of a K-12 summer science program and asks a parent for consent; the parent
consents from the e-mailed link without an account; the student submits; the coordinator
assigns the program's reviewer, who scores the application blind on the rubric; the
coordinator accepts it on the committee page; the student sees the offer on their
application."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from equityhub.accounts.models import Role, User
from equityhub.people.models import Affiliation, Person, TrainingLevel
from equityhub.programs.models import Application, Criterion, Cycle, FormField, Program, Review
from tests.factories import OrganizationFactory

SignIn = Callable[[User], None]
Screenshot = Callable[[str], Path]

GUARDIAN_LINK = re.compile(r"/programs/links/guardian/[A-Za-z0-9_-]+/")


def _sign_out(page: Page, site: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{site}/accounts/login/")


def _open_cycle() -> Cycle:
    """A K-12 program (grades 9-12, blind review) with an open cycle: three questions (one
    identifying) and a two-criterion rubric; one review per application."""
    sponsor = OrganizationFactory(name="Office of Diversity Programs", kind="university")
    program = Program.objects.create(
        name="Young Scientist Summer Program",
        stage=Program.Stage.K12,
        sponsor=sponsor,
        description="Six weeks of lab research for high-school students.",
        eligibility="Students in grades 9-12 in St. Louis City or County.",
        min_grade=9,
        max_grade=12,
        blind_review=True,
    )
    now = timezone.now()
    cycle = Cycle.objects.create(
        program=program,
        year=now.year,
        title=f"Young Scientists {now.year}",
        status=Cycle.Status.OPEN,
        opens_at=now - dt.timedelta(days=10),
        closes_at=now + dt.timedelta(days=20),
        starts_on=(now + dt.timedelta(days=60)).date(),
        seats=10,
        reviews_per_application=1,
    )
    FormField.objects.create(
        cycle=cycle, key="essay", kind=FormField.Kind.LONG_TEXT, label="Why science?", position=1
    )
    FormField.objects.create(
        cycle=cycle,
        key="track",
        kind=FormField.Kind.CHOICE,
        label="Which lab?",
        label_es="¿Qué laboratorio?",
        choices=[
            {"value": "bio", "label": "Biology", "label_es": "Biología"},
            {"value": "chem", "label": "Chemistry", "label_es": "Química"},
        ],
        position=2,
    )
    FormField.objects.create(
        cycle=cycle,
        key="school",
        kind=FormField.Kind.TEXT,
        label="Your school",
        identifying=True,
        required=False,
        position=3,
    )
    Criterion.objects.create(cycle=cycle, name="Curiosity", weight=2, max_score=5, position=1)
    Criterion.objects.create(cycle=cycle, name="Preparation", weight=1, max_score=5, position=2)
    return cycle


@pytest.mark.browser
def test_a_minor_applies_with_a_guardians_consent_is_reviewed_blind_and_accepted(
    page: Page,
    site: str,
    sign_in: SignIn,
    make_user: Callable[..., User],
    screenshot: Screenshot,
) -> None:
    cycle = _open_cycle()
    program = cycle.program
    today = timezone.localdate()
    student = make_user(
        Role.MEMBER,
        email="maya.student@example.org",
        given_name="Mayabelle",
        family_name="Okonkwo-Lindqvist",
        date_of_birth=today.replace(year=today.year - 15, day=1),
        home_zip="63106",
    )
    minor = Person.objects.get(user=student)
    assert minor.is_minor_on(today)
    Affiliation.objects.create(  # the program's grade rule reads the current K-12 affiliation
        person=minor,
        organization=OrganizationFactory(name="Roosevelt High School", kind="school"),
        training_level=TrainingLevel.K12,
        grade_level=10,
        is_primary=True,
    )
    reviewer = make_user(Role.REVIEWER, scope=program, given_name="Renata")
    coordinator = make_user(Role.PROGRAM_COORDINATOR, given_name="Colette")

    # The student finds the open cycle from the home page and starts an application.
    sign_in(student)
    page.locator("main").get_by_role("link", name="See open programs").click()
    open_cycles = page.get_by_role("region", name="Programs taking applications")
    expect(open_cycles).to_contain_text(cycle.title)
    open_cycles.get_by_role("link", name=f"Apply — {cycle.title}").click()
    expect(page.get_by_role("heading", name=f"Apply: {cycle.title}")).to_be_visible()
    page.get_by_role("button", name="Start my application").click()
    expect(page.locator("main")).to_contain_text("Your application was started.")
    application = Application.objects.get(cycle=cycle, applicant=minor)
    expect(page).to_have_url(f"{site}/programs/applications/{application.pk}/")

    # ... answers the questions (each saves as the student leaves it), then saves the draft.
    page.get_by_label("Why science?").fill("I want to find out why cells divide the way they do.")
    page.get_by_label("Why science?").press("Tab")
    expect(page.locator("#saved-essay")).to_contain_text("Saved at")
    page.get_by_label("Biology").check()
    expect(page.locator("#saved-track")).to_contain_text("Saved at")
    page.get_by_label("Your school").fill("Roosevelt High School")
    page.get_by_label("Your school").press("Tab")
    expect(page.locator("#saved-school")).to_contain_text("Saved at")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("main")).to_contain_text("Your draft was saved.")
    missing = page.locator("#missing")
    expect(missing).to_contain_text("a parent or guardian must consent")
    expect(missing).not_to_contain_text("Answer the question")
    expect(missing).not_to_contain_text("grade")

    # ... and asks a parent for consent by e-mail.
    consent = page.get_by_role("region", name="Parent or guardian consent")
    consent.get_by_label("Your parent's or guardian's name").fill("Grace Okonkwo")
    consent.get_by_label("Their e-mail address").fill("grace.okonkwo@example.org")
    consent.get_by_label("They are your").select_option("parent")
    consent.get_by_role("button", name="Send the link").click()
    expect(page.locator("main")).to_contain_text("We e-mailed Grace Okonkwo a link to consent.")
    expect(consent).to_contain_text("Waiting for their answer.")
    screenshot("programs-waiting-for-consent")
    sent = [m for m in mail.outbox if "grace.okonkwo@example.org" in m.to]
    assert len(sent) == 1
    found = GUARDIAN_LINK.search(str(sent[0].body))
    assert found, sent[0].body

    # The parent answers from the link in a browser of their own, without an account.
    browser = page.context.browser
    assert browser is not None
    parent_context = browser.new_context()  # no cookies: the parent has no account
    try:
        parent = parent_context.new_page()
        parent.goto(f"{site}{found.group(0)}")
        expect(
            parent.get_by_role("heading", name="Consent for a program application")
        ).to_be_visible()
        expect(parent.locator("main")).to_contain_text("Mayabelle is applying to")
        expect(parent.get_by_label("Your full name (your signature)")).to_have_value(
            "Grace Okonkwo"
        )
        parent.get_by_label("I am the applicant's parent or legal guardian").check()
        parent.get_by_role("button", name="I consent").click()
        expect(parent.locator("main")).to_contain_text("Thank you: your consent was recorded.")
        expect(parent.locator("main")).to_contain_text("You consented on")
    finally:
        parent_context.close()
    application.refresh_from_db()
    assert application.guardian_consent is not None

    # The student sees the consent and submits.
    page.reload()
    expect(consent).to_contain_text("Grace Okonkwo consented on")
    expect(page.locator("main")).to_contain_text("Everything needed is here")
    page.get_by_role("button", name="Submit my application").click()
    expect(page.locator("main")).to_contain_text("Your application was submitted.")
    expect(page.locator("#status-heading")).to_contain_text("Submitted")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED

    # The coordinator assigns the program's reviewer from the rubric-and-assignment page.
    _sign_out(page, site)
    sign_in(coordinator)
    page.goto(f"{site}/programs/review/")
    committees = page.get_by_role("region", name="Committees")
    committees.get_by_role("link", name=f"Rubric and assignment {cycle.title}").click()
    expect(page.get_by_role("table", name="The rubric's criteria")).to_contain_text("Curiosity")
    assign = page.get_by_role("region", name="Assign reviewers")
    expect(assign.get_by_label("Reviews per application")).to_have_value("1")
    assign.get_by_role("button", name="Assign reviewers").click()
    expect(page.locator("main")).to_contain_text("1 review assigned.")
    expect(page.get_by_role("table", name="Reviews per reviewer in this cycle")).to_contain_text(
        reviewer.email
    )
    review = Review.objects.get(application=application)
    assert review.reviewer_id == reviewer.pk

    # The reviewer opens their queue and scores the application blind.
    _sign_out(page, site)
    sign_in(reviewer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Programs").click()
    page.get_by_role("link", name="My review queue").click()
    to_do = page.get_by_role("region", name="1 review to do")
    to_do.get_by_role("link", name=f"Review Applicant #{application.pk}").click()
    expect(page.get_by_role("heading", name=f"Applicant #{application.pk}")).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("Blind review: names, contact details")
    expect(main).to_contain_text("I want to find out why cells divide")
    expect(main).to_contain_text("Biology")
    for hidden in ("Mayabelle", "Okonkwo", student.email, "Roosevelt", "Your school"):
        expect(main).not_to_contain_text(hidden)
    assert "Mayabelle" not in page.content()
    screenshot("programs-blind-review")
    page.get_by_label("Curiosity (0 to 5)").fill("4")
    page.get_by_label("Preparation (0 to 5)").fill("5")
    page.get_by_label("Comments for the committee").fill("Clear, specific questions.")
    page.get_by_role("button", name="Submit my review").click()
    expect(page.locator("main")).to_contain_text(
        f"Your review of Applicant #{application.pk} was saved (total 86.67)."
    )
    expect(page.get_by_role("region", name="0 reviews to do")).to_contain_text("Nothing is waiting")
    review.refresh_from_db()
    assert review.submitted_at is not None

    # The coordinator accepts the application on the committee page (htmx swaps the row).
    _sign_out(page, site)
    sign_in(coordinator)
    page.goto(f"{site}/programs/review/")
    page.get_by_role("region", name="Committees").get_by_role(
        "link", name=f"Committee {cycle.title}"
    ).click()
    ranking = page.get_by_role("table", name="Applications ranked by mean z-score")
    row = ranking.locator(f"#application-{application.pk}")
    expect(row).to_contain_text("Mayabelle Okonkwo-Lindqvist")
    expect(row).to_contain_text("86.7")
    expect(row).to_contain_text("1 / 1")
    row.get_by_role("button", name="Accept Mayabelle Okonkwo-Lindqvist").click()
    expect(row).to_contain_text("Accepted")
    expect(page.locator("#committee-status")).to_contain_text("Mayabelle Okonkwo-Lindqvist")
    screenshot("programs-committee-accepted")
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED

    # The student sees the decision and the offer on their application.
    _sign_out(page, site)
    sign_in(student)
    page.locator("main").get_by_role("link", name="See open programs").click()
    mine = page.get_by_role("table", name="Your applications and where they stand")
    expect(mine).to_contain_text("Accepted")
    mine.get_by_role("link", name=cycle.title).click()
    expect(page.locator("#status-heading")).to_contain_text("Accepted")
    offer = page.get_by_role("region", name="Your decision")
    expect(offer).to_contain_text(f"Congratulations: you are offered a place in {cycle.title}.")
    expect(offer.get_by_label("I accept the offer")).to_be_visible()
    screenshot("programs-offer")

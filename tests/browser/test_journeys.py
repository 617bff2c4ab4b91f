"""The journeys people really take, in Chromium: sign in, search, edit a profile in Spanish.

Plus two accessibility smoke checks that need a real browser: keyboard order and a small
in-page audit (labels, landmarks, one h1, WCAG 2.2 2.5.8 target sizes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils.translation import gettext, override
from playwright.sync_api import Page, expect

from equityhub.accounts.models import Role, User
from equityhub.people.models import Person, PersonLanguage, TrainingLevel
from tests.browser.conftest import stylesheet_is_found
from tests.factories import (
    PASSWORD,
    AffiliationFactory,
    LanguageFactory,
    PersonFactory,
    UserFactory,
)

SignIn = Callable[[User], None]
Screenshot = Callable[[str], Path]


@pytest.mark.browser
def test_the_project_stylesheet_is_found_by_the_staticfiles_finders() -> None:
    # Without it the pages render unstyled and without htmx (and collectstatic skips them).
    assert stylesheet_is_found(), "settings.STATICFILES_DIRS does not include equityhub/static"


@pytest.mark.browser
def test_a_person_signs_in_with_e_mail_and_password_and_lands_on_home(
    page: Page, site: str, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.MEMBER, given_name="Amara", family_name="Okafor")

    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(f"{site}/")
    expect(page.locator("h1")).to_contain_text("Welcome")
    expect(page.locator("h1")).to_contain_text("Amara")


@pytest.mark.browser
def test_an_office_admin_searches_and_filters_the_directory_without_reloading_the_page(
    page: Page, site: str, sign_in: SignIn, make_user: Callable[..., User]
) -> None:
    admin = make_user(Role.OFFICE_ADMIN, given_name="Dana", family_name="Whitfield")
    hiro = PersonFactory(given_name="Hiro", family_name="Nakamura")
    emi = PersonFactory(given_name="Emi", family_name="Nakamura")
    PersonFactory(given_name="Astrid", family_name="Lindqvist")
    AffiliationFactory(person=hiro, training_level=TrainingLevel.RESIDENT)
    AffiliationFactory(person=emi, training_level=TrainingLevel.MEDICAL_STUDENT)
    results = page.locator("#results")

    sign_in(admin)
    page.goto(f"{site}/people/")
    expect(results).to_contain_text("Lindqvist, Astrid")
    # A full page load would wipe this; an htmx swap keeps it.
    page.evaluate("window.ehSamePage = true")

    page.get_by_role("searchbox").fill("Nakam")
    expect(page).to_have_url(re.compile(r"/people/\?.*q=Nakam"))
    expect(results).not_to_contain_text("Lindqvist")
    expect(results).to_contain_text("Nakamura, Hiro")
    expect(results).to_contain_text("Nakamura, Emi")
    expect(page.locator("#results-status")).to_contain_text("2 people found")

    page.get_by_label("Training level").select_option(TrainingLevel.RESIDENT.value)
    expect(page).to_have_url(re.compile(r"training_level=resident"))
    expect(results).not_to_contain_text("Nakamura, Emi")
    expect(results).to_contain_text("Nakamura, Hiro")
    assert page.evaluate("window.ehSamePage === true"), "the results caused a full page load"

    results.get_by_role("link", name="Nakamura, Hiro").click()
    expect(page).to_have_url(f"{site}/people/{hiro.pk}/")
    expect(page.locator("h1")).to_contain_text("Hiro Nakamura")
    expect(page.locator("main")).to_contain_text("Resident")


@pytest.mark.browser
def test_a_member_switches_to_spanish_and_edits_their_own_profile(
    page: Page,
    site: str,
    sign_in: SignIn,
    make_user: Callable[..., User],
    screenshot: Screenshot,
) -> None:
    member = make_user(Role.MEMBER, given_name="Lucia", family_name="Ramirez")
    person = Person.objects.get(user=member)
    LanguageFactory(person=person, language="es", proficiency="basic")
    with override("es"):
        my_profile = gettext("My profile")
        saved = gettext("Your profile was saved.")
        language = gettext("Language")

    sign_in(member)
    page.get_by_label("Language").select_option("es")  # equityhub.js submits on change
    expect(page.locator("html")).to_have_attribute("lang", "es")

    page.locator("#main-nav").get_by_role("link", name=my_profile, exact=True).click()
    expect(page).to_have_url(f"{site}/people/me/")
    expect(page.locator("h1")).to_have_text(my_profile)
    page.locator("#id_preferred_name").fill("Lu")
    page.locator("#id_pronouns").fill("ella")
    page.locator("#id_lang_es").select_option("conversational")
    page.locator("main form.eh-form button[type=submit]").click()

    expect(page).to_have_url(f"{site}/people/me/")
    expect(page.locator("#messages")).to_contain_text(saved)
    expect(page.locator("#id_preferred_name")).to_have_value("Lu")
    expect(page.locator("#id_lang_es")).to_have_value("conversational")
    screenshot("my-profile-es")
    person.refresh_from_db()
    assert (person.preferred_name, person.pronouns) == ("Lu", "ella")
    assert PersonLanguage.objects.get(person=person, language="es").proficiency == "conversational"

    # Last, so that the journey itself is checked even before the catalogue is complete.
    untranslated = [
        english
        for english, spanish in [
            ("My profile", my_profile),
            ("Your profile was saved.", saved),
            ("Language", language),
        ]
        if english == spanish
    ]
    assert not untranslated, f"no Spanish translation for {untranslated}"


@pytest.mark.browser
def test_the_first_tab_stop_is_the_skip_link_and_it_moves_focus_to_main(
    page: Page, site: str, sign_in: SignIn, make_user: Callable[..., User]
) -> None:
    sign_in(make_user(Role.OFFICE_ADMIN))
    page.goto(f"{site}/people/")

    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to main content")
    expect(focused).to_be_visible()  # visually hidden until focused
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{site}/people/#main")
    assert page.evaluate("document.activeElement.id") == "main"


# Kept in one place so that a violation reads the same from every page it is found on.
AUDIT_JS = """
() => {
  const problems = [];
  const selector = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) return `${s}#${el.id}`;
    if (el.getAttribute("name")) s += `[name="${el.getAttribute("name")}"]`;
    if (el.classList.length) s += "." + [...el.classList].join(".");
    const text = (el.innerText || el.value || "").trim().slice(0, 30);
    return text ? `${s} "${text}"` : s;
  };
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && style.visibility !== "hidden";
  };
  const lang = document.documentElement.getAttribute("lang");
  if (!lang) problems.push("html: no lang attribute");
  const mains = document.querySelectorAll("main").length;
  if (mains !== 1) problems.push(`page: ${mains} <main> elements`);
  const h1s = document.querySelectorAll("h1").length;
  if (h1s !== 1) problems.push(`page: ${h1s} <h1> elements`);
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const labelled = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`))
      || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")
      || el.closest("label");
    if (!labelled) problems.push(`${selector(el)}: no label`);
  }
  // WCAG 2.2 2.5.8 (AA): 24 x 24 CSS px targets; inline links in running text are exempt, so
  // only controls and navigation links are checked.
  const targets = "button, .btn, input:not([type=hidden]), select, textarea, nav a";
  for (const el of document.querySelectorAll(targets)) {
    if (!shown(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 23.5 || box.height < 23.5) {
      problems.push(`${selector(el)}: target ${box.width.toFixed(1)}x${box.height.toFixed(1)}`);
    }
  }
  return problems;
}
"""


@pytest.mark.browser
def test_the_main_pages_pass_a_small_accessibility_audit(
    page: Page,
    site: str,
    sign_in: SignIn,
    make_user: Callable[..., User],
    screenshot: Screenshot,
) -> None:
    admin = make_user(Role.OFFICE_ADMIN, given_name="Dana", family_name="Whitfield")
    admin_person = Person.objects.get(user=admin)
    LanguageFactory(person=admin_person, language="es")
    AffiliationFactory(person=admin_person, training_level=TrainingLevel.FACULTY)
    people = [PersonFactory() for _ in range(30)]  # more than a page: pagination shows
    for someone in people[:10]:
        AffiliationFactory(person=someone)
    UserFactory()
    violations: dict[str, list[str]] = {}

    def audit(name: str) -> None:
        found = page.evaluate(AUDIT_JS)
        if found:
            violations[name] = found

    page.goto(f"{site}/accounts/login/")
    audit("login")
    screenshot("login")

    sign_in(admin)
    audit("home")
    screenshot("home")

    page.goto(f"{site}/people/")
    audit("directory")
    screenshot("directory")

    page.goto(f"{site}/people/{people[0].pk}/")
    audit("person")
    screenshot("person")

    page.goto(f"{site}/people/me/")
    audit("my profile")
    screenshot("my-profile")

    assert not violations, violations

"""The Spanish catalogue: complete, true to its placeholders, compiled, and used by the pages."""

from __future__ import annotations

import ast
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

from equityhub.accounts.models import User

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|&[a-zA-Z]+;")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def read_catalogue(path: Path) -> tuple[Entry, list[Entry]]:
    """The header and the entries of a .po file (obsolete `#~` entries are skipped).

    Small on purpose: the test should not need polib or gettext to be installed.
    """
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal current, started
        if started:
            entries.append(current)
        current, started = Entry(), False

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            finish()
            target = None
        elif line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"continuation line with nothing to continue: {line}"
            _append(current, target, ast.literal_eval(line))
        else:
            keyword, _space, literal = line.partition(" ")
            started = True
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if match:
                target = ("msgstr", int(match.group(1)))
            elif keyword in {"msgctxt", "msgid", "msgid_plural", "msgstr"}:
                target = (keyword, 0)
            else:
                raise AssertionError(f"unexpected line in {path.name}: {line}")
            _append(current, target, ast.literal_eval(literal))
    header = next(entry for entry in entries if entry.msgid == "" and entry.msgctxt is None)
    return header, [entry for entry in entries if entry is not header]


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    else:
        setattr(entry, name, (getattr(entry, name) or "") + text)


@pytest.fixture(scope="module")
def catalogue() -> tuple[Entry, list[Entry]]:
    return read_catalogue(CATALOGUE)


def pairs(entry: Entry) -> list[tuple[str, str]]:
    """Each (source, translation) the entry holds: one, or one per plural form."""
    if entry.msgid_plural is None:
        return [(entry.msgid, entry.msgstr.get(0, ""))]
    return [
        (entry.msgid if index == 0 else entry.msgid_plural, text)
        for index, text in sorted(entry.msgstr.items())
    ]


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        ("My profile", "Mi perfil"),
        ("Directory", "Directorio"),
        ("Sign in", "Inicie sesión"),
        ("Language", "Idioma"),
        ("Save my profile", "Guardar mi perfil"),
        ("Prefer not to say", "Prefiero no decirlo"),
        ("Skip to main content", "Saltar al contenido principal"),
        ("Black or African American", "Negro o afroamericano"),
        ("Hispanic or Latino", "Hispano o latino"),
        ("Legal guardian", "Tutor legal"),
    ],
)
def test_key_strings_are_translated_to_spanish(english, spanish):
    with translation.override("es"):
        assert translation.gettext(english) == spanish
    with translation.override("en"):
        assert translation.gettext(english) == english


def test_plural_strings_follow_the_spanish_plural_rule():
    with translation.override("es"):
        one = translation.ngettext("%(counter)s person found", "%(counter)s people found", 1)
        many = translation.ngettext("%(counter)s person found", "%(counter)s people found", 3)
    assert one % {"counter": 1} == "1 persona encontrada"
    assert many % {"counter": 3} == "3 personas encontradas"


def test_the_catalogue_header_declares_spanish_utf8_and_two_plural_forms(catalogue):
    header, _entries = catalogue
    text = header.msgstr[0]
    assert "Language: es\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in text
    assert "fuzzy" not in header.flags


def test_the_catalogue_has_no_untranslated_or_fuzzy_entries(catalogue):
    _header, entries = catalogue
    assert len(entries) > 400, "the catalogue looks truncated"
    untranslated = [
        entry.msgid for entry in entries if not all(text for _source, text in pairs(entry))
    ]
    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    plural_forms_missing = [
        entry.msgid
        for entry in entries
        if entry.msgid_plural is not None and sorted(entry.msgstr) != [0, 1]
    ]
    assert untranslated == []
    assert fuzzy == []
    assert plural_forms_missing == []


def test_every_translation_keeps_its_placeholders_and_markup(catalogue):
    _header, entries = catalogue
    wrong = []
    for entry in entries:
        for source, text in pairs(entry):
            if Counter(PLACEHOLDER.findall(source)) != Counter(PLACEHOLDER.findall(text)):
                wrong.append(("placeholders", source, text))
            if Counter(MARKUP.findall(source)) != Counter(MARKUP.findall(text)):
                wrong.append(("markup", source, text))
    assert wrong == []


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    # A stale .mo (compilemessages forgotten after an edit) would show English or old Spanish.
    _header, entries = catalogue
    assert COMPILED.exists()
    stale = []
    with translation.override("es"):
        for entry in entries:
            if entry.msgid_plural is not None:
                got = {
                    0: translation.ngettext(entry.msgid, entry.msgid_plural, 1),
                    1: translation.ngettext(entry.msgid, entry.msgid_plural, 2),
                }
            elif entry.msgctxt is not None:
                got = {0: translation.pgettext(entry.msgctxt, entry.msgid)}
            else:
                got = {0: translation.gettext(entry.msgid)}
            if got != entry.msgstr:
                stale.append(entry.msgid)
    assert stale == []


def spanish_client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


def test_a_member_sees_their_profile_in_spanish(member):
    response = spanish_client(member).get("/people/me/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Mi perfil" in html
    assert "Guardar mi perfil" in html
    assert "Saltar al contenido principal" in html
    assert "Save my profile" not in html


def test_the_same_profile_stays_in_english_without_the_cookie(
    member, client_for: Callable[[User], Client]
):
    html = client_for(member).get("/people/me/").content.decode()

    assert '<html lang="en">' in html
    assert "Save my profile" in html


def test_the_sign_in_page_is_in_spanish():
    response = spanish_client().get("/accounts/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Iniciar sesión" in html  # allauth's own Spanish
    assert "Inicie sesión" in html  # the project's navigation
    assert "Contraseña" in html


def test_the_overview_note_names_the_largest_hidden_count_in_both_languages(admin_user):
    largest_hidden = settings.SUPPRESSION_THRESHOLD - 1
    english = Client()
    english.force_login(admin_user)

    assert (
        f"Counts from 1 to {largest_hidden} are hidden"
        in english.get("/people/overview/").content.decode()
    )
    assert (
        f"Los conteos de 1 a {largest_hidden} se ocultan"
        in spanish_client(admin_user).get("/people/overview/").content.decode()
    )


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_every_string_marked_in_the_code_is_in_the_catalogue_and_translated(tmp_path, monkeypatch):
    # makemessages on a copy of the package, merged into a copy of the catalogue: a string
    # marked since the last `make messages` shows up untranslated here, not as English in the UI.
    package = tmp_path / "equityhub"
    shutil.copytree(
        settings.BASE_DIR,
        package,
        ignore=shutil.ignore_patterns("__pycache__", "static", "locale", "*.pyc"),
    )
    merged = package / "locale" / "es" / "LC_MESSAGES" / "django.po"
    merged.parent.mkdir(parents=True)
    shutil.copyfile(CATALOGUE, merged)
    monkeypatch.chdir(package)

    with override_settings(LOCALE_PATHS=[package / "locale"]):
        call_command("makemessages", locale=["es"], no_obsolete=True, verbosity=0)

    _header, fresh = read_catalogue(merged)
    _header, committed = read_catalogue(CATALOGUE)
    fresh_ids = {(e.msgctxt, e.msgid) for e in fresh}
    committed_ids = {(e.msgctxt, e.msgid) for e in committed}
    assert fresh_ids - committed_ids == set(), "marked but not in the catalogue: make messages"
    assert committed_ids - fresh_ids == set(), "in the catalogue but no longer marked"
    assert [e.msgid for e in fresh if "fuzzy" in e.flags or not all(t for _s, t in pairs(e))] == []

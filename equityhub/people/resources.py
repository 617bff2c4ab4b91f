"""The people file format: one django-import-export Resource, read by import and written by export.

The columns are the registry fields of a person plus their primary affiliation and languages.
Demographics are deliberately absent: they are never imported or exported in bulk.

Parsing goes through the Resource's fields and widgets (`clean`), export through
`Resource.export_resource` (`render`), so both directions share one definition and an export
re-imports unchanged. The writes themselves are done in bulk by `equityhub.people.imports`:
import-export's own `import_data` loads and saves one row at a time, far too slow for the
office's ten-thousand-row files, so it is not used.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Final

from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from equityhub.lib.safe_export import DANGEROUS_PREFIXES
from equityhub.people.models import (
    Affiliation,
    Language,
    Organization,
    Person,
    PersonLanguage,
    Proficiency,
    TrainingLevel,
)

COLUMNS: Final = (
    "email",
    "given_name",
    "family_name",
    "preferred_name",
    "pronouns",
    "phone",
    "date_of_birth",
    "home_zip",
    "organization",
    "school_program",
    "training_level",
    "languages",
)
REQUIRED_COLUMNS: Final = ("email", "given_name", "family_name")
PERSON_COLUMNS: Final = COLUMNS[:8]
AFFILIATION_COLUMNS: Final = ("organization", "school_program", "training_level")
DATE_FORMAT: Final = "%Y-%m-%d"
# Django's `Choices.values` builds a new list on every call: too slow for 10,000 rows.
TRAINING_LEVELS: Final = frozenset(TrainingLevel.values)
LANGUAGES: Final = frozenset(Language.values)
PROFICIENCIES: Final = frozenset(Proficiency.values)
ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
# Attributes the export reads; `export_queryset` fills them with one query each.
PRIMARY_AFFILIATIONS_ATTR: Final = "export_primary_affiliations"
LANGUAGES_ATTR: Final = "export_languages"


def unescape_cell(text: str) -> str:
    """Undo `equityhub.lib.safe_export.escape_cell`: drop exactly one leading quote, and only
    when what follows is a character the export escapes (so "'Tis" stays as it is)."""
    if text.startswith("'") and text[1:].startswith(DANGEROUS_PREFIXES):
        return text[1:]
    return text


def cell_text(value: Any) -> str:
    """A cell as text. Spreadsheets hand over ZIP codes and phone numbers as numbers."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


class TextWidget(widgets.CharWidget):
    """Text, stripped, with the export's formula escaping undone."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        return unescape_cell(cell_text(value)).strip()


class EmailWidget(TextWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        email = super().clean(value, row, **kwargs)
        if not email:
            raise ValueError(_("The e-mail address is required."))
        return email


class IsoDateWidget(widgets.DateWidget):
    """Dates as YYYY-MM-DD only: 03/04/2005 means different days on either side of the Atlantic."""

    def __init__(self) -> None:
        super().__init__(format=DATE_FORMAT)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> dt.date | None:
        if isinstance(value, dt.datetime):  # a date cell in a spreadsheet
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = unescape_cell(cell_text(value)).strip()
        if not text:
            return None
        try:
            if not ISO_DATE.fullmatch(text):
                raise ValueError(text)
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                _("“%(value)s” is not a date as YYYY-MM-DD, e.g. 2001-09-14.") % {"value": text}
            ) from None


class OrganizationWidget(widgets.ForeignKeyWidget):
    """An organization by its name (case and surrounding spaces ignored); it must exist.

    All organizations are read in one query the first time a name is looked up.
    """

    def __init__(self) -> None:
        super().__init__(Organization, field="name")
        self._by_name: dict[str, Organization] | None = None

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Organization | None:
        name = " ".join(unescape_cell(cell_text(value)).split())
        if not name:
            return None
        if self._by_name is None:
            self._by_name = {
                organization.name.casefold(): organization
                for organization in Organization.objects.only("id", "name")
            }
        organization = self._by_name.get(name.casefold())
        if organization is None:
            raise ValueError(
                _(
                    "Unknown organization: “%(name)s”. Add it to the registry first, or use "
                    "its name exactly as the registry has it."
                )
                % {"name": name}
            )
        return organization

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.name if value is not None else ""


class TrainingLevelWidget(widgets.CharWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        code = unescape_cell(cell_text(value)).strip().lower()
        if code and code not in TRAINING_LEVELS:
            raise ValueError(
                _("Unknown training level: “%(value)s”. Use one of: %(codes)s.")
                % {"value": code, "codes": ", ".join(TrainingLevel.values)}
            )
        return code


class LanguagesWidget(widgets.Widget):
    """`es:conversational;en:native` <-> `{"en": "native", "es": "conversational"}`."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> dict[str, str]:
        text = unescape_cell(cell_text(value)).strip()
        languages: dict[str, str] = {}
        for part in text.split(";"):
            if not part.strip():
                continue
            code, separator, level = (piece.strip().lower() for piece in part.partition(":"))
            if not separator or not code or not level:
                raise ValueError(
                    _("“%(part)s” is not language:proficiency, e.g. es:conversational.")
                    % {"part": part.strip()}
                )
            if code not in LANGUAGES:
                raise ValueError(
                    _("Unknown language: “%(code)s”. Use one of: %(codes)s.")
                    % {"code": code, "codes": ", ".join(Language.values)}
                )
            if level not in PROFICIENCIES:
                raise ValueError(
                    _("Unknown proficiency for %(code)s: “%(level)s”. Use one of: %(levels)s.")
                    % {"code": code, "level": level, "levels": ", ".join(Proficiency.values)}
                )
            if code in languages:
                raise ValueError(_("The language %(code)s is listed twice.") % {"code": code})
            languages[code] = level
        return languages

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return ";".join(f"{code}:{level}" for code, level in sorted((value or {}).items()))


def _text(column: str) -> fields.Field:
    return fields.Field(attribute=column, column_name=column, widget=TextWidget())


class PersonResource(resources.ModelResource):
    """One person per row. Import through `equityhub.people.imports.import_people`."""

    email = fields.Field(attribute="email", column_name="email", widget=EmailWidget())
    given_name = _text("given_name")
    family_name = _text("family_name")
    preferred_name = _text("preferred_name")
    pronouns = _text("pronouns")
    phone = _text("phone")
    date_of_birth = fields.Field(
        attribute="date_of_birth", column_name="date_of_birth", widget=IsoDateWidget()
    )
    home_zip = _text("home_zip")
    organization = fields.Field(column_name="organization", widget=OrganizationWidget())
    school_program = fields.Field(column_name="school_program", widget=TextWidget())
    training_level = fields.Field(column_name="training_level", widget=TrainingLevelWidget())
    languages = fields.Field(column_name="languages", widget=LanguagesWidget())

    class Meta:
        model = Person
        fields = COLUMNS
        import_order = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("email",)
        chunk_size = 1000

    def clean_row(self, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Every present column of `row` through its widget: (values, {column: error})."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue
            try:
                values[field.column_name] = field.clean(row)
            except ValueError as error:
                errors[field.column_name] = str(error)
        return values, errors

    # Export: the affiliation and language columns come from attributes that
    # `export_queryset` prefetched, so a page of a thousand people costs three queries.

    @staticmethod
    def primary_affiliation(person: Person) -> Affiliation | None:
        found = getattr(person, PRIMARY_AFFILIATIONS_ATTR, None)
        if found is None:
            found = list(person.affiliations.filter(is_primary=True).select_related("organization"))
        return found[0] if found else None

    def dehydrate_organization(self, person: Person) -> str:
        affiliation = self.primary_affiliation(person)
        return self.fields["organization"].widget.render(
            affiliation.organization if affiliation else None
        )

    def dehydrate_school_program(self, person: Person) -> str:
        affiliation = self.primary_affiliation(person)
        return affiliation.school_program if affiliation else ""

    def dehydrate_training_level(self, person: Person) -> str:
        affiliation = self.primary_affiliation(person)
        return affiliation.training_level if affiliation else ""

    def dehydrate_languages(self, person: Person) -> str:
        rows: list[PersonLanguage] | None = getattr(person, LANGUAGES_ATTR, None)
        if rows is None:
            rows = list(person.languages.all())
        return self.fields["languages"].widget.render(
            {row.language: row.proficiency for row in rows}
        )

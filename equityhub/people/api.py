"""`/api/v1/people`: the registry over HTTP, with the same permissions as the pages.

Every person reached by id goes through `selectors.get_person_for_user` (404 for outsiders),
the list through `selectors.directory` (what the directory page shows), every write through
`people.services`. Demographics have their own endpoint, so that each read of them is
deliberate, permissioned and logged.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, ConfigDict

from equityhub.people import services
from equityhub.people.models import (
    Affiliation,
    DemographicProfile,
    Language,
    Person,
    PersonLanguage,
    Proficiency,
    TrainingLevel,
)
from equityhub.people.selectors import (
    MAX_ID,
    DirectoryFilters,
    demographics_for_user,
    directory,
    get_person_for_user,
    log_directory_minors,
)

router = Router(tags=["people"])

# Far beyond any registry, and small enough that OFFSET + LIMIT stays a 64-bit integer on
# SQLite and PostgreSQL alike.
MAX_OFFSET = 1_000_000_000


def _no_control_characters(value: str) -> str:
    # PostgreSQL refuses NUL in text (a 500 if it got that far); other control characters
    # (except tab and newlines) have no business in a name, an address or a search.
    if any(ord(char) < 32 and char not in "\t\n\r" for char in value):
        raise ValueError(_("Control characters are not allowed."))
    return value


PlainText = Annotated[str, AfterValidator(_no_control_characters)]


# Schemas -----------------------------------------------------------------------------------


class ErrorOut(Schema):
    """Every 4xx answer. `field` names the input at fault when there is one."""

    detail: str
    field: str | None = None
    code: str = Field(
        "invalid",
        description="invalid, conflict, forbidden, not_found, unauthorized or bad_request.",
    )
    errors: list[dict[str, Any]] | None = Field(
        None,
        description="Request-validation 422s only: every problem found, as pydantic reports it.",
    )


class AffiliationOut(Schema):
    organization_id: int
    organization: str
    school_program: str
    training_level: TrainingLevel
    start_date: dt.date | None
    end_date: dt.date | None
    is_primary: bool

    @staticmethod
    def resolve_organization(obj: Affiliation) -> str:
        return obj.organization.name


class LanguageOut(Schema):
    language: Language
    proficiency: Proficiency


class PersonOut(Schema):
    id: int
    given_name: str
    family_name: str
    preferred_name: str
    pronouns: str
    email: str
    phone: str
    date_of_birth: dt.date | None
    home_zip: str
    is_minor: bool
    affiliations: list[AffiliationOut] = Field(
        description="In the list: current affiliations only. By id: all of them, past included."
    )
    languages: list[LanguageOut]

    @staticmethod
    def resolve_affiliations(obj: Person) -> list[Affiliation]:
        # The directory prefetches the current ones under their own name; a record by id
        # prefetches all of them.
        current: list[Affiliation] | None = getattr(obj, "current_affiliations", None)
        return current if current is not None else list(obj.affiliations.all())

    @staticmethod
    def resolve_languages(obj: Person) -> list[PersonLanguage]:
        # The directory prefetches them as `language_list`; a record by id as `languages`.
        prefetched: list[PersonLanguage] | None = getattr(obj, "language_list", None)
        return prefetched if prefetched is not None else list(obj.languages.all())


class PeoplePage(Schema):
    count: int = Field(description="How many people match, across all pages.")
    items: list[PersonOut]


Languages = dict[Language, Proficiency]


class PersonIn(Schema):
    model_config = ConfigDict(extra="forbid")

    given_name: PlainText
    family_name: PlainText
    email: PlainText
    preferred_name: PlainText = ""
    pronouns: PlainText = ""
    phone: PlainText = ""
    date_of_birth: dt.date | None = None
    home_zip: PlainText = Field("", description="Five digits, e.g. 63110.")
    languages: Languages | None = Field(None, description='e.g. {"es": "professional"}')


class PersonPatch(Schema):
    """Only the fields sent change. A person editing their own record may change
    given_name, family_name, preferred_name, pronouns, phone, home_zip and languages."""

    model_config = ConfigDict(extra="forbid")

    given_name: PlainText | None = None
    family_name: PlainText | None = None
    preferred_name: PlainText | None = None
    pronouns: PlainText | None = None
    email: PlainText | None = None
    phone: PlainText | None = None
    date_of_birth: dt.date | None = None
    home_zip: PlainText | None = None
    languages: Languages | None = Field(
        None, description='Replaces all of them, e.g. {"es": "professional", "en": "native"}'
    )


class DemographicsOut(Schema):
    """Self-identified answers; blank means not answered."""

    recorded: bool = Field(description="False when the person has not answered at all.")
    race_ethnicity: list[str] = Field(description="OMB 2024 category codes.")
    race_ethnicity_declined: bool
    race_ethnicity_detail: str
    gender_identity: str
    gender_self_description: str
    first_generation_college: str
    economically_disadvantaged: str
    disability: str
    rural_background: str
    underrepresented_in_medicine: str
    updated_at: dt.datetime | None


class PeopleQuery(Schema):
    q: PlainText = Field("", max_length=100, description="Words in the name or e-mail.")
    organization_id: int | None = Field(None, ge=1, le=MAX_ID)
    training_level: TrainingLevel | None = None
    language: Language | None = None
    age_group: Literal["minor", "adult"] | None = None
    limit: int = Field(settings.DIRECTORY_PAGE_SIZE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_STRING_FIELDS = frozenset(services.PERSON_FIELDS) - {"date_of_birth"}


def _plain(languages: dict[Any, Any]) -> dict[str, str]:
    # Choices members hash by name, not value: plain strings compare and log as stored.
    return {str(code): str(level) for code, level in languages.items()}


def _require(user: Any, perm: str, obj: Any = None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied


# Endpoints ---------------------------------------------------------------------------------


@router.get(
    "",
    response={200: PeoplePage, **ERRORS},
    summary="List people",
    description=(
        "The directory: the people you may see, filtered, `limit`/`offset` paginated. "
        "Needs the directory permission (office staff, partners)."
    ),
)
def list_people(request: HttpRequest, query: Query[PeopleQuery]) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    _require(user, "people.use_directory")
    filters = DirectoryFilters(
        q=query.q.strip(),
        organization_id=query.organization_id,
        training_level=query.training_level or "",
        language=query.language or "",
        age_group=query.age_group or "",
    )
    queryset = directory(user, filters)
    people = list(queryset[query.offset : query.offset + query.limit])
    log_directory_minors(user, people)
    return {"count": queryset.count(), "items": people}


@router.post(
    "",
    response={201: PersonOut, 409: ErrorOut, **ERRORS},
    summary="Add a person",
    description="Office staff only. 409 when the e-mail address (any case) is taken.",
)
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    _require(user, "people.create_person")
    fields = payload.model_dump(exclude={"languages"})
    with transaction.atomic():
        person = services.create_person(actor=user, **fields)
        if payload.languages:
            services.set_languages(person=person, actor=user, languages=_plain(payload.languages))
    return Status(201, person)


@router.get(
    "/{person_id}",
    response={200: PersonOut, **ERRORS},
    summary="Read a person",
    description="404 for anyone who may not see this person.",
)
def get_person(request: HttpRequest, person_id: int) -> Any:
    return get_person_for_user(request.auth, person_id)  # type: ignore[attr-defined]


@router.patch(
    "/{person_id}",
    response={200: PersonOut, 409: ErrorOut, **ERRORS},
    summary="Change a person",
    description=(
        "Office staff change any field; a person changes some of their own (403 for the "
        "others). Unknown fields: 422."
    ),
)
def update_person(request: HttpRequest, person_id: int, payload: PersonPatch) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    person = get_person_for_user(user, person_id, purpose="edit")
    if user.has_perm("people.edit_person_registry", person):
        self_service = False
    elif user.has_perm("people.edit_person", person):
        self_service = True
    else:
        raise PermissionDenied
    changes = payload.model_dump(exclude_unset=True)
    languages = changes.pop("languages", None)
    for field in _STRING_FIELDS & set(changes):
        if changes[field] is None:
            changes[field] = ""
    with transaction.atomic():
        if changes:
            services.update_person(person=person, actor=user, self_service=self_service, **changes)
        if languages is not None:
            services.set_languages(person=person, actor=user, languages=_plain(languages))
    # Drop the languages prefetched before the change.
    person.refresh_from_db(fields=["languages"])
    return person


@router.get(
    "/{person_id}/demographics",
    response={200: DemographicsOut, **ERRORS},
    summary="Read a person's demographics",
    description=(
        "Only for the person themself or a user holding the explicit demographics "
        "permission (403 otherwise). Every read is logged."
    ),
)
def get_demographics(request: HttpRequest, person_id: int) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    person = get_person_for_user(user, person_id)
    profile = demographics_for_user(user, person)
    return _demographics_out(profile)


def _demographics_out(profile: DemographicProfile | None) -> dict[str, Any]:
    if profile is None:
        return {
            "recorded": False,
            "race_ethnicity": [],
            "race_ethnicity_declined": False,
            "updated_at": None,
            **dict.fromkeys(
                (
                    "race_ethnicity_detail",
                    "gender_identity",
                    "gender_self_description",
                    *services.ANSWER_FIELDS,
                    "underrepresented_in_medicine",
                ),
                "",
            ),
        }
    return {
        "recorded": True,
        **profile.answers(),
        "underrepresented_in_medicine": profile.underrepresented_in_medicine,
        "updated_at": profile.updated_at,
    }

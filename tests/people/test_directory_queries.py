"""The directory page costs a fixed number of queries, whatever its page size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from equityhub.accounts.models import User
from equityhub.people.models import TrainingLevel
from tests.factories import (
    AffiliationFactory,
    LanguageFactory,
    MinorFactory,
    OrganizationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

# Session, user, role assignments; the viewer's own registry record (the navigation offers
# pathway programs to people who have one); count, page of people, their current affiliations
# (with organizations) and languages; the organization filter's choices (rendered by its
# widget).
FULL_PAGE_QUERIES = 9
# An htmx search swaps in the results only: no filter form, so no organization choices.
RESULTS_ONLY_QUERIES = 7
# Listing minors is a read of their records: their ACCESS entries are one INSERT (outside a test's
# transaction also a BEGIN and a COMMIT). Past 90 rows SQLite's 999-parameter limit splits the
# INSERT in two, which page sizes up to 50 stay clear of.
MINORS_EXTRA_QUERIES = 1


@pytest.fixture
def registry(db: Any) -> None:
    organizations = [OrganizationFactory(name=f"Clinic {n}") for n in range(3)]
    for n in range(60):
        person = PersonFactory(family_name=f"Okafor{n:02d}")
        AffiliationFactory(
            person=person,
            organization=organizations[n % 3],
            training_level=TrainingLevel.RESIDENT,
        )
        AffiliationFactory(person=person, organization=organizations[(n + 1) % 3])
        LanguageFactory(person=person, language="es")
        LanguageFactory(person=person, language="vi", proficiency="basic")


@pytest.fixture
def minors(db: Any) -> None:
    school = OrganizationFactory(name="Fairground High School")
    for n in range(60):
        person = MinorFactory(family_name=f"Okafor{n:02d}")
        AffiliationFactory(person=person, organization=school, training_level=TrainingLevel.K12)
        LanguageFactory(person=person, language="es")


@pytest.fixture
def admin_client(admin_user: User, client_for: Callable[[User], Client]) -> Client:
    client = client_for(admin_user)
    client.get("/people/")  # warm the content-type cache, which is per process
    return client


@pytest.mark.parametrize("page_size", [5, 50])
def test_the_directory_page_runs_the_same_queries_for_any_page_size(
    registry: None,
    admin_client: Client,
    settings: Any,
    django_assert_num_queries: Any,
    page_size: int,
) -> None:
    settings.DIRECTORY_PAGE_SIZE = page_size
    with django_assert_num_queries(FULL_PAGE_QUERIES):
        response = admin_client.get("/people/", {"q": "okafor", "page": 1})
    assert response.status_code == 200
    assert len(response.context["people"]) == page_size


@pytest.mark.parametrize("page_size", [5, 50])
def test_an_htmx_search_runs_the_same_queries_for_any_page_size(
    registry: None,
    admin_client: Client,
    settings: Any,
    django_assert_num_queries: Any,
    page_size: int,
) -> None:
    settings.DIRECTORY_PAGE_SIZE = page_size
    with django_assert_num_queries(RESULTS_ONLY_QUERIES):
        response = admin_client.get(
            "/people/",
            {"q": "okafor", "training_level": "resident"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert len(response.context["people"]) == page_size


@pytest.mark.parametrize("page_size", [5, 50])
def test_a_page_of_minors_adds_the_same_audit_queries_for_any_page_size(
    minors: None,
    admin_client: Client,
    settings: Any,
    django_assert_num_queries: Any,
    page_size: int,
) -> None:
    settings.DIRECTORY_PAGE_SIZE = page_size
    with django_assert_num_queries(FULL_PAGE_QUERIES + MINORS_EXTRA_QUERIES):
        response = admin_client.get("/people/", {"q": "okafor"})
    assert response.status_code == 200
    assert len(response.context["people"]) == page_size

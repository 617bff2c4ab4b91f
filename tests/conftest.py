"""Shared fixtures: one user per role, each linked to a person, plus an outsider."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from equityhub.accounts.models import Role, RoleAssignment, User
from equityhub.people.models import Organization, Person
from tests.factories import OrganizationFactory, PersonFactory, UserFactory

SHARED_ZCTA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "stl-zcta"


@pytest.fixture
def shared_data() -> Path:
    """The shared St. Louis ZCTA files (../shared/data/stl-zcta from the project root): skipped
    where they are absent, except in CI, which always has them beside the clone."""
    if not (SHARED_ZCTA / "STL_ZCTA_City_County.geojson").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared St. Louis ZCTA files are not at {SHARED_ZCTA}")
        pytest.skip(f"the shared St. Louis ZCTA files are not at {SHARED_ZCTA}")
    return SHARED_ZCTA


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser tests run only when asked for (`make test` runs them in their own pass).
    if os.environ.get("EQUITYHUB_BROWSER_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="browser tests run in their own pass (make test-browser)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    """A user with a verified e-mail, a Person, and the given role (scoped if `scope`)."""

    def make(
        role: str | None = None,
        *,
        scope: Any = None,
        email: str | None = None,
        person: bool = True,
        **person_fields: Any,
    ) -> User:
        user = UserFactory(**({"email": email} if email else {}))
        if role is not None:
            assignment = RoleAssignment(user=user, role=role)
            if scope is not None:
                assignment.scope_type = ContentType.objects.get_for_model(scope)
                assignment.scope_id = scope.pk
            assignment.save()
        if person:
            PersonFactory(user=user, email=user.email, **person_fields)
        return user

    return make


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.OFFICE_ADMIN)


@pytest.fixture
def coordinator(make_user: Callable[..., User]) -> User:
    return make_user(Role.PROGRAM_COORDINATOR)


@pytest.fixture
def member(make_user: Callable[..., User]) -> User:
    return make_user(Role.MEMBER)


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    """Signed in, but with no role and no relation to anyone else's records."""
    return make_user(None)


@pytest.fixture
def partner_org(db: Any) -> Organization:
    return OrganizationFactory(name="Northside Community Health Collaborative")


@pytest.fixture
def partner(make_user: Callable[..., User], partner_org: Organization) -> User:
    return make_user(Role.PARTNER, scope=partner_org)


@pytest.fixture
def steward(make_user: Callable[..., User]) -> User:
    """An office administrator who also holds the explicit demographics permission."""
    user = make_user(Role.OFFICE_ADMIN)
    user.user_permissions.add(
        Permission.objects.get(codename="view_demographicprofile", content_type__app_label="people")
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def person(db: Any) -> Person:
    return PersonFactory()


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make

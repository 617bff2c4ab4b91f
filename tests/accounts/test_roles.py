"""grant_role and revoke_role: every branch, and the per-request role cache."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from equityhub.accounts.models import Role, RoleAssignment
from equityhub.accounts.rules import is_office_admin, is_partner
from equityhub.accounts.selectors import has_role, has_role_for, roles_of, scope_ids
from equityhub.accounts.services import grant_role, revoke_role
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import Conflict, ServiceError
from equityhub.people.models import Organization
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_granting_a_role_creates_it_and_logs_it(admin_user):
    user = UserFactory()

    assignment = grant_role(user=user, role=Role.PROGRAM_COORDINATOR, actor=admin_user)

    assert assignment.granted_by == admin_user
    assert assignment.scope_type is None
    entry = AuditEntry.objects.get(action="accounts.role.granted")
    assert entry.object_id == str(user.pk)
    assert entry.actor_id == admin_user.pk
    assert entry.data == {"role": "program_coordinator", "scope": None}


def test_granting_a_scoped_role_records_its_scope(admin_user):
    user = UserFactory()
    organization = OrganizationFactory(name="Urban League")

    grant_role(user=user, role=Role.PARTNER, scope=organization, actor=admin_user)

    assert has_role_for(user, Role.PARTNER, organization)
    assert scope_ids(user, Role.PARTNER, Organization) == {organization.pk}
    assert AuditEntry.objects.get().data["scope"] == "Urban League"


def test_an_unknown_role_is_refused(admin_user):
    with pytest.raises(ServiceError) as error:
        grant_role(user=UserFactory(), role="emperor", actor=admin_user)
    assert error.value.field == "role"


@pytest.mark.parametrize("role", [Role.PARTNER, Role.REVIEWER, Role.SITE_SUPERVISOR])
def test_a_scoped_role_without_a_scope_is_refused(admin_user, role):
    user = UserFactory()
    with pytest.raises(ServiceError) as error:
        grant_role(user=user, role=role, actor=admin_user)
    assert error.value.field == "scope"
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_the_same_role_twice_is_a_conflict(admin_user):
    user = UserFactory()
    grant_role(user=user, role=Role.MEMBER, actor=admin_user)

    with pytest.raises(Conflict):
        grant_role(user=user, role=Role.MEMBER, actor=admin_user)

    assert RoleAssignment.objects.filter(user=user).count() == 1


def test_the_same_scoped_role_for_the_same_object_twice_is_a_conflict(admin_user):
    user, organization = UserFactory(), OrganizationFactory()
    grant_role(user=user, role=Role.PARTNER, scope=organization, actor=admin_user)

    with pytest.raises(Conflict):
        grant_role(user=user, role=Role.PARTNER, scope=organization, actor=admin_user)


def test_the_same_scoped_role_for_another_object_is_fine(admin_user):
    user = UserFactory()
    first, second = OrganizationFactory(), OrganizationFactory()
    grant_role(user=user, role=Role.PARTNER, scope=first, actor=admin_user)
    grant_role(user=user, role=Role.PARTNER, scope=second, actor=admin_user)

    assert scope_ids(user, Role.PARTNER, Organization) == {first.pk, second.pk}


def test_a_role_cannot_end_before_it_starts(admin_user):
    with pytest.raises(ServiceError) as error:
        grant_role(
            user=UserFactory(),
            role=Role.MEMBER,
            actor=admin_user,
            starts_on=dt.date(2026, 1, 2),
            ends_on=dt.date(2026, 1, 1),
        )
    assert error.value.field == "ends_on"


def test_a_role_may_start_and_end_on_the_same_day(admin_user):
    day = dt.date(2026, 1, 2)
    assignment = grant_role(
        user=UserFactory(), role=Role.MEMBER, actor=admin_user, starts_on=day, ends_on=day
    )
    assert assignment.pk is not None


def test_a_role_granted_for_the_future_is_not_held_yet(admin_user):
    user = UserFactory()
    grant_role(user=user, role=Role.OFFICE_ADMIN, actor=admin_user, starts_on=dt.date(2999, 1, 1))
    assert not is_office_admin(user)


def test_granting_a_role_clears_the_users_cached_roles(admin_user):
    user = UserFactory()
    assert roles_of(user) == frozenset()  # now cached on the user object

    grant_role(user=user, role=Role.OFFICE_ADMIN, actor=admin_user)

    assert has_role(user, Role.OFFICE_ADMIN)
    assert is_office_admin(user)


def test_revoking_a_role_removes_it_logs_it_and_clears_the_cache(admin_user):
    user, organization = UserFactory(), OrganizationFactory()
    assignment = grant_role(user=user, role=Role.PARTNER, scope=organization, actor=admin_user)
    assert is_partner(user)

    revoke_role(assignment=assignment, actor=admin_user)

    assert not RoleAssignment.objects.filter(user=user).exists()
    assert not is_partner(user)
    entry = AuditEntry.objects.get(action="accounts.role.revoked")
    assert entry.data == {"role": "partner", "scope_id": organization.pk}
    assert entry.object_id == str(user.pk)


def test_a_revoked_role_may_be_granted_again(admin_user):
    user = UserFactory()
    revoke_role(
        assignment=grant_role(user=user, role=Role.MEMBER, actor=admin_user), actor=admin_user
    )
    grant_role(user=user, role=Role.MEMBER, actor=admin_user)
    assert has_role(user, Role.MEMBER)


def test_a_role_granted_by_the_system_has_no_granter():
    assignment = grant_role(user=UserFactory(), role=Role.MEMBER, actor=None)
    assert assignment.granted_by is None
    assert AuditEntry.objects.get().actor_id is None


def test_the_database_refuses_the_same_unscoped_role_twice(make_user):
    user = make_user(Role.MEMBER)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=Role.MEMBER)

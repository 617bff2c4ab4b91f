"""Each predicate of the people and accounts rules on its own, then the permissions they make."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from equityhub.accounts import rules as account_rules
from equityhub.accounts.models import SCOPED_ROLES, Role, RoleAssignment, User
from equityhub.people import rules
from tests.factories import (
    AffiliationFactory,
    MinorFactory,
    OrganizationFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def demographics_permission() -> Permission:
    return Permission.objects.get(
        codename="view_demographicprofile", content_type__app_label="people"
    )


def fresh(user: User) -> User:
    """The same user without cached roles or permissions."""
    return User.objects.get(pk=user.pk)


# is_self -------------------------------------------------------------------------------------


def test_is_self_holds_for_ones_own_person(member):
    assert rules.is_self(member, member.person)


def test_is_self_does_not_hold_for_someone_else(member, person):
    assert not rules.is_self(member, person)


def test_is_self_does_not_hold_for_no_person(member):
    assert not rules.is_self(member, None)


def test_is_self_does_not_hold_for_an_anonymous_visitor(person):
    assert not rules.is_self(AnonymousUser(), person)


def test_is_self_does_not_hold_for_an_unlinked_person_and_a_user_without_one(make_user):
    user = make_user(None, person=False)
    assert not rules.is_self(user, PersonFactory())


# is_minor ------------------------------------------------------------------------------------


def test_is_minor_holds_for_someone_under_18(member):
    assert rules.is_minor(member, MinorFactory())


def test_is_minor_does_not_hold_for_an_adult(member, person):
    assert not rules.is_minor(member, person)


def test_is_minor_does_not_hold_without_a_date_of_birth(member):
    assert not rules.is_minor(member, PersonFactory(date_of_birth=None))


def test_is_minor_does_not_hold_for_no_person(member):
    assert not rules.is_minor(member, None)


# is_partner_of_persons_organization ----------------------------------------------------------


def test_a_partner_is_partner_of_someone_currently_affiliated_with_their_org(partner, partner_org):
    affiliated = AffiliationFactory(organization=partner_org, start_date=dt.date(2020, 1, 1)).person
    assert rules.is_partner_of_persons_organization(partner, affiliated)


def test_an_ended_affiliation_does_not_count(partner, partner_org):
    former = AffiliationFactory(
        organization=partner_org, start_date=dt.date(2020, 1, 1), end_date=dt.date(2021, 1, 1)
    ).person
    assert not rules.is_partner_of_persons_organization(partner, former)


def test_an_affiliation_not_yet_started_does_not_count(partner, partner_org):
    future = AffiliationFactory(organization=partner_org, start_date=dt.date(2999, 1, 1)).person
    assert not rules.is_partner_of_persons_organization(partner, future)


def test_an_affiliation_with_another_org_does_not_count(partner):
    elsewhere = AffiliationFactory(organization=OrganizationFactory()).person
    assert not rules.is_partner_of_persons_organization(partner, elsewhere)


def test_someone_without_the_partner_role_is_nobodys_partner(member, partner_org):
    affiliated = AffiliationFactory(organization=partner_org).person
    assert not rules.is_partner_of_persons_organization(member, affiliated)


def test_is_partner_of_persons_organization_does_not_hold_for_no_person(partner):
    assert not rules.is_partner_of_persons_organization(partner, None)


def test_a_partner_role_that_has_ended_does_not_count(make_user, partner_org):
    user = make_user(None)
    RoleAssignment.objects.create(
        user=user,
        role=Role.PARTNER,
        scope_type_id=_content_type_id(partner_org),
        scope_id=partner_org.pk,
        ends_on=dt.date(2020, 1, 1),
    )
    affiliated = AffiliationFactory(organization=partner_org).person
    assert not rules.is_partner_of_persons_organization(fresh(user), affiliated)


def _content_type_id(obj: Model) -> int:
    return ContentType.objects.get_for_model(obj).pk


# has_demographics_permission -----------------------------------------------------------------


def test_the_explicit_permission_grants_demographics(steward):
    assert rules.has_demographics_permission(steward)


def test_the_permission_granted_through_a_group_grants_demographics(make_user):
    user = make_user(Role.PROGRAM_COORDINATOR)
    group = Group.objects.create(name="Data stewards")
    group.permissions.add(demographics_permission())
    user.groups.add(group)

    assert rules.has_demographics_permission(fresh(user))


def test_the_office_admin_role_alone_does_not_grant_demographics(admin_user):
    assert not rules.has_demographics_permission(admin_user)


@pytest.mark.parametrize("role", [*Role.values, None])
def test_no_role_grants_demographics(make_user, role, partner_org):
    user = make_user(role, scope=partner_org if role in _scoped() else None)
    assert not rules.has_demographics_permission(user)


def _scoped() -> set[str]:
    return set(SCOPED_ROLES)


def test_an_anonymous_visitor_has_no_demographics_permission():
    assert not rules.has_demographics_permission(AnonymousUser())


def test_an_inactive_user_with_the_permission_has_none(make_user):
    user = make_user(None)
    user.user_permissions.add(demographics_permission())
    user.is_active = False
    user.save()
    assert not rules.has_demographics_permission(fresh(user))


# Role predicates -----------------------------------------------------------------------------

ROLE_PREDICATES = {
    Role.OFFICE_ADMIN: account_rules.is_office_admin,
    Role.PROGRAM_COORDINATOR: account_rules.is_program_coordinator,
    Role.SITE_SUPERVISOR: account_rules.is_site_supervisor,
    Role.REVIEWER: account_rules.is_reviewer,
    Role.PARTNER: account_rules.is_partner,
    Role.MEMBER: account_rules.is_member,
    Role.LEADERSHIP_VIEWER: account_rules.is_leadership_viewer,
}


@pytest.mark.parametrize("role", Role.values)
def test_each_role_predicate_holds_for_its_role_only(make_user, role, partner_org):
    user = make_user(role, scope=partner_org if role in _scoped() else None)

    for other_role, predicate in ROLE_PREDICATES.items():
        assert predicate(user) == (other_role == role), other_role


@pytest.mark.parametrize("predicate", ROLE_PREDICATES.values())
def test_no_role_predicate_holds_for_an_anonymous_visitor(predicate):
    assert not predicate(AnonymousUser())


def test_a_superuser_is_an_office_admin_and_staff():
    user = UserFactory(is_superuser=True)
    assert account_rules.is_office_admin(user)
    assert account_rules.is_office_staff(user)
    assert account_rules.is_staff_member(user)


def test_a_role_that_has_not_started_does_not_count(make_user):
    user = make_user(None)
    RoleAssignment.objects.create(user=user, role=Role.OFFICE_ADMIN, starts_on=dt.date(2999, 1, 1))
    assert not account_rules.is_office_admin(fresh(user))


def test_a_deactivated_user_holds_no_role(admin_user):
    admin_user.is_active = False
    admin_user.save()
    assert not account_rules.is_office_admin(fresh(admin_user))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.OFFICE_ADMIN, True),
        (Role.PROGRAM_COORDINATOR, True),
        (Role.SITE_SUPERVISOR, False),
        (Role.REVIEWER, False),
        (Role.PARTNER, False),
        (Role.MEMBER, False),
        (Role.LEADERSHIP_VIEWER, False),
    ],
)
def test_only_admins_and_coordinators_are_office_staff(make_user, role, expected, partner_org):
    user = make_user(role, scope=partner_org if role in _scoped() else None)
    assert account_rules.is_office_staff(user) is expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.OFFICE_ADMIN, True),
        (Role.PROGRAM_COORDINATOR, True),
        (Role.SITE_SUPERVISOR, True),
        (Role.REVIEWER, True),
        (Role.LEADERSHIP_VIEWER, True),
        (Role.PARTNER, False),
        (Role.MEMBER, False),
    ],
)
def test_staff_member_covers_the_roles_that_need_mfa(make_user, role, expected, partner_org):
    user = make_user(role, scope=partner_org if role in _scoped() else None)
    assert account_rules.is_staff_member(user) is expected


# Permissions built from the predicates -------------------------------------------------------


def test_everyone_may_see_and_edit_their_own_record_but_not_its_registry_fields(member):
    assert member.has_perm("people.see_person", member.person)
    assert member.has_perm("people.edit_person", member.person)
    assert not member.has_perm("people.edit_person_registry", member.person)


def test_a_member_may_not_see_someone_else(member, person):
    assert not member.has_perm("people.see_person", person)
    assert not member.has_perm("people.see_demographics", person)


def test_a_partner_sees_an_affiliated_adult_but_not_an_affiliated_minor(partner, partner_org):
    adult = AffiliationFactory(organization=partner_org).person
    minor = AffiliationFactory(organization=partner_org, person=MinorFactory()).person

    assert partner.has_perm("people.see_person", adult)
    assert not partner.has_perm("people.see_person", minor)
    assert not partner.has_perm("people.edit_person", adult)
    assert not partner.has_perm("people.see_demographics", adult)


def test_office_staff_see_and_edit_everyone(coordinator, person):
    assert coordinator.has_perm("people.see_person", person)
    assert coordinator.has_perm("people.edit_person_registry", person)
    assert coordinator.has_perm("people.manage_consents", person)
    assert not coordinator.has_perm("people.see_demographics", person)


def test_a_steward_sees_demographics(steward, person):
    assert steward.has_perm("people.see_demographics", person)


def test_a_person_sees_their_own_demographics(member):
    assert member.has_perm("people.see_demographics", member.person)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("admin_user", True),
        ("coordinator", True),
        ("partner", True),
        ("member", False),
        ("outsider", False),
    ],
)
def test_who_may_use_the_directory(request, fixture, expected):
    assert request.getfixturevalue(fixture).has_perm("people.use_directory") is expected


@pytest.mark.parametrize(
    "perm", ["people.create_person", "people.import_people", "people.export_people"]
)
def test_only_office_staff_create_import_and_export(admin_user, partner, member, perm):
    assert admin_user.has_perm(perm)
    assert not partner.has_perm(perm)
    assert not member.has_perm(perm)


def test_only_office_admins_manage_roles(admin_user, coordinator):
    assert admin_user.has_perm("accounts.manage_roles")
    assert not coordinator.has_perm("accounts.manage_roles")


def test_leadership_views_reports_but_members_do_not(make_user, member):
    assert make_user(Role.LEADERSHIP_VIEWER).has_perm("accounts.view_reports")
    assert not member.has_perm("accounts.view_reports")

"""Role predicates. Other apps compose these with their own object rules."""

from __future__ import annotations

from typing import Any

import rules

from equityhub.accounts.models import Role
from equityhub.accounts.selectors import has_role, is_staff_user


@rules.predicate
def is_office_admin(user: Any) -> bool:
    return has_role(user, Role.OFFICE_ADMIN) or bool(getattr(user, "is_superuser", False))


@rules.predicate
def is_program_coordinator(user: Any) -> bool:
    return has_role(user, Role.PROGRAM_COORDINATOR)


@rules.predicate
def is_site_supervisor(user: Any) -> bool:
    return has_role(user, Role.SITE_SUPERVISOR)


@rules.predicate
def is_reviewer(user: Any) -> bool:
    return has_role(user, Role.REVIEWER)


@rules.predicate
def is_partner(user: Any) -> bool:
    return has_role(user, Role.PARTNER)


@rules.predicate
def is_member(user: Any) -> bool:
    return has_role(user, Role.MEMBER)


@rules.predicate
def is_leadership_viewer(user: Any) -> bool:
    return has_role(user, Role.LEADERSHIP_VIEWER)


@rules.predicate
def is_staff_member(user: Any) -> bool:
    return is_staff_user(user) or bool(getattr(user, "is_superuser", False))


# Office staff who run programs and keep the registry: they see and edit everyone.
is_office_staff = is_office_admin | is_program_coordinator

rules.add_perm("accounts.manage_roles", is_office_admin)
rules.add_perm("accounts.view_reports", is_office_staff | is_leadership_viewer)

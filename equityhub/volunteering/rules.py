"""Who may do what in volunteering. Site supervisors hold SITE_SUPERVISOR scoped to a Site."""

from __future__ import annotations

from typing import Any

import rules

from equityhub.accounts.models import Role
from equityhub.accounts.rules import is_leadership_viewer, is_office_staff
from equityhub.accounts.selectors import has_role, scope_ids
from equityhub.places.models import Site


def supervised_site_ids(user: Any) -> set[int]:
    return scope_ids(user, Role.SITE_SUPERVISOR, Site)


def manages_site(user: Any, site_id: int | None) -> bool:
    if site_id is None:
        return bool(is_office_staff(user))
    return bool(is_office_staff(user)) or site_id in supervised_site_ids(user)


@rules.predicate
def is_any_site_supervisor(user: Any) -> bool:
    return has_role(user, Role.SITE_SUPERVISOR)


@rules.predicate
def can_manage_site(user: Any, site: Site | None) -> bool:
    return site is not None and manages_site(user, site.pk)


@rules.predicate
def can_manage_shift(user: Any, shift: Any) -> bool:
    if shift is None:
        return False
    if shift.supervisor_id is not None and shift.supervisor_id == getattr(user, "pk", None):
        return True
    return manages_site(user, shift.opportunity.site_id)


rules.add_perm("volunteering.manage_sites", is_office_staff)
rules.add_perm("volunteering.manage_site", can_manage_site)
rules.add_perm("volunteering.manage_shift", can_manage_shift)
rules.add_perm("volunteering.supervise", is_office_staff | is_any_site_supervisor)
rules.add_perm("volunteering.verify_credentials", is_office_staff)
rules.add_perm("volunteering.view_reports", is_office_staff | is_leadership_viewer)
rules.add_perm("volunteering.export_hours", is_office_staff)

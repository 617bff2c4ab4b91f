"""Who may see and change whom.

- Office staff (administrators, program coordinators) see and edit everyone.
- Partners see adults currently affiliated with their own organization, never minors.
- Everyone sees and edits their own record.
- Demographics: the person themself, or a user holding the explicit Django permission
  `people.view_demographicprofile` (granted per user or group in the admin). No role implies it.
"""

from __future__ import annotations

from typing import Any

import rules

from equityhub.accounts.models import Role
from equityhub.accounts.rules import is_leadership_viewer, is_office_staff, is_partner
from equityhub.accounts.selectors import scope_ids
from equityhub.people.models import Organization, Person

DEMOGRAPHICS_PERMISSION = "people.view_demographicprofile"


@rules.predicate
def is_self(user: Any, person: Person | None) -> bool:
    return person is not None and user.is_authenticated and person.user_id == user.pk


@rules.predicate
def is_minor(user: Any, person: Person | None) -> bool:
    return person is not None and person.is_minor


@rules.predicate
def is_partner_of_persons_organization(user: Any, person: Person | None) -> bool:
    if person is None:
        return False
    org_ids = scope_ids(user, Role.PARTNER, Organization)
    if not org_ids:
        return False
    # Imported here: people.selectors imports this module for its permission predicates.
    from equityhub.people.selectors import current_affiliations  # noqa: PLC0415  (import cycle)

    return current_affiliations().filter(person=person, organization_id__in=org_ids).exists()


@rules.predicate
def has_demographics_permission(user: Any) -> bool:
    # The explicit permission, checked against Django's ModelBackend (groups and user
    # permissions), never implied by a role.
    return bool(user.is_authenticated and user.has_perm(DEMOGRAPHICS_PERMISSION))


can_see_person = is_self | is_office_staff | (is_partner_of_persons_organization & ~is_minor)
can_edit_person = is_self | is_office_staff
can_see_demographics = is_self | has_demographics_permission
can_use_directory = is_office_staff | is_partner

rules.add_perm("people.see_person", can_see_person)
rules.add_perm("people.edit_person", can_edit_person)
rules.add_perm("people.edit_person_registry", is_office_staff)
rules.add_perm("people.see_demographics", can_see_demographics)
rules.add_perm("people.use_directory", can_use_directory)
rules.add_perm("people.create_person", is_office_staff)
rules.add_perm("people.import_people", is_office_staff)
rules.add_perm("people.export_people", is_office_staff)
rules.add_perm("people.manage_consents", is_office_staff)

rules.add_perm("people.view_overview", is_office_staff | is_leadership_viewer)

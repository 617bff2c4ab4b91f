"""Section-level permissions of the pathway programs (object-level checks live in `access` and
the selectors' `get_*_for_user` choke-points)."""

from __future__ import annotations

from typing import Any

import rules

from equityhub.people.selectors import person_of
from equityhub.programs import access


@rules.predicate
def runs_programs(user: Any) -> bool:
    return access.is_program_staff(user)


@rules.predicate
def may_apply(user: Any) -> bool:
    """Any signed-in user with a registry record may apply (eligibility is checked on
    submission, against that record)."""
    return bool(getattr(user, "is_active", False)) and person_of(user) is not None


@rules.predicate
def reviews_programs(user: Any) -> bool:
    return access.is_program_staff(user) or access.is_reviewer_user(user)


@rules.predicate
def views_program_outcomes(user: Any) -> bool:
    return access.can_view_outcomes(user)


rules.add_perm("programs.run", runs_programs)
rules.add_perm("programs.apply", may_apply)
rules.add_perm("programs.review", reviews_programs)
rules.add_perm("programs.view_outcomes", views_program_outcomes)

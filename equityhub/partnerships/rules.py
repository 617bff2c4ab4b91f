"""Section-level permissions of the consortium (object-level checks live in `access`)."""

from __future__ import annotations

from typing import Any

import rules

from equityhub.partnerships import access


@rules.predicate
def uses_consortium(user: Any) -> bool:
    return access.can_use_consortium(user)


@rules.predicate
def views_aggregates(user: Any) -> bool:
    return access.can_view_aggregates(user)


@rules.predicate
def runs_consortium(user: Any) -> bool:
    return access.is_consortium_staff(user)


rules.add_perm("partnerships.use", uses_consortium)
rules.add_perm("partnerships.view_atlas", views_aggregates)
rules.add_perm("partnerships.run", runs_consortium)

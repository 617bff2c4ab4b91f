"""Reading who holds which role. Cached on the user object for the length of a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from equityhub.accounts.models import STAFF_ROLES, ApiToken, Role, RoleAssignment, User


@dataclass(frozen=True)
class HeldRole:
    role: str
    scope_type_id: int | None
    scope_id: int | None


_CACHE_ATTR = "_equityhub_roles"


def roles_of(user: Any) -> frozenset[HeldRole]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        rows = RoleAssignment.objects.current().filter(user=user)
        cached = frozenset(
            HeldRole(role, scope_type_id, scope_id)
            for role, scope_type_id, scope_id in rows.values_list(
                "role", "scope_type_id", "scope_id"
            )
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(user: Any, role: str) -> bool:
    return any(held.role == role for held in roles_of(user))


def has_role_for(user: Any, role: str, obj: models.Model) -> bool:
    scope_type_id = ContentType.objects.get_for_model(obj).pk
    return any(
        held.role == role and held.scope_type_id == scope_type_id and held.scope_id == obj.pk
        for held in roles_of(user)
    )


def scope_ids(user: Any, role: str, model: type[models.Model]) -> set[int]:
    """Ids of the objects of `model` for which the user holds `role`."""
    scope_type_id = ContentType.objects.get_for_model(model).pk
    return {
        held.scope_id
        for held in roles_of(user)
        if held.role == role and held.scope_type_id == scope_type_id and held.scope_id
    }


def is_staff_user(user: Any) -> bool:
    return any(held.role in STAFF_ROLES for held in roles_of(user))


def role_labels(user: Any) -> list[str]:
    return sorted({str(Role(held.role).label) for held in roles_of(user)})


def tokens_of(user: User) -> models.QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")

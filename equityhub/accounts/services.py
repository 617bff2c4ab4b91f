"""Writes for accounts: roles and API tokens."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.accounts.models import SCOPED_ROLES, ApiToken, Role, RoleAssignment, User, hash_token
from equityhub.accounts.selectors import forget_roles
from equityhub.audit.services import record
from equityhub.core.exceptions import Conflict, ServiceError


def grant_role(
    *,
    user: User,
    role: str,
    scope: models.Model | None = None,
    actor: User | None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> RoleAssignment:
    """Give `user` a role, scoped to `scope` where the role needs one.

    Side effects: one RoleAssignment row; audit `accounts.role.granted`.
    """
    if role not in Role.values:
        raise ServiceError(_("Unknown role: %(role)s.") % {"role": role}, field="role")
    if role in SCOPED_ROLES and scope is None:
        raise ServiceError(
            _("The role %(role)s needs a scope (a site, program or organization).")
            % {"role": Role(role).label},
            field="scope",
        )
    if starts_on and ends_on and ends_on < starts_on:
        raise ServiceError(_("A role cannot end before it starts."), field="ends_on")
    scope_type = ContentType.objects.get_for_model(scope) if scope is not None else None
    scope_id = scope.pk if scope is not None else None
    with transaction.atomic():
        if RoleAssignment.objects.filter(
            user=user, role=role, scope_type=scope_type, scope_id=scope_id
        ).exists():
            raise Conflict(_("%(user)s already has this role.") % {"user": user.email})
        assignment = RoleAssignment.objects.create(
            user=user,
            role=role,
            scope_type=scope_type,
            scope_id=scope_id,
            starts_on=starts_on,
            ends_on=ends_on,
            granted_by=actor,
        )
        record(
            "accounts.role.granted",
            actor=actor,
            obj=user,
            data={"role": role, "scope": str(scope) if scope is not None else None},
        )
    forget_roles(user)
    return assignment


def revoke_role(*, assignment: RoleAssignment, actor: User | None) -> None:
    """Side effects: the RoleAssignment row is deleted; audit `accounts.role.revoked`."""
    with transaction.atomic():
        record(
            "accounts.role.revoked",
            actor=actor,
            obj=assignment.user,
            data={"role": assignment.role, "scope_id": assignment.scope_id},
        )
        assignment.delete()
    forget_roles(assignment.user)


def create_api_token(
    *, user: User, name: str, actor: User | None, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Make a personal token. Returns the row and the raw token, which is never stored.

    Side effects: one ApiToken row (digest only); audit `accounts.api_token.created`.
    """
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the token a name, e.g. where it will be used."), field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ServiceError(_("The expiry date must be in the future."), field="expires_at")
    raw = settings.API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=raw[:10],
            digest=hash_token(raw),
            expires_at=expires_at,
        )
        record("accounts.api_token.created", actor=actor, obj=token, data={"user": user.pk})
    return token, raw


def revoke_api_token(*, token: ApiToken, actor: User | None) -> ApiToken:
    """Side effects: sets revoked_at; audit `accounts.api_token.revoked`."""
    if token.revoked_at is not None:
        raise Conflict(_("This token was already revoked."))
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record("accounts.api_token.revoked", actor=actor, obj=token)
    return token


def user_for_token(raw: str) -> User | None:
    """The active user a raw token belongs to, or None. Marks the token used (at most once a
    minute, so that a busy client does not turn every read into a write)."""
    if not raw.startswith(settings.API_TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=hash_token(raw)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user

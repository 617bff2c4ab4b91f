"""Writing the audit log. Every service that changes something important calls `record`."""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from equityhub.audit.context import current_ip
from equityhub.audit.models import AuditEntry

REDACTED = "[redacted]"


def _jsonable(value: Any) -> Any:  # noqa: PLR0911  (one return per kind of value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], *, redact: Iterable[str] = ()
) -> dict[str, list[Any]]:
    """`{field: [before, after]}` for the fields whose value changed; redacted fields keep
    their name (so the log says *that* they changed) but not their values."""
    hidden = set(redact)
    changes: dict[str, list[Any]] = {}
    for field in after:
        old, new = _jsonable(before.get(field)), _jsonable(after[field])
        if old != new:
            changes[field] = [REDACTED, REDACTED] if field in hidden else [old, new]
    return changes


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {f: _jsonable(getattr(obj, f)) for f in fields}


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor_email": ""}
    return {"actor_id": actor.pk, "actor_email": getattr(actor, "email", "")[:254]}


def _valid_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def build_entry(
    action: str,
    *,
    actor: Any,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    kind: str = AuditEntry.Kind.CHANGE,
) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        kind=kind,
        changes=_jsonable(dict(changes or {})),
        data=_jsonable(dict(data or {})),
        ip_address=_valid_ip(current_ip()),
        **_actor_fields(actor),
    )
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(obj)
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:200]
    return entry


def record(
    action: str,
    *,
    actor: Any,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    kind: str = AuditEntry.Kind.CHANGE,
) -> AuditEntry:
    """Append one entry. `action` is a namespaced code such as `people.person.updated`."""
    entry = build_entry(action, actor=actor, obj=obj, changes=changes, data=data, kind=kind)
    entry.save()
    return entry


def record_access(action: str, *, actor: Any, objects: Iterable[models.Model]) -> None:
    """One ACCESS entry per object read (demographics, minors' records), in one INSERT."""
    entries = [
        build_entry(action, actor=actor, obj=obj, kind=AuditEntry.Kind.ACCESS) for obj in objects
    ]
    if entries:
        AuditEntry.objects.bulk_create(entries)

"""The one domain error type. Services raise it (or a subclass); views map it to a message."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError


class ServiceError(Exception):
    """A state change was refused. `message` is shown to the person who asked for it."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict[str, Any]:
        return {"detail": str(self.message), "field": self.field, "code": self.code}


class NotAllowed(ServiceError):
    """The actor may not do this to this object."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="forbidden")


class Conflict(ServiceError):
    """The object's state does not allow this change (already done, full, overlapping...)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field, code="conflict")


def clean_model(obj: Any, *, exclude: Iterable[str] = ()) -> None:
    """The model's own field validation (lengths, choices, URLs, digits) before a service
    saves it, as a ServiceError naming the first field at fault (constraints are left to the
    database and to the service's own checks)."""
    try:
        obj.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceError(
            messages[0], field=None if field == "__all__" else field, code="invalid"
        ) from None

"""The one domain error type. Services raise it (or a subclass); views map it to a message."""

from __future__ import annotations

from typing import Any


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

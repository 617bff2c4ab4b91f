"""The request that is being served, for the audit log's IP address.

Set by `RequestContextMiddleware`; services read it through `current_ip()` so that their
signatures stay free of HTTP objects.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

_current_ip: ContextVar[str | None] = ContextVar("equityhub_current_ip", default=None)


def current_ip() -> str | None:
    return _current_ip.get()


def set_current_ip(ip: str | None) -> Token[str | None]:
    return _current_ip.set(ip)


def reset_current_ip(token: Token[str | None]) -> None:
    _current_ip.reset(token)

"""Template filters for volunteering pages."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from equityhub.volunteering.models import Shift

register = template.Library()


@lru_cache(maxsize=1024)
def _day(day: dt.date, language: str | None) -> str:
    """The day as "Sat Dec 5, 2026" in the active language; a page of shifts falls on a few
    days, so each is formatted once."""
    return formats.date_format(day, "D M j, Y")


@register.filter
def shift_when(shift: Shift) -> SafeString:
    """`<time>` with the shift's start and end in the shift's own time zone, e.g.
    "Sat Dec 5, 2026 08:00-12:00 CST" (with an en dash). Days are formatted once per day
    and language: long lists of shifts render this once per row."""
    start, end = shift.local_start, shift.local_end
    language = get_language()
    started = f"{_day(start.date(), language)} {start:%H:%M}"
    ended = (
        f"{end:%H:%M}"
        if end.date() == start.date()
        else f"{_day(end.date(), language)} {end:%H:%M}"
    )
    return format_html(
        '<time datetime="{}">{}</time>\u2013{} <span class="eh-muted">{}</span>',
        shift.starts_at.isoformat(),
        started,
        ended,
        start.tzname() or shift.timezone,
    )

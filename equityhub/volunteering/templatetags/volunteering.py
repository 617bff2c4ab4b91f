"""Template filters for volunteering pages."""

from __future__ import annotations

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString

from equityhub.volunteering.models import Shift

register = template.Library()


@register.filter
def shift_when(shift: Shift) -> SafeString:
    """`<time>` with the shift's start and end in the shift's own time zone, e.g.
    "Sat Dec 5, 2026 08:00-12:00 CST" (with an en dash). One localized format call per
    shift: long lists of shifts render this once per row."""
    start, end = shift.local_start, shift.local_end
    started = formats.date_format(start, "D M j, Y H:i")
    ended = (
        f"{end:%H:%M}" if end.date() == start.date() else formats.date_format(end, "D M j, Y H:i")
    )
    return format_html(
        '<time datetime="{}">{}</time>\u2013{} <span class="eh-muted">{}</span>',
        shift.starts_at.isoformat(),
        started,
        ended,
        start.tzname() or shift.timezone,
    )

"""Types and limits the apps' API routers share."""

from __future__ import annotations

from typing import Annotated

from django.conf import settings
from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field

from equityhub.people.selectors import MAX_ID

# As in the people api: far beyond any list, and OFFSET + LIMIT stays a 64-bit integer.
MAX_OFFSET = 1_000_000_000
PAGE_SIZE = settings.DIRECTORY_PAGE_SIZE
MAX_LIMIT = settings.NINJA_PAGINATION_MAX_LIMIT


def no_control_characters(value: str) -> str:
    """PostgreSQL refuses NUL in text; other control characters (except tab and newlines) have
    no business in a note, a reason or a title."""
    if any(ord(char) < 32 and char not in "\t\n\r" for char in value):
        raise ValueError(_("Control characters are not allowed."))
    return value


PlainText = Annotated[str, AfterValidator(no_control_characters)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

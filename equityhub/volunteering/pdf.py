"""The service transcript as a PDF (WeasyPrint), drawn from the transcript's stored snapshot.

A transcript prints what was verified when it was issued: the rows, total and name saved on the
`Transcript`, never the person's live hours, so a reprint matches the original and the public
verification page (which shows the same snapshot's summary).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from equityhub.volunteering.models import Transcript

TEMPLATE = "volunteering/feeds/transcript_pdf.html"


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint's URL fetcher: the transcript is self-contained, so nothing is fetched (no
    file, no network), whatever ends up in the HTML."""
    from weasyprint.urls import URLFetchingError  # noqa: PLC0415

    raise URLFetchingError(f"fetching {url!r} is disabled for transcripts")


def formatted_code(code: str) -> str:
    """ABCD-EFGH-JKLM-NPQR: easier to read aloud and type (the lookup ignores the dashes)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _row(raw: Any) -> dict[str, Any]:
    row = raw if isinstance(raw, dict) else {}
    try:
        day: dt.date | str = dt.date.fromisoformat(str(row.get("date", "")))
    except ValueError:
        day = str(row.get("date", ""))
    try:
        hours: Decimal | str = Decimal(str(row.get("hours", "")))
    except InvalidOperation:
        hours = str(row.get("hours", ""))
    return {
        "date": day,
        "place": str(row.get("place", "")),
        "activity": str(row.get("activity", "")),
        "hours": hours,
    }


def transcript_context(transcript: Transcript, verify_url: str) -> dict[str, Any]:
    entries = transcript.entries if isinstance(transcript.entries, list) else []
    return {
        "transcript": transcript,
        "rows": [_row(raw) for raw in entries],
        "office_name": settings.SITE_NAME,
        "verify_url": verify_url,
        "code": formatted_code(transcript.code),
        "issued_at": timezone.localtime(transcript.issued_at),
        "revoked_at": (
            timezone.localtime(transcript.revoked_at) if transcript.revoked_at else None
        ),
    }


def transcript_html(transcript: Transcript, verify_url: str) -> str:
    return render_to_string(TEMPLATE, transcript_context(transcript, verify_url))


def render_transcript(transcript: Transcript, verify_url: str) -> bytes:
    """The transcript's PDF, from its snapshot, with the verification URL and code at the foot."""
    from weasyprint import HTML  # noqa: PLC0415

    html = transcript_html(transcript, verify_url)
    document = HTML(string=html, base_url=None, url_fetcher=_refuse_fetch)
    pdf = document.write_pdf()
    if pdf is None:  # pragma: no cover - only when a target file is given
        raise RuntimeError("WeasyPrint returned no PDF")
    return bytes(pdf)

"""Calendar feeds and service transcripts (under /volunteer/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.volunteering import views_feeds as views

urlpatterns: list[URLPattern] = [
    # Calendar feeds: no sign-in, the signed key in the URL is the secret.
    path("calendar/<str:token>.ics", views.personal_feed, name="personal-feed"),
    path("sites/calendar/<str:token>.ics", views.site_feed, name="site-feed"),
    path("me/calendar/", views.my_calendar, name="my-calendar"),
    path("me/calendar/rotate/", views.rotate_calendar, name="rotate-calendar"),
    path(
        "manage/sites/<int:site_id>/calendar/rotate/",
        views.rotate_site_calendar,
        name="rotate-site-calendar",
    ),
    # Transcripts.
    path("me/transcripts/", views.my_transcripts, name="my-transcripts"),
    path("me/transcripts/issue/", views.issue_transcript, name="issue-transcript"),
    path("transcripts/<int:transcript_id>.pdf", views.transcript_pdf, name="transcript-pdf"),
    path(
        "transcripts/<int:transcript_id>/revoke/",
        views.revoke_transcript,
        name="revoke-transcript",
    ),
    # The public verification pages: no sign-in.
    path("transcripts/verify/", views.verify_transcript_form, name="verify-transcript-form"),
    path("transcripts/verify/<str:code>/", views.verify_transcript, name="verify-transcript"),
]

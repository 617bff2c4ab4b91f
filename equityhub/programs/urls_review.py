"""Pathway-program pages: review and decisions (in the `programs` namespace, under
/programs/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.programs import views_review as views

urlpatterns: list[URLPattern] = [
    path("review/", views.review_queue, name="review_queue"),
    path("reviews/<int:review_id>/", views.review, name="review"),
    path("reviews/<int:review_id>/conflict/", views.review_conflict, name="review_conflict"),
    path("cycles/<int:cycle_id>/criteria/", views.criteria, name="criteria"),
    path("criteria/<int:criterion_id>/edit/", views.criterion_edit, name="criterion_edit"),
    path("criteria/<int:criterion_id>/delete/", views.criterion_delete, name="criterion_delete"),
    path("cycles/<int:cycle_id>/assign/", views.assign, name="assign"),
    path("cycles/<int:cycle_id>/committee/", views.committee, name="committee"),
    path("cycles/<int:cycle_id>/letters/send/", views.send_letters, name="send_letters"),
    path("committee/applications/<int:application_id>/decide/", views.decide, name="decide"),
    path(
        "committee/applications/<int:application_id>/release/",
        views.release,
        name="release_seat",
    ),
    path("<int:program_id>/letters/", views.letters, name="letters"),
    path("letters/<int:template_id>/delete/", views.letter_delete, name="letter_delete"),
    path("applications/<int:application_id>/offer/", views.offer_response, name="offer_response"),
    path(
        "applications/<int:application_id>/director/",
        views.director_request,
        name="director_request",
    ),
    path("links/director/<str:token>/", views.director_link, name="director_link"),
]

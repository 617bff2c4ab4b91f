"""Medical Plunge pages, under /plunge/."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.plunge import views, views_surveys

app_name = "plunge"

PLUNGE = "<int:plunge_id>/"
SESSION = PLUNGE + "sessions/<int:session_id>/"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    # A participant's own pages.
    path("me/", views.mine, name="mine"),
    path("registrations/<int:registration_id>/", views.registration, name="registration"),
    # Planning (office staff).
    path(PLUNGE, views.plunge_home, name="plunge"),
    path(PLUNGE + "edit/", views.plunge_edit, name="plunge-edit"),
    path(PLUNGE + "sessions/", views.sessions, name="sessions"),
    path(SESSION, views.session_edit, name="session"),
    path(SESSION + "hosts/", views.session_offers, name="session-offers"),
    path(SESSION + "delete/", views.session_delete, name="session-delete"),
    path(SESSION + "manifest.pdf", views.manifest, name="manifest"),
    path(PLUNGE + "participants/", views.participants, name="participants"),
    path(PLUNGE + "participants/invite/", views.invite_registry, name="invite-registry"),
    path(PLUNGE + "participants/invite-file/", views.invite_file, name="invite-file"),
    path(PLUNGE + "participants/rules/", views.pair_rule_add, name="pair-rule-add"),
    path(
        PLUNGE + "participants/rules/<int:rule_id>/delete/",
        views.pair_rule_delete,
        name="pair-rule-delete",
    ),
    path(PLUNGE + "participants/requirements/", views.requirement_add, name="requirement-add"),
    path(
        PLUNGE + "participants/requirements/<int:requirement_id>/delete/",
        views.requirement_delete,
        name="requirement-delete",
    ),
    path(PLUNGE + "groups/", views.groups, name="groups"),
    path(PLUNGE + "groups/runs/<int:run_id>/apply/", views.run_apply, name="run-apply"),
    path(PLUNGE + "groups/move/<int:registration_id>/", views.move, name="move"),
    path(PLUNGE + "groups/<int:group_id>/leader/", views.group_leader, name="group-leader"),
    path(PLUNGE + "rotation/", views.rotation, name="rotation"),
    path(PLUNGE + "rotation/buses/", views.buses, name="buses"),
    path(PLUNGE + "itineraries/", views.itineraries, name="itineraries"),
    path(PLUNGE + "surveys/", views_surveys.surveys, name="surveys"),
    path(PLUNGE + "surveys/send/<str:which>/", views_surveys.send_survey, name="send-survey"),
    path(PLUNGE + "check-in/", views.check_in_sessions, name="check-in-sessions"),
    path(SESSION + "check-in/", views.check_in, name="check-in"),
    path(
        SESSION + "check-in/<int:registration_id>/",
        views.check_in_person,
        name="check-in-person",
    ),
    path(
        SESSION + "check-in/<int:registration_id>/undo/",
        views.undo_check_in,
        name="undo-check-in",
    ),
]

"""Pathway-program pages: cohorts (sessions, attendance, leaders, stipends, capstones) and
outcomes (milestones, the milestone import, funnel and survival)."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.programs import views_cohorts, views_outcomes

urlpatterns: list[URLPattern] = [
    # Cohorts.
    path("cycles/<int:cycle_id>/cohort/", views_cohorts.cohort, name="cohort"),
    path(
        "cycles/<int:cycle_id>/cohort/sessions/new/",
        views_cohorts.session_add,
        name="cohort_session_add",
    ),
    path(
        "cohort/sessions/<int:session_id>/edit/",
        views_cohorts.session_edit,
        name="cohort_session_edit",
    ),
    path(
        "cohort/sessions/<int:session_id>/delete/",
        views_cohorts.session_delete,
        name="cohort_session_delete",
    ),
    path(
        "cohort/sessions/<int:session_id>/attendance/<int:application_id>/",
        views_cohorts.attendance_set,
        name="cohort_attendance_set",
    ),
    path(
        "cycles/<int:cycle_id>/cohort/leaders/new/",
        views_cohorts.leader_add,
        name="cohort_leader_add",
    ),
    path(
        "cohort/leaders/<int:leader_id>/remove/",
        views_cohorts.leader_remove,
        name="cohort_leader_remove",
    ),
    path(
        "cohort/leaders/<int:leader_id>/mentees/",
        views_cohorts.mentees_set,
        name="cohort_mentees_set",
    ),
    path(
        "cycles/<int:cycle_id>/cohort/stipends/new/",
        views_cohorts.stipend_add,
        name="cohort_stipend_add",
    ),
    path(
        "cohort/stipends/<int:stipend_id>/",
        views_cohorts.stipend_update,
        name="cohort_stipend_update",
    ),
    path(
        "cycles/<int:cycle_id>/cohort/capstones/<int:application_id>/",
        views_cohorts.capstone_set,
        name="cohort_capstone_set",
    ),
    # Milestones.
    path(
        "people/<int:person_id>/milestones/",
        views_outcomes.person_milestones,
        name="person_milestones",
    ),
    path(
        "milestones/<int:milestone_id>/edit/",
        views_outcomes.milestone_edit,
        name="milestone_edit",
    ),
    path(
        "milestones/<int:milestone_id>/delete/",
        views_outcomes.milestone_delete,
        name="milestone_delete",
    ),
    path("outcomes/import/", views_outcomes.outcomes_import, name="outcomes_import"),
    path(
        "outcomes/import/<str:token>/",
        views_outcomes.outcomes_import_confirm,
        name="outcomes_import_confirm",
    ),
    # A program's outcomes.
    path("<int:program_id>/outcomes/", views_outcomes.outcomes, name="outcomes"),
    path(
        "<int:program_id>/outcomes/export.csv",
        views_outcomes.outcomes_export,
        name="outcomes_export",
    ),
    path(
        "<int:program_id>/outcomes/alumni-survey/",
        views_outcomes.alumni_invite,
        name="outcomes_alumni_invite",
    ),
    path(
        "<int:program_id>/outcomes/survey-milestones/",
        views_outcomes.survey_milestones,
        name="outcomes_survey_milestones",
    ),
]

"""Pages for site supervisors and office staff: sites, opportunities, shifts, series, rosters."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.volunteering import views_manage as views

urlpatterns: list[URLPattern] = [
    path("manage/", views.manage_home, name="manage"),
    path("manage/sites/new/", views.site_create, name="site-create"),
    path("manage/sites/<int:site_id>/", views.site_manage, name="site-manage"),
    path("manage/sites/<int:site_id>/edit/", views.site_edit, name="site-edit"),
    path(
        "manage/sites/<int:site_id>/opportunities/new/",
        views.opportunity_create,
        name="opportunity-create",
    ),
    path(
        "manage/opportunities/<int:opportunity_id>/edit/",
        views.opportunity_edit,
        name="opportunity-edit",
    ),
    path(
        "manage/opportunities/<int:opportunity_id>/shifts/new/",
        views.shift_create,
        name="shift-create",
    ),
    path("manage/shifts/<int:shift_id>/edit/", views.shift_edit, name="shift-edit"),
    path("manage/shifts/<int:shift_id>/cancel/", views.shift_cancel, name="shift-cancel"),
    path("manage/shifts/<int:shift_id>/roster/", views.roster, name="roster"),
    path(
        "manage/shifts/<int:shift_id>/roster/walk-in/",
        views.roster_walk_in,
        name="roster-walk-in",
    ),
    path(
        "manage/shifts/<int:shift_id>/roster/sign-up/",
        views.roster_sign_up,
        name="roster-sign-up",
    ),
    path("manage/signups/<int:signup_id>/check-in/", views.check_in, name="check-in"),
    path("manage/signups/<int:signup_id>/no-show/", views.no_show, name="no-show"),
]

"""The volunteer's own pages (under /volunteer/): find shifts, sign up, hours, credentials."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.volunteering import views_volunteer as views

urlpatterns: list[URLPattern] = [
    path("", views.find_shifts, name="find-shifts"),
    path("shifts/<int:shift_id>/", views.shift_detail, name="shift-detail"),
    path("shifts/<int:shift_id>/sign-up/", views.sign_up, name="sign-up"),
    path("signups/<int:signup_id>/cancel/", views.cancel_signup, name="cancel-signup"),
    path("signups/<int:signup_id>/accept/", views.accept_offer, name="accept-offer"),
    path("signups/<int:signup_id>/decline/", views.decline_offer, name="decline-offer"),
    path("me/", views.my_volunteering, name="my-volunteering"),
    path("me/hours/", views.my_hours, name="my-hours"),
    path("me/hours/<int:entry_id>/edit/", views.edit_hours, name="edit-hours"),
    path("me/hours/<int:entry_id>/withdraw/", views.withdraw_hours, name="withdraw-hours"),
    path("me/credentials/", views.my_credentials, name="my-credentials"),
    path("me/settings/", views.my_settings, name="my-settings"),
]

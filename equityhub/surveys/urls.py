"""Surveys, under /surveys/: the public answering page and the office's pages."""

from __future__ import annotations

from django.urls import URLPattern, path

from equityhub.surveys import views

app_name = "surveys"

urlpatterns: list[URLPattern] = [
    path("", views.questionnaire_list, name="list"),
    path("new/", views.questionnaire_create, name="create"),
    path("r/<str:token>/", views.respond, name="respond"),
    path("thanks/", views.thanks, name="thanks"),
    path("<int:questionnaire_id>/", views.questionnaire_detail, name="detail"),
    path("<int:questionnaire_id>/items/", views.item_add, name="item-add"),
    path("<int:questionnaire_id>/invite/", views.invite_people, name="invite"),
    path("<int:questionnaire_id>/open/", views.set_open, name="set-open"),
    path("<int:questionnaire_id>/compare/", views.compare_pick, name="compare-pick"),
    path("<int:questionnaire_id>/compare/<int:post_id>/", views.compare, name="compare"),
]

from __future__ import annotations

from django.urls import path

from teams import views

app_name = "teams"

urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("glossary/", views.my_glossary, name="my_glossary"),
    path("join/<str:token>/", views.join, name="join"),
    path("<id:team_id>/", views.team_detail, name="team_detail"),
    path("<id:team_id>/rename/", views.team_rename, name="team_rename"),
    path("<id:team_id>/glossary/", views.team_glossary, name="team_glossary"),
    path("<id:team_id>/retention/", views.team_retention_set, name="team_retention"),
    path("<id:team_id>/consent/", views.team_consent, name="team_consent"),
    path("<id:team_id>/leave/", views.team_leave, name="team_leave"),
    path("<id:team_id>/invitations/", views.invitation_create, name="invitation_create"),
    path(
        "<id:team_id>/invitations/<id:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("<id:team_id>/members/<id:user_id>/remove/", views.member_remove, name="member_remove"),
    path("<id:team_id>/members/<id:user_id>/role/", views.member_role, name="member_role"),
    path(
        "<id:team_id>/members/<id:user_id>/reviewer/",
        views.member_reviewer,
        name="member_reviewer",
    ),
]

"""Review's pages and actions, under /review/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from review import views

app_name = "review"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("review.desk.urls")),
    path("<id:recording_id>/submit/", views.submit, name="submit"),
    path("<id:recording_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<id:recording_id>/take/", views.take, name="take"),
    path("<id:recording_id>/release/", views.release, name="release"),
    path("<id:recording_id>/approve/", views.approve, name="approve"),
    path("<id:recording_id>/changes/", views.request_changes, name="request_changes"),
    path("<id:recording_id>/reopen/", views.reopen, name="reopen"),
    path("<id:recording_id>/notices/read/", views.notices_read, name="notices_read"),
]

from __future__ import annotations

from django.urls import path

from transcripts import views

app_name = "transcripts"

urlpatterns = [
    path("record/", views.record, name="record"),
    path("recordings/", views.recording_list, name="recording_list"),
    path("recordings/<int:recording_id>/", views.recording_detail, name="recording_detail"),
]

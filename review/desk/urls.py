"""The reviewer's desk: the queue and the review page, and the review comments."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from review.desk import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.queue, name="queue"),
    path("<id:recording_id>/", views.review_page, name="page"),
    path("", include("review.comments.urls")),
]

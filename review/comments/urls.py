"""Review comments' routes, included under /review/ by review/desk/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from review.comments import views

urlpatterns: list[URLPattern] = [
    path("<id:recording_id>/comments/", views.comment_create, name="comment_create"),
    path("comments/<id:comment_id>/resolve/", views.thread_resolve, name="thread_resolve"),
    path("comments/<id:comment_id>/reopen/", views.thread_reopen, name="thread_reopen"),
]

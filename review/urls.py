"""Review's pages and actions, under /review/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

app_name = "review"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("review.desk.urls")),
]

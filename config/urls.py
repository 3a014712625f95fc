"""Top-level URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", include("api.urls")),
    path("", RedirectView.as_view(pattern_name="transcripts:recording_list"), name="home"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("audit/", include("audit.urls")),
    path("review/", include("review.urls")),
    path("teams/", include("teams.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("", include("transcripts.urls")),
]

"""Top-level URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from api.urls import api_urls, token_urls

urlpatterns = [
    path("api/v1/", api_urls),
    path("accounts/tokens/", include(token_urls)),
    path("", RedirectView.as_view(pattern_name="transcripts:recording_list"), name="home"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("teams/", include("teams.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("", include("transcripts.urls")),
]

"""Top-level URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from transcripts.params import IdConverter, IndexConverter, SpeakerConverter

# Bounded URL parameters (transcripts/params.py), for every app's URLs.
register_converter(IdConverter, "id")
register_converter(IndexConverter, "index")
register_converter(SpeakerConverter, "speaker")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="transcripts:recording_list"), name="home"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("teams/", include("teams.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("", include("transcripts.urls")),
]

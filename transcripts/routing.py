"""WebSocket routes: recording, watching a shared recording, and page events."""

from __future__ import annotations

from django.urls import path

from transcripts.live.consumers import RecordConsumer
from transcripts.realtime import EventsConsumer
from transcripts.sharing.consumers import WatchConsumer

websocket_urlpatterns = [
    path("ws/record/", RecordConsumer.as_asgi()),
    path("ws/events/", EventsConsumer.as_asgi()),
    # People watching a shared recording live (read-only).
    path("ws/watch/<str:token>/", WatchConsumer.as_asgi()),
]

"""WebSocket routes."""

from __future__ import annotations

from django.urls import path

from transcripts.consumers import EventsConsumer, RecordConsumer

websocket_urlpatterns = [
    path("ws/record/", RecordConsumer.as_asgi()),
    path("ws/events/", EventsConsumer.as_asgi()),
]

"""WebSocket routes: recording, watching a shared recording, and page events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.urls import path

from transcripts.live.consumers import RecordConsumer
from transcripts.realtime import EventsConsumer
from transcripts.sharing.consumers import WatchConsumer

if TYPE_CHECKING:
    from channels.routing import URLRouter, _ExtendedURLPattern


def socket_route(route: str, consumer: Any) -> _ExtendedURLPattern:
    """Django's path() with a consumer where a view would be, as Channels' router reads it."""
    return cast("_ExtendedURLPattern", path(route, consumer))


websocket_urlpatterns: list[_ExtendedURLPattern | URLRouter] = [
    socket_route("ws/record/", RecordConsumer.as_asgi()),
    socket_route("ws/events/", EventsConsumer.as_asgi()),
    # People watching a shared recording live (read-only).
    socket_route("ws/watch/<str:token>/", WatchConsumer.as_asgi()),
]

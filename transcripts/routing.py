"""WebSocket routes: recording, watching a shared recording, and page events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.urls import path, re_path

from transcripts.live.consumers import RecordConsumer
from transcripts.params import IdConverter
from transcripts.realtime import EventsConsumer
from transcripts.sharing.consumers import MemberWatchConsumer, WatchConsumer
from transcripts.sockets import NoSuchSocket

if TYPE_CHECKING:
    from channels.routing import URLRouter, _ExtendedURLPattern


def socket_route(route: str, consumer: Any, *, pattern: Any = path) -> _ExtendedURLPattern:
    """Django's path() (or re_path()) with a consumer where a view would be, as Channels'
    router reads it."""
    return cast("_ExtendedURLPattern", pattern(route, consumer))


websocket_urlpatterns: list[_ExtendedURLPattern | URLRouter] = [
    socket_route("ws/record/", RecordConsumer.as_asgi()),
    socket_route("ws/events/", EventsConsumer.as_asgi()),
    # People watching a shared recording live (read-only).
    socket_route(
        rf"^ws/watch/recording/(?P<recording_id>{IdConverter.regex})/$",
        MemberWatchConsumer.as_asgi(),
        pattern=re_path,
    ),
    socket_route("ws/watch/<str:token>/", WatchConsumer.as_asgi()),
    # Last: any other path is refused at the handshake, never a traceback from the router.
    socket_route(r"", NoSuchSocket.as_asgi(), pattern=re_path),
]

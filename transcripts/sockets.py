"""What Parley's WebSocket consumers share."""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer


class DirectConsumer(AsyncWebsocketConsumer):
    """A consumer whose messages skip Channels' per-message hop to the database thread.

    Channels closes stale database connections before every message, on its single
    database thread. At ten audio frames a second per recording, or every interim for
    every viewer, that hop cost more than the work itself (bench/live_load.py) and queued
    behind the segment saves. These consumers reach the database only through
    database_sync_to_async, which checks connections on every call.
    """

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the handler for `message` directly."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']!r}")
        await handler(message)

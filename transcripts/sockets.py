"""What Parley's WebSocket consumers share."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from autobahn.exception import Disconnected
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import User

from transcripts import protocol

# A consumer with this alias gets no channel-layer channel (Channels hands out none for a
# layer that is not configured): it cannot be failed by the layer, nor cost it anything.
NO_CHANNEL_LAYER = "none: this socket uses no channel layer"


def socket_user(scope: Mapping[str, Any]) -> User | None:
    """The logged-in user who opened the socket (AuthMiddlewareStack's), or None."""
    user = scope.get("user")
    return user if isinstance(user, User) and user.is_authenticated else None


class DirectConsumer(AsyncWebsocketConsumer):
    """A consumer whose messages skip Channels' per-message hop to the database thread.

    Channels closes stale database connections before every message, on its single
    database thread. At ten audio frames a second per recording, or every interim for
    every viewer, that hop cost more than the work itself (bench/live_load.py) and queued
    behind the segment saves. These consumers reach the database only through
    database_sync_to_async, which checks connections on every call.

    It also holds the socket's end: events are sent only while it is open, and a refusal
    sends an error in words before the close code.
    """

    # Class-level defaults: disconnect() can run after a refused connect().
    closed: bool = False
    user: User | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the handler for `message` directly."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']!r}")
        await handler(message)

    async def accept_logged_in(self, refusal: str) -> bool:
        """Accept the socket; a visitor who is not logged in is told `refusal` and closed."""
        await self.accept()
        self.user = socket_user(self.scope)
        if self.user is not None:
            return True
        await self._close_with_error(protocol.CLOSE_UNAUTHENTICATED, "login_required", refusal)
        return False

    @property
    def owner(self) -> User:
        """The logged-in user the socket was accepted for."""
        if self.user is None:
            raise PermissionError("Only a logged-in user's socket gets this far.")
        return self.user

    async def _send_event(self, event: protocol.ServerMessage) -> None:
        if self.closed:
            return
        try:
            await self.send(text_data=json.dumps(event))
        except Disconnected:
            # The browser left while this was on its way; Daphne hears of it a moment later.
            self.closed = True

    async def _close_with_error(self, close_code: int, code: str, message: str) -> None:
        if self.closed:
            return
        await self._send_event(protocol.error(code, message))
        await self._before_close()
        await self.close(code=close_code, reason=message[:120])
        self.closed = True

    async def _before_close(self) -> None:
        """What to let go of before the socket closes (a group, say)."""


class PlainLoopConsumer(DirectConsumer):
    """A DirectConsumer without a channel layer, reading its socket in one plain loop.

    Channels' own loop waits with asyncio.wait and makes a new task for every message: at
    ten audio frames a second per recording that was 7 % of the event loop at 200
    recordings (bench/live_load.py). A socket that needs nothing from the channel layer has
    only its own messages to wait for.
    """

    channel_layer_alias = NO_CHANNEL_LAYER

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Dispatch the socket's messages in order until it ends."""
        self.scope = scope
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            return


class NoSuchSocket(AsyncWebsocketConsumer):
    """Any socket path Parley does not serve: the handshake is refused (Daphne answers 403)."""

    channel_layer_alias = NO_CHANNEL_LAYER

    async def connect(self) -> None:
        """Refuse before accepting."""
        await self.close()

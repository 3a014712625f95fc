"""Daphne's WebSocket sockets, fitted for hundreds of live meetings in one process.

Daphne has no options for any of these, so its WebSocket factory is replaced, at ASGI load
and only in a Daphne process, by a subclass.

- How long a socket waits for the browser to answer the server's closing of it. After
  `stopped` the server closes the socket and the browser answers with its own close. Autobahn,
  under Daphne, waits one second for that answer and then aborts the connection, which throws
  away whatever the kernel has not delivered yet: `stopped` itself, for a phone on a slow
  network, or for any browser while many meetings end at once and the event loop runs late
  (300 meetings ending within 5 s: one socket in two runs lost its `stopped`,
  docs/benchmarks.md). Here it waits CLOSING_HANDSHAKE_SECONDS.
- What a socket does with the bytes it reads. Autobahn's `dataReceived` builds the arguments
  of a debug log line (the method's name and the peer, coloured for a terminal) for every read
  before it hands the bytes on, whether debug logging is on or not: about 6 µs a read, and a
  live server reads 3,000 frames a second at 300 meetings. Here the bytes are handed on
  directly; nothing else changes.
- What a socket does as it opens. Autobahn copies its factory's options onto it and lists
  them, pretty-printed, for a debug log line, whether debug logging is on or not: 0.3-0.4 ms
  of CPU a socket (`bench/start_costs.py`), 2 % of the event loop while 300 meetings connect
  within 5 s. Here the options are copied the same way, and the listing is left out.
- How a socket unmasks what the browser sends. A browser masks every frame; autobahn makes a
  masker object for each (CFFI allocations, then two copies of the payload): 3-6 µs a frame
  (`bench/frame_costs.py`), 3,000 frames a second at 300 meetings. Here autobahn's own
  unmasking is off (its `applyMask` option) and each frame's payload is unmasked in one step
  by websockets' C `apply_mask`, as it reaches autobahn's frame handling.
- What a socket does with each message it has read. Autobahn hands it to Daphne, then fires an
  observable "message" event for any listeners, making and running a Deferred, though Daphne
  registers none: 3-4 µs of the 8-9 a browser's frame took to read. Here the message is handed
  on the same way, and the event fired only if something listens.
"""

from __future__ import annotations

import sys
from typing import Any

try:
    from websockets.speedups import apply_mask
except ImportError:  # (websockets built without its C part)
    from websockets.utils import apply_mask

CLOSING_HANDSHAKE_SECONDS = 10.0


def unmasked(payload: bytes, mask: bytes, offset: int) -> bytes:
    """A frame's payload bytes from `offset` on, unmasked: the mask turned to start there."""
    turn = offset % 4
    return apply_mask(payload, mask[turn:] + mask[:turn] if turn else mask)


class UnmaskingInC:
    """A socket of autobahn's whose factory turned its unmasking off (`applyMask`): each
    payload is unmasked here, as it reaches autobahn's frame handling."""

    current_frame: Any
    current_frame_masker: Any

    def onFrameData(self, payload: bytes) -> bool | None:
        frame = self.current_frame
        if frame.mask and payload:
            offset = self.current_frame_masker.pointer() - len(payload)
            payload = unmasked(payload, frame.mask, offset)
        return super().onFrameData(payload)  # type: ignore[misc]


class MessagesWithoutEvents:
    """A socket of autobahn's that hands each message it read on without firing autobahn's
    observable "message" event when nothing listens for it (Daphne never does): autobahn
    made and ran a Deferred for it on every message."""

    _listeners: dict[str, list[Any]] | None
    failedByMe: bool
    message_data: Any
    message_is_binary: bool
    trackedTimings: Any
    _onMessage: Any

    def onMessageEnd(self) -> None:
        if self._listeners:  # something listens: autobahn's own way
            super().onMessageEnd()  # type: ignore[misc]
            return
        if not self.failedByMe:
            payload = b"".join(self.message_data)
            if self.trackedTimings:
                self.trackedTimings.track("onMessage")
            self._onMessage(payload, self.message_is_binary)
        self.message_data = None


def fit_daphne_sockets() -> None:
    """In a Daphne process, give its WebSocket factory the fitted sockets (once)."""
    server = sys.modules.get("daphne.server")
    if server is None:  # not under Daphne (a test's communicator, a management command)
        return
    factory = server.WebSocketFactory
    if getattr(factory, "closing_handshake_seconds", None) == CLOSING_HANDSHAKE_SECONDS:
        return

    options = factory.protocol.CONFIG_ATTRS

    class FittedWebSocketProtocol(
        UnmaskingInC,
        MessagesWithoutEvents,
        factory.protocol,  # type: ignore[name-defined]
    ):
        """Daphne's socket; it opens without listing its options, reads go straight to
        autobahn's frame parser, payloads are unmasked in C, and messages are handed on
        without an event nobody hears."""

        CONFIG_ATTRS = ()  # copied below: autobahn's copy lists them for its debug log

        def _connectionMade(self) -> None:
            for name in options:
                if not hasattr(self, name):
                    setattr(self, name, getattr(self.factory, name))
            super()._connectionMade()

        def dataReceived(self, data: bytes) -> None:
            self._dataReceived(data)

    class FittedWebSocketFactory(factory):  # type: ignore[misc, valid-type]
        """Daphne's factory; its sockets wait longer for the browser's close, and leave
        unmasking to `onFrameData`."""

        closing_handshake_seconds = CLOSING_HANDSHAKE_SECONDS
        protocol = FittedWebSocketProtocol

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # Autobahn's protocol options, read by each socket as it opens.
            self.closeHandshakeTimeout = CLOSING_HANDSHAKE_SECONDS
            self.applyMask = False

    server.WebSocketFactory = FittedWebSocketFactory  # type: ignore[attr-defined]

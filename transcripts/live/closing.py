"""How long Daphne waits for a browser to answer the server's closing of a socket.

After `stopped` the server closes the socket and the browser answers with its own close.
Autobahn, under Daphne, waits one second for that answer and then aborts the connection,
which throws away whatever the kernel has not delivered yet: `stopped` itself, for a phone
on a slow network, or for any browser while many meetings end at once and the event loop
runs late (300 meetings ending within 5 s: one socket in two runs lost its `stopped`,
docs/benchmarks.md). Daphne has no option for it, so its WebSocket factory is given a
patient default before it starts serving.
"""

from __future__ import annotations

import sys
from typing import Any

CLOSING_HANDSHAKE_SECONDS = 10.0


def wait_for_closing_handshakes() -> None:
    """In a Daphne process, let a closing handshake take CLOSING_HANDSHAKE_SECONDS."""
    server = sys.modules.get("daphne.server")
    if server is None:  # not under Daphne (a test's communicator, a management command)
        return
    factory = server.WebSocketFactory
    if getattr(factory, "closing_handshake_seconds", None) == CLOSING_HANDSHAKE_SECONDS:
        return

    class PatientWebSocketFactory(factory):  # type: ignore[misc, valid-type]
        """Daphne's factory; its sockets wait longer for the browser's close."""

        closing_handshake_seconds = CLOSING_HANDSHAKE_SECONDS

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # Autobahn's protocol option, read by each socket as it opens.
            self.closeHandshakeTimeout = CLOSING_HANDSHAKE_SECONDS

    server.WebSocketFactory = PatientWebSocketFactory  # type: ignore[attr-defined]

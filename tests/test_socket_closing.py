"""A browser slow to answer the server's close keeps its socket until it does.

A real Daphne and a client that holds back its answer to the server's close frame, as a
phone on a slow network (or a browser while the server runs late) would: the server waits
for it instead of aborting the connection after autobahn's one second, which threw away
whatever was still on its way (a recording's `stopped`, say).
"""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.typing import Origin
from websockets.uri import parse_uri

from tests.fake_deepgram import FakeDeepgram
from tests.servers import DaphneServer, daphne_with
from transcripts import protocol

pytestmark = pytest.mark.django_db(transaction=True)

AUTOBAHN_DEFAULT_SECONDS = 1.0  # what the server waited before
HELD_BACK_SECONDS = 2 * AUTOBAHN_DEFAULT_SECONDS  # the client's answer takes this long


@pytest.fixture
def daphne(fake_deepgram: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    with daphne_with(fake_deepgram, tmp_path) as server:
        yield server


def frames_until_close(conn: socket.socket, client: ClientProtocol) -> list[Frame]:
    """Read until the server's close frame has arrived; the frames received."""
    received: list[Frame] = []
    while not any(frame.opcode == Opcode.CLOSE for frame in received):
        data = conn.recv(65536)
        assert data, "the server closed the connection before its close frame"
        client.receive_data(data)
        received += [event for event in client.events_received() if isinstance(event, Frame)]
    return received


def ended_by_server(conn: socket.socket) -> bool:
    """Whether the server ended the TCP connection (autobahn resets it once the closing
    handshake is done) with nothing more sent."""
    try:
        return conn.recv(65536) == b""
    except ConnectionResetError:
        return True


def test_the_server_waits_for_a_slow_answer_to_its_close(daphne: DaphneServer) -> None:
    uri = parse_uri(daphne.url.replace("http://", "ws://") + "/ws/record/")
    client = ClientProtocol(uri, origin=Origin(daphne.url))
    client.send_request(client.connect())
    with socket.create_connection((uri.host, uri.port), timeout=10) as conn:
        conn.sendall(b"".join(client.data_to_send()))
        # Not logged in: the server says so in words and closes the socket itself.
        received = frames_until_close(conn, client)
        assert received[0].opcode == Opcode.TEXT
        assert b"login_required" in received[0].data
        assert client.close_rcvd is not None
        assert client.close_rcvd.code == protocol.CLOSE_UNAUTHENTICATED

        # The answer is held back; meanwhile the server must keep the connection open.
        readable, _, _ = select.select([conn], [], [], HELD_BACK_SECONDS)
        assert not readable, "the server dropped the connection while waiting for the answer"

        conn.sendall(b"".join(client.data_to_send()))  # the close frame, answered at last
        assert ended_by_server(conn)
        client.receive_eof()
    assert client.close_code == protocol.CLOSE_UNAUTHENTICATED

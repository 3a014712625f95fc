"""Daphne's WebSocket sockets as Parley fits them (live/daphne_sockets.py): each opens with
every option its factory was given, as autobahn's own sockets do, and reads a browser's
masked frames as sent."""

from __future__ import annotations

import random
import sys
import types

import pytest
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from daphne import ws_protocol
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from websockets.frames import Frame, Opcode

from transcripts.live.daphne_sockets import (
    CLOSING_HANDSHAKE_SECONDS,
    MessagesWithoutEvents,
    UnmaskingInC,
    fit_daphne_sockets,
)


@pytest.fixture
def fitted_factory(monkeypatch: pytest.MonkeyPatch) -> type[ws_protocol.WebSocketFactory]:
    """Daphne's WebSocket factory, fitted as in a Daphne process (its server module, with only
    the factory in it, stands in for the one that would start Twisted's reactor)."""
    server = types.ModuleType("daphne.server")
    server.WebSocketFactory = ws_protocol.WebSocketFactory  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "daphne.server", server)
    fit_daphne_sockets()
    fitted: type[ws_protocol.WebSocketFactory] = server.WebSocketFactory  # type: ignore[attr-defined]
    assert fitted is not ws_protocol.WebSocketFactory
    return fitted


def test_a_fitted_socket_opens_with_every_option_of_its_factory(
    fitted_factory: type[ws_protocol.WebSocketFactory],
) -> None:
    factory = fitted_factory(None, server="Parley")
    factory.setProtocolOptions(autoPingTimeout=7, openHandshakeTimeout=9, allowNullOrigin=True)
    socket = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 1234))
    socket.makeConnection(StringTransport())
    names = ws_protocol.WebSocketProtocol.CONFIG_ATTRS
    assert len(names) > 20
    assert {name: getattr(socket, name) for name in names} == {
        name: getattr(factory, name) for name in names
    }
    assert (socket.autoPingTimeout, socket.openHandshakeTimeout) == (7, 9)
    assert socket.closeHandshakeTimeout == CLOSING_HANDSHAKE_SECONDS


def test_fitting_twice_fits_once(fitted_factory: type[ws_protocol.WebSocketFactory]) -> None:
    fit_daphne_sockets()
    assert sys.modules["daphne.server"].WebSocketFactory is fitted_factory


# --- Reading what the browser sends (UnmaskingInC, MessagesWithoutEvents) ---------------


class Collecting(UnmaskingInC, MessagesWithoutEvents, WebSocketServerProtocol):
    """Autobahn's own server socket read as Parley's Daphne sockets read; keeps each message."""

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self.factory.messages.append((payload, isBinary))


def open_socket() -> tuple[Collecting, StringTransport]:
    factory = WebSocketServerFactory()
    factory.protocol = Collecting
    factory.setProtocolOptions(applyMask=False)  # as the fitted factory sets it
    factory.messages = []
    socket = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 1234))
    transport = StringTransport()
    socket.makeConnection(transport)
    socket.dataReceived(
        b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    assert transport.value().startswith(b"HTTP/1.1 101")
    transport.clear()
    return socket, transport


def browser_frame(opcode: Opcode, data: bytes, *, fin: bool = True) -> bytes:
    """A frame as a browser sends it: masked (websockets' own client-side serialisation)."""
    return Frame(opcode, data, fin=fin).serialize(mask=True, extensions=[])


@pytest.mark.parametrize("length", [1, 3, 125, 126, 3200, 65535, 65536, 200_003])
def test_a_browsers_frames_read_back_as_sent_however_the_reads_cut_them(length: int) -> None:
    """Unmasking starts each piece of a payload at its place in the mask: frames split
    across reads at every kind of boundary, several frames in one read, a fragmented message."""
    payload = random.Random(length).randbytes(length)
    text = ("é" * (length // 2 + 1)).encode()
    stream = (
        browser_frame(Opcode.BINARY, payload)
        + browser_frame(Opcode.TEXT, text[:7], fin=False)
        + browser_frame(Opcode.CONT, text[7:])
        + browser_frame(Opcode.BINARY, b"")
    )
    for cut in (1, 3, 5, 4096, 65537):
        socket, _ = open_socket()
        for start in range(0, len(stream), cut):
            socket.dataReceived(stream[start : start + cut])
        assert socket.factory.messages == [(payload, True), (text, False), (b"", True)]


def test_a_listener_for_autobahns_message_event_still_hears_each_message() -> None:
    """The event is left out only while nothing listens for it (Daphne never does)."""
    socket, _ = open_socket()
    heard: list[bytes] = []
    socket.on("message", lambda payload, is_binary: heard.append(payload))
    socket.dataReceived(browser_frame(Opcode.BINARY, b"first") + browser_frame(Opcode.TEXT, b"2"))
    assert heard == [b"first", b"2"]
    assert socket.factory.messages == [(b"first", True), (b"2", False)]


def test_a_browsers_ping_is_answered_with_its_own_payload() -> None:
    socket, transport = open_socket()
    socket.dataReceived(browser_frame(Opcode.PING, b"are you there?"))
    assert transport.value() == Frame(Opcode.PONG, b"are you there?").serialize(
        mask=False, extensions=[]
    )


def test_the_fitted_factory_leaves_unmasking_to_its_sockets(
    fitted_factory: type[ws_protocol.WebSocketFactory],
) -> None:
    factory = fitted_factory(None, server="Parley")
    socket = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 1234))
    socket.makeConnection(StringTransport())
    assert socket.applyMask is False
    assert isinstance(socket, UnmaskingInC)
    assert isinstance(socket, MessagesWithoutEvents)

"""Daphne's WebSocket sockets as Parley fits them (live/daphne_sockets.py): each opens with
every option its factory was given, as autobahn's own sockets do."""

from __future__ import annotations

import sys
import types

import pytest
from daphne import ws_protocol
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from transcripts.live.daphne_sockets import CLOSING_HANDSHAKE_SECONDS, fit_daphne_sockets


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

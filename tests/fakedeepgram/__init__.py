"""Implementation package of the fake Deepgram server; import it via `tests.fake_deepgram`."""

from __future__ import annotations

from .callbacks import CallbackDelivery
from .common import DROP_CONNECTION
from .protocol import NET0000_REASON, NET0001_REASON, FakeProtocolError
from .records import LiveConnection, RestRequest
from .server import FakeDeepgram
from .transcript import DEFAULT_SCRIPT

__all__ = [
    "DEFAULT_SCRIPT",
    "DROP_CONNECTION",
    "NET0000_REASON",
    "NET0001_REASON",
    "CallbackDelivery",
    "FakeDeepgram",
    "FakeProtocolError",
    "LiveConnection",
    "RestRequest",
]

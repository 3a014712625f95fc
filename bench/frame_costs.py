"""What one frame of a meeting's audio costs the event loop, in CPU time a shared host's load
cannot blur.

Every 100 ms each meeting's browser sends a frame of audio (3,200 bytes: 16 kHz PCM16), and
the live process relays it to Deepgram as a masked client frame (RFC 6455, 5.3): 3,000 frames
a second each way at 300 meetings. Measured per frame, each on its own:

- **masking it**: websockets' pure-Python `apply_mask` (in `websockets.utils`, the fallback)
  against its C version (`websockets.speedups`, what its own frames use);
- **writing it to Deepgram**, whole (the frame built, masked, handed to a transport that keeps
  nothing): as websockets' client protocol does it (a `Frame`, serialized with a mask from
  `os.urandom`), and as Parley's `DeepgramClientProtocol` does (`engines/deepgram/frames.py`);
- **reading the browser's frame**, whole (autobahn's frame parser under Daphne, up to the
  message): as autobahn's socket does; as Parley's Daphne sockets did (each read straight to
  the parser, autobahn unmasking: a masker made for each frame, its payload copied in and
  out); and as they do (`live/daphne_sockets.py`: unmasked by websockets' C `apply_mask`, in
  one step, and each message handed on without autobahn's observable "message" event, a
  Deferred made and run for listeners Daphne never registers); and autobahn's unmasking
  alone.

Usage
    .venv/bin/python bench/frame_costs.py [--frames 20000] [--bytes 3200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import websockets.speedups
import websockets.utils
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.xormasker import create_xor_masker
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from websockets.frames import Frame, Opcode
from websockets.legacy.client import WebSocketClientProtocol

from transcripts.engines.deepgram import frames
from transcripts.live.daphne_sockets import MessagesWithoutEvents, UnmaskingInC

OPENING = (
    b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


class Reading(WebSocketServerProtocol):
    """Autobahn's server socket, reading frames up to the message (which goes nowhere)."""

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        pass


class ReadingStraight(Reading):
    """... its reads handed straight to the frame parser, as Parley's Daphne sockets do
    (no debug line built for each read)."""

    def dataReceived(self, data: bytes) -> None:
        self._dataReceived(data)


class ReadingAsParley(UnmaskingInC, MessagesWithoutEvents, ReadingStraight):
    """... and Parley's unmasking (its factory's `applyMask` off), each message handed on
    without autobahn's "message" event: as Parley's Daphne sockets read."""


def open_socket(protocol: type[Reading], *, apply_mask: bool) -> Reading:
    """A server socket past its opening handshake, on a transport that keeps what it gets."""
    factory = WebSocketServerFactory()
    factory.protocol = protocol
    factory.setProtocolOptions(applyMask=apply_mask)
    socket = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 1234))
    socket.makeConnection(StringTransport())
    socket.dataReceived(OPENING)
    return socket


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=20_000, help="frames per measurement")
    parser.add_argument("--bytes", type=int, default=3_200, help="bytes of audio per frame")
    return parser.parse_args(argv)


class KeepNothing:
    """A transport that takes a frame and drops it."""

    def write(self, data: bytes) -> None:
        pass


def cpu_per_call(call: Callable[[], object], count: int) -> float:
    """Microseconds of this thread's CPU per call, the best of three rounds."""
    rounds = []
    for _ in range(3):
        started = time.thread_time()
        for _ in range(count):
            call()
        rounds.append((time.thread_time() - started) / count)
    return min(rounds) * 1e6


def with_null_transport[P: WebSocketClientProtocol](protocol: P) -> P:
    protocol.transport = KeepNothing()  # type: ignore[assignment]
    return protocol


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    audio, mask = os.urandom(args.bytes), os.urandom(4)
    print(f"Python {sys.version.split()[0]}, {args.bytes:,}-byte frames, {args.frames:,} each")
    masks = {"pure Python": websockets.utils.apply_mask, "C": websockets.speedups.apply_mask}
    for name, apply_mask in masks.items():
        cost = cpu_per_call(lambda: apply_mask(audio, mask), args.frames)  # noqa: B023
        print(f"masking a frame, {name:<12} {cost:8.2f} µs of CPU")
    writers = {
        "as websockets does": with_null_transport(WebSocketClientProtocol()),
        "as Parley does": with_null_transport(frames.DeepgramClientProtocol()),
    }
    for name, protocol in writers.items():
        cost = cpu_per_call(
            lambda: protocol.write_frame_sync(True, Opcode.BINARY, audio),  # noqa: B023
            args.frames,
        )
        print(f"writing a frame to Deepgram, {name:<20} {cost:8.2f} µs of CPU")

    browser_frame = Frame(Opcode.BINARY, audio).serialize(mask=True, extensions=[])
    for name, socket in [
        ("as autobahn does", open_socket(Reading, apply_mask=True)),
        ("as Parley did", open_socket(ReadingStraight, apply_mask=True)),
        ("as Parley does", open_socket(ReadingAsParley, apply_mask=False)),
    ]:
        cost = cpu_per_call(lambda socket=socket: socket.dataReceived(browser_frame), args.frames)
        print(f"reading a browser's frame, {name:<20} {cost:8.2f} µs of CPU")

    def unmask() -> None:
        masker = create_xor_masker(mask, len(audio))
        masker.process(audio)
        masker.pointer()

    print(f"unmasking a browser's frame (autobahn) {cpu_per_call(unmask, args.frames):8.2f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The frames of a live stream to Deepgram, masked without giving the interpreter away.

A client masks every frame it sends (RFC 6455, 5.3) with four bytes from a strong source of
randomness. websockets draws them with `secrets.token_bytes(4)`, an `os.urandom` call per
frame, and CPython lets go of the interpreter lock around that system call. On the event loop
that relays every meeting's audio that is 3,000 hand-overs a second at 300 meetings: whenever
another thread of the server runs Python (a meeting starting or ending, words being saved) the
loop waits for it to give the lock back, frame after frame (docs/benchmarks.md). Here the masks
come from the same source, 4 KiB at a time: one system call per 1,024 frames. Each frame is
built here in one step (its header, its mask, its masked payload) where websockets built it,
serialized it and Parley masked the copy: 21-25 µs of CPU a 3,200-byte frame, 2.1-2.5 now
(`bench/frame_costs.py`).
"""

from __future__ import annotations

import os
import struct
import threading

from websockets.legacy.client import WebSocketClientProtocol
from websockets.typing import BytesLike

try:  # websockets' C version, as its own frames use it: 0.24 µs for a 3,200-byte frame
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - a websockets built without its C extension
    from websockets.utils import apply_mask  # 10-17 µs for the same frame

MASK_BYTES = 4
BLOCK_BYTES = 4096


class MaskSource:
    """Masks cut from blocks of `os.urandom`; any thread may draw from it."""

    def __init__(self, block_bytes: int = BLOCK_BYTES) -> None:
        self._block_bytes = block_bytes
        self._block = b""
        self._taken = 0
        self._lock = threading.Lock()

    def next_mask(self) -> bytes:
        with self._lock:
            if self._taken + MASK_BYTES > len(self._block):
                self._block, self._taken = os.urandom(self._block_bytes), 0
            start = self._taken
            self._taken += MASK_BYTES
            return self._block[start : self._taken]


masks = MaskSource()


def client_frame(opcode: int, data: BytesLike, fin: bool, mask: bytes) -> bytes:
    """A client's frame (RFC 6455, 5.2), masked, with no extension: Parley connects to Deepgram
    without compression (`_sdk.py`), and a frame without RSV1 is valid either way."""
    first = (0x80 if fin else 0) | opcode
    length = len(data)
    if length < 126:
        header = struct.pack("!BB", first, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", first, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, length)
    return header + mask + apply_mask(data, mask)


class DeepgramClientProtocol(WebSocketClientProtocol):
    """websockets' client protocol, its frames built here and masked from `masks`."""

    def write_frame_sync(self, fin: bool, opcode: int, data: BytesLike) -> None:
        self.transport.write(client_frame(opcode, data, fin, masks.next_mask()))

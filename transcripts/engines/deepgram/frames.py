"""The frames of a live stream to Deepgram, masked without giving the interpreter away.

A client masks every frame it sends (RFC 6455, 5.3) with four bytes from a strong source of
randomness. websockets draws them with `secrets.token_bytes(4)`, an `os.urandom` call per
frame, and CPython lets go of the interpreter lock around that system call. On the event loop
that relays every meeting's audio that is 3,000 hand-overs a second at 300 meetings: whenever
another thread of the server runs Python (a meeting starting or ending, words being saved) the
loop waits for it to give the lock back, frame after frame (docs/benchmarks.md). Here the masks
come from the same source, 4 KiB at a time: one system call per 1,024 frames.
"""

from __future__ import annotations

import os
import threading

from websockets.frames import Frame, Opcode
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


def masked(unmasked: bytes, mask: bytes) -> bytes:
    """A frame serialized without a mask (as a server sends it), masked as a client's."""
    length_code = unmasked[1] & 0x7F
    header_end = 2 + {126: 2, 127: 8}.get(length_code, 0)
    header = bytes((unmasked[0], unmasked[1] | 0x80)) + unmasked[2:header_end]
    return header + mask + apply_mask(unmasked[header_end:], mask)


class DeepgramClientProtocol(WebSocketClientProtocol):
    """websockets' client protocol, its frames masked from `masks`."""

    def write_frame_sync(self, fin: bool, opcode: int, data: BytesLike) -> None:
        frame = Frame(Opcode(opcode), data, fin)
        unmasked = frame.serialize(mask=False, extensions=self.extensions)
        self.transport.write(masked(unmasked, masks.next_mask()))

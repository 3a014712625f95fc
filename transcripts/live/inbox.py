"""Audio from the browser on its way to the engine: queued in order with pauses and the stop.

Frames wait here while the engine connects or reconnects, and whenever the server is busy;
they are taken in batches, so a session that fell behind catches up at a fraction of the
cost of sending frame by frame.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

MAX_BATCH = 10  # at most this many queued frames (~100 ms each) go to the engine at once
FLUSH = b""  # in the queue: the speaker paused (frames from the browser are never empty)


@dataclass(frozen=True, slots=True)
class Batch:
    """Audio to send as one message, and whether stop or a flush follows it."""

    audio: bytes
    stop: bool
    flush: bool


class AudioInbox:
    """The session's queue of audio frames, pause marks and the stop."""

    def __init__(self, sample_rate: int, *, channels: int = 1) -> None:
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._queued_bytes = 0
        self._rate = sample_rate
        self._frame = 2 * channels  # bytes per sample frame

    def put(self, chunk: bytes) -> None:
        """A frame from the browser."""
        self._queued_bytes += len(chunk)
        self._queue.put_nowait(chunk)

    def flush(self) -> None:
        """The speaker paused: the engine should finalise what it heard so far."""
        self._queue.put_nowait(FLUSH)

    def close(self) -> None:
        """Stop: nothing comes after what is queued."""
        self._queue.put_nowait(None)

    def queued_seconds(self) -> float:
        """How much audio waits to be sent, in seconds."""
        return self._queued_bytes / self._frame / self._rate

    async def next_batch(self) -> Batch:
        """The audio waiting now (at least one item is awaited), up to MAX_BATCH frames."""
        item = await self._queue.get()
        chunks: list[bytes] = []
        while item is not None and item != FLUSH:
            chunks.append(item)
            if self._queue.empty() or len(chunks) == MAX_BATCH:
                return self._batch(chunks, stop=False, flush=False)
            item = self._queue.get_nowait()
        return self._batch(chunks, stop=item is None, flush=item == FLUSH)

    def _batch(self, chunks: list[bytes], *, stop: bool, flush: bool) -> Batch:
        audio = b"".join(chunks)
        self._queued_bytes -= len(audio)
        return Batch(audio, stop=stop, flush=flush)

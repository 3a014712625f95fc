"""What a broken engine stream had not finalised, replayed to the next stream.

When the engine's stream breaks mid-recording, the audio it was sent since its last final
is sent again to the new stream, and the new stream's times are shifted by where that
audio starts on the recording's timeline: no word is lost, none saved twice.
"""

from __future__ import annotations

from collections import deque

from django.conf import settings


class ReplayBuffer:
    """Audio handed to the engine and not yet finalised, by byte position on the session."""

    def __init__(self, *, sample_rate: int, timeline_start: float) -> None:
        self._chunks: deque[tuple[int, bytes]] = deque()
        self._sent = 0
        self._stream_start = 0
        self._rate = sample_rate
        self._timeline_start = timeline_start
        self._limit = int(settings.LIVE_REPLAY_MAX_SECONDS * sample_rate) * 2

    def begin_stream(self) -> list[bytes]:
        """A new stream starts at the oldest audio not finalised: the chunks to send it first."""
        self._stream_start = self._chunks[0][0] if self._chunks else self._sent
        return [chunk for _, chunk in self._chunks]

    def remember(self, batch: bytes) -> None:
        """Keep audio the engine has not finalised yet, up to LIVE_REPLAY_MAX_SECONDS."""
        if not batch:
            return
        self._chunks.append((self._sent, batch))
        self._sent += len(batch)
        while self._sent - self._chunks[0][0] > self._limit:
            self._chunks.popleft()  # kept in the archive; the refined transcript has it

    def confirm(self, until_seconds: float) -> None:
        """The engine has finalised the audio up to `until_seconds`: no need to replay it."""
        until = int((until_seconds - self._timeline_start) * self._rate) * 2
        while self._chunks:
            position, chunk = self._chunks[0]
            if position + len(chunk) <= until:
                self._chunks.popleft()
            elif position < until:
                self._chunks[0] = (until, chunk[until - position :])
                return
            else:
                return

    def stream_offset(self) -> float:
        """Where the current stream's audio starts on the recording's timeline, in seconds."""
        return self._timeline_start + self._stream_start / 2 / self._rate

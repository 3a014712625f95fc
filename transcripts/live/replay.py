"""What a broken engine stream had not finalised, replayed to the next stream.

When the engine's stream breaks mid-recording, the audio it was sent since its last final
is sent again to the new stream, and the new stream's times are shifted by where that
audio starts on the recording's timeline: no word is lost, none saved twice. Only positions
are kept here; the audio itself is read back from the session's spool (live/spool.py),
which holds every byte, so a session keeps no copy of it in memory.
"""

from __future__ import annotations

from django.conf import settings


class ReplayBuffer:
    """How far the audio handed to the engine was sent, and how far it was finalised, as byte
    positions on the session's audio (the same as in its spool)."""

    def __init__(self, *, sample_rate: int, timeline_start: float, channels: int = 1) -> None:
        self._sent = 0
        self._finalised = 0
        self._stream_start = 0
        self._rate = sample_rate
        self._timeline_start = timeline_start
        # Positions stay on whole sample frames (2 bytes a channel), so a replay never
        # starts between a stereo frame's two samples.
        self._frame = 2 * channels
        self._limit = int(settings.LIVE_REPLAY_MAX_SECONDS * sample_rate) * self._frame
        # Two channels are finalised apart: a new stream starts where the channel furthest
        # behind was finalised, and the other channel's replayed finals are dropped.
        self._channels = channels
        self._by_channel: dict[int | None, int] = {}

    def begin_stream(self) -> tuple[int, int]:
        """A new stream starts at the oldest audio not finalised, at most LIVE_REPLAY_MAX_SECONDS
        back (older audio is in the archive; the refined transcript has it): the byte range
        to send it first."""
        self._stream_start = max(self._finalised, self._sent - self._limit)
        return self._stream_start, self._sent

    def remember(self, size: int) -> None:
        """`size` more bytes were handed to the engine (or held for the next stream)."""
        self._sent += size

    def confirm(self, until_seconds: float, channel: int | None = None) -> None:
        """The engine has finalised the audio (of `channel`) up to `until_seconds`: no need to
        replay it (once every channel has been finalised that far)."""
        until = min(self._position(until_seconds), self._sent)
        if self._channels > 1:
            self._by_channel[channel] = max(self._by_channel.get(channel, 0), until)
            until = min(self._by_channel.get(c, 0) for c in range(self._channels))
        self._finalised = max(self._finalised, until)

    def already_saved(self, end_seconds: float, channel: int | None) -> bool:
        """Whether a final ending at `end_seconds` on `channel` is a replay of text that channel
        had finalised before its stream broke (only a two-channel replay repeats any)."""
        if self._channels == 1:
            return False
        return self._position(end_seconds) <= self._by_channel.get(channel, 0)

    def _position(self, seconds: float) -> int:
        return int((seconds - self._timeline_start) * self._rate) * self._frame

    def stream_offset(self) -> float:
        """Where the current stream's audio starts on the recording's timeline, in seconds."""
        return self._timeline_start + self._stream_start / self._frame / self._rate

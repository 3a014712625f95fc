"""`channels=N&multichannel=true` on the live endpoint: one engine per channel.

Interleaved PCM is split into its channels; each channel's speech is found on its own by
its own engine (the same energy windower), reading its own script, and every message it
produces says which channel it speaks for (`channel_index` [c, N] on Results, `channel`
[c, N] on SpeechStarted and UtteranceEnd), as Deepgram's multichannel streams do.
"""

from __future__ import annotations

import heapq
from array import array
from dataclasses import replace
from typing import Any

from .engine import LiveEngine, LiveOptions


class MultichannelEngine:
    """The LiveEngine interface over interleaved audio, one LiveEngine per channel."""

    def __init__(self, opts: LiveOptions, scripts: list[tuple[str, ...]]) -> None:
        self.opts = opts
        self.channels = len(scripts)
        self.engines = [LiveEngine(replace(opts, script=script)) for script in scripts]
        self._frame_bytes = opts.width * self.channels
        self._pending = b""

    @property
    def stream_seconds(self) -> float:
        """Seconds of audio received so far (whole sample frames)."""
        return self.engines[0].stream_seconds

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Split an interleaved frame into its channels and feed each one's engine."""
        data = self._pending + data
        whole = len(data) - len(data) % self._frame_bytes
        self._pending = data[whole:]
        if self.opts.width == 2:
            samples = array("h", data[:whole])
            parts = [samples[c :: self.channels].tobytes() for c in range(self.channels)]
        else:  # only PCM16 is decoded; other widths count for time (as silence)
            parts = [data[: whole // self.channels]] * self.channels
        return self._merged(
            [engine.feed(part) for engine, part in zip(self.engines, parts, strict=True)]
        )

    def finalize(self) -> list[dict[str, Any]]:
        """`Finalize` reaches every channel."""
        return self._merged([engine.finalize() for engine in self.engines])

    def close_stream(self) -> list[dict[str, Any]]:
        """`CloseStream` reaches every channel."""
        return self._merged([engine.close_stream() for engine in self.engines])

    def _merged(self, per_channel: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """The channels' messages interleaved by time, each channel's kept in its own order."""
        labelled = [
            [self._labelled(message, channel) for message in messages]
            for channel, messages in enumerate(per_channel)
        ]
        return list(heapq.merge(*labelled, key=_message_time))

    def _labelled(self, message: dict[str, Any], channel: int) -> dict[str, Any]:
        index = [channel, self.channels]
        if message.get("type") == "Results":
            return {**message, "channel_index": index}
        if message.get("type") in ("SpeechStarted", "UtteranceEnd"):
            return {**message, "channel": index}
        return message


def _message_time(message: dict[str, Any]) -> float:
    """Where a message sits in the stream, so both channels' messages come in time order."""
    for key in ("start", "timestamp", "last_word_end"):
        if key in message:
            return float(message[key]) + float(message.get("duration") or 0.0)
    return 0.0

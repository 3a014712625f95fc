"""The local engine on a two-channel recording: each channel transcribed on its own.

The interleaved PCM is split into its channels, and each goes through its own pipeline
(resampler, voice-activity detection, utterances, decodes) as a LocalLiveStream labelled with
its channel, so the microphone and the shared audio are cut into utterances independently.
Their text meets in one outbox, in the order it is decoded. Decodes of both channels queue for
the process's decode slots (whisper.py) like those of any other stream: a second channel adds
work, not parallelism.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Protocol

import numpy as np

from transcripts.engines.base import EngineError, EngineEvent

# What a stream hands its reader: text, a failure, or None once it has finished.
Outbox = asyncio.Queue[EngineEvent | EngineError | None]


class ChannelStream(Protocol):
    """One channel's stream (engines/local.py LocalLiveStream), writing to a shared outbox."""

    async def send_audio(self, chunk: bytes) -> None: ...
    async def flush(self) -> None: ...
    async def finish(self) -> None: ...
    async def run(self) -> None: ...


# Builds the stream of one channel, writing to the shared outbox.
MakeStream = Callable[[int, Outbox], ChannelStream]


class ChannelsLiveStream:
    """One live stream per channel behind the LiveStream interface."""

    def __init__(self, make: MakeStream, channels: int) -> None:
        self._outbox: Outbox = asyncio.Queue()
        self._streams = [make(channel, self._outbox) for channel in range(channels)]

    async def send_audio(self, chunk: bytes) -> None:
        """Split interleaved PCM16LE into its channels; each stream takes its own."""
        samples = np.frombuffer(chunk, dtype="<i2").reshape(-1, len(self._streams))
        for channel, stream in enumerate(self._streams):
            await stream.send_audio(samples[:, channel].tobytes())

    async def flush(self) -> None:
        """Every channel decodes what it has buffered."""
        for stream in self._streams:
            await stream.flush()

    async def finish(self) -> None:
        """Every channel decodes the rest; `events()` ends when all of them have."""
        for stream in self._streams:
            await stream.finish()

    async def events(self) -> AsyncIterator[EngineEvent]:
        """Both channels' text as it is decoded, until every channel has finished."""
        running = len(self._streams)
        while running:
            item = await self._outbox.get()
            if item is None:
                running -= 1
            elif isinstance(item, EngineError):
                raise item
            else:
                yield item

    async def run(self) -> None:
        """Process every channel's audio until finish()."""
        await asyncio.gather(*(stream.run() for stream in self._streams))

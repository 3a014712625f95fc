"""The speech-engine interface: what the live session and the worker rely on.

An engine turns a stream of PCM audio into events. Each engine lives in its own
module behind this interface; nothing outside `transcripts.engines` imports an
engine's SDK.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its timing (seconds from the stream start)."""

    word: str
    start: float
    end: float
    confidence: float | None = None
    speaker: int | None = None


@dataclass(frozen=True, slots=True)
class InterimText:
    """A provisional hypothesis that later text will replace."""

    text: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class FinalSegment:
    """Text the engine will not revise: saved as a segment."""

    text: str
    start: float
    end: float
    speaker: int | None = None
    confidence: float | None = None
    words: tuple[Word, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """The engine's own identifier for the session, kept for support requests."""

    request_id: str


EngineEvent = InterimText | FinalSegment | StreamInfo


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """What the browser asked for when it started recording."""

    language: str
    sample_rate: int
    diarize: bool = False


class EngineError(Exception):
    """The engine failed; `message` is in words a user can act on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class EngineUnavailable(EngineError):
    """No engine is configured; `message` says how to configure one."""


class LiveStream(Protocol):
    """An open live transcription stream."""

    async def send_audio(self, chunk: bytes) -> None:
        """Send PCM16LE mono audio at the negotiated sample rate."""

    async def finish(self) -> None:
        """Ask the engine for its last words; `events()` ends once it has sent them."""

    def events(self) -> AsyncIterator[EngineEvent]:
        """Events until the engine closes the stream; raises EngineError on failure."""
        ...


class LiveEngine(Protocol):
    """A speech engine that transcribes audio as it is spoken."""

    name: str
    model: str

    def connect(self, options: LiveOptions) -> AbstractAsyncContextManager[LiveStream]:
        """Open a stream; raises EngineError if the engine refuses or cannot be reached."""
        ...

    def describe_options(self, options: LiveOptions) -> dict[str, object]:
        """The engine options a recording made with `options` uses, to store with it."""
        ...

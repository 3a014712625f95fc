"""The speech-engine interface: what the live session and the worker rely on.

An engine turns a stream of PCM audio into events. Each engine lives in its own
module behind this interface; nothing outside `transcripts.engines` imports an
engine's SDK.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its timing (seconds from the stream start)."""

    word: str
    start: float
    end: float
    confidence: float | None = None
    speaker: int | None = None


# A two-channel recording's sources (docs/protocol.md): channel 0 is the microphone of the
# person recording ("You"), channel 1 the meeting's own audio, shared from a tab or the
# screen ("Others"). A mono recording's text has no channel (None).
MICROPHONE, SHARED_AUDIO = 0, 1


@dataclass(frozen=True, slots=True)
class InterimText:
    """A provisional hypothesis that later text will replace."""

    text: str
    start: float
    end: float
    channel: int | None = None


@dataclass(frozen=True, slots=True)
class FinalSegment:
    """Text the engine will not revise: saved as a segment."""

    text: str
    start: float
    end: float
    speaker: int | None = None
    confidence: float | None = None
    words: tuple[Word, ...] = field(default_factory=tuple)
    channel: int | None = None  # MICROPHONE or SHARED_AUDIO in a two-channel recording


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """The engine's own identifier for the session, kept for support requests."""

    request_id: str


EngineEvent = InterimText | FinalSegment | StreamInfo

# A glossary: names, products and jargon every recording of a team or user should get right
# (its limits: teams/models.py). Deepgram takes up to 100 key terms a request and 500 tokens
# across them (engines/deepgram/_sdk.py); Whisper's prompt holds about 220 tokens, so with the
# local engine only the last terms of a long glossary reach the decoder (engines/whisper.py).


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """What the browser asked for when it started recording."""

    language: str
    sample_rate: int
    diarize: bool = False
    glossary: tuple[str, ...] = ()  # terms to favour (teams/models.py limits them)
    channels: int = 1  # 2: interleaved PCM16, MICROPHONE left, SHARED_AUDIO right


@dataclass(frozen=True, slots=True)
class FileOptions:
    """How to transcribe a stored file."""

    language: str
    diarize: bool
    mime: str
    glossary: tuple[str, ...] = ()  # terms to favour (teams/models.py limits them)
    channels: int = 1  # 2: transcribe each channel on its own (see MICROPHONE, SHARED_AUDIO)


@dataclass(frozen=True, slots=True)
class FileTranscript:
    """A whole file's transcript, as segments in order."""

    segments: tuple[FinalSegment, ...]
    duration: float
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class Callback:
    """Where an engine posts a transcript later: a URL with Basic Auth credentials in it, and a
    secret it must send back in the body (jobs/callbacks.py checks both)."""

    url: str
    secret: str


class EngineError(Exception):
    """The engine failed; `message` is in words a user can act on.

    `retryable` failures (busy, unreachable, a server error) may succeed later, no sooner
    than `retry_after` seconds when the engine said so.
    """

    def __init__(
        self, code: str, message: str, *, retryable: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


class TranscriptionStopped(Exception):
    """Raised through an engine when the caller asked it to stop (a cancelled job)."""


class EngineUnavailable(EngineError):
    """No engine is configured; `message` says how to configure one."""


class LiveStream(Protocol):
    """An open live transcription stream."""

    async def send_audio(self, chunk: bytes) -> None:
        """Send PCM16LE mono audio at the negotiated sample rate."""

    async def flush(self) -> None:
        """Ask the engine to finalise what it has heard so far (the speaker paused)."""

    async def finish(self) -> None:
        """Ask the engine for its last words; `events()` ends once it has sent them."""

    def events(self) -> AsyncIterator[EngineEvent]:
        """Events until the engine closes the stream; raises EngineError on failure."""
        ...


class LiveEngine(Protocol):
    """A speech engine that transcribes audio as it is spoken."""

    name: str
    model: str

    def check_options(self, options: LiveOptions) -> None:
        """Raise EngineError, before anything is recorded, if the engine cannot do this."""
        ...

    def connect(self, options: LiveOptions) -> AbstractAsyncContextManager[LiveStream]:
        """Open a stream; raises EngineError if the engine refuses or cannot be reached."""
        ...

    def describe_options(self, options: LiveOptions) -> dict[str, object]:
        """The engine options a recording made with `options` uses, to store with it."""
        ...


class FileEngine(Protocol):
    """A speech engine that transcribes a stored file."""

    name: str
    model: str

    def check_language(self, language: str) -> None:
        """Raise EngineError, before a file is uploaded, if the engine cannot do `language`."""
        ...

    def transcribe(
        self,
        *,
        audio: BinaryIO,
        size: int,
        options: FileOptions,
        on_progress: Callable[[float], None],
        should_stop: Callable[[], bool],
    ) -> FileTranscript:
        """Transcribe `size` bytes read from `audio`, reporting progress from 0 to 1.

        Raises EngineError on failure and TranscriptionStopped once `should_stop()`.
        """
        ...


@runtime_checkable
class CallbackFileEngine(FileEngine, Protocol):
    """A file engine that can also answer at once and post the transcript to a URL later."""

    def submit(
        self,
        *,
        audio: BinaryIO,
        size: int,
        options: FileOptions,
        callback: Callback,
        on_progress: Callable[[float], None],
        should_stop: Callable[[], bool],
    ) -> str:
        """Send the file for transcription with `callback`; returns the engine's request id.

        Raises EngineError on failure and TranscriptionStopped once `should_stop()`.
        """


class UrlEngine(Protocol):
    """A speech engine that fetches a file from a public link itself (Deepgram)."""

    name: str
    model: str

    def transcribe_url(self, *, url: str, options: FileOptions) -> FileTranscript:
        """Have the engine fetch `url` and transcribe it; raises EngineError on failure."""
        ...

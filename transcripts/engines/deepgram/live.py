"""Deepgram's live API behind the engine interface, through deepgram-sdk's async client."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from typing import Any

from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidMessage

from transcripts.engines.base import (
    MICROPHONE,
    SHARED_AUDIO,
    EngineError,
    EngineEvent,
    FinalSegment,
    InterimText,
    LiveOptions,
    StreamInfo,
)
from transcripts.engines.deepgram._sdk import (
    ApiError,
    AsyncDeepgramClient,
    LiveSocket,
    dominant_speaker,
    environment_for,
    glossary_query,
    live_socket,
    words_from_json,
)

logger = logging.getLogger(__name__)

# What the consumer asks Deepgram for on every live stream.
LIVE_FEATURES: dict[str, Any] = {
    "encoding": "linear16",
    "channels": 1,
    "interim_results": True,
    "punctuate": True,
    "smart_format": True,
    "utterance_end_ms": 1000,
    "vad_events": True,
}

HANDSHAKE_MESSAGES = {
    400: (
        "engine_rejected",
        "The transcription service refused these recording settings (HTTP 400). "
        "Try another language.",
    ),
    401: (
        "engine_auth",
        "The transcription service rejected Parley's credentials (HTTP 401). "
        "An administrator needs to check DEEPGRAM_API_KEY.",
    ),
    402: (
        "engine_auth",
        "The transcription account has run out of credit (HTTP 402). Contact an administrator.",
    ),
    403: (
        "engine_auth",
        "The transcription account may not use this model (HTTP 403). Contact an administrator.",
    ),
    429: (
        "engine_busy",
        "The transcription service is at its limit of simultaneous recordings (HTTP 429). "
        "Try again in a minute.",
    ),
}

CLOSE_MESSAGES = {
    1008: "The transcription service could not decode the audio (Deepgram closed with 1008).",
    1011: "The transcription service stopped the session (Deepgram closed with 1011).",
}


# Deepgram also refuses key terms past its limit (500 tokens across them) with a bare 400.
GLOSSARY_HINT = " With a long glossary, try a shorter one."


def handshake_error(exc: ApiError, *, glossary: bool = False) -> EngineError:
    """An EngineError for an HTTP refusal of the WebSocket upgrade (of a stream sending a
    glossary, if `glossary`)."""
    status = exc.status_code or 0
    code, message = HANDSHAKE_MESSAGES.get(
        status,
        (
            "engine_error",
            f"The transcription service could not start a session (HTTP {status}). "
            "Try again shortly.",
        ),
    )
    if status == 400 and glossary:
        message += GLOSSARY_HINT
    # Busy or broken right now: a live session tries again; a refusal will not change.
    return EngineError(code, message, retryable=status == 429 or status >= 500)


def closed_error(exc: ConnectionClosed) -> EngineError:
    """An EngineError for a stream Deepgram closed abnormally."""
    close_code = exc.rcvd.code if exc.rcvd else 1006
    reason = exc.rcvd.reason if exc.rcvd else ""
    message = CLOSE_MESSAGES.get(
        close_code, f"The connection to the transcription service was lost (code {close_code})."
    )
    if reason:
        message = f"{message} Deepgram said: {reason}"
    # 1008: Deepgram could not decode the audio; sending it again would not help.
    return EngineError("engine_closed", message, retryable=close_code != 1008)


def unreachable_error(exc: BaseException) -> EngineError:
    """An EngineError for a service that cannot be reached at all."""
    return EngineError(
        "engine_unreachable",
        "Parley could not reach the transcription service. Check the network and "
        f"DEEPGRAM_URL, then try again. ({type(exc).__name__})",
        retryable=True,
    )


def channel_of(message: dict[str, Any]) -> int | None:
    """The channel a multichannel stream's Results speak for (`channel_index` [c, 2]);
    None for a one-channel stream."""
    index = message.get("channel_index") or [0, 1]
    if len(index) < 2 or int(index[1]) < 2:
        return None
    return MICROPHONE if int(index[0]) == MICROPHONE else SHARED_AUDIO


def event_from_results(message: dict[str, Any]) -> EngineEvent:
    """Interim or final text from a Results message (its JSON; the SDK's ListenV1Results)."""
    alternatives = message.get("channel", {}).get("alternatives") or []
    best: dict[str, Any] = alternatives[0] if alternatives else {}
    text = (best.get("transcript") or "").strip()
    start = float(message.get("start") or 0.0)
    end = start + float(message.get("duration") or 0.0)
    channel = channel_of(message)
    if not message.get("is_final"):
        return InterimText(text=text, start=start, end=end, channel=channel)
    words = words_from_json(best.get("words"))
    if channel == MICROPHONE:
        # Diarization applies inside the others' channel only: the microphone is one person.
        words = tuple(replace(word, speaker=None) for word in words)
    return FinalSegment(
        text=text,
        start=start,
        end=end,
        speaker=dominant_speaker(words),
        confidence=best.get("confidence"),
        words=words,
        channel=channel,
    )


class DeepgramLiveStream:
    """One open Deepgram live stream; sends KeepAlive whenever audio stops flowing."""

    def __init__(self, socket: LiveSocket, *, keepalive_seconds: float) -> None:
        self._socket = socket
        self._keepalive_seconds = keepalive_seconds
        self._last_sent = time.monotonic()
        self._finishing = False
        self._request_id: str | None = None

    async def send_audio(self, chunk: bytes) -> None:
        """Relay PCM to Deepgram."""
        try:
            await self._socket.sdk.send_media(chunk)
        except ConnectionClosed as exc:
            raise closed_error(exc) from exc
        self._last_sent = time.monotonic()

    async def flush(self) -> None:
        """Finalize: Deepgram sends what it has heard as final results and carries on."""
        try:
            await self._socket.sdk.send_finalize()
        except ConnectionClosed as exc:
            raise closed_error(exc) from exc

    async def finish(self) -> None:
        """Flush with Finalize, then CloseStream: Deepgram sends the rest and closes."""
        self._finishing = True
        try:
            await self._socket.sdk.send_finalize()
            await self._socket.sdk.send_close_stream()
        except ConnectionClosed as exc:
            raise closed_error(exc) from exc

    async def keep_alive(self) -> None:
        """Send KeepAlive whenever nothing has been sent for a while, until finishing."""
        while not self._finishing:
            idle_for = time.monotonic() - self._last_sent
            if idle_for < self._keepalive_seconds:
                await asyncio.sleep(self._keepalive_seconds - idle_for)
                continue
            try:
                await self._socket.sdk.send_keep_alive()
            except ConnectionClosed:
                return  # events() reports the closure
            self._last_sent = time.monotonic()

    async def events(self) -> AsyncIterator[EngineEvent]:
        """Translate Deepgram's messages until it closes the stream."""
        try:
            async for message in self._socket.messages():
                for event in self._translate(message):
                    yield event
        except ConnectionClosed as exc:
            raise closed_error(exc) from exc

    def _translate(self, message: dict[str, Any]) -> list[EngineEvent]:
        kind = message.get("type")
        if kind == "Results":
            request_id = str(message.get("metadata", {}).get("request_id") or "")
            return [*self._new_request_id(request_id), event_from_results(message)]
        if kind == "Metadata":
            return self._new_request_id(str(message.get("request_id") or ""))
        if kind == "Error":
            logger.warning(
                "Deepgram reported %s: %s", message.get("variant"), message.get("description")
            )
        return []

    def _new_request_id(self, request_id: str) -> list[EngineEvent]:
        if not request_id or request_id == self._request_id:
            return []
        self._request_id = request_id
        return [StreamInfo(request_id=request_id)]


@functools.cache
def shared_client(api_key: str, url: str) -> AsyncDeepgramClient:
    """One client per key and address: building one loads TLS certificates (~20 ms, ~0.8 MB)."""
    return AsyncDeepgramClient(api_key=api_key, environment=environment_for(url))


class DeepgramLiveEngine:
    """Live transcription with Deepgram's streaming API."""

    name = "deepgram"

    def __init__(self, *, api_key: str, url: str, model: str, keepalive_seconds: float) -> None:
        environment_for(url)  # a malformed DEEPGRAM_URL fails here, not mid-recording
        self._api_key = api_key
        self._url = url
        self.model = model
        self._keepalive_seconds = keepalive_seconds

    @classmethod
    def from_settings(cls) -> DeepgramLiveEngine:
        """The engine as configured in Django settings."""
        return cls(
            api_key=settings.DEEPGRAM_API_KEY,
            url=settings.DEEPGRAM_URL,
            model=settings.DEEPGRAM_MODEL,
            keepalive_seconds=settings.LIVE_KEEPALIVE_SECONDS,
        )

    def check_options(self, options: LiveOptions) -> None:
        """Deepgram answers for itself: an unknown language is refused at the handshake."""

    def query(self, options: LiveOptions) -> dict[str, object]:
        """The query a stream with these options sends to Deepgram."""
        query: dict[str, object] = {"model": self.model, "language": options.language}
        query |= LIVE_FEATURES | {"sample_rate": options.sample_rate}
        if options.channels > 1:
            # Each channel transcribed on its own; Results say which (`channel_index`).
            query |= {"channels": options.channels, "multichannel": True}
        if options.diarize:
            query["diarize"] = True
        return query | glossary_query(self.model, options.glossary)

    def describe_options(self, options: LiveOptions) -> dict[str, object]:
        """The query, and the glossary it carries (a resumed stream sends it again)."""
        if not options.glossary:
            return self.query(options)
        return self.query(options) | {"glossary": list(options.glossary)}

    @asynccontextmanager
    async def connect(self, options: LiveOptions) -> AsyncIterator[DeepgramLiveStream]:
        """Open a Deepgram live stream with KeepAlive running beside it."""
        client = shared_client(self._api_key, self._url)
        async with AsyncExitStack() as stack:
            try:
                socket = await stack.enter_async_context(live_socket(client, self.query(options)))
            except ApiError as exc:
                raise handshake_error(exc, glossary=bool(options.glossary)) from exc
            except (OSError, InvalidHandshake, InvalidMessage) as exc:
                raise unreachable_error(exc) from exc
            stream = DeepgramLiveStream(socket, keepalive_seconds=self._keepalive_seconds)
            keepalive = asyncio.create_task(stream.keep_alive(), name="deepgram-keepalive")
            stack.callback(keepalive.cancel)
            yield stream

"""Deepgram's prerecorded API behind the file-engine interface, through deepgram-sdk."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, BinaryIO

import httpx
from django.conf import settings

from transcripts.engines.base import (
    MICROPHONE,
    Callback,
    EngineError,
    FileOptions,
    FileTranscript,
    FinalSegment,
    TranscriptionStopped,
)
from transcripts.engines.deepgram._sdk import (
    ApiError,
    DeepgramClient,
    ListenV1AcceptedResponse,
    ListenV1Response,
    deepgram_message,
    dominant_speaker,
    environment_for,
    glossary_query,
    retry_after,
    words_from,
)

logger = logging.getLogger(__name__)

# Read from storage and sent to Deepgram in pieces this size, so a file is never in memory.
SEND_CHUNK_BYTES = 256 * 1024
# Deepgram returns `extra=<key>:<value>` in the callback's metadata.extra as {key: value}.
CALLBACK_SECRET_KEY = "callback_secret"
RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})

FILE_FEATURES: dict[str, Any] = {
    "smart_format": True,
    "punctuate": True,
    "utterances": True,
    "paragraphs": True,
}


def read_in_chunks(
    audio: BinaryIO,
    size: int,
    on_progress: Callable[[float], None],
    should_stop: Callable[[], bool],
) -> Iterator[bytes]:
    """The file as a request body, reporting how much has been sent."""
    sent = 0
    while chunk := audio.read(SEND_CHUNK_BYTES):
        if should_stop():
            raise TranscriptionStopped
        yield chunk
        sent += len(chunk)
        on_progress(min(1.0, sent / size) if size else 1.0)


def api_error(exc: ApiError) -> EngineError:
    """An EngineError for an HTTP error answer from Deepgram."""
    status = exc.status_code or 0
    said = deepgram_message(exc.body)
    detail = f" Deepgram said: {said}" if said else ""
    if status in RETRYABLE_STATUSES:
        return EngineError(
            "engine_busy",
            f"Deepgram is busy or having trouble (HTTP {status}).{detail}",
            retryable=True,
            retry_after=retry_after(exc.headers),
        )
    if status == 400:
        return EngineError("engine_rejected", f"Deepgram could not process this file.{detail}")
    if status in (401, 402, 403):
        return EngineError("engine_auth", f"Deepgram refused the request (HTTP {status}).{detail}")
    return EngineError("engine_error", f"Deepgram answered with HTTP {status}.{detail}")


def unreachable(exc: httpx.TransportError) -> EngineError:
    """A retryable EngineError for a request that never got Deepgram's answer."""
    return EngineError(
        "engine_unreachable",
        f"Parley could not reach Deepgram ({type(exc).__name__}).",
        retryable=True,
    )


def segments_from(response: Any) -> tuple[FinalSegment, ...]:
    """One segment per utterance, in time order.

    A multichannel answer (a two-channel recording) has one entry in `results.channels` per
    channel and each utterance says its channel; speakers count only inside the meeting's
    shared audio (SHARED_AUDIO), the microphone being one person.
    """
    multichannel = len(response.results.channels or []) > 1
    utterances = sorted(
        response.results.utterances or [], key=lambda u: (u.start or 0.0, u.channel or 0)
    )
    segments = []
    for utterance in utterances:
        text = (utterance.transcript or "").strip()
        if not text:
            continue
        channel = (utterance.channel or 0) if multichannel else None
        words = words_from(utterance.words)
        speaker = utterance.speaker if utterance.speaker is not None else dominant_speaker(words)
        if channel == MICROPHONE:
            words = tuple(replace(word, speaker=None) for word in words)
            speaker = None
        segments.append(
            FinalSegment(
                text=text,
                start=utterance.start or 0.0,
                end=utterance.end or 0.0,
                speaker=speaker,
                confidence=utterance.confidence,
                words=words,
                channel=channel,
            )
        )
    return tuple(segments)


def transcript_from(response: Any) -> FileTranscript:
    """The transcript in a prerecorded response (answered at once or posted to a callback)."""
    return FileTranscript(
        segments=segments_from(response),
        duration=float(response.metadata.duration or 0.0),
        request_id=response.metadata.request_id or "",
    )


def callback_secret(body: bytes) -> str | None:
    """The secret a callback's body carries back in `metadata.extra`, if any."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
        return None
    metadata = payload.get("metadata") if isinstance(payload, dict) else None
    extra = metadata.get("extra") if isinstance(metadata, dict) else None
    secret = extra.get(CALLBACK_SECRET_KEY) if isinstance(extra, dict) else None
    return secret if isinstance(secret, str) else None


def callback_transcript(body: bytes) -> FileTranscript:
    """The transcript in a callback's body, read with the SDK's own response type.

    Raises ValueError when the body is not a prerecorded response.
    """
    return transcript_from(ListenV1Response.model_validate_json(body))


class DeepgramFileEngine:
    """Prerecorded transcription with Deepgram: the file streams from storage to the API."""

    name = "deepgram"

    def __init__(self, *, api_key: str, url: str, model: str, timeout: float) -> None:
        self._api_key = api_key
        self._environment = environment_for(url)
        self.model = model
        self._timeout = timeout

    @classmethod
    def from_settings(cls) -> DeepgramFileEngine:
        """The engine as configured in Django settings."""
        return cls(
            api_key=settings.DEEPGRAM_API_KEY,
            url=settings.DEEPGRAM_URL,
            model=settings.DEEPGRAM_MODEL,
            timeout=settings.DEEPGRAM_FILE_TIMEOUT,
        )

    def check_language(self, language: str) -> None:
        """Deepgram answers for itself: an unknown language fails the job with its message."""

    def query(self, options: FileOptions) -> dict[str, object]:
        """The query a request with these options sends to Deepgram."""
        query: dict[str, object] = {"model": self.model, "language": options.language}
        query |= FILE_FEATURES | {"diarize": options.diarize}
        if options.channels > 1:  # each channel transcribed on its own, utterances say which
            query["multichannel"] = True
        return query | glossary_query(self.model, options.glossary)

    def describe_options(self, options: FileOptions) -> dict[str, object]:
        """The query, and the glossary it carries."""
        if not options.glossary:
            return self.query(options)
        return self.query(options) | {"glossary": list(options.glossary)}

    def transcribe(
        self,
        *,
        audio: BinaryIO,
        size: int,
        options: FileOptions,
        on_progress: Callable[[float], None],
        should_stop: Callable[[], bool],
    ) -> FileTranscript:
        """Send the file and turn Deepgram's utterances into segments."""
        body = read_in_chunks(audio, size, on_progress, should_stop)
        response = self._send(body, self.query(options), options)
        if not isinstance(response, ListenV1Response):
            raise EngineError("engine_error", "Deepgram answered without a transcript.")
        return transcript_from(response)

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
        """Send the file with a callback; Deepgram answers at once with its request id."""
        body = read_in_chunks(audio, size, on_progress, should_stop)
        query = self.query(options) | {
            "callback": callback.url,
            "extra": f"{CALLBACK_SECRET_KEY}:{callback.secret}",
        }
        response = self._send(body, query, options)
        if not isinstance(response, ListenV1AcceptedResponse) or not response.request_id:
            raise EngineError(
                "engine_error",
                "Deepgram did not take the file for a callback. If this Deepgram cannot call "
                "back, an administrator can unset PUBLIC_URL.",
            )
        return response.request_id

    def transcribe_url(self, *, url: str, options: FileOptions) -> FileTranscript:
        """Have Deepgram fetch `url` (checked as public by Parley) and transcribe it."""
        with httpx.Client(timeout=httpx.Timeout(self._timeout, connect=15.0)) as http:
            client = DeepgramClient(
                api_key=self._api_key,
                environment=self._environment,
                httpx_client=http,
                timeout=self._timeout,
            )
            try:
                response = client.listen.v1.media.transcribe_url(
                    url=url, request_options={"max_retries": 0}, **self.query(options)
                )
            except ApiError as exc:
                raise api_error(exc) from exc
            except httpx.TransportError as exc:
                raise unreachable(exc) from exc
        return transcript_from(response)

    def _send(self, body: Iterator[bytes], query: dict[str, Any], options: FileOptions) -> Any:
        timeout = httpx.Timeout(self._timeout, connect=15.0)
        with httpx.Client(timeout=timeout) as http:
            # The SDK applies its own timeout to every request, over the httpx client's.
            client = DeepgramClient(
                api_key=self._api_key,
                environment=self._environment,
                httpx_client=http,
                timeout=self._timeout,
            )
            return self._request(client, body, query, options)

    def _request(
        self,
        client: DeepgramClient,
        body: Iterator[bytes],
        query: dict[str, Any],
        options: FileOptions,
    ) -> Any:
        request_options = {
            "max_retries": 0,  # the job retries with its own backoff
            # Lower-case key: the SDK's own default header is replaced, not duplicated.
            "additional_headers": {"content-type": options.mime},
        }
        try:
            return client.listen.v1.media.transcribe_file(
                request=body, request_options=request_options, **query
            )
        except ApiError as exc:  # BadRequestError (400) included
            raise api_error(exc) from exc
        except httpx.TransportError as exc:
            raise unreachable(exc) from exc

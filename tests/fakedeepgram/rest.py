"""The pre-recorded `POST /v1/listen` endpoint."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .audio import WavStream, sniff_container
from .callbacks import accept_for_callback, wants_callback
from .common import (
    FakeServer,
    Rejection,
    error_response,
    first_values,
    front_door,
    query_lists,
    record_error,
)
from .fetch import fetch_into, url_of
from .multichannel_files import MAX_DECODED_BODY, channel_utterances
from .protocol import (
    CORRUPT_AUDIO,
    FakeProtocolError,
    encode_rest_response,
    is_true,
    iso_now,
    model_info,
)
from .records import RestRequest
from .transcript import (
    DEFAULT_SCRIPT,
    RestOptions,
    Utterance,
    metadata_fields,
    multichannel_results,
    script_entry,
    tokenize,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
SNIFF_BYTES = 12
MAX_JSON_BODY = 1 << 20
# Containers the fake cannot decode get this much nominal audio per script entry.
NOMINAL_SECONDS_PER_ENTRY = 2.0


@dataclass
class BodyReader:
    """Streams a request body: counts, hashes, sniffs, and analyses WAV PCM on the fly."""

    silence_seconds: float
    want_json: bool
    keep_body: bool = False  # `multichannel=true`: decoded whole once read (multichannel.py)
    body: bytearray = field(default_factory=bytearray)
    size: int = 0
    container: str | None = None
    wav: WavStream | None = None
    _sha: Any = field(default_factory=hashlib.sha256)
    _head: bytearray = field(default_factory=bytearray)
    _decided: bool = False
    _json: bytearray | None = None

    @property
    def sha256(self) -> str:
        """Hex digest of everything read so far."""
        return str(self._sha.hexdigest())

    def feed(self, chunk: bytes) -> None:
        """Consume one body chunk."""
        self.size += len(chunk)
        self._sha.update(chunk)
        if self.keep_body and len(self.body) <= MAX_DECODED_BODY:
            self.body += chunk
        if not self._decided:
            self._head += chunk
            if len(self._head) >= SNIFF_BYTES:
                self._decide()
        elif self.wav is not None:
            self.wav.feed(chunk)
        elif self._json is not None and len(self._json) < MAX_JSON_BODY:
            self._json += chunk

    def finish(self) -> None:
        """Decide on short bodies and recognise `{"url": ...}` JSON bodies."""
        if not self._decided:
            self._decide()
        if self._json is not None and self.container is None and _is_url_body(bytes(self._json)):
            self.container = "url"

    def _decide(self) -> None:
        self._decided = True
        head, self._head = bytes(self._head), bytearray()
        self.container = sniff_container(head)
        if self.container == "wav":
            self.wav = WavStream(self.silence_seconds)
            self.wav.feed(head)
        elif self.want_json:
            self._json = bytearray(head)


def _is_url_body(raw: bytes) -> bool:
    try:
        payload = json.loads(raw)
    except ValueError:
        return False
    return isinstance(payload, dict) and isinstance(payload.get("url"), str)


async def handle_rest(fake: FakeServer, request: web.Request) -> web.StreamResponse:
    """Serve one transcription request, recording it in `fake.requests`."""
    record = RestRequest(
        query=query_lists(request),
        headers=dict(request.headers),
        request_id=str(uuid.uuid4()),
        chunked="chunked" in request.headers.get("Transfer-Encoding", "").lower(),
    )
    with fake.hub:
        fake.requests.append(record)
    try:
        return await _serve(fake, request, record)
    except (ConnectionError, HttpProcessingError) as exc:
        # The client went away mid-body: nothing to answer and nothing wrong with the fake.
        logger.debug("REST client vanished: %s", exc)
        return web.Response(status=499)
    except Exception as exc:
        if not isinstance(exc, FakeProtocolError):
            logger.exception("fake deepgram REST handler failed")
        record_error(fake, record, f"{type(exc).__name__}: {exc}")
        rejection = Rejection(500, err_msg="fake deepgram: internal error, see fake.errors")
        return _respond_error(fake, record, rejection)
    finally:
        with fake.hub:
            record.done = True


async def _serve(fake: FakeServer, request: web.Request, record: RestRequest) -> web.StreamResponse:
    query = first_values(record.query)
    reader = await _read_body(request, query, fake)
    if reader.container == "url":
        fetched = await _fetch_url_body(fake, reader, record)
        if isinstance(fetched, Rejection):
            return _respond_error(fake, record, fetched)
        reader = fetched
    with fake.hub:
        record.body_bytes = reader.size
        record.sha256 = reader.sha256
        record.container = reader.container
    if fake.take_rest_drop():
        with fake.hub:
            record.dropped = True
        return _drop(request)
    if fake.rest_delay > 0:
        await asyncio.sleep(fake.rest_delay)  # the delay itself is the simulated behaviour
    rejection = front_door(fake, request, live=False) or _body_rejection(reader)
    if rejection is not None:
        return _respond_error(fake, record, rejection)
    body = _response_body(fake, query, reader, record.request_id)
    if wants_callback(query):
        return accept_for_callback(fake, record, body)
    text = encode_rest_response(body)
    with fake.hub:
        record.status, record.response = 200, body
    return web.Response(
        text=text, content_type="application/json", headers={"dg-request-id": record.request_id}
    )


async def _read_body(request: web.Request, query: dict[str, str], fake: FakeServer) -> BodyReader:
    utt_split = query.get("utt_split")
    silence = float(utt_split) if _is_number(utt_split) else fake.silence_ms / 1000
    want_json = request.content_type == "application/json"
    keep = is_true(query.get("multichannel"))
    reader = BodyReader(silence_seconds=silence, want_json=want_json, keep_body=keep)
    async for chunk in request.content.iter_chunked(CHUNK_SIZE):
        reader.feed(chunk)
    reader.finish()
    return reader


async def _fetch_url_body(
    fake: FakeServer, reader: BodyReader, record: RestRequest
) -> BodyReader | Rejection:
    """A `{"url": ...}` body: the audio fetched from the URL, read as a sent file would be."""
    url = url_of(bytes(reader._json or b""))
    with fake.hub:
        record.url = url
    fetched = await fetch_into(
        url,
        lambda: BodyReader(
            silence_seconds=reader.silence_seconds, want_json=False, keep_body=reader.keep_body
        ),
    )
    return fetched if isinstance(fetched, Rejection) else cast(BodyReader, fetched)


def _is_number(value: str | None) -> bool:
    try:
        return value is not None and float(value) > 0
    except ValueError:
        return False


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the TCP connection without writing any response bytes."""
    if request.transport is not None:
        request.transport.abort()
    # aiohttp notices the closed transport and skips writing this response.
    return web.Response(status=204)


def _body_rejection(reader: BodyReader) -> Rejection | None:
    if reader.size == 0 or reader.container is None:
        return Rejection(400, "Bad Request", CORRUPT_AUDIO)
    return None


def _respond_error(fake: FakeServer, record: RestRequest, rejection: Rejection) -> web.Response:
    response = error_response(rejection, record.request_id, fake.retry_after)
    with fake.hub:
        record.status = rejection.status
        record.response = json.loads(response.text or "{}")
    return response


def _response_body(
    fake: FakeServer, query: dict[str, str], reader: BodyReader, request_id: str
) -> dict[str, Any]:
    script = list(fake.script) if fake.script is not None else list(DEFAULT_SCRIPT)
    heard = None
    if reader.keep_body:
        heard = channel_utterances(bytes(reader.body), script, reader.silence_seconds)
    if heard is None:
        utterances, duration = _utterances(reader, script)
        heard = [utterances], duration
    per_channel, duration = heard
    options = RestOptions(
        punctuate=is_true(query.get("punctuate")) or is_true(query.get("smart_format")),
        diarize=is_true(query.get("diarize")) or "diarize_model" in query,
        utterances=is_true(query.get("utterances")),
        paragraphs=is_true(query.get("paragraphs")),
        detect_language=is_true(query.get("detect_language")),
    )
    metadata = metadata_fields(
        request_id=request_id,
        sha256=reader.sha256,
        created=iso_now(),
        duration=duration,
        model=model_info(query.get("model", "base")),
        channels=len(per_channel),
    )
    return {"metadata": metadata, "results": multichannel_results(per_channel, options)}


def _utterances(reader: BodyReader, script: list[str]) -> tuple[list[Utterance], float]:
    """Speech regions of a PCM16 WAV, else script entries spread over a nominal duration."""
    regions = reader.wav.finish() if reader.wav is not None else None
    if regions is not None and reader.wav is not None and reader.wav.windower is not None:
        rate = reader.wav.windower.sample_rate
        utterances = [
            Utterance(i, start / rate, end / rate, tokenize(script_entry(script, i)))
            for i, (start, end) in enumerate(regions)
        ]
        return utterances, reader.wav.duration
    count = max(1, len(script))
    step = NOMINAL_SECONDS_PER_ENTRY
    utterances = [
        Utterance(i, i * step + 0.2, (i + 1) * step - 0.2, tokenize(script_entry(script, i)))
        for i in range(count)
    ]
    return utterances, count * step

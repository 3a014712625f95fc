"""The live `GET /v1/listen` WebSocket endpoint."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

from aiohttp import WSMessage, WSMsgType, web

from .common import (
    DROP_CONNECTION,
    FakeServer,
    error_response,
    first_values,
    front_door,
    query_lists,
    record_error,
)
from .engine import LiveEngine, LiveOptions
from .multichannel_live import MultichannelEngine
from .protocol import (
    NET0001_REASON,
    PCM_WIDTHS,
    FakeProtocolError,
    encode_live_message,
    is_true,
    iso_now,
    model_info,
)
from .records import LiveConnection
from .transcript import (
    DEFAULT_SCRIPT,
    STAMP_PLACEHOLDER,
    is_spoken_final,
    metadata_fields,
    stamp_final,
    stamp_text,
)

logger = logging.getLogger(__name__)

CONTROL_TYPES = frozenset({"KeepAlive", "Finalize", "CloseStream", "Configure"})
# How often the idle check re-reads `fake.idle_timeout`, so changes apply promptly.
_IDLE_POLL = 0.25
_GATE_POLL = 0.01


class _ClientGone(Exception):
    """The client vanished while the fake was writing to it."""


async def handle_live(fake: FakeServer, request: web.Request) -> web.StreamResponse:
    """Handshake checks, then run a session until either side closes."""
    query = query_lists(request)
    conn = LiveConnection(query=query, headers=dict(request.headers), request_id=str(uuid.uuid4()))
    with fake.hub:
        fake.connections.append(conn)
    try:
        return await _handshake(fake, request, conn)
    except web.HTTPException:
        raise  # e.g. a plain GET without Upgrade: aiohttp answers it properly
    except ConnectionError:
        _mark_vanished(fake, conn)
        return web.Response(status=499)
    except Exception as exc:
        logger.exception("fake deepgram handshake failed")
        record_error(fake, conn, f"handshake: {type(exc).__name__}: {exc}")
        return web.Response(status=500, text="fake deepgram internal error, see fake.errors")


async def _handshake(
    fake: FakeServer, request: web.Request, conn: LiveConnection
) -> web.StreamResponse:
    await _pass_gate(fake.handshake_gate)
    rejection = front_door(fake, request, live=True)
    if rejection is not None:
        with fake.hub:
            conn.status = rejection.status
        return error_response(rejection, conn.request_id, fake.retry_after)
    query = first_values(conn.query)
    options = live_options(fake, query, conn.request_id)
    ws = web.WebSocketResponse(protocols=("token",), timeout=2.0)
    ws.headers["dg-request-id"] = conn.request_id
    await ws.prepare(request)
    with fake.hub:
        conn.status = 101
    await LiveSession(fake, conn, ws, live_engine(fake, query, options), request.transport).run()
    return ws


def live_engine(
    fake: FakeServer, query: Mapping[str, str], options: LiveOptions
) -> LiveEngine | MultichannelEngine:
    """One engine for the stream; with `multichannel=true`, one per channel, each reading its
    own script (`fake.script` for channel 0, `fake.script_others` for the rest)."""
    channels = int(query.get("channels") or "1")
    if channels < 2 or not is_true(query.get("multichannel")):
        return LiveEngine(options)
    others = fake.script_others if fake.script_others is not None else options.script
    scripts = [options.script] + [tuple(others)] * (channels - 1)
    return MultichannelEngine(options, scripts)


def _mark_vanished(fake: FakeServer, conn: LiveConnection) -> None:
    with fake.hub:
        if conn.closed_by is None:
            conn.closed_by, conn.close_code, conn.close_reason = "client", 1006, ""


async def _pass_gate(gate: threading.Event | None) -> None:
    """Hold the handshake until a test opens the gate (polled: a thread wait could leak)."""
    while gate is not None and not gate.is_set():
        await asyncio.sleep(_GATE_POLL)


def live_options(fake: FakeServer, query: Mapping[str, str], request_id: str) -> LiveOptions:
    """Freeze the connection's behaviour from its query and the fake's current knobs."""
    encoding = query.get("encoding")
    utterance_end = query.get("utterance_end_ms")
    return LiveOptions(
        request_id=request_id,
        model=model_info(query["model"]),
        sample_rate=int(query.get("sample_rate", "16000")),
        width=PCM_WIDTHS.get(encoding, 0) if encoding else 0,
        interim_results=is_true(query.get("interim_results")),
        punctuate=is_true(query.get("punctuate")) or is_true(query.get("smart_format")),
        diarize=is_true(query.get("diarize")) or "diarize_model" in query,
        vad_events=is_true(query.get("vad_events")),
        utterance_end_ms=int(utterance_end) if utterance_end else None,
        endpointing_ms=_endpointing(query.get("endpointing"), fake.silence_ms),
        max_final_seconds=fake.max_final_seconds,
        script=tuple(fake.script) if fake.script is not None else DEFAULT_SCRIPT,
        name_by_pitch=fake.name_by_pitch,
    )


def _endpointing(value: str | None, default_ms: int) -> int | None:
    """`endpointing=<ms>` overrides `silence_ms`; `false` disables endpointing."""
    if value is None or value.lower() == "true":
        return default_ms
    return None if value.lower() == "false" else int(value)


class LiveSession:
    """One accepted WebSocket: reads client frames, drives the engine, sends validated JSON."""

    def __init__(
        self,
        fake: FakeServer,
        conn: LiveConnection,
        ws: web.WebSocketResponse,
        engine: LiveEngine | MultichannelEngine,
        transport: asyncio.BaseTransport | None,
    ) -> None:
        self.fake = fake
        self.conn = conn
        self.ws = ws
        self.engine = engine
        self.transport = transport
        fault = fake.pop_fault()
        self.close_after = fault or fake.close_after_audio
        self.keep_audio = fake.keep_audio
        self.stamp_finals = fake.stamp_finals
        self.created = iso_now()
        self.last_frame = time.monotonic()
        self.last_audio_at = 0.0  # wall clock of the last audio frame (benchmarks' lag)
        self.finals_sent = 0
        self._sha = hashlib.sha256()

    async def run(self) -> None:
        """Serve until closed; every failure is recorded rather than left unhandled."""
        self.fake.track(self, True)
        try:
            await self._serve()
        except _ClientGone:
            self._mark_closed("client", 1006, "")
        except FakeProtocolError as exc:
            record_error(self.fake, self.conn, str(exc))
            await self._close(1011, "fake deepgram: invalid message, see fake.errors")
        except Exception as exc:
            logger.exception("fake deepgram live session failed")
            record_error(self.fake, self.conn, f"{type(exc).__name__}: {exc}")
            await self._close(1011, "fake deepgram: internal error, see fake.errors")
        finally:
            self.fake.track(self, False)
            if self.stamp_finals:
                self._report_stream()

    def _report_stream(self) -> None:
        """One line for a benchmark: when the last audio arrived, how much, finals sent."""
        print(
            f"FAKE_STREAM_END request_id={self.conn.request_id} "
            f"audio_bytes={self.conn.audio_bytes} last_audio_at={self.last_audio_at:.6f} "
            f"finals_sent={self.finals_sent}",
            flush=True,
        )

    async def shutdown(self) -> None:
        """Close because the whole fake is stopping."""
        await self._close(1001, "fake deepgram shutting down")

    async def _serve(self) -> None:
        while True:
            msg = await self._receive()
            if msg is None:
                await self._send(self._metadata())
                await self._close(1011, NET0001_REASON)
                return
            if msg.type is WSMsgType.BINARY:
                done = await self._on_audio(msg.data)
            elif msg.type is WSMsgType.TEXT:
                done = await self._on_text(msg.data)
            else:
                self._on_closed(msg)
                return
            if done:
                return

    async def _receive(self) -> WSMessage | None:
        """Next client message, or None once the client has been idle too long."""
        while True:
            remaining = self.last_frame + self.fake.idle_timeout - time.monotonic()
            if remaining <= 0:
                return None
            try:
                msg = await self.ws.receive(timeout=min(remaining, _IDLE_POLL))
            except TimeoutError:
                continue
            if msg.type in (WSMsgType.BINARY, WSMsgType.TEXT):
                self.last_frame = time.monotonic()  # any data frame resets the idle timer
            return msg

    async def _on_audio(self, data: bytes) -> bool:
        if not data:
            # Deepgram's legacy close-stream signal.
            self._record_control({"type": "CloseStream", "via": "empty binary frame"})
            await self._close_stream()
            return True
        self.last_audio_at = time.time()
        with self.fake.hub:
            self.conn.audio_bytes += len(data)
            if self.keep_audio:
                self.conn.audio += data
        self._sha.update(data)
        await self._send_all(self.engine.feed(data))
        limit = self.close_after
        if limit is not None and self.engine.stream_seconds >= limit[0]:
            if limit[1] == DROP_CONNECTION:
                self._drop_connection()
            else:
                await self._close(limit[1], limit[2])
            return True
        return False

    def _drop_connection(self) -> None:
        """Cut the TCP connection without a close frame, as a network failure would."""
        self._mark_closed("server", DROP_CONNECTION, "connection dropped")
        if self.transport is not None:
            self.transport.abort()

    async def _on_text(self, text: str) -> bool:
        try:
            payload: Any = json.loads(text)
        except ValueError as exc:
            await self._schema_error(text, f"Failed to parse message as JSON: {exc}")
            return False
        kind = payload.get("type") if isinstance(payload, dict) else None
        if kind not in CONTROL_TYPES:
            await self._schema_error(text, f"Unknown message type {kind!r}.")
            return False
        self._record_control(payload)
        if kind == "Finalize":
            await self._send_all(self.engine.finalize())
        elif kind == "Configure":
            await self._send(self._configure_reply(payload))
        elif kind == "CloseStream" and not self.fake.ignore_close_stream:
            await self._close_stream()
            return True
        return False  # KeepAlive only resets the idle timer

    async def _schema_error(self, text: str, description: str) -> None:
        with self.fake.hub:
            self.conn.rejected_text.append(text)
        error = {"type": "Error", "variant": "SchemaError", "description": description}
        await self._send({**error, "message": text})

    def _configure_reply(self, payload: dict[str, Any]) -> dict[str, Any]:
        if self.engine.opts.model.arch == "nova-3":
            keyterms = [str(k) for k in payload.get("keyterms") or []]
            request_id = self.conn.request_id
            return {"type": "ConfigureSuccess", "request_id": request_id, "keyterms": keyterms}
        return {
            "type": "ConfigureFailure",
            "request_id": self.conn.request_id,
            "code": "CONFIGURE_KEYTERMS_NOT_SUPPORTED",
            "description": "Configure is only supported for Nova-3 models.",
        }

    async def _close_stream(self) -> None:
        await self._send_all(self.engine.close_stream())
        await self._send(self._metadata())
        await self._close(1000, "")

    def _metadata(self) -> dict[str, Any]:
        body = metadata_fields(
            request_id=self.conn.request_id,
            sha256=self._sha.hexdigest(),
            created=self.created,
            duration=self.engine.stream_seconds,
            model=self.engine.opts.model if self.conn.audio_bytes else None,
        )
        return {"type": "Metadata", **body}

    async def _send_all(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            await self._send(message)

    async def _send(self, message: dict[str, Any]) -> None:
        if self.stamp_finals and is_spoken_final(message):
            await self._send_stamped(message)
            return
        text = encode_live_message(message)  # raises FakeProtocolError before anything is sent
        await self._write(text)
        self._record_sent(message)

    async def _send_stamped(self, message: dict[str, Any]) -> None:
        """Validate with a placeholder, so the stamp is the last thing before the write."""
        text = encode_live_message(stamp_final(message, STAMP_PLACEHOLDER))
        stamp = stamp_text(time.time())
        await self._write(text.replace(STAMP_PLACEHOLDER, stamp))
        self.finals_sent += 1
        self._record_sent(stamp_final(message, stamp))

    async def _write(self, text: str) -> None:
        try:
            await self.ws.send_str(text)
        except ConnectionError as exc:
            raise _ClientGone from exc

    def _record_sent(self, message: dict[str, Any]) -> None:
        with self.fake.hub:
            self.conn.sent.append((time.time(), message))

    async def _close(self, code: int, reason: str) -> None:
        """Server-initiated close; recorded first because close() waits for the client's ack."""
        if self.conn.closed_by is not None or self.ws.closed:
            return
        self._mark_closed("server", code, reason)
        try:
            await self.ws.close(code=code, message=reason.encode())
        except ConnectionError:
            logger.debug("client vanished while the fake was closing")

    def _on_closed(self, msg: WSMessage) -> None:
        if msg.type is WSMsgType.CLOSE:
            self._mark_closed("client", int(msg.data), msg.extra or "")
        else:  # transport dropped without a close frame
            self._mark_closed("client", 1006, "")

    def _record_control(self, payload: dict[str, Any]) -> None:
        with self.fake.hub:
            self.conn.control.append(payload)

    def _mark_closed(self, by: str, code: int, reason: str) -> None:
        with self.fake.hub:
            if self.conn.closed_by is None:
                self.conn.closed_by = "server" if by == "server" else "client"
                self.conn.close_code = code
                self.conn.close_reason = reason

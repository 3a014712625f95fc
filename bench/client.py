"""Benchmark clients: browser-like /ws/record/ sessions, many per asyncio loop, in worker processes.

This module must stay free of Django: it runs in spawned worker processes that only speak
WebSocket to Daphne.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError, WebSocketException
from websockets.typing import Origin

from tests.audio import frames, silence, tone

RATE = 16000
FRAME_SECONDS = 0.1
STAMP = " t="
# The fake's default `silence_ms` (Parley sets no endpointing): a final is sent once this much
# silence has followed a burst.
ENDPOINTING_SECONDS = 0.3
STEP_TIMEOUT = 60.0  # connect, started: generous, so slowness shows as latency, not failure
STOP_TIMEOUT = 60.0  # stop → stopped → close


@dataclass(frozen=True)
class ClientConfig:
    """What every session of a run does."""

    url: str
    origin: str
    seconds: float
    tone_seconds: float = 1.5
    pause_seconds: float = 0.5

    @property
    def pattern(self) -> list[bytes]:
        """One tone burst and its pause, as 100 ms frames: the fake hears one final in it."""
        return burst_frames(self.tone_seconds, self.pause_seconds)

    @property
    def frame_count(self) -> int:
        """Frames streamed per session."""
        return round(self.seconds / FRAME_SECONDS)

    def trigger_frame(self, final: int) -> int | None:
        """The frame whose arrival makes the fake send final number `final` (None: at stop)."""
        tone_frames = round(self.tone_seconds / FRAME_SECONDS)
        silence_frames = math.ceil(ENDPOINTING_SECONDS / FRAME_SECONDS)
        number = final * len(self.pattern) + tone_frames + silence_frames - 1
        return number if number < self.frame_count else None

    @property
    def expected_finals(self) -> int:
        """One final per burst begun: a cut-off last burst is flushed by stop's Finalize."""
        return math.ceil(self.frame_count / len(self.pattern))


@dataclass(frozen=True)
class SessionPlan:
    """One session: whose cookie, and when to connect (seconds after the run's start)."""

    index: int
    cookie: str
    offset: float


@dataclass
class FinalSeen:
    """A `final` message as the client saw it."""

    segment: int
    stamp: float | None  # the fake's send time, parsed from the text
    received: float  # wall clock at receipt
    end: float  # where the final ends in the audio (seconds): which frame completed it


@dataclass
class SessionResult:
    """Everything one session observed."""

    index: int
    expected_finals: int
    phase: str = "waiting"
    recording: int | None = None
    finals: list[FinalSeen] = field(default_factory=list)
    interims: int = 0
    lag_notices: int = 0  # "lagging" / "caught_up": the server said it fell behind
    stopped_segments: int | None = None
    close_code: int | None = None
    errors: list[str] = field(default_factory=list)
    frames_sent: int = 0
    send_lags: list[float] = field(default_factory=list)  # seconds behind schedule, per frame
    sent_at: list[float] = field(default_factory=list)  # wall clock each frame was sent
    connected_at: float = 0.0
    stream_start: float = 0.0
    stream_end: float = 0.0
    stop_sent_at: float = 0.0  # wall clock the client sent stop
    stopped_at: float = 0.0  # ... and got `stopped`


@functools.cache
def burst_frames(tone_seconds: float, pause_seconds: float) -> list[bytes]:
    """Tone then silence in 100 ms frames; cached, as building the tone is slow pure Python."""
    return frames(tone(tone_seconds) + silence(pause_seconds))


def completing_frame(end: float) -> int:
    """The 100 ms frame whose last sample is at or after `end`: its arrival completed a final."""
    return max(0, math.ceil(end / FRAME_SECONDS - 1e-6) - 1)


def parse_stamp(text: str) -> float | None:
    """The fake's send time at the end of a final's text, if present."""
    _, found, stamp = text.rpartition(STAMP)
    try:
        return float(stamp) if found else None
    except ValueError:
        return None


async def run_session(config: ClientConfig, plan: SessionPlan, begin_at: float) -> SessionResult:
    """Connect at loop time `begin_at`, record, stop; failures end up in `errors`."""
    result = SessionResult(index=plan.index, expected_finals=config.expected_finals)
    await asyncio.sleep(max(0.0, begin_at - asyncio.get_running_loop().time()))
    result.phase = "connect"
    headers = {"Cookie": f"sessionid={plan.cookie}"}
    try:
        async with connect(
            config.url,
            origin=Origin(config.origin),
            additional_headers=headers,
            open_timeout=STEP_TIMEOUT,
        ) as ws:
            result.connected_at = time.time()
            await _converse(ws, config, result)
    except TimeoutError:
        result.errors.append(f"timed out in phase {result.phase}")
    except (OSError, WebSocketException) as exc:
        result.errors.append(f"{type(exc).__name__} in phase {result.phase}: {exc}")
    return result


async def _converse(ws: ClientConnection, config: ClientConfig, result: SessionResult) -> None:
    started = asyncio.Event()
    reader = asyncio.create_task(_read(ws, result, started))
    try:
        result.phase = "start"
        await ws.send(json.dumps({"type": "start", "sample_rate": RATE}))
        await asyncio.wait_for(started.wait(), STEP_TIMEOUT)
        if result.recording is None:
            return  # the reader has recorded why
        result.phase = "stream"
        await _stream(ws, config, result)
        result.phase = "stop"
        result.stop_sent_at = time.time()
        await ws.send(json.dumps({"type": "stop"}))
        await asyncio.wait_for(asyncio.shield(reader), STOP_TIMEOUT)
        result.phase = "done"
        if result.stopped_segments is None:
            result.errors.append("the socket closed without a stopped message")
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        result.close_code = ws.close_code


async def _stream(ws: ClientConnection, config: ClientConfig, result: SessionResult) -> None:
    """Send frames paced by the clock, like a microphone: late frames are sent at once."""
    loop = asyncio.get_running_loop()
    pattern = config.pattern
    begin = loop.time()
    result.stream_start = time.time()
    for number in range(config.frame_count):
        due = begin + number * FRAME_SECONDS
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        result.send_lags.append(max(0.0, loop.time() - due))
        result.sent_at.append(time.time())
        await ws.send(pattern[number % len(pattern)])
        result.frames_sent += 1
    result.stream_end = time.time()


async def _read(ws: ClientConnection, result: SessionResult, started: asyncio.Event) -> None:
    try:
        async for raw in ws:
            received = time.time()  # first, so parsing is not counted as the app's latency
            _on_message(result, raw, received, started)
    except ConnectionClosedError as exc:
        result.errors.append(f"socket closed abnormally in phase {result.phase}: {exc}")
    finally:
        started.set()  # a socket closed before `started` must not leave the session waiting


def _on_message(
    result: SessionResult, raw: str | bytes, received: float, started: asyncio.Event
) -> None:
    message: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else {"type": "<binary>"}
    kind = message.get("type")
    if kind == "final":
        stamp = parse_stamp(message["text"])
        result.finals.append(FinalSeen(message["segment"], stamp, received, message["end"]))
        if stamp is None:
            result.errors.append(f"final without a send stamp: {message['text']!r}")
    elif kind == "interim":
        result.interims += 1
    elif kind in ("lagging", "caught_up"):
        result.lag_notices += 1
    elif kind == "started":
        result.recording = message["recording"]
        started.set()
    elif kind == "stopped":
        result.stopped_at = received
        result.stopped_segments = message["segments"]
        if message["recording"] != result.recording:
            result.errors.append(f"stopped names recording {message['recording']}")
    elif kind == "error":
        result.errors.append(f"error message {message.get('code')}: {message.get('message')}")
    else:
        result.errors.append(f"unexpected message: {str(message)[:200]}")


async def run_sessions(
    config: ClientConfig, plans: list[SessionPlan], start_wall: float
) -> list[SessionResult]:
    """Run `plans` concurrently, each connecting at `start_wall` + its offset."""
    loop = asyncio.get_running_loop()
    # Wall clock → this loop's monotonic clock, once, so every session shares one schedule.
    start_loop = loop.time() + (start_wall - time.time())
    sessions = [run_session(config, plan, start_loop + plan.offset) for plan in plans]
    return list(await asyncio.gather(*sessions))


def worker_main(conn: Connection, config: ClientConfig, plans: list[SessionPlan]) -> None:
    """Worker process: say ready, wait for the shared start time, run, send the results back."""
    config.pattern  # noqa: B018  # build the audio before saying ready (it is pure Python)
    conn.send("ready")
    try:
        start_wall = conn.recv()
        conn.send(asyncio.run(run_sessions(config, plans, start_wall)))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        pass  # the parent is shutting the run down; it reports what happened
    finally:
        conn.close()

"""The local engine benchmark's live phase: meetings streamed in real time to LocalLiveEngine."""

from __future__ import annotations

import asyncio
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from bench.engine_stats import CpuMark, nearest_rank, spread
from bench.speech_corpus import (
    CLEAN,
    SAMPLE_BYTES,
    SAMPLE_RATE,
    Clip,
    Meeting,
    Utterance,
    WerCount,
    make_meeting,
)
from transcripts.engines.base import (  # plain dataclasses: no Django set-up needed
    EngineEvent,
    FinalSegment,
    InterimText,
    LiveEngine,
    LiveOptions,
    LiveStream,
)

FRAME_SECONDS = 0.1
FRAME_BYTES = int(SAMPLE_RATE * FRAME_SECONDS) * SAMPLE_BYTES
END_TOLERANCE = 0.4  # seconds a final's end may fall short of the utterance's last sound
KEEP_UP_SECONDS = 3.0  # the last final must come this soon after finish()
DRAIN_TIMEOUT = 60.0  # events() must end this soon after finish(), or the run failed
WARM_UP_SEED = 1000  # the timed sessions use seeds 0..N-1
MATCHES = ("end", "overlap only", "missing")


@dataclass
class SessionTrace:
    """What one live session sent and received, on the monotonic clock."""

    meeting: Meeting
    connected: float = 0.0  # seconds connect() took
    started: float = 0.0  # frame k was due at started + (k + 1) * FRAME_SECONDS
    finished: float = 0.0  # finish() called
    ended: float = 0.0  # events() ended
    lags: list[float] = field(default_factory=list)  # seconds each frame left after its due
    arrivals: list[tuple[float, EngineEvent]] = field(default_factory=list)

    def last_frame_due(self, stream_seconds: float) -> float:
        """When the frame holding the audio at `stream_seconds` was due."""
        frames = math.ceil(stream_seconds / FRAME_SECONDS - 1e-9)
        return self.started + frames * FRAME_SECONDS

    def finals(self) -> list[tuple[float, FinalSegment]]:
        """Final segments with their arrival, in order."""
        return [(at, event) for at, event in self.arrivals if isinstance(event, FinalSegment)]

    def interim_times(self) -> list[float]:
        """When each interim arrived."""
        return [at for at, event in self.arrivals if isinstance(event, InterimText)]


async def send_meeting(
    stream: LiveStream, trace: SessionTrace, receiving: asyncio.Task[None]
) -> None:
    """The meeting's audio in 100 ms frames, each sent when a browser would send it."""
    pcm = trace.meeting.pcm
    trace.started = time.monotonic()
    for index, offset in enumerate(range(0, len(pcm), FRAME_BYTES)):
        due = trace.started + (index + 1) * FRAME_SECONDS
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        if receiving.done():
            raise RuntimeError("the engine's events() ended before finish() was called")
        trace.lags.append(time.monotonic() - due)
        await stream.send_audio(pcm[offset : offset + FRAME_BYTES])


async def receive(stream: LiveStream, trace: SessionTrace) -> None:
    """Every event, stamped with its arrival."""
    async for event in stream.events():
        trace.arrivals.append((time.monotonic(), event))


async def run_session(engine: LiveEngine, trace: SessionTrace) -> None:
    """Connect, stream the meeting, finish, and read events to their end."""
    began = time.monotonic()
    async with engine.connect(LiveOptions(language="en", sample_rate=SAMPLE_RATE)) as stream:
        trace.connected = time.monotonic() - began
        async with asyncio.TaskGroup() as group:
            receiving = group.create_task(receive(stream, trace))
            await send_meeting(stream, trace, receiving)
            trace.finished = time.monotonic()
            await stream.finish()
            done, _ = await asyncio.wait({receiving}, timeout=DRAIN_TIMEOUT)
            if not done:
                raise RuntimeError(f"events() did not end within {DRAIN_TIMEOUT:.0f} s of finish()")
        trace.ended = time.monotonic()


async def run_sessions(engine: LiveEngine, meetings: Sequence[Meeting]) -> list[SessionTrace]:
    """All sessions at once on this loop."""
    traces = [SessionTrace(meeting) for meeting in meetings]
    async with asyncio.TaskGroup() as group:
        for trace in traces:
            group.create_task(run_session(engine, trace))
    return traces


@dataclass(frozen=True, slots=True)
class UtteranceResult:
    """How soon one utterance's final came, and which final it was."""

    utterance: Utterance
    latency: float | None
    match: str  # "end", "overlap only" or "missing"
    end_offset: float | None  # final's end minus the utterance's last sound
    first_interim: float | None
    interim_gaps: tuple[float, ...]


def match_final(
    utterance: Utterance, finals: Sequence[tuple[float, FinalSegment]]
) -> tuple[tuple[float, FinalSegment] | None, str]:
    """The final that completes `utterance` (see bench/local_engine.py), and how it matched."""
    for arrival in finals:
        event = arrival[1]
        if event.end >= utterance.end - END_TOLERANCE and event.start < utterance.end:
            return arrival, "end"
    overlapping = [f for f in finals if f[1].start < utterance.end and f[1].end > utterance.start]
    return (overlapping[-1], "overlap only") if overlapping else (None, "missing")


def utterance_result(trace: SessionTrace, utterance: Utterance) -> UtteranceResult:
    """Latency and interim cadence of one utterance."""
    last_due = trace.last_frame_due(utterance.end)
    arrival, how = match_final(utterance, trace.finals())
    speech_began = trace.started + utterance.start
    inside = [at for at in trace.interim_times() if speech_began <= at <= last_due]
    return UtteranceResult(
        utterance=utterance,
        latency=None if arrival is None else arrival[0] - last_due,
        match=how,
        end_offset=None if arrival is None else arrival[1].end - utterance.end,
        first_interim=inside[0] - speech_began if inside else None,
        interim_gaps=tuple(b - a for a, b in pairwise(inside)),
    )


def session_summary(trace: SessionTrace) -> dict[str, Any]:
    """One session's figures."""
    results = [utterance_result(trace, u) for u in trace.meeting.utterances]
    return {
        "audio_seconds": trace.meeting.duration,
        "connect_seconds": trace.connected,
        "utterances": len(results),
        **_latency_figures(trace, results),
        **_keeping_up(trace),
        **_live_text(trace),
        "per_utterance": [_utterance_raw(r) for r in results],
    }


def _latency_figures(trace: SessionTrace, results: Sequence[UtteranceResult]) -> dict[str, Any]:
    """Final latency (overall and by half of the meeting), matching, interim cadence."""
    half = trace.meeting.duration / 2
    first_half = [_late(r) for r in results if r.utterance.end < half]
    second_half = [_late(r) for r in results if r.utterance.end >= half]
    offsets = [r.end_offset for r in results if r.end_offset is not None]
    return {
        "latency": spread([_late(r) for r in results]),
        "latency_p50_first_half": nearest_rank(first_half, 50),
        "latency_p50_second_half": nearest_rank(second_half, 50),
        "matches": {how: sum(r.match == how for r in results) for how in MATCHES},
        "final_end_offset_p50": nearest_rank(offsets, 50),
        "interim_gaps": [g for r in results for g in r.interim_gaps],
        "first_interims": [r.first_interim for r in results if r.first_interim is not None],
    }


def _keeping_up(trace: SessionTrace) -> dict[str, Any]:
    """How soon after finish() the text was complete, and how late frames left."""
    finals = trace.finals()
    last_final = finals[-1][0] - trace.finished if finals else math.inf
    return {
        "finals": len(finals),
        "events": len(trace.arrivals),
        "empty_interims": sum(
            isinstance(event, InterimText) and not event.text.strip() for _, event in trace.arrivals
        ),
        "last_final_after_finish": last_final,
        "ended_after_finish": trace.ended - trace.finished,
        "kept_up": last_final <= KEEP_UP_SECONDS,
        "sender_lag": spread(trace.lags),
    }


def _live_text(trace: SessionTrace) -> dict[str, Any]:
    """The finals in stream order against the meeting's script."""
    finals = sorted((event for _, event in trace.finals()), key=lambda e: e.start)
    script = " ".join(u.text for u in trace.meeting.utterances)
    transcript = " ".join(event.text.strip() for event in finals)
    wer = WerCount.of(script, transcript)
    return {
        "wer": wer.rate,
        "errors": wer.errors,
        "words": wer.words,
        "script": script,
        "transcript": transcript,
    }


def _late(result: UtteranceResult) -> float:
    """Latency, a missing final counting as infinitely late."""
    return _inf_if_none(result.latency)


def _utterance_raw(r: UtteranceResult) -> dict[str, Any]:
    return {
        "text": r.utterance.text,
        "voice": r.utterance.voice,
        "start": r.utterance.start,
        "end": r.utterance.end,
        "latency": r.latency,
        "match": r.match,
        "end_offset": r.end_offset,
        "first_interim": r.first_interim,
        "interim_gaps": r.interim_gaps,
    }


def live_summary(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """The sessions of one run pooled."""
    utterances = [u for s in sessions for u in s["per_utterance"]]
    wer = WerCount.total([WerCount(s["errors"], s["words"]) for s in sessions])
    return {
        "sessions": len(sessions),
        "audio_seconds": max(s["audio_seconds"] for s in sessions),
        "latency": spread([_inf_if_none(u["latency"]) for u in utterances]),
        "matches": {how: sum(s["matches"][how] for s in sessions) for how in MATCHES},
        "interim_gap": spread([g for s in sessions for g in s["interim_gaps"]]),
        "first_interim": spread([f for s in sessions for f in s["first_interims"]]),
        "empty_interims": sum(s["empty_interims"] for s in sessions),
        "wer": wer.rate,
        "errors": wer.errors,
        "words": wer.words,
        "kept_up": all(s["kept_up"] for s in sessions),
        "last_final_after_finish_max": max(s["last_final_after_finish"] for s in sessions),
        "ended_after_finish_max": max(s["ended_after_finish"] for s in sessions),
        "sender_lag_max": max(s["sender_lag"]["max"] for s in sessions),
        "per_session": sessions,
    }


def _inf_if_none(value: float | None) -> float:
    return math.inf if value is None else value


def run_live(clips: Sequence[Clip], counts: Sequence[int], seconds: float) -> dict[str, Any]:
    """A warm-up session, then one run per session count."""
    from transcripts.engines.local import LocalLiveEngine

    clean = [c for c in clips if c.condition == CLEAN]
    began = time.monotonic()  # the traces' clock
    engine = LocalLiveEngine.from_settings()
    built = time.monotonic() - began
    warm = asyncio.run(run_sessions(engine, [make_meeting(clean[:1], 1.0, seed=WARM_UP_SEED)]))
    runs = []
    for count in counts:
        meetings = [make_meeting(clean, seconds, seed=n) for n in range(count)]
        mark = CpuMark.now()
        traces = asyncio.run(run_sessions(engine, meetings))
        summary = live_summary([session_summary(t) for t in traces])
        runs.append(summary | {"cpu": mark.shares_since()})
        print(f"  live: {count} session(s) done", file=sys.stderr, flush=True)
    return {
        "engine": {"name": engine.name, "model": engine.model},
        "from_settings_seconds": built,
        "warm_up": session_summary(warm[0]) | {"wall_seconds": warm[0].ended - began},
        "runs": runs,
    }

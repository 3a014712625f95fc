"""Local speech engine benchmark: faster-whisper on this machine's CPU, files and live.

What runs
    Parley's offline engines in this process, as Parley builds them from Django settings
    (`LocalFileEngine.from_settings()`, `LocalLiveEngine.from_settings()`; the bundled
    tiny.en, int8 on CPU, unless LOCAL_WHISPER_* say otherwise). No database is used.
    The speech is made here (bench/speech_corpus.py, cached under bench/results/corpus/):
    twelve meeting sentences (10-24 words, known text, no digits) each spoken by espeak-ng in
    four voices (en-us, en-gb, en-us+f3, en+m3), at 140 or 175 words a minute in turn,
    converted by sox to 16 kHz mono PCM16: 48 clean clips, about 280 s. Each has copies with
    seeded white noise at 20 dB and 10 dB SNR (against the speech's power). Every run hears
    the same audio.

What is measured
    - files: every clip, one at a time, through `LocalFileEngine.transcribe` (a WAV file,
      language en, no diarisation). Word error rate (WER: word-level Levenshtein distance
      over the reference's word count, after lower-casing, splitting hyphens and dropping
      punctuation), pooled over each set (clean, 20 dB, 10 dB); the real-time factor
      (processing seconds / audio seconds) per file (p50, max) and aggregate (all processing
      over all audio, per set and for all 144 files). The first call is a warm-up, not
      counted: it loads the model, and "model load" is that call minus a later call on the
      same clip. Checks: progress stays within 0-1 and never goes back; the duration the
      engine reports is the clip's.
    - live: N sessions at once (`--sessions`, default 2; several counts run one after the
      other) on one asyncio loop, as in one Daphne process. Each streams its own "meeting"
      (clean clips in a seeded order, 1-2 s pauses, faint hiss, up to `--live-seconds`
      long) through `LocalLiveEngine.connect` in 100 ms PCM16LE frames paced by the clock
      as a browser sends them (frame k leaves when its audio has been "captured", k+1 frame
      lengths after the start), then calls `finish()` and reads `events()` to its end.
      One short warm-up session comes first.
        final latency: for each utterance, from the moment its last frame was due to the
          arrival of the first final that ends at or after the utterance's last loud
          sample (stream seconds, END_TOLERANCE allowed for Whisper's timings) and starts
          before it; failing that, the last final overlapping the utterance ("overlap only");
          no such final is "missing" and counts as infinitely late. The due moment equals
          the send moment unless the event loop was blocked: "sender lag" shows that.
          Percentiles are nearest-rank: with under 20 utterances, p95 is the maximum.
        interim cadence: gaps between consecutive InterimText arrivals while an utterance is
          being sent, and the delay from its first sound to its first interim.
        keeping up: the last final arrives at most KEEP_UP_SECONDS after `finish()`, and
          latency in the meeting's second half against its first half.
        live WER: the finals (in stream order) against the meeting's script.
    - memory: the process's peak RSS (`ru_maxrss`) after each phase, with the current RSS.
    - cpu: the machine's CPU use during each timed phase (all cores = 100 %), this process's
      share and other processes'. Everything here competes for the same cores, so when
      other processes take over 10 % the table and the verdict say the figures are disturbed.
      A "CPU reference" (a fixed pure-Python loop, before and after) tells runs on a slower
      or shared host apart: a CPU shared below this VM shows there, not in the CPU shares.

Targets
    WER under 10 % on the clean set; aggregate file real-time factor (all sets) under 0.2;
    live final latency p95 under 2 s with 2 sessions at once (on the run with 2 sessions).
    A part left out (`--part`) leaves its targets "not measured".

Usage
    .venv/bin/python bench/local_engine.py [--quick] [--sessions 2 [3 ...]]
                                           [--live-seconds 60] [--part all|files|live]

    About 3 minutes on 2 cores. `--quick` (about 1 minute) runs one voice per sentence
    (12 clips per set) and 20 s meetings. Figures, every transcript included, go to
    bench/results/local-engine.json. Exit status: 0 when every evaluated target is met,
    1 when one is missed, 2 when the run failed (an engine error, a stuck stream).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import resource
import signal
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make `bench` and `transcripts` importable

from bench.procstat import CLOCK_TICKS, cpu_seconds, machine_jiffies, rss_bytes  # noqa: E402
from bench.speech_corpus import (  # noqa: E402
    CLEAN,
    SAMPLE_BYTES,
    SAMPLE_RATE,
    Clip,
    Meeting,
    Utterance,
    WerCount,
    conditions,
    load_corpus,
    make_meeting,
    quick_subset,
)
from transcripts.engines.base import (  # noqa: E402  (plain dataclasses: no Django set-up needed)
    EngineEvent,
    FileEngine,
    FileOptions,
    FinalSegment,
    InterimText,
    LiveEngine,
    LiveOptions,
    LiveStream,
)

SECRET_KEY = "parley-benchmark-secret-key-not-for-production-0123456789"
RESULTS = ROOT / "bench" / "results"
CORPUS_CACHE = RESULTS / "corpus"
FRAME_SECONDS = 0.1
FRAME_BYTES = int(SAMPLE_RATE * FRAME_SECONDS) * SAMPLE_BYTES
END_TOLERANCE = 0.4  # seconds a final's end may fall short of the utterance's last sound
KEEP_UP_SECONDS = 3.0  # the last final must come this soon after finish()
DRAIN_TIMEOUT = 60.0  # events() must end this soon after finish(), or the run failed
CPU_REFERENCE_LOOP = 2_000_000  # iterations of the CPU reference loop
OTHER_LOAD_WARNING = 0.1  # share of the machine's CPU taken by other processes worth a warning
TARGET_WER = 0.10
TARGET_RTF = 0.2
TARGET_LATENCY_P95 = 2.0
TARGET_SESSIONS = 2
WARM_UP_SEED = 1000  # the timed sessions use seeds 0..N-1
MATCHES = ("end", "overlap only", "missing")
SETTINGS_SHOWN = (
    "LOCAL_WHISPER_MODEL",
    "LOCAL_WHISPER_COMPUTE_TYPE",
    "LOCAL_WHISPER_THREADS",
    "LOCAL_MAX_CONCURRENT_DECODES",
    "LOCAL_FILE_BEAM_SIZE",
    "LOCAL_END_OF_SPEECH_SECONDS",
    "LOCAL_MAX_SEGMENT_SECONDS",
    "LOCAL_INTERIM_INTERVAL_SECONDS",
)


def setup_django() -> None:
    """Django settings for the engines (no database is touched)."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("SECRET_KEY", SECRET_KEY)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    django.setup()


# --- statistics ---------------------------------------------------------------------------


def nearest_rank(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by the nearest-rank method; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def spread(values: Sequence[float]) -> dict[str, float | int]:
    """Count, p50, p95 and max."""
    top = max(values) if values else math.nan
    return {
        "n": len(values),
        "p50": nearest_rank(values, 50),
        "p95": nearest_rank(values, 95),
        "max": top,
    }


def cpu_reference_ms() -> float:
    """Milliseconds a fixed pure-Python loop takes (best of 3): compares runs on shared hosts."""
    best = math.inf
    for _ in range(3):
        began = time.perf_counter()
        sum(i * i for i in range(CPU_REFERENCE_LOOP))
        best = min(best, time.perf_counter() - began)
    return best * 1000


def memory() -> dict[str, float]:
    """Peak and current RSS of this process, in MiB."""
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"peak_rss_mib": peak_kib / 1024, "rss_mib": rss_bytes(os.getpid()) / 1024**2}


@dataclass(frozen=True, slots=True)
class CpuMark:
    """The machine's and this process's CPU counters at one moment."""

    busy: int
    total: int
    own: float

    @classmethod
    def now(cls) -> CpuMark:
        """Read the counters."""
        busy, total = machine_jiffies()
        return cls(busy, total, cpu_seconds(os.getpid()))

    def shares_since(self) -> dict[str, float]:
        """Shares of the whole machine's CPU (all cores = 1) used since this mark."""
        later = CpuMark.now()
        elapsed = max(1, later.total - self.total)
        machine = (later.busy - self.busy) / elapsed
        ours = (later.own - self.own) * CLOCK_TICKS / elapsed
        return {"machine": machine, "this_process": ours, "others": max(0.0, machine - ours)}


def format_cpu(shares: dict[str, float], label: str) -> str:
    """One line on who used the CPU, warning when other processes took a noticeable share."""
    line = (
        f"{label}machine {shares['machine']:.0%} busy: this process "
        f"{shares['this_process']:.0%}, other processes {shares['others']:.0%}"
    )
    if shares["others"] > OTHER_LOAD_WARNING:
        line += " (other load on the machine: the figures are disturbed)"
    return line


# --- files --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileResult:
    """One clip through the file engine."""

    clip: Clip
    hypothesis: str
    seconds: float
    duration: float  # as the engine reported it
    progress: tuple[float, ...]

    @property
    def rtf(self) -> float:
        """Processing seconds per audio second."""
        return self.seconds / self.clip.duration

    @property
    def wer(self) -> WerCount:
        """Word errors against the clip's text."""
        return WerCount.of(self.clip.text, self.hypothesis)

    @property
    def progress_ok(self) -> bool:
        """Progress stayed within 0-1 and never went back."""
        values = self.progress
        in_range = all(0.0 <= v <= 1.0 for v in values)
        return in_range and all(a <= b for a, b in pairwise(values))


def transcribe_clip(engine: FileEngine, clip: Clip) -> FileResult:
    """Transcribe one clip as the worker would, timing the call."""
    progress: list[float] = []
    options = FileOptions(language="en", diarize=False, mime="audio/wav")
    with clip.path.open("rb") as audio:
        began = time.perf_counter()
        transcript = engine.transcribe(
            audio=audio,
            size=clip.path.stat().st_size,
            options=options,
            on_progress=progress.append,
            should_stop=lambda: False,
        )
        seconds = time.perf_counter() - began
    text = " ".join(segment.text.strip() for segment in transcript.segments)
    return FileResult(clip, text, seconds, transcript.duration, tuple(progress))


def file_set_summary(results: Sequence[FileResult]) -> dict[str, Any]:
    """WER and real-time factor of one set of clips."""
    wer = WerCount.total([r.wer for r in results])
    audio = sum(r.clip.duration for r in results)
    processing = sum(r.seconds for r in results)
    rtfs = [r.rtf for r in results]
    return {
        "files": len(results),
        "audio_seconds": audio,
        "processing_seconds": processing,
        "wer": wer.rate,
        "errors": wer.errors,
        "words": wer.words,
        "rtf_p50": nearest_rank(rtfs, 50),
        "rtf_max": max(rtfs),
        "rtf_aggregate": processing / audio,
        "bad_progress": sum(not r.progress_ok for r in results),
        "bad_duration": sum(abs(r.duration - r.clip.duration) > 0.05 for r in results),
    }


def run_files(clips: Sequence[Clip]) -> dict[str, Any]:
    """Warm up, then every clip once, set by set; the summaries and every result."""
    from transcripts.engines.local_files import LocalFileEngine

    began = time.perf_counter()
    engine = LocalFileEngine.from_settings()
    built = time.perf_counter() - began
    first = transcribe_clip(engine, clips[0])
    results: dict[str, list[FileResult]] = {}
    mark = CpuMark.now()
    for condition in conditions():
        chosen = [c for c in clips if c.condition == condition]
        results[condition] = [transcribe_clip(engine, clip) for clip in chosen]
        print(f"  files: {condition} done ({len(chosen)} clips)", file=sys.stderr, flush=True)
    again = next(r for r in results[CLEAN] if r.clip == clips[0])
    return {
        "engine": {"name": engine.name, "model": engine.model},
        "from_settings_seconds": built,
        "first_call_seconds": first.seconds,
        "same_clip_again_seconds": again.seconds,
        "model_load_seconds": first.seconds - again.seconds,
        "cpu": mark.shares_since(),
        "sets": {name: file_set_summary(rs) for name, rs in results.items()},
        "all": file_set_summary([r for rs in results.values() for r in rs]),
        "worst_clean": [_file_raw(r) for r in _worst(results[CLEAN], 3)],
        "results": [_file_raw(r) for rs in results.values() for r in rs],
    }


def _worst(results: Sequence[FileResult], count: int) -> list[FileResult]:
    ranked = sorted(results, key=lambda r: r.wer.rate, reverse=True)
    return [r for r in ranked[:count] if r.wer.errors]


def _file_raw(r: FileResult) -> dict[str, Any]:
    return {
        "file": r.clip.path.name,
        "condition": r.clip.condition,
        "voice": r.clip.voice,
        "speed": r.clip.speed,
        "audio_seconds": r.clip.duration,
        "seconds": r.seconds,
        "rtf": r.rtf,
        "errors": r.wer.errors,
        "words": r.wer.words,
        "reference": r.clip.text,
        "hypothesis": r.hypothesis,
        "engine_duration": r.duration,
        "progress": r.progress,
    }


# --- live ---------------------------------------------------------------------------------


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
    """The final that completes `utterance` (see the module docstring), and how it matched."""
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


# --- targets and report -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """One target: the figure (None when not measured) must stay under `limit`."""

    label: str
    value: float | None
    limit: float
    unit: str

    @property
    def met(self) -> bool | None:
        """Whether the figure is under the limit; None when it was not measured."""
        return None if self.value is None else self.value < self.limit

    def line(self) -> str:
        """The target, its figure and MET / NOT MET."""
        limit = f"target < {self.limit:g}{self.unit}"
        if self.value is None:
            return f"{self.label}: not measured ({limit})"
        state = "MET" if self.met else "NOT MET"
        return f"{self.label} {self.value:.3g}{self.unit} ({limit}): {state}"


def evaluate(files: dict[str, Any] | None, live: dict[str, Any] | None) -> list[Target]:
    """The three targets against this run's figures (None where a part did not run)."""
    wer = rtf = latency = None
    if files is not None:
        wer = files["sets"][CLEAN]["wer"] * 100
        rtf = files["all"]["rtf_aggregate"]
    runs = live["runs"] if live is not None else []
    paired = [r for r in runs if r["sessions"] == TARGET_SESSIONS]
    if paired:
        latency = paired[0]["latency"]["p95"]
    return [
        Target("clean WER", wer, TARGET_WER * 100, " %"),
        Target("file real-time factor (all files, aggregate)", rtf, TARGET_RTF, ""),
        Target(
            f"live final latency p95, {TARGET_SESSIONS} sessions", latency, TARGET_LATENCY_P95, " s"
        ),
    ]


def verdict(targets: Sequence[Target]) -> tuple[bool, str]:
    """Whether every measured target was met, in one line."""
    measured = [t for t in targets if t.met is not None]
    met = all(t.met for t in measured)
    state = "NONE MEASURED" if not measured else "MET" if met else "NOT MET"
    return met, f"Local engine targets {state}: " + "; ".join(t.line() for t in targets)


def format_header(
    shown: dict[str, Any], clips: Sequence[Clip], quick: bool, reference_ms: float
) -> str:
    """What is being measured, before any figure."""
    values = [f"{name.removeprefix('LOCAL_')}={value!r}" for name, value in shown.items()]
    per_set = len(clips) // len(conditions())
    voices = "one voice per sentence (--quick)" if quick else "every voice"
    speech = sum(c.duration for c in clips if c.condition == CLEAN)
    return "\n".join(
        [
            f"Local speech engine on {os.cpu_count()} CPUs, Python {platform.python_version()}",
            f"  settings   {', '.join(values[:4])}",
            f"             {', '.join(values[4:])}",
            f"  corpus     {per_set} clips per set ({', '.join(conditions())}), {voices}; "
            f"{speech:.0f} s of clean speech",
            f"  machine    CPU reference {reference_ms:.0f} ms (a fixed pure-Python loop, best of "
            "3; slower means a slower or shared CPU: compare runs by it)",
        ]
    )


def format_files(files: dict[str, Any]) -> str:
    """The file engine's table."""
    lines = [
        f"\nFiles: {files['engine']['model']} through LocalFileEngine.transcribe, one at a time",
        f"  model load ~{files['model_load_seconds']:.2f} s (first call "
        f"{files['first_call_seconds']:.2f} s, the same clip later "
        f"{files['same_clip_again_seconds']:.2f} s); from_settings() "
        f"{files['from_settings_seconds'] * 1000:.0f} ms",
        "  set          files  audio s   WER %  errors/words  RTF p50  RTF agg  RTF max",
    ]
    for name, s in [*files["sets"].items(), ("all", files["all"])]:
        lines.append(
            f"  {name:<12} {s['files']:>5} {s['audio_seconds']:>8.1f} {s['wer'] * 100:>7.1f} "
            f"{s['errors']:>7}/{s['words']:<6} {s['rtf_p50']:>7.3f} {s['rtf_aggregate']:>8.3f} "
            f"{s['rtf_max']:>8.3f}"
        )
    total, bad_progress = files["all"]["files"], files["all"]["bad_progress"]
    bad_duration = files["all"]["bad_duration"]
    lines.append(
        f"  checks     progress in 0-1 and never back: {total - bad_progress}/{total}; "
        f"reported duration within 50 ms: {total - bad_duration}/{total}"
    )
    lines.append(format_cpu(files["cpu"], "  cpu        "))
    for worst in files["worst_clean"]:
        lines.append(
            f"  worst clean {worst['errors']}/{worst['words']} ({worst['voice']}, "
            f"{worst['speed']} wpm): {worst['hypothesis']!r}"
        )
    return "\n".join(lines)


def format_live(live: dict[str, Any]) -> str:
    """The live engine's tables, one per session count."""
    warm = live["warm_up"]
    lines = [
        f"\nLive: {live['engine']['model']} through LocalLiveEngine.connect, 100 ms frames "
        "in real time",
        f"  warm-up    one session of {warm['audio_seconds']:.1f} s: connect "
        f"{warm['connect_seconds']:.2f} s, final latency {warm['latency']['max']:.2f} s, "
        f"{warm['wall_seconds']:.1f} s in all",
    ]
    for run in live["runs"]:
        lines += format_live_run(run)
    return "\n".join(lines)


def format_live_run(run: dict[str, Any]) -> list[str]:
    """One run's figures: pooled, then a line per session."""
    lat, gap, first, m = run["latency"], run["interim_gap"], run["first_interim"], run["matches"]
    keeping = "kept up" if run["kept_up"] else f"DID NOT keep up (> {KEEP_UP_SECONDS:g} s)"
    lines = [
        f"  {run['sessions']} session(s) at once, {run['audio_seconds']:.0f} s of meeting at most",
        f"    final latency  p50 {lat['p50']:.2f}  p95 {lat['p95']:.2f}  max {lat['max']:.2f} s "
        f"over {lat['n']} utterances ({m['end']} by end, {m['overlap only']} overlap only, "
        f"{m['missing']} missing)",
        f"    interims       gap p50 {gap['p50']:.2f}  p95 {gap['p95']:.2f} s ({gap['n']} gaps); "
        f"first interim {first['p50']:.2f} s after the first sound (p50, {first['n']} of "
        f"{lat['n']}); interims with no text: {run['empty_interims']}",
        f"    keeping up     last final {_relative(run['last_final_after_finish_max'])} "
        f"finish(), events() ended {_relative(run['ended_after_finish_max'])} (worst "
        f"session): {keeping}; sender lag max {run['sender_lag_max'] * 1000:.0f} ms",
        f"    live WER       {run['wer'] * 100:.1f} % ({run['errors']}/{run['words']})",
    ]
    lines.append(format_cpu(run["cpu"], "    cpu            "))
    for number, s in enumerate(run["per_session"], start=1):
        lines.append(
            f"    session {number}      latency p50 {s['latency']['p50']:.2f} p95 "
            f"{s['latency']['p95']:.2f} max {s['latency']['max']:.2f} s (halves "
            f"{s['latency_p50_first_half']:.2f} / {s['latency_p50_second_half']:.2f}), "
            f"final end - speech end p50 {s['final_end_offset_p50']:+.2f} s, "
            f"{s['finals']} finals, WER {s['wer'] * 100:.1f} %"
        )
    return lines


def _relative(seconds: float) -> str:
    """A moment relative to finish()."""
    return f"{abs(seconds):.2f} s {'before' if seconds < 0 else 'after'}"


def format_memory(stages: dict[str, dict[str, float]]) -> str:
    """Peak RSS after each phase."""
    parts = [
        f"{stage} {m['peak_rss_mib']:.0f} MiB (now {m['rss_mib']:.0f})"
        for stage, m in stages.items()
    ]
    return "\nMemory: peak RSS " + "; ".join(parts)


def write_results(document: dict[str, Any]) -> Path:
    """The raw figures as JSON in bench/results/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "local-engine.json"
    path.write_text(json.dumps(_json_safe(document), indent=1, default=str))
    return path


def _json_safe(value: Any) -> Any:
    """Infinite or NaN figures (a missing final, an empty list) as null: strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


# --- running ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[TARGET_SESSIONS])
    parser.add_argument("--live-seconds", type=float, help="meeting length (default 60, quick 20)")
    parser.add_argument("--quick", action="store_true", help="12 clips per set, 20 s meetings")
    parser.add_argument("--part", choices=("all", "files", "live"), default="all")
    args = parser.parse_args(argv)
    if args.live_seconds is None:
        args.live_seconds = 20.0 if args.quick else 60.0
    if min(args.sessions) < 1 or args.live_seconds < 5:
        parser.error("sessions must be >= 1 and --live-seconds >= 5")
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Both phases; prints each table as soon as it is ready."""
    setup_django()
    from django.conf import settings

    clips = load_corpus(CORPUS_CACHE)
    clips = quick_subset(clips) if args.quick else clips
    shown = {name: getattr(settings, name, None) for name in SETTINGS_SHOWN}
    reference = {"before": cpu_reference_ms()}
    print(format_header(shown, clips, args.quick, reference["before"]), flush=True)
    stages = {"before the engines": memory()}
    files = live = None
    if args.part in ("all", "files"):
        files = run_files(clips)
        stages["after files"] = memory()
        print(format_files(files), flush=True)
    if args.part in ("all", "live"):
        live = run_live(clips, args.sessions, args.live_seconds)
        stages["after live"] = memory()
        print(format_live(live), flush=True)
    print(format_memory(stages))
    reference["after"] = cpu_reference_ms()
    print(f"CPU reference after the run: {reference['after']:.0f} ms")
    return {
        "settings": shown,
        "cpu_reference_ms": reference,
        "memory": stages,
        "files": files,
        "live": live,
    }


def other_load(figures: dict[str, Any]) -> float:
    """The largest share of the machine's CPU other processes took during a measured phase."""
    phases = [figures["files"]] if figures["files"] else []
    phases += figures["live"]["runs"] if figures["live"] else []
    return max((phase["cpu"]["others"] for phase in phases), default=0.0)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the tables and the verdict, and write the JSON figures."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    began = time.monotonic()
    try:
        figures = run(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception:  # reported, and told apart from a missed target by the exit status
        traceback.print_exc()
        print("the run failed", file=sys.stderr)
        return 2
    targets = evaluate(figures["files"], figures["live"])
    met, line = verdict(targets)
    others = other_load(figures)
    if others > OTHER_LOAD_WARNING:
        line += f" (WARNING: other processes took up to {others:.0%} of the CPU meanwhile)"
    runtime = time.monotonic() - began
    document = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "runtime_seconds": runtime,
        "verdict": line,
        "targets": [
            {"label": t.label, "value": t.value, "limit": t.limit, "met": t.met} for t in targets
        ],
    } | figures
    print("\nTargets\n" + "\n".join(f"  {t.line()}" for t in targets))
    print(f"\nresults: {write_results(document)}; runtime {runtime:.0f} s")
    print(line, flush=True)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Turning one run's raw observations into figures (JSON-ready) and readable tables."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench.client import FRAME_SECONDS, ClientConfig, SessionResult, completing_frame
from bench.database import DatabaseCheck
from bench.procstat import Sample
from tests.fakedeepgram.server import LATENESS_NOTED

MB = 1024 * 1024
TARGET_SESSIONS = 200
LAST_FRAME_LAG_LIMIT_MS = 100.0  # the "no audio queuing"


@dataclass(frozen=True)
class FakeStream:
    """What the fake says about one live stream when it ends (its FAKE_STREAM_END line)."""

    request_id: str
    audio_bytes: int
    last_audio_at: float
    finals_sent: int


def fake_streams(lines: list[str]) -> dict[str, FakeStream]:
    """The fake's end-of-stream lines by request id."""
    streams = {}
    for line in lines:
        if "FAKE_STREAM_END " not in line:
            continue
        fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
        stream = FakeStream(
            fields["request_id"],
            int(fields["audio_bytes"]),
            float(fields["last_audio_at"]),
            int(fields["finals_sent"]),
        )
        streams[stream.request_id] = stream
    return streams


@dataclass
class RunData:
    """Everything observed during one run at one session count."""

    sessions: int
    seconds: float
    database: str
    client_procs: int
    ramp: float
    config: ClientConfig
    results: list[SessionResult]
    samples: list[Sample]
    baseline: Sample
    client_names: list[str]
    db_check: DatabaseCheck
    daphne_problems: list[str]
    daphne_warnings: list[str]
    fake_problems: list[str]
    client_failures: list[str]
    runtime: float
    fake_streams: dict[str, FakeStream]
    load_before: str  # /proc/loadavg before the run
    features: str
    fake_lateness: list[tuple[float, float]]  # (unix time, ms) the fake's own loop ran late


def percentiles(values: list[float]) -> dict[str, Any]:
    """count, p50, p99 and max (nearest rank), or Nones when there are no values."""
    if not values:
        return {"count": 0, "p50": None, "p99": None, "max": None}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return {"count": len(ordered), "p50": rank(50), "p99": rank(99), "max": ordered[-1]}


def steady_window(data: RunData) -> dict[str, Any]:
    """From when every session has had its first final until the first session stops.

    Starting there leaves out each session's first final and the ramp-up; ending there leaves
    out the stop handshakes.
    """
    streaming = [r for r in data.results if r.finals and r.stream_end]
    if streaming:
        start = max(r.finals[0].received for r in streaming)
        end = min(r.stream_end for r in streaming)
        if end > start:
            return {"start": start, "end": end, "seconds": end - start, "steady": True}
    # No steady state at all (e.g. every session failed): measure over the whole run.
    start, end = data.samples[0].at, data.samples[-1].at
    return {"start": start, "end": end, "seconds": end - start, "steady": False}


@dataclass(frozen=True)
class FinalTiming:
    """Wall-clock moments in one final's life."""

    trigger_sent: float | None  # the client sent the frame that completed the utterance
    stamp: float  # the fake sent the final
    inserted: float | None  # Django built the segment row, just before its INSERT
    received: float  # the client received `final`
    completed_sent: float | None  # the client sent the frame holding the final's end


def final_timings(data: RunData) -> list[FinalTiming]:
    """Every stamped final with the moments around it."""
    timings = []
    for result in data.results:
        for number, final in enumerate(result.finals):
            if final.stamp is None:
                continue
            frame = data.config.trigger_frame(number)
            trigger = None
            if frame is not None and frame < len(result.send_lags):
                trigger = result.stream_start + frame * FRAME_SECONDS + result.send_lags[frame]
            inserted = data.db_check.inserted_at.get(final.segment)
            completing = completing_frame(final.end)
            sent = result.sent_at[completing] if completing < len(result.sent_at) else None
            timings.append(FinalTiming(trigger, final.stamp, inserted, final.received, sent))
    return timings


def latency_figures(data: RunData, window: dict[str, Any]) -> dict[str, Any]:
    """Added latency (fake send → client receipt), steady and overall, and where it goes."""
    timings = final_timings(data)
    steady = [t for t in timings if window["start"] <= t.stamp <= window["end"]]
    ending = [t for t in timings if t.stamp > window["end"]]  # after the first stop
    starting = [t for t in timings if t.stamp < window["start"]]  # while others connect

    def ms(pairs: list[tuple[float | None, float | None]]) -> dict[str, Any]:
        return percentiles([(b - a) * 1000 for a, b in pairs if a is not None and b is not None])

    return {
        "steady": ms([(t.stamp, t.received) for t in steady]),
        "all": ms([(t.stamp, t.received) for t in timings]),
        "e2e_steady": ms([(t.completed_sent, t.received) for t in steady]),
        "e2e_all": ms([(t.completed_sent, t.received) for t in timings]),
        "ending": ms([(t.stamp, t.received) for t in ending]),
        "e2e_ending": ms([(t.completed_sent, t.received) for t in ending]),
        "starting": ms([(t.stamp, t.received) for t in starting]),
        "ending_to_insert": ms([(t.stamp, t.inserted) for t in ending]),
        "last_frame_lag": _last_frame_lags(data),
        "fake_loop_late_steady": percentiles(
            [ms for at, ms in data.fake_lateness if window["start"] <= at <= window["end"]]
        ),
        "fake_loop_late_ending": percentiles(
            [ms for at, ms in data.fake_lateness if at > window["end"]]
        ),
        "stop_to_stopped": ms(
            [(r.stop_sent_at or None, r.stopped_at or None) for r in data.results]
        ),
        "fake_to_insert": ms([(t.stamp, t.inserted) for t in steady]),
        "insert_to_client": ms([(t.inserted, t.received) for t in steady]),
        "utterance_end_to_fake": ms([(t.trigger_sent, t.stamp) for t in steady]),
        "utterance_end_to_client": ms([(t.trigger_sent, t.received) for t in steady]),
        "trend": _trend([(t.stamp, t.stamp, t.received) for t in steady], window["start"]),
        "inbound_trend": _trend(
            [(t.stamp, t.trigger_sent, t.stamp) for t in steady], window["start"]
        ),
        "steady_values": [_round_ms(t.stamp, t.received) for t in steady],
        "steady_inbound_values": [_round_ms(t.trigger_sent, t.stamp) for t in steady],
    }


def _last_frame_lags(data: RunData) -> dict[str, Any]:
    """Per session: the fake's receipt of the last audio minus the client sending its last frame.

    Audio queued inside Daphne shows here even when every final is on time.
    """
    lags = []
    for result in data.results:
        request_id = data.db_check.request_ids.get(result.recording or -1, "")
        stream = data.fake_streams.get(request_id)
        if stream is not None and result.sent_at and stream.last_audio_at:
            lags.append((stream.last_audio_at - result.sent_at[-1]) * 1000)
    return percentiles(lags)


def _round_ms(start: float | None, end: float) -> float | None:
    return None if start is None else round((end - start) * 1000, 3)


def _trend(
    spans: list[tuple[float, float | None, float]], window_start: float, slice_seconds: float = 10
) -> list[Any]:
    """Percentiles of (at, start, end) spans per slice of the window: does a backlog grow?"""
    slices: dict[int, list[float]] = {}
    for at, start, end in spans:
        if start is not None:
            number = int((at - window_start) // slice_seconds)
            slices.setdefault(number, []).append((end - start) * 1000)
    return [percentiles(slices[number]) for number in sorted(slices)]


def _cpu_over(samples: list[Sample], name: str) -> tuple[float, float] | None:
    """(CPU seconds, wall seconds) of process `name` between the first and last sample."""
    have = [s for s in samples if name in s.cpu]
    if len(have) < 2 or have[-1].at <= have[0].at:
        return None
    return have[-1].cpu[name] - have[0].cpu[name], have[-1].at - have[0].at


def _window_samples(data: RunData, window: dict[str, Any]) -> list[Sample]:
    inside = [s for s in data.samples if window["start"] <= s.at <= window["end"]]
    return inside if len(inside) >= 2 else data.samples


def daphne_figures(data: RunData, window: dict[str, Any]) -> dict[str, Any]:
    """Daphne's CPU (per session-minute and as a share of one core) and memory."""
    samples = _window_samples(data, window)
    cpu = _cpu_over(samples, "daphne")
    rss = [s.rss["daphne"] for s in samples if "daphne" in s.rss]
    baseline = data.baseline.rss.get("daphne", 0)
    steady = statistics.median(rss) if rss else 0
    peak = max((s.rss["daphne"] for s in data.samples if "daphne" in s.rss), default=0)
    cpu_seconds, wall = cpu if cpu else (0.0, 0.0)
    session_minutes = data.sessions * wall / 60
    # Connect to close, stop included: work moved out of the stream to stop still counts.
    ends = [s.cpu["daphne"] for s in data.samples if "daphne" in s.cpu]
    whole = (ends[-1] - data.baseline.cpu.get("daphne", 0.0)) if ends else 0.0
    helpers = [s.cpu["daphne-children"] for s in data.samples if "daphne-children" in s.cpu]
    helper_cpu = (helpers[-1] - data.baseline.cpu.get("daphne-children", 0.0)) if helpers else 0
    return {
        "helper_cpu_seconds_per_session_minute": helper_cpu / (data.sessions * data.seconds / 60),
        "cpu_seconds_per_session_minute_whole_run": whole / (data.sessions * data.seconds / 60),
        "cpu_seconds": cpu_seconds,
        "cpu_percent_of_one_core": 100 * cpu_seconds / wall if wall else None,
        "cpu_seconds_per_session_minute": cpu_seconds / session_minutes if wall else None,
        "rss_baseline_mb": baseline / MB,
        "rss_steady_mb": steady / MB,
        "rss_peak_mb": peak / MB,
        "rss_per_session_mb": (steady - baseline) / MB / data.sessions,
    }


def load_figures(data: RunData, window: dict[str, Any]) -> dict[str, Any]:
    """How busy the fake, the client processes and the whole machine were in the window."""
    samples = _window_samples(data, window)

    def percent(name: str) -> float | None:
        cpu = _cpu_over(samples, name)
        return 100 * cpu[0] / cpu[1] if cpu else None

    first, last = samples[0].machine, samples[-1].machine
    total = last[1] - first[1]
    return {
        "fake_cpu_percent": percent("fake"),
        "fake_rss_mb": max((s.rss.get("fake", 0) for s in samples), default=0) / MB,
        "client_cpu_percent": {name: percent(name) for name in data.client_names},
        "machine_busy_percent": 100 * (last[0] - first[0]) / total if total else None,
        "loop_on_cpu_percent": percent("daphne-loop-on-cpu"),
        "loop_waiting_for_cpu_percent": percent("daphne-loop-waiting"),
        "send_lag_ms": _send_lags(data, window),
    }


def _send_lags(data: RunData, window: dict[str, Any]) -> dict[str, Any]:
    """How late frames left the clients versus their schedule, overall and in the window."""
    overall, steady = [], []
    for result in data.results:
        for number, lag in enumerate(result.send_lags):
            overall.append(lag * 1000)
            due = result.stream_start + number * FRAME_SECONDS
            if window["start"] <= due <= window["end"]:
                steady.append(lag * 1000)
    return {"all": percentiles(overall), "steady": percentiles(steady)}


def finals_figures(data: RunData) -> dict[str, Any]:
    """Finals expected, sent by the fake, saved and received; duplicates."""
    expected = sum(r.expected_finals for r in data.results)
    received = sum(len(r.finals) for r in data.results)
    missing = sum(max(0, r.expected_finals - len(r.finals)) for r in data.results)
    return {
        "expected": expected,
        # The run's streams only (not the warm-up's); a reconnected stream is not matched.
        "sent_by_fake": sum(
            data.fake_streams[rid].finals_sent
            for rid in data.db_check.request_ids.values()
            if rid in data.fake_streams
        ),
        "saved": sum(data.db_check.saved.values()),
        "received": received,
        "missing": missing,
        "duplicates": len(_duplicates(data.results)),
        "interims": sum(r.interims for r in data.results),
        "lag_notices": sum(r.lag_notices for r in data.results),
    }


def archive_figures(data: RunData) -> dict[str, Any]:
    """Seconds of audio in the stored archives versus seconds sent; refine jobs queued."""
    sent = {r.recording: r.frames_sent * FRAME_SECONDS for r in data.results if r.recording}
    stored = data.db_check.archive_seconds
    gaps = [abs(stored.get(pk, 0.0) - seconds) for pk, seconds in sent.items()]
    return {
        "audio_sent_seconds": sum(sent.values()),
        "archived_seconds": sum(stored.get(pk, 0.0) for pk in sent),
        "archives": sum(1 for pk in sent if stored.get(pk)),
        "largest_gap_seconds": max(gaps, default=0.0),
        "refine_queued": data.db_check.refine_queued,
    }


def error_lists(data: RunData) -> dict[str, list[str]]:
    """Every problem, by kind; the run is clean when all lists are empty."""
    errors: dict[str, list[str]] = {
        "abnormal_closes": [],
        "error_messages": [],
        "client_errors": list(data.client_failures),
        "finals_count": [],
    }
    for result in data.results:
        _session_errors(result, errors)
    errors["duplicate_finals"] = _duplicates(data.results)
    errors["database"] = data.db_check.problems
    errors["daphne_log"] = data.daphne_problems
    errors["fake_log"] = data.fake_problems
    return errors


def _session_errors(result: SessionResult, errors: dict[str, list[str]]) -> None:
    tag = f"session {result.index}"
    if result.close_code != 1000:
        errors["abnormal_closes"].append(f"{tag}: close code {result.close_code} ({result.phase})")
    for error in result.errors:
        kind = "error_messages" if error.startswith("error message") else "client_errors"
        errors[kind].append(f"{tag}: {error}")
    if len(result.finals) != result.expected_finals:
        errors["finals_count"].append(
            f"{tag}: {len(result.finals)} finals, expected {result.expected_finals}"
        )
    if result.stopped_segments is not None and result.stopped_segments != len(result.finals):
        errors["finals_count"].append(
            f"{tag}: stopped says {result.stopped_segments} segments, {len(result.finals)} seen"
        )


def _duplicates(results: list[SessionResult]) -> list[str]:
    """Finals seen more than once: by segment id, or by the fake's stamp within a session."""
    segments = Counter(f.segment for r in results for f in r.finals)
    stamps = Counter((r.index, f.stamp) for r in results for f in r.finals if f.stamp)
    found = [f"segment {s} arrived {n} times" for s, n in segments.items() if n > 1]
    found += [
        f"session {index}: the final stamped t={stamp} arrived {n} times"
        for (index, stamp), n in stamps.items()
        if n > 1
    ]
    return found


def analyse(data: RunData) -> dict[str, Any]:
    """All figures of one run, JSON-ready."""
    window = steady_window(data)
    return {
        "sessions": data.sessions,
        "seconds": data.seconds,
        "database": data.database,
        "client_procs": data.client_procs,
        "ramp_seconds": data.ramp,
        "window": window,
        "latency_ms": latency_figures(data, window),
        "daphne": daphne_figures(data, window),
        "load": load_figures(data, window),
        "finals": finals_figures(data),
        "archive": archive_figures(data),
        "recordings_completed": data.db_check.completed,
        "load_before": data.load_before,
        "features": data.features,
        "daphne_warnings": data.daphne_warnings,
        "errors": error_lists(data),
        "runtime_seconds": data.runtime,
        "samples": _sample_series(data),
    }


def _sample_series(data: RunData) -> list[dict[str, Any]]:
    """The CPU and RSS readings, seconds from the baseline reading, for plotting."""
    return [
        {
            "t": round(s.at - data.baseline.at, 2),
            "cpu_seconds": {name: round(cpu, 2) for name, cpu in s.cpu.items()},
            "rss_mb": {name: round(rss / MB, 1) for name, rss in s.rss.items()},
        }
        for s in data.samples
    ]


# --- text ---------------------------------------------------------------------------------


def _ms(stats: dict[str, Any]) -> str:
    if not stats["count"]:
        return "no data"
    return (
        f"p50 {stats['p50']:7.1f}   p99 {stats['p99']:7.1f}   max {stats['max']:7.1f} ms"
        f"   (n={stats['count']})"
    )


def _trend_text(trend: list[dict[str, Any]]) -> str:
    parts = [f"{s['p50']:.0f}/{s['p99']:.0f}" for s in trend if s["count"]]
    return " | ".join(parts) + " ms" if parts else "no data"


def _ratio(daphne: dict[str, Any], load: dict[str, Any]) -> str:
    """Daphne's CPU per CPU-second of the fake's, over the window."""
    mine, fakes = daphne["cpu_percent_of_one_core"], load["fake_cpu_percent"]
    return f"{mine / fakes:.3f}" if mine and fakes else "n/a"


def _late(lat: dict[str, Any]) -> str:
    """How late the fake's own loop ran: it reads the last frame late by as much."""

    def times(figures: dict[str, Any]) -> str:
        count = figures["count"]
        return f"{count} times (max {figures['max']:.1f} ms)" if count else "never"

    return (
        f"its loop over {LATENESS_NOTED * 1000:g} ms late {times(lat['fake_loop_late_steady'])} "
        "in the steady window, "
        f"{times(lat['fake_loop_late_ending'])} as meetings end (the last frame's lag includes it)"
    )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} %"


def error_count(run: dict[str, Any]) -> int:
    """Number of problems of every kind in a run."""
    return sum(len(items) for items in run["errors"].values())


def format_run(run: dict[str, Any]) -> str:
    """A readable table of one run."""
    lat, daphne, load, finals = run["latency_ms"], run["daphne"], run["load"], run["finals"]
    archive = run["archive"]
    window = run["window"]
    clients = ", ".join(f"{n} {_pct(p)}" for n, p in load["client_cpu_percent"].items())
    kind = "steady window" if window["steady"] else "WHOLE RUN (no steady state reached)"
    lines = [
        f"=== {run['sessions']} session(s) x {run['seconds']:.0f} s, {run['database']}, "
        f"{run['client_procs']} client process(es), ramp {run['ramp_seconds']:.1f} s ===",
        f"{kind:<28}{window['seconds']:.1f} s (every session past its first final .. first stop)",
        f"{'features':<28}{run['features']}",
        f"{'machine load before':<28}{run['load_before']}",
        f"{'out, steady':<28}{_ms(lat['steady'])}  (fake sends final -> client gets it)",
        f"{'e2e, steady':<28}{_ms(lat['e2e_steady'])}  (client sends the completing frame "
        "-> client gets the final)",
        f"{'e2e, all finals':<28}{_ms(lat['e2e_all'])}",
        f"{'last frame lag':<28}{_ms(lat['last_frame_lag'])}  (client sends it -> fake has it)",
        f"{'  the fake, late':<28}{_late(lat)}",
        f"{'stop -> stopped':<28}{_ms(lat['stop_to_stopped'])}  (every last word saved)",
        f"{'  fake send -> DB insert':<28}{_ms(lat['fake_to_insert'])}",
        f"{'  DB insert -> client':<28}{_ms(lat['insert_to_client'])}",
        f"{'out, all finals':<28}{_ms(lat['all'])}  (incl. ramp-up and stop)",
        f"{'out, as meetings end':<28}{_ms(lat['ending'])}  (sent after the first stop)",
        f"{'e2e, as meetings end':<28}{_ms(lat['e2e_ending'])}",
        f"{'  fake send -> DB insert':<28}{_ms(lat['ending_to_insert'])}",
        f"{'out, as meetings start':<28}{_ms(lat['starting'])}  (before every session's first)",
        f"{'  by 10 s slice, p50/p99':<28}{_trend_text(lat['trend'])}",
        f"{'inbound: utterance end':<28}(client sends the frame that ends an utterance)",
        f"{'  -> fake sends final':<28}{_ms(lat['utterance_end_to_fake'])}",
        f"{'    by 10 s slice, p50/p99':<28}{_trend_text(lat['inbound_trend'])}",
        f"{'  -> client gets final':<28}{_ms(lat['utterance_end_to_client'])}",
        f"{'Daphne CPU':<28}{daphne['cpu_seconds_per_session_minute'] or 0:.3f} CPU-s per "
        f"session-minute; {_pct(daphne['cpu_percent_of_one_core'])} of one core; whole run "
        f"{daphne['cpu_seconds_per_session_minute_whole_run']:.3f} CPU-s per session-minute "
        f"(+ {daphne['helper_cpu_seconds_per_session_minute']:.3f} in its child processes)",
        f"{'Daphne RSS':<28}{daphne['rss_baseline_mb']:.1f} MB before, "
        f"{daphne['rss_steady_mb']:.1f} MB steady (peak {daphne['rss_peak_mb']:.1f} MB): "
        f"{daphne['rss_per_session_mb'] * 1024:.0f} KB per session",
        f"{'fake Deepgram':<28}CPU {_pct(load['fake_cpu_percent'])}, "
        f"RSS {load['fake_rss_mb']:.0f} MB",
        f"{'Daphne CPU per fake CPU':<28}{_ratio(daphne, load)}  (the fake's work is the same in "
        "every run: a yardstick of the host's speed)",
        f"{'client processes':<28}CPU {clients}",
        f"{'frame send lag, steady':<28}{_ms(load['send_lag_ms']['steady'])}",
        f"{'frame send lag, all':<28}{_ms(load['send_lag_ms']['all'])}",
        f"{'machine busy (all cores)':<28}{_pct(load['machine_busy_percent'])}",
        f"{'Daphne event loop thread':<28}on a CPU {_pct(load['loop_on_cpu_percent'])} of the "
        f"window, ready but waiting for one {_pct(load['loop_waiting_for_cpu_percent'])} "
        "(the kernel's run queue: other threads and processes on the cores)",
        f"{'finals':<28}expected {finals['expected']}, sent by the fake "
        f"{finals['sent_by_fake']}, saved {finals['saved']}, received {finals['received']}, "
        f"missing {finals['missing']}, duplicated {finals['duplicates']} "
        f"({finals['interims']} interims, {finals['lag_notices']} lag notices)",
        f"{'archive':<28}{archive['archived_seconds']:.1f} s stored of "
        f"{archive['audio_sent_seconds']:.1f} s sent in {archive['archives']} archives "
        f"(largest gap {archive['largest_gap_seconds']:.2f} s); "
        f"refine queued for {archive['refine_queued']}",
        f"{'recordings completed':<28}{run['recordings_completed']} of {run['sessions']}",
        f"{'runtime':<28}{run['runtime_seconds']:.0f} s",
    ]
    return "\n".join(lines + _format_errors(run) + run.get("daphne_profile", []))


def _format_errors(run: dict[str, Any], shown: int = 5) -> list[str]:
    if not error_count(run):
        lines = [f"{'errors':<28}none"]
    else:
        lines = [f"{'errors':<28}{error_count(run)}"]
        for kind, items in run["errors"].items():
            if items:
                lines.append(f"  {kind}: {len(items)}")
                lines += [f"    {item[:300]}" for item in items[:shown]]
    if run["daphne_warnings"]:
        lines.append(f"{'Daphne warnings':<28}{len(run['daphne_warnings'])}, e.g.:")
        lines += [f"    {line[:300]}" for line in run["daphne_warnings"][:shown]]
    return lines


def format_summary(runs: list[dict[str, Any]]) -> str:
    """One line per session count: out and e2e p50/p99, last-frame lag, CPU, memory, errors."""
    header = (
        f"{'N':>5} {'out p50/p99':>14} {'e2e p50/p99':>16} {'last frame p99':>15} "
        f"{'CPU-s/sess-min':>15} {'Daphne CPU':>11} {'KB/session':>11} {'finals saved':>13} "
        f"{'errors':>7}"
    )
    lines = [header]
    for run in runs:
        lat, daphne, finals = run["latency_ms"], run["daphne"], run["finals"]
        out, e2e = lat["steady"], lat["e2e_steady"]
        lines.append(
            f"{run['sessions']:>5} {_pair(out, 14)} {_pair(e2e, 16)} "
            f"{_num(lat['last_frame_lag']['p99'], 15)} "
            f"{daphne['cpu_seconds_per_session_minute'] or 0:>15.3f} "
            f"{_pct(daphne['cpu_percent_of_one_core']):>11} "
            f"{daphne['rss_per_session_mb'] * 1024:>11.0f} "
            f"{finals['saved']:>6}/{finals['sent_by_fake']:<6} {error_count(run):>7}"
        )
    return "\n".join(lines)


def _pair(stats: dict[str, Any], width: int) -> str:
    if not stats["count"]:
        return f"{'n/a':>{width}}"
    return f"{stats['p50']:.1f} / {stats['p99']:.1f}".rjust(width)


def _num(value: float | None, width: int = 8) -> str:
    return f"{'n/a':>{width}}" if value is None else f"{value:>{width}.1f}"


TARGET_OUT_P99_MS = 22.0
TARGET_E2E_P99_MS = 50.0
TARGET_CPU_PER_SESSION_MINUTE = 0.15
TARGET_KB_PER_SESSION = 150.0


def verdict(runs: list[dict[str, Any]]) -> tuple[bool | None, str]:
    """Issue 12's targets: latency at every N run (no errors, no queuing); cost at N=200."""
    if not runs:
        return None, "Targets: not evaluated (no runs)"
    misses = []
    for run in runs:
        lat, n = run["latency_ms"], run["sessions"]
        checks = [
            ("out p99", lat["steady"]["p99"], TARGET_OUT_P99_MS),
            ("e2e p99", lat["e2e_steady"]["p99"], TARGET_E2E_P99_MS),
            ("last frame lag max", lat["last_frame_lag"]["max"], LAST_FRAME_LAG_LIMIT_MS),
        ]
        if n == TARGET_SESSIONS:
            daphne = run["daphne"]
            checks += [
                ("CPU-s/session-min", daphne["cpu_seconds_per_session_minute"],
                 TARGET_CPU_PER_SESSION_MINUTE),
                ("KB/session", daphne["rss_per_session_mb"] * 1024, TARGET_KB_PER_SESSION),
            ]  # fmt: skip
        misses += [
            f"N={n} {name} {'n/a' if value is None else f'{value:.3g}'} > {limit:g}"
            for name, value, limit in checks
            if value is None or value > limit
        ]
        if error_count(run):
            misses.append(f"N={n} {error_count(run)} error(s)")
    state = "MET" if not misses else "NOT MET: " + "; ".join(misses)
    targets = (
        f"out p99 <= {TARGET_OUT_P99_MS:g} ms, e2e p99 <= {TARGET_E2E_P99_MS:g} ms, last frame "
        f"<= {LAST_FRAME_LAG_LIMIT_MS:g} ms, no errors; at N={TARGET_SESSIONS} <= "
        f"{TARGET_CPU_PER_SESSION_MINUTE} CPU-s/session-min and <= {TARGET_KB_PER_SESSION:g} KB"
    )
    return not misses, f"Targets ({targets}): {state}"

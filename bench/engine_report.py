"""The local engine benchmark's targets, verdict, tables and JSON figures."""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.engine_live import KEEP_UP_SECONDS
from bench.engine_stats import format_cpu
from bench.speech_corpus import (
    CLEAN,
    Clip,
    conditions,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGET_WER = 0.10
TARGET_RTF = 0.2
TARGET_LATENCY_P95 = 2.0
TARGET_SESSIONS = 2


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

"""The local engine benchmark's file phase: every clip through LocalFileEngine, WER and RTF."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from bench.engine_stats import CpuMark, nearest_rank
from bench.speech_corpus import (
    CLEAN,
    Clip,
    WerCount,
    conditions,
)
from transcripts.engines.base import (  # plain dataclasses: no Django set-up needed
    FileEngine,
    FileOptions,
)


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

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

Modules
    This script sets up Django and runs the phases; bench/engine_stats.py (percentiles, CPU
    and memory readings), bench/engine_files.py and bench/engine_live.py (the two phases, with
    END_TOLERANCE and KEEP_UP_SECONDS) and bench/engine_report.py (targets, tables, JSON) do
    the work, each importing only those named before it.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make `bench` and `transcripts` importable

from bench.engine_files import run_files  # noqa: E402
from bench.engine_live import run_live  # noqa: E402
from bench.engine_report import (  # noqa: E402
    RESULTS,
    TARGET_SESSIONS,
    evaluate,
    format_files,
    format_header,
    format_live,
    format_memory,
    verdict,
    write_results,
)
from bench.engine_stats import OTHER_LOAD_WARNING, cpu_reference_ms, memory  # noqa: E402
from bench.speech_corpus import load_corpus, quick_subset  # noqa: E402

SECRET_KEY = "parley-benchmark-secret-key-not-for-production-0123456789"
CORPUS_CACHE = RESULTS / "corpus"
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

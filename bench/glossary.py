"""Glossary benchmark (issue 13): do a recording's key terms reach the local engine's text?

What runs
    Parley's local engines in this process, as Parley builds them from Django settings
    (the bundled tiny.en, int8 on CPU, unless LOCAL_WHISPER_* say otherwise). No database.
    The speech (bench/glossary_corpus.py): thirty meeting sentences carrying ten invented
    names (Quarvex, Nimbalo, ...; 39 occurrences), each spoken by espeak-ng in two of four
    voices, each voice's sentences making one meeting (about 80 s, 1.2 s pauses, faint
    hiss): four meetings, 78 name occurrences, 323 s of audio.

What is measured, per way of passing the glossary ("none": no glossary; "prompt":
faster-whisper's initial_prompt, as Parley passes it; "hotwords": its hotwords, the
alternative), with the ten names as glossary
    - files: each meeting as a WAV through `LocalFileEngine.transcribe`.
    - live: the four meetings at once through `LocalLiveEngine.connect`, in 100 ms frames
      paced as a browser sends them, then finish(); the finals make the transcript.
    term recall: the share of the names said that the transcript has, as the same word in
      any case ("Quarvex," counts; "Quarvax" does not).
    recited: invented names in a transcript beyond those said (the model reciting the
      glossary where nobody spoke).
    WER: word error rate over everything said, as in bench/local_engine.py.

Usage
    .venv/bin/python bench/glossary.py [--part all|files|live] [--modes none prompt [hotwords]]

    About 3 minutes on 2 cores (live runs in real time: 81 s a mode); hotwords, not run
    unless asked, add about 3 minutes. Figures and every transcript go to
    bench/results/glossary.json. Live figures vary from run to run by a few points: the
    four sessions share the decode slot, so where utterances are cut depends on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make `bench` and `transcripts` importable

from bench.glossary_corpus import TERMS, Meeting, Score, load_meetings  # noqa: E402
from bench.speech_corpus import SAMPLE_BYTES, SAMPLE_RATE, read_wav  # noqa: E402

SECRET_KEY = "parley-benchmark-secret-key-not-for-production-0123456789"
RESULTS = ROOT / "bench" / "results"
MODES = ("none", "prompt", "hotwords")
FRAME_SECONDS = 0.1
FRAME_BYTES = int(SAMPLE_RATE * FRAME_SECONDS) * SAMPLE_BYTES
DRAIN_TIMEOUT = 60.0
BEHIND = "[fell behind]"  # ends the text of a stream that had not finished in DRAIN_TIMEOUT


def setup_django() -> None:
    """Django settings for the engines (no database is touched)."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("SECRET_KEY", SECRET_KEY)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    django.setup()


def glossary_for(mode: str) -> tuple[str, ...]:
    """The glossary a run in `mode` gives the engine."""
    return () if mode == "none" else TERMS


# --- files ----------------------------------------------------------------------------------


def transcribe_file(meeting: Meeting, mode: str) -> str:
    """One meeting through the file engine, as the worker runs it."""
    from transcripts.engines import local_files
    from transcripts.engines.base import FileOptions

    engine = local_files.LocalFileEngine.from_settings()
    options = FileOptions(
        language="en", diarize=False, mime="audio/wav", glossary=glossary_for(mode)
    )
    passing = "hotwords" if mode == "none" else mode
    with mock.patch.object(local_files, "FILE_GLOSSARY_AS", passing), meeting.path.open("rb") as f:
        transcript = engine.transcribe(
            audio=f,
            size=meeting.path.stat().st_size,
            options=options,
            on_progress=lambda share: None,
            should_stop=lambda: False,
        )
    return " ".join(segment.text.strip() for segment in transcript.segments)


# --- live -----------------------------------------------------------------------------------


async def stream_meeting(meeting: Meeting, mode: str) -> str:
    """One meeting through a live stream in real time; its finals' text."""
    from transcripts.engines.base import FinalSegment, LiveOptions
    from transcripts.engines.local import LocalLiveEngine

    engine = LocalLiveEngine.from_settings()
    pcm = read_wav(meeting.path).tobytes()
    options = LiveOptions(language="en", sample_rate=SAMPLE_RATE, glossary=glossary_for(mode))
    finals: list[str] = []
    async with engine.connect(options) as stream:

        async def receive() -> None:
            async for event in stream.events():
                if isinstance(event, FinalSegment) and event.text:
                    finals.append(event.text)

        receiving = asyncio.create_task(receive())
        started = time.monotonic()
        for index, offset in enumerate(range(0, len(pcm), FRAME_BYTES)):
            await asyncio.sleep(max(0.0, started + (index + 1) * FRAME_SECONDS - time.monotonic()))
            await stream.send_audio(pcm[offset : offset + FRAME_BYTES])
        await stream.finish()
        try:
            await asyncio.wait_for(receiving, DRAIN_TIMEOUT)
        except TimeoutError:  # scored on the finals it did send, and said
            print(f"  {meeting.voice}: no end of text {DRAIN_TIMEOUT:.0f} s after finish()")
            finals.append(BEHIND)
    return " ".join(finals)


async def stream_meetings(meetings: Sequence[Meeting], mode: str) -> list[str]:
    """Every meeting at once, as sessions in one Daphne process."""
    from transcripts.engines import local

    passing = "prompt" if mode == "none" else mode
    with mock.patch.object(local, "LIVE_GLOSSARY_AS", passing):
        return list(await asyncio.gather(*(stream_meeting(m, mode) for m in meetings)))


# --- running and reporting ------------------------------------------------------------------


def measure(meetings: Sequence[Meeting], part: str, mode: str) -> dict[str, Any]:
    """One path in one mode: its scores and transcripts."""
    began = time.perf_counter()
    if part == "files":
        texts = [transcribe_file(meeting, mode) for meeting in meetings]
    else:
        texts = asyncio.run(stream_meetings(meetings, mode))
    seconds = time.perf_counter() - began
    scores = [Score.of(m.text, text) for m, text in zip(meetings, texts, strict=True)]
    total = Score.total(scores)
    behind = sum(BEHIND in text for text in texts)
    print(
        f"  {part:5} {mode:8}  term recall {total.heard:3d}/{total.said} = {total.recall:6.1%}"
        f"  recited {total.extra:3d}  WER {total.wer.rate:6.1%}  ({seconds:.0f} s)"
        f"{f'  {behind} fell behind' if behind else ''}",
        flush=True,
    )
    return {
        "part": part,
        "mode": mode,
        "seconds": seconds,
        "said": total.said,
        "heard": total.heard,
        "recall": total.recall,
        "recited": total.extra,
        "wer": total.wer.rate,
        "fell_behind": behind,
        "transcripts": [
            {"voice": m.voice, "text": text, "recall": s.recall, "recited": s.extra}
            for m, text, s in zip(meetings, texts, scores, strict=True)
        ],
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Which paths and modes to run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "files", "live"), default="all")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=["none", "prompt"])
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the measurement, print a line per path and mode, write the JSON figures."""
    args = parse_args(argv)
    setup_django()
    from transcripts.engines.whisper import load_model, model_spec

    meetings = load_meetings(RESULTS / "glossary-corpus")
    load_model(model_spec())  # loaded once, before anything is timed
    audio = sum(m.duration for m in meetings)
    print(f"{len(meetings)} meetings, {audio:.0f} s of audio; glossary: {', '.join(TERMS)}")
    parts = ("files", "live") if args.part == "all" else (args.part,)
    began = time.monotonic()
    rows = [measure(meetings, part, mode) for part in parts for mode in args.modes]
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "glossary.json"
    document = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cpus": os.cpu_count(),
        "model": model_spec().name,
        "audio_seconds": audio,
        "runtime_seconds": time.monotonic() - began,
        "rows": rows,
    }
    path.write_text(json.dumps(document, indent=1))
    print(f"results: {path}; runtime {document['runtime_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What the end of one live meeting costs the live process's database work.

When a meeting ends, the live process closes its recording (`recording_finish`) and stores its
Ogg archive, which queues the refined transcript (`recording_add_audio`). Both run on a thread
that also saves the words of every meeting still running, so at the top of the hour, when
hundreds end together, their cost is what those words wait behind (docs/benchmarks.md, "While
meetings end"). This measures that cost directly, without Daphne: `--meetings` live
recordings of `--segments` segments each are ended one after another, as the live process ends
them, and the wall time and statements per meeting are printed for each step.

Usage
    .venv/bin/python bench/meeting_end.py [--meetings 300] [--segments 60] [--rounds 3]
                                          [--postgres] [--pg-database NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.database import BenchDatabase, close_django_connections, setup_django
from bench.live_load import base_env

OGG_BYTES = 48_000  # about a minute of the archive's speech Opus: the size does not matter much


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=300)
    parser.add_argument("--segments", type=int, default=60, help="finals saved per meeting")
    parser.add_argument("--rounds", type=int, default=3, help="times to end that many meetings")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--pg-database", default="", help="the PostgreSQL database to (re)create")
    parser.add_argument(
        "--finals-per-second",
        type=float,
        default=0.0,
        help="also end the meetings all at once, as the live process's tasks do, while the "
        "meetings still running save this many finals a second, and time those finals",
    )
    return parser.parse_args(argv)


def live_recordings(count: int, segments: int) -> list[int]:
    """`count` live recordings, each with `segments` saved finals, as a session leaves them."""
    from django.contrib.auth.models import User

    from transcripts.models import Recording, Segment

    owner, _ = User.objects.get_or_create(username="bench-meetings")
    ids = []
    for _ in range(count):
        recording = Recording.objects.create(
            owner=owner, title="Meeting", source=Recording.Source.LIVE, status=Recording.Status.LIVE
        )
        rows = [
            Segment(recording=recording, index=n, start=n * 2.0, end=n * 2.0 + 1.5, text="Words.")
            for n in range(segments)
        ]
        Segment.objects.bulk_create(rows)
        ids.append(recording.pk)
    return ids


def spooled_ogg(folder: Path, number: int) -> Path:
    """A file standing in for a session's encoded spool (storing it only moves bytes)."""
    path = folder / f"spool-{number}.ogg"
    path.write_bytes(b"OggS" + bytes(OGG_BYTES - 4))
    return path


def timed(step: Callable[[], Any]) -> tuple[float, float, int]:
    """Milliseconds `step` took, of them on the CPU (in this thread, so holding the
    interpreter), and the statements it ran (commit hooks included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        began, began_cpu = time.perf_counter(), time.thread_time()
        step()
        cpu = (time.thread_time() - began_cpu) * 1000
        elapsed = (time.perf_counter() - began) * 1000
    return elapsed, cpu, len(queries)


def end_meetings(ids: list[int], folder: Path) -> dict[str, list[tuple[float, float, int]]]:
    """End each meeting as the live process does: finish the recording, then store its audio."""
    from transcripts import services
    from transcripts.live.spool import recording_add_audio

    steps: dict[str, list[tuple[float, float, int]]] = {"finish": [], "store audio": []}
    for number, recording_id in enumerate(ids):
        ogg = spooled_ogg(folder, number)

        def finish(recording_id: int = recording_id) -> None:
            services.recording_finish(recording_id=recording_id, duration=120.0)

        def store(recording_id: int = recording_id, ogg: Path = ogg) -> None:
            recording_add_audio(recording_id=recording_id, spool=ogg)

        steps["finish"].append(timed(finish))
        steps["store audio"].append(timed(store))
    return steps


async def end_together_beside_finals(
    ids: list[int], folder: Path, running: list[int], per_second: float
) -> tuple[list[float], float]:
    """End every meeting at once (a task each, as the live sessions do) while finals of the
    `running` meetings arrive at `per_second`; each final's wait until saved, and how long the
    ends took, in ms."""

    from transcripts import services
    from transcripts.engines.base import FinalSegment
    from transcripts.live.apart import run_apart
    from transcripts.live.spool import recording_add_audio
    from transcripts.live.writer import segment_writer

    async def end(number: int, recording_id: int) -> None:
        ogg = spooled_ogg(folder, number)
        await run_apart(lambda: services.recording_finish(recording_id=recording_id, duration=1.0))
        await run_apart(lambda: recording_add_audio(recording_id=recording_id, spool=ogg))

    waits: list[float] = []

    async def final(recording_id: int, index: int) -> None:
        began = time.perf_counter()
        segment = FinalSegment("Words.", index * 2.0, index * 2.0 + 1.5)
        await segment_writer.save(recording_id=recording_id, index=index, segment=segment)
        waits.append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    ends = asyncio.gather(*(end(n, pk) for n, pk in enumerate(ids)))
    saving = []
    index = 0
    while not ends.done():
        saving.append(asyncio.ensure_future(final(running[index % len(running)], 1000 + index)))
        index += 1
        await asyncio.sleep(1 / per_second)
    took = (time.perf_counter() - began) * 1000
    await asyncio.gather(*saving)
    return waits, took


def report_waits(waits: list[float], took: float, meetings: int) -> str:
    ordered = sorted(waits)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"  {meetings} ends at once took {took:.0f} ms; {len(waits)} finals meanwhile waited "
        f"{statistics.median(ordered):.1f} ms median, {p99:.1f} p99, {ordered[-1]:.1f} max"
    )


def report(label: str, samples: list[tuple[float, float, int]]) -> str:
    times = sorted(ms for ms, _, _ in samples)
    cpu = statistics.median(ms for _, ms, _ in samples)
    statements = statistics.median(count for _, _, count in samples)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return (
        f"  {label:<12} {statistics.median(times):6.2f} ms median ({cpu:.2f} on the CPU), "
        f"{p99:6.2f} ms p99, {statements:g} statements"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="parley-meeting-end-") as scratch:
        workdir = Path(scratch)
        db = BenchDatabase("postgres" if args.postgres else "sqlite", workdir, args.pg_database)
        env = base_env(db, workdir, None)
        db.create()
        try:
            db.migrate(env)
            setup_django(env)
            from django.db import connection

            connection.force_debug_cursor = True  # count statements without DEBUG
            print(f"{connection.vendor}: {args.meetings} meetings of {args.segments} finals")
            for round_number in range(1, args.rounds + 1):
                ids = live_recordings(args.meetings, args.segments)
                steps = end_meetings(ids, workdir)
                pairs = zip(steps["finish"], steps["store audio"], strict=True)
                total = statistics.mean(finish[0] + store[0] for finish, store in pairs)
                print(f"round {round_number}: {total:.2f} ms per meeting, mean")
                for label, samples in steps.items():
                    print(report(label, samples))
                if args.finals_per_second:
                    ids = live_recordings(args.meetings, args.segments)
                    running = live_recordings(50, 0)
                    waits, took = asyncio.run(
                        end_together_beside_finals(ids, workdir, running, args.finals_per_second)
                    )
                    print(report_waits(waits, took, args.meetings))
        finally:
            close_django_connections()
            db.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

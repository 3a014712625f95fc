"""Upload memory benchmark: one large file through Daphne's chunked upload API.

What runs
    One real Daphne process serving Parley (`config.asgi:application`) on a throwaway SQLite
    database, with its own PARLEY_VAR_DIR, MEDIA_ROOT and UPLOAD_TEMP_DIR in a temporary
    directory. This process logs a user in (a real session cookie, plus a CSRF cookie whose
    value it chose and repeats in X-CSRFToken), announces a `--size-mib` WAV file and sends it
    as the upload page does: `POST /upload/files/`, then one `PUT` per piece of `chunk_bytes`
    (the server's UPLOAD_CHUNK_BYTES, 8 MiB unless `--chunk-mib` sets it), one after another.
    The file is a 44-byte RIFF/WAVE header (16 kHz mono PCM16) and pseudo-random samples, made
    1 MiB at a time while httpx streams each piece: it never exists whole in this process.
    First, a status request and a 256 KiB upload load Parley's lazy imports (the warm-up).

What is measured
    - Daphne RSS, read from /proc every 50 ms by a background thread. Baseline: one reading
      after the warm-up and a second of quiet. Peak: the highest reading during the upload.
      Growth = peak - baseline; the target is under 100 MB (10^8 bytes). The kernel's own
      high-water mark (VmHWM, reset to the current RSS at the baseline through
      /proc/PID/clear_refs) is shown too: it also catches a spike between two readings.
    - throughput: file bytes / wall time from the start of the first PUT to the final 201.
    - piece latency: one PUT, from the first byte sent to the answer read (p50, p99, max).
      The last piece also moves the file into storage and queues its job.
    - Daphne CPU seconds (user + system, all threads) from the first PUT to the final 201.
    - integrity: the stored file has the announced size and the SHA-256 computed while the
      file was made; its Recording is `queued` with a queued job; no PendingUpload or partial
      file is left; Daphne logged no error.

How to read it
    A piece passes through Daphne whole: Twisted spools the request body to a temporary file,
    then Daphne hands the whole body to Django at once as 8 KiB messages, and Django spools it
    again (in memory up to 2.5 MB, then on disk) before the view copies it to the partial file
    1 MiB at a time. So growth should follow the piece size, not the file size: compare with
    `--chunk-mib 32`. Growth near the file size would mean something keeps the file in memory.
    Daphne's CPU goes mostly into moving those 8 KiB messages: once Django's spool has rolled
    over to disk, it writes each message through a thread-pool hop (about 100,000 per GiB),
    so Daphne near 100 % of one core means throughput is CPU-bound there, not disk- or
    network-bound. "client making + hashing" is this process's own share of the wall time.

Usage
    .venv/bin/python bench/upload_memory.py [--size-mib 1024] [--chunk-mib N] [--keep]

    Figures go to bench/results/upload_memory.json (each run replaces it). `--keep` leaves
    the temporary directory (database, stored file) in place and prints where. Exit status:
    0 when the target is met and the file arrived intact, 1 when not, 2 when the upload failed.

Modules
    bench/upload_client.py makes the file and sends it; this script runs Daphne, watches its
    memory, checks what was stored and reports.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import signal
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make `bench` importable

from bench.database import (  # noqa: E402
    BenchDatabase,
    close_django_connections,
    make_session_cookies,
    setup_django,
)
from bench.live_load import API_KEY, base_env  # noqa: E402
from bench.procstat import Sample, Sampler, cpu_seconds, rss_bytes  # noqa: E402
from bench.report import percentiles  # noqa: E402
from bench.servers import DaphneProcess  # noqa: E402
from bench.upload_client import (  # noqa: E402
    MIB,
    Transfer,
    UploadClient,
    UploadFailed,
    WavFile,
    send_file,
    warm_up,
)

MB = 1000 * 1000
TARGET_GROWTH = 100 * MB
DEFAULT_MAX_UPLOAD = 2 * 1024 * MIB  # the app's UPLOAD_MAX_BYTES default
SAMPLE_EVERY = 0.05  # seconds between RSS readings
SETTLE = 1.0  # seconds of quiet before the baseline and after the upload
RESULTS = ROOT / "bench" / "results" / "upload_memory.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="file size (default 1024)")
    parser.add_argument(
        "--chunk-mib", type=float, help="piece size: sets UPLOAD_CHUNK_BYTES (default: server's)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if not 1 <= args.size_mib < 4096:
        parser.error("--size-mib must be from 1 to 4095 (a WAV header counts in 32 bits)")
    if args.chunk_mib is not None and args.chunk_mib <= 0:
        parser.error("--chunk-mib must be positive")
    return args


def upload_env(db: BenchDatabase, workdir: Path, args: argparse.Namespace) -> dict[str, str]:
    """Environment for Daphne, manage.py and this process's Django."""
    env = base_env(db, workdir, postgres=False)
    env |= {
        "DEEPGRAM_API_KEY": API_KEY,  # uploads need an engine; no worker runs, so none is called
        "MEDIA_ROOT": str(workdir / "media"),
        "UPLOAD_TEMP_DIR": str(workdir / "uploads-partial"),
    }
    if args.size_mib * MIB > DEFAULT_MAX_UPLOAD:
        env["UPLOAD_MAX_BYTES"] = str(args.size_mib * MIB)
    if args.chunk_mib is not None:
        env["UPLOAD_CHUNK_BYTES"] = str(int(args.chunk_mib * MIB))
    return env


# --- Daphne's memory ----------------------------------------------------------------------


class RssWatcher:
    """Daphne's RSS and CPU, read every SAMPLE_EVERY seconds by a background thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.sampler = Sampler({"daphne": pid})
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.sampler.take()

    def __enter__(self) -> RssWatcher:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()


def reset_peak_rss(pid: int) -> bool:
    """Reset the kernel's peak RSS (VmHWM) of `pid` to its RSS now; False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss(pid: int) -> int:
    """The kernel's peak RSS (VmHWM) of `pid` since it started or since the last reset."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise ProcessLookupError(pid)


# --- one measured upload ------------------------------------------------------------------


@dataclass
class Observed:
    """Raw observations of the measured upload."""

    file: WavFile
    transfer: Transfer
    baseline: Sample
    samples: list[Sample]
    cpu_seconds: float
    kernel_peak: int | None
    rss_after: int


def measure(daphne: DaphneProcess, client: UploadClient, size: int) -> Observed:
    """Send the big file while a background thread reads Daphne's RSS."""
    with RssWatcher(daphne.pid) as watcher:
        time.sleep(SETTLE)
        baseline = watcher.sampler.take()
        kernel_reset = reset_peak_rss(daphne.pid)
        cpu_before = cpu_seconds(daphne.pid)
        file = WavFile(size)
        transfer = send_file(client, file, "bench-upload.wav")
        cpu_used = cpu_seconds(daphne.pid) - cpu_before
        kernel_peak = peak_rss(daphne.pid) if kernel_reset else None
        watcher.sampler.take()
        time.sleep(SETTLE)
        rss_after = rss_bytes(daphne.pid)
    samples = list(watcher.sampler.samples)
    return Observed(file, transfer, baseline, samples, cpu_used, kernel_peak, rss_after)


def check_stored(recording_id: int, file: WavFile) -> dict[str, Any]:
    """What storage and the database hold for the uploaded file (Django in this process)."""
    from django.conf import settings

    from transcripts.models import PendingUpload, Recording

    recording = Recording.objects.filter(pk=recording_id).first()
    found: dict[str, Any] = {"recording": recording_id, "pending_uploads": 0}
    if recording is not None:
        path = Path(settings.MEDIA_ROOT) / recording.audio.name
        found |= {
            "status": recording.status,
            "job_statuses": list(recording.jobs.values_list("status", flat=True)),
            "stored_name": recording.audio.name,
            "stored_bytes": path.stat().st_size if path.is_file() else None,
            "stored_sha256": _file_sha256(path) if path.is_file() else None,
        }
    found["pending_uploads"] = PendingUpload.objects.count()
    found["partial_files"] = sorted(p.name for p in Path(settings.UPLOAD_TEMP_DIR).glob("*"))
    close_django_connections()
    return found


def _file_sha256(path: Path) -> str:
    with path.open("rb") as stored:
        return hashlib.file_digest(stored, "sha256").hexdigest()


def integrity_problems(stored: dict[str, Any], file: WavFile, log_problems: list[str]) -> list[str]:
    """Everything that shows the file did not arrive as sent."""
    problems = []
    if "status" not in stored:
        return [f"recording {stored['recording']} is not in the database", *log_problems]
    if stored["status"] != "queued":
        problems.append(f"recording status is {stored['status']!r}, not 'queued'")
    if stored["job_statuses"] != ["queued"]:
        problems.append(f"job statuses are {stored['job_statuses']}, not ['queued']")
    if stored["stored_bytes"] != file.size:
        problems.append(f"stored file has {stored['stored_bytes']} bytes, sent {file.size}")
    elif stored["stored_sha256"] != file.sha256:
        problems.append("stored file's SHA-256 differs from what was sent")
    if stored["pending_uploads"] or stored["partial_files"]:
        problems.append(
            f"left behind: {stored['pending_uploads']} PendingUpload row(s), "
            f"partial files {stored['partial_files']}"
        )
    return problems + [f"Daphne log: {line}" for line in log_problems]


# --- figures and text ---------------------------------------------------------------------


def rss_figures(seen: Observed) -> dict[str, Any]:
    """Daphne's RSS: baseline, highest reading during the upload, growth, kernel peak."""
    baseline = seen.baseline.rss["daphne"]
    start, end = seen.transfer.started, seen.transfer.finished + SAMPLE_EVERY
    during = [s.rss["daphne"] for s in seen.samples if start <= s.at <= end and s.rss]
    peak = max(during, default=baseline)
    return {
        "baseline": baseline,
        "peak": peak,
        "peak_growth": peak - baseline,
        "kernel_peak": seen.kernel_peak,
        "after": seen.rss_after,
        "readings": len(during),
    }


def figures(seen: Observed, stored: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """The run's figures, JSON-ready (bytes, seconds)."""
    transfer, file = seen.transfer, seen.file
    rss = rss_figures(seen)
    wall = transfer.finished - transfer.started
    return {
        "file_bytes": file.size,
        "chunk_bytes": transfer.chunk_bytes,
        "pieces": len(transfer.piece_seconds),
        "rss": rss,
        "target_growth": TARGET_GROWTH,
        "target_met": rss["peak_growth"] < TARGET_GROWTH,
        "wall_seconds": wall,
        "throughput_bytes_per_second": file.size / wall,
        "piece_seconds": percentiles(transfer.piece_seconds),
        "last_piece_seconds": transfer.piece_seconds[-1],
        "daphne_cpu_seconds": seen.cpu_seconds,
        "client_make_hash_seconds": file.seconds,
        "sent_sha256": file.sha256,
        "stored": stored,
        "problems": problems,
        "samples": _series(seen),
    }


def _series(seen: Observed) -> list[dict[str, float]]:
    """The RSS readings, seconds from the first PUT, for plotting."""
    start = seen.transfer.started
    return [
        {"t": round(s.at - start, 3), "rss": s.rss["daphne"], "cpu": round(s.cpu["daphne"], 2)}
        for s in seen.samples
        if s.rss
    ]


def _mib(value: float | None) -> str:
    return "n/a" if value is None else f"{value / MIB:.1f} MiB"


def format_report(run: dict[str, Any]) -> str:
    """A readable summary of one run."""
    rss, piece = run["rss"], run["piece_seconds"]
    growth = rss["peak_growth"]
    kernel = rss["kernel_peak"]
    kernel_growth = None if kernel is None else kernel - rss["baseline"]
    rate = run["throughput_bytes_per_second"]
    cpu = run["daphne_cpu_seconds"]
    lines = [
        f"Upload of {_mib(run['file_bytes'])} ({run['file_bytes']} bytes) in {run['pieces']} "
        f"pieces of {_mib(run['chunk_bytes'])}, through one Daphne (SQLite)",
        f"  Daphne RSS     baseline {_mib(rss['baseline'])}, peak {_mib(rss['peak'])} "
        f"({rss['readings']} readings, every {SAMPLE_EVERY * 1000:.0f} ms)",
        f"                 peak growth {_mib(growth)} = {growth / MB:.1f} MB "
        f"(target < {TARGET_GROWTH / MB:.0f} MB: {'met' if run['target_met'] else 'NOT MET'})",
        f"                 kernel peak (VmHWM) {_mib(kernel)}, growth {_mib(kernel_growth)}; "
        f"{SETTLE:.0f} s after the upload {_mib(rss['after'])}",
        f"  throughput     {run['file_bytes'] / MB:.1f} MB in {run['wall_seconds']:.2f} s = "
        f"{rate / MB:.1f} MB/s ({rate / MIB:.1f} MiB/s)",
        f"  piece latency  p50 {piece['p50'] * 1000:.1f} ms, p99 {piece['p99'] * 1000:.1f} ms, "
        f"max {piece['max'] * 1000:.1f} ms; last piece {run['last_piece_seconds'] * 1000:.1f} ms",
        f"  Daphne CPU     {cpu:.2f} s ({cpu / run['wall_seconds']:.0%} of one core, "
        f"{cpu / (run['file_bytes'] / MIB / 1024):.2f} s per GiB)",
        f"  client         making + hashing the file: {run['client_make_hash_seconds']:.2f} s",
        *_stored_lines(run),
    ]
    return "\n".join(lines)


def _stored_lines(run: dict[str, Any]) -> list[str]:
    stored = run["stored"]
    if "status" not in stored:
        return [f"  database       recording {stored['recording']} missing"]
    same = stored["stored_sha256"] == run["sent_sha256"]
    leftovers = stored["pending_uploads"] + len(stored["partial_files"])
    return [
        f"  stored file    {stored['stored_name']}: {stored['stored_bytes']} bytes, "
        f"SHA-256 {'matches' if same else 'DIFFERS'} ({run['sent_sha256'][:16]}...)",
        f"  database       recording {stored['recording']} {stored['status']}, "
        f"jobs {stored['job_statuses']}, {leftovers} pending upload(s) or partial file(s) left",
        f"  problems       {'; '.join(run['problems']) or 'none (Daphne logged no error)'}",
    ]


def verdict(run: dict[str, Any]) -> tuple[bool, str]:
    """Whether the target was met and the file arrived intact, in one line."""
    growth = run["rss"]["peak_growth"]
    rate = run["throughput_bytes_per_second"] / MB
    intact = not run["problems"]
    met = run["target_met"] and intact
    state = "MET" if met else "NOT MET"
    return met, (
        f"Target (Daphne peak growth < {TARGET_GROWTH / MB:.0f} MB, file intact): {state} - "
        f"growth {growth / MB:.1f} MB with {_mib(run['chunk_bytes'])} pieces, "
        f"{'intact' if intact else f'{len(run["problems"])} problem(s)'}, {rate:.1f} MB/s"
    )


def write_results(run: dict[str, Any], runtime: float) -> Path:
    """The raw figures as JSON in bench/results/."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "runtime_seconds": runtime,
        "verdict": verdict(run)[1],
        "run": run,
    }
    RESULTS.write_text(json.dumps(document, indent=1))
    return RESULTS


# --- running ------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up a throwaway Parley, upload the file, check it; tears everything down."""
    with ExitStack() as stack:
        temporary = tempfile.TemporaryDirectory(prefix="parley-upload-", delete=not args.keep)
        workdir = Path(stack.enter_context(temporary))
        db = BenchDatabase("sqlite", workdir)
        env = upload_env(db, workdir, args)
        db.migrate(env)
        setup_django(env)
        stack.callback(close_django_connections)
        session_key = make_session_cookies(1)[0]
        daphne = stack.enter_context(DaphneProcess(env))
        client = UploadClient(daphne.origin, session_key)
        stack.enter_context(client.http)
        seen = _upload(daphne, client, args.size_mib * MIB)
        daphne.stop()  # its log is complete only once it has exited
        stored = check_stored(seen.transfer.answer["recording"], seen.file)
        problems = integrity_problems(stored, seen.file, daphne.problems())
        if args.keep:
            print(f"kept {workdir}", flush=True)
        return figures(seen, stored, problems)


def _upload(daphne: DaphneProcess, client: UploadClient, size: int) -> Observed:
    """Warm up, then the measured upload; a failure carries Daphne's log."""
    try:
        warm_up(client)
        return measure(daphne, client, size)
    except (UploadFailed, httpx.HTTPError) as exc:
        raise UploadFailed(f"{exc}\nDaphne log (last lines):\n{daphne.log[-4000:]}") from exc


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds the ExitStack: Daphne stops, the directory goes


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the summary and the verdict, and write the JSON figures."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    began = time.monotonic()
    try:
        result = run(args)
    except KeyboardInterrupt:
        print("\ninterrupted: Daphne stopped, temporary files removed", file=sys.stderr)
        return 130
    except UploadFailed as exc:
        print(f"upload failed: {exc}", file=sys.stderr)
        return 2
    runtime = time.monotonic() - began
    met, line = verdict(result)
    print(format_report(result))
    print(f"\nresults: {write_results(result, runtime)}; total runtime {runtime:.0f} s")
    print(line)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())

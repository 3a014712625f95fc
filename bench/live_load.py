"""Live-recording load benchmark: N browser-like sessions at once through one Daphne process.

What runs
    The fake Deepgram (`python -m tests.fake_deepgram --stamp-finals --without-collector`,
    noting each time its own loop runs over 5 ms late: printed as "the fake, late"), one real
    Daphne process serving Parley (`config.asgi:application`) on a throwaway database, and N
    WebSocket clients spread over `--client-procs` worker processes. Each client logs in with a
    real session cookie, sends `start`, streams `--seconds` of 16 kHz PCM16 in 100 ms frames
    paced by the wall clock (1.5 s of 440 Hz tone, 0.5 s of silence, repeated: one final every
    2 s), then `stop`, and waits for `stopped` and the normal close. Sessions connect over
    `--ramp` seconds. Before the run, one short warm-up session loads Parley's lazy imports, so
    they are not billed to the sessions.

What is measured, in the *steady window*
    From the moment every session has received its first final until the first session
    stops. Each session's first final, the ramp-up and the stop handshakes fall outside it
    (their latency is shown separately as "all finals").

    - added latency: the fake writes `time.time()` into each final's text just before the
      socket write; the client subtracts it from `time.time()` at receipt. It covers Daphne
      reading Deepgram's message, the SDK's parsing, Parley saving the segment and sending
      `final`, and the client noticing. It is split at the segment's `created_at` (set just
      before the INSERT): "fake send -> DB insert" is queueing in Daphne (event loop and the
      single database thread), "DB insert -> client" is the write, the commit and the send.
      "by 10 s slice" shows whether it drifts (a growing backlog) or holds steady.
    - inbound: from the client sending the frame that ends an utterance (the third 100 ms of
      silence, the fake's 300 ms endpointing) to the fake sending the final. The fake answers
      within a few ms, so anything larger is audio queued in Daphne on its way to Deepgram:
      a delay people would see that the added latency above does not include.
    - Daphne CPU: CPU seconds per session-minute of audio, and the share of one core (Daphne
      is one Python process: near 100 % means it is saturated and latency grows).
    - Daphne memory: steady RSS (median of the window's samples) minus RSS before the
      sessions connected, divided by N; the absolute figures are printed too.
    - errors: abnormal closes, `error` messages, missing or duplicated finals, `stopped`
      counts that disagree with the finals seen, recordings not `completed` in the database or
      with other segment counts, Traceback/ERROR lines in Daphne's or the fake's log.
    - client load: each client process's CPU and how late frames left versus their schedule.
      If a client process nears 100 % or the send lag p99 grows to tens of ms, the client
      side is distorting the figures; add `--client-procs`. The fake and the clients share
      the machine with Daphne, so "machine busy" near 100 % means everything is contended.
      How long Daphne's event loop thread was ready to run but waited for a CPU (the kernel's
      scheduler statistics) says what that contention cost the loop: a wait the loop's own
      profile cannot show.

Usage
    .venv/bin/python bench/live_load.py [--sessions 1 50 200] [--seconds 60] [--postgres]
                                        [--client-procs 2] [--ramp 5]

    SQLite (a fresh file, in-memory channel layer) by default; `--postgres` uses a fresh
    PostgreSQL database and the Redis channel layer, the production configuration. Figures go
    to bench/results/live_load-<sqlite|postgres>.json. Exit status: 0 when the target (200
    sessions, steady p99 under 50 ms, no errors) is met or not evaluated, 1 when it is missed.
    `--profile-daphne` runs Daphne under cProfile and prints where its CPU goes (it slows
    Daphne down: read the shares, not the latencies).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make `bench` and `tests` importable

from bench import profiling  # noqa: E402
from bench.client import (  # noqa: E402
    STEP_TIMEOUT,
    STOP_TIMEOUT,
    ClientConfig,
    SessionPlan,
    SessionResult,
    run_session,
    worker_main,
)
from bench.database import (  # noqa: E402
    BenchDatabase,
    check_recordings,
    close_django_connections,
    make_session_cookies,
    setup_django,
)
from bench.live_options import parse_args  # noqa: E402
from bench.probes import GC_PAUSES_ENV, SteadyProbes, gc_pause_summary, probe_window  # noqa: E402
from bench.procstat import Sampler  # noqa: E402
from bench.report import (  # noqa: E402
    RunData,
    analyse,
    fake_streams,
    format_run,
    format_summary,
    verdict,
)
from bench.servers import DaphneProcess, FakeProcess  # noqa: E402

SECRET_KEY = "parley-benchmark-secret-key-not-for-production-0123456789"
API_KEY = "bench-deepgram-key"
FEATURES = (
    "every default feature on: archive, leases (renewed every {lease:g} s), "
    "viewers' group (publish per interim/final), refine queued after stop ({refine})"
)
RESULTS = ROOT / "bench" / "results"
SAMPLE_EVERY = 0.5  # seconds between CPU/RSS readings
SETTLE = 1.0  # seconds for Daphne to go quiet before and after the sessions
ARCHIVE_TIMEOUT = 300.0  # seconds to wait for the archives after the last session stopped
START_LEAD = 1.0  # seconds between "go" and the first connection, so every worker is waiting


def base_env(db: BenchDatabase, workdir: Path, redis_url: str | None) -> dict[str, str]:
    """Environment for Daphne, manage.py and this process's Django."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPGRAM_", "REDIS_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": SECRET_KEY,
        "DEBUG": "0",
        "DATABASE_URL": db.url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PARLEY_VAR_DIR": str(workdir),  # nothing of the benchmark lands in the project's var/
        "LOG_LEVEL": "WARNING",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def features_line() -> str:
    """What the Daphne under test runs besides relaying, from its settings."""
    from django.conf import settings

    refine = "on" if settings.REFINE_AFTER_RECORDING else "OFF"
    return FEATURES.format(lease=settings.LIVE_LEASE_SECONDS / 3, refine=refine)


def admitting(sessions: int) -> int:
    """The capacity Daphne runs with: at least `sessions`, so that all of them are measured
    (beyond its capacity a process refuses new recordings, as tests/test_live_guards.py shows)."""
    from django.conf import settings

    return max(sessions, settings.LIVE_MAX_SESSIONS)


def load_average() -> str:
    """The machine's 1/5/15-minute load averages."""
    return " / ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class Worker:
    """One client worker process and its end of the pipe."""

    name: str
    process: BaseProcess
    conn: Connection


def start_workers(config: ClientConfig, plans: list[SessionPlan], count: int) -> list[Worker]:
    """Spawn (not fork: the parent has threads and Django) the client processes."""
    context = multiprocessing.get_context("spawn")
    workers = []
    for number in range(min(count, len(plans))):
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=worker_main,
            args=(child_end, config, plans[number::count]),
            name=f"bench-client-{number}",
        )
        process.start()
        child_end.close()
        workers.append(Worker(f"client{number}", process, parent_end))
    return workers


def stop_workers(workers: list[Worker]) -> None:
    """End workers still running (after a failure or Ctrl+C)."""
    for worker in workers:
        if worker.process.is_alive():
            worker.process.terminate()
        worker.process.join(timeout=10)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.conn.close()


def release_workers(workers: list[Worker], sampler: Sampler) -> None:
    """Wait until every worker is ready, then give them all the same start time."""
    for worker in workers:
        if not worker.conn.poll(STEP_TIMEOUT) or worker.conn.recv() != "ready":
            raise RuntimeError(f"{worker.name} did not start")
        sampler.pids[worker.name] = worker.process.pid
    start = time.time() + START_LEAD
    for worker in workers:
        worker.conn.send(start)


def collect_results(
    workers: list[Worker], sampler: Sampler, timeout: float
) -> tuple[list[SessionResult], list[str]]:
    """Sample processes every half second until every worker has sent its results."""
    pending = {worker.conn: worker for worker in workers}
    results: list[SessionResult] = []
    failures: list[str] = []
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        sampler.take()
        for conn in wait(list(pending), timeout=SAMPLE_EVERY):
            worker = pending.pop(conn)  # type: ignore[call-overload]
            try:
                results.extend(conn.recv())  # type: ignore[union-attr]
            except EOFError:
                worker.process.join(timeout=5)
                failures.append(f"{worker.name} died (exit code {worker.process.exitcode})")
    failures += [f"{w.name} did not finish within {timeout:.0f} s" for w in pending.values()]
    return sorted(results, key=lambda r: r.index), failures


def run_clients(
    config: ClientConfig, plans: list[SessionPlan], procs: int, sampler: Sampler
) -> tuple[list[SessionResult], list[str], list[str]]:
    """Run every session in worker processes; returns results, failures, worker names."""
    workers = start_workers(config, plans, procs)
    try:
        release_workers(workers, sampler)
        timeout = START_LEAD + max(p.offset for p in plans) + config.seconds
        timeout += 2 * STEP_TIMEOUT + STOP_TIMEOUT
        results, failures = collect_results(workers, sampler, timeout)
    finally:
        stop_workers(workers)
    return results, failures, [w.name for w in workers]


def warm_up(daphne: DaphneProcess, cookie: str) -> None:
    """One short session first: Parley's lazy imports and first connections are not billed."""
    config = ClientConfig(url=daphne.ws_url, origin=daphne.origin, seconds=4.0)
    result = asyncio.run(run_session(config, SessionPlan(-1, cookie, 0.0), 0.0))
    if result.errors or len(result.finals) != config.expected_finals or result.close_code != 1000:
        raise RuntimeError(f"the warm-up session failed: {result}\nDaphne log:\n{daphne.log}")


def run_once(
    sessions: int, args: argparse.Namespace, env: dict[str, str], cookies: list[str]
) -> dict[str, Any]:
    """One run at one session count, from fresh fake and Daphne processes."""
    began = time.monotonic()
    with ExitStack() as stack:
        lateness = Path(env["PARLEY_VAR_DIR"]) / f"fake-lateness-{sessions}.txt"
        fake = stack.enter_context(FakeProcess(API_KEY, lateness))
        daphne_env = env | {"DEEPGRAM_API_KEY": API_KEY, "DEEPGRAM_URL": fake.url}
        capacity = admitting(sessions)
        daphne_env["LIVE_MAX_SESSIONS"] = str(capacity)
        profile = _profile_path(args, sessions)
        probes = _probes(args, sessions)
        daphne_env |= probes.daphne_env(args.tracemalloc)
        gc_pauses = Path(env["PARLEY_VAR_DIR"]) / f"gc-pauses-{sessions}.json"
        if args.gc_pauses:
            daphne_env[GC_PAUSES_ENV] = str(gc_pauses)
        daphne = stack.enter_context(DaphneProcess(daphne_env, profile, traced=True))
        warm_up(daphne, cookies[0])
        sampler = Sampler({"daphne": daphne.pid, "fake": fake.pid})
        time.sleep(SETTLE)
        load_before = load_average()
        baseline = sampler.take()
        if args.tracemalloc:
            probes.snapshot(daphne.pid)
        ramp = args.ramp if sessions > 1 else 0.0
        begin, seconds = probe_window(
            args.probe_at, lead=START_LEAD, ramp=ramp, seconds=args.seconds
        )
        probes.schedule(daphne.pid, begin=begin, seconds=seconds, snapshot=args.tracemalloc)
        config = ClientConfig(url=daphne.ws_url, origin=daphne.origin, seconds=args.seconds)
        plans = [SessionPlan(i, cookies[i + 1], i * ramp / sessions) for i in range(sessions)]
        results, failures, names = run_clients(config, plans, args.client_procs, sampler)
        seen_ids = [r.recording for r in results if r.recording is not None]
        failures += wait_for_archives(seen_ids, sampler)
        time.sleep(SETTLE)
        sampler.take()
        if not daphne.alive:
            failures.append(f"Daphne exited during the run (code {daphne.process.returncode})")
        probe_lines = probes.finish()
    # Both processes are stopped here, so their logs are complete.
    seen = {r.recording: len(r.finals) for r in results if r.recording is not None}
    data = RunData(
        sessions=sessions, seconds=args.seconds, database=_database_label(args.postgres),
        client_procs=len(names), ramp=ramp, config=config, results=results, samples=sampler.samples,
        baseline=baseline, client_names=names, db_check=check_recordings(seen),
        daphne_problems=daphne.problems(), daphne_warnings=daphne.warnings(),
        fake_problems=fake.problems(), client_failures=failures,
        runtime=time.monotonic() - began, fake_streams=fake_streams(fake.lines),
        load_before=load_before, features=f"{features_line()}; capacity {capacity}",
        fake_lateness=fake.lateness(),
    )  # fmt: skip
    run = analyse(data)
    if args.gc_pauses:
        probe_lines += gc_pause_summary(gc_pauses, results)
    run["daphne_profile"] = (profiling.summary(profile) if profile else []) + probe_lines
    return run


def wait_for_archives(recording_ids: list[int], sampler: Sampler) -> list[str]:
    """Archives may be stored after `stopped` (encoded elsewhere): wait for them, sampling."""
    from transcripts.models import Recording

    deadline = time.monotonic() + ARCHIVE_TIMEOUT
    pending = Recording.objects.filter(pk__in=recording_ids, audio="")
    while (left := pending.count()) and time.monotonic() < deadline:
        sampler.take()
        time.sleep(SAMPLE_EVERY)
    close_django_connections()
    return [f"{left} archive(s) not stored {ARCHIVE_TIMEOUT:.0f} s after the last stop"] * bool(
        left
    )


def _probes(args: argparse.Namespace, sessions: int) -> SteadyProbes:
    RESULTS.mkdir(parents=True, exist_ok=True)
    tag = f"{args.tag or 'run'}-{'postgres' if args.postgres else 'sqlite'}-{sessions}"
    return SteadyProbes(
        out_dir=RESULTS, tag=tag, py_spy=args.py_spy, native=args.native, gil=args.gil
    )


def _profile_path(args: argparse.Namespace, sessions: int) -> Path | None:
    if not args.profile_daphne:
        return None
    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS / f"daphne-{'postgres' if args.postgres else 'sqlite'}-{sessions}.prof"


def _database_label(postgres: bool) -> str:
    return "postgres + redis channel layer" if postgres else "sqlite + in-memory channel layer"


def write_results(runs: list[dict[str, Any]], args: argparse.Namespace, runtime: float) -> Path:
    """The raw figures as JSON in bench/results/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"live_load-{'postgres' if args.postgres else 'sqlite'}.json"
    document = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "runtime_seconds": runtime,
        "verdict": verdict(runs)[1],
        "runs": runs,
    }
    path.write_text(json.dumps(document, indent=1))
    return path


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds the ExitStacks: subprocesses and database go


def run_all(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Set up the database and users, then run every session count; tears everything down."""
    runs: list[dict[str, Any]] = []
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="parley-bench-")))
        db = BenchDatabase("postgres" if args.postgres else "sqlite", workdir, args.pg_database)
        stack.callback(db.drop)
        db.create()
        env = base_env(db, workdir, args.redis_url if args.postgres else None)
        db.migrate(env)
        setup_django(env)
        cookies = make_session_cookies(max(args.sessions) + 1)
        for sessions in args.sessions:
            runs.append(run_once(sessions, args, env, cookies))
            print(format_run(runs[-1]) + "\n", flush=True)
    return runs


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print tables and the verdict, and write the JSON figures."""
    args = parse_args(argv, description=__doc__.split("\n")[0])
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    began = time.monotonic()
    try:
        runs = run_all(args)
    except KeyboardInterrupt:
        print("\ninterrupted: processes stopped, benchmark database removed", file=sys.stderr)
        return 130
    runtime = time.monotonic() - began
    met, line = verdict(runs)
    print(format_summary(runs))
    print(f"\nresults: {write_results(runs, args, runtime)}; total runtime {runtime:.0f} s")
    print(line)
    return 1 if met is False else 0


if __name__ == "__main__":
    raise SystemExit(main())

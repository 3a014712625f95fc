"""Looking inside Daphne during a run's steady window: py-spy samples and tracemalloc snapshots.

`--py-spy` samples Daphne's threads with py-spy (an outside process: Daphne runs at full speed,
py-spy itself costs a few % of a core) while every session streams, and prints where the time
goes: own time by package and inclusive time of the interesting frames. `--tracemalloc` runs
Daphne under tracemalloc (slower: use it for *what* holds memory, not how much CPU it costs),
takes a snapshot before the sessions connect and one mid-run, and prints the growth by line.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.client import SessionResult

ROOT = Path(__file__).resolve().parent.parent
PY_SPY = Path(sys.executable).with_name("py-spy")
SNAPSHOT_ENV = "BENCH_TRACEMALLOC_DIR"
GC_PAUSES_ENV = "BENCH_GC_PAUSES_FILE"
LINE_NUMBER = re.compile(r":\d+\)$")
# Frames counted inclusively: each is a place the live path's time can go.
MARKERS = (
    "feed (transcripts/live/session.py",
    "_pump (transcripts/live/session.py",
    "_listen (transcripts/live/session.py",
    "add (transcripts/live/spool.py",
    "append (transcripts/live/spool.py",
    "save (transcripts/live/writer.py",
    "_publish (transcripts/live/publisher.py",
    "receive (transcripts/live/consumers.py",
    "_send_event (transcripts/sockets.py",
    "send_audio (transcripts/engines/deepgram/live.py",
    "segments_append (transcripts/services.py",
    "recording_finish (transcripts/services.py",
    "refine_if_due (transcripts/jobs/refine.py",
    "dataReceived (autobahn",
    "onMessage (daphne",
    "handle_reply (daphne",
    "write_frame (websockets",
    "group_send (channels_redis",
    "group_send (channels/layers.py",
    "thread_handler (asgiref",
    "_run_once (asyncio/base_events.py",
    "runUntilCurrent (twisted",
    "doPoll (twisted",
)


def probe_window(at: str, *, lead: float, ramp: float, seconds: float) -> tuple[float, float]:
    """When py-spy samples: (seconds from "go", for how long) at the start, end or steady window."""
    if at == "start":
        return lead, ramp + 1.0
    if at == "end":
        return lead + seconds, ramp + 2.0
    return lead + ramp + 5.0, max(4.0, seconds - ramp - 12.0)


class SteadyProbes:
    """py-spy and/or tracemalloc snapshots timed to a run's steady window."""

    def __init__(self, *, out_dir: Path, tag: str, py_spy: bool, native: bool, gil: bool) -> None:
        self.out_dir = out_dir
        self.tag = tag
        self.py_spy = py_spy
        self.native = native
        self.gil = gil
        self.snapshot_dir = out_dir / f"tracemalloc-{tag}"
        self._spy: subprocess.Popen[bytes] | None = None
        self._timers: list[threading.Timer] = []

    @property
    def collapsed(self) -> Path:
        """py-spy's collapsed stacks."""
        return self.out_dir / f"pyspy-{self.tag}.txt"

    def daphne_env(self, tracemalloc_on: bool) -> dict[str, str]:
        """Environment that makes the Daphne wrapper trace allocations (empty: not traced)."""
        if not tracemalloc_on:
            return {}
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        for old in self.snapshot_dir.glob("*.snap"):
            old.unlink()
        return {SNAPSHOT_ENV: str(self.snapshot_dir)}

    def schedule(self, pid: int, begin: float, seconds: float, snapshot: bool) -> None:
        """py-spy from `begin` seconds from now for `seconds`; a snapshot halfway through."""
        if self.py_spy:
            self._timers.append(threading.Timer(begin, self._start_spy, (pid, seconds)))
        if snapshot:
            self._timers.append(threading.Timer(begin + seconds / 2, self.snapshot, (pid,)))
        for timer in self._timers:
            timer.daemon = True
            timer.start()

    def snapshot(self, pid: int) -> None:
        """Ask the traced Daphne for a tracemalloc snapshot."""
        os.kill(pid, signal.SIGUSR1)

    def _start_spy(self, pid: int, seconds: float) -> None:
        argv = [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(int(seconds))]
        argv += ["--rate", "100", "--format", "raw", "--threads", "-o", str(self.collapsed)]
        # py-spy reads C stacks only from a paused process: --native slows Daphne down.
        argv += ["--native"] if self.native else ["--nonblocking"]
        argv += ["--gil"] if self.gil else []
        self._spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def finish(self) -> list[str]:
        """Wait for py-spy; report lines for both probes."""
        for timer in self._timers:
            timer.join()
        lines: list[str] = []
        if self._spy is not None:
            _, err = self._spy.communicate(timeout=120)
            if self._spy.returncode:
                lines.append(f"py-spy failed: {err.decode()[-500:]}")
            elif self.collapsed.exists():
                lines += spy_summary(self.collapsed)
        snaps = sorted(self.snapshot_dir.glob("*.snap")) if self.snapshot_dir.exists() else []
        if len(snaps) >= 2:
            lines += tracemalloc_summary(snaps[0], snaps[-1])
        return lines


def spy_summary(path: Path, top: int = 25) -> list[str]:
    """Own time by function and inclusive time of MARKERS, over samples of busy threads."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    by_thread: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = stack.split(";")
        if not frames or _idle(frames[-1]):
            continue
        count = int(count_text)
        total += count
        by_thread[frames[0][:60]] += count
        own[_short(frames[-1])] += count
        seen = {m for m in MARKERS for f in frames if m in f}
        for marker in seen:
            inclusive[marker] += count
    total = total or 1
    lines = [f"py-spy ({path.name}): {total} busy samples (idle waits left out)"]
    lines.append("  by thread:")
    lines += [f"    {100 * n / total:5.1f} %  {name}" for name, n in by_thread.most_common(6)]
    lines.append("  own time by function:")
    lines += [f"    {100 * n / total:5.1f} %  {name}" for name, n in own.most_common(top)]
    lines.append("  inclusive time of the live path's frames:")
    lines += [f"    {100 * n / total:5.1f} %  {name})" for name, n in inclusive.most_common()]
    return lines


def _idle(frame: str) -> bool:
    idle = ("select.epoll", "poll (", "_wait_for_tstate_lock", "wait (threading.py", "get (queue")
    idle += ("_worker (concurrent/futures/thread.py", "select (selectors.py")
    return any(name in frame for name in idle) or frame.startswith("epoll_wait")


def _short(frame: str) -> str:
    """A frame without its line number and the checkout's paths."""
    frame = LINE_NUMBER.sub(")", frame)
    return frame.replace(str(ROOT) + "/", "").replace(".venv/lib/python3.12/site-packages/", "")


def tracemalloc_summary(before: Path, after: Path, top: int = 30) -> list[str]:
    """Memory growth between two snapshots, by allocating line (with its caller)."""
    old = tracemalloc.Snapshot.load(str(before))
    new = tracemalloc.Snapshot.load(str(after))
    stats = new.compare_to(old, "traceback")
    grown = sum(s.size_diff for s in stats)
    growth = f"{grown / 1024 / 1024:.1f} MB more traced ({after.name} vs {before.name})"
    lines = [f"tracemalloc: {growth}"]
    for stat in stats[:top]:
        where = " <- ".join(
            f"{_short(frame.filename)}:{frame.lineno}" for frame in list(stat.traceback)[:4]
        )
        lines.append(f"  {stat.size_diff / 1024:9.0f} KB {stat.count_diff:+8d} blocks  {where}")
    return lines


def gc_pause_summary(path: Path, results: list[SessionResult]) -> list[str]:
    """What the collector's pauses cost Daphne's loop over the run, by generation; and when
    each full collection came (seconds from the first connection) and what it freed."""
    if not path.exists():
        return ["GC pauses: Daphne wrote none (did it exit cleanly?)"]
    recorded = json.loads(path.read_text())
    pauses: dict[str, list[float]] = recorded["pauses"]
    lines = ["GC pauses over the run (ms): generation, count, total, p99, max, count over 10 ms"]
    for generation, ms in sorted(pauses.items()):
        ms.sort()
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))] if ms else 0.0
        over, longest = sum(1 for m in ms if m > 10), max(ms, default=0.0)
        lines.append(
            f"  gen {generation}: {len(ms):6d} {sum(ms):8.0f} {p99:7.2f} {longest:7.1f} {over:4d}"
        )
    first = min((r.connected_at for r in results if r.connected_at), default=0.0)
    stops = min((r.stop_sent_at for r in results if r.stop_sent_at), default=float("inf"))
    fulls = [
        f"{at - first:.1f} s ({'as meetings end' if at >= stops else 'running'}): "
        f"{ms:.1f} ms, {freed:,} objects freed"
        for at, ms, freed in recorded["full"]
        if at >= first
    ]
    lines.append("  full collections from the first connection: " + ("; ".join(fulls) or "none"))
    return lines


def _time_collections(path: Path) -> None:
    """Time every collection; write the pauses by generation, and each full collection's
    wall-clock time, pause and objects freed, when the process exits."""
    pauses: dict[str, list[float]] = {"0": [], "1": [], "2": []}
    full: list[tuple[float, float, int]] = []
    began = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
            return
        ms = (time.perf_counter() - began[0]) * 1000
        pauses[str(info["generation"])].append(ms)
        if info["generation"] == 2:
            full.append((time.time(), ms, info["collected"]))

    gc.callbacks.append(callback)
    atexit.register(lambda: path.write_text(json.dumps({"pauses": pauses, "full": full})))


def _report_dropped_sockets() -> None:
    """Print why autobahn drops a socket without a closing handshake (a WARNING line).

    Daphne sends Twisted's log nowhere, so a socket the server aborts (a ping or closing
    handshake timed out) otherwise shows only as a 1006 in the client.
    """
    from autobahn.websocket.protocol import WebSocketProtocol

    drop = WebSocketProtocol.dropConnection

    def reported(self: WebSocketProtocol, abort: bool = False) -> None:
        if not self.wasClean and self.state != WebSocketProtocol.STATE_CLOSED:
            reason = self.wasNotCleanReason or "no reason given"
            print(f"WARNING bench: socket {self.peer} dropped: {reason}", file=sys.stderr)
        drop(self, abort)

    WebSocketProtocol.dropConnection = reported  # type: ignore[method-assign]


def traced_daphne_main() -> None:
    """Run Daphne's command line with the probes asked for: tracemalloc on (SIGUSR1 writes a
    snapshot) and/or every garbage collection timed; a socket dropped is always reported."""
    _report_dropped_sockets()
    if GC_PAUSES_ENV in os.environ:
        _time_collections(Path(os.environ[GC_PAUSES_ENV]))
    if "BENCH_SWITCH_INTERVAL" in os.environ:  # an experiment: seconds, 0.005 by default
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))
    if SNAPSHOT_ENV in os.environ:
        folder = Path(os.environ[SNAPSHOT_ENV])
        tracemalloc.start(6)

        def dump(signum: int, frame: object) -> None:
            name = folder / f"{time.time():.3f}.snap"
            tracemalloc.take_snapshot().dump(str(name))

        signal.signal(signal.SIGUSR1, dump)
    from config.serve import main

    main()


if __name__ == "__main__":
    traced_daphne_main()

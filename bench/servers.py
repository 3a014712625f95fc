"""The fake Deepgram and Daphne as subprocesses, with their logs kept for the error report."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

from bench.procstat import listening_ports

ROOT = Path(__file__).resolve().parent.parent
FAKE_URL = re.compile(r"FAKE_DEEPGRAM_URL=(\S+)")
PROBLEM = re.compile(r"Traceback|ERROR|CRITICAL|[\w.]+(Error|Exception): ")
WARNING = re.compile(r"WARNING")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


class LoggedProcess:
    """A subprocess whose stderr (and optionally stdout) is drained into a list of lines."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], *, merge: bool) -> None:
        self.name = name
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        # Own session: a Ctrl+C reaches only the benchmark, whose cleanup stops this in order.
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE if merge else subprocess.DEVNULL,
            stderr=subprocess.STDOUT if merge else subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self._drainer = threading.Thread(target=self._drain, name=f"{name}-log", daemon=True)
        self._drainer.start()

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None

    def _drain(self) -> None:
        stream = self.process.stdout or self.process.stderr
        assert stream is not None
        for line in stream:
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line)
        self._queue.put(None)

    def wait_for_line(self, pattern: re.Pattern[str], timeout: float) -> re.Match[str]:
        """The first log line matching `pattern`; fails if the process exits first."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log}")
            if match := pattern.search(line):
                return match
        raise RuntimeError(f"{self.name} printed no {pattern.pattern!r} in {timeout}s:\n{self.log}")

    @property
    def log(self) -> str:
        """Everything logged so far."""
        return "\n".join(self.lines)

    def problems(self) -> list[str]:
        """Log lines that report an error or a traceback."""
        return [line for line in self.lines if PROBLEM.search(line)]

    def warnings(self) -> list[str]:
        """Log lines at WARNING level."""
        return [line for line in self.lines if WARNING.search(line)]

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time; idempotent."""
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.lines.append(
                    f"[bench] {self.name} ignored SIGTERM for {STOP_TIMEOUT}s; killed"
                )
                self.process.kill()
                self.process.wait()
        self._drainer.join(timeout=STOP_TIMEOUT)

    def __enter__(self) -> LoggedProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class FakeProcess(LoggedProcess):
    """`python -m tests.fake_deepgram --stamp-finals --without-collector --loop-lateness PATH`
    on a free port."""

    def __init__(self, api_key: str, loop_lateness: Path) -> None:
        argv = [
            sys.executable, "-m", "tests.fake_deepgram", "--port", "0", "--api-key", api_key,
            # Audio flows all the time; a long idle timeout only guards against a stuck run.
            "--idle-timeout", "3600", "--stamp-finals",
            # Its collector's pauses held its loop up to 70 ms at 300 sessions: audio read late.
            "--without-collector", "--loop-lateness", str(loop_lateness),
        ]  # fmt: skip
        self.loop_lateness = loop_lateness
        super().__init__("fake-deepgram", argv, dict(os.environ), merge=True)
        try:
            self.url = self.wait_for_line(FAKE_URL, START_TIMEOUT).group(1)
        except BaseException:
            self.stop()
            raise

    def lateness(self) -> list[tuple[float, float]]:
        """(unix time, ms) of each time the fake's loop ran late (once stopped)."""
        if not self.loop_lateness.exists():
            return []
        lines = self.loop_lateness.read_text().split("\n")
        return [(float(at), float(ms)) for at, ms in (line.split() for line in lines if line)]


class DaphneProcess(LoggedProcess):
    """`daphne -p 0 config.asgi:application`; the port is read from /proc.

    With LOG_LEVEL=WARNING, Django's logging config silences Daphne's "Listening on" line, so
    the port is found among the process's listening sockets instead.
    """

    def __init__(
        self, env: dict[str, str], profile: Path | None = None, *, traced: bool = False
    ) -> None:
        # As `./parley start` runs it (config/serve.py); traced: dropped sockets reported,
        # tracemalloc, timed collections (bench/probes.py).
        argv = [
            sys.executable, "-m", "bench.probes" if traced else "config.serve",
            "-b", "127.0.0.1", "-p", "0", "--application-close-timeout", "30",
            "config.asgi:application",
        ]  # fmt: skip
        if profile is not None:
            # cProfile writes the file when Daphne returns from SIGTERM.
            argv = [sys.executable, "-m", "cProfile", "-o", str(profile), *argv[1:]]
        super().__init__("daphne", argv, env, merge=False)
        try:
            self.port = self._wait_for_port()
        except BaseException:
            self.stop()
            raise
        self.origin = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/record/"

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not self.alive:
                raise RuntimeError(f"daphne exited early:\n{self.log}")
            ports = listening_ports(self.pid)
            if ports:
                return ports[0]
            time.sleep(0.1)
        raise RuntimeError(f"daphne did not listen within {START_TIMEOUT}s:\n{self.log}")

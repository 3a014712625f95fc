"""Real Parley processes (Daphne, the worker) running against the test database."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, ClassVar, Self

from django.db import connection

from transcripts.controls import MAX_SOCKET_MESSAGE_BYTES

if TYPE_CHECKING:
    from tests.fake_deepgram import FakeDeepgram

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """A DATABASE_URL for the database this test run is using."""
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{auth}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


class ManagedProcess:
    """A Parley command on the test database; ready once its log shows `ready_pattern`."""

    ready_pattern: ClassVar[re.Pattern[str]]

    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**os.environ, "DATABASE_URL": test_database_url(), "LOG_LEVEL": "INFO", **env}
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._log: list[str] = []
        self.process: subprocess.Popen[str] | None = None
        self._drainer: threading.Thread | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def on_ready(self, match: re.Match[str]) -> None:
        """Read what the ready line says (a port, say)."""

    def start(self, timeout: float = 30.0) -> Self:
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self._drainer = threading.Thread(target=self._drain, args=(self.process.stderr,))
        self._drainer.daemon = True
        self._drainer.start()
        while True:
            line = self._lines.get(timeout=timeout)
            if line is None:
                raise RuntimeError(f"{self.command()[1]} exited before it was ready:\n{self.log}")
            if match := self.ready_pattern.search(line):
                self.on_ready(match)
                return self

    def _drain(self, stderr: IO[str]) -> None:
        for line in stderr:
            self._log.append(line)
            self._lines.put(line)
        self._lines.put(None)

    @property
    def log(self) -> str:
        return "".join(self._log)

    def kill(self) -> None:
        """Die at once, as a crashed or OOM-killed process would."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if self._drainer is not None:
            self._drainer.join(timeout=30)
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()


class DaphneServer(ManagedProcess):
    """Daphne serving `config.asgi:application` as `./parley start` runs it (`config.serve`),
    on a free loopback port."""

    ready_pattern = re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)")
    url = ""

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "config.serve", "-b", "127.0.0.1", "-p", "0",
            "--application-close-timeout", "30",
            "--websocket-max-message-size", str(MAX_SOCKET_MESSAGE_BYTES),
            "--websocket-max-frame-size", str(MAX_SOCKET_MESSAGE_BYTES),
            "config.asgi:application",
        ]  # fmt: skip

    def on_ready(self, match: re.Match[str]) -> None:
        self.url = f"http://127.0.0.1:{match.group(1)}"


class WorkerProcess(ManagedProcess):
    """`manage.py db_worker`, polling often so tests need not wait."""

    ready_pattern = re.compile(r"Starting worker worker_id=")

    def command(self) -> list[str]:
        return [
            sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay",
        ]  # fmt: skip


@contextmanager
def daphne_with(fake: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    """A Daphne process on the test database talking to the fake Deepgram, storing under
    `tmp_path`; its log must hold no traceback."""
    server = DaphneServer(
        {
            "DEEPGRAM_API_KEY": fake.api_key,
            "DEEPGRAM_URL": fake.url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "LIVE_AUDIO_DIR": str(tmp_path / "live-audio"),
        }
    ).start()
    try:
        yield server
    finally:
        server.stop()
    assert "Traceback" not in server.log, server.log

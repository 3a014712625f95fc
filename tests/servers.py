"""A real Daphne process serving Parley against the test database."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)")


def test_database_url() -> str:
    """A DATABASE_URL for the database this test run is using."""
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{auth}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


class DaphneServer:
    """`daphne config.asgi:application` on a free loopback port, logs kept for assertions."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**os.environ, "DATABASE_URL": test_database_url(), "LOG_LEVEL": "INFO", **env}
        self.url = ""
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._log: list[str] = []
        self.process: subprocess.Popen[str] | None = None
        self._drainer: threading.Thread | None = None

    def start(self, timeout: float = 30.0) -> DaphneServer:
        daphne = Path(sys.executable).with_name("daphne")
        self.process = subprocess.Popen(
            [
                str(daphne),
                "-b",
                "127.0.0.1",
                "-p",
                "0",
                "--application-close-timeout",
                "30",
                "config.asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        while True:
            line = self._lines.get(timeout=timeout)
            if line is None:
                raise RuntimeError("Daphne exited before listening:\n" + self.log)
            if match := LISTENING.search(line):
                self.url = f"http://127.0.0.1:{match.group(1)}"
                return self

    def _drain(self) -> None:
        assert self.process is not None
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._log.append(line)
            self._lines.put(line)
        self._lines.put(None)

    @property
    def log(self) -> str:
        return "".join(self._log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if self._drainer is not None:
            self._drainer.join(timeout=30)
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()

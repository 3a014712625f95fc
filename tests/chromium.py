"""Debian's Chromium for the browser tests: skipped without it, unless every leg must run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
SPEECH_WAV = Path(__file__).parent / "fixtures" / "speech.wav"


def require_chromium() -> None:
    """Skip the calling test module when Chromium is missing (fail with PARLEY_REQUIRE_ALL_LEGS)."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("PARLEY_REQUIRE_ALL_LEGS") == "1":
        raise RuntimeError(f"{CHROMIUM} is missing and PARLEY_REQUIRE_ALL_LEGS=1")
    pytest.skip(
        f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
        allow_module_level=True,
    )


def chromium_args(wav: Path) -> list[str]:
    """Chromium's switches for a test: no sandbox or GPU, and a fake microphone playing `wav`."""
    return [
        "--no-sandbox",
        "--disable-gpu",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]


@contextmanager
def chromium_hearing(tmp_path: Path, speech: Path = SPEECH_WAV) -> Iterator[Browser]:
    """Chromium whose microphone plays `speech` once.

    Playwright's sync API runs an event loop, and Django refuses sync queries inside one:
    set up everything in the database before entering.
    """
    wav = tmp_path / "speech.wav"  # Chromium wants a path without surprises
    shutil.copy(speech, wav)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=chromium_args(wav))
        yield browser
        browser.close()


def outside_the_browser_loop[T](change: Callable[[], T]) -> T:
    """Run database work on a thread of its own (Django refuses sync queries inside
    Playwright's event loop) and close that thread's connections after it: a connection left
    to the garbage collector is a ResourceWarning, and this suite turns warnings into errors."""

    def run() -> T:
        try:
            return change()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(run).result()

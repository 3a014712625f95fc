"""The server's entry point leaves the collector only the sessions' objects to walk: the
configured live engine's libraries are loaded and everything start-up loaded is frozen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import gc, json, sys
gc.set_threshold(700, 10, 10)  # Python 3.12's default, whichever Python runs this
import config.asgi
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "threshold": gc.get_threshold(),
    "deepgram": "transcripts.engines.deepgram.live" in sys.modules,
    "local": "transcripts.engines.local" in sys.modules,
}))
"""


def server_start(**env: str) -> dict[str, object]:
    """What importing the ASGI entry point did, in a fresh interpreter."""
    environment = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    environment.pop("TRANSCRIPTION_ENGINE", None)
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True,
        text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "loaded"),
    [
        ({"DEEPGRAM_API_KEY": "test-key"}, "deepgram"),
        ({"DEEPGRAM_API_KEY": "", "TRANSCRIPTION_ENGINE": "local"}, "local"),
    ],
)
def test_the_entry_point_loads_the_live_engine_and_freezes_the_heap(
    env: dict[str, str], loaded: str
) -> None:
    started = server_start(**env)
    assert started[loaded] is True
    assert started["deepgram" if loaded == "local" else "local"] is False
    frozen = started["frozen"]
    assert isinstance(frozen, int)
    assert frozen > 10_000
    assert started["threshold"] == [2000, 10, 10]  # the young generation as Python 3.13 has it

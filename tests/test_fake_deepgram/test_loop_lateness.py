"""The fake's record of its own loop running late (benchmarks read the last frame's lag
against it: a late loop reads audio late too)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.fakedeepgram.server import LATENESS_NOTED, LATENESS_TICK, note_lateness

HELD_FOR = 0.05  # seconds the loop is kept from running: far past a tick


def test_a_loop_held_past_its_tick_is_written_down(tmp_path: Path) -> None:
    notes = tmp_path / "late.txt"
    loop = asyncio.new_event_loop()
    try:
        noting = loop.create_task(note_lateness(notes))
        loop.run_until_complete(asyncio.sleep(0))  # the timer starts: due in one tick
        time.sleep(HELD_FOR)  # the loop does not run meanwhile: the firing comes late
        # The overdue firing runs before anything due later, so before this wait ends.
        loop.run_until_complete(asyncio.sleep(LATENESS_TICK))
        noting.cancel()
        loop.run_until_complete(asyncio.gather(noting, return_exceptions=True))
    finally:
        loop.close()

    (line,) = notes.read_text().splitlines()[:1]
    at, late_ms = (float(field) for field in line.split())
    assert abs(at - time.time()) < 60
    assert late_ms > LATENESS_NOTED * 1000
    assert late_ms >= (HELD_FOR - LATENESS_TICK) * 1000 * 0.9

"""Saving the final segments of every live session in this process, in as few database
round trips as the load needs (group commit).

A session asks for its final to be saved and waits until it is: the browser hears of a
final only once it is in the database. One task per process takes every final waiting at
that moment and saves them together in one statement; while that statement runs, the
next finals gather for the one after. An idle process saves a lone final at once, so
this adds no wait; a busy one makes one round trip to the database thread, and one
INSERT, where it made dozens. That thread is the words' lane (`live/apart.py`), where the
finals go before the starts and ends of meetings waiting there.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass

from transcripts import services
from transcripts.engines.base import FinalSegment
from transcripts.live.apart import run_words
from transcripts.models import Segment

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pending:
    """A final waiting to be saved, and the session waiting for it."""

    recording_id: int
    index: int
    segment: FinalSegment
    saved: asyncio.Future[Segment]


class SegmentWriter:
    """The process's writer of live final segments."""

    def __init__(self) -> None:
        self._pending: list[Pending] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def save(self, *, recording_id: int, index: int, segment: FinalSegment) -> Segment:
        """Save the final at `index` of the recording; its row once it is in the database."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._pending, self._wake = [], asyncio.Event()
            self._task = loop.create_task(self._run(), name="live-segment-writer")
        saved: asyncio.Future[Segment] = loop.create_future()
        self._pending.append(Pending(recording_id, index, segment, saved))
        assert self._wake is not None
        self._wake.set()
        return await saved

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, []
            if batch:
                await self._write(batch)

    async def _write(self, batch: list[Pending]) -> None:
        rows = [(p.recording_id, p.index, p.segment) for p in batch]
        try:
            saved = await run_words(functools.partial(services.segments_append, rows=rows))
        except Exception:
            # One bad row must not fail the others' sessions: each is tried on its own.
            logger.exception(
                "Saving %d live segments together failed; saving one by one", len(rows)
            )
            await asyncio.gather(*(self._write_one(pending) for pending in batch))
            return
        for pending, segment in zip(batch, saved, strict=True):
            if not pending.saved.done():
                pending.saved.set_result(segment)

    async def _write_one(self, pending: Pending) -> None:
        try:
            segment = await run_words(
                functools.partial(
                    services.segment_append,
                    recording_id=pending.recording_id,
                    index=pending.index,
                    segment=pending.segment,
                )
            )
        except Exception as exc:
            if not pending.saved.done():
                pending.saved.set_exception(exc)
            return
        if not pending.saved.done():
            pending.saved.set_result(segment)


segment_writer = SegmentWriter()

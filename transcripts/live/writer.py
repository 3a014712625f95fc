"""Saving the final segments of every live session in this process, in as few database
round trips as the load needs (group commit).

A session asks for its final to be saved and waits until it is: the browser hears of a
final only once it is in the database. The process's writer takes every final waiting at
that moment and saves them together in one statement; while that statement runs, the
next finals gather for the one after. An idle process hands a lone final over at the
event loop's next pass; a busy one makes one round trip to the database thread, and one
INSERT, where it made dozens. That thread is the words' lane (`live/apart.py`), where the
finals go before the starts and ends of meetings waiting there.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from transcripts import services
from transcripts.engines.base import FinalSegment
from transcripts.live.apart import WORDS, run_words, words_lane
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
    """The process's writer of live final segments.

    A batch's sessions are told from the lane's own callback on the loop, which hands over
    the next batch in the same step, with no task in between: at 300 meetings each pass of the
    event loop takes milliseconds, and a final waited one more of them for a writer task to
    wake. An idle writer hands over what came in one pass of the loop at the next: on
    PostgreSQL, where a statement is a round trip, a final handed over alone the moment it
    came put the rest of a burst into a second INSERT.
    """

    def __init__(self) -> None:
        self._pending: list[Pending] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writing = False
        # The loop holds its tasks weakly: the row-by-row retry is kept here while it runs.
        self._retrying: asyncio.Task[None] | None = None

    async def save(self, *, recording_id: int, index: int, segment: FinalSegment) -> Segment:
        """Save the final at `index` of the recording; its row once it is in the database."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # the first save, or a test's new loop: nothing carries over
            self._loop, self._pending, self._writing = loop, [], False
        saved: asyncio.Future[Segment] = loop.create_future()
        self._pending.append(Pending(recording_id, index, segment, saved))
        if not self._writing:  # the finals of this pass of the loop go together, next pass
            self._writing = True
            loop.call_soon(self._write_waiting, loop)
        return await saved

    def _write_waiting(self, loop: asyncio.AbstractEventLoop) -> None:
        """Every final waiting now, as one batch on the words' lane; none: the writer idles."""
        if self._loop is not loop:  # a loop since replaced (a test's): its finals went with it
            return
        batch, self._pending = self._pending, []
        self._writing = bool(batch)
        if not batch:
            return
        rows = [(p.recording_id, p.index, p.segment) for p in batch]
        done = words_lane.submit(
            functools.partial(services.segments_append, rows=rows), priority=WORDS
        )
        written = functools.partial(self._written, loop, batch)
        done.add_done_callback(functools.partial(_call_on, loop, written))

    def _written(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: list[Pending],
        done: concurrent.futures.Future[list[Segment]],
    ) -> None:
        """On the loop: tell the batch's sessions, then hand over the next batch."""
        error = done.exception()
        if error is not None:
            # One bad row must not fail the others' sessions: each is tried on its own.
            logger.error(
                "Saving %d live segments together failed; saving one by one",
                len(batch),
                exc_info=error,
            )
            self._retrying = loop.create_task(self._write_one_by_one(loop, batch))
            return
        for pending, segment in zip(batch, done.result(), strict=True):
            if not pending.saved.done():
                pending.saved.set_result(segment)
        self._write_waiting(loop)

    async def _write_one_by_one(
        self, loop: asyncio.AbstractEventLoop, batch: list[Pending]
    ) -> None:
        await asyncio.gather(*(self._write_one(pending) for pending in batch))
        self._write_waiting(loop)

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


def _call_on(
    loop: asyncio.AbstractEventLoop,
    callback: Callable[[concurrent.futures.Future[list[Segment]]], None],
    done: concurrent.futures.Future[list[Segment]],
) -> None:
    """From the lane's thread: `callback(done)` on the loop (gone meanwhile: nobody waits)."""
    with contextlib.suppress(RuntimeError):  # the loop closed (a test's loop, a server stopping)
        loop.call_soon_threadsafe(callback, done)


segment_writer = SegmentWriter()

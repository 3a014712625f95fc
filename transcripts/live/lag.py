"""How far behind the speaker this process's live sessions are.

Audio can queue before the engine hears it: inside the server when its event loop is
saturated (frames wait to be read), or in a session whose engine is slow to take it. Every
half second one task per process measures how late it woke (the event loop's lag) and
asks each live session to add its own queue; a session more than LIVE_LAG_WARN_SECONDS
behind tells its page, and tells it again when it has caught up. No audio is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from django.conf import settings

from transcripts import protocol

logger = logging.getLogger(__name__)

CHECK_SECONDS = 0.5


class Lagging(Protocol):
    """A live session, as far as lag is concerned."""

    async def check_lag(self, loop_lag: float) -> None:
        """Compare the process's lag plus its own queue with the limit; tell the page."""


class LagNotice:
    """How far one session is behind, and whether its page has been told."""

    def __init__(self, recording_id: int) -> None:
        self.seconds = 0.0  # how long the audio waits before the engine hears it
        self._told = False
        self._recording_id = recording_id

    def update(self, seconds: float) -> protocol.Lagging | protocol.Notice | None:
        """The new lag; what to tell the page, if it just fell behind or caught up."""
        self.seconds = seconds
        limit = settings.LIVE_LAG_WARN_SECONDS
        if not self._told and seconds >= limit:
            self._told = True
            logger.warning("Live session %s is %.1f s behind", self._recording_id, seconds)
            return protocol.lagging(seconds)
        if self._told and seconds < limit / 2:
            self._told = False
            return protocol.caught_up()
        return None

    def current(self) -> float:
        """The lag as last measured, for the lease's record of it."""
        return self.seconds


class LagWatch:
    """The process's lag ticker, running while any live session does."""

    def __init__(self) -> None:
        self._sessions: set[Lagging] = set()
        self._task: asyncio.Task[None] | None = None

    def watch(self, session: Lagging) -> None:
        """Include a session that has started."""
        self._sessions.add(session)
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._tick(), name="live-lag-watch")

    def forget(self, session: Lagging) -> None:
        """Leave out a session that has ended; with none left, stop ticking."""
        self._sessions.discard(session)
        if not self._sessions and self._task is not None:
            self._task.cancel()
            self._task = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while self._sessions:
            due = loop.time() + CHECK_SECONDS
            await asyncio.sleep(CHECK_SECONDS)
            loop_lag = max(0.0, loop.time() - due)
            for session in list(self._sessions):
                try:
                    await session.check_lag(loop_lag)
                except Exception:
                    logger.exception("Could not check a live session's lag")


lag_watch = LagWatch()

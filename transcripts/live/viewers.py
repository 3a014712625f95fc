"""This process's side channel to the people watching live recordings.

Viewers are optional: nothing they need may slow down or fail a meeting. So a live session
never talks to the channel layer itself. It hands its events to the process's ViewersDesk,
which publishes them only for recordings someone is watching, from bounded queues, on tasks
of its own; an error there is logged and counted, never raised into a session. A recording's
events always go through the same queue and task, so its viewers hear them in the order the
session sent them (a final after the one before it).

A viewer says it is there by sending `viewers.present` to the recording's sessions group
(`realtime.announce_viewer`), which the desk's own channel joins when a session starts
there; a starting session asks viewers already watching to say so again (`ROLL_CALL`).
The desk answers each `present` with `heard`, ahead of the recording's next event: a final
saved before the desk heard of a viewer was not published to it, and the viewer, told
`heard`, reads the finals it has not had from the database (sharing/consumers.py).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer

from transcripts import protocol, realtime

logger = logging.getLogger(__name__)

PUBLISHERS = 4  # concurrent publishes: enough for every watched session, bounded for Redis
MAX_PENDING = 10_000  # events waiting to be published; beyond, new ones are dropped
LISTEN_RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)

Event = protocol.LiveEvent | protocol.Notice


class ViewersDesk:
    """Publishes live events to viewers' groups, best-effort, for watched recordings only."""

    def __init__(self) -> None:
        self.watched: set[int] = set()
        self.published = 0
        self.dropped = 0
        self.errors = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: list[asyncio.Queue[tuple[int, Event]]] = []
        self._channel: asyncio.Future[str] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._errands: set[asyncio.Task[None]] = set()

    def publish(self, recording_id: int, event: Event) -> None:
        """Queue `event` for the recording's viewers, if anyone watches; never blocks."""
        if recording_id not in self.watched or not self._running():
            return
        try:
            self._queues[recording_id % PUBLISHERS].put_nowait((recording_id, event))
        except asyncio.QueueFull:
            self.dropped += 1

    def follow(self, recording_id: int) -> None:
        """A session of the recording starts here: hear its viewers, and ask who is there.

        In the background: a channel layer that hangs must not hold up the session.
        """
        self._start()
        self._run_errand(self._follow(recording_id), f"viewers-follow-{recording_id}")

    def unfollow(self, recording_id: int) -> None:
        """The session has ended (its viewers were sent `ended`): stop listening for them."""
        if self._running():
            self._run_errand(self._unfollow(recording_id), f"viewers-unfollow-{recording_id}")

    def _run_errand(self, errand: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(errand, name=name)
        self._errands.add(task)
        task.add_done_callback(self._errands.discard)

    async def _follow(self, recording_id: int) -> None:
        layer = get_channel_layer()
        if layer is None or self._channel is None:
            return
        channel = await self._channel
        await self._off_this_loop(
            layer, functools.partial(self._join, layer, recording_id, channel)
        )

    async def _join(self, layer: BaseChannelLayer, recording_id: int, channel: str) -> None:
        try:
            await layer.group_add(realtime.sessions_group(recording_id), channel)
            await layer.group_send(realtime.viewers_group(recording_id), dict(realtime.ROLL_CALL))
        except Exception:
            self._failed("follow the viewers of recording %s", recording_id)

    async def _unfollow(self, recording_id: int) -> None:
        self.watched.discard(recording_id)
        layer = get_channel_layer()
        if layer is None or self._channel is None or not self._channel.done():
            return
        channel = self._channel.result()
        await self._off_this_loop(
            layer, functools.partial(self._leave, layer, recording_id, channel)
        )

    async def _leave(self, layer: BaseChannelLayer, recording_id: int, channel: str) -> None:
        try:
            await layer.group_discard(realtime.sessions_group(recording_id), channel)
        except Exception:
            self._failed("leave the viewers of recording %s", recording_id)

    async def _off_this_loop(
        self, layer: BaseChannelLayer, errand: Callable[[], Awaitable[None]]
    ) -> None:
        """With Redis, on the events thread's loop, in the order given: a meeting's start is
        four round trips to Redis, and hundreds starting together held up the meetings' audio
        on this loop (docs/benchmarks.md). The in-memory layer lives on this loop: here."""
        if isinstance(layer, InMemoryChannelLayer):
            await errand()
        else:
            realtime.events_thread.run_soon(errand)

    def _running(self) -> bool:
        return self._loop is not None and self._loop is asyncio.get_running_loop()

    def _start(self) -> None:
        """Start (again, in a new event loop) the desk's listener and publishers."""
        if self._running():
            return
        layer = get_channel_layer()
        self._loop = asyncio.get_running_loop()
        self._queues = [asyncio.Queue(MAX_PENDING // PUBLISHERS) for _ in range(PUBLISHERS)]
        self.watched.clear()
        self._channel = self._loop.create_future() if layer is not None else None
        self._tasks = [self._loop.create_task(self._listen(), name="viewers-listen")]
        self._tasks += [
            self._loop.create_task(self._deliver(queue), name=f"viewers-publish-{number}")
            for number, queue in enumerate(self._queues)
        ]

    async def _listen(self) -> None:
        """Take viewers' `present` messages; a layer that fails is tried again, backing off."""
        layer = get_channel_layer()
        if layer is None or self._channel is None:
            return
        self._channel.set_result(await layer.new_channel())
        failures = 0
        while True:
            try:
                message = await layer.receive(self._channel.result())
                failures = 0
            except Exception:
                self._failed("hear from viewers (retrying)")
                delay = LISTEN_RETRY_SECONDS[min(failures, len(LISTEN_RETRY_SECONDS) - 1)]
                failures += 1
                await asyncio.sleep(delay)  # back off before asking the layer again
                continue
            self._take(message)

    def _take(self, message: dict[str, Any]) -> None:
        if message.get("type") == "viewers.present" and isinstance(message.get("recording"), int):
            self.watched.add(message["recording"])
            self.publish(message["recording"], protocol.heard())

    async def _deliver(self, queue: asyncio.Queue[tuple[int, Event]]) -> None:
        while True:
            recording_id, event = await queue.get()
            try:
                await realtime.publish_to_viewers(recording_id, event)
                self.published += 1
            except Exception:
                self._failed("publish to the viewers of recording %s", recording_id)

    def _failed(self, what: str, *args: object) -> None:
        """Count every failure; log the 1st, 2nd, 4th, 8th... so an outage cannot flood the log."""
        self.errors += 1
        if self.errors & (self.errors - 1) == 0:
            logger.warning(
                "Viewers' side channel: could not " + what + " (%d failures so far)",
                *args,
                self.errors,
                exc_info=True,
            )


viewers_desk = ViewersDesk()

"""The database work of live meetings: their words first, their starts and ends apart.

Every final a meeting hears is saved before its browser hears of it (`live/writer.py`), so a
final waiting for the database is a final late on screen. When a meeting starts its
destination is looked up and its recording created; when it ends its recording is closed
(`recording_finish`), then its archive is stored and its refine queued (`recording_add_audio`).
At the top of the hour hundreds of meetings end and start together, and on Channels' one
database thread, first come first served, the words of the meetings still running waited
behind all of that (docs/benchmarks.md, "At the top of the hour").

So the words have a thread of their own, the `words_lane`, where they go before anything else
waiting there. On PostgreSQL the starts and ends run on a thread of their own, with a
connection from the pool, given back after each call: there a statement is a round trip, and a
thread waiting on the network leaves the interpreter to the others. SQLite takes one writer at
a time, and a second connection's writes made the words wait longer still (its busy handler
sleeps): there they run on the words' lane, after the words waiting at that moment, and what
nobody waits for (storing a meeting's archive) after the starts and ends someone waits for
(`started`, `stopped`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import itertools
import queue
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from django.db import connections

from config.db import close_connections
from transcripts.realtime import events_thread

# One. Two let the round trips of one start or end overlap another's, but on PostgreSQL, as 300
# meetings ended within 5 s, the event loop then waited for the interpreter behind two threads
# running Django instead of one: with one, the last frame a browser sent reached Deepgram within
# 24-25 ms (max) against 39-73 with two, finals reached browsers within 49-52 ms (p99) against
# 85-95, and stop took no longer at p99; at 400 the last frame took 59 ms against 444
# (docs/benchmarks.md, "Kept: one thread for the starts and ends on PostgreSQL").
APART_THREADS = 1

apart_threads = concurrent.futures.ThreadPoolExecutor(
    max_workers=APART_THREADS, thread_name_prefix="meeting-edges"
)

# A lane's priorities, the most urgent first.
WORDS = 0  # the finals of meetings running: their browsers wait for them
AWAITED = 1  # a meeting's start or end that a browser waits for (`started`, `stopped`)
UNAWAITED = 2  # work nobody waits for: storing a meeting's archive

type Job = tuple[int, int, Callable[[], Any], concurrent.futures.Future[Any]]


class Lane:
    """One thread running the work given to it one at a time: by priority, then in order.

    It keeps its connection from one call to the next, closed only when an error has left it
    unusable (checked as Django checks a connection after an error) and when the last meeting
    of the process ends (`registry.close_connections_unless_shared`). Given back to the
    PostgreSQL pool after each call, as Channels' thread gives its own back, every batch of
    words took one out again, and the pool's health check made that a round trip of its own
    before the INSERT: two round trips for each batch where one does (docs/benchmarks.md).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._jobs: queue.PriorityQueue[Job] = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    async def run[T](self, work: Callable[[], T], *, priority: int) -> T:
        """`work()` on the lane's thread; cancelled before it began, it never runs."""
        return await asyncio.wrap_future(self.submit(work, priority=priority))

    def submit[T](self, work: Callable[[], T], *, priority: int) -> concurrent.futures.Future[T]:
        """`work()` on the lane's thread, its outcome in the future returned (cancelled before
        it began, it never runs)."""
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._ensure_thread()
        handing_over = functools.partial(events_thread.run, work)
        self._jobs.put((priority, next(self._order), handing_over, done))
        return done

    def waiting(self) -> int:
        """How many calls wait for the lane's thread."""
        return self._jobs.qsize()

    def _ensure_thread(self) -> None:
        with self._starting:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            _, _, work, done = self._jobs.get()
            if done.set_running_or_notify_cancel():
                _carry_out(work, done)


def _carry_out(work: Callable[[], Any], done: concurrent.futures.Future[Any]) -> None:
    try:
        done.set_result(work())
    except BaseException as exc:  # handed to whoever awaits it, as an executor does
        done.set_exception(exc)
    finally:
        _close_if_unusable()


def _close_if_unusable() -> None:
    """Close this thread's connections that an error left unusable or outside autocommit.

    Django's own check, without its age limit: on PostgreSQL's pool a connection's age is
    always reached (the pool keeps connections, not the threads), and the lane keeps its own.
    """
    for connection in connections.all(initialized_only=True):
        connection.close_at = None
        connection.close_if_unusable_or_obsolete()


words_lane = Lane("meeting-words")


async def run_words[T](work: Callable[[], T]) -> T:
    """`work()` (saving what was said) on the words' lane, before anything else waiting."""
    return await words_lane.run(work, priority=WORDS)


async def run_apart[T](work: Callable[[], T], *, awaited: bool = True) -> T:
    """`work()`, on PostgreSQL on a thread of `apart_threads`; on SQLite on the words' lane,
    after the words waiting there (and, not `awaited`, after the work someone waits for)."""
    if connections["default"].vendor == "sqlite":
        return await words_lane.run(work, priority=AWAITED if awaited else UNAWAITED)
    # A plain executor, not asgiref's: an event `work` sends on commit is handed to the events
    # thread without waiting (`realtime.events_thread`), never to this loop, which may be
    # stopping (the thread would wait forever, and the process with it).
    loop = asyncio.get_running_loop()
    handing_over = functools.partial(events_thread.run, work)
    return await loop.run_in_executor(apart_threads, _closing_after, handing_over)


def apart[**P, T](func: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """`func`, awaitable, run as `run_apart` runs work (a decorator)."""

    @functools.wraps(func)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return await run_apart(functools.partial(func, *args, **kwargs))

    return run


def _closing_after[T](work: Callable[[], T]) -> T:
    """`work()`, then its thread's connection goes back to the pool."""
    try:
        return work()
    finally:
        close_connections()

"""The database work of a meeting's start and end, kept apart from the words of the others.

When a meeting starts its destination is looked up and its recording created; when it ends its
recording is closed (`recording_finish`), then its archive is stored and its refine queued
(`recording_add_audio`). Channels runs every `database_sync_to_async` call of a process on one
thread, the thread that also saves the words of every meeting running; at the top of the hour,
when hundreds of meetings end and start together, those words waited behind the ends and the
starts (docs/benchmarks.md, "At the top of the hour").

On PostgreSQL that work runs on threads of its own, each with a connection from the pool, given
back after each call: there a statement is a round trip, and a thread waiting on the network
leaves the interpreter to the others. SQLite takes one writer at a time, and a second
connection's writes made the words wait longer still (its busy handler sleeps): there it shares
Channels' thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from channels.db import database_sync_to_async
from django.db import connections

from config.db import close_connections

# Enough for the round trips of many starts and ends at once; each holds a pooled connection
# only while it runs. The end of a meeting locks its recording's row: its steps take turns.
APART_THREADS = 4

apart_threads = concurrent.futures.ThreadPoolExecutor(
    max_workers=APART_THREADS, thread_name_prefix="meeting-edges"
)


async def run_apart[T](work: Callable[[], T]) -> T:
    """`work()`, on PostgreSQL on a thread of `apart_threads`; on SQLite on Channels' one."""
    if connections["default"].vendor == "sqlite":
        return await database_sync_to_async(work)()
    # A plain executor, not asgiref's: an event `work` sends on commit then goes out on a loop
    # of its own, never waiting for this one, which may be stopping (the thread would wait
    # forever, and the process with it).
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(apart_threads, _closing_after, work)


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

"""The live sessions of this process: found by recording, counted for admission, waited for.

A session stays here from its start until its audio is stored, which comes after `stopped`
(the encoder process stores it): a resume of the recording waits for that, while admission
counts only the sessions still taking audio or saving words.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Protocol

from django.conf import settings

from config.db import aclose_connections, close_connections
from transcripts.live.apart import UNAWAITED, words_lane


class Session(Protocol):
    """A live session, as far as the process's list of them is concerned."""

    recording_id: int

    @property
    def stopping(self) -> bool: ...

    @property
    def relaying(self) -> bool: ...

    def stop(self, *, interrupted: bool = False) -> Awaitable[object]: ...

    def ended(self) -> Awaitable[None]: ...


_sessions_by_recording: dict[int, Session] = {}
# New recordings admitted whose session is not running yet (they await the database first).
_admitted_not_running = 0
# Every running session's tasks. A strong reference keeps a session that is still saving
# its last words or storing its audio from being garbage-collected after its consumer left.
_running: set[asyncio.Task[None]] = set()


def register(
    session: Session, tasks: list[asyncio.Task[None]]
) -> asyncio.Future[list[BaseException | None]]:
    """Keep the session (and its tasks) until all its tasks are done; that moment's future."""
    for task in tasks:
        _running.add(task)
        task.add_done_callback(_running.discard)
    _sessions_by_recording[session.recording_id] = session
    every = asyncio.gather(*tasks, return_exceptions=True)
    every.add_done_callback(lambda _: forget(session))
    return every


def live_session_count() -> int:
    """How many live sessions this process runs (finishing ones included, not those only
    storing their audio, which the encoder process does): its load."""
    return sum(session.relaying for session in _sessions_by_recording.values())


@contextmanager
def admission() -> Iterator[bool]:
    """Whether this process can take one more recording; its place is held while the caller
    prepares the session, which then counts itself (or the place is free again).

    Taken at once, before any await: starts that arrive together each see the others' places
    (checked only against running sessions, 400 starts within 5 s all passed a limit of 300).
    """
    global _admitted_not_running
    if live_session_count() + _admitted_not_running >= settings.LIVE_MAX_SESSIONS:
        yield False
        return
    _admitted_not_running += 1
    try:
        yield True
    finally:
        _admitted_not_running -= 1


def forget(session: Session) -> None:
    if _sessions_by_recording.get(session.recording_id) is session:
        del _sessions_by_recording[session.recording_id]


async def close_connections_unless_shared(recording_id: int | None) -> None:
    """Close the database connections unless a session of another recording still runs.

    Every session's queries run on Channels' one database thread and the words' lane
    (`live/apart.py`), over one connection per database each: closed as each meeting ended,
    they were opened again by the next query of every other meeting (600 times when 300
    meetings end within 5 s). The last session of the process closes them, so none is left to
    the garbage collector.
    """
    if all(pk == recording_id for pk in _sessions_by_recording):
        await aclose_connections()
        await words_lane.run(close_connections, priority=UNAWAITED)


async def wait_for_session_to_end(recording_id: int) -> None:
    """If this process is still finishing a session of the recording, wait until it has."""
    session = _sessions_by_recording.get(recording_id)
    if session is not None:
        await session.stop(interrupted=True)
        await session.ended()  # its audio is stored before the next part's is joined to it


async def audio_stored(recording_id: int) -> None:
    """If this process is storing the audio of a session of the recording that has stopped,
    wait until it has."""
    session = _sessions_by_recording.get(recording_id)
    if session is not None and session.stopping:
        await session.ended()

"""Finals of many live sessions saved together: each once, each told, one bad row alone."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import AsyncIterator

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from tests.factories import make_recording, make_segment
from transcripts import services
from transcripts.engines.base import FinalSegment, Word
from transcripts.live.apart import AWAITED, UNAWAITED, run_apart, run_words, words_lane
from transcripts.live.writer import segment_writer
from transcripts.models import Recording, Segment

pytestmark = pytest.mark.django_db(transaction=True)


def final(text: str) -> FinalSegment:
    return FinalSegment(text, 0.5, 1.5, words=(Word(text, 0.5, 1.5),))


async def recordings(user: User, count: int) -> list[Recording]:
    return [await sync_to_async(make_recording)(user) for _ in range(count)]


async def test_finals_arriving_together_are_saved_each_once_and_each_session_told(
    user: User,
) -> None:
    many = await recordings(user, 20)
    saved = await asyncio.gather(
        *(
            segment_writer.save(recording_id=r.pk, index=0, segment=final(f"Words {r.pk}."))
            for r in many
        )
    )
    assert [segment.text for segment in saved] == [f"Words {r.pk}." for r in many]
    assert all(segment.pk for segment in saved)  # the browser is told the saved row's id
    rows = Segment.objects.filter(recording__in=many).values_list("recording_id", "index", "text")
    assert sorted([row async for row in rows]) == [(r.pk, 0, f"Words {r.pk}.") for r in many]


async def test_a_final_that_cannot_be_saved_fails_only_its_own_session(user: User) -> None:
    taken, free = await recordings(user, 2)
    await sync_to_async(make_segment)(taken, 0)  # index 0 is already taken there
    outcomes = await asyncio.gather(
        segment_writer.save(recording_id=taken.pk, index=0, segment=final("Twice.")),
        segment_writer.save(recording_id=free.pk, index=0, segment=final("Once.")),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], IntegrityError)
    assert isinstance(outcomes[1], Segment)
    assert outcomes[1].text == "Once."
    assert await Segment.objects.filter(recording=free).acount() == 1


def test_a_loop_that_closed_while_its_final_was_being_saved_leaves_the_writer_serving_the_next(
    user: User,
) -> None:
    """A loop (a server's, a test's) can close while a batch of finals is on the words' lane:
    that batch is still saved, and the writer saves the next loop's finals."""
    recording = make_recording(user)
    busy, release = threading.Event(), threading.Event()

    def hold_the_lane() -> None:
        busy.set()
        release.wait(timeout=30)

    async def leave_a_final_on_the_lane() -> None:
        words_lane.submit(hold_the_lane, priority=AWAITED)
        assert await asyncio.to_thread(busy.wait, 30)
        saving = asyncio.ensure_future(
            segment_writer.save(recording_id=recording.pk, index=0, segment=final("Left."))
        )
        for _ in range(100):  # a few turns of the loop: the writer hands it to the lane
            if words_lane.waiting() == 1:
                break
            await asyncio.sleep(0)
        assert words_lane.waiting() == 1
        assert not saving.done()

    asyncio.run(leave_a_final_on_the_lane())  # its loop closes with the final on the lane
    release.set()
    saving = segment_writer.save(recording_id=recording.pk, index=1, segment=final("Next."))
    assert asyncio.run(asyncio.wait_for(saving, timeout=30)).text == "Next."
    texts = Segment.objects.filter(recording=recording).order_by("index")
    assert list(texts.values_list("text", flat=True)) == ["Left.", "Next."]


# --- The start and end of meetings, apart from the words (live/apart.py) ----------------


async def test_on_postgresql_a_meetings_start_and_end_run_beside_the_words_thread(
    user: User,
) -> None:
    """The words are saved on a thread of their own; on PostgreSQL the starts and ends run on
    threads of their own, each giving its connection back; SQLite, one writer at a time, keeps
    them on the words' thread."""
    recording = await sync_to_async(make_recording)(user)
    words_thread = await run_words(threading.get_ident)

    def close_it() -> tuple[int, bool, BaseDatabaseWrapper]:
        closed = services.recording_finish(recording_id=recording.pk, duration=1.0)
        completed = closed.status == Recording.Status.COMPLETED
        return threading.get_ident(), completed, connections["default"]

    thread, completed, used = await run_apart(close_it)
    assert completed
    postgresql = connection.vendor == "postgresql"
    assert (thread != words_thread) is postgresql
    if postgresql:
        assert used.connection is None  # given back to the pool once the work was done


@contextlib.asynccontextmanager
async def lane_held_until(waiting: int) -> AsyncIterator[None]:
    """Keep the words' lane busy; on leaving, once `waiting` calls wait there, let it go on."""
    busy, release = threading.Event(), threading.Event()

    def hold_the_lane() -> None:
        busy.set()
        release.wait(timeout=30)

    holding = asyncio.ensure_future(words_lane.run(hold_the_lane, priority=AWAITED))
    assert await asyncio.to_thread(busy.wait, 30)
    yield
    for _ in range(100):  # a few turns of the loop: every call made reaches the lane
        if words_lane.waiting() == waiting:
            break
        await asyncio.sleep(0)
    assert words_lane.waiting() == waiting
    release.set()
    await holding


async def test_a_final_waiting_is_saved_before_the_starts_and_ends_waiting(user: User) -> None:
    """At the top of the hour hundreds of starts and ends wait for the database: a final that
    comes after them is saved first (on SQLite they share its thread)."""
    recording = await sync_to_async(make_recording)(user)
    order: list[str] = []

    def an_edge(name: str) -> bool:
        order.append(name)
        return Segment.objects.filter(recording=recording).exists()

    async with lane_held_until(waiting=4):  # the writer hands its final to the lane
        edges = [
            asyncio.ensure_future(
                words_lane.run(functools.partial(an_edge, f"edge {i}"), priority=AWAITED)
            )
            for i in range(3)
        ]
        saving = asyncio.ensure_future(
            segment_writer.save(recording_id=recording.pk, index=0, segment=final("First."))
        )
    assert (await saving).text == "First."
    assert await asyncio.gather(*edges) == [True, True, True]  # the final was in before them
    assert order == ["edge 0", "edge 1", "edge 2"]  # the rest in the order they came


async def test_an_archive_is_stored_after_the_ends_someone_waits_for() -> None:
    """Nobody waits for a meeting's archive to be stored; a browser waits for `stopped`."""
    order: list[str] = []
    async with lane_held_until(waiting=2):
        archive = asyncio.ensure_future(
            words_lane.run(functools.partial(order.append, "archive"), priority=UNAWAITED)
        )
        close = asyncio.ensure_future(
            words_lane.run(functools.partial(order.append, "close"), priority=AWAITED)
        )
    await asyncio.gather(archive, close)
    assert order == ["close", "archive"]


# --- The words' connection, kept from one batch to the next (live/apart.py) ----------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's pool: SQLite has no pool"
)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def pool_requests() -> int:
    return int(connections["default"].pool.get_stats().get("requests_num", 0))


@postgresql_only
async def test_on_postgresql_the_words_keep_their_connection_from_one_batch_to_the_next(
    user: User,
) -> None:
    """Each connection taken from the pool is checked with a round trip of its own: the words'
    thread takes one once, not once for each batch."""
    recording = await sync_to_async(make_recording)(user)
    first = await run_words(backend_pid)
    requests_before = await sync_to_async(pool_requests)()
    for index in range(5):
        await segment_writer.save(recording_id=recording.pk, index=index, segment=final("Hi."))
    assert await run_words(backend_pid) == first
    assert await sync_to_async(pool_requests)() == requests_before


@postgresql_only
async def test_a_words_connection_the_server_dropped_costs_no_final(user: User) -> None:
    """The server ends the words' connection between two batches (a restart, a proxy): the
    next batch fails on it, is saved row by row on a new one, and the session is told."""
    recording = await sync_to_async(make_recording)(user)
    dropped = await run_words(backend_pid)

    def drop() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [dropped])
            return bool(cursor.fetchone()[0])

    assert await sync_to_async(drop)()
    saved = await segment_writer.save(recording_id=recording.pk, index=0, segment=final("Kept."))
    assert saved.text == "Kept."
    assert await Segment.objects.filter(recording=recording).acount() == 1
    assert await run_words(backend_pid) != dropped

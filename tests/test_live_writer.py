"""Finals of many live sessions saved together: each once, each told, one bad row alone."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from tests.factories import make_recording, make_segment
from transcripts import services
from transcripts.engines.base import FinalSegment, Word
from transcripts.live.apart import run_apart
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


# --- The start and end of meetings, apart from the words (live/apart.py) ----------------


async def test_on_postgresql_a_meetings_start_and_end_run_beside_the_words_thread(
    user: User,
) -> None:
    """The words are saved on Channels' one database thread; on PostgreSQL the starts and
    ends run on threads of their own, each giving its connection back; SQLite, one writer at
    a time, keeps them on the words' thread."""
    recording = await sync_to_async(make_recording)(user)
    words_thread = await database_sync_to_async(threading.get_ident)()

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

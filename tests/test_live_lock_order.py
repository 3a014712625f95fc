"""The live words and the leases never wait for each other the wrong way round (PostgreSQL,
where a segment's INSERT locks its recording: a batch of 200 meetings' words and a lease
renewal each waited for a recording the other held, a deadlock, and the words waited a
second for it; and a renewal that waited for one meeting ending held up every meeting's
words whose recording it had locked before)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import close_old_connections, connection

from tests.factories import make_recording
from transcripts import lease, services
from transcripts.engines.base import FinalSegment, Word
from transcripts.models import Recording

pytestmark = pytest.mark.django_db(transaction=True)

LOWER, HIGHER = 10, 20
LOCK_WAIT_SECONDS = 30


@pytest.fixture(autouse=True)
def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer")


@pytest.fixture
def two_live_recordings(user: User) -> None:
    """The higher id stored first: a statement that takes rows as it finds them takes it first."""
    for pk in (HIGHER, LOWER):
        make_recording(user, pk=pk, status=Recording.Status.LIVE)


def raw_connection() -> psycopg.Connection[Any]:
    """A connection of its own to the test database, outside Django's."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"],
        port=settings["PORT"] or 5432, password=settings["PASSWORD"] or None,
    )  # fmt: skip


class Holder:
    """Another transaction, holding a row lock on the recording with the lower id."""

    def __init__(self) -> None:
        self.connection = raw_connection()

    def hold(self, strength: str) -> None:
        self.connection.execute(
            f"SELECT 1 FROM transcripts_recording WHERE id = {LOWER} FOR {strength}"
        )

    def release(self) -> None:
        self.connection.rollback()


@pytest.fixture
def holder() -> Iterator[Holder]:
    holder = Holder()
    yield holder
    holder.release()
    holder.connection.close()


def on_a_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """`work()` started on a thread of its own; its outcome (result or error) once it ends."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:
            outcome.append(exc)
        finally:
            close_old_connections()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def run_until_it_waits(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Start `work` on a thread of its own; return once its statement waits for a lock."""
    thread, outcome = on_a_thread(work)
    with raw_connection() as watcher:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while not outcome and time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if waiting and waiting[0]:
                return thread, outcome
            watcher.rollback()
    raise AssertionError(f"the statement never waited for the lock held: {outcome}")


def higher_is_free() -> bool:
    """Whether the recording with the higher id can be locked now (nobody holds it)."""
    with raw_connection() as probe:
        try:
            probe.execute(
                f"SELECT 1 FROM transcripts_recording WHERE id = {HIGHER} FOR NO KEY UPDATE NOWAIT"
            )
        except psycopg.errors.LockNotAvailable:
            return False
        return True


def final(text: str) -> FinalSegment:
    return FinalSegment(text, 0.5, 1.5, words=(Word(text, 0.5, 1.5),))


def test_a_lease_renewal_passes_over_a_recording_held_and_renews_it_next_round(
    two_live_recordings: None, holder: Holder
) -> None:
    holder.hold("UPDATE")  # as a meeting's end does
    renewing, outcome = on_a_thread(lambda: lease.leases_renew({HIGHER: 0.0, LOWER: 0.0}))
    renewing.join(LOCK_WAIT_SECONDS)  # a renewal that waits for the lock is still waiting here
    holder.release()
    renewing.join(LOCK_WAIT_SECONDS)
    assert outcome == [1]
    renewed = dict(Recording.objects.values_list("pk", "live_until"))
    assert renewed[HIGHER] is not None
    assert renewed[LOWER] is None
    assert lease.leases_renew({HIGHER: 0.0, LOWER: 0.0}) == 2


def test_words_waiting_for_one_recording_hold_none_after_it_and_come_back_in_order(
    two_live_recordings: None, holder: Holder
) -> None:
    holder.hold("NO KEY UPDATE")  # as a lease renewal does
    rows = [(HIGHER, 0, final("higher")), (LOWER, 0, final("lower"))]
    thread, outcome = run_until_it_waits(lambda: services.segments_append(rows=rows))
    assert higher_is_free()
    holder.release()
    thread.join(LOCK_WAIT_SECONDS)
    [saved] = outcome
    assert [(s.recording_id, s.text) for s in saved] == [(HIGHER, "higher"), (LOWER, "lower")]

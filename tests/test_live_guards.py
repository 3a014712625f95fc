"""What keeps meetings whole under load: viewers as a side channel, capacity, lag."""

from __future__ import annotations

import asyncio
import functools
import gc
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.audio import tone, utterances
from tests.factories import make_recording
from tests.fake_deepgram import FakeDeepgram
from tests.proxy import TcpProxy
from tests.sockets import TIMEOUT, RecordSocket
from tests.test_sharing import WatchSocket, open_viewer
from transcripts import lease, protocol, realtime
from transcripts.live.apart import run_apart, run_words
from transcripts.live.session import LiveSession
from transcripts.live.viewers import viewers_desk
from transcripts.models import Recording, Segment
from transcripts.sharing import services as sharing

pytestmark = pytest.mark.django_db(transaction=True)


async def open_recording(cookie: str) -> tuple[RecordSocket, int]:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    return socket, await socket.start()


async def listening_viewer(recording_id: int) -> str:
    """A channel in the recording's viewers group that has not said it is watching."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(realtime.viewers_group(recording_id), channel)
    return channel


async def heard(channel: str) -> list[dict[str, Any]]:
    """The live events that reached a viewer's channel so far (roll calls left out)."""
    layer = get_channel_layer()
    events = []
    while True:
        try:
            message = await asyncio.wait_for(layer.receive(channel), timeout=0.2)
        except TimeoutError:
            return events
        if message["type"] == "watch.event":
            events.append(message["event"])


# --- Viewers: published to only while someone watches ------------------------------------


async def test_nothing_is_published_until_a_viewer_says_it_is_watching(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    socket, recording_id = await open_recording(cookie)
    silent = await listening_viewer(recording_id)
    await socket.send_audio(utterances(1))
    await socket.expect("final")
    assert await heard(silent) == []  # nobody announced: not one group_send
    await realtime.announce_viewer(recording_id)
    await socket.send_audio(utterances(1))
    final = await socket.expect("final")
    await socket.stop()
    await socket.disconnect()
    events = await heard(silent)
    assert final in [event for event in events if event["type"] == "final"]
    assert events[-1] == {"type": "ended", "recording": recording_id, "status": "completed"}


class FirstFinalHeldLayer(InMemoryChannelLayer):
    """An in-memory layer whose first group_send of a final waits for `release` (a slow Redis
    write): while it waits, another final of the same recording can only wait behind it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.release = asyncio.Event()
        self.holding = False

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        is_final = message.get("type") == "watch.event" and message["event"]["type"] == "final"
        if is_final and not self.holding:
            self.holding = True
            await self.release.wait()
        elif is_final:
            self.release.set()  # a later final is being sent: the held one may go, behind it
        await super().group_send(group, message)


async def test_a_recordings_viewers_hear_its_finals_in_the_order_they_were_said(
    deepgram: FakeDeepgram, cookie: str, settings
) -> None:
    backend = f"{__name__}.{FirstFinalHeldLayer.__name__}"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend}}
    socket, recording_id = await open_recording(cookie)
    viewer = await listening_viewer(recording_id)
    await socket.send_audio(utterances(1))
    await socket.expect("final")  # the session has joined its sessions group by now
    await realtime.announce_viewer(recording_id)
    await socket.send_audio(utterances(3))
    said = [final["text"] for final in await socket.finals(3)]
    await socket.stop()
    await socket.disconnect()
    get_channel_layer().release.set()  # all published by now: let the held final go

    events = await heard(viewer)
    assert [event["text"] for event in events if event["type"] == "final"] == said


@pytest.fixture
async def redis_proxy(settings) -> Any:
    """The channel layer reaches Redis through a relay the test can take away."""
    address = urlsplit(django_settings.REDIS_URL)
    proxy = await TcpProxy(address.hostname or "127.0.0.1", address.port or 6379).start()
    host = dict(settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0])
    host["address"] = f"redis://127.0.0.1:{proxy.port}{address.path}"
    layer = {**settings.CHANNEL_LAYERS["default"], "CONFIG": {"hosts": [host]}}
    settings.CHANNEL_LAYERS = {"default": layer}  # channels drops its cached layer
    yield proxy
    await proxy.refuse()


@pytest.mark.redis
@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs the Redis channel layer leg")
async def test_redis_going_away_mid_meeting_fails_no_recording(
    redis_proxy: TcpProxy, deepgram: FakeDeepgram, cookie: str, other_cookie: str, user: User
) -> None:
    watched, watched_id = await open_recording(cookie)
    unwatched, unwatched_id = await open_recording(cookie)
    recording = await Recording.objects.aget(pk=watched_id)
    token = (await sync_to_async(sharing.share_start)(recording=recording)).share_token
    viewer: WatchSocket = await open_viewer(token or "", other_cookie)
    for socket in (watched, unwatched):
        await socket.send_audio(utterances(1))
        await socket.expect("final")
    assert (await viewer.expect("final"))["text"] == deepgram.script[0]
    errors_before = viewers_desk.errors

    await redis_proxy.refuse()  # Redis is gone: publishing to the viewer can only fail
    for socket in (watched, unwatched):
        await socket.send_audio(utterances(2))
        await socket.finals(2)
        assert (await socket.stop())["segments"] == 3
        await socket.disconnect()

    for recording_id in (watched_id, unwatched_id):
        saved = await Recording.objects.aget(pk=recording_id)
        assert (saved.status, saved.error) == ("completed", "")
        assert await Segment.objects.filter(recording_id=recording_id).acount() == 3
    assert viewers_desk.errors > errors_before  # counted, and never raised into a session


def publish_progress(recording_id: int, steps: int) -> None:
    """What a job's worker does: each step committed, then told to the owner's pages."""
    recording = Recording.objects.get(pk=recording_id)
    for progress in range(steps):
        with transaction.atomic():
            event = protocol.status_event(recording, progress)
            realtime.publish_job_state(owner_id=recording.owner_id, event=event)


def redis_connections_received(client: redis.Redis) -> int:
    return int(client.info("stats")["total_connections_received"])


@pytest.mark.redis
@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs the Redis channel layer leg")
async def test_events_committed_on_a_meetings_thread_go_out_in_order_on_one_loop_kept_for_them(
    user: User,
) -> None:
    # Not a loop, a thread and a Redis connection of their own each, as 300 meetings end.
    layer = get_channel_layer()
    page = await layer.new_channel()
    await layer.group_add(realtime.user_group(user.pk), page)
    recording = await sync_to_async(make_recording)(user)
    with redis.Redis.from_url(django_settings.REDIS_URL) as client:
        before = redis_connections_received(client)
        await run_apart(functools.partial(publish_progress, recording.pk, 5))
        heard = [await asyncio.wait_for(layer.receive(page), TIMEOUT) for _ in range(5)]
        assert [message["event"]["progress"] for message in heard] == [0, 1, 2, 3, 4]
        assert redis_connections_received(client) - before <= 1  # the events loop's first


# --- Capacity: a full process refuses new recordings, never running ones --------------


async def test_a_full_server_refuses_a_new_recording_before_any_audio(
    deepgram: FakeDeepgram, cookie: str, settings
) -> None:
    settings.LIVE_MAX_SESSIONS = 1
    running, running_id = await open_recording(cookie)
    refused = RecordSocket(cookie=cookie)
    assert await refused.connect()
    await refused.send({"type": "start", "title": "One too many"})
    error = await refused.expect_error_and_close(4429)
    assert (error["code"], error["message"]) == (
        "at_capacity",
        "This server is at capacity; try again in a moment.",
    )
    assert not await Recording.objects.filter(title="One too many").aexists()
    await running.send_audio(utterances(1))
    await running.expect("final")  # the meeting already running is untouched
    assert (await running.stop())["segments"] == 1
    await running.disconnect()
    assert (await Recording.objects.aget(pk=running_id)).status == "completed"


async def test_starts_that_arrive_together_cannot_all_pass_the_capacity_check(
    deepgram: FakeDeepgram, cookie: str, settings
) -> None:
    """Each start awaits the database before its session runs: the place is taken at once."""
    settings.LIVE_MAX_SESSIONS = 2
    sockets = [RecordSocket(cookie=cookie) for _ in range(5)]
    for socket in sockets:
        assert await socket.connect()
    await asyncio.gather(*(socket.send({"type": "start"}) for socket in sockets))
    answers = await asyncio.gather(*(socket.next() for socket in sockets))
    started = [s for s, a in zip(sockets, answers, strict=True) if a["type"] == "started"]
    refused = [a for a in answers if a["type"] == "error"]
    assert (len(started), [a["code"] for a in refused]) == (2, ["at_capacity"] * 3)
    assert await Recording.objects.acount() == 2
    for socket in started:
        await socket.stop()
    for socket in sockets:
        await socket.disconnect()


async def test_a_resume_is_taken_even_when_the_server_is_full(
    deepgram: FakeDeepgram, cookie: str, settings
) -> None:
    settings.LIVE_MAX_SESSIONS = 1
    dropped, dropped_id = await open_recording(cookie)
    await dropped.disconnect()  # the page lost its socket: interrupted, resumable
    other, _ = await open_recording(cookie)  # the one place is taken
    back = RecordSocket(cookie=cookie)
    assert await back.connect()
    await back.send({"type": "resume", "recording": dropped_id})
    assert (await back.expect("resumed"))["recording"] == dropped_id
    for socket in (back, other):
        await socket.stop()
        await socket.disconnect()


# --- Lag: a session that falls behind says so, and catches up without losing audio ------


async def test_a_session_behind_the_speaker_tells_the_page_and_catches_up(
    deepgram: FakeDeepgram, cookie: str, settings
) -> None:
    settings.LIVE_LAG_WARN_SECONDS = 1.0
    gate = threading.Event()
    deepgram.handshake_gate = gate  # the engine takes its time to answer
    socket, recording_id = await open_recording(cookie)
    audio = utterances(2) + tone(0.3)
    await socket.send_audio(audio)  # 3.5 s of audio wait for the engine
    lagging = await socket.expect("lagging", timeout=TIMEOUT)
    assert lagging["seconds"] >= 1.0
    assert "behind" in lagging["message"]
    gate.set()
    await socket.expect("caught_up", skip=("interim", "final"))
    await socket.stop()
    await socket.disconnect()
    assert deepgram.connections[0].audio_bytes == len(audio)  # nothing dropped
    assert await Segment.objects.filter(recording_id=recording_id).acount() == 3


# --- The words' lane: shared by every session of the process -----------------------------


def database_thread_connection(*, opening: bool = False) -> object | None:
    """The open connection of the thread it runs on; `opening`: opened first if not yet."""
    if opening:
        connections["default"].ensure_connection()
    return connections["default"].connection


async def test_a_meeting_that_ends_leaves_the_database_connection_open_for_the_others(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    leaving, _ = await open_recording(cookie)
    staying, staying_id = await open_recording(cookie)
    shared = await run_words(functools.partial(database_thread_connection, opening=True))
    assert shared is not None
    await leaving.stop()
    await leaving.disconnect()
    if connection.vendor == "sqlite":  # PostgreSQL's goes back to the pool after every call
        assert await run_words(database_thread_connection) is shared
    await staying.send_audio(utterances(1))
    await staying.expect("final", skip=("interim",))
    await staying.stop()
    await staying.disconnect()
    assert await Segment.objects.filter(recording_id=staying_id).acount() == 1


# --- Leases: renewed for every session at once, each one's lag recorded for staff --------


def test_leases_are_renewed_with_each_sessions_lag(user: User) -> None:
    live = [make_recording(user, status=Recording.Status.LIVE) for _ in range(4)]
    ended = make_recording(user, status=Recording.Status.COMPLETED)
    lags = {live[0].pk: 0.02, live[1].pk: 0.04, live[2].pk: 2.46, live[3].pk: 0.7}
    before = timezone.now()
    assert lease.leases_renew({**lags, ended.pk: 0.0}) == 4
    renewed = {r.pk: r for r in Recording.objects.filter(pk__in=lags)}
    assert {pk: renewed[pk].live_lag for pk in lags} == {
        live[0].pk: 0.0, live[1].pk: 0.0, live[2].pk: 2.5, live[3].pk: 0.7
    }  # fmt: skip
    assert all(r.live_until > before + lease.lease_length() / 2 for r in renewed.values())
    ended.refresh_from_db()
    assert ended.live_until is None


def test_sessions_that_share_a_lag_are_renewed_by_one_plain_statement(user: User) -> None:
    """Not a value picked per row: for 300 sessions that cost the database thread 30 ms."""
    lags = {make_recording(user, status=Recording.Status.LIVE).pk: 0.01 for _ in range(30)}
    with CaptureQueriesContext(connections["default"]) as queries:
        assert lease.leases_renew(lags) == 30
    updates = [q["sql"].upper() for q in queries if q["sql"].upper().startswith("UPDATE")]
    assert len(updates) == 1  # beside the locking of the rows (test_live_lock_order)
    assert "CASE" not in updates[0]


# --- Memory: a meeting that ends leaves nothing for the cyclic collector -----------------


def live_sessions_in_memory() -> int:
    """Live sessions still in memory, garbage waiting for the cyclic collector included."""
    return sum(1 for thing in gc.get_objects() if isinstance(thing, LiveSession))


async def test_a_meeting_that_ends_is_freed_as_it_ends_not_by_a_full_collection(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    # A full collection holds the one event loop of every meeting for as long as it walks
    # what it finds: each session left behind in a cycle made it longer.
    socket, _ = await open_recording(cookie)
    gc.collect()  # earlier tests' garbage, if any, goes first
    gc.disable()
    try:
        assert live_sessions_in_memory() == 1
        await socket.send_audio(utterances(1))
        await socket.expect("final", skip=("interim",))
        await socket.stop()
        await socket.disconnect()
        assert live_sessions_in_memory() == 0
    finally:
        gc.enable()

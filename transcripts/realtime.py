"""Page events: what people's open pages hear about the recordings they show.

An event about a recording goes to its owner's channel-layer group `user.<id>`, and to the
group `recording.<id>` of other people's pages showing it (shared with them, or with their
team); every page that shows job status listens on /ws/events/ (EventsConsumer, below),
naming the recordings it shows. Events leave only once the change that caused them is
committed.

The in-memory channel layer lives inside one process, so the worker process cannot
reach it. With that layer (no REDIS_URL) events are written to OutboxEvent in the same
transaction as the change, and the web process relays them (OutboxRelay). With Redis,
every process sends to the group directly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from transcripts import params, protocol
from transcripts.models import OutboxEvent
from transcripts.selectors import shared_recording_ids
from transcripts.sockets import socket_user

logger = logging.getLogger(__name__)

EVENT_HANDLER = "user.event"
RECHECK_HANDLER = "events.recheck"
OUTBOX_POLL_SECONDS = 0.25
OUTBOX_KEEP = timedelta(minutes=10)


def user_group(user_id: int) -> str:
    """The channel-layer group of one user's open pages."""
    return f"user.{user_id}"


def recording_group(recording_id: int) -> str:
    """The channel-layer group of the pages of people other than its owner showing one
    recording."""
    return f"recording.{recording_id}"


def audience(owner_id: int, recording_id: int) -> tuple[str, str]:
    """The groups an event about one of the owner's recordings goes to."""
    return user_group(owner_id), recording_group(recording_id)


def publish_job_state(*, owner_id: int, event: protocol.JobState) -> None:
    """Deliver `event`, about one of the owner's recordings, to the owner's open pages and
    to other people's pages showing it, once the current transaction commits."""
    if settings.EVENTS_VIA_OUTBOX:
        OutboxEvent.objects.create(user_id=owner_id, payload=event)
    else:
        # Robust: a channel layer that cannot be reached loses the event (logged), never
        # the change that caused it.
        transaction.on_commit(partial(_send_to_audience, owner_id, event), robust=True)


def _send_to_audience(owner_id: int, event: protocol.JobState) -> None:
    for group in audience(owner_id, event["recording"]):
        _group_send(group, event)


def _group_send(group: str, event: protocol.JobState) -> None:
    if not events_thread.handed_over(group, event):
        async_to_sync(_agroup_send)(group, event)


async def _agroup_send_logged(group: str, event: protocol.JobState) -> None:
    try:
        await _agroup_send(group, event)
    except Exception:  # as robust on_commit did: logged, the change it follows kept
        logger.exception("Could not send an event to %s", group)


async def _agroup_send(group: str, event: protocol.JobState) -> None:
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(group, {"type": EVENT_HANDLER, "event": event})


type Errand = Callable[[], Awaitable[None]]


class EventsThread:
    """Events committed on the live server's own threads, sent in order from a thread of
    their own, on one event loop kept for them; and the viewers desk's errands with Redis
    (`run_soon`).

    Elsewhere an event committed on a thread goes out through `async_to_sync`, which on a
    thread of no loop's makes a loop of its own, in a thread of its own, with a Redis
    connection of its own, for every event: on the threads that start and end meetings, 120
    threads and connections in the seconds 300 meetings end (docs/benchmarks.md). Sent from the
    server's own loop instead, they held up the meetings' audio. Work run through `run` hands
    its events to this thread without waiting: they go out in the order they were committed.
    """

    def __init__(self) -> None:
        self._home = threading.local()
        self._starting = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._errands: asyncio.Queue[Errand] | None = None

    def run[T](self, work: Callable[[], T]) -> T:
        """`work()` on this thread; the events it commits go out through the events thread."""
        self._home.handing_over = True
        try:
            return work()
        finally:
            self._home.handing_over = False

    def handed_over(self, group: str, event: protocol.JobState) -> bool:
        """Whether the event went to the events thread (only from work given to `run`)."""
        if not getattr(self._home, "handing_over", False):
            return False
        self.run_soon(partial(_agroup_send_logged, group, event))
        return True

    def run_soon(self, errand: Errand) -> None:
        """`errand()` awaited on the events thread's loop, after those handed over before it;
        from any thread, without waiting. It handles its own errors."""
        loop, errands = self._started()
        loop.call_soon_threadsafe(errands.put_nowait, errand)

    def _started(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[Errand]]:
        with self._starting:
            if self._thread is None or not self._thread.is_alive():
                ready = threading.Event()
                self._thread = threading.Thread(
                    target=self._serve, args=(ready,), name="live-events", daemon=True
                )
                self._thread.start()
                ready.wait()
        assert self._loop is not None
        assert self._errands is not None
        return self._loop, self._errands

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop, self._errands = loop, asyncio.Queue()
        ready.set()
        loop.run_until_complete(self._carry_out(self._errands))

    async def _carry_out(self, errands: asyncio.Queue[Errand]) -> None:
        while True:
            errand = await errands.get()
            try:
                await errand()
            except Exception:  # errands log their own failures; this thread must go on
                logger.exception("An errand of the live events thread failed")


events_thread = EventsThread()


def viewers_group(recording_id: int) -> str:
    """The channel-layer group of the people watching one live recording."""
    return f"watch.{recording_id}"


def sessions_group(recording_id: int) -> str:
    """The channel-layer group of the processes running a session of one live recording."""
    return f"live.{recording_id}"


# A live session asks the recording's viewers to say they are there (live/viewers.py).
ROLL_CALL = {"type": "viewers.roll_call"}


async def publish_to_viewers(
    recording_id: int, event: protocol.LiveEvent | protocol.Notice
) -> None:
    """Send a live recording's event (interim, final, ended, revoked) to whoever watches it.

    Sent through the channel layer, so with channels-redis a viewer on another server
    process hears it too. Live sessions publish through their process's viewers desk
    (live/viewers.py), which sends only while someone watches and never fails a session.
    """
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(viewers_group(recording_id), {"type": "watch.event", "event": event})


async def announce_viewer(recording_id: int) -> None:
    """Someone started watching: the recording's live session, wherever it runs, publishes.

    Best-effort: a channel layer that cannot be reached costs the viewer live text, never
    the recording.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "viewers.present", "recording": recording_id}
    try:
        await layer.group_send(sessions_group(recording_id), message)
    except Exception:
        logger.warning("Could not tell recording %s's session about a viewer", recording_id)


def viewers_disconnect(recording_id: int) -> None:
    """Tell everyone watching the recording that sharing stopped; their sockets close."""
    async_to_sync(publish_to_viewers)(recording_id, protocol.revoked())


def viewers_recheck(recording_id: int) -> None:
    """Sharing changed: people following the recording by access, and other people's pages
    hearing its events, look again (best-effort)."""
    try:
        async_to_sync(_recheck)(recording_id)
    except Exception:
        logger.warning("Could not tell recording %s's viewers that sharing changed", recording_id)


async def _recheck(recording_id: int) -> None:
    await publish_to_viewers(recording_id, protocol.recheck())
    await _agroup_recheck(recording_group(recording_id), {"recording": recording_id})


def followed_recheck(user_id: int) -> None:
    """Someone's teams changed: their pages look again at the recordings shared with them
    that they hear about (best-effort)."""
    try:
        async_to_sync(_agroup_recheck)(user_group(user_id), {})
    except Exception:
        logger.warning("Could not tell user %s's pages that their teams changed", user_id)


async def _agroup_recheck(group: str, fields: dict[str, int]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(group, {"type": RECHECK_HANDLER, **fields})


def outbox_prune() -> int:
    """Delete relayed events old enough that no page still waits for them."""
    deleted, _ = OutboxEvent.objects.filter(created_at__lt=timezone.now() - OUTBOX_KEEP).delete()
    return deleted


def _outbox_latest_id() -> int:
    latest = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return latest or 0


def _outbox_after(cursor: int) -> list[tuple[int, int, dict[str, Any]]]:
    rows = OutboxEvent.objects.filter(id__gt=cursor).order_by("id")[:500]
    return list(rows.values_list("id", "user_id", "payload"))


class OutboxRelay:
    """Relays outbox events to the channel layer while any page is listening here."""

    def __init__(self) -> None:
        self._listeners = 0
        self._task: asyncio.Task[None] | None = None

    def subscribe(self) -> None:
        """A page started listening in this process: make sure events flow."""
        self._listeners += 1
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._run(), name="outbox-relay")

    def unsubscribe(self) -> None:
        """A page stopped listening; with none left, stop polling."""
        self._listeners = max(0, self._listeners - 1)
        if self._listeners == 0 and self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        cursor = await database_sync_to_async(_outbox_latest_id)()
        while True:
            rows = await database_sync_to_async(_outbox_after)(cursor)
            for row_id, owner_id, payload in rows:
                message = {"type": EVENT_HANDLER, "event": payload}
                for group in audience(owner_id, payload["recording"]):
                    await layer.group_send(group, message)
                cursor = row_id
            if not rows:
                await asyncio.sleep(OUTBOX_POLL_SECONDS)


outbox_relay = OutboxRelay()


class EventsConsumer(AsyncWebsocketConsumer):
    """/ws/events/?id=1&id=2…: a person's open page hears about the recordings it shows —
    their own (all of them, by their user group) and those others shared with them (each by
    its recording group, while they may still see it). Send-only."""

    user: User | None = None  # set once its groups are being joined
    followed: frozenset[int] = frozenset()

    async def connect(self) -> None:
        """Join the groups, then accept; anonymous sockets and bad ids are told why and closed.

        In that order: a page asks for its recordings' state once its socket is open, and
        every event after that must reach it. Accepted first, an event sent while the group
        was being joined (a round trip to Redis) reached neither the page's question nor the
        page, which then waited for it forever.
        """
        user = socket_user(self.scope)
        if user is None:
            await self._refuse("login_required", "Log in.", protocol.CLOSE_UNAUTHENTICATED)
            return
        try:
            wanted = _ids_named(self.scope)
        except ValidationError as exc:
            await self._refuse("bad_message", exc.messages[0], protocol.CLOSE_BAD_MESSAGE)
            return
        if wanted:
            shared = await database_sync_to_async(shared_recording_ids)(
                user=user, recording_ids=wanted
            )
            self.followed = frozenset(shared)
        self.user = user
        for group in self._groups(user):
            await self.channel_layer.group_add(group, self.channel_name)
        if settings.EVENTS_VIA_OUTBOX:
            outbox_relay.subscribe()
        await self.accept()

    def _groups(self, user: User) -> list[str]:
        return [user_group(user.pk), *map(recording_group, self.followed)]

    async def _refuse(self, code: str, message: str, close_code: int) -> None:
        await self.accept()
        await self._close_saying(code, message, close_code)

    async def _close_saying(self, code: str, message: str, close_code: int) -> None:
        await self.send(text_data=json.dumps(protocol.error(code, message)))
        await self.close(code=close_code)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Pages do not talk on this socket; anything sent is a mistake."""
        message = "This socket only sends events; it accepts no messages."
        await self._close_saying("bad_message", message, protocol.CLOSE_BAD_MESSAGE)

    async def disconnect(self, code: int) -> None:
        """Leave the groups."""
        if self.user is None:
            return
        for group in self._groups(self.user):
            await self.channel_layer.group_discard(group, self.channel_name)
        if settings.EVENTS_VIA_OUTBOX:
            outbox_relay.unsubscribe()
        self.user = None

    async def user_event(self, message: dict[str, Any]) -> None:
        """Forward one event from a group to the page."""
        await self.send(text_data=json.dumps(message["event"]))

    async def events_recheck(self, message: dict[str, Any]) -> None:
        """Sharing changed (of one recording, or the person's teams): stop hearing the
        followed recordings no longer shared with this person, and tell the page."""
        asked = message.get("recording")
        recheck = self.followed if asked is None else self.followed & {asked}
        if self.user is None or not recheck:
            return
        still = await database_sync_to_async(shared_recording_ids)(
            user=self.user, recording_ids=list(recheck)
        )
        for recording_id in recheck.difference(still):
            await self._unfollow(recording_id)

    async def _unfollow(self, recording_id: int) -> None:
        self.followed -= {recording_id}
        await self.channel_layer.group_discard(recording_group(recording_id), self.channel_name)
        await self.send(text_data=json.dumps(protocol.unshared(recording_id)))


def _ids_named(scope: Mapping[str, object]) -> list[int]:
    """The recordings a page names in its socket's query (`?id=1&id=2…`), as the status
    endpoint reads them."""
    raw = scope.get("query_string", b"")
    query = parse_qs(raw.decode("latin-1") if isinstance(raw, bytes) else "")
    return params.recording_ids(query.get("id", []))

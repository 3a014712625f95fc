"""The watch sockets, read-only: /ws/watch/<token>/ for people with a share link, and
/ws/watch/recording/<id>/ for people the recording is shared with (access.py decides)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.http import Http404

from config.db import aclose_connections
from transcripts import access, protocol, realtime, selectors
from transcripts.access import Access
from transcripts.models import Recording
from transcripts.sockets import DirectConsumer

NOT_SHARED = "This recording is not shared, or its owner stopped sharing it."
# What a viewer hears of the live session's events; anything else is for the owner only.
FORWARDED = frozenset({"interim", "final", "ended", "mark"})
MAX_INDEX = 2**31 - 1  # a segment index fits the database's integer column


def first_index(query_string: bytes) -> int:
    """`?from=N`: the page already shows the first N segments; malformed means none."""
    values = parse_qs(query_string.decode("latin-1")).get("from", [])
    try:
        return min(max(int(values[0]), 0), MAX_INDEX) if values else 0
    except ValueError:
        return 0


def finals_from(recording: Recording, *, start_index: int) -> tuple[list[protocol.Final], int]:
    """The recording's finals saved from `start_index` on, in order; and the index after them."""
    segments = list(selectors.segment_list(recording=recording).filter(index__gte=start_index))
    next_index = max((segment.index + 1 for segment in segments), default=start_index)
    return [protocol.final(segment) for segment in segments], next_index


class WatchConsumer(DirectConsumer):
    """Sends a shared recording's interim and final text to a viewer; accepts nothing."""

    # Class-level defaults: disconnect() can run after a refused connect().
    group: str | None = None
    recording_id: int | None = None
    next_index = 0  # the first segment this viewer has not been sent from the database

    def find_recording(self) -> Recording | None:
        """The recording this socket watches, if the viewer may still watch it."""
        return selectors.recording_shared_or_none(token=self.scope["url_route"]["kwargs"]["token"])

    async def connect(self) -> None:
        """Join the recording's viewers, then send what was said before the page heard."""
        if not await self.accept_logged_in("Log in to watch."):
            return
        events = await self._join()
        await aclose_connections()  # the socket may stay open for hours; its connection need not
        if events is None:
            await self._close_with_error(protocol.CLOSE_NOT_FOUND, "not_shared", NOT_SHARED)
            return
        for event in events:
            await self._send_event(event)

    async def _join(self) -> list[protocol.Final | protocol.Ended] | None:
        recording = await database_sync_to_async(self.find_recording)()
        if recording is None:
            return None
        self.group = realtime.viewers_group(recording.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.recording_id = recording.pk
        await realtime.announce_viewer(recording.pk)
        # Looked at again after joining: a final or a revoke from before the join is in
        # the database, one from after it reaches the group once the live session has heard
        # of this viewer (`heard`, then `_catch_up`); the page drops doubles.
        return await database_sync_to_async(self._missed_events)()

    def _missed_events(self) -> list[protocol.Final | protocol.Ended] | None:
        """Finals saved from the page's `?from=N` on, and `ended` if it is over; None if this
        viewer may not watch."""
        recording = self.find_recording()
        if recording is None:
            return None
        start = first_index(self.scope["query_string"])
        finals, self.next_index = finals_from(recording, start_index=start)
        events: list[protocol.Final | protocol.Ended] = list(finals)
        if recording.status != Recording.Status.LIVE:
            events.append(protocol.ended(recording.pk, recording.status))
        return events

    async def _catch_up(self) -> None:
        """A live session publishes to this viewer from now on: send the finals saved before,
        which it did not publish here (it had not heard of this viewer yet)."""
        finals = await database_sync_to_async(self._unsent_finals)()
        await aclose_connections()
        for final in finals:
            await self._send_event(final)

    def _unsent_finals(self) -> list[protocol.Final]:
        recording = self.find_recording()
        if recording is None:  # no longer shared: the revoke closes the socket
            return []
        finals, self.next_index = finals_from(recording, start_index=self.next_index)
        return finals

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Viewers do not talk on this socket; anything sent is a mistake."""
        message = "This socket only sends the transcript; it accepts no messages."
        await self._close_with_error(protocol.CLOSE_BAD_MESSAGE, "bad_message", message)

    async def disconnect(self, code: int) -> None:
        """Leave the viewers group."""
        self.closed = True
        await self._before_close()

    async def watch_event(self, message: dict[str, Any]) -> None:
        """Forward one of the live session's events; act on a notice for this socket."""
        event = message["event"]
        if event["type"] in FORWARDED:
            await self._send_event(event)
        elif not self.closed:
            await self._on_notice(event["type"])

    async def _on_notice(self, kind: str) -> None:
        """`heard`: read what the live session did not publish here; a revoke is the last word."""
        if kind == "heard":
            await self._catch_up()
        elif kind == "revoked":
            await self._revoked()

    async def _revoked(self) -> None:
        await self._send_event(protocol.revoked())
        await self._before_close()
        await self.close(code=1000)
        self.closed = True

    async def viewers_roll_call(self, message: dict[str, Any]) -> None:
        """A session of the recording started: say this viewer is here, so it publishes."""
        if self.recording_id is not None and not self.closed:
            await realtime.announce_viewer(self.recording_id)

    async def _before_close(self) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None


class MemberWatchConsumer(WatchConsumer):
    """A person the recording is shared with follows it live, without a link.

    Sharing may change while they watch: when the owner stops a share or a person leaves
    a team, the recording's viewers are asked to look again (realtime.viewers_recheck),
    and this socket closes if access is gone. A link being revoked does not concern it.
    """

    def find_recording(self) -> Recording | None:
        recording_id = int(self.scope["url_route"]["kwargs"]["recording_id"])
        try:
            return access.recording_for(
                user=self.owner, recording_id=recording_id, need=Access.VIEW
            )
        except Http404:
            return None

    async def _on_notice(self, kind: str) -> None:
        """On a change of sharing (a revoke or a recheck), look again; else as any viewer."""
        if kind not in ("revoked", "recheck"):
            await super()._on_notice(kind)
            return
        still = await database_sync_to_async(self.find_recording)()
        await aclose_connections()
        if still is None and not self.closed:
            await self._revoked()

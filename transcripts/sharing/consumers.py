"""The /ws/watch/<token>/ socket: people with a share link watch a transcript live. Read-only."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from config.db import aclose_connections
from transcripts import protocol, realtime, selectors
from transcripts.models import Recording
from transcripts.sockets import DirectConsumer

NOT_SHARED = "This recording is not shared, or its owner stopped sharing it."
# What a viewer hears of the live session's events; anything else is for the owner only.
FORWARDED = frozenset({"interim", "final", "ended"})
MAX_INDEX = 2**31 - 1  # a segment index fits the database's integer column


def first_index(query_string: bytes) -> int:
    """`?from=N`: the page already shows the first N segments; malformed means none."""
    values = parse_qs(query_string.decode("latin-1")).get("from", [])
    try:
        return min(max(int(values[0]), 0), MAX_INDEX) if values else 0
    except ValueError:
        return 0


def missed_events(*, token: str, start_index: int) -> list[protocol.Final | protocol.Ended] | None:
    """Finals saved from `start_index` on, and `ended` if it is over; None if no longer shared."""
    recording = selectors.recording_shared_or_none(token=token)
    if recording is None:
        return None
    segments = selectors.segment_list(recording=recording).filter(index__gte=start_index)
    events: list[protocol.Final | protocol.Ended] = [protocol.final(s) for s in segments]
    if recording.status != Recording.Status.LIVE:
        events.append(protocol.ended(recording.pk, recording.status))
    return events


class WatchConsumer(DirectConsumer):
    """Sends a shared recording's interim and final text to a viewer; accepts nothing."""

    # Class-level defaults: disconnect() can run after a refused connect().
    group: str | None = None
    recording_id: int | None = None

    async def connect(self) -> None:
        """Join the recording's viewers, then send what was said before the page heard."""
        if not await self.accept_logged_in("Log in to watch."):
            return
        events = await self._join(self.scope["url_route"]["kwargs"]["token"])
        await aclose_connections()  # the socket may stay open for hours; its connection need not
        if events is None:
            await self._close_with_error(protocol.CLOSE_NOT_FOUND, "not_shared", NOT_SHARED)
            return
        for event in events:
            await self._send_event(event)

    async def _join(self, token: str) -> list[protocol.Final | protocol.Ended] | None:
        recording = await database_sync_to_async(selectors.recording_shared_or_none)(token=token)
        if recording is None:
            return None
        self.group = realtime.viewers_group(recording.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.recording_id = recording.pk
        await realtime.announce_viewer(recording.pk)
        # Looked at again after joining: a final or a revoke from before the join is in
        # the database, one from after it reaches the group; the page drops doubles.
        return await database_sync_to_async(missed_events)(
            token=token, start_index=first_index(self.scope["query_string"])
        )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Viewers do not talk on this socket; anything sent is a mistake."""
        message = "This socket only sends the transcript; it accepts no messages."
        await self._close_with_error(protocol.CLOSE_BAD_MESSAGE, "bad_message", message)

    async def disconnect(self, code: int) -> None:
        """Leave the viewers group."""
        self.closed = True
        await self._before_close()

    async def watch_event(self, message: dict[str, Any]) -> None:
        """Forward one of the live session's events; a revoke is the last word."""
        event = message["event"]
        if event["type"] in FORWARDED:
            await self._send_event(event)
        elif event["type"] == "revoked" and not self.closed:
            await self._send_event(event)
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

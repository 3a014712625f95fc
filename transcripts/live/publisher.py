"""What a live session tells the browser and its viewers: interim text, and finals once saved.

Each channel of a two-channel recording has its own interim line (the microphone's and the
shared audio's run side by side); a microphone final that only echoes the shared audio is
dropped before it is saved (live/echo.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from transcripts import protocol
from transcripts.engines.base import FinalSegment, InterimText
from transcripts.live.echo import EchoFilter
from transcripts.live.viewers import viewers_desk
from transcripts.live.writer import segment_writer

SendEvent = Callable[[protocol.ServerMessage], Awaitable[None]]


class TranscriptPublisher:
    """Saves a session's finals in order and sends them, and its interims, on."""

    def __init__(self, *, recording_id: int, first_index: int, send_event: SendEvent) -> None:
        self.recording_id = recording_id
        self.segments_saved = first_index
        self._send_event = send_event
        self._interim_shown: set[int | None] = set()  # the channels showing interim text
        self.echo = EchoFilter()

    async def save_final(self, event: FinalSegment) -> None:
        """Save a final (an empty one only clears its channel's interim), then send it."""
        if not event.text or self.echo.is_echo(event):
            if event.channel in self._interim_shown:
                await self.show_interim(
                    InterimText(text="", start=event.start, end=event.end, channel=event.channel)
                )
            return
        segment = await segment_writer.save(
            recording_id=self.recording_id, index=self.segments_saved, segment=event
        )
        self.segments_saved += 1
        self.echo.saved(event)
        self._interim_shown.discard(event.channel)
        await self._publish(protocol.final(segment))

    async def show_interim(self, event: InterimText) -> None:
        """Send provisional text; an empty one only if its channel shows some."""
        if not event.text and event.channel not in self._interim_shown:
            return
        if event.text:
            self._interim_shown.add(event.channel)
        else:
            self._interim_shown.discard(event.channel)
        await self._publish(protocol.interim(event.text, event.start, event.end, event.channel))

    async def _publish(self, event: protocol.Interim | protocol.Final) -> None:
        """To the recording browser, and to anyone watching through a share link."""
        await self._send_event(event)
        viewers_desk.publish(self.recording_id, event)

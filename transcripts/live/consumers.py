"""The /ws/record/ socket: a thin edge between the browser and a LiveSession."""

from __future__ import annotations

from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import ValidationError

from transcripts import controls, protocol, services
from transcripts.engines import get_live_engine
from transcripts.engines.base import EngineError, LiveEngine, LiveOptions
from transcripts.library import Destination, destination_for
from transcripts.live import registry, resume
from transcripts.live.apart import apart
from transcripts.live.session import LiveSession
from transcripts.sockets import PlainLoopConsumer

AT_CAPACITY = "This server is at capacity; try again in a moment."
CONSENT_REQUIRED = (
    "Confirm the consent notice before recording. If it has just changed, reload the page."
)


@dataclass(frozen=True, slots=True)
class LiveSessionPlan:
    """What a new or resumed session records, and where it carries on from."""

    recording_id: int
    engine: LiveEngine
    options: LiveOptions
    timeline_start: float = 0.0
    first_index: int = 0


def start_options(message: controls.Start, destination: Destination) -> LiveOptions:
    """What a new recording is transcribed with: as `start` asks, with its place's glossary."""
    return LiveOptions(
        language=message.language or settings.DEFAULT_LANGUAGE,
        sample_rate=message.sample_rate,
        diarize=message.diarize,
        glossary=destination.glossary,
        channels=message.channels,
    )


def checked_engine(options: LiveOptions) -> LiveEngine:
    """The configured engine, if it can record with these options."""
    try:
        engine = get_live_engine()
        engine.check_options(options)
    except EngineError as exc:
        raise controls.Refused(protocol.CLOSE_ENGINE_UNAVAILABLE, exc.code, exc.message) from None
    return engine


class RecordConsumer(PlainLoopConsumer):
    """Receives a recording's control messages and audio; sends back its transcript.

    It has no channel-layer channel: what a recording needs never goes through the layer,
    so a layer that fails (Redis down) cannot fail a meeting. Viewers are reached through
    the process's viewers desk (live/viewers.py).
    """

    # Class-level defaults: disconnect() can run after a refused connect().
    session: LiveSession | None = None
    opening: bool = False

    async def connect(self) -> None:
        """Accept logged-in users; others are told why before the socket closes."""
        await self.accept_logged_in("Log in to record.")

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Dispatch one frame; a malformed or out-of-order one closes the socket with 4400."""
        if self.closed:
            return
        try:
            if bytes_data is not None:
                self._on_audio(bytes_data)
            else:
                await self._on_control(controls.parse_control(text_data or ""))
        except controls.ProtocolError as exc:
            await self._close_with_error(protocol.CLOSE_BAD_MESSAGE, "bad_message", str(exc))

    async def disconnect(self, code: int) -> None:
        """A browser that leaves without stop still gets its last words saved."""
        self.closed = True
        if self.session is not None:
            await self.session.stop(interrupted=True)
        await registry.close_connections_unless_shared(
            None if self.session is None else self.session.recording_id
        )
        # The session holds this consumer's methods (to send, to fail): letting go of it
        # here leaves no cycle, so both are freed now rather than by a full collection,
        # which holds the loop of every meeting while it walks (docs/benchmarks.md).
        self.session = None

    def _on_audio(self, frame: bytes) -> None:
        if self.session is None:
            raise controls.ProtocolError("Audio sent before the start message.")
        if self.session.stopping:
            raise controls.ProtocolError("Audio sent after the stop message.")
        controls.check_audio_frame(frame, self.session.channels)
        self.session.feed(frame)

    async def _on_control(self, message: controls.ControlMessage) -> None:
        if isinstance(message, controls.Start | controls.Resume):
            if self.session is not None or self.opening:
                raise controls.ProtocolError("Only one start or resume message may be sent.")
            self.opening = True
        match message:
            case controls.Start():
                await self._start(message)
            case controls.Resume():
                await self._resume(message)
            case controls.Stop():
                await self._stop()
            case controls.Pause():
                self._running_session("pause").flush()
                await self._send_event(protocol.paused())
            case controls.Unpause():
                self._running_session("unpause")
                await self._send_event(protocol.unpaused())

    def _running_session(self, what: str) -> LiveSession:
        if self.session is None or self.session.stopping:
            raise controls.ProtocolError(f"The {what} message needs a recording in progress.")
        return self.session

    async def _start(self, message: controls.Start) -> None:
        with registry.admission() as admitted:
            if not admitted:
                # Refused before any audio: the meetings running here keep their share of it.
                await self._close_with_error(protocol.CLOSE_AT_CAPACITY, "at_capacity", AT_CAPACITY)
                return
            plan = await self._new_recording(message)
            if plan is None:
                return
            self._begin(plan)  # the session counts itself from here
        await self._send_event(protocol.started(plan.recording_id))

    async def _new_recording(self, message: controls.Start) -> LiveSessionPlan | None:
        """The recording `start` asks for, created; None if refused (the page is told why)."""
        try:
            return await self._open_recording(message)
        except controls.Refused as refusal:
            await self._refuse(refusal)
            return None

    @apart
    def _open_recording(self, message: controls.Start) -> LiveSessionPlan:
        """Where the recording goes, its engine, and the recording created, in one call off
        the event loop (on PostgreSQL, one connection from the pool where there were two).

        A team the person is not in is a bad message; a consent notice not confirmed, or an
        engine that cannot record with these options, refuses the start (controls.Refused).
        """
        try:
            destination = destination_for(user=self.owner, team_id=message.team)
        except ValidationError as exc:
            raise controls.ProtocolError(exc.messages[0]) from None
        if destination.consent and message.consent != destination.consent.version:
            raise controls.Refused(
                protocol.CLOSE_CONSENT_REQUIRED, "consent_required", CONSENT_REQUIRED
            )
        options = start_options(message, destination)
        engine = checked_engine(options)
        recording = services.recording_start(
            owner=self.owner,
            title=message.title,
            language=options.language,
            engine=engine.name,
            model=engine.model,
            # The channel count is the recording's: a resume carries on with the same.
            options=engine.describe_options(options) | {"channels": options.channels},
            refine=message.refine,
            destination=destination,
        )
        return LiveSessionPlan(recording.pk, engine, options)

    async def _resume(self, message: controls.Resume) -> None:
        try:
            recording = await resume.recording_for_resume(
                user=self.owner, recording_id=message.recording
            )
        except controls.Refused as refusal:
            await self._refuse(refusal)
            return
        channels = int(recording.options.get("channels") or 1)
        if message.channels is not None and message.channels != channels:
            raise controls.ProtocolError(
                f"This recording has {channels} channel(s); resume must send the same."
            )
        options = LiveOptions(
            language=recording.language,
            sample_rate=message.sample_rate,
            diarize=bool(recording.options.get("diarize")),
            glossary=tuple(recording.options.get("glossary", [])),
            channels=channels,
        )
        engine = await self._engine_for(options)
        if engine is None:
            return
        segments = await database_sync_to_async(recording.segments.count)()
        plan = LiveSessionPlan(recording.pk, engine, options, recording.duration, segments)
        self._begin(plan)
        await self._send_event(protocol.resumed(recording.pk, segments, recording.duration))

    async def _engine_for(self, options: LiveOptions) -> LiveEngine | None:
        """The configured engine if it can record with these options; else says why."""
        try:
            return checked_engine(options)
        except controls.Refused as refusal:
            await self._refuse(refusal)
            return None

    async def _refuse(self, refusal: controls.Refused) -> None:
        await self._close_with_error(refusal.close_code, refusal.code, refusal.message)

    def _begin(self, plan: LiveSessionPlan) -> None:
        self.session = LiveSession(
            recording_id=plan.recording_id,
            engine=plan.engine,
            options=plan.options,
            send_event=self._send_event,
            on_failure=self._on_engine_failure,
            timeline_start=plan.timeline_start,
            first_index=plan.first_index,
        )
        self.session.start()

    async def _stop(self) -> None:
        if self.session is None:
            raise controls.ProtocolError("The stop message was sent before start.")
        if self.session.stopping:
            raise controls.ProtocolError("The stop message was sent twice.")
        recording = await self.session.stop()
        if recording is not None and not self.closed:
            await self._send_event(protocol.stopped(recording.pk, self.session.segments_saved))
            await self.close(code=1000)
            self.closed = True

    async def _on_engine_failure(self, exc: EngineError) -> None:
        await self._close_with_error(protocol.CLOSE_ENGINE_FAILED, exc.code, exc.message)

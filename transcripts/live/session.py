"""A live recording session: audio in from the browser, to an engine, segments saved and sent back.

The session is engine-agnostic. It owns the rules that keep every word:
- audio that arrives before the engine is connected waits in a queue, never dropped;
- every final segment is written to the database before the browser hears of it;
- stopping (or the browser vanishing) flushes the engine and waits, within a time
  limit, for its last words before the recording is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace

from django.conf import settings

from transcripts import protocol, services
from transcripts.engines.base import (
    EngineError,
    EngineEvent,
    FinalSegment,
    InterimText,
    LiveEngine,
    LiveOptions,
    LiveStream,
    StreamInfo,
)
from transcripts.jobs import refine
from transcripts.lease import lease_keeper
from transcripts.live import registry
from transcripts.live.apart import apart
from transcripts.live.inbox import AudioInbox
from transcripts.live.lag import LagNotice, lag_watch
from transcripts.live.publisher import TranscriptPublisher
from transcripts.live.replay import ReplayBuffer
from transcripts.live.spool import AudioSpool
from transcripts.live.viewers import viewers_desk
from transcripts.models import Recording
from transcripts.segments import shifted_final
from transcripts.timecode import clock

logger = logging.getLogger(__name__)

SendEvent = Callable[[protocol.ServerMessage], Awaitable[None]]
OnFailure = Callable[[EngineError], Awaitable[None]]

PAUSED_NOTE = (
    "Transcription is paused from {at}: the transcription service cannot be reached. Your "
    "audio is still being recorded; Parley keeps trying, and the full transcript can be made "
    "from the recording afterwards."
)

INTERNAL_ERROR = EngineError(
    "internal_error", "Parley hit an internal error; what was said so far is saved."
)


class LiveSession:
    """Relays one recording's audio to an engine and saves what it hears."""

    def __init__(
        self,
        *,
        recording_id: int,
        engine: LiveEngine,
        options: LiveOptions,
        send_event: SendEvent,
        on_failure: OnFailure,
        timeline_start: float = 0.0,
        first_index: int = 0,
    ) -> None:
        self.recording_id = recording_id
        self.recording: Recording | None = None
        self._engine = engine
        self._options = options
        self._send_event = send_event
        self._on_failure = on_failure
        # Time on the recording's timeline counts sample frames: a byte is 1/2 of a mono
        # frame, 1/4 of a stereo one.
        self._frame_bytes = 2 * options.channels
        self._inbox = AudioInbox(options.sample_rate, channels=options.channels)
        self.lag = LagNotice(recording_id)
        self._received_bytes = 0
        self._out = TranscriptPublisher(
            recording_id=recording_id, first_index=first_index, send_event=send_event
        )
        self._request_id = ""
        self._stopping = False
        self._interrupted = False
        self._finalize_deadline: asyncio.Timeout | None = None
        self._task: asyncio.Task[None] | None = None
        self._spool = AudioSpool(
            recording_id=recording_id,
            sample_rate=options.sample_rate,
            part=uuid.uuid4().hex[:8] if first_index else "",
            send_warning=send_event,
            channels=options.channels,
        )
        self._archive_task: asyncio.Task[None] | None = None
        self._replay = ReplayBuffer(
            sample_rate=options.sample_rate,
            timeline_start=timeline_start,
            channels=options.channels,
        )
        self._timeline_start = timeline_start
        self._connected_once = False
        self._stop_seen = False
        self._stop_deadline: float | None = None
        self._stream: LiveStream | None = None
        self._paused_note = ""

    @property
    def stopping(self) -> bool:
        """Whether stop has been asked for (no more audio is accepted)."""
        return self._stopping

    @property
    def channels(self) -> int:
        """1, or 2 for interleaved stereo (the microphone left, the shared audio right)."""
        return self._options.channels

    @property
    def segments_saved(self) -> int:
        """How many segments the recording has (an earlier session's counted)."""
        return self._out.segments_saved

    @property
    def duration(self) -> float:
        """Seconds of the recording's audio: any earlier session's, then this one's."""
        frames = self._received_bytes / self._frame_bytes
        return self._timeline_start + frames / self._options.sample_rate

    def start(self) -> None:
        """Connect to the engine in the background; audio may be fed at once."""
        name = f"live-session-{self.recording_id}"
        self._task = asyncio.create_task(self._run(), name=name)
        self._archive_task = asyncio.create_task(self._spool.run(), name=f"{name}-audio")
        lag_watch.watch(self)
        ended = registry.register(self, [self._task, self._archive_task])
        ended.add_done_callback(lambda _: lag_watch.forget(self))

    def feed(self, chunk: bytes) -> None:
        """Keep the audio, and queue it for the engine (held until the engine is connected)."""
        if self._stopping or self._task is None:
            return
        self._received_bytes += len(chunk)
        self._spool.add(chunk)
        if not self._task.done():
            self._inbox.put(chunk)

    async def stop(self, *, interrupted: bool = False) -> Recording | None:
        """Flush the engine, save its last words, close the recording; idempotent.

        The audio is encoded and stored after that, in the background (`ended`): a person
        who stops is not kept waiting for the encoder, which at the top of the hour has every
        meeting that ended before theirs to encode first.
        """
        if not self._stopping:
            self._stopping = True
            self._interrupted = interrupted
            self._inbox.close()
            self._spool.close()
        if self._task is not None:
            # Shielded: if the consumer is cancelled, the session still finishes.
            await asyncio.shield(self._task)
        return self.recording

    async def ended(self) -> None:
        """Once stopped, wait until the audio is stored as well."""
        if self._task is not None and self._archive_task is not None:
            await asyncio.shield(asyncio.gather(self._task, self._archive_task))

    @property
    def relaying(self) -> bool:
        """Whether the session still takes audio or saves words (not only storing audio)."""
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        engine_error = ""
        lease_keeper.hold(self.recording_id, self.lag.current)
        viewers_desk.follow(self.recording_id)
        try:
            await self._relay()
        except EngineError as exc:
            engine_error = exc.message
            if not self._paused_note:  # a pause note: stopped while the engine was away
                await self._fail(exc)
        except Exception:
            logger.exception("Live session %s failed", self.recording_id)
            engine_error = INTERNAL_ERROR.message
            await self._fail(INTERNAL_ERROR)
        finally:
            lease_keeper.release(self.recording_id, self.lag.current)
            self._spool.release()  # no replay will read it back now
        await self._finish(engine_error)
        await registry.close_connections_unless_shared(self.recording_id)

    async def _finish(self, engine_error: str) -> None:
        """Close the recording as what happened decides; then it may be refined."""
        self.recording = await self._close_recording(engine_error)
        viewers_desk.publish(
            self.recording_id, protocol.ended(self.recording_id, self.recording.status)
        )
        viewers_desk.unfollow(self.recording_id)

    @apart
    def _close_recording(self, engine_error: str) -> Recording:
        recording = services.recording_finish(
            recording_id=self.recording_id,
            duration=self.duration,
            interrupted=self._interrupted,
            engine_error=engine_error,
            paused_note=self._paused_note,
            upstream_request_id=self._request_id,
        )
        if recording.audio:  # else storing the audio, still to come, queues the refine
            refine.refine_if_due(recording_id=self.recording_id)
        return recording

    async def _relay(self) -> None:
        """Stream to the engine; when its stream breaks mid-recording, reconnect and replay."""
        failures = 0
        while True:
            try:
                await self._relay_once(reconnected=failures > 0)
                return
            except EngineError as exc:
                if not (exc.retryable and self._connected_once):
                    raise
                if self._past_stop_deadline():  # stopped, and the engine stayed away
                    self._paused_note = self._paused_note or self._paused_message()
                    raise
                failures += 1
                await self._on_stream_broken(exc, failures)
                await self._wait_to_retry(self._retry_delay(failures))

    def _past_stop_deadline(self) -> bool:
        loop = asyncio.get_running_loop()
        return self._stop_deadline is not None and loop.time() >= self._stop_deadline

    async def _wait_to_retry(self, seconds: float) -> None:
        """Back off; meanwhile keep the audio. After stop, retry until the finalize limit."""
        if not self._stop_seen:
            await self._hold_audio(seconds)
        if self._stop_seen:
            loop = asyncio.get_running_loop()
            if self._stop_deadline is None:
                self._stop_deadline = loop.time() + settings.LIVE_FINALIZE_TIMEOUT
            await asyncio.sleep(max(0.0, min(seconds, self._stop_deadline - loop.time())))

    async def _relay_once(self, *, reconnected: bool) -> None:
        replay = self._replay.begin_stream()
        async with self._engine.connect(self._options) as stream:
            self._stream = stream
            self._connected_once = True
            if reconnected:
                self._paused_note = ""
                await self._send_event(protocol.reconnected())
            deadline = asyncio.timeout(None)
            self._finalize_deadline = deadline
            try:
                async with deadline, asyncio.TaskGroup() as group:
                    group.create_task(self._pump(stream, replay))
                    group.create_task(self._listen(stream))
            except TimeoutError:
                if not deadline.expired():
                    raise
                logger.warning(
                    "Engine did not close recording %s within %.1f s of stop",
                    self.recording_id,
                    settings.LIVE_FINALIZE_TIMEOUT,
                )
            except ExceptionGroup as group_error:
                engine_errors = group_error.subgroup(EngineError)
                if engine_errors is not None:
                    raise first_leaf(engine_errors) from group_error
                raise
            finally:
                self._stream = None

    def flush(self) -> None:
        """The speaker paused: the engine finalises what it heard, after the audio before."""
        if not self._stopping and self._task is not None and not self._task.done():
            self._inbox.flush()

    async def _on_stream_broken(self, exc: EngineError, failures: int) -> None:
        logger.warning(
            "Live session %s: engine stream broke (%s), attempt %d to reconnect",
            self.recording_id,
            exc.code,
            failures,
        )
        if failures < settings.LIVE_RECONNECT_ATTEMPTS_BEFORE_PAUSE:
            await self._send_event(protocol.reconnecting(failures, exc.message))
        elif failures == settings.LIVE_RECONNECT_ATTEMPTS_BEFORE_PAUSE:
            self._paused_note = self._paused_message()
            await self._send_event(protocol.transcription_paused(self._paused_note))

    def _paused_message(self) -> str:
        return PAUSED_NOTE.format(at=clock(self._replay.stream_offset()))

    @staticmethod
    def _retry_delay(failures: int) -> float:
        first, largest = settings.LIVE_RECONNECT_FIRST_DELAY, settings.LIVE_RECONNECT_MAX_DELAY
        return min(largest, first * 2 ** (failures - 1))

    async def _hold_audio(self, seconds: float) -> None:
        """Keep audio for the next stream while waiting to reconnect; stop ends the wait."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while not self._stop_seen:
                    batch = await self._inbox.next_batch()
                    self._stop_seen = batch.stop
                    self._replay.remember(len(batch.audio))

    async def _pump(self, stream: LiveStream, replay: tuple[int, int]) -> None:
        try:
            await self._send_until_stopped(stream, replay)
        except EngineError:
            # The engine has closed the stream. Its last results may still be buffered:
            # the listener reads and saves them, then reports the close itself.
            return
        if self._finalize_deadline is not None:
            loop = asyncio.get_running_loop()
            self._finalize_deadline.reschedule(loop.time() + settings.LIVE_FINALIZE_TIMEOUT)

    async def _send_until_stopped(self, stream: LiveStream, replay: tuple[int, int]) -> None:
        async for chunk in self._spool.read(*replay):  # what the last stream did not finalise
            await stream.send_audio(chunk)
        while not self._stop_seen:
            batch = await self._inbox.next_batch()
            self._stop_seen = batch.stop
            if batch.audio:
                self._replay.remember(len(batch.audio))
                await stream.send_audio(batch.audio)
            if batch.flush:
                await stream.flush()
        await stream.finish()

    async def check_lag(self, loop_lag: float) -> None:
        """Tell the page when transcription falls behind the speaker, and when it catches up."""
        notice = self.lag.update(loop_lag + self._inbox.queued_seconds())
        if notice is not None:
            await self._send_event(notice)

    async def _listen(self, stream: LiveStream) -> None:
        async for event in stream.events():
            await self._handle(event)
        if not self._stopping:
            raise EngineError(
                "engine_closed",
                "The transcription service ended the session unexpectedly.",
                retryable=True,
            )

    async def _handle(self, event: EngineEvent) -> None:
        if isinstance(event, FinalSegment):
            final = shifted_final(event, self._replay.stream_offset())
            if self._replay.already_saved(final.end, final.channel):
                return  # replayed audio of a channel that had been finalised further
            await self._out.save_final(final)
            self._replay.confirm(final.end, final.channel)
        elif isinstance(event, InterimText):
            offset = self._replay.stream_offset()
            shifted = replace(event, start=event.start + offset, end=event.end + offset)
            await self._out.show_interim(shifted)
        elif isinstance(event, StreamInfo):
            self._request_id = event.request_id

    async def _fail(self, exc: EngineError) -> None:
        logger.warning("Live session %s: %s (%s)", self.recording_id, exc.message, exc.code)
        await self._on_failure(exc)


def first_leaf(group: BaseExceptionGroup[EngineError]) -> EngineError:
    """The first EngineError in a (possibly nested) exception group."""
    first = group.exceptions[0]
    return first_leaf(first) if isinstance(first, BaseExceptionGroup) else first

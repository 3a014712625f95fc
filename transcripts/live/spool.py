"""A live recording's audio on its way to storage: spooled to disk as it arrives, then stored.

The session hands PCM to an AudioSpool frame by frame; every half second a batch is
appended to the recording's WAV spool (live/archive.py) by the process's disk writer, a
thread of its own that takes every session's batches a few times a second, so a slow disk
never stalls the event loop and a crash loses under a second. When the session ends the
spool is encoded to Ogg/Opus by the process's encoder — a separate, low-priority process,
so no meeting still running pays for it — and stored beside the recording's earlier audio
(`recording_add_audio`), which is also how recovery stores the spool of a session whose
process died.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import itertools
import logging
import multiprocessing
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models.fields.files import FieldFile

from transcripts import protocol, realtime, services
from transcripts.jobs import refine
from transcripts.live import archive
from transcripts.live.apart import run_apart
from transcripts.live.writeback import start_writeback
from transcripts.models import Recording, TranscriptionJob
from transcripts.storage import delete_stored, store_file

logger = logging.getLogger(__name__)

# PCM is appended to the spool in batches of about this length: what a crash can lose, and
# what a session holds in memory.
ARCHIVE_BATCH_SECONDS = 0.5
# The disk writer takes the batches of every session at least this often: with the batch,
# what a crash can lose.
HANDOFF_SECONDS = 0.25
# A replay (live/replay.py) reads the spool back in pieces of this size.
REPLAY_READ_BYTES = 64 * 1024
# Once this much more of a spool is written, its writeback starts (live/writeback.py): 4 s of
# 16 kHz audio. The disk then takes every meeting's audio steadily, a little at a time.
WRITEBACK_AFTER_BYTES = 128 * 1024
ENCODER_NICENESS = 10

ARCHIVE_FAILED = (
    "Parley could not keep this recording's audio (see the server log); "
    "the transcript is still being saved."
)

SendWarning = Callable[[protocol.Problem], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SpoolOpening:
    """A new spool for the disk writer to create (its WAV header written)."""

    path: Path
    sample_rate: int
    channels: int


# For the disk writer, a spool's number and: a spool to create, or PCM to append to it; or
# (neither) a future to settle once what came before is written, closing the spool if asked.
Errand = tuple[int, SpoolOpening | bytes | None, concurrent.futures.Future[None] | None, bool]


class DiskWriter:
    """The process's thread that creates spools and appends audio to them, in the order
    it was given: the event loop that serves every session makes no system call for them.

    The event loop hands it what the sessions appended every HANDOFF_SECONDS at once, not
    errand by errand: at 300 sessions that wakes the thread four times a second instead of
    600, each wake-up taking the interpreter from the loop that serves every session. A
    spool is known by a number given when it is opened (`open`).
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[list[Errand]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._waiting: list[Errand] = []
        self._handoff: asyncio.TimerHandle | None = None
        self._handoff_loop: asyncio.AbstractEventLoop | None = None
        self._numbers = itertools.count()

    def open(self, path: Path, sample_rate: int, channels: int) -> int:
        """A new spool at `path`, created within HANDOFF_SECONDS; its number. Never blocks:
        a spool that cannot be created fails the future of its first `written`."""
        spool = next(self._numbers)
        self._hand_over((spool, SpoolOpening(path, sample_rate, channels), None, False))
        return spool

    def append(self, spool: int, pcm: bytes) -> None:
        """Write `pcm` at the end of the spool within HANDOFF_SECONDS; never blocks."""
        self._hand_over((spool, pcm, None, False))

    def written(self, spool: int, *, close: bool = False) -> concurrent.futures.Future[None]:
        """Done (or failed) once what was appended to the spool so far is on disk; the spool
        is closed then if asked."""
        done: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._waiting.append((spool, None, done, close))
        self._hand_off()
        return done

    def _hand_over(self, errand: Errand) -> None:
        self._waiting.append(errand)
        loop = asyncio.get_running_loop()
        if self._handoff is None or self._handoff_loop is not loop:  # (a test's new loop)
            self._handoff = loop.call_later(HANDOFF_SECONDS, self._hand_off)
            self._handoff_loop = loop

    def _hand_off(self) -> None:
        if self._handoff is not None:
            self._handoff.cancel()
            self._handoff = None
        if self._waiting:
            self._start()
            self._queue.put(self._waiting)
            self._waiting = []

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="spool-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        spools = SpoolsWritten()
        while True:
            for errand in self._queue.get():
                _carry_out(errand, spools)


class SpoolsWritten:
    """What the disk writer knows of the spools it writes, by number: the file descriptor
    of each, how much of each it has written since its writeback last started, and the error
    of each whose disk failed."""

    def __init__(self) -> None:
        self.fds: dict[int, int] = {}
        self.unstarted: dict[int, int] = {}
        self.failed: dict[int, OSError] = {}

    def open(self, spool: int, opening: SpoolOpening) -> None:
        """Create the spool, its header written; one that cannot be created is failed."""
        try:
            fd = archive.open_spool(opening.path, opening.sample_rate, opening.channels)
        except OSError as exc:
            logger.error("Could not create the audio spool %s: %s", opening.path, exc)
            self.failed[spool] = exc
            return
        self.fds[spool] = fd

    def append(self, spool: int, pcm: bytes) -> None:
        """Append to the spool; start its writeback once enough has gathered."""
        fd = self.fds[spool]
        os.write(fd, pcm)
        unstarted = self.unstarted.get(spool, 0) + len(pcm)
        if unstarted >= WRITEBACK_AFTER_BYTES:
            start_writeback(fd)
            unstarted = 0
        self.unstarted[spool] = unstarted

    def close(self, spool: int) -> None:
        """Close the spool (what is left of it is written back at the kernel's pace)."""
        self.unstarted.pop(spool, None)
        fd = self.fds.pop(spool, None)
        if fd is not None:  # (None: it could not be created)
            os.close(fd)


def _carry_out(errand: Errand, spools: SpoolsWritten) -> None:
    """Create a spool, append PCM to one, or settle its future (closing it if asked); a
    spool whose disk failed keeps the error for the future that follows."""
    spool, work, done, close = errand
    failed = spools.failed
    try:
        if isinstance(work, SpoolOpening):
            spools.open(spool, work)
        elif work is not None and spool not in failed:
            spools.append(spool, work)
        elif done is not None:
            if close:
                spools.close(spool)
            _settle(done, failed.pop(spool, None) if close else failed.get(spool))
    except OSError as exc:  # a full or failing disk: said when the spool closes
        failed[spool] = exc
        if done is not None:
            _settle(done, exc)


def _settle(done: concurrent.futures.Future[None], error: OSError | None) -> None:
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


disk_writer = DiskWriter()
_encoders: concurrent.futures.ProcessPoolExecutor | None = None


def encoder() -> concurrent.futures.ProcessPoolExecutor:
    """The process's Ogg/Opus encoder: one low-priority process, started when first needed."""
    global _encoders
    if _encoders is None:
        _encoders = concurrent.futures.ProcessPoolExecutor(
            max_workers=settings.LIVE_ARCHIVE_ENCODERS,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=os.nice,
            initargs=(ENCODER_NICENESS,),
        )
    return _encoders


def _stop_encoder() -> None:
    """At exit, before concurrent.futures' own clean-up: wait for encodes in flight."""
    if _encoders is not None:
        _encoders.shutdown(wait=True)


atexit.register(_stop_encoder)


async def encoded(wav: Path) -> Path:
    """The spool encoded to Ogg/Opus by the encoder process (on a thread if it broke)."""
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(encoder(), archive.encode_spool, wav)
    except concurrent.futures.BrokenExecutor:
        logger.warning("The archive encoder stopped; encoding on a thread instead")
        global _encoders
        _encoders = None
        return await asyncio.to_thread(archive.encode_spool, wav)


class AudioSpool:
    """One session's audio: spooled raw while it runs, encoded and stored when it ends."""

    def __init__(
        self,
        *,
        recording_id: int,
        sample_rate: int,
        part: str,
        send_warning: SendWarning,
        channels: int = 1,
    ) -> None:
        self._recording_id = recording_id
        # A resumed recording spools its next part beside the first; joined when stored.
        self._path = archive.spool_path(recording_id, part)
        self._send_warning = send_warning
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        # Frames arrive as received: PCM16, interleaved when there are two channels.
        self._batch_bytes = int(2 * channels * sample_rate * ARCHIVE_BATCH_SECONDS)
        self._released = asyncio.get_running_loop().create_future()
        self._spool = disk_writer.open(self._path, sample_rate, channels)

    def add(self, chunk: bytes) -> None:
        """Keep a frame of PCM; about half a second's worth goes to the disk writer at once."""
        self._pending.append(chunk)
        self._pending_bytes += len(chunk)
        if self._pending_bytes >= self._batch_bytes:
            self._flush()

    def close(self) -> None:
        """No more audio: what is pending goes to disk."""
        self._flush()

    def release(self) -> None:
        """The engine will not read the audio back again: the spool can be stored."""
        self.close()
        if not self._released.done():
            self._released.set_result(None)

    async def read(self, start: int, end: int) -> AsyncIterator[bytes]:
        """The session's audio from byte `start` to `end`, read back from the spool."""
        if start >= end:
            return
        self._flush()
        try:
            await asyncio.wrap_future(disk_writer.written(self._spool))
        except OSError:
            logger.exception("Recording %s: its spool cannot be read back", self._recording_id)
            return
        for offset in range(start, end, REPLAY_READ_BYTES):
            size = min(REPLAY_READ_BYTES, end - offset)
            yield await asyncio.to_thread(archive.read_spool, self._path, offset, size)

    def _flush(self) -> None:
        if self._pending:
            disk_writer.append(self._spool, b"".join(self._pending))
            self._pending, self._pending_bytes = [], 0

    async def run(self) -> None:
        """Wait until the session no longer needs the spool; then encode it and store it."""
        await self._released
        try:
            await asyncio.wrap_future(disk_writer.written(self._spool, close=True))
            ogg = await encoded(self._path)
            await run_apart(
                partial(recording_add_audio, recording_id=self._recording_id, spool=ogg),
                awaited=False,  # the browser has its `stopped`
            )
        except Exception:
            logger.exception("Could not keep the audio of recording %s", self._recording_id)
            await self._send_warning(protocol.warning("audio_not_kept", ARCHIVE_FAILED))


def recording_add_audio(*, recording_id: int, spool: Path) -> Recording:
    """Store a session's spooled audio; after an earlier part, the two become one file.

    A completed recording whose audio is now stored is due its refined transcript; audio
    that changed restarts a refine job already waiting on the old file. The owner's open
    pages hear that the audio is ready (`audio_ready`, in the refine job's event when one is
    queued). Returns the recording as it is now.
    """
    with transaction.atomic():
        recording = Recording.objects.select_for_update().get(pk=recording_id)
        if not recording.audio:  # most meetings: one part, stored in one transaction
            services.recording_attach_audio(recording=recording, name=store_file(spool, "ogg"))
            _announce(recording, refine.refine_locked_if_due(recording))
            return recording
    previous = recording.audio.name
    services.recording_attach_audio(recording=recording, name=_joined_with(recording.audio, spool))
    delete_stored(previous)
    job = refine.refine_if_due(recording_id=recording_id, audio_changed=True)
    recording = Recording.objects.get(pk=recording_id)
    _announce(recording, job)
    return recording


def _announce(recording: Recording, refine_job: TranscriptionJob | None) -> None:
    """Tell the owner's pages the audio is stored, unless the refine job's event did."""
    if refine_job is None:
        event = protocol.status_event(recording, 0)
        realtime.publish_job_state(owner_id=recording.owner_id, event=event)


def _joined_with(previous: FieldFile, spool: Path) -> str:
    """Store the earlier audio and the spool joined into one file; its stored name.

    A part without audio (a session that ended before any arrived) is left out.
    """
    folder = Path(settings.LIVE_AUDIO_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        earlier = Path(scratch) / "earlier.ogg"
        with previous.open("rb") as stored, earlier.open("wb") as copy:
            shutil.copyfileobj(stored, copy)
        parts = [part for part in (earlier, spool) if archive.ogg_duration(part) > 0]
        if len(parts) == 2:
            joined = Path(scratch) / "joined.ogg"
            archive.join_ogg(parts, joined)
            name = store_file(joined, "ogg")
        else:
            name = store_file(parts[0] if parts else spool, "ogg")
    spool.unlink(missing_ok=True)
    return name

"""A live recording's audio on its way to storage: spooled to disk as it arrives, then stored.

The session hands PCM to an AudioSpool frame by frame; about once a second a batch is
compressed to the recording's spool file (live/archive.py) on a thread, so after a crash the
file on disk is playable up to the last second or so. When the session ends the spool moves
into storage beside the recording's earlier audio (`recording_add_audio`), which is also how
recovery stores the spool of a session whose process died.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models.fields.files import FieldFile

from transcripts import protocol, services
from transcripts.jobs import refine
from transcripts.live import archive
from transcripts.models import Recording
from transcripts.storage import delete_stored, store_file

logger = logging.getLogger(__name__)

# Audio is handed to the archive's encoder (on a thread) in batches of about this length.
ARCHIVE_BATCH_SECONDS = 1.0

ARCHIVE_FAILED = (
    "Parley could not keep this recording's audio (see the server log); "
    "the transcript is still being saved."
)

SendWarning = Callable[[protocol.Problem], Awaitable[None]]


class AudioSpool:
    """Compresses one session's audio to its spool file, then stores it with the recording."""

    def __init__(
        self, *, recording_id: int, sample_rate: int, part: str, send_warning: SendWarning
    ) -> None:
        self._recording_id = recording_id
        self._sample_rate = sample_rate
        # A resumed recording spools its next part beside the first; joined when stored.
        self._path = archive.spool_path(recording_id, part)
        self._send_warning = send_warning
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._pending = bytearray()
        self._batch_bytes = int(2 * sample_rate * ARCHIVE_BATCH_SECONDS)
        self._failed = False

    def add(self, chunk: bytes) -> None:
        """Keep a frame of PCM; a full batch goes to the encoder."""
        if self._failed:
            return
        self._pending += chunk
        if len(self._pending) >= self._batch_bytes:
            self._queue.put_nowait(bytes(self._pending))
            self._pending.clear()

    def close(self) -> None:
        """No more audio: encode what is pending, finish the file and store it."""
        self._queue.put_nowait(bytes(self._pending))
        self._pending.clear()
        self._queue.put_nowait(None)

    async def run(self) -> None:
        """Compress the audio to the spool file as it comes, then move it into storage."""
        try:
            writer = await asyncio.to_thread(archive.OggOpusWriter, self._path, self._sample_rate)
            while (batch := await self._queue.get()) is not None:
                if batch:
                    await asyncio.to_thread(writer.write, batch)
            await asyncio.to_thread(writer.close)
            await database_sync_to_async(recording_add_audio)(
                recording_id=self._recording_id, spool=self._path
            )
        except Exception:
            logger.exception("Could not keep the audio of recording %s", self._recording_id)
            self._failed = True
            await self._send_warning(protocol.warning("audio_not_kept", ARCHIVE_FAILED))


def recording_add_audio(*, recording_id: int, spool: Path) -> None:
    """Store a session's spooled audio; after an earlier part, the two become one file.

    A completed recording whose audio is now stored is due its refined transcript; audio
    that changed restarts a refine job already waiting on the old file.
    """
    previous = Recording.objects.get(pk=recording_id).audio
    name = _joined_with(previous, spool) if previous else store_file(spool, "ogg")
    services.recording_attach_audio(recording_id=recording_id, name=name)
    if previous:
        delete_stored(previous.name)
    refine.refine_if_due(recording_id=recording_id, audio_changed=True)


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

"""Live recordings' audio and lapsed sessions: joining resumed parts, recovering after a crash.

A live session renews its recording's lease (`Recording.live_until`) while it runs. If the
server process dies, the lease lapses: the worker's janitor (and `./parley start`) then
marks the recording interrupted, moves the audio spooled on this machine into storage and
sets the duration from it, so the recording is intact and can be resumed.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from transcripts import archive, services
from transcripts.models import Recording
from transcripts.storage import delete_stored, store_file

logger = logging.getLogger(__name__)

INTERRUPTED_BY_RESTART = (
    "The server stopped during this recording. Everything said until then is saved; "
    "open the record page to continue it, or re-transcribe it from its audio."
)


def recording_add_audio(*, recording_id: int, spool: Path) -> None:
    """Store a session's spooled audio; after an earlier part, the two become one file."""
    previous = Recording.objects.get(pk=recording_id).audio
    if not previous:
        services.recording_attach_audio(recording_id=recording_id, name=store_file(spool, "ogg"))
        return
    folder = Path(settings.LIVE_AUDIO_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        earlier = Path(scratch) / "earlier.ogg"
        with previous.open("rb") as stored, earlier.open("wb") as copy:
            shutil.copyfileobj(stored, copy)
        joined = Path(scratch) / "joined.ogg"
        archive.join_ogg([earlier, spool], joined)
        name = store_file(joined, "ogg")
    spool.unlink(missing_ok=True)
    services.recording_attach_audio(recording_id=recording_id, name=name)
    delete_stored(previous.name)


def lapsed_recordings() -> list[int]:
    """Live recordings whose session stopped renewing its lease."""
    now = timezone.now()
    unrenewed = Q(live_until__isnull=True, started_at__lt=now - lease())
    lapsed = Q(live_until__lt=now) | unrenewed
    return list(
        Recording.objects.filter(lapsed, status=Recording.Status.LIVE).values_list("pk", flat=True)
    )


def _lapsed(recording: Recording) -> bool:
    now = timezone.now()
    if recording.live_until is None:
        return recording.started_at < now - lease()
    return recording.live_until < now


def lease() -> timedelta:
    """How long a live session's lease lasts without renewal."""
    return timedelta(seconds=settings.LIVE_LEASE_SECONDS)


def recordings_recover() -> int:
    """Mark every lapsed live recording interrupted, with its audio; how many there were."""
    recovered = 0
    for recording_id in lapsed_recordings():
        recovered += recording_recover(recording_id=recording_id)
    return recovered


def recording_recover(*, recording_id: int) -> bool:
    """Close one lapsed recording as interrupted and store its audio; False if not lapsed."""
    if not _claim_lapsed(recording_id):
        return False
    # Earlier, finished sessions left `duration` at their audio's length; the crashed
    # session's audio is what its spool holds.
    spooled = 0.0
    for spool in archive.spools_of(recording_id):
        seconds = archive.ogg_duration(spool)
        if seconds > 0:
            recording_add_audio(recording_id=recording_id, spool=spool)
            spooled += seconds
        else:
            spool.unlink(missing_ok=True)
    if spooled:
        Recording.objects.filter(pk=recording_id).update(duration=F("duration") + spooled)
    logger.warning("Recording %s was left live by a stopped server: interrupted", recording_id)
    return True


@transaction.atomic
def _claim_lapsed(recording_id: int) -> bool:
    recording = Recording.objects.select_for_update().get(pk=recording_id)
    if recording.status != Recording.Status.LIVE or not _lapsed(recording):
        return False
    recording.status = Recording.Status.INTERRUPTED
    recording.error = INTERRUPTED_BY_RESTART
    recording.ended_at = timezone.now()
    recording.live_until = None
    recording.save(update_fields=["status", "error", "ended_at", "live_until"])
    return True

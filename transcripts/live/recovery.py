"""Recovering live recordings after a crash: a lapsed lease means the session's process died.

The worker's janitor (and a resume) finds live recordings whose lease lapsed
(live/lease.py), marks them interrupted, moves the audio spooled on this machine into
storage and adds its length to the duration, so the recording is intact and can be resumed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from transcripts import lease, services
from transcripts.live import archive, spool

logger = logging.getLogger(__name__)


def recordings_recover() -> int:
    """Mark every lapsed live recording interrupted, with its audio; how many there were."""
    recovered = 0
    for recording_id in lease.lapsed_recordings():
        recovered += recording_recover(recording_id=recording_id)
    return recovered


def recording_recover(*, recording_id: int) -> bool:
    """Close one lapsed recording as interrupted and store its audio; False if not lapsed."""
    if not services.recording_interrupt_lapsed(recording_id=recording_id):
        return False
    # Earlier, finished sessions left `duration` at their audio's length; the crashed
    # session's audio is what its spool holds.
    spooled = 0.0
    for found in archive.spools_of(recording_id):
        path, seconds = _encoded(found)
        if seconds > 0:
            spool.recording_add_audio(recording_id=recording_id, spool=path)
            spooled += seconds
        else:
            path.unlink(missing_ok=True)
    if spooled:
        services.recording_extend_duration(recording_id=recording_id, seconds=spooled)
    logger.warning("Recording %s was left live by a stopped server: interrupted", recording_id)
    return True


def _encoded(found: Path) -> tuple[Path, float]:
    """A crashed session's spool as Ogg/Opus, and how much audio it holds.

    A raw WAV spool's length is exact (every second written is there); it is encoded here.
    """
    if found.suffix != ".wav":
        return found, archive.ogg_duration(found)
    seconds = archive.wav_seconds(found)
    return archive.encode_spool(found), seconds

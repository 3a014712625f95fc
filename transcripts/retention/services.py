"""Deleting what retention says has expired, and legal holds that stop it.

The sweep deletes expired audio first, then expired recordings whole, one recording per
transaction: each is locked, checked again (a hold set meanwhile, another worker that got
there first) and written to the audit log with no actor. Running it twice deletes nothing
twice; the worker runs it once a day (`retention_sweep_daily`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet

from audit.models import AuditEntry
from audit.services import audit_record
from transcripts.models import Recording
from transcripts.retention.selectors import expired_audio, expired_transcripts, retention_policy
from transcripts.services import recording_delete
from transcripts.storage import delete_stored

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

logger = logging.getLogger(__name__)

# The daily sweep's mark in the database cache, one per UTC day; kept past the day's end.
DAILY_KEY = "parley:retention-sweep:{day}"
DAILY_MARK_SECONDS = 2 * 24 * 3600


@dataclass(slots=True)
class SweepResult:
    """What a sweep deleted: (recording id, title, why) for audio and for whole recordings."""

    audio: list[tuple[int, str, str]] = field(default_factory=list)
    transcripts: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def counts(self) -> tuple[int, int]:
        """How many audio files and how many recordings were deleted."""
        return len(self.audio), len(self.transcripts)


def _locked(recording_id: int) -> Recording | None:
    """The recording, locked for this transaction; None if gone or another worker holds it."""
    recordings = Recording.objects.select_related("team").filter(pk=recording_id)
    if connection.features.has_select_for_update_skip_locked:
        recordings = recordings.select_for_update(skip_locked=True, of=("self",))
    return recordings.first()


def _still(expired: QuerySet[Recording], recording_id: int) -> bool:
    """Whether the recording, now locked, is still expired (no hold set, not done already)."""
    return expired.filter(pk=recording_id).exists()


@transaction.atomic
def audio_expire(*, recording_id: int, now: datetime) -> str | None:
    """Delete one recording's expired audio; why, or None if it is not (or no longer) due."""
    recording = _locked(recording_id)
    if recording is None or not _still(expired_audio(now=now), recording_id):
        return None
    rule = retention_policy(recording=recording).audio
    why = f"audio kept {rule.kept}, {rule.whose}"
    name = recording.audio.name
    recording.audio = ""
    recording.audio_deleted_at = now
    recording.save(update_fields=["audio", "audio_deleted_at"])
    audit_record(
        action=AuditEntry.Action.AUDIO_EXPIRED, actor=None, recording=recording, detail=why
    )
    # The file goes once the row says it is gone: a rollback leaves both in place. A storage
    # error is logged and the sweep goes on to the next recording.
    transaction.on_commit(partial(delete_stored, name), robust=True)
    return why


@transaction.atomic
def transcript_expire(*, recording_id: int, now: datetime) -> str | None:
    """Delete one expired recording whole; why, or None if it is not (or no longer) due."""
    recording = _locked(recording_id)
    if recording is None or not _still(expired_transcripts(now=now), recording_id):
        return None
    rule = retention_policy(recording=recording).transcript
    why = f"transcript kept {rule.kept}, {rule.whose}"
    audit_record(
        action=AuditEntry.Action.TRANSCRIPT_EXPIRED, actor=None, recording=recording, detail=why
    )
    # The one deletion path: webhooks hear of it, search and live viewers follow.
    recording_delete(recording=recording)
    return why


def retention_sweep(*, now: datetime) -> SweepResult:
    """Delete all expired audio, then all expired recordings, as of `now`."""
    result = SweepResult()
    for recording_id, title in expired_audio(now=now).values_list("pk", "title"):
        why = audio_expire(recording_id=recording_id, now=now)
        if why is not None:
            result.audio.append((recording_id, title, why))
    for recording_id, title in expired_transcripts(now=now).values_list("pk", "title"):
        why = transcript_expire(recording_id=recording_id, now=now)
        if why is not None:
            result.transcripts.append((recording_id, title, why))
    if result.audio or result.transcripts:
        logger.info(
            "Retention deleted the audio of %d recording(s) and %d recording(s) whole",
            *result.counts,
        )
    return result


def retention_sweep_daily(*, now: datetime) -> SweepResult | None:
    """The sweep, at most once per UTC day across all workers and restarts; None if done."""
    key = DAILY_KEY.format(day=now.astimezone(UTC).date().isoformat())
    # The database cache's add() is an insert that only one process wins.
    if not cache.add(key, now.isoformat(), timeout=DAILY_MARK_SECONDS):
        return None
    try:
        return retention_sweep(now=now)
    except Exception:
        cache.delete(key)  # let the next round try again rather than wait a day
        raise


@transaction.atomic
def recording_set_hold(
    *,
    recording: Recording,
    held: bool,
    by: AbstractBaseUser | AnonymousUser | None,
    ip: str | None = None,
) -> Recording:
    """Set or lift a recording's legal hold (retention never deletes a held one); audited."""
    locked = Recording.objects.select_for_update().get(pk=recording.pk)
    if locked.legal_hold == held:
        recording.legal_hold = held
        return recording
    locked.legal_hold = held
    locked.save(update_fields=["legal_hold"])
    recording.legal_hold = held
    action = AuditEntry.Action.HOLD_SET if held else AuditEntry.Action.HOLD_LIFTED
    audit_record(action=action, actor=by, recording=recording, ip=ip)
    return recording

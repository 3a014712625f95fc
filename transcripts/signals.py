"""What happens to recordings, told to the rest of Parley (webhooks listen), once committed.

Each signal is sent with `recording_id`; `recording_deleted` also carries what the recording
was (`representation`, from transcripts/representation.py) and who could read it
(`owner_id`, `team_ids`), captured before it went. Send them with `send_on_commit`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from transcripts.models import Recording, RecordingShare
from transcripts.representation import recording_json

recording_started = Signal()
recording_completed = Signal()
recording_refined = Signal()
transcription_completed = Signal()
transcription_failed = Signal()
recording_deleted = Signal()


def send_on_commit(signal: Signal, **kwargs: Any) -> None:
    """Send `signal` once the transaction commits; a failing receiver is logged, not raised."""
    transaction.on_commit(partial(signal.send_robust, sender=Recording, **kwargs), robust=True)


def deleted_on_commit(recording: Recording) -> None:
    """Capture a recording about to be deleted; send `recording_deleted` once it is gone."""
    shared = RecordingShare.objects.filter(recording=recording, team__isnull=False)
    send_on_commit(
        recording_deleted,
        recording_id=recording.pk,
        representation=recording_json(recording),
        owner_id=recording.owner_id,
        team_ids=sorted({*shared.values_list("team_id", flat=True)}),
    )


def finished_on_commit(recording: Recording) -> None:
    """A live recording ended: completed or failed (an interrupted one may go on)."""
    ended = {
        Recording.Status.COMPLETED: recording_completed,
        Recording.Status.FAILED: transcription_failed,
    }.get(Recording.Status(recording.status))
    if ended is not None:
        send_on_commit(ended, recording_id=recording.pk)


def transcribed_on_commit(recording: Recording) -> None:
    """An upload's transcription ended: completed or failed (other states are on the way)."""
    ended = {
        Recording.Status.COMPLETED: transcription_completed,
        Recording.Status.FAILED: transcription_failed,
    }.get(Recording.Status(recording.status))
    if ended is not None:
        send_on_commit(ended, recording_id=recording.pk)


# Sent by the worker's janitor at each sweep (every half job lease): apps above transcripts
# do their own housekeeping there.
worker_sweep = Signal()

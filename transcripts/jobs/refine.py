"""The refined transcript: when a live recording's stored audio is transcribed again.

A live transcript is a draft: the live engine hears each stretch once, without what
follows, and tells speakers apart poorly. Once a live recording has ended completed *and*
its audio is in storage, a refine job (a TranscriptionJob of kind "refine", run by the
same worker, leases and retries as uploads: jobs/services.py) sends the audio to the
file engine with speakers on. Its result replaces the draft (jobs/merge.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from transcripts import selectors
from transcripts.errors import ApplicationError
from transcripts.jobs.services import ACTIVE, job_create, job_restart
from transcripts.models import Recording, TranscriptionJob


def refine_if_due(*, recording_id: int, audio_changed: bool = False) -> TranscriptionJob | None:
    """Queue the refine job once a live recording has both ended completed and its audio.

    Called by the live session after the recording is finished and after its audio is
    stored (live/session.py, live/spool.py), which can come in either order: whichever is
    second finds everything in place. The row lock makes them take turns,
    and each completed session is refined once. When the audio changes (a resumed recording's
    parts joined into one file) a refine job already waiting or running starts over on it.
    """
    active = TranscriptionJob.objects.filter(
        recording_id=recording_id, kind=TranscriptionJob.Kind.REFINE, status__in=ACTIVE
    ).first()
    if active is not None:
        # Not under the recording's lock: the job services lock the job row first.
        return job_restart(job_id=active.pk) if audio_changed else None
    with transaction.atomic():
        recording = Recording.objects.select_for_update().get(pk=recording_id)
        return refine_locked_if_due(recording)


def refine_locked_if_due(recording: Recording) -> TranscriptionJob | None:
    """`refine_if_due` for a recording the caller's transaction has locked, with no refine
    job on earlier audio to restart (its first audio has just been stored)."""
    if not _refine_due(recording):
        return None
    return job_create(recording=recording, kind=TranscriptionJob.Kind.REFINE)


def _refine_due(recording: Recording) -> bool:
    ended = recording.status == Recording.Status.COMPLETED and recording.ended_at is not None
    return (
        settings.REFINE_AFTER_RECORDING
        and recording.refine
        and recording.source == Recording.Source.LIVE
        and ended
        and bool(recording.audio)
        # Once per completed session: a resumed recording that ends again is refined again.
        and not recording.jobs.filter(
            kind=TranscriptionJob.Kind.REFINE, created_at__gte=recording.ended_at
        ).exists()
    )


@transaction.atomic
def refine_queue(*, recording: Recording) -> TranscriptionJob:
    """Transcribe a live recording again from its stored audio (an interrupted one's button)."""
    recording = Recording.objects.select_for_update().get(pk=recording.pk)
    busy = recording.jobs.filter(status__in=ACTIVE).exists()
    refusal = selectors.refine_refusal(recording=recording, busy=busy)
    if refusal:
        raise ApplicationError(refusal)
    return job_create(recording=recording, kind=TranscriptionJob.Kind.REFINE)

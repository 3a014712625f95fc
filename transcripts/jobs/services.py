"""Writes to transcription jobs: claim, renew, finish, retry, fail, cancel, recover.

Every attempt at a job carries a token. Only the holder of the current token may
finish it, so a worker that was cancelled, or presumed dead and replaced, cannot write
a transcript twice. An upload's recording mirrors its job's state (queued, transcribing,
...); a live recording being refined keeps its own (jobs/refine.py, jobs/merge.py).
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.formats import time_format
from django_tasks_db.models import DBTaskResult

from transcripts import protocol, realtime, services
from transcripts.engines.base import EngineError, FileOptions, FileTranscript
from transcripts.errors import ApplicationError
from transcripts.history.record import version_write
from transcripts.jobs.merge import refine_apply
from transcripts.jobs.tasks import transcribe_job
from transcripts.media import ACCEPTED_DESCRIPTION, FORMATS_BY_NAME
from transcripts.models import Recording, Segment, TranscriptionJob
from transcripts.segments import segment_row_from
from transcripts.versions import Change

logger = logging.getLogger(__name__)

ACTIVE = TranscriptionJob.ACTIVE_STATUSES
# What a job's transitions change (the recording and kind never do).
JOB_FIELDS = [
    "status", "attempts", "token", "lease_expires_at", "retry_at", "progress", "error",
    "started_at", "finished_at", "callback_auth", "callback_secret", "callback_request_id",
]  # fmt: skip


def _publish(job: TranscriptionJob) -> None:
    realtime.publish_job_state(owner_id=job.recording.owner_id, event=protocol.job_event(job))


def job_enqueue(job: TranscriptionJob, *, run_after: datetime | None = None) -> None:
    """Queue the job's current attempt once the transaction commits (ids only)."""
    transaction.on_commit(partial(_enqueue, job.pk, str(job.token), run_after))


def _enqueue(job_id: int, token: str, run_after: datetime | None) -> None:
    task = transcribe_job.using(run_after=run_after) if run_after else transcribe_job
    result = task.enqueue(job_id, token)
    TranscriptionJob.objects.filter(pk=job_id, token=token).update(task_id=str(result.id))


def locked_job(job_id: int) -> TranscriptionJob | None:
    """The job with its recording, locked for this transaction; None if it is gone."""
    return (
        TranscriptionJob.objects.select_for_update()
        .select_related("recording")
        .filter(pk=job_id)
        .first()
    )


def current_attempt(job_id: int, token: str) -> TranscriptionJob | None:
    """The job, locked, if `token` names its running attempt."""
    job = locked_job(job_id)
    if job is None or str(job.token) != token or job.status != TranscriptionJob.Status.RUNNING:
        return None
    return job


def save_with_recording(
    job: TranscriptionJob, recording_status: Recording.Status, error: str = ""
) -> None:
    """Save a job's transition with its upload's recording status (a refine keeps its own)."""
    _mirror_on_recording(job, recording_status, error)
    job.save(update_fields=JOB_FIELDS)
    _publish(job)


def _mirror_on_recording(
    job: TranscriptionJob, recording_status: Recording.Status, error: str
) -> None:
    if job.kind == TranscriptionJob.Kind.REFINE:
        # A refined recording keeps its state and its draft until the refined transcript
        # replaces them (jobs/merge.py), so the words for the owner stay on the job.
        job.error = error
    else:
        services.recording_mirror_job(recording=job.recording, status=recording_status, error=error)


# No savepoint: a failure here fails the caller's transaction with it. The end of a live
# meeting queues its refine job, and each statement there is time the meetings still running
# wait for (docs/benchmarks.md, "At the top of the hour").
@transaction.atomic(savepoint=False)
def job_create(
    *, recording: Recording, kind: TranscriptionJob.Kind = TranscriptionJob.Kind.TRANSCRIBE
) -> TranscriptionJob:
    """A queued job for the recording's stored audio, enqueued on commit."""
    job = TranscriptionJob(recording=recording, kind=kind)
    _mirror_on_recording(job, Recording.Status.QUEUED, "")
    job.save(force_insert=True)
    _publish(job)
    job_enqueue(job)
    return job


@transaction.atomic
def job_claim(*, job_id: int, token: str) -> TranscriptionJob | None:
    """Start an attempt; None if it was cancelled or superseded meanwhile."""
    job = locked_job(job_id)
    if job is None or str(job.token) != token or job.status != TranscriptionJob.Status.QUEUED:
        return None
    now = timezone.now()
    job.status = TranscriptionJob.Status.RUNNING
    job.attempts += 1
    job.started_at = now
    job.lease_expires_at = now + timedelta(seconds=settings.JOB_LEASE_SECONDS)
    job.retry_at = None
    job.progress = 0
    save_with_recording(job, Recording.Status.TRANSCRIBING)
    return job


@transaction.atomic
def job_renew(*, job_id: int, token: str, progress: int) -> bool:
    """Extend a running attempt's lease and record its progress; False once it is not ours."""
    job = current_attempt(job_id, token)
    if job is None:
        return False
    job.lease_expires_at = timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS)
    changed = progress != job.progress
    job.progress = progress
    job.save(update_fields=["lease_expires_at", "progress"])
    if changed:
        _publish(job)
    return True


@transaction.atomic
def job_complete(*, job_id: int, token: str, transcript: FileTranscript) -> bool:
    """Replace the recording's segments with the transcript, once; False if not ours."""
    job = current_attempt(job_id, token)
    if job is None:
        return False
    settle(job, transcript)
    return True


def settle(job: TranscriptionJob, transcript: FileTranscript) -> None:
    """Write the transcript and end the job: succeeded, or failed if it cannot be applied."""
    try:
        _write_transcript(job, transcript)
    except ApplicationError as exc:
        finish(job, TranscriptionJob.Status.FAILED, str(exc))
        save_with_recording(job, Recording.Status.FAILED, str(exc))
        return
    finish(job, TranscriptionJob.Status.SUCCEEDED)
    job.progress = 100
    save_with_recording(job, Recording.Status.COMPLETED)


def _write_transcript(job: TranscriptionJob, transcript: FileTranscript) -> None:
    if job.kind == TranscriptionJob.Kind.REFINE:
        job.recording = refine_apply(recording=job.recording, transcript=transcript)
        return
    recording = job.recording
    before = list(Segment.objects.filter(recording=recording))  # none unless transcribed again
    Segment.objects.filter(recording=recording).delete()
    rows = Segment.objects.bulk_create(
        segment_row_from(recording_id=recording.pk, index=index, segment=segment)
        for index, segment in enumerate(transcript.segments)
    )
    version_write(change=Change.TRANSCRIBED, removed=before, added=rows)
    recording.duration = transcript.duration
    recording.ended_at = timezone.now()
    recording.upstream_request_id = transcript.request_id
    recording.save(update_fields=["duration", "ended_at", "upstream_request_id"])


def finish(job: TranscriptionJob, status: TranscriptionJob.Status, error: str = "") -> None:
    """End the job with `status` and the words for it (saved by the caller)."""
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    job.lease_expires_at = None
    job.retry_at = None


@transaction.atomic
def job_downloaded(*, job_id: int, token: str, audio: str, size: int, media_format: str) -> bool:
    """The file of an imported recording arrived and is stored: transcription comes next.

    False if the attempt is no longer ours (the caller removes the stored file).
    """
    job = current_attempt(job_id, token)
    if job is None:
        return False
    services.recording_attach_download(
        recording=job.recording, audio=audio, file_size=size, media_format=media_format
    )
    job.progress = 0
    job.save(update_fields=["progress"])
    _publish(job)
    return True


@transaction.atomic
def job_fail(*, job_id: int, token: str, message: str) -> bool:
    """End an attempt for good with `message` for the owner; False if not ours."""
    job = current_attempt(job_id, token)
    if job is None:
        return False
    finish(job, TranscriptionJob.Status.FAILED, message)
    save_with_recording(job, Recording.Status.FAILED, message)
    return True


def retry_delay(*, attempt: int, retry_after: float | None) -> float:
    """Seconds before attempt `attempt + 1`: Deepgram's Retry-After, else doubling backoff."""
    if retry_after is not None:
        return min(retry_after, settings.JOB_RETRY_MAX_SECONDS)
    backoff = settings.JOB_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    # Jitter spreads out jobs that failed together.
    return min(backoff * random.uniform(0.8, 1.2), settings.JOB_RETRY_MAX_SECONDS)


@transaction.atomic
def job_retry_later(
    *, job_id: int, token: str, message: str, retry_after: float | None = None
) -> bool:
    """Queue another attempt after a delay, or fail once attempts run out; False if not ours."""
    job = current_attempt(job_id, token)
    if job is None:
        return False
    if job.attempts >= settings.JOB_MAX_ATTEMPTS:
        final = f"{message} Gave up after {job.attempts} attempts."
        finish(job, TranscriptionJob.Status.FAILED, final)
        save_with_recording(job, Recording.Status.FAILED, final)
        return True
    delay = retry_delay(attempt=job.attempts, retry_after=retry_after)
    job.retry_at = timezone.now() + timedelta(seconds=delay)
    _requeue(job, message)
    note = (
        f"{message} Trying again at {time_format(timezone.localtime(job.retry_at), 'H:i:s')} "
        f"(attempt {job.attempts + 1} of {settings.JOB_MAX_ATTEMPTS})."
    )
    save_with_recording(job, Recording.Status.QUEUED, note)
    job_enqueue(job, run_after=job.retry_at)
    return True


def _requeue(job: TranscriptionJob, error: str) -> None:
    job.status = TranscriptionJob.Status.QUEUED
    job.token = uuid.uuid4()  # the old attempt can no longer finish
    job.lease_expires_at = None
    job.error = error
    # Nor can a callback Deepgram may still send for it.
    job.callback_auth = job.callback_secret = job.callback_request_id = ""


@transaction.atomic
def job_restart(*, job_id: int) -> TranscriptionJob | None:
    """Run a queued or running job again from the start (its file was replaced).

    A running attempt can no longer finish, so nothing read from the old file is kept.
    None if the job is no longer queued or running.
    """
    job = locked_job(job_id)
    if job is None or job.status not in ACTIVE:
        return None
    _requeue(job, "")
    job.retry_at = None
    save_with_recording(job, Recording.Status.QUEUED)
    job_enqueue(job)
    return job


@transaction.atomic
def job_cancel(*, recording: Recording) -> TranscriptionJob:
    """Cancel the recording's queued or running job for good."""
    job = (
        TranscriptionJob.objects.select_for_update()
        .filter(recording=recording, status__in=ACTIVE)
        .first()
    )
    if job is None:
        raise ApplicationError("This recording has no transcription waiting or running.")
    job.recording = recording
    finish(job, TranscriptionJob.Status.CANCELLED)
    job.token = uuid.uuid4()  # a running attempt's result will be discarded
    save_with_recording(job, Recording.Status.CANCELLED)
    return job


@transaction.atomic
def job_retry(*, recording: Recording) -> TranscriptionJob:
    """Transcribe a failed or cancelled upload again, as a fresh job."""
    if recording.source != Recording.Source.UPLOAD or not (recording.audio or recording.source_url):
        raise ApplicationError("Only uploaded files can be transcribed again.")
    if recording.jobs.filter(status__in=ACTIVE).exists():
        raise ApplicationError("This recording is already being transcribed.")
    if recording.status not in (Recording.Status.FAILED, Recording.Status.CANCELLED):
        raise ApplicationError("Only a failed or cancelled transcription can be retried.")
    return job_create(recording=recording)


def jobs_recover_orphans() -> int:
    """Run again the jobs whose worker died mid-run (their lease lapsed); returns how many."""
    recovered = 0
    with transaction.atomic():
        stale = (
            TranscriptionJob.objects.select_for_update(skip_locked=True)
            .select_related("recording")
            .filter(status=TranscriptionJob.Status.RUNNING, lease_expires_at__lt=timezone.now())
        )
        for job in stale:
            _recover(job)
            recovered += 1
    return recovered


def _recover(job: TranscriptionJob) -> None:
    _mark_task_abandoned(job.task_id)
    if job.attempts >= settings.JOB_MAX_ATTEMPTS:
        message = "The worker stopped repeatedly while transcribing this file."
        finish(job, TranscriptionJob.Status.FAILED, message)
        save_with_recording(job, Recording.Status.FAILED, message)
        return
    logger.warning("Job %s lost its worker; queueing it again", job.pk)
    _requeue(job, "The worker stopped while transcribing; starting again.")
    save_with_recording(job, Recording.Status.QUEUED)
    job_enqueue(job)


def _mark_task_abandoned(task_id: str) -> None:
    # The dead worker's task row would otherwise say "running" forever.
    if task_id:
        DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED, finished_at=timezone.now()
        )


def job_file_options(job: TranscriptionJob) -> FileOptions:
    """The engine options for a job: an upload's own (its glossary too); a refine always tells
    speakers apart."""
    recording = job.recording
    media_format = FORMATS_BY_NAME.get(recording.media_format)
    if recording.fetched_by_engine:  # the engine reads the link's own Content-Type
        media_format = None
    elif media_format is None:
        raise EngineError("bad_format", f"Parley reads {ACCEPTED_DESCRIPTION} files.")
    refine = job.kind == TranscriptionJob.Kind.REFINE
    return FileOptions(
        language=recording.language,
        diarize=refine or bool(recording.options.get("diarize")),
        mime=media_format.mime if media_format else "",
        glossary=tuple(recording.options.get("glossary", [])),
        # A two-channel live recording's stored audio is stereo: its channels stay apart.
        channels=2 if refine and recording.options.get("channels") == 2 else 1,
    )

"""Jobs whose transcript Deepgram posts back: credentials for an attempt, waiting, taking a
delivery (once), and failing in words the ones whose callback never came. The rules and the
credentials themselves are in callbacks.py; the transitions share jobs/services.py's."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from transcripts.engines.base import Callback, FileTranscript
from transcripts.jobs import callbacks
from transcripts.jobs.callbacks import CallbackOutcome
from transcripts.jobs.services import (
    current_attempt,
    finish,
    locked_job,
    save_with_recording,
    settle,
)
from transcripts.models import Recording, TranscriptionJob

logger = logging.getLogger(__name__)


@transaction.atomic
def job_callback_prepare(*, job_id: int, token: str) -> Callback | None:
    """New callback credentials for a running attempt; None if it is not ours any more."""
    job = current_attempt(job_id, token)
    if job is None:
        return None
    keys = callbacks.keys_new(job.pk)
    job.callback_auth, job.callback_secret = keys.auth_digest, keys.secret_digest
    job.callback_request_id = ""
    job.save(update_fields=["callback_auth", "callback_secret", "callback_request_id"])
    return keys.callback


@transaction.atomic
def job_await_callback(*, job_id: int, token: str, request_id: str) -> bool:
    """Deepgram has the file: wait for its callback, until the time limit; False if not ours
    (cancelled, or the transcript already arrived)."""
    job = current_attempt(job_id, token)
    if job is None:
        return False
    job.status = TranscriptionJob.Status.WAITING
    job.callback_request_id = request_id
    timeout = timedelta(seconds=settings.DEEPGRAM_CALLBACK_TIMEOUT_SECONDS)
    job.lease_expires_at = timezone.now() + timeout
    job.error = callbacks.WAITING_NOTE
    save_with_recording(job, Recording.Status.TRANSCRIBING, callbacks.WAITING_NOTE)
    return True


def job_callback_receive(*, job_id: int, authorization: str, body: bytes) -> CallbackOutcome:
    """Check and save one callback delivery; a repeated one saves nothing (idempotent)."""
    # Imported here, as engines/__init__.py does: the SDK loads only where Deepgram is used.
    from transcripts.engines.deepgram.files import callback_secret, callback_transcript

    job = TranscriptionJob.objects.filter(pk=job_id).exclude(callback_auth="").first()
    if job is None:
        return CallbackOutcome.UNKNOWN_JOB
    if not callbacks.auth_matches(authorization, job.callback_auth):
        return CallbackOutcome.BAD_CREDENTIALS
    if not callbacks.secret_matches(callback_secret(body), job.callback_secret):
        return CallbackOutcome.BAD_SECRET
    try:
        transcript = callback_transcript(body)
    except ValueError:
        return CallbackOutcome.BAD_BODY
    if not callbacks.plausible(transcript):
        return CallbackOutcome.BAD_BODY
    return _callback_save(job_id=job.pk, auth=job.callback_auth, transcript=transcript)


@transaction.atomic
def _callback_save(*, job_id: int, auth: str, transcript: FileTranscript) -> CallbackOutcome:
    job = locked_job(job_id)
    if job is None or job.callback_auth != auth:  # requeued meanwhile: a new attempt's keys
        return CallbackOutcome.NOT_WAITING
    succeeded = job.status == TranscriptionJob.Status.SUCCEEDED
    if succeeded and job.callback_request_id == transcript.request_id:
        return CallbackOutcome.DUPLICATE
    # Before the worker records the request id (a quick Deepgram), the job is still running.
    waiting = (TranscriptionJob.Status.RUNNING, TranscriptionJob.Status.WAITING)
    if job.status not in waiting or job.callback_request_id not in ("", transcript.request_id):
        return CallbackOutcome.NOT_WAITING
    job.callback_request_id = transcript.request_id
    settle(job, transcript)
    return CallbackOutcome.SAVED


def jobs_expire_callbacks() -> int:
    """Fail, in words, the jobs whose callback did not come in time; returns how many."""
    expired = 0
    with transaction.atomic():
        lapsed = (
            TranscriptionJob.objects.select_for_update(skip_locked=True)
            .select_related("recording")
            .filter(status=TranscriptionJob.Status.WAITING, lease_expires_at__lt=timezone.now())
        )
        for job in lapsed:
            logger.warning("Job %s: Deepgram's callback never came", job.pk)
            message = callbacks.timeout_message()
            finish(job, TranscriptionJob.Status.FAILED, message)
            save_with_recording(job, Recording.Status.FAILED, message)
            expired += 1
    return expired

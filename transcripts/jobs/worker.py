"""Running one transcription job in the worker process.

A file imported from a link is downloaded first (jobs/download.py) in the same attempt,
then stored and transcribed like an upload; with Deepgram fetching links, the link goes
to the engine instead.

The job's stored file streams to the engine while a lease keeper thread renews the
job's lease once a second and records progress. If the job is cancelled meanwhile,
the keeper notices (the lease can no longer be renewed) and the upload to the engine
stops. Whatever happens, the outcome is written by exactly one of the job services.
A long file sent to Deepgram with a callback (jobs/callbacks.py) ends the attempt once
Deepgram has it: the job waits, and the transcript arrives at jobs/hooks.py.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, cast

from django.conf import settings

from config.db import close_connections
from transcripts import outbound
from transcripts.engines import get_file_engine, get_url_engine
from transcripts.engines.base import (
    Callback,
    CallbackFileEngine,
    EngineError,
    FileEngine,
    FileOptions,
    FileTranscript,
    TranscriptionStopped,
)
from transcripts.jobs.callback_services import job_await_callback, job_callback_prepare
from transcripts.jobs.callbacks import callback_wanted
from transcripts.jobs.download import DownloadFailed, download
from transcripts.jobs.services import (
    job_claim,
    job_complete,
    job_downloaded,
    job_fail,
    job_file_options,
    job_renew,
    job_retry_later,
)
from transcripts.models import TranscriptionJob
from transcripts.storage import delete_stored, store_file

logger = logging.getLogger(__name__)

RENEW_SECONDS = 1.0
MISSING_AUDIO: dict[str, str] = {
    TranscriptionJob.Kind.TRANSCRIBE: "The uploaded file is missing.",
    TranscriptionJob.Kind.REFINE: "The recording's stored audio is missing.",
}


class LeaseKeeper:
    """Renews a running job's lease in the background; notices when it is no longer ours."""

    def __init__(self, job: TranscriptionJob) -> None:
        self._job_id = job.pk
        self._token = str(job.token)
        self._progress = 0
        self._lost = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job.pk}", daemon=True)

    def set_progress(self, fraction: float) -> None:
        """Record how far the engine has got (0 to 1); sent with the next renewal."""
        self._progress = max(0, min(100, int(fraction * 100)))

    def lost(self) -> bool:
        """Whether the job was cancelled or taken over: stop working on it."""
        return self._lost.is_set()

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._done.wait(RENEW_SECONDS):
                renewed = job_renew(job_id=self._job_id, token=self._token, progress=self._progress)
                if not renewed:
                    self._lost.set()
                    return
        finally:
            close_connections()  # this thread's own; nobody else would close them


def run_job(*, job_id: int, token: str) -> None:
    """Run one attempt of a job, if it is still the current one."""
    job = job_claim(job_id=job_id, token=token)
    if job is None:
        logger.info("Job %s: attempt no longer current, skipped", job_id)
        return
    try:
        _run(job, token)
    except Exception:
        logger.exception("Job %s failed unexpectedly", job_id)
        job_fail(
            job_id=job_id,
            token=token,
            message="Parley hit an internal error while transcribing this file.",
        )


def _run(job: TranscriptionJob, token: str) -> None:
    """An imported file is fetched first (or handed to the engine by link); then transcribed."""
    recording = job.recording
    if recording.fetched_by_engine:
        _transcribe_link(job, token)
        return
    if not recording.audio and recording.source_url:
        if not _download(job, token):
            return
        recording.refresh_from_db()
    _transcribe(job, token)


def _download(job: TranscriptionJob, token: str) -> bool:
    """Fetch the recording's link into storage; False when the job ended instead."""
    path = Path(settings.UPLOAD_TEMP_DIR) / f"import-{job.pk}.part"
    try:
        with LeaseKeeper(job) as lease:
            fetched = download(
                job.recording.source_url,
                path,
                on_progress=lease.set_progress,
                should_stop=lease.lost,
            )
        stored = store_file(fetched.path, fetched.media_format.extension)
    except TranscriptionStopped:
        logger.info("Job %s: download stopped, it was cancelled", job.pk)
        return False
    except DownloadFailed as exc:
        _failed(job, token, exc.message, retryable=exc.retryable, retry_after=exc.retry_after)
        return False
    finally:
        path.unlink(missing_ok=True)
    media_format = fetched.media_format.name
    if job_downloaded(
        job_id=job.pk, token=token, audio=stored, size=fetched.size, media_format=media_format
    ):
        return True
    delete_stored(stored)  # cancelled meanwhile: nothing of it is kept
    return False


def _transcribe_link(job: TranscriptionJob, token: str) -> None:
    """The engine fetches the link itself; Parley keeps no audio."""
    url = job.recording.source_url
    try:
        outbound.check_url(url)  # again: what the name points to may have changed
        engine = get_url_engine()
        with LeaseKeeper(job):
            transcript = engine.transcribe_url(url=url, options=job_file_options(job))
    except outbound.OutboundRefused as exc:
        job_fail(job_id=job.pk, token=token, message=f"Parley will not pass that link on: {exc}")
        return
    except EngineError as exc:
        _engine_failed(job, token, exc)
        return
    if not job_complete(job_id=job.pk, token=token, transcript=transcript):
        logger.info("Job %s: finished after it was cancelled; result discarded", job.pk)


def _transcribe(job: TranscriptionJob, token: str) -> None:
    recording = job.recording
    try:
        engine = get_file_engine()
        callback = _callback_for(engine, job, token)
        with LeaseKeeper(job) as lease, recording.audio.open("rb") as audio:
            request = FileRequest(
                audio=cast(BinaryIO, audio),  # a stored file reads and seeks like one
                size=recording.file_size or recording.audio.size,
                options=job_file_options(job),
                on_progress=lease.set_progress,
                should_stop=lease.lost,
            )
            outcome = _send(engine, request, callback)
    except TranscriptionStopped:
        logger.info("Job %s: stopped, it was cancelled", job.pk)
        return
    except EngineError as exc:
        _engine_failed(job, token, exc)
        return
    except FileNotFoundError:
        job_fail(job_id=job.pk, token=token, message=MISSING_AUDIO[job.kind])
        return
    _record(job, token, outcome)


@dataclass(frozen=True, slots=True)
class FileRequest:
    """What the engine is given for one attempt, with or without a callback."""

    audio: BinaryIO
    size: int
    options: FileOptions
    on_progress: Callable[[float], None]
    should_stop: Callable[[], bool]


def _callback_for(engine: FileEngine, job: TranscriptionJob, token: str) -> Callback | None:
    """A callback for this attempt when the engine takes one and the file is long enough."""
    if not isinstance(engine, CallbackFileEngine) or not callback_wanted(job.recording):
        return None
    return job_callback_prepare(job_id=job.pk, token=token)


def _send(
    engine: FileEngine, request: FileRequest, callback: Callback | None
) -> FileTranscript | str:
    """The transcript, or (with a callback) the engine's request id."""
    if callback is not None and isinstance(engine, CallbackFileEngine):
        return engine.submit(
            audio=request.audio,
            size=request.size,
            options=request.options,
            callback=callback,
            on_progress=request.on_progress,
            should_stop=request.should_stop,
        )
    return engine.transcribe(
        audio=request.audio,
        size=request.size,
        options=request.options,
        on_progress=request.on_progress,
        should_stop=request.should_stop,
    )


def _record(job: TranscriptionJob, token: str, outcome: FileTranscript | str) -> None:
    """Save the transcript, or note that Deepgram will post it back."""
    if isinstance(outcome, str):
        if not job_await_callback(job_id=job.pk, token=token, request_id=outcome):
            logger.info("Job %s: the callback came first, or the job was cancelled", job.pk)
        return
    if not job_complete(job_id=job.pk, token=token, transcript=outcome):
        logger.info("Job %s: finished after it was cancelled; result discarded", job.pk)


def _engine_failed(job: TranscriptionJob, token: str, exc: EngineError) -> None:
    _failed(job, token, exc.message, retryable=exc.retryable, retry_after=exc.retry_after)


def _failed(
    job: TranscriptionJob, token: str, message: str, *, retryable: bool, retry_after: float | None
) -> None:
    """Another attempt later for a failure that may pass; the job fails for good otherwise."""
    if retryable:
        job_retry_later(job_id=job.pk, token=token, message=message, retry_after=retry_after)
    else:
        job_fail(job_id=job.pk, token=token, message=message)

"""Running one transcription job in the worker process.

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
from types import TracebackType
from typing import BinaryIO, cast

from config.db import close_connections
from transcripts.engines import get_file_engine
from transcripts.engines.base import (
    Callback,
    CallbackFileEngine,
    EngineError,
    FileEngine,
    FileOptions,
    FileTranscript,
    TranscriptionStopped,
)
from transcripts.jobs.callbacks import callback_wanted
from transcripts.jobs.services import (
    job_await_callback,
    job_callback_prepare,
    job_claim,
    job_complete,
    job_fail,
    job_file_options,
    job_renew,
    job_retry_later,
)
from transcripts.models import TranscriptionJob

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
        _transcribe(job, token)
    except Exception:
        logger.exception("Job %s failed unexpectedly", job_id)
        job_fail(
            job_id=job_id,
            token=token,
            message="Parley hit an internal error while transcribing this file.",
        )


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
    if exc.retryable:
        job_retry_later(
            job_id=job.pk, token=token, message=exc.message, retry_after=exc.retry_after
        )
    else:
        job_fail(job_id=job.pk, token=token, message=exc.message)

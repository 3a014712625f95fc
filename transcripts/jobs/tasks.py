"""Background tasks (django.tasks, run by `manage.py db_worker`). Thin: ids in, runner called."""

from __future__ import annotations

from django.tasks import task

from transcripts.worker import run_job


@task()
def transcribe_job(job_id: int, token: str) -> None:
    """Run one attempt of a transcription job."""
    run_job(job_id=job_id, token=token)

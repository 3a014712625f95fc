"""Background tasks (django.tasks, run by `manage.py db_worker`). Thin: ids in, runner called."""

from __future__ import annotations

from django.tasks import task


@task()
def transcribe_job(job_id: int, token: str) -> None:
    """Run one attempt of a transcription job."""
    # The runner uses the job services, which queue this task: imported when it runs.
    from transcripts.jobs.worker import run_job

    run_job(job_id=job_id, token=token)

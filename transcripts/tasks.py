"""The transcription task's path before the jobs wing existed, so tasks queued by an earlier
version of Parley still find it (their rows name `transcripts.tasks.transcribe_job`)."""

from __future__ import annotations

from transcripts.jobs.tasks import transcribe_job

__all__ = ["transcribe_job"]

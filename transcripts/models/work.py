"""The background work around recordings: transcription jobs, uploads in progress, page events."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from transcripts.models.limits import MAX_FILENAME_CHARS, MAX_TITLE_CHARS
from transcripts.models.recording import Recording


class TranscriptionJob(models.Model):
    """Background transcription of a recording's stored audio, run by the worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        # Deepgram has the file and will post the transcript back (jobs/callbacks.py).
        WAITING = "waiting", "Waiting for Deepgram"

    class Kind(models.TextChoices):
        TRANSCRIBE = "transcribe", "Transcribe an upload"
        REFINE = "refine", "Refine a live recording"

    # A job in one of these states is waiting for, or in the hands of, a worker or Deepgram.
    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING, Status.WAITING)

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=12, choices=Kind, default=Kind.TRANSCRIBE)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    token = models.UUIDField(
        default=uuid.uuid4, help_text="Names the current attempt; only its holder may finish it."
    )
    task_id = models.CharField(max_length=64, blank=True, help_text="The queued task's id.")
    lease_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A running job whose lease lapses is run again; a job waiting for "
        "Deepgram's callback past this time fails.",
    )
    retry_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A callback's credentials are single-use random secrets: only their SHA-256 is kept, so
    # whoever reads the database (or a backup) cannot forge a transcript.
    callback_auth = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the callback's Basic Auth user:password."
    )
    callback_secret = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the secret Deepgram sends back in extra."
    )
    callback_request_id = models.CharField(
        max_length=100, blank=True, help_text="Deepgram's id for the request it calls back about."
    )

    class Meta:
        indexes = [models.Index(fields=["status", "lease_expires_at"], name="job_lease_sweep")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.status}) for recording {self.recording_id}"


class PendingUpload(models.Model):
    """A file arriving in chunks; becomes a recording and a job when complete."""

    token = models.UUIDField(default=uuid.uuid4, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_uploads"
    )
    original_filename = models.CharField(max_length=MAX_FILENAME_CHARS)
    size = models.BigIntegerField()
    received = models.BigIntegerField(default=0)
    media_format = models.CharField(max_length=16, blank=True)
    title = models.CharField(max_length=MAX_TITLE_CHARS, blank=True)
    language = models.CharField(max_length=35)
    diarize = models.BooleanField(default=False)
    team = models.ForeignKey(
        "teams.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.received}/{self.size})"


class OutboxEvent(models.Model):
    """A page event written by a process that cannot reach the web process's channel layer.

    Used with the in-memory channel layer: the worker writes here, in the same
    transaction as the change, and the web process relays it (transcripts/realtime.py).
    """

    user_id = models.BigIntegerField()
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Event {self.pk} for user {self.user_id}"

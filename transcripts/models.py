"""Recordings and their transcript segments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Recording(models.Model):
    """One meeting: recorded live in the browser, or (later) uploaded as a file."""

    class Status(models.TextChoices):
        LIVE = "live", "Recording"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        INTERRUPTED = "interrupted", "Interrupted"

    class Source(models.TextChoices):
        LIVE = "live", "Live"
        UPLOAD = "upload", "Upload"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recordings"
    )
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=10, choices=Source, default=Source.LIVE)
    language = models.CharField(max_length=35)
    engine = models.CharField(max_length=30, help_text="Speech engine that transcribed it.")
    model = models.CharField(max_length=100, blank=True, help_text="Engine model name.")
    options = models.JSONField(default=dict, blank=True, help_text="Engine options used.")
    status = models.CharField(max_length=12, choices=Status, default=Status.LIVE)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration = models.FloatField(default=0.0, help_text="Seconds of audio received.")
    error = models.TextField(blank=True)
    upstream_request_id = models.CharField(
        max_length=100, blank=True, help_text="The engine's id for this session, for support."
    )

    class Meta:
        indexes = [models.Index(fields=["owner", "-started_at"], name="recording_owner_history")]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("transcripts:recording_detail", args=[self.pk])


class Segment(models.Model):
    """A final stretch of transcript, saved the moment the engine delivers it."""

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField(help_text="Position in the recording, from 0.")
    start = models.FloatField(help_text="Seconds from the start of the recording.")
    end = models.FloatField()
    text = models.TextField()
    speaker = models.PositiveSmallIntegerField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    words = models.JSONField(
        default=list, blank=True, help_text="[{word, start, end, confidence, speaker}]"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recording", "index"]
        constraints = [
            # Also the index that reads a recording's segments in order.
            models.UniqueConstraint(fields=["recording", "index"], name="segment_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.recording_id}#{self.index}: {self.text[:40]}"

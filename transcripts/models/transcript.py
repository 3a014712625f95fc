"""What was said (segments, each kept with its versions) and what was marked during it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from transcripts.models.limits import MAX_MARK_NOTE_CHARS
from transcripts.models.recording import Recording
from transcripts.versions import VersionedHistory, VersionFields


class Mark(models.Model):
    """A moment someone marked during the meeting: a bookmark, an action item or a decision."""

    class Kind(models.TextChoices):
        BOOKMARK = "bookmark", "Bookmark"
        ACTION = "action", "Action item"
        DECISION = "decision", "Decision"

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="marks")
    kind = models.CharField(max_length=10, choices=Kind)
    at = models.FloatField(help_text="Seconds from the start of the recording.")
    note = models.CharField(max_length=MAX_MARK_NOTE_CHARS, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True, help_text="An action item, done.")
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["recording", "at", "pk"]
        indexes = [
            models.Index(fields=["recording", "at"], name="mark_by_time"),
            models.Index(fields=["kind", "recording"], name="mark_by_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:.1f}s"


class Segment(models.Model):
    """A final stretch of transcript, saved the moment the engine delivers it."""

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField(help_text="Position in the recording, from 0.")
    start = models.FloatField(help_text="Seconds from the start of the recording.")
    end = models.FloatField()
    text = models.TextField()
    speaker = models.PositiveSmallIntegerField(null=True, blank=True)
    channel = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="In a two-channel recording: 0 the person recording (You), 1 the meeting's "
        "shared audio (Others); empty in a one-channel recording.",
    )
    confidence = models.FloatField(null=True, blank=True)
    words = models.JSONField(
        default=list, blank=True, help_text="[{word, start, end, confidence, speaker}]"
    )
    edited = models.BooleanField(default=False, help_text="Corrected by a person.")
    original_text = models.TextField(
        blank=True, help_text="The engine's text before a person's first correction."
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Who changed what and when, a version at a time (transcripts/versions.py).
    history = VersionedHistory(bases=[VersionFields], excluded_fields=["created_at"])

    class Meta:
        ordering = ["recording", "index"]
        constraints = [
            # Also the index that reads a recording's segments in order.
            models.UniqueConstraint(fields=["recording", "index"], name="segment_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.recording_id}#{self.index}: {self.text[:40]}"

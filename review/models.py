"""Comments on a passage under review, and notices telling an owner how a review went.

A recording's review state lives on the recording itself (transcripts/models.py), because the
access gate and the edit lock below this app read it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from transcripts.models import Recording

MAX_COMMENT_CHARS = 2000
MAX_QUOTE_CHARS = 300
MAX_NOTE_CHARS = 2000
REVIEWERS_GROUP = "Reviewers"


class ReviewComment(models.Model):
    """A comment on a passage, or a reply to one; a thread is resolved as a whole."""

    recording = models.ForeignKey(
        Recording, on_delete=models.CASCADE, related_name="review_comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        help_text="The thread's first comment; empty for a first comment.",
    )
    segment_index = models.PositiveIntegerField(
        null=True, blank=True, help_text="The segment the passage is in."
    )
    quote = models.CharField(max_length=MAX_QUOTE_CHARS, blank=True, help_text="The passage.")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["recording", "parent"], name="comment_threads")]

    def __str__(self) -> str:
        return f"{self.author} on {self.recording_id}: {self.text[:40]}"


class ReviewNotice(models.Model):
    """Tells an owner that their transcript was approved or needs changes, until read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_notices"
    )
    recording = models.ForeignKey(
        Recording, on_delete=models.CASCADE, related_name="review_notices"
    )
    outcome = models.CharField(max_length=20, choices=Recording.Review)
    note = models.TextField(blank=True)
    reviewer_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_unread")]

    def __str__(self) -> str:
        return f"{self.recording_id} {self.outcome} for {self.recipient}"

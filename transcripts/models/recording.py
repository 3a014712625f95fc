"""A recording: one meeting, with who may read it (shares), its tags and its review state."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from transcripts.errors import ApplicationError
from transcripts.models.limits import (
    MAX_FILENAME_CHARS,
    MAX_TAG_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
)

# Why an approved transcript's text, speakers and timings refuse a change (Recording.locked).
LOCKED_MESSAGE = "This transcript is approved; a reviewer must reopen it before it can change."


class Recording(models.Model):
    """One meeting: recorded live in the browser, or (later) uploaded as a file."""

    class Status(models.TextChoices):
        LIVE = "live", "Recording"
        QUEUED = "queued", "Queued"
        TRANSCRIBING = "transcribing", "Transcribing"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        INTERRUPTED = "interrupted", "Interrupted"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        LIVE = "live", "Live"
        UPLOAD = "upload", "Upload"

    class Review(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recordings"
    )
    title = models.CharField(max_length=MAX_TITLE_CHARS)
    team = models.ForeignKey(
        "teams.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recordings",
        help_text="The team library it was saved to (its glossary applies).",
    )
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
    audio = models.FileField(
        max_length=255, blank=True, help_text="Stored audio, under a generated name."
    )
    original_filename = models.CharField(
        max_length=MAX_FILENAME_CHARS,
        blank=True,
        help_text="The uploaded file's name, for display only.",
    )
    file_size = models.BigIntegerField(null=True, blank=True, help_text="Bytes.")
    source_url = models.CharField(
        max_length=MAX_URL_CHARS,
        blank=True,
        default="",
        help_text="The link an imported file was fetched from (empty for a file sent).",
    )
    media_format = models.CharField(
        max_length=16, blank=True, help_text="Container detected from the content."
    )
    speaker_names = models.JSONField(
        default=dict, blank=True, help_text='Names given to speakers: {"0": "Alice"}.'
    )
    live_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A live session renews this; once it lapses the recording was interrupted.",
    )
    live_lag = models.FloatField(
        null=True,
        blank=True,
        help_text="Seconds a live session's audio waited before the engine heard it, "
        "as of its last lease renewal.",
    )
    refine = models.BooleanField(
        default=True, help_text="Re-transcribe the stored audio as a file after recording."
    )
    draft = models.JSONField(
        default=list, blank=True, help_text="The live draft's segments, kept once refined."
    )
    share_token = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text="Logged-in people with this link may watch the transcript live.",
    )
    viewers_may_export = models.BooleanField(
        default=True, help_text="People it is shared with as viewers may download exports."
    )
    readers = models.TextField(
        default="",
        blank=True,
        help_text="Who may read it, as search tokens: u<owner>, u<person shared with>, "
        "t<team shared with> (kept by transcripts/readers.py; the search index holds them).",
    )
    review_state = models.CharField(max_length=20, choices=Review, default=Review.DRAFT)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recordings_to_review",
        help_text="The reviewer it was submitted to, or who took it; empty: the team's reviewers.",
    )
    review_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who submitted it for review; they may not review it themselves.",
    )
    review_note = models.TextField(blank=True, help_text="The reviewer's note with changes.")
    review_changed_at = models.DateTimeField(null=True, blank=True)
    legal_hold = models.BooleanField(
        default=False, help_text="Never deleted by retention while held."
    )
    audio_deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="When retention deleted the audio."
    )
    consent_text = models.TextField(blank=True, help_text="The notice confirmed at the start.")
    consent_version = models.CharField(max_length=16, blank=True)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who confirmed the consent notice.",
    )
    consent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-started_at"], name="recording_owner_history"),
            models.Index(fields=["status", "live_until"], name="recording_live_sweep"),
            models.Index(fields=["review_state", "review_changed_at"], name="recording_review"),
        ]
        ordering = ["-started_at"]
        permissions = [
            ("review_recording", "Can review recordings submitted to them or their teams"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saved first with its owner as its only reader, unless a service said otherwise."""
        if not self.readers:
            self.readers = f"u{self.owner_id}"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("transcripts:recording_detail", args=[self.pk])

    @property
    def locked(self) -> bool:
        """Approved transcripts keep their text until a reviewer reopens them."""
        return self.review_state == self.Review.APPROVED

    def ensure_unlocked(self) -> None:
        """Refuse a change to an approved transcript's text, speakers or timings."""
        if self.locked:
            raise ApplicationError(LOCKED_MESSAGE)

    @property
    def engine_label(self) -> str:
        """Which engine and model transcribed this, in words."""
        if self.engine == "local":
            return f"Whisper {self.model}, on this server"
        return f"{self.engine.capitalize()} {self.model}".strip()

    @property
    def fetched_by_engine(self) -> bool:
        """Whether the engine fetched the audio from `source_url` itself (none is kept here)."""
        return bool(self.source_url) and self.options.get("fetched_by") == "deepgram"

    @property
    def downloading(self) -> bool:
        """Whether Parley is fetching this recording's file from its link right now."""
        return (
            self.status == self.Status.TRANSCRIBING
            and bool(self.source_url)
            and not self.audio
            and not self.fetched_by_engine
        )

    def speaker_name(self, speaker: int | None) -> str:
        """What to call a speaker: the name given, else "Speaker N" counting from 1."""
        if speaker is None:
            return ""
        return self.speaker_names.get(str(speaker)) or f"Speaker {speaker + 1}"


class RecordingShare(models.Model):
    """A recording shared with one person or one team, as viewer or editor."""

    class Role(models.TextChoices):
        VIEWER = "viewer", "Viewer"
        EDITOR = "editor", "Editor"

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="recordings_shared_with_me",
    )
    team = models.ForeignKey(
        "teams.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="shares"
    )
    role = models.CharField(max_length=10, choices=Role, default=Role.VIEWER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recording", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=True, team__isnull=False)
                | models.Q(user__isnull=False, team__isnull=True),
                name="share_with_person_or_team",
            ),
            models.UniqueConstraint(
                fields=["recording", "user"],
                condition=models.Q(user__isnull=False),
                name="share_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["recording", "team"],
                condition=models.Q(team__isnull=False),
                name="share_once_per_team",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "recording"], name="share_by_person"),
            models.Index(fields=["team", "recording"], name="share_by_team"),
        ]

    def __str__(self) -> str:
        return f"{self.recording_id} with {self.user or self.team} ({self.role})"


class RecordingTag(models.Model):
    """A label on a recording, given by its owner or an editor."""

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=MAX_TAG_CHARS)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["recording", "name"], name="tag_once_per_recording"),
        ]
        indexes = [models.Index(fields=["name", "recording"], name="tag_by_name")]

    def __str__(self) -> str:
        return self.name

"""Webhook endpoints, the deliveries of events to them, and each attempt at a delivery.

An endpoint belongs to a person (events of their own recordings) or, registered by one of
its admins, to a team (events of recordings in the team's library or shared with it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

MAX_URL_CHARS = 2000
MAX_EXCERPT_CHARS = 500
# Endpoints one person keeps for their own recordings, and one team for its recordings.
MAX_ENDPOINTS = 10

# The events an endpoint may choose, with words for the page.
EVENTS: dict[str, str] = {
    "recording.started": "A live recording started",
    "recording.completed": "A live recording ended and its transcript is complete",
    "recording.refined": "A recording's refined transcript replaced the live draft",
    "transcription.completed": "An uploaded or linked file was transcribed",
    "transcription.failed": "A transcription failed",
    "recording.deleted": "A recording was deleted",
}
TEST_EVENT = "webhook.test"


class Endpoint(models.Model):
    """A URL that is sent the events its owner chose, signed with its secret."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    team = models.ForeignKey(
        "teams.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        help_text="Set for a team's endpoint: events of the team's recordings.",
    )
    url = models.CharField(max_length=MAX_URL_CHARS)
    secret = models.CharField(
        max_length=100, help_text="Standard Webhooks signing key: whsec_ and base64."
    )
    events = models.JSONField(default=list, blank=True, help_text="Event types to send.")
    enabled = models.BooleanField(default=True)
    disabled_reason = models.TextField(blank=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="When deliveries started failing without a success."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "team"], name="endpoint_by_owner"),
            models.Index(fields=["team"], name="endpoint_by_team"),
        ]

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    """One event for one endpoint, attempted until it succeeds or its time runs out."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=40, unique=True, help_text="webhook-id: msg_…")
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    retry_until = models.DateTimeField(help_text="No attempt is made after this.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="delivery_by_endpoint"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class Attempt(models.Model):
    """One try at a delivery: what the receiver answered, or why it could not be reached."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=MAX_EXCERPT_CHARS, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=MAX_EXCERPT_CHARS, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["delivery", "-at"], name="attempt_by_delivery")]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        """Whether the receiver answered with a 2xx status."""
        return self.status_code is not None and 200 <= self.status_code < 300

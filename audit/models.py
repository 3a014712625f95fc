"""One row per action on a recording; rows are only ever added.

An entry names the recording by id and title rather than by foreign key, so it outlives the
recording (a deletion is itself an entry) and writing it is one insert with no lookups.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

MAX_DETAIL_CHARS = 500


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    """Entries in bulk: they can be read and added, never changed or deleted."""

    def update(self, **kwargs: Any) -> int:
        """Only clearing the actor is allowed: what deleting their account does (SET_NULL)."""
        if kwargs.keys() != {"actor"} or kwargs["actor"] is not None:
            raise ValueError("Audit entries cannot be changed.")
        return super().update(**kwargs)

    def delete(self) -> NoReturn:
        """The log is kept for ever."""
        raise ValueError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """Who did what to which recording, when, and from where."""

    class Action(models.TextChoices):
        VIEWED = "viewed", "Viewed"
        PLAYED = "played", "Played"
        EXPORTED = "exported", "Exported"
        EDITED = "edited", "Edited"
        RESTORED = "restored", "Restored a version"
        SHARED = "shared", "Shared"
        SUBMITTED = "submitted", "Submitted for review"
        TAKEN = "taken", "Taken for review"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        REOPENED = "reopened", "Reopened"
        HOLD_SET = "hold_set", "Legal hold set"
        HOLD_LIFTED = "hold_lifted", "Legal hold lifted"
        DELETED = "deleted", "Deleted"
        AUDIO_EXPIRED = "audio_expired", "Audio deleted (retention)"
        TRANSCRIPT_EXPIRED = "transcript_expired", "Transcript deleted (retention)"

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the system (a retention job) or a deleted account.",
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="Kept if the account goes.")
    action = models.CharField(max_length=20, choices=Action)
    recording_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    recording_title = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=MAX_DETAIL_CHARS, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["-at"], name="audit_newest_first"),
            models.Index(fields=["action", "-at"], name="audit_by_action"),
            models.Index(fields=["actor", "-at"], name="audit_by_actor"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        who = self.actor_name or "Parley"
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.action} #{self.recording_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Entries are added, never changed."""
        if self.pk is not None:
            raise ValueError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Entries are never deleted one by one."""
        raise ValueError("Audit entries cannot be deleted.")

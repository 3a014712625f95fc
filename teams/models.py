"""Teams: people who work together, their roles, invitations, and each one's glossary.

A team knows nothing of recordings; recordings point at teams (transcripts/models.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

MAX_TEAM_NAME_CHARS = 100
# A glossary: people's names, product names and jargon the speech engines should expect.
# Deepgram takes at most 100 key terms and 500 tokens across them; 1,000 characters in all
# stays well inside that. A colon is refused: older Deepgram models read "term:2" as a boost.
MAX_GLOSSARY_TERMS = 100
MAX_GLOSSARY_TERM_CHARS = 50
MAX_GLOSSARY_CHARS = 1000
MAX_CONSENT_NOTICE_CHARS = 2000


class Team(models.Model):
    """A group of people whose meetings are shared among them."""

    name = models.CharField(max_length=MAX_TEAM_NAME_CHARS)
    glossary = models.JSONField(
        default=list, blank=True, help_text="Terms applied to every recording saved to the team."
    )
    audio_retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Delete recordings' audio this many days after they end; "
        "empty: the site default; 0: keep forever.",
    )
    transcript_retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Delete whole recordings this many days after they end; "
        "empty: the site default; 0: keep forever.",
    )
    consent_notice = models.TextField(
        blank=True,
        max_length=MAX_CONSENT_NOTICE_CHARS,
        help_text="People confirm this before recording to the team; empty: the site's notice.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's place in a team."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        ADMIN = "admin", "Team admin"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(max_length=10, choices=Role, default=Role.MEMBER)
    reviewer = models.BooleanField(
        default=False, help_text="Reviews the team's recordings submitted for review."
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team", "joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_once_per_team"),
        ]
        indexes = [models.Index(fields=["user", "team"], name="membership_by_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class Invitation(models.Model):
    """A link that lets one person join a team: expiring, single-use, revocable."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True, help_text="Where it was mailed, if it was.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to {self.team} ({self.state})"

    @property
    def state(self) -> str:
        """pending, used, revoked or expired."""
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class Preferences(models.Model):
    """What a person set for their own recordings: where new ones go, their glossary."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    save_to = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The team new recordings are saved to; none: only me.",
    )
    glossary = models.JSONField(
        default=list, blank=True, help_text="Terms applied to the person's own recordings."
    )

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.user}"

"""Review: transcripts a reviewer approves, with comments and notices to the owner."""

from __future__ import annotations

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    """The review workflow above transcripts."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "review"

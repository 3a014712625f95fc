"""The audit log: who did what to which recording, and when."""

from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Append-only record of actions on recordings."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"

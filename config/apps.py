"""Project-wide wiring that belongs to no single app."""

from __future__ import annotations

from django.apps import AppConfig
from django.core.signals import request_finished


class ParleyConfig(AppConfig):
    """Connects project-level signal handlers."""

    name = "config"
    label = "parley"

    def ready(self) -> None:
        from config.db import close_connections

        request_finished.connect(close_connections, dispatch_uid="parley-close-connections")

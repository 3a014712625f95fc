"""Outgoing webhooks: endpoints people register, and signed deliveries of recording events."""

from __future__ import annotations

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Webhook endpoints, deliveries and their attempts."""

    name = "webhooks"

    def ready(self) -> None:
        from webhooks import receivers

        receivers.connect()

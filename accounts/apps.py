from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-up, log-in and the demo account."""

    name = "accounts"

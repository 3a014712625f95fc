"""Create (or reset) the demo account and print how to log in."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from accounts import services


class Command(BaseCommand):
    """`manage.py ensure_demo_user`: the account the README's run command prints."""

    help = "Create or reset the demo account and print its credentials."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="demo")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        password = self._password()
        services.demo_user_ensure(username=username, password=password)
        self.stdout.write(f"Demo account: username {username!r}, password {password!r}")

    def _password(self) -> str:
        # Kept in the data directory so restarts print the same password.
        path = Path(settings.VAR_DIR) / "demo-password"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(9))
            path.chmod(0o600)
        return path.read_text().strip()

"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def signup(request: HttpRequest) -> dict[str, bool]:
    """Whether to offer the sign-up link."""
    return {"signup_enabled": settings.SIGNUP_ENABLED}

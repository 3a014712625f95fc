"""Account writes."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction


@transaction.atomic
def user_signup(*, username: str, email: str, password: str) -> User:
    """Create a new, active, non-staff user."""
    return User.objects.create_user(username=username, email=email, password=password)


@transaction.atomic
def demo_user_ensure(*, username: str, password: str) -> User:
    """Create the demo user, or reset its password, so the printed credentials work."""
    user, _ = User.objects.get_or_create(username=username)
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user

"""Making, checking and revoking API tokens.

A token is `prl_` and 40 random URL-safe characters; only its SHA-256 is stored, so a
token is shown once, when made. A request presents it as `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from api.models import MAX_TOKEN_NAME_CHARS, ApiToken
from transcripts.text import clean_field

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PREFIX = "prl_"
# A token's last use is written at most once a minute, not on every request.


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(
    *, user: User, name: str, scopes: list[str], expires_at: datetime | None
) -> tuple[ApiToken, str]:
    """A new token and its text, which is shown once and never again."""
    name = clean_field(name, limit=MAX_TOKEN_NAME_CHARS, what="A name")
    if not name:
        raise ValidationError("Give the token a name, to know later what uses it.")
    chosen = [scope for scope in ApiToken.Scope.values if scope in scopes]
    if not chosen or len(chosen) != len(set(scopes)):
        raise ValidationError("Choose read, write, or both.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError("The expiry must be in the future.")
    text = PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        digest=digest_of(text),
        hint=text[: len(PREFIX) + 4],
        scopes=chosen,
        expires_at=expires_at,
    )
    return token, text


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens (404 for anyone else's)."""
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def token_authenticate(text: str) -> ApiToken | None:
    """The active token with this text, its last use noted; None if wrong, expired or revoked."""
    if not text.startswith(PREFIX) or len(text) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(text)).first()
    if token is None or token.state != "active" or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token

"""Who calls the API: a person's token (`Authorization: Bearer prl_…`, scopes as given), or a
logged-in browser session (every scope, CSRF checked on writes)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import SimpleRateThrottle

from api.models import ApiToken
from api.tokens import token_authenticate

ALL_SCOPES = tuple(ApiToken.Scope.values)


class TokenAuth(HttpBearer):
    """A personal API token; a wrong, expired or revoked one is refused outright (401)."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = token_authenticate(token.strip())
        if found is None:
            raise AuthenticationError(401, "This API token is wrong, expired or revoked.")
        request.user = found.user
        request.api_scopes = tuple(found.scopes)  # type: ignore[attr-defined]
        return found


class BrowserSession(SessionAuth):
    """The logged-in browser: every scope; writes need the CSRF token, as on the pages."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None:
            request.api_scopes = ALL_SCOPES  # type: ignore[attr-defined]
        return user


def need_scope(request: HttpRequest, scope: str) -> None:
    """Refuse (403) a token without `scope`."""
    if scope not in getattr(request, "api_scopes", ()):
        raise HttpError(403, f"This token lacks the {scope} scope.")


class PerCallerThrottle(SimpleRateThrottle):
    """API_RATE requests per token (a session counts as its person), counted in the cache."""

    scope = "api"

    def __init__(self) -> None:
        super().__init__(settings.API_RATE)

    def get_cache_key(self, request: HttpRequest) -> str:
        auth = getattr(request, "auth", None)
        caller = f"token-{auth.pk}" if isinstance(auth, ApiToken) else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": caller}

    def allow_request(self, request: HttpRequest) -> bool:
        self.num_requests, self.duration = self.parse_rate(settings.API_RATE)  # read afresh
        return super().allow_request(request)

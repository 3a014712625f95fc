"""Who is asking: a logged-in request, and anyone a read may be for."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

# Anyone a selector may read for; the anonymous are nobody's owner and see nothing.
Visitor = User | AnonymousUser


class AuthenticatedHttpRequest(HttpRequest):
    """A request past LoginRequiredMiddleware: its user is logged in."""

    user: User

"""The token settings page: make a token (shown once), see when each was last used, revoke."""

from __future__ import annotations

from datetime import date, datetime, time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.auth import AuthenticatedHttpRequest
from api import tokens
from api.models import MAX_TOKEN_NAME_CHARS, ApiToken
from transcripts.forms import DATE_INPUT

NEW_TOKEN = "new-api-token"


def _expiry(raw: str) -> datetime | None:
    """The end of the chosen day, local time; None if no day was chosen."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationError("Choose the expiry as a date.") from None
    return datetime.combine(day, time.max, timezone.get_current_timezone())


@require_http_methods(["GET", "POST"])
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's tokens, and the form to make one."""
    problem = ""
    if request.method == "POST":
        try:
            _, text = tokens.token_create(
                user=request.user,
                name=request.POST.get("name", ""),
                scopes=request.POST.getlist("scopes"),
                expires_at=_expiry(request.POST.get("expires", "")),
            )
        except ValidationError as exc:
            problem = exc.messages[0]
        else:
            request.session[NEW_TOKEN] = text
            return redirect("token_list")
    context = {
        "tokens": tokens.tokens_of(user=request.user),
        "new_token": request.session.pop(NEW_TOKEN, ""),
        "problem": problem,
        "scopes": ApiToken.Scope.choices,
        "max_name_chars": MAX_TOKEN_NAME_CHARS,
        "date_input": DATE_INPUT.input_type,
        "today": timezone.localdate().isoformat(),
    }
    return render(request, "api/tokens.html", context, status=400 if problem else 200)


@require_POST
def token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = tokens.token_revoke(user=request.user, token_id=token_id)
    messages.success(request, f"Token “{token.name}” revoked: requests with it are refused.")
    return redirect("token_list")

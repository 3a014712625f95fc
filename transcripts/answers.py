"""How the pages' POST endpoints answer: JSON for scripts, a message and a redirect for forms."""

from __future__ import annotations

from typing import Protocol

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect


class HasPage(Protocol):
    """Something with a page to go back to (a recording)."""

    def get_absolute_url(self) -> str: ...


def wants_json(request: HttpRequest) -> bool:
    """The page's script asked (Accept: application/json) rather than a plain form."""
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def edit_answer(
    request: HttpRequest,
    target: HasPage | str,
    body: dict[str, object],
    message: str,
    status: int = 200,
) -> HttpResponse:
    """`body` as JSON for the page's script; for a plain form, `message` and back to `target`."""
    if wants_json(request):
        return JsonResponse(body, status=status)
    messages.success(request, message)
    return redirect(target)


def edit_refused(
    request: HttpRequest, target: HasPage | str, error: str, status: int = 400
) -> HttpResponse:
    """The reason a change was refused, as JSON `{"error"}` or as a message on the page."""
    if wants_json(request):
        return JsonResponse({"error": error}, status=status)
    messages.error(request, error)
    return redirect(target)

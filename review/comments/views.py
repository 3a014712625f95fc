"""Review comments over HTTP: start a thread or reply, resolve or reopen a thread.

Forms post here from the review page and the transcript page; with `Accept:
application/json` the answer is the thread's HTML to put in place, else a redirect back.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.auth import AuthenticatedHttpRequest
from review.comments import selectors, services
from review.models import ReviewComment
from transcripts import params
from transcripts.errors import ApplicationError
from transcripts.models import Recording

MAX_INDEX = 999_999_999


def _wants_json(request: HttpRequest) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _back(request: HttpRequest, recording: Recording) -> HttpResponse:
    """To the page the form was on (this site only), else the transcript."""
    wanted = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return redirect(wanted)
    return redirect(recording)


def _answer(
    request: HttpRequest, recording: Recording, change: Callable[[], ReviewComment], done: str
) -> HttpResponse:
    """Make the change; answer with the thread's HTML (JSON) or a message and a redirect."""
    try:
        comment = change()
    except (ValidationError, ApplicationError) as exc:
        error = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        if _wants_json(request):
            status = 400 if isinstance(exc, ValidationError) else 409
            return JsonResponse({"error": error}, status=status)
        messages.error(request, error)
        return _back(request, recording)
    if not _wants_json(request):
        messages.success(request, done)
        return _back(request, recording)
    thread = comment.parent or comment
    html = render_to_string(
        "review/includes/thread.html",
        {"thread": thread, "recording": recording, "next": request.POST.get("next", "")},
        request=request,
    )
    return JsonResponse({"thread": thread.pk, "html": html, "message": done})


def _optional_number(request: HttpRequest, name: str) -> int | None:
    raw = request.POST.get(name, "")
    if not raw:
        return None
    return params.whole_number(raw, name=name, minimum=0, maximum=MAX_INDEX, default=0)


@require_POST
def comment_create(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """Start a thread (on a passage, or the whole transcript), or reply to one."""
    recording = selectors.recording_for_discussion(user=request.user, recording_id=recording_id)

    def change() -> ReviewComment:
        parent_id = _optional_number(request, "parent")
        parent = None
        if parent_id is not None:
            parent = selectors.comment_for(user=request.user, comment_id=parent_id)
        return services.comment_add(
            recording=recording, by=request.user, text=request.POST.get("text", ""),
            segment_index=_optional_number(request, "segment"),
            quote=request.POST.get("quote", ""), parent=parent,
        )  # fmt: skip

    return _answer(request, recording, change, "Comment added.")


@require_POST
def thread_resolve(request: AuthenticatedHttpRequest, comment_id: int) -> HttpResponse:
    """Mark a thread resolved."""
    comment = selectors.comment_for(user=request.user, comment_id=comment_id)
    return _answer(
        request, comment.recording,
        lambda: services.thread_resolve(comment=comment, by=request.user), "Thread resolved.",
    )  # fmt: skip


@require_POST
def thread_reopen(request: AuthenticatedHttpRequest, comment_id: int) -> HttpResponse:
    """Open a resolved thread again."""
    comment = selectors.comment_for(user=request.user, comment_id=comment_id)
    return _answer(
        request, comment.recording,
        lambda: services.thread_reopen(comment=comment, by=request.user), "Thread reopened.",
    )  # fmt: skip

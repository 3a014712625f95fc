"""Actions on single words of a transcript: accepting a word the engine was unsure of."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.auth import AuthenticatedHttpRequest
from transcripts import access
from transcripts.access import Access
from transcripts.errors import ApplicationError
from transcripts.models import Segment
from transcripts.words.services import segment_word_accept


def _wants_json(request: HttpRequest) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


@require_POST
def word_accept(
    request: AuthenticatedHttpRequest, recording_id: int, index: int, word: int
) -> HttpResponse:
    """Accept one word as right: it is no longer marked or counted as unsure."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.EDIT)
    try:
        segment = segment_word_accept(recording=recording, index=index, word=word, by=request.user)
    except Segment.DoesNotExist:
        raise Http404("No such segment.") from None
    except (ValidationError, ApplicationError) as exc:
        error = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        status = 400 if isinstance(exc, ValidationError) else 409
        if _wants_json(request):
            return JsonResponse({"error": error}, status=status)
        messages.error(request, error)
        return redirect(recording)
    if _wants_json(request):
        return JsonResponse({"index": segment.index, "word": word, "accepted": True})
    messages.success(request, "Word accepted.")
    return redirect(recording)

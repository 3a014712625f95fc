"""The reviewer's desk: the queue of transcripts waiting, and the keyboard-driven review page.

The review actions themselves (take, approve, request changes…) are posted to
`/review/<id>/<action>/` by static/js/review.js; see review/views.py.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.auth import AuthenticatedHttpRequest
from review.desk import selectors
from review.models import MAX_NOTE_CHARS
from review.selectors import may_review_anything
from transcripts import params
from transcripts.models import MAX_SEGMENT_TEXT_CHARS


@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The reviewer's queue: a tab (waiting, mine, a team's), oldest first, a page at a time."""
    if not may_review_anything(user=request.user):
        raise Http404("Nothing to review.")
    view = request.GET.get("view") or "waiting"
    try:
        number = params.page_number(request.GET.get("page"))
    except ValidationError as exc:
        return render(request, "review/queue.html", {"problem": exc.messages[0]}, status=400)
    desk = selectors.desk_page(user=request.user, view=view, number=number)
    return render(request, "review/queue.html", {"desk": desk})


@require_GET
def review_page(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """One transcript beside its player, to review by keyboard."""
    recording = selectors.recording_to_review(user=request.user, recording_id=recording_id)
    context = {
        "recording": recording,
        "review": selectors.review_page_of(user=request.user, recording=recording),
        "max_note_chars": MAX_NOTE_CHARS,
        "max_segment_chars": MAX_SEGMENT_TEXT_CHARS,
        "next": request.get_full_path(),
        "step_urls": {
            step: reverse(f"review:{step}", args=[recording.pk])
            for step in ("take", "approve", "request_changes", "release")
        },
    }
    return render(request, "review/page.html", context)

"""Pages: record, history, transcript. Each parses input, calls a selector, renders."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from transcripts import engines, selectors
from transcripts.protocol import MAX_TITLE_CHARS

RECORDINGS_PER_PAGE = 20

LANGUAGES = [
    ("en", "English"),
    ("en-US", "English (US)"),
    ("en-GB", "English (UK)"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pt", "Portuguese"),
    ("sv", "Swedish"),
    ("da", "Danish"),
    ("ja", "Japanese"),
    ("hi", "Hindi"),
    ("multi", "Several languages (auto)"),
]


@require_GET
def record(request: HttpRequest) -> HttpResponse:
    """The recorder."""
    context = {
        "engine_configured": engines.live_engine_configured(),
        "no_engine_message": engines.NO_ENGINE_MESSAGE,
        "languages": LANGUAGES,
        "default_language": settings.DEFAULT_LANGUAGE,
        "max_title_chars": MAX_TITLE_CHARS,
    }
    return render(request, "transcripts/record.html", context)


@require_GET
def recording_list(request: HttpRequest) -> HttpResponse:
    """The user's recordings, newest first."""
    recordings = selectors.recording_list_for_user(user=request.user)
    page = Paginator(recordings, RECORDINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "transcripts/recording_list.html", {"page": page})


@require_GET
def recording_detail(request: HttpRequest, recording_id: int) -> HttpResponse:
    """One recording's transcript."""
    recording = selectors.recording_get_for_user(user=request.user, recording_id=recording_id)
    segments = selectors.segment_list(recording=recording)
    return render(
        request,
        "transcripts/recording_detail.html",
        {"recording": recording, "segments": segments},
    )

"""Pages: a recording's history, one version compared with another, restoring a segment.

Reading the history needs VIEW; restoring needs EDIT (anyone else: 404, as for a missing
recording).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.throttling import client_ip
from transcripts import access, params
from transcripts.access import Access
from transcripts.answers import edit_refused, wants_json
from transcripts.errors import ApplicationError
from transcripts.history import selectors, services
from transcripts.models import Recording

VERSIONS_PER_PAGE = 50
MAX_INDEX = 999_999_999  # what a segment's place in a URL may be (params.IndexConverter)


@require_GET
def history_list(request: HttpRequest, recording_id: int) -> HttpResponse:
    """The recording's versions, newest first: what changed, when, by whom."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.VIEW)
    context: dict[str, object] = {"recording": recording}
    try:
        number = params.page_number(request.GET.get("page"))
    except ValidationError as exc:
        context["problem"] = exc.messages[0]
        return render(request, "transcripts/history/list.html", context, status=400)
    versions = selectors.versions_of(recording=recording)
    context["page"] = Paginator(versions, VERSIONS_PER_PAGE).get_page(number)
    return render(request, "transcripts/history/list.html", context)


@require_GET
def history_version(request: HttpRequest, recording_id: int, version: uuid.UUID) -> HttpResponse:
    """One version against the one before it (or `?with=` another): a word diff a segment."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.VIEW)
    level = access.access_of(user=request.user, recording=recording)
    context: dict[str, object] = {"recording": recording, "can_edit": level >= Access.EDIT}
    try:
        base = _version_param(request.GET.get("with"))
    except ValidationError as exc:
        context["problem"] = exc.messages[0]
        return render(request, "transcripts/history/version.html", context, status=400)
    comparison = selectors.version_compare(recording=recording, version=version, base=base)
    if comparison is None:
        raise Http404("No such version.")
    context["comparison"] = comparison
    return render(request, "transcripts/history/version.html", context)


def _version_param(raw: str | None) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        return uuid.UUID(raw.strip()[:64])
    except ValueError:
        raise ValidationError("Choose a version of this recording to compare with.") from None


@require_POST
def history_restore(request: HttpRequest, recording_id: int, version: uuid.UUID) -> HttpResponse:
    """Put one segment back as it was in `version` (owners and editors)."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.EDIT)
    back = reverse("transcripts:history_version", args=[recording.pk, version])
    try:
        index = params.whole_number(
            request.POST.get("index"), name="index", minimum=0, maximum=MAX_INDEX, default=-1
        )
        if index < 0:
            raise ValidationError("Say which segment to restore.")
        segment = services.segment_restore(
            recording=recording, index=index, version=version, by=request.user,
            ip=client_ip(request),
        )  # fmt: skip
    except ValidationError as exc:
        return edit_refused(request, back, exc.messages[0], status=400)
    except ApplicationError as exc:
        return edit_refused(request, back, str(exc), status=409)
    if wants_json(request):
        return JsonResponse({"index": segment.index, "text": segment.text})
    messages.success(request, f"Segment {segment.index + 1} restored.")
    return redirect(_at_segment(recording, segment.index))


def _at_segment(recording: Recording, index: int) -> str:
    return f"{recording.get_absolute_url()}#segment-{index}"

"""JSON endpoints for the upload page: announce a file, send its pieces, read job status.

Each view parses input, calls one service or selector, and answers in JSON with an
`error` in words when something is wrong.
"""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from transcripts import protocol, selectors
from transcripts.auth import AuthenticatedHttpRequest
from transcripts.engines.base import EngineError
from transcripts.forms import UploadStartForm
from transcripts.models import Recording
from transcripts.uploads import services as uploads


def error(message: str, status: int = 400, **extra: object) -> JsonResponse:
    """A JSON error the page shows as it is."""
    return JsonResponse({"error": message, **extra}, status=status)


def recording_state(recording: Recording) -> dict[str, object]:
    """What the upload page shows for a finished upload."""
    return {
        "recording": recording.pk,
        "status": recording.status,
        "status_label": recording.get_status_display(),
        "url": recording.get_absolute_url(),
    }


@require_POST
def upload_start(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Announce a file; answers with where to send its pieces."""
    try:
        form = UploadStartForm(json.loads(request.body))
    except ValueError:
        return error("Expected a JSON object describing the file.")
    if not form.is_valid():
        return error(form.first_error())
    try:
        upload = uploads.upload_begin(owner=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return error(exc.messages[0])
    except EngineError as exc:
        return error(exc.message, status=503)
    url = reverse("transcripts:upload_piece", args=[upload.token])
    return JsonResponse(
        {"upload": str(upload.token), "url": url, "chunk_bytes": settings.UPLOAD_CHUNK_BYTES},
        status=201,
    )


@require_http_methods(["PUT", "DELETE"])
def upload_piece(request: HttpRequest, token: uuid.UUID) -> JsonResponse:
    """PUT one piece at the Upload-Offset header; DELETE abandons the upload."""
    upload = selectors.upload_get_for_user(user=request.user, token=str(token))
    if request.method == "DELETE":
        uploads.upload_discard(upload)
        return JsonResponse({}, status=200)
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.UPLOAD_CHUNK_BYTES:
        return error("That piece is larger than the server accepts.", status=413)
    try:
        offset = int(request.headers["Upload-Offset"])
        upload = uploads.upload_append(upload=upload, offset=offset, stream=request, length=length)
        if upload.received < upload.size:
            return JsonResponse({"received": upload.received})
        return JsonResponse(recording_state(uploads.upload_finish(upload=upload)), status=201)
    except (KeyError, ValueError):
        return error("Send each piece with an Upload-Offset header.")
    except uploads.OffsetMismatch as exc:
        return error(str(exc), status=409, received=exc.received)
    except ValidationError as exc:
        return error(exc.messages[0])


@require_GET
def recording_status(request: HttpRequest) -> JsonResponse:
    """The current state of the given recordings (only the user's own)."""
    try:
        ids = [int(value) for value in request.GET.getlist("id")][:100]
    except ValueError:
        return error("id must be a number.")
    found = selectors.recordings_with_latest_job(user=request.user, recording_ids=ids)
    states = [
        protocol.job_event(job) if job else protocol.status_event(recording, 0)
        for recording, job in found
    ]
    return JsonResponse({"recordings": states})

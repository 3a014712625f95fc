"""JSON endpoints for the upload page: announce a file, send its pieces, read job status.

Each view parses input, calls one service or selector, and answers in JSON with an
`error` in words when something is wrong.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from pydantic import ValidationError as PydanticError

from accounts.auth import AuthenticatedHttpRequest
from transcripts import params, protocol, selectors
from transcripts.engines.base import EngineError
from transcripts.models import Recording
from transcripts.schemas import NotAnObject, complaint, json_object
from transcripts.uploads import services as uploads
from transcripts.uploads.schemas import UploadAnnouncement, UrlImportRequest
from transcripts.uploads.url_import import url_import_start


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
        announced = UploadAnnouncement.model_validate(
            json_object(request.body, what="The announcement")
        )
    except NotAnObject:
        return error("Expected a JSON object describing the file.")
    except PydanticError as exc:
        return error(complaint(exc, kind="the announcement"))
    try:
        upload = uploads.upload_begin(
            owner=request.user,
            filename=announced.filename,
            size=announced.size,
            title=announced.title,
            language=announced.language or settings.DEFAULT_LANGUAGE,
            diarize=announced.diarize,
            team_id=announced.team,
        )
    except ValidationError as exc:
        return error(exc.messages[0])
    except EngineError as exc:
        return error(exc.message, status=503)
    url = reverse("transcripts:upload_piece", args=[upload.token])
    return JsonResponse(
        {"upload": str(upload.token), "url": url, "chunk_bytes": settings.UPLOAD_CHUNK_BYTES},
        status=201,
    )


@require_POST
def url_import(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Import a file from a link: checked now, fetched and transcribed by the worker."""
    try:
        asked = UrlImportRequest.model_validate(json_object(request.body, what="The request"))
    except NotAnObject:
        return error("Expected a JSON object with the link to import.")
    except PydanticError as exc:
        return error(complaint(exc, kind="the request"))
    try:
        recording = url_import_start(
            owner=request.user,
            url=asked.url,
            title=asked.title,
            language=asked.language,
            diarize=asked.diarize,
            team_id=asked.team,
        )
    except ValidationError as exc:
        return error(exc.messages[0])
    except EngineError as exc:
        return error(exc.message, status=503)
    return JsonResponse(recording_state(recording), status=201)


@require_http_methods(["PUT", "DELETE"])
def upload_piece(request: HttpRequest, token: uuid.UUID) -> JsonResponse:
    """PUT one piece at the Upload-Offset header; DELETE abandons the upload."""
    upload = selectors.upload_get_for_user(user=request.user, token=str(token))
    if request.method == "DELETE":
        uploads.upload_discard(upload)
        return JsonResponse({}, status=200)
    try:
        length, offset = _piece_size_and_offset(request)
    except ValidationError as exc:
        return error(exc.messages[0])
    if length > settings.UPLOAD_CHUNK_BYTES:
        return error("That piece is larger than the server accepts.", status=413)
    try:
        upload = uploads.upload_append(upload=upload, offset=offset, stream=request, length=length)
        if upload.received < upload.size:
            return JsonResponse({"received": upload.received})
        return JsonResponse(recording_state(uploads.upload_finish(upload=upload)), status=201)
    except uploads.OffsetMismatch as exc:
        return error(str(exc), status=409, received=exc.received)
    except ValidationError as exc:
        return error(exc.messages[0])


def _piece_size_and_offset(request: HttpRequest) -> tuple[int, int]:
    length = params.whole_number(
        request.META.get("CONTENT_LENGTH"),
        name="Content-Length",
        minimum=0,
        maximum=params.MAX_BYTES,
        default=0,
    )
    return length, params.byte_offset(request.headers.get("Upload-Offset"))


@require_GET
def recording_status(request: HttpRequest) -> JsonResponse:
    """The current state of the given recordings (those the user may see)."""
    try:
        ids = params.recording_ids(request.GET.getlist("id"))
    except ValidationError as exc:
        return error(exc.messages[0])
    found = selectors.recordings_with_latest_job(user=request.user, recording_ids=ids)
    states = [
        protocol.job_event(job) if job else protocol.status_event(recording, 0)
        for recording, job in found
    ]
    return JsonResponse({"recordings": states})

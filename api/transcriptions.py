"""Transcription jobs: a file in one request (up to API_UPLOAD_MAX_BYTES) or in pieces with
the resumable upload protocol (as the upload page uses), their status, cancelling them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from accounts.auth import AuthenticatedHttpRequest
from api.auth import need_scope
from api.recordings import ERRORS, _recording
from api.schemas import JobOut, UploadAnnounce, UploadProgress, UploadStarted
from transcripts import params, selectors
from transcripts.access import Access
from transcripts.jobs.services import job_cancel
from transcripts.models import PendingUpload, Recording
from transcripts.uploads import services as uploads

router = Router(tags=["transcriptions"])


def _job_out(recording: Recording) -> dict[str, object]:
    job = selectors.latest_job(recording=recording)
    return {
        "recording": recording.pk,
        "status": recording.status,
        "job": job.status if job else None,
        "progress": job.progress if job else 0,
        "error": recording.error,
    }


@router.post("/transcriptions", response={201: JobOut} | ERRORS)
def transcribe_file(
    request: AuthenticatedHttpRequest,
    file: File[UploadedFile],
    title: Form[str] = "",
    language: Form[str] = "",
    diarize: Form[bool] = False,
    team: Form[int | None] = None,
) -> Status[dict[str, object]]:
    """Transcribe a file sent in this one request (multipart `file`), up to
    API_UPLOAD_MAX_BYTES; larger files use /uploads. Answers with the new recording's job."""
    need_scope(request, "write")
    size = file.size or 0
    if size > settings.API_UPLOAD_MAX_BYTES:
        raise HttpError(413, "Send files this large in pieces, with /uploads.")
    upload = uploads.upload_begin(
        owner=request.user, filename=file.name or "upload", size=size, title=title,
        language=language or settings.DEFAULT_LANGUAGE, diarize=diarize, team_id=team,
    )  # fmt: skip
    offset = 0
    while offset < size:
        length = min(settings.UPLOAD_CHUNK_BYTES, size - offset)
        upload = uploads.upload_append(upload=upload, offset=offset, stream=file, length=length)
        offset += length
    return Status(201, _job_out(uploads.upload_finish(upload=upload)))


@router.post("/uploads", response={201: UploadStarted} | ERRORS)
def upload_start(
    request: AuthenticatedHttpRequest, body: UploadAnnounce
) -> Status[dict[str, object]]:
    """Announce a file to send in pieces; answers where to PUT them, and their size."""
    need_scope(request, "write")
    upload = uploads.upload_begin(
        owner=request.user, filename=body.filename, size=body.size, title=body.title,
        language=body.language or settings.DEFAULT_LANGUAGE, diarize=body.diarize,
        team_id=body.team,
    )  # fmt: skip
    url = f"/api/v1/uploads/{upload.token}"
    return Status(
        201,
        {
            "upload": str(upload.token),
            "url": url,
            "chunk_bytes": settings.UPLOAD_CHUNK_BYTES,
        },
    )


def _upload(request: HttpRequest, token: uuid.UUID) -> PendingUpload:
    return selectors.upload_get_for_user(user=request.user, token=str(token))


@router.put(
    "/uploads/{token}",
    response={200: UploadProgress, 201: JobOut, 409: UploadProgress} | ERRORS,
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}}},
)
def upload_piece(request: HttpRequest, token: uuid.UUID) -> Status[dict[str, object]]:
    """The next piece as the raw body, with `Upload-Offset: <bytes already sent>`; the last
    piece answers 201 with the job. A piece at the wrong offset: 409 with `received`."""
    need_scope(request, "write")
    upload = _upload(request, token)
    offset = params.byte_offset(request.headers.get("Upload-Offset"))
    length = params.whole_number(
        request.META.get("CONTENT_LENGTH"), name="Content-Length", minimum=0,
        maximum=params.MAX_BYTES, default=0,
    )  # fmt: skip
    if length > settings.UPLOAD_CHUNK_BYTES:
        raise HttpError(413, "That piece is larger than the server accepts.")
    try:
        upload = uploads.upload_append(upload=upload, offset=offset, stream=request, length=length)
    except uploads.OffsetMismatch as exc:
        return Status(409, {"received": exc.received})
    if upload.received < upload.size:
        return Status(200, {"received": upload.received})
    return Status(201, _job_out(uploads.upload_finish(upload=upload)))


@router.delete("/uploads/{token}", response={204: None} | ERRORS)
def upload_abandon(request: HttpRequest, token: uuid.UUID) -> Status[None]:
    """Abandon an upload in progress."""
    need_scope(request, "write")
    uploads.upload_discard(_upload(request, token))
    return Status(204, None)


@router.get("/transcriptions/{recording_id}", response={200: JobOut} | ERRORS)
def transcription_status(request: HttpRequest, recording_id: int) -> dict[str, object]:
    """Where a recording's transcription is: status, job, progress, error."""
    need_scope(request, "read")
    return _job_out(_recording(request, recording_id, Access.VIEW))


@router.post("/transcriptions/{recording_id}/cancel", response={200: JobOut} | ERRORS)
def transcription_cancel(request: HttpRequest, recording_id: int) -> dict[str, object]:
    """Cancel a queued or running transcription (owners only)."""
    need_scope(request, "write")
    recording = _recording(request, recording_id, Access.OWN)
    job_cancel(recording=recording)
    recording.refresh_from_db()
    return _job_out(recording)

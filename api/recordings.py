"""Recordings, their segments, exports and audio."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.http import content_disposition_header
from ninja import Query, Router, Status

from api.auth import need_scope
from api.representation import recording_out
from api.schemas import (
    ErrorOut,
    HistoryQuery,
    RecordingOut,
    RecordingPage,
    RecordingPatch,
    SegmentOut,
    SegmentPatch,
)
from config.db import aclose_connections
from teams.selectors import teams_of
from transcripts import access, exports, selectors, services
from transcripts.access import Access
from transcripts.auditing import Audit, Subject, audited, audited_playback
from transcripts.forms import HistoryForm
from transcripts.marks.selectors import marks_of
from transcripts.media import FORMATS_BY_NAME
from transcripts.models import Recording, Segment
from transcripts.ranges import ranged_response

router = Router(tags=["recordings"])
ERRORS = {frozenset([400, 401, 403, 404, 409, 413, 422, 429, 503]): ErrorOut}
MAX_PER_PAGE = 100


def _recording(request: HttpRequest, recording_id: int, need: Access) -> Recording:
    return access.recording_for(user=request.user, recording_id=recording_id, need=need)


def page_bounds(page: int, per_page: int) -> tuple[int, int]:
    """Checked page and size: pages from 1, at most MAX_PER_PAGE a page."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"page starts at 1; per_page is from 1 to {MAX_PER_PAGE}.")
    return page, per_page


@router.get("/recordings", response={200: RecordingPage} | ERRORS, url_name="recordings")
def recording_list(
    request: HttpRequest,
    filters: Query[HistoryQuery],
    page: int = 1,
    per_page: int = 20,
) -> dict[str, object]:
    """Recordings you may see, with the history's tabs and filters, newest first."""
    need_scope(request, "read")
    page, per_page = page_bounds(page, per_page)
    team_ids = [team.pk for team in teams_of(user=request.user)]
    form = HistoryForm(filters.dict(exclude_none=True), team_ids=team_ids)
    if not form.is_valid():
        raise ValidationError(next(iter(form.errors.values()))[0])
    recordings = selectors.recording_list_for_user(user=request.user, filters=form.filters())
    total = recordings.count()
    chosen = recordings[(page - 1) * per_page : page * per_page]
    return {
        "items": [recording_out(recording) for recording in chosen],
        "page": page,
        "per_page": per_page,
        "total": total,
        "next_page": page + 1 if page * per_page < total else None,
    }


@router.get(
    "/recordings/{recording_id}", response={200: RecordingOut} | ERRORS, url_name="recording"
)
def recording_detail(request: HttpRequest, recording_id: int) -> dict[str, object]:
    """One recording."""
    need_scope(request, "read")
    recording = _recording(request, recording_id, Access.VIEW)
    audited(request, Audit.VIEWED, recording, "via API")
    return recording_out(recording)


@router.patch("/recordings/{recording_id}", response={200: RecordingOut} | ERRORS)
def recording_rename(
    request: HttpRequest, recording_id: int, body: RecordingPatch
) -> dict[str, object]:
    """Rename (owners and editors)."""
    need_scope(request, "write")
    recording = _recording(request, recording_id, Access.EDIT)
    services.recording_rename(recording=recording, title=body.title)
    audited(request, Audit.EDITED, recording, "title via API")
    return recording_out(recording)


@router.delete("/recordings/{recording_id}", response={204: None} | ERRORS)
def recording_delete(request: HttpRequest, recording_id: int) -> Status[None]:
    """Delete with its transcript and audio (owners only)."""
    need_scope(request, "write")
    recording = _recording(request, recording_id, Access.OWN)
    gone = Subject.of(recording)
    services.recording_delete(recording=recording)
    audited(request, Audit.DELETED, gone, "via API")
    return Status(204, None)


@router.get("/recordings/{recording_id}/segments", response={200: list[SegmentOut]} | ERRORS)
def segment_list(request: HttpRequest, recording_id: int) -> list[dict[str, object]]:
    """The transcript, segment by segment, with word timings."""
    need_scope(request, "read")
    recording = _recording(request, recording_id, Access.VIEW)
    segments = [
        exports.segment_json(recording, s) for s in selectors.segment_list(recording=recording)
    ]
    audited(request, Audit.VIEWED, recording, "transcript via API")
    return segments


@router.patch("/recordings/{recording_id}/segments/{index}", response={200: SegmentOut} | ERRORS)
def segment_correct(
    request: HttpRequest, recording_id: int, index: int, body: SegmentPatch
) -> dict[str, object]:
    """Correct one segment's text (owners and editors)."""
    need_scope(request, "write")
    recording = _recording(request, recording_id, Access.EDIT)
    try:
        segment = services.segment_edit(
            recording=recording, index=index, text=body.text, by=request.user
        )
    except Segment.DoesNotExist:
        raise Http404 from None
    audited(request, Audit.EDITED, recording, f"segment {segment.index} via API")
    return exports.segment_json(recording, segment)


@router.get(
    "/recordings/{recording_id}/export/{kind}",
    response={200: None} | ERRORS,
    url_name="recording_export",
)
def recording_export(
    request: HttpRequest,
    recording_id: int,
    kind: str,
    timestamps: bool = True,
    speakers: bool = True,
) -> HttpResponse:
    """The transcript as a file: txt, srt, vtt, json or docx."""
    need_scope(request, "read")
    if kind not in exports.FORMATS:
        raise ValidationError(f"kind is one of {', '.join(exports.FORMATS)}.")
    recording = access.recording_for_export(user=request.user, recording_id=recording_id)
    options = exports.ExportOptions(timestamps=timestamps, speakers=speakers)
    segments = list(selectors.segment_list(recording=recording))
    file = exports.export(recording, segments, kind, options, list(marks_of(recording=recording)))
    audited(request, Audit.EXPORTED, recording, f"{kind} via API")
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = content_disposition_header(True, file.filename)
    return response


@router.get(
    "/recordings/{recording_id}/audio",
    response={200: None, 206: None} | ERRORS,
    url_name="recording_audio",
    # Not rate-limited: a player asks for many ranges while it plays (and the limit's count
    # lives in the database, which an async view must not block on).
    throttle=[],
)
async def recording_audio(request: HttpRequest, recording_id: int) -> HttpResponseBase:
    """The stored audio, with range requests."""
    need_scope(request, "read")
    recording = await sync_to_async(_recording)(request, recording_id, Access.VIEW)
    await audited_playback(request, request.user, recording)
    await aclose_connections()
    if not recording.audio:
        raise Http404
    media_format = FORMATS_BY_NAME.get(recording.media_format)
    content_type = media_format.mime if media_format else "application/octet-stream"
    return await ranged_response(recording.audio, content_type, request.headers.get("Range"))

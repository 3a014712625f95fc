"""Marks on a recording: made while it runs (by its owner or anyone following it) or later,
ticked done (action items), and removed."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from accounts.auth import AuthenticatedHttpRequest
from transcripts import access, protocol
from transcripts.access import Access
from transcripts.answers import edit_answer, edit_refused
from transcripts.errors import ApplicationError
from transcripts.marks.selectors import author_name, mark_in
from transcripts.marks.services import (
    mark_add,
    mark_delete,
    mark_set_done,
    mark_set_note,
)


def _moment(raw: str | None) -> float:
    try:
        at = float(raw or "")
    except ValueError:
        raise ValidationError("Say when, in seconds from the start.") from None
    if not math.isfinite(at):
        raise ValidationError("Say when, in seconds from the start.")
    return at


@require_POST
def mark_create(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """Mark a moment: anyone who may see the recording (fields kind, at, note)."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.VIEW)
    try:
        mark = mark_add(
            recording=recording,
            by=request.user,
            kind=request.POST.get("kind", ""),
            at=_moment(request.POST.get("at")),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        return edit_refused(request, recording, exc.messages[0])
    except ApplicationError as exc:
        return edit_refused(request, recording, str(exc), status=409)
    body = dict(protocol.mark(mark, author_name(request.user)))
    return edit_answer(request, recording, body, f"{mark.get_kind_display()} marked.", status=201)


@require_POST
def mark_note(request: AuthenticatedHttpRequest, recording_id: int, mark_id: int) -> HttpResponse:
    """The mark's author adds or changes its note (field note)."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.VIEW)
    mark = mark_in(recording=recording, mark_id=mark_id)
    try:
        mark = mark_set_note(mark=mark, by=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        return edit_refused(request, recording, exc.messages[0])
    except ApplicationError as exc:
        return edit_refused(request, recording, str(exc), status=409)
    body = dict(protocol.mark(mark, author_name(request.user)))
    return edit_answer(request, recording, body, "Note saved.")


@require_POST
def mark_done(request: AuthenticatedHttpRequest, recording_id: int, mark_id: int) -> HttpResponse:
    """Tick an action item done (done=1) or open it again (done=0): owners and editors."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.EDIT)
    mark = mark_in(recording=recording, mark_id=mark_id)
    done = request.POST.get("done", "1") not in ("0", "false", "")
    try:
        mark = mark_set_done(mark=mark, by=request.user, done=done)
    except ApplicationError as exc:
        return edit_refused(request, recording, str(exc), status=409)
    body = dict(protocol.mark(mark, author_name(mark.author)))
    return edit_answer(request, recording, body, "Done." if done else "Open again.")


@require_POST
def mark_remove(request: AuthenticatedHttpRequest, recording_id: int, mark_id: int) -> HttpResponse:
    """Remove a mark: its author, or the recording's owners and editors."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.VIEW)
    mark = mark_in(recording=recording, mark_id=mark_id)
    if mark.author_id != request.user.pk:
        access.recording_for(user=request.user, recording_id=recording_id, need=Access.EDIT)
    mark_delete(mark=mark)
    return edit_answer(request, recording, {"removed": mark_id}, "Mark removed.")

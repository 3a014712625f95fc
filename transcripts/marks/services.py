"""Marks: moments people mark while a meeting runs (or later, on its page).

A mark is saved at the meeting time it points to; everyone following the meeting live
hears of it (and of an action item ticked done) once it is committed, best-effort.
"""

from __future__ import annotations

from functools import partial

from asgiref.sync import async_to_sync
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from transcripts import protocol, realtime
from transcripts.errors import ApplicationError
from transcripts.marks.selectors import author_name
from transcripts.models import MAX_MARK_NOTE_CHARS, MAX_MARKS_PER_RECORDING, Mark, Recording
from transcripts.text import clean_field

# A mark may point a little past the audio the server has: the page's clock runs ahead of
# what has reached it by a frame or two.
AHEAD_SLACK_SECONDS = 5.0


def _publish(mark: Mark) -> None:
    event = protocol.mark(mark, author_name(mark.author))
    transaction.on_commit(
        partial(async_to_sync(realtime.publish_to_viewers), mark.recording_id, event),
        robust=True,
    )


def _moment(recording: Recording, at: float) -> float:
    """`at` checked against the recording's length; a live one's grows while it runs, and
    its audio (pauses left out) is never longer than the time since it started."""
    if recording.status == Recording.Status.LIVE:
        limit = (timezone.now() - recording.started_at).total_seconds()
    else:
        limit = recording.duration
    if not 0.0 <= at <= limit + AHEAD_SLACK_SECONDS:
        raise ValidationError("That moment is not in the recording.")
    return round(at, 3)


@transaction.atomic
def mark_add(*, recording: Recording, by: User, kind: str, at: float, note: str = "") -> Mark:
    """Mark the moment `at` seconds into the recording."""
    if kind not in Mark.Kind.values:
        raise ValidationError("A mark is a bookmark, an action item or a decision.")
    note = clean_field(note, limit=MAX_MARK_NOTE_CHARS, what="A mark's note")
    recording = Recording.objects.select_for_update().get(pk=recording.pk)
    if recording.marks.count() >= MAX_MARKS_PER_RECORDING:
        raise ApplicationError(f"A recording keeps at most {MAX_MARKS_PER_RECORDING} marks.")
    mark = Mark.objects.create(
        recording=recording, kind=kind, at=_moment(recording, at), note=note, author=by
    )
    _publish(mark)
    return mark


@transaction.atomic
def mark_set_note(*, mark: Mark, by: User, note: str) -> Mark:
    """Its author adds or changes a mark's note (typed just after marking the moment)."""
    if mark.author_id != by.pk:
        raise ApplicationError("Only the person who made a mark can change its note.")
    mark.note = clean_field(note, limit=MAX_MARK_NOTE_CHARS, what="A mark's note")
    mark.save(update_fields=["note"])
    _publish(mark)
    return mark


@transaction.atomic
def mark_set_done(*, mark: Mark, by: User, done: bool) -> Mark:
    """Tick an action item done, or open it again."""
    if mark.kind != Mark.Kind.ACTION:
        raise ApplicationError("Only action items are ticked done.")
    mark.done_at, mark.done_by = (timezone.now(), by) if done else (None, None)
    mark.save(update_fields=["done_at", "done_by"])
    _publish(mark)
    return mark


@transaction.atomic
def mark_delete(*, mark: Mark) -> None:
    """Remove a mark."""
    mark.delete()

"""Reading marks: a recording's, and one by id within a recording."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404

from transcripts import protocol
from transcripts.models import Mark, Recording


def author_name(user: User | None) -> str:
    """How pages name a mark's author."""
    if user is None:
        return "Someone"
    return user.get_full_name() or user.get_username()


def marks_of(*, recording: Recording) -> QuerySet[Mark]:
    """The recording's marks in meeting order, with their authors."""
    return recording.marks.select_related("author", "done_by").order_by("at", "pk")


def mark_in(*, recording: Recording, mark_id: int) -> Mark:
    """One of the recording's marks, else 404."""
    try:
        return recording.marks.select_related("author").get(pk=mark_id)
    except Mark.DoesNotExist:
        raise Http404("No such mark.") from None


def mark_events(*, recording: Recording) -> list[protocol.MarkEvent]:
    """The recording's marks as the pages' scripts take them (the same shape as live)."""
    return [protocol.mark(mark, author_name(mark.author)) for mark in marks_of(recording=recording)]


def marks_context(*, recording: Recording, can_mark: bool, can_tick: bool) -> dict[str, object]:
    """What a page showing the recording's marks (templates/…/marks.html) needs."""
    return {
        "marks_data": mark_events(recording=recording),
        "marks_recording_id": recording.pk,
        "can_mark": can_mark,
        "can_tick_marks": can_tick,
    }

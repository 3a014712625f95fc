"""Reading marks: a recording's, and one by id within a recording."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from transcripts.models import Mark, Recording


def marks_of(*, recording: Recording) -> QuerySet[Mark]:
    """The recording's marks in meeting order, with their authors."""
    return recording.marks.select_related("author", "done_by").order_by("at", "pk")


def mark_in(*, recording: Recording, mark_id: int) -> Mark:
    """One of the recording's marks, else 404."""
    try:
        return recording.marks.select_related("author").get(pk=mark_id)
    except Mark.DoesNotExist:
        raise Http404("No such mark.") from None

"""Writing segment history: a whole version in one INSERT, never a row per save.

The services call these inside their own transactions: the live finish and the janitor
(`history_baseline`: the segments not yet in the history, as "recorded live"), a file's
transcription and the refined transcript (`version_write` with the segments removed and
added), a person's correction or restore (the segment changed, by whom).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from transcripts.models import Recording, Segment
from transcripts.versions import Change

if TYPE_CHECKING:
    from accounts.auth import Visitor

HistoricalSegment: Any = Segment.history.model

# The segment's fields a historical row copies (all but its creation time).
COPIED = [
    field.attname
    for field in HistoricalSegment._meta.concrete_fields
    if not field.name.startswith("history_") and field.name != "version"
]

ADDED, CHANGED, REMOVED = "+", "~", "-"


def historical_row(
    segment: Segment,
    *,
    kind: str,
    change: Change,
    version: uuid.UUID,
    when: datetime,
    by_id: int | None,
) -> Any:
    """An unsaved historical row: `segment` as it is, in `version`."""
    return HistoricalSegment(
        **{name: getattr(segment, name) for name in COPIED},
        version=version,
        history_type=kind,
        history_change_reason=change.value,
        history_date=when,
        history_user_id=by_id,
    )


def version_write(
    *,
    change: Change,
    by: Visitor | None = None,
    removed: Sequence[Segment] = (),
    added: Sequence[Segment] = (),
    changed: Sequence[Segment] = (),
) -> uuid.UUID | None:
    """One version: the segments a change removed, added and changed; None if it touched none.

    Removed rows come first, so a segment replaced at the same position reads in order.
    """
    version, when, by_id = uuid.uuid4(), timezone.now(), by.pk if by is not None else None
    rows = [
        historical_row(segment, kind=kind, change=change, version=version, when=when, by_id=by_id)
        for kind, segments in ((REMOVED, removed), (ADDED, added), (CHANGED, changed))
        for segment in segments
    ]
    if not rows:
        return None
    HistoricalSegment.objects.bulk_create(rows)
    return version


def history_baseline(*, recording: Recording) -> uuid.UUID | None:
    """The recording's segments not yet in its history, as one version of how it was made.

    Each row is dated when its segment was saved: a live recording's words are history
    from the moment they were spoken, and a recording older than the history gets its
    baseline the first time it changes.
    """
    known = HistoricalSegment.objects.filter(recording_id=recording.pk).values("id")
    missing = list(Segment.objects.filter(recording=recording).exclude(pk__in=known))
    if not missing:
        return None
    change = (
        Change.RECORDED_LIVE if recording.source == Recording.Source.LIVE else Change.TRANSCRIBED
    )
    version = uuid.uuid4()
    HistoricalSegment.objects.bulk_create(
        historical_row(s, kind=ADDED, change=change, version=version, when=s.created_at, by_id=None)
        for s in missing
    )
    return version


def history_forget(*, recording_id: int) -> int:
    """Delete a recording's history (its rows go with it when the recording is deleted);
    how many rows went."""
    deleted, _ = HistoricalSegment.objects.filter(recording_id=recording_id).delete()
    return int(deleted)


def edit_change(recording: Recording, by: Visitor | None) -> Change:
    """A correction by the reviewer holding the recording in review is part of the review."""
    in_review = recording.review_state == Recording.Review.IN_REVIEW
    if in_review and by is not None and by.pk == recording.reviewer_id:
        return Change.REVIEWED
    return Change.EDITED

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

from django.db import connection
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
    baseline the first time it changes. The rows are copied inside the database (one
    INSERT ... SELECT): the end of a live meeting runs on the live process, and a Python
    object per segment of an hour's meeting would hold up every other meeting's loop.
    """
    change = (
        Change.RECORDED_LIVE if recording.source == Recording.Source.LIVE else Change.TRANSCRIBED
    )
    version = uuid.uuid4()
    version_value = HistoricalSegment._meta.get_field("version").get_db_prep_value(
        version, connection
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _baseline_sql(), [version_value, ADDED, change.value, recording.pk, recording.pk]
        )
        copied = cursor.rowcount
    return version if copied else None


def _baseline_sql() -> str:
    """INSERT ... SELECT of a recording's segments missing from its history (by segment id):
    the copied columns, then version, kind and change as parameters, dated when saved."""
    quote = connection.ops.quote_name
    history, segment = HistoricalSegment._meta, Segment._meta
    history_columns = {field.attname: str(field.column) for field in history.concrete_fields}
    segment_columns = {field.attname: str(field.column) for field in segment.concrete_fields}
    stamped = ["version", "history_type", "history_change_reason", "history_date"]
    targets = [history_columns[name] for name in [*COPIED, *stamped, "history_user_id"]]
    copied = [f"s.{quote(segment_columns[name])}" for name in COPIED]
    s_created, s_recording, s_id = (
        f"s.{quote(segment_columns[name])}" for name in ("created_at", "recording_id", "id")
    )
    h_recording, h_id = (f"h.{quote(history_columns[name])}" for name in ("recording_id", "id"))
    history_table = quote(history.db_table)
    return (
        f"INSERT INTO {history_table} ({', '.join(quote(column) for column in targets)}) "
        f"SELECT {', '.join(copied)}, %s, %s, %s, {s_created}, NULL "
        f"FROM {quote(segment.db_table)} s WHERE {s_recording} = %s AND {s_id} NOT IN "
        f"(SELECT {h_id} FROM {history_table} h WHERE {h_recording} = %s)"
    )


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

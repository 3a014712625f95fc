"""Reading a recording's history: its versions, newest first, and what one changed.

A version's rows are the segments one change touched, as they were after it ("-": as they
were when removed). The transcript as of a version is every earlier version's rows applied
in order, then its own; versions are ordered by their latest row (time, then row id).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Max, QuerySet, Value
from django.db.models.functions import Concat, Trim

from transcripts.history.diff import Run, word_diff
from transcripts.models import Recording, Segment

HistoricalSegment: Any = Segment.history.model
PARLEY = "Parley"  # who made a version nobody made by hand: a recording, a job
COMPARED = ("index", "text", "speaker", "start", "end")  # what a reader sees change


def versions_of(*, recording: Recording) -> QuerySet[Any, dict[str, Any]]:
    """The recording's versions, newest first: id, change, when, by_name, by_username and
    how many segments each touched; one query, however many there are."""
    user_name = Trim(Concat("history_user__first_name", Value(" "), "history_user__last_name"))
    return (
        HistoricalSegment.objects.filter(recording_id=recording.pk)
        .values(
            "version",
            change=F("history_change_reason"),
            by_username=F("history_user__username"),
            by_name=user_name,
        )
        .annotate(
            when=Max("history_date"), last=Max("history_id"), segments=Count("index", distinct=True)
        )
        .order_by("-when", "-last")
    )


@dataclass(frozen=True)
class Version:
    """One change to a recording's segments: what kind, when, by whom."""

    id: uuid.UUID
    change: str
    when: datetime
    by: str
    rows: list[Any] = field(default_factory=list, compare=False, repr=False)


@dataclass(frozen=True)
class SegmentChange:
    """One segment compared between two versions; `before` or `after` None: not there."""

    index: int
    before: Any | None
    after: Any | None
    runs: list[Run]
    now: str = "gone"  # the segment today against `after`: "same", "different" or "gone"

    @property
    def speaker_changed(self) -> bool:
        """Whether the two versions give the words to different speakers."""
        return bool(self.before and self.after and self.before.speaker != self.after.speaker)

    @property
    def timing_changed(self) -> bool:
        """Whether the segment starts or ends elsewhere."""
        before, after = self.before, self.after
        return bool(before and after and (before.start, before.end) != (after.start, after.end))


@dataclass(frozen=True)
class Comparison:
    """A version against an earlier one (`base`; None: the first version, all added)."""

    version: Version
    base: Version | None
    changes: list[SegmentChange]
    versions: list[Version]  # all of them, newest first, to compare with another


def _by(row: Any) -> str:
    user = row.history_user
    return (user.get_full_name() or user.get_username()) if user is not None else PARLEY


def timeline(*, recording: Recording, with_words: bool = False) -> list[Version]:
    """The recording's versions, oldest first, each with its rows; one query."""
    rows = HistoricalSegment.objects.filter(recording_id=recording.pk).select_related(
        "history_user"
    )
    if not with_words:
        rows = rows.defer("words", "original_text")
    grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows.order_by("history_id"):
        grouped[row.version].append(row)
    versions = [
        Version(
            id=key,
            change=group[0].history_change_reason,
            when=max(row.history_date for row in group),
            by=_by(group[0]),
            rows=group,
        )
        for key, group in grouped.items()
    ]
    return sorted(versions, key=lambda v: (v.when, v.rows[-1].history_id))


def transcript_as_of(versions: list[Version], version_id: uuid.UUID) -> dict[int, Any]:
    """The segments, by position, as they were once `version_id` (in `versions`) was made."""
    state: dict[int, Any] = {}
    for version in versions:
        # Removed rows first: a refined segment takes the place of the one it replaced.
        for row in sorted(version.rows, key=lambda r: (r.history_type != "-", r.history_id)):
            if row.history_type != "-":
                state[row.index] = row
            elif row.index in state and state[row.index].id == row.id:
                del state[row.index]
        if version.id == version_id:
            break
    return state


def version_compare(
    *, recording: Recording, version: uuid.UUID, base: uuid.UUID | None = None
) -> Comparison | None:
    """What `version` changed since the version before it (or since `base`); None if the
    recording has no such version (or no such `base`)."""
    versions = timeline(recording=recording)
    by_id = {v.id: v for v in versions}
    if version not in by_id or (base is not None and base not in by_id):
        return None
    if base is None:
        position = versions.index(by_id[version])
        base = versions[position - 1].id if position else None
    after = transcript_as_of(versions, version)
    before = transcript_as_of(versions, base) if base is not None else {}
    now = {s.index: s for s in Segment.objects.filter(recording=recording).only(*COMPARED)}
    changes = [
        SegmentChange(
            index,
            before.get(index),
            after.get(index),
            _runs(before, after, index),
            now=_now(now.get(index), after.get(index)),
        )
        for index in sorted(before.keys() | after.keys())
        if not _same(before.get(index), after.get(index))
    ]
    return Comparison(
        version=by_id[version],
        base=by_id[base] if base is not None else None,
        changes=changes,
        versions=versions[::-1],
    )


def _same(before: Any | None, after: Any | None) -> bool:
    if before is None or after is None:
        return before is after
    return all(getattr(before, name) == getattr(after, name) for name in COMPARED)


def _now(segment: Segment | None, after: Any | None) -> str:
    if segment is None or after is None:
        return "gone"
    return "same" if _same(segment, after) else "different"


def _runs(before: dict[int, Any], after: dict[int, Any], index: int) -> list[Run]:
    old, new = before.get(index), after.get(index)
    return word_diff(old.text if old else "", new.text if new else "")


def segment_in_version(*, recording: Recording, index: int, version: uuid.UUID) -> Any | None:
    """The segment at `index` as it was once `version` was made; None if it was not there
    (or the recording has no such version)."""
    versions = timeline(recording=recording, with_words=True)
    if all(v.id != version for v in versions):
        return None
    return transcript_as_of(versions, version).get(index)

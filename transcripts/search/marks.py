"""Searching marks: `kind:action` (or decision, bookmark, open, marks) in the search box
finds marks instead of passages.

The other words narrow the marks: each must appear in the mark's note or in what was being
said at that moment (the last segment that started at or before it). Matching is by
substring, case-insensitively, as titles are matched (selectors.recordings_titled); marks
are short and few, so a full-text index would not earn its keep. Tags, owners, dates and
the source narrow the recordings, as for passages. Two queries whatever the data: the
count and the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.safestring import SafeString

from transcripts.access import recordings_visible
from transcripts.marks.selectors import author_name
from transcripts.models import Mark, Recording, Segment
from transcripts.search.selectors import SearchFilters, SearchQuery, highlight

if TYPE_CHECKING:
    from accounts.auth import Visitor

OPEN = "open"  # action items not yet done
# What may follow kind:, and the kinds of mark each stands for.
KINDS: dict[str, tuple[str, ...]] = {
    "bookmark": (Mark.Kind.BOOKMARK,),
    "bookmarks": (Mark.Kind.BOOKMARK,),
    "action": (Mark.Kind.ACTION,),
    "actions": (Mark.Kind.ACTION,),
    "decision": (Mark.Kind.DECISION,),
    "decisions": (Mark.Kind.DECISION,),
    "mark": tuple(Mark.Kind.values),
    "marks": tuple(Mark.Kind.values),
    OPEN: (),
}
UNKNOWN_KIND = (
    "There is no kind “{kind}”: search for kind:action, kind:decision, kind:bookmark, "
    "kind:open (action items not done yet) or kind:marks (all of them)."
)


@dataclass(frozen=True)
class MarkHit:
    """One matching mark, with its note and what was said then, words highlighted."""

    mark: Mark
    author: str
    note: SafeString
    spoken: SafeString


@dataclass(frozen=True)
class MarkResult:
    """One page of marks and how many there are in all."""

    hits: list[MarkHit]
    total: int


def kinds_wanted(names: tuple[str, ...]) -> Q:
    """The marks the kind: operators ask for (any of them); ValidationError for an unknown."""
    wanted = Q(pk__in=[])
    for name in names:
        if name not in KINDS:
            raise ValidationError(UNKNOWN_KIND.format(kind=name[:40]))
        if name == OPEN:
            wanted |= Q(kind=Mark.Kind.ACTION, done_at__isnull=True)
        else:
            wanted |= Q(kind__in=KINDS[name])
    return wanted


def search_marks(
    *, user: Visitor, query: SearchQuery, filters: SearchFilters, limit: int, offset: int
) -> MarkResult:
    """The marks of the kinds in `query` on recordings the user may see, narrowed by its
    words, newest recording first and in meeting order within one."""
    marks = _matching(_marks(user, query, filters), query)
    total = marks.count()
    page = marks.select_related("recording", "author").order_by(
        "-recording__started_at", "-recording_id", "at", "pk"
    )[offset : offset + limit]
    hits = [
        MarkHit(
            mark=mark,
            author=author_name(mark.author),
            note=highlight(mark.note, query),
            spoken=highlight(getattr(mark, "spoken", ""), query),
        )
        for mark in page
    ]
    return MarkResult(hits, total)


def _marks(user: Visitor, query: SearchQuery, filters: SearchFilters) -> QuerySet[Mark]:
    """The wanted kinds on the recordings in reach, with what was being said at each."""
    said_then = Segment.objects.filter(
        recording_id=OuterRef("recording_id"), start__lte=OuterRef("at")
    ).order_by("-start", "-index")
    return (
        Mark.objects.filter(recording__in=_recordings(user, query, filters))
        .filter(kinds_wanted(query.kinds))
        # Never NULL, so that excluding a word keeps marks made in silence.
        .annotate(
            spoken=Coalesce(
                Subquery(said_then.values("text")[:1]), Value(""), output_field=TextField()
            )
        )
    )


def _matching(marks: QuerySet[Mark], query: SearchQuery) -> QuerySet[Mark]:
    """Marks with every word and phrase, and none of the excluded, in the note or said."""
    for words in [(word,) for word in query.words] + list(query.phrases):
        text = " ".join(words)
        marks = marks.filter(Q(note__icontains=text) | Q(spoken__icontains=text))
    for words in query.excluded:
        text = " ".join(words)
        marks = marks.exclude(Q(note__icontains=text) | Q(spoken__icontains=text))
    return marks


def _recordings(user: Visitor, query: SearchQuery, filters: SearchFilters) -> QuerySet[Recording]:
    """The recordings the user may see, narrowed by tags, owners, local-day dates, source."""
    recordings = recordings_visible(user=user)
    for tag in query.tags:
        recordings = recordings.filter(tags__name=tag.lower())
    for owner in query.owners:
        recordings = recordings.filter(owner__username__iexact=owner)
    zone = timezone.get_current_timezone()
    if filters.date_from:
        start = datetime.combine(filters.date_from, time(), zone)
        recordings = recordings.filter(started_at__gte=start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), zone)
        recordings = recordings.filter(started_at__lt=end)
    if filters.source:
        recordings = recordings.filter(source=filters.source)
    return recordings

"""Full-text search over the transcripts and titles a user may read, alike on PostgreSQL and
SQLite.

A query is parsed here into words, "quoted phrases" and -excluded words or phrases, then
compiled for the database in use:
- PostgreSQL: a stored, GIN-indexed tsvector column on segments (created by migration
  0003), matched with to_tsquery and ranked with ts_rank;
- SQLite: an FTS5 table kept in step with segments by triggers (same migration), matched
  with MATCH and ranked with bm25.
Both index words the same way (runs of letters and digits, lower-cased, no stemming, no
stop words), so the same data gives the same set of hits on both. Snippets and
highlighting are made here, from the segment's own text, never from database HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from teams.selectors import team_ids_of
from transcripts.access import recordings_visible
from transcripts.models import Recording
from transcripts.segments import speaker_label

if TYPE_CHECKING:
    from accounts.auth import Visitor

MAX_QUERY_CHARS = 500
MAX_PARTS = 20
SNIPPET_CHARS = 240
WORD = re.compile(r"[^\W_]+")
PART = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
# tag:name, tag:"two words", owner:username, kind:action — taken out before the words.
FILTER = re.compile(r'(?<!\S)(tag|owner|kind):(?:"([^"]*)"?|(\S+))', re.IGNORECASE)


@dataclass(frozen=True)
class SearchQuery:
    """What to look for: every word and phrase, none of the excluded ones."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[tuple[str, ...], ...] = ()
    tags: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # marks wanted instead of passages (search/marks.py)

    @property
    def is_empty(self) -> bool:
        """Nothing to look for (exclusions alone cannot be searched)."""
        return not self.words and not self.phrases

    @property
    def highlight_words(self) -> frozenset[str]:
        return frozenset(self.words) | {word for phrase in self.phrases for word in phrase}


def parse_query(raw: str) -> SearchQuery:
    """Words, "phrases", -exclusions, tag:, owner: and kind: from what the user typed; never
    raises."""
    raw = raw[:MAX_QUERY_CHARS]
    filters: dict[str, list[str]] = {"tag": [], "owner": [], "kind": []}
    for match in FILTER.finditer(raw):
        value = " ".join((match.group(2) or match.group(3) or "").split())
        if value:
            filters[match.group(1).lower()].append(value)
    raw = FILTER.sub(" ", raw)
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    for match in list(PART.finditer(raw))[:MAX_PARTS]:
        negated = bool(match.group(1) or match.group(3))
        quoted = match.group(2) is not None
        tokens = tuple(WORD.findall((match.group(2) if quoted else match.group(4)).lower()))
        if not tokens:
            continue
        if negated:
            excluded.append(tokens)
        elif len(tokens) > 1:
            phrases.append(tokens)  # quoted, or joined by punctuation like state-of-the-art
        else:
            words.append(tokens[0])
    return SearchQuery(
        tuple(dict.fromkeys(words)),
        tuple(phrases),
        tuple(excluded),
        tags=tuple(dict.fromkeys(filters["tag"]))[:MAX_PARTS],
        owners=tuple(dict.fromkeys(filters["owner"]))[:MAX_PARTS],
        kinds=tuple(dict.fromkeys(kind.lower() for kind in filters["kind"]))[:MAX_PARTS],
    )


@dataclass(frozen=True)
class SearchFilters:
    """Which recordings to search in."""

    date_from: date | None = None
    date_to: date | None = None
    source: str = ""


@dataclass
class Hit:
    """One matching segment."""

    segment_id: int
    recording_id: int
    recording_title: str
    started_at: Any
    start: float
    text: str
    channel: int | None = None
    speaker: int | None = None
    snippet: SafeString = field(default_factory=lambda: mark_safe(""))
    label: str = ""  # who said it, in a two-channel recording (transcripts/segments.py)


# --- Compiling a query ---------------------------------------------------------------


def _tsquery(query: SearchQuery) -> str:
    """A to_tsquery expression; the words are letters and digits only, so nothing to escape."""

    def phrase(tokens: tuple[str, ...]) -> str:
        return "(" + " <-> ".join(f"'{token}'" for token in tokens) + ")"

    wanted = [f"'{word}'" for word in query.words] + [phrase(p) for p in query.phrases]
    unwanted = [f"!{phrase(tokens)}" for tokens in query.excluded]
    return " & ".join(wanted + unwanted)


def _fts5_query(query: SearchQuery, readers: list[str]) -> str:
    """An FTS5 MATCH expression limited to segments whose readers include one of `readers`."""

    def phrase(tokens: tuple[str, ...]) -> str:
        return '"' + " ".join(tokens) + '"'

    wanted = " AND ".join(
        [phrase((word,)) for word in query.words] + [phrase(p) for p in query.phrases]
    )
    expression = f"({wanted})" + "".join(f" NOT {phrase(tokens)}" for tokens in query.excluded)
    allowed = " OR ".join(f'"{token}"' for token in readers)
    return f"readers : ({allowed}) AND text : ({expression})"


def _filter_sql(filters: SearchFilters, query: SearchQuery) -> tuple[str, list[Any]]:
    """Conditions on the recording (alias r): local-day date bounds, source, tags, owners."""
    clauses, params = [], []
    for tag in query.tags:
        clauses.append(
            "r.id IN (SELECT recording_id FROM transcripts_recordingtag WHERE name = %s)"
        )
        params.append(tag.lower())
    for owner in query.owners:
        clauses.append("r.owner_id IN (SELECT id FROM auth_user WHERE lower(username) = %s)")
        params.append(owner.lower())
    zone = timezone.get_current_timezone()
    if filters.date_from:
        clauses.append("r.started_at >= %s")
        params.append(_db_time(datetime.combine(filters.date_from, time(), zone)))
    if filters.date_to:
        clauses.append("r.started_at < %s")
        next_day = filters.date_to + timedelta(days=1)
        params.append(_db_time(datetime.combine(next_day, time(), zone)))
    if filters.source:
        clauses.append("r.source = %s")
        params.append(filters.source)
    return "".join(f" AND {clause}" for clause in clauses), params


def _db_time(moment: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(moment)


@dataclass(frozen=True)
class CompiledSearch:
    """FROM and WHERE for the matching segments, and how to rank them."""

    source: str
    params: list[Any]
    order: str
    order_params: list[Any]
    counts_alongside: bool = False  # the page's statement also gives the total


def _compile_postgres(query: SearchQuery, readers: list[str], where: str) -> CompiledSearch:
    tsquery = _tsquery(query)
    return CompiledSearch(
        source=(
            "FROM transcripts_segment s JOIN transcripts_recording r ON r.id = s.recording_id "
            "WHERE s.search_vector @@ to_tsquery('simple', %s) "
            f"AND s.readers_vector @@ to_tsquery('simple', %s){where}"
        ),
        params=[tsquery, " | ".join(readers)],
        order="ts_rank(s.search_vector, to_tsquery('simple', %s)) DESC",
        order_params=[tsquery],
        counts_alongside=True,
    )


def _compile_sqlite(query: SearchQuery, readers: list[str], where: str) -> CompiledSearch:
    return CompiledSearch(
        source=(
            "FROM transcripts_segment_fts f JOIN transcripts_segment s ON s.id = f.rowid "
            "JOIN transcripts_recording r ON r.id = s.recording_id "
            f"WHERE transcripts_segment_fts MATCH %s{where}"
        ),
        params=[_fts5_query(query, readers)],
        order="bm25(transcripts_segment_fts)",
        order_params=[],
    )


# --- Running it ----------------------------------------------------------------------


@dataclass
class SearchResult:
    """One page of hits and how many there are in all."""

    hits: list[Hit]
    total: int


def search_segments(
    *, user: Visitor, query: SearchQuery, filters: SearchFilters, limit: int, offset: int
) -> SearchResult:
    """The segments the user may read matching `query`, best first.

    Two or three queries whatever the data: the user's teams, then the page and its total
    (one statement on PostgreSQL, see `_page_and_total`). Who may read is part of the
    full-text condition itself (readers.py), not a filter on its results.
    """
    if query.is_empty or user.pk is None:
        return SearchResult([], 0)
    where, filter_params = _filter_sql(filters, query)
    compile_for = _compile_postgres if connection.vendor == "postgresql" else _compile_sqlite
    readers = [f"u{user.pk}", *(f"t{team_id}" for team_id in team_ids_of(user_id=user.pk))]
    compiled = compile_for(query, readers, where)
    rows, total = _page_and_total(compiled, [*compiled.params, *filter_params], limit, offset)
    hits = [Hit(*row) for row in rows]
    for hit in hits:
        hit.started_at = _aware(hit.started_at)
        hit.snippet = highlight(hit.text, query)
    _label_two_channel_hits(hits)
    return SearchResult(hits, total)


def _label_two_channel_hits(hits: list[Hit]) -> None:
    """Say who spoke in hits from two-channel recordings ("You"'s name, or the others'): one
    query for their recordings and owners, none when no hit has a channel."""
    ids = {hit.recording_id for hit in hits if hit.channel is not None}
    if not ids:
        return
    recordings = Recording.objects.select_related("owner").in_bulk(ids)
    for hit in hits:
        if hit.channel is not None:
            recording = recordings[hit.recording_id]
            hit.label = speaker_label(recording, channel=hit.channel, speaker=hit.speaker)


def _page_and_total(
    compiled: CompiledSearch, params: list[Any], limit: int, offset: int
) -> tuple[list[tuple[Any, ...]], int]:
    """One page of rows and the number of matches.

    PostgreSQL counts alongside the page with count(*) OVER (), so the matches are found
    once, not twice (a separate count only for a page past the last). SQLite cannot: FTS5's
    bm25() refuses a window query; it counts first.
    """
    columns = "s.id, r.id, r.title, r.started_at, s.start, s.text, s.channel, s.speaker"
    order = f'ORDER BY {compiled.order}, r.started_at DESC, s."index" LIMIT %s OFFSET %s'
    page_params = [*params, *compiled.order_params, limit, offset]
    with connection.cursor() as cursor:
        if compiled.counts_alongside:
            counted = f"SELECT {columns}, count(*) OVER () {compiled.source} {order}"
            cursor.execute(counted, page_params)
            rows = cursor.fetchall()
            if rows or not offset:
                return [row[:-1] for row in rows], rows[0][-1] if rows else 0
        cursor.execute(f"SELECT count(*) {compiled.source}", params)
        total = cursor.fetchone()[0]
        if compiled.counts_alongside:
            return [], total
        cursor.execute(f"SELECT {columns} {compiled.source} {order}", page_params)
        return cursor.fetchall(), total


def _aware(value: Any) -> datetime:
    """A raw cursor's timestamp as an aware datetime (SQLite returns text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def highlight(text: str, query: SearchQuery) -> SafeString:
    """The text (shortened around the first match) with the query's words in <mark>."""
    wanted = query.highlight_words
    matches = [m for m in WORD.finditer(text) if m.group().lower() in wanted]
    start = 0
    if len(text) > SNIPPET_CHARS and matches:
        start = max(0, matches[0].start() - SNIPPET_CHARS // 3)
        start = text.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(text), start + SNIPPET_CHARS)
    pieces: list[str] = []
    cursor = start
    for match in matches:
        if match.start() < start or match.end() > end:
            continue
        pieces.append(escape(text[cursor : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        cursor = match.end()
    pieces.append(escape(text[cursor:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)


def recordings_titled(
    *, user: Visitor, query: SearchQuery, filters: SearchFilters, limit: int = 10
) -> list[Recording]:
    """The user's recordings whose title has every word and phrase, newest first."""
    recordings = recordings_visible(user=user)
    for words in [(word,) for word in query.words] + list(query.phrases):
        recordings = recordings.filter(title__icontains=" ".join(words))
    for words in query.excluded:
        recordings = recordings.exclude(title__icontains=" ".join(words))
    if filters.source:
        recordings = recordings.filter(source=filters.source)
    for tag in query.tags:
        recordings = recordings.filter(tags__name=tag.lower())
    for owner in query.owners:
        recordings = recordings.filter(owner__username__iexact=owner)
    return list(recordings.order_by("-started_at")[:limit])

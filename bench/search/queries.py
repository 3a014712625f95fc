"""The queries: the timed searches, and each one's total by a brute-force scan."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bench.search.constants import (
    DEEP_OFFSET,
    PAGE_SIZE,
    SEED,
    SPAN_DAYS,
    SPAN_START,
    TAG_NAMES,
    WORD,
)
from bench.search.vocabulary import OUTSIDE_VOCABULARY, Vocabulary


@dataclass
class BenchQuery:
    """One search as the user would type it, with its filters and page."""

    kind: str
    text: str
    date_from: date | None = None
    date_to: date | None = None
    source: str = ""
    offset: int = 0

    def filters(self) -> Any:
        """The app's SearchFilters for this query."""
        from transcripts.search.selectors import SearchFilters

        return SearchFilters(date_from=self.date_from, date_to=self.date_to, source=self.source)


@dataclass
class UserSegment:
    """A segment the timed user may read, tokenised for the brute-force check."""

    recording_id: int
    started: date  # local day, as the date filters count
    source: str
    owner: str  # username, lower-case
    tags: frozenset[str]
    tokens: set[str]
    joined: str  # " tok tok tok "


def visible_index(user: Any) -> list[UserSegment]:
    """Every segment of every recording `user` may read by the reference rule
    (access.recordings_visible), read by plain queries without the search index."""
    from django.utils import timezone

    from transcripts.access import recordings_visible
    from transcripts.models import RecordingTag, Segment

    visible = recordings_visible(user=user)
    recordings = {
        pk: (timezone.localtime(started).date(), source, owner.lower())
        for pk, started, source, owner in visible.values_list(
            "pk", "started_at", "source", "owner__username"
        )
    }
    tags: dict[int, set[str]] = defaultdict(set)
    named = RecordingTag.objects.filter(recording_id__in=visible.values("pk"))
    for recording_id, name in named.values_list("recording_id", "name"):
        tags[recording_id].add(name)
    segments = Segment.objects.filter(recording_id__in=visible.values("pk"))
    result = []
    for recording_id, text in segments.values_list("recording_id", "text").order_by("pk"):
        tokens = WORD.findall(text.lower())
        started, source, owner = recordings[recording_id]
        frozen = frozenset(tags[recording_id])
        joined = f" {' '.join(tokens)} "
        result.append(
            UserSegment(recording_id, started, source, owner, frozen, set(tokens), joined)
        )
    return result


def expected_total(query: BenchQuery, segments: list[UserSegment]) -> int:
    """How many of the user's segments match, by scanning them all."""
    from transcripts.search.selectors import parse_query

    parsed = parse_query(query.text)
    if parsed.is_empty:
        return 0

    def has(seg: UserSegment, phrase: Sequence[str]) -> bool:
        return (
            phrase[0] in seg.tokens if len(phrase) == 1 else f" {' '.join(phrase)} " in seg.joined
        )

    def matches(seg: UserSegment) -> bool:
        if query.date_from and seg.started < query.date_from:
            return False
        if query.date_to and seg.started > query.date_to:
            return False
        if query.source and seg.source != query.source:
            return False
        if any(tag.lower() not in seg.tags for tag in parsed.tags):
            return False
        if any(owner.lower() != seg.owner for owner in parsed.owners):
            return False
        wanted = [(word,) for word in parsed.words] + list(parsed.phrases)
        return all(has(seg, p) for p in wanted) and not any(has(seg, p) for p in parsed.excluded)

    return sum(1 for seg in segments if matches(seg))


class QueryMaker:
    """The 200 timed queries (and the page-11 ones), drawn from the vocabulary and data."""

    def __init__(self, vocabulary: Vocabulary, segments: list[UserSegment]) -> None:
        self.rng = random.Random(SEED + 3)
        self.segments = segments
        self.function = set(vocabulary.single_words(function=True, ranks=slice(None)))
        self.very_common = vocabulary.single_words(function=True, ranks=slice(0, 30))
        self.common = vocabulary.single_words(function=False, ranks=slice(0, 150))
        self.mid = vocabulary.single_words(function=False, ranks=slice(0, 1000))
        content = vocabulary.single_words(function=False, ranks=slice(None))
        self.rare = content[-len(content) // 4 :]
        self.known = vocabulary.token_set
        phrases = [e.text.lower() for e in vocabulary.entries if " " in e.text]
        self.said = [p for p in phrases if any(f" {p} " in seg.joined for seg in segments)]

    def all(self) -> list[BenchQuery]:
        """Every class, in a fixed order."""
        rng = self.rng
        queries = [BenchQuery("very common", w) for w in rng.sample(self.very_common, 10)]
        queries += [BenchQuery("common", w) for w in rng.sample(self.common, 40)]
        queries += [BenchQuery("rare", w) for w in rng.sample(self.rare, 30)]
        queries += [BenchQuery("and 2 words", self._and(2)) for _ in range(25)]
        queries += [BenchQuery("and 3 words", self._and(3)) for _ in range(15)]
        queries += [BenchQuery("phrase", self._phrase()) for _ in range(25)]
        queries += [BenchQuery("exclusion", self._exclusion(n % 4 == 0)) for n in range(20)]
        queries += [BenchQuery("no hits", self._misspelt()) for _ in range(10)]
        queries += [self._filtered(n) for n in range(25)]
        queries += [BenchQuery("tag/owner", self._tag_owner(n)) for n in range(10)]
        return queries

    def deep_pages(self, totals: dict[str, int]) -> list[BenchQuery]:
        """Ten common words with more than 220 hits, at offset 200."""
        words = [*self.very_common, *self.common]
        candidates = [w for w in words if totals.get(w, 0) > DEEP_OFFSET + PAGE_SIZE]
        chosen = self.rng.sample(candidates, min(10, len(candidates)))
        return [BenchQuery("page 11", word, offset=DEEP_OFFSET) for word in chosen]

    def _and(self, count: int) -> str:
        words = [self.rng.choice(self.common), *self.rng.sample(self.mid, count - 1)]
        if count == 3 and self.rng.random() < 0.35:
            words[-1] = self.rng.choice(self.very_common)  # "budget for the quarter" style
        return " ".join(dict.fromkeys(words))

    def _window(self, tokens: list[str], length: int, avoid: str = "") -> list[str] | None:
        """`length` consecutive tokens, not all function words, without `avoid`."""
        for _ in range(20):
            at = self.rng.randrange(0, max(1, len(tokens) - length + 1))
            window = tokens[at : at + length]
            if len(window) < length or avoid in window:
                continue
            if any(t not in self.function for t in window):
                return window
        return None

    def _phrase(self) -> str:
        """Half the time a set phrase ("action items") the user said, else any 2-3 words."""
        if self.rng.random() < 0.5 and self.said:
            return f'"{self.rng.choice(self.said)}"'
        while True:
            tokens = self.rng.choice(self.segments).joined.split()
            window = self._window(tokens, 2 if self.rng.random() < 0.6 else 3)
            if window:
                return '"' + " ".join(window) + '"'

    def _exclusion(self, phrase: bool) -> str:
        hits: list[UserSegment] = []
        while not hits:
            base = self.rng.choice(self.common)
            hits = [seg for seg in self.segments if base in seg.tokens]
        while True:
            tokens = self.rng.choice(hits).joined.split()
            window = self._window(tokens, 2 if phrase else 1, avoid=base)
            if window:
                excluded = f'"{" ".join(window)}"' if phrase else window[0]
                return f"{base} -{excluded}"

    def _misspelt(self) -> str:
        while True:
            if self.rng.random() < 0.25:
                return self.rng.choice(OUTSIDE_VOCABULARY)
            word = self.rng.choice(self.mid)
            at = self.rng.randrange(1, len(word))
            typo = word[:at] + word[at - 1] + word[at:]  # a doubled letter
            if typo not in self.known:
                return typo

    def _filtered(self, number: int) -> BenchQuery:
        rng = self.rng
        text = self._and(2) if number % 3 == 2 else rng.choice(self.common)
        query = BenchQuery("filtered", text)
        if number % 4 != 1:  # three in four: a date range of 1, 3, 6 or 12 months
            days = rng.choice([30, 91, 182, 365])
            query.date_from = SPAN_START.date() + timedelta(days=rng.randrange(SPAN_DAYS - days))
            query.date_to = query.date_from + timedelta(days=days - 1)
        if number % 4 != 0:  # three in four: a source
            query.source = rng.choice(["live", "upload"])
        return query

    def _tag_owner(self, number: int) -> str:
        """A common word with tag:, owner: or both (an owner whose recordings the user reads)."""
        rng = self.rng
        tag = rng.choice(TAG_NAMES)
        tag_filter = f'tag:"{tag}"' if " " in tag else f"tag:{tag}"
        owner_filter = f"owner:{rng.choice(sorted({seg.owner for seg in self.segments}))}"
        filters = [tag_filter, owner_filter, f"{owner_filter} {tag_filter}"][number % 3]
        return f"{rng.choice(self.common)} {filters}"

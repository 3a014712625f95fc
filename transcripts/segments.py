"""Segments between an engine and the database: rows from finals, times moved, words retimed."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from transcripts.engines.base import FinalSegment
from transcripts.models import Segment


def segment_row_from(*, recording_id: int, index: int, segment: FinalSegment) -> Segment:
    """An unsaved Segment row for an engine's final segment."""
    return Segment(
        recording_id=recording_id,
        index=index,
        start=segment.start,
        end=segment.end,
        text=segment.text,
        speaker=segment.speaker,
        confidence=segment.confidence,
        words=[asdict(word) for word in segment.words],
        channel=segment.channel,
    )


def shifted_final(segment: FinalSegment, seconds: float) -> FinalSegment:
    """A final segment moved `seconds` later: a stream's times onto the recording's timeline."""
    if not seconds:
        return segment
    words = tuple(
        replace(word, start=round(word.start + seconds, 3), end=round(word.end + seconds, 3))
        for word in segment.words
    )
    return replace(
        segment,
        start=round(segment.start + seconds, 3),
        end=round(segment.end + seconds, 3),
        words=words,
    )


def retimed_words(segment: Segment, text: str) -> list[dict[str, Any]]:
    """Word timings for corrected text: kept one for one when the word count is unchanged,
    otherwise spread evenly over the segment, so clicking a word still seeks near it.
    A word a person changed is theirs: it is accepted, no longer flagged as unsure."""
    tokens = text.split()
    old = segment.words or []
    if len(tokens) == len(old):
        return [
            {**timing, "word": token}
            if token == timing.get("word")
            else {**timing, "word": token, "accepted": True}
            for timing, token in zip(old, tokens, strict=True)
        ]
    step = (segment.end - segment.start) / max(len(tokens), 1)
    return [
        {"word": token, "start": round(segment.start + i * step, 3),
         "end": round(segment.start + (i + 1) * step, 3), "confidence": None,
         "speaker": segment.speaker}
        for i, token in enumerate(tokens)
    ]  # fmt: skip

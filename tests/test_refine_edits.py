"""Carrying a transcript's edits over to its refined segments, case by case."""

from __future__ import annotations

import pytest

from transcripts.engines.base import FinalSegment, Word
from transcripts.jobs import merge
from transcripts.models import Segment


def refined(*texts_and_spans: tuple[str, float, float]) -> list[FinalSegment]:
    return [
        FinalSegment(text, start, end, speaker=i % 2, words=words_between(text, start, end))
        for i, (text, start, end) in enumerate(texts_and_spans)
    ]


def words_between(text: str, start: float, end: float) -> tuple[Word, ...]:
    tokens = text.split()
    step = (end - start) / len(tokens)
    return tuple(
        Word(token, start + i * step, start + (i + 1) * step, speaker=None)
        for i, token in enumerate(tokens)
    )


def edit(start: float, end: float, original: str, text: str) -> Segment:
    return Segment(start=start, end=end, text=text, original_text=original, edited=True)


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        pytest.param([], ["Hello there. The quick", "brown fox jumps."], id="no edits"),
        pytest.param(
            [edit(1.0, 3.1, "the quick brown fox", "the quick brown fax")],
            ["Hello there. the quick brown fax", "jumps."],
            id="a span across two segments goes to the first",
        ),
        pytest.param(
            [edit(1.0, 3.1, "THE quick-brown fox!", "a quick brown fax")],
            ["Hello there. a quick brown fax", "jumps."],
            id="case, punctuation and spacing ignored",
        ),
        pytest.param(
            [edit(1.0, 3.1, "the quick brown box", "the quick brown fax")],
            ["Hello there. The quick", "brown fox jumps."],
            id="different words drop the edit",
        ),
        pytest.param(
            [edit(0.0, 1.0, "hello there", "Hello, there!"), edit(4.5, 5.0, "on", "On!")],
            ["Hello, there! The quick", "brown fox jumps."],
            id="an edit without words to match is dropped",
        ),
        pytest.param(
            [edit(0.0, 4.0, "hello there the quick brown fox jumps", "All of it.")],
            ["All of it."],
            id="a segment left without words goes",
        ),
    ],
)
def test_edits_carry_over_only_where_the_refined_words_say_the_same(
    edits: list[Segment], expected: list[str]
) -> None:
    segments = refined(("Hello there. The quick", 0.0, 2.0), ("brown fox jumps.", 2.0, 4.0))
    rows = merge.refined_segments(segments, edits=edits)
    assert [row.text for row in rows] == expected

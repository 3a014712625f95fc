"""Words the engine was unsure of: the threshold per engine, and which words still count.

A word is "low" when the engine gave it a confidence under its engine's threshold
(settings.LOW_CONFIDENCE) and no person has accepted it since (`"accepted": true` in the
segment's words, set by transcripts.words.services.segment_word_accept).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings

DEFAULT_THRESHOLD = 0.5


def threshold_for(engine: str) -> float:
    """The confidence under which this engine's words are flagged."""
    return float(settings.LOW_CONFIDENCE.get(engine, DEFAULT_THRESHOLD))


def is_low(word: Mapping[str, Any], threshold: float) -> bool:
    """The engine was unsure of this word, and nobody has accepted it."""
    confidence = word.get("confidence")
    return confidence is not None and confidence < threshold and not word.get("accepted")


def count_low(words: Iterable[Mapping[str, Any]], threshold: float) -> int:
    """How many of `words` are still flagged."""
    return sum(1 for word in words if is_low(word, threshold))

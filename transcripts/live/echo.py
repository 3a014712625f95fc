"""Echo suppression for two-channel recordings (docs/two-channels.md).

When the microphone also picks up the call (speakers, not headphones), the others' words
arrive twice: on the shared audio's channel, and a moment later on the microphone's. A
microphone final whose words are mostly among those the shared channel finalised within a
short window around it is that echo, and is dropped. Only finals already saved on the
shared channel can suppress one: a microphone copy that is finalised first is kept.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from dataclasses import dataclass

from django.conf import settings

from transcripts.engines.base import MICROPHONE, SHARED_AUDIO, FinalSegment

logger = logging.getLogger(__name__)

ECHO_SHARE = 0.6  # this share of a microphone final's words heard on the other channel: echo
KEEP_SECONDS = 30.0  # shared-channel finals older than this (before the latest) are forgotten
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def normalised_words(text: str) -> list[str]:
    """The words of `text`, lower case, punctuation stripped."""
    return _WORD.findall(text.lower())


def spoken_span(final: FinalSegment) -> tuple[float, float]:
    """When a final's words were spoken: its words' times, else the final's own (an engine's
    final may span the silence before its first word)."""
    if final.words:
        return final.words[0].start, final.words[-1].end
    return final.start, final.end


@dataclass(frozen=True, slots=True)
class Heard:
    """Words finalised on the shared channel, and when."""

    start: float
    end: float
    words: frozenset[str]


class EchoFilter:
    """Remembers the shared channel's recent finals; tells which microphone finals echo them."""

    def __init__(self, window: float | None = None) -> None:
        self._window = settings.LIVE_ECHO_WINDOW_SECONDS if window is None else window
        self._heard: deque[Heard] = deque()
        self.dropped = 0

    def saved(self, final: FinalSegment) -> None:
        """A final was saved: the shared channel's are remembered for a while."""
        if final.channel != SHARED_AUDIO:
            return
        start, end = spoken_span(final)
        self._heard.append(Heard(start, end, frozenset(normalised_words(final.text))))
        while self._heard and self._heard[0].end < end - KEEP_SECONDS:
            self._heard.popleft()

    def is_echo(self, final: FinalSegment) -> bool:
        """Whether this microphone final repeats words the shared channel finalised near it."""
        if final.channel != MICROPHONE or not self._heard:
            return False
        words = normalised_words(final.text)
        if not words:
            return False
        start, end = spoken_span(final)
        nearby: set[str] = set()
        for heard in self._heard:
            if heard.start - self._window <= end and start <= heard.end + self._window:
                nearby |= heard.words
        echoed = sum(word in nearby for word in words)
        if echoed < ECHO_SHARE * len(words):
            return False
        self.dropped += 1
        logger.debug("Dropped an echo on the microphone channel: %r", final.text)
        return True

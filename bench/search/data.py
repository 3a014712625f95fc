"""The data: the planned recordings and the seeded maker of their segments' speech."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bench.search.constants import SEED, SPAN_DAYS, SPAN_START, UPLOAD_SHARE, USERS
from bench.search.vocabulary import ENDINGS, TITLE_KINDS, TITLE_TOPICS, Vocabulary


@dataclass
class PlannedRecording:
    """One recording to write: whose, when, what."""

    owner: int  # 0..USERS-1
    started_at: datetime
    source: str
    title: str
    ended_at: datetime | None = None
    duration: float = 0.0


def plan_recordings(count: int) -> list[PlannedRecording]:
    """`count` recordings, owners round robin, in order of start (ids follow time)."""
    rng = random.Random(SEED + 1)
    plans = []
    for number in range(count):
        started = SPAN_START + timedelta(seconds=rng.uniform(0, SPAN_DAYS * 86400))
        source = "upload" if rng.random() < UPLOAD_SHARE else "live"
        title = f"{rng.choice(TITLE_TOPICS)} {rng.choice(TITLE_KINDS)}"
        plans.append(
            PlannedRecording(number % USERS, started.replace(microsecond=0), source, title)
        )
    return sorted(plans, key=lambda plan: plan.started_at)


@dataclass
class Spoken:
    """One generated segment: its text, per-word JSON and timing."""

    text: str
    words_json: str
    start: float
    end: float
    speaker: int
    confidence: float


class SpeechMaker:
    """Makes segments of meeting speech, deterministically, and counts the cost."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.rng = random.Random(SEED + 2)
        self.words = 0

    def recording(self, count: int) -> list[Spoken]:
        """`count` consecutive segments of one recording."""
        rng, spoken, speaker = self.rng, [], 0
        clock = rng.uniform(0.5, 3.0)
        for _ in range(count):
            if rng.random() < 0.35:
                speaker = 1 - speaker
            segment = self._segment(clock, speaker)
            spoken.append(segment)
            clock = segment.end + rng.uniform(0.2, 1.5)
        return spoken

    def _segment(self, clock: float, speaker: int) -> Spoken:
        """8-25 entries in sentences, starting `clock` seconds into the recording."""
        rng = self.rng
        picks = rng.choices(
            self.vocabulary.entries, cum_weights=self.vocabulary.cum_weights, k=rng.randint(8, 25)
        )
        shown: list[str] = []
        words: list[str] = []
        start, capital, until_stop = clock, True, rng.randint(4, 12)
        for number, entry in enumerate(picks, 1):
            for piece, prefix in entry.pieces:
                shown.append(piece[0].upper() + piece[1:] if capital else piece)
                capital = False
                end = clock + 0.15 + rng.random() * 0.3
                confidence = 0.75 + rng.random() * 0.25
                words.append(
                    f'{prefix}{clock:.2f}, "end": {end:.2f}, '
                    f'"confidence": {confidence:.3f}, "speaker": {speaker}}}'
                )
                clock = end + rng.random() * 0.08
            until_stop -= 1
            if number == len(picks) or until_stop == 0:
                shown[-1] += rng.choice(ENDINGS)
                capital, until_stop = True, rng.randint(4, 12)
            elif rng.random() < 0.07:
                shown[-1] += ","
        self.words += len(words)
        confidence = round(0.85 + rng.random() * 0.14, 3)
        return Spoken(
            " ".join(shown),
            f"[{', '.join(words)}]",
            round(start, 2),
            round(clock, 2),
            speaker,
            confidence,
        )

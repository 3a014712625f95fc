"""Speech for the glossary benchmark: meeting sentences full of invented names, and scoring.

Thirty sentences carry ten invented names (people, products, places) that no speech model
has heard; each name is said three or four times. espeak-ng speaks every sentence in two of
the four voices of bench/speech_corpus.py, and each voice's sentences, in order with 1.2 s
pauses over a faint hiss, make one "meeting". Clips are cached under
bench/results/glossary-corpus/<digest>/ and made again whenever anything that shapes them
changes.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.speech_corpus import (
    ESPEAK,
    NOISE_FLOOR_RMS,
    SAMPLE_RATE,
    SEED,
    SOX,
    SPEEDS,
    VOICES,
    WerCount,
    cached,
    normalise,
    read_wav,
    word_errors,
    write_wav,
)

CORPUS_VERSION = 1
PAUSE_SECONDS = 1.2
TAIL_SECONDS = 3.0  # quiet after the last sentence, so a live stream ends it by itself

TERMS = (
    "Quarvex",
    "Nimbalo",
    "Zentrilo",
    "Orvanta",
    "Kestrix",
    "Taluvine",
    "Velquist",
    "Drovana",
    "Piksalo",
    "Sorbenta",
)

# Meeting talk with the names where people say them; no digits or number words.
SENTENCES = (
    "Good morning everyone, Quarvex will lead the planning meeting today.",
    "Please send the report to Nimbalo before the end of the week.",
    "We moved the Zentrilo servers to the new data center last month.",
    "Ask Orvanta whether the Kestrix contract has been signed.",
    "The Taluvine dashboard is much faster since the last release.",
    "Velquist found a problem in the billing code on Monday.",
    "Drovana and Piksalo are working on the mobile app together.",
    "The Sorbenta campaign starts next week, so please review the slides.",
    "I think Quarvex should talk to the customer about the delay.",
    "Nimbalo asked for more time to finish the security review.",
    "Our main risk is the Zentrilo migration, which could take longer than planned.",
    "The Kestrix team needs another engineer before the summer.",
    "Orvanta shared the budget for the new office yesterday.",
    "Can someone help Taluvine with the customer interviews?",
    "The feedback on Velquist was very positive this quarter.",
    "Drovana will present the roadmap at the next board meeting.",
    "We should ask Piksalo to test the Sorbenta landing page.",
    "Quarvex and Nimbalo agreed to share the support rotation.",
    "The Zentrilo outage lasted about an hour on Tuesday night.",
    "Kestrix sales were lower than we expected in the spring.",
    "Please add Orvanta to the invitation for the vendor call.",
    "Taluvine is ready for the beta, but the documentation is not.",
    "Velquist and Drovana will interview the candidates on Friday.",
    "The Piksalo prototype crashed twice during the demo.",
    "Sorbenta needs a new logo before the launch in the autumn.",
    "Let us review the Quarvex proposal after lunch.",
    "Nimbalo will follow up with the legal department about Kestrix.",
    "The Zentrilo dashboard shows that traffic doubled this week.",
    "Orvanta thinks Taluvine should move to the new database.",
    "That is everything for today; Velquist will send the notes to Drovana and Piksalo.",
)


@dataclass(frozen=True, slots=True)
class Meeting:
    """One voice's sentences in a row, as 16 kHz mono PCM16, with what is said."""

    voice: str
    path: Path
    text: str
    duration: float


def voices_for(sentence: int) -> tuple[int, int]:
    """The two voices (indexes into VOICES) that speak a sentence, rotating."""
    return sentence % len(VOICES), (sentence + 2) % len(VOICES)


def load_meetings(cache_root: Path) -> list[Meeting]:
    """One meeting per voice, made on first use and cached under `cache_root`."""

    def make(staging: Path) -> list[dict[str, Any]]:
        return [_make_meeting(voice, staging) for voice in range(len(VOICES))]

    return [Meeting(**entry) for entry in cached(cache_root / _digest(), make)]


def _digest() -> str:
    version = subprocess.run([ESPEAK, "--version"], capture_output=True, text=True, check=True)
    spec = [CORPUS_VERSION, SEED, SENTENCES, VOICES, SPEEDS, PAUSE_SECONDS, version.stdout]
    return hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:12]


def _make_meeting(voice: int, directory: Path) -> dict[str, object]:
    """Speak the voice's sentences (speeds alternating) into one WAV with pauses and hiss."""
    spoken = [n for n in range(len(SENTENCES)) if voice in voices_for(n)]
    pause = np.zeros(round(PAUSE_SECONDS * SAMPLE_RATE), dtype=np.int16)
    pieces = [pause]
    for order, sentence in enumerate(spoken):
        speed = SPEEDS[order % len(SPEEDS)]
        pieces += [_speak(SENTENCES[sentence], VOICES[voice], speed, directory), pause]
    pieces.append(np.zeros(round(TAIL_SECONDS * SAMPLE_RATE), dtype=np.int16))
    audio = np.concatenate(pieces).astype(np.float64)
    floor = np.random.default_rng([SEED, voice]).normal(0.0, NOISE_FLOOR_RMS, audio.size)
    mixed = np.clip(np.round(audio + floor), -32768, 32767).astype(np.int16)
    name = f"meeting-{VOICES[voice].replace('+', '_')}.wav"
    write_wav(directory / name, mixed)
    return {
        "voice": VOICES[voice],
        "path": name,
        "text": " ".join(SENTENCES[n] for n in spoken),
        "duration": mixed.size / SAMPLE_RATE,
    }


def _speak(text: str, voice: str, speed: int, directory: Path) -> np.ndarray:
    """espeak-ng's speech, converted by sox to 16 kHz mono PCM16 samples."""
    raw, out = directory / "speaking.raw.wav", directory / "speaking.wav"
    subprocess.run([ESPEAK, "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    subprocess.run(
        [SOX, "-V1", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(out)], check=True
    )
    samples = read_wav(out)
    raw.unlink()
    out.unlink()
    return samples


# --- scoring ------------------------------------------------------------------------------

_TERM_WORDS = frozenset(term.lower() for term in TERMS)


def aligned_matches(reference: Sequence[str], hypothesis: Sequence[str]) -> list[tuple[int, int]]:
    """(reference index, hypothesis index) of the words a minimal edit alignment keeps."""
    rows, columns = len(reference) + 1, len(hypothesis) + 1
    cost = np.zeros((rows, columns), dtype=np.int32)
    cost[:, 0], cost[0, :] = np.arange(rows), np.arange(columns)
    for i in range(1, rows):
        for j in range(1, columns):
            keep = cost[i - 1, j - 1] + (reference[i - 1] != hypothesis[j - 1])
            cost[i, j] = min(keep, cost[i - 1, j] + 1, cost[i, j - 1] + 1)
    matches, i, j = [], rows - 1, columns - 1
    while i and j:
        same = reference[i - 1] == hypothesis[j - 1]
        if cost[i, j] == cost[i - 1, j - 1] + (not same):
            if same:
                matches.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif cost[i, j] == cost[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return matches[::-1]


@dataclass(frozen=True, slots=True)
class Score:
    """How a transcript fared: the names heard where said, names where nobody said them, WER."""

    said: int  # invented-name occurrences in the script
    heard: int  # of those, how many the transcript has in their place (same word, any case)
    extra: int  # invented names in the transcript not in the place of the same name said
    wer: WerCount

    @classmethod
    def of(cls, reference: str, hypothesis: str) -> Score:
        """Score one transcript against its script, names matched by word alignment."""
        ref, hyp = normalise(reference), normalise(hypothesis)
        kept = {j for i, j in aligned_matches(ref, hyp) if ref[i] in _TERM_WORDS}
        said = sum(1 for word in ref if word in _TERM_WORDS)
        named = [j for j, word in enumerate(hyp) if word in _TERM_WORDS]
        return cls(
            said=said,
            heard=len(kept),
            extra=sum(1 for j in named if j not in kept),
            wer=WerCount(word_errors(ref, hyp), len(ref)),
        )

    @classmethod
    def total(cls, scores: Sequence[Score]) -> Score:
        """Pooled over many transcripts."""
        return cls(
            said=sum(s.said for s in scores),
            heard=sum(s.heard for s in scores),
            extra=sum(s.extra for s in scores),
            wer=WerCount.total([s.wer for s in scores]),
        )

    @property
    def recall(self) -> float:
        """Share of the names said that the transcript has in their place."""
        return self.heard / self.said if self.said else 0.0

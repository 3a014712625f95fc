"""Real speech for the local engine's tests: the fixture's script and a word error rate."""

from __future__ import annotations

import re
import wave
from pathlib import Path

SPEECH_WAV = Path(__file__).parent / "fixtures" / "speech.wav"
# What espeak-ng was asked to say in speech.wav (16 kHz mono, 8.8 s; speech ends at ~6.9 s).
SCRIPT = "Good morning everyone. Thanks for joining. Let us review the quarterly numbers."
SPEECH_ENDS = 6.95

_WORD = re.compile(r"[a-z0-9']+")


def speech_pcm() -> bytes:
    """speech.wav's PCM16LE samples."""
    with wave.open(str(SPEECH_WAV)) as audio:
        return audio.readframes(audio.getnframes())


def normalised_words(text: str) -> list[str]:
    """Lower-case words without punctuation."""
    return _WORD.findall(text.lower().replace("-", " "))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by edit distance."""
    expected, heard = normalised_words(reference), normalised_words(hypothesis)
    previous = list(range(len(heard) + 1))
    for row, word in enumerate(expected, start=1):
        current = [row]
        for column, candidate in enumerate(heard, start=1):
            current.append(
                min(
                    previous[column] + 1,
                    current[column - 1] + 1,
                    previous[column - 1] + (word != candidate),
                )
            )
        previous = current
    return previous[-1] / max(1, len(expected))

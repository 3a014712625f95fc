"""Synthetic PCM16 mono audio: tone bursts the fake Deepgram hears as speech."""

from __future__ import annotations

import math
from array import array

RATE = 16000
FRAME_MS = 100


def tone(seconds: float, *, rate: int = RATE, amplitude: int = 8000, hz: float = 440.0) -> bytes:
    """A sine burst: "speech" to the fake's energy detector."""
    samples = array(
        "h",
        (
            int(amplitude * math.sin(2 * math.pi * hz * n / rate))
            for n in range(int(seconds * rate))
        ),
    )
    return samples.tobytes()


def silence(seconds: float, *, rate: int = RATE) -> bytes:
    """Digital silence."""
    return bytes(2 * int(seconds * rate))


def frames(pcm: bytes, *, rate: int = RATE, frame_ms: int = FRAME_MS) -> list[bytes]:
    """Audio cut into the ~100 ms frames the browser sends."""
    size = 2 * rate * frame_ms // 1000
    return [pcm[offset : offset + size] for offset in range(0, len(pcm), size)]


def utterances(count: int, *, speech: float = 1.0, pause: float = 0.6) -> bytes:
    """`count` bursts of speech, each followed by a pause long enough to end it."""
    return (tone(speech) + silence(pause)) * count

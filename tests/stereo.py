"""Two-channel PCM16 for the two-channel tests: the microphone left, the shared audio right."""

from __future__ import annotations

from array import array


def stereo(left: bytes, right: bytes) -> bytes:
    """Interleave two mono PCM16 streams; the shorter is padded with silence."""
    size = max(len(left), len(right))
    left, right = left.ljust(size, b"\0"), right.ljust(size, b"\0")
    samples = array("h", bytes(2 * size))
    samples[0::2], samples[1::2] = array("h", left), array("h", right)
    return samples.tobytes()

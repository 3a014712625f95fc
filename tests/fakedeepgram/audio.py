"""Audio helpers: energy-based voicing of PCM16 windows, WAV streaming, container sniffing."""

from __future__ import annotations

import math
import struct
import sys
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

WINDOW_SECONDS = 0.02
RMS_THRESHOLD = 500
# Every 4th sample is plenty to tell a tone from silence and keeps pure Python cheap.
SUBSAMPLE = 4
_THRESHOLD_SQ = RMS_THRESHOLD * RMS_THRESHOLD
_MAX_WAV_HEADER = 1 << 20


@dataclass(frozen=True)
class Window:
    """One analysis window: [start, end) in sample frames, and whether it is voiced."""

    start: int
    end: int
    voiced: bool
    pitch: int | None = None  # Hz to the nearest 100, for voiced windows when asked for


def is_voiced(samples: array) -> bool:
    """Return True if the subsampled RMS of int16 `samples` exceeds the threshold."""
    sub = samples[::SUBSAMPLE].tolist()
    if not sub:
        return False
    # In C, exact on ints: a third of a generator's cost (the fake hears 15,000 windows a
    # second under `bench/live_load.py`'s 300 meetings, on the same cores as the server).
    return math.sumprod(sub, sub) > _THRESHOLD_SQ * len(sub)


class Windower:
    """Cuts a raw byte stream into fixed 20 ms windows, keeping partial bytes between feeds.

    `width` is the byte width of one sample; only width 2 (PCM16LE) is decoded, anything
    else is counted for stream time but treated as silence. Width 0 means "cannot tell",
    so stream time does not advance at all.
    """

    def __init__(
        self, sample_rate: int, width: int = 2, channels: int = 1, *, pitch: bool = False
    ) -> None:
        self.sample_rate = sample_rate
        self.pitch = pitch
        self.width = width
        self.channels = max(1, channels)
        self.window_frames = max(1, round(sample_rate * WINDOW_SECONDS))
        self.frames_received = 0
        self.frames_windowed = 0
        self._pending = bytearray()

    @property
    def frame_bytes(self) -> int:
        """Bytes per sample frame (all channels)."""
        return self.width * self.channels

    def feed(self, data: bytes) -> Iterator[Window]:
        """Add bytes and yield every window completed by them."""
        if self.width == 0:
            return
        self._pending += data
        self.frames_received = self.frames_windowed + len(self._pending) // self.frame_bytes
        window_bytes = self.window_frames * self.frame_bytes
        while len(self._pending) >= window_bytes:
            chunk = bytes(self._pending[:window_bytes])
            del self._pending[:window_bytes]
            yield self._window(chunk, self.window_frames)

    def flush(self) -> Iterator[Window]:
        """Yield the trailing partial window (whole frames only), if any."""
        if self.width == 0:
            return
        frames = len(self._pending) // self.frame_bytes
        if frames:
            chunk = bytes(self._pending[: frames * self.frame_bytes])
            del self._pending[: frames * self.frame_bytes]
            yield self._window(chunk, frames)

    def _window(self, chunk: bytes, frames: int) -> Window:
        start = self.frames_windowed
        self.frames_windowed += frames
        samples = _pcm16(chunk) if self.width == 2 else array("h")
        voiced = self.width == 2 and is_voiced(samples)
        pitch = tone_pitch(samples, self.sample_rate) if voiced and self.pitch else None
        return Window(start, self.frames_windowed, voiced, pitch)


def tone_pitch(samples: array, sample_rate: int) -> int | None:
    """A pure tone's frequency, to the nearest 100 Hz, from its zero crossings.

    Only the stretch between the first and last non-zero samples counts, so a window that a
    tone fills in part (a stream that starts mid-window, as after a reconnect) gives the
    same answer.
    """
    sounding = [(index, s) for index, s in enumerate(samples) if s != 0]
    if len(sounding) < 2:
        return None
    signs = [s < 0 for _, s in sounding]
    crossings = sum(1 for a, b in pairwise(signs) if a != b)
    seconds = (sounding[-1][0] - sounding[0][0] + 1) / sample_rate
    return round(crossings / 2 / seconds / 100) * 100


def _pcm16(chunk: bytes) -> array:
    samples = array("h")
    samples.frombytes(chunk)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


class RegionFinder:
    """Groups windows into speech regions that end after `silence_frames` of unvoiced audio."""

    def __init__(self, silence_frames: int) -> None:
        self.silence_frames = silence_frames
        self.regions: list[tuple[int, int]] = []
        self._start: int | None = None
        self._voiced_end = 0

    def add(self, window: Window) -> None:
        """Account for one window."""
        if window.voiced:
            if self._start is None:
                self._start = window.start
            self._voiced_end = window.end
        elif self._start is not None and window.end - self._voiced_end >= self.silence_frames:
            self._close()

    def finish(self) -> list[tuple[int, int]]:
        """Close any open region and return all regions as (start, voiced_end) frames."""
        if self._start is not None:
            self._close()
        return self.regions

    def _close(self) -> None:
        assert self._start is not None
        self.regions.append((self._start, self._voiced_end))
        self._start = None


@dataclass
class WavFormat:
    """The interesting part of a WAV `fmt ` chunk."""

    audio_format: int
    channels: int
    sample_rate: int
    bits: int

    @property
    def is_pcm16(self) -> bool:
        """True for integer PCM (or WAVE_FORMAT_EXTENSIBLE) with 16-bit samples."""
        return self.audio_format in (1, 0xFFFE) and self.bits == 16


class WavStream:
    """Incrementally parses a RIFF/WAVE body; once `data` starts, PCM goes to a Windower."""

    def __init__(self, silence_seconds: float) -> None:
        self._silence_seconds = silence_seconds
        self._head = bytearray()
        self.format: WavFormat | None = None
        self.windower: Windower | None = None
        self.finder: RegionFinder | None = None
        self.unparseable = False

    def feed(self, data: bytes) -> None:
        """Consume more body bytes."""
        if self.unparseable:
            return
        if self.windower is None:
            self._head += data
            self._parse_head()
            return
        self._add_pcm(data)

    def finish(self) -> list[tuple[int, int]] | None:
        """Return speech regions (frames), or None if the body was not PCM16 WAV."""
        if self.windower is None or self.finder is None:
            return None
        for window in self.windower.flush():
            self.finder.add(window)
        return self.finder.finish()

    @property
    def duration(self) -> float:
        """Seconds of PCM seen so far."""
        if self.windower is None:
            return 0.0
        return self.windower.frames_received / self.windower.sample_rate

    def _add_pcm(self, data: bytes) -> None:
        assert self.windower is not None
        assert self.finder is not None
        for window in self.windower.feed(data):
            self.finder.add(window)

    def _parse_head(self) -> None:
        offset = 12
        while offset + 8 <= len(self._head):
            chunk_id = bytes(self._head[offset : offset + 4])
            (size,) = struct.unpack_from("<I", self._head, offset + 4)
            body = offset + 8
            if chunk_id == b"data":
                self._start_data(bytes(self._head[body:]))
                return
            if body + size > len(self._head):
                break
            if chunk_id == b"fmt " and size >= 16:
                self.format = WavFormat(*struct.unpack_from("<HHI6xH", self._head, body))
            offset = body + size + (size & 1)
        if len(self._head) > _MAX_WAV_HEADER:
            self.unparseable = True

    def _start_data(self, rest: bytes) -> None:
        self._head.clear()
        if self.format is None or not self.format.is_pcm16 or self.format.sample_rate <= 0:
            self.unparseable = True
            return
        rate = self.format.sample_rate
        self.windower = Windower(rate, 2, self.format.channels)
        self.finder = RegionFinder(round(rate * self._silence_seconds))
        self._add_pcm(rest)


def sniff_container(head: bytes) -> str | None:
    """Name the audio container that `head` (the first bytes of a body) starts, if any."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    magic = {b"OggS": "ogg", b"fLaC": "flac", b"\x1a\x45\xdf\xa3": "webm"}.get(head[:4])
    if magic:
        return magic
    if head[:3] == b"ID3":
        return "mp3"
    if head[4:8] == b"ftyp":
        return "mp4"
    if len(head) >= 2 and head[0] == 0xFF:
        # ADTS has layer bits 00 (FFF1/FFF9); MPEG audio frames never do.
        if head[1] & 0xF6 == 0xF0:
            return "aac"
        if head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
            return "mp3"
    return None

"""A live recording's audio on disk: raw PCM spooled as it arrives, Ogg/Opus once it ends.

While a session runs, its PCM is appended to a WAV spool about once a second (a write to
the page cache: ~20 µs per second of audio, no encoder state), so after a crash the file
holds every second written. When the session ends the spool is encoded to Ogg/Opus in a
separate process (live/spool.py) and the Ogg moves into storage beside uploads. Opus at
24 kbit/s keeps speech at about 10 MB an hour; encoding costs about 0.9 ms of CPU per
second of audio (docs/benchmarks.md). A two-channel recording's spool and Ogg are stereo,
at 24 kbit/s a channel (docs/two-channels.md).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from pathlib import Path

import av
from django.conf import settings

OPUS_RATES = frozenset({8000, 12000, 16000, 24000, 48000})
OPUS_OPTIONS = {"compression_level": "0", "frame_duration": "60"}
OPUS_BIT_RATE = 24_000
# A spool's WAV header says "size unknown": decoders read to the end of the file, so a
# spool cut off by a crash is as readable as a finished one.
WAV_HEADER_BYTES = 44
UNKNOWN_SIZE = 0xFFFFFFFF
ENCODE_BATCH_SECONDS = 10
# A two-channel recording's spool is interleaved stereo (microphone left, shared audio
# right) and its Ogg/Opus is stereo too, so a refine can transcribe each channel on its own.
LAYOUTS = {1: "mono", 2: "stereo"}


def spool_path(recording_id: int, part: str = "") -> Path:
    """Where a live recording's audio is written while it is being recorded.

    A resumed recording writes its next part beside the first (`<id>-<part>.wav`).
    """
    suffix = f"-{part}" if part else ""
    return Path(settings.LIVE_AUDIO_DIR) / f"{recording_id}{suffix}.wav"


def spools_of(recording_id: int) -> list[Path]:
    """A recording's spools left on this machine (raw WAV, or Ogg), oldest first."""
    folder = Path(settings.LIVE_AUDIO_DIR)
    found = [
        path
        for pattern in (f"{recording_id}.*", f"{recording_id}-*.*")
        for path in folder.glob(pattern)
        if path.suffix in (".wav", ".ogg")
    ]
    return sorted(found, key=lambda path: path.stat().st_mtime)


def wav_header(sample_rate: int, channels: int = 1) -> bytes:
    """The 44-byte header of a 16-bit WAV of unknown length (mono, or interleaved stereo)."""
    frame = 2 * channels
    return (
        b"RIFF" + struct.pack("<I", UNKNOWN_SIZE) + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate, sample_rate * frame, frame, 16)
        + b"data" + struct.pack("<I", UNKNOWN_SIZE)
    )  # fmt: skip


def open_spool(path: Path, sample_rate: int, channels: int = 1) -> int:
    """A new WAV spool, its header written; the file descriptor to append PCM to."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
    os.write(fd, wav_header(sample_rate, channels))
    return fd


def read_spool(path: Path, offset: int, size: int) -> bytes:
    """`size` bytes of a spool's PCM from byte `offset` of its audio (after the header)."""
    with path.open("rb") as spool:
        spool.seek(WAV_HEADER_BYTES + offset)
        return spool.read(size)


def wav_format(path: Path) -> tuple[int, int]:
    """(sample rate, channels) in a spool's WAV header."""
    with path.open("rb") as spool:
        header = spool.read(WAV_HEADER_BYTES)
    channels, rate = struct.unpack("<HI", header[22:28])
    return int(rate), max(1, int(channels))


def wav_rate(path: Path) -> int:
    """The sample rate in a spool's WAV header."""
    return wav_format(path)[0]


def wav_seconds(path: Path) -> float:
    """Seconds of audio in a WAV spool, from its size (its header does not say)."""
    rate, channels = wav_format(path)
    return max(0, path.stat().st_size - WAV_HEADER_BYTES) // (2 * channels) / rate


def encode_spool(wav: Path) -> Path:
    """Encode a WAV spool to Ogg/Opus beside it and delete the WAV; the Ogg's path.

    Run in the encoder process (live/spool.py), or by recovery after a crash.
    """
    ogg = wav.with_suffix(".ogg")
    rate, channels = wav_format(wav)
    frame = 2 * channels
    writer = OggOpusWriter(ogg, rate, channels)
    with wav.open("rb") as spool:
        spool.seek(WAV_HEADER_BYTES)
        while pcm := spool.read(frame * rate * ENCODE_BATCH_SECONDS):
            writer.write(pcm[: len(pcm) - len(pcm) % frame])
    writer.close()
    wav.unlink()
    return ogg


def ogg_duration(path: Path) -> float:
    """Seconds of audio in an Ogg/Opus file (0 when it holds none yet)."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            if stream.duration is None or stream.time_base is None:
                return 0.0
            return float(stream.duration * stream.time_base)
    except (av.FFmpegError, IndexError):
        return 0.0


def join_ogg(parts: Sequence[Path], joined: Path) -> None:
    """One Ogg/Opus file from parts written one after another, without re-encoding."""
    with av.open(str(joined), "w", format="ogg") as output:
        target = None
        offset = 0
        for part in parts:
            with av.open(str(part)) as source:
                stream = source.streams.audio[0]
                if target is None:
                    target = output.add_stream_from_template(stream)
                end = offset
                for packet in source.demux(stream):
                    if packet.dts is None or packet.pts is None:
                        continue  # the demuxer's end-of-stream marker
                    packet.pts += offset
                    packet.dts += offset
                    end = max(end, packet.pts + (packet.duration or 0))
                    packet.stream = target
                    output.mux(packet)
                offset = end


class OggOpusWriter:
    """Encodes 16-bit PCM (mono, or interleaved stereo) to Ogg/Opus, flushing each page."""

    def __init__(self, path: Path, sample_rate: int, channels: int = 1) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._rate = sample_rate if sample_rate in OPUS_RATES else 48000
        self._layout = LAYOUTS[channels]
        self._frame_bytes = 2 * channels
        self._resampler = (
            None
            if sample_rate in OPUS_RATES
            else av.AudioResampler(format="s16", layout=self._layout, rate=self._rate)
        )
        self._input_rate = sample_rate
        self._file = path.open("wb", buffering=0)
        # Short pages, a small I/O buffer and flush_packets: what was encoded reaches the
        # disk within a fifth of a second (about 0.5 MB an hour of page headers).
        self._container = av.open(
            self._file,
            "w",
            format="ogg",
            buffer_size=4096,
            container_options={"flush_packets": "1", "page_duration": "200000"},
        )
        self._stream = self._container.add_stream(
            "libopus", rate=self._rate, layout=self._layout, options=OPUS_OPTIONS
        )
        # Per channel: at 24 kbit/s for both, Opus codes them jointly and one channel's
        # speech is heard faintly in the other; at 24 each they stay apart.
        self._stream.codec_context.bit_rate = OPUS_BIT_RATE * channels
        self._samples = 0

    def write(self, pcm: bytes) -> None:
        """Encode one batch of PCM (whole sample frames)."""
        samples = len(pcm) // self._frame_bytes
        frame = av.AudioFrame(format="s16", layout=self._layout, samples=samples)
        frame.planes[0].update(pcm)
        frame.sample_rate = self._input_rate
        frame.pts = self._samples
        self._samples += samples
        for resampled in self._resampler.resample(frame) if self._resampler else [frame]:
            self._encode(resampled)

    def _encode(self, frame: av.AudioFrame | None) -> None:
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        """Flush the encoder and finish the file."""
        if self._resampler is not None:
            for frame in self._resampler.resample(None):
                self._encode(frame)
        self._encode(None)
        self._container.close()
        self._file.close()

"""Speech encoded into the containers people upload, with PyAV (FFmpeg's encoders)."""

from __future__ import annotations

import io

import av
import numpy as np

# extension: (container format, codec, codec sample rate)
CONTAINERS = {
    "m4a": ("mp4", "aac", 44100),
    "mp3": ("mp3", "libmp3lame", 44100),
    "webm": ("webm", "libopus", 48000),
    "flac": ("flac", "flac", 16000),
}


def encode(pcm: bytes, rate: int, extension: str) -> bytes:
    """Mono PCM16LE at `rate` as a file of the given kind."""
    container_format, codec, codec_rate = CONTAINERS[extension]
    target = io.BytesIO()
    with av.open(target, mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=codec_rate, layout="mono")
        if codec == "aac":
            # A phone memo's usual rate; FFmpeg's default for mono AAC is low enough that
            # tiny.en mishears the last words on some CPUs.
            stream.bit_rate = 128_000
        resampler = av.AudioResampler(
            format=stream.codec_context.format, layout="mono", rate=codec_rate
        )
        samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = rate
        for converted in [*resampler.resample(frame), *resampler.resample(None)]:
            container.mux(stream.encode(converted))
        container.mux(stream.encode(None))
    return target.getvalue()

"""`multichannel=true`: each channel of a file heard on its own, as Deepgram does.

The body is kept whole and decoded with PyAV (any container it reads: WAV, Ogg/Opus, …);
every channel goes through the same energy-based speech detection as a mono WAV. The
script is what the meeting says in order: the i-th speech region, counted over all
channels by start time, says script entry i, on whichever channel it was heard.
"""

from __future__ import annotations

import io

import av

from .audio import RegionFinder, Windower
from .transcript import Utterance, script_entry, tokenize

# A multichannel body is held in memory to be decoded; the fake's tests send short files.
MAX_DECODED_BODY = 64 * 1024 * 1024


def decoded_channels(body: bytes) -> tuple[list[bytes], int] | None:
    """Each channel's PCM16 and the sample rate; None when PyAV cannot read the body."""
    try:
        with av.open(io.BytesIO(body)) as container:
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="s16p")  # planar: one row per channel
            planes: list[bytearray] = []
            for frame in container.decode(stream):
                for planar in resampler.resample(frame):
                    rows = planar.to_ndarray()
                    planes = planes or [bytearray() for _ in rows]
                    for plane, row in zip(planes, rows, strict=True):
                        plane += row.tobytes()
            return [bytes(plane) for plane in planes], int(stream.rate)
    except (av.FFmpegError, IndexError, ValueError):
        return None


def channel_utterances(
    body: bytes, script: list[str], silence_seconds: float
) -> tuple[list[list[Utterance]], float] | None:
    """Each channel's utterances and the file's duration; None for a body PyAV cannot read."""
    decoded = decoded_channels(body) if len(body) <= MAX_DECODED_BODY else None
    if decoded is None or not decoded[0]:
        return None
    planes, rate = decoded
    spans: list[tuple[float, int, float]] = []
    for channel, pcm in enumerate(planes):
        windower = Windower(rate)
        finder = RegionFinder(round(rate * silence_seconds))
        for window in [*windower.feed(pcm), *windower.flush()]:
            finder.add(window)
        spans += [(start / rate, channel, end / rate) for start, end in finder.finish()]
    per_channel: list[list[Utterance]] = [[] for _ in planes]
    for index, (start, channel, end) in enumerate(sorted(spans)):
        tokens = tokenize(script_entry(script, index))
        per_channel[channel].append(Utterance(index, start, end, tokens, channel))
    return per_channel, len(planes[0]) / 2 / rate

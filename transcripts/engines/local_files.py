"""The local engine for uploaded files: PyAV decodes, faster-whisper transcribes.

A file is decoded as a stream and transcribed in pieces of about ten minutes, each cut at
a pause (Silero VAD), so memory stays bounded however long the recording is. With a
glossary the pieces are under 30 s, so the prompt carrying it precedes every Whisper window
(see FILE_GLOSSARY_AS). Progress is the share of the audio transcribed so far. A
two-channel recording's stereo file is transcribed one channel at a time, and the two
channels' segments are merged by time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import Any, BinaryIO

import numpy as np
from django.conf import settings

from transcripts.engines.base import (
    MICROPHONE,
    SHARED_AUDIO,
    EngineError,
    FileOptions,
    FileTranscript,
    FinalSegment,
    TranscriptionStopped,
)
from transcripts.engines.whisper import (
    SAMPLE_RATE,
    DecodeOptions,
    GlossaryAs,
    ModelSpec,
    decode,
    decode_slots,
    glossary_text,
    load_model,
    model_spec,
    whisper_language,
)

logger = logging.getLogger(__name__)

PIECE_SECONDS = 600.0  # transcribed at a time: ~38 MB of float32
CUT_SEARCH_SECONDS = 30.0  # a piece ends at the quietest pause in its last half-minute
# With a glossary, pieces of at most one Whisper window (30 s), each cut at the quietest
# pause in its last 10 s, so the prompt holding the glossary is read before every window.
PROMPTED_PIECE_SECONDS = 28.0
PROMPTED_CUT_SEARCH_SECONDS = 10.0
VAD_WINDOW = 512
QUIET = 0.35
FILE_TEMPERATURES = (0.0, 0.2, 0.4, 0.6)
# The prompt, on pieces of one window each; hotwords, read before every window of a long
# piece, make tiny.en recite the glossary (bench/glossary.py measures both).
FILE_GLOSSARY_AS: GlossaryAs = "prompt"

UNREADABLE = (
    "Parley could not decode the audio in this file. It may be damaged, or hold no audio "
    "track; try exporting it again as WAV, MP3 or M4A."
)


class DecodedAudio:
    """A container's first audio stream as 16 kHz mono float32, in pieces cut at pauses.

    With `channel`, only that channel of a stereo stream (a two-channel recording's
    microphone or shared audio); without, all channels mixed down.
    """

    def __init__(self, audio: BinaryIO, channel: int | None = None) -> None:
        import av

        try:
            self._container = av.open(audio, mode="r")
            self._stream = self._container.streams.audio[0]
        except (av.FFmpegError, IndexError) as exc:
            raise EngineError("unreadable_audio", UNREADABLE) from exc
        self._channel = channel
        layout, sample_format = ("mono", "flt") if channel is None else ("stereo", "fltp")
        self._resampler = av.AudioResampler(format=sample_format, layout=layout, rate=SAMPLE_RATE)

    @property
    def channels(self) -> int:
        """How many channels the stream has."""
        return int(self._stream.codec_context.layout.nb_channels)

    @property
    def duration(self) -> float | None:
        """Seconds of audio, when the container says."""
        stream = self._stream
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if self._container.duration is not None:
            return self._container.duration / 1_000_000
        return None

    def close(self) -> None:
        """Release the decoder."""
        self._container.close()

    def pieces(
        self, seconds: float = PIECE_SECONDS, search: float = CUT_SEARCH_SECONDS
    ) -> Iterator[tuple[float, np.ndarray]]:
        """(offset in seconds, samples) for consecutive pieces of about `seconds` each, each
        ending at the quietest pause in its last `search` seconds."""
        limit = int(seconds * SAMPLE_RATE)
        buffered: list[np.ndarray] = []
        size, offset = 0, 0.0
        for samples in self._samples():
            buffered.append(samples)
            size += samples.size
            if size >= limit:
                audio = np.concatenate(buffered)
                cut = quiet_cut(audio, search)
                yield offset, audio[:cut]
                offset += cut / SAMPLE_RATE
                buffered, size = [audio[cut:]], audio.size - cut
        if size:
            yield offset, np.concatenate(buffered)

    def _samples(self) -> Iterator[np.ndarray]:
        import av

        try:
            for frame in self._container.decode(self._stream):
                frame.pts = None  # resample by sample count; broken timestamps do no harm
                yield from self._converted(self._resampler.resample(frame))
            yield from self._converted(self._resampler.resample(None))
        except av.FFmpegError as exc:
            raise EngineError("unreadable_audio", UNREADABLE) from exc

    def _converted(self, frames: list[Any]) -> Iterator[np.ndarray]:
        for frame in frames:
            samples = frame.to_ndarray()  # planar stereo: one row per channel
            if self._channel is not None:
                samples = samples[self._channel]
            yield samples.reshape(-1).astype(np.float32)


def quiet_cut(audio: np.ndarray, seconds: float = CUT_SEARCH_SECONDS) -> int:
    """Where to end a piece: the middle of the longest pause in its last `seconds`."""
    from faster_whisper.vad import get_vad_model

    search = min(audio.size, int(seconds * SAMPLE_RATE)) // VAD_WINDOW * VAD_WINDOW
    if search == 0:
        return audio.size
    start = audio.size - search
    probabilities = np.asarray(get_vad_model()(audio[start:])).reshape(-1)
    return start + quietest_window(probabilities) * VAD_WINDOW


def quietest_window(probabilities: np.ndarray) -> int:
    """The middle of the longest run of quiet windows, or the quietest window if none."""
    best_start, best_length, run_start = 0, 0, None
    for index, quiet in enumerate([*(probabilities < QUIET), False]):
        if quiet and run_start is None:
            run_start = index
        elif not quiet and run_start is not None:
            if index - run_start > best_length:
                best_start, best_length = run_start, index - run_start
            run_start = None
    if best_length == 0:
        return int(np.argmin(probabilities))
    return best_start + best_length // 2


def _part_progress(
    on_progress: Callable[[float], None], part: int, parts: int, done: float
) -> None:
    """Progress through one of `parts` passes over the file, as a share of all of them."""
    on_progress((part + done) / parts)


def piece_sizes(options: DecodeOptions) -> tuple[float, float]:
    """(piece, cut search) seconds: one window per piece when a prompt carries a glossary."""
    if options.glossary is not None and options.glossary_as == "prompt":
        return PROMPTED_PIECE_SECONDS, PROMPTED_CUT_SEARCH_SECONDS
    return PIECE_SECONDS, CUT_SEARCH_SECONDS


class LocalFileEngine:
    """Uploaded files transcribed with faster-whisper in the worker process."""

    name = "local"

    def __init__(self, spec: ModelSpec, beam_size: int) -> None:
        self._spec = spec
        self._beam_size = beam_size
        self.model = spec.name

    @classmethod
    def from_settings(cls) -> LocalFileEngine:
        """The engine as configured in Django settings."""
        return cls(model_spec(), max(1, settings.LOCAL_FILE_BEAM_SIZE))

    def check_language(self, language: str) -> None:
        """Raise EngineError if this model cannot transcribe `language`."""
        whisper_language(language, self._spec)

    def transcribe(
        self,
        *,
        audio: BinaryIO,
        size: int,
        options: FileOptions,
        on_progress: Callable[[float], None],
        should_stop: Callable[[], bool],
    ) -> FileTranscript:
        """Transcribe a stored file piece by piece; see the module docstring."""
        decode_options = DecodeOptions(
            language=whisper_language(options.language, self._spec),
            word_timestamps=True,
            beam_size=self._beam_size,
            vad_filter=True,
            temperatures=FILE_TEMPERATURES,
            glossary=glossary_text(options.glossary),
            glossary_as=FILE_GLOSSARY_AS,
        )
        model = load_model(self._spec)
        parts = self._channels(audio, options)
        segments: list[FinalSegment] = []
        duration = 0.0
        for number, channel in enumerate(parts):
            if options.channels > 1:  # the file is read again from the start for each channel
                audio.seek(0)
            decoded = DecodedAudio(audio, channel)
            share = partial(_part_progress, on_progress, number, len(parts))
            try:
                heard = self._transcribe(decoded, model, decode_options, share, should_stop)
            finally:
                decoded.close()
            segments += [replace(segment, channel=channel) for segment in heard.segments]
            duration = max(duration, heard.duration)
        segments.sort(key=lambda segment: (segment.start, segment.channel or 0))
        return FileTranscript(segments=tuple(segments), duration=duration)

    @staticmethod
    def _channels(audio: BinaryIO, options: FileOptions) -> list[int | None]:
        """The channels transcribed one at a time: both of a two-channel recording's stereo
        file (MICROPHONE, SHARED_AUDIO), else the whole file mixed down (None)."""
        if options.channels < 2:
            return [None]
        probe = DecodedAudio(audio)  # a mono file has one channel to transcribe
        try:
            stereo = probe.channels >= 2
        finally:
            probe.close()
        return [MICROPHONE, SHARED_AUDIO] if stereo else [None]

    def _transcribe(
        self,
        decoded: DecodedAudio,
        model: Any,
        options: DecodeOptions,
        on_progress: Callable[[float], None],
        should_stop: Callable[[], bool],
    ) -> FileTranscript:
        total = decoded.duration
        segments: list[FinalSegment] = []
        end = 0.0

        def reached(segment: FinalSegment) -> None:
            if should_stop():
                raise TranscriptionStopped
            segments.append(segment)
            if total:
                on_progress(min(0.99, segment.end / total))

        for offset, piece in decoded.pieces(*piece_sizes(options)):
            if should_stop():
                raise TranscriptionStopped
            with decode_slots.wait():
                decode(model, piece, offset=offset, options=options, on_segment=reached)
            end = offset + piece.size / SAMPLE_RATE
            if total:
                on_progress(min(0.99, end / total))
        on_progress(1.0)
        return FileTranscript(segments=tuple(segments), duration=round(end, 3))

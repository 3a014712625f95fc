"""Choosing a speech engine from settings."""

from __future__ import annotations

from django.conf import settings

from transcripts.engines.base import EngineUnavailable, FileEngine, LiveEngine

NO_ENGINE_MESSAGE = (
    "No transcription engine is configured. An administrator can set DEEPGRAM_API_KEY "
    "(and DEEPGRAM_URL for a self-hosted Deepgram) in the server's environment and "
    "restart Parley."
)


def live_engine_configured() -> bool:
    """Whether an engine can be used, without building one."""
    return bool(settings.DEEPGRAM_API_KEY)


def get_live_engine() -> LiveEngine:
    """The configured live engine; raises EngineUnavailable when there is none."""
    if not live_engine_configured():
        raise EngineUnavailable("engine_unavailable", NO_ENGINE_MESSAGE)
    # Imported here: the SDK is only loaded by processes that use it.
    from transcripts.engines.deepgram import DeepgramLiveEngine

    return DeepgramLiveEngine.from_settings()


def get_file_engine() -> FileEngine:
    """The configured engine for stored files; raises EngineUnavailable when there is none."""
    if not live_engine_configured():
        raise EngineUnavailable("engine_unavailable", NO_ENGINE_MESSAGE)
    from transcripts.engines.deepgram_files import DeepgramFileEngine

    return DeepgramFileEngine.from_settings()

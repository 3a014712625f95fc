from __future__ import annotations

from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    """Recordings, live transcription and the transcript library."""

    name = "transcripts"

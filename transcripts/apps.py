from __future__ import annotations

from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    """Recordings, live transcription and the transcript library."""

    name = "transcripts"

    def ready(self) -> None:
        from django.urls import register_converter

        from teams.signals import membership_ended
        from transcripts.params import IdConverter, IndexConverter, SpeakerConverter
        from transcripts.sharing.services import on_membership_ended

        # Bounded URL parameters (params.py), for every app's URLs: <id:…>, <index:…>, …
        register_converter(IdConverter, "id")
        register_converter(IndexConverter, "index")
        register_converter(SpeakerConverter, "speaker")
        membership_ended.connect(on_membership_ended, dispatch_uid="sharing-membership-ended")

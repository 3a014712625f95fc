from __future__ import annotations

from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    """Recordings, live transcription and the transcript library."""

    name = "transcripts"

    def ready(self) -> None:
        from teams.signals import membership_ended
        from transcripts.sharing.services import on_membership_ended

        membership_ended.connect(on_membership_ended, dispatch_uid="sharing-membership-ended")

"""A recording as the API shows it: the shape webhooks carry too (transcripts/representation.py),
with the API's own export links and the stored audio's."""

from __future__ import annotations

from django.urls import reverse

from transcripts.exports import FORMATS
from transcripts.models import Recording
from transcripts.representation import recording_json


def recording_out(recording: Recording) -> dict[str, object]:
    """The API's representation of a recording (schemas.RecordingOut)."""
    pk = recording.pk
    return recording_json(recording) | {
        "exports": {kind: reverse("api:recording_export", args=[pk, kind]) for kind in FORMATS},
        "audio": reverse("api:recording_audio", args=[pk]) if recording.audio else None,
    }

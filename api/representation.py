"""A recording as the API shows it."""

from __future__ import annotations

from django.urls import reverse

from transcripts.exports import FORMATS
from transcripts.models import Recording


def recording_out(recording: Recording) -> dict[str, object]:
    """The API's representation of a recording (schemas.RecordingOut), without audio data.

    A list's recordings carry `segment_count` (the selectors annotate it); one alone is counted.
    """
    pk = recording.pk
    segment_count = getattr(recording, "segment_count", None)
    if segment_count is None:
        segment_count = recording.segments.count()
    return {
        "id": pk,
        "title": recording.title,
        "status": recording.status,
        "source": recording.source,
        "language": recording.language,
        "started_at": recording.started_at,
        "ended_at": recording.ended_at,
        "duration": recording.duration,
        "owner": recording.owner.get_username(),
        "team": {"id": recording.team.pk, "name": recording.team.name} if recording.team else None,
        "tags": sorted(tag.name for tag in recording.tags.all()),
        "segment_count": segment_count,
        "error": recording.error,
        "url": recording.get_absolute_url(),
        "exports": {kind: reverse("api:recording_export", args=[pk, kind]) for kind in FORMATS},
        "audio": reverse("api:recording_audio", args=[pk]) if recording.audio else None,
    }

"""A recording as the outside world sees it: webhooks' payloads and the API, one shape.

Plain JSON types only (strings, numbers, lists, dicts, None); times are ISO 8601 in UTC,
links are absolute paths on this server. No audio, no segments' text: a receiver that wants
the transcript fetches an export.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from transcripts.consent import consent_json
from transcripts.exports import FORMATS
from transcripts.models import Mark, Recording


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _review(recording: Recording) -> dict[str, object]:
    """The review state, its reviewer's user name (named, holding or deciding) and when it
    last changed; `reviewer` is None while it waits for a team's reviewers, or in draft."""
    reviewer = recording.reviewer if recording.reviewer_id else None
    return {
        "state": recording.review_state,
        "reviewer": reviewer.get_username() if reviewer else None,
        "changed_at": _iso(recording.review_changed_at),
    }


def recording_json(recording: Recording) -> dict[str, object]:
    """The recording's API representation (without audio).

    Uses `segment_count`, `open_actions`, prefetched `tags` and a joined `reviewer` when a
    list has them (selectors.recording_list_for_user); otherwise asks.
    """
    segment_count = getattr(recording, "segment_count", None)
    if segment_count is None:
        segment_count = recording.segments.count()
    open_actions = getattr(recording, "open_actions", None)
    if open_actions is None:
        open_actions = recording.marks.filter(kind=Mark.Kind.ACTION, done_at=None).count()
    team = recording.team
    return {
        "id": recording.pk,
        "title": recording.title,
        "status": recording.status,
        "source": recording.source,
        "language": recording.language,
        "started_at": _iso(recording.started_at),
        "ended_at": _iso(recording.ended_at),
        "duration": recording.duration,
        "owner": recording.owner.get_username(),
        "team": {"id": team.pk, "name": team.name} if team else None,
        "tags": sorted(tag.name for tag in recording.tags.all()),
        "segment_count": segment_count,
        "open_actions": open_actions,
        "error": recording.error,
        "consent": consent_json(recording),
        "review": _review(recording),
        "url": recording.get_absolute_url(),
        "exports": {
            kind: reverse("transcripts:recording_export", args=[recording.pk, kind])
            for kind in FORMATS
        },
    }

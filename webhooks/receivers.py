"""Recording events (transcripts/signals.py) become deliveries to the endpoints that chose them.

The signals are sent once the change is committed, in whichever process made it (the web
server or the worker); here only rows are written and tasks queued: nothing is sent.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

from transcripts import signals
from transcripts.models import Recording, RecordingShare
from transcripts.representation import recording_json
from webhooks.delivery import deliveries_for_event, deliveries_prune, deliveries_recover
from webhooks.selectors import endpoints_for_event, endpoints_listening

EVENT_OF_SIGNAL: dict[str, Signal] = {
    "recording.started": signals.recording_started,
    "recording.completed": signals.recording_completed,
    "recording.refined": signals.recording_refined,
    "transcription.completed": signals.transcription_completed,
    "transcription.failed": signals.transcription_failed,
}


def recording_event(event_type: str, *, recording_id: int) -> None:
    """Deliveries of an event about a recording that still exists."""
    if not endpoints_listening():
        return
    recording = Recording.objects.select_related("owner", "team").filter(pk=recording_id).first()
    if recording is None:
        return
    shared = RecordingShare.objects.filter(recording=recording, team__isnull=False)
    team_ids = {*shared.values_list("team_id", flat=True)}
    if recording.team_id is not None:
        team_ids.add(recording.team_id)
    endpoints = endpoints_for_event(
        event_type=event_type, owner_id=recording.owner_id, team_ids=team_ids
    )
    if endpoints:
        data: dict[str, object] = {"recording": recording_json(recording)}
        deliveries_for_event(event_type=event_type, endpoints=endpoints, data=data)


def recording_deleted(
    *, representation: dict[str, object], owner_id: int, team_ids: list[int], **kwargs: Any
) -> None:
    """Deliveries of a deletion, with the recording as it was."""
    endpoints = endpoints_for_event(
        event_type="recording.deleted", owner_id=owner_id, team_ids=team_ids
    )
    if endpoints:
        data: dict[str, object] = {"recording": representation}
        deliveries_for_event(event_type="recording.deleted", endpoints=endpoints, data=data)


def _receiver(event_type: str) -> Any:
    def receive(sender: object, *, recording_id: int, **kwargs: Any) -> None:
        recording_event(event_type, recording_id=recording_id)

    return receive


def connect() -> None:
    """Listen to the recording signals (called once, from the app's ready())."""
    for event_type, signal in EVENT_OF_SIGNAL.items():
        signal.connect(_receiver(event_type), weak=False, dispatch_uid=f"webhooks-{event_type}")

    def on_deleted(sender: object, **kwargs: Any) -> None:
        recording_deleted(**kwargs)

    signals.recording_deleted.connect(on_deleted, weak=False, dispatch_uid="webhooks-deleted")
    signals.worker_sweep.connect(_sweep, weak=False, dispatch_uid="webhooks-sweep")


def _sweep(sender: object, **kwargs: Any) -> None:
    deliveries_recover()
    deliveries_prune()

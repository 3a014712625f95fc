"""Writes to recordings and segments. Every state change goes through here."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from transcripts import sharing
from transcripts.engines.base import FinalSegment
from transcripts.models import Recording, Segment
from transcripts.storage import delete_stored

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

TERMINAL_STATUSES = frozenset(
    {Recording.Status.COMPLETED, Recording.Status.FAILED, Recording.Status.INTERRUPTED}
)


# A live recording that stopped abnormally can be continued.
RESUMABLE_STATUSES = frozenset({Recording.Status.LIVE, Recording.Status.INTERRUPTED})


class ApplicationError(Exception):
    """An action that the current state of things does not allow; the message says why."""


def default_title() -> str:
    """A title for a recording the user did not name: its local start time."""
    return "Recording of " + date_format(timezone.localtime(), "j M Y, H:i")


@transaction.atomic
def recording_start(
    *,
    owner: AbstractBaseUser,
    title: str,
    language: str,
    engine: str,
    model: str,
    options: dict[str, Any],
    refine: bool = True,
) -> Recording:
    """Create a live recording, ready to receive segments."""
    return Recording.objects.create(
        owner=owner,
        title=title.strip() or default_title(),
        source=Recording.Source.LIVE,
        language=language,
        engine=engine,
        model=model,
        options=options,
        status=Recording.Status.LIVE,
        live_until=timezone.now() + timedelta(seconds=settings.LIVE_LEASE_SECONDS),
        refine=refine,
    )


def recording_renew_lease(*, recording_id: int) -> bool:
    """A live session is still running; False if its recording is no longer live."""
    until = timezone.now() + timedelta(seconds=settings.LIVE_LEASE_SECONDS)
    live = Recording.objects.filter(pk=recording_id, status=Recording.Status.LIVE)
    return live.update(live_until=until) == 1


@transaction.atomic
def recording_resume(*, recording_id: int) -> Recording:
    """Open an interrupted live recording again for more audio and segments."""
    recording = Recording.objects.select_for_update().get(pk=recording_id)
    if recording.source != Recording.Source.LIVE or recording.status not in RESUMABLE_STATUSES:
        raise ApplicationError("This recording has finished and cannot be continued.")
    recording.status = Recording.Status.LIVE
    recording.live_until = timezone.now() + timedelta(seconds=settings.LIVE_LEASE_SECONDS)
    recording.ended_at = None
    recording.error = ""
    recording.save(update_fields=["status", "live_until", "ended_at", "error"])
    return recording


def segment_append(*, recording_id: int, index: int, segment: FinalSegment) -> Segment:
    """Save one final segment of a recording at position `index`.

    One INSERT, atomic on its own in autocommit: wrapping it in a transaction would add
    BEGIN and COMMIT round trips on the live path (~35 % of its cost on PostgreSQL).
    """
    saved = segment_from(recording_id=recording_id, index=index, segment=segment)
    saved.save(force_insert=True)
    return saved


def segment_from(*, recording_id: int, index: int, segment: FinalSegment) -> Segment:
    """An unsaved Segment row for an engine's final segment."""
    return Segment(
        recording_id=recording_id,
        index=index,
        start=segment.start,
        end=segment.end,
        text=segment.text,
        speaker=segment.speaker,
        confidence=segment.confidence,
        words=[asdict(word) for word in segment.words],
    )


@transaction.atomic
def recording_finish(
    *,
    recording_id: int,
    status: Recording.Status,
    duration: float,
    error: str = "",
    upstream_request_id: str = "",
) -> Recording:
    """Close a live recording as completed, failed or interrupted."""
    if status not in TERMINAL_STATUSES:
        raise ValueError(f"{status!r} is not a final status")
    recording = Recording.objects.select_for_update().get(pk=recording_id)
    recording.status = status
    recording.ended_at = timezone.now()
    recording.duration = max(recording.duration, duration)
    recording.error = error
    recording.live_until = None
    if upstream_request_id:
        recording.upstream_request_id = upstream_request_id
    fields = ["status", "ended_at", "duration", "error", "upstream_request_id", "live_until"]
    recording.save(update_fields=fields)
    from transcripts import refine  # imported here: refine queues jobs, which use this module

    refine.refine_if_due(recording_id=recording_id)
    return recording


def recording_attach_audio(*, recording_id: int, name: str) -> None:
    """Record where a live recording's compressed audio is stored."""
    size = default_storage.size(name)
    Recording.objects.filter(pk=recording_id).update(audio=name, media_format="ogg", file_size=size)
    from transcripts import refine  # imported here: refine queues jobs, which use this module

    refine.refine_if_due(recording_id=recording_id, audio_changed=True)


MAX_SPEAKER_NAME_CHARS = 60


@transaction.atomic
def recording_rename(*, recording: Recording, title: str) -> Recording:
    """Give a recording a new title."""
    title = " ".join(title.split())
    if not title:
        raise ValidationError("A recording needs a title.")
    if len(title) > 200:
        raise ValidationError("A title has at most 200 characters.")
    recording.title = title
    recording.save(update_fields=["title"])
    return recording


def retimed_words(segment: Segment, text: str) -> list[dict[str, Any]]:
    """Word timings for corrected text: kept one for one when the word count is unchanged,
    otherwise spread evenly over the segment, so clicking a word still seeks near it."""
    tokens = text.split()
    old = segment.words or []
    if len(tokens) == len(old):
        return [{**timing, "word": token} for timing, token in zip(old, tokens, strict=True)]
    step = (segment.end - segment.start) / max(len(tokens), 1)
    return [
        {"word": token, "start": round(segment.start + i * step, 3),
         "end": round(segment.start + (i + 1) * step, 3), "confidence": None,
         "speaker": segment.speaker}
        for i, token in enumerate(tokens)
    ]  # fmt: skip


@transaction.atomic
def segment_edit(*, recording: Recording, index: int, text: str) -> Segment:
    """Correct a segment's text, keeping its timings (search sees it at once)."""
    text = " ".join(text.split())
    if not text:
        raise ValidationError("A segment cannot be empty.")
    if len(text) > 5000:
        raise ValidationError("A segment has at most 5,000 characters.")
    segment = Segment.objects.select_for_update().get(recording=recording, index=index)
    if not segment.edited:
        segment.original_text = segment.text  # what the engine heard, for the refined transcript
    segment.words = retimed_words(segment, text)
    segment.text = text
    segment.edited = True
    segment.save(update_fields=["text", "words", "edited", "original_text"])
    return segment


@transaction.atomic
def speaker_rename(*, recording: Recording, speaker: int, name: str) -> Recording:
    """Name a speaker across the recording; an empty name goes back to "Speaker N"."""
    name = " ".join(name.split())
    if len(name) > MAX_SPEAKER_NAME_CHARS:
        raise ValidationError(f"A name has at most {MAX_SPEAKER_NAME_CHARS} characters.")
    if not recording.segments.filter(speaker=speaker).exists():
        raise ValidationError("Nobody with that number speaks in this recording.")
    recording = Recording.objects.select_for_update().get(pk=recording.pk)
    names = {key: value for key, value in recording.speaker_names.items() if key != str(speaker)}
    if name:
        names[str(speaker)] = name
    recording.speaker_names = names
    recording.save(update_fields=["speaker_names"])
    return recording


@transaction.atomic
def recording_delete(*, recording: Recording) -> None:
    """Delete a recording with its segments, search entries, jobs and stored audio."""
    audio = recording.audio.name
    if recording.share_token:  # anyone watching is cut off, as when sharing stops
        transaction.on_commit(partial(sharing.viewers_disconnect, recording.pk))
    recording.delete()  # segments first, so the search index triggers see their owner
    if audio:
        transaction.on_commit(partial(delete_stored, audio))

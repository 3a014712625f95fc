"""Writes to recordings and segments, and the recording's whole lifecycle.

A recording's status changes only here, through named transitions: a live recording is
started, finished (completed, interrupted or failed, decided from what happened), found
lapsed and interrupted, resumed, and completed again by its refined transcript; an
upload's recording is created queued and then mirrors its transcription job.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from transcripts import lease, realtime, signals
from transcripts.engines.base import FinalSegment
from transcripts.errors import ApplicationError
from transcripts.history.record import edit_change, history_baseline, version_write
from transcripts.library import Destination
from transcripts.models import (
    MAX_SEGMENT_TEXT_CHARS,
    MAX_SPEAKER_NAME_CHARS,
    MAX_TAG_CHARS,
    MAX_TAGS_PER_RECORDING,
    MAX_TITLE_CHARS,
    Recording,
    RecordingShare,
    RecordingTag,
    Segment,
)
from transcripts.readers import readers_tokens
from transcripts.segments import retimed_words, segment_row_from
from transcripts.storage import delete_stored
from transcripts.text import clean_field

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from accounts.auth import Visitor

# A live recording that stopped abnormally can be continued.
RESUMABLE_STATUSES = frozenset({Recording.Status.LIVE, Recording.Status.INTERRUPTED})

INTERRUPTED_BY_RESTART = (
    "The server stopped during this recording. Everything said until then is saved; "
    "open the record page to continue it, or re-transcribe it from its audio."
)


def default_title() -> str:
    """A title for a recording the user did not name: its local start time."""
    return "Recording of " + date_format(timezone.localtime(), "j M Y, H:i")


# --- A live recording's lifecycle ----------------------------------------------------


@transaction.atomic
def recording_start(
    *,
    owner: User,
    title: str,
    language: str,
    engine: str,
    model: str,
    options: dict[str, Any],
    refine: bool = True,
    destination: Destination | None = None,
) -> Recording:
    """Create a live recording, ready to receive segments, where `destination` says.

    The destination's consent notice, if it has one, was confirmed by the owner: it is kept.
    """
    consent = destination.consent if destination else None
    recording = Recording(
        owner=owner,
        title=clean_field(title, limit=MAX_TITLE_CHARS, what="A title") or default_title(),
        source=Recording.Source.LIVE,
        language=language,
        engine=engine,
        model=model,
        options=options,
        status=Recording.Status.LIVE,
        live_until=lease.lease_until(),
        refine=refine,
    )
    if consent is not None:
        recording.consent_text, recording.consent_version = consent.text, consent.version
        recording.consent_by, recording.consent_at = owner, timezone.now()
    recording = _place(recording, destination)
    signals.send_on_commit(signals.recording_started, recording_id=recording.pk)
    return recording


def _place(recording: Recording, destination: Destination | None) -> Recording:
    """Save a new recording: its owner's alone, or in a team's library.

    A team's recordings are shared with the team as editors: the people in the meeting
    correct names and words in one transcript.
    """
    team = destination.team if destination else None
    if destination:
        recording.options = recording.options | destination.describe()
    recording.team = team
    recording.readers = readers_tokens(
        owner_id=recording.owner_id, shares=[(None, team.pk)] if team else []
    )
    recording.save(force_insert=True)
    if team is not None:
        RecordingShare.objects.create(
            recording=recording, team=team, role=RecordingShare.Role.EDITOR
        )
    return recording


@transaction.atomic
def recording_resume(*, recording_id: int) -> Recording:
    """Open an interrupted live recording again for more audio and segments."""
    recording = Recording.objects.select_for_update().get(pk=recording_id)
    if recording.source != Recording.Source.LIVE or recording.status not in RESUMABLE_STATUSES:
        raise ApplicationError("This recording has finished and cannot be continued.")
    recording.status = Recording.Status.LIVE
    recording.live_until = lease.lease_until()
    recording.ended_at = None
    recording.error = ""
    recording.save(update_fields=["status", "live_until", "ended_at", "error"])
    return recording


def recording_ending(
    *, interrupted: bool, engine_error: str, paused_note: str
) -> tuple[Recording.Status, str]:
    """How a live session ends, with the words for the owner, from what happened to it."""
    if engine_error and paused_note:
        # The engine stayed away until stop, but all the audio was kept: nothing is missing
        # that the refined transcript cannot give back.
        return Recording.Status.COMPLETED, paused_note
    if engine_error:
        return Recording.Status.FAILED, engine_error
    if interrupted:
        return Recording.Status.INTERRUPTED, ""
    return Recording.Status.COMPLETED, ""


@transaction.atomic
def recording_finish(
    *,
    recording_id: int,
    duration: float,
    interrupted: bool = False,
    engine_error: str = "",
    paused_note: str = "",
    upstream_request_id: str = "",
) -> Recording:
    """Close a live recording: completed, interrupted or failed, as what happened decides."""
    status, error = recording_ending(
        interrupted=interrupted, engine_error=engine_error, paused_note=paused_note
    )
    recording = Recording.objects.select_for_update().get(pk=recording_id)
    recording.status = status
    recording.ended_at = timezone.now()
    recording.duration = max(recording.duration, duration)
    recording.error = error
    recording.live_until = None
    recording.live_lag = None
    if upstream_request_id:
        recording.upstream_request_id = upstream_request_id
    fields = [
        "status", "ended_at", "duration", "error", "upstream_request_id", "live_until", "live_lag",
    ]  # fmt: skip
    recording.save(update_fields=fields)
    # Live segments were saved without history, for speed: they become one version now.
    history_baseline(recording=recording)
    signals.finished_on_commit(recording)
    return recording


@transaction.atomic
def recording_interrupt_lapsed(*, recording_id: int) -> bool:
    """Close a live recording whose session stopped renewing its lease; False if it has not."""
    recording = Recording.objects.select_for_update().get(pk=recording_id)
    if recording.status != Recording.Status.LIVE or not lease.lease_lapsed(recording):
        return False
    recording.status = Recording.Status.INTERRUPTED
    recording.error = INTERRUPTED_BY_RESTART
    recording.ended_at = timezone.now()
    recording.live_until = None
    recording.save(update_fields=["status", "error", "ended_at", "live_until"])
    history_baseline(recording=recording)
    return True


def recording_attach_audio(*, recording: Recording, name: str) -> None:
    """Record where a live recording's compressed audio is stored."""
    recording.audio = name
    recording.media_format = "ogg"
    recording.file_size = default_storage.size(name)
    recording.save(update_fields=["audio", "media_format", "file_size"])


def recording_extend_duration(*, recording_id: int, seconds: float) -> None:
    """Add audio found after a crash (a spool the session never closed) to the duration."""
    Recording.objects.filter(pk=recording_id).update(duration=F("duration") + seconds)


def recording_complete_refined(*, recording: Recording, duration: float) -> Recording:
    """The refined transcript replaced the draft: the whole audio is transcribed now, so an
    interruption or a pause no longer shows. Runs inside the refine job's transaction."""
    recording.status = Recording.Status.COMPLETED
    recording.error = ""
    recording.duration = max(recording.duration, duration)
    recording.save(update_fields=["draft", "status", "error", "duration"])
    signals.send_on_commit(signals.recording_refined, recording_id=recording.pk)
    return recording


# --- An upload's recording -----------------------------------------------------------


@transaction.atomic
def recording_create_upload(
    *,
    owner_id: int,
    title: str,
    language: str,
    engine: str,
    model: str,
    options: dict[str, Any],
    original_filename: str,
    audio: str = "",
    file_size: int | None = None,
    media_format: str = "",
    source_url: str = "",
    destination: Destination | None = None,
) -> Recording:
    """An uploaded file's recording, queued for its transcription job; for a file to import
    from a link, `source_url` without its audio yet (the job downloads it)."""
    recording = Recording(
        owner_id=owner_id,
        title=title,
        source=Recording.Source.UPLOAD,
        language=language,
        engine=engine,
        model=model,
        options=options,
        status=Recording.Status.QUEUED,
        audio=audio,
        original_filename=original_filename,
        file_size=file_size,
        media_format=media_format,
        source_url=source_url,
    )
    return _place(recording, destination)


def recording_attach_download(
    *, recording: Recording, audio: str, file_size: int, media_format: str
) -> None:
    """The file fetched from an imported recording's link, now in storage."""
    recording.audio = audio
    recording.file_size = file_size
    recording.media_format = media_format
    recording.save(update_fields=["audio", "file_size", "media_format"])


def recording_mirror_job(*, recording: Recording, status: Recording.Status, error: str) -> None:
    """An upload's recording shows its transcription job's state (queued, transcribing...)."""
    recording.status = status
    recording.error = error
    recording.save(update_fields=["status", "error"])
    signals.transcribed_on_commit(recording)


# --- Segments and edits --------------------------------------------------------------


def segment_append(*, recording_id: int, index: int, segment: FinalSegment) -> Segment:
    """Save one final segment of a recording at position `index`.

    One INSERT, atomic on its own in autocommit: wrapping it in a transaction would add
    BEGIN and COMMIT round trips on the live path (~35 % of its cost on PostgreSQL).
    """
    saved = segment_row_from(recording_id=recording_id, index=index, segment=segment)
    saved.save(force_insert=True)
    return saved


def segments_append(*, rows: list[tuple[int, int, FinalSegment]]) -> list[Segment]:
    """Save final segments of live recordings, (recording id, index, segment) each, together;
    returned in the order given.

    One row goes in alone (autocommit, as segment_append); several in one INSERT, in the
    order of their recordings: each row locks its recording (PostgreSQL's search trigger
    reads the readers FOR SHARE), and in that order a statement that locks several the same
    way cannot wait for this one while this one waits for it (a deadlock).
    """
    if len(rows) == 1:
        recording_id, index, segment = rows[0]
        return [segment_append(recording_id=recording_id, index=index, segment=segment)]
    order = sorted(range(len(rows)), key=lambda i: rows[i][:2])
    created = Segment.objects.bulk_create(
        segment_row_from(recording_id=rows[i][0], index=rows[i][1], segment=rows[i][2])
        for i in order
    )
    saved = dict(zip(order, created, strict=True))
    return [saved[i] for i in range(len(rows))]


@transaction.atomic
def recording_rename(*, recording: Recording, title: str) -> Recording:
    """Give a recording a new title."""
    title = clean_field(title, limit=MAX_TITLE_CHARS, what="A title")
    if not title:
        raise ValidationError("A recording needs a title.")
    recording.title = title
    recording.save(update_fields=["title"])
    return recording


@transaction.atomic
def segment_edit(
    *, recording: Recording, index: int, text: str, by: Visitor | None = None
) -> Segment:
    """Correct a segment's text, keeping its timings (search sees it at once); a version."""
    recording.ensure_unlocked()
    text = clean_field(text, limit=MAX_SEGMENT_TEXT_CHARS, what="A segment")
    if not text:
        raise ValidationError("A segment cannot be empty.")
    history_baseline(recording=recording)  # how it was before, if nothing recorded it yet
    segment = Segment.objects.select_for_update().get(recording=recording, index=index)
    if not segment.edited:
        segment.original_text = segment.text  # what the engine heard, for the refined transcript
    segment.words = retimed_words(segment, text)
    segment.text = text
    segment.edited = True
    segment.save(update_fields=["text", "words", "edited", "original_text"])
    version_write(change=edit_change(recording, by), by=by, changed=[segment])
    return segment


@transaction.atomic
def speaker_rename(*, recording: Recording, speaker: int, name: str) -> Recording:
    """Name a speaker across the recording; an empty name goes back to "Speaker N"."""
    recording.ensure_unlocked()
    name = clean_field(name, limit=MAX_SPEAKER_NAME_CHARS, what="A name")
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
    # Anyone watching is cut off, as when sharing stops.
    transaction.on_commit(partial(realtime.viewers_disconnect, recording.pk), robust=True)
    signals.deleted_on_commit(recording)
    recording.delete()  # segments first, so the search index triggers see their owner
    if audio:
        transaction.on_commit(partial(delete_stored, audio))


# --- Tags ----------------------------------------------------------------------------


def parse_tags(raw: str) -> list[str]:
    """Tags from text separated by commas: cleaned, lower-case, each once, within limits."""
    tags: list[str] = []
    for piece in raw.split(","):
        tag = clean_field(piece, limit=MAX_TAG_CHARS, what="A tag").lower()
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS_PER_RECORDING:
        raise ValidationError(f"A recording has at most {MAX_TAGS_PER_RECORDING} tags.")
    return tags


@transaction.atomic
def recording_tags_set(*, recording: Recording, raw: str) -> list[str]:
    """Replace the recording's tags with those in `raw` (comma-separated)."""
    tags = parse_tags(raw)
    RecordingTag.objects.filter(recording=recording).exclude(name__in=tags).delete()
    existing = set(recording.tags.values_list("name", flat=True))
    RecordingTag.objects.bulk_create(
        RecordingTag(recording=recording, name=tag) for tag in tags if tag not in existing
    )
    return tags

"""The refined transcript: a live recording's stored audio transcribed again, as a file.

A live transcript is a draft: the live engine hears each stretch once, without what
follows, and tells speakers apart poorly. Once a live recording has ended completed *and*
its audio is in storage, a refine job (a TranscriptionJob of kind "refine", run by the
same worker, leases and retries as uploads: transcripts/jobs.py) sends the audio to the
file engine with speakers on. Its result replaces the draft's segments in one
transaction; the draft itself is kept in `Recording.draft`, and each correction the owner
made carries over wherever the refined words still say what the draft said.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction

from transcripts import jobs
from transcripts.engines.base import FileTranscript, FinalSegment
from transcripts.models import Recording, Segment, TranscriptionJob
from transcripts.services import ApplicationError, retimed_words, segment_from

RESUMED_MESSAGE = (
    "The recording was resumed while it was being refined, so the refined transcript was "
    "not used. Re-transcribe it once the recording has ended."
)


def refine_if_due(*, recording_id: int, audio_changed: bool = False) -> TranscriptionJob | None:
    """Queue the refine job once a live recording has both ended completed and its audio.

    Called by both `recording_finish` and `recording_attach_audio`, which can come in either
    order: whichever is second finds everything in place. The row lock makes them take turns,
    and each completed session is refined once. When the audio changes (a resumed recording's
    parts joined into one file) a refine job already waiting or running starts over on it.
    """
    active = TranscriptionJob.objects.filter(
        recording_id=recording_id, kind=TranscriptionJob.Kind.REFINE, status__in=jobs.ACTIVE
    ).first()
    if active is not None:
        # Not under the recording's lock: the job services lock the job row first.
        return jobs.job_restart(job_id=active.pk) if audio_changed else None
    with transaction.atomic():
        recording = Recording.objects.select_for_update().get(pk=recording_id)
        if not _refine_due(recording):
            return None
        return jobs.job_create(recording=recording, kind=TranscriptionJob.Kind.REFINE)


def _refine_due(recording: Recording) -> bool:
    ended = recording.status == Recording.Status.COMPLETED and recording.ended_at is not None
    return (
        settings.REFINE_AFTER_RECORDING
        and recording.refine
        and recording.source == Recording.Source.LIVE
        and ended
        and bool(recording.audio)
        # Once per completed session: a resumed recording that ends again is refined again.
        and not recording.jobs.filter(
            kind=TranscriptionJob.Kind.REFINE, created_at__gte=recording.ended_at
        ).exists()
    )


def refine_refusal(*, recording: Recording, busy: bool) -> str:
    """Why the recording cannot be transcribed again from its audio now; empty if it can.

    `busy`: a job of the recording's is queued or running.
    """
    if recording.source != Recording.Source.LIVE or not recording.audio:
        return "Only a live recording whose audio was kept can be transcribed from it again."
    if recording.status == Recording.Status.LIVE:
        return "This recording is still in progress."
    if busy:
        return "This recording is already being transcribed."
    return ""


@transaction.atomic
def refine_queue(*, recording: Recording) -> TranscriptionJob:
    """Transcribe a live recording again from its stored audio (an interrupted one's button)."""
    recording = Recording.objects.select_for_update().get(pk=recording.pk)
    busy = recording.jobs.filter(status__in=jobs.ACTIVE).exists()
    refusal = refine_refusal(recording=recording, busy=busy)
    if refusal:
        raise ApplicationError(refusal)
    return jobs.job_create(recording=recording, kind=TranscriptionJob.Kind.REFINE)


def refine_apply(*, recording: Recording, transcript: FileTranscript) -> Recording:
    """Replace the draft with the refined transcript, keeping the draft and the owner's edits.

    Runs inside `jobs.job_complete`'s transaction. The draft is kept the first time only: a
    later refine replaces a refined transcript, and the live draft stays what it was.
    """
    recording = Recording.objects.select_for_update().get(pk=recording.pk)
    if recording.status == Recording.Status.LIVE:
        raise ApplicationError(RESUMED_MESSAGE)
    current = list(Segment.objects.filter(recording=recording).order_by("index"))
    if not _refined_before(recording):
        recording.draft = [draft_entry(segment) for segment in current]
    rows = refined_segments(transcript.segments, edits=[s for s in current if s.edited])
    Segment.objects.filter(recording=recording).delete()
    for index, row in enumerate(rows):
        row.recording_id, row.index = recording.pk, index
    Segment.objects.bulk_create(rows)
    # The whole stored audio is transcribed now: an interruption or pause no longer shows.
    recording.status = Recording.Status.COMPLETED
    recording.error = ""
    recording.duration = max(recording.duration, transcript.duration)
    recording.save(update_fields=["draft", "status", "error", "duration"])
    return recording


def _refined_before(recording: Recording) -> bool:
    succeeded = TranscriptionJob.Status.SUCCEEDED
    return recording.jobs.filter(kind=TranscriptionJob.Kind.REFINE, status=succeeded).exists()


def draft_entry(segment: Segment) -> dict[str, Any]:
    """A live segment as it is kept in `Recording.draft`."""
    return {
        "index": segment.index,
        "start": segment.start,
        "end": segment.end,
        "text": segment.text,
        "speaker": segment.speaker,
        "confidence": segment.confidence,
        "words": segment.words,
        "edited": segment.edited,
        "original_text": segment.original_text,
    }


def refined_segments(refined: Sequence[FinalSegment], *, edits: Sequence[Segment]) -> list[Segment]:
    """Unsaved segments of the refined transcript, each edit that still applies carried over."""
    rows = [segment_from(recording_id=0, index=i, segment=s) for i, s in enumerate(refined)]
    for edit in edits:
        carry_over(rows, edit)
    return [row for row in rows if row.words or not row.edited]


def carry_over(rows: list[Segment], edit: Segment) -> bool:
    """Put an owner's correction where the refined words still say what the draft said.

    The refined words inside the edited segment's time span must equal the draft's words
    before the correction (`original_text`), ignoring case, punctuation and spacing; then the
    corrected text takes their place, over their timings, and is marked edited. Otherwise the
    engine heard something else there and the correction no longer applies.
    """
    span = [
        (number, position)
        for number, row in enumerate(rows)
        for position, word in enumerate(row.words)
        if edit.start <= (word["start"] + word["end"]) / 2 <= edit.end
    ]
    heard = " ".join(rows[number].words[position]["word"] for number, position in span)
    if not span or not edit.original_text or _letters(heard) != _letters(edit.original_text):
        return False
    run = [rows[number].words[position] for number, position in span]
    first = rows[span[0][0]]
    corrected = Segment(start=run[0]["start"], end=run[-1]["end"], words=run, speaker=first.speaker)
    replacement = retimed_words(corrected, edit.text)
    for number in sorted({number for number, _ in span}):
        positions = [position for owner, position in span if owner == number]
        new_words = replacement if rows[number] is first else []
        _replace_words(rows[number], positions[0], positions[-1] + 1, new_words)
    return True


def _replace_words(row: Segment, begin: int, end: int, words: list[dict[str, Any]]) -> None:
    if not row.edited:
        row.original_text = row.text
        row.edited = True
    row.words = row.words[:begin] + words + row.words[end:]
    row.text = " ".join(word["word"] for word in row.words)
    if row.words:
        row.start, row.end = row.words[0]["start"], row.words[-1]["end"]


def _letters(text: str) -> str:
    """Text reduced to its letters and digits, for comparing what two engines heard."""
    return "".join(re.findall(r"\w+", text.casefold()))

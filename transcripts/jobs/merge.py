"""The refined transcript replacing the live draft, keeping the draft and the owner's edits.

Runs inside the refine job's completing transaction (jobs/services.py). The draft's
segments are kept in `Recording.draft` the first time; the refined segments take their
place, with speakers; and each correction the owner made carries over wherever the refined
words still say what the draft said there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from transcripts import services
from transcripts.engines.base import FileTranscript, FinalSegment
from transcripts.errors import ApplicationError
from transcripts.history.record import history_baseline, version_write
from transcripts.models import Recording, Segment, TranscriptionJob
from transcripts.segments import retimed_words, segment_row_from
from transcripts.versions import Change

RESUMED_MESSAGE = (
    "The recording was resumed while it was being refined, so the refined transcript was "
    "not used. Re-transcribe it once the recording has ended."
)


def refine_apply(*, recording: Recording, transcript: FileTranscript) -> Recording:
    """Replace the draft with the refined transcript, keeping the draft and the owner's edits.

    The draft is kept the first time only: a later refine replaces a refined transcript,
    and the live draft stays what it was.
    """
    recording = Recording.objects.select_for_update().get(pk=recording.pk)
    if recording.status == Recording.Status.LIVE:
        raise ApplicationError(RESUMED_MESSAGE)
    history_baseline(recording=recording)  # the draft as recorded, if not in the history yet
    current = list(Segment.objects.filter(recording=recording).order_by("index"))
    if not _refined_before(recording):
        recording.draft = [draft_entry(segment) for segment in current]
    rows = refined_segments(transcript.segments, edits=[s for s in current if s.edited])
    Segment.objects.filter(recording=recording).delete()
    for index, row in enumerate(rows):
        row.recording_id, row.index = recording.pk, index
    Segment.objects.bulk_create(rows)
    version_write(change=Change.REFINED, removed=current, added=rows)
    return services.recording_complete_refined(recording=recording, duration=transcript.duration)


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
        "channel": segment.channel,
        "confidence": segment.confidence,
        "words": segment.words,
        "edited": segment.edited,
        "original_text": segment.original_text,
    }


def refined_segments(refined: Sequence[FinalSegment], *, edits: Sequence[Segment]) -> list[Segment]:
    """Unsaved segments of the refined transcript, each edit that still applies carried over.

    A two-channel recording's channels are interleaved by time (start, then channel).
    """
    in_order = sorted(refined, key=lambda s: (s.start, s.channel or 0))
    rows = [segment_row_from(recording_id=0, index=i, segment=s) for i, s in enumerate(in_order)]
    for edit in edits:
        carry_over(rows, edit)
    return [row for row in rows if row.words or not row.edited]


def carry_over(rows: list[Segment], edit: Segment) -> bool:
    """Put an owner's correction where the refined words still say what the draft said.

    The refined words inside the edited segment's time span must equal the draft's words
    before the correction (`original_text`), ignoring case, punctuation and spacing; then the
    corrected text takes their place, over their timings, and is marked edited. Otherwise the
    engine heard something else there and the correction no longer applies. In a two-channel
    recording only the edited segment's own channel is looked at.
    """
    span = [
        (number, position)
        for number, row in enumerate(rows)
        if row.channel == edit.channel
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

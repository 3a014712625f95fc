"""Recordings, their transcript segments, and the background work around them.

One module per part: limits.py (what people type), recording.py (a meeting, its shares,
tags and review state), transcript.py (segments and marks), work.py (jobs, uploads, page
events). Import them from here."""

from __future__ import annotations

from transcripts.models.limits import (
    MAX_FILENAME_CHARS,
    MAX_MARK_NOTE_CHARS,
    MAX_MARKS_PER_RECORDING,
    MAX_SEGMENT_TEXT_CHARS,
    MAX_SPEAKER_NAME_CHARS,
    MAX_TAG_CHARS,
    MAX_TAGS_PER_RECORDING,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
)
from transcripts.models.recording import (
    LOCKED_MESSAGE,
    Recording,
    RecordingShare,
    RecordingTag,
)
from transcripts.models.transcript import (
    Mark,
    Segment,
)
from transcripts.models.work import (
    OutboxEvent,
    PendingUpload,
    TranscriptionJob,
)

__all__ = [
    "LOCKED_MESSAGE",
    "MAX_FILENAME_CHARS",
    "MAX_MARKS_PER_RECORDING",
    "MAX_MARK_NOTE_CHARS",
    "MAX_SEGMENT_TEXT_CHARS",
    "MAX_SPEAKER_NAME_CHARS",
    "MAX_TAGS_PER_RECORDING",
    "MAX_TAG_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_URL_CHARS",
    "Mark",
    "OutboxEvent",
    "PendingUpload",
    "Recording",
    "RecordingShare",
    "RecordingTag",
    "Segment",
    "TranscriptionJob",
]

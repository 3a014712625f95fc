"""Segments between an engine and the database: rows from finals, times moved, words retimed,
and who said them (the one labelling rule every page, export and search result uses)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from transcripts.engines.base import MICROPHONE, SHARED_AUDIO, FinalSegment
from transcripts.models import Recording, Segment

OTHERS = "Others"  # the shared audio's channel, when diarization named nobody in it


def speaker_label(recording: Recording, *, channel: int | None, speaker: int | None) -> str:
    """Who said a segment (docs/two-channels.md). Mono: the speaker's name, or "" without one.
    Two channels: the owner's name on the microphone's; on the shared audio's "Others", or
    the speaker's given name, or "Other N" when diarization told the others apart."""
    if channel is None:
        return recording.speaker_name(speaker)
    if channel == MICROPHONE:  # one person: diarization's numbers there are dropped
        owner = recording.owner
        return owner.get_full_name() or owner.get_username()
    if speaker is None:
        return OTHERS
    return recording.speaker_names.get(str(speaker)) or f"Other {speaker + 1}"


def segment_label(recording: Recording, segment: Segment) -> str:
    """Who said `segment` (see speaker_label)."""
    return speaker_label(recording, channel=segment.channel, speaker=segment.speaker)


def diarized_speaker_label(recording: Recording, speaker: int) -> str:
    """What a speaker diarization found is called: in a two-channel recording one of the
    others ("Other N" until named), else "Speaker N" until named."""
    channel = SHARED_AUDIO if is_two_channel(recording) else None
    return speaker_label(recording, channel=channel, speaker=speaker)


def is_two_channel(recording: Recording) -> bool:
    """Whether the recording kept the microphone and the shared audio apart."""
    return recording.options.get("channels") == 2


def segment_row_from(*, recording_id: int, index: int, segment: FinalSegment) -> Segment:
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
        channel=segment.channel,
    )


def shifted_final(segment: FinalSegment, seconds: float) -> FinalSegment:
    """A final segment moved `seconds` later: a stream's times onto the recording's timeline."""
    if not seconds:
        return segment
    words = tuple(
        replace(word, start=round(word.start + seconds, 3), end=round(word.end + seconds, 3))
        for word in segment.words
    )
    return replace(
        segment,
        start=round(segment.start + seconds, 3),
        end=round(segment.end + seconds, 3),
        words=words,
    )


def retimed_words(segment: Segment, text: str) -> list[dict[str, Any]]:
    """Word timings for corrected text: kept one for one when the word count is unchanged,
    otherwise spread evenly over the segment, so clicking a word still seeks near it.
    A word a person changed is theirs: it is accepted, no longer flagged as unsure."""
    tokens = text.split()
    old = segment.words or []
    if len(tokens) == len(old):
        return [
            {**timing, "word": token}
            if token == timing.get("word")
            else {**timing, "word": token, "accepted": True}
            for timing, token in zip(old, tokens, strict=True)
        ]
    step = (segment.end - segment.start) / max(len(tokens), 1)
    return [
        {"word": token, "start": round(segment.start + i * step, 3),
         "end": round(segment.start + (i + 1) * step, 3), "confidence": None,
         "speaker": segment.speaker}
        for i, token in enumerate(tokens)
    ]  # fmt: skip

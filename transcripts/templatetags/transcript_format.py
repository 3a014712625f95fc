"""Template filters for times and durations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from transcripts import segments
from transcripts.confidence import is_low
from transcripts.models import Recording, Segment
from transcripts.timecode import clock

register = template.Library()


register.filter("clock", clock)  # seconds as m:ss, or h:mm:ss past an hour


@register.filter
def speaker_name(recording: Recording, speaker: int | None) -> str:
    """What the recording calls this speaker ("Speaker 2" until someone names them)."""
    return recording.speaker_name(speaker)


@register.filter
def segment_label(recording: Recording, segment: Segment | Mapping[str, Any]) -> str:
    """Who said a segment (or a kept draft's entry, a dict): the speaker's name, or in a
    two-channel recording the owner's name or the others' (transcripts/segments.py)."""
    if isinstance(segment, Mapping):
        return segments.speaker_label(
            recording, channel=segment.get("channel"), speaker=segment.get("speaker")
        )
    return segments.segment_label(recording, segment)


@register.filter
def diarized_speaker(recording: Recording, speaker: int) -> str:
    """A speaker diarization found, as the recording calls them ("Other 2" among the others
    of a two-channel recording, else "Speaker 2", until someone names them)."""
    return segments.diarized_speaker_label(recording, speaker)


@register.filter
def seconds(value: float | None) -> str:
    """A time in seconds for data attributes and links, with millisecond precision."""
    return f"{value or 0:.3f}"


@register.filter
def get_item(mapping: dict[str, str], key: object) -> str:
    """mapping[str(key)], or "" (JSON object keys are strings)."""
    return mapping.get(str(key), "")


@register.filter
def unsure(word: dict[str, Any], threshold: float) -> bool:
    """The engine was unsure of this word and nobody has accepted it (transcripts/confidence)."""
    return is_low(word, threshold)

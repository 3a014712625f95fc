"""A recording's transcript as plain text, SRT, WebVTT, JSON or DOCX, with its marks.

Marks (bookmarks, action items, decisions) come after the transcript in plain text and
DOCX, as a list in JSON and as NOTE blocks among the cues in WebVTT; SRT has no place for
them. A recording without marks exports as it did before marks existed (JSON aside, which
always has its "marks" list).
"""

from __future__ import annotations

import io
import json
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.timezone import localtime
from docx import Document

from transcripts.consent import consent_json
from transcripts.marks.selectors import author_name
from transcripts.models import Mark, Recording, Segment
from transcripts.segments import segment_label
from transcripts.text import one_line, xml_safe
from transcripts.timecode import clock, subtitle_clock


@dataclass(frozen=True)
class ExportOptions:
    """What plain text includes; SRT, WebVTT, JSON and DOCX always carry times and names."""

    timestamps: bool = True
    speakers: bool = True


@dataclass(frozen=True)
class Export:
    """A file to download."""

    content: bytes
    content_type: str
    filename: str


def tags_of(recording: Recording) -> list[str]:
    """The recording's tags, in order, for a file's metadata."""
    return sorted(tag.name for tag in recording.tags.all())


def _mark_details(mark: Mark) -> str:
    """What follows a mark's kind: " — the note (by Ana) ✓ done", on one line."""
    note = one_line(mark.note)
    return (
        f"{' — ' + note if note else ''} (by {author_name(mark.author)})"
        f"{' ✓ done' if mark.done_at else ''}"
    )


def mark_line(mark: Mark) -> str:
    """A mark as people read it: [1:02] Action item — the note (by Ana) ✓ done."""
    return f"[{clock(mark.at)}] {mark.get_kind_display()}{_mark_details(mark)}"


def as_text(
    recording: Recording,
    segments: Sequence[Segment],
    options: ExportOptions,
    marks: Sequence[Mark] = (),
) -> str:
    """A header (title, date, tags), one line per segment ([time] Speaker: text), then the
    marks, each with its time whatever the options (a mark is a moment)."""
    header = f"{recording.title}\n{date_format(localtime(recording.started_at), 'j F Y, H:i')}\n"
    tags = tags_of(recording)
    header += (f"Tags: {', '.join(tags)}\n" if tags else "") + "\n"
    lines = []
    for segment in segments:
        prefix = f"[{clock(segment.start)}] " if options.timestamps else ""
        name = segment_label(recording, segment) if options.speakers else ""
        lines.append(f"{prefix}{name + ': ' if name else ''}{segment.text}")
    if marks:
        lines += ["", "Marks", *(mark_line(mark) for mark in marks)]
    return header + "\n".join(lines) + "\n"


def _cue_end(segment: Segment) -> float:
    # A cue must end after it starts, even for an instant segment.
    return max(segment.end, segment.start + 0.01)


def as_srt(recording: Recording, segments: Sequence[Segment]) -> str:
    """SubRip: numbered cues, comma before milliseconds, the speaker's name before the text."""
    cues = []
    for number, segment in enumerate(segments, start=1):
        name = segment_label(recording, segment)
        times = f"{subtitle_clock(segment.start, ',')} --> {subtitle_clock(_cue_end(segment), ',')}"
        cues.append(f"{number}\n{times}\n{name + ': ' if name else ''}{segment.text}\n")
    return "\n".join(cues)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt_note(mark: Mark) -> str:
    """A comment block: one line (a blank one would end it) without "-->" (which would
    make it a cue); its text is not markup, so nothing is escaped."""
    text = f"{mark.get_kind_display()} at {clock(mark.at)}{_mark_details(mark)}"
    return f"NOTE {text.replace('-->', '→')}\n"


def as_vtt(recording: Recording, segments: Sequence[Segment], marks: Sequence[Mark] = ()) -> str:
    """WebVTT with voice tags naming the speaker; each mark a NOTE before the first cue
    that starts after it."""
    blocks = ["WEBVTT\n"]
    waiting = deque(marks)
    for segment in segments:
        while waiting and waiting[0].at <= segment.start:
            blocks.append(_vtt_note(waiting.popleft()))
        name = segment_label(recording, segment)
        voice = f"<v {_vtt_escape(name)}>" if name else ""
        times = f"{subtitle_clock(segment.start, '.')} --> {subtitle_clock(_cue_end(segment), '.')}"
        blocks.append(f"{times}\n{voice}{_vtt_escape(segment.text)}\n")
    blocks += [_vtt_note(mark) for mark in waiting]
    return "\n".join(blocks)


def segment_json(recording: Recording, segment: Segment) -> dict[str, object]:
    """A segment as the JSON export and the API show it."""
    return {
        "index": segment.index,
        "start": segment.start,
        "end": segment.end,
        "speaker": segment.speaker,
        "speaker_name": recording.speaker_name(segment.speaker) or None,
        "channel": segment.channel,  # 0 the person recording, 1 the others; null in mono
        "label": segment_label(recording, segment),
        "text": segment.text,
        "confidence": segment.confidence,
        "edited": segment.edited,
        "words": segment.words,
    }


def mark_json(mark: Mark) -> dict[str, object]:
    """A mark as the JSON export shows it."""
    return {
        "id": mark.pk,
        "kind": mark.kind,
        "at": mark.at,
        "note": mark.note,
        "author": author_name(mark.author),
        "done": mark.done_at is not None,
        "done_at": mark.done_at.isoformat() if mark.done_at else None,
    }


def as_json(recording: Recording, segments: Sequence[Segment], marks: Sequence[Mark] = ()) -> str:
    """Everything: the recording, its segments with every word's timing, and its marks."""
    document = {
        "recording": {
            "id": recording.pk,
            "title": recording.title,
            "started_at": recording.started_at.isoformat(),
            "duration": recording.duration,
            "language": recording.language,
            "source": recording.source,
            "engine": recording.engine,
            "model": recording.model,
            "tags": tags_of(recording),
            "consent": consent_json(recording),
        },
        "segments": [segment_json(recording, segment) for segment in segments],
        "marks": [mark_json(mark) for mark in marks],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def as_docx(recording: Recording, segments: Sequence[Segment], marks: Sequence[Mark] = ()) -> bytes:
    """A Word document: title, date, one paragraph per segment, then the marks."""
    document = Document()
    document.add_heading(xml_safe(recording.title), level=1)
    document.add_paragraph(date_format(localtime(recording.started_at), "l j F Y, H:i"))
    tags = [xml_safe(tag) for tag in tags_of(recording)]
    if tags:
        document.add_paragraph(f"Tags: {', '.join(tags)}")
        document.core_properties.keywords = ", ".join(tags)
    for segment in segments:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"[{clock(segment.start)}] ").italic = True
        name = segment_label(recording, segment)
        if name:
            paragraph.add_run(f"{xml_safe(name)}: ").bold = True
        paragraph.add_run(xml_safe(segment.text))
    if marks:
        document.add_heading("Marks", level=2)
        for mark in marks:
            document.add_paragraph(xml_safe(mark_line(mark)))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


FORMATS: dict[str, tuple[str, str]] = {
    "txt": ("text/plain; charset=utf-8", "txt"),
    "srt": ("application/x-subrip; charset=utf-8", "srt"),
    "vtt": ("text/vtt; charset=utf-8", "vtt"),
    "json": ("application/json", "json"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}


def export(
    recording: Recording,
    segments: Sequence[Segment],
    kind: str,
    options: ExportOptions,
    marks: Sequence[Mark] = (),
) -> Export:
    """The transcript in the format `kind` (a key of FORMATS), with `marks` in time order
    (marks.selectors.marks_of) where the format has room for them."""
    makers: dict[str, Callable[[], str | bytes]] = {
        "txt": lambda: as_text(recording, segments, options, marks),
        "srt": lambda: as_srt(recording, segments),
        "vtt": lambda: as_vtt(recording, segments, marks),
        "json": lambda: as_json(recording, segments, marks),
        "docx": lambda: as_docx(recording, segments, marks),
    }
    content = makers[kind]()
    content_type, extension = FORMATS[kind]
    body = content.encode("utf-8") if isinstance(content, str) else content
    stem = slugify(recording.title)[:80] or f"recording-{recording.pk}"
    return Export(body, content_type, f"{stem}.{extension}")

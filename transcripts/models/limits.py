"""Limits on what people type, one name each (transcripts/text.py cleans and checks them)."""

from __future__ import annotations

MAX_TITLE_CHARS = 200
MAX_SEGMENT_TEXT_CHARS = 5000
MAX_SPEAKER_NAME_CHARS = 60
MAX_FILENAME_CHARS = 255
MAX_TAG_CHARS = 40
MAX_TAGS_PER_RECORDING = 20
MAX_URL_CHARS = 2000
MAX_MARK_NOTE_CHARS = 200
MAX_MARKS_PER_RECORDING = 500

"""Request parameters as bounded values: the one place query strings, headers and path parts
become numbers.

Ids are 64-bit; a segment's index and a speaker's number fit their columns; pages and
offsets have ranges. A value outside them never reaches the database: path parts simply
do not match (404), query and header values are refused with a message naming the
parameter and its range (a ValidationError the view answers with 400).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

MAX_ID = 2**63 - 1
MAX_PAGE = 10_000
MAX_BYTES = 2**62


def whole_number(raw: str | None, *, name: str, minimum: int, maximum: int, default: int) -> int:
    """A whole number from minimum to maximum; `default` when absent or empty."""
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        raise ValidationError(f"{name} must be a whole number from {minimum} to {maximum:,}.")
    value = int(text)
    if not minimum <= value <= maximum:
        raise ValidationError(f"{name} must be a whole number from {minimum} to {maximum:,}.")
    return value


def page_number(raw: str | None) -> int:
    """`?page=N`, from 1 (the default) to MAX_PAGE."""
    return whole_number(raw, name="page", minimum=1, maximum=MAX_PAGE, default=1)


# The most recordings a page asks about at once (the status endpoint, /ws/events/).
MAX_RECORDING_IDS = 100


def recording_ids(raw: list[str]) -> list[int]:
    """`?id=1&id=2…`: recording ids; past the first MAX_RECORDING_IDS, the rest are not read."""
    return [
        whole_number(r, name="id", minimum=1, maximum=MAX_ID, default=0)
        for r in raw[:MAX_RECORDING_IDS]
    ]


def optional_id(raw: str | None, *, name: str = "team") -> int | None:
    """An optional id (a form's team choice, a history tab); None when absent or empty."""
    value = whole_number(raw, name=name, minimum=0, maximum=MAX_ID, default=0)
    return value or None


def byte_offset(raw: str | None) -> int:
    """A byte position in a file (the Upload-Offset header); required."""
    if raw is None:
        raise ValidationError("Send each piece with an Upload-Offset header.")
    return whole_number(raw, name="Upload-Offset", minimum=0, maximum=MAX_BYTES, default=0)


class IdConverter:
    """`<id:…>` in a URL: a database id (at most 18 digits, so it fits 64 bits)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class IndexConverter(IdConverter):
    """`<index:…>` in a URL: a position or number that fits a 32-bit column."""

    regex = "[0-9]{1,9}"


class SpeakerConverter(IdConverter):
    """`<speaker:…>` in a URL: a speaker's number, which fits a 16-bit column."""

    regex = "[0-9]{1,4}"

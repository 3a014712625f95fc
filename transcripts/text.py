"""User-supplied text, cleaned one way everywhere: titles, corrections, speaker names,
search strings and file names.

The rule, for every field: control characters (other than tab and newline, which become
spaces where a field is one line) and unpaired surrogates are removed — PostgreSQL refuses
NUL, Word documents refuse most controls, and none of them means anything in a meeting's
text. Runs of white space become one space and the ends are trimmed. A cleaned value over
its field's limit (one constant each, in models.py) is refused with a message naming the
limit, never cut short, except a search, which is shortened (the page says so).
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

# Bidirectional overrides and isolates: in a file name they can disguise its ending.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
WHITESPACE = re.compile(r"\s+")


def without_controls(value: str) -> str:
    """`value` without control characters and unpaired surrogates (tab and newline stay)."""
    return "".join(
        char for char in value if char in "\t\n" or unicodedata.category(char) not in ("Cc", "Cs")
    )


def one_line(value: str) -> str:
    """Cleaned, on one line: controls removed, white space collapsed, ends trimmed."""
    return WHITESPACE.sub(" ", without_controls(value)).strip()


def clean_field(value: str, *, limit: int, what: str) -> str:
    """A one-line field, refused with a message when it is longer than `limit` characters."""
    cleaned = one_line(value)
    if len(cleaned) > limit:
        raise ValidationError(f"{what} has at most {limit:,} characters.")
    return cleaned


def clean_filename(name: str, *, limit: int) -> str:
    """A file name to show, never to use as a path: its last part, one line, no bidi tricks."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(char for char in one_line(base) if char not in BIDI_CONTROLS).strip()
    return base[:limit] or "upload"


def xml_safe(value: str) -> str:
    """Text a Word document can hold: stored text from before these rules may still have
    characters XML refuses."""
    return without_controls(value).replace("\t", " ")


def clean_paragraphs(value: str, *, limit: int, what: str) -> str:
    """A field of several lines (a note, a comment): cleaned as one line each, ends trimmed."""
    lines = [one_line(line) for line in without_controls(value).replace("\r", "\n").split("\n")]
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if len(cleaned) > limit:
        raise ValidationError(f"{what} has at most {limit:,} characters.")
    return cleaned

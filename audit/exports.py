"""The audit log as CSV for a spreadsheet: streamed row by row, safe to open.

A value a spreadsheet would read as a formula (=, +, -, @, or a tab or carriage return
first) gets a leading apostrophe, so a title like `=HYPERLINK(…)` shows as text (OWASP's
advice on CSV injection).
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEntry

HEADER = ("time", "person", "action", "recording_id", "recording_title", "ip", "detail")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500
BYTE_ORDER_MARK = "\ufeff"  # lets spreadsheet programs know the file is UTF-8


class _Line:
    """A file-like object that hands back what is written: csv.writer makes one line."""

    def write(self, text: str) -> str:
        return text


def neutralised(value: object) -> str:
    """`value` as text a spreadsheet shows rather than evaluates."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def entry_row(entry: AuditEntry) -> list[str]:
    """One entry's cells, in HEADER's order."""
    at = timezone.localtime(entry.at).isoformat(timespec="seconds")
    cells: Iterable[object] = (
        at, entry.actor_name, entry.get_action_display(), entry.recording_id,
        entry.recording_title, entry.ip, entry.detail,
    )  # fmt: skip
    return [neutralised(cell) for cell in cells]


async def csv_lines(entries: QuerySet[AuditEntry]) -> AsyncIterator[str]:
    """The header, then a line per entry, read from the database a chunk at a time."""
    writer: Any = csv.writer(_Line())
    yield BYTE_ORDER_MARK + writer.writerow(HEADER)
    async for entry in entries.aiterator(chunk_size=CHUNK_ROWS):
        yield writer.writerow(entry_row(entry))

"""Serving stored audio with HTTP range requests, so players can seek at once."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from django.db.models.fields.files import FieldFile
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
READ_BYTES = 64 * 1024


class Unsatisfiable(Exception):
    """The requested range lies outside the file."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte asked for, None for the whole file; raises Unsatisfiable."""
    match = RANGE.match((header or "").strip())
    if match is None or match.groups() == ("", ""):
        return None  # absent, several ranges, or malformed: the whole file (RFC 9110)
    first, last = match.groups()
    if first == "":
        length = int(last)
        if length == 0:
            raise Unsatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise Unsatisfiable
    return start, end


def starts_playback(header: str | None) -> bool:
    """Whether a request for the audio begins a playback: it asks for the whole file or from
    byte 0. A player seeking or buffering asks for later ranges, which are the same playback."""
    match = RANGE.match((header or "").strip())
    if match is None or match.groups() == ("", ""):
        return True  # served as the whole file
    first = match.group(1)
    return first != "" and int(first) == 0


async def _read(file: FieldFile, start: int, length: int) -> AsyncIterator[bytes]:
    handle = await asyncio.to_thread(file.open, "rb")
    try:
        await asyncio.to_thread(handle.seek, start)
        while length > 0:
            block = await asyncio.to_thread(handle.read, min(READ_BYTES, length))
            if not block:
                break
            length -= len(block)
            yield block
    finally:
        await asyncio.to_thread(handle.close)


async def ranged_response(
    file: FieldFile, content_type: str, range_header: str | None
) -> HttpResponseBase:
    """200 with the whole file, 206 with the range asked for, or 416."""
    size = await asyncio.to_thread(lambda: file.size)
    try:
        wanted = parse_range(range_header, size)
    except Unsatisfiable:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    start, end = wanted or (0, size - 1)
    response: HttpResponseBase = StreamingHttpResponse(
        _read(file, start, end - start + 1),
        content_type=content_type,
        status=206 if wanted else 200,
    )
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response

"""Fetching an imported recording's file from its link, in the worker, before transcription.

Every request goes through the SSRF guard (transcripts/outbound.py), redirects included.
The body streams to a local file and is judged as an upload is: refused as soon as it is
larger than UPLOAD_MAX_BYTES (at once when Content-Length says so), when the whole download
takes longer than URL_IMPORT_TIMEOUT_SECONDS, or when its first bytes are not audio or
video (transcripts/media.py). Each refusal is a DownloadFailed in words; `retryable` ones
(the server busy or slow, the network) may succeed on a later attempt.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from transcripts import media, outbound
from transcripts.engines.base import TranscriptionStopped

# The longest wait for any one read; the whole download has URL_IMPORT_TIMEOUT_SECONDS.
READ_TIMEOUT_SECONDS = 60.0
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class DownloadFailed(Exception):
    """The file could not be fetched; `message` says why in words."""

    def __init__(
        self, message: str, *, retryable: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Downloaded:
    """A fetched file on local disk, judged by its content."""

    path: Path
    size: int
    media_format: media.MediaFormat


def download(
    url: str,
    path: Path,
    *,
    on_progress: Callable[[float], None],
    should_stop: Callable[[], bool],
) -> Downloaded:
    """Fetch `url` into `path`; DownloadFailed with the reason, the partial file removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + settings.URL_IMPORT_TIMEOUT_SECONDS
    timeout = min(READ_TIMEOUT_SECONDS, settings.URL_IMPORT_TIMEOUT_SECONDS)
    done = False
    try:
        with outbound.open_response(
            url, headers={"Accept-Encoding": "identity"}, timeout=timeout
        ) as response:
            expected = _expected_size(response)
            with path.open("wb") as out:
                fetched = _receive(response, out, expected, deadline, on_progress, should_stop)
        done = True
        return fetched
    except outbound.OutboundRefused as exc:
        raise DownloadFailed(f"Parley will not fetch that link: {exc}") from exc
    except httpx.TimeoutException as exc:
        raise DownloadFailed(
            f"The server of that link sent nothing for {timeout:g} seconds.", retryable=True
        ) from exc
    except httpx.TransportError as exc:
        raise DownloadFailed(
            f"The connection to the server of that link failed ({type(exc).__name__}).",
            retryable=True,
        ) from exc
    finally:
        if not done:
            path.unlink(missing_ok=True)


def _expected_size(response: httpx.Response) -> int | None:
    """The size the server announces; refuses an error answer and an oversized file."""
    status = response.status_code
    if status >= 300:
        reason = response.reason_phrase or "error"
        retryable = status in RETRYABLE_STATUSES
        note = " It may work later." if retryable else ""
        raise DownloadFailed(
            f"The server of that link answered {status} ({reason}).{note}",
            retryable=retryable,
            retry_after=_retry_after(response),
        )
    try:
        size = int(response.headers.get("content-length", ""))
    except ValueError:
        return None
    if size > settings.UPLOAD_MAX_BYTES:
        raise DownloadFailed(_too_large(size))
    return size


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def _receive(
    response: httpx.Response,
    out: BinaryIO,
    expected: int | None,
    deadline: float,
    on_progress: Callable[[float], None],
    should_stop: Callable[[], bool],
) -> Downloaded:
    """Copy the body, judging its head and keeping to the limits as it arrives."""
    received = 0
    head = b""
    found: media.MediaFormat | None = None
    for block in response.iter_bytes():  # as it arrives: the limits are checked per read
        if should_stop():
            raise TranscriptionStopped
        if time.monotonic() > deadline:
            raise DownloadFailed(_too_slow(), retryable=True)
        received += len(block)
        if received > settings.UPLOAD_MAX_BYTES:
            raise DownloadFailed(_too_large(received, more=True))
        out.write(block)
        if found is None:
            head = (head + block)[: media.SNIFF_BYTES]
            if len(head) >= media.SNIFF_BYTES:
                found = _judge(head)
        if expected:
            on_progress(min(1.0, received / expected))
    if received == 0:
        raise DownloadFailed("The link gave an empty file.")
    found = found or _judge(head)
    return Downloaded(path=Path(out.name), size=received, media_format=found)


def _judge(head: bytes) -> media.MediaFormat:
    """The container the file's first bytes start; refused in words if none Parley reads."""
    found = media.sniff(head)
    if found is not None:
        return found
    start = head.lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        reason = "it is a web page; link to the file itself"
    elif media.looks_like_text(head):
        reason = "it looks like text"
    else:
        reason = "unknown content"
    raise DownloadFailed(
        f"The link does not lead to an audio or video file ({reason}). "
        f"Parley reads {media.ACCEPTED_DESCRIPTION}."
    )


def _too_large(size: int, *, more: bool = False) -> str:
    at_least = "more than " if more else ""
    return (
        f"The file at that link is {at_least}{filesizeformat(size)}; "
        f"the largest file Parley accepts is {filesizeformat(settings.UPLOAD_MAX_BYTES)}."
    )


def _too_slow() -> str:
    return (
        "The file at that link did not arrive within "
        f"{settings.URL_IMPORT_TIMEOUT_SECONDS:g} seconds."
    )

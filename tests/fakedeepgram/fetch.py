"""`POST /v1/listen` with a JSON body `{"url": ...}`: the fake fetches the URL, as Deepgram does.

Kept apart from rest.py (one hook there): the fetched bytes go through the same BodyReader
as a file sent in the body, so a WAV is "heard" by energy and anything else is refused as
Deepgram refuses it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Protocol

import aiohttp

from .common import Rejection

CHUNK_SIZE = 64 * 1024
FETCH_TIMEOUT_SECONDS = 30.0
REMOTE_CONTENT_ERROR = "REMOTE_CONTENT_ERROR"


class Feedable(Protocol):
    """What the fetched body is fed into (rest.BodyReader)."""

    def feed(self, chunk: bytes) -> None: ...

    def finish(self) -> None: ...


def url_of(raw_json: bytes) -> str:
    """The `url` of a `{"url": ...}` body (exactly that key, as the SDK's transcribe_url sends)."""
    payload = json.loads(raw_json)
    if not isinstance(payload, dict) or set(payload) != {"url"}:
        raise ValueError(f"a URL body must be exactly {{'url': str}}, got {payload!r}")
    return str(payload["url"])


async def fetch_into(url: str, make_reader: Callable[[], Feedable]) -> Feedable | Rejection:
    """The body at `url` fed into a new reader, or the 400 Deepgram answers when it cannot."""
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
    reader = make_reader()
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(url) as response,
        ):
            if response.status >= 400:
                return _remote_error(f"{response.status} {response.reason}")
            async for chunk in response.content.iter_chunked(CHUNK_SIZE):
                reader.feed(chunk)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return _remote_error(type(exc).__name__)
    reader.finish()
    return reader


def _remote_error(detail: str) -> Rejection:
    return Rejection(
        400,
        REMOTE_CONTENT_ERROR,
        f"Could not retrieve the media at the URL provided: the remote server said {detail}.",
    )

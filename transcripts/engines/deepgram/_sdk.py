"""The one door to deepgram-sdk: every import of it, and what both Deepgram engines read from it.

Nothing outside this module imports `deepgram`; the live and file engines take the SDK's
clients, errors and message types from here.
"""

from __future__ import annotations

import functools
import json
import urllib.parse
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from deepgram import AsyncDeepgramClient, DeepgramClient
from deepgram.core.api_error import ApiError
from deepgram.core.client_wrapper import AsyncClientWrapper
from deepgram.core.jsonable_encoder import jsonable_encoder
from deepgram.core.query_encoder import encode_query
from deepgram.core.websocket_compat import (  # type: ignore[attr-defined]
    InvalidWebSocketStatus,
    get_status_code,
)
from deepgram.environment import DeepgramClientEnvironment
from deepgram.listen.v1.socket_client import AsyncV1SocketClient
from deepgram.listen.v1.types import ListenV1Error, ListenV1Metadata, ListenV1Results
from deepgram.types import ListenV1AcceptedResponse, ListenV1Response
from django.core.exceptions import ImproperlyConfigured
from websockets.legacy.client import connect as websocket_connect

from transcripts.engines.base import Word
from transcripts.engines.deepgram.frames import DeepgramClientProtocol

__all__ = [
    "ApiError",
    "AsyncDeepgramClient",
    "AsyncV1SocketClient",
    "DeepgramClient",
    "ListenV1AcceptedResponse",
    "ListenV1Error",
    "ListenV1Metadata",
    "ListenV1Response",
    "ListenV1Results",
    "LiveSocket",
    "deepgram_message",
    "dominant_speaker",
    "environment_for",
    "glossary_query",
    "live_socket",
    "retry_after",
    "words_from",
    "words_from_json",
]


def environment_for(url: str) -> DeepgramClientEnvironment:
    """SDK addresses for a Deepgram base URL: REST as given, the WebSocket as ws(s)://."""
    base = url.rstrip("/")
    scheme, separator, rest = base.partition("://")
    websocket_scheme = {"https": "wss", "http": "ws"}.get(scheme.lower())
    if not separator or websocket_scheme is None:
        raise ImproperlyConfigured(
            f"DEEPGRAM_URL must start with https:// or http://, not {url!r}."
        )
    websocket = f"{websocket_scheme}://{rest}"
    return DeepgramClientEnvironment(
        base=base, production=websocket, agent=websocket, agent_rest=base
    )


def glossary_query(model: str, glossary: Sequence[str]) -> dict[str, object]:
    """The query parameters that carry a glossary to `model`; none for an empty glossary.

    Nova-3 models take `keyterm` (the SDK repeats the parameter, one term each, phrases
    whole; at most 100 terms and 500 tokens across them, or Deepgram answers 400) and refuse
    `keywords` with a 400. Older models (nova-2, nova, enhanced, base) take `keywords`,
    which boosts single words: a phrase is sent word by word, at the default boost.
    """
    terms = [term.strip() for term in glossary if term.strip()]
    if not terms:
        return {}
    if model.startswith("nova-3"):
        return {"keyterm": terms}
    words = dict.fromkeys(word for term in terms for word in term.split())
    return {"keywords": list(words)}


def words_from(items: Sequence[Any] | None) -> tuple[Word, ...]:
    """Engine words from the SDK's word items (live or prerecorded), preferring the punctuated
    form."""
    return tuple(
        Word(
            word=item.punctuated_word or item.word or "",
            start=item.start or 0.0,
            end=item.end or 0.0,
            confidence=item.confidence,
            speaker=item.speaker,
        )
        for item in items or []
    )


def words_from_json(items: Sequence[dict[str, Any]] | None) -> tuple[Word, ...]:
    """Engine words from a live Results message's word objects (as in words_from)."""
    return tuple(
        Word(
            word=item.get("punctuated_word") or item.get("word") or "",
            start=item.get("start") or 0.0,
            end=item.get("end") or 0.0,
            confidence=item.get("confidence"),
            speaker=item.get("speaker"),
        )
        for item in items or []
    )


def dominant_speaker(words: Sequence[Word]) -> int | None:
    """The speaker who says most of the words, if the engine labels speakers."""
    speakers = Counter(word.speaker for word in words if word.speaker is not None)
    return speakers.most_common(1)[0][0] if speakers else None


def deepgram_message(body: object) -> str:
    """Deepgram's own explanation from an error body, in any of its three shapes."""
    if isinstance(body, dict):
        for key in ("err_msg", "message", "details"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
    return body.strip() if isinstance(body, str) else ""


def retry_after(headers: dict[str, str] | None) -> float | None:
    """Seconds from a Retry-After header (delta form), if there is a usable one."""
    value = {key.lower(): val for key, val in (headers or {}).items()}.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class LiveSocket:
    """A live stream's socket: the SDK's client sends; Deepgram's messages are read as JSON.

    The SDK's own reading builds pydantic models of every message (11 % of the event loop
    at 200 recordings); the live engine reads the few fields it uses from the JSON instead.
    Their shapes are the SDK's types (the fake Deepgram checks every message against them).
    """

    def __init__(self, websocket: Any) -> None:
        self.sdk = AsyncV1SocketClient(websocket=websocket)
        self._websocket = websocket

    async def messages(self) -> AsyncIterator[dict[str, Any]]:
        """Deepgram's messages as they arrive, parsed from JSON; binary ones are skipped."""
        async for raw in self._websocket:
            if isinstance(raw, str):
                message = json.loads(raw)
                if isinstance(message, dict):
                    yield message


@functools.cache
def _sdk_headers(wrapper: AsyncClientWrapper) -> dict[str, str]:
    """The SDK's headers for a client (its key, its user agent), worked out once.

    The SDK works them out for every connection, reading its version from the package's
    metadata on disk: 40 % of opening a stream, and at the top of the hour sixty streams a
    second open on the event loop that relays every meeting's audio. The clients are shared
    and live as long as the process (live.shared_client), so the cache holds no more.
    """
    return wrapper.get_headers()


@asynccontextmanager
async def live_socket(
    client: AsyncDeepgramClient, query: dict[str, object]
) -> AsyncIterator[LiveSocket]:
    """The SDK's live socket (`client.listen.v1.connect`), opened without permessage-deflate,
    its frames masked by `frames.DeepgramClientProtocol`.

    The SDK's own connect offers compression, and a server that accepts it has every 100 ms
    of PCM go through zlib: at 200 recordings that was 15 % of the event loop and ~180 KB of
    zlib state per stream, for audio that barely compresses. The address, headers and
    handshake errors are the SDK's own.
    """
    wrapper = client._client_wrapper  # the SDK's headers (key, user agent) and addresses
    address = wrapper.get_environment().production + "/v1/listen"
    address += "?" + urllib.parse.urlencode(encode_query(jsonable_encoder(query)) or [])
    headers = dict(_sdk_headers(wrapper))
    try:
        async with websocket_connect(
            address,
            extra_headers=headers,
            compression=None,
            create_protocol=DeepgramClientProtocol,  # its masks cost no system call a frame
        ) as socket:
            yield LiveSocket(socket)
    except InvalidWebSocketStatus as exc:
        raise ApiError(status_code=get_status_code(exc), headers={}, body="") from exc

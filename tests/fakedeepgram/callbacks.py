"""Callbacks on `POST /v1/listen`: answer at once with a request id, post the result later.

With `callback=<url>` Deepgram answers `{"request_id": ...}` at once and later POSTs the usual
prerecorded response to the URL, with the URL's user:password as an `Authorization: Basic`
header and every `extra=key:value` of the request in the body's `metadata.extra`. The fake
posts it `fake.callback_deliveries` times (0: never, 2: a repeated delivery), each recorded in
`fake.callbacks`; `fake.callback_bodies` keeps every result it posts (or would have posted).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import urllib.parse
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from deepgram.types import ListenV1AcceptedResponse

from .common import FakeServer
from .protocol import encode_rest_response
from .records import RestRequest

logger = logging.getLogger(__name__)

DELIVERY_TIMEOUT_SECONDS = 30.0


@dataclass
class CallbackDelivery:
    """One POST of a result to a callback URL, as the fake made it."""

    url: str  # without the credentials
    request_id: str
    authorization: str
    body: dict[str, Any]
    status: int | None = None
    error: str = ""
    done: bool = False


def wants_callback(query: dict[str, str]) -> bool:
    """Whether the request asked for its result by callback."""
    return bool(query.get("callback"))


def extra_of(query: dict[str, list[str]]) -> dict[str, str]:
    """Every `extra=key:value` of the request, as Deepgram returns them in `metadata.extra`."""
    pairs = (value.partition(":") for value in query.get("extra", []))
    return {key: value for key, sep, value in pairs if sep and key}


def accept_for_callback(
    fake: FakeServer, record: RestRequest, body: dict[str, Any]
) -> web.Response:
    """Answer `{"request_id"}` now and schedule the deliveries of `body` to the callback URL."""
    url = record.query["callback"][0]
    extra = extra_of(record.query)
    if extra:
        body["metadata"]["extra"] = extra
    text = encode_rest_response(body)
    accepted = {"request_id": record.request_id}
    ListenV1AcceptedResponse.model_validate(accepted)
    with fake.hub:
        record.status, record.response = 200, accepted
        fake.callback_bodies[record.request_id] = json.loads(text)
    for _ in range(fake.callback_deliveries):
        task = asyncio.get_running_loop().create_task(_deliver(fake, url, record.request_id, text))
        fake.callback_tasks.add(task)
        task.add_done_callback(fake.callback_tasks.discard)
    return web.json_response(accepted, headers={"dg-request-id": record.request_id})


async def _deliver(fake: FakeServer, url: str, request_id: str, text: str) -> None:
    """POST the result, with the URL's credentials as Basic Auth, and record the answer."""
    parts = urllib.parse.urlsplit(url)
    bare = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    authorization = ""
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        authorization = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    delivery = CallbackDelivery(
        url=bare, request_id=request_id, authorization=authorization, body=json.loads(text)
    )
    with fake.hub:
        fake.callbacks.append(delivery)
    try:
        status = await _post(bare, text, authorization)
    except (aiohttp.ClientError, TimeoutError) as exc:
        logger.warning("fake deepgram: callback to %s failed: %r", bare, exc)
        with fake.hub:
            delivery.error, delivery.done = f"{type(exc).__name__}: {exc}", True
        return
    with fake.hub:
        delivery.status, delivery.done = status, True


async def _post(url: str, text: str, authorization: str) -> int:
    timeout = aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT_SECONDS)
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(url, data=text, headers=headers) as answer,
    ):
        await answer.read()
        return answer.status

"""Pieces shared by the live and REST handlers: the server interface, front door, errors."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from .protocol import auth_ok, error_body, validate_query
from .records import LiveConnection, RestRequest, StateHub

if TYPE_CHECKING:
    from .callbacks import CallbackDelivery

logger = logging.getLogger(__name__)


# A fault "close code" that cuts the TCP connection instead of closing the WebSocket.
DROP_CONNECTION = 0


class FakeServer(Protocol):
    """What the handlers need from `FakeDeepgram` (knobs are read at request time)."""

    api_key: str
    retry_after: int
    idle_timeout: float
    close_after_audio: tuple[float, int, str] | None
    script: list[str]
    script_others: list[str] | None
    silence_ms: int
    max_final_seconds: float
    rest_delay: float
    keep_audio: bool
    stamp_finals: bool
    ignore_close_stream: bool
    name_by_pitch: bool
    handshake_gate: threading.Event | None
    connections: list[LiveConnection]
    requests: list[RestRequest]
    hub: StateHub
    callback_deliveries: int
    callbacks: list[CallbackDelivery]
    callback_tasks: set[asyncio.Task[None]]
    callback_bodies: dict[str, dict[str, Any]]

    def pop_reject(self) -> int | None:
        """Pop the next forced rejection status, if any."""
        ...

    def pop_fault(self) -> tuple[float, int, str] | None:
        """Pop the next live connection's forced fault, if any."""
        ...

    def take_rest_drop(self) -> bool:
        """Consume one `rest_drop_next` credit; True if this request must be dropped."""
        ...

    def track(self, session: Closable, add: bool) -> None:
        """Add/remove an open live session so `stop()` can close it."""
        ...


class Closable(Protocol):
    """Something `FakeDeepgram.stop()` can shut down."""

    async def shutdown(self) -> None:
        """Close from the server side."""
        ...


@dataclass(frozen=True)
class Rejection:
    """An HTTP error to answer instead of serving the request."""

    status: int
    err_code: str | None = None
    err_msg: str | None = None


def query_lists(request: web.BaseRequest) -> dict[str, list[str]]:
    """The query string as `{name: [values...]}`."""
    out: dict[str, list[str]] = {}
    for key, value in request.query.items():
        out.setdefault(key, []).append(value)
    return out


def first_values(query: dict[str, list[str]]) -> dict[str, str]:
    """The first value of every query parameter."""
    return {key: values[0] for key, values in query.items() if values}


def front_door(fake: FakeServer, request: web.BaseRequest, *, live: bool) -> Rejection | None:
    """Authorization, then forced rejections, then query validation, like Deepgram's edge."""
    if not auth_ok(request.headers, fake.api_key):
        return Rejection(401)
    forced = fake.pop_reject()
    if forced is not None:
        return Rejection(forced)
    problem = validate_query(first_values(query_lists(request)), live=live)
    if problem is not None:
        return Rejection(400, problem.err_code, problem.err_msg)
    return None


def error_response(rejection: Rejection, request_id: str, retry_after: int) -> web.Response:
    """Deepgram-shaped error: status, `dg-request-id`, `dg-error`, JSON body."""
    body = error_body(rejection.status, request_id, rejection.err_msg)
    if rejection.err_code is not None:
        body["err_code"] = rejection.err_code
    headers = {"dg-request-id": request_id, "dg-error": body["err_msg"]}
    if rejection.status == 429:
        headers["Retry-After"] = str(retry_after)
    return web.json_response(body, status=rejection.status, headers=headers)


def record_error(fake: FakeServer, record: LiveConnection | RestRequest, message: str) -> None:
    """Log an internal fake failure and make it visible to tests."""
    logger.error("fake deepgram: %s", message)
    with fake.hub:
        record.errors.append(message)
        fake.hub.errors.append(message)

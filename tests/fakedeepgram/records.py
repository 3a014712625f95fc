"""Observation records shared between the server thread and tests, plus the change hub."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal


class StateHub:
    """A Condition used as `with hub:` around every mutation; exiting wakes all waiters."""

    def __init__(self) -> None:
        self.cond = threading.Condition()  # RLock inside, so predicates may re-enter
        self.errors: list[str] = []

    def __enter__(self) -> StateHub:
        self.cond.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cond.notify_all()
        self.cond.release()


@dataclass
class LiveConnection:
    """One live `/v1/listen` handshake and, if accepted, its WebSocket session."""

    query: dict[str, list[str]]
    headers: dict[str, str]
    request_id: str
    status: int = 0
    control: list[dict[str, Any]] = field(default_factory=list)
    rejected_text: list[str] = field(default_factory=list)
    audio_bytes: int = 0
    audio: bytearray = field(default_factory=bytearray)
    sent: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str | None = None
    closed_by: Literal["server", "client"] | None = None
    errors: list[str] = field(default_factory=list)
    opened_at: float = field(default_factory=time.time)

    def param(self, name: str, default: str | None = None) -> str | None:
        """First value of query parameter `name`."""
        values = self.query.get(name)
        return values[0] if values else default

    def messages(self, type_: str | None = None) -> list[dict[str, Any]]:
        """Messages sent to the client, optionally only those of one `type`."""
        return [m for _, m in self.sent if type_ is None or m.get("type") == type_]

    def finals(self) -> list[dict[str, Any]]:
        """`Results` messages with `is_final: true`."""
        return [m for m in self.messages("Results") if m["is_final"]]

    @property
    def closed(self) -> bool:
        """True once the WebSocket has been closed by either side."""
        return self.closed_by is not None


@dataclass
class RestRequest:
    """One pre-recorded `POST /v1/listen` request."""

    query: dict[str, list[str]]
    headers: dict[str, str]
    request_id: str
    chunked: bool
    body_bytes: int = 0
    sha256: str = ""
    container: str | None = None
    status: int | None = None
    response: dict[str, Any] | None = None
    dropped: bool = False
    url: str | None = None  # a `{"url": ...}` body: what the fake fetched
    done: bool = False
    errors: list[str] = field(default_factory=list)
    received_at: float = field(default_factory=time.time)

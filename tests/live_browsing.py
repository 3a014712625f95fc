"""Helpers for browser tests around a live meeting: the owner's recording socket, driven as
record.js drives it, and logged-in pages whose console errors are collected."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from websockets.sync.client import ClientConnection, connect

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    from tests.servers import DaphneServer


def recorder(server: DaphneServer, cookie: str) -> ClientConnection:
    """The owner's recording socket, driven as record.js drives it."""
    return connect(
        server.url.replace("http://", "ws://") + "/ws/record/",
        origin=server.url,  # type: ignore[arg-type]
        additional_headers={"Cookie": f"sessionid={cookie}"},
        proxy=None,
        max_queue=None,
    )


def until(socket: ClientConnection, kind: str) -> dict[str, Any]:
    """The next message of `kind` on the recording socket, past any others."""
    while (message := json.loads(socket.recv(timeout=15)))["type"] != kind:
        pass
    return message


def logged_in(context: BrowserContext, server: DaphneServer, cookie: str) -> Page:
    """A new page of `context` with the session cookie set."""
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": server.url}])
    return context.new_page()


def watch_console(page: Page) -> list[str]:
    """The page's console errors and uncaught exceptions, as they happen."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems

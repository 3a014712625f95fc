"""Database connection lifetime for SQLite under ASGI."""

from __future__ import annotations

from typing import Any

from django.db import connections


def close_request_connections(**kwargs: Any) -> None:
    """Close the request's SQLite connection when it finishes.

    SQLite connections are kept open (CONN_MAX_AGE) so a live recording reuses one for
    its whole session. An HTTP request's connection lives in the request's own async
    context and would otherwise wait for the garbage collector.
    """
    for connection in connections.all(initialized_only=True):
        # Never inside a transaction: the test suite wraps each test in one.
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            connection.close()

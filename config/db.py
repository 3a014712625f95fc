"""Database connection lifetime under ASGI."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections


def close_connections(**kwargs: Any) -> None:
    """Close the connections this request, socket or session opened.

    SQLite connections are kept open (CONN_MAX_AGE) so a live recording reuses one for
    its whole session; they live in the async context that opened them, so whoever
    opened them closes them when done instead of leaving it to the garbage collector.
    (PostgreSQL connections go back to the pool.) Never inside a transaction: the test
    suite wraps each test in one.
    """
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


aclose_connections = sync_to_async(close_connections, thread_sensitive=True)

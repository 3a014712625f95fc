"""The server as `./parley start` runs it (`config.serve`): Daphne on uvloop's event loop, or on
asyncio's own when PARLEY_EVENT_LOOP=asyncio; both serve."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from config.serve import use_fast_event_loop
from tests.servers import DaphneServer

pytestmark = pytest.mark.django_db(transaction=True)

UVLOOP_LIBRARY = "uvloop/loop."  # the compiled module, mapped once it is imported


def _serves_and_maps(env: dict[str, str]) -> tuple[int, bool]:
    """(the login page's status, whether uvloop is in the server's memory) for a server so run."""
    server = DaphneServer(env).start()
    try:
        assert server.process is not None
        with urllib.request.urlopen(f"{server.url}/accounts/login/", timeout=30) as page:
            status = page.status
        mapped = Path(f"/proc/{server.process.pid}/maps").read_text()
    finally:
        server.stop()
    assert "Traceback" not in server.log, server.log
    return status, UVLOOP_LIBRARY in mapped


def test_the_server_runs_on_uvloops_event_loop() -> None:
    assert _serves_and_maps({}) == (200, True)


def test_parley_event_loop_asyncio_keeps_asyncios_own_loop() -> None:
    assert _serves_and_maps({"PARLEY_EVENT_LOOP": "asyncio"}) == (200, False)


def test_an_unknown_event_loop_stops_the_server_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARLEY_EVENT_LOOP", "tokio")
    with pytest.raises(SystemExit, match="must be uvloop or asyncio, not 'tokio'"):
        use_fast_event_loop()

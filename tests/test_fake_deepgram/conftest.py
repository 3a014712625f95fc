"""Fixtures for the fake Deepgram's tests: a running fake, real deepgram-sdk clients aimed at it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from deepgram import AsyncDeepgramClient, DeepgramClient

from tests.fake_deepgram import FakeDeepgram
from tests.test_fake_deepgram.sdk import KEY, SCRIPT, environment


@pytest.fixture
def fake(caplog: pytest.LogCaptureFixture) -> Iterator[FakeDeepgram]:
    """A running fake with a two-entry script; fails the test if the fake recorded errors."""
    caplog.set_level(logging.WARNING)
    server = FakeDeepgram(api_key=KEY)
    server.script = list(SCRIPT)
    server.start()
    yield server
    server.stop()
    assert server.errors == []
    assert all(c.errors == [] for c in server.connections)
    assert all(r.errors == [] for r in server.requests)
    noisy = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert noisy == [], [r.getMessage() for r in noisy]


@pytest.fixture
async def aclient(fake: FakeDeepgram) -> AsyncIterator[AsyncDeepgramClient]:
    """The async SDK client the app uses (its HTTP pool is closed afterwards)."""
    async with httpx.AsyncClient() as http:
        yield AsyncDeepgramClient(
            api_key=KEY, environment=environment(fake), max_retries=0, httpx_client=http
        )


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """An HTTP pool for sync SDK clients, closed afterwards (no ResourceWarnings)."""
    with httpx.Client() as pool:
        yield pool


@pytest.fixture
def client(fake: FakeDeepgram, http: httpx.Client) -> DeepgramClient:
    """The sync SDK client, without retries."""
    env = environment(fake)
    return DeepgramClient(api_key=KEY, environment=env, max_retries=0, httpx_client=http)

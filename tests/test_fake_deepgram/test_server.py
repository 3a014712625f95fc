"""The fake Deepgram's live handshake (keys, schemes, rejections, Configure) and command line."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from deepgram import AsyncDeepgramClient
from deepgram.core.api_error import ApiError
from deepgram.listen.v1.types import (
    ListenV1Configure,
)
from websockets.asyncio.client import connect as raw_connect
from websockets.exceptions import InvalidStatus

from tests.fake_deepgram import FakeDeepgram
from tests.test_fake_deepgram.sdk import (
    KEY,
    LIVE,
    MARKS,
    TWO_BURSTS,
    collect,
    environment,
    finals,
    of_type,
    send_audio,
    silence,
    tone,
    transcribe_live,
)

pytestmark = MARKS


ROOT = Path(__file__).resolve().parents[2]


async def test_wrong_api_key_is_rejected_with_401(fake: FakeDeepgram) -> None:
    bad = AsyncDeepgramClient(api_key="wrong", environment=environment(fake))
    with pytest.raises(ApiError) as info:
        async with bad.listen.v1.connect(**LIVE):
            pass
    assert info.value.status_code == 401
    assert fake.connections[0].status == 401


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"language": "english"}, id="unsupported-language"),
        pytest.param({"model": "nova-42"}, id="unknown-model"),
        pytest.param({"keywords": "Parley:2"}, id="keywords-with-nova-3"),
        pytest.param({"utterance_end_ms": 1000}, id="utterance-end-without-interim"),
        pytest.param({"sample_rate": None}, id="encoding-without-sample-rate"),
        pytest.param({"encoding": "pcm_s16le"}, id="unknown-encoding"),
    ],
)
async def test_invalid_query_is_rejected_with_400(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient, params: dict[str, Any]
) -> None:
    with pytest.raises(ApiError) as info:
        async with aclient.listen.v1.connect(**{**LIVE, **params}):
            pass
    assert info.value.status_code == 400
    assert fake.connections[-1].status == 400


async def test_rejection_carries_deepgram_error_shape(fake: FakeDeepgram) -> None:
    url = fake.url.replace("http", "ws", 1) + "/v1/listen?model=nova-3&language=english"
    with pytest.raises(InvalidStatus) as info:
        async with raw_connect(url, additional_headers={"Authorization": f"Token {KEY}"}):
            pass
    response = info.value.response
    body = json.loads(response.body or b"")
    assert response.status_code == 400
    assert response.headers["dg-request-id"] == body["request_id"] == fake.connections[0].request_id
    assert response.headers["dg-error"] == body["err_msg"]
    assert set(body) == {"err_code", "err_msg", "request_id"}


@pytest.mark.parametrize(
    ("authorization", "accepted"),
    [
        (f"Token {KEY}", True),
        (f"bearer {KEY}", True),
        (f"BEARER {KEY}", True),
        ("Token wrong", False),
        (f"Basic {KEY}", False),
        ("", False),
    ],
)
async def test_authorization_schemes(
    fake: FakeDeepgram, authorization: str, accepted: bool
) -> None:
    url = fake.url.replace("http", "ws", 1) + "/v1/listen?model=nova-3"
    headers = {"Authorization": authorization} if authorization else {}
    try:
        async with raw_connect(url, additional_headers=headers) as ws:
            await ws.close()
    except InvalidStatus as exc:
        assert exc.response.status_code == 401
    assert (fake.connections[0].status == 101) is accepted


async def test_access_token_client_uses_bearer_and_is_accepted(fake: FakeDeepgram) -> None:
    token_client = AsyncDeepgramClient(access_token=KEY, environment=environment(fake))
    async with token_client.listen.v1.connect(**LIVE) as conn:
        await conn.send_close_stream()
        await collect(conn)
    assert fake.connections[0].headers["Authorization"] == f"bearer {KEY}"


async def test_reject_next_429_applies_once(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    fake.reject_next = [429]
    with pytest.raises(ApiError) as info:
        async with aclient.listen.v1.connect(**LIVE):
            pass
    assert info.value.status_code == 429
    assert await transcribe_live(aclient, silence(0.1))
    assert [c.status for c in fake.connections] == [429, 101]


async def test_handshake_gate_holds_the_handshake(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    gate = threading.Event()
    fake.handshake_gate = gate
    session = asyncio.create_task(transcribe_live(aclient, TWO_BURSTS))
    await fake.await_for(lambda f: f.connections[0].status == 0)  # recorded, not answered
    gate.set()
    received = await session
    assert len(finals(received)) == 2


@pytest.mark.parametrize(
    ("model", "reply"), [("nova-3", "ConfigureSuccess"), ("nova-2", "ConfigureFailure")]
)
async def test_configure_is_answered_once(
    aclient: AsyncDeepgramClient, model: str, reply: str
) -> None:
    async with aclient.listen.v1.connect(**{**LIVE, "model": model}) as conn:
        await conn.send_configure(ListenV1Configure(keyterms=["Parley"]))
        await conn.send_close_stream()
        received = await collect(conn)
    assert [m.type for m in received] == [reply, "Metadata"]


async def test_handshake_exposes_request_id_used_in_messages(aclient: AsyncDeepgramClient) -> None:
    async with aclient.listen.v1.connect(**LIVE) as conn:
        request_id = conn._websocket.response_headers["dg-request-id"]
        await send_audio(conn, tone(0.5))
        await conn.send_close_stream()
        received = await collect(conn)
    assert {m.metadata.request_id for m in of_type(received, "Results")} == {request_id}
    assert of_type(received, "Metadata")[0].request_id == request_id


def test_command_line_serves_until_sigterm() -> None:
    command = [sys.executable, "-m", "tests.fake_deepgram", "--api-key", "cli-key"]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            assert line.startswith("FAKE_DEEPGRAM_URL=http://127.0.0.1:")
            url = line.split("=", 1)[1]
            auth = {"Authorization": "Token cli-key"}
            assert httpx.post(f"{url}/v1/listen", content=b"", headers=auth).status_code == 400
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0
        finally:
            proc.kill()

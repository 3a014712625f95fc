"""The fake Deepgram's live timeouts, injected faults, protocol errors, encoder and shutdown."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from deepgram import AsyncDeepgramClient
from deepgram.core.unchecked_base_model import construct_type
from deepgram.listen.v1.socket_client import V1SocketClientResponse
from deepgram.listen.v1.types import (
    ListenV1Configure,
    ListenV1Error,
)
from websockets.asyncio.client import connect as raw_connect
from websockets.exceptions import ConnectionClosedError

from tests.fake_deepgram import NET0000_REASON, FakeDeepgram, FakeProtocolError
from tests.fakedeepgram import engine as engine_module
from tests.fakedeepgram.protocol import encode_live_message
from tests.test_fake_deepgram.sdk import (
    KEY,
    LIVE,
    MARKS,
    RATE,
    SDK_TYPES,
    assert_sdk_type,
    collect,
    environment,
    recv_until,
    send_audio,
    silence,
    tone,
)

pytestmark = MARKS


async def test_idle_connection_gets_metadata_then_1011_net0001(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    fake.idle_timeout = 0.5
    received: list[Any] = []
    started = time.monotonic()
    async with aclient.listen.v1.connect(**LIVE) as conn:
        with pytest.raises(ConnectionClosedError) as info:
            async for message in conn:
                received.append(message)
    assert time.monotonic() - started >= 0.5
    assert [m.type for m in received] == ["Metadata"]
    assert received[0].duration == 0.0
    assert received[0].model_extra == {}
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 1011
    assert "net0001" in info.value.rcvd.reason


async def test_keepalive_keeps_connection_past_idle_timeout(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    fake.idle_timeout = 0.5
    async with aclient.listen.v1.connect(**LIVE) as conn:
        for _ in range(6):
            await asyncio.sleep(0.2)  # the pacing is the behaviour under test
            await conn.send_keep_alive()
        assert not fake.connections[0].closed
        await conn.send_close_stream()
        received = await collect(conn)
    assert [m.type for m in received] == ["Metadata"]
    assert fake.connections[0].control == [{"type": "KeepAlive"}] * 6 + [{"type": "CloseStream"}]
    assert fake.connections[0].close_code == 1000


async def test_close_after_audio_fault(fake: FakeDeepgram, aclient: AsyncDeepgramClient) -> None:
    fake.close_after_audio = (1.0, 1011, NET0000_REASON)
    async with aclient.listen.v1.connect(**LIVE) as conn:
        with pytest.raises(ConnectionClosedError) as info:
            await send_audio(conn, silence(3.0))
            await collect(conn)
    assert info.value.rcvd is not None
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (1011, NET0000_REASON)
    record = fake.connections[0]
    assert record.audio_bytes == 2 * RATE
    assert record.closed_by == "server"


@pytest.mark.parametrize("frame", ["not json", '{"type": "Bogus"}', "[1, 2]"])
async def test_bad_control_message_gets_schema_error(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient, frame: str
) -> None:
    async with aclient.listen.v1.connect(**LIVE) as conn:
        await conn._send(frame)  # the SDK has no public way to send arbitrary text
        error = (await recv_until(conn, lambda m: True))[0]
        await conn.send_close_stream()
        rest = await collect(conn)
    assert isinstance(error, ListenV1Error)
    assert (error.variant, error.message) == ("SchemaError", frame)
    assert [m.type for m in rest] == ["Metadata"]  # the connection kept going
    assert fake.connections[0].rejected_text == [frame]


async def test_every_sent_message_parses_through_the_sdk_union(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    flags = {"interim_results": True, "vad_events": True, "utterance_end_ms": 1000, "diarize": True}
    async with aclient.listen.v1.connect(**LIVE, **flags, smart_format=True) as conn:
        await send_audio(conn, tone(1.0) + silence(1.2) + tone(0.7))
        await conn.send_finalize()
        await conn._send("oops")
        await conn.send_configure(ListenV1Configure(keyterms=["Parley"]))
        await conn.send_close_stream()
        await collect(conn)
    sent = fake.connections[0].messages()
    assert {m["type"] for m in sent} == set(SDK_TYPES) - {"ConfigureFailure"}
    for message in sent:
        assert_sdk_type(construct_type(type_=V1SocketClientResponse, object_=message))


async def test_invalid_outgoing_message_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_results(**kwargs: Any) -> dict[str, Any]:
        """A Results message without channel/metadata and with a string `start`."""
        return {"type": "Results", "channel_index": [0, 1], "duration": 1.0, "start": "0"}

    monkeypatch.setattr(engine_module, "results_message", broken_results)
    with FakeDeepgram(api_key=KEY) as server:
        client = AsyncDeepgramClient(api_key=KEY, environment=environment(server))
        async with client.listen.v1.connect(**LIVE) as conn:
            with pytest.raises(ConnectionClosedError):
                await send_audio(conn, tone(1.0) + silence(0.5))
                await collect(conn)
        await server.await_for(lambda f: bool(f.errors))
    assert "ListenV1Results validation failed" in server.connections[0].errors[0]
    assert server.connections[0].close_code == 1011


METADATA = {
    "type": "Metadata",
    "transaction_key": "deprecated",
    "request_id": "r",
    "sha256": "x",
    "created": "2026-01-01T00:00:00.000Z",
    "duration": 0.0,
    "channels": 1,
}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        pytest.param({"sha256": None}, "sha256", id="missing-required"),
        pytest.param({"channels": 1.0}, "channels", id="float-for-int"),
        pytest.param({"duration": "0"}, "duration", id="string-for-float"),
        pytest.param({"type": "Metadatas"}, "unknown live message type", id="unknown-type"),
        pytest.param({"tyop": 1}, "undeclared", id="undeclared-key"),
    ],
)
def test_encoder_rejects_invalid_messages(change: dict[str, Any], complaint: str) -> None:
    message = {k: v for k, v in {**METADATA, **change}.items() if v is not None}
    with pytest.raises(FakeProtocolError, match=complaint):
        encode_live_message(message)


def test_encoder_accepts_valid_metadata() -> None:
    assert json.loads(encode_live_message(METADATA)) == METADATA


async def test_client_vanishing_is_recorded_without_errors(fake: FakeDeepgram) -> None:
    url = (
        fake.url.replace("http", "ws", 1)
        + "/v1/listen?"
        + "&".join(f"{k}={v}" for k, v in LIVE.items())
    )
    async with raw_connect(url, additional_headers={"Authorization": f"Token {KEY}"}) as ws:
        await ws.send(tone(0.7))
        await fake.await_for(lambda f: f.connections[0].audio_bytes > 0)
        assert ws.transport is not None
        ws.transport.abort()
    await fake.await_for(lambda f: f.connections[0].closed)
    assert (fake.connections[0].closed_by, fake.connections[0].close_code) == ("client", 1006)


async def test_client_close_is_recorded(fake: FakeDeepgram, aclient: AsyncDeepgramClient) -> None:
    async with aclient.listen.v1.connect(**LIVE) as conn:
        await conn.send_keep_alive()
    await fake.await_for(lambda f: f.connections[0].closed)
    assert (fake.connections[0].closed_by, fake.connections[0].close_code) == ("client", 1000)


async def test_stop_closes_open_sockets_with_1001(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    async with aclient.listen.v1.connect(**LIVE) as conn:
        await fake.await_for(lambda f: bool(f.connections) and f.connections[0].status == 101)
        await asyncio.to_thread(fake.stop)
        assert await collect(conn) == []  # websockets counts 1001 "going away" as a clean close
        assert conn._websocket.close_code == 1001
    assert fake.connections[0].closed_by == "server"


def test_wait_for_timeout_explains_itself(fake: FakeDeepgram) -> None:
    with pytest.raises(TimeoutError, match="never_true"):
        fake.wait_for(lambda f: "never_true" == "", timeout=0.05)

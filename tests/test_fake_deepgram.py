"""Tests for the fake Deepgram server, driven through the real deepgram-sdk 7.16 clients."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import math
import signal
import subprocess
import sys
import threading
import time
import wave
from array import array
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from deepgram import AsyncDeepgramClient, DeepgramClient
from deepgram.core.api_error import ApiError
from deepgram.core.unchecked_base_model import construct_type
from deepgram.environment import DeepgramClientEnvironment
from deepgram.errors import BadRequestError
from deepgram.listen.v1.socket_client import V1SocketClientResponse
from deepgram.listen.v1.types import (
    ListenV1Configure,
    ListenV1ConfigureFailure,
    ListenV1ConfigureSuccess,
    ListenV1Error,
    ListenV1Finalize,
    ListenV1Metadata,
    ListenV1Results,
    ListenV1SpeechStarted,
    ListenV1UtteranceEnd,
)
from deepgram.types import ListenV1Response
from websockets.asyncio.client import connect as raw_connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from tests.fake_deepgram import NET0000_REASON, FakeDeepgram, FakeProtocolError
from tests.fakedeepgram import engine as engine_module
from tests.fakedeepgram.audio import sniff_container
from tests.fakedeepgram.protocol import encode_live_message

pytestmark = [
    pytest.mark.timeout(30),
    # The SDK imports this alias lazily on first `client.listen.v1` access; pyproject's filter
    # spells the message "websockets.InvalidStatusCode", so it does not match.
    pytest.mark.filterwarnings(
        "ignore:websockets.exceptions.InvalidStatusCode is deprecated:DeprecationWarning"
    ),
]

RATE = 16000
KEY = "test-key"
LIVE: dict[str, Any] = {"model": "nova-3", "encoding": "linear16", "sample_rate": RATE}
SDK_TYPES: dict[str, type] = {
    "Results": ListenV1Results,
    "Metadata": ListenV1Metadata,
    "SpeechStarted": ListenV1SpeechStarted,
    "UtteranceEnd": ListenV1UtteranceEnd,
    "Error": ListenV1Error,
    "ConfigureSuccess": ListenV1ConfigureSuccess,
    "ConfigureFailure": ListenV1ConfigureFailure,
}
SCRIPT = ["Hello everyone, thanks for joining.", "Let's review the action items."]
ROOT = Path(__file__).resolve().parents[1]


# --- audio helpers -------------------------------------------------------------------------


def tone(seconds: float) -> bytes:
    """A 440 Hz sine burst at amplitude 8000 (reads as speech to the fake)."""
    count = round(seconds * RATE)
    samples = (int(8000 * math.sin(2 * math.pi * 440 * i / RATE)) for i in range(count))
    return array("h", samples).tobytes()


def silence(seconds: float) -> bytes:
    """Digital silence."""
    return bytes(2 * round(seconds * RATE))


def wav_file(pcm: bytes) -> bytes:
    """Wrap mono PCM16 in a RIFF/WAVE container."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)
    return buffer.getvalue()


TWO_BURSTS = silence(0.2) + tone(1.0) + silence(0.8) + tone(1.0) + silence(0.6)
BURST_SPANS = [(0.2, 1.2), (2.0, 3.0)]


# --- fixtures --------------------------------------------------------------------------------


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


def environment(fake: FakeDeepgram) -> DeepgramClientEnvironment:
    """Point every SDK address at the fake, the way the app derives them from DEEPGRAM_URL."""
    ws_url = fake.url.replace("http", "ws", 1)
    return DeepgramClientEnvironment(
        base=fake.url, production=ws_url, agent=ws_url, agent_rest=fake.url
    )


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


# --- SDK helpers -----------------------------------------------------------------------------


def assert_sdk_type(message: Any) -> None:
    """The SDK's union parse picked the class matching the JSON `type`."""
    assert message is not None, "SDK could not match the message to any type"
    assert isinstance(message, SDK_TYPES[message.type])


async def send_audio(conn: Any, audio: bytes, chunk_seconds: float = 0.1) -> None:
    """Send PCM in fixed-size binary frames, as fast as the socket takes them."""
    step = 2 * round(chunk_seconds * RATE)
    for offset in range(0, len(audio), step):
        await conn.send_media(audio[offset : offset + step])


async def collect(conn: Any) -> list[Any]:
    """Read until the server closes (1000 ends iteration cleanly)."""
    received = []
    async for message in conn:
        assert_sdk_type(message)
        received.append(message)
    return received


async def recv_until(conn: Any, done: Any, timeout: float = 5.0) -> list[Any]:
    """Receive messages until `done(message)` is true."""
    received: list[Any] = []
    while not received or not done(received[-1]):
        message = await asyncio.wait_for(conn.recv(), timeout)
        assert_sdk_type(message)
        received.append(message)
    return received


async def transcribe_live(aclient: AsyncDeepgramClient, audio: bytes, **params: Any) -> list[Any]:
    """Stream `audio`, send CloseStream and return everything the SDK received."""
    async with aclient.listen.v1.connect(**{**LIVE, **params}) as conn:
        await send_audio(conn, audio)
        await conn.send_close_stream()
        return await collect(conn)


def of_type(messages: list[Any], type_: str) -> list[Any]:
    """Messages whose `type` is `type_`."""
    return [m for m in messages if m.type == type_]


def finals(messages: list[Any]) -> list[ListenV1Results]:
    """Final `Results`."""
    return [m for m in of_type(messages, "Results") if m.is_final]


def text(result: ListenV1Results) -> str:
    """Transcript of the first alternative."""
    return result.channel.alternatives[0].transcript


# --- live: handshake -------------------------------------------------------------------------


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


# --- live: transcription -------------------------------------------------------------------


async def test_two_bursts_give_interims_then_two_speech_finals(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    received = await transcribe_live(aclient, TWO_BURSTS, interim_results=True, punctuate=True)
    results = of_type(received, "Results")
    first_final = results.index(finals(received)[0])
    assert any(not r.is_final for r in results[:first_final])
    assert any(not r.is_final for r in results[first_final + 1 :])
    assert [text(r) for r in finals(received)] == SCRIPT
    assert all(r.speech_final for r in finals(received))


async def test_final_words_lie_inside_their_bursts(aclient: AsyncDeepgramClient) -> None:
    received = await transcribe_live(aclient, TWO_BURSTS)
    for result, (begin, end) in zip(finals(received), BURST_SPANS, strict=True):
        words = result.channel.alternatives[0].words
        assert words[0].start == pytest.approx(begin)
        assert words[-1].end == pytest.approx(end)
        assert all(begin <= w.start < w.end <= end for w in words)


async def test_result_windows_are_contiguous(aclient: AsyncDeepgramClient) -> None:
    received = await transcribe_live(aclient, TWO_BURSTS, interim_results=True)
    window_start = 0.0
    for result in of_type(received, "Results"):
        assert result.start == pytest.approx(window_start)
        for word in result.channel.alternatives[0].words:
            assert result.start <= word.start <= word.end <= result.start + result.duration + 1e-6
        if result.is_final:
            window_start = result.start + result.duration


async def test_without_punctuate_words_are_bare_lowercase(aclient: AsyncDeepgramClient) -> None:
    received = await transcribe_live(aclient, TWO_BURSTS)
    first = finals(received)[0].channel.alternatives[0]
    assert first.transcript == "hello everyone thanks for joining"
    assert all(w.punctuated_word is None and w.speaker is None for w in first.words)


async def test_smart_format_and_diarize_add_word_fields(aclient: AsyncDeepgramClient) -> None:
    received = await transcribe_live(aclient, TWO_BURSTS, smart_format=True, diarize=True)
    speakers = [{w.speaker for w in r.channel.alternatives[0].words} for r in finals(received)]
    assert speakers == [{0}, {1}]
    assert finals(received)[0].channel.alternatives[0].words[0].punctuated_word == "Hello"


async def test_script_exhaustion_generates_numbered_utterances(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    fake.script = ["only one"]
    received = await transcribe_live(aclient, TWO_BURSTS)
    assert [text(r) for r in finals(received)] == ["only one", "utterance 1"]


async def test_stamp_finals_ends_final_text_in_send_time(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    fake.stamp_finals = True
    before = time.time()
    received = await transcribe_live(aclient, TWO_BURSTS, interim_results=True, punctuate=True)
    after = time.time()
    assert all(" t=" not in text(r) for r in of_type(received, "Results") if not r.is_final)
    for result, line in zip(finals(received), SCRIPT, strict=True):
        spoken, _, stamp = text(result).rpartition(" t=")
        assert spoken == line
        assert before <= float(stamp) <= after
        assert result.channel.alternatives[0].words[-1].punctuated_word.endswith(f" t={stamp}")
    recorded = [m["channel"]["alternatives"][0]["transcript"] for m in fake.connections[0].finals()]
    assert recorded == [text(r) for r in finals(received)]  # the record holds what was sent


async def test_endpointing_query_overrides_silence_ms(aclient: AsyncDeepgramClient) -> None:
    # 0.8 s gap < 1000 ms endpointing: both bursts are one region.
    received = await transcribe_live(aclient, TWO_BURSTS, endpointing=1000)
    assert [text(r) for r in finals(received)] == ["hello everyone thanks for joining"]
    assert finals(received)[0].channel.alternatives[0].words[-1].end == pytest.approx(3.0)


async def test_long_speech_is_finalised_in_pieces(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    fake.max_final_seconds = 1.0
    fake.script = ["one two three four five six seven eight nine ten"]
    received = await transcribe_live(aclient, tone(2.5) + silence(0.5))
    pieces = finals(received)
    assert [r.speech_final for r in pieces] == [False, False, True]
    assert " ".join(text(r) for r in pieces) == fake.script[0]


async def test_vad_events_and_utterance_end(aclient: AsyncDeepgramClient) -> None:
    audio = silence(0.2) + tone(1.0) + silence(1.5)
    received = await transcribe_live(
        aclient, audio, interim_results=True, vad_events=True, utterance_end_ms=1000
    )
    kinds = [m.type for m in received]
    assert kinds[0] == "SpeechStarted"
    assert received[0].timestamp == pytest.approx(0.2)
    final = finals(received)[0]
    utterance_end = of_type(received, "UtteranceEnd")[0]
    assert kinds.index("UtteranceEnd") > received.index(final)
    assert utterance_end.last_word_end == final.channel.alternatives[0].words[-1].end


async def test_no_utterance_end_when_speech_resumes_within_gap(
    aclient: AsyncDeepgramClient,
) -> None:
    received = await transcribe_live(
        aclient, TWO_BURSTS, interim_results=True, utterance_end_ms=1000
    )
    assert of_type(received, "UtteranceEnd") == []


async def test_finalize_flushes_region_with_from_finalize(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    async with aclient.listen.v1.connect(**LIVE) as conn:
        await send_audio(conn, tone(1.0))
        await conn.send_finalize(ListenV1Finalize(type="Finalize", channel=0))
        received = await recv_until(conn, lambda m: m.type == "Results" and m.is_final)
        await conn.send_close_stream()
        received += await collect(conn)
    final = finals(received)
    assert len(final) == 1
    assert (final[0].from_finalize, final[0].speech_final) == (True, False)
    assert text(final[0]) == "hello everyone thanks for joining"
    assert fake.connections[0].control[0] == {"type": "Finalize", "channel": 0}


async def test_finalize_without_speech_sends_nothing(aclient: AsyncDeepgramClient) -> None:
    async with aclient.listen.v1.connect(**LIVE) as conn:
        await send_audio(conn, silence(0.5))
        await conn.send_finalize()
        await conn.send_close_stream()
        received = await collect(conn)
    assert [m.type for m in received] == ["Metadata"]


async def test_close_stream_flushes_then_metadata_then_close_1000(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    audio = tone(1.0)
    received = await transcribe_live(aclient, audio)  # no trailing silence: region still open
    assert [m.type for m in received] == ["Results", "Metadata"]
    metadata = received[1]
    assert metadata.duration == pytest.approx(1.0)
    assert metadata.sha256 == hashlib.sha256(audio).hexdigest()
    assert metadata.transaction_key == "deprecated"
    assert metadata.created.endswith("Z")
    assert metadata.model_extra is not None
    assert len(metadata.model_extra["models"]) == 1
    conn = fake.connections[0]
    assert (conn.closed_by, conn.close_code, conn.audio_bytes) == ("server", 1000, len(audio))


async def test_empty_binary_frame_acts_as_close_stream(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    async with aclient.listen.v1.connect(**LIVE) as conn:
        await send_audio(conn, tone(0.6))
        await conn.send_media(b"")
        received = await collect(conn)
    assert [m.type for m in received] == ["Results", "Metadata"]
    assert fake.connections[0].close_code == 1000


async def test_odd_length_frames_keep_the_leftover_byte(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    audio = tone(1.0) + silence(0.5)
    async with aclient.listen.v1.connect(**LIVE) as conn:
        for offset in range(0, len(audio), 3201):
            await conn.send_media(audio[offset : offset + 3201])
        await conn.send_close_stream()
        received = await collect(conn)
    assert [text(r) for r in finals(received)] == ["hello everyone thanks for joining"]
    assert of_type(received, "Metadata")[0].duration == pytest.approx(1.5)
    assert bytes(fake.connections[0].audio) == audio


async def test_non_linear16_audio_is_treated_as_silence(aclient: AsyncDeepgramClient) -> None:
    received = await transcribe_live(aclient, b"\xff" * 8000, encoding="mulaw", sample_rate=8000)
    assert [m.type for m in received] == ["Metadata"]
    assert received[0].duration == pytest.approx(1.0)


# --- live: timeouts, faults, errors --------------------------------------------------------


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


# --- REST --------------------------------------------------------------------------------


def test_rest_wav_gives_utterances_paragraphs_and_speakers(
    fake: FakeDeepgram, client: DeepgramClient
) -> None:
    body = wav_file(TWO_BURSTS)
    response = client.listen.v1.media.transcribe_file(
        request=body,
        model="nova-3",
        smart_format=True,
        diarize=True,
        utterances=True,
        paragraphs=True,
    )
    assert isinstance(response, ListenV1Response)
    assert response.metadata.sha256 == hashlib.sha256(body).hexdigest()
    assert response.metadata.duration == pytest.approx(len(TWO_BURSTS) / 2 / RATE)
    utterances = response.results.utterances or []
    assert [u.transcript for u in utterances] == SCRIPT
    assert [u.speaker for u in utterances] == [0, 1]
    assert [(u.start, u.end) for u in utterances] == [pytest.approx(s) for s in BURST_SPANS]
    paragraphs = response.results.channels[0].alternatives[0].paragraphs
    assert paragraphs is not None
    assert "Speaker 1: Let's review" in (paragraphs.transcript or "")
    assert fake.requests[0].chunked is False
    assert fake.requests[0].body_bytes == len(body)


async def test_rest_chunked_async_iterator_body(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    body = wav_file(TWO_BURSTS)

    async def chunks() -> AsyncIterator[bytes]:
        """The body in 10 kB pieces: the SDK sends an async iterator chunked."""
        for offset in range(0, len(body), 10_000):
            yield body[offset : offset + 10_000]

    response = await aclient.listen.v1.media.transcribe_file(request=chunks(), model="nova-3")
    assert isinstance(response, ListenV1Response)
    words = response.results.channels[0].alternatives[0].words or []
    assert " ".join(w.word or "" for w in words).startswith("hello everyone")
    assert response.results.utterances is None
    assert fake.requests[0].chunked is True
    assert fake.requests[0].body_bytes == len(body)


def test_rest_other_containers_use_nominal_timing(client: DeepgramClient) -> None:
    response = client.listen.v1.media.transcribe_file(request=b"ID3" + bytes(64), utterances=True)
    assert isinstance(response, ListenV1Response)
    assert response.metadata.duration == pytest.approx(2.0 * len(SCRIPT))
    assert [u.transcript for u in response.results.utterances or []] == [
        "hello everyone thanks for joining",
        "let's review the action items",
    ]


@pytest.mark.parametrize("body", [b"", b"this is not audio at all"], ids=["empty", "text"])
def test_rest_rejects_empty_and_non_audio_bodies(client: DeepgramClient, body: bytes) -> None:
    with pytest.raises(BadRequestError) as info:
        client.listen.v1.media.transcribe_file(request=body)
    assert "corrupt or unsupported data" in info.value.body["err_msg"]


def test_rest_unsupported_language_is_400(client: DeepgramClient) -> None:
    with pytest.raises(BadRequestError):
        client.listen.v1.media.transcribe_file(request=wav_file(tone(0.5)), language="klingon")


def test_rest_wrong_key_is_401(fake: FakeDeepgram, http: httpx.Client) -> None:
    env = environment(fake)
    bad = DeepgramClient(api_key="wrong", environment=env, max_retries=0, httpx_client=http)
    with pytest.raises(ApiError) as info:
        bad.listen.v1.media.transcribe_file(request=wav_file(tone(0.5)))
    assert info.value.status_code == 401
    assert info.value.body["err_code"] == "INVALID_AUTH"


def test_rest_429_carries_retry_after(fake: FakeDeepgram, client: DeepgramClient) -> None:
    fake.reject_next, fake.retry_after = [429], 3
    with pytest.raises(ApiError) as info:
        client.listen.v1.media.transcribe_file(request=wav_file(tone(0.5)))
    headers = info.value.headers or {}
    assert (info.value.status_code, headers["retry-after"]) == (429, "3")
    assert headers["dg-request-id"] == info.value.body["request_id"]


def test_rest_503_uses_error_code_key(fake: FakeDeepgram, client: DeepgramClient) -> None:
    fake.reject_next = [503]
    with pytest.raises(ApiError) as info:
        client.listen.v1.media.transcribe_file(request=wav_file(tone(0.5)))
    assert info.value.status_code == 503
    assert info.value.body["error_code"] == "Service Unavailable"


def test_rest_drop_next_disconnects_without_response(
    fake: FakeDeepgram, client: DeepgramClient
) -> None:
    fake.rest_drop_next = 1
    with pytest.raises(httpx.RemoteProtocolError):
        client.listen.v1.media.transcribe_file(request=wav_file(tone(0.5)))
    client.listen.v1.media.transcribe_file(request=wav_file(tone(0.5)))
    assert [(r.dropped, r.status) for r in fake.requests] == [(True, None), (False, 200)]


def test_rest_delay_slows_the_answer(fake: FakeDeepgram, client: DeepgramClient) -> None:
    fake.rest_delay = 0.3
    started = time.monotonic()
    client.listen.v1.media.transcribe_file(request=wav_file(tone(0.5)))
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize(
    ("head", "container"),
    [
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "wav"),
        (b"ID3\x04\x00", "mp3"),
        (b"\xff\xfb\x90\x00", "mp3"),
        (b"\xff\xf1\x50\x80", "aac"),
        (b"OggS\x00\x02", "ogg"),
        (b"fLaC\x00\x00", "flac"),
        (b"\x1a\x45\xdf\xa3\x01", "webm"),
        (b"\x00\x00\x00\x20ftypM4A ", "mp4"),
        (b"hello world!", None),
    ],
)
def test_container_sniffing(head: bytes, container: str | None) -> None:
    assert sniff_container(head) == container


# --- command line ----------------------------------------------------------------------------


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

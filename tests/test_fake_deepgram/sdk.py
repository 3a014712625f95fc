"""Helpers for the fake Deepgram's tests: audio, the SDK's addresses, what the SDK received."""

from __future__ import annotations

import asyncio
import io
import math
import wave
from array import array
from typing import Any

import pytest
from deepgram import AsyncDeepgramClient
from deepgram.environment import DeepgramClientEnvironment
from deepgram.listen.v1.types import (
    ListenV1ConfigureFailure,
    ListenV1ConfigureSuccess,
    ListenV1Error,
    ListenV1Metadata,
    ListenV1Results,
    ListenV1SpeechStarted,
    ListenV1UtteranceEnd,
)

from tests.fake_deepgram import FakeDeepgram

# Every test module here: a time limit, and one warning let through. The SDK imports this alias
# lazily on first `client.listen.v1` access; pyproject's filter spells the message
# "websockets.InvalidStatusCode", so it does not match.
MARKS = [
    pytest.mark.timeout(30),
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


def environment(fake: FakeDeepgram) -> DeepgramClientEnvironment:
    """Point every SDK address at the fake, the way the app derives them from DEEPGRAM_URL."""
    ws_url = fake.url.replace("http", "ws", 1)
    return DeepgramClientEnvironment(
        base=fake.url, production=ws_url, agent=ws_url, agent_rest=fake.url
    )


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

"""The fake Deepgram's REST transcription, its errors and faults, and container sniffing."""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from deepgram import AsyncDeepgramClient, DeepgramClient
from deepgram.core.api_error import ApiError
from deepgram.errors import BadRequestError
from deepgram.types import ListenV1Response

from tests.fake_deepgram import FakeDeepgram
from tests.fakedeepgram.audio import sniff_container
from tests.test_fake_deepgram.sdk import (
    BURST_SPANS,
    MARKS,
    RATE,
    SCRIPT,
    TWO_BURSTS,
    environment,
    tone,
    wav_file,
)

pytestmark = MARKS


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

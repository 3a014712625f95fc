"""Stored audio: range requests, and only the owner and staff may fetch it."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import AsyncClient

from tests.factories import make_recording, make_user
from transcripts.models import Recording
from transcripts.ranges import Unsatisfiable, parse_range

pytestmark = pytest.mark.django_db(transaction=True)

AUDIO = bytes(range(256)) * 400  # 102,400 bytes standing in for Ogg/Opus


@pytest.fixture
def recording(user: User) -> Recording:
    name = default_storage.save("recordings/2026/11/test.ogg", ContentFile(AUDIO))
    return make_recording(user, audio=name, media_format="ogg", file_size=len(AUDIO))


async def fetch(
    client: AsyncClient, recording: Recording, **headers: str
) -> tuple[int, dict, bytes]:
    response = await client.get(f"/recordings/{recording.pk}/audio/", headers=headers)
    body = b""
    if response.status_code in (200, 206):
        body = b"".join([chunk async for chunk in response.streaming_content])
    return response.status_code, response.headers, body


@pytest.fixture
def owner_client(user: User) -> AsyncClient:
    return client_for(user)


async def test_the_whole_file_is_served_with_ranges_advertised(
    owner_client: AsyncClient, recording: Recording
) -> None:
    status, headers, body = await fetch(owner_client, recording)
    assert (status, body) == (200, AUDIO)
    assert headers["Content-Type"] == "audio/ogg"
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["Content-Length"] == str(len(AUDIO))


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, 102399),
        ("bytes=-500", 101900, 102399),
        ("bytes=102000-999999", 102000, 102399),
    ],
)
async def test_a_range_is_served_as_partial_content(
    owner_client: AsyncClient, recording: Recording, header: str, first: int, last: int
) -> None:
    status, headers, body = await fetch(owner_client, recording, Range=header)
    assert status == 206
    assert headers["Content-Range"] == f"bytes {first}-{last}/{len(AUDIO)}"
    assert body == AUDIO[first : last + 1]
    assert headers["Content-Length"] == str(last - first + 1)


async def test_a_range_past_the_end_is_unsatisfiable(
    owner_client: AsyncClient, recording: Recording
) -> None:
    status, headers, _ = await fetch(owner_client, recording, Range="bytes=200000-")
    assert (status, headers["Content-Range"]) == (416, f"bytes */{len(AUDIO)}")


def client_for(user: User) -> AsyncClient:
    client = AsyncClient()
    client.force_login(user)
    return client


@pytest.fixture
def stranger_client(db: None) -> AsyncClient:
    return client_for(make_user("mallory"))


@pytest.fixture
def staff_client(db: None) -> AsyncClient:
    return client_for(make_user("root", is_staff=True))


async def test_someone_else_cannot_fetch_the_audio(
    stranger_client: AsyncClient, recording: Recording
) -> None:
    assert (await fetch(stranger_client, recording))[0] == 404


async def test_staff_may_fetch_anyones_audio_for_review(
    staff_client: AsyncClient, recording: Recording
) -> None:
    assert (await fetch(staff_client, recording))[0] == 200


async def test_anonymous_visitors_are_sent_to_log_in(recording: Recording) -> None:
    response = await AsyncClient().get(f"/recordings/{recording.pk}/audio/")
    assert response.status_code == 302


async def test_a_recording_without_audio_answers_404(owner_client: AsyncClient, user: User) -> None:
    bare = await database_sync_to_async(Recording.objects.create)(
        owner=user, title="x", language="en", engine="deepgram"
    )
    assert (await fetch(owner_client, bare))[0] == 404


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-1,5-6", None),
        ("items=0-5", None),
        ("bytes=-", None),
        ("bytes=5-2", Unsatisfiable),
        ("bytes=-0", Unsatisfiable),
        ("bytes=10-", (10, 99)),
    ],
)
def test_range_headers_are_read_as_the_rfc_says(header: str | None, expected: object) -> None:
    if expected is Unsatisfiable:
        with pytest.raises(Unsatisfiable):
            parse_range(header, 100)
    else:
        assert parse_range(header, 100) == expected

"""A server killed mid-meeting: the recording is interrupted, intact, and goes on elsewhere.

Real Daphne processes (killed with SIGKILL, as a crash or an OOM kill would) and a real
WebSocket client; the test process plays the worker's janitor.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from channels.db import database_sync_to_async
from websockets.asyncio.client import ClientConnection, connect

from tests.audio import FRAME_MS, frames, utterances
from tests.fake_deepgram import FakeDeepgram
from tests.servers import DaphneServer
from transcripts import lease
from transcripts.live import recovery
from transcripts.models import Recording, Segment

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 0.5


@pytest.fixture
def server_env(deepgram: FakeDeepgram, settings) -> dict[str, str]:
    settings.LIVE_LEASE_SECONDS = LEASE_SECONDS
    return {
        "DEEPGRAM_API_KEY": deepgram.api_key,
        "DEEPGRAM_URL": deepgram.url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LIVE_AUDIO_DIR": str(settings.LIVE_AUDIO_DIR),
        "LIVE_LEASE_SECONDS": str(LEASE_SECONDS),
    }


@pytest.fixture
def servers() -> Iterator[list[DaphneServer]]:
    started: list[DaphneServer] = []
    yield started
    for server in started:
        server.stop()


@asynccontextmanager
async def record_socket(server: DaphneServer, cookie: str) -> AsyncIterator[ClientConnection]:
    headers = {"Cookie": f"sessionid={cookie}", "Origin": server.url}
    url = server.url.replace("http://", "ws://") + "/ws/record/"
    async with connect(url, additional_headers=headers) as socket:
        yield socket


async def next_of(socket: ClientConnection, kind: str) -> dict[str, Any]:
    """Messages until one of `kind` (interim and the like are skipped)."""
    while True:
        message = json.loads(await socket.recv(decode=True))
        if message["type"] == kind:
            return message
        assert message["type"] in ("interim", "final", "reconnecting", "reconnected"), message


async def send_audio(socket: ClientConnection, pcm: bytes) -> None:
    """100 ms frames at a microphone's pace (the archive keeps up with real time)."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    for number, frame in enumerate(frames(pcm)):
        await socket.send(frame)
        # The microphone's clock, not a wait for the server: the next frame exists then.
        await asyncio.sleep(max(0.0, began + (number + 1) * FRAME_MS / 1000 - loop.time()))


def wait_for_lease_to_lapse(recording_id: int) -> None:
    """The killed process stops renewing; after LEASE_SECONDS the lease has lapsed."""
    deadline = time.monotonic() + 10 * LEASE_SECONDS
    while recording_id not in lease.lapsed_recordings():
        assert time.monotonic() < deadline, "the lease never lapsed"
        time.sleep(LEASE_SECONDS / 10)  # waiting for the clock, not for another process


async def test_a_killed_server_leaves_the_recording_interrupted_intact_and_resumable(
    server_env: dict[str, str],
    servers: list[DaphneServer],
    deepgram: FakeDeepgram,
    cookie: str,
) -> None:
    first = DaphneServer(server_env).start()
    servers.append(first)
    async with record_socket(first, cookie) as socket:
        await socket.send(json.dumps({"type": "start", "title": "Board meeting"}))
        recording_id = (await next_of(socket, "started"))["recording"]
        await send_audio(socket, utterances(2))
        await next_of(socket, "final")
        await next_of(socket, "final")
        first.kill()  # SIGKILL mid-meeting: no finalisation, no clean-up

    await database_sync_to_async(wait_for_lease_to_lapse)(recording_id)
    assert await database_sync_to_async(recovery.recordings_recover)() == 1
    recording = await Recording.objects.aget(pk=recording_id)
    assert recording.status == "interrupted"
    assert "server stopped" in recording.error
    assert await Segment.objects.filter(recording_id=recording_id).acount() == 2
    assert recording.audio.name  # the spooled audio went into storage
    # Audio reaches the disk about a second at a time: at most that much is lost.
    assert 2 * 1.6 - 1.5 < recording.duration <= 2 * 1.6 + 0.01

    second = DaphneServer(server_env).start()
    servers.append(second)
    async with record_socket(second, cookie) as socket:
        await socket.send(json.dumps({"type": "resume", "recording": recording_id}))
        resumed = await next_of(socket, "resumed")
        assert (resumed["segments"], resumed["audio_seconds"]) == (2, recording.duration)
        await send_audio(socket, utterances(1))
        await next_of(socket, "final")
        await socket.send(json.dumps({"type": "stop"}))
        stopped = await next_of(socket, "stopped")
    assert stopped["segments"] == 3
    segments = [s async for s in Segment.objects.filter(recording_id=recording_id)]
    assert [s.index for s in segments] == [0, 1, 2]
    assert segments[2].start >= recording.duration - 0.001  # after all the earlier audio
    finished = await Recording.objects.aget(pk=recording_id)
    assert finished.status == "completed"
    assert finished.duration == pytest.approx(recording.duration + 1.6, abs=0.05)

"""A real worker process: live job status on the owner's pages, recovery from a killed worker."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client
from django_tasks_db.models import DBTaskResult

from config.asgi import application
from tests.conftest import session_cookie
from tests.fake_deepgram import FakeDeepgram
from tests.servers import WorkerProcess
from tests.uploading import SPEECH_WAV, upload
from transcripts.models import Segment, TranscriptionJob
from transcripts.realtime import EVENT_HANDLER, user_group

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = ["Good morning everyone, thanks for joining.", "Let us review the quarterly numbers."]


class EventsSocket:
    """A page listening on /ws/events/."""

    def __init__(self, cookie: str, *, query: str = "") -> None:
        headers = [(b"origin", b"http://localhost"), (b"cookie", f"sessionid={cookie}".encode())]
        path = f"/ws/events/?{query}" if query else "/ws/events/"
        self.communicator = WebsocketCommunicator(application, path, headers=headers)
        self.statuses: list[str] = []

    async def __aenter__(self) -> EventsSocket:
        connected, _ = await self.communicator.connect()
        assert connected
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.communicator.disconnect()

    async def until(self, status: str, timeout: float = 30.0) -> dict[str, Any]:
        """Events until one says `status`; the statuses seen are kept in order."""
        while True:
            event = json.loads(await self.communicator.receive_from(timeout=timeout))
            if not self.statuses or self.statuses[-1] != event["status"]:
                self.statuses.append(event["status"])
            if event["status"] == status:
                return event


@pytest.fixture
def worker_env(deepgram: FakeDeepgram, settings) -> dict[str, str]:
    deepgram.script = SCRIPT
    return {
        "DEEPGRAM_API_KEY": deepgram.api_key,
        "DEEPGRAM_URL": deepgram.url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "JOB_LEASE_SECONDS": "2",
    }


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for process in started:
        process.stop()
        assert "Traceback" not in process.log, process.log


@pytest.fixture
def cookies(user: User, other_user: User) -> tuple[str, str]:
    return session_cookie(user), session_cookie(other_user)


async def upload_speech(user: User) -> int:
    def send() -> int:
        client = Client()
        client.force_login(user)
        return upload(client, SPEECH_WAV.read_bytes(), diarize=True).body["recording"]

    return await sync_to_async(send)()


async def test_job_status_reaches_the_owners_open_pages_and_nobody_elses(
    worker_env: dict[str, str],
    workers: list[WorkerProcess],
    user: User,
    cookies: tuple[str, str],
) -> None:
    async with EventsSocket(cookies[0]) as alice, EventsSocket(cookies[1]) as bob:
        recording_id = await upload_speech(user)
        await alice.until("queued")
        workers.append(WorkerProcess(worker_env).start())
        done = await alice.until("completed")
        assert alice.statuses == ["queued", "transcribing", "completed"]
        assert (done["recording"], done["progress"], done["status_label"]) == (
            recording_id,
            100,
            "Completed",
        )
        assert await bob.communicator.receive_nothing(timeout=0.5)


async def test_a_killed_workers_job_runs_again_exactly_once(
    worker_env: dict[str, str],
    workers: list[WorkerProcess],
    deepgram: FakeDeepgram,
    user: User,
    cookies: tuple[str, str],
) -> None:
    deepgram.rest_delay = 60.0  # Deepgram is slow: the job is mid-run when its worker dies
    async with EventsSocket(cookies[0]) as page:
        recording_id = await upload_speech(user)
        first = WorkerProcess(worker_env).start()
        workers.append(first)
        await page.until("transcribing")
        await deepgram.await_for(lambda fake: len(fake.requests) == 1)
        first.kill()
        deepgram.rest_delay = 0.0
        second = WorkerProcess(worker_env).start()
        workers.append(second)
        await page.until("completed")
    # Stopped gracefully, the worker first records how its task ended.
    await sync_to_async(second.stop)()
    texts = [s.text async for s in Segment.objects.filter(recording_id=recording_id)]
    assert texts == SCRIPT
    job = await TranscriptionJob.objects.aget(recording_id=recording_id)
    assert (job.status, job.attempts) == ("succeeded", 2)
    statuses = [t.status async for t in DBTaskResult.objects.order_by("enqueued_at")]
    assert statuses == ["FAILED", "SUCCESSFUL"]
    assert len(deepgram.requests) == 2


async def test_the_events_socket_refuses_strangers_and_chatter(cookies: tuple[str, str]) -> None:
    anonymous = WebsocketCommunicator(
        application, "/ws/events/", headers=[(b"origin", b"http://localhost")]
    )
    await anonymous.connect()
    assert json.loads(await anonymous.receive_from())["code"] == "login_required"
    assert (await anonymous.receive_output())["code"] == 4401
    async with EventsSocket(cookies[0]) as page:
        await page.communicator.send_to(text_data="hello")
        assert json.loads(await page.communicator.receive_from())["code"] == "bad_message"
        assert (await page.communicator.receive_output())["code"] == 4400


class SlowJoinLayer(InMemoryChannelLayer):
    """An in-memory layer whose group_add takes as long as a round trip to Redis would: the
    loop runs everything else that is ready, many times over, before the channel joins."""

    async def group_add(self, group: str, channel: str) -> None:
        for _ in range(100):
            await asyncio.sleep(0)  # a turn of the loop, as waiting for Redis gives
        await super().group_add(group, channel)


async def test_an_events_socket_opens_only_once_its_page_will_hear_every_event(
    cookies: tuple[str, str], user: User, settings
) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"{__name__}.{SlowJoinLayer.__name__}"}}
    event = {"type": "job", "recording": 1, "status": "completed"}
    async with EventsSocket(cookies[0]) as page:  # open: the page asks for its state now
        await get_channel_layer().group_send(
            user_group(user.pk), {"type": EVENT_HANDLER, "event": event}
        )
        assert json.loads(await page.communicator.receive_from(timeout=10)) == event

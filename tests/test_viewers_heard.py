"""A viewer whose arrival a live session hears of late (between two server processes, through
Redis) still gets every final: the session answers `heard`, and the viewer reads the finals
saved before that from the database."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer

from tests.audio import utterances
from tests.fake_deepgram import FakeDeepgram
from tests.test_live_guards import open_recording
from tests.test_sharing import open_viewer
from transcripts.models import Recording
from transcripts.sharing import services as sharing

pytestmark = pytest.mark.django_db(transaction=True)


class PresenceHeldLayer(InMemoryChannelLayer):
    """An in-memory layer that delivers a viewer's `viewers.present` only once `release` is
    set (a slow Redis between two server processes); the viewer goes on meanwhile."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.release = asyncio.Event()
        self._held: set[asyncio.Task[None]] = set()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if message.get("type") == "viewers.present" and not self.release.is_set():
            task = asyncio.create_task(self._deliver_once_released(group, message))
            self._held.add(task)
            task.add_done_callback(self._held.discard)
            return
        await super().group_send(group, message)

    async def _deliver_once_released(self, group: str, message: dict[str, Any]) -> None:
        await self.release.wait()
        await super().group_send(group, message)


async def test_a_viewer_the_session_hears_of_late_still_gets_the_finals_said_meanwhile(
    deepgram: FakeDeepgram, cookie: str, other_cookie: str, settings
) -> None:
    backend = f"{__name__}.{PresenceHeldLayer.__name__}"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend}}
    socket, recording_id = await open_recording(cookie)
    await socket.send_audio(utterances(1))
    said = [(await socket.expect("final"))["text"]]
    recording = await Recording.objects.aget(pk=recording_id)
    token = (await sync_to_async(sharing.share_start)(recording=recording)).share_token
    viewer = await open_viewer(token or "", other_cookie)
    seen = [(await viewer.expect("final"))["text"]]  # read from the database: it has joined
    await socket.send_audio(utterances(1))  # said before the session hears of the viewer
    said.append((await socket.expect("final"))["text"])
    get_channel_layer().release.set()
    seen.append((await viewer.expect("final"))["text"])
    await socket.stop()
    await socket.disconnect()
    assert seen == said
    assert (await viewer.expect("ended"))["status"] == "completed"
    await viewer.disconnect()

"""Every WebSocket route, fed hostile messages as the owner, another user and nobody.

The routes come from transcripts.routing, so a socket added later is covered. Each socket
must answer in time, never close with 1011 (an internal error) nor log one, never show
another user's data, and leave what existed before exactly as it was.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from hypothesis import given
from hypothesis import strategies as st

from config.asgi import application
from tests.conftest import session_cookie
from tests.fake_deepgram import FakeDeepgram
from tests.fuzzing import (
    BUDGET,
    SECRET,
    World,
    hostile_text,
    json_value,
    make_world,
    owners_data,
    path_for,
    socket_routes,
)

pytestmark = pytest.mark.django_db(transaction=True)

ROUTES = socket_routes()
ORIGINS = ["http://localhost", "https://evil.example", None]
TYPES = ["start", "resume", "stop", "pause", "unpause", "dance", ""]
FIELDS = ["title", "language", "sample_rate", "diarize", "refine", "recording", "volume"]
ANSWER_SECONDS = 5.0
INTERNAL_ERROR = 1011

control_message = st.builds(
    lambda kind, fields: json.dumps({"type": kind, **fields}),
    st.sampled_from(TYPES) | hostile_text,
    st.dictionaries(st.sampled_from(FIELDS), json_value, max_size=3),
)
frame = st.one_of(
    st.tuples(st.just("text"), control_message),
    st.tuples(st.just("text"), st.one_of(hostile_text, json_value.map(json.dumps))),
    st.tuples(st.just("bytes"), st.binary(max_size=100)),
    st.tuples(st.just("bytes"), st.sampled_from([b"", b"\x00", b"\x00" * 65_538])),
)


@pytest.fixture
def world(db: None, deepgram: FakeDeepgram) -> World:
    world = make_world()
    world.values["cookies"] = [session_cookie(world.alice), session_cookie(world.bob), ""]
    return world


async def exchange(path: str, cookie: str, origin: str | None, frames: list[Any]) -> list[Any]:
    """Open the socket, send the frames, read until it closes or falls quiet; every output."""
    headers = [(b"origin", origin.encode())] if origin else []
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect(timeout=ANSWER_SECONDS)
    outputs: list[Any] = [] if connected else [{"type": "websocket.close", "code": "refused"}]
    for kind, payload in frames if connected else []:
        # The test client cannot send an empty frame (the protocol tests cover those).
        if payload:
            await socket.send_to(**{f"{kind}_data": payload})
    while connected and not await socket.receive_nothing(timeout=0.2):
        outputs.append(await socket.receive_output(timeout=ANSWER_SECONDS))
        if outputs[-1]["type"] == "websocket.close":
            break
    await socket.disconnect(timeout=ANSWER_SECONDS)
    return outputs


@BUDGET
@given(data=st.data())
def test_hostile_messages_on_any_socket_are_answered_cleanly(
    world: World, data: st.DataObject, caplog: pytest.LogCaptureFixture
) -> None:
    route = data.draw(st.sampled_from(ROUTES), label="route")
    path = quote(path_for(route, world, data.draw), safe="/%:@-._~!$&'()*+,;=")
    who = data.draw(st.sampled_from(["owner", "stranger", "anonymous"]), label="who")
    cookie = world.values["cookies"][["owner", "stranger", "anonymous"].index(who)]
    origin = data.draw(st.sampled_from(ORIGINS), label="origin")
    frames = data.draw(st.lists(frame, max_size=4), label="frames")
    before = async_to_sync(sync_to_async(owners_data))(world)
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        outputs = async_to_sync(exchange)(path, cookie, origin, frames)
    where = f"{who} {path!r} {origin} {frames!r:.300}"
    assert not any(o.get("code") == INTERNAL_ERROR for o in outputs), where
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], where
    if who != "owner":
        assert not any(SECRET in o.get("text", "") for o in outputs), where
    assert async_to_sync(sync_to_async(owners_data))(world) == before, where

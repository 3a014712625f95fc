"""Watching a meeting live: share links, the watch page and socket, viewers on other processes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.http import Http404
from django.test import Client
from django.urls import reverse
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.audio import frames, utterances
from tests.conftest import session_cookie
from tests.factories import make_recording, make_segment, make_user
from tests.fake_deepgram import FakeDeepgram
from tests.servers import DaphneServer
from tests.sockets import TIMEOUT, Closed, RecordSocket, WatchSocket
from transcripts import realtime, selectors, services
from transcripts.models import Mark, Recording
from transcripts.sharing import services as sharing
from transcripts.sharing.consumers import first_index

LIVE = Recording.Status.LIVE


def share(recording: Recording) -> str:
    """Share the recording; its watch link's token."""
    token = sharing.share_start(recording=recording).share_token
    assert token is not None
    return token


# --- Services and the selector ---------------------------------------------------------


@pytest.mark.django_db
def test_sharing_gives_each_recording_its_own_unguessable_link(user: User) -> None:
    first, second = share(make_recording(user)), share(make_recording(user))
    assert first != second
    assert len(first) == 43  # 32 random bytes
    assert set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.django_db
def test_sharing_a_shared_recording_keeps_its_link(user: User) -> None:
    recording = make_recording(user)
    assert share(recording) == share(recording)


def viewer_channel(recording: Recording) -> str:
    """A channel in the recording's viewers group, as a watching socket has."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(realtime.viewers_group(recording.pk), channel)
    return channel


@pytest.mark.django_db
def test_stopping_clears_the_link_and_then_tells_viewers(
    user: User, django_capture_on_commit_callbacks
) -> None:
    recording = make_recording(user)
    share(recording)
    channel = viewer_channel(recording)
    with django_capture_on_commit_callbacks() as callbacks:
        sharing.share_revoke(recording=recording)
    recording.refresh_from_db()
    assert recording.share_token is None
    assert len(callbacks) == 1  # viewers are told once the change is committed
    callbacks[0]()
    message = async_to_sync(get_channel_layer().receive)(channel)
    assert message == {"type": "watch.event", "event": {"type": "revoked"}}


@pytest.mark.django_db
def test_stopping_an_unshared_recording_tells_nobody(
    user: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        sharing.share_revoke(recording=make_recording(user))
    assert callbacks == []


@pytest.mark.django_db
@pytest.mark.parametrize("shared", [True, False])
def test_deleting_a_recording_cuts_off_its_viewers(
    user: User, shared: bool, django_capture_on_commit_callbacks
) -> None:
    """With a link or without (people it is shared with may follow it), once committed."""
    recording = make_recording(user)
    if shared:
        recording = sharing.share_start(recording=recording)
    with django_capture_on_commit_callbacks() as callbacks:
        services.recording_delete(recording=recording)
    disconnects = [c for c in callbacks if getattr(c, "func", None) is realtime.viewers_disconnect]
    assert len(disconnects) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("link", "answers"),
    [("current", True), ("revoked", False), ("unknown", False), ("empty", False)],
)
def test_a_shared_recording_answers_only_to_its_current_link(
    user: User, link: str, answers: bool
) -> None:
    recording = make_recording(user)
    token = share(recording)
    if link == "revoked":
        sharing.share_revoke(recording=recording)
    token = {"unknown": "x" * 43, "empty": ""}.get(link, token)
    if answers:
        assert selectors.recording_get_shared(token=token) == recording
    else:
        with pytest.raises(Http404):
            selectors.recording_get_shared(token=token)


# --- The owner's panel and actions -------------------------------------------------


def detail(client: Client, recording: Recording) -> str:
    return client.get(recording.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_the_owner_can_share_from_the_transcript_page(logged_in: Client, user: User) -> None:
    recording = make_recording(user)
    page = detail(logged_in, recording)
    assert "Share a live link" in page
    assert reverse("transcripts:recording_share", args=[recording.pk]) in page
    response = logged_in.post(reverse("transcripts:recording_share", args=[recording.pk]))
    assert response.status_code == 302
    assert response["Location"] == recording.get_absolute_url()
    recording.refresh_from_db()
    page = detail(logged_in, recording)
    assert f'value="http://testserver/watch/{recording.share_token}/"' in page
    assert '<label for="share-link">Watch link</label>' in page
    assert ">Copy link</button>" in page
    assert ">Stop sharing</button>" in page
    assert "Share a live link" not in page


@pytest.mark.django_db
def test_the_owner_can_stop_sharing(logged_in: Client, user: User) -> None:
    recording = make_recording(user)
    share(recording)
    response = logged_in.post(reverse("transcripts:recording_unshare", args=[recording.pk]))
    assert response.status_code == 302
    recording.refresh_from_db()
    assert recording.share_token is None
    assert "Share a live link" in detail(logged_in, recording)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["recording_share", "recording_unshare"])
@pytest.mark.parametrize("who", ["someone else", "staff"])
def test_only_the_owner_may_share_or_stop_sharing(
    client: Client, user: User, action: str, who: str
) -> None:
    recording = make_recording(user)
    token = share(recording) if action == "recording_unshare" else None
    client.force_login(make_user(is_staff=who == "staff"))
    response = client.post(reverse(f"transcripts:{action}", args=[recording.pk]))
    assert response.status_code == 404
    recording.refresh_from_db()
    assert recording.share_token == token


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["recording_share", "recording_unshare"])
def test_sharing_forms_are_csrf_protected_posts(user: User, action: str) -> None:
    recording = make_recording(user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = reverse(f"transcripts:{action}", args=[recording.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    recording.refresh_from_db()
    assert recording.share_token is None


# --- The watch page ------------------------------------------------------------------


@pytest.mark.django_db
def test_anyone_logged_in_with_the_link_reads_the_transcript_so_far(
    client: Client, user: User, other_user: User
) -> None:
    user.first_name, user.last_name = "Alice", "Archer"
    user.save()
    recording = make_recording(user, title="Board meeting", status=LIVE)
    make_segment(recording, 0, text="Welcome, everyone.", speaker=0)
    make_segment(recording, 1, text="First item: the budget.")
    token = share(recording)
    client.force_login(other_user)
    page = client.get(reverse("transcripts:watch", args=[token])).content.decode()
    assert "<h1>Board meeting</h1>" in page
    assert "Shared by Alice Archer" in page
    assert ">Live</span>" in page
    assert page.index("Welcome, everyone.") < page.index("First item: the budget.")
    assert "Speaker 1" in page
    assert f'data-socket-path="/ws/watch/{token}/"' in page
    assert "js/watch." in page


@pytest.mark.django_db
def test_the_watch_page_says_when_the_recording_has_ended(client: Client, user: User) -> None:
    client.force_login(user)
    token = share(make_recording(user))
    page = client.get(reverse("transcripts:watch", args=[token])).content.decode()
    assert ">Ended</span>" in page
    assert "This recording has ended." in page


@pytest.mark.django_db
@pytest.mark.parametrize("link", ["revoked", "unknown"])
def test_a_link_that_does_not_share_anything_is_404(client: Client, user: User, link: str) -> None:
    recording = make_recording(user)
    token = share(recording)
    if link == "revoked":
        sharing.share_revoke(recording=recording)
    else:
        token = "not-" + token
    client.force_login(user)
    assert client.get(reverse("transcripts:watch", args=[token])).status_code == 404


@pytest.mark.django_db
def test_the_watch_page_needs_a_login(client: Client, user: User) -> None:
    url = reverse("transcripts:watch", args=[share(make_recording(user))])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_watch_page_takes_the_same_queries_for_any_length(
    client: Client, user: User, django_assert_num_queries
) -> None:
    recording = make_recording(user)
    for index in range(25):
        make_segment(recording, index)
        Mark.objects.create(recording=recording, kind="decision", at=index, author=user)
    client.force_login(user)
    url = reverse("transcripts:watch", args=[share(recording)])
    # session, user, recording with owner, audit, segments, marks with their authors,
    # the nav's review notices and review link
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200


# --- The watch socket --------------------------------------------------------------------


@pytest.fixture
def viewer_cookie(other_user: User) -> str:
    return session_cookie(other_user)


async def open_viewer(token: str, cookie: str | None, query: str = "") -> WatchSocket:
    viewer = WatchSocket(token, cookie=cookie, query=query)
    assert await viewer.connect()
    return viewer


async def shared(recording: Recording) -> str:
    return await database_sync_to_async(share)(recording)


async def joined_viewer(user: User, cookie: str) -> tuple[Recording, WatchSocket]:
    """A viewer of a live recording, known to be in its viewers group.

    The socket is accepted before it joins; the missed segment it is sent next is read
    after joining, so once that arrives the viewer hears everything the group does.
    """
    recording = await sync_to_async(make_recording)(user, status=LIVE)
    await sync_to_async(make_segment)(recording, 0)
    viewer = await open_viewer(await shared(recording), cookie)
    assert (await viewer.expect("final"))["text"] == "Sentence number 0."
    return recording, viewer


@pytest.mark.django_db(transaction=True)
async def test_a_viewer_sees_the_finals_as_the_owner_records(
    deepgram: FakeDeepgram, cookie: str, viewer_cookie: str
) -> None:
    owner = RecordSocket(cookie=cookie)
    assert await owner.connect()
    recording_id = await owner.start(title="Standup")
    viewer = await open_viewer(
        await shared(await Recording.objects.aget(pk=recording_id)), viewer_cookie
    )
    await owner.send_audio(utterances(2))
    said = await owner.finals(2)
    await owner.stop()
    await owner.disconnect()
    seen, ended = await viewer.finals_until_ended()
    assert seen == said
    assert [final["text"] for final in seen] == deepgram.script[:2]
    assert ended == {"type": "ended", "recording": recording_id, "status": "completed"}
    await viewer.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_late_viewer_is_sent_what_their_page_does_not_show(
    user: User, viewer_cookie: str
) -> None:
    recording = await sync_to_async(make_recording)(user)
    for index in range(3):
        await sync_to_async(make_segment)(recording, index)
    viewer = await open_viewer(await shared(recording), viewer_cookie, query="from=1")
    seen, ended = await viewer.finals_until_ended()
    assert [final["text"] for final in seen] == ["Sentence number 1.", "Sentence number 2."]
    assert ended == {"type": "ended", "recording": recording.pk, "status": "completed"}
    await viewer.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("link", ["unknown", "revoked"])
async def test_a_link_that_shares_nothing_is_refused_with_4404(
    user: User, viewer_cookie: str, link: str
) -> None:
    recording = await sync_to_async(make_recording)(user, status=LIVE)
    token = await shared(recording)
    if link == "revoked":
        await database_sync_to_async(sharing.share_revoke)(recording=recording)
    else:
        token = token[::-1]
    viewer = await open_viewer(token, viewer_cookie)
    assert (await viewer.expect("error"))["code"] == "not_shared"
    assert await viewer.next() == Closed(4404)
    await viewer.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_anonymous_viewer_is_refused_with_4401(user: User) -> None:
    viewer = await open_viewer(await shared(await sync_to_async(make_recording)(user)), None)
    assert (await viewer.expect("error"))["code"] == "login_required"
    assert await viewer.next() == Closed(4401)
    await viewer.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_foreign_origin_is_refused_at_the_handshake(user: User, viewer_cookie: str) -> None:
    token = await shared(await sync_to_async(make_recording)(user))
    viewer = WatchSocket(token, cookie=viewer_cookie, origin="https://evil.example")
    assert not await viewer.connect()


@pytest.mark.django_db(transaction=True)
async def test_stopping_sharing_disconnects_a_watching_viewer(
    user: User, viewer_cookie: str
) -> None:
    recording, viewer = await joined_viewer(user, viewer_cookie)
    await database_sync_to_async(sharing.share_revoke)(recording=recording)
    assert await viewer.next() == {"type": "revoked"}
    assert await viewer.next() == Closed(1000)
    await viewer.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_viewer_cannot_send_anything(user: User, viewer_cookie: str) -> None:
    _, viewer = await joined_viewer(user, viewer_cookie)
    await viewer.communicator.send_to(text_data=json.dumps({"type": "stop"}))
    assert (await viewer.expect("error"))["code"] == "bad_message"
    assert await viewer.next() == Closed(4400)
    await viewer.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_viewer_hears_only_their_recordings_transcript(
    user: User, viewer_cookie: str
) -> None:
    watched, viewer = await joined_viewer(user, viewer_cookie)
    other = await sync_to_async(make_recording)(user, status=LIVE)
    interim = {"type": "interim", "text": "next item", "start": 2.0, "end": 2.5}
    await realtime.publish_to_viewers(other.pk, {**interim, "text": "someone else's"})
    await realtime.publish_to_viewers(watched.pk, {"type": "warning", "code": "owner_only"})
    await realtime.publish_to_viewers(watched.pk, interim)
    assert await viewer.next() == interim
    await viewer.disconnect()


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (b"", 0),
        (b"from=3", 3),
        (b"from=-2", 0),
        (b"from=three", 0),
        (b"from=" + b"9" * 30, 2**31 - 1),
        (b"other=1&from=2", 2),
    ],
)
def test_from_says_how_many_segments_the_page_has(query: bytes, index: int) -> None:
    assert first_index(query) == index


# --- Two server processes sharing Redis ---------------------------------------------------


@pytest.fixture
def two_servers(
    fake_deepgram: FakeDeepgram, settings, tmp_path: Path
) -> Iterator[list[DaphneServer]]:
    env = {
        "REDIS_URL": settings.REDIS_URL,
        "DEEPGRAM_API_KEY": fake_deepgram.api_key,
        "DEEPGRAM_URL": fake_deepgram.url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LIVE_AUDIO_DIR": str(tmp_path / "live-audio"),
    }
    servers = [DaphneServer(env).start(), DaphneServer(env).start()]
    yield servers
    for server in servers:
        server.stop()
        assert "Traceback" not in server.log, server.log


def ws_connect(server: DaphneServer, path: str, cookie: str) -> Any:
    return connect(
        server.url.replace("http://", "ws://") + path,
        origin=server.url,  # type: ignore[arg-type]
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=TIMEOUT,
    )


async def receive(socket: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(TIMEOUT):
        return json.loads(await socket.recv())


async def until(socket: ClientConnection, kind: str) -> dict[str, Any]:
    while (message := await receive(socket))["type"] != kind:
        pass
    return message


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not django_settings.REDIS_URL,
    reason="needs REDIS_URL: two server processes meet only through the Redis channel layer",
)
async def test_a_viewer_on_one_server_process_sees_a_recording_on_another(
    two_servers: list[DaphneServer], fake_deepgram: FakeDeepgram, cookie: str, viewer_cookie: str
) -> None:
    recorder, watcher = two_servers
    async with ws_connect(recorder, "/ws/record/", cookie) as owner:
        await owner.send(json.dumps({"type": "start", "title": "Across processes"}))
        recording_id = (await until(owner, "started"))["recording"]
        recording = await Recording.objects.aget(pk=recording_id)
        token = await shared(recording)
        async with ws_connect(watcher, f"/ws/watch/{token}/", viewer_cookie) as viewer:
            for frame in frames(utterances(2)):
                await owner.send(frame)
            said = [await until(owner, "final") for _ in range(2)]
            await owner.send(json.dumps({"type": "stop"}))
            await until(owner, "stopped")
            seen: dict[int, dict[str, Any]] = {}
            while (message := await receive(viewer))["type"] != "ended":
                if message["type"] == "final":
                    seen.setdefault(message["segment"], message)
            assert list(seen.values()) == said
            assert [final["text"] for final in said] == fake_deepgram.script[:2]
            assert message["status"] == "completed"

            await database_sync_to_async(sharing.share_revoke)(recording=recording)
            assert await receive(viewer) == {"type": "revoked"}
            with pytest.raises(ConnectionClosed):
                await receive(viewer)
            assert viewer.close_code == 1000

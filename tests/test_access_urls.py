"""Every URL and socket that takes a recording id, read from the URLconf and the socket
routes (so one added later is covered): a stranger and a removed team member get 404, as
for a recording that does not exist, and a viewer changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from config.asgi import application
from teams.services import member_remove
from tests.conftest import session_cookie
from tests.factories import make_recording, make_segment, make_team, make_user
from tests.fuzzing import Route, http_routes, socket_routes
from transcripts import protocol
from transcripts.models import Mark, Recording, RecordingShare, RecordingTag, Segment
from transcripts.sharing.services import share_with_person, share_with_team

pytestmark = pytest.mark.django_db

ROUTES = [route for route in http_routes() if "recording_id" in dict(route.groups)]
SOCKETS = [route for route in socket_routes() if "recording_id" in dict(route.groups)]
# What a form on any recording page may carry; an editor's or owner's post would change
# something with it.
EDITS = {
    "title": "Changed",
    "text": "Changed",
    "name": "Changed",
    "tags": "changed",
    "person": "stranger",
    "team": "",
    "role": "editor",
    "remove": "1",
    "allowed": "0",
}


class Place:
    """Alice's recording, shared with a viewer and, as editors, with her team, which one
    member has left."""

    def __init__(self) -> None:
        self.alice = make_user("alice")
        self.viewer = make_user("viewer")
        self.former = make_user("former")
        self.stranger = make_user("stranger")
        team = make_team(admins=(self.alice,), members=(self.former,))
        self.recording = make_recording(self.alice, status=Recording.Status.LIVE)
        make_segment(self.recording, 0, text="Words.", speaker=0)
        share_with_person(recording=self.recording, username="viewer", role="viewer")
        share_with_team(recording=self.recording, team_id=team.pk, role="editor")
        RecordingTag.objects.create(recording=self.recording, name="kept")
        self.mark = Mark.objects.create(
            recording=self.recording, kind="action", at=0.5, note="Kept", author=self.alice
        )
        member_remove(team=team, user_id=self.former.pk)

    def state(self) -> list[Any]:
        recordings = Recording.objects.filter(pk=self.recording.pk)
        return [
            list(
                recordings.values_list(
                    "title", "status", "speaker_names", "viewers_may_export", "review_state"
                )
            ),
            list(Segment.objects.filter(recording=self.recording).values_list("text", "speaker")),
            list(RecordingShare.objects.filter(recording=self.recording).values_list("pk", "role")),
            list(RecordingTag.objects.filter(recording=self.recording).values_list("name")),
            list(Mark.objects.filter(recording=self.recording).values_list("note", "done_at")),
            self.recording.share_token,
        ]


def path_of(route: Route, recording_id: int, mark_id: int = 1) -> str:
    values = {"recording_id": str(recording_id), "index": "0", "speaker": "0", "share_id": "1"}
    values |= {"kind": "txt", "mark_id": str(mark_id)}
    path = route.fill(values)
    assert path is not None, route
    return path


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def answers(client: Client, path: str) -> list[int]:
    """The status of a GET, and of a POST, a PATCH (JSON, as the API takes) and a DELETE
    with every kind of edit."""
    edits = json.dumps(EDITS)
    return [
        client.get(path).status_code,
        client.post(path, EDITS).status_code,
        client.patch(path, edits, content_type="application/json").status_code,
        client.delete(path).status_code,
    ]


def test_the_urlconf_has_recording_urls_to_check() -> None:
    names = {route.name for route in ROUTES}
    assert {"recording_detail", "segment_update", "recording_share_add"} <= names
    assert len(SOCKETS) == 1


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
@pytest.mark.parametrize("who", ["stranger", "former"])
def test_people_without_access_get_404_as_for_no_recording(route: Route, who: str) -> None:
    place = Place()
    client = client_for(getattr(place, who))
    before = place.state()
    theirs = answers(client, path_of(route, place.recording.pk, place.mark.pk))
    missing = answers(client, path_of(route, 999_999_999, place.mark.pk))
    assert theirs == missing
    assert 404 in theirs
    assert set(theirs) <= {404, 405}
    assert place.state() == before


# Where a viewer's post is answered with a message (302 back to the page) rather than 404,
# and changes nothing: viewers mark moments (and write their own marks' notes), and the
# review steps say why this person may not take them.
VIEWERS_POST_HERE = {
    "mark_create", "mark_note", "submit", "withdraw", "take", "release", "approve",
    "request_changes", "reopen", "notices_read",
}  # fmt: skip


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
def test_a_viewer_changes_nothing(route: Route) -> None:
    place = Place()
    before = place.state()
    viewer = client_for(place.viewer)
    path = path_of(route, place.recording.pk, place.mark.pk)
    statuses = answers(viewer, path)[1:]  # every method that could change something
    allowed = {404, 405} | ({302} if route.name in VIEWERS_POST_HERE else set())
    assert set(statuses) <= allowed, statuses
    assert place.state() == before


async def watch_close_code(path: str, cookie: str) -> int:
    headers = [(b"origin", b"http://localhost"), (b"cookie", f"sessionid={cookie}".encode())]
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect(timeout=10)
    assert connected
    while True:
        output = await socket.receive_output(timeout=10)
        if output["type"] == "websocket.close":
            return int(output["code"])
        if json.loads(output["text"])["type"] == "error":
            continue


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", SOCKETS, ids=[route.name for route in SOCKETS])
@pytest.mark.parametrize("who", ["stranger", "former"])
def test_sockets_refuse_people_without_access_as_for_no_recording(route: Route, who: str) -> None:
    place = Place()
    cookie = session_cookie(getattr(place, who))
    theirs = async_to_sync(watch_close_code)(path_of(route, place.recording.pk), cookie)
    missing = async_to_sync(watch_close_code)(path_of(route, 999_999_999), cookie)
    assert theirs == missing == protocol.CLOSE_NOT_FOUND

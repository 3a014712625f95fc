"""/ws/events/ for recordings shared with the person: a page naming them hears their job
events as the owner's pages do, nobody else's page does, and a page stops hearing a recording
the moment it is no longer shared with its person (told `unshared`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db import transaction

from config.asgi import application
from teams.services import member_remove
from tests.conftest import session_cookie
from tests.factories import make_team, make_user
from tests.test_job_events import EventsSocket
from transcripts import protocol, realtime
from transcripts.models import Recording, RecordingShare
from transcripts.sharing.services import share_remove

pytestmark = pytest.mark.django_db(transaction=True)


def recording_of(owner: User, title: str) -> Recording:
    return Recording.objects.create(owner=owner, title=title, status=Recording.Status.QUEUED)


@sync_to_async
def publish(recording: Recording, status: Recording.Status) -> dict[str, Any]:
    """What a worker does as a job moves: the recording's state changes, its event follows."""
    with transaction.atomic():
        recording.status = status
        recording.save(update_fields=["status"])
        event = protocol.status_event(recording, 0)
        realtime.publish_job_state(owner_id=recording.owner_id, event=event)
    return dict(event)


async def next_event(page: EventsSocket) -> dict[str, Any]:
    return json.loads(await page.communicator.receive_from(timeout=10))


@pytest.fixture
def people(db: None) -> dict[str, User]:
    return {name: make_user(name) for name in ("alice", "bob", "carol", "dave")}


@pytest.fixture
def cookies(people: dict[str, User]) -> dict[str, str]:
    """Each person's session cookie, for their pages' sockets."""
    return {name: session_cookie(user) for name, user in people.items()}


async def test_a_page_hears_the_recordings_shared_with_its_person_and_no_others(
    people: dict[str, User], cookies: dict[str, str]
) -> None:
    shared = await sync_to_async(recording_of)(people["alice"], "Shared with bob")
    private = await sync_to_async(recording_of)(people["alice"], "Alice's alone")
    await RecordingShare.objects.acreate(recording=shared, user=people["bob"], role="viewer")
    both = f"id={private.pk}&id={shared.pk}"
    async with (
        EventsSocket(cookies["alice"]) as alice,
        EventsSocket(cookies["bob"], query=both) as bob,
        EventsSocket(cookies["carol"], query=both) as carol,
    ):
        about_private = await publish(private, Recording.Status.TRANSCRIBING)
        about_shared = await publish(shared, Recording.Status.TRANSCRIBING)
        assert await next_event(alice) == about_private
        assert await next_event(alice) == about_shared
        assert await next_event(bob) == about_shared  # the private one, sent first, never came
        assert await carol.communicator.receive_nothing(timeout=0.5)


async def test_a_page_stops_hearing_a_recording_once_it_is_no_longer_shared_with_it(
    people: dict[str, User], cookies: dict[str, str]
) -> None:
    recording = await sync_to_async(recording_of)(people["alice"], "Pipeline review")
    team = await sync_to_async(make_team)(
        "Sales", admins=(people["alice"],), members=(people["bob"],)
    )
    await RecordingShare.objects.acreate(recording=recording, team=team, role="viewer")
    dave_share = await RecordingShare.objects.acreate(
        recording=recording, user=people["dave"], role="viewer"
    )
    query = f"id={recording.pk}"
    async with (
        EventsSocket(cookies["alice"]) as alice,
        EventsSocket(cookies["bob"], query=query) as bob,
        EventsSocket(cookies["dave"], query=query) as dave,
    ):
        heard = await publish(recording, Recording.Status.TRANSCRIBING)
        assert [await next_event(page) for page in (alice, bob, dave)] == [heard] * 3

        await sync_to_async(share_remove)(recording=recording, share_id=dave_share.pk)
        await sync_to_async(member_remove)(team=team, user_id=people["bob"].pk)
        unshared = {"type": "unshared", "recording": recording.pk}
        assert await next_event(dave) == unshared
        assert await next_event(bob) == unshared

        after = await publish(recording, Recording.Status.COMPLETED)
        assert await next_event(alice) == after
        assert await bob.communicator.receive_nothing(timeout=0.5)
        assert await dave.communicator.receive_nothing(timeout=0.5)


@pytest.mark.parametrize("query", ["id=abc", "id=0", "id=12&id=-3", f"id={10**19}"])
async def test_an_events_socket_refuses_ids_that_are_not_ids(
    cookies: dict[str, str], query: str
) -> None:
    headers = [
        (b"origin", b"http://localhost"),
        (b"cookie", f"sessionid={cookies['bob']}".encode()),
    ]
    page = WebsocketCommunicator(application, f"/ws/events/?{query}", headers=headers)
    await page.connect()
    refusal = json.loads(await page.receive_from())
    assert refusal["code"] == "bad_message"
    assert "id" in refusal["message"]
    assert (await page.receive_output())["code"] == 4400

"""Audit entries where things happen: viewing, playing, exporting, editing, sharing and
deleting a recording, on the pages, through the API and in the admin, each with its actor,
recording and address."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import AsyncClient, Client

from api.tokens import token_create
from audit.models import AuditEntry
from tests.factories import make_recording, make_segment, make_team, make_user
from transcripts.models import Recording
from transcripts.ranges import starts_playback
from transcripts.sharing.services import share_start, share_with_person

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
ADDRESS = "203.0.113.7"
AUDIO = bytes(range(256)) * 40


@pytest.fixture
def recording(user: User) -> Recording:
    recording = make_recording(user, title="Budget review")
    make_segment(recording, 0, speaker=0, text="The budget is approved.")
    return recording


@pytest.fixture
def owner(user: User) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(user)
    return client


def only_entry() -> AuditEntry:
    """The one entry written; fails if there are more or none."""
    (entry,) = AuditEntry.objects.all()
    return entry


def assert_entry(entry: AuditEntry, action: str, actor: User, recording_id: int, **more: Any):
    assert (entry.action, entry.actor_id, entry.actor_name) == (action, actor.pk, actor.username)
    assert (entry.recording_id, entry.ip) == (recording_id, ADDRESS)
    for name, value in more.items():
        assert getattr(entry, name) == value


PAGE_EDGES = [
    ("get", "", {}, Action.VIEWED, "", "Budget review"),
    ("get", "export/srt/", {}, Action.EXPORTED, "srt", "Budget review"),
    ("get", "export/docx/", {}, Action.EXPORTED, "docx", "Budget review"),
    ("post", "rename/", {"title": "Budget, final"}, Action.EDITED, "title", "Budget, final"),
    ("post", "segments/0/", {"text": "Approved."}, Action.EDITED, "segment 0", "Budget review"),
    ("post", "speakers/0/", {"name": "Ann"}, Action.EDITED, "speaker 0: Ann", "Budget review"),
    ("post", "tags/", {"tags": "Q3, budget"}, Action.EDITED, "tags: q3, budget", "Budget review"),
    ("post", "tags/", {"tags": ""}, Action.EDITED, "tags: none", "Budget review"),
    ("post", "share/", {}, Action.SHARED, "watch link started", "Budget review"),
    ("post", "unshare/", {}, Action.SHARED, "watch link stopped", "Budget review"),
    ("post", "shares/", {"person": "bob", "role": "viewer"}, Action.SHARED,
     "with bob as viewer", "Budget review"),
    ("post", "viewer-exports/", {"allowed": "1"}, Action.SHARED, "viewers may export",
     "Budget review"),
    ("post", "viewer-exports/", {"allowed": "0"}, Action.SHARED, "viewers may not export",
     "Budget review"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "data", "action", "detail", "title"), PAGE_EDGES)
def test_each_page_action_writes_one_entry(
    owner: Client, user: User, other_user: User, recording: Recording,
    method: str, path: str, data: dict, action: str, detail: str, title: str,
) -> None:  # fmt: skip
    response = getattr(owner, method)(f"/recordings/{recording.pk}/{path}", data)
    assert response.status_code in (200, 302)
    assert_entry(only_entry(), action, user, recording.pk, detail=detail, recording_title=title)


def test_watching_or_following_counts_as_viewing(
    user: User, other_user: User, recording: Recording
) -> None:
    recording = share_start(recording=recording)
    share_with_person(recording=recording, username="bob", role="viewer")
    bob = Client(REMOTE_ADDR=ADDRESS)
    bob.force_login(other_user)
    assert bob.get(f"/watch/{recording.share_token}/").status_code == 200
    assert bob.get(f"/recordings/{recording.pk}/live/").status_code == 200
    following, watching = AuditEntry.objects.all()
    assert_entry(watching, Action.VIEWED, other_user, recording.pk, detail="through the watch link")
    assert_entry(following, Action.VIEWED, other_user, recording.pk, detail="following live")


def test_sharing_with_a_team_names_the_team_and_role(
    owner: Client, user: User, recording: Recording
) -> None:
    team = make_team("Sales", members=(user,))
    owner.post(f"/recordings/{recording.pk}/shares/", {"team": team.pk, "role": "editor"})
    assert_entry(
        only_entry(), Action.SHARED, user, recording.pk, detail="with team Sales as editor"
    )


@pytest.mark.parametrize(
    ("data", "detail"),
    [({"role": "editor"}, "bob now editor"), ({"remove": "1"}, "stopped for bob")],
)
def test_a_role_change_or_removal_names_the_person(
    owner: Client, user: User, other_user: User, recording: Recording, data: dict, detail: str
) -> None:
    share = share_with_person(recording=recording, username="bob", role="viewer")
    owner.post(f"/recordings/{recording.pk}/shares/{share.pk}/", data)
    assert_entry(only_entry(), Action.SHARED, user, recording.pk, detail=detail)


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "export/pdf/", {}),
        ("post", "rename/", {"title": " "}),
        ("post", "segments/7/", {"text": "No such segment."}),
        ("post", "speakers/3/", {"name": "Nobody"}),
        ("post", "shares/", {"person": "nobody", "role": "viewer"}),
    ],
)
def test_a_refused_action_writes_nothing(
    owner: Client, recording: Recording, method: str, path: str, data: dict
) -> None:
    getattr(owner, method)(f"/recordings/{recording.pk}/{path}", data)
    assert not AuditEntry.objects.exists()


def test_someone_without_access_leaves_no_entry(other_user: User, recording: Recording) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(other_user)
    assert client.get(f"/recordings/{recording.pk}/").status_code == 404
    assert not AuditEntry.objects.exists()


def test_a_deletion_is_recorded_and_earlier_entries_outlive_the_recording(
    owner: Client, user: User, recording: Recording
) -> None:
    recording_id = recording.pk
    owner.get(f"/recordings/{recording_id}/")
    owner.post(f"/recordings/{recording_id}/delete/")
    assert not Recording.objects.filter(pk=recording_id).exists()
    deleted, viewed = AuditEntry.objects.all()
    assert_entry(deleted, Action.DELETED, user, recording_id, recording_title="Budget review")
    assert_entry(viewed, Action.VIEWED, user, recording_id, recording_title="Budget review")


# --- The API ---------------------------------------------------------------------------


def api_call(user: User, method: str, path: str, body: dict | None = None) -> Any:
    _, token = token_create(user=user, name="script", scopes=["read", "write"], expires_at=None)
    client = Client(REMOTE_ADDR=ADDRESS, headers={"Authorization": f"Bearer {token}"})
    if body is not None:
        return getattr(client, method)(path, json.dumps(body), content_type="application/json")
    return getattr(client, method)(path)


@pytest.mark.parametrize(
    ("method", "path", "body", "action", "detail"),
    [
        ("get", "", None, Action.VIEWED, "via API"),
        ("get", "/segments", None, Action.VIEWED, "transcript via API"),
        ("get", "/export/vtt", None, Action.EXPORTED, "vtt via API"),
        ("patch", "", {"title": "Renamed"}, Action.EDITED, "title via API"),
        ("patch", "/segments/0", {"text": "Fixed."}, Action.EDITED, "segment 0 via API"),
        ("delete", "", None, Action.DELETED, "via API"),
    ],
)
def test_each_api_action_writes_one_entry(
    user: User, recording: Recording, method: str, path: str, body: Any, action: str, detail: str
) -> None:
    response = api_call(user, method, f"/api/v1/recordings/{recording.pk}{path}", body)
    assert response.status_code in (200, 204)
    assert_entry(only_entry(), action, user, recording.pk, detail=detail)


def test_an_api_call_for_someone_elses_recording_writes_nothing(
    other_user: User, recording: Recording
) -> None:
    assert api_call(other_user, "get", f"/api/v1/recordings/{recording.pk}").status_code == 404
    assert not AuditEntry.objects.exists()


# --- The admin ------------------------------------------------------------------------


@pytest.fixture
def root() -> User:
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(root: User) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(root)
    return client


def test_a_deletion_in_the_admin_is_recorded(
    admin_client: Client, root: User, recording: Recording
) -> None:
    url = f"/admin/transcripts/recording/{recording.pk}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert_entry(only_entry(), Action.DELETED, root, recording.pk, detail="in the admin")


def test_deleting_several_in_the_admin_records_each(
    admin_client: Client, root: User, user: User, recording: Recording
) -> None:
    second = make_recording(user, title="Second")
    selected = [recording.pk, second.pk]
    admin_client.post(
        "/admin/transcripts/recording/",
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )
    entries = AuditEntry.objects.order_by("recording_id")
    assert [(e.recording_id, e.recording_title) for e in entries] == [
        (recording.pk, "Budget review"),
        (second.pk, "Second"),
    ]
    assert {(e.action, e.actor_id, e.ip) for e in entries} == {(Action.DELETED, root.pk, ADDRESS)}


# --- Playback -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "starts"),
    [
        (None, True),
        ("", True),
        ("bytes=0-", True),
        ("bytes=0-1", True),
        ("bytes=000-99", True),
        ("bytes=1-", False),
        ("bytes=5000-6000", False),
        ("bytes=-500", False),
        ("bytes=0-10, 20-30", True),  # several ranges: served whole
        ("pages=3-", True),  # not a byte range: served whole
    ],
)
def test_a_playback_starts_with_the_whole_file_or_byte_zero(header: str | None, starts: bool):
    assert starts_playback(header) is starts


@pytest.fixture
def behind_a_proxy(settings) -> dict[str, str]:
    """The address comes from the proxy's header (the async test client has no REMOTE_ADDR)."""
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_COUNT = 1
    return {"X-Forwarded-For": f"198.51.100.1, {ADDRESS}"}


@pytest.fixture
def with_audio(recording: Recording) -> Recording:
    recording.audio = default_storage.save("recordings/test.ogg", ContentFile(AUDIO))
    recording.media_format = "ogg"
    recording.save()
    return recording


async def played(client: AsyncClient, path: str, headers: dict[str, str]) -> int:
    response = await client.get(path, headers=headers)
    if response.status_code in (200, 206):
        b"".join([chunk async for chunk in response.streaming_content])
    return response.status_code


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("headers", "status", "entries"),
    [({}, 200, 1), ({"Range": "bytes=0-"}, 206, 1), ({"Range": "bytes=4000-"}, 206, 0)],
)
async def test_playing_writes_one_entry_and_a_mid_file_range_none(
    user: User,
    with_audio: Recording,
    behind_a_proxy: dict,
    headers: dict,
    status: int,
    entries: int,
) -> None:
    client = AsyncClient()
    await client.aforce_login(user)
    path = f"/recordings/{with_audio.pk}/audio/"
    assert await played(client, path, behind_a_proxy | headers) == status
    written = [e async for e in AuditEntry.objects.all()]
    assert len(written) == entries
    for entry in written:
        assert_entry(entry, Action.PLAYED, user, with_audio.pk)


@pytest.mark.django_db(transaction=True)
async def test_playing_through_the_api_is_recorded(
    user: User, with_audio: Recording, behind_a_proxy: dict
) -> None:
    _, token = await token_create_async(user)
    headers = behind_a_proxy | {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/recordings/{with_audio.pk}/audio"
    assert await played(AsyncClient(), path, headers) == 200
    assert await played(AsyncClient(), path, headers | {"Range": "bytes=9-"}) == 206
    written = [e async for e in AuditEntry.objects.all()]
    assert len(written) == 1
    assert_entry(written[0], Action.PLAYED, user, with_audio.pk)


async def token_create_async(user: User) -> tuple[object, str]:
    return await sync_to_async(token_create)(
        user=user, name="player", scopes=["read"], expires_at=None
    )

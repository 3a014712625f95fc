"""A team's library: saving to a team, sharing with people and teams, editors' corrections,
history tabs and filters, tags, search over everything a person may read, following live."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from teams.models import Preferences
from teams.selectors import preferences_of
from teams.services import member_remove
from tests.audio import utterances
from tests.conftest import session_cookie
from tests.factories import make_recording, make_segment, make_team, make_user
from tests.fake_deepgram import FakeDeepgram
from tests.sockets import Closed, RecordSocket, WatchSocket
from tests.uploading import SPEECH_WAV, start, upload
from transcripts.library import destination_for
from transcripts.models import Recording, RecordingShare, RecordingTag, Segment
from transcripts.search import selectors as search
from transcripts.sharing import services as sharing

pytestmark = pytest.mark.django_db


def logged_in_as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def found(user: User, text: str) -> list[str]:
    """Titles of the recordings whose segments match `text` for `user`, best first."""
    result = search.search_segments(
        user=user,
        query=search.parse_query(text),
        filters=search.SearchFilters(),
        limit=50,
        offset=0,
    )
    return [hit.recording_title for hit in result.hits]


# --- Sharing from the transcript page ------------------------------------------------------


def test_the_owner_shares_with_a_person_and_a_team_and_changes_roles() -> None:
    alice, bob, carol = make_user("alice"), make_user("bob", email="bob@example.com"), make_user()
    team = make_team("Sales", admins=(alice,), members=(carol,))
    recording = make_recording(alice)
    owner = logged_in_as(alice)
    page = f"/recordings/{recording.pk}/"
    owner.post(f"{page}shares/", {"person": "BOB@example.com", "role": "viewer"})
    owner.post(f"{page}shares/", {"team": str(team.pk), "role": "editor"})
    shares = {(s.user_id, s.team_id): s for s in RecordingShare.objects.filter(recording=recording)}
    assert {key: share.role for key, share in shares.items()} == {
        (bob.pk, None): "viewer",
        (None, team.pk): "editor",
    }
    bobs = shares[bob.pk, None]
    owner.post(f"{page}shares/{bobs.pk}/", {"role": "editor"})
    assert RecordingShare.objects.get(pk=bobs.pk).role == "editor"
    owner.post(f"{page}shares/{bobs.pk}/", {"remove": "1"})
    assert not RecordingShare.objects.filter(pk=bobs.pk).exists()
    assert logged_in_as(bob).get(page).status_code == 404
    assert logged_in_as(carol).get(page).status_code == 200


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"person": "nobody-here", "role": "viewer"}, "Nobody called"),
        ({"person": "alice", "role": "viewer"}, "your own recording"),
        ({"person": "", "role": "viewer"}, "Enter a person"),
        ({"person": "bob", "role": "owner"}, "Choose viewer or editor"),
        ({"team": "999", "role": "viewer"}, "a team you belong to"),
        ({"team": "x", "role": "viewer"}, "team must be a whole number"),
    ],
)
def test_sharing_mistakes_are_said_and_change_nothing(fields: dict[str, str], problem: str) -> None:
    alice = make_user("alice")
    make_user("bob")
    recording = make_recording(alice)
    owner = logged_in_as(alice)
    response = owner.post(f"/recordings/{recording.pk}/shares/", fields, follow=True)
    assert problem in response.content.decode()
    assert not RecordingShare.objects.exists()


def test_an_editor_corrects_names_and_tags_one_transcript_a_viewer_only_reads() -> None:
    alice, bob, vera = make_user("alice"), make_user("bob"), make_user("vera")
    recording = make_recording(alice)
    make_segment(recording, 0, text="Welcome to Quarvacks.", speaker=0)
    sharing.share_with_person(recording=recording, username="bob", role="editor")
    sharing.share_with_person(recording=recording, username="vera", role="viewer")
    editor, viewer = logged_in_as(bob), logged_in_as(vera)
    base = f"/recordings/{recording.pk}"
    assert editor.post(f"{base}/segments/0/", {"text": "Welcome to Quarvex."}).status_code == 302
    assert editor.post(f"{base}/speakers/0/", {"name": "Alice"}).status_code == 302
    assert editor.post(f"{base}/tags/", {"tags": "Planning, q3 , planning"}).status_code == 302
    assert editor.post(f"{base}/rename/", {"title": "Kick-off"}).status_code == 302
    recording.refresh_from_db()
    assert Segment.objects.get(recording=recording).text == "Welcome to Quarvex."
    assert recording.speaker_names == {"0": "Alice"}
    assert recording.title == "Kick-off"
    assert sorted(recording.tags.values_list("name", flat=True)) == ["planning", "q3"]
    page = viewer.get(f"{base}/").content.decode()
    assert "Quarvex." in page
    assert "Quarvacks" not in page
    assert "shared with you as viewer" in page
    assert "edit-segment" not in page
    assert 'action="/recordings/' not in page.split("Tags")[1].split("</section>")[0]
    assert editor.post(f"{base}/delete/").status_code == 404
    assert editor.post(f"{base}/shares/", {"person": "vera", "role": "editor"}).status_code == 404


def test_the_owner_can_forbid_exports_for_viewers() -> None:
    alice, vera, eddie = make_user("alice"), make_user("vera"), make_user("eddie")
    recording = make_recording(alice)
    make_segment(recording, 0)
    sharing.share_with_person(recording=recording, username="vera", role="viewer")
    sharing.share_with_person(recording=recording, username="eddie", role="editor")
    export = f"/recordings/{recording.pk}/export/txt/"
    assert logged_in_as(vera).get(export).status_code == 200
    logged_in_as(alice).post(f"/recordings/{recording.pk}/viewer-exports/", {"allowed": "0"})
    assert logged_in_as(vera).get(export).status_code == 404
    assert (
        "turned off exports"
        in logged_in_as(vera).get(f"/recordings/{recording.pk}/").content.decode()
    )
    assert logged_in_as(eddie).get(export).status_code == 200
    assert logged_in_as(alice).get(export).status_code == 200


# --- Saving to a team --------------------------------------------------------------------


@pytest.mark.parametrize("to_team", [False, True])
def test_the_destination_is_remembered_and_only_written_when_it_changes(to_team: bool) -> None:
    """Every meeting starts by looking up where it goes; most go where the last one went."""
    alice = make_user("alice")
    team = make_team("Sales", admins=(alice,))
    team_id = team.pk if to_team else None
    other = None if to_team else team.pk
    with CaptureQueriesContext(connection) as first:
        destination_for(user=alice, team_id=team_id)
    assert preferences_of(user=alice).save_to_id == team_id
    # Only the owner's, never chosen before, is the default: nothing to write.
    written = [query for query in first if not query["sql"].startswith("SELECT")]
    assert bool(written) == to_team
    with CaptureQueriesContext(connection) as queries:
        again = destination_for(user=alice, team_id=team_id)
    assert again.team == (team if to_team else None)
    assert not [query for query in queries if not query["sql"].startswith("SELECT")]
    destination_for(user=alice, team_id=other)
    assert preferences_of(user=alice).save_to_id == other


def test_an_upload_saved_to_a_team_is_the_teams_and_the_choice_is_remembered(
    deepgram: FakeDeepgram,
) -> None:
    alice, carol = make_user("alice"), make_user("carol")
    team = make_team("Sales", admins=(alice,), members=(carol,))
    team.glossary = ["Quarvex", "Nimbalo"]
    team.save()
    client = logged_in_as(alice)
    answer = upload(client, SPEECH_WAV.read_bytes(), team=team.pk)
    assert answer.status == 201, answer
    recording = Recording.objects.get()
    assert recording.team == team
    assert recording.options["glossary"] == ["Quarvex", "Nimbalo"]
    assert recording.options["glossary_from"] == "Sales"
    assert RecordingShare.objects.get(recording=recording, team=team).role == "editor"
    assert Preferences.objects.get(user=alice).save_to == team
    assert "selected>Sales</option>" in client.get("/upload/").content.decode()
    assert logged_in_as(carol).get(f"/recordings/{recording.pk}/").status_code == 200


def test_an_upload_cannot_be_saved_to_someone_elses_team(deepgram: FakeDeepgram) -> None:
    alice = make_user("alice")
    team = make_team("Sales", admins=(make_user(),))
    answer = start(logged_in_as(alice), filename="memo.wav", size=1000, team=team.pk)
    assert answer.status == 400
    assert "team you belong to" in answer.body["error"]
    answer = start(logged_in_as(alice), filename="memo.wav", size=1000, team="1")
    assert answer.status == 400


def test_own_recordings_use_their_owners_glossary(deepgram: FakeDeepgram) -> None:
    alice = make_user("alice")
    Preferences.objects.create(user=alice, glossary=["Parley"])
    assert upload(logged_in_as(alice), SPEECH_WAV.read_bytes()).status == 201
    recording = Recording.objects.get()
    assert (recording.team, recording.options["glossary"]) == (None, ["Parley"])
    page = logged_in_as(alice).get(f"/recordings/{recording.pk}/").content.decode()
    assert "Glossary: the owner's own (1 term: Parley)" in page


@pytest.mark.django_db(transaction=True)
async def test_a_live_recording_saved_to_a_team_and_a_refused_team(
    deepgram: FakeDeepgram,
) -> None:
    alice = await sync_to_async(make_user)("alice")
    team = await sync_to_async(make_team)("Sales", admins=(alice,))
    team.glossary = ["Quarvex", "Acme Cloud"]
    await team.asave()
    other = await sync_to_async(make_team)("Other", admins=(await sync_to_async(make_user)(),))
    cookie = await sync_to_async(session_cookie)(alice)
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    recording_id = await socket.start(title="Standup", team=team.pk)
    await socket.stop()
    recording = await Recording.objects.select_related("team").aget(pk=recording_id)
    assert recording.team == team
    assert deepgram.connections[-1].query["keyterm"] == ["Quarvex", "Acme Cloud"]
    assert recording.options["glossary_from"] == "Sales"
    refused = RecordSocket(cookie=cookie)
    assert await refused.connect()
    await refused.send({"type": "start", "team": other.pk})
    error = await refused.expect_error_and_close(4400)
    assert "team you belong to" in error["message"]
    for bad in ("1", True, -1, 2**70):
        socket = RecordSocket(cookie=cookie)
        assert await socket.connect()
        await socket.send({"type": "start", "team": bad})
        await socket.expect_error_and_close(4400)


@pytest.mark.django_db(transaction=True)
async def test_a_resumed_recording_keeps_its_glossary(deepgram: FakeDeepgram) -> None:
    alice = await sync_to_async(make_user)("alice")
    await Preferences.objects.acreate(user=alice, glossary=["Nimbalo"])
    cookie = await sync_to_async(session_cookie)(alice)
    first = RecordSocket(cookie=cookie)
    assert await first.connect()
    recording_id = await first.start(title="Standup")
    await first.disconnect()  # the page lost its socket: the recording is interrupted
    second = RecordSocket(cookie=cookie)
    assert await second.connect()
    await second.send({"type": "resume", "recording": recording_id})
    await second.expect("resumed")
    await second.stop()
    queries = [connection.query.get("keyterm") for connection in deepgram.connections]
    assert queries[-1] == ["Nimbalo"]
    assert len([query for query in queries if query == ["Nimbalo"]]) >= 2


# --- History ---------------------------------------------------------------------------


def titles(client: Client, query: str = "") -> list[str]:
    page = client.get(f"/recordings/?{query}")
    assert page.status_code == 200, page.content.decode()[:500]
    return [r.title for r in page.context["page"].object_list]


def test_history_tabs_show_mine_shared_and_each_team() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    sales = make_team("Sales", admins=(alice,), members=(bob,))
    make_recording(alice, title="Alice alone")
    teams_one = make_recording(bob, title="Bob to Sales")
    sharing.share_with_team(recording=teams_one, team_id=sales.pk, role="viewer")
    direct = make_recording(bob, title="Bob to Alice")
    sharing.share_with_person(recording=direct, username="alice", role="viewer")
    make_recording(bob, title="Bob private")
    client = logged_in_as(alice)
    assert sorted(titles(client)) == ["Alice alone", "Bob to Alice", "Bob to Sales"]
    assert titles(client, "view=mine") == ["Alice alone"]
    assert sorted(titles(client, "view=shared")) == ["Bob to Alice", "Bob to Sales"]
    assert titles(client, f"view=team-{sales.pk}") == ["Bob to Sales"]
    assert client.get("/recordings/?view=team-99999").status_code == 400
    assert titles(client, "owner=BOB&sort=title") == ["Bob to Alice", "Bob to Sales"]


def test_a_tag_filters_history_in_one_click_and_shows_everywhere() -> None:
    alice = make_user("alice")
    tagged = make_recording(alice, title="Tagged")
    make_recording(alice, title="Plain")
    RecordingTag.objects.create(recording=tagged, name="budget")
    client = logged_in_as(alice)
    page = client.get("/recordings/").content.decode()
    assert 'href="?view=all&amp;tag=budget"' in page
    assert titles(client, "view=all&tag=budget") == ["Tagged"]
    exported = json.loads(client.get(f"/recordings/{tagged.pk}/export/json/").content)
    assert exported["recording"]["tags"] == ["budget"]
    assert "Tags: budget" in client.get(f"/recordings/{tagged.pk}/export/txt/").content.decode()


def test_history_takes_the_same_queries_with_shared_and_team_recordings(
    django_assert_num_queries,
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    team = make_team("Sales", admins=(alice,), members=(bob,))
    client = logged_in_as(alice)

    def add_some() -> None:
        mine = make_recording(alice)
        RecordingTag.objects.create(recording=mine, name=f"t{mine.pk}")
        theirs = make_recording(bob)
        make_segment(theirs, 0)
        sharing.share_with_team(recording=theirs, team_id=team.pk, role="viewer")

    add_some()
    with django_assert_num_queries(8) as few:  # 6, and the nav's review notices and link
        client.get("/recordings/")
    for _ in range(12):
        add_some()
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/recordings/")


# --- Search ----------------------------------------------------------------------------


def test_a_team_member_finds_a_teammates_shared_recording_until_leaving() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    team = make_team("Sales", admins=(alice,), members=(bob,))
    recording = make_recording(alice, title="Pipeline review")
    make_segment(recording, 0, text="The pipeline for Quarvex looks strong.")
    assert found(bob, "quarvex") == []
    sharing.share_with_team(recording=recording, team_id=team.pk, role="viewer")
    assert found(bob, "quarvex") == ["Pipeline review"]
    make_segment(recording, 1, text="Quarvex again, said after sharing.")
    assert len(found(bob, "quarvex")) == 2
    member_remove(team=team, user_id=bob.pk)
    assert found(bob, "quarvex") == []
    assert len(found(alice, "quarvex")) == 2


def test_a_viewer_never_finds_an_unshared_recording_of_the_same_owner() -> None:
    alice, vera = make_user("alice"), make_user("vera")
    shared = make_recording(alice, title="Shared")
    make_segment(shared, 0, text="Roadmap for Nimbalo.")
    private = make_recording(alice, title="Private")
    make_segment(private, 0, text="Nimbalo salaries.")
    sharing.share_with_person(recording=shared, username="vera", role="viewer")
    assert found(vera, "nimbalo") == ["Shared"]
    share = RecordingShare.objects.get(recording=shared)
    sharing.share_remove(recording=shared, share_id=share.pk)
    assert found(vera, "nimbalo") == []
    assert sorted(found(alice, "nimbalo")) == ["Private", "Shared"]


def test_search_takes_tag_and_owner_filters() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    team = make_team("Sales", admins=(alice,), members=(bob,))
    mine = make_recording(alice, title="Alice's")
    make_segment(mine, 0, text="Forecast numbers.")
    RecordingTag.objects.create(recording=mine, name="q3 plan")
    theirs = make_recording(bob, title="Bob's")
    make_segment(theirs, 0, text="Forecast numbers too.")
    sharing.share_with_team(recording=theirs, team_id=team.pk, role="viewer")
    assert sorted(found(alice, "forecast")) == ["Alice's", "Bob's"]
    assert found(alice, 'forecast tag:"Q3 plan"') == ["Alice's"]
    assert found(alice, "forecast owner:bob") == ["Bob's"]
    assert found(alice, "forecast owner:carol") == []
    page = logged_in_as(alice).get("/search/", {"q": "forecast owner:bob"}).content.decode()
    assert "Bob&#x27;s" in page
    assert "Alice&#x27;s" not in page


def test_deleting_a_shared_recording_leaves_a_clean_index() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    recording = make_recording(alice)
    make_segment(recording, 0, text="Ephemeral words.")
    sharing.share_with_person(recording=recording, username="bob", role="viewer")
    logged_in_as(alice).post(f"/recordings/{recording.pk}/delete/")
    assert found(bob, "ephemeral") == []
    again = make_recording(alice)
    make_segment(again, 0, text="Ephemeral words.")
    assert len(found(alice, "ephemeral")) == 1


# --- Following live ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_team_member_follows_a_live_recording_until_removed(
    deepgram: FakeDeepgram,
) -> None:
    alice, bob = await sync_to_async(make_user)("alice"), await sync_to_async(make_user)("bob")
    team = await sync_to_async(make_team)("Sales", admins=(alice,), members=(bob,))
    owner = RecordSocket(cookie=await sync_to_async(session_cookie)(alice))
    assert await owner.connect()
    recording_id = await owner.start(title="Standup", team=team.pk)
    viewer = WatchSocket(
        f"recording/{recording_id}", cookie=await sync_to_async(session_cookie)(bob)
    )
    assert await viewer.connect()
    await owner.send_audio(utterances(1))
    said = await owner.finals(1)
    assert [await viewer.expect("final")] == said
    await database_sync_to_async(member_remove)(team=team, user_id=bob.pk)
    while (message := await viewer.next()) != {"type": "revoked"}:
        # A final saved as the viewer joined may come twice (the page keys them by id).
        assert isinstance(message, dict)
        assert message in said or message["type"] == "interim", message
    assert await viewer.next() == Closed(1000)
    await owner.stop()
    await owner.disconnect()
    await viewer.disconnect()


def test_the_follow_page_is_for_people_it_is_shared_with() -> None:
    alice, bob, eve = make_user("alice"), make_user("bob"), make_user("eve")
    recording = make_recording(alice, status=Recording.Status.LIVE, title="Board")
    make_segment(recording, 0, text="First words.")
    sharing.share_with_person(recording=recording, username="bob", role="viewer")
    page = logged_in_as(bob).get(f"/recordings/{recording.pk}/live/").content.decode()
    assert f'data-socket-path="/ws/watch/recording/{recording.pk}/"' in page
    assert "First words." in page
    history = logged_in_as(bob).get("/recordings/").content.decode()
    assert f"/recordings/{recording.pk}/live/" in history
    assert logged_in_as(eve).get(f"/recordings/{recording.pk}/live/").status_code == 404
    detail = json.dumps(logged_in_as(bob).get(f"/recordings/{recording.pk}/").status_code)
    assert detail == "200"


def test_staff_share_and_unshare_in_the_admin_and_search_follows() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    staff = make_user("boss", is_staff=True, is_superuser=True)
    team = make_team("Sales", admins=(alice,), members=(bob,))
    recording = make_recording(alice, title="Board")
    make_segment(recording, 0, text="Zeppelin budget.")
    admin = logged_in_as(staff)
    url = f"/admin/transcripts/recording/{recording.pk}/change/"
    form = admin.get(url).context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data |= {"owner": alice.pk, "title": "Board", "started_at_0": "2026-12-01"}
    data |= {"started_at_1": "10:00:00", "status": "completed", "source": "live"}
    for prefix in ("shares", "tags", "jobs", "segments"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    data |= {"shares-TOTAL_FORMS": "1", "shares-0-team": team.pk, "shares-0-role": "viewer"}
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert found(bob, "zeppelin") == ["Board"]

"""Marks: bookmarks, action items and decisions made while a meeting runs, who may make and
change them, and everyone following hears of them live."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from tests.conftest import session_cookie
from tests.factories import make_recording, make_segment, make_team, make_user
from tests.sockets import WatchSocket
from transcripts.marks.services import mark_add
from transcripts.models import MAX_MARKS_PER_RECORDING, Mark, Recording, RecordingShare

pytestmark = pytest.mark.django_db

LIVE = Recording.Status.LIVE


class Meeting:
    """Alice's meeting, shared with bob as a viewer and carol as an editor; dave is outside."""

    def __init__(self, **fields: object) -> None:
        self.alice, self.bob = make_user("alice"), make_user("bob")
        self.carol, self.dave = make_user("carol"), make_user("dave")
        self.recording = make_recording(self.alice, duration=60.0, **fields)
        for user, role in ((self.bob, "viewer"), (self.carol, "editor")):
            RecordingShare.objects.create(recording=self.recording, user=user, role=role)

    def client(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def post(self, user: User, suffix: str = "", **fields: object) -> dict[str, object]:
        answer = self.client(user).post(
            f"/recordings/{self.recording.pk}/marks/{suffix}",
            fields,
            headers={"Accept": "application/json"},
        )
        if answer.status_code == 404:  # like a missing recording: the plain not-found page
            return {"status": 404}
        return {"status": answer.status_code, **answer.json()}


@pytest.fixture
def meeting() -> Meeting:
    return Meeting()


@pytest.mark.parametrize("who", ["alice", "bob", "carol"])
def test_anyone_who_sees_the_recording_marks_a_moment(meeting: Meeting, who: str) -> None:
    answer = meeting.post(getattr(meeting, who), kind="action", at="12.5", note=" Send  it ")
    assert answer == {
        "status": 201, "type": "mark", "mark": answer["mark"], "kind": "action",
        "kind_label": "Action item", "at": 12.5, "note": "Send it", "author": who, "done": False,
    }  # fmt: skip
    mark = Mark.objects.get()
    assert (mark.author.username, mark.at, mark.recording_id) == (who, 12.5, meeting.recording.pk)


def test_someone_outside_gets_404_and_nothing_is_marked(meeting: Meeting) -> None:
    assert meeting.post(meeting.dave, kind="bookmark", at="1")["status"] == 404
    assert not Mark.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "reminder", "at": "1"}, "A mark is a bookmark, an action item or a decision."),
        ({"kind": "", "at": "1"}, "A mark is a bookmark, an action item or a decision."),
        ({"kind": "bookmark", "at": "soon"}, "Say when, in seconds from the start."),
        ({"kind": "bookmark", "at": "nan"}, "Say when, in seconds from the start."),
        ({"kind": "bookmark", "at": "inf"}, "Say when, in seconds from the start."),
        ({"kind": "bookmark"}, "Say when, in seconds from the start."),
        ({"kind": "bookmark", "at": "-1"}, "That moment is not in the recording."),
        ({"kind": "bookmark", "at": "65.1"}, "That moment is not in the recording."),
        ({"kind": "bookmark", "at": "1", "note": "x" * 201},
         "A mark's note has at most 200 characters."),
    ],
)  # fmt: skip
def test_a_bad_mark_is_refused_in_words(
    meeting: Meeting, fields: dict[str, str], message: str
) -> None:
    assert meeting.post(meeting.alice, **fields) == {"status": 400, "error": message}
    assert not Mark.objects.exists()


def test_a_live_meeting_is_marked_up_to_now_though_its_length_is_not_known_yet() -> None:
    meeting = Meeting(status=LIVE, started_at=timezone.now() - timedelta(seconds=90))
    Recording.objects.filter(pk=meeting.recording.pk).update(duration=0.0)
    assert meeting.post(meeting.bob, kind="decision", at="88")["status"] == 201
    assert meeting.post(meeting.bob, kind="decision", at="200")["status"] == 400


def test_a_recording_keeps_a_bounded_number_of_marks(meeting: Meeting) -> None:
    Mark.objects.bulk_create(
        Mark(recording=meeting.recording, kind="bookmark", at=1.0, author=meeting.alice)
        for _ in range(MAX_MARKS_PER_RECORDING)
    )
    answer = meeting.post(meeting.alice, kind="bookmark", at="2")
    assert answer == {"status": 409, "error": "A recording keeps at most 500 marks."}


def test_a_plain_form_gets_a_message_and_goes_back_to_the_recording(meeting: Meeting) -> None:
    client = meeting.client(meeting.alice)
    answer = client.post(
        f"/recordings/{meeting.recording.pk}/marks/", {"kind": "decision", "at": "3"}, follow=True
    )
    assert answer.redirect_chain[-1][0] == f"/recordings/{meeting.recording.pk}/"
    assert "Decision marked." in answer.content.decode()


def make_mark(meeting: Meeting, kind: str = "action", by: User | None = None) -> Mark:
    return mark_add(recording=meeting.recording, by=by or meeting.bob, kind=kind, at=5.0)


@pytest.mark.parametrize(
    ("who", "status"), [("alice", 200), ("carol", 200), ("bob", 404), ("dave", 404)]
)
def test_owners_and_editors_tick_an_action_item_done_and_open_it_again(
    meeting: Meeting, who: str, status: int
) -> None:
    mark = make_mark(meeting)
    answer = meeting.post(getattr(meeting, who), f"{mark.pk}/done/", done="1")
    assert answer["status"] == status
    mark.refresh_from_db()
    assert (mark.done_at is not None) == (status == 200)
    if status == 200:
        assert answer["done"] is True
        assert meeting.post(getattr(meeting, who), f"{mark.pk}/done/", done="0")["done"] is False
        mark.refresh_from_db()
        assert (mark.done_at, mark.done_by) == (None, None)


def test_only_action_items_are_ticked_done(meeting: Meeting) -> None:
    mark = make_mark(meeting, kind="decision")
    answer = meeting.post(meeting.alice, f"{mark.pk}/done/", done="1")
    assert answer == {"status": 409, "error": "Only action items are ticked done."}


def test_only_its_author_writes_a_marks_note(meeting: Meeting) -> None:
    mark = make_mark(meeting, by=meeting.bob)
    assert (
        meeting.post(meeting.bob, f"{mark.pk}/note/", note="Budget by Friday")["note"]
        == "Budget by Friday"
    )
    refused = meeting.post(meeting.alice, f"{mark.pk}/note/", note="Mine now")
    assert refused == {
        "status": 409,
        "error": "Only the person who made a mark can change its note.",
    }
    mark.refresh_from_db()
    assert mark.note == "Budget by Friday"


@pytest.mark.parametrize(
    ("who", "status"), [("bob", 200), ("carol", 200), ("alice", 200), ("dave", 404)]
)
def test_a_mark_is_removed_by_its_author_or_the_recordings_editors(
    meeting: Meeting, who: str, status: int
) -> None:
    mark = make_mark(meeting, by=meeting.bob)
    assert meeting.post(getattr(meeting, who), f"{mark.pk}/remove/")["status"] == status
    assert Mark.objects.filter(pk=mark.pk).exists() == (status != 200)


def test_a_viewer_cannot_remove_someone_elses_mark(meeting: Meeting) -> None:
    mark = make_mark(meeting, by=meeting.carol)
    assert meeting.post(meeting.bob, f"{mark.pk}/remove/")["status"] == 404
    assert Mark.objects.filter(pk=mark.pk).exists()


def test_a_mark_of_another_recording_is_404(meeting: Meeting) -> None:
    elsewhere = make_recording(meeting.alice, duration=60.0)
    other = mark_add(recording=elsewhere, by=meeting.alice, kind="action", at=1.0)
    assert meeting.post(meeting.alice, f"{other.pk}/done/")["status"] == 404


def test_the_pages_carry_the_marks_and_offer_marking_where_it_belongs(meeting: Meeting) -> None:
    make_mark(meeting)
    recording = meeting.recording
    detail = meeting.client(meeting.bob).get(f"/recordings/{recording.pk}/").content.decode()
    assert 'id="marks-data"' in detail
    assert '"kind_label": "Action item"' in detail
    assert "data-mark-kind" not in detail  # marks are made while the meeting runs
    assert 'id="mark-timeline"' not in detail  # no audio stored in this recording
    follow = meeting.client(meeting.bob).get(f"/recordings/{recording.pk}/live/").content.decode()
    assert 'data-mark-kind="action"' in follow
    record = meeting.client(meeting.alice).get("/record/").content.decode()
    assert 'aria-keyshortcuts="D"' in record


def test_a_recording_without_marks_shows_no_marks_card(meeting: Meeting) -> None:
    page = (
        meeting.client(meeting.alice).get(f"/recordings/{meeting.recording.pk}/").content.decode()
    )
    assert 'id="marks"' not in page


@pytest.mark.django_db(transaction=True)
async def test_someone_following_live_hears_of_a_mark_and_of_its_note() -> None:
    alice, bob = await sync_to_async(make_user)("alice"), await sync_to_async(make_user)("bob")
    team = await sync_to_async(make_team)("Sales", admins=(alice,), members=(bob,))
    recording = await sync_to_async(make_recording)(alice, status=LIVE, team=team)
    await RecordingShare.objects.acreate(recording=recording, team=team, role="editor")
    await sync_to_async(make_segment)(recording, 0)
    viewer = WatchSocket(
        f"recording/{recording.pk}", cookie=await sync_to_async(session_cookie)(bob)
    )
    assert await viewer.connect()
    await viewer.expect("final")  # in the viewers' group from here on
    mark = await sync_to_async(mark_add)(recording=recording, by=alice, kind="decision", at=0.5)
    heard = await viewer.expect("mark")
    assert (heard["mark"], heard["kind"], heard["author"], heard["note"]) == (
        mark.pk,
        "decision",
        "alice",
        "",
    )
    await viewer.disconnect()

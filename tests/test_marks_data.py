"""Marks in what leaves a recording's page: exports (and the API's), search with kind:, and
the history's count of open action items."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
import srt
import webvtt
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from docx import Document

from api.tokens import token_create
from tests.factories import make_recording, make_segment, make_team, make_user
from transcripts.models import Mark, Recording
from transcripts.sharing import services as sharing

pytestmark = pytest.mark.django_db

EXPORTS = ("txt", "srt", "vtt", "json", "docx")


@pytest.fixture
def meeting(user: User) -> Recording:
    recording = make_recording(user, title="Planning", duration=4100.0)
    make_segment(recording, 0, start=0.5, end=1.4, text="Good morning.")
    make_segment(recording, 1, start=65.25, end=68.0, text="The budget is due on Friday.")
    make_segment(recording, 2, start=3725.5, end=3727.0, text="Thanks all.")
    return recording


def add_marks(recording: Recording, alice: User) -> None:
    """A bookmark, two action items (one done, one with an arrow), a decision by Bob."""
    bob = make_user("bob", first_name="Bob", last_name="Stone")
    mark = Mark.objects.create
    mark(recording=recording, kind="decision", at=70.0, note="Ship in May", author=bob)
    mark(recording=recording, kind="bookmark", at=1.0, author=alice)
    mark(recording=recording, kind="action", at=62.0, note="Send the budget --> Ana", author=alice)
    mark(
        recording=recording, kind="action", at=4000.0, note="Book the room", author=alice,
        done_at=timezone.now(), done_by=alice,
    )  # fmt: skip


def download(client: Client, recording: Recording, kind: str, query: str = "") -> bytes:
    response = client.get(f"/recordings/{recording.pk}/export/{kind}/{query}")
    assert response.status_code == 200
    return response.content


MARK_LINES = [
    "[0:01] Bookmark (by alice)",
    "[1:02] Action item — Send the budget --> Ana (by alice)",
    "[1:10] Decision — Ship in May (by Bob Stone)",
    "[1:06:40] Action item — Book the room (by alice) ✓ done",
]


# --- Exports ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?timestamps=0&speakers=0"])
def test_plain_text_lists_the_marks_in_time_order_after_the_transcript(
    logged_in: Client, user: User, meeting: Recording, query: str
) -> None:
    add_marks(meeting, user)
    lines = download(logged_in, meeting, "txt", query).decode().splitlines()
    marks_at = lines.index("Marks")
    assert lines[marks_at - 1] == ""
    assert lines[marks_at - 2].endswith("Thanks all.")
    assert lines[marks_at + 1 :] == MARK_LINES


def test_docx_has_a_marks_heading_and_a_paragraph_per_mark(
    logged_in: Client, user: User, meeting: Recording
) -> None:
    add_marks(meeting, user)
    paragraphs = Document(io.BytesIO(download(logged_in, meeting, "docx"))).paragraphs
    heading = next(i for i, p in enumerate(paragraphs) if p.text == "Marks")
    assert paragraphs[heading].style.name == "Heading 2"
    assert paragraphs[heading - 1].text.endswith("Thanks all.")
    assert [p.text for p in paragraphs[heading + 1 :]] == MARK_LINES


def test_json_lists_the_marks_at_the_top_level(
    logged_in: Client, user: User, meeting: Recording
) -> None:
    add_marks(meeting, user)
    marks = json.loads(download(logged_in, meeting, "json"))["marks"]
    assert [{k: v for k, v in m.items() if k not in ("id", "done_at")} for m in marks] == [
        {"kind": "bookmark", "at": 1.0, "note": "", "author": "alice", "done": False},
        {"kind": "action", "at": 62.0, "note": "Send the budget --> Ana", "author": "alice",
         "done": False},
        {"kind": "decision", "at": 70.0, "note": "Ship in May", "author": "Bob Stone",
         "done": False},
        {"kind": "action", "at": 4000.0, "note": "Book the room", "author": "alice",
         "done": True},
    ]  # fmt: skip
    done = Mark.objects.get(note="Book the room")
    assert marks[3]["id"] == done.pk
    assert marks[3]["done_at"] == done.done_at.isoformat()  # type: ignore[union-attr]
    assert [m["done_at"] for m in marks[:3]] == [None, None, None]


def test_webvtt_puts_each_mark_as_a_note_among_the_cues_in_time_order(
    logged_in: Client, user: User, meeting: Recording
) -> None:
    add_marks(meeting, user)
    text = download(logged_in, meeting, "vtt").decode()
    captions = webvtt.from_buffer(io.StringIO(text), strict=True)
    assert [caption.text for caption in captions] == [
        "Good morning.",
        "The budget is due on Friday.",
        "Thanks all.",
    ]
    assert captions.header_comments == []
    assert [caption.comments for caption in captions] == [
        [],
        ["Bookmark at 0:01 (by alice)", "Action item at 1:02 — Send the budget → Ana (by alice)"],
        ["Decision at 1:10 — Ship in May (by Bob Stone)"],
    ]
    assert captions.footer_comments == ["Action item at 1:06:40 — Book the room (by alice) ✓ done"]
    assert text.count("-->") == 3  # the cues' timings only


def test_a_mark_before_the_first_words_opens_the_webvtt_file(
    logged_in: Client, user: User, meeting: Recording
) -> None:
    Mark.objects.create(recording=meeting, kind="bookmark", at=0.0, note="Start", author=user)
    captions = webvtt.from_buffer(io.StringIO(download(logged_in, meeting, "vtt").decode()))
    assert captions.header_comments == ["Bookmark at 0:00 — Start (by alice)"]
    assert len(captions) == 3


def test_srt_has_no_marks(logged_in: Client, user: User, meeting: Recording) -> None:
    before = download(logged_in, meeting, "srt")
    add_marks(meeting, user)
    assert download(logged_in, meeting, "srt") == before
    assert len(list(srt.parse(before.decode()))) == 3


def test_without_marks_the_exports_are_as_they_were(
    logged_in: Client, user: User, meeting: Recording
) -> None:
    before = {kind: download(logged_in, meeting, kind) for kind in ("txt", "vtt", "json")}
    docx_before = [
        p.text for p in Document(io.BytesIO(download(logged_in, meeting, "docx"))).paragraphs
    ]
    add_marks(meeting, user)
    Mark.objects.filter(recording=meeting).delete()
    assert {kind: download(logged_in, meeting, kind) for kind in before} == before
    docx = Document(io.BytesIO(download(logged_in, meeting, "docx")))
    assert [p.text for p in docx.paragraphs] == docx_before
    assert "Marks" not in before["txt"].decode()
    assert b"NOTE" not in before["vtt"]
    assert json.loads(before["json"])["marks"] == []


@pytest.mark.parametrize("kind", EXPORTS)
def test_an_export_reads_the_marks_once_however_many_there_are(
    logged_in: Client,
    user: User,
    meeting: Recording,
    kind: str,
    django_assert_num_queries,
    django_assert_max_num_queries,
) -> None:
    add_marks(meeting, user)
    with django_assert_max_num_queries(50) as few:
        download(logged_in, meeting, kind)
    for number in range(10):
        author = make_user(f"writer{number}")
        Mark.objects.create(recording=meeting, kind="action", at=number * 9.0, author=author)
    with django_assert_num_queries(len(few.captured_queries)):
        download(logged_in, meeting, kind)


def test_the_api_export_carries_the_marks_too(user: User, meeting: Recording) -> None:
    add_marks(meeting, user)
    _, token = token_create(user=user, name="script", scopes=["read"], expires_at=None)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    base = f"/api/v1/recordings/{meeting.pk}/export"
    lines = client.get(f"{base}/txt").content.decode().splitlines()
    assert lines[lines.index("Marks") + 1 :] == MARK_LINES
    assert len(json.loads(client.get(f"{base}/json").content)["marks"]) == 4
    assert b"NOTE Decision at 1:10" in client.get(f"{base}/vtt").content
    assert b"Decision" not in client.get(f"{base}/srt").content


# --- Search -----------------------------------------------------------------------------


def marks_found(client: Client, text: str) -> list[str]:
    """The notes (or kinds, for a mark without one) the search page lists, in order."""
    response = client.get("/search/", {"q": text})
    assert response.status_code == 200
    hits = response.context["marks_result"].hits
    return [hit.mark.note or hit.mark.get_kind_display() for hit in hits]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("kind:action", ["Send the budget --> Ana", "Book the room"]),
        ("kind:actions", ["Send the budget --> Ana", "Book the room"]),
        ("kind:decision", ["Ship in May"]),
        ("kind:bookmark", ["Bookmark"]),
        ("KIND:Open", ["Send the budget --> Ana"]),
        ("kind:marks", ["Bookmark", "Send the budget --> Ana", "Ship in May", "Book the room"]),
        ("kind:decision kind:bookmark", ["Bookmark", "Ship in May"]),
        ("kind:action budget", ["Send the budget --> Ana"]),  # in the note
        ("kind:marks friday", ["Ship in May"]),  # said then
        ("kind:marks morning", ["Bookmark", "Send the budget --> Ana"]),
        ('kind:marks "in may"', ["Ship in May"]),
        ("kind:action -budget", ["Book the room"]),
        ("kind:bookmark -budget", ["Bookmark"]),
        ("kind:decision budget", ["Ship in May"]),
        ("kind:decision -friday", []),
        ("kind:marks zebrafish", []),
    ],
)
def test_kind_finds_the_marks_of_that_kind_narrowed_by_the_words(
    logged_in: Client, user: User, meeting: Recording, text: str, found: list[str]
) -> None:
    add_marks(meeting, user)
    assert marks_found(logged_in, text) == found


def test_a_found_mark_links_to_its_moment_with_what_it_is(
    logged_in: Client, user: User, meeting: Recording
) -> None:
    add_marks(meeting, user)
    page = logged_in.get("/search/", {"q": "kind:action"}).content.decode()
    assert (
        f'href="/recordings/{meeting.pk}/?t=62.0">Planning <span class="hit-time">at 1:02' in page
    )
    assert "Send the budget --&gt; Ana" in page
    assert "2 marks found" in page
    assert "✓ </span>Done" in page
    assert ">Open<" in page
    assert "by alice" in page
    assert "Recordings with this in their title" not in page


def test_marks_come_newest_recording_first(logged_in: Client, user: User) -> None:
    for title, days_ago in [("Older", 3), ("Newest", 0), ("Middle", 1)]:
        recording = make_recording(
            user, title=title, started_at=timezone.now() - timedelta(days=days_ago)
        )
        Mark.objects.create(recording=recording, kind="decision", at=1.0, note=title, author=user)
    assert marks_found(logged_in, "kind:decision") == ["Newest", "Middle", "Older"]


def test_nobody_finds_marks_on_recordings_they_may_not_see(
    logged_in: Client, user: User, meeting: Recording
) -> None:
    carol = make_user("carol")
    theirs = make_recording(carol, title="Secret plans")
    make_segment(theirs, 0, text="The budget is secret.")
    Mark.objects.create(
        recording=theirs, kind="action", at=0.5, note="Hide the budget", author=carol
    )
    assert marks_found(logged_in, "kind:action budget") == []
    team = make_team(admins=(carol,), members=(user,))
    sharing.share_with_team(recording=theirs, team_id=team.pk, role="viewer")
    assert marks_found(logged_in, "kind:action budget") == ["Hide the budget"]


def test_tags_and_owners_narrow_the_marks(
    logged_in: Client, user: User, meeting: Recording
) -> None:
    add_marks(meeting, user)
    assert marks_found(logged_in, "kind:decision owner:alice") == ["Ship in May"]
    assert marks_found(logged_in, "kind:decision owner:bob") == []
    assert marks_found(logged_in, "kind:decision tag:q3") == []


@pytest.mark.parametrize("text", ["kind:meeting", "kind:action kind:todo budget", 'kind:"<b>"'])
def test_an_unknown_kind_is_answered_with_a_message(logged_in: Client, text: str) -> None:
    response = logged_in.get("/search/", {"q": text})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is no kind" in page
    assert "kind:action, kind:decision, kind:bookmark" in page
    assert "<b>" not in page.split("There is no kind")[1][:80]


def test_the_api_search_refuses_kind(user: User) -> None:
    _, token = token_create(user=user, name="script", scopes=["read"], expires_at=None)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    response = client.get("/api/v1/search", {"q": "kind:action budget"})
    assert response.status_code == 400


def test_searching_marks_takes_the_same_queries_for_any_amount(
    logged_in: Client,
    user: User,
    meeting: Recording,
    django_assert_num_queries,
    django_assert_max_num_queries,
) -> None:
    add_marks(meeting, user)
    with django_assert_max_num_queries(50) as few:
        logged_in.get("/search/", {"q": "kind:marks"})
    for number in range(10):
        recording = make_recording(make_user() if number % 2 else user)
        make_segment(recording, 0)
        if recording.owner != user:
            sharing.share_with_person(recording=recording, username="alice", role="viewer")
        Mark.objects.create(recording=recording, kind="action", at=1.0, author=recording.owner)
    with django_assert_num_queries(len(few.captured_queries)):
        page = logged_in.get("/search/", {"q": "kind:marks"})
    assert page.context["marks_result"].total == 14


# --- History ----------------------------------------------------------------------------


def test_history_shows_each_recordings_open_action_items(
    logged_in: Client, user: User, meeting: Recording
) -> None:
    add_marks(meeting, user)  # one open action item, one done
    Mark.objects.create(recording=meeting, kind="action", at=5.0, author=user)
    quiet = make_recording(user, title="Quiet")
    Mark.objects.create(recording=quiet, kind="decision", at=1.0, author=user)
    single = make_recording(user, title="Single")
    Mark.objects.create(recording=single, kind="action", at=1.0, author=user)
    page = logged_in.get("/recordings/")
    counts = {r.title: r.open_actions for r in page.context["page"].object_list}
    assert counts == {"Planning": 2, "Quiet": 0, "Single": 1}
    html = page.content.decode()
    assert "2 open action items" in html
    assert "1 open action item<" in html
    assert html.count("open action item") == 2


def test_history_takes_the_same_queries_with_marks(
    logged_in: Client, user: User, django_assert_num_queries
) -> None:
    recording = make_recording(user)
    make_segment(recording, 0)
    with django_assert_num_queries(8):  # with the nav's review notices and link
        logged_in.get("/recordings/")
    for _ in range(8):
        recording = make_recording(user)
        make_segment(recording, 0)
        for at in (1.0, 2.0):
            Mark.objects.create(recording=recording, kind="action", at=at, author=user)
    with django_assert_num_queries(8):  # with the nav's review notices and link
        logged_in.get("/recordings/")


def test_the_api_tells_the_open_action_items(user: User, meeting: Recording) -> None:
    add_marks(meeting, user)
    _, token = token_create(user=user, name="script", scopes=["read"], expires_at=None)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    listed = client.get("/api/v1/recordings").json()["items"]
    assert [item["open_actions"] for item in listed] == [1]
    assert client.get(f"/api/v1/recordings/{meeting.pk}").json()["open_actions"] == 1

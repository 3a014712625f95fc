"""Who spoke in a two-channel recording, everywhere it is read: the one labelling rule, the
transcript page, the watch page, every export and search results; segments in time order."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from docx import Document

from tests.factories import make_recording, make_segment
from tests.test_api import call as api_call
from tests.test_api import token_for
from transcripts.models import Recording
from transcripts.segments import speaker_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(user: User) -> Recording:
    """A two-channel meeting whose finals were saved out of time order (channels lag apart)."""
    user.first_name, user.last_name = "Alice", "Owner"
    user.save(update_fields=["first_name", "last_name"])
    recording = make_recording(user, title="Call", options={"channels": 2})
    recording.speaker_names = {"1": "Bea"}
    recording.save(update_fields=["speaker_names"])
    make_segment(recording, 0, start=0.5, end=1.5, text="Hello from my side.", channel=0)
    make_segment(recording, 1, start=4.0, end=5.0, text="Second thought of mine.", channel=0)
    make_segment(recording, 2, start=2.0, end=3.0, text="The budget is approved.", channel=1)
    make_segment(recording, 3, start=6.0, end=7.0, text="Bea agrees here.", channel=1, speaker=1)
    make_segment(recording, 4, start=8.0, end=9.0, text="Someone new joins.", channel=1, speaker=2)
    return recording


IN_TIME = [
    ("Alice Owner", "Hello from my side."),
    ("Others", "The budget is approved."),
    ("Alice Owner", "Second thought of mine."),
    ("Bea", "Bea agrees here."),
    ("Other 3", "Someone new joins."),
]


@pytest.mark.parametrize(
    ("channel", "speaker", "label"),
    [
        (None, None, ""),  # mono, no diarization
        (None, 0, "Speaker 1"),
        (None, 1, "Bea"),
        (0, None, "Alice Owner"),
        (0, 3, "Alice Owner"),  # diarization's numbers are dropped on the microphone
        (1, None, "Others"),
        (1, 1, "Bea"),
        (1, 2, "Other 3"),
    ],
)
def test_the_labelling_rule(
    call: Recording, channel: int | None, speaker: int | None, label: str
) -> None:
    assert speaker_label(call, channel=channel, speaker=speaker) == label


def test_an_owner_without_a_full_name_is_called_by_their_user_name(user: User) -> None:
    recording = make_recording(user, options={"channels": 2})
    assert speaker_label(recording, channel=0, speaker=None) == "alice"


def download(client: Client, recording: Recording, kind: str) -> bytes:
    response = client.get(f"/recordings/{recording.pk}/export/{kind}/")
    assert response.status_code == 200
    return response.content


def test_the_transcript_page_lists_both_sides_in_time_order(
    logged_in: Client, call: Recording
) -> None:
    page = logged_in.get(call.get_absolute_url()).content.decode()
    positions = [page.index(text) for _, text in IN_TIME]
    assert positions == sorted(positions)
    assert 'data-channel="0">Alice Owner</span>' in page
    assert 'data-channel="1">Others</span>' in page


def test_the_text_export_labels_and_orders_both_sides(logged_in: Client, call: Recording) -> None:
    lines = download(logged_in, call, "txt").decode().splitlines()[3:]
    assert [line.split("] ", 1)[1] for line in lines] == [f"{n}: {t}" for n, t in IN_TIME]


def test_the_json_export_gives_each_segment_its_channel_and_label(
    logged_in: Client, call: Recording
) -> None:
    segments = json.loads(download(logged_in, call, "json"))["segments"]
    assert [(s["label"], s["text"]) for s in segments] == IN_TIME
    assert [s["channel"] for s in segments] == [0, 1, 0, 1, 1]


@pytest.mark.parametrize(
    ("kind", "cue"),
    [("srt", "Alice Owner: Hello from my side."), ("vtt", "<v Others>The budget is approved.")],
)
def test_subtitles_name_who_spoke(logged_in: Client, call: Recording, kind: str, cue: str) -> None:
    text = download(logged_in, call, kind).decode()
    assert cue in text
    assert text.index("Hello from my side.") < text.index("The budget") < text.index("Second")


def test_the_word_export_labels_both_sides_in_time_order(
    logged_in: Client, call: Recording
) -> None:
    document = Document(io.BytesIO(download(logged_in, call, "docx")))
    said = [p.text.split("] ", 1)[1] for p in document.paragraphs if p.text.startswith("[")]
    assert said == [f"{n}: {t}" for n, t in IN_TIME]


def test_search_results_say_who_spoke(
    logged_in: Client, call: Recording, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(9):
        page = logged_in.get("/search/", {"q": "budget"}).content.decode()
    assert 'data-channel="1">Others</span>' in page
    mine = logged_in.get("/search/", {"q": "mine"}).content.decode()
    assert 'data-channel="0">Alice Owner</span>' in mine


def test_a_mono_recordings_search_results_carry_no_label(logged_in: Client, user: User) -> None:
    recording = make_recording(user)
    make_segment(recording, 0, text="The budget is approved.", speaker=0)
    page = logged_in.get("/search/", {"q": "budget"}).content.decode()
    assert "data-channel" not in page


def test_the_api_gives_each_segment_its_channel_and_label(user: User, call: Recording) -> None:
    token = token_for(user, ["read"])
    response = api_call("GET", f"/api/v1/recordings/{call.pk}/segments", token)
    assert response.status_code == 200
    segments = response.json()
    assert [(s["channel"], s["label"], s["text"]) for s in segments] == [
        (channel, label, text)
        for channel, (label, text) in zip([0, 1, 0, 1, 1], IN_TIME, strict=True)
    ]


def test_the_others_named_by_diarization_are_renamed_as_others(
    logged_in: Client, call: Recording
) -> None:
    page = logged_in.get(call.get_absolute_url()).content.decode()
    assert '<label for="speaker-2">Other 3</label>' in page
    response = logged_in.post(
        f"/recordings/{call.pk}/speakers/1/", {"name": ""}, headers={"Accept": "application/json"}
    )
    assert response.json()["name"] == "Other 2"


def test_the_kept_live_draft_of_a_two_channel_recording_says_who_spoke(
    logged_in: Client, call: Recording
) -> None:
    call.draft = [
        {"index": 0, "start": 0.5, "end": 1.5, "text": "Draft of mine.", "speaker": 3,
         "channel": 0},
        {"index": 1, "start": 2.0, "end": 3.0, "text": "Draft of theirs.", "speaker": None,
         "channel": 1},
    ]  # fmt: skip
    call.save(update_fields=["draft"])
    page = logged_in.get(f"/recordings/{call.pk}/draft/").content.decode()
    assert page.index("Alice Owner") < page.index("Draft of mine.") < page.index("Others")
    assert "Speaker 4" not in page  # diarization's numbers on the microphone are dropped

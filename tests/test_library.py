"""The transcript library: editing, speaker names, deleting, exports parsed back."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
import srt
import webvtt
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from docx import Document

from tests.factories import make_recording, make_segment
from transcripts.models import Mark, Recording, Segment
from transcripts.search.selectors import SearchFilters, parse_query, search_segments

pytestmark = pytest.mark.django_db

WORDS = [
    {"word": "Good", "start": 0.5, "end": 0.8, "confidence": 0.9, "speaker": 0},
    {"word": "morning.", "start": 0.8, "end": 1.4, "confidence": 0.9, "speaker": 0},
]


@pytest.fixture
def meeting(user: User) -> Recording:
    recording = make_recording(user, title="Design review: Q3 & <beta>")
    make_segment(recording, 0, start=0.5, end=1.4, text="Good morning.", speaker=0, words=WORDS)
    make_segment(recording, 1, start=65.25, end=68.0, text="Let's <begin> & go.", speaker=1)
    make_segment(recording, 2, start=3725.5, end=3727.0, text="Thanks all.", speaker=0)
    return recording


def post_json(client: Client, url: str, **data: str) -> tuple[int, dict]:
    response = client.post(url, data, headers={"Accept": "application/json"})
    return response.status_code, response.json()


# --- Editing ----------------------------------------------------------------------------


def test_a_correction_keeps_the_timings_and_is_searchable_at_once(
    logged_in: Client, user: User, meeting: Recording
) -> None:
    status, body = post_json(
        logged_in, f"/recordings/{meeting.pk}/segments/0/", text="  Good   evening. "
    )
    assert status == 200
    assert body["text"] == "Good evening."
    segment = Segment.objects.get(recording=meeting, index=0)
    assert (segment.text, segment.start, segment.end, segment.edited) == (
        "Good evening.", 0.5, 1.4, True,
    )  # fmt: skip
    assert [(w["word"], w["start"], w["end"]) for w in segment.words] == [
        ("Good", 0.5, 0.8),
        ("evening.", 0.8, 1.4),
    ]
    hits = search_segments(
        user=user, query=parse_query("evening"), filters=SearchFilters(), limit=5, offset=0
    )
    assert [hit.segment_id for hit in hits.hits] == [segment.pk]


def test_a_longer_correction_spreads_its_words_over_the_segment(
    logged_in: Client, meeting: Recording
) -> None:
    post_json(logged_in, f"/recordings/{meeting.pk}/segments/0/", text="A very good morning")
    words = Segment.objects.get(recording=meeting, index=0).words
    assert [w["start"] for w in words] == [0.5, 0.725, 0.95, 1.175]
    assert words[-1]["end"] == 1.4


@pytest.mark.parametrize(("text", "error"), [("   ", "cannot be empty"), ("x" * 5001, "5,000")])
def test_a_bad_correction_is_refused_and_changes_nothing(
    logged_in: Client, meeting: Recording, text: str, error: str
) -> None:
    status, body = post_json(logged_in, f"/recordings/{meeting.pk}/segments/0/", text=text)
    assert status == 400
    assert error in body["error"]
    assert Segment.objects.get(recording=meeting, index=0).text == "Good morning."


def test_naming_a_speaker_names_them_everywhere(logged_in: Client, meeting: Recording) -> None:
    status, body = post_json(logged_in, f"/recordings/{meeting.pk}/speakers/0/", name=" Alice ")
    assert (status, body) == (200, {"speaker": 0, "name": "Alice"})
    page = logged_in.get(f"/recordings/{meeting.pk}/").content.decode()
    assert page.count('data-speaker="0">Alice</span>') == 2
    assert 'data-speaker="1">Speaker 2</span>' in page
    post_json(logged_in, f"/recordings/{meeting.pk}/speakers/0/", name="")
    assert Recording.objects.get(pk=meeting.pk).speaker_names == {}


def test_a_speaker_who_does_not_speak_cannot_be_named(
    logged_in: Client, meeting: Recording
) -> None:
    status, _ = post_json(logged_in, f"/recordings/{meeting.pk}/speakers/7/", name="Ghost")
    assert status == 400


def test_renaming_a_recording(logged_in: Client, meeting: Recording) -> None:
    response = logged_in.post(f"/recordings/{meeting.pk}/rename/", {"title": "  Q3 review "})
    assert response.status_code == 302
    assert Recording.objects.get(pk=meeting.pk).title == "Q3 review"
    logged_in.post(f"/recordings/{meeting.pk}/rename/", {"title": ""})
    assert Recording.objects.get(pk=meeting.pk).title == "Q3 review"


def test_deleting_takes_segments_search_entries_and_audio_with_it(
    logged_in: Client, user: User, meeting: Recording, django_capture_on_commit_callbacks
) -> None:
    name = default_storage.save("recordings/x.ogg", ContentFile(b"OggS audio"))
    Recording.objects.filter(pk=meeting.pk).update(audio=name)
    assert logged_in.get(f"/recordings/{meeting.pk}/delete/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(f"/recordings/{meeting.pk}/delete/")
    assert response.url == "/recordings/"  # type: ignore[attr-defined]
    assert not Recording.objects.filter(pk=meeting.pk).exists()
    assert not Segment.objects.filter(recording_id=meeting.pk).exists()
    assert not default_storage.exists(name)
    hits = search_segments(
        user=user, query=parse_query("morning"), filters=SearchFilters(), limit=5, offset=0
    )
    assert hits.total == 0


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "segments/0/", {"text": "Mine now."}),
        ("post", "speakers/0/", {"name": "Mallory"}),
        ("post", "rename/", {"title": "Stolen"}),
        ("post", "delete/", {}),
        ("get", "export/txt/", {}),
        ("get", "delete/", {}),
    ],
)
def test_nobody_else_can_edit_delete_or_export(
    meeting: Recording, other_user: User, method: str, path: str, data: dict
) -> None:
    client = Client()
    client.force_login(other_user)
    assert getattr(client, method)(f"/recordings/{meeting.pk}/{path}", data).status_code == 404
    assert Recording.objects.get(pk=meeting.pk).title == "Design review: Q3 & <beta>"
    assert Segment.objects.get(recording=meeting, index=0).text == "Good morning."


# --- Exports ----------------------------------------------------------------------------


def download(client: Client, recording: Recording, kind: str, query: str = "") -> bytes:
    response = client.get(f"/recordings/{recording.pk}/export/{kind}/{query}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content


def test_srt_parses_with_names_and_times(logged_in: Client, meeting: Recording) -> None:
    post_json(logged_in, f"/recordings/{meeting.pk}/speakers/0/", name="Alice")
    cues = list(srt.parse(download(logged_in, meeting, "srt").decode()))
    assert [cue.content for cue in cues] == [
        "Alice: Good morning.",
        "Speaker 2: Let's <begin> & go.",
        "Alice: Thanks all.",
    ]
    assert cues[1].start.total_seconds() == 65.25
    assert cues[2].end.total_seconds() == 3727.0


def test_webvtt_parses_with_voice_tags(logged_in: Client, meeting: Recording) -> None:
    post_json(logged_in, f"/recordings/{meeting.pk}/speakers/0/", name="Alice")
    captions = webvtt.from_buffer(io.StringIO(download(logged_in, meeting, "vtt").decode()))
    assert [caption.voice for caption in captions] == ["Alice", "Speaker 2", "Alice"]
    # Cue text keeps VTT's character references (&lt; &amp;); a player decodes them.
    assert [html.unescape(caption.text) for caption in captions] == [
        "Good morning.",
        "Let's <begin> & go.",
        "Thanks all.",
    ]
    assert (captions[2].start, captions[2].end) == ("01:02:05.500", "01:02:07.000")


def test_json_carries_segments_words_and_names(logged_in: Client, meeting: Recording) -> None:
    document = json.loads(download(logged_in, meeting, "json"))
    assert document["recording"]["title"] == "Design review: Q3 & <beta>"
    assert next(s["text"] for s in document["segments"]) == "Good morning."
    assert document["segments"][0]["words"] == WORDS
    assert document["segments"][1]["speaker_name"] == "Speaker 2"


@pytest.mark.parametrize(
    ("query", "first_line"),
    [
        ("", "[0:00] Speaker 1: Good morning."),
        ("?timestamps=0", "Speaker 1: Good morning."),
        ("?timestamps=0&speakers=0", "Good morning."),
    ],
)
def test_plain_text_with_or_without_times_and_names(
    logged_in: Client, meeting: Recording, query: str, first_line: str
) -> None:
    lines = download(logged_in, meeting, "txt", query).decode().splitlines()
    assert lines[0] == "Design review: Q3 & <beta>"
    assert lines[3] == first_line
    assert lines[-1].endswith("Thanks all.")
    assert ("[1:02:05]" in lines[-1]) == ("timestamps=0" not in query)


def test_docx_opens_with_the_transcript(logged_in: Client, meeting: Recording) -> None:
    document = Document(io.BytesIO(download(logged_in, meeting, "docx")))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[0] == "Design review: Q3 & <beta>"
    assert "[1:05] Speaker 2: Let's <begin> & go." in texts


def test_the_export_file_is_named_after_the_recording(
    logged_in: Client, meeting: Recording
) -> None:
    response = logged_in.get(f"/recordings/{meeting.pk}/export/srt/")
    assert 'filename="design-review-q3-beta.srt"' in response["Content-Disposition"]


def test_an_unknown_format_is_not_found(logged_in: Client, meeting: Recording) -> None:
    assert logged_in.get(f"/recordings/{meeting.pk}/export/pdf/").status_code == 404


def test_the_transcript_page_takes_the_same_queries_for_any_length(
    logged_in: Client, meeting: Recording, django_assert_num_queries
) -> None:
    # 9, the audit entry, the marks, the nav's review notices and review link, the
    # reviewers to name, and the review comments
    with django_assert_num_queries(15) as few:
        logged_in.get(f"/recordings/{meeting.pk}/")
    for index in range(3, 60):
        make_segment(meeting, index, words=WORDS)
        Mark.objects.create(recording=meeting, kind="action", at=index, author=meeting.owner)
    with django_assert_num_queries(len(few.captured_queries)):
        logged_in.get(f"/recordings/{meeting.pk}/")


@pytest.mark.parametrize(
    ("engine", "confidences", "low"),
    [
        ("deepgram", [0.97, 0.55, 0.99], ["morning"]),  # Deepgram: under 0.6
        ("local", [0.97, 0.55, 0.35], ["everyone"]),  # Whisper: under 0.4
    ],
)
def test_words_the_engine_was_unsure_of_are_marked(
    logged_in: Client, user: User, engine: str, confidences: list[float], low: list[str]
) -> None:
    recording = make_recording(user, engine=engine)
    said = ["Good", "morning", "everyone"]
    words = [
        {"word": word, "start": i * 0.4, "end": i * 0.4 + 0.3, "confidence": confidence}
        for i, (word, confidence) in enumerate(zip(said, confidences, strict=True))
    ]
    make_segment(recording, 0, text="Good morning everyone", words=words)
    page = logged_in.get(f"/recordings/{recording.pk}/").content.decode()
    marked = re.findall(r'class="word low"[^>]*>([^<]+)<', page)
    assert marked == low
    assert f"{len(low)} in this transcript" in page


def test_no_legend_without_confidences(logged_in: Client, user: User) -> None:
    recording = make_recording(user)
    make_segment(recording, 0, words=[{"word": "Hello", "start": 0.0, "end": 0.4}])
    page = logged_in.get(f"/recordings/{recording.pk}/").content.decode()
    assert "low-legend" not in page
    assert 'class="word low"' not in page

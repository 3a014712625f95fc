"""Edit history: a version for each kind of change, word diffs between versions, restoring a
segment, and who may see or restore what."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client

from api.tokens import token_create
from audit.models import AuditEntry
from tests.factories import make_recording, make_segment
from tests.fake_deepgram import FakeDeepgram
from tests.test_refine import (  # noqa: F401 (fixtures)
    DRAFT,
    SCRIPT,
    add_audio,
    recorded,
    speech_ogg,
)
from tests.uploading import SPEECH_WAV, upload
from tests.working import run_worker
from transcripts import services
from transcripts.engines.base import FileTranscript, FinalSegment, Word
from transcripts.history import selectors
from transcripts.history.diff import Run, word_diff
from transcripts.history.record import COPIED, history_forget
from transcripts.history.services import segment_restore
from transcripts.jobs import services as jobs
from transcripts.models import LOCKED_MESSAGE, Recording, RecordingShare, Segment
from transcripts.search.selectors import SearchFilters, parse_query, search_segments

pytestmark = pytest.mark.django_db

HistoricalSegment: Any = Segment.history.model


def final(text: str, start: float, speaker: int | None = None) -> FinalSegment:
    tokens = text.split()
    words = tuple(Word(t, start + i * 0.2, start + i * 0.2 + 0.2) for i, t in enumerate(tokens))
    return FinalSegment(text, start, start + 0.2 * len(tokens), speaker=speaker, words=words)


def live_recording(owner: User, texts: list[str]) -> Recording:
    """A live recording whose segments arrived through the live writer's service."""
    recording = services.recording_start(
        owner=owner, title="Standup", language="en", engine="deepgram", model="nova-3", options={}
    )
    services.segments_append(
        rows=[(recording.pk, i, final(text, 2.0 * i)) for i, text in enumerate(texts)]
    )
    return recording


def finished(owner: User, texts: list[str]) -> Recording:
    recording = live_recording(owner, texts)
    services.recording_finish(recording_id=recording.pk, duration=10.0)
    recording.refresh_from_db()
    return recording


def versions(recording: Recording) -> list[dict[str, Any]]:
    return list(selectors.versions_of(recording=recording))


def kinds(recording: Recording) -> list[str]:
    return [version["change"] for version in versions(recording)]


# --- A version for each kind of change ------------------------------------------------


def test_live_segments_are_saved_without_history_and_become_one_version_at_the_end(
    user: User, django_assert_num_queries
) -> None:
    recording = live_recording(user, ["good morning", "let us start"])
    with django_assert_num_queries(1):  # one INSERT, as before: no history on the live path
        services.segments_append(rows=[(recording.pk, 2, final("first item", 4.0))])
    assert HistoricalSegment.objects.count() == 0
    services.recording_finish(recording_id=recording.pk, duration=10.0)
    [version] = versions(recording)
    assert (version["change"], version["segments"], version["by_username"]) == (
        "recorded live",
        3,
        None,
    )


def test_the_version_at_the_end_copies_every_segment_as_it_was_saved(user: User) -> None:
    recording = live_recording(user, ["good morning"])
    services.segments_append(rows=[(recording.pk, 1, final("over to you", 2.0, speaker=1))])
    Segment.objects.filter(recording=recording, index=1).update(channel=1, edited=True)
    services.recording_finish(recording_id=recording.pk, duration=4.0)
    [version] = versions(recording)
    for segment in Segment.objects.filter(recording=recording):
        [row] = HistoricalSegment.objects.filter(id=segment.pk)
        assert {name: getattr(row, name) for name in COPIED} == {
            name: getattr(segment, name) for name in COPIED
        }
        assert (row.history_type, row.history_change_reason) == ("+", "recorded live")
        assert (row.history_date, row.history_user_id) == (segment.created_at, None)
        assert row.version == version["version"]


def test_a_resumed_recording_adds_only_its_new_segments_when_it_ends_again(user: User) -> None:
    recording = live_recording(user, ["good morning"])
    services.recording_finish(recording_id=recording.pk, duration=2.0, interrupted=True)
    services.recording_resume(recording_id=recording.pk)
    services.segments_append(rows=[(recording.pk, 1, final("welcome back", 2.0))])
    services.recording_finish(recording_id=recording.pk, duration=12.0)
    assert [v["segments"] for v in versions(recording)] == [1, 1]


def test_an_uploads_transcription_is_one_version(user: User) -> None:
    recording = make_recording(user, source=Recording.Source.UPLOAD, status="queued")
    job = jobs.job_create(recording=recording)
    jobs.job_claim(job_id=job.pk, token=str(job.token))
    transcript = FileTranscript((final("hello there", 0.0), final("general kenobi", 1.0)), 2.0)
    assert jobs.job_complete(job_id=job.pk, token=str(job.token), transcript=transcript)
    [version] = versions(recording)
    assert (version["change"], version["segments"]) == ("transcribed", 2)


def test_a_correction_is_a_version_by_the_person_with_the_text_before_and_after(
    user: User,
) -> None:
    recording = finished(user, ["good morning", "let us review the lumbers"])
    services.segment_edit(recording=recording, index=1, text="Let us review the numbers.", by=user)
    newest = versions(recording)[0]
    assert (newest["change"], newest["by_username"], newest["segments"]) == ("edited", "alice", 1)
    comparison = selectors.version_compare(recording=recording, version=newest["version"])
    assert comparison is not None
    [change] = comparison.changes
    assert (change.index, change.before.text, change.after.text) == (
        1,
        "let us review the lumbers",
        "Let us review the numbers.",
    )


def test_a_correction_to_a_recording_older_than_the_history_keeps_how_it_was(user: User) -> None:
    recording = make_recording(user)
    make_segment(recording, 0, text="Old words here.")
    make_segment(recording, 1, text="Untouched.")
    services.segment_edit(recording=recording, index=0, text="New words here.", by=user)
    assert kinds(recording) == ["edited", "recorded live"]
    assert [v["segments"] for v in versions(recording)] == [1, 2]


def test_a_correction_by_the_reviewer_holding_it_is_part_of_the_review(
    user: User, other_user: User
) -> None:
    recording = finished(user, ["good morning"])
    Recording.objects.filter(pk=recording.pk).update(review_state="in_review", reviewer=other_user)
    recording.refresh_from_db()
    services.segment_edit(recording=recording, index=0, text="Good morning!", by=other_user)
    assert kinds(recording)[0] == "reviewed"


def test_the_page_and_the_api_record_who_corrected(
    user: User, logged_in: Client, other_user: User
) -> None:
    recording = finished(user, ["good morning", "thanks all"])
    RecordingShare.objects.create(recording=recording, user=other_user, role="editor")
    logged_in.post(f"/recordings/{recording.pk}/segments/0/", {"text": "Good morning."})
    _, token = token_create(user=other_user, name="script", scopes=["write"], expires_at=None)
    response = Client().patch(
        f"/api/v1/recordings/{recording.pk}/segments/1",
        json.dumps({"text": "Thanks, all."}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert [(v["change"], v["by_username"]) for v in versions(recording)] == [
        ("edited", "bob"),
        ("edited", "alice"),
        ("recorded live", None),
    ]


def test_speaker_names_are_the_recordings_and_make_no_version(user: User) -> None:
    recording = finished(user, ["good morning"])
    Segment.objects.filter(recording=recording).update(speaker=0)
    services.speaker_rename(recording=recording, speaker=0, name="Ada")
    assert kinds(recording) == ["recorded live"]


def test_the_history_is_not_searched(user: User) -> None:
    recording = finished(user, ["the forecast for next quarter"])
    services.segment_edit(recording=recording, index=0, text="the outlook for next quarter")
    filters = SearchFilters()

    def hits(text: str) -> int:
        found = search_segments(
            user=user, query=parse_query(text), filters=filters, limit=10, offset=0
        )
        return found.total

    assert (hits("forecast"), hits("outlook")) == (0, 1)


def test_a_recordings_history_goes_with_it(user: User) -> None:
    recording = finished(user, ["good morning"])
    kept = finished(user, ["still here"])
    services.recording_delete(recording=recording)
    assert set(HistoricalSegment.objects.values_list("recording_id", flat=True)) == {kept.pk}


# --- Word diffs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "runs"),
    [
        pytest.param("a b c", "a b c", [Run("equal", "a b c")], id="unchanged"),
        pytest.param(
            "we met today",
            "we met here today",
            [Run("equal", "we met"), Run("insert", "here"), Run("equal", "today")],
            id="insert",
        ),
        pytest.param(
            "we really met today",
            "we met today",
            [Run("equal", "we"), Run("delete", "really"), Run("equal", "met today")],
            id="delete",
        ),
        pytest.param(
            "review the lumbers now",
            "review the numbers now",
            [
                Run("equal", "review the"),
                Run("delete", "lumbers"),
                Run("insert", "numbers"),
                Run("equal", "now"),
            ],
            id="replace",
        ),
        pytest.param("", "all new", [Run("insert", "all new")], id="from nothing"),
        pytest.param("all gone", "", [Run("delete", "all gone")], id="to nothing"),
    ],
)
def test_a_word_diff_gives_runs_of_kept_added_and_removed_words(
    before: str, after: str, runs: list[Run]
) -> None:
    assert word_diff(before, after) == runs


def test_the_version_page_marks_added_and_removed_words(user: User, logged_in: Client) -> None:
    recording = finished(user, ["let us review the lumbers"])
    services.segment_edit(recording=recording, index=0, text="let us review the numbers", by=user)
    newest = versions(recording)[0]["version"]
    response = logged_in.get(f"/recordings/{recording.pk}/history/{newest}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<del>lumbers</del>" in page
    assert "<ins>numbers</ins>" in page
    assert "The transcript reads like this now." in page
    assert "Restore this segment" not in page
    first = versions(recording)[-1]["version"]
    page = logged_in.get(f"/recordings/{recording.pk}/history/{first}/").content.decode()
    assert "Restore this segment to this version" in page


def test_a_version_can_be_compared_with_any_other(user: User, logged_in: Client) -> None:
    recording = finished(user, ["one two three"])
    services.segment_edit(recording=recording, index=0, text="one two four", by=user)
    services.segment_edit(recording=recording, index=0, text="one five four", by=user)
    newest, _, first = (v["version"] for v in versions(recording))
    page = logged_in.get(f"/recordings/{recording.pk}/history/{newest}/?with={first}")
    text = page.content.decode()
    assert "<del>two three</del>" in text
    assert "<ins>five four</ins>" in text


@pytest.mark.parametrize("other", ["nonsense", str(uuid.uuid4())])
def test_comparing_with_something_that_is_no_version_is_refused_or_missing(
    user: User, logged_in: Client, other: str
) -> None:
    recording = finished(user, ["one two three"])
    version = versions(recording)[0]["version"]
    response = logged_in.get(f"/recordings/{recording.pk}/history/{version}/?with={other}")
    assert response.status_code == (400 if other == "nonsense" else 404)


# --- The refine job's replacement ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_refined_transcript_replacing_the_draft_is_one_version(
    recorded: Callable[..., Recording],  # noqa: F811
) -> None:
    recording = recorded()
    kept = "Good morning, everyone, and thanks for joining!"
    services.segment_edit(recording=recording, index=0, text=kept, by=recording.owner)
    run_worker()
    refined, edited, live = versions(recording)
    assert [v["change"] for v in (refined, edited, live)] == ["refined", "edited", "recorded live"]
    assert (refined["by_username"], refined["segments"]) == (None, 2)
    rows = HistoricalSegment.objects.filter(version=refined["version"])
    assert sorted(rows.values_list("history_type", flat=True)) == ["+", "+", "-", "-"]
    comparison = selectors.version_compare(recording=recording, version=refined["version"])
    assert comparison is not None
    assert [(c.before.text, c.after.text) for c in comparison.changes] == [
        (kept, kept),  # the correction carried over, now on the refined words' timings
        (DRAFT[1], SCRIPT[1]),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_file_transcribed_by_the_worker_is_one_version(
    deepgram: FakeDeepgram, logged_in: Client
) -> None:
    deepgram.script = SCRIPT
    answer = upload(logged_in, SPEECH_WAV.read_bytes(), filename="meeting.wav")
    run_worker()
    recording = Recording.objects.get(pk=answer.body["recording"])
    [version] = versions(recording)
    assert (version["change"], version["segments"], version["by_username"]) == (
        "transcribed",
        2,
        None,
    )


# --- Restoring a segment ---------------------------------------------------------------


def restore_url(recording: Recording, version: uuid.UUID) -> str:
    return f"/recordings/{recording.pk}/history/{version}/restore/"


def test_restoring_puts_the_words_back_as_a_new_version_and_in_the_audit_log(
    user: User, logged_in: Client
) -> None:
    recording = finished(user, ["let us review the lumbers"])
    before = Segment.objects.get(recording=recording, index=0)
    services.segment_edit(recording=recording, index=0, text="something else entirely", by=user)
    first = versions(recording)[-1]["version"]
    response = logged_in.post(restore_url(recording, first), {"index": "0"})
    assert response.status_code == 302
    assert response["Location"] == f"/recordings/{recording.pk}/#segment-0"
    segment = Segment.objects.get(recording=recording, index=0)
    assert (segment.text, segment.words, segment.start, segment.end) == (
        before.text,
        before.words,
        before.start,
        before.end,
    )
    assert next((v["change"], v["by_username"]) for v in versions(recording)) == (
        "restored",
        "alice",
    )
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RESTORED)
    assert (entry.actor_id, entry.recording_id) == (user.pk, recording.pk)


def test_restoring_what_the_segment_already_says_is_refused(user: User) -> None:
    recording = finished(user, ["good morning"])
    version = versions(recording)[0]["version"]
    with pytest.raises(ValidationError, match="already reads"):
        segment_restore(recording=recording, index=0, version=version, by=user)
    assert kinds(recording) == ["recorded live"]


def test_restoring_an_approved_transcript_is_refused(user: User, logged_in: Client) -> None:
    recording = finished(user, ["good morning"])
    services.segment_edit(recording=recording, index=0, text="Good morning!", by=user)
    first = versions(recording)[-1]["version"]
    Recording.objects.filter(pk=recording.pk).update(review_state="approved")
    response = logged_in.post(
        restore_url(recording, first), {"index": "0"}, headers={"Accept": "application/json"}
    )
    assert (response.status_code, response.json()) == (409, {"error": LOCKED_MESSAGE})
    assert Segment.objects.get(recording=recording).text == "Good morning!"
    page = logged_in.post(restore_url(recording, first), {"index": "0"}, follow=True)
    assert LOCKED_MESSAGE in page.content.decode()


@pytest.mark.parametrize("index", ["", "-1", "x", "9", "99999999999"])
def test_restoring_a_segment_that_is_not_there_says_why(
    user: User, logged_in: Client, index: str
) -> None:
    recording = finished(user, ["good morning"])
    version = versions(recording)[0]["version"]
    response = logged_in.post(
        restore_url(recording, version), {"index": index}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]


# --- Who may see and restore ----------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "read", "restore"),
    [
        (None, 404, 404),
        (RecordingShare.Role.VIEWER, 200, 404),
        (RecordingShare.Role.EDITOR, 200, 302),
    ],
)
def test_reading_needs_view_and_restoring_needs_edit(
    user: User, other_user: User, role: str | None, read: int, restore: int
) -> None:
    recording = finished(user, ["good morning"])
    services.segment_edit(recording=recording, index=0, text="Good morning!", by=user)
    first = versions(recording)[-1]["version"]
    if role:
        RecordingShare.objects.create(recording=recording, user=other_user, role=role)
    client = Client()
    client.force_login(other_user)
    assert client.get(f"/recordings/{recording.pk}/history/").status_code == read
    page = client.get(f"/recordings/{recording.pk}/history/{first}/")
    assert page.status_code == read
    assert ("Restore this segment" in page.content.decode()) == (restore == 302)
    assert client.post(restore_url(recording, first), {"index": "0"}).status_code == restore


def test_a_version_of_another_recording_is_not_found(user: User, logged_in: Client) -> None:
    mine, other = finished(user, ["mine"]), finished(user, ["other"])
    version = versions(other)[0]["version"]
    assert logged_in.get(f"/recordings/{mine.pk}/history/{version}/").status_code == 404
    assert logged_in.post(restore_url(mine, version), {"index": "0"}).status_code == 302
    assert Segment.objects.get(recording=mine).text == "mine"


# --- Pages ----------------------------------------------------------------------------


def test_the_history_page_lists_versions_in_a_fixed_number_of_queries(
    user: User, logged_in: Client, django_assert_num_queries
) -> None:
    recording = finished(user, ["one", "two", "three"])
    url = f"/recordings/{recording.pk}/history/"
    logged_in.get(url)  # warm the session and the user
    with django_assert_num_queries(7) as few:  # with the nav's review notices and link
        assert logged_in.get(url).status_code == 200
    for index in range(3):
        services.segment_edit(recording=recording, index=index, text=f"edit {index}", by=user)
    with django_assert_num_queries(len(few.captured_queries)):
        page = logged_in.get(url).content.decode()
    assert page.count(">What changed</a>") == 4
    assert page.index("Edited") < page.index("Recorded live")


def test_the_transcript_page_links_to_its_history(user: User, logged_in: Client) -> None:
    recording = finished(user, ["good morning"])
    page = logged_in.get(f"/recordings/{recording.pk}/").content.decode()
    assert f'href="/recordings/{recording.pk}/history/"' in page


def test_the_version_page_reads_in_a_fixed_number_of_queries(
    user: User, logged_in: Client, django_assert_num_queries
) -> None:
    recording = finished(user, ["one", "two", "three"])
    url = f"/recordings/{recording.pk}/history/{versions(recording)[0]['version']}/"
    logged_in.get(url)
    with django_assert_num_queries(7) as few:  # with the nav's review notices and link
        assert logged_in.get(url).status_code == 200
    for index in range(3):
        services.segment_edit(recording=recording, index=index, text=f"edit {index}", by=user)
    with django_assert_num_queries(len(few.captured_queries)):
        assert logged_in.get(url).status_code == 200


def test_a_recordings_history_can_be_forgotten_alone(user: User) -> None:
    recording = finished(user, ["good morning", "thanks all"])
    assert history_forget(recording_id=recording.pk) == 2
    assert versions(recording) == []
    assert Segment.objects.filter(recording=recording).count() == 2

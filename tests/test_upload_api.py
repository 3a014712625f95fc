"""Uploading files in pieces: checks by content, size limits, storage, nothing queued on refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.test import Client
from django_tasks_db.models import DBTaskResult

from tests.factories import make_recording
from tests.uploading import SPEECH_WAV, send_piece, start, upload
from transcripts.models import PendingUpload, Recording, TranscriptionJob
from transcripts.uploads import services as uploads

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_pieces(settings, tmp_path: Path) -> None:
    settings.UPLOAD_CHUNK_BYTES = 64 * 1024
    settings.UPLOAD_TEMP_DIR = tmp_path / "partial"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEEPGRAM_API_KEY = "configured"


def nothing_queued() -> bool:
    return (
        not Recording.objects.exists()
        and not TranscriptionJob.objects.exists()
        and not DBTaskResult.objects.exists()
    )


def test_a_file_sent_in_pieces_becomes_a_queued_upload(
    logged_in: Client, user: User, django_capture_on_commit_callbacks
) -> None:
    data = SPEECH_WAV.read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        answer = upload(logged_in, data, filename="Board meeting.wav", title="Board", diarize=True)
    assert answer.status == 201
    recording = Recording.objects.get(pk=answer.body["recording"])
    assert answer.body == {
        "recording": recording.pk,
        "status": "queued",
        "status_label": "Queued",
        "url": f"/recordings/{recording.pk}/",
    }
    assert (recording.owner, recording.source, recording.title) == (user, "upload", "Board")
    assert (recording.original_filename, recording.file_size) == ("Board meeting.wav", len(data))
    assert recording.media_format == "wav"
    assert recording.options == {"diarize": True}
    with default_storage.open(recording.audio.name) as stored:
        assert stored.read() == data
    job = TranscriptionJob.objects.get(recording=recording)
    assert job.status == "queued"
    assert DBTaskResult.objects.get().args_kwargs["args"] == [job.pk, str(job.token)]
    assert not PendingUpload.objects.exists()


def test_the_stored_name_is_generated_not_the_users(logged_in: Client) -> None:
    answer = upload(logged_in, SPEECH_WAV.read_bytes(), filename="../../etc/passwd.wav")
    name = Recording.objects.get(pk=answer.body["recording"]).audio.name
    assert "passwd" not in name
    assert ".." not in name
    assert name.startswith("recordings/")
    assert name.endswith(".wav")


def test_an_untitled_upload_is_named_after_the_file(logged_in: Client) -> None:
    answer = upload(logged_in, SPEECH_WAV.read_bytes(), filename="C:\\memos\\team sync.wav")
    recording = Recording.objects.get(pk=answer.body["recording"])
    assert (recording.title, recording.original_filename) == ("team sync", "team sync.wav")


def test_a_renamed_text_file_is_refused_after_its_first_piece(logged_in: Client) -> None:
    text = b"Minutes of the meeting\n" * 10_000  # 230 KB: several pieces
    started = start(logged_in, filename="minutes.mp3", size=len(text))
    answer = send_piece(logged_in, started.body["url"], 0, text[: 64 * 1024])
    assert answer.status == 400
    assert (
        "“minutes.mp3” is not an audio or video file (it looks like text)" in answer.body["error"]
    )
    assert nothing_queued()
    assert not PendingUpload.objects.exists()
    assert send_piece(logged_in, started.body["url"], 65536, text[65536:131072]).status == 404


def test_an_empty_file_is_refused_before_any_byte_is_sent(logged_in: Client) -> None:
    answer = start(logged_in, filename="silence.wav", size=0)
    assert (answer.status, answer.body["error"]) == (400, "“silence.wav” is empty.")
    assert nothing_queued()
    assert not PendingUpload.objects.exists()


def test_a_file_over_the_limit_is_refused_in_words(logged_in: Client, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1024**3
    answer = start(logged_in, filename="all-hands.mp4", size=1024**3 + 1)
    assert answer.status == 400
    assert answer.body["error"] == (
        "“all-hands.mp4” is 1.0\xa0GB; the largest file Parley accepts is 1.0\xa0GB."
    )
    assert nothing_queued()


def test_without_an_engine_uploads_are_refused_with_how_to_fix_it(
    logged_in: Client, no_engine: None
) -> None:
    answer = start(logged_in, filename="memo.wav", size=100)
    assert answer.status == 503
    assert "DEEPGRAM_API_KEY" in answer.body["error"]


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"language": "Klingon!"}, "language"),
        ({"title": "x" * 201}, "title"),
        ({"size": -1}, "size"),
    ],
)
def test_bad_fields_are_refused_in_words(logged_in: Client, fields: dict, complaint: str) -> None:
    answer = start(logged_in, **{"filename": "memo.wav", "size": 10, **fields})
    assert answer.status == 400
    assert answer.body["error"].startswith(complaint)


def test_a_piece_at_the_wrong_offset_is_told_where_to_continue(logged_in: Client) -> None:
    data = SPEECH_WAV.read_bytes()
    started = start(logged_in, filename="memo.wav", size=len(data))
    assert send_piece(logged_in, started.body["url"], 0, data[:65536]).body == {"received": 65536}
    answer = send_piece(logged_in, started.body["url"], 0, data[:65536])
    assert (answer.status, answer.body["received"]) == (409, 65536)


def test_a_piece_larger_than_allowed_is_refused(logged_in: Client) -> None:
    data = SPEECH_WAV.read_bytes()
    started = start(logged_in, filename="memo.wav", size=len(data))
    assert send_piece(logged_in, started.body["url"], 0, data[: 65536 + 2]).status == 413


def test_someone_elses_upload_cannot_be_continued(logged_in: Client, other_user: User) -> None:
    pending = PendingUpload.objects.create(
        owner=other_user, original_filename="theirs.wav", size=100, language="en"
    )
    answer = send_piece(logged_in, f"/upload/files/{pending.token}/", 0, b"RIFF")
    assert answer.status == 404


def test_an_abandoned_upload_can_be_deleted(logged_in: Client) -> None:
    data = SPEECH_WAV.read_bytes()
    started = start(logged_in, filename="memo.wav", size=len(data))
    send_piece(logged_in, started.body["url"], 0, data[:65536])
    pending = PendingUpload.objects.get()
    assert uploads.partial_path(pending).exists()
    assert logged_in.delete(started.body["url"]).status_code == 200
    assert not PendingUpload.objects.exists()
    assert not uploads.partial_path(pending).exists()


def test_uploads_are_protected_against_csrf(user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert start(client, filename="memo.wav", size=100).status == 403


def test_status_answers_only_for_the_users_own_recordings(
    logged_in: Client, user: User, other_user: User
) -> None:
    mine, theirs = make_recording(user), make_recording(other_user)
    body = logged_in.get(f"/recordings/status/?id={mine.pk}&id={theirs.pk}").json()
    assert [state["recording"] for state in body["recordings"]] == [mine.pk]

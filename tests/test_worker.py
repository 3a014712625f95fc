"""Upload jobs run by the real worker against the fake Deepgram's REST API."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from config.db import close_connections
from tests.fake_deepgram import FakeDeepgram
from tests.fakedeepgram.transcript import WORD_CONFIDENCE
from tests.test_record_socket import unused_port
from tests.uploading import SPEECH_WAV, upload
from tests.working import run_worker
from transcripts.engines.base import FileTranscript, FinalSegment
from transcripts.jobs import services as jobs
from transcripts.jobs import worker
from transcripts.models import Recording, Segment, TranscriptionJob

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = ["Good morning everyone, thanks for joining.", "Let us review the quarterly numbers."]


@pytest.fixture
def uploaded(deepgram: FakeDeepgram, logged_in: Client) -> Recording:
    deepgram.script = SCRIPT
    answer = upload(logged_in, SPEECH_WAV.read_bytes(), filename="sync.wav", diarize=True)
    return Recording.objects.get(pk=answer.body["recording"])


def run_job_in_thread(job_id: int, token: str) -> None:
    try:
        worker.run_job(job_id=job_id, token=token)
    finally:
        close_connections()


def job_of(recording: Recording) -> TranscriptionJob:
    return TranscriptionJob.objects.filter(recording=recording).latest("created_at")


def texts(recording: Recording) -> list[str]:
    return list(Segment.objects.filter(recording=recording).values_list("text", flat=True))


def test_an_upload_is_transcribed_into_segments_with_speakers(
    uploaded: Recording, deepgram: FakeDeepgram
) -> None:
    run_worker()
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.error) == ("completed", "")
    assert uploaded.duration == pytest.approx(8.83, abs=0.01)
    segments = list(Segment.objects.filter(recording=uploaded))
    assert [(s.index, s.text, s.speaker) for s in segments] == [
        (0, SCRIPT[0], 0),
        (1, SCRIPT[1], 1),
    ]
    assert segments[0].words[0]["word"] == "Good"
    assert segments[0].start < segments[0].words[-1]["end"] <= segments[0].end
    assert {w["confidence"] for s in segments for w in s.words} == {WORD_CONFIDENCE}
    job = job_of(uploaded)
    assert (job.status, job.attempts, job.progress) == ("succeeded", 1, 100)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_the_file_streams_to_deepgram_with_the_chosen_options(
    uploaded: Recording, deepgram: FakeDeepgram
) -> None:
    run_worker()
    request = deepgram.requests[0]
    assert {key: values[0] for key, values in request.query.items()} == {
        "model": "nova-3",
        "language": "en",
        "smart_format": "true",
        "punctuate": "true",
        "utterances": "true",
        "paragraphs": "true",
        "diarize": "true",
    }
    assert request.headers["Content-Type"] == "audio/wav"
    assert request.headers["Authorization"] == f"Token {deepgram.api_key}"
    assert request.chunked
    assert request.body_bytes == SPEECH_WAV.stat().st_size


def test_a_busy_deepgram_is_retried_until_it_answers(
    uploaded: Recording, deepgram: FakeDeepgram, settings
) -> None:
    deepgram.reject_next = [429, 503]
    deepgram.retry_after = 0  # Retry-After: 0 on the 429
    settings.JOB_RETRY_BASE_SECONDS = 0  # and no wait after the 503
    run_worker()
    uploaded.refresh_from_db()
    assert uploaded.status == "completed"
    assert texts(uploaded) == SCRIPT
    assert [request.status for request in deepgram.requests] == [429, 503, 200]
    assert job_of(uploaded).attempts == 3


def test_retry_after_is_honoured(uploaded: Recording, deepgram: FakeDeepgram) -> None:
    deepgram.reject_next = [429]
    deepgram.retry_after = 30
    run_worker()  # the retry is not due yet, so the batch ends
    uploaded.refresh_from_db()
    job = job_of(uploaded)
    assert (uploaded.status, job.status, job.attempts) == ("queued", "queued", 1)
    assert "Trying again at" in uploaded.error
    assert "attempt 2 of 5" in uploaded.error
    due = DBTaskResult.objects.get(status="READY").run_after
    assert timezone.now() + timedelta(seconds=25) < due <= timezone.now() + timedelta(seconds=30)
    assert job.retry_at == due


def test_a_job_gives_up_after_its_attempts(
    uploaded: Recording, deepgram: FakeDeepgram, settings
) -> None:
    settings.JOB_MAX_ATTEMPTS = 2
    settings.JOB_RETRY_BASE_SECONDS = 0
    deepgram.reject_next = [503, 503, 503]
    run_worker()
    uploaded.refresh_from_db()
    assert uploaded.status == "failed"
    assert "HTTP 503" in uploaded.error
    assert "Gave up after 2 attempts" in uploaded.error
    assert len(deepgram.requests) == 2


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (400, "Deepgram could not process this file. Deepgram said: Bad Request: Invalid request."),
        (401, "Deepgram refused the request (HTTP 401). Deepgram said: Invalid credentials."),
        (402, "HTTP 402). Deepgram said: Project does not have enough credits"),
        (403, "HTTP 403). Deepgram said: Project does not have access to the requested model."),
    ],
)
def test_a_refusal_fails_at_once_with_deepgrams_message(
    uploaded: Recording, deepgram: FakeDeepgram, status: int, words: str
) -> None:
    deepgram.reject_next = [status]
    run_worker()
    uploaded.refresh_from_db()
    assert uploaded.status == "failed"
    assert words in uploaded.error
    assert len(deepgram.requests) == 1
    assert job_of(uploaded).error == uploaded.error


def test_an_unreachable_deepgram_is_retried_then_reported(uploaded: Recording, settings) -> None:
    settings.DEEPGRAM_URL = f"http://127.0.0.1:{unused_port()}"
    settings.JOB_MAX_ATTEMPTS = 2
    settings.JOB_RETRY_BASE_SECONDS = 0
    run_worker()
    uploaded.refresh_from_db()
    assert uploaded.status == "failed"
    assert "could not reach Deepgram" in uploaded.error
    assert job_of(uploaded).attempts == 2


def test_a_dropped_connection_is_retried(
    uploaded: Recording, deepgram: FakeDeepgram, settings
) -> None:
    settings.JOB_RETRY_BASE_SECONDS = 0
    deepgram.rest_drop_next = 1  # the first request's connection is cut without an answer
    run_worker()
    uploaded.refresh_from_db()
    assert (uploaded.status, texts(uploaded)) == ("completed", SCRIPT)
    assert job_of(uploaded).attempts == 2


def test_a_response_slower_than_the_timeout_is_retried_then_reported(
    uploaded: Recording, deepgram: FakeDeepgram, settings
) -> None:
    settings.DEEPGRAM_FILE_TIMEOUT = 0.5
    settings.JOB_MAX_ATTEMPTS = 2
    settings.JOB_RETRY_BASE_SECONDS = 0
    deepgram.rest_delay = 2.0
    run_worker()
    uploaded.refresh_from_db()
    assert uploaded.status == "failed"
    assert "could not reach Deepgram (ReadTimeout)" in uploaded.error
    assert len(deepgram.requests) == 2


def test_a_queued_job_can_be_cancelled_and_never_runs(
    uploaded: Recording, deepgram: FakeDeepgram, logged_in: Client
) -> None:
    response = logged_in.post(f"/recordings/{uploaded.pk}/cancel/")
    assert response.status_code == 302
    run_worker()
    uploaded.refresh_from_db()
    assert (uploaded.status, job_of(uploaded).status) == ("cancelled", "cancelled")
    assert deepgram.requests == []


def test_a_job_cancelled_while_running_keeps_no_transcript(
    uploaded: Recording, deepgram: FakeDeepgram, logged_in: Client
) -> None:
    deepgram.rest_delay = 2.0
    job = job_of(uploaded)
    running = threading.Thread(target=run_job_in_thread, args=(job.pk, str(job.token)))
    running.start()
    deepgram.wait_for(lambda fake: len(fake.requests) == 1)
    answer = logged_in.post(
        f"/recordings/{uploaded.pk}/cancel/", headers={"Accept": "application/json"}
    )
    assert answer.json()["status"] == "cancelled"
    running.join(timeout=30)
    uploaded.refresh_from_db()
    assert uploaded.status == "cancelled"
    assert texts(uploaded) == []
    assert job_of(uploaded).status == "cancelled"


def test_a_cancelled_job_does_not_come_back(
    uploaded: Recording, deepgram: FakeDeepgram, logged_in: Client, settings
) -> None:
    logged_in.post(f"/recordings/{uploaded.pk}/cancel/")
    settings.JOB_LEASE_SECONDS = 0  # any lapsed lease would be recovered at once
    assert jobs.jobs_recover_orphans() == 0
    run_worker()
    assert Recording.objects.get(pk=uploaded.pk).status == "cancelled"


def test_a_failed_upload_can_be_transcribed_again(
    uploaded: Recording, deepgram: FakeDeepgram, logged_in: Client
) -> None:
    deepgram.reject_next = [400]
    run_worker()
    assert logged_in.post(f"/recordings/{uploaded.pk}/retry/").status_code == 302
    run_worker()
    uploaded.refresh_from_db()
    assert (uploaded.status, texts(uploaded)) == ("completed", SCRIPT)


TRANSCRIPT = FileTranscript(
    segments=(FinalSegment("One.", 0.0, 1.0), FinalSegment("Two.", 1.0, 2.0)), duration=2.0
)


def test_an_attempt_writes_its_segments_once(uploaded: Recording) -> None:
    job = job_of(uploaded)
    token = str(job.token)
    assert jobs.job_claim(job_id=job.pk, token=token) is not None
    assert jobs.job_complete(job_id=job.pk, token=token, transcript=TRANSCRIPT)
    assert not jobs.job_complete(job_id=job.pk, token=token, transcript=TRANSCRIPT)
    assert texts(uploaded) == ["One.", "Two."]


def test_a_new_attempt_replaces_what_an_earlier_one_left(uploaded: Recording) -> None:
    job = job_of(uploaded)
    Segment.objects.create(recording=uploaded, index=0, start=0, end=1, text="Stale.")
    jobs.job_claim(job_id=job.pk, token=str(job.token))
    jobs.job_complete(job_id=job.pk, token=str(job.token), transcript=TRANSCRIPT)
    assert texts(uploaded) == ["One.", "Two."]


def test_an_attempt_that_is_not_current_cannot_claim(uploaded: Recording) -> None:
    job = job_of(uploaded)
    assert jobs.job_claim(job_id=job.pk, token="00000000-0000-0000-0000-000000000000") is None
    assert job_of(uploaded).status == "queued"


@pytest.mark.parametrize(
    ("attempt", "retry_after", "low", "high"),
    [
        (1, None, 8, 12),
        (2, None, 16, 24),
        (3, 4.0, 4, 4),
        (10, None, 600, 600),
        (1, 9999, 600, 600),
    ],
)
def test_retry_delay_doubles_and_obeys_retry_after(
    attempt: int, retry_after: float | None, low: float, high: float
) -> None:
    assert low <= jobs.retry_delay(attempt=attempt, retry_after=retry_after) <= high


def test_someone_else_cannot_cancel_or_retry_the_job(uploaded: Recording, other_user: User) -> None:
    client = Client()
    client.force_login(other_user)
    assert client.post(f"/recordings/{uploaded.pk}/cancel/").status_code == 404
    assert client.post(f"/recordings/{uploaded.pk}/retry/").status_code == 404
    assert job_of(uploaded).status == "queued"

"""Long files go to Deepgram with a callback; the transcript arrives at /hooks/deepgram/<job>/.

The fake Deepgram answers with a request id and posts the result back, with the callback
URL's Basic Auth credentials and the request's extra in `metadata.extra`, to a real server on
loopback (pytest-django's live server) or, to send what Deepgram would not, through the test
client.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from tests.fake_deepgram import FakeDeepgram
from tests.servers import daphne_with
from tests.test_refine import DRAFT, add_audio, recorded, speech_ogg
from tests.test_worker import SCRIPT, job_of, run_worker, texts
from tests.uploading import SPEECH_WAV, upload
from transcripts.jobs import callbacks
from transcripts.jobs import services as jobs
from transcripts.models import Recording, Segment, TranscriptionJob

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["add_audio", "recorded", "speech_ogg"]  # fixtures used here


@pytest.fixture
def public(deepgram: FakeDeepgram, live_server: LiveServer, settings) -> str:
    """Parley reachable at a public URL (the live server); files of 5 s or more call back."""
    settings.PUBLIC_URL = live_server.url
    settings.DEEPGRAM_CALLBACK_MIN_SECONDS = 5  # speech.wav is 8.8 s (17 s by its size)
    deepgram.script = SCRIPT
    return live_server.url


@pytest.fixture
def uploaded(public: str, logged_in: Client) -> Recording:
    answer = upload(logged_in, SPEECH_WAV.read_bytes(), filename="long.wav", diarize=True)
    return Recording.objects.get(pk=answer.body["recording"])


@pytest.fixture
def waiting(uploaded: Recording, deepgram: FakeDeepgram) -> TranscriptionJob:
    """A job Deepgram has the file of, and whose callback has not come (yet)."""
    deepgram.callback_deliveries = 0
    run_worker()
    return job_of(uploaded)


def callback_parts(fake: FakeDeepgram) -> tuple[str, str, str]:
    """The hook's path, the Basic Auth header and the secret the request sent to Deepgram."""
    query = fake.requests[-1].query
    url = urllib.parse.urlsplit(query["callback"][0])
    user_password = f"{url.username}:{url.password}".encode()
    key, _, secret = query["extra"][0].partition(":")
    assert key == "callback_secret"
    return url.path, "Basic " + base64.b64encode(user_password).decode(), secret


def result_of(fake: FakeDeepgram) -> dict[str, Any]:
    """The result the fake posts (or would post) for the last request, as JSON."""
    return fake.callback_bodies[fake.requests[-1].request_id]


def deliver(client: Client, path: str, body: dict[str, Any] | bytes, auth: str = "") -> int:
    """POST a callback as Deepgram does; the HTTP status."""
    data = body if isinstance(body, bytes) else json.dumps(body)
    headers = {"Authorization": auth} if auth else {}
    response = client.post(path, data, content_type="application/json", headers=headers)
    return response.status_code


def test_a_long_file_is_sent_with_a_callback_and_its_transcript_arrives(
    uploaded: Recording, deepgram: FakeDeepgram, public: str
) -> None:
    run_worker()
    deepgram.wait_for(lambda fake: fake.callbacks[0].done)
    assert deepgram.callbacks[0].status == 200
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.error, texts(uploaded)) == ("completed", "", SCRIPT)
    assert Segment.objects.filter(recording=uploaded).first().speaker == 0  # type: ignore[union-attr]
    request = deepgram.requests[0]
    job = job_of(uploaded)
    callback = urllib.parse.urlsplit(request.query["callback"][0])
    assert f"{callback.scheme}://{callback.hostname}:{callback.port}" == public
    assert callback.path == f"/hooks/deepgram/{job.pk}/"
    assert callback.username == "deepgram"
    assert len(callback.password or "") >= 32
    assert (job.status, job.callback_request_id) == ("succeeded", request.request_id)
    secret = request.query["extra"][0].partition(":")[2]
    assert secret
    assert secret not in (job.callback_secret, job.callback_auth)  # digests only


def test_a_job_waits_for_its_callback_without_being_run_again(
    waiting: TranscriptionJob,
    uploaded: Recording,
    deepgram: FakeDeepgram,
    logged_in: Client,
    settings,
) -> None:
    uploaded.refresh_from_db()
    assert (waiting.status, uploaded.status) == ("waiting", "transcribing")
    assert waiting.callback_request_id == deepgram.requests[0].request_id
    assert "Transcribing at Deepgram…" in logged_in.get(uploaded.get_absolute_url()).text
    settings.JOB_LEASE_SECONDS = 0  # a lapsed lease would be requeued at once
    assert jobs.jobs_recover_orphans() == 0
    run_worker()
    assert len(deepgram.requests) == 1
    assert job_of(uploaded).status == "waiting"


def test_a_short_file_still_goes_synchronously(
    uploaded: Recording, deepgram: FakeDeepgram, settings
) -> None:
    settings.DEEPGRAM_CALLBACK_MIN_SECONDS = 3600
    run_worker()
    uploaded.refresh_from_db()
    assert (uploaded.status, texts(uploaded)) == ("completed", SCRIPT)
    assert "callback" not in deepgram.requests[0].query
    assert deepgram.callbacks == []


def test_without_a_public_url_nothing_calls_back(
    uploaded: Recording, deepgram: FakeDeepgram, settings
) -> None:
    settings.PUBLIC_URL = ""
    run_worker()
    assert "callback" not in deepgram.requests[0].query
    assert job_of(uploaded).status == "succeeded"


def test_a_repeated_delivery_saves_nothing_twice(
    uploaded: Recording, deepgram: FakeDeepgram
) -> None:
    deepgram.callback_deliveries = 2
    run_worker()
    deepgram.wait_for(lambda fake: len(fake.callbacks) == 2 and all(c.done for c in fake.callbacks))
    assert [c.status for c in deepgram.callbacks] == [200, 200]
    assert texts(uploaded) == SCRIPT
    assert job_of(uploaded).status == "succeeded"


@pytest.mark.parametrize(
    "auth",
    [
        "",
        "Basic " + base64.b64encode(b"deepgram:wrong-password").decode(),
        "Bearer something",
        "Basic not-base64!",
    ],
)
def test_wrong_credentials_are_refused_with_401(
    waiting: TranscriptionJob, deepgram: FakeDeepgram, client: Client, auth: str
) -> None:
    path, _, _ = callback_parts(deepgram)
    response = client.post(
        path,
        json.dumps(result_of(deepgram)),
        content_type="application/json",
        headers={"Authorization": auth} if auth else {},
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert (job_of(waiting.recording).status, texts(waiting.recording)) == ("waiting", [])


@pytest.mark.parametrize("secret", [None, "", "not-the-secret"])
def test_a_missing_or_wrong_secret_is_refused_with_403(
    waiting: TranscriptionJob, deepgram: FakeDeepgram, client: Client, secret: str | None
) -> None:
    path, auth, _ = callback_parts(deepgram)
    body = result_of(deepgram)
    if secret is None:
        del body["metadata"]["extra"]
    else:
        body["metadata"]["extra"] = {"callback_secret": secret}
    assert deliver(client, path, body, auth) == 403
    assert (job_of(waiting.recording).status, texts(waiting.recording)) == ("waiting", [])


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[" * 100_000,
        b'{"metadata": {"extra": {"callback_secret": "%s"}}}',
        b'{"metadata": {"extra": {"callback_secret": "%s"}, "request_id": 7}, "results": 1}',
    ],
)
def test_a_body_that_is_not_a_transcript_is_refused_without_a_500(
    waiting: TranscriptionJob, deepgram: FakeDeepgram, client: Client, body: bytes
) -> None:
    path, auth, secret = callback_parts(deepgram)
    status = deliver(client, path, body.replace(b"%s", secret.encode()), auth)
    assert status == (400 if b"%s" in body else 403)
    assert job_of(waiting.recording).status == "waiting"


def test_a_delivery_through_the_test_client_is_saved_once(
    waiting: TranscriptionJob, deepgram: FakeDeepgram, client: Client
) -> None:
    path, auth, _ = callback_parts(deepgram)
    assert deliver(client, path, result_of(deepgram), auth) == 200
    assert deliver(client, path, result_of(deepgram), auth) == 200
    assert texts(waiting.recording) == SCRIPT
    other = result_of(deepgram)
    other["metadata"]["request_id"] = "another-request"
    assert deliver(client, path, other, auth) == 409
    assert texts(waiting.recording) == SCRIPT


def test_an_unknown_job_is_404(
    waiting: TranscriptionJob, deepgram: FakeDeepgram, client: Client
) -> None:
    _, auth, _ = callback_parts(deepgram)
    assert deliver(client, f"/hooks/deepgram/{waiting.pk + 1}/", result_of(deepgram), auth) == 404
    assert client.get(f"/hooks/deepgram/{waiting.pk}/").status_code == 405


def test_a_cancelled_job_takes_no_late_transcript(
    waiting: TranscriptionJob, deepgram: FakeDeepgram, logged_in: Client
) -> None:
    assert logged_in.post(f"/recordings/{waiting.recording_id}/cancel/").status_code == 302
    path, auth, _ = callback_parts(deepgram)
    assert deliver(Client(), path, result_of(deepgram), auth) == 409
    assert texts(waiting.recording) == []
    assert job_of(waiting.recording).status == "cancelled"


def test_a_callback_that_never_comes_fails_the_job_in_words(
    waiting: TranscriptionJob, deepgram: FakeDeepgram, client: Client
) -> None:
    deadline = waiting.lease_expires_at
    assert deadline is not None
    assert deadline > timezone.now() + timedelta(minutes=59)  # DEEPGRAM_CALLBACK_TIMEOUT_SECONDS
    # An hour passes: the deadline is now behind us.
    TranscriptionJob.objects.filter(pk=waiting.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    run_worker()  # the worker's janitor sweeps at start
    recording = Recording.objects.get(pk=waiting.recording_id)
    words = "Deepgram did not send the transcript back within 60 minutes."
    assert recording.status == "failed"
    assert recording.error.startswith(words)
    assert job_of(recording).status == "failed"
    path, auth, _ = callback_parts(deepgram)
    assert deliver(client, path, result_of(deepgram), auth) == 409  # too late
    assert texts(recording) == []


def test_a_callback_reaches_parley_through_daphne(
    uploaded: Recording, deepgram: FakeDeepgram, settings, tmp_path: Path
) -> None:
    with daphne_with(deepgram, tmp_path) as daphne:
        settings.PUBLIC_URL = daphne.url  # the ASGI server production runs
        deepgram.callback_deliveries = 2
        run_worker()
        deepgram.wait_for(
            lambda fake: len(fake.callbacks) == 2 and all(c.done for c in fake.callbacks)
        )
        path, auth, _ = callback_parts(deepgram)
        nested = httpx.post(
            daphne.url + path, content=b"[" * 100_000, headers={"Authorization": auth}
        )
    assert [c.status for c in deepgram.callbacks] == [200, 200]
    assert nested.status_code == 403
    assert texts(uploaded) == SCRIPT


@pytest.mark.parametrize(
    ("public_url", "engine", "duration", "size", "calls_back"),
    [
        ("", "deepgram", 700.0, None, False),
        ("https://parley.example.com", "local", 700.0, None, False),
        ("https://parley.example.com", "deepgram", 599.0, None, False),
        ("https://parley.example.com", "deepgram", 600.0, None, True),
        ("https://parley.example.com", "deepgram", 0.0, 600 * 16_000, True),  # by its size
        ("https://parley.example.com", "deepgram", 0.0, 600 * 16_000 - 1, False),
        ("https://parley.example.com", "deepgram", 0.0, None, False),
    ],
)
def test_which_files_are_sent_with_a_callback(
    settings, public_url: str, engine: str, duration: float, size: int | None, calls_back: bool
) -> None:
    settings.PUBLIC_URL = public_url
    settings.TRANSCRIPTION_ENGINE = engine
    settings.DEEPGRAM_API_KEY = "key"
    settings.DEEPGRAM_CALLBACK_MIN_SECONDS = 600
    recording = Recording(duration=duration, file_size=size)
    assert callbacks.callback_wanted(recording) is calls_back


def test_each_attempt_gets_its_own_credentials_in_the_url(settings) -> None:
    settings.PUBLIC_URL = "https://parley.example.com/meet/"
    first, second = callbacks.keys_new(7), callbacks.keys_new(7)
    url = urllib.parse.urlsplit(first.callback.url)
    assert (url.scheme, url.hostname, url.path) == (
        "https",
        "parley.example.com",
        "/meet/hooks/deepgram/7/",
    )
    header = "Basic " + base64.b64encode(f"{url.username}:{url.password}".encode()).decode()
    assert callbacks.auth_matches(header, first.auth_digest)
    assert not callbacks.auth_matches(header, second.auth_digest)
    assert callbacks.secret_matches(first.callback.secret, first.secret_digest)
    assert not callbacks.secret_matches(second.callback.secret, first.secret_digest)
    assert first.callback.secret not in (first.secret_digest, first.callback.url)


@pytest.mark.parametrize(
    ("seconds", "words"), [(3600, "60 minutes"), (90, "1.5 minutes"), (30, "30 seconds")]
)
def test_the_time_limit_is_said_in_words(settings, seconds: float, words: str) -> None:
    settings.DEEPGRAM_CALLBACK_TIMEOUT_SECONDS = seconds
    assert f"back within {words}." in callbacks.timeout_message()


def test_a_long_live_recording_is_refined_by_callback(
    recorded: Callable[..., Recording],
    deepgram: FakeDeepgram,
    public: str,
    logged_in: Client,
    settings,
) -> None:
    settings.DEEPGRAM_CALLBACK_MIN_SECONDS = 3  # the live recording lasted 4 s
    deepgram.callback_deliveries = 0
    recording = recorded()
    run_worker()
    assert "callback" in deepgram.requests[0].query
    assert "Refining at Deepgram…" in logged_in.get(recording.get_absolute_url()).text
    assert Recording.objects.get(pk=recording.pk).status == "completed"  # keeps its state
    path, auth, _ = callback_parts(deepgram)
    assert deliver(Client(), path, result_of(deepgram), auth) == 200
    recording.refresh_from_db()
    assert texts(recording) == SCRIPT
    assert [segment["text"] for segment in recording.draft] == DRAFT


@pytest.mark.parametrize(
    ("where", "value"),
    [("speaker", 10**6), ("speaker", -1), ("request_id", "r" * 101), ("start", 1e400)],
)
def test_a_transcript_parley_cannot_store_is_refused_without_a_500(
    waiting: TranscriptionJob, deepgram: FakeDeepgram, client: Client, where: str, value: object
) -> None:
    path, auth, _ = callback_parts(deepgram)
    body = result_of(deepgram)
    if where == "request_id":
        body["metadata"]["request_id"] = value
    else:
        body["results"]["utterances"][0][where] = value
    data = json.dumps(body).replace("Infinity", "1e400").encode()  # JSON has no infinity
    assert deliver(client, path, data, auth) == 400
    assert (job_of(waiting.recording).status, texts(waiting.recording)) == ("waiting", [])

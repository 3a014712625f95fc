"""Transcription from a link: the API, the SSRF guard's refusals, the worker's download with
its limits, and Deepgram fetching the link itself — against a real loopback HTTP server
(allowed by OUTBOUND_ALLOWED_NETWORKS), the real worker and the fake Deepgram."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.template.defaultfilters import filesizeformat
from django.test import Client

from tests.factories import make_team
from tests.fake_deepgram import FakeDeepgram
from tests.test_worker import job_of, run_job_in_thread, run_worker, texts
from tests.uploading import SPEECH_WAV, Answer, answer
from transcripts.engines.base import TranscriptionStopped
from transcripts.jobs.download import DownloadFailed, download
from transcripts.models import OutboxEvent, Recording, TranscriptionJob

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = ["Good morning everyone, thanks for joining.", "Let us review the quarterly numbers."]
AUDIO = SPEECH_WAV.read_bytes()
PAGE = b"<!DOCTYPE html><html><head><title>Meeting</title></head><body>Listen here</body></html>"


@dataclass
class Served:
    """What the loopback server was asked for, and its knobs."""

    paths: list[str] = field(default_factory=list)
    busy_left: int = 0  # answers 503 to /flaky.wav this many times first
    lock: threading.Lock = field(default_factory=threading.Lock)
    requested: threading.Event = field(default_factory=threading.Event)


class Handler(http.server.BaseHTTPRequestHandler):
    served: Served

    def do_GET(self) -> None:
        with self.served.lock:
            self.served.paths.append(self.path)
        self.served.requested.set()
        routes = {
            "/speech.wav": lambda: self._send(200, AUDIO),
            "/hop-1": lambda: self._send(302, b"", Location="/hop-2"),
            "/hop-2": lambda: self._send(301, b"", Location="/speech.wav"),
            "/no-length.wav": lambda: self._send(200, AUDIO, length=False),
            "/page.wav": lambda: self._send(200, PAGE, **{"Content-Type": "audio/wav"}),
            "/to-private": lambda: self._send(302, b"", Location="http://10.0.0.1/speech.wav"),
            "/to-metadata": lambda: self._send(302, b"", Location="http://169.254.169.254/"),
            "/slow.wav": self._trickle,
            "/steady.wav": self._steady,
            "/stall.wav": self._stall,
            "/flaky.wav": self._flaky,
        }
        routes.get(self.path, lambda: self._send(404, b"not here"))()

    def _send(self, status: int, body: bytes, *, length: bool = True, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self) -> None:
        """The file, a hundred bytes at a time, a tenth of a second apart (the slowness
        under test, not a wait for anything)."""
        self.send_response(200)
        self.send_header("Content-Length", str(len(AUDIO)))
        self.end_headers()
        try:
            for offset in range(0, min(len(AUDIO), 20_000), 100):
                self.wfile.write(AUDIO[offset : offset + 100])
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            return  # Parley gave up and hung up, as it should

    def _steady(self) -> None:
        """The file in ten pieces over three seconds: slow enough to watch it arrive."""
        self.send_response(200)
        self.send_header("Content-Length", str(len(AUDIO)))
        self.end_headers()
        piece = len(AUDIO) // 10 + 1
        try:
            for offset in range(0, len(AUDIO), piece):
                self.wfile.write(AUDIO[offset : offset + piece])
                self.wfile.flush()
                time.sleep(0.3)
        except OSError:
            return

    def _stall(self) -> None:
        """Headers, then silence for two seconds (the stall under test), then the file."""
        self.send_response(200)
        self.send_header("Content-Length", str(len(AUDIO)))
        self.end_headers()
        self.wfile.flush()
        time.sleep(2)
        try:
            self.wfile.write(AUDIO)
        except OSError:
            return

    def _flaky(self) -> None:
        with self.served.lock:
            busy = self.served.busy_left > 0
            self.served.busy_left -= 1
        if busy:
            self._send(503, b"busy")
        else:
            self._send(200, AUDIO)

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Server:
    url: str
    served: Served


@pytest.fixture
def server(settings) -> Iterator[Server]:
    """A loopback file server that the guard lets Parley reach."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    served = Served()
    handler = type("BoundHandler", (Handler,), {"served": served})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", served)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def transcribing(deepgram: FakeDeepgram) -> FakeDeepgram:
    deepgram.script = SCRIPT
    return deepgram


def link(client: Client, url: str, **fields: object) -> Answer:
    """POST a link to import, as the upload page does."""
    payload = {"url": url, "language": "en", **fields}
    return answer(client.post("/upload/url/", json.dumps(payload), content_type="application/json"))


def imported(client: Client, url: str, **fields: object) -> Recording:
    sent = link(client, url, **fields)
    assert sent.status == 201, sent.body
    return Recording.objects.get(pk=sent.body["recording"])


# --- The API and the guard -------------------------------------------------------------


def test_a_link_is_answered_like_a_finished_upload(
    logged_in: Client, server: Server, transcribing: FakeDeepgram
) -> None:
    sent = link(logged_in, f"{server.url}/speech.wav", title="Weekly call", diarize=True)
    assert sent.status == 201
    recording = Recording.objects.get(pk=sent.body["recording"])
    assert sent.body == {
        "recording": recording.pk,
        "status": "queued",
        "status_label": "Queued",
        "url": f"/recordings/{recording.pk}/",
    }
    assert (recording.title, recording.source, recording.source_url) == (
        "Weekly call",
        "upload",
        f"{server.url}/speech.wav",
    )
    assert (recording.original_filename, recording.audio.name) == ("speech.wav", "")
    assert server.served.paths == []  # nothing is fetched before the worker runs


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://10.0.0.7/meeting.mp3", "10.0.0.7 is a private address"),
        ("http://192.168.1.20/meeting.mp3", "192.168.1.20 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[::1]/meeting.mp3", "::1 is a loopback address"),
        ("file:///etc/passwd", "Only http:// and https:// addresses"),
        ("http://admin:secret@example.com/a.wav", "user name or password"),
        ("", "Give the link of an audio or video file."),
        ("http://[zz]/meeting.mp3", "The address is not a valid URL."),
        ("http://a\x00b/meeting.mp3", "could not be found"),
    ],
)
def test_a_link_the_guard_refuses_creates_nothing_and_says_why(
    logged_in: Client, transcribing: FakeDeepgram, url: str, words: str
) -> None:
    sent = link(logged_in, url)
    assert sent.status == 400
    assert words in sent.body["error"]
    assert not Recording.objects.exists()
    assert not TranscriptionJob.objects.exists()


def test_loopback_is_refused_unless_the_setting_allows_it(
    logged_in: Client, server: Server, transcribing: FakeDeepgram, settings
) -> None:
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    sent = link(logged_in, f"{server.url}/speech.wav")
    assert (sent.status, sent.body["error"]) == (
        400,
        "Parley will not fetch that link: 127.0.0.1 is a loopback address, which Parley never "
        "contacts for a URL.",
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"url": "https://example.com/a.mp3", "speed": 2}, "Unknown field 'speed' in the request."),
        ({"title": "no link"}, "url is missing from the request."),
        ({"url": 42}, "url must be a string."),
        ({"url": "https://example.com/" + "a" * 2000}, "url is too long."),
        ({"url": "http://93.184.216.34/a.mp3", "team": 999}, "You can only save to a team"),
    ],
)
def test_a_malformed_request_is_refused_in_words(
    logged_in: Client, transcribing: FakeDeepgram, body: dict[str, object], words: str
) -> None:
    response = logged_in.post("/upload/url/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert words in response.json()["error"]


@pytest.mark.parametrize("body", ["null", "[]", '"https://example.com/a.mp3"', "{", ""])
def test_a_request_that_is_not_an_object_is_refused(
    logged_in: Client, transcribing: FakeDeepgram, body: str
) -> None:
    response = logged_in.post("/upload/url/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": "Expected a JSON object with the link to import."}


def test_a_link_saved_to_a_team_carries_its_glossary_to_deepgram(
    logged_in: Client, user: User, server: Server, transcribing: FakeDeepgram
) -> None:
    team = make_team("Finance", members=(user,))
    team.glossary = ["Quarvex", "EBITDA"]
    team.save(update_fields=["glossary"])
    recording = imported(logged_in, f"{server.url}/speech.wav", team=team.pk)
    assert recording.team == team
    assert recording.options["glossary_from"] == "Finance"
    run_worker()
    assert transcribing.requests[0].query["keyterm"] == ["Quarvex", "EBITDA"]
    assert Recording.objects.get(pk=recording.pk).status == "completed"


def test_the_link_endpoint_needs_a_csrf_token(user: User, transcribing: FakeDeepgram) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert link(client, "https://example.com/a.mp3").status == 403


# --- The worker's download -------------------------------------------------------------


def test_the_file_is_downloaded_kept_and_transcribed(
    logged_in: Client, server: Server, transcribing: FakeDeepgram
) -> None:
    recording = imported(logged_in, f"{server.url}/speech.wav", diarize=True)
    run_worker()
    recording.refresh_from_db()
    assert (recording.status, recording.error) == ("completed", "")
    assert texts(recording) == SCRIPT
    assert (recording.media_format, recording.file_size) == ("wav", len(AUDIO))
    assert recording.audio.name.endswith(".wav")
    with recording.audio.open("rb") as stored:
        assert stored.read() == AUDIO
    sent = transcribing.requests[0]
    assert sent.sha256 == hashlib.sha256(AUDIO).hexdigest()
    assert sent.headers["Content-Type"] == "audio/wav"


def test_a_redirect_chain_is_followed(
    logged_in: Client, server: Server, transcribing: FakeDeepgram
) -> None:
    recording = imported(logged_in, f"{server.url}/hop-1")
    run_worker()
    recording.refresh_from_db()
    assert (recording.status, texts(recording)) == ("completed", SCRIPT)
    assert server.served.paths == ["/hop-1", "/hop-2", "/speech.wav"]


def test_progress_shows_the_download_then_the_transcription(
    logged_in: Client, server: Server, transcribing: FakeDeepgram, settings
) -> None:
    settings.EVENTS_VIA_OUTBOX = True  # every event the worker sends, kept in order
    recording = imported(logged_in, f"{server.url}/speech.wav")
    OutboxEvent.objects.all().delete()
    run_worker()
    labels = [
        event.payload["status_label"]
        for event in OutboxEvent.objects.order_by("pk")
        if event.payload["recording"] == recording.pk
    ]
    deduplicated = [label for i, label in enumerate(labels) if i == 0 or labels[i - 1] != label]
    assert deduplicated == ["Downloading", "Transcribing", "Completed"]


@pytest.mark.parametrize(
    ("path", "max_bytes", "words"),
    [
        ("/speech.wav", 1000, f"The file at that link is {filesizeformat(len(AUDIO))}; the"),
        ("/no-length.wav", 1000, "The file at that link is more than"),
        ("/page.wav", None, "not lead to an audio or video file (it is a web page;"),
        ("/missing.wav", None, "The server of that link answered 404 (Not Found)."),
        ("/to-private", None, "Parley will not fetch that link: 10.0.0.1 is a private address"),
        ("/to-metadata", None, "169.254.169.254 is a cloud metadata or shared address"),
    ],
)
def test_a_file_that_cannot_be_imported_fails_at_once_with_the_reason(
    logged_in: Client,
    server: Server,
    transcribing: FakeDeepgram,
    settings,
    path: str,
    max_bytes: int | None,
    words: str,
) -> None:
    recording = imported(logged_in, f"{server.url}{path}")
    if max_bytes is not None:
        settings.UPLOAD_MAX_BYTES = max_bytes
    run_worker()
    recording.refresh_from_db()
    assert recording.status == "failed"
    assert words in recording.error
    job = job_of(recording)
    assert (job.status, job.attempts, job.error) == ("failed", 1, recording.error)
    assert recording.audio.name == ""
    assert transcribing.requests == []
    assert list(Path(settings.UPLOAD_TEMP_DIR).glob("*")) == []


def test_the_failure_reaches_the_recording_page(
    logged_in: Client, server: Server, transcribing: FakeDeepgram
) -> None:
    recording = imported(logged_in, f"{server.url}/page.wav")
    run_worker()
    page = logged_in.get(recording.get_absolute_url()).content.decode()
    assert "Transcription failed." in page
    assert "it is a web page; link to the file itself" in page
    assert "From the link" in page
    history = logged_in.get("/recordings/").content.decode()
    assert '<span class="source-tag">Link</span>' in history


def test_a_slow_file_is_given_up_after_the_time_limit(
    logged_in: Client, server: Server, transcribing: FakeDeepgram, settings
) -> None:
    settings.URL_IMPORT_TIMEOUT_SECONDS = 0.5
    settings.JOB_MAX_ATTEMPTS = 2
    settings.JOB_RETRY_BASE_SECONDS = 0
    recording = imported(logged_in, f"{server.url}/slow.wav")
    run_worker()
    recording.refresh_from_db()
    assert recording.status == "failed"
    assert "did not arrive within 0.5 seconds. Gave up after 2 attempts." in recording.error
    assert server.served.paths == ["/slow.wav", "/slow.wav"]
    assert transcribing.requests == []


def test_a_server_that_stops_sending_is_given_up(
    logged_in: Client, server: Server, transcribing: FakeDeepgram, settings
) -> None:
    settings.URL_IMPORT_TIMEOUT_SECONDS = 0.3
    settings.JOB_MAX_ATTEMPTS = 1
    recording = imported(logged_in, f"{server.url}/stall.wav")
    run_worker()
    recording.refresh_from_db()
    assert recording.status == "failed"
    assert "The server of that link sent nothing for 0.3 seconds." in recording.error
    assert transcribing.requests == []


def test_a_busy_server_is_tried_again(
    logged_in: Client, server: Server, transcribing: FakeDeepgram, settings
) -> None:
    settings.JOB_RETRY_BASE_SECONDS = 0
    server.served.busy_left = 1
    recording = imported(logged_in, f"{server.url}/flaky.wav")
    run_worker()
    recording.refresh_from_db()
    assert (recording.status, texts(recording)) == ("completed", SCRIPT)
    assert job_of(recording).attempts == 2


def test_a_failed_import_can_be_tried_again_and_downloads_again(
    logged_in: Client, server: Server, transcribing: FakeDeepgram, settings
) -> None:
    settings.JOB_MAX_ATTEMPTS = 1
    server.served.busy_left = 1
    recording = imported(logged_in, f"{server.url}/flaky.wav")
    run_worker()
    assert Recording.objects.get(pk=recording.pk).status == "failed"
    assert logged_in.post(f"/recordings/{recording.pk}/retry/").status_code == 302
    run_worker()
    recording.refresh_from_db()
    assert (recording.status, texts(recording)) == ("completed", SCRIPT)


def test_a_download_cancelled_midway_stops_and_keeps_nothing(
    logged_in: Client, server: Server, transcribing: FakeDeepgram, settings
) -> None:
    recording = imported(logged_in, f"{server.url}/steady.wav")
    job = job_of(recording)
    running = threading.Thread(target=run_job_in_thread, args=(job.pk, str(job.token)))
    running.start()
    assert server.served.requested.wait(timeout=10)
    cancelled = logged_in.post(
        f"/recordings/{recording.pk}/cancel/", headers={"Accept": "application/json"}
    )
    assert cancelled.json()["status"] == "cancelled"
    running.join(timeout=30)
    assert not running.is_alive()
    recording.refresh_from_db()
    assert (recording.status, recording.audio.name) == ("cancelled", "")
    assert transcribing.requests == []
    assert list(Path(settings.UPLOAD_TEMP_DIR).glob("*")) == []
    assert list(Path(settings.MEDIA_ROOT).rglob("*.wav")) == []


def test_the_download_reports_progress_when_the_size_is_known(
    server: Server, tmp_path: Path
) -> None:
    seen: list[float] = []
    fetched = download(
        f"{server.url}/speech.wav",
        tmp_path / "file.part",
        on_progress=seen.append,
        should_stop=lambda: False,
    )
    assert (fetched.size, fetched.media_format.name) == (len(AUDIO), "wav")
    assert seen == sorted(seen)
    assert (seen[-1], len(seen) > 1) == (1.0, True)
    unknown: list[float] = []
    download(
        f"{server.url}/no-length.wav",
        tmp_path / "other.part",
        on_progress=unknown.append,
        should_stop=lambda: False,
    )
    assert unknown == []


def test_a_cancelled_download_stops_and_leaves_no_file(server: Server, tmp_path: Path) -> None:
    with pytest.raises(TranscriptionStopped):
        download(
            f"{server.url}/slow.wav",
            tmp_path / "file.part",
            on_progress=lambda fraction: None,
            should_stop=lambda: True,
        )
    assert list(tmp_path.glob("*")) == []


def test_a_refused_download_is_not_retryable_and_a_busy_one_is(
    server: Server, tmp_path: Path
) -> None:
    server.served.busy_left = 1
    outcomes = []
    for path in ("/to-private", "/missing.wav", "/flaky.wav"):
        with pytest.raises(DownloadFailed) as failed:
            download(
                f"{server.url}{path}",
                tmp_path / "f.part",
                on_progress=lambda f: None,
                should_stop=lambda: False,
            )
        outcomes.append(failed.value.retryable)
    assert outcomes == [False, False, True]


# --- Deepgram fetching the link itself --------------------------------------------------


@pytest.fixture
def via_deepgram(transcribing: FakeDeepgram, settings) -> FakeDeepgram:
    settings.URL_IMPORT_VIA_DEEPGRAM = True
    return transcribing


def test_deepgram_fetches_the_link_and_no_audio_is_kept(
    logged_in: Client, server: Server, via_deepgram: FakeDeepgram
) -> None:
    recording = imported(logged_in, f"{server.url}/hop-1", diarize=True)
    run_worker()
    recording.refresh_from_db()
    assert (recording.status, recording.error) == ("completed", "")
    assert texts(recording) == SCRIPT
    assert recording.audio.name == ""
    request = via_deepgram.requests[0]
    assert request.url == f"{server.url}/hop-1"
    assert request.headers["Content-Type"] == "application/json"
    assert request.query["diarize"] == ["true"]
    assert server.served.paths == ["/hop-1", "/hop-2", "/speech.wav"]  # by Deepgram, once
    page = logged_in.get(recording.get_absolute_url()).content.decode()
    assert f'The audio was not kept: Deepgram fetched it from <a href="{server.url}/hop-1"' in (
        page
    )
    assert 'id="player"' not in page


def test_deepgrams_refusal_of_the_link_fails_the_recording_in_words(
    logged_in: Client, server: Server, via_deepgram: FakeDeepgram
) -> None:
    recording = imported(logged_in, f"{server.url}/page.wav")
    run_worker()
    recording.refresh_from_db()
    assert recording.status == "failed"
    assert "Deepgram could not process this file. Deepgram said:" in recording.error
    assert job_of(recording).attempts == 1


def test_a_link_deepgram_would_fetch_is_checked_by_the_guard_first(
    logged_in: Client, via_deepgram: FakeDeepgram
) -> None:
    sent = link(logged_in, "http://169.254.169.254/latest/meta-data/")
    assert sent.status == 400
    assert "cloud metadata" in sent.body["error"]
    assert via_deepgram.requests == []


# --- The upload page ------------------------------------------------------------------


def test_the_upload_page_offers_a_labelled_link_field(
    logged_in: Client, transcribing: FakeDeepgram, settings
) -> None:
    page = logged_in.get("/upload/").content.decode()
    assert '<label for="link-url">Or transcribe from a link</label>' in page
    assert 'id="link-url" name="url"' in page
    assert 'data-url-import-url="/upload/url/"' in page
    assert 'id="link-error" role="alert"' in page
    assert "Parley downloads it and keeps the audio like an upload." in page
    settings.URL_IMPORT_VIA_DEEPGRAM = True
    page = logged_in.get("/upload/").content.decode()
    assert "Deepgram fetches it directly: Parley does not keep the audio." in page

"""What issue 14 promised a script: with a token, submit a file or a link, get a signed
webhook when the transcript is ready, fetch it as JSON or SRT, and search the library —
through the real worker, the fake Deepgram, a loopback webhook receiver and a loopback
file server."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import Client

from api.tokens import token_create
from tests.fake_deepgram import FakeDeepgram
from tests.test_webhooks import Receiver
from tests.uploading import SPEECH_WAV
from tests.working import run_worker
from webhooks import services as webhook_services

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = ["Welcome to the quarterly planning.", "Zeppelin sales doubled this year."]


@pytest.fixture
def receiver(settings, deepgram: FakeDeepgram) -> Iterator[Receiver]:
    deepgram.script = SCRIPT
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with Receiver() as running:
        yield running


@pytest.fixture
def media_server() -> Iterator[str]:
    """A loopback server with one audio file, as a phone app's storage would be."""
    audio = SPEECH_WAV.read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", str(len(audio)))
            self.end_headers()
            self.wfile.write(audio)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/standup.wav"
    httpd.shutdown()
    httpd.server_close()


def script_client(user: User) -> tuple[Client, dict[str, str]]:
    _, token = token_create(user=user, name="script", scopes=["read", "write"], expires_at=None)
    return Client(), {"Authorization": f"Bearer {token}"}


def submit(client: Client, auth: dict[str, str], how: str, media_url: str) -> int:
    if how == "file":
        file = ContentFile(SPEECH_WAV.read_bytes(), name="standup.wav")
        answer = client.post("/api/v1/transcriptions", {"file": file}, headers=auth)
    else:
        body = json.dumps({"url": media_url})
        answer = client.post(
            "/api/v1/transcriptions/url", body, content_type="application/json", headers=auth
        )
    assert answer.status_code == 201, answer.content
    return answer.json()["recording"]


@pytest.mark.parametrize("how", ["file", "link"])
def test_a_script_submits_gets_a_signed_webhook_fetches_and_searches(
    receiver: Receiver, user: User, media_server: str, how: str
) -> None:
    endpoint = webhook_services.endpoint_create(
        owner=user, team=None, url=receiver.url, events=["transcription.completed"]
    )
    receiver.secret = endpoint.secret
    client, auth = script_client(user)
    recording_id = submit(client, auth, how, media_server)

    run_worker()  # transcribes, then delivers the event it queued
    run_worker()

    assert receiver.received.refused == []
    [payload] = receiver.received.payloads
    assert payload["type"] == "transcription.completed"
    assert payload["data"]["recording"]["id"] == recording_id  # type: ignore[index]
    status = client.get(f"/api/v1/transcriptions/{recording_id}", headers=auth).json()
    assert (status["status"], status["job"]) == ("completed", "succeeded")
    exported = client.get(f"/api/v1/recordings/{recording_id}/export/json", headers=auth)
    texts = [segment["text"] for segment in json.loads(exported.content)["segments"]]
    assert texts == SCRIPT
    srt = client.get(f"/api/v1/recordings/{recording_id}/export/srt", headers=auth)
    cues = srt.content.decode().split("\n\n")
    assert [cue.splitlines()[0] for cue in cues if cue] == ["1", "2"]
    assert cues[1].rstrip().endswith(SCRIPT[1])
    found = client.get("/api/v1/search?q=zeppelin", headers=auth).json()
    assert [hit["recording"] for hit in found["items"]] == [recording_id]

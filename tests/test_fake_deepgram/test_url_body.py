"""The fake Deepgram's `{"url": ...}` bodies (the SDK's transcribe_url): it fetches the URL from
a loopback server and transcribes what it gets, or refuses as Deepgram does."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator

import pytest
from deepgram import DeepgramClient
from deepgram.errors import BadRequestError
from deepgram.types import ListenV1Response

from tests.fake_deepgram import FakeDeepgram
from tests.test_fake_deepgram.sdk import BURST_SPANS, MARKS, SCRIPT, TWO_BURSTS, wav_file

pytestmark = MARKS

BODY = wav_file(TWO_BURSTS)


class Files(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/hop":
            self.send_response(302)
            self.send_header("Location", "/two-bursts.wav")
            body = b""
        elif self.path == "/two-bursts.wav":
            self.send_response(200)
            body = BODY
        else:
            self.send_response(404)
            body = b"gone"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def files() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_url_body_is_fetched_redirects_followed_and_transcribed(
    fake: FakeDeepgram, client: DeepgramClient, files: str
) -> None:
    response = client.listen.v1.media.transcribe_url(
        url=f"{files}/hop", model="nova-3", utterances=True, punctuate=True
    )
    assert isinstance(response, ListenV1Response)
    assert response.metadata.sha256 == hashlib.sha256(BODY).hexdigest()
    assert [u.transcript for u in response.results.utterances or []] == SCRIPT
    starts = [round(u.start or 0.0, 1) for u in response.results.utterances or []]
    assert starts == [round(start, 1) for start, _ in BURST_SPANS]
    request = fake.requests[0]
    assert (request.url, request.container, request.status) == (f"{files}/hop", "wav", 200)


def test_a_url_that_answers_404_is_refused_as_remote_content(
    fake: FakeDeepgram, client: DeepgramClient, files: str
) -> None:
    with pytest.raises(BadRequestError) as refused:
        client.listen.v1.media.transcribe_url(url=f"{files}/missing.wav", model="nova-3")
    assert refused.value.body["err_code"] == "REMOTE_CONTENT_ERROR"
    assert "404" in refused.value.body["err_msg"]

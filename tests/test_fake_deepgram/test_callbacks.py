"""The fake Deepgram's callbacks: a request id at once, then the result posted to the URL."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from deepgram import DeepgramClient
from deepgram.types import ListenV1AcceptedResponse, ListenV1Response

from tests.fake_deepgram import FakeDeepgram
from tests.test_fake_deepgram.sdk import MARKS, SCRIPT, TWO_BURSTS, wav_file

pytestmark = MARKS


class Receiver(ThreadingHTTPServer):
    """A callback URL on loopback: keeps each POST's headers and JSON body."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class ReceiverHandler(BaseHTTPRequestHandler):
    """Answers 200 to every POST, after keeping it."""

    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize("deliveries", [0, 1, 2])
def test_a_callback_request_is_answered_at_once_and_posted_back(
    fake: FakeDeepgram, client: DeepgramClient, receiver: Receiver, deliveries: int
) -> None:
    fake.callback_deliveries = deliveries
    response = client.listen.v1.media.transcribe_file(
        request=wav_file(TWO_BURSTS),
        utterances=True,
        punctuate=True,
        callback=f"http://user:p%40ss@{receiver.address}/hooks/x/",
        extra=["callback_secret:s3cret", "team:blue"],
    )
    assert isinstance(response, ListenV1AcceptedResponse)
    assert response.request_id == fake.requests[0].request_id
    fake.wait_for(lambda f: len(f.callbacks) == deliveries and all(c.done for c in f.callbacks))
    assert [c.status for c in fake.callbacks] == [200] * deliveries
    assert len(receiver.received) == deliveries
    for headers, body in receiver.received:
        assert headers["Authorization"] == "Basic " + base64.b64encode(b"user:p@ss").decode()
        result = ListenV1Response.model_validate(body)
        assert result.metadata.request_id == response.request_id
        assert body["metadata"]["extra"] == {"callback_secret": "s3cret", "team": "blue"}
        assert [u.transcript for u in result.results.utterances or []] == SCRIPT
    assert fake.callback_bodies[response.request_id]["metadata"]["extra"]["team"] == "blue"


def test_a_callback_url_that_does_not_answer_is_recorded(
    fake: FakeDeepgram, client: DeepgramClient, receiver: Receiver
) -> None:
    address = receiver.address
    receiver.shutdown()
    receiver.server_close()
    client.listen.v1.media.transcribe_file(
        request=wav_file(TWO_BURSTS), callback=f"http://{address}/gone/"
    )
    fake.wait_for(lambda f: f.callbacks[0].done)
    assert fake.callbacks[0].status is None
    assert "ClientConnectorError" in fake.callbacks[0].error

"""Inputs that once answered 500, hung or stored what a database or a document refuses."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client
from docx import Document
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from config.asgi import application
from tests.conftest import session_cookie
from tests.factories import make_recording, make_segment
from tests.fake_deepgram import FakeDeepgram
from tests.servers import DaphneServer, daphne_with
from tests.sockets import RecordSocket
from transcripts.controls import MAX_SOCKET_MESSAGE_BYTES
from transcripts.models import PendingUpload, Recording, Segment

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"
CONTROLS = "a\x00b\x07c\x0bd\x1b[31me\x7f"


# --- JSON bodies that are not objects ----------------------------------------------------


@pytest.mark.parametrize("body", ["null", "[]", '"x"', "1", "{", ""])
def test_an_upload_announced_with_something_else_than_an_object_is_refused(
    logged_in: Client, body: str
) -> None:
    response = logged_in.post("/upload/files/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": "Expected a JSON object describing the file."}
    assert not PendingUpload.objects.exists()


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"filename": 7, "size": 1}, "filename must be a string."),
        ({"filename": "a.wav", "size": "10"}, "size must be an integer."),
        ({"filename": "a.wav", "size": 10, "diarize": "yes"}, "diarize must be true or false."),
        ({"filename": "a.wav", "size": 10, "colour": "red"}, "Unknown field 'colour'"),
        ({"size": 10}, "filename is missing"),
        ({"filename": "a.wav", "size": 2**70}, "size is too large."),
    ],
)
def test_an_announcement_of_the_wrong_shape_is_refused_in_words(
    logged_in: Client, fields: dict[str, object], complaint: str
) -> None:
    response = logged_in.post("/upload/files/", json.dumps(fields), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"].startswith(complaint)


# --- Numbers past 64 bits ----------------------------------------------------------------


def test_a_search_page_past_any_range_is_refused_on_the_page(logged_in: Client) -> None:
    response = logged_in.get("/search/", {"q": "word", "page": "99999999999999999999"})
    assert response.status_code == 400
    assert "page must be a whole number from 1 to 10,000." in response.content.decode()


@pytest.mark.parametrize("page", ["0", "-1", "abc", HUGE, "\uff11"])
def test_a_history_page_out_of_range_is_refused_on_the_page(logged_in: Client, page: str) -> None:
    response = logged_in.get("/recordings/", {"page": page})
    assert response.status_code == 400
    assert "page must be a whole number" in response.content.decode()


@pytest.mark.parametrize("value", [HUGE, "-5", "x", "1.5"])
def test_a_status_query_for_an_impossible_id_is_refused(logged_in: Client, value: str) -> None:
    response = logged_in.get("/recordings/status/", {"id": value})
    assert response.status_code == 400
    assert response.json()["error"].startswith("id must be a whole number")


@pytest.mark.parametrize(
    "path",
    [
        f"/recordings/{HUGE}/",
        f"/recordings/{HUGE}/audio/",
        f"/recordings/1/segments/{HUGE}/",
        "/recordings/1/speakers/99999/",
    ],
)
def test_ids_past_their_columns_are_simply_not_found(logged_in: Client, path: str) -> None:
    assert logged_in.get(path).status_code == 404
    assert logged_in.post(path).status_code == 404


# --- Control characters in text ----------------------------------------------------------


def test_a_rename_correction_and_speaker_name_keep_no_control_characters(
    logged_in: Client, user: User
) -> None:
    recording = make_recording(user)
    make_segment(recording, 0, speaker=0)
    base = f"/recordings/{recording.pk}"
    assert logged_in.post(f"{base}/rename/", {"title": CONTROLS}).status_code == 302
    assert logged_in.post(f"{base}/segments/0/", {"text": CONTROLS}).status_code == 302
    assert logged_in.post(f"{base}/speakers/0/", {"name": CONTROLS}).status_code == 302
    recording.refresh_from_db()
    assert recording.title == "abcd[31me"
    assert recording.speaker_names == {"0": "abcd[31me"}
    assert Segment.objects.get(recording=recording).text == "abcd[31me"


@pytest.mark.django_db(transaction=True)
async def test_a_title_with_control_characters_in_the_start_message_is_cleaned(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    recording_id = await socket.start(title="Board\x00 meeting\u0007 \ud800")
    await socket.stop()
    await socket.disconnect()
    assert (await Recording.objects.aget(pk=recording_id)).title == "Board meeting"


def test_a_word_export_of_text_stored_before_cleaning_opens(logged_in: Client, user: User) -> None:
    recording = make_recording(user, title="Q3\x0b review")
    make_segment(recording, 0, text="We\x0c agreed\x1f.", speaker=0)
    Recording.objects.filter(pk=recording.pk).update(speaker_names={"0": "Ann\x08"})
    response = logged_in.get(f"/recordings/{recording.pk}/export/docx/")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "Q3 review" in text
    assert "Ann: We agreed." in text


def test_a_watch_link_with_a_nul_is_not_found(logged_in: Client) -> None:
    assert logged_in.get("/watch/%00/").status_code == 404
    assert logged_in.get("/watch/" + "a" * 500 + "/").status_code == 404


@pytest.mark.django_db(transaction=True)
async def test_a_watch_socket_with_a_nul_is_refused_as_not_shared(cookie: str) -> None:
    headers = [(b"origin", b"http://localhost"), (b"cookie", f"sessionid={cookie}".encode())]
    viewer = WebsocketCommunicator(application, "/ws/watch/%00/", headers=headers)
    assert (await viewer.connect())[0]
    assert json.loads(await viewer.receive_from())["code"] == "not_shared"
    assert (await viewer.receive_output())["code"] == 4404


# --- Unknown socket paths ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ws/nonexistent/", "/", "/ws/record", "/ws/watch/", "/%00"])
async def test_an_unknown_socket_path_is_refused_at_the_handshake_without_a_traceback(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    socket = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://localhost")])
    with caplog.at_level(logging.WARNING):
        connected, _ = await socket.connect()
    assert not connected
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- Messages over the WebSocket limits, through a real Daphne ---------------------------


@pytest.fixture
def daphne(deepgram: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    with daphne_with(deepgram, tmp_path) as server:
        yield server


def record_socket(server: DaphneServer, user: User) -> ClientConnection:
    return connect(
        server.url.replace("http", "ws") + "/ws/record/",
        origin=server.url,
        additional_headers={"Cookie": f"sessionid={session_cookie(user)}"},
        max_size=None,
        open_timeout=10,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["binary", "text"])
def test_a_message_over_the_frame_limits_but_under_daphnes_gets_4400(
    daphne: DaphneServer, user: User, kind: str
) -> None:
    with record_socket(daphne, user) as socket:
        socket.send(json.dumps({"type": "start"}))
        assert json.loads(socket.recv(timeout=10))["type"] == "started"
        socket.send(b"\x00" * 100_000 if kind == "binary" else "x" * 100_000)
        error = json.loads(socket.recv(timeout=10))
        assert error["code"] == "bad_message"
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4400


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["binary", "text"])
def test_a_message_over_daphnes_limit_drops_the_connection_as_documented(
    daphne: DaphneServer, user: User, kind: str
) -> None:
    size = MAX_SOCKET_MESSAGE_BYTES + 1
    with record_socket(daphne, user) as socket:
        socket.send(json.dumps({"type": "start"}))
        assert json.loads(socket.recv(timeout=10))["type"] == "started"
        socket.send(b"\x00" * size if kind == "binary" else "x" * size)
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd is None  # no close frame: the browser reports 1006

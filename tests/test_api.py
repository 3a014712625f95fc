"""The REST API: tokens and scopes, every documented endpoint answering as documented, the
access gate (other people's ids answer 404), one error shape, rate limits, the schema."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate

from api.models import ApiToken
from api.tokens import digest_of, token_create
from tests.factories import make_recording, make_segment, make_user
from tests.uploading import SPEECH_WAV
from transcripts.models import PendingUpload, Recording

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def token_for(user: User, scopes: list[str], **fields: Any) -> str:
    token, text = token_create(user=user, name="script", scopes=scopes, expires_at=None)
    if fields:
        ApiToken.objects.filter(pk=token.pk).update(**fields)
    return text


def call(method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers |= kwargs.pop("headers", {})
    client = Client()
    send = getattr(client, method.lower())
    if "json" in kwargs:
        return send(path, json.dumps(kwargs.pop("json")), content_type="application/json",
                    headers=headers)  # fmt: skip
    return send(path, headers=headers, **kwargs)


class World:
    def __init__(self) -> None:
        self.alice, self.bob = make_user("alice"), make_user("bob")
        self.recording = make_recording(self.alice, title="Budget review")
        make_segment(self.recording, 0, text="The budget is approved.")
        self.recording.audio.save("a.ogg", ContentFile(b"OggS" + b"\0" * 200), save=False)
        self.recording.media_format = "ogg"
        self.recording.save()
        self.bobs = make_recording(self.bob, title="Bob's plans")
        make_segment(self.bobs, 0, text="The budget is secret.")
        self.rw = token_for(self.alice, ["read", "write"])
        self.read = token_for(self.alice, ["read"])
        self.write = token_for(self.alice, ["write"])
        self.upload = PendingUpload.objects.create(
            owner=self.alice, original_filename="m.wav", size=len(SPEECH_WAV.read_bytes()),
            language="en",
        )  # fmt: skip


@pytest.fixture
def world() -> World:
    return World()


def schema() -> dict[str, Any]:
    response = Client().get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi() -> None:
    document = schema()
    validate(document)
    assert document["info"]["title"] == "Parley API"
    assert "bearer" in json.dumps(document["components"]["securitySchemes"]).lower()


def request_for(world: World, path: str, method: str) -> dict[str, Any]:
    """A valid request for one documented operation, as a script would send it."""
    filled = path.format(
        recording_id=world.recording.pk, index=0, kind="srt", token=world.upload.token
    )
    kwargs: dict[str, Any] = {}
    bodies: dict[tuple[str, str], Any] = {
        ("PATCH", "/api/v1/recordings/{recording_id}"): {"title": "Budget review, final"},
        ("PATCH", "/api/v1/recordings/{recording_id}/segments/{index}"): {"text": "Approved."},
        ("POST", "/api/v1/uploads"): {"filename": "memo.wav", "size": 1000},
    }
    if (method, path) in bodies:
        kwargs["json"] = bodies[method, path]
    if path == "/api/v1/search":
        filled += "?q=budget"
    if (method, path) == ("POST", "/api/v1/transcriptions"):
        kwargs["data"] = {"file": ContentFile(SPEECH_WAV.read_bytes(), name="memo.wav")}
    if (method, path) == ("PUT", "/api/v1/uploads/{token}"):
        kwargs |= {"data": SPEECH_WAV.read_bytes(), "content_type": "application/octet-stream"}
        kwargs["headers"] = {"Upload-Offset": "0"}
    return {"method": method, "path": filled, **kwargs}


OPERATIONS = [
    (path, method.upper())
    for path, methods in sorted(
        {
            "/api/v1/recordings": ["get"],
            "/api/v1/recordings/{recording_id}": ["get", "patch", "delete"],
            "/api/v1/recordings/{recording_id}/segments": ["get"],
            "/api/v1/recordings/{recording_id}/segments/{index}": ["patch"],
            "/api/v1/recordings/{recording_id}/export/{kind}": ["get"],
            "/api/v1/recordings/{recording_id}/audio": ["get"],
            "/api/v1/search": ["get"],
            "/api/v1/transcriptions": ["post"],
            "/api/v1/uploads": ["post"],
            "/api/v1/uploads/{token}": ["put", "delete"],
            "/api/v1/transcriptions/{recording_id}": ["get"],
            "/api/v1/transcriptions/{recording_id}/cancel": ["post"],
        }.items()
    )
    for method in methods
]


def test_this_test_knows_every_documented_operation() -> None:
    documented = {
        (path, method.upper()) for path, methods in schema()["paths"].items() for method in methods
    }
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_operation_answers_as_documented(world: World, path: str, method: str) -> None:
    documented = schema()["paths"][path][method.lower()]["responses"]
    request = request_for(world, path, method)
    response = call(request.pop("method"), request.pop("path"), world.rw, **request)
    assert str(response.status_code) in documented, response.content[:300]
    cancel_without_job = method == "POST" and "cancel" in path
    assert response.status_code < 400 or cancel_without_job, response.content
    if response.get("Content-Type", "").startswith("application/json") and response.content:
        body = response.json()
        if response.status_code >= 400:
            assert set(body["error"]) == {"code", "message", "details"}


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_no_token_answers_401_in_the_error_shape(world: World, path: str, method: str) -> None:
    request = request_for(world, path, method)
    response = call(request.pop("method"), request.pop("path"), **request)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("kind", ["wrong", "revoked", "expired", "inactive user"])
def test_bad_tokens_are_refused_with_401(world: World, kind: str) -> None:
    token = {"wrong": "prl_" + "x" * 40, "revoked": None, "expired": None}.get(kind)
    if kind == "revoked":
        token = token_for(world.alice, ["read"], revoked_at=timezone.now())
    if kind == "expired":
        token = token_for(world.alice, ["read"], expires_at=timezone.now() - timedelta(1))
    if kind == "inactive user":
        token = world.read
        User.objects.filter(pk=world.alice.pk).update(is_active=False)
    response = call("GET", f"{BASE}/recordings", token)
    assert response.status_code == 401
    assert "wrong, expired or revoked" in response.json()["error"]["message"]


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_scopes_are_enforced(world: World, path: str, method: str) -> None:
    request = request_for(world, path, method)
    wrong = world.write if method == "GET" else world.read
    response = call(request.pop("method"), request.pop("path"), wrong, **request)
    assert response.status_code == 403
    assert "scope" in response.json()["error"]["message"]


@pytest.mark.parametrize(("path", "method"), [op for op in OPERATIONS if "{recording_id}" in op[0]])
def test_other_peoples_ids_answer_404_like_missing_ones(
    world: World, path: str, method: str
) -> None:
    for recording_id in (world.bobs.pk, 987654321):
        request = request_for(world, path, method)
        mine = rf"/{world.recording.pk}(?=/|\?|$)"
        theirs = re.sub(mine, f"/{recording_id}", request.pop("path"), count=1)
        response = call(request.pop("method"), theirs, world.rw, **request)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert Recording.objects.filter(pk=world.bobs.pk, title="Bob's plans").exists()


def test_search_never_shows_what_the_caller_may_not_read(world: World) -> None:
    body = call("GET", f"{BASE}/search?q=budget", world.read).json()
    assert [hit["recording"] for hit in body["items"]] == [world.recording.pk]
    assert body["total"] == 1


def test_a_script_uploads_in_one_request_and_follows_the_job(world: World) -> None:
    file = ContentFile(SPEECH_WAV.read_bytes(), name="memo.wav")
    created = call("POST", f"{BASE}/transcriptions", world.rw, data={"file": file, "title": "Memo"})
    assert created.status_code == 201
    job = created.json()
    assert job["status"] == "queued"
    recording = Recording.objects.get(pk=job["recording"])
    assert (recording.title, recording.owner) == ("Memo", world.alice)
    status = call("GET", f"{BASE}/transcriptions/{recording.pk}", world.read).json()
    assert status["job"] == "queued"
    cancelled = call("POST", f"{BASE}/transcriptions/{recording.pk}/cancel", world.rw).json()
    assert cancelled["status"] == "cancelled"


def test_a_file_that_is_not_audio_is_refused_in_words(world: World) -> None:
    file = ContentFile(b"<html>not audio</html>" * 10, name="song.mp3")
    answer = call("POST", f"{BASE}/transcriptions", world.rw, data={"file": file})
    assert answer.status_code == 400
    assert "not an audio or video file" in answer.json()["error"]["message"]


def test_bad_parameters_answer_in_the_error_shape(world: World) -> None:
    for path in (
        f"{BASE}/recordings?page=0",
        f"{BASE}/recordings?per_page=1000",
        f"{BASE}/recordings?view=team-99",
        f"{BASE}/recordings?date_from=yesterday",
        f"{BASE}/search?q=-only",
        f"{BASE}/recordings/{world.recording.pk}/export/pdf",
    ):
        response = call("GET", path, world.read)
        assert 400 <= response.status_code < 500, path
        assert set(response.json()["error"]) == {"code", "message", "details"}, path
    patch = call("PATCH", f"{BASE}/recordings/{world.recording.pk}", world.rw, json=[1])
    assert patch.status_code == 422


def test_listing_pages_and_filters(world: World) -> None:
    for n in range(3):
        make_recording(world.alice, title=f"Extra {n}")
    first = call("GET", f"{BASE}/recordings?per_page=2&view=mine", world.read).json()
    assert (first["total"], first["next_page"], len(first["items"])) == (4, 2, 2)
    titled = call("GET", f"{BASE}/recordings?q=budget", world.read).json()
    assert [item["title"] for item in titled["items"]] == ["Budget review"]
    item = titled["items"][0]
    assert item["exports"]["srt"] == f"/api/v1/recordings/{world.recording.pk}/export/srt"
    assert item["owner"] == "alice"


def test_too_many_requests_answer_429_with_retry_after(world: World, settings) -> None:
    settings.API_RATE = "3/m"
    answers = [call("GET", f"{BASE}/recordings", world.read).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = call("GET", f"{BASE}/recordings", world.read)
    assert int(refused["Retry-After"]) >= 1
    assert call("GET", f"{BASE}/recordings", world.rw).status_code == 200  # its own budget


def test_the_browser_session_works_and_keeps_csrf(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.alice)
    assert browser.get(f"{BASE}/recordings").status_code == 200
    refused = browser.patch(
        f"{BASE}/recordings/{world.recording.pk}", json.dumps({"title": "X"}),
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 403
    Recording.objects.get(pk=world.recording.pk, title="Budget review")


def test_tokens_page_shows_a_token_once_keeps_a_hash_and_revokes(world: World) -> None:
    page = Client()
    page.force_login(world.bob)
    made = page.post("/accounts/tokens/", {"name": "CRM", "scopes": ["read"]}, follow=True)
    text = made.context["new_token"]
    assert text.startswith("prl_")
    token = ApiToken.objects.get(name="CRM")
    assert token.digest == digest_of(text)
    assert text not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert text not in page.get("/accounts/tokens/").content.decode()  # shown only once
    assert call("GET", f"{BASE}/recordings", text).status_code == 200
    listed = page.get("/accounts/tokens/").content.decode().split("CRM")[1]
    assert listed.index('data-label="Last used"><time') < listed.index("Expires")
    page.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert call("GET", f"{BASE}/recordings", text).status_code == 401
    other = Client()
    other.force_login(world.alice)
    assert other.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"name": "", "scopes": ["read"]}, "Give the token a name"),
        ({"name": "x", "scopes": []}, "Choose read, write, or both"),
        ({"name": "x", "scopes": ["admin"]}, "Choose read, write, or both"),
        ({"name": "x", "scopes": ["read"], "expires": "2001-01-01"}, "in the future"),
        ({"name": "x", "scopes": ["read"], "expires": "soon"}, "as a date"),
    ],
)
def test_token_mistakes_are_said_on_the_page(world: World, fields: dict, problem: str) -> None:
    page = Client()
    page.force_login(world.bob)
    answer = page.post("/accounts/tokens/", fields)
    assert answer.status_code == 400
    assert problem in answer.content.decode()
    assert not ApiToken.objects.filter(user=world.bob).exists()


def test_staff_see_and_revoke_tokens_in_the_admin(world: World) -> None:
    staff = Client()
    staff.force_login(make_user("boss", is_staff=True, is_superuser=True))
    listing = staff.get("/admin/api/apitoken/")
    assert listing.status_code == 200
    assert "script" in listing.content.decode()
    token = ApiToken.objects.filter(user=world.alice).first()
    staff.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.state == "revoked"


def test_the_interactive_docs_load(world: World) -> None:
    page = Client()
    page.force_login(world.alice)
    assert page.get(f"{BASE}/docs").status_code == 200

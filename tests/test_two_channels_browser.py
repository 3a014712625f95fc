"""A real browser follows a two-channel meeting: both sides labelled, in time order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.audio import frames, silence, tone
from tests.chromium import CHROMIUM, require_chromium
from tests.conftest import session_cookie
from tests.fake_deepgram import FakeDeepgram
from tests.live_browsing import logged_in, recorder, until, watch_console
from tests.servers import DaphneServer, daphne_with
from tests.stereo import stereo
from transcripts.models import Recording
from transcripts.sharing import services as sharing

require_chromium()

from playwright.sync_api import expect, sync_playwright  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINE = ["Hello from my side.", "Back to me again."]
THEIRS = ["The budget is approved."]


@pytest.fixture
def server(fake_deepgram: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    fake_deepgram.script = MINE
    fake_deepgram.script_others = THEIRS
    with daphne_with(fake_deepgram, tmp_path) as daphne:
        yield daphne


@pytest.fixture
def cookies(user: User, other_user: User) -> tuple[str, str]:
    # Made before Playwright starts: Django refuses sync queries inside its event loop.
    return session_cookie(user), session_cookie(other_user)


def test_a_viewer_sees_you_and_the_others_in_time_order(
    server: DaphneServer, cookies: tuple[str, str]
) -> None:
    owner_cookie, viewer_cookie = cookies
    you = silence(0.2) + tone(1.0) + silence(2.0) + tone(1.0) + silence(0.6)
    them = silence(1.6) + tone(1.0) + silence(2.2)
    with recorder(server, owner_cookie) as meeting:
        meeting.send(json.dumps({"type": "start", "title": "Client call", "channels": 2}))
        recording_id = until(meeting, "started")["recording"]
        recording = Recording.objects.get(pk=recording_id)
        token = sharing.share_start(recording=recording).share_token
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            viewer = logged_in(browser.new_context(), server, viewer_cookie)
            problems = watch_console(viewer)
            viewer.goto(f"{server.url}/watch/{token}/")
            expect(viewer.locator("#watch-badge")).to_have_text("Live")
            for frame in frames(stereo(you, them)):
                meeting.send(frame)
            meeting.send(json.dumps({"type": "stop"}))
            until(meeting, "stopped")
            segments = viewer.locator("#transcript .segment")
            expect(segments.locator(".text")).to_have_text([MINE[0], THEIRS[0], MINE[1]])
            expect(segments.locator(".speaker")).to_have_text(["alice", "Others", "alice"])
            viewer.reload()
            expect(segments.locator(".speaker")).to_have_text(["alice", "Others", "alice"])
            browser.close()
    assert problems == []

"""Real browsers, real Daphne: the owner shares a live link, a colleague watches on a phone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.audio import frames, utterances
from tests.chromium import CHROMIUM, require_chromium
from tests.conftest import session_cookie
from tests.fake_deepgram import FakeDeepgram
from tests.live_browsing import logged_in, recorder, until, watch_console
from tests.servers import DaphneServer, daphne_with

require_chromium()

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = ["Welcome to the design review.", "First, the new landing page."]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def server(fake_deepgram: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    fake_deepgram.script = SCRIPT
    with daphne_with(fake_deepgram, tmp_path) as daphne:
        yield daphne


@pytest.fixture
def cookies(user: User, other_user: User) -> tuple[str, str]:
    # Made before Playwright starts: Django refuses sync queries inside its event loop.
    return session_cookie(user), session_cookie(other_user)


def share_and_copy(page: Page) -> str:
    """The owner shares from the transcript page, by keyboard, and copies the link."""
    page.get_by_role("button", name="Share a live link").press("Enter")
    link = page.get_by_label("Watch link")
    expect(link).to_have_value(re.compile(r"/watch/[\w-]{43}/$"))
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#share-copy-status")).to_have_text("Link copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == link.input_value()
    return copied


def test_a_colleague_watches_a_meeting_live_until_sharing_stops(
    server: DaphneServer, cookies: tuple[str, str]
) -> None:
    owner_cookie, viewer_cookie = cookies
    with recorder(server, owner_cookie) as meeting, sync_playwright() as playwright:
        meeting.send(json.dumps({"type": "start", "title": "Design review"}))
        recording_id = until(meeting, "started")["recording"]
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        owner_context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
        owner = logged_in(owner_context, server, owner_cookie)
        viewer = logged_in(browser.new_context(viewport=PHONE), server, viewer_cookie)
        problems = {"owner": watch_console(owner), "viewer": watch_console(viewer)}

        owner.goto(f"{server.url}/recordings/{recording_id}/")
        viewer.goto(share_and_copy(owner))
        expect(viewer.get_by_role("heading", name="Design review")).to_be_visible()
        expect(viewer.locator("#watch-badge")).to_have_text("Live")
        expect(viewer.get_by_text("Nothing has been said yet.")).to_be_visible()

        for frame in frames(utterances(2)):
            meeting.send(frame)
        expect(viewer.locator("#transcript .segment .text")).to_have_text(SCRIPT)
        meeting.send(json.dumps({"type": "stop"}))
        until(meeting, "stopped")
        expect(viewer.locator("#watch-badge")).to_have_text("Ended")
        expect(viewer.locator("#watch-status")).to_have_text("This recording has ended.")

        owner.get_by_role("button", name="Stop sharing").click()
        expect(owner.get_by_role("button", name="Share a live link")).to_be_visible()
        expect(viewer.get_by_role("alert")).to_contain_text("The owner stopped sharing")
        expect(viewer.locator("#transcript .segment .text")).to_have_text(SCRIPT)
        assert viewer.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        browser.close()
    assert problems == {"owner": [], "viewer": []}

"""Real browsers, real Daphne: alice shares a live meeting with her team; bob, a member,
follows it from his history and corrects a word as its editor; carol, outside, gets 404."""

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
from tests.factories import make_team, make_user
from tests.fake_deepgram import FakeDeepgram
from tests.live_browsing import logged_in, recorder, until, watch_console
from tests.servers import DaphneServer, daphne_with

require_chromium()

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = ["Welcome to the pipeline review.", "Quarvacks is ahead of plan."]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def server(fake_deepgram: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    fake_deepgram.script = SCRIPT
    with daphne_with(fake_deepgram, tmp_path) as daphne:
        yield daphne


@pytest.fixture
def people(db: None) -> dict[str, User]:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    make_team("Sales", admins=(alice,), members=(bob,))
    return {"alice": alice, "bob": bob, "carol": carol}


def share_with_team_by_keyboard(page: Page) -> None:
    """Alice shares with her team as editors from the transcript page."""
    page.get_by_label("or a team").select_option(label="Sales")
    page.get_by_label("As", exact=True).select_option("editor")
    page.get_by_role("button", name="Share", exact=True).press("Enter")
    expect(page.locator(".share-list")).to_contain_text("Team Sales")
    expect(page.get_by_label("Role of team Sales")).to_have_value("editor")


def test_a_team_follows_corrects_and_nothing_leaks(
    server: DaphneServer, people: dict[str, User]
) -> None:
    cookies = {name: session_cookie(user) for name, user in people.items()}
    with recorder(server, cookies["alice"]) as meeting, sync_playwright() as playwright:
        meeting.send(json.dumps({"type": "start", "title": "Pipeline review"}))
        recording_id = until(meeting, "started")["recording"]
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        alice = logged_in(browser.new_context(), server, cookies["alice"])
        bob = logged_in(browser.new_context(viewport=PHONE), server, cookies["bob"])
        problems = {"alice": watch_console(alice), "bob": watch_console(bob)}

        alice.goto(f"{server.url}/recordings/{recording_id}/")
        share_with_team_by_keyboard(alice)

        bob.goto(f"{server.url}/recordings/")
        bob.get_by_role("link", name="Follow live: Pipeline review").click()
        expect(bob.get_by_role("heading", name="Pipeline review")).to_be_visible()
        expect(bob.locator("#watch-badge")).to_have_text("Live")
        for frame in frames(utterances(2)):
            meeting.send(frame)
        expect(bob.locator("#transcript .segment .text")).to_have_text(SCRIPT)
        meeting.send(json.dumps({"type": "stop"}))
        until(meeting, "stopped")
        expect(bob.locator("#watch-badge")).to_have_text("Ended")

        bob.goto(f"{server.url}/recordings/{recording_id}/")
        expect(bob.get_by_text("shared with you as editor")).to_be_visible()
        # Bob's page, opened while the audio may still be being stored, reloads by itself once
        # it is (the audio's event reaches those it is shared with): wait for that first.
        expect(bob.locator("#player")).to_be_visible()
        second = bob.locator(".segment").nth(1)
        second.get_by_role("button", name=re.compile(r"^Correct the passage at ")).click()
        bob.get_by_label("Corrected text").fill("Quarvex is ahead of plan.")
        bob.get_by_role("button", name="Save", exact=True).click()
        expect(bob.locator(".segment").nth(1).locator(".text")).to_have_text(
            "Quarvex is ahead of plan."
        )
        assert bob.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # Alice's page reloads by itself once the recording ends and once its audio is stored
        # (the player appears); a reload of ours meanwhile was aborted by the page's own.
        expect(alice.locator("#player")).to_be_visible()
        alice.reload()
        expect(alice.locator(".segment").nth(1).locator(".text")).to_have_text(
            "Quarvex is ahead of plan."
        )
        expect(alice.locator(".segment").nth(1)).to_contain_text("edited")

        carol = logged_in(browser.new_context(), server, cookies["carol"])
        for path in (f"/recordings/{recording_id}/", f"/recordings/{recording_id}/live/"):
            assert carol.goto(f"{server.url}{path}").status == 404
        carol.goto(f"{server.url}/recordings/")
        expect(carol.get_by_text("Pipeline review")).to_have_count(0)
        browser.close()
    assert problems == {"alice": [], "bob": []}

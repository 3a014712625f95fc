"""Real browsers, real Daphne: alice records to her team and marks an action item by
keyboard while she speaks; bob, following live, sees it at once and marks a decision; after
the meeting both are on the recording's page, beside the transcript and on the timeline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chromium import chromium_hearing, require_chromium
from tests.conftest import session_cookie
from tests.factories import make_team, make_user
from tests.fake_deepgram import FakeDeepgram
from tests.live_browsing import logged_in, watch_console
from tests.servers import DaphneServer, daphne_with
from tests.test_browser import SCRIPT

require_chromium()

from playwright.sync_api import Browser, expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(fake_deepgram: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    fake_deepgram.script = SCRIPT
    with daphne_with(fake_deepgram, tmp_path) as daphne:
        yield daphne


@pytest.fixture
def cookies(db: None) -> dict[str, str]:
    alice, bob = make_user("alice"), make_user("bob")
    make_team("Sales", admins=(alice,), members=(bob,))
    return {"alice": session_cookie(alice), "bob": session_cookie(bob)}


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    with chromium_hearing(tmp_path) as browser:
        yield browser


def test_marks_made_by_keyboard_reach_followers_and_stay_with_the_recording(
    server: DaphneServer, cookies: dict[str, str], browser: Browser
) -> None:
    alice = logged_in(browser.new_context(), server, cookies["alice"])
    bob = logged_in(
        browser.new_context(viewport={"width": 390, "height": 844}), server, cookies["bob"]
    )
    problems = {"alice": watch_console(alice), "bob": watch_console(bob)}
    alice.goto(f"{server.url}/record/")
    alice.get_by_label("Save to").select_option(label="Sales")
    alice.get_by_label("Title").fill("Budget sync")
    action = alice.get_by_role("button", name="Action item")
    expect(action).to_be_disabled()  # nothing to mark before the recording exists
    alice.get_by_role("button", name="Start recording").click()
    expect(alice.locator("#transcript .segment .text").first).to_have_text(
        SCRIPT[0], timeout=20_000
    )
    link = alice.locator("#share-link").get_attribute("href") or ""
    recording_id = re.search(r"/recordings/(\d+)/", link).group(1)  # type: ignore[union-attr]

    bob.goto(f"{server.url}/recordings/{recording_id}/live/")
    expect(bob.locator("#transcript .segment").first).to_be_visible()
    alice.keyboard.press("a")
    note = alice.get_by_label("Note for this mark")
    expect(note).to_be_focused()
    note.fill("Send the budget")
    note.press("Enter")
    expect(alice.locator(".marks-announce")).to_have_text("Note saved.")
    bobs_marks = bob.locator(".mark-list .mark")
    expect(bobs_marks).to_have_count(1)
    expect(bobs_marks.first).to_contain_text("Action item")
    expect(bobs_marks.first).to_contain_text("Send the budget")
    expect(bobs_marks.first).to_contain_text("alice")
    bob.keyboard.press("d")
    expect(bob.get_by_label("Note for this mark")).to_be_focused()
    bob.keyboard.press("Escape")
    expect(bobs_marks).to_have_count(2)
    expect(bob.locator(".mark-list .mark-decision")).to_contain_text("bob")

    alice.get_by_role("button", name="Stop recording").click()
    expect(alice.get_by_role("status")).to_contain_text("Saved", timeout=15_000)
    alice.get_by_role("link", name="Open the transcript").click()
    marks = alice.locator("#marks .mark")
    expect(marks).to_have_count(2)
    # The timeline comes with the player, once the audio is stored (just after stop).
    expect(alice.locator("#mark-timeline .mark-flag")).to_have_count(2, timeout=15_000)
    alice.get_by_role("checkbox", name="Done").check()
    expect(alice.locator("#marks .mark-action")).to_have_class(re.compile(r"\bdone\b"))
    alice.reload()
    expect(alice.get_by_role("checkbox", name="Done")).to_be_checked()
    assert problems == {"alice": [], "bob": []}

"""A transcript that says HTML stays text: on the record page and on a viewer's watch page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.chromium import chromium_hearing, require_chromium
from tests.conftest import session_cookie
from tests.fake_deepgram import FakeDeepgram
from tests.servers import DaphneServer, daphne_with
from tests.test_browser import watch_console

require_chromium()

from playwright.sync_api import BrowserContext, Page, expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the engine "hears": markup that would run, or add elements, if the pages parsed it.
SCRIPT = [
    "<img src=x onerror=window.pwned=1>",
    "<script>window.pwned=2</script><b>bold</b>",
]


@pytest.fixture
def server(fake_deepgram: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    fake_deepgram.script = SCRIPT
    with daphne_with(fake_deepgram, tmp_path) as daphne:
        yield daphne


def signed_in(context: BrowserContext, server: DaphneServer, cookie: str) -> Page:
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": server.url}])
    return context.new_page()


def assert_shown_as_text(page: Page) -> None:
    texts = page.locator("#transcript .segment .text")
    expect(texts).to_have_text(SCRIPT, timeout=30_000)
    assert page.locator("#transcript img, #transcript script, #transcript b").count() == 0
    assert page.evaluate("window.pwned") is None


def test_html_in_a_live_transcript_is_shown_as_text_to_the_owner_and_a_viewer(
    server: DaphneServer, user: User, other_user: User, tmp_path: Path
) -> None:
    owner_cookie, viewer_cookie = session_cookie(user), session_cookie(other_user)
    with chromium_hearing(tmp_path) as browser:
        owner = signed_in(browser.new_context(), server, owner_cookie)
        problems = watch_console(owner)
        owner.goto(f"{server.url}/record/")
        owner.get_by_role("button", name="Start recording").click()
        share_link = owner.locator("#share-link")
        expect(share_link).to_have_attribute("href", re.compile(r"/recordings/\d+/#share$"))
        detail = signed_in(browser.new_context(), server, owner_cookie)
        detail.goto(server.url + (share_link.get_attribute("href") or ""))
        detail.get_by_role("button", name="Share a live link").click()
        watch_url = detail.get_by_label("Watch link").input_value()

        viewer = signed_in(browser.new_context(), server, viewer_cookie)
        problems += watch_console(viewer)
        viewer.goto(watch_url)
        assert_shown_as_text(owner)
        assert_shown_as_text(viewer)
        owner.get_by_role("button", name="Stop recording").click()
        expect(owner.get_by_role("status")).to_contain_text("Saved", timeout=30_000)
        viewer.reload()  # now rendered by the server: escaped there too
        assert_shown_as_text(viewer)
    assert problems == []

"""A real browser: with a consent notice configured, recording waits for its confirmation,
and the recording's page shows who confirmed it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.chromium import chromium_hearing, require_chromium
from tests.fake_deepgram import FakeDeepgram
from tests.servers import DaphneServer
from tests.test_browser import SCRIPT, log_in, person, watch_console

require_chromium()

from playwright.sync_api import Browser, expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["person"]  # the fixture, used by name

NOTICE = "Everyone in this meeting agreed to be recorded."


@pytest.fixture
def server(fake_deepgram: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    fake_deepgram.script = SCRIPT
    env = {
        "DEEPGRAM_API_KEY": fake_deepgram.api_key,
        "DEEPGRAM_URL": fake_deepgram.url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LIVE_AUDIO_DIR": str(tmp_path / "live-audio"),
        "CONSENT_NOTICE": NOTICE,
    }
    daphne = DaphneServer(env).start()
    yield daphne
    daphne.stop()
    assert "Traceback" not in daphne.log, daphne.log


@pytest.fixture
def browser(tmp_path: Path, person: User) -> Iterator[Browser]:
    with chromium_hearing(tmp_path) as browser:
        yield browser


def test_recording_waits_for_the_consent_notice_to_be_confirmed(
    server: DaphneServer, browser: Browser
) -> None:
    page = browser.new_page()
    problems = watch_console(page)
    log_in(page, server.url)
    start = page.get_by_role("button", name="Start recording")
    expect(page.get_by_role("group", name="Consent")).to_contain_text(NOTICE)
    expect(start).to_be_disabled()
    confirm = page.get_by_role("checkbox", name="I confirm this notice")
    confirm.press("Space")  # by keyboard
    expect(start).to_be_enabled()
    start.click()
    expect(confirm).to_be_disabled()
    expect(page.locator("#transcript .segment .text")).to_have_text(SCRIPT, timeout=20_000)
    page.get_by_role("button", name="Stop recording").click()
    expect(page.get_by_role("status")).to_contain_text("Saved 2 segments", timeout=15_000)
    page.get_by_role("link", name="Open the transcript").click()
    consent = page.locator("#consent-record")
    expect(consent).to_contain_text("Consent confirmed by frances")
    consent.locator("summary").click()
    expect(consent).to_contain_text(NOTICE)
    assert problems == []

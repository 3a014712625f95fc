"""Real Chromium, real Daphne: a live recording's audio is stored just after stop, and its
transcript page, opened before that, shows the player by itself once it is — after a
correction being typed there is saved, never instead of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.audio import silence, tone
from tests.chromium import chromium_hearing, outside_the_browser_loop, require_chromium
from tests.fake_deepgram import FakeDeepgram
from tests.live_browsing import logged_in, watch_console
from tests.servers import DaphneServer, daphne_with
from tests.test_two_channel_audio import stereo_ogg
from transcripts import protocol, realtime, services
from transcripts.live.archive import spool_path
from transcripts.models import Recording, Segment
from transcripts.storage import store_file

require_chromium()

from playwright.sync_api import Browser, Page, expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(fake_deepgram: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    with daphne_with(fake_deepgram, tmp_path) as daphne:
        yield daphne


@pytest.fixture
def stopped(user: User) -> Recording:
    """A live recording just stopped: its words saved, its audio still in the spool."""
    recording = Recording.objects.create(
        owner=user, title="Standup", language="en", engine="deepgram", duration=2.0,
        status=Recording.Status.COMPLETED,
    )  # fmt: skip
    Segment.objects.create(recording=recording, index=0, start=0.0, end=1.0, text="Hello all")
    spool_path(recording.pk).parent.mkdir(parents=True, exist_ok=True)
    spool_path(recording.pk).write_bytes(b"RIFF")
    return recording


@pytest.fixture
def browser(tmp_path: Path, stopped: Recording, cookie: str) -> Iterator[Browser]:
    # Playwright runs an event loop: the database is set up before it starts, and written
    # on another thread while it runs.
    with chromium_hearing(tmp_path) as browser:
        yield browser


def store_the_audio(stopped: Recording, user: User, tmp_path: Path) -> None:
    """What the live process does once the encoder is done."""
    name = store_file(stereo_ogg(tone(1.0), silence(1.0), tmp_path), "ogg")
    recording = Recording.objects.get(pk=stopped.pk)
    services.recording_attach_audio(recording=recording, name=name)
    realtime.publish_job_state(owner_id=user.pk, event=protocol.status_event(recording, 0))


def transcript_page_waiting_for_audio(
    server: DaphneServer, browser: Browser, stopped: Recording, cookie: str
) -> tuple[Page, list[str]]:
    """The owner's transcript page, opened before the audio is stored, and its console's
    problems."""
    page = logged_in(browser.new_context(), server, cookie)
    problems = watch_console(page)
    page.goto(f"{server.url}/recordings/{stopped.pk}/")
    expect(page.get_by_role("status").filter(has_text="The audio is being saved")).to_be_visible()
    expect(page.locator("#player")).to_have_count(0)
    return page, problems


def test_the_transcript_page_shows_the_player_once_the_audio_is_stored(
    server: DaphneServer,
    browser: Browser,
    stopped: Recording,
    cookie: str,
    user: User,
    tmp_path: Path,
) -> None:
    page, problems = transcript_page_waiting_for_audio(server, browser, stopped, cookie)

    outside_the_browser_loop(lambda: store_the_audio(stopped, user, tmp_path))
    expect(page.locator("#player")).to_be_attached(timeout=15_000)
    expect(page.locator("#audio-pending")).to_have_count(0)
    assert problems == []


def test_a_correction_being_typed_holds_the_reload_until_it_is_saved(
    server: DaphneServer,
    browser: Browser,
    stopped: Recording,
    cookie: str,
    user: User,
    tmp_path: Path,
) -> None:
    page, problems = transcript_page_waiting_for_audio(server, browser, stopped, cookie)
    page.get_by_role("button", name=re.compile(r"^Correct the passage at ")).click()
    page.get_by_label("Corrected text").fill("Hello everyone")

    outside_the_browser_loop(lambda: store_the_audio(stopped, user, tmp_path))
    waiting = page.get_by_role("status").filter(has_text="shows once you save or cancel your edit")
    expect(waiting).to_be_visible()
    expect(page.get_by_label("Corrected text")).to_have_value("Hello everyone")
    expect(page.locator("#player")).to_have_count(0)

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#player")).to_be_attached(timeout=15_000)
    expect(page.locator(".segment .text")).to_have_text("Hello everyone")
    expect(waiting).to_have_count(0)
    assert problems == []

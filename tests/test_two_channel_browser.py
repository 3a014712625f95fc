"""Real Chromium, real Daphne: a two-channel recording's stereo audio plays mixed into both
ears, while seeking from the text and the word-following keep working."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.audio import silence, tone
from tests.chromium import chromium_hearing, require_chromium
from tests.fake_deepgram import FakeDeepgram
from tests.live_browsing import logged_in, watch_console
from tests.servers import DaphneServer, daphne_with
from tests.test_two_channel_audio import stereo_ogg
from transcripts.engines.base import MICROPHONE, SHARED_AUDIO
from transcripts.models import Recording, Segment
from transcripts.storage import store_file

require_chromium()

from playwright.sync_api import Browser, expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAYING = "() => { const p = document.getElementById('player'); return p.currentTime > 0.3; }"


@pytest.fixture
def server(fake_deepgram: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    with daphne_with(fake_deepgram, tmp_path) as daphne:
        yield daphne


@pytest.fixture(params=[1, 2], ids=["mono", "two-channel"])
def recording(request: pytest.FixtureRequest, user: User, tmp_path: Path) -> Recording:
    """A finished recording of a call: "you" on the left, "others" on the right."""
    return call_recording(user, tmp_path, channels=request.param)


@pytest.fixture
def browser(tmp_path: Path, recording: Recording, cookie: str) -> Iterator[Browser]:
    # Playwright runs an event loop: everything in the database is set up before it starts.
    with chromium_hearing(tmp_path) as browser:
        yield browser


def call_recording(owner: User, tmp_path: Path, *, channels: int) -> Recording:
    """The recording, its stereo audio stored, with a segment on each side."""
    left, right = tone(1.0) + silence(3.0), silence(2.0) + tone(1.0) + silence(1.0)
    name = store_file(stereo_ogg(left, right, tmp_path), "ogg")
    recording = Recording.objects.create(
        owner=owner, title="Call", language="en", engine="deepgram", duration=4.0,
        status=Recording.Status.COMPLETED, audio=name, media_format="ogg",
        options={"channels": channels},
    )  # fmt: skip
    for index, (text, start, channel) in enumerate(
        [("Can you hear me", 0.0, MICROPHONE), ("Yes we can", 2.0, SHARED_AUDIO)]
    ):
        words = [
            {"word": w, "start": start + i * 0.3, "end": start + (i + 1) * 0.3}
            for i, w in enumerate(text.split())
        ]
        Segment.objects.create(
            recording=recording, index=index, start=start, end=start + 1.0, text=text,
            words=words, channel=channel if channels == 2 else None,
        )  # fmt: skip
    return recording


def test_a_two_channel_recording_plays_mixed_and_follows_the_words(
    server: DaphneServer, browser: Browser, recording: Recording, cookie: str
) -> None:
    channels = recording.options["channels"]
    page = logged_in(browser.new_context(), server, cookie)
    problems = watch_console(page)
    page.goto(f"{server.url}/recordings/{recording.pk}/")
    page.locator(".word", has_text="hear").click()  # seeks there and plays: a user gesture
    page.wait_for_function(PLAYING)
    player = page.locator("#player")
    if channels == 2:
        expect(player).to_have_attribute("data-mixed", "true")
    else:  # a mono recording's player is left alone
        expect(player).not_to_have_attribute("data-mixed", re.compile(".*"))
    page.evaluate("""() => { const p = document.getElementById('player'); p.pause();
        p.currentTime = 2.4; p.dispatchEvent(new Event('timeupdate')); }""")
    expect(page.locator(".word.speaking")).to_have_text("we")
    assert problems == []

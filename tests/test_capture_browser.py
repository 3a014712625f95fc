"""Real Chromium, real Daphne: the record page records the microphone and a shared tab (a
stream made in the page through the test hook), refuses a share without audio, keeps going
when sharing stops, resumes both channels after a lost connection, and remembers the chosen
microphone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.chromium import chromium_hearing, require_chromium
from tests.fake_deepgram import FakeDeepgram
from tests.live_browsing import logged_in, watch_console
from tests.servers import DaphneServer, daphne_with
from tests.test_browser import SCRIPT

require_chromium()

from playwright.sync_api import Browser, Page, WebSocketRoute, expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THEIRS = ["The budget is approved.", "See you next week."]
# The stand-in for a shared tab: a tone switched on and off (seconds from when it is
# shared), which the fake Deepgram's energy detector hears as bursts of speech.
SHARE_HOOK = """
window.parleyTestHooks = {
  shared: [],
  displayMedia: async () => {
    const canvas = document.createElement("canvas");
    canvas.getContext("2d").fillRect(0, 0, 1, 1);
    const video = canvas.captureStream(1).getVideoTracks();
    const settings = %s;
    if (!settings.audio) return new MediaStream(video);
    const context = new AudioContext();
    const tone = context.createOscillator();
    const gate = context.createGain();
    gate.gain.value = 0;
    const now = context.currentTime;
    for (const [on, off] of settings.bursts) {
      gate.gain.setValueAtTime(0.5, now + on);
      gate.gain.setValueAtTime(0, now + off);
    }
    const out = context.createMediaStreamDestination();
    tone.connect(gate).connect(out);
    tone.start();
    const track = out.stream.getAudioTracks()[0];
    window.parleyTestHooks.shared.push(track);
    return new MediaStream([...video, track]);
  },
};
"""
# What the person does when they click "Stop sharing" in the browser's bar.
STOP_SHARING = """() => {
  const track = window.parleyTestHooks.shared.at(-1);
  track.stop();
  track.dispatchEvent(new Event("ended"));
}"""


def share_hook(*, audio: bool = True, bursts: tuple[tuple[float, float], ...] = ()) -> str:
    """The init script that makes the page's shared tab a tone in `bursts`, or silent video."""
    return SHARE_HOOK % json.dumps({"audio": audio, "bursts": bursts})


@pytest.fixture
def server(fake_deepgram: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    fake_deepgram.script = SCRIPT
    fake_deepgram.script_others = THEIRS
    with daphne_with(fake_deepgram, tmp_path) as daphne:
        yield daphne


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    with chromium_hearing(tmp_path) as browser:
        yield browser


def record_page(browser: Browser, server: DaphneServer, cookie: str, hook: str) -> Page:
    page = logged_in(browser.new_context(), server, cookie)
    page.add_init_script(hook)
    page.goto(f"{server.url}/record/")
    return page


def test_both_sources_give_you_and_others_lines(
    server: DaphneServer, cookie: str, browser: Browser, fake_deepgram: FakeDeepgram
) -> None:
    page = record_page(browser, server, cookie, share_hook(bursts=((3.0, 4.0),)))
    problems = watch_console(page)
    page.get_by_label("Both").check()
    page.get_by_role("button", name="Start recording").click()
    expect(page.locator("#shared-label")).to_contain_text("Sharing:")
    expect(page.get_by_role("meter", name="Shared audio level")).to_be_visible()
    segments = page.locator("#transcript .segment")
    expect(segments).to_have_count(3, timeout=20_000)
    page.get_by_role("button", name="Stop recording").click()
    expect(page.locator("#status")).to_contain_text("Saved", timeout=15_000)
    speakers = segments.locator(".speaker")
    # The microphone talks on until stop: under load more of its lines may come before it.
    for position, speaker in enumerate(["You", "Others", "You"]):
        expect(speakers.nth(position)).to_have_text(speaker)
    expect(speakers.filter(has_text="Others")).to_have_count(1)
    expect(segments.filter(has_text=THEIRS[0]).locator(".speaker")).to_have_text("Others")
    live = fake_deepgram.connections[0]
    assert (live.param("channels"), live.param("multichannel")) == ("2", "true")
    assert problems == []


def test_a_share_without_audio_is_refused_before_recording(
    server: DaphneServer, cookie: str, browser: Browser, fake_deepgram: FakeDeepgram
) -> None:
    page = record_page(browser, server, cookie, share_hook(audio=False))
    problems = watch_console(page)
    page.get_by_label("Meeting tab or screen audio").check()
    page.get_by_role("button", name="Choose what to share").click()
    expect(page.get_by_role("alert")).to_contain_text("The shared tab has no audio")
    page.get_by_role("button", name="Start recording").click()
    expect(page.get_by_role("alert")).to_contain_text("tick 'Share tab audio'")
    expect(page.get_by_role("button", name="Start recording")).to_be_enabled()
    assert fake_deepgram.connections == []
    assert problems == []


def test_recording_goes_on_when_sharing_stops_and_sharing_can_start_again(
    server: DaphneServer, cookie: str, browser: Browser
) -> None:
    page = record_page(browser, server, cookie, share_hook(bursts=((0.5, 1.5),)))
    problems = watch_console(page)
    page.get_by_label("Both").check()
    page.get_by_role("button", name="Start recording").click()
    others = page.locator("#transcript .segment").filter(has_text=THEIRS[0])
    expect(others).to_have_count(1, timeout=15_000)
    page.evaluate(STOP_SHARING)
    status = page.locator("#status")
    expect(status).to_contain_text("Sharing stopped: recording your microphone only")
    mine = page.locator("#transcript .segment").filter(has_text=SCRIPT[1])
    expect(mine.locator(".speaker")).to_have_text("You", timeout=20_000)
    page.get_by_role("button", name="Share again").click()
    expect(status).to_have_text("Recording… speak normally.")
    later = page.locator("#transcript .segment").filter(has_text=THEIRS[1])
    expect(later.locator(".speaker")).to_have_text("Others", timeout=15_000)
    page.get_by_role("button", name="Stop recording").click()
    expect(page.locator("#status")).to_contain_text("Saved", timeout=15_000)
    assert problems == []


def test_sharing_that_stops_during_a_pause_keeps_the_pause_in_the_status(
    server: DaphneServer, cookie: str, browser: Browser
) -> None:
    page = record_page(browser, server, cookie, share_hook())
    problems = watch_console(page)
    page.get_by_label("Both").check()
    page.get_by_role("button", name="Start recording").click()
    status = page.locator("#status")
    expect(status).to_have_text("Recording… speak normally.", timeout=15_000)
    page.get_by_role("button", name="Pause recording").click()
    page.evaluate(STOP_SHARING)
    expect(status).to_have_text(
        "Paused. Nothing is being recorded until you resume. Sharing stopped: recording your "
        "microphone only. Share again to bring the meeting back."
    )
    page.get_by_role("button", name="Resume recording").click()
    expect(status).to_have_text(re.compile("^Sharing stopped: recording your microphone only"))
    page.get_by_role("button", name="Share again").click()
    expect(status).to_have_text("Recording… speak normally.")
    page.get_by_role("button", name="Stop recording").click()
    expect(status).to_contain_text("Saved", timeout=15_000)
    assert problems == []


def test_the_microphone_picker_lists_the_devices_each_with_a_meter_and_remembers_the_choice(
    server: DaphneServer, cookie: str, browser: Browser
) -> None:
    page = record_page(browser, server, cookie, share_hook())
    problems = watch_console(page)
    picker = page.get_by_role("group", name="Microphone to use")
    page.get_by_role("button", name="Test microphones").click()
    expect(page.get_by_role("button", name="Stop the test")).to_be_visible()
    devices = picker.get_by_role("radio")
    fakes = picker.get_by_role("radio", name=re.compile("Fake"))
    expect(fakes).not_to_have_count(0)
    meters = picker.get_by_role("meter")
    expect(meters).to_have_count(devices.count())
    assert devices.count() >= 2  # the default and at least one named device
    for index in range(devices.count()):  # each device's own meter moves with its sound
        name = devices.nth(index).evaluate("radio => radio.labels[0].textContent.trim()")
        meter = picker.get_by_role("meter", name=f"Level of {name}")
        expect(meter).not_to_have_attribute("aria-valuenow", "0", timeout=10_000)
    chosen = fakes.last
    chosen_name = chosen.evaluate("radio => radio.labels[0].textContent.trim()")
    chosen.focus()  # chosen by keyboard: the arrow keys move through a radio group
    page.keyboard.press("Space")
    expect(chosen).to_be_checked()
    page.get_by_role("button", name="Stop the test").click()
    expect(meters.first).to_have_attribute("aria-valuenow", "0")
    page.reload()
    expect(picker.get_by_role("radio", name=chosen_name)).to_be_checked(timeout=10_000)
    assert problems == []


def test_a_two_channel_recording_resumes_after_a_lost_connection(
    server: DaphneServer, cookie: str, browser: Browser, fake_deepgram: FakeDeepgram
) -> None:
    fake_deepgram.script, fake_deepgram.script_others = SCRIPT[:1], THEIRS[:1]
    sockets: list[tuple[WebSocketRoute, WebSocketRoute]] = []
    page = logged_in(browser.new_context(), server, cookie)
    page.route_web_socket(
        re.compile(r"/ws/record/$"),
        lambda page_side: sockets.append((page_side, page_side.connect_to_server())),
    )
    page.add_init_script(share_hook(bursts=((0.5, 1.5), (6.5, 7.5))))
    page.goto(f"{server.url}/record/")
    problems = watch_console(page)
    page.get_by_label("Both").check()
    page.get_by_role("button", name="Start recording").click()
    segments = page.locator("#transcript .segment")
    expect(segments.locator(".text")).to_have_text([THEIRS[0], SCRIPT[0]], timeout=20_000)
    # The streams after the resume hear the rest; a region split anew says nothing.
    fake_deepgram.script, fake_deepgram.script_others = [SCRIPT[1], "", ""], [THEIRS[1], "", ""]
    page_side, server_side = sockets[0]
    server_side.close(code=1001)  # the network drops: both ends lose the socket
    page_side.close(code=1001)
    expect(page.locator("#status")).to_contain_text("Reconnected", timeout=15_000)
    expect(segments.filter(has_text=SCRIPT[1]).locator(".speaker")).to_have_text(
        "You", timeout=20_000
    )
    expect(segments.filter(has_text=THEIRS[1]).locator(".speaker")).to_have_text("Others")
    page.get_by_role("button", name="Stop recording").click()
    expect(page.locator("#status")).to_contain_text("Saved", timeout=15_000)
    assert [c.param("channels") for c in fake_deepgram.connections] == ["2", "2"]
    assert problems == []


def test_a_microphone_that_is_gone_gives_way_to_the_default(
    server: DaphneServer, cookie: str, browser: Browser, user: User
) -> None:
    remembered = f"localStorage.setItem('parley.microphone.{user.pk}', 'unplugged-headset');"
    page = record_page(browser, server, cookie, share_hook() + remembered)
    problems = watch_console(page)
    page.get_by_role("button", name="Test microphones").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The microphone you chose is not connected: using the default microphone."
    )
    picker = page.get_by_role("group", name="Microphone to use")
    expect(picker.get_by_role("radio", name="Default microphone")).to_be_checked()
    assert problems == []


def test_the_meeting_tab_alone_is_recorded_as_the_others(
    server: DaphneServer, cookie: str, browser: Browser, fake_deepgram: FakeDeepgram
) -> None:
    page = record_page(browser, server, cookie, share_hook(bursts=((0.5, 1.5),)))
    problems = watch_console(page)
    page.get_by_label("Meeting tab or screen audio").check()
    expect(page.get_by_role("group", name="Microphone to use")).to_be_hidden()
    page.get_by_role("button", name="Start recording").click()
    segments = page.locator("#transcript .segment")
    expect(segments.locator(".speaker")).to_have_text(["Others"], timeout=15_000)
    page.get_by_role("button", name="Stop recording").click()
    expect(page.locator("#status")).to_contain_text("Saved 1 segment", timeout=15_000)
    assert fake_deepgram.connections[0].param("channels") == "2"
    assert problems == []

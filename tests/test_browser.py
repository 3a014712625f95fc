"""Real browser, real Daphne: record with Chromium's fake microphone and find the transcript."""

from __future__ import annotations

import re
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.storage import default_storage

from tests.chromium import (
    CHROMIUM,
    SPEECH_WAV,
    chromium_args,
    chromium_hearing,
    require_chromium,
)
from tests.fake_deepgram import FakeDeepgram
from tests.fakedeepgram.audio import RegionFinder, Windower
from tests.fakedeepgram.engine import LiveOptions as FakeLiveOptions
from tests.servers import DaphneServer, WorkerProcess
from transcripts.models import Recording, Segment

PASSWORD = "a real browser password 7"
SCRIPT = ["Good morning everyone, thanks for joining.", "Let us review the quarterly numbers."]

require_chromium()

from playwright.sync_api import Browser, Page, WebSocketRoute, expect, sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server_env(fake_deepgram: FakeDeepgram, tmp_path: Path) -> dict[str, str]:
    fake_deepgram.script = SCRIPT
    return {
        "DEEPGRAM_API_KEY": fake_deepgram.api_key,
        "DEEPGRAM_URL": fake_deepgram.url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "UPLOAD_TEMP_DIR": str(tmp_path / "partial"),
        "UPLOAD_CHUNK_BYTES": str(64 * 1024),  # several pieces, so progress is visible
    }


@pytest.fixture
def server(server_env: dict[str, str]) -> Iterator[DaphneServer]:
    daphne = DaphneServer(server_env).start()
    yield daphne
    daphne.stop()
    assert "Traceback" not in daphne.log, daphne.log


@pytest.fixture
def worker(server_env: dict[str, str]) -> Iterator[WorkerProcess]:
    process = WorkerProcess(server_env).start()
    yield process
    process.stop()
    assert "Traceback" not in process.log, process.log


@pytest.fixture
def browser(tmp_path: Path, person: User) -> Iterator[Browser]:
    with chromium_hearing(tmp_path) as browser:
        yield browser


@pytest.fixture
def person(db: None) -> User:
    # Hashed the way the server process checks passwords (the tests use a faster hasher).
    hasher = PBKDF2PasswordHasher()
    return User.objects.create(username="frances", password=hasher.encode(PASSWORD, hasher.salt()))


def watch_console(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def last_utterance_seconds(wav: Path) -> float:
    """How long the file's last stretch of speech is, found as the fake Deepgram finds it."""
    with wave.open(str(wav)) as speech:
        rate, pcm = speech.getframerate(), speech.readframes(speech.getnframes())
    endpointing = FakeLiveOptions.endpointing_ms or 0
    regions = RegionFinder(silence_frames=round(rate * endpointing / 1000))
    for window in Windower(rate).feed(pcm):
        regions.add(window)
    start, end = regions.finish()[-1]
    return (end - start) / rate


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next=/record/")
    page.get_by_label("Username").fill("frances")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Record a meeting")).to_be_visible()


def test_record_a_meeting_in_the_browser_and_find_it_in_history(
    server: DaphneServer, browser: Browser, fake_deepgram: FakeDeepgram
) -> None:
    page = browser.new_page()
    problems = watch_console(page)
    log_in(page, server.url)
    page.get_by_label("Title").fill("Quarterly review")
    clicked_start = time.monotonic()
    page.get_by_role("button", name="Start recording").click()
    expect(page.get_by_role("status")).to_contain_text("Recording")
    expect(page.get_by_role("meter", name="Microphone level")).not_to_have_attribute(
        "aria-valuenow", "0"
    )
    transcript = page.locator("#transcript .segment .text")
    expect(transcript).to_have_text(SCRIPT, timeout=20_000)
    expect(page.get_by_role("timer")).not_to_have_text("0:00")
    page.get_by_role("button", name="Stop recording").click()
    recorded_for = time.monotonic() - clicked_start
    expect(page.get_by_role("status")).to_contain_text("Saved 2 segments", timeout=15_000)

    # The worklet turned Chromium's 44.1 kHz stereo into 16 kHz mono: the fake heard no more
    # seconds than passed, and the last utterance as long as it is in the file (a wrong rate
    # or channel count would be 2-3x off either way). How much of the file's start the page
    # caught depends on how busy the machine is: the microphone plays it from when it opens.
    connection = fake_deepgram.connections[0]
    assert connection.query["sample_rate"] == ["16000"]
    heard = connection.audio_bytes / 2 / 16000
    assert heard < recorded_for + 0.5, (heard, recorded_for)
    words = connection.finals()[-1]["channel"]["alternatives"][0]["words"]
    spoken = words[-1]["end"] - words[0]["start"]
    assert spoken == pytest.approx(last_utterance_seconds(SPEECH_WAV), abs=0.1)

    page.get_by_role("link", name="Open the transcript").click()
    expect(page.get_by_role("heading", name="Quarterly review")).to_be_visible()
    expect(page.locator(".transcript .text")).to_have_text(SCRIPT)
    play_back_beside_the_transcript(page, heard)
    page.get_by_role("link", name="All recordings").click()
    row = page.get_by_role("row", name="Quarterly review")
    expect(row).to_contain_text("Completed")
    expect(row.get_by_role("cell").last).to_have_text("2")
    assert problems == []


PLAYER_DURATION = """() => new Promise(resolve => {
    const player = document.getElementById("player");
    const done = () => isFinite(player.duration) && resolve(player.duration);
    if (player.readyState >= 1) done();
    player.addEventListener("durationchange", done);
    player.addEventListener("loadedmetadata", done);
})"""

CAPTIONS = """() => new Promise(resolve => {
    const element = document.querySelector("#player track");
    element.track.mode = "hidden";
    const read = () => resolve(Array.from(element.track.cues).map(cue => cue.text));
    if (element.readyState === 2) read(); else element.addEventListener("load", read);
})"""


def play_back_beside_the_transcript(page: Page, recorded: float) -> None:
    """The audio kept during the session plays, with captions, seeking from the text."""
    # The audio is stored just after stop: the page shows the player once it is, by itself.
    expect(page.locator("#player")).to_be_attached(timeout=15_000)
    # About what the microphone heard: capture starts a moment into the file.
    # The archive holds what the server received, to within an Opus frame or two.
    assert page.evaluate(PLAYER_DURATION) == pytest.approx(recorded, abs=0.15)
    assert page.evaluate(CAPTIONS) == SCRIPT  # no speaker labels asked for: no voice tags
    second = page.locator(".segment").nth(1)
    second.get_by_role("button", name="Play from").click()
    expect(second).to_have_class(re.compile(r"\bcurrent\b"))
    start = float(second.get_attribute("data-start") or 0)
    assert page.evaluate("document.getElementById('player').currentTime") >= start
    page.goto(f"{page.url.split('?')[0]}?t={start}")
    expect(page.locator(".segment").nth(1)).to_have_class(re.compile(r"\bcurrent\b"))


def test_an_engine_failure_is_explained_on_the_page(
    server: DaphneServer, browser: Browser, fake_deepgram: FakeDeepgram
) -> None:
    fake_deepgram.api_key = "a-key-parley-does-not-have"
    page = browser.new_page()
    problems = watch_console(page)
    log_in(page, server.url)
    page.get_by_role("button", name="Start recording").click()
    expect(page.get_by_role("alert")).to_contain_text("rejected Parley's credentials")
    expect(page.get_by_role("status")).to_contain_text("The recording is in your list")
    expect(page.get_by_role("button", name="Start recording")).to_be_enabled()
    assert problems == []


def test_a_refused_microphone_is_explained_on_the_page(server: DaphneServer, person: User) -> None:
    with sync_playwright() as playwright:
        args = [a for a in chromium_args(SPEECH_WAV) if "fake-ui" not in a]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        context = browser.new_context()  # no permission granted, headless denies
        page = context.new_page()
        log_in(page, server.url)
        page.get_by_role("button", name="Start recording").click()
        expect(page.get_by_role("alert")).to_contain_text("Microphone access was refused")
        expect(page.get_by_role("button", name="Start recording")).to_be_enabled()
        browser.close()


RECORD_STATUSES = """row => {
    window.statuses = [];
    const status = row.querySelector("[role=status]");
    new MutationObserver(() => window.statuses.push(status.textContent))
        .observe(status, {childList: true, characterData: true, subtree: true});
}"""


def test_upload_a_file_and_watch_it_become_a_transcript(
    server: DaphneServer, worker: WorkerProcess, browser: Browser, fake_deepgram: FakeDeepgram
) -> None:
    fake_deepgram.rest_delay = 1.5  # long enough to see "Transcribing"
    page = browser.new_page()
    problems = watch_console(page)
    log_in(page, server.url)
    page.get_by_role("link", name="Upload", exact=True).click()
    page.get_by_label("Title").fill("Board call")
    page.get_by_label("Choose files or drop them here").set_input_files(SPEECH_WAV)
    row = page.get_by_role("listitem").filter(has_text="speech.wav")
    row.evaluate(RECORD_STATUSES)
    expect(row.get_by_role("status")).to_have_text("Transcribed.", timeout=30_000)
    expect(row.get_by_role("progressbar")).to_have_attribute("value", "100")
    seen = page.evaluate("window.statuses")
    uploading = [text for text in seen if text.startswith("Uploading… ")]
    assert any(" 0 %" not in text and " 100 %" not in text for text in uploading), seen
    later = [text.split("…")[0] for text in seen if not text.startswith(("Uploading", "Starting"))]
    assert later[0] == "Queued for transcription."
    assert "Transcribing" in later
    row.get_by_role("link", name="Open the recording of speech.wav").click()
    expect(page.get_by_role("heading", name="Board call")).to_be_visible()
    expect(page.locator(".transcript .text")).to_have_text(SCRIPT)
    expect(page.locator(".transcript .speaker")).to_have_text(["Speaker 1", "Speaker 2"])
    assert problems == []


def test_a_text_file_dressed_as_audio_is_refused_on_the_page(
    server: DaphneServer, browser: Browser, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.mp3"
    notes.write_text("Agenda: budget, hiring, offsite.\n" * 100)
    page = browser.new_page()
    log_in(page, server.url)
    page.goto(f"{server.url}/upload/")
    page.get_by_label("Choose files or drop them here").set_input_files(notes)
    row = page.get_by_role("listitem").filter(has_text="notes.mp3")
    expect(row.get_by_role("status")).to_contain_text("is not an audio or video file")


@pytest.fixture
def library(person: User) -> Recording:
    with SPEECH_WAV.open("rb") as audio:
        name = default_storage.save("recordings/speech.wav", File(audio))
    recording = Recording.objects.create(
        owner=person, title="Design review", language="en", engine="deepgram",
        status=Recording.Status.COMPLETED, duration=8.8, audio=name, media_format="wav",
    )  # fmt: skip
    words = [{"word": w, "start": 0.5 + i * 0.4, "end": 0.9 + i * 0.4} for i, w in
             enumerate(SCRIPT[0].split())]  # fmt: skip
    Segment.objects.create(
        recording=recording, index=0, start=0.5, end=3.3, text=SCRIPT[0], speaker=0, words=words
    )
    Segment.objects.create(
        recording=recording, index=1, start=4.7, end=6.9, text=SCRIPT[1], speaker=1
    )
    return recording


def test_correct_name_search_and_land_on_the_moment(
    server: DaphneServer, library: Recording, browser: Browser
) -> None:
    page = browser.new_page()
    problems = watch_console(page)
    log_in(page, server.url)
    page.goto(f"{server.url}/recordings/{library.pk}/")
    page.get_by_role("button", name="Correct the passage at 0:00").click()
    page.get_by_label("Corrected text").fill("Good morning everyone, welcome aboard.")
    page.get_by_role("button", name="Save", exact=True).click()
    first = page.locator(".segment").first
    expect(first.locator(".text")).to_have_text("Good morning everyone, welcome aboard.")
    expect(first).to_contain_text("edited")

    page.get_by_label("Speaker 1", exact=True).fill("Alice")
    page.locator(".speaker-form").first.get_by_role("button", name="Save name").click()
    expect(first.locator(".speaker")).to_have_text("Alice")
    page.reload()
    assert page.evaluate(CAPTIONS)[0] == "<v Alice>Good morning everyone, welcome aboard."

    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Words to find").fill('welcome -"quarterly numbers"')
    page.get_by_role("button", name="Search").click()
    hit = page.locator(".hit")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark")).to_have_text("welcome")
    hit.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"\?t=0\.5$"))
    expect(page.locator(".segment").first).to_have_class(re.compile(r"\bcurrent\b"))
    assert problems == []


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[DaphneServer]:
    """Parley as a fresh install runs it: no Deepgram key, so Whisper on this server."""
    env = {
        "TRANSCRIPTION_ENGINE": "",
        "DEEPGRAM_API_KEY": "",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LIVE_AUDIO_DIR": str(tmp_path / "live-audio"),
    }
    daphne = DaphneServer(env).start()
    yield daphne
    daphne.stop()
    assert "Traceback" not in daphne.log, daphne.log


def test_record_with_the_local_engine_in_the_browser(
    local_server: DaphneServer, browser: Browser
) -> None:
    page = browser.new_page()
    problems = watch_console(page)
    log_in(page, local_server.url)
    expect(page.locator("#engine")).to_contain_text("Whisper tiny.en, on this server")
    page.get_by_role("button", name="Start recording").click()
    transcript = page.locator("#transcript .segment .text")
    expect(transcript.first).to_contain_text("Good morning", timeout=30_000)
    # The second sentence as a final of its own. Its words are not checked here, nor whether
    # it comes as one final or two: Chromium's audio thread can drop samples on a loaded
    # machine, and tiny.en then mishears or hears a pause; the socket tests check the words
    # and the cuts on exact audio (tests/test_local_engine.py).
    expect(transcript.nth(1)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Stop recording").click()
    expect(page.get_by_role("status")).to_contain_text("Saved", timeout=30_000)
    page.get_by_role("link", name="Open the transcript").click()
    expect(page.locator(".segment").first).to_contain_text("Good morning")
    expect(page.locator(".meta")).to_contain_text("Whisper tiny.en, on this server")
    assert problems == []


def test_a_page_whose_socket_drops_resumes_the_recording_and_keeps_every_word(
    server: DaphneServer, browser: Browser, fake_deepgram: FakeDeepgram
) -> None:
    fake_deepgram.script = SCRIPT[:1]  # the first stream hears the first sentence
    sockets: list[tuple[WebSocketRoute, WebSocketRoute]] = []

    def relay(page_side: WebSocketRoute) -> None:
        sockets.append((page_side, page_side.connect_to_server()))

    page = browser.new_page()
    problems = watch_console(page)
    page.route_web_socket(re.compile(r"/ws/record/$"), relay)
    log_in(page, server.url)
    page.get_by_label("Title").fill("Wi-Fi trouble")
    clicked_start = time.monotonic()
    page.get_by_role("button", name="Start recording").click()
    transcript = page.locator("#transcript .segment .text")
    expect(transcript).to_have_text(SCRIPT[:1], timeout=20_000)

    # The next stream, after the resume, hears the second. Its energy detector may split that
    # sentence differently on the new stream's 20 ms grid: any extra region says nothing.
    fake_deepgram.script = [*SCRIPT[1:], "", "", ""]
    page_side, server_side = sockets[0]
    server_side.close(code=1001)  # the network drops: both ends lose the socket
    page_side.close(code=1001)
    expect(page.get_by_role("status")).to_contain_text("Reconnected", timeout=15_000)
    expect(transcript).to_have_text(SCRIPT, timeout=20_000)
    page.get_by_role("button", name="Stop recording").click()
    recorded_for = time.monotonic() - clicked_start
    expect(page.get_by_role("status")).to_contain_text("Saved 2 segments", timeout=15_000)

    page.get_by_role("link", name="Open the transcript").click()
    expect(page.locator(".transcript .text")).to_have_text(SCRIPT)
    expect(page.locator("#player")).to_be_attached(timeout=15_000)  # stored just after stop
    # Both parts of the audio, joined: as long as all the recording received.
    duration = page.evaluate(PLAYER_DURATION)
    assert 5.0 < duration < recorded_for + 0.5, (duration, recorded_for)
    heard = sum(c.audio_bytes for c in fake_deepgram.connections) / 2 / 16000
    assert len(fake_deepgram.connections) == 2
    # What the first stream had not finalised went again (Opus pads to its 60 ms frames).
    assert duration - 0.1 <= heard < duration + 4.0
    assert problems == []


@pytest.fixture
def unsure(person: User) -> Recording:
    """A recording whose words carry confidences, one of them low."""
    with SPEECH_WAV.open("rb") as audio:
        name = default_storage.save("recordings/unsure.wav", File(audio))
    recording = Recording.objects.create(
        owner=person, title="Unsure words", language="en", engine="deepgram",
        status=Recording.Status.COMPLETED, duration=8.8, audio=name, media_format="wav",
    )  # fmt: skip
    said = "Good morning everyone Quarvex joined"
    words = [
        {"word": w, "start": 0.5 + i * 0.4, "end": 0.9 + i * 0.4,
         "confidence": 0.31 if w == "Quarvex" else 0.97}
        for i, w in enumerate(said.split())
    ]  # fmt: skip
    Segment.objects.create(
        recording=recording, index=0, start=0.5, end=2.9, text=said, speaker=0, words=words
    )
    return recording


def test_the_page_marks_unsure_words_and_follows_playback_word_by_word(
    server: DaphneServer, unsure: Recording, browser: Browser
) -> None:
    page = browser.new_page()
    problems = watch_console(page)
    log_in(page, server.url)
    page.goto(f"{server.url}/recordings/{unsure.pk}/")
    expect(page.locator(".word.low")).to_have_text(["Quarvex"])
    expect(page.locator(".low-legend")).to_contain_text("1 in this transcript")
    page.locator(".word", has_text="everyone").click()  # seeks there and plays
    page.evaluate("document.getElementById('player').pause()")
    page.evaluate("""() => { const p = document.getElementById('player');
        p.currentTime = 2.0; p.dispatchEvent(new Event('timeupdate')); }""")
    expect(page.locator(".word.speaking")).to_have_text("Quarvex")
    page.evaluate("""() => { const p = document.getElementById('player');
        p.currentTime = 0.6; p.dispatchEvent(new Event('timeupdate')); }""")
    expect(page.locator(".word.speaking")).to_have_text("Good")
    assert problems == []

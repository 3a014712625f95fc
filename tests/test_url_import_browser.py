"""The upload page's link field in a real Chromium against a real Daphne and worker: a link
is followed from download to transcript, and a refused one is explained beside the field."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.fake_deepgram import FakeDeepgram
from tests.servers import DaphneServer, WorkerProcess
from tests.test_browser import (  # noqa: F401 (fixtures)
    RECORD_STATUSES,
    SCRIPT,
    browser,
    log_in,
    person,
    server,
    server_env,
    watch_console,
    worker,
)
from tests.test_url_import import Handler, Served

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def files() -> Iterator[str]:
    """A loopback file server (the Daphne and worker processes are allowed to reach it)."""
    handler = type("BoundHandler", (Handler,), {"served": Served()})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def loopback_allowed(server_env: dict[str, str]) -> None:  # noqa: F811
    server_env["OUTBOUND_ALLOWED_NETWORKS"] = "127.0.0.1/32"


def script_problems(problems: list[str]) -> list[str]:
    """Console errors other than Chromium's note on a 400 answer (the refusal under test)."""
    return [text for text in problems if "Failed to load resource" not in text]


def test_a_link_is_downloaded_then_transcribed_on_the_page(
    server: DaphneServer,  # noqa: F811
    worker: WorkerProcess,  # noqa: F811
    browser: Browser,  # noqa: F811
    fake_deepgram: FakeDeepgram,
    files: str,
) -> None:
    page = browser.new_page()
    problems = watch_console(page)
    log_in(page, server.url)
    page.goto(f"{server.url}/upload/")
    field = page.get_by_label("Or transcribe from a link")
    field.fill(f"{files}/steady.wav")
    field.press("Enter")  # the keyboard is enough
    row = page.get_by_role("listitem").filter(has_text="steady.wav")
    row.evaluate(RECORD_STATUSES)
    expect(row.get_by_role("status")).to_have_text("Transcribed.", timeout=30_000)
    seen = page.evaluate("window.statuses")
    downloading = [text for text in seen if text.startswith("Downloading…")]
    assert any(text.endswith(" %") for text in downloading), seen
    assert seen.index(downloading[-1]) < max(
        i for i, text in enumerate(seen) if text.startswith("Transcribing")
    ), seen
    expect(field).to_have_value("")
    row.get_by_role("link", name=f"Open the recording of {files}/steady.wav").click()
    expect(page.locator(".transcript .text")).to_have_text(SCRIPT)
    expect(page.locator("#source-link")).to_contain_text(f"{files}/steady.wav")
    assert script_problems(problems) == []


def test_a_refused_link_is_explained_beside_the_field(
    server: DaphneServer,  # noqa: F811
    browser: Browser,  # noqa: F811
    fake_deepgram: FakeDeepgram,
) -> None:
    page = browser.new_page()
    problems = watch_console(page)
    log_in(page, server.url)
    page.goto(f"{server.url}/upload/")
    field = page.get_by_label("Or transcribe from a link")
    field.fill("http://10.0.0.1/meeting.mp3")
    page.get_by_role("button", name="Transcribe link").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Parley will not fetch that link: 10.0.0.1 is a private address, which Parley never "
        "contacts for a URL."
    )
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("http://10.0.0.1/meeting.mp3")
    expect(page.get_by_role("listitem").filter(has_text="meeting.mp3")).to_have_count(0)
    assert script_problems(problems) == []

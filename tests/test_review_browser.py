"""Real browser, real Daphne: a reviewer works through a submitted transcript by keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import default_storage

from review.models import ReviewComment
from teams.models import Membership
from tests.chromium import CHROMIUM, SPEECH_WAV, require_chromium
from tests.conftest import session_cookie
from tests.factories import make_team, make_user
from tests.fake_deepgram import FakeDeepgram
from tests.live_browsing import logged_in, watch_console
from tests.servers import DaphneServer, daphne_with
from transcripts.models import Recording, Segment

require_chromium()

from playwright.sync_api import BrowserContext, Page, expect, sync_playwright  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PASSAGES = [
    ("The Quarvex launch has slipped", {"Quarvex": 0.31}),
    ("because Zenthra found a bug", {"Zenthra": 0.42}),
    ("in the Brolly module", {"Brolly": 0.2}),
]


@pytest.fixture
def server(fake_deepgram: FakeDeepgram, tmp_path: Path) -> Iterator[DaphneServer]:
    with daphne_with(fake_deepgram, tmp_path) as daphne:
        yield daphne


def words_of(text: str, start: float, unsure: dict[str, float]) -> list[dict[str, object]]:
    return [
        {"word": w, "start": round(start + i * 0.3, 3), "end": round(start + i * 0.3 + 0.25, 3),
         "confidence": unsure.get(w, 0.98), "speaker": 0}
        for i, w in enumerate(text.split())
    ]  # fmt: skip


@pytest.fixture
def draft() -> Recording:
    """The owner's meeting with three unsure words, not yet submitted; the team has a
    reviewer."""
    owner, reviewer = make_user("olive"), make_user("rita")
    team = make_team("Product", members=(owner, reviewer))
    Membership.objects.filter(user=reviewer).update(reviewer=True)
    with SPEECH_WAV.open("rb") as audio:
        name = default_storage.save("recordings/launch.wav", File(audio))
    recording = Recording.objects.create(
        owner=owner, team=team, title="Launch sync", language="en", engine="deepgram",
        status=Recording.Status.COMPLETED, duration=8.8, audio=name, media_format="wav",
    )  # fmt: skip
    for index, (text, unsure) in enumerate(PASSAGES):
        Segment.objects.create(
            recording=recording, index=index, start=index * 2.5, end=index * 2.5 + 2.0,
            text=text, speaker=0, words=words_of(text, index * 2.5, unsure),
        )  # fmt: skip
    return recording


def open_from_the_queue(page: Page, server: DaphneServer) -> None:
    page.goto(f"{server.url}/review/")
    row = page.get_by_role("row", name="Launch sync")
    expect(row.locator("td[data-label='Unsure words']")).to_have_text("3")
    expect(page.get_by_role("link", name="Review 1 waiting")).to_be_visible()
    row.get_by_role("link", name="Launch sync").click()
    expect(page.get_by_role("heading", name="Launch sync")).to_be_visible()
    expect(page.get_by_role("heading", name="Keyboard")).to_be_visible()


def owner_replies_and_resolves(
    context: BrowserContext, server: DaphneServer, cookie: str, recording: Recording
) -> None:
    """The owner answers the reviewer's comment on the transcript page and resolves it."""
    page = logged_in(context, server, cookie)
    problems = watch_console(page)
    page.goto(f"{server.url}/recordings/{recording.pk}/")
    comments = page.get_by_role("region", name="Review comments")
    expect(comments.locator(".thread")).to_contain_text("Is it Xenthra with an X?")
    comments.get_by_label("Reply to this thread").fill("Yes, with an X.")
    comments.get_by_role("button", name="Reply").click()
    expect(comments.locator(".comment-text")).to_have_text(
        ["Is it Xenthra with an X?", "Yes, with an X."]
    )
    comments.get_by_role("button", name="Resolve").click()
    expect(comments.get_by_role("button", name="Reopen")).to_be_focused()
    expect(comments.locator(".thread-state")).to_contain_text("Resolved by olive")
    assert problems == []


def owner_submits(page: Page, server: DaphneServer, recording: Recording) -> None:
    """The owner submits the transcript to the team's reviewers from its page."""
    page.goto(f"{server.url}/recordings/{recording.pk}/")
    panel = page.get_by_role("region", name="Review")
    expect(panel.locator("[data-role=review-state]")).to_have_text("Draft")
    expect(panel.get_by_label("Reviewer")).to_have_value("")  # the team's reviewers
    panel.get_by_role("button", name="Submit for review").click()
    expect(panel.locator("[data-role=review-state]")).to_have_text(
        "Submitted to Product's reviewers"
    )


def reviewer_takes(page: Page, server: DaphneServer) -> None:
    open_from_the_queue(page, server)
    page.get_by_role("button", name="Take for review").click()
    expect(page.get_by_role("button", name="Approve")).to_be_visible()


def reviewer_works_by_keyboard(page: Page) -> None:
    """Jump through the unsure words, accept one, correct one, comment, send it back."""
    status = page.locator("#review-status")
    page.keyboard.press("n")
    page.keyboard.press("k")  # plays from the focused word
    page.wait_for_function("!document.getElementById('player').paused")
    page.evaluate("document.getElementById('player').pause()")
    page.keyboard.press("n")
    expect(page.locator(".word.focused")).to_have_text("Zenthra")
    expect(page.locator(".word.focused")).to_be_focused()
    expect(status).to_have_text("Word 2 of 3: Zenthra, 0.42")
    page.keyboard.press("p")
    expect(page.locator(".word.focused")).to_be_focused()
    expect(status).to_have_text("Word 1 of 3: Quarvex, 0.31")

    page.keyboard.press("a")
    expect(page.locator(".word.low")).to_have_text(["Zenthra", "Brolly"])
    expect(status).to_have_text("Accepted “Quarvex”. 2 unsure words left.")
    expect(page.locator("#low-count")).to_have_text("2 unsure words")

    page.keyboard.press("n")
    expect(status).to_have_text("Word 1 of 2: Zenthra, 0.42")
    page.keyboard.press("e")
    editor = page.get_by_label("Corrected passage")
    expect(editor).to_be_focused()
    editor.fill("because Xenthra found a bug")
    editor.press("Enter")
    expect(editor).to_have_count(0)
    expect(page.locator("#segment-1 .text")).to_have_text("because Xenthra found a bug")
    expect(page.locator(".word.low")).to_have_text(["Brolly"])

    page.keyboard.press("c")
    comment = page.get_by_label("Comment on this passage")
    expect(comment).to_be_focused()
    comment.fill("Is it Xenthra with an X?")
    comment.press("Control+Enter")
    thread = page.locator("#segment-1 .thread")
    expect(thread).to_contain_text("Is it Xenthra with an X?")
    expect(thread.locator(".thread-quote")).to_have_text("because Xenthra found a bug")
    expect(comment).to_have_count(0)

    page.locator("body").focus()
    page.keyboard.press("Shift+C")
    note = page.get_by_label("What needs to change")
    expect(note).to_be_focused()
    note.fill("Brolly is the Brollie module.")
    page.get_by_role("button", name="Send back to the owner").click()


def owner_fixes_and_resubmits(page: Page, server: DaphneServer, recording: Recording) -> None:
    """The owner reads the request, corrects the passage and resubmits."""
    page.goto(f"{server.url}/recordings/{recording.pk}/")
    panel = page.get_by_role("region", name="Review")
    expect(panel.locator("#review-notices")).to_contain_text("rita asked for changes")
    expect(panel.get_by_label("What the reviewer asked to change")).to_have_text(
        "Brolly is the Brollie module."
    )
    page.get_by_role("button", name="Correct the passage at 0:05").click()
    editor = page.get_by_label("Corrected text")
    editor.fill("in the Brollie module")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#segment-2 .text")).to_have_text("in the Brollie module")
    panel.get_by_role("button", name="Resubmit").click()
    expect(panel.locator("[data-role=review-state]")).to_have_text("Submitted to rita")


def test_a_transcript_goes_from_owner_to_reviewer_and_back_until_it_is_approved(
    server: DaphneServer, draft: Recording
) -> None:
    reviewer = draft.team.memberships.get(reviewer=True).user
    cookie, owner_cookie = session_cookie(reviewer), session_cookie(draft.owner)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        owner = logged_in(browser.new_context(), server, owner_cookie)
        page = logged_in(browser.new_context(), server, cookie)
        problems = {"owner": watch_console(owner), "reviewer": watch_console(page)}
        owner_submits(owner, server, draft)
        reviewer_takes(page, server)
        reviewer_works_by_keyboard(page)
        expect(page.locator("#review-state")).to_have_text("Changes requested")
        expect(page.locator("#action-done")).to_be_visible()

        owner_fixes_and_resubmits(owner, server, draft)
        page.goto(f"{server.url}/review/{draft.pk}/")
        page.get_by_role("button", name="Take for review").click()
        expect(page.get_by_role("button", name="Approve")).to_be_visible()
        page.locator("body").focus()
        page.keyboard.press("Shift+A")
        expect(page.locator("#review-state")).to_have_text("Approved")

        owner.reload()
        panel = owner.get_by_role("region", name="Review")
        expect(panel.locator("[data-role=review-state]")).to_contain_text("Approved by rita")
        expect(panel.locator("#review-notices")).to_contain_text("rita approved this transcript")
        expect(owner.get_by_role("button", name="Correct the passage at 0:00")).to_have_count(0)
        assert problems == {"owner": [], "reviewer": []}
        owner_replies_and_resolves(browser.new_context(), server, owner_cookie, draft)
        browser.close()

    first, second, third = Segment.objects.filter(recording=draft).order_by("index")
    assert first.words[1]["accepted"] is True
    assert (second.text, second.edited, second.words[1]["accepted"]) == (
        "because Xenthra found a bug", True, True,
    )  # fmt: skip
    assert third.text == "in the Brollie module"
    thread = ReviewComment.objects.get(parent=None)
    assert (thread.segment_index, thread.resolved_by) == (1, draft.owner)
    assert [reply.text for reply in thread.replies.all()] == ["Yes, with an X."]
    assert Recording.objects.get(pk=draft.pk).review_state == "approved"

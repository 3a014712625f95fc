"""Review comments: threads on a passage, replies, resolving, and who may see them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from review.comments.selectors import may_discuss, threads_of
from review.comments.services import comment_add, thread_reopen, thread_resolve
from review.models import MAX_COMMENT_CHARS, ReviewComment
from review.services import review_take
from tests.factories import make_recording
from tests.review_world import World, client_for, make_world
from transcripts.errors import ApplicationError

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}


@pytest.fixture
def world() -> World:
    return make_world()


def thread_on_first_passage(world: World) -> ReviewComment:
    return comment_add(
        recording=world.recording, by=world.reviewer, text="Is it Quarvex or Quorvex?",
        segment_index=0, quote="The Quarvex launch slipped.",
    )  # fmt: skip


def test_a_thread_on_a_passage_keeps_its_quote(world: World) -> None:
    thread = thread_on_first_passage(world)
    assert (thread.segment_index, thread.quote, thread.parent) == (
        0,
        "The Quarvex launch slipped.",
        None,
    )


def test_replies_join_the_threads_first_comment(world: World) -> None:
    thread = thread_on_first_passage(world)
    reply = comment_add(recording=world.recording, by=world.owner, text="Quorvex.", parent=thread)
    again = comment_add(recording=world.recording, by=world.reviewer, text="Thanks", parent=reply)
    assert reply.parent == again.parent == thread
    assert again.segment_index == 0
    [read] = threads_of(recording=world.recording)
    assert [c.text for c in read.replies.all()] == ["Quorvex.", "Thanks"]


def test_a_thread_is_resolved_and_reopened(world: World) -> None:
    thread = thread_on_first_passage(world)
    reply = comment_add(recording=world.recording, by=world.owner, text="Fixed.", parent=thread)
    resolved = thread_resolve(comment=reply, by=world.owner)
    assert (resolved.pk, resolved.resolved_by) == (thread.pk, world.owner)
    with pytest.raises(ApplicationError):
        thread_resolve(comment=thread, by=world.reviewer)
    assert thread_reopen(comment=thread, by=world.reviewer).resolved_at is None
    with pytest.raises(ApplicationError):
        thread_reopen(comment=thread, by=world.reviewer)


def test_a_reply_reopens_a_resolved_thread(world: World) -> None:
    thread = thread_on_first_passage(world)
    thread_resolve(comment=thread, by=world.owner)
    comment_add(recording=world.recording, by=world.reviewer, text="Not quite.", parent=thread)
    thread.refresh_from_db()
    assert thread.resolved_at is None


@pytest.mark.parametrize(
    ("who", "discusses"),
    [
        ("owner", True),
        ("editor", True),
        ("reviewer", True),
        ("other_reviewer", True),  # submitted to the team's reviewers
        ("viewer", False),
        ("stranger", False),
    ],
)
def test_who_shares_the_comments(world: World, who: str, discusses: bool) -> None:
    person = getattr(world, who)
    assert may_discuss(user=person, recording=world.recording) is discusses
    thread = thread_on_first_passage(world)
    client = client_for(person)
    detail = client.get(world.recording.get_absolute_url())
    assert (b"Is it Quarvex or Quorvex?" in detail.content) is discusses
    added = client.post(f"/review/{world.recording.pk}/comments/", {"text": "Hello"}, headers=JSON)
    assert added.status_code == (200 if discusses else 404)
    resolved = client.post(f"/review/comments/{thread.pk}/resolve/", headers=JSON)
    assert resolved.status_code == (200 if discusses else 404)


def test_a_reviewer_who_no_longer_reviews_it_loses_the_comments(world: World) -> None:
    review_take(recording=world.recording, by=world.reviewer)
    assert may_discuss(user=world.other_reviewer, recording=world.recording) is False
    with pytest.raises(ApplicationError):
        comment_add(recording=world.recording, by=world.other_reviewer, text="Hi")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"text": "  \n "}, "Write a comment first."),
        ({"text": "x" * (MAX_COMMENT_CHARS + 1)}, "A comment has at most 2,000 characters."),
        ({"text": "Hi", "segment": "7"}, "This recording has no such passage."),
        ({"text": "Hi", "segment": "first"}, "segment must be a whole number"),
        ({"text": "Hi", "segment": "0", "quote": "q" * 301}, "A quote has at most 300"),
        ({"text": "Hi", "parent": "-1"}, "parent must be a whole number"),
    ],
)
def test_a_bad_comment_is_refused_with_a_message(world: World, fields: dict, error: str) -> None:
    response = client_for(world.owner).post(
        f"/review/{world.recording.pk}/comments/", fields, headers=JSON
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    assert not ReviewComment.objects.exists()


def test_a_reply_to_another_recordings_thread_is_refused(world: World) -> None:
    elsewhere = make_recording(world.owner)
    foreign = comment_add(recording=elsewhere, by=world.owner, text="Elsewhere")
    with pytest.raises(ValidationError):
        comment_add(recording=world.recording, by=world.owner, text="Hi", parent=foreign)


def test_a_reply_to_a_thread_one_may_not_see_is_404(world: World) -> None:
    secret = make_recording(world.stranger)
    thread = comment_add(recording=secret, by=world.stranger, text="Mine")
    response = client_for(world.owner).post(
        f"/review/{world.recording.pk}/comments/",
        {"text": "Hi", "parent": str(thread.pk)},
        headers=JSON,
    )
    assert response.status_code == 404


def test_the_json_answer_is_the_threads_html(world: World) -> None:
    response = client_for(world.reviewer).post(
        f"/review/{world.recording.pk}/comments/",
        {"text": "Check the name <b>here</b>", "segment": "0", "quote": "The Quarvex"},
        headers=JSON,
    )
    body = response.json()
    assert body["message"] == "Comment added."
    assert f'id="thread-{body["thread"]}"' in body["html"]
    assert "Check the name &lt;b&gt;here&lt;/b&gt;" in body["html"]


def test_a_plain_form_goes_back_to_the_page_it_came_from(world: World) -> None:
    page = f"/review/{world.recording.pk}/"
    response = client_for(world.reviewer).post(
        f"/review/{world.recording.pk}/comments/", {"text": "Hi", "next": page}
    )
    assert response.status_code == 302
    assert response["Location"] == page
    away = client_for(world.reviewer).post(
        f"/review/{world.recording.pk}/comments/", {"text": "Hi", "next": "https://evil.example/"}
    )
    assert away["Location"] == world.recording.get_absolute_url()


def test_threads_are_read_in_two_queries(world: World, django_assert_num_queries) -> None:
    for n in range(4):
        thread = comment_add(recording=world.recording, by=world.owner, text=f"Thread {n}")
        comment_add(recording=world.recording, by=world.reviewer, text="Reply", parent=thread)
    with django_assert_num_queries(2):
        threads = threads_of(recording=world.recording)
        authors = [r.author.username for t in threads for r in t.replies.all()]
    assert authors == ["rita"] * 4

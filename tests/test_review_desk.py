"""The reviewer's desk: the queue, the review page, accepting words, and review comments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from review.comments.services import comment_add
from review.desk.selectors import desk_summary
from review.models import ReviewComment
from review.services import review_approve, review_submit, review_take
from tests.factories import make_recording, make_segment, make_user
from tests.review_world import LOW_WORDS, World, client_for, make_world, submitted
from transcripts.errors import ApplicationError
from transcripts.models import Recording
from transcripts.services import segment_edit
from transcripts.views import low_confidence_words
from transcripts.words.services import segment_word_accept

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def queue_titles(client: Client, view: str = "waiting") -> list[str]:
    response = client.get(f"/review/?view={view}")
    assert response.status_code == 200
    return [row.recording.title for row in response.context["desk"].rows]


# --- The queue ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "editor", "viewer", "stranger"])
def test_people_who_review_nothing_find_no_desk(world: World, who: str) -> None:
    client = client_for(getattr(world, who))
    assert client.get("/review/").status_code == 404
    assert b'href="/review/"' not in client.get("/recordings/").content


def test_a_team_submission_waits_for_each_of_the_teams_reviewers(world: World) -> None:
    assert queue_titles(client_for(world.reviewer)) == ["Launch sync"]
    assert queue_titles(client_for(world.other_reviewer)) == ["Launch sync"]
    assert queue_titles(client_for(world.reviewer), "mine") == []


def test_a_taken_transcript_moves_to_mine_and_leaves_everyones_waiting(world: World) -> None:
    review_take(recording=world.recording, by=world.reviewer)
    assert queue_titles(client_for(world.reviewer), "mine") == ["Launch sync"]
    assert queue_titles(client_for(world.reviewer)) == []
    assert queue_titles(client_for(world.other_reviewer)) == []


def test_the_team_tab_shows_who_holds_a_transcript_without_linking_it(world: World) -> None:
    review_take(recording=world.recording, by=world.reviewer)
    response = client_for(world.other_reviewer).get(f"/review/?view=team-{world.team.pk}")
    assert [row.recording.title for row in response.context["desk"].rows] == ["Launch sync"]
    assert b"In review by rita" in response.content
    assert f'href="/review/{world.recording.pk}/"'.encode() not in response.content


def test_a_submission_to_a_named_reviewer_waits_only_for_them(world: World) -> None:
    named = make_recording(world.owner, team=world.team, title="For Ross")
    review_submit(recording=named, by=world.owner, reviewer_name="ross")
    assert queue_titles(client_for(world.other_reviewer)) == ["Launch sync", "For Ross"]
    assert queue_titles(client_for(world.reviewer)) == ["Launch sync"]


def test_a_reviewer_in_the_group_sees_what_is_submitted_to_them_by_name(world: World) -> None:
    gina = make_user("gina")
    gina.groups.add(Group.objects.get(name="Reviewers"))
    private = make_recording(world.owner, title="No team")
    review_submit(recording=private, by=world.owner, reviewer_name="gina")
    assert queue_titles(client_for(gina)) == ["No team"]
    assert [key for key, _ in client_for(gina).get("/review/").context["desk"].tabs] == [
        "waiting",
        "mine",
    ]


def test_the_queue_lists_the_oldest_submission_first(world: World) -> None:
    now = timezone.now()
    for title, days in [("Newest", 1), ("Oldest", 9), ("Middle", 4)]:
        recording = submitted(world.owner, world.team, title=title)
        Recording.objects.filter(pk=recording.pk).update(review_changed_at=now - timedelta(days))
    titles = queue_titles(client_for(world.reviewer))
    assert titles == ["Oldest", "Middle", "Newest", "Launch sync"]


def test_the_queue_counts_unsure_words_and_open_threads(world: World) -> None:
    client = client_for(world.reviewer)
    thread = ReviewComment.objects.create(recording=world.recording, author=world.owner, text="a")
    ReviewComment.objects.create(recording=world.recording, author=world.owner, text="b")
    ReviewComment.objects.create(recording=world.recording, author=world.owner, text="c",
                                 parent=thread)  # fmt: skip
    resolved = ReviewComment.objects.create(recording=world.recording, author=world.owner, text="d")
    ReviewComment.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now())
    [row] = client.get("/review/").context["desk"].rows
    assert (row.low_words, row.open_threads) == (2, 2)


def test_the_queue_reads_a_page_in_a_bounded_number_of_queries(world: World) -> None:
    client = client_for(world.reviewer)
    client.get("/review/")  # the session and permissions cached like any later request

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/review/").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(6):
        submitted(world.owner, world.team)
    assert queries() == few
    assert few <= 12


def test_the_queue_is_paginated(world: World) -> None:
    for _ in range(20):
        submitted(world.owner, world.team)
    client = client_for(world.reviewer)
    assert len(client.get("/review/").context["desk"].rows) == 20
    assert len(client.get("/review/?page=2").context["desk"].rows) == 1


@pytest.mark.parametrize(
    ("query", "status"), [("view=team-999", 404), ("view=nonsense", 404), ("page=x", 400)]
)
def test_a_bad_tab_or_page_is_refused(world: World, query: str, status: int) -> None:
    assert client_for(world.reviewer).get(f"/review/?{query}").status_code == status


def test_the_nav_links_the_desk_with_the_waiting_count(world: World) -> None:
    content = client_for(world.reviewer).get("/recordings/").content.decode()
    assert '<a href="/review/">Review <span class="count-badge" aria-label="1 waiting">' in content


def test_the_nav_summary_costs_one_query(world: World, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        summary = desk_summary(user=world.reviewer)
    assert (summary.reviews, summary.waiting) == (True, 1)
    assert desk_summary(user=world.owner).reviews is False


# --- The review page ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "editor", "viewer", "stranger"])
def test_the_review_page_is_for_reviewers_only(world: World, who: str) -> None:
    response = client_for(getattr(world, who)).get(f"/review/{world.recording.pk}/")
    assert response.status_code == 404


def test_the_review_page_offers_to_take_then_to_decide(world: World) -> None:
    client = client_for(world.reviewer)
    before = client.get(f"/review/{world.recording.pk}/").content.decode()
    assert 'data-action="take"' in before
    assert 'data-action="approve"' not in before
    review_take(recording=world.recording, by=world.reviewer)
    after = client.get(f"/review/{world.recording.pk}/").content.decode()
    assert 'data-action="take"' not in after
    assert 'data-action="approve"' in after
    assert 'data-action="request_changes"' in after
    assert after.count('class="word low"') == 2
    assert '<h2 id="keys-heading">Keyboard</h2>' in after


def test_another_reviewers_held_transcript_offers_nothing(world: World) -> None:
    review_take(recording=world.recording, by=world.reviewer)
    response = client_for(world.other_reviewer).get(f"/review/{world.recording.pk}/")
    assert response.status_code == 404  # no longer submitted to the team: not theirs to see


# --- Accepting an unsure word ------------------------------------------------------------


def first_words(recording: Recording) -> list[dict[str, object]]:
    return recording.segments.get(index=0).words


def test_an_accepted_word_is_no_longer_counted_or_marked(world: World) -> None:
    review_take(recording=world.recording, by=world.reviewer)
    segment_word_accept(recording=world.recording, index=0, word=1, by=world.reviewer)
    assert first_words(world.recording)[1] == {**LOW_WORDS[1], "accepted": True}
    segments = list(world.recording.segments.all())
    assert low_confidence_words(segments, 0.6) == 1
    detail = client_for(world.owner).get(world.recording.get_absolute_url()).content.decode()
    assert detail.count('class="word low"') == 1
    assert AuditEntry.objects.filter(action="edited", recording_id=world.recording.pk).exists()


def test_accepting_twice_changes_nothing_more(world: World) -> None:
    for _ in range(2):
        segment_word_accept(recording=world.recording, index=0, word=1, by=world.owner)
    assert AuditEntry.objects.filter(action="edited").count() == 1


def test_an_approved_transcript_refuses_accepting(world: World) -> None:
    review_take(recording=world.recording, by=world.reviewer)
    review_approve(recording=world.recording, by=world.reviewer)
    world.recording.refresh_from_db()
    with pytest.raises(ApplicationError, match="approved"):
        segment_word_accept(recording=world.recording, index=0, word=1, by=world.owner)


@pytest.mark.parametrize("word", [-1, 4, 99])
def test_accepting_a_word_the_passage_does_not_have_is_refused(world: World, word: int) -> None:
    with pytest.raises(ValidationError):
        segment_word_accept(recording=world.recording, index=0, word=word, by=world.owner)


def test_correcting_a_word_accepts_it(world: World) -> None:
    segment_edit(recording=world.recording, index=0, text="The Quorvex launch slipped.")
    words = first_words(world.recording)
    assert words[1]["accepted"] is True
    assert "accepted" not in words[2]


ACCEPT = "/recordings/{id}/segments/{index}/words/{word}/accept/"


@pytest.mark.parametrize(
    ("who", "taken", "status"),
    [
        ("reviewer", True, 200),  # holds it in review: may edit
        ("reviewer", False, 404),  # submitted to them, not taken: may only read
        ("other_reviewer", True, 404),
        ("owner", False, 200),
        ("editor", False, 200),
        ("viewer", False, 404),
        ("stranger", False, 404),
    ],
)
def test_who_may_accept_a_word(world: World, who: str, taken: bool, status: int) -> None:
    if taken:
        review_take(recording=world.recording, by=world.reviewer)
    url = ACCEPT.format(id=world.recording.pk, index=0, word=1)
    response = client_for(getattr(world, who)).post(url, headers={"Accept": "application/json"})
    assert response.status_code == status
    assert first_words(world.recording)[1].get("accepted", False) is (status == 200)


@pytest.mark.parametrize(("index", "word", "status"), [(0, 9, 400), (7, 0, 404), (0, 1, 200)])
def test_the_accept_endpoint_answers_bad_positions(
    world: World, index: int, word: int, status: int
) -> None:
    url = ACCEPT.format(id=world.recording.pk, index=index, word=word)
    response = client_for(world.owner).post(url, headers={"Accept": "application/json"})
    assert response.status_code == status
    if status == 400:
        assert response.json() == {"error": "This passage has no such word."}


def test_the_accept_endpoint_answers_a_locked_transcript_with_409(world: World) -> None:
    review_take(recording=world.recording, by=world.reviewer)
    review_approve(recording=world.recording, by=world.reviewer)
    url = ACCEPT.format(id=world.recording.pk, index=0, word=1)
    response = client_for(world.owner).post(url, headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert "approved" in response.json()["error"]


def test_the_accept_endpoint_without_json_redirects_with_a_message(world: World) -> None:
    url = ACCEPT.format(id=world.recording.pk, index=0, word=1)
    response = client_for(world.owner).post(url, follow=True)
    assert b"Word accepted." in response.content


def test_the_review_page_reads_in_a_bounded_number_of_queries(world: World) -> None:
    client = client_for(world.reviewer)
    url = f"/review/{world.recording.pk}/"
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for index in range(2, 12):
        make_segment(world.recording, index, words=LOW_WORDS)
        thread = comment_add(recording=world.recording, by=world.owner, text="?", segment_index=0)
        comment_add(recording=world.recording, by=world.reviewer, text="!", parent=thread)
    assert queries() == few + 1  # the replies, read once for all threads

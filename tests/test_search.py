"""Full-text search: the same cases, the same answers, on SQLite (FTS5) and PostgreSQL.

The suite runs once per database leg; every expected set below is written out, so both
engines are held to the same results.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from tests.factories import make_recording, make_segment
from transcripts import services
from transcripts.search.selectors import SearchFilters, highlight, parse_query, search_segments

pytestmark = pytest.mark.django_db

BUDGET = [
    "The budget for next quarter is approved.",
    "We need more budget for hiring.",
    "Let's review the state-of-the-art tools.",
]
HIRING = [
    "Hiring is on hold until the budget is final.",
    "The draft budget was rejected.",
    "Email jo@example.com about version 3.5 of the plan.",
    "Café au lait and naïve questions.",
]


@pytest.fixture
def corpus(user: User, other_user: User) -> None:
    march = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.get_current_timezone())
    may = datetime(2026, 5, 2, 15, 0, tzinfo=timezone.get_current_timezone())
    for title, texts, started, source in [
        ("Budget review", BUDGET, march, "live"),
        ("Hiring sync", HIRING, may, "upload"),
    ]:
        recording = make_recording(user, title=title, started_at=started, source=source)
        for index, text in enumerate(texts):
            make_segment(recording, index, text=text)
    secret = make_recording(other_user, title="Bob's notes")
    make_segment(secret, 0, text="budget secret budget budget")


def found(user: User, text: str, **filters: object) -> set[tuple[str, int]]:
    result = search_segments(
        user=user, query=parse_query(text), filters=SearchFilters(**filters), limit=50, offset=0
    )
    assert result.total == len(result.hits)
    return {(hit.recording_title, round(hit.start / 2)) for hit in result.hits}


B, H = "Budget review", "Hiring sync"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("budget", {(B, 0), (B, 1), (H, 0), (H, 1)}),
        ("BUDGET", {(B, 0), (B, 1), (H, 0), (H, 1)}),
        ("budget hiring", {(B, 1), (H, 0)}),
        ('"next quarter"', {(B, 0)}),
        ('"quarter next"', set()),
        ("budget -draft", {(B, 0), (B, 1), (H, 0)}),
        ('budget -"next quarter"', {(B, 1), (H, 0), (H, 1)}),
        ("state-of-the-art", {(B, 2)}),
        ("art", {(B, 2)}),
        ("jo@example.com", {(H, 2)}),
        ("3.5", {(H, 2)}),
        ("café", {(H, 3)}),
        ("Naïve", {(H, 3)}),
        ("cafe", set()),
        ("let's", {(B, 2)}),
        ("secret", set()),
        ("budg", set()),
    ],
)
def test_words_phrases_and_exclusions(user: User, corpus: None, text: str, expected: set) -> None:
    assert found(user, text) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"source": "upload"}, {(H, 0), (H, 1)}),
        ({"source": "live"}, {(B, 0), (B, 1)}),
        ({"date_from": date(2026, 4, 1)}, {(H, 0), (H, 1)}),
        ({"date_to": date(2026, 3, 10)}, {(B, 0), (B, 1)}),
        ({"date_from": date(2026, 3, 11), "date_to": date(2026, 5, 1)}, set()),
    ],
)
def test_filters_narrow_by_date_and_kind(
    user: User, corpus: None, filters: dict, expected: set
) -> None:
    assert found(user, "budget", **filters) == expected


def test_the_best_match_comes_first(user: User, corpus: None) -> None:
    recording = make_recording(user, title="Finance")
    make_segment(recording, 0, text="Budget, budget, budget: the budget rules everything.")
    result = search_segments(
        user=user, query=parse_query("budget"), filters=SearchFilters(), limit=1, offset=0
    )
    assert result.hits[0].recording_title == "Finance"
    assert result.total == 5


def test_another_users_words_are_never_found(other_user: User, corpus: None) -> None:
    assert found(other_user, "budget") == {("Bob's notes", 0)}
    assert found(other_user, "hiring") == set()


def test_the_index_follows_edits(user: User, corpus: None) -> None:
    recording = user.recordings.get(title=B)
    services.segment_edit(recording=recording, index=0, text="The forecast for next quarter.")
    assert (B, 0) not in found(user, "budget")
    assert found(user, "forecast") == {(B, 0)}


def test_the_index_follows_deletes(user: User, corpus: None) -> None:
    services.recording_delete(recording=user.recordings.get(title=H))
    assert found(user, "budget") == {(B, 0), (B, 1)}
    assert found(user, "café") == set()
    recording = make_recording(user, title="Again")  # new rows may reuse old ids
    make_segment(recording, 0, text="Café again.")
    assert found(user, "café") == {("Again", 0)}


@pytest.mark.parametrize(
    "text",
    [
        '"budget',
        "budget AND OR NOT NEAR(hiring, 2)",
        "bud* ^budget budget:",
        "'; DROP TABLE transcripts_segment; --",
        "budget " * 2000,
        "!!! ??? ...",
        "-budget",
        "\x00 \u202e budget \U0001f600",
        '""',
        "- - -",
    ],
)
def test_hostile_queries_are_answered_without_error(
    logged_in: Client, corpus: None, text: str
) -> None:
    response = logged_in.get("/search/", {"q": text})
    assert response.status_code == 200


def test_a_query_of_only_exclusions_asks_for_a_word(logged_in: Client, corpus: None) -> None:
    page = logged_in.get("/search/", {"q": "-budget"}).content.decode()
    assert "Add at least one word to search for" in page


def test_the_search_page_links_each_hit_to_its_moment(
    logged_in: Client, user: User, corpus: None
) -> None:
    page = logged_in.get("/search/", {"q": '"next quarter"'}).content.decode()
    recording = user.recordings.get(title=B)
    assert f'href="/recordings/{recording.pk}/?t=0.0"' in page
    assert "The budget for <mark>next</mark> <mark>quarter</mark> is approved." in page
    assert "1 passage found" in page


def test_titles_are_searchable_too(logged_in: Client, corpus: None) -> None:
    page = logged_in.get("/search/", {"q": "sync"}).content.decode()
    assert "Recordings with this in their title" in page
    assert ">Hiring sync</a>" in page


def test_the_search_page_takes_the_same_queries_for_any_amount_of_data(
    logged_in: Client,
    user: User,
    corpus: None,
    django_assert_num_queries,
    django_assert_max_num_queries,
) -> None:
    # One fewer on PostgreSQL; two for the nav's review notices and review link.
    with django_assert_max_num_queries(8) as few:
        logged_in.get("/search/", {"q": "budget"})
    for number in range(10):
        make_segment(make_recording(user), 0, text=f"budget line {number}")
    with django_assert_num_queries(len(few.captured_queries)):
        logged_in.get("/search/", {"q": "budget"})


def test_the_history_filter_box_matches_titles(logged_in: Client, corpus: None) -> None:
    page = logged_in.get("/recordings/", {"q": "hiring"}).content.decode()
    assert ">Hiring sync</a>" in page
    assert ">Budget review</a>" not in page


@pytest.mark.parametrize("text", ["\x00budget", "x" * 5000, "%_\\", "' OR 1=1 --"])
def test_the_history_filter_box_takes_any_input(logged_in: Client, corpus: None, text: str) -> None:
    assert logged_in.get("/recordings/", {"q": text}).status_code == 200


def test_highlighting_escapes_the_text_and_marks_whole_words() -> None:
    snippet = highlight("<b>Budget</b> & budgeting: budget!", parse_query("budget"))
    assert snippet == (
        "&lt;b&gt;<mark>Budget</mark>&lt;/b&gt; &amp; budgeting: <mark>budget</mark>!"
    )


def test_a_long_segment_is_shortened_around_the_first_match() -> None:
    text = "word " * 100 + "budget " + "word " * 100
    snippet = highlight(text, parse_query("budget"))
    assert snippet.startswith("… ")
    assert snippet.endswith(" …")
    assert "<mark>budget</mark>" in snippet
    assert len(snippet) < 300


@pytest.mark.parametrize(
    ("text", "words", "phrases", "excluded"),
    [
        ('budget "next quarter" -draft', ("budget",), (("next", "quarter"),), (("draft",),)),
        ('-"old plan" new', ("new",), (), (("old", "plan"),)),
        ("state-of-the-art", (), (("state", "of", "the", "art"),), ()),
        ("Budget budget", ("budget",), (), ()),
        ("", (), (), ()),
    ],
)
def test_queries_are_parsed_into_words_phrases_and_exclusions(
    text: str, words: tuple, phrases: tuple, excluded: tuple
) -> None:
    assert parse_query(text) == parse_query(text)  # pure
    parsed = parse_query(text)
    assert (parsed.words, parsed.phrases, parsed.excluded) == (words, phrases, excluded)

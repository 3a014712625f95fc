"""Pages: login required everywhere, history, transcript, the record page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import make_recording, make_segment
from transcripts.models import Recording

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/record/", "/recordings/", "/recordings/1/", "/admin/"])
def test_pages_require_login(client: Client, url: str) -> None:
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0].startswith(("/accounts/login/", "/admin/login/"))


def test_static_files_are_served_without_login(client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()
    stylesheet = page.split('rel="stylesheet" href="')[1].split('"')[0]
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


def test_history_shows_own_recordings_only(logged_in: Client, user: User, other_user: User) -> None:
    make_recording(user, title="Quarterly planning", duration=3723)
    make_recording(other_user, title="Bob's secret")
    page = logged_in.get("/recordings/").content.decode()
    assert "Quarterly planning" in page
    assert "1:02:03" in page
    assert "Bob&#x27;s secret" not in page
    assert "Bob's secret" not in page


def test_history_with_no_recordings_invites_a_first_one(logged_in: Client) -> None:
    assert "Record your first meeting" in logged_in.get("/recordings/").content.decode()


def test_history_is_paginated(logged_in: Client, user: User) -> None:
    for index in range(25):
        make_recording(user, title=f"Meeting {index:02d}")
    first = logged_in.get("/recordings/").content.decode()
    second = logged_in.get("/recordings/?page=2").content.decode()
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second
    assert first.count("<tr data-recording=") == 20
    assert second.count("<tr data-recording=") == 5


def test_history_takes_the_same_queries_for_any_number_of_recordings(
    logged_in: Client, user: User, django_assert_num_queries
) -> None:
    recording = make_recording(user)
    make_segment(recording, 0)
    with django_assert_num_queries(8) as few:  # 6, and the nav's review notices and link
        logged_in.get("/recordings/")
    for _ in range(15):
        make_segment(make_recording(user), 0)
    with django_assert_num_queries(len(few.captured_queries)):
        logged_in.get("/recordings/")


def test_transcript_page_shows_timestamps_speakers_and_text(logged_in: Client, user: User) -> None:
    recording = make_recording(user, title="Design review")
    make_segment(recording, 0, start=0.0, text="Let's begin.", speaker=0)
    make_segment(recording, 1, start=65.2, text="Agreed.", speaker=1)
    page = logged_in.get(f"/recordings/{recording.pk}/").content.decode()
    assert "Design review" in page
    assert "0:00" in page
    assert "1:05" in page
    assert "Speaker 1" in page
    assert "Speaker 2" in page
    assert page.index("Let&#x27;s begin.") < page.index("Agreed.")


def test_transcript_page_explains_a_failure(logged_in: Client, user: User) -> None:
    recording = make_recording(
        user, status=Recording.Status.FAILED, error="The transcription service stopped."
    )
    page = logged_in.get(f"/recordings/{recording.pk}/").content.decode()
    assert "Transcription failed." in page
    assert "The transcription service stopped." in page


def test_someone_elses_transcript_is_not_found(logged_in: Client, other_user: User) -> None:
    foreign = make_recording(other_user)
    assert logged_in.get(f"/recordings/{foreign.pk}/").status_code == 404
    assert logged_in.get(f"/recordings/{foreign.pk + 999}/").status_code == 404


def test_record_page_has_named_controls(logged_in: Client, settings) -> None:
    settings.DEEPGRAM_API_KEY = "key-that-must-not-leak"
    page = logged_in.get("/record/").content.decode()
    assert ">Start recording</button>" in page
    assert ">Stop recording</button>" in page
    assert 'aria-label="Microphone level"' in page
    assert "key-that-must-not-leak" not in page
    assert 'id="no-engine"' not in page


def test_record_page_explains_missing_engine(logged_in: Client, no_engine: None) -> None:
    page = logged_in.get("/record/").content.decode()
    assert "No transcription engine is configured" in page
    assert "DEEPGRAM_API_KEY" in page
    assert 'id="start-button" disabled' in page


def test_pages_send_a_content_security_policy(logged_in: Client) -> None:
    policy = logged_in.get("/record/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_home_leads_to_the_history(logged_in: Client) -> None:
    assert logged_in.get("/").url == reverse("transcripts:recording_list")


@pytest.mark.django_db(transaction=True)
def test_a_page_request_closes_its_database_connection(client: Client, user: User) -> None:
    client.force_login(user)
    assert client.get("/recordings/").status_code == 200
    assert connection.connection is None

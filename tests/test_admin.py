"""Staff review in the Django admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import make_recording, make_segment, make_user
from transcripts.models import Recording, TranscriptionJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def test_staff_find_recordings_by_title_or_owner(
    staff: Client, user: User, other_user: User
) -> None:
    make_recording(user, title="Hiring committee")
    make_recording(other_user, title="Roadmap")
    by_title = staff.get("/admin/transcripts/recording/?q=hiring").content.decode()
    by_owner = staff.get("/admin/transcripts/recording/?q=bob").content.decode()
    assert "Hiring committee" in by_title
    assert "Roadmap" not in by_title
    assert "Roadmap" in by_owner
    assert "Hiring committee" not in by_owner


def test_staff_filter_recordings_by_status(staff: Client, user: User) -> None:
    make_recording(user, title="Went fine")
    make_recording(user, title="Broke", status=Recording.Status.FAILED)
    page = staff.get("/admin/transcripts/recording/?status__exact=failed").content.decode()
    assert "Broke" in page
    assert "Went fine" not in page


def test_a_recording_shows_its_segments_with_read_only_timings(staff: Client, user: User) -> None:
    recording = make_recording(user)
    make_segment(recording, 0, text="First words.", start=1.25)
    page = staff.get(f"/admin/transcripts/recording/{recording.pk}/change/").content.decode()
    assert "First words." in page
    assert 'name="segments-0-start"' not in page  # shown, not editable
    assert "1.25" in page


def test_staff_search_segment_text_across_users(
    staff: Client, user: User, other_user: User
) -> None:
    make_segment(make_recording(user), 0, text="The budget is approved.")
    make_segment(make_recording(other_user), 0, text="Lunch at noon.")
    page = staff.get("/admin/transcripts/segment/?q=budget").content.decode()
    assert "The budget is approved." in page
    assert "Lunch at noon." not in page


def test_people_who_are_not_staff_cannot_open_the_admin(logged_in: Client) -> None:
    assert logged_in.get("/admin/transcripts/recording/").status_code == 302


def failed_upload(owner: User) -> Recording:
    recording = make_recording(
        owner, source="upload", status=Recording.Status.FAILED, audio="recordings/x.wav",
        error="Deepgram refused the request (HTTP 401).",
    )  # fmt: skip
    TranscriptionJob.objects.create(
        recording=recording,
        status=TranscriptionJob.Status.FAILED,
        attempts=1,
        error=recording.error,
    )
    return recording


def test_staff_see_jobs_with_status_attempts_and_error(staff: Client, user: User) -> None:
    failed_upload(user)
    page = staff.get("/admin/transcripts/transcriptionjob/").content.decode()
    assert "Failed" in page
    assert "HTTP 401" in page
    assert "alice" in page


def test_staff_retry_failed_jobs(staff: Client, user: User) -> None:
    recording = failed_upload(user)
    job = recording.jobs.get()
    staff.post(
        "/admin/transcripts/transcriptionjob/",
        {"action": "retry_jobs", "_selected_action": [job.pk]},
    )
    recording.refresh_from_db()
    assert recording.status == Recording.Status.QUEUED
    assert recording.jobs.filter(status=TranscriptionJob.Status.QUEUED).count() == 1


def test_staff_cancel_queued_jobs(staff: Client, user: User) -> None:
    recording = make_recording(user, source="upload", status=Recording.Status.QUEUED)
    job = TranscriptionJob.objects.create(recording=recording)
    staff.post(
        "/admin/transcripts/transcriptionjob/",
        {"action": "cancel_jobs", "_selected_action": [job.pk]},
    )
    job.refresh_from_db()
    recording.refresh_from_db()
    assert (job.status, recording.status) == ("cancelled", "cancelled")


def test_staff_filter_by_owner_and_listen_to_any_recording(
    staff: Client, user: User, other_user: User
) -> None:
    mine = make_recording(user, title="Alice's call", audio="recordings/a.ogg")
    make_recording(other_user, title="Bob's call")
    listing = staff.get(
        f"/admin/transcripts/recording/?owner__id__exact={user.pk}"
    ).content.decode()
    assert "Alice&#x27;s call" in listing
    assert "Bob&#x27;s call" not in listing
    page = staff.get(f"/admin/transcripts/recording/{mine.pk}/change/").content.decode()
    assert f'<audio controls preload="metadata" src="/recordings/{mine.pk}/audio/"></audio>' in page

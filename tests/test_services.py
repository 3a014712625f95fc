"""Recording and segment writes, and the access gate."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError
from django.http import Http404

from tests.factories import make_recording, make_segment
from transcripts import access, selectors, services
from transcripts.access import Access
from transcripts.engines.base import FinalSegment, Word
from transcripts.models import Recording

pytestmark = pytest.mark.django_db


def start(owner: User, title: str = "") -> Recording:
    return services.recording_start(
        owner=owner, title=title, language="en", engine="deepgram", model="nova-3", options={}
    )


def test_a_new_recording_is_live_and_owned(user: User) -> None:
    recording = start(user, "  Board meeting ")
    assert recording.status == Recording.Status.LIVE
    assert recording.owner == user
    assert recording.title == "Board meeting"
    assert recording.source == Recording.Source.LIVE


def test_an_untitled_recording_is_named_after_its_start_time(user: User) -> None:
    assert start(user).title.startswith("Recording of ")


def test_segment_append_keeps_text_timings_and_words(user: User) -> None:
    recording = start(user)
    final = FinalSegment(
        text="Hello there.",
        start=1.0,
        end=2.5,
        speaker=1,
        confidence=0.93,
        words=(Word("Hello", 1.0, 1.6, 0.9, 1), Word("there.", 1.7, 2.5, 0.95, 1)),
    )
    segment = services.segment_append(recording_id=recording.pk, index=0, segment=final)
    segment.refresh_from_db()
    assert (segment.text, segment.start, segment.end, segment.speaker) == (
        "Hello there.",
        1.0,
        2.5,
        1,
    )
    assert segment.words[1] == {
        "word": "there.",
        "start": 1.7,
        "end": 2.5,
        "confidence": 0.95,
        "speaker": 1,
    }


def test_two_segments_cannot_share_a_position(user: User) -> None:
    recording = start(user)
    final = FinalSegment(text="One.", start=0.0, end=1.0)
    services.segment_append(recording_id=recording.pk, index=0, segment=final)
    with pytest.raises(IntegrityError):
        services.segment_append(recording_id=recording.pk, index=0, segment=final)


@pytest.mark.parametrize(
    ("interrupted", "engine_error", "paused_note", "status", "error"),
    [
        (False, "", "", Recording.Status.COMPLETED, ""),
        (True, "", "", Recording.Status.INTERRUPTED, ""),
        (False, "boom", "", Recording.Status.FAILED, "boom"),
        (True, "boom", "", Recording.Status.FAILED, "boom"),
        # The engine stayed away until stop, but the audio was kept whole.
        (False, "boom", "Paused at 0:10.", Recording.Status.COMPLETED, "Paused at 0:10."),
        (True, "boom", "Paused at 0:10.", Recording.Status.COMPLETED, "Paused at 0:10."),
    ],
)
def test_finish_decides_the_status_from_what_happened_and_records_duration_and_end(
    user: User,
    interrupted: bool,
    engine_error: str,
    paused_note: str,
    status: Recording.Status,
    error: str,
) -> None:
    recording = start(user)
    services.recording_finish(
        recording_id=recording.pk,
        duration=12.5,
        interrupted=interrupted,
        engine_error=engine_error,
        paused_note=paused_note,
        upstream_request_id="req-1",
    )
    recording.refresh_from_db()
    assert recording.status == status
    assert recording.duration == 12.5
    assert recording.ended_at is not None
    assert (recording.error, recording.upstream_request_id) == (error, "req-1")


def test_the_gate_returns_the_owners_recording(user: User) -> None:
    recording = make_recording(user)
    assert access.recording_for(user=user, recording_id=recording.pk, need=Access.OWN) == recording


def test_the_gate_hides_other_peoples_recordings_like_missing_ones(
    user: User, other_user: User
) -> None:
    foreign = make_recording(other_user)
    for recording_id in (foreign.pk, foreign.pk + 1000):
        with pytest.raises(Http404):
            access.recording_for(user=user, recording_id=recording_id, need=Access.VIEW)


def test_history_lists_own_recordings_newest_first_with_counts(
    user: User, other_user: User
) -> None:
    older = make_recording(user, title="Older")
    newer = make_recording(user, title="Newer")
    Recording.objects.filter(pk=older.pk).update(started_at=newer.started_at.replace(year=2020))
    make_recording(other_user, title="Not mine")
    for index in range(3):
        make_segment(newer, index)
    listed = list(selectors.recording_list_for_user(user=user))
    assert [(r.title, r.segment_count) for r in listed] == [("Newer", 3), ("Older", 0)]


def test_segments_come_in_order(user: User) -> None:
    recording = make_recording(user)
    for index in (2, 0, 1):
        make_segment(recording, index)
    assert [s.index for s in selectors.segment_list(recording=recording)] == [0, 1, 2]

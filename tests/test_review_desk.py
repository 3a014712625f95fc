"""The reviewer's desk: the queue, the review page, accepting words, and review comments."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from review.models import ReviewComment
from review.services import review_submit, review_take
from teams.models import Membership, Team
from tests.factories import make_recording, make_segment, make_team, make_user
from transcripts.models import Recording, RecordingShare

pytestmark = pytest.mark.django_db

LOW_WORDS = [
    {"word": "The", "start": 0.0, "end": 0.3, "confidence": 0.99},
    {"word": "Quarvex", "start": 0.3, "end": 0.9, "confidence": 0.31},
    {"word": "launch", "start": 0.9, "end": 1.4, "confidence": 0.45},
    {"word": "slipped.", "start": 1.4, "end": 1.8, "confidence": 0.97},
]


@dataclass
class World:
    owner: User
    reviewer: User
    other_reviewer: User
    editor: User
    viewer: User
    stranger: User
    team: Team
    recording: Recording


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submitted(owner: User, team: Team, **fields: object) -> Recording:
    """A team recording with two unsure words in its first passage, submitted for review."""
    recording = make_recording(owner, team=team, **fields)
    make_segment(recording, 0, text="The Quarvex launch slipped.", words=LOW_WORDS)
    make_segment(recording, 1, text="Sentence number 1.")
    return review_submit(recording=recording, by=owner)


@pytest.fixture
def world() -> World:
    owner, reviewer, other = make_user("olive"), make_user("rita"), make_user("ross")
    editor, viewer, stranger = make_user("eddie"), make_user("vic"), make_user("sam")
    team = make_team("Product", members=(owner, reviewer, other))
    Membership.objects.filter(team=team, user__in=[reviewer, other]).update(reviewer=True)
    recording = submitted(owner, team, title="Launch sync")
    RecordingShare.objects.create(recording=recording, user=editor, role="editor")
    RecordingShare.objects.create(recording=recording, user=viewer, role="viewer")
    return World(owner, reviewer, other, editor, viewer, stranger, team, recording)


def test_smoke(world: World) -> None:
    reviewer = client_for(world.reviewer)
    page = reviewer.get("/review/")
    assert page.status_code == 200, page.content
    assert b"Launch sync" in page.content
    page = reviewer.get(f"/review/{world.recording.pk}/")
    assert page.status_code == 200, page.content
    review_take(recording=world.recording, by=world.reviewer)
    page = reviewer.get(f"/review/{world.recording.pk}/")
    assert page.status_code == 200, page.content
    detail = client_for(world.owner).get(world.recording.get_absolute_url())
    assert b"Review comments" in detail.content

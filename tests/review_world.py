"""A small world for review tests: an owner, the team's two reviewers, an editor, a viewer
and a stranger, and a recording with unsure words submitted to the team's reviewers."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.test import Client

from review.services import review_submit
from teams.models import Membership, Team
from tests.factories import make_recording, make_segment, make_team, make_user
from transcripts.models import Recording, RecordingShare

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


def make_world() -> World:
    """The owner's "Launch sync", submitted to the team's reviewers and shared."""
    owner, reviewer, other = make_user("olive"), make_user("rita"), make_user("ross")
    editor, viewer, stranger = make_user("eddie"), make_user("vic"), make_user("sam")
    team = make_team("Product", members=(owner, reviewer, other))
    Membership.objects.filter(team=team, user__in=[reviewer, other]).update(reviewer=True)
    recording = submitted(owner, team, title="Launch sync")
    RecordingShare.objects.create(recording=recording, user=editor, role="editor")
    RecordingShare.objects.create(recording=recording, user=viewer, role="viewer")
    return World(owner, reviewer, other, editor, viewer, stranger, team, recording)

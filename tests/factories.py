"""Model factories for tests: plain functions with sensible defaults."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth.models import User

from teams.models import Membership, Team
from transcripts.models import Recording, Segment

_sequence = itertools.count(1)


def make_user(username: str | None = None, **fields: Any) -> User:
    """A user with a known password ("correct horse battery staple")."""
    username = username or f"user{next(_sequence)}"
    return User.objects.create_user(
        username=username, password="correct horse battery staple", **fields
    )


def make_recording(owner: User, **fields: Any) -> Recording:
    """A completed live recording."""
    defaults: dict[str, Any] = {
        "title": f"Meeting {next(_sequence)}",
        "language": "en",
        "engine": "deepgram",
        "model": "nova-3",
        "status": Recording.Status.COMPLETED,
        "duration": 61.0,
    }
    return Recording.objects.create(owner=owner, **(defaults | fields))


def make_segment(recording: Recording, index: int, **fields: Any) -> Segment:
    """A segment two seconds long at position `index`."""
    defaults: dict[str, Any] = {
        "start": index * 2.0,
        "end": index * 2.0 + 1.8,
        "text": f"Sentence number {index}.",
    }
    return Segment.objects.create(recording=recording, index=index, **(defaults | fields))


def make_team(
    name: str = "", *, admins: tuple[User, ...] = (), members: tuple[User, ...] = ()
) -> Team:
    """A team with these admins and members (no invitation needed)."""
    team = Team.objects.create(name=name or f"Team {next(_sequence)}")
    for person in admins:
        Membership.objects.create(team=team, user=person, role=Membership.Role.ADMIN)
    for person in members:
        Membership.objects.create(team=team, user=person, role=Membership.Role.MEMBER)
    return team

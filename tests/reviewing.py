"""A cast for review tests: a team recording, and everyone who might try a review step on it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, User

from review import services
from review.models import REVIEWERS_GROUP
from teams.models import Membership
from tests.factories import make_recording, make_segment, make_team, make_user
from transcripts.models import Recording, RecordingShare

ROLES = (
    "owner",  # a member of the team "Support", whose library the recording is in
    "editor",  # shared with directly as an editor
    "viewer",  # shared with directly as a viewer
    "named",  # in the Reviewers group and in Support; submitted to by name, then holds it
    "team_reviewer",  # in the Reviewers group and in Support
    "appointed_admin",  # Support's admin, appointed its reviewer (not in the group)
    "other_team_reviewer",  # in the Reviewers group and in another team
    "group_only",  # in the Reviewers group, in no team
    "stranger",
)
STATES = ("draft", "submitted", "submitted_to_named", "in_review", "changes_requested", "approved")
NOTE = "Spell the customer's name as on the contract."


@dataclass
class Cast:
    """The recording and the people, by role."""

    recording: Recording
    people: dict[str, User]

    def __getitem__(self, role: str) -> User:
        return self.people[role]

    def fresh(self) -> Recording:
        """The recording as stored now."""
        return Recording.objects.get(pk=self.recording.pk)


def make_reviewer(username: str, **fields: object) -> User:
    """A user in the Reviewers group (made by a migration)."""
    person = make_user(username, **fields)
    person.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    return person


def make_cast() -> Cast:
    """Everyone in ROLES, and a finished recording in Support's library with two segments."""
    people = {role: make_user(role, email=f"{role}@example.com") for role in ROLES}
    reviewers = Group.objects.get(name=REVIEWERS_GROUP)
    for role in ("named", "team_reviewer", "other_team_reviewer", "group_only"):
        people[role].groups.add(reviewers)
    team = make_team(
        "Support",
        admins=(people["appointed_admin"],),
        members=(people["owner"], people["named"], people["team_reviewer"]),
    )
    Membership.objects.filter(team=team, user=people["appointed_admin"]).update(reviewer=True)
    make_team("Sales", members=(people["other_team_reviewer"],))
    recording = make_recording(people["owner"], team=team, title="Quarterly call")
    shares = [
        RecordingShare(recording=recording, team=team, role=RecordingShare.Role.EDITOR),
        RecordingShare(recording=recording, user=people["editor"], role="editor"),
        RecordingShare(recording=recording, user=people["viewer"], role="viewer"),
    ]
    RecordingShare.objects.bulk_create(shares)
    make_segment(recording, 0, speaker=0)
    make_segment(recording, 1, speaker=1)
    return Cast(recording=recording, people=people)


def bring_to(cast: Cast, state: str) -> Recording:
    """Walk the recording to `state` through the workflow itself."""
    owner, named = cast["owner"], cast["named"]
    recording = cast.recording
    if state == "draft":
        return recording
    to = "" if state == "submitted" else "named"
    recording = services.review_submit(recording=recording, by=owner, reviewer_name=to)
    if state in ("submitted", "submitted_to_named"):
        return recording
    recording = services.review_take(recording=recording, by=named)
    if state == "changes_requested":
        return services.review_request_changes(recording=recording, by=named, note=NOTE)
    if state == "approved":
        return services.review_approve(recording=recording, by=named)
    return recording

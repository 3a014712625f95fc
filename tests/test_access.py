"""The access module, for every kind of person and every access level, and the search index's
readers agreeing with it (on whichever database the leg runs)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from teams import services as teams
from transcripts import access
from transcripts.access import Access
from transcripts.models import Recording, RecordingShare
from transcripts.search import selectors as search
from transcripts.sharing import services as sharing

from .factories import make_recording, make_segment, make_team, make_user

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """alice's recording, shared with people and her team in every way there is."""

    recording: Recording
    people: dict[str, User | AnonymousUser]


def build_world(team_role: str) -> World:
    alice = make_user("alice")
    people: dict[str, User | AnonymousUser] = {
        "owner": alice,
        "direct viewer": make_user("viewer"),
        "direct editor": make_user("editor"),
        "team member": make_user("member"),
        "team admin": make_user("teamadmin"),
        "former member": make_user("former"),
        "stranger": make_user("stranger"),
        "staff": make_user("staffer", is_staff=True),
        "anonymous": AnonymousUser(),
    }
    team = make_team(
        admins=(people["team admin"],),  # type: ignore[arg-type]
        members=(alice, people["team member"], people["former member"]),  # type: ignore[arg-type]
    )
    recording = make_recording(alice)
    make_segment(recording, 0, text="The quarterly zebrafish figures.")
    sharing.share_with_person(recording=recording, username="viewer", role="viewer")
    sharing.share_with_person(recording=recording, username="editor", role="editor")
    sharing.share_with_team(recording=recording, team_id=team.pk, role=team_role)
    teams.member_remove(team=team, user_id=people["former member"].pk)
    return World(recording, people)


ALLOWED = {
    # who: (view, edit, own) — a team's rights follow its share's role
    "owner": (True, True, True),
    "direct viewer": (True, False, False),
    "direct editor": (True, True, False),
    "team member": (True, "editor", False),
    "team admin": (True, "editor", False),
    "former member": (False, False, False),
    "stranger": (False, False, False),
    "staff": (False, False, False),
    "anonymous": (False, False, False),
}
LEVELS = (Access.VIEW, Access.EDIT, Access.OWN)


def _allowed(who: str, level: Access, team_role: str) -> bool:
    answer = ALLOWED[who][LEVELS.index(level)]
    return answer == team_role if isinstance(answer, str) else answer


@pytest.mark.parametrize("team_role", ["viewer", "editor"])
@pytest.mark.parametrize("who", list(ALLOWED))
@pytest.mark.parametrize("level", LEVELS, ids=lambda level: level.name.lower())
def test_recording_for_answers_the_recording_or_404(
    who: str, level: Access, team_role: str
) -> None:
    world = build_world(team_role)
    person = world.people[who]
    expected = _allowed(who, level, team_role)
    if expected:
        found = access.recording_for(user=person, recording_id=world.recording.pk, need=level)
        assert found == world.recording
    else:
        with pytest.raises(Http404):
            access.recording_for(user=person, recording_id=world.recording.pk, need=level)
    visible = access.recordings_visible(user=person, need=level)
    assert list(visible) == ([world.recording] if expected else [])


@pytest.mark.parametrize("team_role", ["viewer", "editor"])
@pytest.mark.parametrize("who", list(ALLOWED))
def test_access_of_is_the_best_level_and_search_agrees(who: str, team_role: str) -> None:
    world = build_world(team_role)
    person = world.people[who]
    best = max((level for level in LEVELS if _allowed(who, level, team_role)), default=Access.NONE)
    assert access.access_of(user=person, recording=world.recording) == best
    result = search.search_segments(
        user=person,
        query=search.parse_query("zebrafish"),
        filters=search.SearchFilters(),
        limit=10,
        offset=0,
    )
    assert result.total == (1 if best >= Access.VIEW else 0)


def test_staff_read_audio_and_drafts_of_anyone_but_nothing_more() -> None:
    world = build_world("viewer")
    staff, recording = world.people["staff"], world.recording
    found = access.recording_for(
        user=staff, recording_id=recording.pk, need=Access.VIEW, staff_reads=True
    )
    assert found == recording
    with pytest.raises(Http404):
        access.recording_for(
            user=staff, recording_id=recording.pk, need=Access.EDIT, staff_reads=True
        )


def test_a_missing_recording_answers_like_a_forbidden_one() -> None:
    alice = make_user()
    with pytest.raises(Http404) as missing:
        access.recording_for(user=alice, recording_id=987654, need=Access.VIEW)
    stranger_recording = make_recording(make_user())
    with pytest.raises(Http404) as forbidden:
        access.recording_for(user=alice, recording_id=stranger_recording.pk, need=Access.VIEW)
    assert str(missing.value) == str(forbidden.value)


def test_viewers_may_export_unless_the_owner_forbids_it_editors_always() -> None:
    world = build_world("viewer")
    recording = world.recording
    viewer, editor = world.people["direct viewer"], world.people["direct editor"]
    assert access.recording_for_export(user=viewer, recording_id=recording.pk) == recording
    sharing.exports_for_viewers(recording=recording, allowed=False)
    with pytest.raises(Http404):
        access.recording_for_export(user=viewer, recording_id=recording.pk)
    with pytest.raises(Http404):
        access.recording_for_export(user=world.people["team member"], recording_id=recording.pk)
    assert access.recording_for_export(user=editor, recording_id=recording.pk) == recording


def test_the_best_of_several_shares_counts() -> None:
    world = build_world("viewer")
    member = world.people["team member"]
    assert access.access_of(user=member, recording=world.recording) == Access.VIEW
    sharing.share_with_person(recording=world.recording, username="member", role="editor")
    assert access.access_of(user=member, recording=world.recording) == Access.EDIT
    share = RecordingShare.objects.get(recording=world.recording, user=member)
    sharing.share_remove(recording=world.recording, share_id=share.pk)
    assert access.access_of(user=member, recording=world.recording) == Access.VIEW

"""Sharing a recording by link: other logged-in people watch its transcript as it is spoken.

A shared recording has a `share_token`; /watch/<token>/ and /ws/watch/<token>/ answer only
while the token is still the recording's (selectors.recording_get_shared). Viewers' sockets
sit in the recording's viewers group (realtime.viewers_group), where the live session
publishes its interim and final text; stopping sharing tells that group to hang up
(realtime.viewers_disconnect).
"""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404

from teams.models import Membership
from transcripts import realtime
from transcripts.models import Recording, RecordingShare
from transcripts.readers import readers_refresh

# 32 random bytes: 43 URL-safe characters, far beyond guessing.
TOKEN_BYTES = 32


@transaction.atomic
def share_start(*, recording: Recording) -> Recording:
    """Give the recording a watch link; one already shared keeps the link it has."""
    recording = Recording.objects.select_for_update().get(pk=recording.pk)
    if not recording.share_token:
        recording.share_token = secrets.token_urlsafe(TOKEN_BYTES)
        recording.save(update_fields=["share_token"])
    return recording


@transaction.atomic
def share_revoke(*, recording: Recording) -> Recording:
    """Stop sharing: the link stops working and, once committed, watching sockets close."""
    recording = Recording.objects.select_for_update().get(pk=recording.pk)
    if recording.share_token:
        recording.share_token = None
        recording.save(update_fields=["share_token"])
        transaction.on_commit(partial(realtime.viewers_disconnect, recording.pk), robust=True)
    return recording


# --- Sharing with people and teams ----------------------------------------------------


def sharing_changed(*, recording_id: int) -> None:
    """Who may read changed: the search index follows now, live viewers once committed.

    A recording no longer shared with the team whose library it was in leaves that library.
    """
    teams = RecordingShare.objects.filter(recording_id=recording_id, team__isnull=False)
    Recording.objects.filter(pk=recording_id, team__isnull=False).exclude(
        team__in=teams.values("team_id")
    ).update(team=None)
    readers_refresh(recording_id=recording_id)
    transaction.on_commit(partial(realtime.viewers_recheck, recording_id), robust=True)


def _role(role: str) -> str:
    if role not in RecordingShare.Role.values:
        raise ValidationError("Choose viewer or editor.")
    return role


@transaction.atomic
def share_with_person(*, recording: Recording, username: str, role: str) -> RecordingShare:
    """Share with one person, found by user name or e-mail address; a second time updates."""
    name = username.strip()
    person = (
        User.objects.filter(is_active=True)
        .filter(Q(username__iexact=name) | (Q(email__iexact=name) if "@" in name else Q()))
        .first()
    )
    if not name or person is None:
        raise ValidationError(f"Nobody called “{name[:150]}” uses Parley.")
    if person.pk == recording.owner_id:
        raise ValidationError("This is your own recording.")
    return _shared(recording, role, user=person)


@transaction.atomic
def share_with_team(*, recording: Recording, team_id: int, role: str) -> RecordingShare:
    """Share with a team the owner belongs to; a second time updates the role."""
    if not Membership.objects.filter(team_id=team_id, user_id=recording.owner_id).exists():
        raise ValidationError("You can only share with a team you belong to.")
    return _shared(recording, role, team_id=team_id)


def _shared(recording: Recording, role: str, **whom: Any) -> RecordingShare:
    """The recording's share with `whom` (user= or team_id=), created or given `role`."""
    share, _ = RecordingShare.objects.update_or_create(
        recording=recording, defaults={"role": _role(role)}, **whom
    )
    sharing_changed(recording_id=recording.pk)
    return share


@transaction.atomic
def share_set_role(*, recording: Recording, share_id: int, role: str) -> RecordingShare:
    share = _share_of(recording, share_id)
    share.role = _role(role)
    share.save(update_fields=["role"])
    transaction.on_commit(partial(realtime.viewers_recheck, recording.pk), robust=True)
    return share


@transaction.atomic
def share_remove(*, recording: Recording, share_id: int) -> RecordingShare:
    """Stop sharing with a person or team (taking it out of the team's library); the share
    is given back, gone from the database, to say whom it was with."""
    share = _share_of(recording, share_id)
    share.delete()
    sharing_changed(recording_id=recording.pk)
    return share


def _share_of(recording: Recording, share_id: int) -> RecordingShare:
    try:
        return RecordingShare.objects.get(pk=share_id, recording=recording)
    except RecordingShare.DoesNotExist:
        raise Http404("No such share.") from None


def exports_for_viewers(*, recording: Recording, allowed: bool) -> Recording:
    """Whether people it is shared with as viewers may download exports."""
    recording.viewers_may_export = allowed
    recording.save(update_fields=["viewers_may_export"])
    return recording


def on_membership_ended(sender: object, *, team_id: int, user_id: int, **kwargs: object) -> None:
    """Someone left a team: people following its live recordings look again at access, and
    so do the pages of the person who left."""
    live = Recording.objects.filter(shares__team_id=team_id, status=Recording.Status.LIVE)
    for recording_id in live.values_list("pk", flat=True):
        realtime.viewers_recheck(recording_id)
    realtime.followed_recheck(user_id)

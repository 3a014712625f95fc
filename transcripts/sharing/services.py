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

from django.db import transaction

from transcripts import realtime
from transcripts.models import Recording

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

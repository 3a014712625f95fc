"""What teams tell the rest of Parley: someone left a team (their access through it ended)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import Signal, receiver

from teams.models import Membership

# Sent once committed, with team_id and user_id, when a person is no longer a member —
# removed, left, or deleted in the admin.
membership_ended = Signal()


@receiver(post_delete, sender=Membership, dispatch_uid="teams-membership-ended")
def _membership_deleted(sender: type[Membership], instance: Membership, **kwargs: Any) -> None:
    send = partial(
        membership_ended.send, sender=Membership, team_id=instance.team_id, user_id=instance.user_id
    )
    transaction.on_commit(send, robust=True)

"""Reads of webhook endpoints and deliveries; the one gate to an endpoint for a person."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404

from teams.models import Membership, Team
from webhooks.models import Attempt, Delivery, Endpoint

if TYPE_CHECKING:
    from accounts.auth import Visitor

RECENT_DELIVERIES = 20


def admin_team_ids(*, user: Visitor) -> list[int]:
    """The teams this person is an admin of."""
    if user.pk is None:
        return []
    admin = Membership.Role.ADMIN
    return list(
        Membership.objects.filter(user_id=user.pk, role=admin).values_list("team_id", flat=True)
    )


def admin_teams(*, user: Visitor) -> QuerySet[Team]:
    """The teams this person is an admin of, by name."""
    return Team.objects.filter(pk__in=admin_team_ids(user=user)).order_by("name", "pk")


def team_for_admin(*, user: Visitor, team_id: int) -> Team:
    """A team this person administers; 404 for any other, like a missing one."""
    team = admin_teams(user=user).filter(pk=team_id).first()
    if team is None:
        raise Http404("No such team.")
    return team


def endpoints_managed(*, user: Visitor) -> QuerySet[Endpoint]:
    """Endpoints this person manages: their own personal ones and their teams' (as admin)."""
    if user.pk is None:
        return Endpoint.objects.none()
    mine = Q(owner_id=user.pk, team__isnull=True)
    teams = Q(team_id__in=admin_team_ids(user=user))
    return Endpoint.objects.filter(mine | teams).select_related("team", "owner")


def endpoint_for(*, user: Visitor, endpoint_id: int) -> Endpoint:
    """The endpoint if this person manages it; 404 for anyone else's, like a missing one."""
    endpoint = endpoints_managed(user=user).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Http404("No such endpoint.")
    return endpoint


def deliveries_recent(*, endpoint: Endpoint) -> list[Delivery]:
    """The endpoint's latest deliveries, newest first, with their attempts (newest first)."""
    attempts = Prefetch("attempt_log", queryset=Attempt.objects.order_by("-at", "-pk"))
    return list(endpoint.deliveries.prefetch_related(attempts)[:RECENT_DELIVERIES])


def endpoints_listening() -> bool:
    """Whether any endpoint is enabled at all: most installations have none, and an event
    then costs this one query instead of looking up its recording, teams and endpoints."""
    return Endpoint.objects.filter(enabled=True).exists()


def endpoints_for_event(
    *, event_type: str, owner_id: int, team_ids: Iterable[int]
) -> list[Endpoint]:
    """Enabled endpoints that chose this event for a recording of this owner and these teams.

    A team's endpoint hears its team's recordings while the person who registered it is
    still one of the team's admins.
    """
    admin = Membership.Role.ADMIN
    personal = Q(team__isnull=True, owner_id=owner_id)
    team = Q(
        team_id__in=list(team_ids),
        team__memberships__user_id=F("owner_id"),
        team__memberships__role=admin,
    )
    candidates = Endpoint.objects.filter(personal | team, enabled=True).distinct()
    return [endpoint for endpoint in candidates if event_type in endpoint.events]

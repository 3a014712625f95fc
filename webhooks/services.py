"""Writes to webhook endpoints: register, choose events, enable, disable, test, redeliver.

Deliveries themselves (creating them for events, attempting, retrying, giving up) are in
webhooks/delivery.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from transcripts.errors import ApplicationError
from transcripts.outbound import OutboundRefused, check_url
from webhooks import delivery, signing
from webhooks.models import (
    EVENTS,
    MAX_ENDPOINTS,
    MAX_URL_CHARS,
    TEST_EVENT,
    Delivery,
    Endpoint,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from teams.models import Team


def clean_url(url: str) -> str:
    """The URL if Parley may send to it; ValidationError with the reason otherwise."""
    url = url.strip()
    if not url:
        raise ValidationError("Enter the address to send events to.")
    if len(url) > MAX_URL_CHARS:
        raise ValidationError(f"An address has at most {MAX_URL_CHARS:,} characters.")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise ValidationError("An address cannot contain spaces or control characters.")
    try:
        check_url(url)
    except OutboundRefused as exc:
        raise ValidationError(str(exc)) from None
    return url


def clean_events(events: list[str]) -> list[str]:
    """The chosen events in their usual order; ValidationError if none or unknown."""
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise ValidationError(f"Unknown event: {', '.join(unknown)}.")
    if not events:
        raise ValidationError("Choose at least one event.")
    return [event for event in EVENTS if event in events]


def endpoint_create(*, owner: User, team: Team | None, url: str, events: list[str]) -> Endpoint:
    """A new endpoint with a fresh secret; `team` only for one of its admins (views check).

    Not in a transaction: checking the URL resolves its host name, which may take a while.
    """
    url, events = clean_url(url), clean_events(events)
    kept = Endpoint.objects.filter(team=team) if team else owner.webhook_endpoints.filter(team=None)
    if kept.count() >= MAX_ENDPOINTS:
        whose = "A team" if team else "You"
        raise ValidationError(f"{whose} can have at most {MAX_ENDPOINTS} endpoints.")
    return Endpoint.objects.create(
        owner=owner, team=team, url=url, events=events, secret=signing.secret_new()
    )


def endpoint_set_events(*, endpoint: Endpoint, events: list[str]) -> Endpoint:
    """Choose which events the endpoint is sent."""
    endpoint.events = clean_events(events)
    endpoint.save(update_fields=["events"])
    return endpoint


def endpoint_enable(*, endpoint: Endpoint) -> Endpoint:
    """Send events to the endpoint again, starting afresh."""
    endpoint.enabled = True
    endpoint.disabled_reason = ""
    endpoint.failing_since = None
    endpoint.save(update_fields=["enabled", "disabled_reason", "failing_since"])
    return endpoint


@transaction.atomic
def endpoint_disable(*, endpoint: Endpoint, reason: str = "") -> Endpoint:
    """Stop sending events to the endpoint; what is still waiting is given up."""
    return delivery.endpoint_disable(endpoint=endpoint, reason=reason or "Disabled by its owner.")


def endpoint_delete(*, endpoint: Endpoint) -> None:
    """Forget the endpoint with its deliveries and their attempts."""
    endpoint.delete()


@transaction.atomic
def endpoint_send_test(*, endpoint: Endpoint) -> Delivery:
    """Queue a test event for the endpoint, whatever events it chose."""
    if not endpoint.enabled:
        raise ApplicationError("Enable the endpoint first: a disabled endpoint is sent nothing.")
    data: dict[str, object] = {"message": "A test event from Parley: your endpoint is reachable."}
    return delivery.delivery_create(endpoint=endpoint, event_type=TEST_EVENT, data=data)


@transaction.atomic
def delivery_redeliver(*, endpoint: Endpoint, delivery_id: int) -> Delivery:
    """Send one of the endpoint's deliveries again, with a fresh day of retries."""
    if not endpoint.enabled:
        raise ApplicationError("Enable the endpoint first: a disabled endpoint is sent nothing.")
    found = Delivery.objects.select_for_update().filter(endpoint=endpoint, pk=delivery_id).first()
    if found is None:
        raise ApplicationError("That delivery is not this endpoint's.")
    return delivery.delivery_restart(found)

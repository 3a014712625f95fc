"""Deliveries: created for events, attempted by the worker, retried, given up, disabled.

Each attempt is claimed first (a conditional update pushes `next_attempt_at` past the time
the attempt can take), so two workers, or a task queued twice, never send one attempt
twice. A failed attempt is retried after a doubling delay until `retry_until` (a day by
default); an endpoint whose deliveries have all failed for that long is disabled.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from transcripts.outbound import OutboundRefused, open_response
from webhooks import signing
from webhooks.models import MAX_EXCERPT_CHARS, Attempt, Delivery, Endpoint
from webhooks.tasks import deliver

logger = logging.getLogger(__name__)

EXCERPT_BYTES = 2048


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: a status code and an excerpt, or an error in words."""

    status_code: int | None
    excerpt: str
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        """A 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


def _retry_window() -> timedelta:
    return timedelta(hours=settings.WEBHOOK_RETRY_HOURS)


def _attempt_lease() -> timedelta:
    """Longer than one attempt can take: every redirect hop may wait the whole timeout."""
    hops = settings.OUTBOUND_MAX_REDIRECTS + 1
    return timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 2 * hops + 30)


def _enqueue(delivery_id: int, run_after: datetime | None) -> None:
    task = deliver.using(run_after=run_after) if run_after else deliver
    task.enqueue(delivery_id)


def delivery_enqueue(delivery: Delivery) -> None:
    """Queue the delivery's next attempt once the transaction commits (its id only)."""
    run_after = delivery.next_attempt_at if delivery.attempts else None
    transaction.on_commit(partial(_enqueue, delivery.pk, run_after))


@transaction.atomic
def delivery_create(*, endpoint: Endpoint, event_type: str, data: dict[str, object]) -> Delivery:
    """An event for the endpoint, queued for the worker."""
    now = timezone.now()
    event_id = signing.event_id_new()
    payload = {"type": event_type, "timestamp": now.isoformat(), "id": event_id, "data": data}
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event_id=event_id,
        event_type=event_type,
        payload=payload,
        next_attempt_at=now,
        retry_until=now + _retry_window(),
        created_at=now,
    )
    delivery_enqueue(delivery)
    return delivery


def delivery_restart(delivery: Delivery) -> Delivery:
    """Send a delivery again, now, with a fresh retry window (same id: receivers dedupe)."""
    now = timezone.now()
    delivery.status = Delivery.Status.PENDING
    delivery.next_attempt_at = now
    delivery.retry_until = now + _retry_window()
    delivery.save(update_fields=["status", "next_attempt_at", "retry_until"])
    transaction.on_commit(partial(_enqueue, delivery.pk, None))
    return delivery


def delivery_attempt(*, delivery_id: int) -> Outcome | None:
    """Attempt a due delivery and record what happened; None if it was not due or not ours."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    outcome = post(delivery)
    _record(delivery.pk, outcome)
    return outcome


@transaction.atomic
def _claim(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id,
        status=Delivery.Status.PENDING,
        next_attempt_at__lte=now,
        endpoint__enabled=True,
    ).update(next_attempt_at=now + _attempt_lease(), attempts=F("attempts") + 1)
    if not claimed:
        return None
    return Delivery.objects.select_related("endpoint").get(pk=delivery_id)


def body_of(delivery: Delivery) -> bytes:
    """The JSON body sent (and signed) for a delivery."""
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def post(delivery: Delivery) -> Outcome:
    """POST the signed delivery through the SSRF guard; never raises for the receiver's sake."""
    body = body_of(delivery)
    headers = signing.headers(
        secret=delivery.endpoint.secret,
        event_id=delivery.event_id,
        timestamp=int(time.time()),
        body=body,
    )
    started = time.monotonic()
    status_code, excerpt, error = None, "", ""
    try:
        with open_response(
            delivery.endpoint.url,
            method="POST",
            headers=headers,
            content=body,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        ) as response:
            status_code, excerpt = response.status_code, _excerpt(response)
    except OutboundRefused as exc:
        error = f"Refused: {exc}"
    except httpx.TimeoutException:
        error = f"No answer within {settings.WEBHOOK_TIMEOUT_SECONDS:g} seconds."
    except httpx.HTTPError as exc:
        error = f"Could not connect: {exc or type(exc).__name__}"
    except Exception as exc:
        # Logged for the operator; the attempt is still recorded, so retries and the
        # retry window apply as for any failure.
        logger.exception("Webhook delivery %s failed unexpectedly", delivery.pk)
        error = f"Could not send: {type(exc).__name__}"
    elapsed = int((time.monotonic() - started) * 1000)
    return Outcome(status_code, excerpt, error[:MAX_EXCERPT_CHARS], elapsed)


def _excerpt(response: httpx.Response) -> str:
    """The start of the answer, as text: enough to see what the receiver said."""
    received = b""
    for chunk in response.iter_bytes():
        received += chunk
        if len(received) >= EXCERPT_BYTES:
            break
    text = received[:EXCERPT_BYTES].decode("utf-8", errors="replace").strip()
    return text[:MAX_EXCERPT_CHARS]


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: doubling, capped."""
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 30)
    return timedelta(seconds=min(seconds, settings.WEBHOOK_RETRY_MAX_SECONDS))


@transaction.atomic
def _record(delivery_id: int, outcome: Outcome) -> None:
    """Log the attempt; then succeed, schedule a retry or give up, and judge the endpoint."""
    delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery_id)
    now = timezone.now()
    Attempt.objects.create(
        delivery=delivery,
        at=now,
        status_code=outcome.status_code,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
        response_excerpt=outcome.excerpt,
    )
    endpoint = Endpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    if outcome.succeeded:
        delivery.status, delivery.next_attempt_at = Delivery.Status.SUCCEEDED, None
        delivery.save(update_fields=["status", "next_attempt_at"])
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since"])
        return
    _schedule_retry(delivery, now)
    if endpoint.enabled:
        _judge_failing(endpoint, now, outcome)


def _schedule_retry(delivery: Delivery, now: datetime) -> None:
    """Try again after the backoff, last at `retry_until`; after that, give up."""
    if now >= delivery.retry_until:
        delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
    else:
        delivery.next_attempt_at = min(now + retry_delay(delivery.attempts), delivery.retry_until)
        delivery_enqueue(delivery)
    delivery.save(update_fields=["status", "next_attempt_at"])


def _judge_failing(endpoint: Endpoint, now: datetime, outcome: Outcome) -> None:
    """An endpoint failing without a single success for the retry window is disabled."""
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        endpoint.save(update_fields=["failing_since"])
        return
    if now - endpoint.failing_since < _retry_window():
        return
    since = date_format(timezone.localtime(endpoint.failing_since), "j M Y, H:i")
    last = outcome.error or f"HTTP {outcome.status_code}."
    reason = (
        f"Disabled because every delivery has failed since {since} "
        f"(over {settings.WEBHOOK_RETRY_HOURS:g} hours). Last attempt: {last}"
    )
    endpoint_disable(endpoint=endpoint, reason=reason)
    logger.warning("Disabled webhook endpoint %s: failing since %s", endpoint.pk, since)


def endpoint_disable(*, endpoint: Endpoint, reason: str) -> Endpoint:
    """Stop sending to the endpoint; its waiting deliveries are given up (redeliver later)."""
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.save(update_fields=["enabled", "disabled_reason"])
    endpoint.deliveries.filter(status=Delivery.Status.PENDING).update(
        status=Delivery.Status.FAILED, next_attempt_at=None
    )
    return endpoint


def deliveries_for_event(
    *, event_type: str, endpoints: list[Endpoint], data: dict[str, object]
) -> list[Delivery]:
    """One delivery of the event for each endpoint, queued (atomically, all or none)."""
    with transaction.atomic():
        return [
            delivery_create(endpoint=endpoint, event_type=event_type, data=data)
            for endpoint in endpoints
        ]


def deliveries_prune() -> int:
    """Forget finished deliveries, with their attempts, older than WEBHOOK_LOG_DAYS."""
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    old = Delivery.objects.filter(created_at__lt=cutoff).exclude(status=Delivery.Status.PENDING)
    return old.delete()[1].get(Delivery._meta.label, 0)


def deliveries_recover() -> int:
    """Queue again deliveries whose attempt is long overdue (a worker died mid-attempt)."""
    overdue = timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS)
    ids = list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lt=overdue, endpoint__enabled=True
        ).values_list("pk", flat=True)[:1000]
    )
    for delivery_id in ids:
        _enqueue(delivery_id, None)
    return len(ids)

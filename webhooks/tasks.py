"""Background tasks of webhooks (run by `manage.py db_worker`). Thin: an id in, a service called."""

from __future__ import annotations

from django.tasks import task


@task()
def deliver(delivery_id: int) -> None:
    """Make one attempt at a delivery, if it is due."""
    # The delivery services queue this task: imported when it runs.
    from webhooks.delivery import delivery_attempt

    delivery_attempt(delivery_id=delivery_id)

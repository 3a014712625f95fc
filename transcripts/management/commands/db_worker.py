"""`manage.py db_worker`: django-tasks-db's worker, plus recovery of jobs whose worker died.

django-tasks-db leaves the task of a killed worker marked as running forever. Parley's
jobs hold a lease instead: while this worker runs, a janitor thread requeues jobs whose
lease has lapsed (checked at start and then every half lease), fails jobs whose Deepgram
callback never came, and clears out old page events and abandoned uploads. Once a day
it also applies the retention policy (transcripts/retention/).
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from config.db import close_connections
from transcripts import realtime, signals
from transcripts.jobs.callback_services import jobs_expire_callbacks
from transcripts.jobs.services import jobs_recover_orphans
from transcripts.live.recovery import recordings_recover
from transcripts.retention.services import retention_sweep_daily
from transcripts.uploads.services import uploads_discard_abandoned

logger = logging.getLogger(__name__)


def sweep() -> None:
    """One round of housekeeping; errors are logged, never fatal to the worker."""
    try:
        recovered = jobs_recover_orphans()
        if recovered:
            logger.warning("Requeued %d job(s) whose worker had stopped", recovered)
        expired = jobs_expire_callbacks()
        if expired:
            logger.warning("Failed %d job(s) whose Deepgram callback never came", expired)
        interrupted = recordings_recover()
        if interrupted:
            logger.warning("Marked %d abandoned live recording(s) interrupted", interrupted)
        realtime.outbox_prune()
        uploads_discard_abandoned()
        signals.worker_sweep.send_robust(sender=None)
        retention_sweep_daily(now=timezone.now())
    except Exception:
        logger.exception("Job housekeeping failed; trying again later")


def janitor(stop: threading.Event) -> None:
    """Sweep every half lease until the worker stops."""
    try:
        while not stop.wait(settings.JOB_LEASE_SECONDS / 2):
            sweep()
    finally:
        close_connections()


def exit_in_a_finalizer_is_not_an_error(unraisable: Any) -> None:
    """sys.unraisablehook: a stop signal during a clean-up (`__del__`) is no error.

    django-tasks-db's signal handler stops the worker with `sys.exit()` wherever the worker
    is. Arriving while a finalizer runs, that SystemExit cannot leave it, and Python printed
    it as a traceback; the worker has already stopped taking tasks, and ends by itself once
    its current step is over. Anything else goes to Python's own hook.
    """
    if isinstance(unraisable.exc_value, SystemExit):
        logger.info("Stopping once the current step is over")
        return
    sys.__unraisablehook__(unraisable)


class Command(DatabaseWorkerCommand):
    """django-tasks-db's db_worker with Parley's job recovery."""

    help = DatabaseWorkerCommand.help + ", recovering jobs whose worker died"

    def handle(self, *args: Any, **options: Any) -> None:
        sys.unraisablehook = exit_in_a_finalizer_is_not_an_error
        sweep()
        stop = threading.Event()
        cleaner = threading.Thread(target=janitor, args=(stop,), name="job-janitor", daemon=True)
        cleaner.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            cleaner.join()
            close_connections()

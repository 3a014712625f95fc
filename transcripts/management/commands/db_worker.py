"""`manage.py db_worker`: django-tasks-db's worker, plus recovery of jobs whose worker died.

django-tasks-db leaves the task of a killed worker marked as running forever. Parley's
jobs hold a lease instead: while this worker runs, a janitor thread requeues jobs whose
lease has lapsed (checked at start and then every half lease), fails jobs whose Deepgram
callback never came, and clears out old page events and abandoned uploads. Once a day
it also applies the retention policy (transcripts/retention/).
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from config.db import close_connections
from transcripts import realtime, signals
from transcripts.jobs.callback_services import jobs_expire_callbacks
from transcripts.jobs.services import jobs_recover_orphans
from transcripts.live.recovery import recordings_recover
from transcripts.retention.services import retention_sweep_daily
from transcripts.uploads.services import uploads_discard_abandoned

logger = logging.getLogger(__name__)

# The library's options that its Worker takes as they are.
WORKER_OPTIONS = ("interval", "batch", "backend_name", "startup_delay", "max_tasks", "worker_id")


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


class StoppingWorker(Worker):
    """django-tasks-db's worker, stopped by a signal only between its steps.

    The library's handler stops an idle worker with `sys.exit()` wherever it is: in a
    transaction's commit or rollback (Django then found the transaction still open and logged
    a traceback; seen once in CI, in the log of a worker a test stopped) or in a finalizer,
    where the exit cannot leave and Python printed it. Here a signal only asks the loop to
    end: the step under way (a poll, a task) finishes, the worker takes no other and returns,
    within its polling interval. A second signal during a task ends the task at once, as the
    library does (`./parley start` sends one on Ctrl+C, beside the terminal's own).
    """

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running and self.running_task:
            super().shutdown(signum, frame)
            return
        if self.running:
            logger.warning(
                "Received %s - stopping once the current step is over (again to end a task)",
                signal.strsignal(signum),
            )
        self.running = False


class Command(DatabaseWorkerCommand):
    """django-tasks-db's db_worker with Parley's job recovery."""

    help = DatabaseWorkerCommand.help + ", recovering jobs whose worker died"

    def handle(self, *args: Any, **options: Any) -> None:
        sweep()
        stop = threading.Event()
        cleaner = threading.Thread(target=janitor, args=(stop,), name="job-janitor", daemon=True)
        cleaner.start()
        try:
            self.run_worker(**options)
        finally:
            stop.set()
            cleaner.join()
            close_connections()

    def run_worker(
        self, *, verbosity: int, queue_name: str, exclude_queues: str, reload: bool, **options: Any
    ) -> None:
        """The library's `handle`, with `StoppingWorker` and without `--reload`."""
        self.configure_logging(verbosity)
        if reload:
            raise CommandError("--reload is not supported: restart the worker after a change.")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_name.split(","):
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = StoppingWorker(
            queue_names=queue_name.split(","),
            excluded_queue_names=excluded,
            **{name: options[name] for name in WORKER_OPTIONS},
        )
        worker.configure_signals()
        worker.run()

"""A stop signal ends the worker between its steps, never inside one.

django-tasks-db's own handler stopped an idle worker with `sys.exit()` wherever it was: inside a
transaction's commit, Django found the transaction still open and the worker's log showed a
traceback (seen once in CI, in the log of a worker a test stopped).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from transcripts.management.commands.db_worker import StoppingWorker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker() -> Iterator[StoppingWorker]:
    """A worker whose signal handlers are installed in this process, as `db_worker` installs
    them; the test run's own handlers come back afterwards."""
    stopping = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    before = {signum: signal.getsignal(signum) for signum in stopping}
    worker = StoppingWorker(
        queue_names=["default"], interval=0.1, batch=False, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="stop-test", excluded_queue_names=[],
    )  # fmt: skip
    worker.configure_signals()
    try:
        yield worker
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def test_a_stop_signal_lets_the_transaction_under_way_commit(worker: StoppingWorker) -> None:
    with transaction.atomic():
        User.objects.create_user(username="kept")
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs here, before the next line
        User.objects.create_user(username="also-kept")
    assert not worker.running
    assert set(User.objects.values_list("username", flat=True)) == {"kept", "also-kept"}


def test_a_stopped_worker_takes_no_other_task(worker: StoppingWorker) -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    worker.run()  # returns at once: the loop checks `running` before each step


def test_a_second_signal_while_idle_changes_nothing(worker: StoppingWorker) -> None:
    os.kill(os.getpid(), signal.SIGINT)  # a terminal's Ctrl+C, then `./parley`'s own stop
    os.kill(os.getpid(), signal.SIGTERM)
    assert not worker.running


def test_a_second_signal_during_a_task_ends_it_at_once(worker: StoppingWorker) -> None:
    worker.running_task = True
    os.kill(os.getpid(), signal.SIGTERM)
    assert not worker.running
    with pytest.raises(SystemExit):
        os.kill(os.getpid(), signal.SIGTERM)

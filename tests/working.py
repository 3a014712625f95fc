"""Running Parley's worker inside a test."""

from __future__ import annotations

import signal

from django.core.management import call_command


def run_worker() -> None:
    """Parley's db_worker until nothing is ready to run (its signal handlers put back)."""
    watched = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    handlers = {number: signal.getsignal(number) for number in watched}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)

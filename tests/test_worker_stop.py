"""A stop signal that reaches the worker while a clean-up (`__del__`) runs is not an error: the
SystemExit django-tasks-db's handler raises there cannot leave the finalizer, and Python printed
it as a traceback (seen once in CI, in the log of a worker stopped by a test)."""

from __future__ import annotations

import sys

import pytest

from transcripts.management.commands.db_worker import exit_in_a_finalizer_is_not_an_error


class StoppedInItsFinalizer:
    def __del__(self) -> None:
        sys.exit(0)  # as django-tasks-db's signal handler does, wherever the worker is


class BrokenInItsFinalizer:
    def __del__(self) -> None:
        raise ValueError("a real error in a clean-up")


@pytest.fixture
def workers_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "unraisablehook", exit_in_a_finalizer_is_not_an_error)


def test_an_exit_in_a_finalizer_prints_no_traceback(
    workers_hook: None, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    StoppedInItsFinalizer()  # freed at once: its __del__ runs here
    assert "Traceback" not in capsys.readouterr().err
    assert "Stopping once the current step is over" in caplog.text


def test_any_other_error_in_a_finalizer_is_still_printed(
    workers_hook: None, capsys: pytest.CaptureFixture[str]
) -> None:
    BrokenInItsFinalizer()
    printed = capsys.readouterr().err
    assert "Traceback" in printed
    assert "ValueError: a real error in a clean-up" in printed

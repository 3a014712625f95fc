"""The error a service raises when the state of things does not allow an action."""

from __future__ import annotations


class ApplicationError(Exception):
    """An action that the current state of things does not allow; the message says why."""

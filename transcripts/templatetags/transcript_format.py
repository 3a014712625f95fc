"""Template filters for times and durations."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def clock(seconds: float | None) -> str:
    """Seconds as m:ss, or h:mm:ss past an hour."""
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def speaker_label(speaker: int | None) -> str:
    """A speaker number as people read it."""
    return "" if speaker is None else f"Speaker {speaker + 1}"

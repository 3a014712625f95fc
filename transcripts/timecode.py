"""Moments in a recording as people read them: the one clock format of the server side."""

from __future__ import annotations


def clock(seconds: float | None) -> str:
    """m:ss, or h:mm:ss from an hour on."""
    whole = int(seconds or 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def subtitle_clock(seconds: float, separator: str) -> str:
    """HH:MM:SS<separator>mmm, as subtitle formats want it (',' for SRT, '.' for WebVTT)."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"

"""Consent: the notice people confirm before recording, which applies where, and what a
recording keeps of it (the text, its version, who confirmed it and when).

The notice for a recording saved to a team is the team's own, else the site's
CONSENT_NOTICE; an empty one means no step. Its version is a hash of its text, so a changed
notice must be confirmed again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from teams.models import Team
    from transcripts.models import Recording


@dataclass(frozen=True, slots=True)
class ConsentNotice:
    """A notice to confirm before recording, and its version (changes with its text)."""

    text: str
    version: str


def consent_notice(team: Team | None) -> ConsentNotice | None:
    """The notice for recording to `team` (None: only me): the team's, else the site's."""
    text = (team.consent_notice if team is not None else "") or settings.CONSENT_NOTICE
    text = text.strip()
    if not text:
        return None
    return ConsentNotice(text=text, version=hashlib.sha256(text.encode()).hexdigest()[:12])


def consent_choices(*, teams: list[Team], chosen: int | None) -> list[dict[str, object]]:
    """The notice for each "Save to" choice that has one (key "" is only me), chosen first."""
    destinations: list[tuple[str, Team | None]] = [("", None)]
    destinations += [(str(team.pk), team) for team in teams]
    choices = [
        {"destination": key, "team_name": team.name if team else "", "notice": notice}
        for key, team in destinations
        if (notice := consent_notice(team)) is not None
    ]
    return sorted(choices, key=lambda choice: choice["destination"] != str(chosen or ""))


def consent_json(recording: Recording) -> dict[str, object] | None:
    """The consent notice confirmed before recording, if one was asked for."""
    if not recording.consent_version:
        return None
    confirmed_by = recording.owner if recording.consent_by_id == recording.owner_id else None
    return {
        "text": recording.consent_text,
        "version": recording.consent_version,
        "confirmed_by": confirmed_by.get_username() if confirmed_by else None,
        "confirmed_at": recording.consent_at.isoformat() if recording.consent_at else None,
    }

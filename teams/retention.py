"""How long a team keeps its recordings' audio and transcripts: its own rule or the site's.

A team's field holds None (the site default, `RETENTION_AUDIO_DAYS` /
`RETENTION_TRANSCRIPT_DAYS`), 0 (keep forever) or a number of days; recordings in no team
follow the site default. transcripts/retention/ applies the rule; this module only says it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from teams.models import Team

KEEP_FOREVER = 0
MAX_RETENTION_DAYS: int = settings.MAX_RETENTION_DAYS


@dataclass(frozen=True, slots=True)
class Rule:
    """How many days something is kept (None: forever), and whose rule that is."""

    days: int | None
    team_name: str  # empty: the site's default

    @property
    def whose(self) -> str:
        """Who keeps it, for a sentence: "team Sales" or "this site"."""
        return f"team {self.team_name}" if self.team_name else "this site"

    @property
    def kept(self) -> str:
        """How long, for a sentence: "30 days", "1 day" or "forever"."""
        if self.days is None:
            return "forever"
        return f"{self.days} day{'' if self.days == 1 else 's'}"


def effective_days(own: int | None, site: int | None) -> int | None:
    """Days kept under a team's own value (None: the site's; 0: forever); None is forever."""
    days = site if own is None else own
    # A value past the century the forms allow (set in the admin, say) is kept a century.
    return min(days, MAX_RETENTION_DAYS) if days else None


def audio_rule(team: Team | None) -> Rule:
    """How long audio saved to `team` (None: no team) is kept."""
    own = team.audio_retention_days if team is not None else None
    days = effective_days(own, settings.RETENTION_AUDIO_DAYS)
    return Rule(days=days, team_name=team.name if team is not None and own is not None else "")


def transcript_rule(team: Team | None) -> Rule:
    """How long recordings with their transcripts saved to `team` (None: no team) are kept."""
    own = team.transcript_retention_days if team is not None else None
    days = effective_days(own, settings.RETENTION_TRANSCRIPT_DAYS)
    return Rule(days=days, team_name=team.name if team is not None and own is not None else "")


def site_rules() -> tuple[Rule, Rule]:
    """The site's default for audio and for transcripts."""
    return audio_rule(None), transcript_rule(None)


@dataclass(frozen=True, slots=True)
class Setting:
    """One of a team's retention fields as its form shows it: the choice and the days."""

    choice: str  # "default", "forever" or "days"
    days: int | None
    rule: Rule  # what applies, the site's default included
    site: Rule  # the site's default, to name in the form


@dataclass(frozen=True, slots=True)
class TeamRetention:
    """A team's retention, for its page: audio and transcripts."""

    audio: Setting
    transcript: Setting


def _setting(own: int | None, rule: Rule, site: Rule) -> Setting:
    choice = "default" if own is None else "forever" if own == KEEP_FOREVER else "days"
    return Setting(choice=choice, days=own or None, rule=rule, site=site)


def team_retention(*, team: Team) -> TeamRetention:
    """What the team's page says, and its form shows, about how long recordings are kept."""
    site_audio, site_transcript = site_rules()
    return TeamRetention(
        audio=_setting(team.audio_retention_days, audio_rule(team), site_audio),
        transcript=_setting(team.transcript_retention_days, transcript_rule(team), site_transcript),
    )

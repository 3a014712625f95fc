"""Where a new recording goes — only its owner's, or a team's library — which glossary its
engine is given (the team's for a team's recording, the owner's own otherwise), and which
consent notice must be confirmed first (the team's, else the site's CONSENT_NOTICE, if any).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from teams.models import Membership, Team
from teams.selectors import preferences_of
from teams.services import preferences_save_to
from transcripts.consent import ConsentNotice, consent_notice

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NOT_YOUR_TEAM = "You can only save to a team you belong to."


@dataclass(frozen=True, slots=True)
class Destination:
    """A new recording's team (None: only its owner), its glossary and consent notice."""

    team: Team | None
    glossary: tuple[str, ...]
    glossary_from: str  # the team's name, "your own", or "" when there are no terms
    consent: ConsentNotice | None = None

    def describe(self) -> dict[str, object]:
        """What the recording keeps in its options about the glossary."""
        if not self.glossary:
            return {}
        return {"glossary": list(self.glossary), "glossary_from": self.glossary_from}


def destination_for(*, user: User, team_id: int | None) -> Destination:
    """Where `user` saves a recording with `team_id`; refused unless they are a member.

    The choice is remembered as the user's default for the next one.
    """
    preferences = preferences_of(user=user)
    if team_id is None:
        own = tuple(preferences.glossary)
        destination = Destination(
            team=None,
            glossary=own,
            glossary_from="your own" if own else "",
            consent=consent_notice(None),
        )
    else:
        membership = Membership.objects.select_related("team").filter(team_id=team_id, user=user)
        found = membership.first()
        if found is None:
            raise ValidationError(NOT_YOUR_TEAM)
        destination = Destination(
            team=found.team,
            glossary=tuple(found.team.glossary),
            glossary_from=found.team.name,
            consent=consent_notice(found.team),
        )
    # Written only when it changes: every meeting starts here, most where the last one went
    # (never chosen is the same as only its owner's).
    if preferences.save_to_id != team_id:
        preferences_save_to(user=user, team_id=team_id)
    return destination
